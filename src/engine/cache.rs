//! A content-addressed cache of scan results, so that re-scanning an unchanged tree costs a
//! walk and a hash instead of a parse.
//!
//! Lints read other files (a Connected App's certificate file, a controller behind a page, a
//! class across a call), so a result is keyed by everything a scan reads: the content of every
//! discovered file (and which files could not be read), the configuration, the command's paths,
//! and the sfsec build. A change to any file, including one another file depends on, makes the
//! stored result stale. Date-dependent rules narrow the instants it holds for ([`Clock`]).
//!
//! Entries live in `.sfsec_cache/` at the project root (ignored by git through its own
//! `.gitignore`), one per command (paths and configuration), replaced on every miss; only the
//! newest few commands keep theirs, so the folder does not grow. Nothing here can fail a scan: an unreadable or corrupt entry is a miss,
//! and an entry that cannot be written is skipped.
//!
//! The folder sits in the repository, so its content is untrusted: a committed entry could
//! claim findings that do not exist and hide real ones. Every entry carries a keyed hash of its
//! content under a key kept outside any repository (in the user's cache folder, made on first
//! use), which a repository cannot forge; an entry without the right one is a miss. Entries are
//! read only as regular files (no link, no FIFO, no device) of at most [`MAX_ENTRY_BYTES`],
//! and a cache folder that is a link, or a `.gitignore` in it that is one, turns the cache off.
//!
//! [`Clock`]: crate::workspace::clock::Clock

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::diagnostics::finding::{Finding, Label, Severity, Suppression};
use crate::workspace::project::{Project, Unparsed};

/// The folder, at the project root.
pub(crate) const DIR: &str = ".sfsec_cache";

/// Entries kept; older ones are removed when a new one is written.
const MAX_ENTRIES: usize = 32;

/// Per-file caches kept (see [`Cache::prune`]).
const MAX_FILE_CACHES: usize = 8;

/// Bumped when the entry format changes.
const FORMAT: u32 = 2;

/// An entry's first line: this, the keyed hash in hex, a line feed; then the JSON.
const MAGIC: &str = "sfsec-cache-2 ";

/// The largest entry read; a larger one is a miss.
const MAX_ENTRY_BYTES: u64 = 256 * 1024 * 1024;

/// The key's file under the user's cache folder (see [`user_key`]).
const KEY_FILE: &str = "sfsec/cache-key";

/// Where one command's entry lives and what it is keyed by.
pub(crate) struct Cache {
    dir: PathBuf,
    /// Hex hash of the command: sfsec build, paths, configuration.
    command: String,
    /// Hex hash of what per-file results depend on besides the file: the sfsec build and the
    /// configuration (see [`crate::engine::memo`]).
    namespace: String,
    /// The key of the entries' hashes; `None` turns the cache off.
    key: Option<[u8; 32]>,
    /// Whether a scan's whole result may be reused; else only per-file results are.
    pub(crate) whole_results: bool,
}

/// This user's cache key: `SFSEC_CACHE_KEY_FILE` if set, else `cache-key` in `sfsec/` of
/// `XDG_CACHE_HOME` or `~/.cache`; made (32 random bytes, readable by the user only) on
/// first use. `None` when there is no such place or it cannot be read or made.
fn user_key() -> Option<[u8; 32]> {
    let path = match std::env::var_os("SFSEC_CACHE_KEY_FILE") {
        Some(p) => PathBuf::from(p),
        None => std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?
            .join(KEY_FILE),
    };
    let read = |p: &Path| -> Option<[u8; 32]> {
        let bytes = crate::workspace::confine::read_regular_no_link(p, 64).ok()?;
        let hex = std::str::from_utf8(&bytes).ok()?.trim();
        let raw = data_encoding::HEXLOWER.decode(hex.as_bytes()).ok()?;
        raw.try_into().ok()
    };
    if let Some(key) = read(&path) {
        return Some(key);
    }
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).ok()?;
    let dir = path.parent()?;
    std::fs::create_dir_all(dir).ok()?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).ok()?;
    std::io::Write::write_all(&mut tmp, data_encoding::HEXLOWER.encode(&key).as_bytes()).ok()?;
    // Another sfsec may have made it meanwhile: theirs wins, and both read it.
    let _ = tmp.persist_noclobber(&path);
    read(&path)
}

