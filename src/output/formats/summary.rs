//! A Markdown summary of a scan for a CI job's page (GitHub's `$GITHUB_STEP_SUMMARY`): the counts
//! by severity, one row per rule with findings, and what a baseline knew.

use std::collections::BTreeMap;

use super::{counts, md};
use crate::diagnostics::finding::Severity;
use crate::engine::Scan;
use crate::output::plural;

pub fn render(scan: &Scan) -> String {
    let c = counts(scan);
    let mut s = String::from("## sfsec\n\n");
    s.push_str(&format!(
        "{}, {}, {} in {} scanned",
        plural(c.errors, "error"),
        plural(c.warnings, "warning"),
        plural(c.notes, "note"),
        plural(scan.files_read(), "file")
    ));
    if c.suppressed > 0 {
        s.push_str(&format!("; {} suppressed with a reason", c.suppressed));
    }
    if scan.compared_with_baseline {
        s.push_str(&format!("; {} known from the baseline", c.known));
    }
    s.push_str(".\n");
    // (severity, new, known) per rule, for the findings that count or a baseline knows.
    let mut rules: BTreeMap<&str, (Severity, usize, usize)> = BTreeMap::new();
    for f in scan.findings.iter().filter(|f| f.suppression.is_none()) {
        let row = rules.entry(f.rule).or_insert((f.severity, 0, 0));
        row.0 = row.0.max(f.severity);
        if f.known {
            row.2 += 1;
        } else {
            row.1 += 1;
        }
    }
    if rules.is_empty() {
        return s;
    }
    let baseline = scan.compared_with_baseline;
    s.push_str(if baseline {
        "\n| rule | severity | new | known from the baseline |\n|---|---|---|---|\n"
    } else {
        "\n| rule | severity | findings |\n|---|---|---|\n"
    });
    let mut rows: Vec<_> = rules.into_iter().collect();
    // The most severe first, then by rule.
    rows.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(b.0)));
    for (rule, (severity, new, known)) in rows {
        if baseline {
            s.push_str(&format!("| {} | {severity} | {new} | {known} |\n", md::code_cell(rule)));
        } else {
            s.push_str(&format!("| {} | {severity} | {new} |\n", md::code_cell(rule)));
        }
    }
    s
}
