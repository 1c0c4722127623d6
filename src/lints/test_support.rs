//! Runs one rule over a small in-memory project (written to a temporary SFDX project so that the
//! real discovery, parser and engine are exercised), for the lints' inline tests.

use crate::diagnostics::finding::Severity;
use crate::engine::{ScanRequest, scan};
use crate::workspace::config::Config;

/// 2026-01-01T00:00:00Z: lints see this clock in tests.
pub(crate) const NOW: i64 = 1_767_225_600;

pub(crate) const CA: &str = "force-app/main/default/connectedApps/Billing_Sync.connectedApp-meta.xml";
pub(crate) const ECA: &str = "force-app/main/default/externalClientApps/Portal.eca-meta.xml";
pub(crate) const ECA_OAUTH: &str = "force-app/main/default/extlClntAppOauthSettings/Portal_oauth.ecaOauth-meta.xml";
pub(crate) const ECA_GLOBAL: &str =
    "force-app/main/default/extlClntAppGlobalOauthSets/Portal_glbl.ecaGlblOauth-meta.xml";
pub(crate) const ECA_POLICY: &str = "force-app/main/default/extlClntAppOauthPolicies/Portal_plcy.ecaOauthPlcy-meta.xml";
pub(crate) const ECA_MOBILE: &str = "force-app/main/default/extlClntAppMobileSettings/Portal_mobile.ecaMobile-meta.xml";
pub(crate) const OIDC: &str = "force-app/main/default/settings/OauthOidc.settings-meta.xml";
pub(crate) const SCRATCH: &str = "config/project-scratch-def.json";
pub(crate) const CLASS: &str = "force-app/main/default/classes/Auth.cls";

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Hit {
    pub path: String,
    pub line: usize,
    pub severity: Severity,
    pub message: String,
    /// The source text the finding underlines.
    pub text: String,
    /// Each label's message and the source text it underlines.
    pub labels: Vec<(String, String)>,
    /// Whether a suppression (sfsec's or PMD's) covers it.
    pub suppressed: bool,
}

impl Hit {
    /// Asserts that every one of `want` is among the labels' messages (a flow's steps).
    #[track_caller]
    pub(crate) fn assert_labels(&self, want: &[&str]) {
        let labels: Vec<&str> = self.labels.iter().map(|(l, _)| l.as_str()).collect();
        for w in want {
            assert!(labels.contains(w), "{w}: {labels:?}");
        }
    }
}

/// The class `Auth` (at [`CLASS`]) with `body` as its members.
pub(crate) fn auth_class(body: &str) -> Vec<(&'static str, String)> {
    vec![(CLASS, format!("public with sharing class Auth {{\n{body}\n}}\n"))]
}

/// A Connected App with the given inner XML.
pub(crate) fn connected_app(inner: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ConnectedApp xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <contactEmail>a@example.com</contactEmail>\n    <label>Billing Sync</label>\n{inner}\n</ConnectedApp>\n"
    )
}

/// An ECA file of the given root type, linked to `Portal`.
pub(crate) fn eca_file(root: &str, inner: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{root} xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <externalClientApplication>Portal</externalClientApplication>\n{inner}\n</{root}>\n"
    )
}

pub(crate) fn eca_header() -> String {
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ExternalClientApplication xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <contactEmail>a@example.com</contactEmail>\n    <distributionState>Local</distributionState>\n    <label>Portal</label>\n</ExternalClientApplication>\n".into()
}

pub(crate) fn oidc(inner: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<OauthOidcSettings xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n{inner}\n</OauthOidcSettings>\n"
    )
}

/// A custom object (a setting when `kind` says so) with the given visibility.
pub(crate) fn setting_object(vis: &str, kind: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CustomObject xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    {kind}\n    <label>Acme Settings</label>\n    <visibility>{vis}</visibility>\n</CustomObject>\n"
    )
}

/// A field file of `Acme_Settings__c`; the path is leaked to fit the table helpers' `&str`.
pub(crate) fn setting_field(name: &str, ty: &str) -> (&'static str, String) {
    let path: &'static str = Box::leak(
        format!("force-app/main/default/objects/Acme_Settings__c/fields/{name}.field-meta.xml").into_boxed_str(),
    );
    (
        path,
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CustomField xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <fullName>{name}</fullName>\n    <label>{name}</label>\n    <type>{ty}</type>\n</CustomField>\n"
        ),
    )
}

