//! Session IDs: where they come from and where they must not go, declared once for the
//! data-flow engine and shared by the two session lints; plus the Visualforce, formula and
//! JavaScript checks that do not need Apex data flow.

use crate::dataflow::{Call, CallSite, CustomHit, EndpointOf, Flow, On, Sink, SinkAt, Source, SourceKind, Spec};
pub(crate) use crate::lints::flow::flow_finding;

use crate::dataflow::js::{ScriptFlow, ScriptSpec, TOO_DEEP};
use crate::diagnostics::finding::Finding;
use crate::workspace::kind::FileKind;

pub(crate) mod markup;
// The rule modules, one per `lints/<rule-id>.md` of this family (see `build.rs`).
include!(concat!(env!("OUT_DIR"), "/lints/session.rs"));

/// Sink categories.
pub(crate) const EXTERNAL: &str = "external";
pub(crate) const EXPOSED: &str = "exposed";

const DATABASE: &[&str] = &["database", "system.database"];
const EMAIL_TYPES: &[&str] = &["singleemailmessage", "massemailmessage"];

static SOURCES: &[Source] = &[
    Source {
        kind: SourceKind::Call(Call {
            on: On::Class(&["userinfo", "system.userinfo"]),
            method: "getsessionid",
        }),
        note: "session ID read here",
    },
    Source {
        kind: SourceKind::Custom(page_with_session),
        note: "session ID read here",
    },
];

const fn call_sink(
    category: &'static str,
    on: On,
    method: &'static str,
    arg: Option<usize>,
    note: &'static str,
) -> Sink {
    Sink {
        category,
        at: SinkAt::Call {
            call: Call { on, method },
            arg,
        },
        note,
        endpoint: EndpointOf::None,
        ignore_types: &[],
    }
}

static SINKS: &[Sink] = &[
    Sink {
        category: EXTERNAL,
        at: SinkAt::Call {
            call: Call {
                on: On::Instance(&["http"]),
                method: "send",
            },
            arg: Some(0),
        },
        note: "sent in an HTTP callout",
        endpoint: EndpointOf::Value,
        ignore_types: &[],
    },
    Sink {
        category: EXTERNAL,
        at: SinkAt::Call {
            call: Call {
                on: On::Instance(&["continuation"]),
                method: "addhttprequest",
            },
            arg: Some(0),
        },
        note: "sent in a continuation callout",
        endpoint: EndpointOf::Value,
        ignore_types: &[],
    },
    Sink {
        category: EXTERNAL,
        at: SinkAt::Call {
            call: Call {
                on: On::Class(&["webservicecallout", "system.webservicecallout"]),
                method: "invoke",
            },
            // The stub (its `SessionHeader`), the request element, the endpoint list: all
            // of them go to the endpoint.
            arg: None,
        },
        note: "sent by a WSDL2Apex stub",
        endpoint: EndpointOf::ArgListFirst(3),
        ignore_types: &[],
    },
    Sink {
        category: EXTERNAL,
        at: SinkAt::Call {
            call: Call {
                on: On::Class(&["webservicecallout", "system.webservicecallout"]),
                method: "begininvoke",
            },
            // The stub (its `SessionHeader`), the request element, the endpoint list: all
            // of them go to the endpoint.
            arg: None,
        },
        note: "sent by a WSDL2Apex stub",
        endpoint: EndpointOf::ArgListFirst(3),
        ignore_types: &[],
    },
    Sink {
        category: EXTERNAL,
        at: SinkAt::New {
            types: &["pagereference"],
            arg: 0,
        },
        note: "put in a page URL",
        endpoint: EndpointOf::Arg(0),
        ignore_types: &[],
    },
    Sink {
        category: EXPOSED,
        at: SinkAt::Call {
            call: Call {
                on: On::Class(&["system"]),
                method: "debug",
            },
            arg: None,
        },
        note: "written to the debug log",
        endpoint: EndpointOf::None,
        // Printing a request shows its endpoint and method, not its headers or body.
        ignore_types: &["httprequest", "http", "continuation"],
    },
    Sink {
        category: EXPOSED,
        at: SinkAt::Return {
            annotations: crate::lints::flow::CLIENT_ANNOTATIONS,
            webservice: true,
        },
        note: "returned to the client",
        endpoint: EndpointOf::None,
        ignore_types: &[],
    },
    Sink {
        category: EXPOSED,
        at: SinkAt::Assign {
            target: "restcontext.response",
        },
        note: "written to the REST response",
        endpoint: EndpointOf::None,
        ignore_types: &[],
    },
    Sink {
        category: EXPOSED,
        at: SinkAt::Dml,
        note: "saved to the database",
        endpoint: EndpointOf::None,
        ignore_types: &[],
    },
    call_sink(EXPOSED, On::Class(DATABASE), "insert", Some(0), "saved to the database"),
    call_sink(EXPOSED, On::Class(DATABASE), "update", Some(0), "saved to the database"),
    call_sink(EXPOSED, On::Class(DATABASE), "upsert", Some(0), "saved to the database"),
    call_sink(
        EXPOSED,
        On::Instance(EMAIL_TYPES),
        "setplaintextbody",
        Some(0),
        "put in an email",
    ),
    call_sink(
        EXPOSED,
        On::Instance(EMAIL_TYPES),
        "sethtmlbody",
        Some(0),
        "put in an email",
    ),
    call_sink(
        EXPOSED,
        On::Instance(EMAIL_TYPES),
        "setsubject",
        Some(0),
        "put in an email",
    ),
    call_sink(
        EXPOSED,
        On::Class(&["eventbus"]),
        "publish",
        None,
        "published in a platform event",
    ),
];

