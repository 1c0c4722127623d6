//! SARIF 2.1.0 for GitHub code scanning: every rule described from its doc, relative URIs under
//! `%SRCROOT%`, columns in Unicode code points, fingerprints that survive line moves.

use serde_json::{Value, json};

use super::{fingerprints, position};
use crate::diagnostics::finding::Severity;
use crate::diagnostics::rules::{self, RuleDoc};
use crate::engine::Scan;

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
pub const INFORMATION_URI: &str = "https://github.com/sfsec/sfsec";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// SARIF wants messages that end with a period; ours do not (house style).
fn sentence(s: &str) -> String {
    let s = s.trim_end();
    if s.ends_with(['.', '!', '?']) {
        s.to_string()
    } else {
        format!("{s}.")
    }
}

fn pascal(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map_or(String::new(), |f| f.to_ascii_uppercase().to_string() + c.as_str())
        })
        .collect()
}

fn rule_descriptor(d: &RuleDoc) -> Value {
    let full = d.section("What it finds").unwrap_or(d.summary);
    let fix = d.section("How to fix").unwrap_or("");
    let mut tags: Vec<String> = d.tags.iter().map(|t| t.to_string()).collect();
    tags.sort();
    json!({
        "id": d.id,
        "name": pascal(d.id),
        "shortDescription": { "text": sentence(&capitalize(d.summary)) },
        "fullDescription": { "text": sentence(&plain(full)) },
        "help": {
            "text": sentence(&plain(&format!("{full}\n\nHow to fix: {fix}"))),
            "markdown": d.body(),
        },
        "helpUri": d.help_uri(),
        "defaultConfiguration": { "level": level(d.severity) },
        "properties": {
            "tags": tags,
            "precision": match d.confidence { "high" => "high", "medium" => "medium", _ => "low" },
            "problem.severity": match d.severity { Severity::Error => "error", Severity::Warning => "warning", Severity::Note => "recommendation" },
            "security-severity": format!("{:.1}", d.security_severity),
        },
    })
}

pub(crate) fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map_or(String::new(), |f| f.to_uppercase().collect::<String>() + c.as_str())
}

/// Markdown to one paragraph of plain text (enough for descriptor text fields).
fn plain(md: &str) -> String {
    md.split_whitespace().collect::<Vec<_>>().join(" ").replace('`', "")
}

pub fn render(scan: &Scan, category: &str) -> String {
    let docs = rules::all();
    let prints = fingerprints(scan);
    let results: Vec<Value> = scan
        .findings
        .iter()
        .zip(prints)
        .map(|(f, fingerprint)| {
            let file = scan.project.file(f.file);
            let p = position(scan, f);
            let mut message = sentence(&f.message);
            if let Some(h) = &f.help {
                message.push(' ');
                message.push_str(&sentence(&capitalize(h)));
            }
            let related: Vec<Value> = f
                .labels
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    let lf = scan.project.file(l.file);
                    let (sl, sc) = lf.line_col(l.span.start);
                    let (el, ec) = lf.line_col(l.span.end);
                    json!({
                        "id": i + 1,
                        "message": { "text": sentence(&l.message) },
                        "physicalLocation": {
                            "artifactLocation": { "uri": uri(&lf.rel), "uriBaseId": "%SRCROOT%" },
                            "region": region(sl, sc, el, ec),
                        },
                    })
                })
                .collect();
            let mut result = json!({
                "ruleId": f.rule,
                "ruleIndex": rules::index_of(f.rule).unwrap_or(0),
                "level": level(f.severity),
                "message": { "text": message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(&file.rel), "uriBaseId": "%SRCROOT%" },
                        "region": region(p.start_line, p.start_column, p.end_line, p.end_column),
                    },
                }],
                "partialFingerprints": { "sfsec/v1": fingerprint },
            });
            if !related.is_empty() {
                result["relatedLocations"] = Value::Array(related);
            }
            if !f.flow.is_empty() {
                // GitHub renders a thread flow as numbered steps from source to sink.
                let steps: Vec<Value> = f
                    .flow
                    .iter()
                    .map(|l| {
                        let lf = scan.project.file(l.file);
                        let (sl, sc) = lf.line_col(l.span.start);
                        let (el, ec) = lf.line_col(l.span.end);
                        json!({
                            "location": {
                                "physicalLocation": {
                                    "artifactLocation": { "uri": uri(&lf.rel), "uriBaseId": "%SRCROOT%" },
                                    "region": region(sl, sc, el, ec),
                                },
                                "message": { "text": sentence(&l.message) },
                            },
                        })
                    })
                    .collect();
                result["codeFlows"] = json!([{ "threadFlows": [{ "locations": steps }] }]);
            }
            if let Some(state) = super::baseline_state(scan, f) {
                result["baselineState"] = json!(state);
            }
            if let Some(s) = &f.suppression {
                result["suppressions"] =
                    json!([{ "kind": "inSource", "status": "accepted", "justification": s.reason }]);
            }
            result
        })
        .collect();
    let doc = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "sfsec",
                    "fullName": "sfsec: static security linter for Salesforce DX projects",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": INFORMATION_URI,
                    "rules": docs.iter().map(rule_descriptor).collect::<Vec<_>>(),
                },
            },
            // GitHub keeps one set of alerts per category: the part of the id before its
            // last `/`.
            "automationDetails": { "id": format!("{}/", category.trim_end_matches('/')) },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

fn region(sl: usize, sc: usize, el: usize, ec: usize) -> Value {
    json!({ "startLine": sl, "startColumn": sc, "endLine": el, "endColumn": ec })
}

/// A relative URI reference: path segments percent-encoded where URIs require it.
fn uri(rel: &str) -> String {
    let mut out = String::with_capacity(rel.len());
    for b in rel.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_and_names() {
        assert_eq!(
            uri("classes/Integration Recipes/A.cls"),
            "classes/Integration%20Recipes/A.cls"
        );
        assert_eq!(pascal("oauth-device-flow"), "OauthDeviceFlow");
        assert_eq!(sentence("a b"), "a b.");
        assert_eq!(sentence("a b."), "a b.");
    }
}
