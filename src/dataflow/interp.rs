//! One method, analyzed against the current summaries: the walk over statements and the
//! evaluation of expressions to tainted values.

use std::cell::{Cell, RefCell};

use crate::syntax::flat::{FlatTree, Node};

use super::model::{ClassId, FieldId, Method, MethodId, MethodKind, Model, text, type_key};
use super::url::{self, Endpoint, UrlClass};
use super::{
    Call, CallSite, Deferred, EndpointOf, Flow, Hop, MethodResult, On, Origin, ParamSink, Path, SinkAt, SourceKind,
    Spec, State, Val, concat, extend, hops,
};
use crate::diagnostics::finding::FileId;
use crate::workspace::project::Project;

/// Passes over one method body before giving up on a fixpoint (loops need a second pass).
const MAX_PASSES: usize = 6;
/// Depth of URL classification through locals, fields and calls.
const MAX_URL_DEPTH: usize = 8;

/// Classes of Apex's `System` namespace whose static methods build values from their
/// arguments (strings, encodings, collections): their results carry the arguments' taint.
const SYSTEM_CLASSES: &[&str] = &[
    "string",
    "encodingutil",
    "json",
    "blob",
    "crypto",
    "url",
    "system",
    "math",
    "integer",
    "long",
    "decimal",
    "double",
    "id",
    "date",
    "datetime",
    "time",
    "boolean",
    "list",
    "set",
    "map",
    "pattern",
    "matcher",
    "userinfo",
    "apexpages",
    "pagereference",
    "site",
    "network",
    "auth",
    "messaging",
    "httputil",
    "xmlstreamwriter",
    "dom",
    "limits",
    "test",
    "database",
    "schema",
    "label",
];

struct Local<'a> {
    /// Lower-case.
    name: String,
    ty: Option<String>,
    val: Val,
    /// Every expression assigned to it, for URL classification.
    assigned: Vec<Node<'a>>,
}

struct Frame<'a, 't> {
    project: &'a Project,
    model: &'a Model<'t>,
    spec: &'a Spec,
    state: &'a State,
    method: &'a Method,
    class: ClassId,
    file: FileId,
    src: &'a str,
    locals: Vec<Local<'a>>,
    changed: bool,
    out: MethodResult,
    /// URL classification steps left for this method: classification follows assignments,
    /// which can branch, so it is bounded.
    budget: Cell<u32>,
    /// Fields whose URL class this analysis used.
    url_reads: RefCell<Vec<FieldId>>,
    /// Locals whose URL is being classified (assignments can refer to themselves).
    visiting: RefCell<Vec<usize>>,
}

/// Classification steps per method.
const URL_BUDGET: u32 = 512;

pub(crate) fn analyze_method(
    project: &Project,
    model: &Model<'_>,
    spec: &Spec,
    state: &State,
    m: MethodId,
    again: bool,
) -> MethodResult {
    let method = &model.methods[m];
    let src = project.files[method.file].text.as_str();
    let mut f = Frame {
        project,
        model,
        spec,
        state,
        method,
        class: method.class,
        file: method.file,
        src,
        locals: Vec::new(),
        changed: false,
        out: MethodResult::default(),
        budget: Cell::new(URL_BUDGET),
        url_reads: RefCell::new(Vec::new()),
        visiting: RefCell::new(Vec::new()),
    };
    for (i, p) in method.params.iter().enumerate() {
        f.locals.push(Local {
            name: p.name.to_string(),
            ty: p.ty.as_deref().map(str::to_string),
            val: Val {
                taint: vec![(Origin::Param(i as u16), None)],
                endpoint: None,
                keys: None,
            },
            assigned: Vec::new(),
        });
    }
    // A body the project keeps only as a range is parsed for this analysis, or kept from the
    // second on.
    let parsed = if again { None } else { model.parse_body(project, m) };
    let kept = if again { model.kept_body(project, m) } else { None };
    let Some(body) = kept.or(parsed.as_ref().map(FlatTree::root_node)).or(model.body(m)) else {
        return f.out;
    };
    for _ in 0..MAX_PASSES {
        f.changed = false;
        if method.kind == MethodKind::Init && is_expression(body.kind()) {
            // A field initializer: its value is the field's.
            let v = f.eval(body);
            if let Some(field) = f.initialized_field(body) {
                f.write_field(field, &v, body);
                f.record_field_url(field, body);
            }
        } else {
            f.visit(body);
        }
        if !f.changed {
            break;
        }
    }
    f.out.callees.sort_unstable();
    f.out.callees.dedup();
    f.out.light_callees.sort_unstable();
    f.out.light_callees.dedup();
    f.out.urls_read = f.url_reads.take();
    f.out.urls_read.sort_unstable();
    f.out.urls_read.dedup();
    f.out.fields_read.sort_unstable();
    f.out.fields_read.dedup();
    f.out
}

