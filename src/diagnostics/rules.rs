//! Rule documentation, compiled from `lints/<rule-id>.md`: the one source for `sfsec explain`,
//! the SARIF rule descriptors and the book.

use crate::diagnostics::severity::Severity;

#[derive(Debug)]
pub struct RuleDoc {
    pub id: &'static str,
    pub family: &'static str,
    pub severity: Severity,
    pub confidence: &'static str,
    /// SARIF `security-severity` (GitHub maps it to critical/high/medium/low).
    pub security_severity: f64,
    pub tags: &'static [&'static str],
    pub since: &'static str,
    /// One line, lower-case start, no period: "connected app or ECA enables the device flow".
    pub summary: &'static str,
    text: &'static str,
    body_start: usize,
}

include!(concat!(env!("OUT_DIR"), "/rule_docs.rs"));

/// The ids of the rules the engine reports itself (family `general`), as their docs name them.
pub mod engine {
    include!(concat!(env!("OUT_DIR"), "/engine_rules.rs"));
}

/// An option a rule accepts under `[rules.<id>]` in `sfsec.toml`, declared next to the rule's
/// code (`declare_lint!`); configuration is validated against it and the book and `sfsec
/// explain` describe it from it.
#[derive(Debug)]
pub struct RuleOption {
    /// The id of the rule that owns it.
    pub rule: &'static str,
    /// Its key, kebab-case.
    pub name: &'static str,
    pub kind: OptionKind,
    /// What it tunes, one line.
    pub doc: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionKind {
    /// A whole number from `min` to `max`.
    Int { default: i64, min: i64, max: i64 },
    /// A list of host names, compared case-insensitively; empty by default.
    Hosts,
}

impl RuleOption {
    /// Its type and default, as the book and `sfsec explain` print them.
    pub fn describe(&self) -> String {
        match self.kind {
            OptionKind::Int { default, min, max } => format!("integer from {min} to {max}, default {default}"),
            OptionKind::Hosts => "list of host names, default none".to_string(),
        }
    }
}

pub const DOCS_BASE_URL: &str = "https://sfsec.github.io/sfsec/rules/";

impl RuleDoc {
    /// The Markdown after the front matter.
    pub fn body(&self) -> &'static str {
        self.text.get(self.body_start..).unwrap_or("")
    }

    /// The text of a `## Heading` section, trimmed.
    pub fn section(&self, heading: &str) -> Option<&'static str> {
        let body = self.body();
        let marker = format!("## {heading}\n");
        let start = body.find(&marker)? + marker.len();
        let rest = &body[start..];
        let end = rest.find("\n## ").map_or(rest.len(), |i| i + 1);
        Some(rest[..end].trim())
    }

    /// The body with an `## Options` section listing `options` (the rule's own, as its lint
    /// declares them) before `## Known limitations`; the body as written when there are none.
    pub fn body_with_options(&self, options: &[&RuleOption]) -> String {
        let body = self.body();
        let own: Vec<&&RuleOption> = options.iter().filter(|o| o.rule == self.id).collect();
        if own.is_empty() {
            return body.to_string();
        }
        let mut section = format!(
            "## Options\nSet under `[rules.{}]` in `sfsec.toml`:\n\n| option | value | what it sets |\n|---|---|---|\n",
            self.id
        );
        for o in own {
            section.push_str(&format!("| `{}` | {} | {} |\n", o.name, o.describe(), o.doc));
        }
        section.push('\n');
        let at = body.find("## Known limitations\n").unwrap_or(body.len());
        format!("{}{section}{}", &body[..at], &body[at..])
    }

    /// [`Self::body_with_options`] as a reader sees it: each tested example's fence
    /// (```` ```xml bad path=force-app/... ````) becomes a plain one, after a line that names the
    /// example's file. The tags are for the test harness, not the reader.
    pub fn for_readers(&self, options: &[&RuleOption]) -> String {
        let body = self.body_with_options(options);
        let mut out = String::with_capacity(body.len() + 256);
        for line in body.split_inclusive('\n') {
            match example_fence(line) {
                Some((lang, path)) => out.push_str(&format!("In `{path}`:\n\n```{lang}\n")),
                None => out.push_str(line),
            }
        }
        out
    }

    pub fn help_uri(&self) -> String {
        format!("{DOCS_BASE_URL}{}.html", self.id)
    }

    /// CWE ids from tags like `external/cwe/cwe-287`.
    pub fn cwes(&self) -> impl Iterator<Item = &'static str> {
        self.tags.iter().filter_map(|t| t.strip_prefix("external/cwe/"))
    }
}

