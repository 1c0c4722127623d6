//! Calls and constructors: sources, the methods a call may reach, and applying their
//! summaries (results, parameter sinks, deferred flows) at the call.

use crate::syntax::flat::Node;

use super::{Frame, SYSTEM_CLASSES, ty_last};
use crate::dataflow::model::{MethodId, type_key};
use crate::dataflow::{Call, CallSite, Deferred, On, Origin, ParamSink, SinkAt, SourceKind, Val, concat, extend};

impl<'a, 't> Frame<'a, 't> {
    /// The receiver as a lower-case qualifier without whitespace (`system.userinfo`), when it is
    /// a plain name chain.
    pub(super) fn qualifier(&self, obj: Node<'a>) -> Option<String> {
        let mut n = obj;
        loop {
            match n.kind() {
                "identifier" => break,
                "field_access" => n = n.field("object")?,
                _ => return None,
            }
        }
        Some(
            self.t(obj)
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_ascii_lowercase(),
        )
    }

    pub(super) fn matches(&self, call: &Call, name: &str, obj: Option<Node<'a>>) -> bool {
        if call.method != name {
            return false;
        }
        match call.on {
            On::Any => true,
            On::Class(quals) => obj
                .and_then(|o| self.qualifier(o))
                .is_some_and(|q| quals.contains(&q.as_str())),
            On::Instance(types) => obj.and_then(|o| self.type_of(o)).is_some_and(|t| {
                let last = t.rsplit('.').next().unwrap_or(&t);
                types.contains(&last)
            }),
        }
    }

    /// The taint a call brings in as a source of the spec: each matching source, with its hop
    /// (and, for a custom source, the map keys it fills).
    pub(super) fn sources_at(&mut self, node: Node<'a>, name: &str, obj: Option<Node<'a>>) -> Val {
        let mut result = Val::default();
        for s in self.spec.sources {
            let hit = match &s.kind {
                SourceKind::Call(c) => self.matches(c, name, obj).then(|| (s.note.to_string(), None)),
                SourceKind::Static(_) | SourceKind::StaticWhen(..) => None,
                SourceKind::Custom(f) => {
                    let mut receivers = Vec::new();
                    if let Some(o) = obj {
                        receivers.push(o);
                        if let Some(i) = self.root_local(o) {
                            receivers.extend(self.locals[i].assigned.iter().copied());
                        }
                    }
                    f(&CallSite {
                        project: self.project,
                        file: self.file,
                        method: name,
                        receivers,
                    })
                }
            };
            if let Some((note, keys)) = hit {
                let mut v = Val::source(extend(&None, self.hop(node, note)));
                v.keys = keys;
                result.join(&v);
            }
        }
        result
    }

