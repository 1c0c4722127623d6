//! A generated project of realistic size scans correctly: every planted problem is found, and
//! the planted rules report nothing else (the generator also plants look-alikes).

use std::collections::BTreeSet;

use sfsec::engine::{ScanRequest, scan};
use sfsec::workspace::config::Config;

#[test]
fn a_generated_project_reports_exactly_its_planted_problems() {
    let dir = tempfile::tempdir().expect("dir");
    let generated = sfsec::generate::project(dir.path(), 600, 42).expect("generate");
    assert!(generated.apex_classes >= 600, "{}", generated.apex_classes);
    let req = ScanRequest {
        paths: Vec::new(),
        cwd: dir.path().to_path_buf(),
        config: Config::default(),
        now: 1_767_225_600,
    };
    let result = scan(&req).expect("scan");
    let planted_rules: BTreeSet<&str> = generated.seeded.iter().map(|s| s.rule).collect();
    // Every rule the generator plants is exercised.
    for rule in [
        "session-id-to-external",
        "session-id-exposed",
        "hardcoded-secret",
        "oauth-device-flow",
        "protected-setting-secret",
        "use-any-api-client",
    ] {
        assert!(planted_rules.contains(rule), "the generator plants no {rule}");
    }
    let found: BTreeSet<(String, usize, &str)> = result
        .active()
        .filter(|f| planted_rules.contains(f.rule))
        .map(|f| {
            let (path, line, _) = result.location(f);
            (path.to_string(), line, f.rule)
        })
        .collect();
    let planted: BTreeSet<(String, usize, &str)> = generated
        .seeded
        .iter()
        .map(|s| (s.path.clone(), s.line, s.rule))
        .collect();
    let missing: Vec<_> = planted.difference(&found).collect();
    let extra: Vec<_> = found.difference(&planted).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:#?}\nextra {extra:#?}"
    );
    assert!(
        !result.active().any(|f| f.rule == "apex-parse-error"),
        "generated Apex must parse"
    );
}
