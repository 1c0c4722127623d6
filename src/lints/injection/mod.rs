//! Input from the user (page parameters, REST requests, the parameters of methods a client
//! calls), declared once for the data-flow engine and shared by the injection rules, each of
//! which reads the flows into its own sinks.

use crate::dataflow::model::{MethodId, MethodKind, Model};
use crate::dataflow::{
    Call, CallSite, CustomHit, EndpointOf, Flow, On, OpenParams, Sink, SinkAt, Source, SourceKind, Spec,
};
use crate::diagnostics::finding::Finding;

// The rule modules, one per `lints/<rule-id>.md` of this family (see `build.rs`).
include!(concat!(env!("OUT_DIR"), "/lints/injection.rs"));

/// Sink categories.
pub(crate) const QUERY: &str = "query";
pub(crate) const REDIRECT: &str = "redirect";

const DATABASE: &[&str] = &["database", "system.database"];
const SEARCH: &[&str] = &["search", "system.search"];

static SOURCES: &[Source] = &[
    Source {
        kind: SourceKind::Custom(current_page_input),
        note: "read from the page's request",
    },
    Source {
        kind: SourceKind::Static("restcontext.request"),
        note: "read from the REST request",
    },
];

const fn query_sink(on: On, method: &'static str) -> Sink {
    Sink {
        category: QUERY,
        at: SinkAt::Call {
            call: Call { on, method },
            arg: Some(0),
        },
        note: "run as a dynamic query",
        endpoint: EndpointOf::None,
        ignore_types: &[],
    }
}

/// Every Apex call that runs its first argument as SOQL or SOSL text. The binds map of the
/// `...WithBinds` forms is data, not query text.
static SINKS: &[Sink] = &[
    query_sink(On::Class(DATABASE), "query"),
    query_sink(On::Class(DATABASE), "querywithbinds"),
    query_sink(On::Class(DATABASE), "countquery"),
    query_sink(On::Class(DATABASE), "countquerywithbinds"),
    query_sink(On::Class(DATABASE), "getquerylocator"),
    query_sink(On::Class(DATABASE), "getquerylocatorwithbinds"),
    query_sink(On::Class(DATABASE), "getcursor"),
    query_sink(On::Class(DATABASE), "getcursorwithbinds"),
    query_sink(On::Class(DATABASE), "getpaginationcursor"),
    query_sink(On::Class(DATABASE), "getpaginationcursorwithbinds"),
    query_sink(On::Class(SEARCH), "query"),
    query_sink(On::Class(SEARCH), "find"),
    // Where the page sends the browser: the URL's start says to which site.
    Sink {
        category: REDIRECT,
        at: SinkAt::New {
            types: &["pagereference"],
            arg: 0,
        },
        note: "the address a page redirects to",
        endpoint: EndpointOf::Arg(0),
        ignore_types: &[],
    },
];

const fn on_class(class: &'static [&'static str], method: &'static str) -> Call {
    Call {
        on: On::Class(class),
        method,
    }
}

/// Conversions whose results cannot carry text into a query, and the escape for quoted values.
static SANITIZERS: &[Call] = &[
    on_class(&["string", "system.string"], "escapesinglequotes"),
    on_class(&["integer"], "valueof"),
    on_class(&["long"], "valueof"),
    on_class(&["decimal"], "valueof"),
    on_class(&["double"], "valueof"),
    on_class(&["id"], "valueof"),
    on_class(&["boolean"], "valueof"),
    on_class(&["date"], "valueof"),
    on_class(&["date"], "parse"),
    on_class(&["datetime"], "valueof"),
    on_class(&["datetime"], "valueofgmt"),
    on_class(&["datetime"], "parse"),
];

/// Values of these declared types hold no query text: numbers, Ids, dates, flags, and the
/// `Schema` tokens and describes whose names are the org's own.
const CLEAN_TYPES: &[&str] = &[
    "integer",
    "long",
    "decimal",
    "double",
    "id",
    "boolean",
    "date",
    "datetime",
    "time",
    "sobjecttype",
    "sobjectfield",
    "describesobjectresult",
    "describefieldresult",
    "fieldset",
];

/// Methods of the platform's types that a class implements: the platform calls them with its
/// own values (a batch's records, a job's context, a plugin's settings), not a subscriber's.
const PLATFORM_CALLBACKS: &[&str] = &[
    "start",
    "execute",
    "finish",
    "oninstall",
    "onuninstall",
    // An authentication provider plugin's (`Auth.AuthProviderPluginClass`): the platform passes
    // the provider's configuration and the identity provider's answer.
    "initiate",
    "handlecallback",
    "getuserinfo",
    "refresh",
    "getcustommetadatatype",
];

