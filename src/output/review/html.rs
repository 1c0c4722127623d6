//! The HTML variant of the report: one self-contained file. No network: styles and the one
//! script are inline, and a Content-Security-Policy forbids loading anything else (the script
//! is allowed by its hash, so an escaping bug in a code excerpt could not run code).

use std::fmt::Write as _;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd, html::push_html};
use sha2::{Digest, Sha256};

use super::{Entry, Excerpt, FamilyRow, Review, SECTIONS, markdown};
use crate::diagnostics::finding::Severity;
use crate::diagnostics::rules;

/// Filters the findings by text and severity; the filter can come from the URL (`#q=text`).
/// It marks the document `data-script="ready"` when it has run, which the browser test reads.
const SCRIPT: &str = r#"(function () {
  'use strict';
  var input = document.getElementById('filter');
  if (input) {
    var boxes = Array.prototype.slice.call(document.querySelectorAll('input[data-severity]'));
    var items = Array.prototype.slice.call(document.querySelectorAll('li.finding'));
    // The filter reads sfsec's findings; the fold buttons fold other scanners' rules too.
    var groups = Array.prototype.slice.call(document.querySelectorAll('details.rule:not(.included)'));
    var folds = Array.prototype.slice.call(document.querySelectorAll('details.rule'));
    var status = document.getElementById('filter-status');
    var apply = function () {
      var q = input.value.trim().toLowerCase();
      var on = {};
      boxes.forEach(function (b) { on[b.getAttribute('data-severity')] = b.checked; });
      var shown = 0;
      items.forEach(function (li) {
        var show = on[li.getAttribute('data-severity')] === true &&
          (q === '' || li.textContent.toLowerCase().indexOf(q) !== -1 ||
            li.getAttribute('data-rule').indexOf(q) !== -1);
        li.hidden = !show;
        if (show) { shown += 1; }
      });
      groups.forEach(function (g) {
        g.hidden = g.querySelector('li.finding:not([hidden])') === null;
        // A search opens the rules it matches; clearing it leaves them as they are.
        if (q !== '' && !g.hidden) { g.open = true; }
      });
      status.textContent = shown + ' of ' + items.length + ' findings shown';
    };
    var m = /[#&]q=([^&]*)/.exec(window.location.hash);
    if (m) { input.value = decodeURIComponent(m[1]); }
    input.addEventListener('input', apply);
    Array.prototype.slice.call(document.querySelectorAll('button[data-fold]')).forEach(function (b) {
      b.addEventListener('click', function () {
        var open = b.getAttribute('data-fold') === 'open';
        folds.forEach(function (g) { g.open = open; });
      });
    });
    boxes.forEach(function (b) { b.addEventListener('change', apply); });
    apply();
  }
  // Printed, every rule is open (and opened again as it was afterwards).
  var folded = [];
  window.addEventListener('beforeprint', function () {
    folded = Array.prototype.slice.call(document.querySelectorAll('details:not([open])'));
    folded.forEach(function (d) { d.open = true; });
  });
  window.addEventListener('afterprint', function () {
    folded.forEach(function (d) { d.open = false; });
  });
  document.documentElement.setAttribute('data-script', 'ready');
})();
"#;

