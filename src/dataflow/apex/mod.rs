//! The Apex interpreter: one method, analyzed against the current summaries. This file holds
//! the frame, the walk over statements and the evaluation of expressions to tainted values;
//! [`assign`], [`calls`], [`sinks`] and [`urls`] hold the rest of the frame's methods.

use std::cell::{Cell, RefCell};

mod assign;
mod calls;
pub(crate) mod owned;
mod sinks;
mod urls;

use crate::syntax::flat::Node;

use super::model::{ClassId, FieldId, Method, MethodId, MethodKind, Model, text, type_key};
use super::url::Endpoint;
use super::{Deferred, Hop, MethodResult, Origin, SinkAt, Spec, State, Val};
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
    /// Where it is declared (its name's offset) and the text it is visible in: two loops'
    /// variables of the same name are two locals. A parameter is visible everywhere.
    decl: usize,
    scope: std::ops::Range<usize>,
    /// Passed to an allow-list test ([`super::Spec::checks`]): clean from then on.
    checked: bool,
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
    /// For a reach spec: whether this method settles what it reaches ([`crate::dataflow::Reach::settles`]).
    settled: bool,
    /// Fields of the class this method checks or sanitizes in place (`f = String.escapeSingleQuotes(f)`),
    /// clean in this method as a checked local is.
    checked_fields: Vec<FieldId>,
    /// The offset of the node being evaluated: a name resolves to the local declared in scope
    /// there.
    at: Cell<usize>,
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
        checked_fields: Vec::new(),
        settled: false,
        at: Cell::new(0),
        changed: false,
        out: MethodResult::default(),
        budget: Cell::new(URL_BUDGET),
        url_reads: RefCell::new(Vec::new()),
        visiting: RefCell::new(Vec::new()),
    };
    let entry = spec.param_sources.and_then(|is_entry| is_entry(model, m));
    for (i, p) in method.params.iter().enumerate() {
        let mut val = Val::default();
        if !spec.is_clean_type(p.ty.as_deref()) {
            val.taint.push((Origin::Param(i as u16), None));
            if let Some(note) = entry {
                let hop = Hop {
                    file: method.file,
                    span: p.span.start as usize..p.span.end as usize,
                    note: format!("`{}` {note}", p.display(src)),
                };
                val.taint.push((Origin::Source, super::extend(&None, hop)));
            }
        }
        f.locals.push(Local {
            name: p.name.to_string(),
            decl: 0,
            scope: 0..usize::MAX,
            checked: false,
            ty: p.ty.as_deref().map(str::to_string),
            val,
            assigned: Vec::new(),
        });
    }
    // A body the project keeps only as a range is parsed at its first analysis and kept for
    // the next ones, of this spec and the others (bench/NOTES.md#shared-bodies).
    let Some(body) = model.kept_body(project, m).or(model.body(m)) else {
        return f.out;
    };
    f.settled = state.settled.get(m).copied().unwrap_or(false);
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

    /// The local `name` names where the node being evaluated is: of those declared so, the
    /// innermost declared before it whose scope holds it.
    fn local(&self, name: &str) -> Option<usize> {
        let at = self.at.get();
        let mut best: Option<usize> = None;
        for (i, l) in self.locals.iter().enumerate() {
            if !l.name.eq_ignore_ascii_case(name) {
                continue;
            }
            let fits = |l: &Local<'_>| l.scope.contains(&at) && l.decl <= at;
            best = match best {
                None => Some(i),
                Some(b) if fits(l) && (!fits(&self.locals[b]) || l.decl >= self.locals[b].decl) => Some(i),
                keep => keep,
            };
        }
        best
    }

    /// Declares the local `name_node` names, visible in `scope`, once per declaration.
    fn declare(&mut self, name_node: Node<'a>, ty: Option<String>, scope: std::ops::Range<usize>) {
        let decl = name_node.start_byte();
        let name = self.t(name_node);
        if self
            .locals
            .iter()
            .any(|l| l.decl == decl && l.name.eq_ignore_ascii_case(name))
        {
            return;
        }
        self.locals.push(Local {
            name: name.to_ascii_lowercase(),
            decl,
            scope,
            checked: false,
            ty,
            val: Val::default(),
            assigned: Vec::new(),
        });
    }

    fn bind(&mut self, name_node: Node<'a>, ty: Option<String>, v: &Val, assigned: Option<Node<'a>>) {
        self.at.set(name_node.start_byte());
        let name = self.t(name_node);
        let clean = self.spec.is_clean_type(ty.as_deref());
        let v = if clean {
            Val::default()
        } else {
            v.with_hop(|| self.hop(name_node, format!("stored in `{name}`")))
        };
        let i = match self.local(name) {
            // A declaration's type replaces the one of a name declared before it.
            Some(i) => {
                if ty.is_some() {
                    self.locals[i].ty = ty;
                }
                i
            }
            None => {
                self.locals.push(Local {
                    name: name.to_ascii_lowercase(),
                    decl: 0,
                    scope: 0..usize::MAX,
                    checked: false,
                    ty,
                    val: Val::default(),
                    assigned: Vec::new(),
                });
                self.locals.len() - 1
            }
        };
        // A local declared with a clean type stays clean, whatever is assigned to it later.
        if !clean
            && !self.locals[i].checked
            && !self.spec.is_clean_type(self.locals[i].ty.as_deref())
            && self.locals[i].val.join(&v)
        {
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
                let scope = node.parent().map_or(0..usize::MAX, |p| p.byte_range());
                for d in decls {
                    let Some(name) = d.field("name") else {
                        continue;
                    };
                    self.declare(name, ty.clone(), scope.clone());
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
                    self.declare(name, ty.clone(), node.byte_range());
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
        self.at.set(node.start_byte());
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
            "query_expression" => {
                for (i, sink) in self.spec.sinks.iter().enumerate() {
                    if matches!(sink.at, SinkAt::Query) {
                        self.sink(i, node, &Val::default(), None);
                    }
                }
                Val::default()
            }
            "string_literal" | "int" | "decimal" | "boolean" | "null_literal" => Val::default(),
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
            if self.locals[i].checked {
                return Val::default();
            }
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
        if !v.is_tainted() || self.spec.is_clean_type(field.ty.as_deref()) || self.checked_fields.contains(&f) {
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
        if let Some(v) = self.static_source(node) {
            return v;
        }
        // `page.getParameters` without its parentheses (not Apex, but rule suites write it):
        // read as the call.
        if fname.starts_with("get") {
            let v = self.sources_at(node, &fname, Some(obj));
            if v.is_tainted() {
                return v;
            }
        }
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

    /// A read of a static property that is a source ([`super::SourceKind::Static`]), unless
    /// the name is the project's own (a local, a field, a class).
    fn static_source(&self, node: Node<'a>) -> Option<Val> {
        if !self
            .spec
            .sources
            .iter()
            .any(|s| matches!(s.kind, super::SourceKind::Static(_) | super::SourceKind::StaticWhen(..)))
        {
            return None;
        }
        let q = self.qualifier(node)?;
        let root = node.field("object")?;
        // `RestContext` may be a project class's or a local's name.
        if root.kind() == "identifier" && (self.local(self.t(root)).is_some() || self.static_class(root).is_some()) {
            return None;
        }
        let named = |name: &str| name == q || q.strip_prefix("system.") == Some(name);
        let note = self.spec.sources.iter().find_map(|s| match s.kind {
            super::SourceKind::Static(name) if named(name) => Some(s.note),
            super::SourceKind::StaticWhen(name, when)
                if named(name) && when(self.model, self.class, node, self.src) =>
            {
                Some(s.note)
            }
            _ => None,
        })?;
        Some(Val::source(super::extend(&None, self.hop(node, note))))
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
}

fn ty_last(ty: &str) -> String {
    ty.rsplit('.').next().unwrap_or(ty).to_string()
}

/// The first element of a list literal (`new String[]{endpoint_x, ...}`).
fn first_element(node: Node<'_>) -> Option<Node<'_>> {
    let init = node.field("value")?;
    init.named_child(0)
}
