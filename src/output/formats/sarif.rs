//! SARIF 2.1.0 for GitHub code scanning: every rule described from its doc, relative URIs under
//! `%SRCROOT%`, columns in Unicode code points, fingerprints that survive line moves.

use serde::Serialize;

use super::stream::Seq;
use super::{fingerprints, position};
use crate::diagnostics::finding::{Finding, Label, Severity};
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

/// The rule's `name`: its id in PascalCase. GitHub wants one, and SARIF validators take a name
/// equal to the id (in any case, as a one-word id's would be) for a mistake: `CsrfRule`.
fn rule_name(id: &str) -> String {
    let name = pascal(id);
    if name.eq_ignore_ascii_case(id) {
        name + "Rule"
    } else {
        name
    }
}

fn rule_descriptor(d: &'static RuleDoc) -> ReportingDescriptor {
    let full = d.section("What it finds").unwrap_or(d.summary);
    let fix = d.section("How to fix").unwrap_or("");
    let mut tags: Vec<&'static str> = d.tags.to_vec();
    tags.sort_unstable();
    ReportingDescriptor {
        default_configuration: Configuration {
            level: level(d.severity),
        },
        // GitHub cuts descriptions at 1,024 characters; the whole text is in `help`.
        full_description: Text::new(within(&sentence(&plain(full)), MAX_DESCRIPTION)),
        help: Help {
            markdown: d.body(),
            text: sentence(&plain(&format!("{full}\n\nHow to fix: {fix}"))),
        },
        help_uri: d.help_uri(),
        id: d.id,
        name: rule_name(d.id),
        properties: RuleProperties {
            precision: match d.confidence {
                "high" => "high",
                "medium" => "medium",
                _ => "low",
            },
            problem_severity: match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Note => "recommendation",
            },
            security_severity: format!("{:.1}", d.security_severity),
            tags,
        },
        short_description: Text::new(within(&sentence(&capitalize(d.summary)), MAX_DESCRIPTION)),
    }
}

/// GitHub's limit on a rule's short and full description.
const MAX_DESCRIPTION: usize = 1024;

/// `text` cut to at most `max` bytes at the end of a sentence (at a word, with an ellipsis, when
/// no sentence ends in time).
fn within(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let head = &text[..crate::diagnostics::finding::floor_char_boundary(text, max - 3)];
    if let Some(end) = head.rfind(". ") {
        return head[..=end].to_string();
    }
    let cut = head.rfind(' ').unwrap_or(head.len());
    format!("{}...", &head[..cut])
}

/// Rules whose findings say sfsec could not read something (a file, a tree, a hidden source):
/// problems of the tool's run, which code scanning lists as tool notifications, not alerts.
const ENGINE_PROBLEMS: &[&str] = &[
    rules::engine::ANALYSIS_LIMIT,
    rules::engine::APEX_PARSE_ERROR,
    rules::engine::INVALID_METADATA,
    rules::engine::LINK_OUTSIDE_PROJECT,
    rules::engine::MANAGED_SOURCE_HIDDEN,
    rules::engine::UNREADABLE_FILE,
];

