//! What a lint tells the data flow: its sources, sinks and sanitizers ([`Spec`]), as data.

use super::js;
use super::model::{ClassId, FieldId, MethodId, Model};
use crate::diagnostics::finding::FileId;
use crate::syntax::flat::Node;
use crate::workspace::project::Project;

/// A call pattern. Names are lower-case; Apex is case-insensitive.
#[derive(Debug)]
pub(crate) struct Call {
    pub on: On,
    pub method: &'static str,
}

#[derive(Debug)]
pub(crate) enum On {
    /// A static call on one of these qualifiers (`userinfo`, `system.userinfo`).
    Class(&'static [&'static str]),
    /// An instance call on a receiver whose declared type is one of these (last segment).
    Instance(&'static [&'static str]),
    /// Any receiver, or none.
    #[cfg_attr(
        not(test),
        expect(dead_code, reason = "no spec needs it yet; the engine supports it")
    )]
    Any,
}

/// What a custom source matcher sees.
pub(crate) struct CallSite<'a, 't> {
    pub project: &'a Project,
    pub file: FileId,
    /// Lower-case method name.
    pub method: &'a str,
    /// The receiver expression and, when it is a local, the expressions assigned to it.
    pub receivers: Vec<Node<'t>>,
}

/// A custom source's note for the path, and the map keys that hold the taint (see
/// [`Val::keys`]).
pub(crate) type CustomHit = (String, Option<Vec<String>>);

pub(crate) enum SourceKind {
    Call(Call),
    /// Returns a note for the path when the call is a source, and the keys that hold the
    /// taint when the value is a map's text (see [`Val::keys`]).
    Custom(fn(&CallSite<'_, '_>) -> Option<CustomHit>),
    /// A read of a static property of Apex's, written as a lower-case qualified name without
    /// whitespace (`restcontext.request`).
    Static(&'static str),
    /// A [`SourceKind::Static`] read that is a source only where the test says so, given the
    /// class the read is in, the read's node and its file's text (`Trigger.new` holds what a
    /// publisher sent only in a platform event's trigger).
    StaticWhen(&'static str, fn(&Model<'_>, ClassId, Node<'_>, &str) -> bool),
}

pub(crate) struct Source {
    pub kind: SourceKind,
    /// The first hop's label: "session ID read here".
    pub note: &'static str,
}

pub(crate) enum SinkAt {
    /// An argument of a call (`None`: any argument).
    Call { call: Call, arg: Option<usize> },
    /// An argument of a constructor of one of these types (lower-case, last segment).
    New { types: &'static [&'static str], arg: usize },
    /// The value returned by a method with one of these annotations (lower-case), or by a
    /// `webservice` method when `webservice` is set.
    Return {
        annotations: &'static [&'static str],
        webservice: bool,
    },
    /// The target of a DML statement (`insert`, `update`, `upsert`, `delete`, `undelete`,
    /// `merge`).
    Dml,
    /// An inline SOQL or SOSL query (`[SELECT ...]`, `[FIND ...]`).
    Query,
    /// An assignment whose target starts with this (lower-case, no whitespace).
    Assign { target: &'static str },
}

/// Where a sink's destination URL comes from, for sinks that send somewhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EndpointOf {
    None,
    /// The endpoint recorded on the tainted value (`req.setEndpoint(...)`).
    Value,
    /// The URL expression given as this argument.
    Arg(usize),
    /// The first element of a list given as this argument (`WebServiceCallout.invoke`).
    ArgListFirst(usize),
}

pub(crate) struct Sink {
    /// The lint-defined category (`callout`, `log`, ...).
    pub category: &'static str,
    pub at: SinkAt,
    /// What happens at the sink, for the message: "sent in an HTTP callout".
    pub note: &'static str,
    pub endpoint: EndpointOf,
    /// Arguments of these declared types (lower-case, last segment) are not this sink's
    /// concern: printing an `HttpRequest` shows its endpoint, not its headers.
    pub ignore_types: &'static [&'static str],
}

