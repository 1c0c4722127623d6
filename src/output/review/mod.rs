//! `sfsec report`: the document a partner submits with the AppExchange security review. One
//! model ([`Review`]) is built from a scan and rendered as self-contained HTML ([`html`]) or as
//! Markdown ([`markdown`]), so the two variants always say the same thing.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use crate::diagnostics::finding::{Finding, Severity, floor_char_boundary};
use crate::diagnostics::rules::{self, RuleDoc, engine};
use crate::engine::Scan;
use crate::output::formats::{position, redacted};
use crate::output::inventory::{self, Inventory};
use crate::output::plural;
use crate::workspace::kind::FileKind;
use data_encoding::HEXLOWER;

pub(crate) mod html;
pub(crate) mod included;
pub(crate) mod markdown;

/// Rules whose findings say a file could not be read or parsed (the coverage section).
const FAILURE_RULES: [&str; 3] = [
    engine::UNREADABLE_FILE,
    engine::INVALID_METADATA,
    engine::APEX_PARSE_ERROR,
];
/// Lines of context around a finding's span in an excerpt.
const CONTEXT_LINES: usize = 2;
/// Longest span shown in full; longer spans show their first lines.
const MAX_MARKED_LINES: usize = 8;
/// Longer lines (minified code, one-line certificates) are cut, at a character boundary.
const MAX_LINE_BYTES: usize = 240;

/// Section anchors, in document order: the HTML ids, the Markdown headings' slugs, and what
/// the browser test looks for.
pub(crate) const SECTIONS: [(&str, &str); 9] = [
    ("scope", "What was scanned"),
    ("summary", "Summary"),
    ("findings", "Findings"),
    ("false-positives", "Documented false positives"),
    ("other-scanners", "Code Analyzer and other scanners"),
    ("disclosure", "Credential disclosure"),
    ("oauth-apps", "OAuth apps"),
    ("coverage", "Coverage"),
    ("attestation", "Attestation"),
];

pub(crate) struct Review {
    pub meta: Meta,
    /// Every rule that ran, with its counts (rules that found nothing included).
    pub rules: Vec<RuleRow>,
    pub families: Vec<FamilyRow>,
    /// Unsuppressed findings, one group per rule: errors first, then by rule id.
    pub groups: Vec<Group>,
    pub false_positives: Vec<FalsePositive>,
    pub inventory: Inventory,
    /// Whether the rules that find committed secrets ran (else the disclosure is partial).
    pub secrets_ran: bool,
    pub coverage: Vec<CoverageRow>,
    pub failures: Vec<Failure>,
    /// Other scanners' results given to `--include`, and the notes that match none of them.
    pub included: Vec<included::Included>,
    pub stale_notes: Vec<included::Stale>,
}

pub(crate) struct Meta {
    /// The package and version this report describes (from `sfdx-project.json`), else the
    /// project folder's name.
    pub project: String,
    /// The moment of the scan, in UTC (RFC 3339).
    pub timestamp: String,
    pub version: &'static str,
    pub packages: Vec<crate::workspace::discovery::PackageInfo>,
    /// The commit checked out and whether the project differs from it; `None` outside git.
    pub git: Option<(String, bool)>,
    /// The configuration file used (from the project root) and its SHA-256; `None`: defaults.
    pub config: Option<(String, String)>,
    /// SHA-256 over every scanned file's path and content, in path order: what a reviewer
    /// compares with the uploaded package's source.
    pub content_digest: String,
    pub attestation: Attestation,
    /// The paths given, relative to the project root.
    pub scanned: Vec<String>,
    pub package_dirs: Vec<String>,
    pub namespace: Option<String>,
}

/// Who ran the scan and for which submission, when `report` was told; blanks to fill in
/// otherwise.
#[derive(Debug, Clone, Default)]
pub(crate) struct Attestation {
    pub prepared_by: Option<String>,
    pub submission: Option<String>,
}

pub(crate) struct RuleRow {
    pub doc: &'static RuleDoc,
    pub active: usize,
    pub suppressed: usize,
}

#[derive(Default)]
pub(crate) struct FamilyRow {
    pub family: &'static str,
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    pub suppressed: usize,
}