impl Cache {
    /// The cache for scanning `paths` (absolute) under `root` with a configuration whose
    /// identity is `config` (its file and text, then the effective `select` and `ignore`).
    pub(crate) fn new(dir: PathBuf, root: &Path, paths: &[PathBuf], config: &str) -> Self {
        let build = build_identity();
        let mut h = blake3::Hasher::new();
        h.update(&FORMAT.to_le_bytes());
        h.update(build.as_bytes());
        h.update(root.as_os_str().as_encoded_bytes());
        for p in paths {
            h.update(b"\0");
            h.update(p.as_os_str().as_encoded_bytes());
        }
        h.update(b"\0\0");
        h.update(config.as_bytes());
        let mut ns = blake3::Hasher::new();
        ns.update(&FORMAT.to_le_bytes());
        ns.update(build.as_bytes());
        ns.update(b"\0");
        ns.update(config.as_bytes());
        Cache {
            dir,
            command: h.finalize().to_hex()[..32].to_string(),
            namespace: ns.finalize().to_hex()[..32].to_string(),
            key: user_key(),
            whole_results: true,
        }
    }

    /// Whether the folder may be used: absent (it will be made), or a real folder, not a link,
    /// with no link at its `.gitignore` (writing one would create a file wherever it points).
    fn usable(&self) -> bool {
        match std::fs::symlink_metadata(&self.dir) {
            Err(_) => true,
            Ok(m) if m.file_type().is_dir() => {
                std::fs::symlink_metadata(self.dir.join(".gitignore")).map_or(true, |m| m.file_type().is_file())
            }
            Ok(_) => false,
        }
    }

    fn mac(key: &[u8; 32], json: &[u8]) -> String {
        blake3::keyed_hash(key, json).to_hex().to_string()
    }

    fn entry(&self) -> PathBuf {
        self.dir.join(format!("scan-{}.json", self.command))
    }

    /// The stored findings if they were computed from exactly these files and still hold at
    /// `now`.
    /// Also gives the instants the entry holds for.
    pub(crate) fn lookup(&self, fingerprint: &str, now: i64, project: &Project) -> Option<(Vec<Finding>, (i64, i64))> {
        let json = self.read_signed(&self.entry())?;
        let entry: Entry = serde_json::from_slice(&json).ok()?;
        if entry.format != FORMAT || entry.fingerprint != fingerprint || now < entry.valid.0 || now > entry.valid.1 {
            return None;
        }
        let findings: Vec<Finding> = entry
            .findings
            .into_iter()
            .map(Stored::into_finding)
            .collect::<Option<_>>()?;
        // Reporters slice files by these spans: an entry that does not fit is not used.
        let ok = findings.iter().all(|f| fits(f, project));
        ok.then_some((findings, entry.valid))
    }

    /// The payload of a signed file in the folder (see [`Cache::write_signed`]): `None` unless
    /// it is a regular file whose hash under this user's key matches.
    pub(crate) fn read_signed(&self, path: &Path) -> Option<Vec<u8>> {
        let key = self.key.as_ref()?;
        if !self.usable() {
            return None;
        }
        let mut text = crate::workspace::confine::read_regular_no_link(path, MAX_ENTRY_BYTES).ok()?;
        let rest = text.strip_prefix(MAGIC.as_bytes())?;
        let newline = memchr::memchr(b'\n', rest)?;
        let (mac, payload) = (&rest[..newline], &rest[newline + 1..]);
        // Constant time: blake3's `Hash` compares so.
        let expected = blake3::keyed_hash(key, payload);
        let given = blake3::Hash::from_hex(mac).ok()?;
        if given != expected {
            return None;
        }
        let start = MAGIC.len() + newline + 1;
        text.drain(..start);
        Some(text)
    }

    /// The per-file cache's files, base and delta (see [`crate::engine::memo`]): one pair per
    /// build and configuration, shared by every command that scans with them.
    pub(crate) fn files_entries(&self) -> (PathBuf, PathBuf) {
        (
            self.dir.join(format!("files-{}.bin", self.namespace)),
            self.dir.join(format!("files-{}.delta.bin", self.namespace)),
        )
    }

    /// Replaces the entry; errors are ignored (the next run recomputes).
    pub(crate) fn store(&self, fingerprint: &str, valid: (i64, i64), findings: &[Finding]) {
        let entry = Entry {
            format: FORMAT,
            fingerprint: fingerprint.to_string(),
            valid,
            findings: findings.iter().map(Stored::from_finding).collect(),
        };
        if let Ok(json) = serde_json::to_vec(&entry) {
            let _ = self.write_signed(&self.entry(), &json);
        }
    }

