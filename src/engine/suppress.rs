//! In-source suppressions with a reason:
//! `<!-- sfsec-ignore rule-id: reason -->` before an XML element (covers the element),
//! `// sfsec-ignore rule-id: reason` before an Apex line (covers the line),
//! the same at the end of a line (covers that line), and
//! `sfsec-ignore-file rule-id: reason` anywhere (covers the file).
//!
//! For projects moving from PMD / Code Analyzer, Apex's `// NOPMD` (covers its line) and
//! `@SuppressWarnings('PMD.Rule, ...')` (covers the annotated declaration) suppress the sfsec
//! rules that correspond to those PMD rules, with the comment or annotation as the reason.

use std::ops::Range;

use crate::diagnostics::finding::{FileId, Finding, LineIndex, Suppression};
use crate::diagnostics::rules::{self, engine};
use crate::syntax::xml::XmlDoc;

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Directive {
    pub file: FileId,
    pub comment: Range<usize>,
    pub rules: Vec<String>,
    pub reason: Option<String>,
    pub whole_file: bool,
    /// The byte range it covers.
    pub target: Range<usize>,
    /// Written for PMD (`NOPMD`, `@SuppressWarnings('PMD...')`): never reported as unused or
    /// invalid, since it serves PMD too.
    pub pmd: bool,
}

/// PMD rules (PMD's Apex security rules and the AppExchange rules of Code Analyzer) and the
/// sfsec rules that find the same problems.
const PMD_RULES: &[(&str, &[&str])] = &[
    ("ApexBadCrypto", &["bad-crypto"]),
    ("ApexCRUDViolation", &["crud-violation"]),
    ("ApexCSRF", &["csrf"]),
    ("ApexDangerousMethods", &["dangerous-methods"]),
    ("ApexInsecureEndpoint", &["insecure-endpoint"]),
    ("ApexOpenRedirect", &["open-redirect"]),
    ("ApexSOQLInjection", &["soql-injection"]),
    ("ApexSharingViolations", &["sharing-violation"]),
    (
        "ApexSuggestUsingNamedCred",
        &["named-credential-suggested", "hardcoded-secret"],
    ),
    ("ApexXSSFromEscapeFalse", &["xss-escape-false"]),
    ("AvoidHardcodedCredentials", &["hardcoded-secret"]),
    ("AvoidHardcodedCredentialsInFieldDecls", &["hardcoded-secret"]),
    ("AvoidHardcodedCredentialsInHttpHeader", &["hardcoded-secret"]),
    ("AvoidHardcodedCredentialsInSetPassword", &["hardcoded-secret"]),
    ("AvoidHardcodedCredentialsInVarAssign", &["hardcoded-secret"]),
    ("AvoidHardcodedCredentialsInVarDecls", &["hardcoded-secret"]),
    (
        "AvoidUnauthorizedApiSessionIdInApex",
        &["session-id-to-external", "session-id-exposed"],
    ),
    (
        "AvoidUnauthorizedGetSessionIdInApex",
        &["session-id-to-external", "session-id-exposed"],
    ),
];

/// The sfsec rules a PMD suppression names: `PMD` alone means every PMD rule.
fn pmd_targets<'a>(names: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for name in names {
        let name = name.trim();
        let Some(rest) = name
            .get(..3)
            .filter(|p| p.eq_ignore_ascii_case("pmd"))
            .map(|_| &name[3..])
        else {
            continue;
        };
        let rule = rest.strip_prefix('.');
        for (pmd, ours) in PMD_RULES {
            if rest.is_empty() || rule.is_some_and(|r| r.eq_ignore_ascii_case(pmd)) {
                for o in *ours {
                    if !out.iter().any(|x| x == o) {
                        out.push((*o).to_string());
                    }
                }
            }
        }
    }
    out
}

