//! Reporters: human (miette), concise and grouped (a line per finding), SARIF 2.1.0, JSON, GitHub workflow commands, JUnit XML, CSV and a
//! Markdown job summary. All positions come from the file's line index; all paths are relative to
//! the repository's root.

use sha2::{Digest, Sha256};

use crate::diagnostics::finding::Finding;
use crate::engine::Scan;

pub mod concise;
pub mod csv;
pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod md;
pub mod sarif;
pub(crate) mod stream;
pub mod summary;
pub(crate) mod tally;
pub mod terminal;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For a person at a terminal: each finding with its source, then a count per rule.
    Human,
    /// One line per finding: `path:line:col: severity[rule] message`.
    Concise,
    /// Each file's path once, then its findings, one line each.
    Grouped,
    Sarif,
    Json,
    /// GitHub Actions workflow commands: annotations on the pull request.
    Github,
    /// JUnit XML for CI test reports.
    Junit,
    /// One row per finding.
    Csv,
    /// A Markdown summary for a CI job's page (counts by severity and rule).
    Summary,
}

/// 1-based line and column (Unicode code points) of a finding's start and (exclusive) end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Position {
    pub start_line: usize,
    pub start_column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

pub(crate) fn position(scan: &Scan, f: &Finding) -> Position {
    let file = scan.project.file(f.file);
    let idx = file.line_index();
    let (start_line, start_column) = idx.line_col(&file.text, f.span.start);
    let (end_line, end_column) = idx.line_col(&file.text, f.span.end.max(f.span.start));
    Position {
        start_line,
        start_column,
        end_line,
        end_column,
    }
}

/// Fingerprints that survive line moves and unrelated edits: rule, path and the text the
/// finding underlines (whitespace folded), numbered among identical ones in the same file.
pub(crate) fn fingerprints(scan: &Scan) -> Vec<String> {
    let mut seen: std::collections::HashMap<[u8; 32], usize> = std::collections::HashMap::new();
    scan.findings
        .iter()
        .map(|f| {
            let file = scan.project.file(f.file);
            let text = file.text.get(f.span.clone()).unwrap_or("");
            let folded: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let mut h = Sha256::new();
            for part in [f.rule, &file.rel, &folded] {
                h.update(part.as_bytes());
                h.update([0]);
            }
            let key: [u8; 32] = h.finalize().into();
            let n = seen.entry(key).or_insert(0);
            *n += 1;
            let hex: String = key[..16].iter().map(|b| format!("{b:02x}")).collect();
            format!("{hex}:{n}")
        })
        .collect()
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Counts {
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    pub suppressed: usize,
    /// Known from the baseline given to `check --baseline`.
    pub known: usize,
}

pub(crate) fn counts(scan: &Scan) -> Counts {
    let mut c = Counts::default();
    for f in &scan.findings {
        if f.suppression.is_some() {
            c.suppressed += 1;
            continue;
        }
        if f.known {
            c.known += 1;
            continue;
        }
        match f.severity {
            crate::diagnostics::finding::Severity::Error => c.errors += 1,
            crate::diagnostics::finding::Severity::Warning => c.warnings += 1,
            crate::diagnostics::finding::Severity::Note => c.notes += 1,
        }
    }
    c
}

/// A file's text with every secret a finding points at, and every known-format credential,
/// masked in place (offsets unchanged).
pub(crate) fn redacted(scan: &Scan, file: usize) -> String {
    let text = &scan.project.file(file).text;
    let mut ranges: Vec<std::ops::Range<usize>> = scan
        .findings
        .iter()
        .filter(|f| f.file == file)
        .filter_map(|f| f.secret.clone())
        .collect();
    ranges.extend(
        crate::semantic::secrets::detect::known(text)
            .into_iter()
            .map(|h| h.span),
    );
    if ranges.is_empty() {
        return text.clone();
    }
    crate::semantic::secrets::redact(text, &ranges)
}

/// `new` or `unchanged` when the scan was compared with a baseline (SARIF's `baselineState`).
pub(crate) fn baseline_state(scan: &Scan, f: &Finding) -> Option<&'static str> {
    // A suppressed finding is not compared with the baseline: it is neither new nor known.
    (scan.compared_with_baseline && f.suppression.is_none()).then_some(if f.known { "unchanged" } else { "new" })
}

/// `category` tells apart several scans of one repository in GitHub code scanning (SARIF's
/// `automationDetails.id`); other formats ignore it.
pub fn render(scan: &Scan, format: Format, opts: &human::HumanOptions, category: &str) -> String {
    match format {
        Format::Human => human::render(scan, opts),
        Format::Concise => concise::render(scan, opts),
        Format::Grouped => concise::render_grouped(scan, opts),
        Format::Sarif | Format::Json => {
            let mut out = Vec::new();
            // Writing to memory fails only if serialising does, which these types never do.
            let _ = write(scan, format, opts, category, &mut out);
            String::from_utf8_lossy(&out).into_owned()
        }
        Format::Github => github::render(scan),
        Format::Junit => junit::render(scan),
        Format::Csv => csv::render(scan),
        Format::Summary => summary::render(scan),
    }
}

/// [`render`] into `w`; SARIF and JSON are written as they are serialised, never held whole.
pub fn write(
    scan: &Scan,
    format: Format,
    opts: &human::HumanOptions,
    category: &str,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        Format::Sarif => sarif::write(scan, category, w),
        Format::Json => json::write(scan, w),
        _ => w.write_all(render(scan, format, opts, category).as_bytes()),
    }
}