/// The language and path of a tested example's opening fence: ```` ```lang bad|good path=P ````.
fn example_fence(line: &str) -> Option<(&str, &str)> {
    let info = line.trim_end().strip_prefix("```")?;
    let mut words = info.split_whitespace();
    let lang = words.next()?;
    let mut path = None;
    let mut tagged = false;
    for w in words {
        match w {
            "bad" | "good" => tagged = true,
            w => path = w.strip_prefix("path=").or(path),
        }
    }
    path.filter(|_| tagged).map(|p| (lang, p))
}

pub fn all() -> &'static [RuleDoc] {
    RULE_DOCS
}

pub fn get(id: &str) -> Option<&'static RuleDoc> {
    RULE_DOCS.binary_search_by(|d| d.id.cmp(id)).ok().map(|i| &RULE_DOCS[i])
}

pub fn index_of(id: &str) -> Option<usize> {
    RULE_DOCS.binary_search_by(|d| d.id.cmp(id)).ok()
}

pub fn families() -> Vec<&'static str> {
    let mut f: Vec<_> = RULE_DOCS.iter().map(|d| d.family).collect();
    f.sort_unstable();
    f.dedup();
    f
}

/// Default severity of a registered rule. Every rule a lint emits has a doc (a test checks it),
/// so the fallback is never user-visible.
pub fn default_severity(id: &str) -> Severity {
    get(id).map_or(Severity::Warning, |d| d.severity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_are_sorted_unique_and_complete() {
        assert!(!RULE_DOCS.is_empty());
        for w in RULE_DOCS.windows(2) {
            assert!(w[0].id < w[1].id, "{} / {} not sorted or duplicated", w[0].id, w[1].id);
        }
        for d in RULE_DOCS {
            assert!(
                d.id.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{}: ids are kebab-case",
                d.id
            );
            assert!(d.tags.contains(&"security"), "{}: tags need `security`", d.id);
            assert!(d.body().starts_with(&format!("# {}\n", d.id)), "{}: title", d.id);
            for heading in [
                "What it finds",
                "Why it matters",
                "Example",
                "Use instead",
                "How to fix",
                "Known limitations",
                "References",
            ] {
                assert!(
                    d.section(heading).is_some_and(|s| !s.is_empty()),
                    "{}: missing section `{heading}`",
                    d.id
                );
            }
        }
    }

    #[test]
    fn readers_see_each_example_with_its_file_and_no_harness_tags() {
        let mut examples = 0;
        for d in RULE_DOCS {
            let body = d.body();
            let text = d.for_readers(&[]);
            let tagged = body.lines().filter(|l| example_fence(l).is_some()).count();
            examples += tagged;
            assert_eq!(
                text.matches("In `").count() - body.matches("In `").count(),
                tagged,
                "{}",
                d.id
            );
            for line in text.lines().filter(|l| l.starts_with("```")) {
                assert!(!line.contains(' '), "{}: {line}", d.id);
            }
        }
        assert!(examples > 60, "{examples}");
        assert_eq!(example_fence("```xml bad path=a/b.xml\n"), Some(("xml", "a/b.xml")));
        assert_eq!(example_fence("```toml\n"), None);
        assert_eq!(example_fence("```xml path=a.xml"), None, "untagged: not an example");
    }
}