/// `// NOPMD` and `@SuppressWarnings('PMD...')` in an Apex file (see the module's note).
/// `comments` are the file's comment ranges, in order.
pub(crate) fn from_pmd(
    file: FileId,
    text: &str,
    comments: &[Range<usize>],
    root: tree_sitter::Node<'_>,
) -> Vec<Directive> {
    let mut out = Vec::new();
    let mut lines = None;
    for c in comments {
        let inner = text[c.clone()]
            .trim_start_matches("//")
            .trim_start_matches("/*")
            .trim_end_matches("*/")
            .trim();
        // PMD's marker is case-sensitive and starts the comment.
        if !inner.starts_with("NOPMD") {
            continue;
        }
        let rules = pmd_targets(std::iter::once("PMD"));
        out.push(Directive {
            file,
            comment: c.clone(),
            rules,
            reason: Some(inner.to_string()),
            whole_file: false,
            target: line_bounds(text, lines.get_or_insert_with(|| LineIndex::new(text)), c.start),
            pmd: true,
        });
    }
    // Annotations are rare: walk the tree only when the text names one.
    static ANNOTATION: std::sync::LazyLock<Option<regex::Regex>> =
        std::sync::LazyLock::new(|| regex::Regex::new("(?i)suppresswarnings").ok());
    if !ANNOTATION.as_ref().is_some_and(|re| re.is_match(text)) {
        return out;
    }
    crate::syntax::tree::preorder(root, |n| {
        if n.kind() != "annotation" {
            return true;
        }
        let name = n
            .child_by_field_name("name")
            .and_then(|x| text.get(x.byte_range()))
            .unwrap_or("");
        if !name.eq_ignore_ascii_case("SuppressWarnings") {
            return false;
        }
        let Some(args) = n
            .child_by_field_name("arguments")
            .and_then(|a| text.get(a.byte_range()))
        else {
            return false;
        };
        let value = args
            .trim_matches(|c: char| c == '(' || c == ')' || c.is_whitespace())
            .trim_matches('\'');
        let rules = pmd_targets(value.split(','));
        // The annotation sits in the declaration's modifiers.
        let decl = n
            .parent()
            .filter(|m| m.kind() == "modifiers")
            .and_then(|m| m.parent())
            .unwrap_or(n);
        if !rules.is_empty() {
            out.push(Directive {
                file,
                comment: n.byte_range(),
                rules,
                reason: Some(text.get(n.byte_range()).unwrap_or("").to_string()),
                whole_file: false,
                target: decl.byte_range(),
                pmd: true,
            });
        }
        false
    });
    out
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

/// The line holding `offset`, without its terminator.
fn line_bounds(text: &str, lines: &LineIndex, offset: usize) -> Range<usize> {
    let line = lines.line(offset);
    let start = lines.line_start(line);
    let end = if line < lines.line_count() {
        let next = lines.line_start(line + 1);
        let t = &text.as_bytes()[start..next];
        next - t.iter().rev().take_while(|&&b| b == b'\n' || b == b'\r').count().min(2)
    } else {
        text.len()
    };
    start..end.max(start)
}

/// Whether the comment shares its line with code before it (a trailing comment).
fn is_trailing(text: &str, lines: &LineIndex, comment_start: usize) -> bool {
    let line = line_bounds(text, lines, comment_start);
    !text[line.start..comment_start].trim().is_empty()
}

pub(crate) fn from_xml(file: FileId, text: &str, doc: &XmlDoc) -> Vec<Directive> {
    let mut out = Vec::new();
    let lines = LineIndex::new(text);
    for c in &doc.comments {
        let Some((whole_file, rules, reason)) = parse(&text[c.text_span.clone()]) else {
            continue;
        };
        let target = if whole_file {
            0..text.len()
        } else if is_trailing(text, &lines, c.span.start) {
            line_bounds(text, &lines, c.span.start)
        } else {
            // The next element that starts after the comment.
            let i = doc.elements.partition_point(|e| e.span().start < c.span.end);
            doc.elements.get(i).map_or(c.span.end..c.span.end, |e| e.span())
        };
        out.push(Directive {
            file,
            comment: c.span.clone(),
            rules,
            reason,
            whole_file,
            target,
            pmd: false,
        });
    }
    out
}

/// `comments` are the byte ranges of the file's comments, in order.
pub(crate) fn from_code(file: FileId, text: &str, comments: &[Range<usize>]) -> Vec<Directive> {
    let mut out = Vec::new();
    let mut lines = None;
    // Directives that cover the next line of code, found below.
    let mut ahead = Vec::new();
    for c in comments {
        let inner = text[c.clone()]
            .trim_start_matches("//")
            .trim_start_matches("/*")
            .trim_end_matches("*/");
        let Some((whole_file, rules, reason)) = parse(inner) else {
            continue;
        };
        let lines = lines.get_or_insert_with(|| LineIndex::new(text));
        let target = if whole_file {
            0..text.len()
        } else if is_trailing(text, lines, c.start) {
            line_bounds(text, lines, c.start)
        } else {
            ahead.push(out.len());
            c.end..c.end
        };
        out.push(Directive {
            file,
            comment: c.clone(),
            rules,
            reason,
            whole_file,
            target,
            pmd: false,
        });
    }
    // Last directive first: a run of directive lines shares its code line, and each walk stops
    // where the one after it began (thousands of directive lines in a row were cubic).
    let mut walked: Option<(usize, Range<usize>)> = None;
    if let Some(lines) = &lines {
        for &i in ahead.iter().rev() {
            out[i].target = next_code_line(text, lines, out[i].comment.end, comments, &mut walked);
        }
    }
    out
}

/// The first line after `from` with something other than blanks and comments. `walked` is the
/// previous call's start and answer, for a call that starts before it (see [`from_code`]).
fn next_code_line(
    text: &str,
    lines: &LineIndex,
    from: usize,
    comments: &[Range<usize>],
    walked: &mut Option<(usize, Range<usize>)>,
) -> Range<usize> {
    let first = lines.line_start(lines.line(from) + 1);
    let first = if first <= from { text.len() } else { first };
    let mut pos = first;
    let bytes = text.as_bytes();
    let found = loop {
        if pos >= text.len() {
            break text.len()..text.len();
        }
        if let Some((start, found)) = walked
            && pos >= *start
        {
            break found.clone();
        }
        let line = line_bounds(text, lines, pos);
        let mut i = line.start;
        let has_code = loop {
            while i < line.end && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            if i >= line.end {
                break false;
            }
            // Comments are sorted and do not overlap: the one holding `i`, if any, is the last
            // that starts at or before it.
            let k = comments.partition_point(|c| c.start <= i);
            match k.checked_sub(1).map(|k| &comments[k]).filter(|c| c.contains(&i)) {
                Some(c) => i = c.end,
                None => break true,
            }
        };
        if has_code {
            break line;
        }
        let next = lines.line_start(lines.line(line.start) + 1);
        pos = if next > line.start { next } else { text.len() };
    };
    *walked = Some((first, found.clone()));
    found
}

/// Marks suppressed findings and reports bad and unused directives. `findings` must be sorted
/// by file, so that each directive looks only at its own file's findings. `enabled` says
/// whether a rule ran (an unused directive for a rule that did not run is not reported).
/// Marks the findings a PMD directive covers; nothing else (see [`Directive::pmd`]).
fn mark(findings: &mut [Finding], d: &Directive) {
    let Some(reason) = &d.reason else { return };
    for f in findings.iter_mut() {
        let here = |file: FileId, offset: usize| file == d.file && d.target.contains(&offset);
        // PMD reports a data flow where it starts (the `getSessionId()` call), so that is
        // where a PMD user's `NOPMD` sits, in whichever file; sfsec reports it at the sink.
        let covered = here(f.file, f.span.start) || f.flow.first().is_some_and(|s| here(s.file, s.span.start));
        if f.suppression.is_none() && covered && d.rules.iter().any(|r| r == f.rule) {
            f.suppression = Some(Suppression {
                reason: reason.clone(),
                file: d.file,
                span: d.comment.clone(),
                whole_file: false,
            });
        }
    }
}

pub(crate) fn apply(
    findings: &mut [Finding],
    directives: &[Directive],
    enabled: impl Fn(&str) -> bool,
) -> Vec<Finding> {
    let mut extra = Vec::new();
    for d in directives {
        let unknown: Vec<&String> = d.rules.iter().filter(|r| rules::get(r).is_none()).collect();
        if d.pmd {
            mark(findings, d);
            continue;
        }
        if d.rules.is_empty() {
            extra.push(
                Finding::new(
                    engine::INVALID_SUPPRESSION,
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
                    engine::INVALID_SUPPRESSION,
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
                    engine::INVALID_SUPPRESSION,
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
                        engine::UNUSED_SUPPRESSION,
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
    fn pmd_rule_names_map_to_sfsec_rules() {
        assert_eq!(
            pmd_targets(
                [
                    "PMD.AvoidHardcodedCredentialsInVarDecls",
                    " pmd.apexsuggestusingnamedcred"
                ]
                .into_iter()
            ),
            ["hardcoded-secret", "named-credential-suggested"]
        );
        assert_eq!(
            pmd_targets(["PMD.AvoidUnauthorizedGetSessionIdInApex"].into_iter()),
            ["session-id-to-external", "session-id-exposed"]
        );
        assert_eq!(pmd_targets(["PMD.ApexSOQLInjection"].into_iter()), ["soql-injection"]);
        assert_eq!(pmd_targets(["PMD.ApexCSRF"].into_iter()), ["csrf"]);
        assert_eq!(pmd_targets(["PMD.ApexOpenRedirect"].into_iter()), ["open-redirect"]);
        assert_eq!(
            pmd_targets(["PMD.ApexXSSFromEscapeFalse"].into_iter()),
            ["xss-escape-false"]
        );
        assert_eq!(pmd_targets(["PMD.ApexCRUDViolation"].into_iter()), ["crud-violation"]);
        assert_eq!(
            pmd_targets(["PMD.ApexSharingViolations"].into_iter()),
            ["sharing-violation"]
        );
        assert_eq!(
            pmd_targets(["PMD.ApexInsecureEndpoint"].into_iter()),
            ["insecure-endpoint"]
        );
        assert_eq!(
            pmd_targets(["PMD.ApexSuggestUsingNamedCred"].into_iter()),
            ["named-credential-suggested", "hardcoded-secret"]
        );
        assert_eq!(pmd_targets(["PMD.ApexBadCrypto"].into_iter()), ["bad-crypto"]);
        assert_eq!(
            pmd_targets(["PMD.ApexDangerousMethods"].into_iter()),
            ["dangerous-methods"]
        );
        let all = pmd_targets(["PMD"].into_iter());
        assert!(
            all.len() == 13
                && all.contains(&"hardcoded-secret".to_string())
                && all.contains(&"soql-injection".to_string()),
            "{all:?}"
        );
        // A PMD rule sfsec has no counterpart for yet, and names that are not PMD's.
        assert!(
            pmd_targets(["PMD.ApexAssertionsShouldIncludeMessage", "checkstyle:magic", "PMDX"].into_iter()).is_empty()
        );
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

    fn line_comments(text: &str) -> Vec<Range<usize>> {
        text.match_indices("//")
            .map(|(i, _)| i..text[i..].find(['\n', '\r']).map_or(text.len(), |k| i + k))
            .collect()
    }

    /// A run of directive lines all cover the code line after the run; a block comment between
    /// them is skipped whole. 20,000 of them took hours when each walked the run again.
    #[test]
    fn a_long_run_of_directives_shares_its_code_line() {
        let mut text = String::from("class A {\n/* a\n b */\n");
        for _ in 0..20_000 {
            text.push_str("  // sfsec-ignore x: y\n");
        }
        text.push_str("  /* between\n  */\n  // sfsec-ignore x: y\n\n  b(); // c\n}\n");
        let comments: Vec<Range<usize>> = {
            let mut v = line_comments(&text);
            for (i, _) in text.match_indices("/*") {
                v.push(i..i + text[i..].find("*/").expect("end") + 2);
            }
            v.sort_by_key(|r| r.start);
            v
        };
        let d = from_code(0, &text, &comments);
        assert_eq!(d.len(), 20_001);
        assert!(
            d.iter().all(|d| &text[d.target.clone()] == "  b(); // c"),
            "{:?}",
            d.iter().map(|d| &text[d.target.clone()]).find(|t| *t != "  b(); // c")
        );
    }

    /// Lines end at a lone CR too.
    #[test]
    fn carriage_return_lines_are_lines() {
        let text = "a();\r// sfsec-ignore x: y\r\rb();\rc(); // sfsec-ignore x: z\r";
        let d = from_code(0, text, &line_comments(text));
        assert_eq!(&text[d[0].target.clone()], "b();");
        assert_eq!(&text[d[1].target.clone()], "c(); // sfsec-ignore x: z");
    }
}
