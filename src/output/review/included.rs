//! Other scanners' results in the review document (`report --include`): Code Analyzer's, PMD's.
//! Each finding gets a fingerprint that survives line moves (its engine, rule, file and the text
//! of its line), and a partner's note for that fingerprint explains it as a false positive.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use crate::engine::Scan;
use crate::output::inventory::{cell, code};
use crate::output::plural;
use crate::workspace::external::ExternalFinding;
use crate::workspace::external_notes::Note;

/// One file given to `--include`.
pub(crate) struct Included {
    /// The file as given on the command line.
    pub source: String,
    pub findings: Vec<Noted>,
}

pub(crate) struct Noted {
    pub finding: ExternalFinding,
    pub fingerprint: String,
    /// The partner's reason, when a note names this fingerprint.
    pub reason: Option<String>,
}

/// Notes that match no included finding, with why.
pub(crate) struct Stale {
    pub note: Note,
    pub why: String,
}

/// The included files' findings with their fingerprints and notes, and the notes left over.
pub(crate) fn build(
    scan: &Scan,
    files: Vec<(String, Vec<ExternalFinding>)>,
    notes: &[Note],
) -> (Vec<Included>, Vec<Stale>) {
    // Without results to explain, the notes wait for the next run that includes them.
    if files.is_empty() {
        return (Vec::new(), Vec::new());
    }
    // Repository-relative path to the scanned file, for the line's text and the project path.
    let by_path: HashMap<String, usize> = (0..scan.project.files.len())
        .map(|i| (scan.project.shown(i), i))
        .collect();
    let mut used = vec![false; notes.len()];
    let mut stale = Vec::new();
    let mut included = Vec::new();
    for (source, mut findings) in files {
        findings.sort_by(|a, b| {
            (&a.path, a.line, a.column, &a.engine, &a.rule, &a.message)
                .cmp(&(&b.path, b.line, b.column, &b.engine, &b.rule, &b.message))
        });
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut noted = Vec::with_capacity(findings.len());
        for f in findings {
            let key = key(scan, &by_path, &f);
            let n = seen.entry(key.clone()).or_insert(0);
            *n += 1;
            let fingerprint = format!("{key}:{n}");
            let reason = notes
                .iter()
                .position(|x| x.fingerprint == fingerprint)
                .and_then(|i| match &notes[i].rule {
                    Some(rule) if *rule != f.rule => {
                        stale.push(Stale {
                            note: notes[i].clone(),
                            why: format!("it names rule `{rule}`, but the finding is of `{}`", f.rule),
                        });
                        used[i] = true;
                        None
                    }
                    _ => {
                        used[i] = true;
                        Some(notes[i].reason.clone())
                    }
                });
            noted.push(Noted {
                finding: f,
                fingerprint,
                reason,
            });
        }
        included.push(Included {
            source,
            findings: noted,
        });
    }
    for (note, used) in notes.iter().zip(used) {
        if !used {
            stale.push(Stale {
                note: note.clone(),
                why: "no included finding has this fingerprint (fixed, moved to another file, or another scan)".into(),
            });
        }
    }
    stale.sort_by_key(|s| s.note.line);
    (included, stale)
}

/// 32 hex digits from the engine, rule, the file's path from the project root and the text of
/// the finding's line, blanks folded: a line moved keeps its fingerprint.
fn key(scan: &Scan, by_path: &HashMap<String, usize>, f: &ExternalFinding) -> String {
    let (path, line_text) = match by_path.get(&f.path) {
        Some(&i) => {
            let file = scan.project.file(i);
            let index = file.line_index();
            let text = if (1..=index.line_count()).contains(&f.line) {
                let start = index.line_start(f.line);
                let end = if f.line < index.line_count() {
                    index.line_start(f.line + 1)
                } else {
                    file.text.len()
                };
                file.text.get(start..end).unwrap_or("")
            } else {
                ""
            };
            (file.rel.as_str(), text.split_whitespace().collect::<Vec<_>>().join(" "))
        }
        // Not a file of this scan: its line number stands in for its text.
        None => (f.path.as_str(), format!("line {}", f.line)),
    };
    let mut h = Sha256::new();
    for part in [f.engine.as_str(), &f.rule, path, &line_text] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    data_encoding::HEXLOWER.encode(&h.finalize()[..16])
}

