//! The lines changed since a git revision, for `check --diff`: what `git diff` says of the
//! work tree against the revision, and every untracked file whole. sfsec runs the `git` on the
//! PATH (no network: a revision must already be in the repository).

use std::collections::HashMap;
use std::ops::RangeInclusive;
use std::path::Path;
use std::process::Command;

use crate::workspace::config::ConfigError;

/// Changed lines (from 1) by path from the repository's root.
#[derive(Debug, Default)]
pub(crate) struct Changes {
    files: HashMap<String, Changed>,
}

#[derive(Debug)]
enum Changed {
    /// A file git does not track yet: every line is new.
    Whole,
    /// The line ranges the diff adds, ascending.
    Lines(Vec<RangeInclusive<usize>>),
}

impl Changes {
    /// Whether any of the lines `first..=last` of `path` changed.
    pub(crate) fn touches(&self, path: &str, first: usize, last: usize) -> bool {
        match self.files.get(path) {
            Some(Changed::Whole) => true,
            Some(Changed::Lines(ranges)) => ranges.iter().any(|r| *r.start() <= last && first <= *r.end()),
            None => false,
        }
    }

    /// The changes in the work tree at `repo` since `rev`.
    pub(crate) fn since(repo: &Path, rev: &str) -> Result<Changes, ConfigError> {
        if rev.starts_with('-') {
            return Err(ConfigError::plain(format!("--diff `{rev}` is not a revision")));
        }
        // Git is there and this is a work tree: its own message says otherwise.
        git(repo, &["rev-parse", "--show-toplevel"])?;
        // `--verify --quiet` fails in silence for a name that is no commit: say which.
        let verified = git(
            repo,
            &["rev-parse", "--verify", "--quiet", &format!("{rev}^{{commit}}")],
        )
        .unwrap_or_default();
        if verified.trim().is_empty() {
            return Err(ConfigError::plain(format!(
                "--diff `{rev}` is not a commit of the repository at {}",
                repo.display()
            )));
        }
        let diff = git(
            repo,
            &[
                "-c",
                "core.quotePath=false",
                "diff",
                "--unified=0",
                "--no-color",
                "--no-ext-diff",
                "--no-renames",
                verified.trim(),
                "--",
            ],
        )?;
        let mut changes = parse_diff(&diff);
        let untracked = git(repo, &["ls-files", "-z", "--others", "--exclude-standard"])?;
        for path in untracked.split('\0').filter(|p| !p.is_empty()) {
            changes.files.insert(path.to_string(), Changed::Whole);
        }
        Ok(changes)
    }
}

/// The commit checked out in the git work tree at `dir`, and whether any file under `dir`
/// differs from it (modified, staged or untracked); `None` outside a git work tree or without
/// git. The repository's own settings cannot run a command here: its file-system monitor is
/// turned off, and `status` runs no hook.
pub(crate) fn state(dir: &Path) -> Option<(String, bool)> {
    let run = |args: &[&str]| {
        let out = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["-c", "core.fsmonitor=false", "-c", "core.untrackedCache=false"])
            .args(args)
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_OPTIONAL_LOCKS", "0")
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let commit = run(&["rev-parse", "--verify", "--quiet", "HEAD^{commit}"])?;
    let commit = commit.trim();
    if commit.len() < 40 || !commit.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let status = run(&["status", "--porcelain", "--untracked-files=normal", "--", "."])?;
    Some((commit.to_string(), !status.trim().is_empty()))
}

/// Runs git in `repo`; its standard output, or an error that says what failed.
fn git(repo: &Path, args: &[&str]) -> Result<String, ConfigError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .map_err(|e| ConfigError::plain(format!("--diff needs git on the PATH: {e}")))?;
    if !out.status.success() {
        let why = String::from_utf8_lossy(&out.stderr);
        return Err(ConfigError::plain(format!(
            "--diff: `git {}` failed in {}: {}",
            args.join(" "),
            repo.display(),
            why.trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The added line ranges of each file in a `git diff --unified=0` patch.
fn parse_diff(diff: &str) -> Changes {
    let mut changes = Changes::default();
    let mut current: Option<String> = None;
    for line in diff.lines() {
        if let Some(path) = line.strip_prefix("+++ ") {
            current = (path != "/dev/null").then(|| unquoted(path).trim_start_matches("b/").to_string());
            continue;
        }
        let (Some(path), Some(hunk)) = (&current, line.strip_prefix("@@ ")) else {
            continue;
        };
        // `@@ -12,3 +14,5 @@`: five lines from line 14 replace three; `+14,0` adds none.
        let Some(new) = hunk.split(' ').find_map(|w| w.strip_prefix('+')) else {
            continue;
        };
        let mut parts = new.split(',');
        let start: usize = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
        let count: usize = parts.next().map_or(Some(1), |s| s.parse().ok()).unwrap_or(0);
        if count == 0 {
            continue;
        }
        if let Changed::Lines(ranges) = changes
            .files
            .entry(path.clone())
            .or_insert_with(|| Changed::Lines(Vec::new()))
        {
            ranges.push(start..=start + count - 1);
        }
    }
    changes
}

/// A path as git prints it: C-quoted (`"b/a \"b\".cls"`) when it holds quotes, backslashes or
/// control characters.
fn unquoted(path: &str) -> String {
    let Some(inner) = path.strip_prefix('"').and_then(|p| p.strip_suffix('"')) else {
        return path.to_string();
    };
    let mut bytes = Vec::with_capacity(inner.len());
    let mut it = inner.bytes().peekable();
    while let Some(b) = it.next() {
        if b != b'\\' {
            bytes.push(b);
            continue;
        }
        match it.next() {
            Some(b'n') => bytes.push(b'\n'),
            Some(b't') => bytes.push(b'\t'),
            Some(d @ b'0'..=b'7') => {
                let mut v = u32::from(d - b'0');
                for _ in 0..2 {
                    if let Some(&n @ b'0'..=b'7') = it.peek() {
                        v = v * 8 + u32::from(n - b'0');
                        it.next();
                    }
                }
                bytes.push(v as u8);
            }
            Some(other) => bytes.push(other),
            None => {}
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunks_give_the_added_lines() {
        let diff = "diff --git a/x.cls b/x.cls\n--- a/x.cls\n+++ b/x.cls\n@@ -3 +3 @@\n-a\n+b\n@@ -10,0 +11,2 @@\n+c\n+d\n@@ -20,4 +22,0 @@\n-e\ndiff --git a/gone.cls b/gone.cls\n--- a/gone.cls\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-x\n--- a/\"q\\\"\\303\\251.cls\"\n+++ \"b/q\\\"\\303\\251.cls\"\n@@ -0,0 +1 @@\n+y\n";
        let c = parse_diff(diff);
        assert!(c.touches("x.cls", 3, 3));
        assert!(!c.touches("x.cls", 4, 10));
        assert!(c.touches("x.cls", 12, 20));
        assert!(!c.touches("x.cls", 22, 30), "a deletion adds no line");
        assert!(!c.touches("gone.cls", 1, 2));
        assert!(c.touches("q\"é.cls", 1, 1));
    }
}
