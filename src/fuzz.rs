//! Fuzz targets: each takes arbitrary bytes and must neither panic, hang, nor overflow its
//! stack, and each checks what it can of its output. `fuzz/` runs them under libFuzzer
//! (`cargo fuzz`, for hours); `tests/fuzz.rs` replays the seeds and regressions and runs a
//! bounded, seeded mutation of them on stable Rust (what CI can afford). Not a supported API.
#![doc(hidden)]

use std::path::Path;

use crate::diagnostics::finding::Finding;
use crate::workspace::project::{Parsed, SourceFile};

/// Gives the scan's worker threads the stacks the binary gives them (see `main.rs`); the
/// default 2 MiB overflow at the depth limit in unoptimised and sanitizer builds. Call before
/// the first target; later calls do nothing.
pub fn init() {
    let _ = crate::engine::start_workers();
}

/// A fuzz target.
pub type Target = fn(&[u8]);

/// Every target, by name: the names of `fuzz/fuzz_targets/*.rs` and of the seed folders.
pub const TARGETS: &[(&str, Target)] = &[
    ("apex", apex),
    ("xml", xml),
    ("json", json),
    ("visualforce", visualforce),
    ("javascript", javascript),
    ("suppress", suppress),
    ("secrets", secrets),
    ("config", config),
    ("project", project),
];

fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// Apex: the parse, the per-file lints, the tree copy, the declarations and the data flow, by
/// way of a one-class project.
pub fn apex(data: &[u8]) {
    scan_files(&[("force-app/main/default/classes/F.cls", &text(data))]);
}

/// Metadata XML of the types the lints read.
pub fn xml(data: &[u8]) {
    let t = text(data);
    if let Ok(doc) = crate::syntax::xml::XmlDoc::parse(&t) {
        // Every span indexes the text.
        for e in &doc.elements {
            assert!(t.get(e.span()).is_some());
        }
    }
    scan_files(&[
        ("force-app/main/default/connectedApps/F.connectedApp-meta.xml", &t),
        ("force-app/main/default/settings/Security.settings-meta.xml", &t),
    ]);
}

/// Scratch definitions and `sfdx-project.json`.
pub fn json(data: &[u8]) {
    let t = text(data);
    if let Ok(node) = crate::syntax::json::JsonNode::parse(&t) {
        assert!(t.get(node.span.clone()).is_some());
    }
    scan_files(&[("config/project-scratch-def.json", &t)]);
}

/// Visualforce pages and their inline scripts, beside a controller that returns a session.
pub fn visualforce(data: &[u8]) {
    scan_files(&[
        ("force-app/main/default/pages/F.page", &text(data)),
        (
            "force-app/main/default/classes/C.cls",
            "public class C { public String getSid() { return UserInfo.getSessionId(); } }",
        ),
    ]);
}

/// Aura and LWC JavaScript, beside an Apex method that returns a session.
pub fn javascript(data: &[u8]) {
    let t = text(data);
    scan_files(&[
        ("force-app/main/default/aura/F/FController.js", &t),
        ("force-app/main/default/lwc/f/f.js", &t),
        (
            "force-app/main/default/classes/S.cls",
            "public class S { @AuraEnabled public static String sid() { return UserInfo.getSessionId(); } }",
        ),
    ]);
}

/// Suppression directives in code comments and XML comments.
pub fn suppress(data: &[u8]) {
    let t = text(data);
    let comments: Vec<std::ops::Range<usize>> = t
        .match_indices("//")
        .map(|(i, _)| i..t[i..].find('\n').map_or(t.len(), |k| i + k))
        .collect();
    for d in crate::engine::suppress::from_code(0, &t, &comments) {
        assert!(t.get(d.target.clone()).is_some());
    }
    if let Ok(doc) = crate::syntax::xml::XmlDoc::parse(&t) {
        for d in crate::engine::suppress::from_xml(0, &t, &doc) {
            assert!(t.get(d.target.clone()).is_some());
        }
    }
}

/// The secret scanners and the redaction of what they find.
pub fn secrets(data: &[u8]) {
    let t = text(data);
    let hits = crate::semantic::secrets::detect::known(&t);
    let ranges: Vec<_> = hits.iter().map(|h| h.span.clone()).collect();
    let redacted = crate::semantic::secrets::redact(&t, &ranges);
    assert_eq!(redacted.len(), t.len());
    for w in t.split_whitespace().take(64) {
        let _ = crate::semantic::secrets::credential_name(w);
        let _ = crate::semantic::secrets::detect::random_looking(w);
    }
}

/// `sfsec.toml`.
pub fn config(data: &[u8]) {
    let _ = crate::workspace::config::Config::parse(Path::new("sfsec.toml"), &text(data), &crate::lints::options());
}

