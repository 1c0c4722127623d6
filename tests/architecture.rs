//! The shape of the library (see `book/src/architecture.md`), read from its source without the
//! unit tests: each top-level module of `src/` uses only the modules below it, and no function
//! or file grows past a size a reader can hold.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// From the bottom up. A module may use its own layer and the ones before it.
const LAYERS: &[&str] = &[
    "diagnostics",
    "syntax",
    "workspace",
    "semantic",
    "dataflow",
    "lints",
    "engine",
    "output",
    "cli",
];

/// Test and benchmark support above every layer: they may use anything, nothing uses them.
const SUPPORT: &[&str] = &["testing", "fuzz", "generate"];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level module a file belongs to: `src/syntax/apex.rs` -> `syntax`, `src/fuzz.rs` ->
/// `fuzz`; `None` for `lib.rs`, `main.rs` and the binaries.
fn module_of(rel: &Path) -> Option<String> {
    let mut parts = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned());
    let first = parts.next()?;
    let top = match parts.next() {
        Some(_) => first,
        None => first.strip_suffix(".rs")?.to_string(),
    };
    (!matches!(top.as_str(), "lib" | "main" | "bin")).then_some(top)
}

/// The code of a file without its unit tests (each `#[cfg(test)] mod ... { ... }`, or a whole
/// test-only file) and without comment lines: doc links are not uses.
fn without_tests(rel: &Path, text: &str) -> String {
    let name = rel.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if matches!(name, "tests.rs" | "test_support.rs") {
        return String::new();
    }
    let mut kept = String::new();
    let mut rest = text;
    while let Some(at) = test_module(rest) {
        kept.push_str(&rest[..at]);
        let open = rest[at..].find('{').map(|o| at + o);
        let semi = rest[at..].find(';').map(|o| at + o);
        rest = match (open, semi) {
            // `mod tests;`: a file of its own.
            (_, Some(semi)) if open.is_none_or(|o| semi < o) => &rest[semi + 1..],
            (Some(open), _) => &rest[block_end(rest, open)..],
            _ => "",
        };
    }
    kept.push_str(rest);
    kept.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .fold(String::new(), |mut out, l| {
            out.push_str(l);
            out.push('\n');
            out
        })
}

/// Where the next `#[cfg(test)]` that starts a module begins.
fn test_module(text: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = text[from..].find("#[cfg(test)]") {
        let at = from + i;
        let after = text[at + "#[cfg(test)]".len()..].trim_start();
        if after.starts_with("mod ") || after.starts_with("pub mod ") || after.starts_with("pub(crate) mod ") {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// The index just past the `}` that closes the block opening at `open`, reading strings, raw
/// strings, character literals and comments as Rust does; the end of the text if it never closes.
fn block_end(text: &str, open: usize) -> usize {
    let b = text.as_bytes();
    let mut depth = 0usize;
    let mut i = open;
    while i < b.len() {
        match b[i] {
            b'{' => depth += 1,
            b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = text[i..].find('\n').map_or(b.len(), |e| i + e);
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..].find("*/").map_or(b.len(), |e| i + 2 + e + 1);
            }
            b'r' if matches!(b.get(i + 1), Some(b'#' | b'"')) && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) => {
                let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
                if b.get(i + 1 + hashes) == Some(&b'"') {
                    let close = format!("\"{}", "#".repeat(hashes));
                    let body = i + 2 + hashes;
                    i = text[body..]
                        .find(&close)
                        .map_or(b.len(), |e| body + e + close.len() - 1);
                }
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            // A character literal (`'{'`, `'\''`), not a lifetime (`'a`).
            b'\'' if b.get(i + 2) == Some(&b'\'') => i += 2,
            b'\'' if b.get(i + 1) == Some(&b'\\') => {
                i = text[i + 2..].find('\'').map_or(b.len(), |e| i + 2 + e);
            }
            _ => {}
        }
        i += 1;
    }
    b.len()
}

/// Every `crate::<name>` in `code`.
fn uses(code: &str) -> BTreeSet<String> {
    code.match_indices("crate::")
        .filter(|(at, _)| {
            // `$crate::` and `other_crate::` are not this crate's paths.
            code[..*at]
                .chars()
                .next_back()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '$'))
        })
        .map(|(at, m)| {
            code[at + m.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect::<String>()
        })
        .filter(|n| !n.is_empty())
        .collect()
}

