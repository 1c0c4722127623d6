//! `--format junit`: JUnit XML, one test suite per file with findings and one failed test case
//! per finding, the shape CI servers (Jenkins, GitLab, Azure Pipelines) display for linters.

use super::position;
use crate::engine::Scan;

/// Text for an XML attribute or element: markup escaped, and the characters XML 1.0 does not
/// allow (controls but tab and line feed, U+FFFE, U+FFFF) written as escapes (`\u{1b}`).
fn escape(s: &str) -> String {
    let visible = super::terminal::escape(s);
    let allowed = if visible.contains(['\u{fffe}', '\u{ffff}']) {
        std::borrow::Cow::Owned(
            visible
                .replace('\u{fffe}', "\\u{fffe}")
                .replace('\u{ffff}', "\\u{ffff}"),
        )
    } else {
        visible
    };
    quick_xml::escape::escape(allowed.as_ref()).into_owned()
}

pub fn render(scan: &Scan) -> String {
    let active: Vec<_> = scan.active().collect();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"sfsec\" tests=\"{n}\" failures=\"{n}\" errors=\"0\">\n",
        n = active.len()
    ));
    // Findings are sorted by path, so each file's findings are adjacent.
    let mut i = 0;
    while i < active.len() {
        let file = active[i].file;
        let end = active[i..]
            .iter()
            .position(|f| f.file != file)
            .map_or(active.len(), |k| i + k);
        let rel = scan.project.shown(file);
        out.push_str(&format!(
            "  <testsuite name=\"{p}\" tests=\"{n}\" failures=\"{n}\" errors=\"0\">\n",
            p = escape(rel.as_str()),
            n = end - i
        ));
        for f in &active[i..end] {
            let p = position(scan, f);
            let mut details = format!("{}:{}:{}: {}\n", rel, p.start_line, p.start_column, f.message);
            if let Some(help) = &f.help {
                details.push_str(&format!("help: {help}\n"));
            }
            details.push_str(&format!("run `sfsec explain {}`\n", f.rule));
            out.push_str(&format!(
                "    <testcase classname=\"{c}\" name=\"{r} at {l}:{col}\">\n      <failure type=\"{s}\" message=\"{m}\">{d}</failure>\n    </testcase>\n",
                c = escape(rel.as_str()),
                r = f.rule,
                l = p.start_line,
                col = p.start_column,
                s = f.severity.as_str(),
                m = escape(f.message.as_str()),
                d = escape(details.as_str()),
            ));
        }
        out.push_str("  </testsuite>\n");
        i = end;
    }
    out.push_str("</testsuites>\n");
    out
}
