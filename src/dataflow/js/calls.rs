//! Calls and constructors: where the sources come from (Apex results), what calls bind (the
//! parameters of functions defined here, Aura callbacks and attributes), the browser's sinks,
//! and what a call's result carries.

use std::ops::Range;

use tree_sitter::Node;

use super::ScriptFlow;
use super::interp::{AuraAttr, JVal, Script};
use crate::dataflow::Hop;
use crate::dataflow::markup::{Controllers, classify_markup_url};
use crate::dataflow::url::UrlClass;
use crate::diagnostics::finding::FileId;
use crate::syntax::tree::NodeExt;
use crate::syntax::vf::{enclosing_attribute, url_attribute};
use crate::workspace::project::Project;

/// A call expression's parts, shared by the steps of [`Script::call`].
pub(super) struct Call<'a, 'r> {
    node: Node<'a>,
    callee: Node<'a>,
    callee_text: &'a str,
    /// The receiver of a method call (`obj.prop(...)`).
    obj: Option<Node<'a>>,
    /// The method's name; empty for a plain function call.
    prop: &'a str,
    args: Vec<Node<'a>>,
    /// What the receiver holds.
    recv: JVal<'r>,
}

/// The joined values of a call's arguments, without handles or endpoints of their own.
fn joined<'r>(args: &[JVal<'r>]) -> JVal<'r> {
    let mut v = JVal::default();
    for a in args {
        v.join(a);
    }
    v.apex = None;
    v.endpoint = None;
    v
}

impl<'a, 'r> Script<'a, 'r> {
    /// Evaluates a call: the callbacks it binds, then its arguments; an Apex result is a source;
    /// otherwise what it binds, whether it is a sink, and what its result carries.
    pub(super) fn call(&mut self, node: Node<'a>) -> JVal<'r> {
        let Some(callee) = node.field("function") else {
            return JVal::default();
        };
        let (obj, prop) = if callee.kind() == "member_expression" {
            (
                callee.field("object"),
                callee.field("property").map_or("", |p| self.t(p)),
            )
        } else {
            (None, "")
        };
        let recv = obj.map(|o| self.eval(o)).unwrap_or_default();
        // An immediately invoked function (`(function () { ... })()`, `!function () {}()`):
        // its body runs here.
        if matches!(
            callee.kind(),
            "parenthesized_expression" | "function_expression" | "arrow_function"
        ) {
            self.eval(callee);
        }
        let c = Call {
            node,
            callee,
            callee_text: self.t(callee),
            obj,
            prop,
            args: crate::syntax::tree::arguments(node),
            recv,
        };
        self.bind_result_callbacks(&c);
        let args: Vec<JVal<'r>> = c.args.iter().map(|&a| self.eval(a)).collect();
        if let Some(source) = self.apex_source(&c) {
            return source;
        }
        self.bind_aura_wrapper(&c);
        self.bind_arguments(&c, &args);
        self.record_aura_attribute(&c, &args);
        let sent = joined(&args);
        if self.browser_sink(&c, &args, &sent) {
            return JVal::default();
        }
        self.propagate(&c, &sent)
    }

    /// Callbacks that receive a call's result: promise callbacks (`then`, `finally`) and Aura's
    /// `action.setCallback(this, function (response) {...})`.
    fn bind_result_callbacks(&mut self, c: &Call<'a, 'r>) {
        if matches!(c.prop, "then" | "finally")
            && let Some(&cb) = c.args.first()
            && let Some(p) = self.first_param(cb)
        {
            let v = match c.recv.apex {
                Some(ret) => self.apex_result(ret, c.callee),
                None => c.recv.clone(),
            };
            if v.tainted() {
                self.bind_pattern(p, &v, None);
            }
        }
        if c.prop == "setCallback"
            && let (Some(ret), Some(&cb)) = (c.recv.apex, c.args.get(1))
            && let Some(p) = self.first_param(cb)
        {
            let handle = JVal {
                path: None,
                apex: Some(ret),
                endpoint: None,
            };
            self.bind_pattern(p, &handle, None);
        }
    }

    /// A call that yields an Apex method's result (`response.getReturnValue()`, an imported
    /// method called) or names a controller action (`component.get('c.method')`).
    fn apex_source(&self, c: &Call<'a, 'r>) -> Option<JVal<'r>> {
        if let Some(ret) = c.recv.apex
            && c.prop == "getReturnValue"
        {
            return Some(self.apex_result(ret, c.node));
        }
        if c.callee.kind() == "identifier"
            && let Some(&ret) = self.handles.get(c.callee_text)
        {
            return Some(self.apex_result(ret, c.node));
        }
        if c.prop == "get"
            && let Some(&a) = c.args.first()
            && let Some(action) = self.t(a).trim_matches(['\'', '"']).strip_prefix("c.")
            && let Some(class) = &self.aura_controller
            && let Some(ret) = self.analysis.returning(class, action)
        {
            return Some(JVal {
                path: None,
                apex: Some(ret),
                endpoint: None,
            });
        }
        None
    }

