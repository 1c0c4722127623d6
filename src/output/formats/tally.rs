//! What the terminal formats (`human`, `concise`, `grouped`) print after the findings: a count per
//! rule, and one line of totals.

use std::collections::BTreeMap;

use super::counts;
use crate::diagnostics::finding::{Finding, Severity};
use crate::engine::Scan;
use crate::output::plural;

/// The findings a terminal report shows: not those a baseline knows, and suppressed ones only
/// when asked for.
pub(crate) fn shown(scan: &Scan, show_suppressed: bool) -> Vec<&Finding> {
    scan.findings
        .iter()
        .filter(|f| !f.known && (f.suppression.is_none() || show_suppressed))
        .collect()
}

/// `severity` as the terminal prints it, coloured when `color` (bold red, bold yellow, cyan).
pub(crate) fn severity_word(severity: Severity, color: bool) -> String {
    if !color {
        return severity.as_str().to_string();
    }
    let code = match severity {
        Severity::Error => "1;31",
        Severity::Warning => "1;33",
        Severity::Note => "36",
    };
    format!("\u{1b}[{code}m{}\u{1b}[0m", severity.as_str())
}

/// One line per rule with findings that count (suppressed ones apart), the most severe and then
/// the most frequent first: what a reader fixes first. Empty when no finding counts.
pub(crate) fn by_rule(shown: &[&Finding], color: bool) -> String {
    let mut rules: BTreeMap<&str, (Severity, usize)> = BTreeMap::new();
    for f in shown.iter().filter(|f| f.suppression.is_none()) {
        let row = rules.entry(f.rule).or_insert((f.severity, 0));
        row.0 = row.0.max(f.severity);
        row.1 += 1;
    }
    if rules.is_empty() {
        return String::new();
    }
    let mut rows: Vec<_> = rules.into_iter().collect();
    rows.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(b.1.1.cmp(&a.1.1)).then(a.0.cmp(b.0)));
    let digits = rows.iter().map(|r| r.1.1.to_string().len()).max().unwrap_or(1);
    let mut out = String::from("findings by rule:\n");
    for (rule, (severity, n)) in rows {
        // Padded before colouring, so that the columns line up either way.
        let pad = " ".repeat("warning".len() - severity.as_str().len());
        out.push_str(&format!(
            "  {n:>digits$}  {}{pad}  {rule}\n",
            severity_word(severity, color)
        ));
    }
    out.push('\n');
    out
}

/// The totals: "2 errors, 1 warning, 0 notes in 12 files scanned", then what was left out and
/// why, each after a semicolon.
pub(crate) fn totals(scan: &Scan, show_suppressed: bool) -> String {
    let c = counts(scan);
    let mut out = format!(
        "{}, {}, {} in {} scanned",
        plural(c.errors, "error"),
        plural(c.warnings, "warning"),
        plural(c.notes, "note"),
        plural(scan.project.files.len(), "file"),
    );
    if c.suppressed > 0 {
        out.push_str(&format!("; {} suppressed", c.suppressed));
        if !show_suppressed {
            out.push_str(", listed with --show-suppressed");
        }
    }
    if c.known > 0 {
        out.push_str(&format!("; {} known from the baseline", c.known));
    }
    out.push('\n');
    out
}
