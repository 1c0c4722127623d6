//! `--format json`: a stable, versioned document (schema in the book, `output-formats.md`).

use serde::Serialize;

use super::stream::Seq;
use super::{counts, fingerprints, position};
use crate::engine::Scan;

/// Bumped on any incompatible change to the document's shape.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Doc<'a> {
    version: u32,
    tool: Tool,
    findings: Seq<'a, JsonFinding<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Point {
    line: usize,
    column: usize,
    offset: usize,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    path: String,
    start: Point,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonSuppression<'a> {
    reason: &'a str,
    whole_file: bool,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    family: &'a str,
    severity: &'a str,
    path: String,
    start: Point,
    end: Point,
    message: &'a str,
    help: Option<&'a str>,
    labels: Vec<JsonLabel<'a>>,
    /// Data-flow steps from source to sink; omitted when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    flow: Vec<JsonLabel<'a>>,
    fingerprint: String,
    suppressed: Option<JsonSuppression<'a>>,
    /// `new` or `unchanged`; only when the scan was compared with a baseline.
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<&'static str>,
}

#[derive(Serialize)]
struct Summary {
    files_scanned: usize,
    errors: usize,
    warnings: usize,
    notes: usize,
    suppressed: usize,
    /// Findings the baseline knows; only when the scan was compared with one.
    #[serde(skip_serializing_if = "Option::is_none")]
    known: Option<usize>,
}

fn json_label<'a>(scan: &'a Scan, l: &'a crate::diagnostics::finding::Label) -> JsonLabel<'a> {
    let lf = scan.project.file(l.file);
    let (line, column) = lf.line_col(l.span.start);
    JsonLabel {
        path: scan.project.shown(l.file),
        start: Point {
            line,
            column,
            offset: l.span.start,
        },
        message: &l.message,
    }
}

/// The JSON report, written to `w` as it is serialised (findings one at a time).
pub fn write(scan: &Scan, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let prints = fingerprints(scan);
    let findings = scan.findings.iter().zip(prints).map(|(f, fingerprint)| {
        let p = position(scan, f);
        JsonFinding {
            rule: f.rule,
            family: crate::diagnostics::rules::get(f.rule).map_or("", |d| d.family),
            severity: f.severity.as_str(),
            path: scan.project.shown(f.file),
            start: Point {
                line: p.start_line,
                column: p.start_column,
                offset: f.span.start,
            },
            end: Point {
                line: p.end_line,
                column: p.end_column,
                offset: f.span.end,
            },
            message: &f.message,
            help: f.help.as_deref(),
            labels: f.labels.iter().map(|l| json_label(scan, l)).collect(),
            flow: f.flow.iter().map(|l| json_label(scan, l)).collect(),
            fingerprint,
            suppressed: f.suppression.as_ref().map(|s| JsonSuppression {
                reason: &s.reason,
                whole_file: s.whole_file,
            }),
            baseline: super::baseline_state(scan, f),
        }
    });
    let c = counts(scan);
    let doc = Doc {
        version: SCHEMA_VERSION,
        tool: Tool {
            name: "sfsec",
            version: env!("CARGO_PKG_VERSION"),
        },
        findings: Seq::new(findings),
        summary: Summary {
            files_scanned: scan.project.files.len(),
            errors: c.errors,
            warnings: c.warnings,
            notes: c.notes,
            suppressed: c.suppressed,
            known: scan.compared_with_baseline.then_some(c.known),
        },
    };
    super::stream::write_json(&doc, w)
}