impl FamilyRow {
    pub(crate) fn active(&self) -> usize {
        self.errors + self.warnings + self.notes
    }
}

pub(crate) struct Group {
    pub doc: &'static RuleDoc,
    pub entries: Vec<Entry>,
}

pub(crate) struct Entry {
    pub severity: Severity,
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub help: Option<String>,
    /// Data-flow steps from the source to the sink, and related locations.
    pub steps: Vec<Step>,
    pub excerpt: Option<Excerpt>,
}

pub(crate) struct Step {
    pub path: String,
    pub line: usize,
    pub message: String,
}

/// Source lines around a finding, secrets masked; `mark` is the finding's span on that line.
pub(crate) struct Excerpt {
    pub lines: Vec<ExcerptLine>,
}

pub(crate) struct ExcerptLine {
    pub number: usize,
    pub text: String,
    pub mark: Option<Range<usize>>,
    /// The finding's span starts, ends or runs through this line.
    pub hit: bool,
    /// The line was cut at [`MAX_LINE_BYTES`].
    pub cut: bool,
}

pub(crate) struct FalsePositive {
    pub rule: &'static str,
    pub path: String,
    pub line: usize,
    pub message: String,
    pub reason: String,
    /// Where the suppressing comment is.
    pub by_path: String,
    pub by_line: usize,
    pub whole_file: bool,
}

pub(crate) struct CoverageRow {
    pub kind: String,
    pub files: usize,
    pub bytes: usize,
}

pub(crate) struct Failure {
    pub path: String,
    pub rule: &'static str,
    pub message: String,
}

/// What the command line knows and the scan does not.
pub(crate) struct Input<'a> {
    /// Rules that ran.
    pub enabled: &'a [&'static str],
    /// The paths given, relative to the project root.
    pub scanned: Vec<String>,
    /// Unix seconds: the report's date, and the certificate-expiry reference.
    pub now: i64,
    pub options: &'a crate::workspace::config::Options,
    /// The configuration file's path from the project root and its SHA-256, if one was read.
    pub config: Option<(String, String)>,
    pub attestation: Attestation,
    /// Each `--include` file as given, with its findings.
    pub included: Vec<(String, Vec<crate::workspace::external::ExternalFinding>)>,
    /// The partner's false-positive notes for them.
    pub notes: Vec<crate::workspace::external_notes::Note>,
}

