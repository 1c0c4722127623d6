//! Scans every project under `corpus/` and compares the findings with the annotations written
//! where they occur (`// expect: rule`, `<!-- expect: rule -->`, and `expected.toml` for files
//! that cannot hold comments). Any missing or extra finding fails, with a line for each.
//! Suppressed findings are annotated too (`// suppressed: rule`): the security-review report
//! lists them as documented false positives, so they are checked like the rest.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sfsec::engine::{ScanRequest, scan};
use sfsec::workspace::config::Config;

/// 2026-01-01: certificate expiry in the corpus is judged against this date.
const NOW: i64 = 1_767_225_600;

type Key = (String, usize, String);

#[derive(Default)]
struct Annotations {
    expect: BTreeMap<Key, usize>,
    suppressed: BTreeMap<Key, usize>,
    ok: Vec<Key>,
}

fn comment_only(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || ["//", "/*", "*", "<!--"].iter().any(|p| t.starts_with(p))
}

/// `(comment body, byte offset of the comment)` for each comment on a line.
fn comments(line: &str) -> Vec<(&str, usize)> {
    let mut out = Vec::new();
    let mut rest = 0;
    while let Some(i) = line[rest..].find("<!--") {
        let start = rest + i;
        let end = line[start..].find("-->").map_or(line.len(), |e| start + e);
        out.push((&line[start + 4..end], start));
        rest = end;
    }
    if let Some(i) = line.find("//") {
        out.push((&line[i + 2..], i));
    }
    out
}

fn annotate(rel: &str, text: &str, ann: &mut Annotations) {
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        for (body, at) in comments(line) {
            let body = body.trim();
            let (kind, ids) = if let Some(ids) = body.strip_prefix("expect:") {
                ("expect", ids)
            } else if let Some(ids) = body.strip_prefix("suppressed:") {
                ("suppressed", ids)
            } else if let Some(ids) = body.strip_prefix("ok:") {
                ("ok", ids)
            } else {
                continue;
            };
            // A comment alone on its line applies to the next code line.
            let target = if line[..at].trim().is_empty() {
                (i + 1..lines.len())
                    .find(|&j| !comment_only(lines[j]))
                    .map_or(0, |j| j + 1)
            } else {
                i + 1
            };
            for id in ids.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                let key = (rel.to_string(), target, id.to_string());
                match kind {
                    "expect" => *ann.expect.entry(key).or_default() += 1,
                    "suppressed" => *ann.suppressed.entry(key).or_default() += 1,
                    _ => ann.ok.push(key),
                }
            }
        }
    }
}

fn sidecar(root: &Path, ann: &mut Annotations) {
    let Ok(text) = std::fs::read_to_string(root.join("expected.toml")) else {
        return;
    };
    let doc: toml::Table = toml::from_str(&text).expect("expected.toml parses");
    for f in doc.get("finding").and_then(|f| f.as_array()).into_iter().flatten() {
        let get = |k: &str| f.get(k).unwrap_or_else(|| panic!("expected.toml: `{k}` missing"));
        let key = (
            get("path").as_str().expect("path").to_string(),
            get("line").as_integer().expect("line") as usize,
            get("rule").as_str().expect("rule").to_string(),
        );
        *ann.expect.entry(key).or_default() += 1;
    }
}

fn walk(dir: &Path, root: &Path, ann: &mut Annotations) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, root, ann);
        } else if let Ok(text) = std::fs::read_to_string(&p) {
            let rel = p
                .strip_prefix(root)
                .expect("inside root")
                .to_string_lossy()
                .replace('\\', "/");
            annotate(&rel, &text, ann);
        }
    }
}

fn check_project(root: &Path) -> (Vec<String>, Annotations) {
    let mut ann = Annotations::default();
    walk(root, root, &mut ann);
    sidecar(root, &mut ann);
    let config = if root.join("sfsec.toml").is_file() {
        Config::load(
            &root.join("sfsec.toml"),
            &sfsec::workspace::confine::Confine::new(root),
            &sfsec::rule_options(),
        )
        .expect("corpus config")
    } else {
        Config::default()
    };
    let req = ScanRequest {
        paths: vec![root.to_path_buf()],
        cwd: root.to_path_buf(),
        config,
        now: NOW,
    };
    let result = scan(&req).expect("scan");
    let mut actual: BTreeMap<Key, usize> = BTreeMap::new();
    let mut suppressed: BTreeMap<Key, usize> = BTreeMap::new();
    for f in &result.findings {
        let (path, line, _) = result.location(f);
        let map = if f.suppression.is_some() {
            &mut suppressed
        } else {
            &mut actual
        };
        *map.entry((path.to_string(), line, f.rule.to_string())).or_default() += 1;
    }
    let mut problems = Vec::new();
    compare("", &ann.expect, &actual, &mut problems);
    compare("suppressed ", &ann.suppressed, &suppressed, &mut problems);
    for key in &ann.ok {
        if actual.contains_key(key) {
            problems.push(format!("NOT OK     {}:{} {} (marked ok)", key.0, key.1, key.2));
        }
    }
    (problems, ann)
}

/// A line for every finding `want` has and `got` lacks, or `got` has too many of.
fn compare(what: &str, want: &BTreeMap<Key, usize>, got: &BTreeMap<Key, usize>, problems: &mut Vec<String>) {
    for (key, n) in want {
        let have = got.get(key).copied().unwrap_or(0);
        if have < *n {
            problems.push(format!(
                "MISSING    {what}{}:{} {} ({} of {})",
                key.0,
                key.1,
                key.2,
                n - have,
                n
            ));
        }
    }
    for (key, n) in got {
        let w = want.get(key).copied().unwrap_or(0);
        if *n > w {
            problems.push(format!(
                "UNEXPECTED {what}{}:{} {} ({} extra)",
                key.0,
                key.1,
                key.2,
                n - w
            ));
        }
    }
}

#[test]
fn corpus_findings_match_annotations() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut problems = Vec::new();
    let mut expected_rules = std::collections::BTreeSet::new();
    let mut ok_rules = std::collections::BTreeSet::new();
    let mut projects = 0;
    for entry in std::fs::read_dir(&corpus).expect("corpus/") {
        let dir = entry.expect("entry").path();
        if !dir.is_dir() {
            continue;
        }
        projects += 1;
        let (p, ann) = check_project(&dir);
        problems.extend(
            p.into_iter()
                .map(|p| format!("{}: {p}", dir.file_name().unwrap_or_default().to_string_lossy())),
        );
        expected_rules.extend(ann.expect.keys().map(|k| k.2.clone()));
        ok_rules.extend(ann.ok.iter().map(|k| k.2.clone()));
    }
    assert!(projects > 0, "no corpus projects");
    assert!(problems.is_empty(), "corpus mismatch:\n{}", problems.join("\n"));
    // Every lint is exercised both ways.
    let lints = sfsec::diagnostics::rules::all()
        .iter()
        .filter(|d| d.family != "general");
    for id in lints.map(|d| d.id.to_string()) {
        assert!(expected_rules.contains(&id), "no `expect: {id}` in the corpus");
        assert!(ok_rules.contains(&id), "no `ok: {id}` look-alike in the corpus");
    }
}
