//! The book's rule pages, generated from `lints/` (a test keeps `book/src/` fresh).

use crate::diagnostics::rules::{self, RuleDoc, RuleOption};

/// The page of `d`, with the options its lint declares (from `options`, every rule's).
pub fn rule_page(d: &RuleDoc, options: &[&RuleOption]) -> String {
    let mut s = String::new();
    s.push_str("<!-- generated from lints/");
    s.push_str(d.id);
    s.push_str(".md by `SFSEC_UPDATE_BOOK=1 cargo test --test book`; edit that file instead -->\n\n");
    let body = d.for_readers(options);
    let (title, rest) = body.split_once('\n').unwrap_or((&body, ""));
    s.push_str(title);
    s.push_str("\n\n");
    s.push_str(&format!(
        "| family | default severity | confidence | since | tags |\n|---|---|---|---|---|\n| {} | {} | {} | {} | {} |\n",
        d.family,
        d.severity,
        d.confidence,
        d.since,
        d.tags.join(", ")
    ));
    s.push_str(rest);
    if !s.ends_with('\n') {
        s.push('\n');
    }
    s
}

pub fn rules_index() -> String {
    let mut s = String::from(
        "<!-- generated from lints/ by `SFSEC_UPDATE_BOOK=1 cargo test --test book` -->\n\n# Rules\n\n| rule | family | severity | what it finds |\n|---|---|---|---|\n",
    );
    for d in rules::all() {
        s.push_str(&format!(
            "| [{id}]({id}.md) | {} | {} | {} |\n",
            d.family,
            d.severity,
            d.summary,
            id = d.id
        ));
    }
    s
}

/// The rule entries of SUMMARY.md, between its markers.
pub fn summary_entries() -> String {
    rules::all()
        .iter()
        .map(|d| format!("  - [{id}](rules/{id}.md)\n", id = d.id))
        .collect()
}
