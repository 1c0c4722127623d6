//! The examples in `lints/<rule>.md` are tests: each `bad` block yields exactly one finding of
//! its rule, each `good` block none. A `path=` on the fence puts the example where discovery
//! would find it in a real project.

use sfsec::engine::{ScanRequest, scan};
use sfsec::testing::TempProject;
use sfsec::workspace::config::Config;

struct Example {
    bad: bool,
    path: String,
    code: String,
}

fn examples(body: &str) -> Vec<Example> {
    let mut out = Vec::new();
    let mut lines = body.lines();
    while let Some(line) = lines.next() {
        let Some(info) = line.strip_prefix("```") else { continue };
        let words: Vec<&str> = info.split_whitespace().collect();
        let mut code = String::new();
        for l in lines.by_ref() {
            if l.starts_with("```") {
                break;
            }
            code.push_str(l);
            code.push('\n');
        }
        let bad = words.contains(&"bad");
        if !bad && !words.contains(&"good") {
            continue;
        }
        let path = words
            .iter()
            .find_map(|w| w.strip_prefix("path="))
            .unwrap_or_else(|| panic!("example without path=: {info}"))
            .to_string();
        out.push(Example { bad, path, code });
    }
    out
}

fn findings_of(rule: &str, ex: &Example) -> Vec<String> {
    let project = TempProject::new(&[(ex.path.as_str(), ex.code.as_bytes())]).expect("temp project");
    let root = project.path();
    // Engine rules (suppressions, parse errors) are about the other rules: run them all.
    let family = sfsec::diagnostics::rules::get(rule).map_or("", |d| d.family);
    let select = if family == "general" {
        Vec::new()
    } else {
        vec![rule.to_string()]
    };
    let config = Config {
        select,
        ..Config::default()
    };
    let req = ScanRequest {
        paths: Vec::new(),
        cwd: root.to_path_buf(),
        config,
        now: 1_767_225_600,
    };
    let result = scan(&req).expect("scan");
    result
        .active()
        .filter(|f| f.rule == rule)
        .map(|f| f.message.clone())
        .collect()
}

#[test]
fn doc_examples_behave_as_documented() {
    let mut wrong = Vec::new();
    for doc in sfsec::diagnostics::rules::all() {
        let exs = examples(doc.body());
        let (bad, good) = (
            exs.iter().filter(|e| e.bad).count(),
            exs.iter().filter(|e| !e.bad).count(),
        );
        // Unreadable files, links and files past the analysis limits cannot be shown in a
        // short Markdown example (not UTF-8, not text, or thousands of levels deep); their
        // regression tests live in tests/cli.rs and tests/hostile.rs.
        if !["unreadable-file", "link-outside-project", "analysis-limit"].contains(&doc.id) && (bad == 0 || good == 0) {
            wrong.push(format!(
                "{}: needs a `bad` and a `good` example (has {bad} and {good})",
                doc.id
            ));
        }
        for ex in &exs {
            let found = findings_of(doc.id, ex);
            match (ex.bad, found.len()) {
                (true, 1) | (false, 0) => {}
                (true, n) => wrong.push(format!("{}: bad example gives {n} findings: {found:?}", doc.id)),
                (false, _) => wrong.push(format!("{}: good example gives {found:?}", doc.id)),
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