    /// Aura: a wrapper that runs a controller action for its caller
    /// (`service.callApex(cmp, helper, 'c.getSession', {}, this.onSession)`): the callback
    /// after the action's name receives its return value.
    fn bind_aura_wrapper(&mut self, c: &Call<'a, 'r>) {
        if c.prop == "get" {
            return;
        }
        let Some(class) = &self.aura_controller else {
            return;
        };
        let Some((at, ret)) = c.args.iter().enumerate().find_map(|(i, &a)| {
            let action = self.t(a).trim_matches(['\'', '"']).strip_prefix("c.")?;
            Some((i, self.analysis.returning(class, action)?))
        }) else {
            return;
        };
        let result = self.apex_result(ret, c.node);
        for &cb in &c.args[at + 1..] {
            for p in self.callback_params(cb) {
                // Aura passes the component, helper and event by convention.
                if !matches!(self.t(p), "component" | "cmp" | "helper" | "event" | "evt") {
                    self.bind_pattern(p, &result, None);
                }
            }
        }
    }

    /// Calls of functions defined here bind their parameters; `helper.f(...)` in an Aura
    /// controller binds the helper's (which the helper's file receives as seeds).
    fn bind_arguments(&mut self, c: &Call<'a, 'r>, args: &[JVal<'r>]) {
        let fname = if c.callee.kind() == "identifier" {
            c.callee_text
        } else {
            c.prop
        };
        if let Some(params) = self.fn_params.get(fname).cloned() {
            for (p, a) in params.iter().zip(args) {
                if a.tainted() {
                    let a = a.with_hop(|| self.hop(c.node, format!("passed to `{fname}`")));
                    self.bind_pattern(*p, &a, None);
                }
            }
        } else if c.obj.is_some_and(|o| self.t(o) == "helper") {
            for (i, a) in args.iter().enumerate() {
                if a.tainted() && !self.helper_calls.iter().any(|(f, j, _)| f == fname && *j == i) {
                    let a = a.with_hop(|| self.hop(c.node, format!("passed to `helper.{fname}`")));
                    self.helper_calls.push((fname.to_string(), i, a));
                }
            }
        }
    }

    /// Aura: `cmp.set('v.url', value)`; the bundle's markup may load that URL
    /// ([`Script::aura_markup_sinks`]).
    fn record_aura_attribute(&mut self, c: &Call<'a, 'r>, args: &[JVal<'r>]) {
        if c.prop == "set"
            && let (Some(&k), Some(v), Some(&vn)) = (c.args.first(), args.get(1), c.args.get(1))
            && let Some(attr) = self.t(k).trim_matches(['\'', '"']).strip_prefix("v.")
            && v.tainted()
            && !self.aura_attrs.iter().any(|a| a.call == c.node)
        {
            self.aura_attrs.push(AuraAttr {
                name: attr.to_string(),
                value: v.clone(),
                call: c.node,
                value_node: vn,
            });
        }
    }

    /// Where argument `i` points, with its span.
    fn arg_url(&self, c: &Call<'a, 'r>, i: usize) -> Option<(UrlClass, Range<usize>)> {
        c.args.get(i).map(|&a| (self.classify(a, 0), self.span(a)))
    }

    /// Reports a browser sink the call is (a request, navigation, storage) when `sent` or the
    /// request object carries the source, and records what request objects hold. True when the
    /// call is such an API: its result is then clean.
    fn browser_sink(&mut self, c: &Call<'a, 'r>, args: &[JVal<'r>], sent: &JVal<'r>) -> bool {
        match (c.callee_text, c.prop) {
            ("fetch", _) | (_, "sendBeacon") => {
                if sent.tainted() {
                    let e = self.arg_url(c, 0);
                    self.sink(self.spec.external, "sent in a browser request", c.node, sent, e);
                }
                return true;
            }
            (t, "ajax" | "post" | "get" | "getJSON")
                if c.obj.is_some_and(|o| matches!(self.t(o), "$" | "jQuery" | "$j" | "j$")) =>
            {
                let _ = t;
                if sent.tainted() {
                    let e = c
                        .args
                        .first()
                        .and_then(|&a| url_property(a, self.text, self.base))
                        .map(|u| (self.classify(u, 0), self.span(u)))
                        .or_else(|| self.arg_url(c, 0));
                    self.sink(self.spec.external, "sent in a jQuery request", c.node, sent, e);
                }
                return true;
            }
            (_, "open") if c.obj.is_some_and(|o| self.t(o) == "window") || c.callee_text == "open" => {
                if sent.tainted() {
                    let e = self.arg_url(c, 0);
                    self.sink(self.spec.external, "sent by opening a URL", c.node, sent, e);
                }
                return true;
            }
            (_, "assign" | "replace") if c.obj.is_some_and(|o| self.t(o).ends_with("location")) => {
                if sent.tainted() {
                    let e = self.arg_url(c, 0);
                    self.sink(self.spec.external, "sent by navigating to a URL", c.node, sent, e);
                }
                return true;
            }
            (_, "setItem") if c.obj.is_some_and(|o| self.t(o).ends_with("Storage")) => {
                if sent.tainted() {
                    self.sink(self.spec.exposed, "stored in browser storage", c.node, sent, None);
                }
                return true;
            }
            (_, "setAttribute") => {
                let attr = c.args.first().map_or("", |&a| self.t(a).trim_matches(['\'', '"']));
                if matches!(attr, "src" | "href" | "action")
                    && let Some(v) = args.get(1)
                    && v.tainted()
                {
                    let e = self.arg_url(c, 1);
                    let v = v.clone();
                    self.sink(self.spec.external, "sent by navigating to a URL", c.node, &v, e);
                }
                return true;
            }
            (_, "open") => {
                // `xhr.open(method, url)` records where the request goes.
                if let (Some(o), Some(&u)) = (c.obj, c.args.get(1))
                    && let Some(root) = self.root_name(o)
                {
                    let e = JVal {
                        path: None,
                        apex: None,
                        endpoint: Some((self.classify(u, 0), self.span(u))),
                    };
                    self.bind_name(&root, &e, None);
                }
                return true;
            }
            (_, "send") => {
                if let Some(o) = c.obj
                    && let Some(root) = self.root_name(o)
                {
                    let mut v = self.vars.get(&root).cloned().unwrap_or_default();
                    v.join(sent);
                    if v.tainted() {
                        let e = v.endpoint.clone().or_else(|| {
                            Some((
                                UrlClass::Unknown(format!("`{root}` has no URL set in this file")),
                                self.span(o),
                            ))
                        });
                        self.sink(self.spec.external, "sent in a browser request", c.node, &v, e);
                    }
                }
                return true;
            }
            (_, "setRequestHeader" | "append" | "set") => {
                if let Some(o) = c.obj
                    && let Some(root) = self.root_name(o)
                    && sent.tainted()
                {
                    let v = sent.with_hop(|| self.hop(c.node, format!("put into `{root}`")));
                    self.bind_name(&root, &v, None);
                }
                return true;
            }
            _ => {}
        }
        false
    }

    /// What a call's result carries: helpers and encoders carry their arguments; methods carry
    /// the receiver (except predicates), and `replace`/`concat` their arguments too.
    fn propagate(&self, c: &Call<'a, 'r>, sent: &JVal<'r>) -> JVal<'r> {
        // Propagation: helpers and encoders carry their arguments; methods carry the receiver.
        let mut result = JVal::default();
        if c.obj.is_none()
            || c.obj
                .is_some_and(|o| matches!(self.t(o), "JSON" | "Object" | "String" | "Promise" | "window"))
        {
            result.join(sent);
        } else {
            if c.recv.tainted()
                && !matches!(
                    c.prop,
                    "length" | "includes" | "indexOf" | "startsWith" | "endsWith" | "test" | "some" | "every"
                )
            {
                let mut r = c.recv.clone();
                r.apex = None;
                r.endpoint = None;
                result.join(&r);
            }
            if matches!(c.prop, "replace" | "replaceAll" | "concat") {
                result.join(sent);
            }
        }
        result
    }

    pub(super) fn construct(&mut self, node: Node<'a>) -> JVal<'r> {
        let ctor = node.field("constructor").map_or("", |c| self.t(c));
        let arg_nodes = crate::syntax::tree::arguments(node);
        let args: Vec<JVal<'r>> = arg_nodes.iter().map(|&a| self.eval(a)).collect();
        let mut v = JVal::default();
        for a in &args {
            v.join(a);
        }
        v.apex = None;
        v.endpoint = None;
        if matches!(ctor, "WebSocket" | "EventSource") {
            let e = arg_nodes.first().map(|&a| (self.classify(a, 0), self.span(a)));
            if v.tainted() {
                self.sink(self.spec.external, "sent in a browser connection", node, &v, e.clone());
            }
            return JVal {
                path: None,
                apex: None,
                endpoint: e,
            };
        }
        v
    }

    pub(super) fn sink(
        &mut self,
        category: &'static str,
        note: &'static str,
        at: Node<'_>,
        v: &JVal<'r>,
        endpoint: Option<(UrlClass, Range<usize>)>,
    ) {
        let Some(path) = &v.path else {
            return;
        };
        let span = self.span(at);
        if self.out.iter().any(|f| f.span == span && f.category == category) {
            return;
        }
        let (endpoint, endpoint_span) = match endpoint {
            Some((c, s)) => (Some(c), Some(s)),
            None => (None, None),
        };
        self.out.push(ScriptFlow {
            category,
            note,
            file: self.file,
            span,
            path: path.clone(),
            endpoint,
            endpoint_span,
        });
    }

    /// `cmp.set('v.url', tainted)` where the bundle's markup puts `{!v.url}` in a URL attribute.
    pub(super) fn aura_markup_sinks(&mut self, project: &Project, markup: &[FileId]) {
        if self.aura_attrs.is_empty() {
            return;
        }
        let attrs = std::mem::take(&mut self.aura_attrs);
        for &mid in markup {
            let m = &project.files[mid];
            for a in &attrs {
                let merge = format!("{{!v.{}}}", a.name);
                let mut from = 0;
                while let Some(i) = m.text[from..].find(&merge) {
                    let at = from + i;
                    from = at + merge.len();
                    let Some((tag, attr, value_start)) = enclosing_attribute(&m.text, at) else {
                        continue;
                    };
                    if !url_attribute(&tag, &attr) {
                        continue;
                    }
                    let prefix = &m.text[value_start..at];
                    let class = if prefix.trim().is_empty() {
                        self.classify(a.value_node, 0)
                    } else {
                        classify_markup_url(prefix, &Controllers::default())
                    };
                    let mut v = a.value.clone();
                    if let Some(p) = &mut v.path {
                        p.push(self.hop(a.call, format!("stored in the attribute `v.{}`", a.name)));
                        p.push(Hop {
                            file: mid,
                            span: at..at + merge.len(),
                            note: format!("rendered into the `{attr}` of `<{tag}>`"),
                        });
                    }
                    let span = self.span(a.value_node);
                    self.sink(
                        self.spec.external,
                        "loaded as a URL by the component",
                        a.call,
                        &v,
                        Some((class, span)),
                    );
                }
            }
        }
    }
}

/// The `url:` property of an options object literal.
fn url_property<'a>(obj: Node<'a>, text: &str, base: usize) -> Option<Node<'a>> {
    if obj.kind() != "object" {
        return None;
    }
    let mut c = obj.walk();
    obj.named_children(&mut c).find_map(|p| {
        let key = p.field("key")?;
        let k = text.get(base + key.start_byte()..base + key.end_byte())?;
        (k.trim_matches(['\'', '"']) == "url").then(|| p.field("value"))?
    })
}
