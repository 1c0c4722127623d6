//! The fuzz targets (`sfsec::fuzz`) on stable Rust, as CI can afford: every seed and every
//! regression input is replayed, then mutated at random from a fixed seed for a bounded time.
//! A panic, a run over 30 s (unoptimised) or a stack overflow fails the test; the input is written to
//! `target/fuzz-failures/` to replay. `cargo fuzz` (see `fuzz/README.md`) runs the same
//! targets under libFuzzer for hours.
//!
//! `SFSEC_FUZZ_SECONDS` sets the mutation time per target (default 5).

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A hang, for an unoptimised build: libFuzzer's release runs hold inputs to 10 s.
const HANG: Duration = Duration::from_secs(30);

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The seeds of a target: `fuzz/seeds/<target>/`, the regressions in `fuzz/regressions/<target>/`,
/// and the project's own corpus files of the target's kind.
fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for dir in ["fuzz/seeds", "fuzz/regressions"] {
        if let Ok(rd) = std::fs::read_dir(root().join(dir).join(target)) {
            let mut paths: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
            paths.sort();
            for p in paths {
                if let Ok(b) = std::fs::read(&p) {
                    out.push((p.display().to_string(), b));
                }
            }
        }
    }
    let ends: &[&str] = match target {
        "apex" | "suppress" | "secrets" => &[".cls", ".trigger"],
        "xml" => &["-meta.xml"],
        "json" => &[".json"],
        "visualforce" => &[".page", ".component"],
        "javascript" => &[".js"],
        "config" => &[".toml"],
        _ => &[],
    };
    let mut corpus: Vec<PathBuf> = walk(&root().join("corpus"));
    corpus.sort();
    for p in corpus {
        let name = p.to_string_lossy();
        if ends.iter().any(|e| name.ends_with(e))
            && let Ok(b) = std::fs::read(&p)
        {
            out.push((name.into_owned(), b));
        }
    }
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else { return out };
    for e in rd.flatten() {
        let p = e.path();
        // The entry's own type: a link to a folder is not walked into.
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// xorshift64*: a fixed sequence for a fixed seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

/// Pieces that reach the limits and the escaping: nesting openers, directives, control
/// characters, markup, quotes and namespace tokens.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "if (b) {",
    "else if (c) {",
    " + 'a'",
    "public class N {",
    "<a>",
    "</a>",
    "<!-- sfsec-ignore oauth-broad-scope: r -->",
    "// sfsec-ignore hardcoded-secret: r\n",
    "// NOPMD\n",
    "\u{1b}[2J",
    "\r",
    "\u{202e}",
    "\u{feff}",
    "'",
    "\"",
    "/*",
    "*/",
    "%%%NAMESPACE%%%",
    "UserInfo.getSessionId()",
    "{!$Api.Session_ID}",
    "@salesforce/apex/",
    "getReturnValue()",
    "<scopes>Full</scopes>",
    "=HYPERLINK(\"x\")",
    "password = 'Sup3rS3cret!'",
    "\u{0}",
    "\n",
    "\\",
    "`",
];

fn mutate(rng: &mut Rng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut v = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(v.len() + 1);
        match rng.below(7) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            1 => v.insert(at, rng.next() as u8),
            2 if !v.is_empty() => {
                let end = (at + rng.below(64)).min(v.len());
                v.drain(at.min(end)..end);
            }
            3 => {
                let t = TOKENS[rng.below(TOKENS.len())].as_bytes();
                v.splice(at..at, t.iter().copied());
            }
            4 => {
                // A token repeated up to past the depth limit.
                let t = TOKENS[rng.below(TOKENS.len())].as_bytes();
                let n = [2, 10, 100, 1_000, 2_100][rng.below(5)];
                let rep: Vec<u8> = t.iter().copied().cycle().take(t.len() * n).collect();
                v.splice(at..at, rep);
            }
            5 if !v.is_empty() => {
                // A slice of the input duplicated in place.
                let start = rng.below(v.len());
                let end = (start + 1 + rng.below(256)).min(v.len());
                let piece = v[start..end].to_vec();
                v.splice(at..at, piece);
            }
            _ if !other.is_empty() => {
                let start = rng.below(other.len());
                let end = (start + 1 + rng.below(512)).min(other.len());
                v.splice(at..at, other[start..end].iter().copied());
            }
            _ => {}
        }
    }
    v.truncate(1 << 20);
    v
}

/// Runs `f` on `input` on a thread of its own; a panic or a run past [`HANG`] fails the test,
/// keeping the input.
fn run_one(target: &str, f: fn(&[u8]), input: Vec<u8>, what: &str) {
    let (tx, rx) = mpsc::channel();
    let data = input.clone();
    let worker = std::thread::Builder::new()
        .stack_size(sfsec::engine::STACK_BYTES)
        .spawn(move || {
            let r = std::panic::catch_unwind(|| f(&data));
            let _ = tx.send(r.is_ok());
        })
        .expect("spawn");
    let ok = match rx.recv_timeout(HANG) {
        Ok(ok) => ok,
        Err(_) => {
            let path = keep(target, &input);
            panic!("{target}: {what} ran past {HANG:?}; input kept in {}", path.display());
        }
    };
    let _ = worker.join();
    if !ok {
        let path = keep(target, &input);
        panic!("{target}: {what} panicked; input kept in {}", path.display());
    }
}

fn keep(target: &str, input: &[u8]) -> PathBuf {
    let dir = root().join("target/fuzz-failures").join(target);
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(format!("{}", blake3::hash(input).to_hex()));
    let _ = std::fs::write(&path, input);
    path
}

fn fuzz(target: &str) {
    sfsec::fuzz::init();
    let f = sfsec::fuzz::TARGETS
        .iter()
        .find(|(n, _)| *n == target)
        .map(|(_, f)| *f)
        .expect("a target");
    let seeds = seeds(target);
    assert!(!seeds.is_empty(), "{target} has seeds");
    for (name, input) in &seeds {
        run_one(target, f, input.clone(), &format!("seed {name}"));
    }
    let seconds: u64 = std::env::var("SFSEC_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    // Never zero: xorshift would stay there.
    let mut rng = Rng((0x5f5e_c000 ^ u64::from(blake3::hash(target.as_bytes()).as_bytes()[0])) | 1);
    let start = Instant::now();
    let mut runs = 0u64;
    while start.elapsed() < Duration::from_secs(seconds) {
        let a = &seeds[rng.below(seeds.len())].1;
        let b = &seeds[rng.below(seeds.len())].1;
        let input = mutate(&mut rng, a, b);
        run_one(target, f, input, &format!("mutation {runs}"));
        runs += 1;
    }
    eprintln!("{target}: {} seeds, {runs} mutations in {seconds} s", seeds.len());
}

/// The targets one after the other: run side by side on two cores, a debug build's slower
/// inputs took turns and crossed the hang bound by waiting, not working.
#[test]
fn every_target() {
    for (name, _) in sfsec::fuzz::TARGETS {
        fuzz(name);
    }
}

/// Every target of the library has its libFuzzer target in `fuzz/`.
#[test]
fn every_target_is_run_both_ways() {
    for (name, _) in sfsec::fuzz::TARGETS {
        let target = root().join("fuzz/fuzz_targets").join(format!("{name}.rs"));
        let text = std::fs::read_to_string(&target).unwrap_or_default();
        assert!(
            text.contains(&format!("sfsec::fuzz::{name}(")),
            "{} calls sfsec::fuzz::{name}",
            target.display()
        );
    }
}