pub(crate) fn build(scan: &Scan, input: Input<'_>) -> Review {
    let project = &scan.project;
    let mut texts: HashMap<usize, String> = HashMap::new();
    let mut by_rule: BTreeMap<&'static str, (Vec<Entry>, usize)> = BTreeMap::new();
    let mut families: BTreeMap<&'static str, FamilyRow> = BTreeMap::new();
    let mut false_positives = Vec::new();
    let mut failures = Vec::new();
    for id in input.enabled {
        by_rule.entry(id).or_default();
    }
    let line_of = |file: usize, offset: usize| project.file(file).line_col(offset).0;
    for f in &scan.findings {
        let family = rules::get(f.rule).map_or("general", |d| d.family);
        let row = families.entry(family).or_insert_with(|| FamilyRow {
            family,
            ..FamilyRow::default()
        });
        let slot = by_rule.entry(f.rule).or_default();
        if FAILURE_RULES.contains(&f.rule) {
            failures.push(Failure {
                path: project.shown(f.file),
                rule: f.rule,
                message: f.message.clone(),
            });
        }
        if let Some(s) = &f.suppression {
            row.suppressed += 1;
            slot.1 += 1;
            false_positives.push(FalsePositive {
                rule: f.rule,
                path: project.shown(f.file),
                line: line_of(f.file, f.span.start),
                message: f.message.clone(),
                reason: s.reason.clone(),
                by_path: project.shown(s.file),
                by_line: line_of(s.file, s.span.start),
                whole_file: s.whole_file,
            });
            continue;
        }
        match f.severity {
            Severity::Error => row.errors += 1,
            Severity::Warning => row.warnings += 1,
            Severity::Note => row.notes += 1,
        }
        let text = texts.entry(f.file).or_insert_with(|| redacted(scan, f.file));
        slot.0.push(entry(scan, f, text));
    }

    let mut rules_rows = Vec::new();
    let mut groups = Vec::new();
    for (id, (entries, suppressed)) in by_rule {
        // Every emitted rule has a doc (a test checks it); an unknown id cannot be described.
        let Some(doc) = rules::get(id) else { continue };
        rules_rows.push(RuleRow {
            doc,
            active: entries.len(),
            suppressed,
        });
        if !entries.is_empty() {
            groups.push(Group { doc, entries });
        }
    }
    let worst = |g: &Group| g.entries.iter().map(|e| e.severity).max().unwrap_or(Severity::Note);
    groups.sort_by(|a, b| worst(b).cmp(&worst(a)).then(a.doc.id.cmp(b.doc.id)));
    rules_rows.sort_by(|a, b| a.doc.family.cmp(b.doc.family).then(a.doc.id.cmp(b.doc.id)));

    // Families of the rules that ran, even when clean: a zero is an answer too.
    for row in &rules_rows {
        families.entry(row.doc.family).or_insert_with(|| FamilyRow {
            family: row.doc.family,
            ..FamilyRow::default()
        });
    }

    let sfdx = project.sfdx.as_ref();
    let packages = sfdx.map_or_else(Vec::new, |s| s.packages.clone());
    let folder = project
        .root
        .file_name()
        .map_or_else(|| ".".to_string(), |n| n.to_string_lossy().into_owned());
    let meta = Meta {
        project: match packages.as_slice() {
            [] => folder,
            [one] => package_name(one),
            [first, rest @ ..] => format!("{} and {}", package_name(first), plural(rest.len(), "other package")),
        },
        timestamp: timestamp(input.now),
        version: env!("CARGO_PKG_VERSION"),
        packages,
        git: crate::workspace::changes::state(&project.root),
        config: input.config,
        content_digest: content_digest(scan),
        attestation: input.attestation,
        scanned: input.scanned,
        package_dirs: sfdx.map_or_else(Vec::new, |s| {
            s.package_dirs
                .iter()
                .map(|p| crate::workspace::discovery::relative(&project.root, p))
                .collect()
        }),
        namespace: sfdx.and_then(|s| s.namespace.clone()).filter(|n| !n.is_empty()),
    };
    let (included, stale_notes) = included::build(scan, input.included, &input.notes);
    let secrets_ran = ["hardcoded-secret", "secret-in-metadata-record"]
        .iter()
        .all(|id| input.enabled.contains(id));
    Review {
        meta,
        rules: rules_rows,
        families: families.into_values().collect(),
        groups,
        false_positives,
        inventory: inventory::build(scan, input.now, input.options),
        secrets_ran,
        coverage: coverage(scan),
        failures,
        included,
        stale_notes,
    }
}

fn package_name(p: &crate::workspace::discovery::PackageInfo) -> String {
    match &p.version {
        Some(v) => format!("{} {v}", p.name),
        None => p.name.clone(),
    }
}

/// `ts` as `2026-01-01T09:30:00Z`.
fn timestamp(ts: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(ts)
        .ok()
        .and_then(|d| {
            d.format(time::macros::format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
            ))
            .ok()
        })
        .unwrap_or_else(|| ts.to_string())
}

/// SHA-256 of the scanned files (not the context read around a file list): for each, in path
/// order, its path, a NUL, the SHA-256 of its content, a line feed.
fn content_digest(scan: &Scan) -> String {
    use sha2::{Digest, Sha256};
    let mut files: Vec<_> = scan.project.files.iter().filter(|f| !f.context).collect();
    files.sort_by(|a, b| a.rel.cmp(&b.rel));
    let mut all = Sha256::new();
    for f in files {
        all.update(f.rel.as_bytes());
        all.update([0]);
        all.update(HEXLOWER.encode(&Sha256::digest(f.text.as_bytes())));
        all.update(b"\n");
    }
    HEXLOWER.encode(&all.finalize())
}