    /// Writes `payload` to `path` in the folder, atomically, after a line holding its hash
    /// under this user's key; nothing without a key.
    pub(crate) fn write_signed(&self, path: &Path, payload: &[u8]) -> std::io::Result<()> {
        use std::io::Write;
        let Some(key) = self.key.as_ref() else {
            return Ok(());
        };
        if !self.usable() {
            return Ok(());
        }
        let mac = Cache::mac(key, payload);
        std::fs::create_dir_all(&self.dir)?;
        let ignore = self.dir.join(".gitignore");
        if std::fs::symlink_metadata(&ignore).is_err() {
            // create_new does not follow a link that appeared meanwhile.
            match std::fs::OpenOptions::new().write(true).create_new(true).open(&ignore) {
                Ok(mut f) => f.write_all(b"# Created by sfsec.\n*\n")?,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
        }
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)?;
        let mut out = std::io::BufWriter::new(&mut tmp);
        out.write_all(MAGIC.as_bytes())?;
        out.write_all(mac.as_bytes())?;
        out.write_all(b"\n")?;
        out.write_all(payload)?;
        out.flush()?;
        drop(out);
        tmp.persist(path).map_err(|e| e.error)?;
        self.prune();
        Ok(())
    }

    /// Keeps the newest [`MAX_ENTRIES`] entries: a pre-commit hook scans a different list of
    /// files at every commit, and each list is a command of its own.
    /// Per-file cache files (bases and deltas) are kept for the newest [`MAX_FILE_CACHES`] / 2
    /// configurations.
    fn prune(&self) {
        let Ok(dir) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let mut scans: Vec<(std::time::SystemTime, PathBuf)> = Vec::new();
        let mut packs: Vec<(std::time::SystemTime, PathBuf)> = Vec::new();
        for e in dir.flatten() {
            let name = e.file_name();
            let Some(name) = name.to_str() else { continue };
            let list = if name.starts_with("scan-") && name.ends_with(".json") {
                &mut scans
            } else if name.starts_with("files-") && name.ends_with(".bin") {
                &mut packs
            } else {
                continue;
            };
            if let Some(t) = e.metadata().ok().and_then(|m| m.modified().ok()) {
                list.push((t, e.path()));
            }
        }
        for (mut list, keep) in [(scans, MAX_ENTRIES), (packs, MAX_FILE_CACHES)] {
            if list.len() <= keep {
                continue;
            }
            // Newest first; the name breaks ties so that the choice does not depend on listing order.
            list.sort_by(|a, b| b.cmp(a));
            for (_, path) in list.drain(keep..) {
                let (base, delta) = self.files_entries();
                if path != self.entry() && path != base && path != delta {
                    let _ = std::fs::remove_file(path);
                }
            }
        }
    }
}

/// Whether every span of `f` lies within the text of the file it names: reporters slice files
/// by them, so a stored finding that does not fit is not used.
pub(crate) fn fits(f: &Finding, project: &Project) -> bool {
    let fits = |file: usize, span: &std::ops::Range<usize>| {
        project
            .files
            .get(file)
            .is_some_and(|f| span.start <= span.end && f.text.get(span.clone()).is_some())
    };
    fits(f.file, &f.span)
        && f.labels.iter().chain(&f.flow).all(|l| fits(l.file, &l.span))
        && f.secret.as_ref().is_none_or(|s| fits(f.file, s))
        && f.suppression.as_ref().is_none_or(|s| fits(s.file, &s.span))
}

/// Hash of every file's path and content, in discovery order, and of the files that could not
/// be read (a file that becomes readable changes it); also each file's text's hash, by id.
pub(crate) fn fingerprint(unparsed: &Unparsed) -> (String, Vec<[u8; 32]>) {
    let hashes: Vec<[u8; 32]> = unparsed
        .project
        .files
        .par_iter()
        .with_min_len(64)
        .map(|f| *blake3::hash(f.text.as_bytes()).as_bytes())
        .collect();
    let mut h = blake3::Hasher::new();
    for (f, hash) in unparsed.project.files.iter().zip(&hashes) {
        h.update(f.rel.as_bytes());
        h.update(b"\0");
        h.update(hash);
    }
    for f in &unparsed.findings {
        h.update(f.rule.as_bytes());
        h.update(&f.file.to_le_bytes());
        h.update(f.message.as_bytes());
    }
    (h.finalize().to_hex().to_string(), hashes)
}