/// A page's rendered content: a session ID in one of a `PageReference`'s URL parameters does not
/// make what the page renders the session (two false findings on a public org saved a fax PDF
/// that way). A page that renders the session is a source of its own (the `getContent` source).
const CLEAN_RESULTS: &[&str] = &["getcontent", "getcontentaspdf"];

pub(crate) static SESSION: Spec = Spec {
    sources: SOURCES,
    sinks: SINKS,
    sanitizers: &[
        Call {
            on: On::Class(&["crypto"]),
            method: "generatedigest",
        },
        Call {
            on: On::Class(&["crypto"]),
            method: "generatemac",
        },
        Call {
            on: On::Class(&["string"]),
            method: "isblank",
        },
        Call {
            on: On::Class(&["string"]),
            method: "isnotblank",
        },
        Call {
            on: On::Class(&["string"]),
            method: "isempty",
        },
        Call {
            on: On::Class(&["string"]),
            method: "isnotempty",
        },
    ],
    mutators: &[
        "add",
        "addall",
        "put",
        "putall",
        "set",
        "setheader",
        "setbody",
        "setbodyasblob",
        "setendpoint",
    ],
    arg_propagators: &["replace", "replaceall", "replacefirst"],
    clean_results: CLEAN_RESULTS,
    endpoint_setters: &["setendpoint"],
    endpoint_fields: &["endpoint_x"],
    source_hints: &["getsessionid", "getcontent", "$api.session_id"],
    script: Some(&SCRIPT),
    ..Spec::PLAIN
};

/// Session IDs in JavaScript: Visualforce's session merge fields, and whatever Apex returns one.
static SCRIPT: ScriptSpec = ScriptSpec {
    markers: |text| markup::session_markers(text).collect(),
    marker_hints: markup::MARKERS,
    marker_note: "session ID merged into the script here",
    external: EXTERNAL,
    exposed: EXPOSED,
};

/// The flows through scripts, for both session lints.
pub(crate) fn script_flows<'c>(cx: &'c crate::lints::Ctx<'_>) -> &'c [ScriptFlow] {
    cx.script_flows_of(&SESSION)
}

/// The `analysis-limit` findings of the scripts not interpreted; both session lints report
/// them, and the engine keeps one of each.
pub(crate) fn script_limit_findings(cx: &crate::lints::Ctx<'_>, out: &mut Vec<Finding>) {
    for flow in script_flows(cx).iter().filter(|f| f.category == TOO_DEEP) {
        out.push(Finding::new(
            crate::diagnostics::rules::engine::ANALYSIS_LIMIT,
            flow.file,
            flow.span.clone(),
            crate::syntax::tree::too_deep_message("JavaScript"),
        ));
    }
}

pub(crate) static SPECS: &[&Spec] = &[&SESSION];

