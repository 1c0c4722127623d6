//! In-source suppressions with a reason:
//! `<!-- sfsec-ignore rule-id: reason -->` before an XML element (covers the element),
//! `// sfsec-ignore rule-id: reason` before an Apex line (covers the line),
//! the same at the end of a line (covers that line), and
//! `sfsec-ignore-file rule-id: reason` anywhere (covers the file).

use std::ops::Range;

use crate::finding::{FileId, Finding, Suppression};
use crate::rules;
use crate::xml::XmlDoc;

#[derive(Debug, Clone)]
pub struct Directive {
    pub file: FileId,
    pub comment: Range<usize>,
    pub rules: Vec<String>,
    pub reason: Option<String>,
    pub whole_file: bool,
    /// The byte range it covers.
    pub target: Range<usize>,
}

/// Parses the text inside a comment; `None` when it is not a directive.
fn parse(content: &str) -> Option<(bool, Vec<String>, Option<String>)> {
    let t = content.trim().trim_start_matches('*').trim();
    let (whole_file, rest) = if let Some(r) = t.strip_prefix("sfsec-ignore-file") {
        (true, r)
    } else if let Some(r) = t.strip_prefix("sfsec-ignore") {
        (false, r)
    } else {
        return None;
    };
    if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let (ids, reason) = match rest.split_once(':') {
        Some((ids, reason)) => (ids, Some(reason.trim().trim_end_matches("*/").trim().to_string())),
        None => (rest, None),
    };
    let rules = ids
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    Some((whole_file, rules, reason.filter(|r| !r.is_empty())))
}

fn line_bounds(text: &str, offset: usize) -> Range<usize> {
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    start..end
}

/// Whether the comment shares its line with code before it (a trailing comment).
fn is_trailing(text: &str, comment_start: usize) -> bool {
    let line = line_bounds(text, comment_start);
    !text[line.start..comment_start].trim().is_empty()
}

pub fn from_xml(file: FileId, text: &str, doc: &XmlDoc) -> Vec<Directive> {
    let mut out = Vec::new();
    for c in &doc.comments {
        let Some((whole_file, rules, reason)) = parse(&text[c.text_span.clone()]) else {
            continue;
        };
        let target = if whole_file {
            0..text.len()
        } else if is_trailing(text, c.span.start) {
            line_bounds(text, c.span.start)
        } else {
            // The next element that starts after the comment.
            let i = doc.elements.partition_point(|e| e.start_tag.start < c.span.end);
            doc.elements.get(i).map_or(c.span.end..c.span.end, |e| e.span.clone())
        };
        out.push(Directive {
            file,
            comment: c.span.clone(),
            rules,
            reason,
            whole_file,
            target,
        });
    }
    out
}

/// `comments` are the byte ranges of the file's comments, in order.
pub fn from_code(file: FileId, text: &str, comments: &[Range<usize>]) -> Vec<Directive> {
    let mut out = Vec::new();
    for c in comments {
        let inner = text[c.clone()]
            .trim_start_matches("//")
            .trim_start_matches("/*")
            .trim_end_matches("*/");
        let Some((whole_file, rules, reason)) = parse(inner) else {
            continue;
        };
        let target = if whole_file {
            0..text.len()
        } else if is_trailing(text, c.start) {
            line_bounds(text, c.start)
        } else {
            next_code_line(text, c.end, comments)
        };
        out.push(Directive {
            file,
            comment: c.clone(),
            rules,
            reason,
            whole_file,
            target,
        });
    }
    out
}

/// The first line after `from` with something other than blanks and comments.
fn next_code_line(text: &str, from: usize, comments: &[Range<usize>]) -> Range<usize> {
    let mut pos = text[from..].find('\n').map_or(text.len(), |i| from + i + 1);
    while pos < text.len() {
        let line = line_bounds(text, pos);
        let mut i = line.start;
        let bytes = text.as_bytes();
        let has_code = loop {
            while i < line.end && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            if i >= line.end {
                break false;
            }
            match comments.iter().find(|c| c.contains(&i)) {
                Some(c) => i = c.end,
                None => break true,
            }
        };
        if has_code {
            return line;
        }
        // `line.end` is the newline (or the end of the text).
        pos = line.end + 1;
    }
    text.len()..text.len()
}