/// Scans `files` with only `rule` enabled.
pub(crate) fn run(rule: &str, files: &[(&str, &str)]) -> Vec<Hit> {
    run_with(rule, files, Config::default())
}

/// [`run`] for a case built with owned texts, as the table tests build them.
pub(crate) fn run_case(rule: &str, case: &[(&str, String)]) -> Vec<Hit> {
    let files: Vec<(&str, &str)> = case.iter().map(|(p, t)| (*p, t.as_str())).collect();
    run(rule, &files)
}

pub(crate) fn run_with(rule: &str, files: &[(&str, &str)], mut config: Config) -> Vec<Hit> {
    let project = crate::testing::TempProject::new(files).expect("temp project");
    let root = project.path();
    config.select = vec![rule.to_string()];
    let req = ScanRequest {
        paths: Vec::new(),
        cwd: root.to_path_buf(),
        config,
        now: NOW,
    };
    let scan = scan(&req).expect("scan");
    scan.findings
        .iter()
        .map(|f| {
            let file = scan.project.file(f.file);
            let (line, _) = file.line_col(f.span.start);
            Hit {
                path: file.rel.clone(),
                line,
                severity: f.severity,
                message: f.message.clone(),
                text: file.text[f.span.clone()].to_string(),
                labels: f
                    .labels
                    .iter()
                    .map(|l| {
                        let text = scan.project.file(l.file).text.get(l.span.clone()).unwrap_or("");
                        (l.message.clone(), text.to_string())
                    })
                    .collect(),
                suppressed: f.suppression.is_some(),
            }
        })
        .collect()
}

/// oxc-style table test: every `pass` case yields no finding of `rule`, every `fail` case at
/// least one; all wrong cases are reported together. Messages follow the house style.
pub(crate) fn cases(rule: &str, pass: &[Vec<(&str, String)>], fail: &[Vec<(&str, String)>]) {
    let mut wrong = Vec::new();
    for (i, case) in pass.iter().enumerate() {
        let files: Vec<(&str, &str)> = case.iter().map(|(p, t)| (*p, t.as_str())).collect();
        let hits = run(rule, &files);
        if !hits.is_empty() {
            wrong.push(format!("pass case {i} produced {hits:#?}"));
        }
    }
    for (i, case) in fail.iter().enumerate() {
        let files: Vec<(&str, &str)> = case.iter().map(|(p, t)| (*p, t.as_str())).collect();
        let hits = run(rule, &files);
        if hits.is_empty() {
            wrong.push(format!("fail case {i} produced nothing"));
        }
        for h in &hits {
            if !crate::diagnostics::finding::follows_message_style(&h.message) {
                wrong.push(format!("fail case {i}: message style: {:?}", h.message));
            }
        }
    }
    assert!(wrong.is_empty(), "{rule}:\n{}", wrong.join("\n"));
}

/// A path built at run time, leaked to fit the table helpers' `&'static str` (tests only).
fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// A profile with a `Salesforce` license and the given inner XML.
pub(crate) fn profile(name: &str, inner: &str) -> Vec<(&'static str, String)> {
    profile_with_license(name, "Salesforce", inner)
}

pub(crate) fn profile_with_license(name: &str, license: &str, inner: &str) -> Vec<(&'static str, String)> {
    vec![(
        leak(format!("force-app/main/default/profiles/{name}.profile-meta.xml")),
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Profile xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <custom>true</custom>\n{inner}\n    <userLicense>{license}</userLicense>\n</Profile>\n"
        ),
    )]
}

pub(crate) fn permission_set(name: &str, inner: &str) -> Vec<(&'static str, String)> {
    vec![(
        leak(format!(
            "force-app/main/default/permissionsets/{name}.permissionset-meta.xml"
        )),
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<PermissionSet xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <label>{name}</label>\n{inner}\n</PermissionSet>\n"
        ),
    )]
}

pub(crate) const SECURITY: &str = "force-app/main/default/settings/Security.settings-meta.xml";

/// A `SecuritySettings` file with the given inner XML.
pub(crate) fn security(inner: &str) -> Vec<(&'static str, String)> {
    vec![(
        SECURITY,
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<SecuritySettings xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n{inner}\n</SecuritySettings>\n"
        ),
    )]
}
