//! `sfsec rules`: every rule, as a table or JSON.

use clap::ValueEnum;

use super::rule_docs;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Human,
    Json,
}

pub(super) fn rules_table() -> String {
    let docs = rule_docs::all();
    let w = docs.iter().map(|d| d.id.len()).max().unwrap_or(0);
    let mut s = format!("{:w$}  {:8}  {:8}  summary\n", "rule", "family", "severity");
    for d in docs {
        s.push_str(&format!(
            "{:w$}  {:8}  {:8}  {}\n",
            d.id,
            d.family,
            d.severity.as_str(),
            d.summary
        ));
    }
    s
}

pub(super) fn rules_json() -> String {
    let v: Vec<serde_json::Value> = rule_docs::all()
        .iter()
        .map(|d| {
            serde_json::json!({
                "id": d.id, "family": d.family, "severity": d.severity.as_str(),
                "confidence": d.confidence, "tags": d.tags, "summary": d.summary, "help_uri": d.help_uri(),
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}