/// Escapes the brackets of plain text in a SARIF message, where `[text](id)` is a link.
fn escaped(text: &str) -> String {
    text.replace('[', "\\[").replace(']', "\\]")
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

/// The SARIF log, written to `w` as it is serialised (results one at a time).
pub fn write(scan: &Scan, category: &str, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let (problems, alerts): (Vec<_>, Vec<_>) = scan
        .findings
        .iter()
        .zip(fingerprints(scan))
        .partition(|(f, _)| ENGINE_PROBLEMS.contains(&f.rule));
    let notifications: Vec<Notification> = problems.into_iter().map(|(f, _)| notification(scan, f)).collect();
    let results = Seq::new(alerts.into_iter().map(|(f, fingerprint)| result(scan, f, fingerprint)));
    let log = Log {
        schema: SCHEMA,
        runs: [Run {
            // GitHub keeps one set of alerts per category: the part of the id before its
            // last `/`.
            automation_details: AutomationDetails {
                id: format!("{}/", category.trim_end_matches('/')),
            },
            column_kind: "unicodeCodePoints",
            invocations: [Invocation {
                execution_successful: true,
                tool_execution_notifications: notifications,
            }],
            // Where `%SRCROOT%` is, for viewers that open the files; GitHub resolves the
            // relative URIs from the repository's root, which this is.
            original_uri_base_ids: OriginalUriBaseIds {
                src_root: BaseUri {
                    description: Text::new("The repository root.".to_string()),
                    uri: directory_uri(scan.project.repo_root()),
                },
            },
            results,
            tool: Tool {
                driver: Driver {
                    full_name: "sfsec: static security linter for Salesforce DX projects",
                    information_uri: INFORMATION_URI,
                    name: "sfsec",
                    rules: rules::all().iter().map(rule_descriptor).collect(),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    version: env!("CARGO_PKG_VERSION"),
                },
            },
        }],
        version: "2.1.0",
    };
    super::stream::write_json(&log, w)
}

/// Where a label points.
fn label_location(scan: &Scan, l: &Label) -> PhysicalLocation {
    let lf = scan.project.file(l.file);
    let (sl, sc) = lf.line_col(l.span.start);
    let (el, ec) = lf.line_col(l.span.end);
    PhysicalLocation::new(&scan.project.shown(l.file), Region::new(sl, sc, el, ec))
}

/// A finding that is a problem of the run ([`ENGINE_PROBLEMS`]).
fn notification(scan: &Scan, f: &Finding) -> Notification {
    let p = position(scan, f);
    Notification {
        descriptor: Descriptor { id: f.rule },
        level: level(f.severity),
        locations: [Location {
            physical_location: PhysicalLocation::new(
                &scan.project.shown(f.file),
                Region::new(p.start_line, p.start_column, p.end_line, p.end_column),
            ),
        }],
        message: Text::new(sentence(&f.message)),
    }
}

/// A finding as an alert: its message linking the related locations, its code flow, its print.
fn result<'a>(scan: &'a Scan, f: &'a Finding, fingerprint: String) -> SarifResult<'a> {
    let p = position(scan, f);
    let mut message = escaped(&sentence(&f.message));
    if let Some(h) = &f.help {
        message.push(' ');
        message.push_str(&escaped(&sentence(&capitalize(h))));
    }
    // GitHub shows the related locations a message links to, and only those.
    let links: Vec<String> = f
        .labels
        .iter()
        .enumerate()
        .map(|(i, l)| format!("[{}]({})", escaped(l.message.trim_end_matches('.')), i + 1))
        .collect();
    if !links.is_empty() {
        message.push_str(&format!(" Related locations: {}.", links.join(", ")));
    }
    let related_locations = f
        .labels
        .iter()
        .enumerate()
        .map(|(i, l)| RelatedLocation {
            id: i + 1,
            message: Text::new(sentence(&l.message)),
            physical_location: label_location(scan, l),
        })
        .collect();
    // GitHub renders a thread flow as numbered steps from source to sink.
    let code_flows = if f.flow.is_empty() {
        Vec::new()
    } else {
        let locations = f
            .flow
            .iter()
            .map(|l| ThreadFlowLocation {
                location: StepLocation {
                    message: Text::new(sentence(&l.message)),
                    physical_location: label_location(scan, l),
                },
            })
            .collect();
        vec![CodeFlow {
            thread_flows: vec![ThreadFlow { locations }],
        }]
    };
    SarifResult {
        baseline_state: super::baseline_state(scan, f),
        code_flows,
        level: level(f.severity),
        locations: [Location {
            physical_location: PhysicalLocation::new(
                &scan.project.shown(f.file),
                Region::new(p.start_line, p.start_column, p.end_line, p.end_column),
            ),
        }],
        message: Text::new(message),
        // The same stable print under GitHub's own key, for uploads through the API,
        // where GitHub computes none.
        partial_fingerprints: PartialFingerprints {
            primary_location_line_hash: fingerprint.clone(),
            sfsec_v1: fingerprint,
        },
        related_locations,
        rule_id: f.rule,
        rule_index: rules::index_of(f.rule).unwrap_or(0),
        suppressions: f
            .suppression
            .iter()
            .map(|s| Suppression {
                justification: &s.reason,
                kind: "inSource",
                status: "accepted",
            })
            .collect(),
    }
}

// The SARIF 2.1.0 objects sfsec writes, typed so that the compiler checks their shape. Fields are
// declared in alphabetical order: the output keeps the key order it had as a JSON map.

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    runs: [Run<'a>; 1],
    version: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    automation_details: AutomationDetails,
    column_kind: &'static str,
    invocations: [Invocation; 1],
    original_uri_base_ids: OriginalUriBaseIds,
    results: Seq<'a, SarifResult<'a>>,
    tool: Tool,
}

#[derive(Serialize)]
struct OriginalUriBaseIds {
    #[serde(rename = "%SRCROOT%")]
    src_root: BaseUri,
}

#[derive(Serialize)]
struct BaseUri {
    description: Text,
    uri: String,
}

#[derive(Serialize)]
struct AutomationDetails {
    id: String,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    full_name: &'static str,
    information_uri: &'static str,
    name: &'static str,
    rules: Vec<ReportingDescriptor>,
    semantic_version: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor {
    default_configuration: Configuration,
    full_description: Text,
    help: Help,
    help_uri: String,
    id: &'static str,
    name: String,
    properties: RuleProperties,
    short_description: Text,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Help {
    markdown: &'static str,
    text: String,
}

#[derive(Serialize)]
struct RuleProperties {
    precision: &'static str,
    #[serde(rename = "problem.severity")]
    problem_severity: &'static str,
    #[serde(rename = "security-severity")]
    security_severity: String,
    tags: Vec<&'static str>,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

impl Text {
    fn new(text: String) -> Self {
        Text { text }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_state: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    code_flows: Vec<CodeFlow>,
    level: &'static str,
    locations: [Location; 1],
    message: Text,
    partial_fingerprints: PartialFingerprints,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<RelatedLocation>,
    rule_id: &'static str,
    rule_index: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression<'a>>,
}

#[derive(Serialize)]
struct PartialFingerprints {
    #[serde(rename = "primaryLocationLineHash")]
    primary_location_line_hash: String,
    #[serde(rename = "sfsec/v1")]
    sfsec_v1: String,
}

#[derive(Serialize)]
struct Invocation {
    #[serde(rename = "executionSuccessful")]
    execution_successful: bool,
    #[serde(rename = "toolExecutionNotifications", skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

/// A problem of the run (a file sfsec could not read or parse), not an alert.
#[derive(Serialize)]
struct Notification {
    descriptor: Descriptor,
    level: &'static str,
    locations: [Location; 1],
    message: Text,
}

#[derive(Serialize)]
struct Descriptor {
    id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RelatedLocation {
    id: usize,
    message: Text,
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

impl PhysicalLocation {
    fn new(rel: &str, region: Region) -> Self {
        PhysicalLocation {
            artifact_location: ArtifactLocation {
                uri: uri(rel),
                uri_base_id: "%SRCROOT%",
            },
            region,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    end_column: usize,
    end_line: usize,
    start_column: usize,
    start_line: usize,
}

impl Region {
    fn new(start_line: usize, start_column: usize, end_line: usize, end_column: usize) -> Self {
        Region {
            end_column,
            end_line,
            start_column,
            start_line,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CodeFlow {
    thread_flows: Vec<ThreadFlow>,
}

#[derive(Serialize)]
struct ThreadFlow {
    locations: Vec<ThreadFlowLocation>,
}

#[derive(Serialize)]
struct ThreadFlowLocation {
    location: StepLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StepLocation {
    message: Text,
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
struct Suppression<'a> {
    justification: &'a str,
    kind: &'static str,
    status: &'static str,
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

/// A folder as an absolute `file:` URI ending in `/`, as SARIF wants a base URI.
fn directory_uri(dir: &std::path::Path) -> String {
    let path = dir.to_string_lossy().replace('\\', "/");
    let path = if path.starts_with('/') {
        path
    } else {
        format!("/{path}")
    };
    let mut out = format!("file://{}", uri(&path));
    if !out.ends_with('/') {
        out.push('/');
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
        assert_eq!(rule_name("oauth-device-flow"), "OauthDeviceFlow");
        assert_eq!(rule_name("csrf"), "CsrfRule");
        assert_eq!(sentence("a b"), "a b.");
        assert_eq!(sentence("a b."), "a b.");
    }

    #[test]
    fn descriptions_are_cut_at_a_sentence_within_the_limit() {
        assert_eq!(within("One. Two.", 100), "One. Two.");
        assert_eq!(within("One two. Three four five.", 16), "One two.");
        assert_eq!(within("Oneword twowords threewords", 16), "Oneword...");
        let long = "é".repeat(600);
        assert!(within(&long, 1024).len() <= 1024);
        assert_eq!(escaped("a [b] c"), "a \\[b\\] c");
    }
}
