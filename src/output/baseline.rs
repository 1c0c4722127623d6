//! Baselines: today's findings, recorded by fingerprint, so that `check --baseline` fails only on
//! new ones. A fingerprint hashes the rule, the path and the text a finding underlines (see
//! [`crate::output::formats::fingerprints`]), so it survives line moves and edits elsewhere in the file.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::engine::Scan;
use crate::output::formats::fingerprints;
use crate::workspace::config::ConfigError;

/// Where `sfsec baseline` writes when no `--output` is given, at the project root.
pub(crate) const DEFAULT_FILE: &str = ".sfsec-baseline.json";
/// Bumped on any incompatible change to the file's shape.
pub(crate) const VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Baseline {
    pub version: u32,
    pub findings: Vec<Entry>,
}

/// One recorded finding. Only the fingerprint is matched; the rest is for people reading the
/// file in review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Entry {
    pub fingerprint: String,
    pub rule: String,
    pub path: String,
    pub message: String,
}

/// What comparing a scan with a baseline found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Outcome {
    /// Findings of the scan that the baseline knows.
    pub known: usize,
    /// Baseline entries of the files scanned that the scan no longer finds (fixed, or moved to
    /// another file). Entries of files not scanned (a scan of a file list) are not judged.
    pub gone: Vec<Entry>,
}

/// The baseline of a scan: its findings that count (suppressed ones need none), sorted.
pub(crate) fn of(scan: &Scan) -> Baseline {
    let mut findings: Vec<Entry> = scan
        .findings
        .iter()
        .zip(fingerprints(scan))
        .filter(|(f, _)| f.suppression.is_none())
        .map(|(f, fingerprint)| Entry {
            fingerprint,
            rule: f.rule.to_string(),
            path: scan.project.file(f.file).rel.clone(),
            message: f.message.clone(),
        })
        .collect();
    findings.sort_by(|a, b| (&a.path, &a.rule, &a.fingerprint).cmp(&(&b.path, &b.rule, &b.fingerprint)));
    Baseline {
        version: VERSION,
        findings,
    }
}

pub(crate) fn render(b: &Baseline) -> String {
    crate::output::formats::stream::json_string(b)
}

/// Reads a baseline file; a malformed one is an error naming the line and column.
/// It must not lead out of the project through a link (`confine`).
pub(crate) fn load(path: &Path, confine: &crate::workspace::confine::Confine) -> Result<Baseline, ConfigError> {
    let text = crate::workspace::confine::read_confined(confine, path).map_err(|e| ConfigError {
        path: Some(path.to_path_buf()),
        line: 0,
        column: 0,
        message: format!("cannot read the baseline: {e}"),
    })?;
    let b: Baseline = serde_json::from_str(&text).map_err(|e| ConfigError {
        path: Some(path.to_path_buf()),
        line: e.line(),
        column: e.column(),
        message: format!("not an sfsec baseline: {e}"),
    })?;
    if b.version != VERSION {
        return Err(ConfigError {
            path: Some(path.to_path_buf()),
            line: 0,
            column: 0,
            message: format!(
                "baseline version {} is not {VERSION}; take a new one with `sfsec baseline`",
                b.version
            ),
        });
    }
    Ok(b)
}

/// Marks the scan's findings the baseline knows (each entry matches one finding) and says what
/// the comparison found.
pub(crate) fn apply(scan: &mut Scan, baseline: &Baseline) -> Outcome {
    let mut left: HashMap<&str, usize> = HashMap::new();
    for e in &baseline.findings {
        *left.entry(e.fingerprint.as_str()).or_insert(0) += 1;
    }
    let prints = fingerprints(scan);
    let mut known = 0;
    for (f, fp) in scan.findings.iter_mut().zip(&prints) {
        if f.suppression.is_some() {
            continue;
        }
        if let Some(n) = left.get_mut(fp.as_str())
            && *n > 0
        {
            *n -= 1;
            f.known = true;
            known += 1;
        }
    }
    let scanned: std::collections::HashSet<&str> = scan.project.files.iter().map(|f| f.rel.as_str()).collect();
    let mut gone = Vec::new();
    for e in baseline.findings.iter().filter(|e| scanned.contains(e.path.as_str())) {
        if let Some(n) = left.get_mut(e.fingerprint.as_str())
            && *n > 0
        {
            *n -= 1;
            gone.push(e.clone());
        }
    }
    scan.compared_with_baseline = true;
    Outcome { known, gone }
}