const STYLE: &str = r#"
:root { --error: #b42318; --warning: #b54708; --note: #175cd3; --muted: #667085; --line: #eaecf0; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #101828;
  margin: 0 auto; max-width: 1100px; padding: 24px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { border-bottom: 2px solid var(--line); padding-bottom: 4px; margin-top: 40px; }
h3 { margin: 28px 0 8px; }
h3 code { font-size: 1em; }
nav ol { display: flex; flex-wrap: wrap; gap: 4px 18px; padding: 0; list-style: none; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; font-size: 14px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top;
  overflow-wrap: break-word; }
/* Words stay whole: a column is at least as wide as its longest word. Paths break after a `/`;
   a digest or a name longer than its cell breaks only then. */
td code { overflow-wrap: break-word; }
code.rule { white-space: nowrap; }
#attestation td { height: 2.4em; }
details.rule { border-top: 1px solid var(--line); }
details.rule > summary { cursor: pointer; }
details.rule > summary h3 { display: inline; }
.fold { margin-left: auto; }
th { background: #f9fafb; }
code, pre { font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { background: #f9fafb; border: 1px solid var(--line); padding: 8px 0; overflow-x: auto; }
pre .l { display: block; padding: 0 10px; white-space: pre; }
pre .l.hit { background: #fef3f2; }
pre .n { display: inline-block; min-width: 3em; padding-right: 1.2em; text-align: right;
  color: var(--muted); user-select: none; }
mark { background: #fecdca; color: inherit; border-radius: 2px; }
.sev { display: inline-block; font-size: 12px; font-weight: 600; color: #fff; border-radius: 10px;
  padding: 0 8px; text-transform: uppercase; }
.sev-error { background: var(--error); } .sev-warning { background: var(--warning); }
.sev-note { background: var(--note); }
li.finding { margin: 14px 0; }
.loc { font-weight: 600; }
.muted, .steps { color: var(--muted); }
.filters { display: flex; gap: 16px; align-items: center; flex-wrap: wrap; margin: 12px 0;
  padding: 8px 12px; background: #f9fafb; border: 1px solid var(--line); }
.filters input[type=search] { padding: 4px 8px; min-width: 280px; }
svg text { font: 13px system-ui, sans-serif; fill: #101828; }
@media print {
  @page { margin: 14mm 12mm; }
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  .filters, nav { display: none; }
  details.rule > summary { list-style: none; }
  h2 { break-before: page; break-after: avoid; }
  section#scope h2 { break-before: avoid; }
  h3, h4 { break-after: avoid; }
  li.finding, tr, .why, .fix { break-inside: avoid; }
  pre { overflow: visible; }
  pre .l { white-space: pre-wrap; overflow-wrap: anywhere; }
  thead { display: table-header-group; }
  a { color: inherit; text-decoration: none; }
}
"#;

/// `<`, `>`, `&` and quotes escaped: safe in text and in quoted attributes; control
/// characters written as escapes (`\u{1b}`).
pub(crate) fn esc(s: &str) -> String {
    quick_xml::escape::escape(crate::output::formats::terminal::escape(s).as_ref()).into_owned()
}

/// A one-line message: escaped, with its `code` spans as `<code>`.
pub(crate) fn inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    let mut parts = s.split('`');
    if let Some(first) = parts.next() {
        out.push_str(&esc(first));
    }
    let rest: Vec<&str> = parts.collect();
    // An odd number of backticks leaves the last one unpaired: shown as written.
    let pairs = rest.len() / 2 * 2;
    for (i, part) in rest.iter().enumerate() {
        if i >= pairs {
            out.push('`');
            out.push_str(&esc(part));
        } else if i % 2 == 0 {
            out.push_str("<code>");
            out.push_str(&esc(part));
            out.push_str("</code>");
        } else {
            out.push_str(&esc(part));
        }
    }
    out
}

/// Markdown (tables included) to HTML.
fn md(text: &str) -> String {
    // Raw HTML in the Markdown (a tag in a finding's message, quoted from a file) is shown as
    // text, never interpreted.
    // Project text reaches this Markdown escaped (`report::md`); links other than web and
    // in-page ones, and images, are disarmed here as well.
    let events = Parser::new_ext(text, Options::ENABLE_TABLES).map(|e| match e {
        Event::Html(s) | Event::InlineHtml(s) => Event::Text(s),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) if !["https://", "http://", "#"].iter().any(|p| dest_url.starts_with(p)) => Event::Start(Tag::Link {
            link_type,
            dest_url: "#".into(),
            title,
            id,
        }),
        // In a table, a rule id stays on one line, and a path breaks after a `/`, not inside
        // a name.
        Event::Code(t) if rules::get(&t).is_some() => {
            Event::InlineHtml(format!("<code class=\"rule\">{}</code>", esc(&t)).into())
        }
        Event::Code(t) if t.contains('/') => {
            let parts: Vec<String> = t.split('/').map(esc).collect();
            Event::InlineHtml(format!("<code>{}</code>", parts.join("/<wbr>")).into())
        }
        Event::Start(Tag::Image { .. }) => Event::Start(Tag::Emphasis),
        Event::End(TagEnd::Image) => Event::End(TagEnd::Emphasis),
        e => e,
    });
    let mut out = String::new();
    push_html(&mut out, events);
    out
}

fn script_hash() -> String {
    let digest = Sha256::digest(SCRIPT.as_bytes());
    format!("sha256-{}", data_encoding::BASE64.encode(&digest))
}

pub(crate) fn render(r: &Review) -> String {
    let mut h = String::with_capacity(64 * 1024);
    let title = format!("Security review report: {}", r.meta.project);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src '{}'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"sfsec {}\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        script_hash(),
        esc(r.meta.version),
        esc(&title)
    );
    let _ = write!(
        h,
        "<header>\n<h1>{}</h1>\n<p class=\"muted\">{}</p>\n<nav><ol>",
        esc(&title),
        esc(&markdown::intro(r))
    );
    for (id, name) in SECTIONS {
        let _ = write!(h, "<li><a href=\"#{id}\">{}</a></li>", esc(name));
    }
    h.push_str("</ol></nav>\n</header>\n<main>\n");
    for (id, name) in SECTIONS {
        let _ = writeln!(h, "<section id=\"{id}\">\n<h2>{}</h2>", esc(name));
        match id {
            "summary" => {
                h.push_str(&chart(&r.families));
                h.push_str(&md(&markdown::section(r, id)));
            }
            "findings" => h.push_str(&findings(r)),
            "other-scanners" => h.push_str(&other_scanners(r)),
            _ => h.push_str(&md(&markdown::section(r, id))),
        }
        h.push_str("</section>\n");
    }
    let _ = write!(h, "</main>\n<script>{SCRIPT}</script>\n</body>\n</html>\n");
    h
}

/// The chart's segments, in order, with their colours (the CSS's severity colours).
const SEGMENTS: [(&str, &str); 4] = [
    ("error", "#b42318"),
    ("warning", "#b54708"),
    ("note", "#175cd3"),
    ("suppressed", "#98a2b3"),
];

/// Stacked horizontal bars: one per family, a segment per severity, suppressed in grey.
fn chart(families: &[FamilyRow]) -> String {
    const LABEL: usize = 110;
    const BARS: usize = 480;
    const ROW: usize = 30;
    let max = families
        .iter()
        .map(|f| f.active() + f.suppressed)
        .max()
        .unwrap_or(0)
        .max(1);
    let height = families.len() * ROW + 40;
    let width = LABEL + BARS + 70;
    let mut s = format!(
        "<svg id=\"chart\" role=\"img\" aria-labelledby=\"chart-title\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" xmlns=\"http://www.w3.org/2000/svg\">\n<title id=\"chart-title\">Findings per family and severity</title>\n"
    );
    for (i, f) in families.iter().enumerate() {
        let y = i * ROW + 4;
        let _ = writeln!(s, "<text x=\"0\" y=\"{}\">{}</text>", y + 16, esc(f.family));
        let mut x = LABEL;
        let counts = [f.errors, f.warnings, f.notes, f.suppressed];
        for (&(name, color), n) in SEGMENTS.iter().zip(counts) {
            if n == 0 {
                continue;
            }
            let w = (n * BARS).div_ceil(max);
            let _ = writeln!(
                s,
                "<rect class=\"bar\" data-family=\"{}\" data-severity=\"{name}\" x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"22\" fill=\"{color}\"><title>{}: {n} {name}</title></rect>",
                esc(f.family),
                esc(f.family)
            );
            x += w;
        }
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{}\">{}</text>",
            x + 6,
            y + 16,
            f.active() + f.suppressed
        );
    }
    let y = families.len() * ROW + 20;
    let mut x = LABEL;
    for (name, color) in SEGMENTS {
        let _ = writeln!(
            s,
            "<rect x=\"{x}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{color}\"/><text x=\"{}\" y=\"{}\">{name}</text>",
            y,
            x + 16,
            y + 11
        );
        x += 100;
    }
    s.push_str("</svg>\n");
    s
}

/// Reports with at most this many findings show every rule open.
const OPEN_UP_TO: usize = 30;

fn findings(r: &Review) -> String {
    if r.groups.is_empty() {
        return "<p>No findings.</p>\n".to_string();
    }
    let mut h = String::from(
        "<div class=\"filters\"><label>Filter <input id=\"filter\" type=\"search\" placeholder=\"rule, file or text\"></label>",
    );
    for s in [Severity::Error, Severity::Warning, Severity::Note] {
        let _ = write!(
            h,
            "<label><input type=\"checkbox\" data-severity=\"{s}\" checked> {s}</label>"
        );
    }
    h.push_str("<span id=\"filter-status\" class=\"muted\"></span><span class=\"fold\"><button type=\"button\" data-fold=\"open\">Expand all</button> <button type=\"button\" data-fold=\"close\">Collapse all</button></span></div>\n");
    // A short report reads best open; a long one as its list of rules, each opened at will.
    let open = r.total_active() <= OPEN_UP_TO;
    for g in &r.groups {
        let d = g.doc;
        let _ = write!(
            h,
            "<details class=\"rule\" id=\"rule-{}\"{}>\n<summary><h3><code>{}</code> <span class=\"muted\">{} · {}</span></h3></summary>\n<p>{}.</p>\n",
            d.id,
            if open { " open" } else { "" },
            d.id,
            esc(d.family),
            esc(&markdown::plural(g.entries.len(), "finding")),
            esc(&crate::output::formats::sarif::capitalize(d.summary))
        );
        for (heading, class) in [("Why it matters", "why"), ("How to fix", "fix")] {
            if let Some(text) = d.section(heading) {
                let _ = write!(h, "<div class=\"{class}\"><h4>{heading}</h4>\n{}</div>\n", md(text));
            }
        }
        h.push_str("<ol class=\"findings\">\n");
        for e in &g.entries {
            h.push_str(&entry(d.id, e));
        }
        h.push_str("</ol>\n</details>\n");
    }
    h
}

/// Other scanners' results, each engine and rule folding like sfsec's own rules.
fn other_scanners(r: &Review) -> String {
    let parts = super::included::parts(&r.included, &r.stale_notes);
    let total: usize = r.included.iter().map(|i| i.findings.len()).sum();
    let open = if total <= OPEN_UP_TO { " open" } else { "" };
    let mut h = md(&parts.head);
    for (title, body) in &parts.groups {
        let title = md(title);
        let title = title.trim().trim_start_matches("<p>").trim_end_matches("</p>");
        let _ = write!(
            h,
            "<details class=\"rule included\"{open}>\n<summary><h3>{title}</h3></summary>\n{}</details>\n",
            md(body)
        );
    }
    h.push_str(&md(&parts.tail));
    h
}

fn entry(rule: &str, e: &Entry) -> String {
    let mut h = format!(
        "<li class=\"finding\" data-rule=\"{rule}\" data-severity=\"{}\">\n<span class=\"sev sev-{}\">{}</span> <span class=\"loc\">{}:{}:{}</span>: {}\n",
        e.severity,
        e.severity,
        e.severity,
        esc(&e.path),
        e.line,
        e.column,
        inline(&e.message)
    );
    if let Some(help) = &e.help {
        let _ = writeln!(h, "<div>Fix: {}</div>", inline(help));
    }
    if !e.steps.is_empty() {
        h.push_str("<ul class=\"steps\">");
        for s in &e.steps {
            let _ = write!(h, "<li>{}:{}: {}</li>", esc(&s.path), s.line, inline(&s.message));
        }
        h.push_str("</ul>\n");
    }
    if let Some(x) = &e.excerpt {
        h.push_str(&excerpt(x));
    }
    h.push_str("</li>\n");
    h
}

fn excerpt(x: &Excerpt) -> String {
    let mut h = String::from("<pre>");
    for l in &x.lines {
        let _ = write!(
            h,
            "<span class=\"l{}\"><span class=\"n\">{}</span>",
            if l.hit { " hit" } else { "" },
            l.number
        );
        let parts = l
            .mark
            .as_ref()
            .and_then(|m| Some((l.text.get(..m.start)?, l.text.get(m.clone())?, l.text.get(m.end..)?)));
        match parts {
            Some((before, marked, after)) => {
                let _ = write!(h, "{}<mark>{}</mark>{}", esc(before), esc(marked), esc(after));
            }
            None => h.push_str(&esc(&l.text)),
        }
        if l.cut {
            h.push_str(" …");
        }
        h.push_str("</span>");
    }
    h.push_str("</pre>\n");
    h
}
