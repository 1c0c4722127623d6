//! Terminal formats with one line per finding: `concise` (`path:line:col: severity[rule]
//! message`, what editors and `grep` read) and `grouped` (each file's path once, then its
//! findings), both ending with the count per rule and the totals.

use std::borrow::Cow;

use super::human::HumanOptions;
use super::terminal::escape;
use super::{position, tally};
use crate::diagnostics::finding::Finding;
use crate::engine::Scan;

/// The message on one line: escaped for the terminal, and its line breaks made blanks.
fn one_line(message: &str) -> Cow<'_, str> {
    let escaped = escape(message);
    if escaped.contains(['\n', '\t']) {
        Cow::Owned(escaped.replace(['\n', '\t'], " "))
    } else {
        escaped
    }
}

/// `severity[rule] message`, with a suppressed finding's reason.
fn describe(f: &Finding, color: bool) -> String {
    let mut s = format!(
        "{}[{}] {}",
        tally::severity_word(f.severity, color),
        f.rule,
        one_line(&f.message)
    );
    if let Some(sup) = &f.suppression {
        s.push_str(&format!(" (suppressed: {})", one_line(&sup.reason)));
    }
    s
}

pub fn render(scan: &Scan, opts: &HumanOptions) -> String {
    let shown = tally::shown(scan, opts.show_suppressed);
    let mut out = String::new();
    for f in &shown {
        let pos = position(scan, f);
        out.push_str(&format!(
            "{}:{}:{}: {}\n",
            one_line(&scan.project.shown(f.file)),
            pos.start_line,
            pos.start_column,
            describe(f, opts.color)
        ));
    }
    if !shown.is_empty() {
        out.push('\n');
    }
    out.push_str(&tally::by_rule(&shown, opts.color));
    out.push_str(&tally::totals(scan, opts.show_suppressed));
    out
}

pub fn render_grouped(scan: &Scan, opts: &HumanOptions) -> String {
    let shown = tally::shown(scan, opts.show_suppressed);
    let mut out = String::new();
    for group in shown.chunk_by(|a, b| a.file == b.file) {
        let Some(first) = group.first() else { continue };
        out.push_str(&format!("{}:\n", one_line(&scan.project.shown(first.file))));
        let at: Vec<String> = group
            .iter()
            .map(|f| {
                let pos = position(scan, f);
                format!("{}:{}", pos.start_line, pos.start_column)
            })
            .collect();
        let wide = at.iter().map(String::len).max().unwrap_or(0);
        for (f, at) in group.iter().zip(&at) {
            out.push_str(&format!("  {at:<wide$}  {}\n", describe(f, opts.color)));
        }
        out.push('\n');
    }
    out.push_str(&tally::by_rule(&shown, opts.color));
    out.push_str(&tally::totals(scan, opts.show_suppressed));
    out
}