/// `Page.Foo.getContent()` (or `getContentAsPDF`) where page `Foo` embeds the session ID.
/// When the page writes every session marker as a JSON string value (`"sessionId":
/// "{!$Api.Session_ID}"`), the keys that hold it: a map deserialized from the content holds
/// the session only there.
fn page_with_session(site: &CallSite<'_, '_>) -> Option<CustomHit> {
    if site.method != "getcontent" && site.method != "getcontentaspdf" {
        return None;
    }
    let src = &site.project.files[site.file].text;
    let page = site.receivers.iter().find_map(|&r| page_name(r, src))?;
    let text = site.project.files.iter().find_map(|f| {
        (f.kind == FileKind::Visualforce
            && f.rel.ends_with(".page")
            && f.component_name().eq_ignore_ascii_case(&page)
            && markup::session_markers(&f.text).next().is_some())
        .then_some(f.text.as_str())
    })?;
    let keys: Option<Vec<String>> = markup::session_markers(text)
        .map(|m| json_key_before(text, m.start).map(str::to_string))
        .collect();
    Some((format!("the content of page `{page}` embeds the session ID"), keys))
}

/// The key of the JSON string value that `at` sits in: `"key": "...{!` before it.
fn json_key_before(text: &str, at: usize) -> Option<&str> {
    let before = text.get(..at)?;
    let open = before.rfind('"')?;
    if before[open + 1..].contains(['\n', '}']) {
        return None;
    }
    let colon = before[..open].trim_end().strip_suffix(':')?.trim_end();
    let key_end = colon.strip_suffix('"')?;
    let key_start = key_end.rfind(['"', '\n'])?;
    let key = &key_end[key_start + 1..];
    (key_end.as_bytes()[key_start] == b'"' && !key.is_empty()).then_some(key)
}

/// The page a `Page.Foo` or `new PageReference('/apex/Foo')` expression names.
fn page_name(node: crate::syntax::flat::Node<'_>, src: &str) -> Option<String> {
    let text = |n: crate::syntax::flat::Node<'_>| src.get(n.byte_range()).unwrap_or("");
    match node.kind() {
        "field_access" => {
            let obj = node.field("object")?;
            let field = node.field("field")?;
            text(obj).eq_ignore_ascii_case("page").then(|| text(field).to_string())
        }
        "object_creation_expression" => {
            let arg = node.field("arguments")?.named_child(0)?;
            let lit = text(arg).trim_matches('\'');
            let rest = lit
                .get(..6)
                .filter(|p| p.eq_ignore_ascii_case("/apex/"))
                .map(|_| &lit[6..])?;
            Some(rest.split(['?', '#']).next().unwrap_or(rest).to_string())
        }
        "method_invocation" => page_name(node.field("object")?, src),
        _ => None,
    }
}

/// [`flow_finding`] for an Apex flow.
pub(crate) fn apex_finding(rule: &'static str, flow: &Flow, message: String) -> Finding {
    let sink = &SESSION.sinks[flow.sink];
    flow_finding(
        rule,
        flow.file,
        flow.span.clone(),
        &flow.path,
        flow.endpoint.as_ref(),
        sink.note,
        message,
    )
}

#[cfg(test)]
mod tests {
    use super::json_key_before;

    #[test]
    fn the_json_key_of_a_session_marker() {
        let key = |text: &str| {
            let at = text.find("$Api").unwrap_or(0);
            json_key_before(text, at).map(str::to_string)
        };
        assert_eq!(
            key(r#"{ "sessionId": "{!$Api.Session_ID}", "serverUrl": "x" }"#).as_deref(),
            Some("sessionId")
        );
        assert_eq!(
            key("{\"sid\"\n  :  \"Bearer {!$Api.Session_ID}\"}").as_deref(),
            Some("sid")
        );
        // Not a JSON string value: the whole content holds the session.
        assert_eq!(key(r#"var sid = "{!$Api.Session_ID}";"#), None);
        assert_eq!(key(r#"{sid: "{!$Api.Session_ID}"}"#), None);
        assert_eq!(key(r#"<p title="x">{!$Api.Session_ID}</p>"#), None);
        assert_eq!(key(r#"{"": "{!$Api.Session_ID}"}"#), None);
        assert_eq!(key("{!$Api.Session_ID}"), None);
    }
}
