//! Input from the user (page parameters, REST requests, the parameters of methods a client
//! calls), declared once for the data-flow engine and shared by the injection rules, each of
//! which reads the flows into its own sinks.

use std::collections::BTreeMap;

use crate::dataflow::model::{ClassId, FieldId, MethodId, MethodKind, Model};
use crate::dataflow::{
    Call, CallSite, CustomHit, EndpointOf, Flow, Hop, On, OpenParams, Sink, SinkAt, Source, SourceKind, Spec,
};
use crate::diagnostics::finding::Finding;
use crate::syntax::flat::Node;
use crate::syntax::vf;
use crate::workspace::kind::FileKind;
use crate::workspace::project::Project;

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
    Source {
        kind: SourceKind::StaticWhen("trigger.new", event_records),
        note: EVENT_PAYLOAD,
    },
    Source {
        kind: SourceKind::StaticWhen("trigger.newmap", event_records),
        note: EVENT_PAYLOAD,
    },
];

/// Whether a read of `Trigger.new` holds platform events: in a trigger on an event
/// (`Order_Event__e`), or where the records are cast or declared as events (a handler's
/// `(List<Order_Event__e>) Trigger.new`). An event's publisher may be any API client with
/// create access to it, outside the org; another trigger's records went through the org's
/// own validation and sharing.
fn event_records(model: &Model<'_>, class: ClassId, read: Node<'_>, src: &str) -> bool {
    let is_event = |ty: Node<'_>| {
        src.get(ty.byte_range())
            .is_some_and(|t| t.to_ascii_lowercase().contains("__e"))
    };
    if model.is_trigger(class) {
        return model.classes[class].supertypes.iter().any(|o| o.ends_with("__e"));
    }
    let Some(parent) = read.parent() else { return false };
    match parent.kind() {
        "cast_expression" | "enhanced_for_statement" => parent.field("type").is_some_and(is_event),
        "variable_declarator" => parent.parent().and_then(|d| d.field("type")).is_some_and(is_event),
        _ => false,
    }
}

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
        "trigger.new",
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
    field_sources: Some(page_set_properties),
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

/// Visualforce inputs that post free text into a controller property: what the user types,
/// or (`apex:param`) what the page sends and the user can change. Select lists are left out:
/// Visualforce rejects a value that is not one of the options the controller built.
const PAGE_INPUTS: &[(&str, &str, &str)] = &[
    ("apex:inputtext", "value", "apex:inputText"),
    ("apex:inputtextarea", "value", "apex:inputTextarea"),
    ("apex:inputhidden", "value", "apex:inputHidden"),
    ("apex:inputsecret", "value", "apex:inputSecret"),
    ("apex:param", "assignto", "apex:param"),
];

/// The controller properties (of a page's `controller` and `extensions`) that a page's form
/// sets from the request: `<apex:inputText value="{!searchTerm}"/>` makes `searchTerm` input.
/// Each property's hop is at its first binding, pages in path order.
fn page_set_properties(project: &Project, model: &Model<'_>) -> Vec<(FieldId, Hop)> {
    let mut found: BTreeMap<FieldId, Hop> = BTreeMap::new();
    for (id, file) in project.files.iter().enumerate() {
        if file.kind != FileKind::Visualforce {
            continue;
        }
        let text = file.text.as_str();
        let classes: Vec<ClassId> = vf::controllers(text)
            .iter()
            .flat_map(|c| model.top_level_classes(c))
            .collect();
        if classes.is_empty() {
            continue;
        }
        for &(tag_name, attr, shown) in PAGE_INPUTS {
            for tag in vf::start_tags(text, tag_name) {
                let Some(value) = vf::tag_attribute(tag, attr) else {
                    continue;
                };
                let Some(name) = value.trim().strip_prefix("{!").and_then(|v| v.strip_suffix('}')) else {
                    continue;
                };
                let name = name.trim();
                if !vf::is_property_name(name) {
                    continue;
                }
                let key = name.to_ascii_lowercase();
                for &class in &classes {
                    let Some(&f) = model.classes[class].fields.get(&key) else {
                        continue;
                    };
                    if INPUT.is_clean_type(model.fields[f].ty.as_deref()) {
                        continue;
                    }
                    let start = value.as_ptr() as usize - text.as_ptr() as usize;
                    found.entry(f).or_insert_with(|| Hop {
                        file: id,
                        span: start..start + value.len(),
                        note: format!("{PAGE_FORM} `<{shown}>` ({})", file.component_name()),
                    });
                }
            }
        }
    }
    found.into_iter().collect()
}

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

/// The hop note of a platform event's records (see [`event_records`]).
const EVENT_PAYLOAD: &str = "a platform event's payload, as its publisher sent it";

/// What a flow starts at, for a finding's message: a parameter of a method nothing calls
/// ([`OPEN`]), an event's payload, or input a client or a request sets.
pub(crate) fn origin(flow: &Flow) -> &'static str {
    match flow.path.first() {
        Some(h) if h.note.ends_with(OPEN.note) => "a parameter nothing validates",
        Some(h) if h.note == EVENT_PAYLOAD => "a platform event's payload",
        _ => "user input",
    }
}

/// The start of a page-form property's hop (see [`page_set_properties`]).
const PAGE_FORM: &str = "set by the user through the page's";

/// Whether a flow starts at a controller property the page's form posts: what the user
/// types (or edits in the page) goes into their own request, which carries the page's
/// view state and its CSRF token, so another site cannot send it for them.
pub(crate) fn from_page_form(flow: &Flow) -> bool {
    flow.path.first().is_some_and(|h| h.note.starts_with(PAGE_FORM))
}

/// An Apex flow of [`INPUT`] as a finding of `rule`.
pub(crate) fn finding(rule: &'static str, flow: &Flow, message: String) -> Finding {
    let sink = &INPUT.sinks[flow.sink];
    crate::lints::flow::flow_finding(rule, flow.file, flow.span.clone(), &flow.path, None, sink.note, message)
}