/// The running sfsec: its version, and the executable's size and modification time, so that a
/// rebuilt binary (a developer's, or an upgrade that kept the version) never reads results of
/// another build.
fn build_identity() -> String {
    let exe = std::env::current_exe()
        .ok()
        .and_then(|p| std::fs::metadata(p).ok())
        .map(|m| {
            let modified = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            format!("{}:{modified}", m.len())
        })
        .unwrap_or_default();
    format!("{}:{exe}", env!("CARGO_PKG_VERSION"))
}

#[derive(Serialize, Deserialize)]
struct Entry {
    format: u32,
    fingerprint: String,
    valid: (i64, i64),
    findings: Vec<Stored>,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct StoredLabel {
    file: usize,
    span: (usize, usize),
    message: String,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct StoredSuppression {
    reason: String,
    file: usize,
    span: (usize, usize),
    whole_file: bool,
}

/// A finding as the caches keep it.
#[derive(Serialize, Deserialize)]
pub(crate) struct Stored {
    rule: String,
    file: usize,
    span: (usize, usize),
    severity: String,
    message: String,
    help: Option<String>,
    labels: Vec<StoredLabel>,
    flow: Vec<StoredLabel>,
    secret: Option<(usize, usize)>,
    suppression: Option<StoredSuppression>,
}

impl Stored {
    pub(crate) fn from_finding(f: &Finding) -> Self {
        let label = |l: &Label| StoredLabel {
            file: l.file,
            span: (l.span.start, l.span.end),
            message: l.message.clone(),
        };
        Stored {
            rule: f.rule.to_string(),
            file: f.file,
            span: (f.span.start, f.span.end),
            severity: f.severity.as_str().to_string(),
            message: f.message.clone(),
            help: f.help.clone(),
            labels: f.labels.iter().map(label).collect(),
            flow: f.flow.iter().map(label).collect(),
            secret: f.secret.as_ref().map(|r| (r.start, r.end)),
            suppression: f.suppression.as_ref().map(|s| StoredSuppression {
                reason: s.reason.clone(),
                file: s.file,
                span: (s.span.start, s.span.end),
                whole_file: s.whole_file,
            }),
        }
    }

    /// `None` when the entry names a rule this build does not have.
    pub(crate) fn into_finding(self) -> Option<Finding> {
        let label = |l: StoredLabel| Label {
            file: l.file,
            span: l.span.0..l.span.1,
            message: l.message,
        };
        Some(Finding {
            rule: crate::diagnostics::rules::get(&self.rule)?.id,
            file: self.file,
            span: self.span.0..self.span.1,
            severity: Severity::parse(&self.severity)?,
            message: self.message,
            help: self.help,
            labels: self.labels.into_iter().map(label).collect(),
            flow: self.flow.into_iter().map(label).collect(),
            secret: self.secret.map(|(a, b)| a..b),
            suppression: self.suppression.map(|s| Suppression {
                reason: s.reason,
                file: s.file,
                span: s.span.0..s.span.1,
                whole_file: s.whole_file,
            }),
            known: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_newest_entries_are_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().to_path_buf();
        let caches: Vec<Cache> = (0..MAX_ENTRIES + 3)
            .map(|i| Cache::new(root.join(DIR), &root, &[root.join(format!("f{i}.cls"))], ""))
            .collect();
        for (i, c) in caches.iter().enumerate() {
            c.store(&format!("fp{i}"), (i64::MIN, i64::MAX), &[]);
            // Distinct modification times, whatever the file system's resolution.
            let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000 + i as u64);
            let f = std::fs::File::options().append(true).open(c.entry()).expect("entry");
            f.set_modified(t).expect("set mtime");
        }
        let kept: Vec<bool> = caches.iter().map(|c| c.entry().is_file()).collect();
        assert_eq!(kept.iter().filter(|k| **k).count(), MAX_ENTRIES);
        // The ones written first went.
        assert!(kept[3..].iter().all(|k| *k), "{kept:?}");
        assert!(root.join(DIR).join(".gitignore").is_file());
    }
}
