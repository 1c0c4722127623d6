//! `--format csv`: one row per finding (suppressed ones included, with their reason), for
//! spreadsheets and the security review's finding log.

use super::{fingerprints, position};
use crate::engine::Scan;

const HEADER: [&str; 14] = [
    "path",
    "line",
    "column",
    "end_line",
    "end_column",
    "severity",
    "rule",
    "family",
    "message",
    "help",
    "fingerprint",
    "suppressed",
    "suppression_reason",
    "baseline",
];

/// A cell of project text: control characters written as escapes (`\u{1b}`), and a cell a
/// spreadsheet would take for a formula (starting with `=`, `+`, `-`, `@`, tab or CR) led by
/// a `'`, as OWASP recommends against CSV injection.
fn text(s: &str) -> String {
    let visible = super::terminal::escape(s);
    if visible.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{visible}")
    } else {
        visible.into_owned()
    }
}

pub fn render(scan: &Scan) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let mut rows: Vec<Vec<String>> = Vec::with_capacity(scan.findings.len());
    for (f, fingerprint) in scan.findings.iter().zip(fingerprints(scan)) {
        let p = position(scan, f);
        rows.push(vec![
            text(&scan.project.shown(f.file)),
            p.start_line.to_string(),
            p.start_column.to_string(),
            p.end_line.to_string(),
            p.end_column.to_string(),
            f.severity.as_str().to_string(),
            f.rule.to_string(),
            crate::diagnostics::rules::get(f.rule)
                .map_or("", |d| d.family)
                .to_string(),
            text(&f.message),
            text(f.help.as_deref().unwrap_or_default()),
            fingerprint,
            f.suppression.is_some().to_string(),
            text(f.suppression.as_ref().map_or("", |s| s.reason.as_str())),
            super::baseline_state(scan, f).unwrap_or_default().to_string(),
        ]);
    }
    // Writing to memory fails only on a bug in the csv crate; a message beats a panic.
    let written = w
        .write_record(HEADER)
        .and_then(|()| rows.iter().try_for_each(|r| w.write_record(r)));
    match written
        .map_err(|e| e.to_string())
        .and_then(|()| w.into_inner().map_err(|e| e.to_string()))
    {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => format!("error: cannot write CSV: {e}\n"),
    }
}