/// The hop note for a parameter of a method a client calls; `None` for other methods.
fn entry_point(model: &Model<'_>, m: MethodId) -> Option<&'static str> {
    let method = &model.methods[m];
    if method.is_test || method.kind != MethodKind::Method {
        return None;
    }
    if let Some(a) = method
        .annotations
        .iter()
        .find(|a| crate::lints::flow::CLIENT_ANNOTATIONS.contains(&a.as_ref()))
    {
        return Some(match a.as_ref() {
            "auraenabled" => "is set by the client (`@AuraEnabled` method)",
            "remoteaction" => "is set by the client (`@RemoteAction` method)",
            "invocablemethod" => "is set by the flow or process that calls this `@InvocableMethod`",
            _ => "is set by the REST client (`@RestResource` method)",
        });
    }
    if method.webservice {
        return Some("is set by the SOAP client (`webservice` method)");
    }
    // An email service: the platform hands it every message sent to the service's address.
    if &*method.name == "handleinboundemail"
        && model.classes[method.class]
            .supertypes
            .iter()
            .any(|t| t == "inboundemailhandler")
    {
        return Some("is set by whoever sends the email (an email service's `handleInboundEmail`)");
    }
    // A subscriber's code that calls a `global` method passes records and settings it already
    // has the access to read; its text is what can change a query.
    let text = |p: &crate::dataflow::model::Param| {
        p.ty.as_deref().is_none_or(|t| {
            matches!(
                t.rsplit('.').next().unwrap_or(t),
                "string" | "object" | "list" | "set" | "map"
            )
        })
    };
    if method.is_global && !PLATFORM_CALLBACKS.contains(&method.name.as_ref()) && method.params.iter().any(text) {
        return Some("is set by code outside the package (`global` method)");
    }
    None
}

static OPEN: OpenParams = OpenParams {
    types: &["string"],
    sink_hints: &[
        "query",
        "getcursor",
        "getpaginationcursor",
        "search.find",
        "pagereference(",
    ],
    note: "is a parameter of a method nothing in the project calls: its callers may pass anything",
    platform_calls: PLATFORM_CALLBACKS,
};

pub(crate) static INPUT: Spec = Spec {
    sources: SOURCES,
    sinks: SINKS,
    sanitizers: SANITIZERS,
    mutators: &["add", "addall", "put", "putall", "set"],
    arg_propagators: &["replace", "replaceall", "replacefirst"],
    // What the schema says of a record or a token: names the org defines, not the user.
    clean_results: &[
        "getsobjecttype",
        "getdescribe",
        "getname",
        "getlocalname",
        "getsobjectfield",
    ],
    endpoint_setters: &[],
    endpoint_fields: &[],
    // The annotations name the entry points, so that a pre-commit run reads the classes their
    // parameters reach, and a scan keeps their bodies (see `HotBodies`).
    source_hints: &[
        "getparameters",
        "getheaders",
        "getcookies",
        "restcontext",
        "inboundemailhandler",
        "@auraenabled",
        "@remoteaction",
        "@invocablemethod",
        "@httpget",
        "@httppost",
        "@httpput",
        "@httppatch",
        "@httpdelete",
    ],
    script: None,
    param_sources: Some(entry_point),
    clean_types: CLEAN_TYPES,
    checks: &["containskey", "contains"],
    value_checks: &[
        "isnumeric",
        "isalphanumeric",
        "isalpha",
        "isnumericspace",
        "isalphaspace",
        "isalphanumericspace",
    ],
    field_sensitive: true,
    open_params: Some(&OPEN),
    reach: None,
};

pub(crate) static SPECS: &[&Spec] = &[&INPUT];

/// `getParameters()`, `getHeaders()` or `getCookies()` of the request's own page
/// (`ApexPages.currentPage()`, `System.currentPageReference()`, or a local assigned one): a
/// `PageReference` the code builds to redirect is not input.
fn current_page_input(site: &CallSite<'_, '_>) -> Option<CustomHit> {
    if !matches!(site.method, "getparameters" | "getheaders" | "getcookies") {
        return None;
    }
    let src = &site.project.files[site.file].text;
    let current = site.receivers.iter().any(|r| {
        let text: String = src
            .get(r.byte_range())
            .unwrap_or("")
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        text.ends_with("currentpage()") || text.ends_with("currentpagereference()")
    });
    current.then(|| {
        (
            format!("read from the page's request (`{}()`)", display(site.method)),
            None,
        )
    })
}

fn display(method: &str) -> &'static str {
    match method {
        "getheaders" => "getHeaders",
        "getcookies" => "getCookies",
        _ => "getParameters",
    }
}

/// Whether a flow starts at a parameter of a method nothing calls ([`OPEN`]) rather than at
/// input a client or a request sets.
pub(crate) fn from_open_param(flow: &Flow) -> bool {
    flow.path.first().is_some_and(|h| h.note.ends_with(OPEN.note))
}

/// An Apex flow of [`INPUT`] as a finding of `rule`.
pub(crate) fn finding(rule: &'static str, flow: &Flow, message: String) -> Finding {
    let sink = &INPUT.sinks[flow.sink];
    crate::lints::flow::flow_finding(rule, flow.file, flow.span.clone(), &flow.path, None, sink.note, message)
}