    pub(super) fn call(&mut self, node: Node<'a>) -> Val {
        let name_node = node.field("name");
        let name = name_node.map(|n| self.t(n).to_ascii_lowercase()).unwrap_or_default();
        let obj = node.field("object");
        let recv = match obj {
            Some(o) if self.static_class(o).is_none() => self.eval(o),
            _ => Val::default(),
        };
        let arg_nodes: Vec<Node<'a>> = crate::syntax::flat::arguments(node);
        let args: Vec<Val> = arg_nodes.iter().map(|&a| self.eval(a)).collect();

        let mut result = self.sources_at(node, &name, obj);
        if self.spec.checks.contains(&name.as_str()) {
            self.check(obj, &arg_nodes);
        }
        if self.spec.value_checks.contains(&name.as_str())
            && let Some(o) = obj
        {
            self.check_value(o);
        }

        let targets = self.overloads(self.targets(obj, &name, args.len()), &arg_nodes);
        if !targets.is_empty() {
            for &t in &targets {
                let v = self.apply(t, node, &arg_nodes, &args, obj, &recv);
                result.join(&v);
            }
        } else if !self.spec.sanitizers.iter().any(|c| self.matches(c, &name, obj)) {
            let is_static = obj.is_none() || obj.is_some_and(|o| self.is_type_qualifier(o));
            if is_static {
                // A static call outside the project passes its arguments' taint on only when
                // it is Apex's own (`String.join`, `EncodingUtil.urlEncode`): a managed
                // package's (`Apttus.MergeWebService.createPDF(params)` returns a document Id)
                // is a callee nothing is known of, and its result is not the session.
                if obj.is_none_or(|o| self.is_system_class(o)) {
                    for a in &args {
                        result.join(a);
                    }
                }
            } else {
                // `m.get('serverUrl')` of a map that holds the taint only under `sessionId`.
                let key = matches!(name.as_str(), "get" | "remove")
                    .then(|| self.key_literal(&arg_nodes, &args))
                    .flatten();
                if recv.is_tainted()
                    && !super::super::NON_VALUE_METHODS.contains(&name.as_str())
                    && !self.spec.clean_results.contains(&name.as_str())
                    && key.is_none_or(|k| recv.may_hold(k))
                {
                    let mut r = recv.clone();
                    r.endpoint = None;
                    if key.is_some() {
                        // What is stored under a key is known only as a whole.
                        r.keys = None;
                    }
                    result.join(&r);
                }
                // `s.replace(target, replacement)`: the result holds the replacement, not what
                // it replaces.
                if self.spec.arg_propagators.contains(&name.as_str())
                    && let Some(last) = args.last()
                {
                    result.join(last);
                }
            }
            if let Some(o) = obj
                && !is_static
                && let Some(i) = self.root_local(o)
            {
                let mut stored = Val::default();
                if self.spec.mutators.contains(&name.as_str()) {
                    for a in &args {
                        stored.join(a);
                    }
                    if name == "put"
                        && args.len() == 2
                        && let Some(k) = self.key_literal(&arg_nodes, &args)
                    {
                        stored.keys = Some(vec![k.to_string()]);
                    }
                    let root = self.locals[i].name.clone();
                    stored = stored.with_hop(|| self.hop(node, format!("put into `{root}`")));
                    stored.endpoint = None;
                }
                if self.spec.endpoint_setters.contains(&name.as_str())
                    && let Some(&a) = arg_nodes.first()
                {
                    stored.endpoint = Some(self.endpoint_of(a));
                }
                if self.locals[i].val.join(&stored) {
                    self.changed = true;
                }
            }
        }

        for (i, sink) in self.spec.sinks.iter().enumerate() {
            let SinkAt::Call { call, arg } = &sink.at else {
                continue;
            };
            if !self.matches(call, &name, obj) {
                continue;
            }
            if self.spec.reach.is_some() {
                self.sink(i, node, &Val::default(), None);
                continue;
            }
            for (k, a) in args.iter().enumerate() {
                let ignored = !sink.ignore_types.is_empty()
                    && self
                        .type_of(arg_nodes[k])
                        .is_some_and(|t| sink.ignore_types.contains(&ty_last(&t).as_str()));
                if arg.is_none_or(|want| want == k) && !ignored {
                    let endpoint = self.sink_endpoint(sink.endpoint, a, &arg_nodes);
                    self.sink(i, node, a, endpoint);
                }
            }
        }
        result
    }