fn entry(scan: &Scan, f: &Finding, text: &str) -> Entry {
    let project = &scan.project;
    let pos = position(scan, f);
    let line_of = |file: usize, offset: usize| project.file(file).line_col(offset).0;
    // A flow's steps are also the finding's labels (the terminal draws them): each once.
    let steps = f
        .flow
        .iter()
        .chain(f.labels.iter().filter(|l| {
            !f.flow
                .iter()
                .any(|s| s.file == l.file && s.span == l.span && s.message == l.message)
        }))
        .map(|l| Step {
            path: project.shown(l.file),
            line: line_of(l.file, l.span.start),
            message: l.message.clone(),
        })
        .collect();
    Entry {
        severity: f.severity,
        path: project.shown(f.file),
        line: pos.start_line,
        column: pos.start_column,
        message: f.message.clone(),
        help: f.help.clone(),
        steps,
        excerpt: excerpt(text, project.file(f.file).line_index(), f.span.clone()),
    }
}

/// The lines around `span`, with the span marked on each line it covers.
fn excerpt(text: &str, index: &crate::diagnostics::finding::LineIndex, span: Range<usize>) -> Option<Excerpt> {
    if text.is_empty() || span.start > text.len() {
        return None;
    }
    let end = span.end.clamp(span.start, text.len());
    // Lines are 1-based in the index.
    let first_marked = index.line(span.start);
    let last_marked = index.line(end.saturating_sub(1).max(span.start));
    let shown_last_marked = last_marked.min(first_marked + MAX_MARKED_LINES - 1);
    let first = first_marked.saturating_sub(CONTEXT_LINES).max(1);
    let last = (shown_last_marked + CONTEXT_LINES).min(index.line_count());
    let mut lines = Vec::new();
    for number in first..=last {
        let start = index.line_start(number);
        let full_end = if number < index.line_count() {
            index.line_start(number + 1)
        } else {
            text.len()
        };
        // The text is the file's, masked in place: the index fits it. Stop rather than panic
        // if it ever did not.
        let Some(line) = text.get(start..full_end) else { break };
        let line = line.trim_end_matches(['\n', '\r']);
        let cut = line.len() > MAX_LINE_BYTES;
        let shown = &line[..floor_char_boundary(line, MAX_LINE_BYTES.min(line.len()))];
        let line_end = start + shown.len();
        let hit = (first_marked..=shown_last_marked).contains(&number);
        let (a, b) = (span.start.max(start) - start, end.min(line_end).max(start) - start);
        let mark = (hit && a < b).then_some(a..b);
        lines.push(ExcerptLine {
            number,
            text: shown.to_string(),
            mark,
            hit,
            cut,
        });
    }
    Some(Excerpt { lines })
}

fn coverage(scan: &Scan) -> Vec<CoverageRow> {
    let mut rows: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for f in scan.project.files.iter().filter(|f| !f.context) {
        let kind = match f.kind {
            FileKind::Metadata(t) => format!("Metadata: {t:?}"),
            FileKind::Apex => "Apex".into(),
            FileKind::Visualforce => "Visualforce".into(),
            FileKind::JavaScript => "JavaScript (Aura, LWC, static resources)".into(),
            FileKind::AuraMarkup => "Aura markup".into(),
            FileKind::StaticText => "Static resources (text)".into(),
            FileKind::ExperienceConfig => "Experience Cloud site configuration".into(),
            FileKind::ProjectConfig => "sfdx-project.json".into(),
            FileKind::ScratchDef => "Scratch org definitions".into(),
            // Placeholders for walk errors: counted under failures instead.
            FileKind::Ignored => continue,
        };
        let row = rows.entry(kind).or_default();
        row.0 += 1;
        row.1 += f.size;
    }
    rows.into_iter()
        .map(|(kind, (files, bytes))| CoverageRow { kind, files, bytes })
        .collect()
}

impl Review {
    pub(crate) fn total_files(&self) -> usize {
        self.coverage.iter().map(|r| r.files).sum()
    }
    pub(crate) fn total_active(&self) -> usize {
        self.families.iter().map(FamilyRow::active).sum()
    }
}

#[cfg(test)]
mod tests;
