//! End-to-end: the `sfsec` binary on real folders — exit codes, config and project errors,
//! suppressions, file lists, robustness, determinism, and snapshots of every format.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sfsec::testing::TempProject;

const BIN: &str = env!("CARGO_BIN_EXE_sfsec");
const NOW: &str = "2026-01-01";

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/partner-app")
}

/// The corpus project's folder in sfsec's repository: outputs show paths from the repository's
/// root, so a corpus file's path starts with it.
const IN_REPO: &str = "corpus/partner-app/";

fn sfsec(cwd: &Path, args: &[&str]) -> Output {
    sfsec_columns(cwd, args, None)
}

/// [`sfsec`], as if on a terminal `columns` wide (`COLUMNS`), else piped.
fn sfsec_columns(cwd: &Path, args: &[&str], columns: Option<&str>) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .current_dir(cwd)
        .env_remove("CLICOLOR_FORCE")
        .env_remove("COLUMNS")
        .env("NO_COLOR", "1");
    if let Some(c) = columns {
        cmd.env("COLUMNS", c);
    }
    cmd.output().expect("run sfsec")
}

/// The JSON report of a run, with its findings as (path, rule) pairs.
fn paths_and_rules(o: &Output) -> (serde_json::Value, Vec<(String, String)>) {
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let got = json["findings"]
        .as_array()
        .expect("array")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap_or("").to_string(),
                f["rule"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    (json, got)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A temporary SFDX project with the given files.
fn project(files: &[(&str, &[u8])]) -> TempProject {
    TempProject::new(files).expect("temp project")
}

const APP: &str = "force-app/main/default/connectedApps/App.connectedApp-meta.xml";

fn app(inner: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ConnectedApp xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <label>App</label>\n{inner}\n</ConnectedApp>\n"
    )
}

const HARDENED: &str = "    <oauthConfig>\n        <callbackUrl>https://a.example.com/cb</callbackUrl>\n        <isAdminApproved>true</isAdminApproved>\n        <isPkceRequired>true</isPkceRequired>\n    </oauthConfig>\n    <oauthPolicy>\n        <ipRelaxation>ENFORCE</ipRelaxation>\n    </oauthPolicy>";

#[test]
fn exit_codes() {
    let clean = project(&[(APP, app(HARDENED).as_bytes())]);
    let o = sfsec(clean.path(), &["check"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("0 errors, 0 warnings, 0 notes in 2 files scanned"),
        "{}",
        stdout(&o)
    );

    let o = sfsec(&corpus(), &["check", "--now", NOW]);
    assert_eq!(o.status.code(), Some(1));
    // Only notes at or above the threshold fail the run.
    let o = sfsec(
        &corpus(),
        &[
            "check",
            "--now",
            NOW,
            "--select",
            "oauth-jwt-certificate",
            "--fail-on",
            "error",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "the 2030 certificate is a note, the 2026 one a warning"
    );
    let o = sfsec(&corpus(), &["check", "--now", NOW, "--fail-on", "never"]);
    assert_eq!(o.status.code(), Some(0));

    for bad in [
        vec!["check", "--format", "xml"],
        vec!["check", "--select", "no-such-rule"],
        vec!["check", "does/not/exist"],
        vec!["frobnicate"],
        vec!["explain", "no-such-rule"],
        vec!["check", "--now", "yesterday"],
    ] {
        let o = sfsec(&corpus(), &bad);
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {}", stderr(&o));
    }
    assert_eq!(sfsec(&corpus(), &["--help"]).status.code(), Some(0));
    assert_eq!(sfsec(&corpus(), &["--version"]).status.code(), Some(0));
}

#[test]
fn config_errors_name_file_line_and_column() {
    let dir = project(&[
        (APP, app(HARDENED).as_bytes()),
        (
            "sfsec.toml",
            b"[rules]\noauth-device-flow = \"off\"\noauth-nope = \"error\"\n",
        ),
    ]);
    let o = sfsec(dir.path(), &["check"]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("sfsec.toml:3:1: unknown rule `oauth-nope`"), "{e}");

    let dir = project(&[("sfsec.toml", b"exclude = \"not-a-list\"\n")]);
    let o = sfsec(dir.path(), &["check"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("sfsec.toml:1:"), "{}", stderr(&o));
}

#[test]
fn sfdx_project_errors_name_the_line() {
    let dir = tempfile::tempdir().expect("temp");
    std::fs::write(
        dir.path().join("sfdx-project.json"),
        "{\n  \"packageDirectories\": [\n    { \"path\": \"missing-dir\" }\n  ]\n}\n",
    )
    .expect("write");
    // A missing package directory is a finding where it is named, and the others are scanned
    // (it was exit 2 with nothing scanned).
    std::fs::create_dir_all(dir.path().join("app/classes")).expect("mkdir");
    std::fs::write(
        dir.path().join("app/classes/A.cls"),
        "public class A { String k = 'AKIAJ2K4L6N8P0R2T4V6'; }",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("sfdx-project.json"),
        "{\n  \"packageDirectories\": [\n    { \"path\": \"missing-dir\" },\n    { \"path\": \"app\" }\n  ]\n}\n",
    )
    .expect("write");
    let o = sfsec(dir.path(), &["check", "--format", "csv", "--no-cache"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("sfdx-project.json,3,15,3,28,warning,package-directory-missing,general,package directory `missing-dir` does not exist; the other package directories are scanned"),
        "{out}"
    );
    assert!(out.contains("app/classes/A.cls,1,"), "{out}");

    std::fs::write(dir.path().join("sfdx-project.json"), "{\n  \"packageDirectories\": [\n").expect("write");
    let o = sfsec(dir.path(), &["check"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("sfdx-project.json:"), "{}", stderr(&o));
    assert!(stderr(&o).contains("invalid JSON"), "{}", stderr(&o));

    std::fs::write(dir.path().join("sfdx-project.json"), "{ \"namespace\": \"x\" }").expect("write");
    let o = sfsec(dir.path(), &["check"]);
    assert!(
        stderr(&o).contains("expected a `packageDirectories` array"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn suppressions_need_a_reason_and_are_reported_when_unused() {
    let with_reason = app(&HARDENED.replace("ENFORCE", "BYPASS").replace(
        "    <oauthPolicy>",
        "    <!-- sfsec-ignore oauth-ip-relaxation: partner VPN only, reviewed 2026-01 -->\n    <oauthPolicy>",
    ));
    let dir = project(&[(APP, with_reason.as_bytes())]);
    let o = sfsec(dir.path(), &["check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("; 1 suppressed, listed with --show-suppressed\n"),
        "{}",
        stdout(&o)
    );
    let o = sfsec(dir.path(), &["check", "--show-suppressed"]);
    assert!(
        stdout(&o).contains("suppressed: partner VPN only, reviewed 2026-01"),
        "{}",
        stdout(&o)
    );
    let o = sfsec(dir.path(), &["check", "--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_slice(&o.stdout).expect("sarif");
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "oauth-ip-relaxation");
    assert_eq!(result["suppressions"][0]["kind"], "inSource");
    assert_eq!(
        result["suppressions"][0]["justification"],
        "partner VPN only, reviewed 2026-01"
    );

    let no_reason = app(&HARDENED.replace("ENFORCE", "BYPASS").replace(
        "    <oauthPolicy>",
        "    <!-- sfsec-ignore oauth-ip-relaxation -->\n    <oauthPolicy>",
    ));
    let dir = project(&[(APP, no_reason.as_bytes())]);
    let o = sfsec(dir.path(), &["check", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let rules: Vec<&str> = json["findings"]
        .as_array()
        .expect("array")
        .iter()
        .map(|f| f["rule"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(rules, vec!["invalid-suppression", "oauth-ip-relaxation"]);

    let unused = app(&format!(
        "    <!-- sfsec-ignore oauth-device-flow: kiosk -->\n{HARDENED}"
    ));
    let dir = project(&[(APP, unused.as_bytes())]);
    let o = sfsec(dir.path(), &["check", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(json["findings"][0]["rule"], "unused-suppression");
    assert_eq!(json["findings"][0]["start"]["line"], 4);
    // A rule that did not run cannot be judged unused.
    let o = sfsec(dir.path(), &["check", "--ignore", "oauth-device-flow"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));

    let file_level = "// sfsec-ignore-file oauth-username-password-flow: legacy sandbox tool, removed in 2.0\npublic class A {\n  String a = 'grant_type=password';\n  String b = 'grant_type=password';\n}\n";
    let dir = project(&[("force-app/main/default/classes/A.cls", file_level.as_bytes())]);
    let o = sfsec(dir.path(), &["check", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(json["summary"]["suppressed"], 2, "{json}");
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn file_lists_report_only_those_files() {
    let o = sfsec(
        &corpus(),
        &[
            "check",
            "--now",
            NOW,
            "--format",
            "json",
            "force-app/main/default/classes/TokenService.cls",
        ],
    );
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let findings = json["findings"].as_array().expect("array");
    assert_eq!(findings.len(), 3, "{json}");
    assert!(
        findings
            .iter()
            .all(|f| f["path"] == format!("{IN_REPO}force-app/main/default/classes/TokenService.cls"))
    );
    // A file outside any package directory but given explicitly is still scanned; one that
    // .forceignore excludes is not (a pre-commit hook, which passes --allow-empty, then scans
    // nothing; without it, nothing read is an error).
    let ignored = "force-app/main/default/scratch-only/connectedApps/Local_Debug.connectedApp-meta.xml";
    let o = sfsec(&corpus(), &["check", "--format", "json", "--allow-empty", ignored]);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(json["summary"]["files_scanned"], 0, "{json}");
    assert_eq!(sfsec(&corpus(), &["check", ignored]).status.code(), Some(2));
}

#[test]
fn broken_inputs_are_findings_not_crashes() {
    let mut latin1 = b"public class L { // caf".to_vec();
    latin1.push(0xe9);
    latin1.extend_from_slice(b"\n}\n");
    let dir = project(&[
        ("force-app/main/default/connectedApps/Broken.connectedApp-meta.xml", b"<ConnectedApp><label>x</label>"),
        ("force-app/main/default/classes/L.cls", &latin1),
        ("force-app/main/default/classes/Bad.cls", b"public class Bad { void m( { }"),
        ("force-app/main/default/settings/OauthOidc.settings-meta.xml", b"\xef\xbb\xbf<?xml version=\"1.0\"?>\r\n<OauthOidcSettings>\r\n<blockOAuthUnPwFlow>false</blockOAuthUnPwFlow>\r\n<blockOAuthUsrAgtFlow xsi:nil=\"true\"/>\r\n<isPkceRequired>true</isPkceRequired>\r\n</OauthOidcSettings>"),
        ("config/project-scratch-def.json", b"{ \"settings\": "),
    ]);
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.path().join("force-app"), dir.path().join("force-app/main/loop")).expect("symlink");
    let o = sfsec(dir.path(), &["check", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let (_, got) = paths_and_rules(&o);
    let want = [
        ("config/project-scratch-def.json", "invalid-metadata"),
        ("force-app/main/default/classes/Bad.cls", "apex-parse-error"),
        ("force-app/main/default/classes/L.cls", "unreadable-file"),
        (
            "force-app/main/default/connectedApps/Broken.connectedApp-meta.xml",
            "invalid-metadata",
        ),
        ("force-app/main/loop", "unreadable-file"),
        (
            "force-app/main/default/settings/OauthOidc.settings-meta.xml",
            "oauth-implicit-flow",
        ),
        (
            "force-app/main/default/settings/OauthOidc.settings-meta.xml",
            "oauth-username-password-flow",
        ),
    ];
    for (path, rule) in want {
        assert!(
            got.iter().any(|(p, r)| p == path && r == rule),
            "missing {path} {rule} in {got:#?}"
        );
    }
}

#[test]
fn output_is_deterministic_and_written_atomically() {
    let dir = tempfile::tempdir().expect("temp");
    let a = dir.path().join("a.sarif");
    let b = dir.path().join("b.sarif");
    for out in [&a, &b] {
        let o = sfsec(
            &corpus(),
            &[
                "check",
                "--now",
                NOW,
                "--format",
                "sarif",
                "--output",
                out.to_str().expect("utf-8"),
            ],
        );
        assert_eq!(o.status.code(), Some(1));
        assert!(o.stdout.is_empty());
    }
    let (a, b) = (std::fs::read(a).expect("a"), std::fs::read(b).expect("b"));
    assert_eq!(a, b);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").collect();
    assert_eq!(leftovers.len(), 2, "no temporary files left behind");
    for format in ["human", "json"] {
        let x = sfsec(&corpus(), &["check", "--now", NOW, "--format", format]);
        let y = sfsec(&corpus(), &["check", "--now", NOW, "--format", format]);
        assert_eq!(x.stdout, y.stdout, "{format}");
    }
}

#[test]
fn output_to_a_device_or_a_link_writes_through_it() {
    use std::os::unix::fs::FileTypeExt;
    // Replacing /dev/null with a report (as root) breaks every later program on the machine.
    let o = sfsec(&corpus(), &["check", "--now", NOW, "--output", "/dev/null"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let meta = std::fs::symlink_metadata("/dev/null").expect("/dev/null");
    assert!(meta.file_type().is_char_device(), "{meta:?}");

    let dir = tempfile::tempdir().expect("temp");
    let (real, link) = (dir.path().join("real.json"), dir.path().join("link.json"));
    std::fs::write(&real, b"old").expect("write");
    std::os::unix::fs::symlink(&real, &link).expect("symlink");
    let o = sfsec(
        &corpus(),
        &[
            "check",
            "--now",
            NOW,
            "--format",
            "json",
            "--output",
            link.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(std::fs::symlink_metadata(&link).expect("link").file_type().is_symlink());
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&real).expect("real")).expect("json");
    assert!(report["findings"].as_array().is_some_and(|f| !f.is_empty()));
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(names.len(), 2, "no temporary files left behind: {names:?}");
}

#[test]
fn sarif_is_what_github_code_scanning_accepts() {
    let o = sfsec(&corpus(), &["check", "--now", NOW, "--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_slice(&o.stdout).expect("sarif");
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let driver = &run["tool"]["driver"];
    for key in ["name", "version", "semanticVersion", "informationUri"] {
        assert!(driver[key].is_string(), "driver.{key}");
    }
    let rules = driver["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), sfsec::diagnostics::rules::all().len());
    for r in rules {
        for key in ["id", "name", "helpUri"] {
            assert!(r[key].is_string(), "{key} in {r}");
        }
        for key in ["shortDescription", "fullDescription"] {
            let text = r[key]["text"].as_str().unwrap_or_else(|| panic!("{key} in {r}"));
            // GitHub's limit; the whole text is in `help`.
            assert!(text.chars().count() <= 1024, "{} {key}: {}", r["id"], text.len());
            assert!(text.ends_with('.'), "{text}");
        }
        assert!(
            r["help"]["markdown"]
                .as_str()
                .is_some_and(|m| m.contains("## How to fix"))
        );
        let tags = r["properties"]["tags"].as_array().expect("tags");
        assert!(tags.iter().any(|t| t == "security"));
        assert!(r["properties"]["security-severity"].is_string());
    }
    let results = run["results"].as_array().expect("results");
    assert!(!results.is_empty());
    for res in results {
        let idx = res["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[idx]["id"], res["ruleId"]);
        let loc = &res["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().expect("uri");
        assert!(!uri.starts_with('/') && !uri.contains(":/"), "relative uri: {uri}");
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        let region = &loc["region"];
        assert!(region["startLine"].as_u64().expect("startLine") >= 1);
        assert!(region["endLine"].as_u64() >= region["startLine"].as_u64());
        assert!(res["partialFingerprints"]["sfsec/v1"].is_string());
        assert_eq!(
            res["partialFingerprints"]["primaryLocationLineHash"],
            res["partialFingerprints"]["sfsec/v1"]
        );
        let message = res["message"]["text"].as_str().unwrap_or("");
        assert!(message.ends_with('.'), "{message}");
        // Every related location is linked from the message: GitHub shows only those.
        for rel in res["relatedLocations"].as_array().into_iter().flatten() {
            let link = format!("]({})", rel["id"]);
            assert!(message.contains(&link), "{link} not in {message}");
        }
        assert!(
            !ENGINE_PROBLEMS.contains(&res["ruleId"].as_str().unwrap_or("")),
            "{res}"
        );
    }
    assert!(
        results
            .iter()
            .any(|r| r["relatedLocations"].as_array().is_some_and(|l| l.len() > 1))
    );
    // What sfsec could not read is a notification of the run, with its place, not an alert.
    let invocation = &run["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], true);
    let notes = invocation["toolExecutionNotifications"]
        .as_array()
        .expect("notifications");
    assert!(notes.len() >= 3, "{invocation}");
    for n in notes {
        assert!(
            ENGINE_PROBLEMS.contains(&n["descriptor"]["id"].as_str().unwrap_or("")),
            "{n}"
        );
        assert!(
            n["locations"][0]["physicalLocation"]["region"]["startLine"].is_u64(),
            "{n}"
        );
        assert!(n["message"]["text"].is_string(), "{n}");
    }
    // The terminal still lists them.
    let human = stdout(&sfsec(&corpus(), &["check", "--now", NOW]));
    assert!(human.contains("apex-parse-error"), "{human}");
}

/// The rules whose findings are problems of sfsec's run (see the SARIF reporter).
const ENGINE_PROBLEMS: &[&str] = &[
    "analysis-limit",
    "apex-parse-error",
    "invalid-metadata",
    "link-outside-project",
    "managed-source-hidden",
    "unreadable-file",
];

#[test]
fn fingerprints_survive_line_moves() {
    let body = app(&HARDENED.replace("ENFORCE", "BYPASS"));
    let dir = project(&[(APP, body.as_bytes())]);
    let print = |dir: &Path| {
        let o = sfsec(dir, &["check", "--format", "json"]);
        let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        (
            json["findings"][0]["fingerprint"].clone(),
            json["findings"][0]["start"]["line"].clone(),
        )
    };
    let (before, line_before) = print(dir.path());
    let moved = body.replace(
        "<label>App</label>",
        "<label>App</label>\n    <description>moved down</description>\n",
    );
    dir.write(APP, moved.as_bytes()).expect("write");
    let (after, line_after) = print(dir.path());
    assert_ne!(line_before, line_after);
    assert_eq!(before, after);
}

#[test]
fn rules_and_explain() {
    let o = sfsec(&corpus(), &["rules"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("oauth-device-flow"));
    let o = sfsec(&corpus(), &["rules", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v.as_array().map(Vec::len), Some(sfsec::diagnostics::rules::all().len()));
    // For a terminal: headings without their marks, no harness tags on the examples, the page's
    // link whole; `--format markdown` is the page.
    let o = sfsec(&corpus(), &["explain", "oauth-ip-relaxation"]);
    let text = stdout(&o);
    assert!(text.contains("\nWhy it matters\n  "), "{text}");
    assert!(
        !text.contains("##") && !text.contains("```") && !text.contains("path="),
        "{text}"
    );
    assert!(text.contains("\n  In `force-app/"), "{text}");
    assert!(text.contains("https://sfsec.github.io/sfsec/rules/oauth-ip-relaxation.html\n"));
    let narrow = stdout(&sfsec_columns(
        &corpus(),
        &["explain", "oauth-ip-relaxation"],
        Some("60"),
    ));
    assert!(
        narrow
            .lines()
            .filter(|l| !l.starts_with("    "))
            .all(|l| l.chars().count() <= 60 || !l.trim().contains(' ')),
        "{narrow}"
    );
    assert_ne!(narrow, text);
    let o = sfsec(&corpus(), &["explain", "oauth-ip-relaxation", "--format", "markdown"]);
    assert!(stdout(&o).contains("## Why it matters\n"));
    assert!(!stdout(&o).contains("path="));
    let o = sfsec(&corpus(), &["check", "--help"]);
    assert!(stdout(&o).contains("Examples:"));
}

/// The human report wraps its messages and help to the terminal's width, and not at all when
/// piped; a line breaks only at a blank, so that no link or location is ever split.
#[test]
fn human_report_at_80_and_200_columns_and_piped() {
    let run = |columns: Option<&str>| {
        let o = sfsec_columns(&corpus(), &["check", "--now", NOW, "--no-cache"], columns);
        redact(&stdout(&o))
    };
    let (narrow, wide, piped) = (run(Some("80")), run(Some("200")), run(None));
    insta::assert_snapshot!("corpus_human_80_columns", narrow);
    insta::assert_snapshot!("corpus_human_200_columns", wide);
    assert_eq!(piped, redact(&stdout(&sfsec(&corpus(), &["check", "--now", NOW]))));
    assert_ne!(narrow, piped, "80 columns wrap something");
    let longest = |s: &str| s.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    assert!(longest(&piped) > 200, "piped, a long help line stays whole");
    // Every link and every location of the unwrapped report is whole on one line of each wrapped
    // one, as many times.
    let whole = |t: &&str| t.contains("://") || t.contains(".cls:") || t.contains(".js:") || t.contains(".xml:");
    let tokens: Vec<&str> = piped.split_whitespace().filter(whole).collect();
    assert!(tokens.len() > 50, "{tokens:?}");
    for report in [&narrow, &wide] {
        let on_lines: Vec<&str> = report.split_whitespace().filter(whole).collect();
        let split = tokens.iter().zip(&on_lines).find(|(a, b)| a != b);
        assert!(split.is_none(), "split across lines: {split:?}");
        assert_eq!(on_lines.len(), tokens.len());
    }
    for line in narrow
        .lines()
        .filter(|l| l.starts_with("  help: ") || l.starts_with("        "))
    {
        let token_too_long = line.split_whitespace().count() == 1;
        assert!(
            line.chars().count() <= 80 || token_too_long,
            "over 80 columns: {line:?}"
        );
    }
}

/// The commit of sfsec's checkout, and whether the corpus differs from it, which the report
/// names.
fn redact_commit(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("commit ") {
        let after = &rest[i + "commit ".len()..];
        let hex = after.bytes().take_while(u8::is_ascii_hexdigit).count();
        if hex != 40 {
            out.push_str(&rest[..i + "commit ".len()]);
            rest = after;
            continue;
        }
        out.push_str(&rest[..i]);
        out.push_str("commit [commit]");
        rest = &after[40..];
        for state in [" (clean)", " (with uncommitted changes in the project)"] {
            if let Some(r) = rest.strip_prefix(state) {
                out.push_str(" ([clean or not])");
                rest = r;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The version, and the checkout's place on this machine (SARIF's `%SRCROOT%`).
fn redact(s: &str) -> String {
    let mut out = s.replace(env!("CARGO_PKG_VERSION"), "[version]");
    while let Some(i) = out.find("\"file:///") {
        let end = out[i + 1..].find('"').map_or(out.len(), |e| i + 1 + e);
        out.replace_range(i..=end, "\"[repository root]\"");
    }
    out
}

#[test]
fn snapshots_of_every_format() {
    for format in ["human", "concise", "grouped", "json", "sarif", "github", "junit", "csv"] {
        let o = sfsec(&corpus(), &["check", "--now", NOW, "--format", format]);
        insta::assert_snapshot!(format!("corpus_{format}"), redact(&stdout(&o)));
    }
}

#[test]
fn report_on_the_corpus_is_complete_deterministic_and_not_a_gate() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("review.html");
    let out_arg = out.to_string_lossy().into_owned();
    let o = sfsec(&corpus(), &["report", "--now", NOW, "-o", &out_arg]);
    // The corpus has findings; `check` fails on them, the report only documents them.
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("sfsec: reported 132 findings (2 suppressed) of 182 files"),
        "{}",
        stderr(&o)
    );
    let html = std::fs::read_to_string(&out).expect("report written");
    for id in [
        "scope",
        "summary",
        "findings",
        "false-positives",
        "disclosure",
        "oauth-apps",
        "coverage",
    ] {
        assert!(html.contains(&format!("<section id=\"{id}\">")), "{id}");
    }
    assert_eq!(html.matches("<li class=\"finding\"").count(), 132);
    let again = sfsec(&corpus(), &["report", "--now", NOW]);
    assert_eq!(stdout(&again), html, "byte-identical on every run");

    let md = sfsec(&corpus(), &["report", "--now", NOW, "--format", "markdown"]);
    assert_eq!(md.status.code(), Some(0));
    insta::assert_snapshot!("corpus_report_markdown", redact_commit(&stdout(&md)));
    // The OAuth section ends with the org-wide settings each deployable file sets.
    assert!(stdout(&md).contains(
        "| `corpus/partner-app/config/project-scratch-def.json` | allowed | blocked | yes |\n| `corpus/partner-app/force-app/main/default/settings/OauthOidc.settings-meta.xml` | blocked | allowed | no |"
    ));

    // Rule selection works as for `check`; a bad rule name is a usage error.
    let o = sfsec(
        &corpus(),
        &["report", "--now", NOW, "--format", "markdown", "--select", "session"],
    );
    assert!(stdout(&o).contains("| Rules run | 2 of "), "{}", stdout(&o));
    assert!(stdout(&o).contains("**Partial:**"));
    let o = sfsec(&corpus(), &["report", "--select", "nope"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn ci_formats_carry_every_active_finding_in_a_shape_their_readers_parse() {
    let json = sfsec(&corpus(), &["check", "--now", NOW, "--format", "json"]);
    let (doc, _) = paths_and_rules(&json);
    let findings = doc["findings"].as_array().expect("findings");
    let active: Vec<&serde_json::Value> = findings.iter().filter(|f| f["suppressed"].is_null()).collect();
    assert!(active.len() > 10, "{doc}");

    // GitHub: one workflow command per active finding, on the finding's own line.
    let gh = stdout(&sfsec(&corpus(), &["check", "--now", NOW, "--format", "github"]));
    let lines: Vec<&str> = gh.lines().collect();
    assert_eq!(lines.len(), active.len(), "{gh}");
    for (line, f) in lines.iter().zip(&active) {
        let level = match f["severity"].as_str() {
            Some("error") => "error",
            Some("warning") => "warning",
            _ => "notice",
        };
        let head = format!(
            "::{level} file={},line={},col={},",
            f["path"].as_str().unwrap_or(""),
            f["start"]["line"],
            f["start"]["column"]
        );
        assert!(line.starts_with(&head), "{line}\nexpected {head}");
        assert!(!line.contains('\r'));
    }

    // JUnit: well-formed XML with one failed test case per active finding.
    let junit = stdout(&sfsec(&corpus(), &["check", "--now", NOW, "--format", "junit"]));
    let mut reader = quick_xml::Reader::from_str(&junit);
    let (mut cases, mut failures) = (0, 0);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(e)) if e.name().as_ref() == b"testcase" => cases += 1,
            Ok(quick_xml::events::Event::Start(e)) if e.name().as_ref() == b"failure" => failures += 1,
            Ok(quick_xml::events::Event::Eof) => break,
            Err(e) => panic!("junit is not XML: {e}"),
            _ => {}
        }
    }
    assert_eq!((cases, failures), (active.len(), active.len()));
    assert!(junit.contains(&format!("tests=\"{}\"", active.len())));

    // CSV: a header and one record per finding.
    let csv_text = stdout(&sfsec(&corpus(), &["check", "--now", NOW, "--format", "csv"]));
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("csv record")).collect();
    assert_eq!(records.len(), findings.len());
    for (r, f) in records.iter().zip(findings) {
        assert_eq!(&r[0], f["path"].as_str().unwrap_or(""));
        assert_eq!(&r[6], f["rule"].as_str().unwrap_or(""));
        assert_eq!(&r[8], f["message"].as_str().unwrap_or(""));
        let suppressed = if f["suppressed"].is_null() { "false" } else { "true" };
        assert_eq!(&r[11], suppressed);
    }
    // The corpus documents false positives too (the security-review report lists them).
    assert!(records.iter().any(|r| &r[11] == "true"));

    // A suppressed finding: not an annotation or a failed test, but a CSV row with its reason.
    let suppressed = app(&HARDENED.replace("ENFORCE", "BYPASS").replace(
        "    <oauthPolicy>",
        "    <!-- sfsec-ignore oauth-ip-relaxation: partner VPN only, \"reviewed\", 2026-01 -->\n    <oauthPolicy>",
    ));
    let dir = project(&[(APP, suppressed.as_bytes())]);
    let gh = stdout(&sfsec(dir.path(), &["check", "--format", "github"]));
    assert_eq!(gh, "");
    let junit = stdout(&sfsec(dir.path(), &["check", "--format", "junit"]));
    assert!(junit.contains("tests=\"0\"") && !junit.contains("<testcase"), "{junit}");
    let csv_text = stdout(&sfsec(dir.path(), &["check", "--format", "csv"]));
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("csv record")).collect();
    assert_eq!(records.len(), 1, "{csv_text}");
    assert_eq!(&records[0][6], "oauth-ip-relaxation");
    assert_eq!(&records[0][11], "true");
    assert_eq!(&records[0][12], "partner VPN only, \"reviewed\", 2026-01");
}

/// The summaries count in English: one file, one finding.
#[test]
fn summaries_say_one_file_and_one_finding() {
    let dir = project(&[(APP, app(&HARDENED.replace("ENFORCE", "BYPASS")).as_bytes())]);
    let o = sfsec(dir.path(), &["check", APP, "--no-cache"]);
    assert!(stderr(&o).contains("sfsec: scanned 1 file in "), "{}", stderr(&o));
    let o = sfsec(dir.path(), &["baseline", APP]);
    assert!(
        stderr(&o).contains("sfsec: recorded 1 finding of 1 file in "),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_baseline_fails_only_new_findings_across_moves_edits_and_fixes() {
    let relaxed = app(&HARDENED.replace("ENFORCE", "BYPASS"));
    let other = "force-app/main/default/connectedApps/Other.connectedApp-meta.xml";
    let dir = project(&[
        (APP, relaxed.as_bytes()),
        (other, relaxed.replace(">App<", ">Other<").as_bytes()),
    ]);
    let o = sfsec(dir.path(), &["check", "--format", "json", "--no-cache"]);
    let (_, before) = paths_and_rules(&o);
    assert_eq!(before.len(), 2, "{before:?}");
    let o = sfsec(dir.path(), &["baseline"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("recorded 2 findings"), "{}", stderr(&o));
    let file = dir.path().join(".sfsec-baseline.json");
    let recorded: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).expect("baseline")).expect("json");
    assert_eq!(recorded["findings"].as_array().map(Vec::len), Some(2));

    // Unchanged: nothing new, exit 0, the known findings counted.
    let o = sfsec(dir.path(), &["check", "--baseline", ".sfsec-baseline.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("; 2 known from the baseline\n"), "{}", stdout(&o));

    // Moved (lines inserted above) and edited elsewhere in the file, plus one new problem.
    let moved = relaxed
        .replace(
            "<label>App</label>",
            "<label>App</label>\n    <description>Billing sync</description>\n\n",
        )
        .replace(
            "<isAdminApproved>true</isAdminApproved>",
            "<isAdminApproved>false</isAdminApproved>",
        );
    std::fs::write(dir.path().join(APP), &moved).expect("write");
    let o = sfsec(
        dir.path(),
        &["check", "--baseline", ".sfsec-baseline.json", "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let (json, got) = paths_and_rules(&o);
    let new: Vec<&serde_json::Value> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["baseline"] == "new")
        .collect();
    assert_eq!(new.len(), 1, "{json}");
    assert_eq!(new[0]["rule"], "oauth-self-authorized");
    assert_eq!(json["summary"]["known"], 2, "{json}");
    assert_eq!(got.len(), 3, "every finding is listed, each with its state");
    // The terminal report and SARIF agree.
    let o = sfsec(dir.path(), &["check", "--baseline", ".sfsec-baseline.json"]);
    assert!(stdout(&o).contains("oauth-self-authorized") && !stdout(&o).contains("oauth-ip-relaxation"));
    let o = sfsec(
        dir.path(),
        &["check", "--baseline", ".sfsec-baseline.json", "--format", "sarif"],
    );
    let sarif: serde_json::Value = serde_json::from_slice(&o.stdout).expect("sarif");
    let states: Vec<(String, String)> = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap_or("").to_string(),
                r["baselineState"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert!(
        states.contains(&("oauth-self-authorized".into(), "new".into())),
        "{states:?}"
    );
    assert_eq!(states.iter().filter(|(_, s)| s == "unchanged").count(), 2, "{states:?}");

    // Fixed: the other app enforces IP restrictions now; the baseline says one entry is gone.
    std::fs::write(dir.path().join(other), app(HARDENED).replace(">App<", ">Other<")).expect("write");
    let o = sfsec(
        dir.path(),
        &["check", "--baseline", ".sfsec-baseline.json", "--fail-on", "never"],
    );
    assert!(stdout(&o).contains("; 1 known from the baseline\n"), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("sfsec: 1 finding of the baseline no longer occurs; run `sfsec baseline` to drop it"),
        "{}",
        stderr(&o)
    );
    // A file list (the pre-commit setup) judges only the baseline entries of the files given:
    // the fixed app is not among them, so nothing is said to be gone.
    let o = sfsec(
        dir.path(),
        &["check", "--baseline", ".sfsec-baseline.json", "--fail-on", "never", APP],
    );
    assert!(stdout(&o).contains("; 1 known from the baseline\n"), "{}", stdout(&o));
    assert!(!stderr(&o).contains("no longer occur"), "{}", stderr(&o));
    // A suppressed finding has no baseline state: it was not compared.
    std::fs::write(
        dir.path().join(APP),
        moved.replace(
            "<isAdminApproved>false</isAdminApproved>",
            "<!-- sfsec-ignore oauth-self-authorized: approved by the security team -->\n        <isAdminApproved>false</isAdminApproved>",
        ),
    )
    .expect("write");
    let o = sfsec(
        dir.path(),
        &[
            "check",
            "--baseline",
            ".sfsec-baseline.json",
            "--format",
            "json",
            "--fail-on",
            "never",
        ],
    );
    let (json, _) = paths_and_rules(&o);
    let suppressed: Vec<&serde_json::Value> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "oauth-self-authorized")
        .collect();
    assert_eq!(suppressed.len(), 1, "{json}");
    assert!(suppressed[0]["suppressed"].is_object(), "{}", suppressed[0]);
    assert!(suppressed[0]["baseline"].is_null(), "{}", suppressed[0]);

    // A broken baseline is a usage error naming the file and line.
    std::fs::write(&file, "{\n  \"version\": 1,\n  \"findings\": [ oops ]\n}\n").expect("write");
    let o = sfsec(dir.path(), &["check", "--baseline", ".sfsec-baseline.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains(".sfsec-baseline.json:3:"), "{}", stderr(&o));
}

#[test]
fn pmd_suppressions_are_honoured_for_the_matching_rules_unless_turned_off() {
    let class = "public with sharing class Legacy {
    private static final String STRIPE_KEY = 'sk_live_51HqLyjWDarjtT1zdp7dcQ9'; // NOPMD test-mode key, rotated
    @SuppressWarnings('PMD.AvoidUnauthorizedGetSessionIdInApex, PMD.ApexCRUDViolation')
    public static void traced() { System.debug(UserInfo.getSessionId()); }
    public static void plain() { System.debug(UserInfo.getSessionId()); }
    @SuppressWarnings('PMD.ApexCRUDViolation')
    public static void other() { System.debug(UserInfo.getSessionId()); }
    public static void sent(String host) {
        HttpRequest req = new HttpRequest();
        req.setEndpoint('https://' + host + '/x');
        req.setHeader('Authorization', 'Bearer ' + UserInfo.getSessionId()); // NOPMD host is this org
        new Http().send(req);
    }
}
";
    let path = "force-app/main/default/classes/Legacy.cls";
    let dir = project(&[(path, class.as_bytes())]);
    let o = sfsec(dir.path(), &["check", "--format", "json", "--no-cache"]);
    let (json, got) = paths_and_rules(&o);
    let findings = json["findings"].as_array().expect("findings");
    let state = |line: u64| -> Vec<(String, Option<String>)> {
        findings
            .iter()
            .filter(|f| f["start"]["line"] == line)
            .map(|f| {
                (
                    f["rule"].as_str().unwrap_or("").to_string(),
                    f["suppressed"]["reason"].as_str().map(str::to_string),
                )
            })
            .collect()
    };
    assert_eq!(
        state(2),
        [(
            "hardcoded-secret".to_string(),
            Some("NOPMD test-mode key, rotated".to_string())
        )]
    );
    assert_eq!(
        state(4),
        [(
            "session-id-exposed".to_string(),
            Some("@SuppressWarnings('PMD.AvoidUnauthorizedGetSessionIdInApex, PMD.ApexCRUDViolation')".to_string())
        )]
    );
    assert_eq!(state(5), [("session-id-exposed".to_string(), None)]);
    assert_eq!(state(7), [("session-id-exposed".to_string(), None)]);
    // PMD reports the flow at `getSessionId()` (line 11), so its `NOPMD` covers the flow that
    // sfsec reports at the callout.
    assert_eq!(
        state(12),
        [(
            "session-id-to-external".to_string(),
            Some("NOPMD host is this org".to_string())
        )]
    );
    // Written for PMD, so never unused or invalid for sfsec.
    assert!(
        got.iter()
            .all(|(_, r)| r != "unused-suppression" && r != "invalid-suppression"),
        "{got:?}"
    );

    std::fs::write(dir.path().join("sfsec.toml"), "pmd-suppressions = false\n").expect("write");
    let o = sfsec(dir.path(), &["check", "--format", "json", "--no-cache"]);
    let (json, got) = paths_and_rules(&o);
    assert_eq!(got.len(), 5, "{got:?}");
    assert!(
        json["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .all(|f| f["suppressed"].is_null())
    );
}

#[test]
fn sarif_categories_keep_scans_of_one_repository_apart() {
    let id = |args: &[&str]| {
        let mut all = vec!["check", "--now", NOW, "--format", "sarif"];
        all.extend_from_slice(args);
        let o = sfsec(&corpus(), &all);
        let sarif: serde_json::Value = serde_json::from_slice(&o.stdout).expect("sarif");
        sarif["runs"][0]["automationDetails"]["id"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(id(&[]), "sfsec/");
    assert_eq!(id(&["force-app"]), "sfsec/force-app/");
    assert_eq!(id(&["force-app", "integrations"]), "sfsec/force-app,integrations/");
    assert_eq!(id(&["--category", "partner-org/"]), "partner-org/");
}

#[test]
fn file_list_results_equal_the_full_scan_for_every_corpus_file() {
    // (path, where its data flow starts, rule, line, message)
    type Key = (String, String, String, u64, String);
    let keys = |o: &Output| -> Vec<Key> {
        let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        let mut v: Vec<Key> = json["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| {
                (
                    // Paths from the corpus project's root, as the files are listed below.
                    f["path"].as_str().unwrap_or("").trim_start_matches(IN_REPO).to_string(),
                    f["flow"][0]["path"]
                        .as_str()
                        .unwrap_or("")
                        .trim_start_matches(IN_REPO)
                        .to_string(),
                    f["rule"].as_str().unwrap_or("").to_string(),
                    f["start"]["line"].as_u64().unwrap_or(0),
                    f["message"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let args = [
        "check",
        "--now",
        NOW,
        "--format",
        "json",
        "--no-cache",
        "--fail-on",
        "never",
        // As the pre-commit hook does: a file .forceignore excludes is a scan of nothing.
        "--allow-empty",
    ];
    let full = keys(&sfsec(&corpus(), &args));
    let mut files: Vec<String> = walkdir::WalkDir::new(corpus())
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            e.path()
                .strip_prefix(corpus())
                .ok()
                .map(|p| p.to_string_lossy().replace('\\', "/"))
        })
        .filter(|p| !p.starts_with(".sfsec_cache"))
        .collect();
    files.sort();
    let mut compared = 0;
    for file in &files {
        let mut one = args.to_vec();
        one.push(file);
        let mut got = keys(&sfsec(&corpus(), &one));
        // Its own findings, and those whose data flow starts in it (reported where it ends).
        let mut want: Vec<Key> = full.iter().filter(|k| &k.0 == file || &k.1 == file).cloned().collect();
        // The note on `(hidden)` files speaks for the whole scan, once, on the first of them:
        // given alone, each is that first, and the note counts no others.
        let hidden = |k: &Key| k.2 == "managed-source-hidden";
        if std::fs::read_to_string(corpus().join(file)).is_ok_and(|t| t.trim() == "(hidden)") {
            let notes: Vec<Key> = got.iter().filter(|k| hidden(k)).cloned().collect();
            assert_eq!(notes.len(), 1, "sfsec check {file}: {got:?}");
            assert_eq!(notes[0].0, *file);
            assert!(
                notes[0].4.starts_with("this file holds only `(hidden)`"),
                "{}",
                notes[0].4
            );
        }
        got.retain(|k| !hidden(k));
        want.retain(|k| !hidden(k));
        assert_eq!(got, want, "sfsec check {file}");
        compared += usize::from(!want.is_empty());
    }
    assert!(compared > 40, "only {compared} corpus files have findings");
}

#[test]
fn color_follows_no_color_and_clicolor_force() {
    let run = |envs: &[(&str, &str)]| {
        let mut c = Command::new(BIN);
        c.args(["check", "--now", NOW]).current_dir(corpus());
        c.env_remove("CLICOLOR_FORCE").env_remove("NO_COLOR");
        for (k, v) in envs {
            c.env(k, v);
        }
        String::from_utf8_lossy(&c.output().expect("run").stdout).into_owned()
    };
    // Piped output has no color unless forced.
    assert!(!run(&[]).contains('\u{1b}'));
    assert!(run(&[("CLICOLOR_FORCE", "1")]).contains('\u{1b}'));
    assert!(!run(&[("CLICOLOR_FORCE", "0")]).contains('\u{1b}'));
    assert!(!run(&[("NO_COLOR", "1")]).contains('\u{1b}'));
}

#[test]
fn metadata_api_folders_are_scanned_without_sfdx_project() {
    let dir = tempfile::tempdir().expect("temp");
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("connectedApps")).expect("mkdir");
    std::fs::create_dir_all(src.join("settings")).expect("mkdir");
    std::fs::write(
        src.join("package.xml"),
        "<Package xmlns=\"http://soap.sforce.com/2006/04/metadata\"><version>64.0</version></Package>",
    )
    .expect("write");
    std::fs::write(
        src.join("connectedApps/Old.connectedApp"),
        app(&HARDENED.replace("ENFORCE", "BYPASS")),
    )
    .expect("write");
    std::fs::write(src.join("settings/OauthOidc.settings"), "<OauthOidcSettings><blockOAuthUnPwFlow>true</blockOAuthUnPwFlow><blockOAuthUsrAgtFlow>true</blockOAuthUsrAgtFlow><isPkceRequired>true</isPkceRequired></OauthOidcSettings>").expect("write");
    // A stray file with a metadata suffix outside its folder is not metadata.
    std::fs::write(src.join("notes.connectedApp"), "not xml").expect("write");
    let o = sfsec(dir.path(), &["check", "src", "--format", "json"]);
    let (json, got) = paths_and_rules(&o);
    assert_eq!(
        got,
        vec![(
            "src/connectedApps/Old.connectedApp".to_string(),
            "oauth-ip-relaxation".to_string()
        )]
    );
    assert_eq!(json["summary"]["files_scanned"], 3);
}

#[test]
fn files_outside_the_project_are_scanned_without_forceignore() {
    // The corpus has a .forceignore; a file from elsewhere must not trip its matcher.
    let elsewhere = project(&[(APP, app(&HARDENED.replace("ENFORCE", "BYPASS")).as_bytes())]);
    let outside = elsewhere.path().join(APP);
    let inside = "force-app/main/default/connectedApps/Acme_SSO.connectedApp-meta.xml";
    let o = sfsec(
        &corpus(),
        &["check", "--format", "json", inside, outside.to_str().expect("utf-8")],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let (_, got) = paths_and_rules(&o);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].1, "oauth-ip-relaxation");
    let o = sfsec(
        &corpus(),
        &[
            "check",
            "--format",
            "json",
            inside,
            elsewhere.path().to_str().expect("utf-8"),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}

#[test]
fn metadata_api_folders_of_an_sfdx_project_are_scanned_and_not_force_ignored() {
    // Org settings usually live beside the package, in metadata-API folders that CumulusCI or
    // `mdapi:deploy` deploy without reading `.forceignore` (seen in public CumulusCI projects,
    // whose .forceignore hides `**profiles`).
    let profile = |perm: &str| {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Profile xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <custom>true</custom>\n    <userLicense>Salesforce</userLicense>\n    <userPermissions>\n        <enabled>true</enabled>\n        <name>{perm}</name>\n    </userPermissions>\n</Profile>\n"
        )
    };
    let api = profile("ApiEnabled");
    let dir = project(&[
        ("sfdx-project.json", br#"{"packageDirectories":[{"path":"force-app"}]}"#),
        (".forceignore", b"**profiles\n"),
        ("cumulusci.yml", b"project:\n    name: Acme\n"),
        ("force-app/main/default/profiles/Src.profile-meta.xml", api.as_bytes()),
        ("unpackaged/config/qa/profiles/Qa.profile", api.as_bytes()),
        ("deploy/trial/package.xml", b"<Package/>"),
        ("deploy/trial/profiles/Trial.profile", api.as_bytes()),
        ("node_modules/x/package.xml", b"<Package/>"),
        ("node_modules/x/profiles/Dep.profile", api.as_bytes()),
        ("docs/profiles/Loose.profile", api.as_bytes()),
    ]);
    let o = sfsec(dir.path(), &["check", "--format", "json", "--no-cache"]);
    let (json, got) = paths_and_rules(&o);
    assert_eq!(
        got,
        [
            (
                "deploy/trial/profiles/Trial.profile".to_string(),
                "login-ip-ranges-missing".to_string()
            ),
            (
                "unpackaged/config/qa/profiles/Qa.profile".to_string(),
                "login-ip-ranges-missing".to_string()
            ),
        ],
        "{json}"
    );
    // Given explicitly, a file in a metadata-API folder is scanned; one the package's
    // .forceignore hides is not.
    let o = sfsec(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "--no-cache",
            "unpackaged/config/qa/profiles/Qa.profile",
            "force-app/main/default/profiles/Src.profile-meta.xml",
        ],
    );
    let (json, got) = paths_and_rules(&o);
    assert_eq!(got.len(), 1, "{json}");
    assert_eq!(got[0].0, "unpackaged/config/qa/profiles/Qa.profile");
    assert_eq!(json["summary"]["files_scanned"], 1, "{json}");
}

/// Every credential the corpus commits, in full.
const CORPUS_SECRETS: &[&str] = &[
    "sk_live_51HqLyjWDarjtT1zdp7dcQ9",
    "AKIAIOSFODNN7TESTKEY",
    "AIzaSyD4t5Q7v9xB2nM8kL1pR3sT6uW0yZ2aC4e",
    "Tn6Wq3Hv8Lk1Rz5Xb9Pm",
    "Winter2026!Billing",
    "8xQ2mZ7kLp4Rt9Vw3Ny6Jc1H",
    "Harbor2027#",
];

#[test]
fn no_output_prints_a_full_secret() {
    // The check can only fail if the secrets are really in the corpus.
    let all: String = walkdir::WalkDir::new(corpus())
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .collect();
    for s in CORPUS_SECRETS {
        assert!(all.contains(s), "{s} is not in the corpus");
    }
    let runs: Vec<Vec<&str>> = vec![
        vec!["check", "--now", NOW],
        vec!["check", "--now", NOW, "--show-suppressed"],
        vec!["check", "--now", NOW, "--format", "json"],
        vec!["check", "--now", NOW, "--format", "sarif"],
        vec!["check", "--now", NOW, "--format", "github"],
        vec!["check", "--now", NOW, "--format", "junit"],
        vec!["check", "--now", NOW, "--format", "csv"],
        vec!["check", "--now", NOW, "--select", "oauth"],
        vec!["inventory", "--now", NOW],
        vec!["inventory", "--now", NOW, "--format", "json"],
    ];
    for args in runs {
        let o = sfsec(&corpus(), &args);
        let out = format!("{}{}", stdout(&o), stderr(&o));
        assert!(!out.is_empty());
        for s in CORPUS_SECRETS {
            assert!(!out.contains(s), "`sfsec {}` printed {s}", args.join(" "));
        }
    }
}

#[test]
fn inventory_lists_every_credential_store() {
    let o = sfsec(&corpus(), &["inventory", "--now", NOW]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let md = stdout(&o);
    for want in [
        "| `Acme_Billing_Settings__c` (custom setting) | Protected | `Api_Key__c` |",
        "`Webhook_Signing_Value__c` | code uses it as a key for `Crypto.generateMac`",
        "`corpus/partner-app/force-app/main/default/classes/WebhookVerifier.cls`",
        "`Cache_Seed__c` | code uses it (as `wizardKey`) as a key for `Crypto.decryptWithManagedIV`",
        "`Wizard_Cipher__c` | its label says cipher key | - |",
        "| `Partner_Endpoint__mdt` (custom metadata type) | Public | `Client_Secret__c` |",
        "| `Legacy_Billing` | `https://legacy-billing.acme.example` | Password (NamedUser) |",
        "code holds a Stripe secret key: sk_l…Q9 (31 characters)",
        "| `Billing_Sync` | Connected App | client credentials, JWT bearer, refresh token |",
        "expires 2026-02-15, RSA 2048",
        "Rotating: ",
    ] {
        assert!(md.contains(want), "missing {want:?} in\n{md}");
    }
    let o = sfsec(&corpus(), &["inventory", "--now", NOW, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(v["version"], 1);
    assert_eq!(v["setting_fields"].as_array().map(Vec::len), Some(5));
    assert_eq!(v["named_credentials"][0]["name"], "Legacy_Billing");
    assert!(v["apps"].as_array().is_some_and(|a| a.len() >= 8));
}

#[test]
fn parse_only_reads_everything_and_runs_no_rule() {
    let o = sfsec(&corpus(), &["check", "--parse-only"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
    let files = stderr(&o);
    let n: usize = files
        .split_whitespace()
        .nth(2)
        .and_then(|w| w.parse().ok())
        .unwrap_or(0);
    assert!(files.starts_with("sfsec: parsed ") && n >= 80, "{files}");
}

fn cached(o: &Output) -> bool {
    stderr(o).contains("cached result")
}

const SESSION_CLASS: &str = "force-app/main/default/classes/Telemetry.cls";
const ENDPOINTS_CLASS: &str = "force-app/main/default/classes/Endpoints.cls";

fn endpoints(url: &str) -> String {
    format!("public class Endpoints {{\n    public static String base() {{\n        return {url};\n    }}\n}}\n")
}

#[test]
fn cache_reuses_unchanged_results_and_notices_every_change() {
    // The finding in Telemetry.cls depends on what Endpoints.cls returns.
    let telemetry = "public class Telemetry {\n    public static void send() {\n        HttpRequest req = new HttpRequest();\n        req.setEndpoint(Endpoints.base() + '/services/data/v60.0/limits');\n        req.setHeader('Authorization', 'Bearer ' + UserInfo.getSessionId());\n        new Http().send(req);\n    }\n}\n";
    let same_org = endpoints("URL.getOrgDomainUrl().toExternalForm()");
    let p = project(&[
        (SESSION_CLASS, telemetry.as_bytes()),
        (ENDPOINTS_CLASS, same_org.as_bytes()),
    ]);
    let json = ["check", "--format", "json", "--fail-on", "never", "--now", NOW];
    let rules = |o: &Output| paths_and_rules(o).1;

    let first = sfsec(p.path(), &json);
    assert!(!cached(&first), "{}", stderr(&first));
    assert!(rules(&first).is_empty(), "{:?}", rules(&first));
    assert!(p.path().join(".sfsec_cache/.gitignore").is_file());

    // Unchanged: the stored result, byte for byte, in every format.
    let second = sfsec(p.path(), &json);
    assert!(cached(&second), "{}", stderr(&second));
    assert_eq!(first.stdout, second.stdout);

    // A change to the file the finding depends on, not to the file it is in.
    p.write(ENDPOINTS_CLASS, endpoints("'https://collector.example.com'").as_bytes())
        .expect("write");
    let third = sfsec(p.path(), &json);
    assert!(!cached(&third), "{}", stderr(&third));
    assert_eq!(
        rules(&third),
        [(SESSION_CLASS.to_string(), "session-id-to-external".to_string())]
    );
    let sarif = ["check", "--format", "sarif", "--fail-on", "never", "--now", NOW];
    let fresh = sfsec(p.path(), &sarif);
    let again = sfsec(p.path(), &sarif);
    assert!(cached(&again));
    assert_eq!(fresh.stdout, again.stdout);
    // The exit code follows the cached findings too.
    let strict = sfsec(p.path(), &["check", "--now", NOW]);
    assert!(cached(&strict));
    assert_eq!(strict.status.code(), Some(1));

    // The configuration is part of the key.
    p.write("sfsec.toml", b"ignore = [\"session-id-to-external\"]\n")
        .expect("write");
    let ignored = sfsec(p.path(), &json);
    assert!(!cached(&ignored));
    assert!(rules(&ignored).is_empty());
    let selected = sfsec(p.path(), &[&json[..], &["--select", "session"]].concat());
    assert!(!cached(&selected));

    // Back to the first configuration: one entry per command, and the files are as the last
    // run of that command saw them.
    std::fs::remove_file(p.path().join("sfsec.toml")).expect("remove");
    let back = sfsec(p.path(), &json);
    assert!(cached(&back), "{}", stderr(&back));
    assert_eq!(rules(&back).len(), 1);
    // A new file, then the same file deleted again.
    let other = "force-app/main/default/classes/Other.cls";
    p.write(other, b"public class Other {}\n").expect("write");
    assert!(!cached(&sfsec(p.path(), &json)));
    std::fs::remove_file(p.path().join(other)).expect("remove");
    let removed = sfsec(p.path(), &json);
    assert!(!cached(&removed));
    assert_eq!(rules(&removed).len(), 1);

    // A corrupt entry is a miss, never an error.
    for entry in std::fs::read_dir(p.path().join(".sfsec_cache")).expect("dir").flatten() {
        if entry.file_name() != ".gitignore" {
            std::fs::write(entry.path(), b"{ not json").expect("corrupt");
        }
    }
    let after = sfsec(p.path(), &json);
    assert_eq!(after.status.code(), Some(0), "{}", stderr(&after));
    assert!(!cached(&after));
    assert_eq!(rules(&after).len(), 1);
}

#[test]
fn no_cache_neither_reads_nor_writes() {
    let p = project(&[(APP, app("").as_bytes())]);
    let o = sfsec(p.path(), &["check", "--no-cache", "--fail-on", "never"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!p.path().join(".sfsec_cache").exists());
    sfsec(p.path(), &["check", "--fail-on", "never"]);
    let o = sfsec(p.path(), &["check", "--no-cache", "--fail-on", "never"]);
    assert!(!cached(&o));
}

#[test]
fn cached_results_hold_only_while_the_dates_they_depend_on_do() {
    let soon = include_str!("data/certs/rsa2048-sha256-2026-02-15.pem");
    let inner = format!(
        "    <oauthConfig>\n        <callbackUrl>https://a.example.com/cb</callbackUrl>\n        <certificate>{soon}</certificate>\n    </oauthConfig>"
    );
    let p = project(&[(APP, app(&inner).as_bytes())]);
    let run = |date: &str| {
        sfsec(
            p.path(),
            &[
                "check",
                "--format",
                "json",
                "--fail-on",
                "never",
                "--select",
                "oauth-jwt-certificate",
                "--now",
                date,
            ],
        )
    };
    let message = |o: &Output| {
        let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        json["findings"][0]["message"].as_str().unwrap_or("").to_string()
    };
    let first = run("2026-01-01");
    assert!(message(&first).contains("(45 days left"), "{}", message(&first));
    assert!(cached(&run("2026-01-01")));
    // A day later the same files give another answer: the stored one is not used.
    let later = run("2026-01-02");
    assert!(!cached(&later));
    assert!(message(&later).contains("(44 days left"), "{}", message(&later));
    // Without certificates, nothing depends on the date.
    let q = project(&[(APP, app("").as_bytes())]);
    let args = |date: &'static str| ["check", "--fail-on", "never", "--now", date];
    sfsec(q.path(), &args("2026-01-01"));
    assert!(cached(&sfsec(q.path(), &args("2030-06-01"))));
}

/// Paths that hold no Salesforce file are a usage error, not a green scan of nothing (a wrong
/// `path:` in CI), unless `--allow-empty` says so; and no cache is left in a folder that is not
/// a project.
#[test]
fn a_scan_of_nothing_fails_unless_allowed_and_leaves_no_cache() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("README.md"), "# not Salesforce\n").expect("write");
    std::fs::create_dir(dir.path().join("empty")).expect("mkdir");
    for cmd in [
        vec!["check", "README.md"],
        vec!["check", "empty"],
        vec!["check"],
        vec!["report", "empty"],
        vec!["baseline", "empty"],
        vec!["inventory", "empty"],
    ] {
        let o = sfsec(dir.path(), &cmd);
        assert_eq!(o.status.code(), Some(2), "{cmd:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("no Salesforce file in"), "{cmd:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("--allow-empty"), "{}", stderr(&o));
    }
    let o = sfsec(dir.path(), &["check", "README.md", "--allow-empty"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("0 files scanned"), "{}", stdout(&o));
    assert!(!dir.path().join(".sfsec_cache").exists(), "no cache outside a project");
    assert!(!dir.path().join("empty/.sfsec_cache").exists());
    // A project keeps its cache at its root.
    let p = project(&[(APP, app(HARDENED).as_bytes())]);
    assert_eq!(sfsec(p.path(), &["check"]).status.code(), Some(0));
    assert!(p.path().join(".sfsec_cache").is_dir());
}

/// Reports are created as any file is (0666 less the umask), a report that replaces one keeps
/// its mode, and `-o -` is standard output.
#[cfg(unix)]
#[test]
fn output_files_honour_the_umask_and_dash_is_standard_output() {
    use std::os::unix::fs::PermissionsExt;
    let p = project(&[(APP, app(HARDENED).as_bytes())]);
    let mode = |name: &str| {
        std::fs::metadata(p.path().join(name))
            .expect("written")
            .permissions()
            .mode()
            & 0o777
    };
    let run = |umask: &str, out: &str| {
        Command::new("sh")
            .arg("-c")
            .arg(format!("umask {umask} && exec \"$0\" check --format json -o {out}"))
            .arg(BIN)
            .current_dir(p.path())
            .output()
            .expect("sh")
    };
    assert_eq!(run("027", "a.json").status.code(), Some(0));
    assert_eq!(mode("a.json"), 0o640);
    assert_eq!(run("022", "b.json").status.code(), Some(0));
    assert_eq!(mode("b.json"), 0o644);
    std::fs::set_permissions(p.path().join("b.json"), std::fs::Permissions::from_mode(0o600)).expect("chmod");
    assert_eq!(run("022", "b.json").status.code(), Some(0));
    assert_eq!(mode("b.json"), 0o600, "a replaced report keeps its mode");

    let o = sfsec(p.path(), &["check", "--format", "json", "-o", "-"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).starts_with('{'), "{}", stdout(&o));
    assert!(!p.path().join("-").exists(), "no file named `-`");
}

/// A URI path with its `%XX` escapes decoded.
fn percent_decoded(uri: &str) -> String {
    let bytes = uri.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Copies the corpus project into `dest`.
fn copy_corpus(dest: &Path) {
    for entry in walkdir::WalkDir::new(corpus()).into_iter().filter_map(Result::ok) {
        let rel = entry.path().strip_prefix(corpus()).expect("inside");
        if rel.starts_with(".sfsec_cache") {
            continue;
        }
        let to = dest.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &to).expect("copy");
        }
    }
}

/// An SFDX project in a subfolder of a git repository: every format names files from the
/// repository's root, whether the scan runs from the root or from the project, so that code
/// scanning alerts and annotations land on files that exist; SARIF says where `%SRCROOT%` is.
#[test]
fn paths_are_relative_to_the_repository_in_every_format() {
    let repo = tempfile::tempdir().expect("tmp");
    std::fs::create_dir(repo.path().join(".git")).expect("a git work tree");
    let project = repo.path().join("salesforce");
    copy_corpus(&project);
    let exists = |path: &str| {
        assert!(path.starts_with("salesforce/"), "{path}");
        assert!(
            repo.path().join(path).is_file(),
            "{path} is not a file of the repository"
        );
    };
    for (cwd, target) in [(repo.path(), "salesforce"), (project.as_path(), ".")] {
        let run = |format: &str| {
            let o = sfsec(cwd, &["check", target, "--now", NOW, "--format", format, "--no-cache"]);
            assert_eq!(o.status.code(), Some(1), "{format}: {}", stderr(&o));
            stdout(&o)
        };
        let (json, _) = paths_and_rules(&sfsec(
            cwd,
            &["check", target, "--now", NOW, "--format", "json", "--no-cache"],
        ));
        let findings = json["findings"].as_array().expect("findings");
        assert!(findings.len() > 50);
        for f in findings {
            exists(f["path"].as_str().unwrap_or(""));
            for l in f["labels"].as_array().into_iter().flatten() {
                exists(l["path"].as_str().unwrap_or(""));
            }
        }

        let sarif: serde_json::Value = serde_json::from_str(&run("sarif")).expect("sarif");
        let run0 = &sarif["runs"][0];
        let base = run0["originalUriBaseIds"]["%SRCROOT%"]["uri"].as_str().unwrap_or("");
        let root = std::fs::canonicalize(repo.path()).expect("canonical");
        assert!(base.starts_with("file:///") && base.ends_with('/'), "{base}");
        assert_eq!(
            base.trim_end_matches('/').strip_prefix("file://"),
            root.to_str(),
            "{base}"
        );
        let mut uris = 0;
        let text = serde_json::to_string(run0).expect("json");
        for (i, _) in text.match_indices("\"uri\":\"") {
            let rest = &text[i + 7..];
            let uri = &rest[..rest.find('"').unwrap_or(0)];
            if !uri.starts_with("file:") {
                exists(&percent_decoded(uri));
                uris += 1;
            }
        }
        assert!(uris >= findings.len(), "{uris}");

        for line in run("github").lines() {
            let file = line
                .split("file=")
                .nth(1)
                .and_then(|r| r.split(',').next())
                .unwrap_or("");
            exists(file);
        }
        let csv_text = run("csv");
        let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
        for r in reader.records() {
            exists(&r.expect("record")[0]);
        }
        let junit = run("junit");
        let suites: Vec<&str> = junit
            .split("<testsuite name=\"")
            .skip(1)
            .map(|s| s.split('"').next().unwrap_or(""))
            .collect();
        assert!(!suites.is_empty());
        suites.iter().for_each(|s| exists(s));

        let md = stdout(&sfsec(cwd, &["report", target, "--now", NOW, "--format", "markdown"]));
        // Every file the report names is named from the repository's root: none from the project's.
        for token in md.split('`').filter(|t| t.contains('/')) {
            assert!(
                !project.join(token).is_file(),
                "`{token}` is a path from the project's root"
            );
        }
        // A location is cited as `path:line:column`.
        let cited: Vec<&str> = md
            .split('`')
            .filter(|t| t.starts_with("salesforce/"))
            .map(|t| t.split(':').next().unwrap_or(t))
            .collect();
        assert!(cited.len() > 5, "{}", cited.len());
        cited.iter().for_each(|p| exists(p));
    }
}

/// Runs git in `dir` with a fixed identity; panics when it fails.
fn git(dir: &Path, args: &[&str]) {
    let o = Command::new("git")
        .args([
            "-c",
            "user.name=sfsec",
            "-c",
            "user.email=sfsec@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git");
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// `--diff REV` reports only findings on lines changed since REV (the work tree against it,
/// untracked files whole), on a real git history: an added line, a moved block, a deleted file.
#[test]
fn diff_reports_only_the_lines_changed_since_a_revision() {
    const KEY: &str = "sk_live_51HqLyjWDarjtT1zdp7dcQ9";
    let class = |name: &str, body: &str| {
        format!("public with sharing class {name} {{\n    public void m() {{\n{body}    }}\n}}\n")
    };
    let secret = |n: u32| format!("        String k{n} = '{KEY}{n}';\n");
    let a = "force-app/main/default/classes/A.cls";
    let b = "force-app/main/default/classes/B.cls";
    let dir = project(&[
        (
            a,
            class("A", &format!("        Integer x = 1;\n{}", secret(1))).as_bytes(),
        ),
        (
            b,
            class("B", &format!("{}        Integer y = 2;\n", secret(2))).as_bytes(),
        ),
    ]);
    let root = dir.path();
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "base"]);
    let findings = |rev: &str| {
        let o = sfsec(root, &["check", "--format", "json", "--no-cache", "--diff", rev]);
        let (_, got) = paths_and_rules(&o);
        let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        let lines: Vec<(String, u64)> = json["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| {
                (
                    f["path"].as_str().unwrap_or("").to_string(),
                    f["start"]["line"].as_u64().unwrap_or(0),
                )
            })
            .collect();
        assert!(got.iter().all(|(_, r)| r == "hardcoded-secret"), "{got:?}");
        (o.status.code(), lines, stderr(&o))
    };
    // Nothing changed: nothing reported, exit 0, and the rest said to be left out.
    let (code, lines, err) = findings("HEAD");
    assert_eq!((code, lines.len()), (Some(0), 0), "{err}");
    assert!(
        err.contains("2 findings on lines unchanged since `HEAD` are not reported"),
        "{err}"
    );

    // An added line: only it, though the file's old secret is still there.
    std::fs::write(
        root.join(a),
        class("A", &format!("        Integer x = 1;\n{}{}", secret(1), secret(3))),
    )
    .expect("write");
    let (code, lines, _) = findings("HEAD");
    assert_eq!(code, Some(1));
    assert_eq!(lines, [(a.to_string(), 5)]);
    git(root, &["commit", "-q", "-am", "add a secret"]);

    // A block moved within a file counts where it lands: git shows it as new lines there.
    std::fs::write(
        root.join(b),
        class("B", &format!("        Integer y = 2;\n{}", secret(2))),
    )
    .expect("write");
    let (_, lines, _) = findings("HEAD");
    assert_eq!(lines, [(b.to_string(), 4)]);
    git(root, &["commit", "-q", "-am", "move"]);

    // A deleted file and a new, untracked one: the new file's findings, no error for the other.
    std::fs::remove_file(root.join(b)).expect("rm");
    let c = "force-app/main/default/classes/C.cls";
    std::fs::write(root.join(c), class("C", &secret(4))).expect("write");
    let (code, lines, err) = findings("HEAD");
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(lines, [(c.to_string(), 3)]);
    // Against the first commit: every change since, committed or not.
    let (_, lines, _) = findings("HEAD~2");
    assert_eq!(lines, [(a.to_string(), 5), (c.to_string(), 3)]);

    // Outside a git work tree, --diff says so.
    let plain = project(&[(a, class("A", &secret(1)).as_bytes())]);
    let o = sfsec(plain.path(), &["check", "--diff", "HEAD"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a git repository"), "{}", stderr(&o));
    // A revision that does not exist, or an option in its place, is a usage error.
    for bad in ["no-such-branch", "--output=x"] {
        let o = sfsec(root, &["check", &format!("--diff={bad}")]);
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", stderr(&o));
        assert!(stderr(&o).contains("is not a"), "{}", stderr(&o));
    }
}

/// One scan, several reports: what the GitHub action needs from one run (SARIF to a file, the
/// annotations on standard output, a job summary), each the same as its own `--format`.
#[test]
fn also_writes_other_formats_of_the_same_scan() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = |n: &str| dir.path().join(n).to_string_lossy().into_owned();
    let (sarif, summary, json) = (path("s.sarif"), path("summary.md"), path("s.json"));
    let o = sfsec(
        &corpus(),
        &[
            "check",
            "--now",
            NOW,
            "--no-cache",
            "--format",
            "sarif",
            "-o",
            &sarif,
            "--also",
            "github=-",
            "--also",
            &format!("summary={summary}"),
            "--also",
            &format!("json={json}"),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let alone = |format: &str| {
        stdout(&sfsec(
            &corpus(),
            &["check", "--now", NOW, "--no-cache", "--format", format],
        ))
    };
    assert_eq!(stdout(&o), alone("github"));
    assert_eq!(std::fs::read_to_string(&sarif).expect("sarif"), alone("sarif"));
    assert_eq!(std::fs::read_to_string(&json).expect("json"), alone("json"));
    let md = std::fs::read_to_string(&summary).expect("summary");
    assert_eq!(md, alone("summary"));
    assert!(md.starts_with("## sfsec\n\n"), "{md}");
    assert!(md.contains("| rule | severity | findings |"), "{md}");
    assert!(md.contains("| `session-id-to-external` | error |"), "{md}");
    for bad in ["xml=a", "github", "json="] {
        let o = sfsec(&corpus(), &["check", "--also", bad]);
        assert_eq!(o.status.code(), Some(2), "{bad}");
    }
}

/// A fixed-seed generator of indices below `n`: random edits that are the same on every run.
fn seeded(seed: u64) -> impl FnMut(usize) -> usize {
    let mut state = seed;
    move |n| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 33) as usize) % n.max(1)
    }
}

/// A JSON report through the cache, and the same without it.
const CACHED_JSON: [&str; 7] = ["check", "--format", "json", "--fail-on", "never", "--now", NOW];

fn cold_json() -> Vec<&'static str> {
    [&CACHED_JSON[..], &["--no-cache"]].concat()
}

/// The result cache never says what a cold scan would not: a copy of the corpus goes through
/// rounds of random edits (comments, flipped metadata flags, truncated files), renames, copies
/// and deletions, and after each the cached run's report equals a cold scan's byte for byte,
/// and a run with nothing changed is served from the cache with the same report.
#[test]
fn the_cache_equals_a_cold_scan_after_random_edits_renames_and_deletions() {
    let dir = tempfile::tempdir().expect("tmp");
    copy_corpus(dir.path());
    // The same rounds on every run, different files in each round.
    let mut next = seeded(0x5eed_cafe_f00d);
    let (json, cold) = (CACHED_JSON, cold_json());
    let (mut hits, mut misses) = (0, 0);
    for round in 0..24 {
        let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir.path().join("force-app"))
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| e.into_path())
            .collect();
        files.retain(|f| !f.to_string_lossy().contains(".sfsec_cache"));
        let file = files[next(files.len())].clone();
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let renamed = file.with_file_name(format!(
            "R{round}{}",
            file.file_name()
                .map_or(String::new(), |n| n.to_string_lossy().into_owned())
        ));
        match next(6) {
            0 => std::fs::write(&file, format!("{text}\n// edit {round}\n")).expect("edit"),
            1 if text.contains("true") => std::fs::write(&file, text.replacen("true", "false", 1)).expect("flip"),
            1 | 2 => std::fs::write(&file, &text.as_bytes()[..text.len() / 2]).expect("truncate"),
            3 => std::fs::rename(&file, &renamed).expect("rename"),
            4 => {
                std::fs::copy(&file, &renamed).expect("copy");
            }
            _ => std::fs::remove_file(&file).expect("delete"),
        }
        let cached_run = sfsec(dir.path(), &json);
        let cold_run = sfsec(dir.path(), &cold);
        assert_eq!(
            stdout(&cached_run),
            stdout(&cold_run),
            "round {round}, {}: {}",
            file.display(),
            stderr(&cached_run)
        );
        if cached(&cached_run) {
            hits += 1;
        } else {
            misses += 1;
        }
        let again = sfsec(dir.path(), &json);
        assert!(cached(&again), "round {round}: {}", stderr(&again));
        assert_eq!(again.stdout, cold_run.stdout, "round {round}");
    }
    // Most rounds change a file the scan reads: those are misses (a file it does not read, or
    // a truncation that changes nothing, may rightly hit).
    assert!(misses >= 16 && hits + misses == 24, "{hits} hits, {misses} misses");
}

/// The per-file cache ([`sfsec`'s `engine::memo`]) never says what a cold scan would not: a
/// generated project goes through rounds of edits, renames and deletions of classes, with
/// pre-commit runs on a few files between them (which keep the other files' entries), and
/// after each round the cached run, which parses only the files that changed, reports what a
/// cold scan does, byte for byte.
#[test]
fn the_per_file_cache_equals_a_cold_scan_after_random_edits_across_a_generated_project() {
    let dir = tempfile::tempdir().expect("tmp");
    sfsec::generate::project(dir.path(), 80, 7).expect("generate");
    let mut next = seeded(0xfeed_5eed);
    let (json, cold) = (CACHED_JSON, cold_json());
    let first = sfsec(dir.path(), &json);
    assert_eq!(stdout(&first), stdout(&sfsec(dir.path(), &cold)));
    let cache_files = |suffix: &str| {
        std::fs::read_dir(dir.path().join(".sfsec_cache"))
            .expect("cache folder")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(suffix))
            .count()
    };
    assert_eq!(cache_files(".bin"), 1, "one per-file cache after a cold scan");
    for round in 0..12 {
        let classes: Vec<PathBuf> = walkdir::WalkDir::new(dir.path().join("force-app"))
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
            .map(|e| e.into_path())
            .filter(|p| p.extension().is_some_and(|e| e == "cls"))
            .collect();
        let file = classes[next(classes.len())].clone();
        let text = std::fs::read_to_string(&file).expect("class");
        match next(4) {
            0 => std::fs::write(&file, format!("{text}\n// edit {round}\n")).expect("edit"),
            // A session source in a class: flows start where none did.
            1 => std::fs::write(
                &file,
                text.replacen(
                    "{",
                    "{\n  public static String sid() { return UserInfo.getSessionId(); }",
                    1,
                ),
            )
            .expect("source"),
            2 => std::fs::rename(&file, file.with_file_name(format!("R{round}.cls"))).expect("rename"),
            _ => std::fs::remove_file(&file).expect("delete"),
        }
        if round % 3 == 1 {
            // A pre-commit run on a few other classes, as a hook passes them.
            let given: Vec<String> = (0..3)
                .map(|_| classes[next(classes.len())].to_string_lossy().into_owned())
                .filter(|p| Path::new(p).exists())
                .collect();
            let args: Vec<&str> = json.iter().copied().chain(given.iter().map(String::as_str)).collect();
            let cold_args: Vec<&str> = args.iter().copied().chain(["--no-cache"]).collect();
            assert_eq!(
                stdout(&sfsec(dir.path(), &args)),
                stdout(&sfsec(dir.path(), &cold_args)),
                "round {round}"
            );
        }
        let cached_run = sfsec(dir.path(), &json);
        assert!(!cached(&cached_run), "round {round}: the project changed");
        let cold_run = sfsec(dir.path(), &cold);
        assert_eq!(
            stdout(&cached_run),
            stdout(&cold_run),
            "round {round}, {}: {}",
            file.display(),
            stderr(&cached_run)
        );
    }
    // One base, whatever the edits did to it: no stale copies pile up.
    assert_eq!(cache_files(".bin") - cache_files(".delta.bin"), 1);
}

/// `report` in Markdown, as of [`NOW`].
const REPORT_MD: [&str; 5] = ["report", "--now", NOW, "--format", "markdown"];

/// Code Analyzer's JSON and SARIF and PMD's SARIF, as those tools wrote them on the corpus
/// (tests/data/code-analyzer/), merge into the review document with the partner's notes.
#[test]
fn the_report_includes_other_scanners_with_their_false_positive_notes() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/code-analyzer");
    let arg = |f: &str| data.join(f).to_string_lossy().into_owned();
    let (json, pmd, sarif, notes) = (
        arg("code-analyzer.json"),
        arg("pmd.sarif"),
        arg("code-analyzer.sarif"),
        arg("false-positives.toml"),
    );
    let args = [
        &REPORT_MD[..],
        &[
            "--include",
            &json,
            "--include",
            &pmd,
            "--include",
            &sarif,
            "--notes",
            &notes,
        ],
    ]
    .concat();
    let o = sfsec(&corpus(), &args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let md = stdout(&o);
    assert!(!stderr(&o).contains("matches nothing"), "{}", stderr(&o));
    let section = md
        .split("\n## Code Analyzer and other scanners\n")
        .nth(1)
        .expect("the section");
    let section = section.split("\n## ").next().unwrap_or("");
    // Each file with its tool and counts; each note matched in every file that has its finding.
    for row in [
        "code-analyzer.json` | Code Analyzer 0.52.0 | 90 | 2 | 88 |",
        "pmd.sarif` | PMD 7.28.0 | 15 | 1 | 14 |",
        "code-analyzer.sarif` | Code Analyzer | 90 | 2 | 88 |",
    ] {
        assert!(section.contains(row), "{row}\n{section}");
    }
    assert!(section.contains("| pmd | `ApexCRUDViolation` | 3 | 0 |"), "{section}");
    // In HTML, each engine and rule folds, as sfsec's rules do (closed: more than 30 findings).
    let html_args: Vec<&str> = args
        .iter()
        .copied()
        .filter(|a| *a != "--format" && *a != "markdown")
        .collect();
    let html = stdout(&sfsec(&corpus(), &html_args));
    let groups = section.matches("\n### ").count();
    assert_eq!(groups, 15);
    assert_eq!(html.matches("<details class=\"rule included\">").count(), groups);
    assert_eq!(section.matches("   - false positive: A sentinel compared").count(), 3);
    assert_eq!(
        section
            .matches("   - false positive: `$Api.Session_ID` is not user input")
            .count(),
        2
    );
    // Every location, written on other machines, lands on a file of this repository.
    let locations: Vec<&str> = section
        .lines()
        .filter_map(|l| l.split("** (").nth(1)?.split(") `").nth(1)?.split('`').next())
        .collect();
    assert_eq!(locations.len(), 195);
    for l in &locations {
        let path = l.split(':').next().unwrap_or("");
        assert!(Path::new(env!("CARGO_MANIFEST_DIR")).join(path).is_file(), "{l}");
    }

    // Re-scanned after lines were added above a finding: its fingerprint, and so its note, hold.
    let dir = tempfile::tempdir().expect("tmp");
    copy_corpus(dir.path());
    let class = dir.path().join("force-app/main/default/classes/StripeClient.cls");
    let text = std::fs::read_to_string(&class).expect("class");
    std::fs::write(&class, format!("// a header\n// added later\n{text}")).expect("write");
    let moved = std::fs::read_to_string(data.join("code-analyzer.json"))
        .expect("json")
        .replace(
            "\"file\": \"force-app/main/default/classes/StripeClient.cls\",\n          \"startLine\": 8,",
            "\"file\": \"force-app/main/default/classes/StripeClient.cls\",\n          \"startLine\": 10,",
        );
    assert!(moved.contains("\"startLine\": 10,"), "the fixture's layout changed");
    let moved_file = dir.path().join("moved.json");
    std::fs::write(&moved_file, moved).expect("write");
    let report = |extra: &[&str]| {
        let base = [&REPORT_MD[..], &["--include", "moved.json"]].concat();
        sfsec(dir.path(), &[&base[..], extra].concat())
    };
    let o = report(&["--notes", &notes]);
    assert!(
        stdout(&o).contains("   - false positive: A sentinel compared"),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).contains("StripeClient.cls:10:47"));

    // A note for nothing is named on standard error and in the document; a file that is not a
    // scanner's output is an error that names it.
    let stale = dir.path().join(".sfsec-false-positives.toml");
    std::fs::write(
        &stale,
        "[[false-positive]]\nfingerprint = \"0000:1\"\nreason = \"gone\"\n",
    )
    .expect("write");
    let o = sfsec(dir.path(), &REPORT_MD);
    assert!(
        !stderr(&o).contains("matches nothing"),
        "no results included, nothing to explain yet"
    );
    let o = report(&[]);
    assert!(
        stderr(&o).contains("false-positive note at line 1 (0000:1) matches nothing"),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).contains("| 1 | `0000:1` | no included finding has this fingerprint"));
    let o = sfsec(dir.path(), &["report", "--include", "sfdx-project.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("sfdx-project.json: neither SARIF"),
        "{}",
        stderr(&o)
    );
}