/// The section in parts, for the HTML to fold each rule's findings: the text and tables before
/// them, one group per engine and rule (its heading and its list), and the stale notes after.
pub(crate) struct Parts {
    pub head: String,
    pub groups: Vec<(String, String)>,
    pub tail: String,
}

/// The section's Markdown.
pub(crate) fn markdown(included: &[Included], stale: &[Stale]) -> String {
    let p = parts(included, stale);
    let mut m = p.head;
    for (title, body) in p.groups {
        let _ = write!(m, "\n### {title}\n\n{body}");
    }
    m.push_str(&p.tail);
    m
}

pub(crate) fn parts(included: &[Included], stale: &[Stale]) -> Parts {
    if included.is_empty() {
        return Parts {
            head: "No other scanner's results were included. The security review asks for Salesforce Code Analyzer's: run `sf code-analyzer run --output-file code-analyzer.json`, then `sfsec report --include code-analyzer.json` puts its findings here, each with its fingerprint; explain a false positive in `.sfsec-false-positives.toml` by that fingerprint.\n".to_string(),
            groups: Vec::new(),
            tail: String::new(),
        };
    }
    let mut m = String::from(
        "Findings of the other scanners the review asks for, as they reported them. A finding a partner explained as a false positive carries the reason, kept in `.sfsec-false-positives.toml` and matched by the finding's fingerprint.\n\n| File | Tool | Findings | Explained | To address |\n|---|---|---|---|---|\n",
    );
    for inc in included {
        let tools: std::collections::BTreeSet<&str> = inc.findings.iter().map(|n| n.finding.tool.as_str()).collect();
        let explained = inc.findings.iter().filter(|n| n.reason.is_some()).count();
        let _ = writeln!(
            m,
            "| {} | {} | {} | {} | {} |",
            code(&inc.source),
            cell(&tools.into_iter().collect::<Vec<_>>().join(", ")),
            inc.findings.len(),
            explained,
            inc.findings.len() - explained
        );
    }
    // By engine and rule, across the files.
    let mut rules: BTreeMap<(&str, &str), Vec<&Noted>> = BTreeMap::new();
    for n in included.iter().flat_map(|i| &i.findings) {
        rules.entry((&n.finding.engine, &n.finding.rule)).or_default().push(n);
    }
    m.push_str("\n| Engine | Rule | Findings | Explained |\n|---|---|---|---|\n");
    for ((engine, rule), list) in &rules {
        let explained = list.iter().filter(|n| n.reason.is_some()).count();
        let _ = writeln!(
            m,
            "| {} | {} | {} | {explained} |",
            cell(engine),
            code(rule),
            list.len()
        );
    }
    let groups = rules
        .iter()
        .map(|((engine, rule), list)| {
            let title = format!("{} / {} ({})", cell(engine), code(rule), plural(list.len(), "finding"));
            let mut body = String::new();
            for (i, n) in list.iter().enumerate() {
                let f = &n.finding;
                let _ = writeln!(
                    body,
                    "{}. **{}** ({}) {}: {} (fingerprint {})",
                    i + 1,
                    cell(&f.severity),
                    cell(&f.tool),
                    code(&format!("{}:{}:{}", f.path, f.line, f.column)),
                    cell(&f.message),
                    code(&n.fingerprint)
                );
                if let Some(reason) = &n.reason {
                    let _ = writeln!(body, "   - false positive: {}", cell(reason));
                }
            }
            (title, body)
        })
        .collect();
    let mut tail = String::new();
    if !stale.is_empty() {
        tail.push_str("\nNotes that explain no included finding:\n\n| Line | Fingerprint | Why |\n|---|---|---|\n");
        for s in stale {
            let _ = writeln!(
                tail,
                "| {} | {} | {} |",
                s.note.line,
                code(&s.note.fingerprint),
                cell(&s.why)
            );
        }
    }
    Parts { head: m, groups, tail }
}