fn is_expression(kind: &str) -> bool {
    matches!(
        kind,
        "method_invocation"
            | "assignment_expression"
            | "binary_expression"
            | "unary_expression"
            | "update_expression"
            | "ternary_expression"
            | "object_creation_expression"
            | "array_creation_expression"
            | "map_creation_expression"
            | "cast_expression"
            | "parenthesized_expression"
            | "field_access"
            | "array_access"
            | "identifier"
            | "string_literal"
            | "instanceof_expression"
            | "dml_expression"
            | "this"
    )
}

impl<'a, 't> Frame<'a, 't> {
    fn t(&self, n: Node<'_>) -> &'a str {
        text(n, self.src)
    }

    fn hop(&self, n: Node<'_>, note: impl Into<String>) -> Hop {
        Hop {
            file: self.file,
            span: n.byte_range(),
            note: note.into(),
        }
    }

    fn local(&self, name: &str) -> Option<usize> {
        self.locals.iter().position(|l| l.name.eq_ignore_ascii_case(name))
    }

    fn bind(&mut self, name_node: Node<'a>, ty: Option<String>, v: &Val, assigned: Option<Node<'a>>) {
        let name = self.t(name_node);
        let v = v.with_hop(|| self.hop(name_node, format!("stored in `{name}`")));
        let i = match self.local(name) {
            Some(i) => i,
            None => {
                self.locals.push(Local {
                    name: name.to_ascii_lowercase(),
                    ty,
                    val: Val::default(),
                    assigned: Vec::new(),
                });
                self.locals.len() - 1
            }
        };
        if self.locals[i].val.join(&v) {
            self.changed = true;
        }
        if let Some(a) = assigned
            && !self.locals[i].assigned.contains(&a)
        {
            self.locals[i].assigned.push(a);
        }
    }

    // ---- statements -------------------------------------------------------------------------

    fn visit(&mut self, node: Node<'a>) {
        match node.kind() {
            "local_variable_declaration" => {
                let ty = node.field("type").map(|t| type_key(t, self.src));
                let mut c = node.walk();
                let decls: Vec<Node<'a>> = node.children_by_field_name("declarator", &mut c).collect();
                for d in decls {
                    let Some(name) = d.field("name") else {
                        continue;
                    };
                    let (v, value) = match d.field("value") {
                        Some(value) => (self.eval(value), Some(value)),
                        None => (Val::default(), None),
                    };
                    self.bind(name, ty.clone(), &v, value);
                }
            }
            "return_statement" => {
                if let Some(e) = node.named_child(0) {
                    let v = self.eval(e);
                    let url = self.endpoint_of(e);
                    let summary = &mut self.out.summary;
                    let prev = summary.ret_url.take();
                    summary.ret_url = Endpoint::join(prev, Some(url));
                    let rv = v.with_hop(|| self.hop(node, "returned here"));
                    if self.out.summary.ret.join(&rv) {
                        self.changed = true;
                    }
                    self.return_sinks(node, &v);
                }
            }
            "enhanced_for_statement" => {
                let ty = node.field("type").map(|t| type_key(t, self.src));
                let v = node.field("value").map(|e| self.eval(e)).unwrap_or_default();
                if let Some(name) = node.field("name") {
                    self.bind(name, ty, &v, None);
                }
                if let Some(b) = node.field("body") {
                    self.visit(b);
                }
            }
            "class_declaration" | "interface_declaration" | "enum_declaration" => {}
            k if is_expression(k) => {
                self.eval(node);
            }
            _ => {
                let mut c = node.walk();
                let children: Vec<Node<'a>> = node.named_children(&mut c).collect();
                for child in children {
                    self.visit(child);
                }
            }
        }
    }

    // ---- expressions ------------------------------------------------------------------------

    fn eval(&mut self, node: Node<'a>) -> Val {
        match node.kind() {
            "parenthesized_expression" => node.named_child(0).map(|n| self.eval(n)).unwrap_or_default(),
            "cast_expression" => node.field("value").map(|n| self.eval(n)).unwrap_or_default(),
            "identifier" => self.read_name(node),
            "this" => {
                if self.method.is_static {
                    Val::default()
                } else {
                    Val {
                        taint: vec![(Origin::Receiver, None)],
                        endpoint: None,
                        keys: None,
                    }
                }
            }
            "binary_expression" => {
                let l = node.field("left").map(|n| self.eval(n)).unwrap_or_default();
                let r = node.field("right").map(|n| self.eval(n)).unwrap_or_default();
                let op = node
                    .field("operator")
                    .map(|o| self.t(o))
                    .or_else(|| {
                        let l = node.field("left")?;
                        let r = node.field("right")?;
                        self.src.get(l.end_byte()..r.start_byte()).map(str::trim)
                    })
                    .unwrap_or("");
                if op == "+" {
                    let mut v = l;
                    v.join(&r);
                    v.endpoint = None;
                    v
                } else {
                    // Comparisons and arithmetic yield flags and numbers, not the value.
                    Val::default()
                }
            }
            "ternary_expression" => {
                if let Some(c) = node.field("condition") {
                    self.eval(c);
                }
                let mut v = node.field("consequence").map(|n| self.eval(n)).unwrap_or_default();
                if let Some(a) = node.field("alternative") {
                    let a = self.eval(a);
                    v.join(&a);
                }
                v
            }
            "assignment_expression" => self.assignment(node),
            "method_invocation" => self.call(node),
            "object_creation_expression" => self.construct(node),
            "field_access" => self.read_field_access(node),
            "array_access" => {
                if let Some(i) = node.field("index") {
                    self.eval(i);
                }
                node.field("array").map(|n| self.eval(n)).unwrap_or_default()
            }
            "dml_expression" => {
                let v = node.field("target").map(|n| self.eval(n)).unwrap_or_default();
                for (i, sink) in self.spec.sinks.iter().enumerate() {
                    if matches!(sink.at, SinkAt::Dml) {
                        self.sink(i, node, &v, None);
                    }
                }
                Val::default()
            }
            "update_expression" | "unary_expression" | "instanceof_expression" => {
                let mut c = node.walk();
                let children: Vec<Node<'a>> = node.named_children(&mut c).collect();
                for child in children {
                    if is_expression(child.kind()) {
                        self.eval(child);
                    }
                }
                Val::default()
            }
            "string_literal" | "int" | "decimal" | "boolean" | "null_literal" | "query_expression" => Val::default(),
            // Collection literals, argument lists and anything else: the join of the parts.
            _ => {
                let mut v = Val::default();
                let mut c = node.walk();
                let children: Vec<Node<'a>> = node.named_children(&mut c).collect();
                for child in children {
                    if child.kind().ends_with("type") || child.kind() == "type_arguments" {
                        continue;
                    }
                    let cv = self.eval(child);
                    v.join(&cv);
                }
                v.endpoint = None;
                v
            }
        }
    }

    fn read_name(&mut self, node: Node<'a>) -> Val {
        let name = self.t(node);
        if let Some(i) = self.local(name) {
            return self.locals[i].val.clone();
        }
        match self.model.field_in_scope(self.class, &name.to_ascii_lowercase()) {
            Some(f) => self.read_field(f, node),
            None => Val::default(),
        }
    }

    fn read_field(&mut self, f: FieldId, node: Node<'a>) -> Val {
        self.out.fields_read.push(f);
        let field = &self.model.fields[f];
        let v = &self.state.fields[f];
        if !v.is_tainted() {
            return Val::default();
        }
        let name = format!("{}.{}", self.model.classes[field.class].name, field.display);
        v.with_hop(|| self.hop(node, format!("read from field `{name}`")))
    }

    fn read_field_access(&mut self, node: Node<'a>) -> Val {
        let (Some(obj), Some(fld)) = (node.field("object"), node.field("field")) else {
            return Val::default();
        };
        let fname = self.t(fld).to_ascii_lowercase();
        if obj.kind() == "this" {
            return match self.model.field_in_scope(self.class, &fname) {
                Some(f) => self.read_field(f, node),
                None => Val::default(),
            };
        }
        if let Some(class) = self.static_class(obj) {
            return match self.model.classes[class].fields.get(&fname) {
                Some(&f) => self.read_field(f, node),
                None => Val::default(),
            };
        }
        // Field-insensitive objects: reading any field of a value yields the value; a field of
        // a project class instance also yields that field's own value.
        let mut v = self.eval(obj);
        if let Some(class) = self
            .type_of(obj)
            .and_then(|t| self.model.resolve_class(&t, Some(self.class)))
            && let Some(&f) = self.model.classes[class].fields.get(&fname)
        {
            let fv = self.read_field(f, node);
            v.join(&fv);
        }
        v
    }

    /// The project class an expression names when it is used as a qualifier (`Foo.bar()`),
    /// not a value.
    fn static_class(&self, obj: Node<'a>) -> Option<ClassId> {
        match obj.kind() {
            "identifier" => {
                let name = self.t(obj);
                if self.local(name).is_some()
                    || self
                        .model
                        .field_in_scope(self.class, &name.to_ascii_lowercase())
                        .is_some()
                {
                    return None;
                }
                self.model.resolve_class(name, Some(self.class))
            }
            "field_access" => {
                let qualified: String = self.t(obj).chars().filter(|c| !c.is_whitespace()).collect();
                let root = obj.field("object")?;
                if root.kind() == "identifier" && self.local(self.t(root)).is_some() {
                    return None;
                }
                self.model.resolve_class(&qualified, Some(self.class))
            }
            _ => None,
        }
    }

    /// The lower-case declared type of a receiver expression, when known.
    fn type_of(&self, node: Node<'a>) -> Option<String> {
        match node.kind() {
            "identifier" => {
                let name = self.t(node);
                if let Some(i) = self.local(name) {
                    return self.locals[i].ty.clone();
                }
                let f = self.model.field_in_scope(self.class, &name.to_ascii_lowercase())?;
                self.model.fields[f].ty.clone()
            }
            "object_creation_expression" => node.field("type").map(|t| type_key(t, self.src)),
            "parenthesized_expression" => self.type_of(node.named_child(0)?),
            "cast_expression" => node.field("type").map(|t| type_key(t, self.src)),
            "field_access" => {
                let obj = node.field("object")?;
                let fld = node.field("field")?;
                let class = if obj.kind() == "this" {
                    Some(self.class)
                } else {
                    self.static_class(obj).or_else(|| {
                        self.type_of(obj)
                            .and_then(|t| self.model.resolve_class(&t, Some(self.class)))
                    })
                }?;
                let f = self.model.field_in_scope(class, &self.t(fld).to_ascii_lowercase())?;
                self.model.fields[f].ty.clone()
            }
            _ => None,
        }
    }

    /// The local a receiver chain is rooted at: `req` in `req.getParameters().put(...)`.
    fn root_local(&self, mut node: Node<'a>) -> Option<usize> {
        loop {
            match node.kind() {
                "identifier" => return self.local(self.t(node)),
                "field_access" | "method_invocation" => node = node.field("object")?,
                "array_access" => node = node.field("array")?,
                "parenthesized_expression" | "cast_expression" => {
                    node = node.field("value").or_else(|| node.named_child(0))?
                }
                _ => return None,
            }
        }
    }

    fn assignment(&mut self, node: Node<'a>) -> Val {
        let (Some(left), Some(right)) = (node.field("left"), node.field("right")) else {
            return Val::default();
        };
        let mut v = self.eval(right);
        let compound = node.field("operator").is_some_and(|o| self.t(o) != "=");
        if compound {
            let l = self.eval(left);
            v.join(&l);
        }
        self.assign_sinks(left, &v);
        // `url += '?x=' + y` appends: where the URL points is decided by what it appends to, so
        // the right side is not one of its URLs. (An empty start is still "built at run time".)
        let url_of = (!compound).then_some(right);
        match left.kind() {
            "identifier" => {
                let name = self.t(left);
                if let Some(i) = self.local(name) {
                    let ty = self.locals[i].ty.clone();
                    self.bind(left, ty, &v, url_of);
                } else if let Some(f) = self.model.field_in_scope(self.class, &name.to_ascii_lowercase()) {
                    self.write_field(f, &v, left);
                    if let Some(r) = url_of {
                        self.record_field_url(f, r);
                    }
                }
            }
            "field_access" => {
                let obj = left.field("object");
                let fname = left
                    .field("field")
                    .map(|f| self.t(f).to_ascii_lowercase())
                    .unwrap_or_default();
                if let Some(obj) = obj {
                    if obj.kind() == "this" {
                        if let Some(f) = self.model.field_in_scope(self.class, &fname) {
                            self.write_field(f, &v, left);
                            if let Some(r) = url_of {
                                self.record_field_url(f, r);
                            }
                        }
                    } else if let Some(class) = self.static_class(obj) {
                        if let Some(&f) = self.model.classes[class].fields.get(&fname) {
                            self.write_field(f, &v, left);
                            if let Some(r) = url_of {
                                self.record_field_url(f, r);
                            }
                        }
                    } else if let Some(i) = self.root_local(obj) {
                        let hop_name = self.t(left).to_string();
                        let mut sv = v.with_hop(|| self.hop(left, format!("stored in `{hop_name}`")));
                        if self.spec.endpoint_fields.contains(&fname.as_str()) {
                            sv.endpoint = Some(self.endpoint_of(right));
                        } else {
                            sv.endpoint = None;
                        }
                        if self.locals[i].val.join(&sv) {
                            self.changed = true;
                        }
                    }
                }
            }
            "array_access" => {
                if let Some(i) = self.root_local(left) {
                    let sv = v.with_hop(|| self.hop(left, "stored in an element"));
                    if self.locals[i].val.join(&sv) {
                        self.changed = true;
                    }
                }
            }
            _ => {}
        }
        v
    }

    fn write_field(&mut self, f: FieldId, v: &Val, at: Node<'a>) {
        if !v.is_tainted() {
            return;
        }
        let field = &self.model.fields[f];
        let name = format!("{}.{}", self.model.classes[field.class].name, field.display);
        let v = v.with_hop(|| self.hop(at, format!("stored in field `{name}`")));
        let concrete = Val {
            taint: v.taint.iter().filter(|(o, _)| *o == Origin::Source).cloned().collect(),
            endpoint: None,
            keys: None,
        };
        if concrete.is_tainted() {
            self.out.field_writes.push((f, concrete));
        }
        for (o, p) in &v.taint {
            if *o != Origin::Source && !self.out.summary.field_writes.iter().any(|(g, x, _)| *g == f && x == o) {
                self.out.summary.field_writes.push((f, *o, p.clone()));
                self.changed = true;
            }
        }
    }

    /// Remembers where a value assigned to a field points, for endpoints built from it.
    fn record_field_url(&mut self, f: FieldId, value: Node<'a>) {
        let e = self.endpoint_of(value);
        if !self
            .out
            .field_urls
            .iter()
            .any(|(g, x)| *g == f && x.class.rank() >= e.class.rank())
        {
            self.out.field_urls.push((f, e));
        }
    }

    fn initialized_field(&self, init: Node<'a>) -> Option<FieldId> {
        self.model.classes[self.class]
            .fields
            .values()
            .copied()
            .find(|&f| self.model.fields[f].init.and_then(|i| self.model.node(self.file, i)) == Some(init))
    }

    // ---- calls ------------------------------------------------------------------------------

    /// The receiver as a lower-case qualifier without whitespace (`system.userinfo`), when it is
    /// a plain name chain.
    fn qualifier(&self, obj: Node<'a>) -> Option<String> {
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

    fn matches(&self, call: &Call, name: &str, obj: Option<Node<'a>>) -> bool {
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
    fn sources_at(&mut self, node: Node<'a>, name: &str, obj: Option<Node<'a>>) -> Val {
        let mut result = Val::default();
        for s in self.spec.sources {
            let hit = match &s.kind {
                SourceKind::Call(c) => self.matches(c, name, obj).then(|| (s.note.to_string(), None)),
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

    fn call(&mut self, node: Node<'a>) -> Val {
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

        let targets = self.targets(obj, &name, args.len());
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
                    && !super::NON_VALUE_METHODS.contains(&name.as_str())
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
                if self.spec.arg_propagators.contains(&name.as_str()) {
                    for a in &args {
                        result.join(a);
                    }
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

    /// The text of a first argument that is an untainted string literal (a map key).
    fn key_literal(&self, arg_nodes: &[Node<'a>], args: &[Val]) -> Option<&'a str> {
        let (node, val) = (arg_nodes.first()?, args.first()?);
        if node.kind() != "string_literal" || val.is_tainted() {
            return None;
        }
        let s = self.t(*node);
        s.get(1..s.len().saturating_sub(1))
    }

    /// Whether a type qualifier (see [`Frame::is_type_qualifier`]) names a class of Apex's
    /// `System` namespace (or one the language builds in) rather than another namespace's.
    fn is_system_class(&self, qualifier: Node<'a>) -> bool {
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
    fn is_type_qualifier(&self, obj: Node<'a>) -> bool {
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
    fn targets(&self, obj: Option<Node<'a>>, name: &str, arity: usize) -> Vec<MethodId> {
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

    fn construct(&mut self, node: Node<'a>) -> Val {
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
    fn apply_deferred(&mut self, deferred: &[Deferred], arg_nodes: &[Node<'a>]) {
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

    fn apply(
        &mut self,
        callee: MethodId,
        node: Node<'a>,
        arg_nodes: &[Node<'a>],
        args: &[Val],
        obj: Option<Node<'a>>,
        recv: &Val,
    ) -> Val {
        let tainted = args.iter().any(Val::is_tainted) || recv.is_tainted();
        if tainted {
            self.out.callees.push(callee);
        } else {
            self.out.light_callees.push(callee);
        }
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
            }
        };
        let mut result = Val::default();
        for (o, p) in &s.ret.taint {
            let returned = |f: &Self| f.hop(node, format!("returned by `{display}`"));
            match o {
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
        let sinks = s.sinks.clone();
        for ps in &sinks {
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

    fn sink_endpoint(&mut self, of: EndpointOf, v: &Val, arg_nodes: &[Node<'a>]) -> Option<Endpoint> {
        match of {
            EndpointOf::None => None,
            EndpointOf::Value => v.endpoint.clone(),
            EndpointOf::Arg(i) => arg_nodes.get(i).map(|&a| self.endpoint_of(a)),
            EndpointOf::ArgListFirst(i) => {
                let list = arg_nodes.get(i)?;
                let first = first_element(*list).unwrap_or(*list);
                Some(self.endpoint_of(first))
            }
        }
    }

    fn sink(&mut self, sink: usize, at: Node<'a>, v: &Val, endpoint: Option<Endpoint>) {
        for (o, p) in v.taint.clone() {
            self.record(o, sink, self.file, at.byte_range(), p, endpoint.clone());
        }
    }

    fn record(
        &mut self,
        origin: Origin,
        sink: usize,
        file: FileId,
        span: std::ops::Range<usize>,
        path: Path,
        endpoint: Option<Endpoint>,
    ) {
        match origin {
            Origin::Source => {
                if let Some(e) = &endpoint
                    && let Some(param) = e.param
                {
                    let known = self
                        .out
                        .summary
                        .deferred
                        .iter()
                        .any(|d| d.sink == sink && d.file == file && d.span == span && d.param == param);
                    if !known {
                        self.out.summary.deferred.push(super::Deferred {
                            param,
                            sink,
                            file,
                            span,
                            path,
                            endpoint: e.clone(),
                        });
                        self.changed = true;
                    }
                    return;
                }
                let rank = |e: &Option<Endpoint>| e.as_ref().map_or(1, |e| e.class.rank());
                match self
                    .out
                    .flows
                    .iter_mut()
                    .find(|f| f.sink == sink && f.file == file && f.span == span)
                {
                    // Keep the least trusted destination seen for this sink.
                    Some(f) if rank(&endpoint) > rank(&f.endpoint) => f.endpoint = endpoint,
                    Some(_) => {}
                    None => self.out.flows.push(Flow {
                        sink,
                        file,
                        span,
                        path: hops(&path),
                        endpoint,
                    }),
                }
            }
            _ => {
                let known = self
                    .out
                    .summary
                    .sinks
                    .iter()
                    .any(|s| s.origin == origin && s.sink == sink && s.file == file && s.span == span);
                if !known {
                    self.out.summary.sinks.push(ParamSink {
                        origin,
                        sink,
                        file,
                        span,
                        path,
                        endpoint,
                    });
                    self.changed = true;
                }
            }
        }
    }

    fn return_sinks(&mut self, node: Node<'a>, v: &Val) {
        let m = self.method;
        let class_rest = self.model.classes[self.class]
            .annotations
            .iter()
            .any(|a| a == "restresource");
        for (i, sink) in self.spec.sinks.iter().enumerate() {
            if let SinkAt::Return {
                annotations,
                webservice,
            } = &sink.at
            {
                let annotated = m
                    .annotations
                    .iter()
                    .any(|a| annotations.contains(&&**a) && (!a.starts_with("http") || class_rest));
                if annotated || (*webservice && m.webservice) {
                    self.sink(i, node, v, None);
                }
            }
        }
    }

    fn assign_sinks(&mut self, left: Node<'a>, v: &Val) {
        if !v.is_tainted() {
            return;
        }
        let target: String = self
            .t(left)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        for (i, sink) in self.spec.sinks.iter().enumerate() {
            if let SinkAt::Assign { target: want } = &sink.at
                && target.starts_with(want)
            {
                self.sink(i, left, v, None);
            }
        }
    }

    // ---- URLs -------------------------------------------------------------------------------

    fn endpoint_of(&self, node: Node<'a>) -> Endpoint {
        let param = self.url_param(node, 0);
        let class = match param {
            Some(i) => {
                let name = self.method.params.get(i as usize).map_or("?", |p| p.display(self.src));
                UrlClass::Unknown(format!("it comes from the parameter `{name}`"))
            }
            None => self.classify(node, 0),
        };
        Endpoint {
            class,
            file: self.file,
            span: node.byte_range(),
            param,
        }
    }

    /// The parameter a URL expression is built on (its leftmost part), if any: `url`,
    /// `url.trim()`, `url + '/x'`, a local assigned only from those.
    fn url_param(&self, node: Node<'a>, depth: usize) -> Option<u16> {
        if depth > MAX_URL_DEPTH {
            return None;
        }
        match node.kind() {
            "parenthesized_expression" => self.url_param(node.named_child(0)?, depth + 1),
            "cast_expression" => self.url_param(node.field("value")?, depth + 1),
            "binary_expression" => {
                let left = node.field("left")?;
                if url::is_scheme_only(self.t(left)) {
                    return None;
                }
                self.url_param(left, depth + 1)
            }
            "method_invocation" => {
                let obj = node.field("object")?;
                if self.is_type_qualifier(obj) {
                    return None;
                }
                self.url_param(obj, depth + 1)
            }
            "identifier" => {
                let i = self.local(self.t(node))?;
                let local = &self.locals[i];
                let p = self.method.params.iter().position(|p| *p.name == local.name);
                // Inside its own assignment (`url = url.trim()`) a local is what it was.
                if self.visiting.borrow().contains(&i) {
                    return p.map(|p| p as u16);
                }
                self.visiting.borrow_mut().push(i);
                let result = match p {
                    // A parameter reassigned from itself (`url = url.trim()`) is still it.
                    Some(p) => local
                        .assigned
                        .iter()
                        .all(|&a| self.url_param(a, depth + 1) == Some(p as u16))
                        .then_some(p as u16),
                    None if !local.assigned.is_empty() => {
                        // No `?` here: the guard below must be popped.
                        let first = self.url_param(local.assigned[0], depth + 1);
                        first.filter(|&f| {
                            local.assigned[1..]
                                .iter()
                                .all(|&a| self.url_param(a, depth + 1) == Some(f))
                        })
                    }
                    None => None,
                };
                self.visiting.borrow_mut().retain(|&v| v != i);
                result
            }
            _ => None,
        }
    }

    /// Where a URL expression points; a concatenation is decided by its leftmost part.
    fn classify(&self, node: Node<'a>, depth: usize) -> UrlClass {
        let left = self.budget.get();
        if left == 0 {
            return UrlClass::Unknown("the URL is built too indirectly to follow".into());
        }
        self.budget.set(left - 1);
        if depth > MAX_URL_DEPTH {
            return UrlClass::Unknown("the URL is built too indirectly to follow".into());
        }
        match node.kind() {
            "string_literal" => {
                let s = self.t(node);
                url::classify_literal(s.get(1..s.len().saturating_sub(1)).unwrap_or(""))
            }
            "binary_expression" if node.field("left").is_some_and(|l| url::is_scheme_only(self.t(l))) => {
                // `'https://' + host + ...`: the host decides.
                match node.field("right") {
                    Some(r) => self.classify(r, depth + 1),
                    None => UrlClass::Unknown("the URL is built at run time".into()),
                }
            }
            "binary_expression" | "parenthesized_expression" | "cast_expression" => {
                // Down to the leftmost part of a `+` chain in one step, however long the chain.
                let mut cur = node;
                while matches!(
                    cur.kind(),
                    "binary_expression" | "parenthesized_expression" | "cast_expression"
                ) {
                    if cur.kind() == "binary_expression"
                        && cur.field("left").is_some_and(|l| url::is_scheme_only(self.t(l)))
                    {
                        return self.classify(cur, depth + 1);
                    }
                    match cur
                        .field("left")
                        .or_else(|| cur.field("value"))
                        .or_else(|| cur.named_child(0))
                    {
                        Some(n) => cur = n,
                        None => return UrlClass::Unknown("the URL is built at run time".into()),
                    }
                }
                self.classify(cur, depth + 1)
            }
            "ternary_expression" => {
                let a = node.field("consequence").map(|n| self.classify(n, depth + 1));
                let b = node.field("alternative").map(|n| self.classify(n, depth + 1));
                match (a, b) {
                    (Some(a), Some(b)) => {
                        if b.rank() > a.rank() {
                            b
                        } else {
                            a
                        }
                    }
                    (a, b) => a.or(b).unwrap_or(UrlClass::Unknown("a conditional".into())),
                }
            }
            "identifier" => {
                let name = self.t(node);
                if let Some(i) = self.local(name) {
                    let local = &self.locals[i];
                    let param = self.method.params.iter().find(|p| *p.name == local.name);
                    if let Some(p) = param
                        && (local.assigned.is_empty() || self.visiting.borrow().contains(&i))
                    {
                        return UrlClass::Unknown(format!("it comes from the parameter `{}`", p.display(self.src)));
                    }
                    if self.visiting.borrow().contains(&i) {
                        return UrlClass::Unknown(format!("`{name}` is built from itself"));
                    }
                    self.visiting.borrow_mut().push(i);
                    let c = self.join_classes(&local.assigned, depth, name);
                    self.visiting.borrow_mut().retain(|&v| v != i);
                    return c;
                }
                match self.model.field_in_scope(self.class, &name.to_ascii_lowercase()) {
                    Some(f) => self.classify_field(f),
                    None => UrlClass::Unknown(format!("`{name}` is not defined in this project")),
                }
            }
            "field_access" => {
                let (Some(obj), Some(fld)) = (node.field("object"), node.field("field")) else {
                    return UrlClass::Unknown("the URL is built at run time".into());
                };
                let fname = self.t(fld).to_ascii_lowercase();
                let class = if obj.kind() == "this" {
                    Some(self.class)
                } else {
                    self.static_class(obj)
                };
                if let Some(c) = class
                    && let Some(f) = self.model.field_in_scope(c, &fname)
                {
                    return self.classify_field(f);
                }
                UrlClass::Unknown(format!("it is read from `{}`", self.t(node)))
            }
            "method_invocation" => {
                let obj = node.field("object");
                let name = node
                    .field("name")
                    .map(|n| self.t(n).to_ascii_lowercase())
                    .unwrap_or_default();
                let whole: String = self.t(node).chars().filter(|c| !c.is_whitespace()).collect();
                // The Host header of the current request names this org's own domain.
                if whole.eq_ignore_ascii_case("ApexPages.currentPage().getHeaders().get('Host')") {
                    return UrlClass::SameOrg;
                }
                if let Some(o) = obj
                    && let Some(q) = self.qualifier(o)
                {
                    let full = format!("{q}.{name}");
                    if url::ORG_URL_CALLS.contains(&full.as_str()) {
                        return UrlClass::SameOrg;
                    }
                    if matches!(q.as_str(), "string" | "system.string")
                        && matches!(name.as_str(), "format" | "valueof" | "join")
                        && let Some(first) = node.field("arguments").and_then(|a| a.named_child(0))
                    {
                        return self.classify(first, depth + 1);
                    }
                }
                let arity = node.field("arguments").map_or(0, |a| a.named_child_count());
                let targets = self.targets(obj, &name, arity);
                if !targets.is_empty() {
                    let mut best: Option<UrlClass> = None;
                    for t in targets {
                        let c = self.state.summaries[t]
                            .ret_url
                            .as_ref()
                            .map_or(UrlClass::Unknown("a method without a known URL".into()), |e| {
                                e.class.clone()
                            });
                        best = Some(match best {
                            Some(b) if b.rank() >= c.rank() => b,
                            _ => c,
                        });
                    }
                    return best.unwrap_or(UrlClass::Unknown("a method call".into()));
                }
                // A method called on a URL keeps its host (`toExternalForm()`, `getHost()`).
                match obj {
                    Some(o) if !self.is_type_qualifier(o) => self.classify(o, depth + 1),
                    _ => UrlClass::Unknown(format!("it is computed by `{}`", self.t(node))),
                }
            }
            "object_creation_expression" => {
                // `new Url(base, path)`, `new PageReference(url)`: the first argument decides.
                match node.field("arguments").and_then(|a| a.named_child(0)) {
                    Some(a) => self.classify(a, depth + 1),
                    None => UrlClass::Unknown("the URL is built at run time".into()),
                }
            }
            _ => UrlClass::Unknown("the URL is built at run time".into()),
        }
    }

    fn join_classes(&self, nodes: &[Node<'a>], depth: usize, name: &str) -> UrlClass {
        let mut best: Option<UrlClass> = None;
        for &n in nodes {
            let c = self.classify(n, depth + 1);
            best = Some(match best {
                Some(b) if b.rank() >= c.rank() => b,
                _ => c,
            });
        }
        best.unwrap_or_else(|| UrlClass::Unknown(format!("`{name}` is never assigned here")))
    }

    /// The join of what every assignment and initializer of the field points to (as of the
    /// previous round; a change re-analyzes this method).
    fn classify_field(&self, f: FieldId) -> UrlClass {
        self.url_reads.borrow_mut().push(f);
        let field = &self.model.fields[f];
        match &self.state.field_urls[f] {
            Some(e) => e.class.clone(),
            None => UrlClass::Unknown(format!(
                "it is read from the field `{}`, set at run time",
                field.display
            )),
        }
    }
}

fn ty_last(ty: &str) -> String {
    ty.rsplit('.').next().unwrap_or(ty).to_string()
}

/// The first element of a list literal (`new String[]{endpoint_x, ...}`).
fn first_element(node: Node<'_>) -> Option<Node<'_>> {
    let init = node.field("value")?;
    init.named_child(0)
}