    /// `allowed.contains(v)` or `Schema.getGlobalDescribe().containsKey(v)`: the local `v`
    /// counts as checked when the receiver is a collection or a describe's map.
    fn check(&mut self, obj: Option<Node<'a>>, arg_nodes: &[Node<'a>]) {
        let (Some(obj), [arg]) = (obj, arg_nodes) else {
            return;
        };
        let collection = self
            .type_of(obj)
            .is_some_and(|t| matches!(ty_last(&t).as_str(), "map" | "set" | "list"))
            || obj.kind() == "method_invocation"
                && obj
                    .field("name")
                    .is_some_and(|n| matches!(self.t(n).to_ascii_lowercase().as_str(), "getglobaldescribe" | "getmap"));
        if collection {
            self.mark_checked(*arg);
        }
    }

    /// `v.isNumeric()` or `String.valueOf(v).isNumeric()`: the local `v` counts as checked.
    fn check_value(&mut self, mut value: Node<'a>) {
        if value.kind() == "method_invocation" {
            let conversion = value
                .field("name")
                .is_some_and(|n| self.t(n).eq_ignore_ascii_case("valueof"));
            match crate::syntax::flat::arguments(value).as_slice() {
                [arg] if conversion => value = *arg,
                _ => return,
            }
        }
        self.mark_checked(value);
    }

    /// Marks the local (or field of the class) an identifier names as checked: clean from now on
    /// in this method.
    pub(super) fn mark_checked(&mut self, ident: Node<'a>) {
        if ident.kind() != "identifier" {
            return;
        }
        let name = self.t(ident);
        if let Some(i) = self.local(name) {
            if !std::mem::replace(&mut self.locals[i].checked, true) {
                self.locals[i].val = Val::default();
                self.changed = true;
            }
        } else if let Some(f) = self.model.field_in_scope(self.class, &name.to_ascii_lowercase())
            && !self.checked_fields.contains(&f)
        {
            self.checked_fields.push(f);
            self.changed = true;
        }
    }

    /// The text of a first argument that is an untainted string literal (a map key).
    pub(super) fn key_literal(&self, arg_nodes: &[Node<'a>], args: &[Val]) -> Option<&'a str> {
        let (node, val) = (arg_nodes.first()?, args.first()?);
        if node.kind() != "string_literal" || val.is_tainted() {
            return None;
        }
        let s = self.t(*node);
        s.get(1..s.len().saturating_sub(1))
    }

    /// Whether a type qualifier (see [`Frame::is_type_qualifier`]) names a class of Apex's
    /// `System` namespace (or one the language builds in) rather than another namespace's.
    pub(super) fn is_system_class(&self, qualifier: Node<'a>) -> bool {
        let text = self.t(qualifier).to_ascii_lowercase();
        let mut parts = text.split('.').map(str::trim);
        let first = parts.next().unwrap_or("");
        let class = match (first, parts.next()) {
            ("system", Some(c)) => c,
            (c, None) => c,
            _ => return false,
        };
        SYSTEM_CLASSES.contains(&class)
    }

    /// Whether a receiver expression is a type (`String`, `EncodingUtil`, `System.Url`) rather
    /// than a value: not a local or field, and not a call or `new`.
    pub(super) fn is_type_qualifier(&self, obj: Node<'a>) -> bool {
        match obj.kind() {
            "identifier" => {
                let name = self.t(obj);
                self.local(name).is_none()
                    && self
                        .model
                        .field_in_scope(self.class, &name.to_ascii_lowercase())
                        .is_none()
            }
            "field_access" => obj
                .field("object")
                .is_some_and(|o| o.kind() == "identifier" && self.is_type_qualifier(o)),
            _ => false,
        }
    }

    /// Project methods a call may reach.
    /// Whether `path` starts at a parameter of `callee` that is a source because `callee` is
    /// an entry point: a source for callers outside the project only, as a caller here passes
    /// its own argument (`Origin::Param`, also in the summary).
    fn starts_at_entry_param(&self, callee: MethodId, path: &crate::dataflow::Path) -> bool {
        let m = &self.model.methods[callee];
        self.spec
            .param_sources
            .is_some_and(|entry| entry(self.model, callee).is_some())
            && crate::dataflow::first_hop(path)
                .is_some_and(|h| h.file == m.file && m.params.iter().any(|q| h.span.start == q.span.start as usize))
    }

    /// Of overloads with the same arity, those whose declared parameter types do not
    /// contradict the arguments' declared types; all of them when none fits.
    pub(super) fn overloads(&self, candidates: Vec<MethodId>, arg_nodes: &[Node<'a>]) -> Vec<MethodId> {
        if candidates.len() < 2 {
            return candidates;
        }
        let arg_types: Vec<Option<String>> = arg_nodes.iter().map(|&a| self.arg_type(a)).collect();
        let fits = |&m: &MethodId| {
            self.model.methods[m]
                .params
                .iter()
                .zip(&arg_types)
                .all(|(p, a)| match (&p.ty, a) {
                    (Some(p), Some(a)) => ty_last(p) == ty_last(a),
                    _ => true,
                })
        };
        let fitting: Vec<MethodId> = candidates.iter().copied().filter(fits).collect();
        if fitting.is_empty() { candidates } else { fitting }
    }

    /// An argument's declared type when it is plain to see: a local, field or parameter, a
    /// `new` expression, a cast or a string literal.
    fn arg_type(&self, a: Node<'a>) -> Option<String> {
        match a.kind() {
            "string_literal" => Some("string".into()),
            _ => self.type_of(a),
        }
    }

    pub(super) fn targets(&self, obj: Option<Node<'a>>, name: &str, arity: usize) -> Vec<MethodId> {
        match obj {
            None => self.model.methods_in_scope(self.class, name, arity),
            Some(o) if o.kind() == "this" => self.model.methods_in_scope(self.class, name, arity),
            Some(o) => {
                let class = self.static_class(o).or_else(|| {
                    self.type_of(o)
                        .and_then(|t| self.model.resolve_class(&t, Some(self.class)))
                });
                match class {
                    Some(c) => self.model.methods_named(c, name, arity).collect(),
                    None => Vec::new(),
                }
            }
        }
    }

    pub(super) fn construct(&mut self, node: Node<'a>) -> Val {
        let ty = node.field("type").map(|t| type_key(t, self.src));
        let arg_nodes: Vec<Node<'a>> = crate::syntax::flat::arguments(node);
        let args: Vec<Val> = arg_nodes.iter().map(|&a| self.eval(a)).collect();
        let mut result = Val::default();
        // A new object holds what it was built from.
        for a in &args {
            result.join(a);
        }
        result.endpoint = None;
        if let Some(ty) = &ty {
            if let Some(class) = self.model.resolve_class(ty, Some(self.class)) {
                let ctors: Vec<MethodId> = self.model.methods_named(class, &ty_last(ty), args.len()).collect();
                let ctors = self.overloads(ctors, &arg_nodes);
                if self.spec.field_sensitive && !ctors.is_empty() {
                    // The constructor's summary says which fields its arguments go to.
                    result = Val::default();
                }
                for c in ctors {
                    self.apply(c, node, &arg_nodes, &args, None, &Val::default());
                }
            }
            let last = ty_last(ty);
            for (i, sink) in self.spec.sinks.iter().enumerate() {
                if let SinkAt::New { types, arg } = &sink.at
                    && types.contains(&last.as_str())
                    && let Some(a) = args.get(*arg)
                {
                    let endpoint = self.sink_endpoint(sink.endpoint, a, &arg_nodes);
                    self.sink(i, node, a, endpoint);
                }
            }
        }
        result
    }

    /// Applies a callee's summary at a call site; returns the call's value.
    /// Sources that reach a sink in the callee through an endpoint the caller passes: recorded
    /// here, where the endpoint argument is known.
    pub(super) fn apply_deferred(&mut self, deferred: &[Deferred], arg_nodes: &[Node<'a>]) {
        for d in deferred {
            let endpoint = match arg_nodes.get(d.param as usize) {
                Some(&a) => self.endpoint_of(a),
                None => d.endpoint.clone(),
            };
            self.record(
                Origin::Source,
                d.sink,
                d.file,
                d.span.clone(),
                d.path.clone(),
                Some(endpoint),
            );
        }
    }

    /// What `callee`'s summary says reaches a sink. A reach spec's method that calls itself
    /// (or an overload it cannot tell from itself) reaches nothing more by it: its own sinks
    /// would come back with the call's hop repeated. A method that settles what it reaches
    /// passes nothing on.
    fn callee_sinks(&self, callee: MethodId) -> Vec<ParamSink> {
        let recursive = self.spec.reach.is_some() && std::ptr::eq(&*self.model.methods[callee], self.method);
        if recursive || self.settled {
            Vec::new()
        } else {
            self.state.summaries[callee].sinks.clone()
        }
    }

    /// Records a call for the demand: a callee that a tainted value enters is followed, and
    /// for a reach spec any callee (what it does matters whatever the values).
    fn note_callee(&mut self, callee: MethodId, tainted: bool) {
        if tainted || self.spec.reach.is_some() {
            self.out.callees.push(callee);
        } else {
            self.out.light_callees.push(callee);
        }
    }

    pub(super) fn apply(
        &mut self,
        callee: MethodId,
        node: Node<'a>,
        arg_nodes: &[Node<'a>],
        args: &[Val],
        obj: Option<Node<'a>>,
        recv: &Val,
    ) -> Val {
        self.note_callee(callee, args.iter().any(Val::is_tainted) || recv.is_tainted());
        let s = &self.state.summaries[callee];
        let m = &self.model.methods[callee];
        let display = format!(
            "{}.{}",
            self.model.classes[m.class].name,
            m.display(&self.project.files[m.file].text)
        );
        let this_val = || Val {
            taint: vec![(Origin::Receiver, None)],
            endpoint: None,
            keys: None,
        };
        // What flows in through parameter `o`, with the hop that passes it.
        let incoming = |f: &Self, o: Origin| -> Val {
            match o {
                Origin::Param(i) => {
                    let Some(v) = args.get(i as usize) else {
                        return Val::default();
                    };
                    let at = arg_nodes.get(i as usize).copied().unwrap_or(node);
                    let pname = m.params.get(i as usize).map_or("?", |p| &*p.name);
                    v.with_hop(|| f.hop(at, format!("passed to `{display}` as `{pname}`")))
                }
                Origin::Receiver => match obj {
                    Some(o) if o.kind() != "this" => recv.with_hop(|| f.hop(o, format!("`{display}` called on it"))),
                    // An unqualified or `this.` call passes this method's own receiver.
                    _ if !f.method.is_static => this_val(),
                    _ => Val::default(),
                },
                Origin::Source => Val::default(),
                Origin::Always => Val {
                    taint: vec![(Origin::Always, extend(&None, f.hop(node, format!("calls `{display}`"))))],
                    endpoint: None,
                    keys: None,
                },
            }
        };
        let mut result = Val::default();
        for (o, p) in &s.ret.taint {
            let returned = |f: &Self| f.hop(node, format!("returned by `{display}`"));
            match o {
                Origin::Source if self.starts_at_entry_param(callee, p) => {}
                Origin::Source => {
                    let mut v = Val::source(extend(p, returned(self)));
                    // A map returned whole keeps the keys that hold the source.
                    v.keys.clone_from(&s.ret.keys);
                    result.join(&v);
                }
                _ => {
                    let inc = incoming(self, *o);
                    for (io, ip) in &inc.taint {
                        let path = extend(&concat(ip, p), returned(self));
                        result.join(&Val {
                            taint: vec![(*io, path)],
                            endpoint: None,
                            keys: None,
                        });
                    }
                }
            }
        }
        result.endpoint = match &s.ret.endpoint {
            // A request built on the callee's URL parameter points where our argument does.
            Some(e) if e.param.is_some() => e
                .param
                .and_then(|j| arg_nodes.get(j as usize))
                .map(|&a| self.endpoint_of(a)),
            other => other.clone(),
        };
        for ps in &self.callee_sinks(callee) {
            let inc = incoming(self, ps.origin);
            for (io, ip) in &inc.taint {
                let path = concat(ip, &ps.path);
                let endpoint = inc.endpoint.clone().or_else(|| match &ps.endpoint {
                    // The callee's endpoint is one of its parameters: our argument decides.
                    Some(e) if e.param.is_some() => {
                        let at = e.param.and_then(|j| arg_nodes.get(j as usize)).copied();
                        Some(at.map_or_else(|| e.clone(), |a| self.endpoint_of(a)))
                    }
                    other => other.clone(),
                });
                self.record(*io, ps.sink, ps.file, ps.span.clone(), path, endpoint);
            }
        }
        let deferred = s.deferred.clone();
        self.apply_deferred(&deferred, arg_nodes);
        let writes = s.field_writes.clone();
        for (f, o, p) in &writes {
            let inc = incoming(self, *o);
            let v = Val {
                taint: inc.taint.iter().map(|(io, ip)| (*io, concat(ip, p))).collect(),
                endpoint: None,
                keys: None,
            };
            let concrete = Val {
                taint: v.taint.iter().filter(|(x, _)| *x == Origin::Source).cloned().collect(),
                endpoint: None,
                keys: None,
            };
            if concrete.is_tainted() {
                self.out.field_writes.push((*f, concrete));
            }
            for (io, ip) in &v.taint {
                if *io != Origin::Source && !self.out.summary.field_writes.iter().any(|(g, x, _)| g == f && x == io) {
                    self.out.summary.field_writes.push((*f, *io, ip.clone()));
                    self.changed = true;
                }
            }
        }
        result
    }

    // ---- sinks ------------------------------------------------------------------------------
}