/// A project made of several files of real-looking kinds: the first byte of each part (split
/// at 0xFF) picks the file's place, the rest is its content.
pub fn project(data: &[u8]) {
    const PLACES: &[&str] = &[
        "force-app/main/default/classes/A.cls",
        "force-app/main/default/classes/B.cls",
        "force-app/main/default/triggers/T.trigger",
        "force-app/main/default/connectedApps/A.connectedApp-meta.xml",
        "force-app/main/default/extlClntAppOauthSettings/E.ecaOauth-meta.xml",
        "force-app/main/default/extlClntAppOauthPolicies/E.ecaOauthPlcy-meta.xml",
        "force-app/main/default/settings/Security.settings-meta.xml",
        "force-app/main/default/settings/OauthOidc.settings-meta.xml",
        "force-app/main/default/objects/S__c/S__c.object-meta.xml",
        "force-app/main/default/objects/S__c/fields/Key__c.field-meta.xml",
        "force-app/main/default/customMetadata/P.R.md-meta.xml",
        "force-app/main/default/namedCredentials/N.namedCredential-meta.xml",
        "force-app/main/default/profiles/Admin.profile-meta.xml",
        "force-app/main/default/sites/S.site-meta.xml",
        "force-app/main/default/pages/P.page",
        "force-app/main/default/aura/X/XController.js",
        "force-app/main/default/aura/X/X.cmp",
        "force-app/main/default/lwc/y/y.js",
        "force-app/main/default/staticresources/lib.js",
        "config/project-scratch-def.json",
    ];
    let mut files: Vec<(&str, std::borrow::Cow<'_, str>)> = Vec::new();
    for part in data.split(|&b| b == 0xFF).take(16) {
        let Some((&pick, content)) = part.split_first() else {
            continue;
        };
        let place = PLACES[pick as usize % PLACES.len()];
        if files.iter().all(|(p, _)| *p != place) {
            files.push((place, text(content)));
        }
    }
    let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_ref())).collect();
    scan_files(&files);
}

/// Scans in-memory files with every rule, renders every format and report, and checks the
/// invariants that hold whatever the input: findings point into their files, and no output
/// carries a control character of the project's.
pub fn scan_files(files: &[(&str, &str)]) {
    let unparsed = crate::workspace::project::in_memory_unparsed(files);
    let Ok(scan) = crate::engine::on_workers(|| {
        crate::engine::lint(
            unparsed,
            &crate::workspace::config::Config::default(),
            1_767_225_600,
            None,
        )
    }) else {
        return;
    };
    for f in &scan.findings {
        check_finding(&scan.project.files, f);
    }
    let opts = crate::output::formats::human::HumanOptions::default();
    for format in [
        crate::output::formats::Format::Human,
        crate::output::formats::Format::Concise,
        crate::output::formats::Format::Grouped,
        crate::output::formats::Format::Sarif,
        crate::output::formats::Format::Json,
        crate::output::formats::Format::Github,
        crate::output::formats::Format::Junit,
        crate::output::formats::Format::Csv,
    ] {
        let out = crate::output::formats::render(&scan, format, &opts, "sfsec");
        assert_inert(&out);
        if format == crate::output::formats::Format::Json || format == crate::output::formats::Format::Sarif {
            assert!(
                serde_json::from_str::<serde_json::Value>(&out).is_ok(),
                "{format:?} is JSON"
            );
        }
    }
    let enabled: Vec<&'static str> = crate::diagnostics::rules::all().iter().map(|d| d.id).collect();
    let options = crate::workspace::config::Options::default();
    let review = crate::output::review::build(
        &scan,
        crate::output::review::Input {
            enabled: &enabled,
            scanned: vec![".".to_string()],
            now: 1_767_225_600,
            options: &options,
            config: Some(("sfsec.toml\u{1b}[2J".into(), "<script>".into())),
            attestation: crate::output::review::Attestation {
                prepared_by: Some("\u{1b}]8;;x\u{7}<img src=x onerror=alert(1)>".into()),
                submission: Some("| a | b |\n# heading".into()),
            },
            // Another scanner's finding quoting the project: escaped like sfsec's own.
            included: vec![(
                "results\u{1b}[2J.json".into(),
                scan.findings
                    .iter()
                    .take(3)
                    .map(|f| crate::workspace::external::ExternalFinding {
                        tool: "Code Analyzer\u{7}".into(),
                        engine: "pmd</td>".into(),
                        rule: "Rule`|".into(),
                        severity: "2 (High)\u{1b}".into(),
                        path: scan.project.shown(f.file),
                        line: 1,
                        column: 1,
                        message: f.message.clone(),
                    })
                    .collect(),
            )],
            notes: Vec::new(),
        },
    );
    assert_inert(&crate::output::review::html::render(&review));
    assert_inert(&crate::output::review::markdown::render(&review));
    let inventory = crate::output::inventory::build(&scan, 1_767_225_600, &options);
    assert_inert(&crate::output::inventory::markdown(&inventory));
    assert_inert(&crate::output::inventory::json(&inventory));
}

fn check_finding(files: &[SourceFile], f: &Finding) {
    let file = &files[f.file];
    // A file whose text was dropped (a companion without comments) has no span to check.
    if !matches!(file.parsed, Parsed::WellFormed) {
        assert!(
            f.span.start <= f.span.end && file.text.get(f.span.clone()).is_some(),
            "{}: {:?}",
            f.rule,
            f.span
        );
    }
}

fn assert_inert(out: &str) {
    if let Some(c) = out.chars().find(|&c| crate::output::formats::terminal::is_unsafe(c)) {
        panic!("an output holds the control character {:?}", c);
    }
}