/// Marks suppressed findings and reports bad and unused directives. `findings` must be sorted
/// by file, so that each directive looks only at its own file's findings. `enabled` says
/// whether a rule ran (an unused directive for a rule that did not run is not reported).
pub fn apply(findings: &mut [Finding], directives: &[Directive], enabled: impl Fn(&str) -> bool) -> Vec<Finding> {
    let mut extra = Vec::new();
    for d in directives {
        let unknown: Vec<&String> = d.rules.iter().filter(|r| rules::get(r).is_none()).collect();
        if d.rules.is_empty() {
            extra.push(
                Finding::new(
                    "invalid-suppression",
                    d.file,
                    d.comment.clone(),
                    "suppression names no rule",
                )
                .help("write `sfsec-ignore rule-id: reason`"),
            );
            continue;
        }
        if !unknown.is_empty() {
            let names: Vec<String> = unknown.iter().map(|r| format!("`{r}`")).collect();
            extra.push(
                Finding::new(
                    "invalid-suppression",
                    d.file,
                    d.comment.clone(),
                    format!("suppression names unknown rule {}", names.join(", ")),
                )
                .help("use a rule id from `sfsec rules`"),
            );
            continue;
        }
        let Some(reason) = &d.reason else {
            extra.push(
                Finding::new(
                    "invalid-suppression",
                    d.file,
                    d.comment.clone(),
                    "suppression gives no reason, so it does not apply",
                )
                .help("add the reason after a colon: `sfsec-ignore rule-id: why this is safe`"),
            );
            continue;
        };
        let mut used = vec![false; d.rules.len()];
        let first = findings.partition_point(|f| f.file < d.file);
        let end = findings.partition_point(|f| f.file <= d.file);
        for f in &mut findings[first..end] {
            let covered = d.whole_file || d.target.contains(&f.span.start);
            if f.suppression.is_some() || !covered {
                continue;
            }
            if let Some(i) = d.rules.iter().position(|r| r == f.rule) {
                used[i] = true;
                f.suppression = Some(Suppression {
                    reason: reason.clone(),
                    file: d.file,
                    span: d.comment.clone(),
                    whole_file: d.whole_file,
                });
            }
        }
        for (rule, used) in d.rules.iter().zip(used) {
            if !used && enabled(rule) {
                extra.push(
                    Finding::new(
                        "unused-suppression",
                        d.file,
                        d.comment.clone(),
                        format!("suppression of `{rule}` matches no finding"),
                    )
                    .help("remove the suppression, or move it before the element or line it is meant for"),
                );
            }
        }
    }
    extra
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directive_syntax() {
        assert_eq!(
            parse(" sfsec-ignore oauth-device-flow, oauth-implicit-flow: legacy kiosk "),
            Some((
                false,
                vec!["oauth-device-flow".into(), "oauth-implicit-flow".into()],
                Some("legacy kiosk".into())
            ))
        );
        assert_eq!(
            parse("sfsec-ignore-file a: b"),
            Some((true, vec!["a".into()], Some("b".into())))
        );
        assert_eq!(parse("sfsec-ignore a"), Some((false, vec!["a".into()], None)));
        assert_eq!(parse("sfsec-ignore a:   "), Some((false, vec!["a".into()], None)));
        assert_eq!(parse("sfsec-ignored a: b"), None);
        assert_eq!(parse("see sfsec-ignore a: b"), None);
    }

    #[test]
    fn apex_targets_skip_blank_and_comment_lines() {
        let text = "a();\n// sfsec-ignore x: y\n\n// other\nb();\nc(); // sfsec-ignore x: z\n";
        let comments: Vec<Range<usize>> = text
            .match_indices("//")
            .map(|(i, _)| i..text[i..].find('\n').map_or(text.len(), |k| i + k))
            .collect();
        let d = from_code(0, text, &comments);
        assert_eq!(&text[d[0].target.clone()], "b();");
        assert_eq!(d.len(), 2);
        assert_eq!(&text[d[1].target.clone()], "c(); // sfsec-ignore x: z");
    }

    #[test]
    fn xml_targets_the_next_element() {
        let text = "<a>\n  <!-- sfsec-ignore x: y -->\n  <b><c/></b>\n  <d/> <!-- sfsec-ignore x: z -->\n</a>";
        let doc = XmlDoc::parse(text).expect("xml");
        let d = from_xml(0, text, &doc);
        assert_eq!(&text[d[0].target.clone()], "<b><c/></b>");
        assert_eq!(&text[d[1].target.clone()], "  <d/> <!-- sfsec-ignore x: z -->");
    }
}