/// See [`Spec::field_sources`].
pub(crate) type FieldSources = fn(&Project, &Model<'_>) -> Vec<(FieldId, super::Hop)>;

pub(crate) struct Spec {
    pub sources: &'static [Source],
    pub sinks: &'static [Sink],
    /// Calls whose result is never tainted (hashes, predicates).
    pub sanitizers: &'static [Call],
    /// Instance methods that store their arguments in the receiver (`add`, `put`, `setBody`).
    pub mutators: &'static [&'static str],
    /// Instance methods whose result carries their last argument (`replace`'s replacement).
    pub arg_propagators: &'static [&'static str],
    /// Instance methods whose result never carries the receiver's taint, besides
    /// [`NON_VALUE_METHODS`] (which every spec has).
    pub clean_results: &'static [&'static str],
    /// Instance methods that set the receiver's endpoint from their first argument.
    pub endpoint_setters: &'static [&'static str],
    /// Fields that hold a stub's endpoint (`endpoint_x`).
    pub endpoint_fields: &'static [&'static str],
    /// Text (lower-case) that every source contains (a source method's name, a merge field):
    /// analysis starts at the methods that contain it (and at the controllers of Visualforce
    /// pages that do) and spreads only where a value can travel. Empty analyzes every method.
    pub source_hints: &'static [&'static str],
    /// What the same sources are in JavaScript, when flows through scripts matter.
    pub script: Option<&'static js::ScriptSpec>,
    /// Entry points whose parameters are sources (an `@AuraEnabled` method's, set by the
    /// client): the note of the parameter's hop, or `None` for any other method. Every method
    /// it names is analyzed.
    pub param_sources: Option<fn(&Model<'_>, MethodId) -> Option<&'static str>>,
    /// Fields whose value is a source before any code runs (a controller property a page's
    /// form sets), with the first hop of each: the methods around them are analyzed.
    pub field_sources: Option<FieldSources>,
    /// Declared types (lower-case, last segment) whose values carry no taint: a number or an
    /// Id cannot hold text that changes a query.
    pub clean_types: &'static [&'static str],
    /// Whether the fields of the project's own classes are told apart: `w.a = t` taints field
    /// `a` (of every instance), not `w`, and a project class's constructor stores its arguments
    /// only where its summary says. Without it, an object holds whatever was put in it (a
    /// wrapper returned whole carries the session it holds).
    pub field_sensitive: bool,
    /// Allow-list tests (lower-case method names, `containskey`): a local or parameter passed
    /// to one on a map, set or list (or on a describe's map) counts as checked, and is clean in
    /// that method. Conditions are not followed: a test anywhere in the method counts.
    pub checks: &'static [&'static str],
    /// Tests of a value itself (`v.isNumeric()`): `v` counts as checked, as with
    /// [`Spec::checks`].
    pub value_checks: &'static [&'static str],
    /// Whether a parameter of a method nothing in the project calls is reported where it
    /// reaches a sink (see [`OpenParams`]).
    pub open_params: Option<&'static OpenParams>,
    /// For a rule about what code does when it runs rather than what a value carries (see
    /// [`Reach`]).
    pub reach: Option<&'static Reach>,
}

/// What a request runs: every sink is reached whatever its arguments, a call carries its
/// callee's sinks to the caller, and the flows are those of the entries, from the entry to the
/// sink through the calls. Sources, sanitizers and checks play no part.
pub(crate) struct Reach {
    /// The methods a request runs; test methods are left out.
    pub entries: fn(&Project, &Model<'_>) -> Vec<Entry>,
    /// Words (lower-case) of the files that make a method an entry (a page's `apex:page`): a
    /// pre-commit run reads the classes such a file names.
    pub hints: &'static [&'static str],
    /// The methods (by id) that deal with what they reach themselves: their sinks, and those
    /// of the methods they call, count neither for them nor for their callers (a method that
    /// checks the user's access before it queries). Computed once per analysis.
    pub settles: Option<fn(&Project, &Model<'_>) -> Vec<bool>>,
}

/// A method a request runs (see [`Reach`]).
pub(crate) struct Entry {
    pub method: MethodId,
    /// The first hop's note: why a request runs it.
    pub note: String,
    /// Only the sinks in its own body count, not those of the methods it calls: for an entry
    /// guessed from its shape, where a guess made twice (the class, then each callee) would
    /// stack up doubts.
    pub own_body: bool,
}

/// Parameters of methods whose callers are unknown: a `public` method that nothing in the
/// project calls is an API whose arguments nothing vouches for. When such a method's
/// parameter of one of `types` reaches a sink, the flow is reported from the parameter.
/// "Calls" is textual: a method whose name any other non-test method mentions is called.
pub(crate) struct OpenParams {
    /// Declared types (lower-case, last segment) of the parameters that count.
    pub types: &'static [&'static str],
    /// Words (lower-case) that every sink's text contains: the methods whose body holds one are
    /// analyzed, and the callers of those whose parameters reach a sink.
    pub sink_hints: &'static [&'static str],
    /// The parameter's hop.
    pub note: &'static str,
    /// Methods (lower-case names) the platform calls on a class that extends or implements one
    /// of its types (a batch's `start`, a plugin's `initiate`): never open, whoever else could.
    pub platform_calls: &'static [&'static str],
}

impl Spec {
    /// No sources, no sinks, nothing else: what a spec leaves out of the data flow's later
    /// features (`..Spec::PLAIN`).
    pub(crate) const PLAIN: Spec = Spec {
        sources: &[],
        sinks: &[],
        sanitizers: &[],
        mutators: &[],
        arg_propagators: &[],
        clean_results: &[],
        endpoint_setters: &[],
        endpoint_fields: &[],
        source_hints: &[],
        script: None,
        param_sources: None,
        field_sources: None,
        clean_types: &[],
        checks: &[],
        value_checks: &[],
        field_sensitive: false,
        open_params: None,
        reach: None,
    };

    /// Whether a value declared with type `ty` (lower-case, as [`model::type_key`] writes it)
    /// is clean by [`Spec::clean_types`].
    pub(crate) fn is_clean_type(&self, ty: Option<&str>) -> bool {
        ty.is_some_and(|t| {
            let last = t.rsplit('.').next().unwrap_or(t);
            self.clean_types.contains(&last)
        })
    }
}

/// Methods whose results are counts, flags or comparisons: their results never carry the
/// receiver's taint, whatever the spec (see [`Spec::clean_results`]).
pub(crate) const NON_VALUE_METHODS: &[&str] = &[
    "compareto",
    "contains",
    "containsignorecase",
    "containskey",
    "endswith",
    "endswithignorecase",
    "equals",
    "equalsignorecase",
    "getstatus",
    "getstatuscode",
    "hashcode",
    "indexof",
    "isblank",
    "isempty",
    "isnotblank",
    "isnotempty",
    "lastindexof",
    "length",
    "size",
    "startswith",
    "startswithignorecase",
];