/// (file, used module) for every use of a higher layer or of a module that is in no layer.
fn violations() -> (Vec<(String, String)>, usize) {
    let root = src();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    files.sort();
    let rank: BTreeMap<&str, usize> = LAYERS.iter().enumerate().map(|(i, m)| (*m, i)).collect();
    let mut bad = Vec::new();
    let mut read = 0;
    for path in &files {
        let rel = path.strip_prefix(&root).unwrap_or(path);
        let Some(module) = module_of(rel) else { continue };
        if SUPPORT.contains(&module.as_str()) {
            continue;
        }
        let text = std::fs::read_to_string(path).unwrap_or_default();
        read += 1;
        let here = rank.get(module.as_str()).copied();
        for used in uses(&without_tests(rel, &text)) {
            if used == module {
                continue;
            }
            let fine = match (here, rank.get(used.as_str())) {
                (Some(h), Some(u)) => u <= &h,
                _ => false,
            };
            if !fine {
                bad.push((rel.display().to_string(), used));
            }
        }
    }
    (bad, read)
}

#[test]
fn every_module_uses_only_the_layers_below_it() {
    let (bad, read) = violations();
    assert!(read > 80, "only {read} files read: is src/ where this test thinks?");
    assert!(
        bad.is_empty(),
        "imports against the layers {LAYERS:?} (bottom first):\n{}",
        bad.iter()
            .map(|(file, used)| format!("  src/{file} uses crate::{used}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Every top-level module of the library is in a layer or is support: a new one must be placed.
#[test]
fn every_module_is_placed() {
    let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap_or_default();
    let declared: Vec<&str> = lib
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            l.strip_prefix("pub mod ").or_else(|| l.strip_prefix("pub(crate) mod "))
        })
        .map(|m| m.trim_end_matches(';'))
        .collect();
    assert!(declared.len() >= LAYERS.len(), "{declared:?}");
    for m in declared {
        assert!(LAYERS.contains(&m) || SUPPORT.contains(&m), "`{m}` is in no layer");
    }
}

/// The reading itself: a use of a higher layer in code is caught; the same words in a comment,
/// in the unit tests or in another crate's path are not.
#[test]
fn the_reader_sees_code_and_nothing_else() {
    let text = "use crate::syntax::apex;\n// see crate::cli\nfn f() { crate::engine::lint(); sfsec_crate::x(); }\n#[cfg(test)]\nmod tests {\n    use crate::cli;\n    fn g() { let s = \"}\n\"; let c = '}'; let r = r#\"}\"#; }\n}\nfn after() { crate::output::x(); }\n";
    let found = uses(&without_tests(Path::new("workspace/project.rs"), text));
    assert_eq!(
        found,
        BTreeSet::from(["syntax".to_string(), "engine".to_string(), "output".to_string()])
    );
    assert!(uses(&without_tests(Path::new("dataflow/tests.rs"), text)).is_empty());
    assert_eq!(module_of(Path::new("syntax/apex.rs")).as_deref(), Some("syntax"));
    assert_eq!(module_of(Path::new("fuzz.rs")).as_deref(), Some("fuzz"));
    assert_eq!(module_of(Path::new("lib.rs")), None);
}

/// The longest function, in lines from `fn` to its closing brace.
const MAX_FUNCTION_LINES: usize = 120;
/// The longest file, in lines before its unit tests.
const MAX_FILE_LINES: usize = 800;

/// Every function of `code` (already without unit tests) and its length in lines.
fn functions(code: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = code[from..].find("fn ") {
        let at = from + i;
        from = at + 3;
        // `fn` as a word that starts a declaration, not `Fn(`, `_fn ` or text in a string.
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let name: String = code[at + 3..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if name.is_empty() {
            continue;
        }
        let rest = &code[at..];
        let (Some(open), semi) = (rest.find('{'), rest.find(';')) else {
            continue;
        };
        // A declaration without a body (`fn id(&self) -> &str;` in a trait).
        if semi.is_some_and(|s| s < open) {
            continue;
        }
        let end = block_end(code, at + open);
        let lines = code[at..end].lines().count();
        out.push((name, lines));
    }
    out
}

/// A line for every function or file over its limit.
fn sizes() -> Vec<String> {
    let root = src();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    files.sort();
    let mut bad = Vec::new();
    for path in &files {
        let rel = path.strip_prefix(&root).unwrap_or(path);
        let name = rel.display().to_string();
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let code = without_tests(rel, &text);
        let lines = code.lines().count();
        if lines > MAX_FILE_LINES {
            bad.push(format!(
                "src/{name} is {lines} lines before its tests (at most {MAX_FILE_LINES})"
            ));
        }
        for (f, n) in functions(&code) {
            if n > MAX_FUNCTION_LINES {
                bad.push(format!("src/{name}: `{f}` is {n} lines (at most {MAX_FUNCTION_LINES})"));
            }
        }
    }
    bad
}

#[test]
fn functions_and_files_stay_readable() {
    let bad = sizes();
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn function_lengths_are_measured_to_the_closing_brace() {
    let code = "fn short() { let s = \"{\"; }\ntrait T { fn decl(&self); }\nfn long(x: u8)\n    -> u8\n{\n    let c = '}';\n    x\n}\nlet f: Box<dyn Fn(u8)> = todo;\n";
    assert_eq!(functions(code), [("short".to_string(), 1), ("long".to_string(), 6)]);
}
