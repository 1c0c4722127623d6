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
    /// The key of the entries' hashes; `None` turns the cache off.
    key: Option<[u8; 32]>,
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
        let mut h = blake3::Hasher::new();
        h.update(&FORMAT.to_le_bytes());
        h.update(build_identity().as_bytes());
        h.update(root.as_os_str().as_encoded_bytes());
        for p in paths {
            h.update(b"\0");
            h.update(p.as_os_str().as_encoded_bytes());
        }
        h.update(b"\0\0");
        h.update(config.as_bytes());
        Cache {
            dir,
            command: h.finalize().to_hex()[..32].to_string(),
            key: user_key(),
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
        let key = self.key.as_ref()?;
        if !self.usable() {
            return None;
        }
        let text = crate::workspace::confine::read_regular_no_link(&self.entry(), MAX_ENTRY_BYTES).ok()?;
        let rest = text.strip_prefix(MAGIC.as_bytes())?;
        let newline = memchr::memchr(b'\n', rest)?;
        let (mac, json) = (&rest[..newline], &rest[newline + 1..]);
        // Constant time: blake3's `Hash` compares so.
        let expected = blake3::keyed_hash(key, json);
        let given = blake3::Hash::from_hex(mac).ok()?;
        if given != expected {
            return None;
        }
        let entry: Entry = serde_json::from_slice(json).ok()?;
        if entry.format != FORMAT || entry.fingerprint != fingerprint || now < entry.valid.0 || now > entry.valid.1 {
            return None;
        }
        let findings: Vec<Finding> = entry
            .findings
            .into_iter()
            .map(Stored::into_finding)
            .collect::<Option<_>>()?;
        // Reporters slice files by these spans: an entry that does not fit is not used.
        let fits = |file: usize, span: &std::ops::Range<usize>| {
            project
                .files
                .get(file)
                .is_some_and(|f| span.start <= span.end && f.text.get(span.clone()).is_some())
        };
        let ok = findings.iter().all(|f| {
            fits(f.file, &f.span)
                && f.labels.iter().chain(&f.flow).all(|l| fits(l.file, &l.span))
                && f.secret.as_ref().is_none_or(|s| fits(f.file, s))
                && f.suppression.as_ref().is_none_or(|s| fits(s.file, &s.span))
        });
        ok.then_some((findings, entry.valid))
    }

    /// Replaces the entry; errors are ignored (the next run recomputes).
    pub(crate) fn store(&self, fingerprint: &str, valid: (i64, i64), findings: &[Finding]) {
        let entry = Entry {
            format: FORMAT,
            fingerprint: fingerprint.to_string(),
            valid,
            findings: findings.iter().map(Stored::from_finding).collect(),
        };
        let (Some(key), Ok(json)) = (self.key.as_ref(), serde_json::to_vec(&entry)) else {
            return;
        };
        let _ = self.write(&Cache::mac(key, &json), &json);
    }

    fn write(&self, mac: &str, json: &[u8]) -> std::io::Result<()> {
        use std::io::Write;
        if !self.usable() {
            return Ok(());
        }
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
        tmp.write_all(MAGIC.as_bytes())?;
        tmp.write_all(mac.as_bytes())?;
        tmp.write_all(b"\n")?;
        tmp.write_all(json)?;
        tmp.persist(self.entry()).map_err(|e| e.error)?;
        self.prune();
        Ok(())
    }

    /// Keeps the newest [`MAX_ENTRIES`] entries: a pre-commit hook scans a different list of
    /// files at every commit, and each list is a command of its own.
    fn prune(&self) {
        let Ok(dir) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let mut entries: Vec<(std::time::SystemTime, PathBuf)> = dir
            .flatten()
            .filter(|e| {
                e.file_name()
                    .to_str()
                    .is_some_and(|n| n.starts_with("scan-") && n.ends_with(".json"))
            })
            .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
            .collect();
        if entries.len() <= MAX_ENTRIES {
            return;
        }
        // Newest first; the name breaks ties so that the choice does not depend on listing order.
        entries.sort_by(|a, b| b.cmp(a));
        for (_, path) in entries.drain(MAX_ENTRIES..) {
            if path != self.entry() {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

/// Hash of every file's path and content, in discovery order, and of the files that could not
/// be read (a file that becomes readable changes it).
pub(crate) fn fingerprint(unparsed: &Unparsed) -> String {
    let hashes: Vec<blake3::Hash> = unparsed
        .project
        .files
        .par_iter()
        .map(|f| blake3::hash(f.text.as_bytes()))
        .collect();
    let mut h = blake3::Hasher::new();
    for (f, hash) in unparsed.project.files.iter().zip(&hashes) {
        h.update(f.rel.as_bytes());
        h.update(b"\0");
        h.update(hash.as_bytes());
    }
    for f in &unparsed.findings {
        h.update(f.rule.as_bytes());
        h.update(&f.file.to_le_bytes());
        h.update(f.message.as_bytes());
    }
    h.finalize().to_hex().to_string()
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
struct StoredLabel {
    file: usize,
    span: (usize, usize),
    message: String,
}

#[derive(Serialize, Deserialize)]
struct StoredSuppression {
    reason: String,
    file: usize,
    span: (usize, usize),
    whole_file: bool,
}

#[derive(Serialize, Deserialize)]
struct Stored {
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
    fn from_finding(f: &Finding) -> Self {
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
    fn into_finding(self) -> Option<Finding> {
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
