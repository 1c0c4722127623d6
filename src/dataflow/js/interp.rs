//! The interpreter's state and its evaluation of expressions, statements and bindings; calls
//! are in [`super::calls`], URL classification in [`super::classify`].

use std::collections::HashMap;
use std::ops::Range;

use tree_sitter::Node;

use super::{MAX_PASSES, ScriptFlow, ScriptSpec};
use crate::dataflow::markup::Controllers;
use crate::dataflow::url::UrlClass;
use crate::dataflow::{Analysis, Hop, Returns};
use crate::diagnostics::finding::FileId;
use crate::syntax::tree::NodeExt;

/// What an expression holds: the source (with its path), an Apex method handle, where a URL
/// points.
#[derive(Clone, Default)]
pub(super) struct JVal<'r> {
    /// Source first; `None` when clean.
    pub(super) path: Option<Vec<Hop>>,
    /// An Apex method handle (LWC import, Aura action or response) that yields the source.
    pub(super) apex: Option<&'r Returns>,
    pub(super) endpoint: Option<(UrlClass, Range<usize>)>,
}

impl<'r> JVal<'r> {
    pub(super) fn join(&mut self, o: &JVal<'r>) -> bool {
        let mut changed = false;
        if self.path.is_none() && o.path.is_some() {
            self.path = o.path.clone();
            changed = true;
        }
        if self.apex.is_none() && o.apex.is_some() {
            self.apex = o.apex;
            changed = true;
        }
        if let Some((c, s)) = &o.endpoint
            && self.endpoint.as_ref().is_none_or(|(m, _)| c.rank() > m.rank())
        {
            self.endpoint = Some((c.clone(), s.clone()));
            changed = true;
        }
        changed
    }
    pub(super) fn tainted(&self) -> bool {
        self.path.is_some()
    }
    pub(super) fn with_hop(&self, hop: impl FnOnce() -> Hop) -> JVal<'r> {
        let mut v = self.clone();
        if let Some(p) = &mut v.path {
            p.push(hop());
        }
        v
    }
}

pub(super) struct Script<'a, 'r> {
    pub(super) file: FileId,
    /// The file's text; tree offsets plus `base` index into it.
    pub(super) text: &'a str,
    pub(super) base: usize,
    /// The source's merge fields (file offsets), for Visualforce scripts.
    pub(super) markers: &'a [Range<usize>],
    /// Imported or action names that stand for an Apex method returning the source.
    pub(super) handles: HashMap<String, &'r Returns>,
    pub(super) vars: HashMap<String, JVal<'r>>,
    pub(super) assigned: HashMap<String, Vec<Node<'a>>>,
    pub(super) changed: bool,
    pub(super) out: Vec<ScriptFlow>,
    /// The Aura controller class, for `c.method` actions.
    pub(super) aura_controller: Option<String>,
    /// The Visualforce controllers, for `{!property}` merge fields in URLs.
    pub(super) controllers: Controllers<'r>,
    pub(super) analysis: &'r Analysis,
    pub(super) spec: &'r ScriptSpec,
    /// Functions defined in this file (declarations, object-literal and class methods), by
    /// name, with their parameter patterns: calls bind arguments to them.
    pub(super) fn_params: HashMap<String, Vec<Node<'a>>>,
    /// Tainted arguments of `helper.f(...)` calls, for the Aura bundle's helper.
    pub(super) helper_calls: Vec<(String, usize, JVal<'r>)>,
    /// Tainted values given to Aura attributes: `cmp.set('v.url', value)`.
    pub(super) aura_attrs: Vec<AuraAttr<'a, 'r>>,
}

pub(super) struct AuraAttr<'a, 'r> {
    pub(super) name: String,
    pub(super) value: JVal<'r>,
    /// The `cmp.set(...)` call and the value expression.
    pub(super) call: Node<'a>,
    pub(super) value_node: Node<'a>,
}

pub(super) fn is_expression(kind: &str) -> bool {
    matches!(
        kind,
        "call_expression"
            | "assignment_expression"
            | "augmented_assignment_expression"
            | "new_expression"
            | "await_expression"
            | "binary_expression"
            | "member_expression"
            | "ternary_expression"
            | "parenthesized_expression"
            | "arrow_function"
            | "function_expression"
            | "template_string"
            | "unary_expression"
    )
}

impl<'a, 'r> Script<'a, 'r> {
    pub(super) fn new(
        file: FileId,
        text: &'a str,
        base: usize,
        markers: &'a [Range<usize>],
        analysis: &'r Analysis,
        spec: &'r ScriptSpec,
    ) -> Self {
        Script {
            file,
            text,
            base,
            markers,
            handles: HashMap::new(),
            vars: HashMap::new(),
            assigned: HashMap::new(),
            changed: false,
            out: Vec::new(),
            aura_controller: None,
            controllers: Controllers::default(),
            analysis,
            spec,
            fn_params: HashMap::new(),
            helper_calls: Vec::new(),
            aura_attrs: Vec::new(),
        }
    }

    pub(super) fn span(&self, n: Node<'_>) -> Range<usize> {
        self.base + n.start_byte()..self.base + n.end_byte()
    }
    pub(super) fn t(&self, n: Node<'_>) -> &'a str {
        self.text.get(self.span(n)).unwrap_or("")
    }
    pub(super) fn hop(&self, n: Node<'_>, note: impl Into<String>) -> Hop {
        Hop {
            file: self.file,
            span: self.span(n),
            note: note.into(),
        }
    }

    pub(super) fn run(&mut self, root: Node<'a>) {
        self.run_seeded(root, &[]);
    }

    /// Runs with tainted arguments for this file's functions (`(function, index, value)`).
    pub(super) fn run_seeded(&mut self, root: Node<'a>, seeds: &[(String, usize, JVal<'r>)]) {
        self.imports(root);
        self.functions(root);
        for (name, i, v) in seeds {
            if let Some(p) = self.fn_params.get(name).and_then(|ps| ps.get(*i)).copied() {
                self.bind_pattern(p, v, None);
            }
        }
        for _ in 0..MAX_PASSES {
            self.changed = false;
            self.visit(root);
            if !self.changed {
                break;
            }
        }
    }

    /// Collects the functions this file defines, with their parameters.
    pub(super) fn functions(&mut self, root: Node<'a>) {
        crate::syntax::tree::preorder(root, |n| {
            let def = match n.kind() {
                "function_declaration" | "method_definition" => n.field("name").zip(Some(n)),
                "pair" => n
                    .field("key")
                    .zip(n.field("value"))
                    .filter(|(_, v)| matches!(v.kind(), "function_expression" | "arrow_function")),
                "variable_declarator" => n
                    .field("name")
                    .zip(n.field("value"))
                    .filter(|(_, v)| matches!(v.kind(), "function_expression" | "arrow_function")),
                _ => None,
            };
            if let Some((name, f)) = def {
                let params = params_of(f);
                let key = self.t(name).trim_matches(['\'', '"']).to_string();
                self.fn_params.entry(key).or_insert(params);
            }
            true
        });
    }

    /// `import name from '@salesforce/apex/[ns.]Class.method'` of a method that returns the source.
    pub(super) fn imports(&mut self, root: Node<'a>) {
        let mut c = root.walk();
        for stmt in root.named_children(&mut c) {
            if stmt.kind() != "import_statement" {
                continue;
            }
            let Some(source) = stmt.field("source") else {
                continue;
            };
            let module = self.t(source).trim_matches(['\'', '"', '`']);
            let Some(target) = module.strip_prefix("@salesforce/apex/") else {
                continue;
            };
            let mut parts = target.rsplit('.');
            let (Some(method), Some(class)) = (parts.next(), parts.next()) else {
                continue;
            };
            let Some(ret) = self.analysis.returning(class, method) else {
                continue;
            };
            let mut ic = stmt.walk();
            for clause in stmt.named_children(&mut ic) {
                if clause.kind() == "import_clause"
                    && let Some(name) = clause.named_child(0).filter(|n| n.kind() == "identifier")
                {
                    self.handles.insert(self.t(name).to_string(), ret);
                }
            }
        }
    }

    pub(super) fn bind_name(&mut self, name: &str, v: &JVal<'r>, value: Option<Node<'a>>) {
        let entry = self.vars.entry(name.to_string()).or_default();
        if entry.join(v) {
            self.changed = true;
        }
        if let Some(value) = value {
            let list = self.assigned.entry(name.to_string()).or_default();
            if !list.contains(&value) {
                list.push(value);
            }
        }
    }

    /// Binds every identifier of a pattern (`x`, `{ data }`, `[a, b]`) to `v`.
    pub(super) fn bind_pattern(&mut self, pat: Node<'a>, v: &JVal<'r>, value: Option<Node<'a>>) {
        match pat.kind() {
            "identifier" | "shorthand_property_identifier_pattern" => {
                let name = self.t(pat);
                let v = v.with_hop(|| self.hop(pat, format!("stored in `{name}`")));
                self.bind_name(name, &v, value);
            }
            _ => {
                let mut c = pat.walk();
                let kids: Vec<Node<'a>> = pat.named_children(&mut c).collect();
                for k in kids {
                    if k.kind() != "property_identifier" {
                        self.bind_pattern(k, v, None);
                    }
                }
            }
        }
    }

    pub(super) fn visit(&mut self, node: Node<'a>) {
        match node.kind() {
            "variable_declarator" => {
                let v = node.field("value").map(|n| self.eval(n)).unwrap_or_default();
                if let Some(name) = node.field("name") {
                    self.bind_pattern(name, &v, node.field("value"));
                }
            }
            "field_definition" | "method_definition" => {
                self.wire(node);
                // `bridgeUrl = 'https://...';` in an LWC class.
                if node.kind() == "field_definition"
                    && let (Some(p), Some(v)) = (node.field("property"), node.field("value"))
                {
                    let key = format!("this.{}", self.t(p));
                    let val = self.eval(v);
                    self.bind_name(&key, &val, Some(v));
                }
                let mut c = node.walk();
                let kids: Vec<Node<'a>> = node.named_children(&mut c).collect();
                for k in kids {
                    if k.kind() != "decorator" {
                        self.visit(k);
                    }
                }
            }
            "import_statement" => {}
            k if is_expression(k) => {
                self.eval(node);
            }
            _ => {
                let mut c = node.walk();
                let kids: Vec<Node<'a>> = node.named_children(&mut c).collect();
                for k in kids {
                    self.visit(k);
                }
            }
        }
    }

    /// `@wire(getSession) prop;` and `@wire(getSession) handler({ data }) {...}`.
    pub(super) fn wire(&mut self, member: Node<'a>) {
        let mut c = member.walk();
        let Some(dec) = member.children_by_field_name("decorator", &mut c).find(|d| {
            d.named_child(0)
                .and_then(|call| call.field("function"))
                .is_some_and(|f| self.t(f) == "wire")
        }) else {
            return;
        };
        let Some(arg) = dec
            .named_child(0)
            .and_then(|call| call.field("arguments"))
            .and_then(|a| a.named_child(0))
        else {
            return;
        };
        let Some(&ret) = self.handles.get(self.t(arg)) else {
            return;
        };
        let v = self.apex_result(ret, dec);
        if member.kind() == "field_definition" {
            if let Some(p) = member.field("property") {
                let key = format!("this.{}", self.t(p));
                let v = v.with_hop(|| self.hop(p, format!("stored in `{key}`")));
                self.bind_name(&key, &v, None);
            }
        } else if let Some(first) = member.field("parameters").and_then(|p| p.named_child(0)) {
            self.bind_pattern(first, &v, None);
        }
    }

    /// The value an Apex method returns, with the path inside Apex and this call.
    pub(super) fn apex_result(&self, ret: &Returns, at: Node<'_>) -> JVal<'r> {
        let mut path = ret.path.clone();
        path.push(self.hop(at, format!("returned to JavaScript by Apex `{}`", ret.display)));
        JVal {
            path: Some(path),
            apex: None,
            endpoint: None,
        }
    }

    pub(super) fn marker_in(&self, n: Node<'_>) -> Option<Range<usize>> {
        let span = self.span(n);
        self.markers
            .iter()
            .find(|m| m.start >= span.start && m.end <= span.end)
            .cloned()
    }

    pub(super) fn eval(&mut self, node: Node<'a>) -> JVal<'r> {
        match node.kind() {
            "identifier" => {
                let name = self.t(node);
                if let Some(&ret) = self.handles.get(name) {
                    return JVal {
                        path: None,
                        apex: Some(ret),
                        endpoint: None,
                    };
                }
                if let Some(m) = self.marker_in(node) {
                    return self.marker_source(m);
                }
                self.vars.get(name).cloned().unwrap_or_default()
            }
            "string" => match self.marker_in(node) {
                Some(m) => self.marker_source(m),
                None => JVal::default(),
            },
            "template_string" => self.template(node),
            "binary_expression" => {
                let l = node.field("left").map(|n| self.eval(n)).unwrap_or_default();
                let r = node.field("right").map(|n| self.eval(n)).unwrap_or_default();
                let op = node.field("operator").map_or("", |o| self.t(o));
                if matches!(op, "+" | "||" | "??" | "&&") {
                    let mut v = l;
                    v.join(&r);
                    v.endpoint = None;
                    v
                } else {
                    JVal::default()
                }
            }
            "ternary_expression" => {
                let mut v = node.field("consequence").map(|n| self.eval(n)).unwrap_or_default();
                if let Some(a) = node.field("alternative") {
                    let a = self.eval(a);
                    v.join(&a);
                }
                v
            }
            "parenthesized_expression" | "await_expression" | "spread_element" => {
                node.named_child(0).map(|n| self.eval(n)).unwrap_or_default()
            }
            "member_expression" => {
                let (Some(obj), Some(prop)) = (node.field("object"), node.field("property")) else {
                    return JVal::default();
                };
                if obj.kind() == "this" {
                    let key = format!("this.{}", self.t(prop));
                    return self.vars.get(&key).cloned().unwrap_or_default();
                }
                let mut v = self.eval(obj);
                v.apex = None;
                v.endpoint = None;
                v
            }
            "subscript_expression" => node.field("object").map(|n| self.eval(n)).unwrap_or_default(),
            "assignment_expression" | "augmented_assignment_expression" => self.assignment(node),
            "call_expression" => self.call(node),
            "new_expression" => self.construct(node),
            "arrow_function" | "function_expression" | "function" | "function_declaration" => {
                if let Some(b) = node.field("body") {
                    if is_expression(b.kind()) || b.kind() == "identifier" {
                        self.eval(b);
                    } else {
                        self.visit(b);
                    }
                }
                JVal::default()
            }
            "shorthand_property_identifier" => self.vars.get(self.t(node)).cloned().unwrap_or_default(),
            "object" | "array" | "arguments" | "pair" => self.composite(node),
            _ => {
                let mut c = node.walk();
                let kids: Vec<Node<'a>> = node.named_children(&mut c).collect();
                for k in kids {
                    if is_expression(k.kind()) {
                        self.eval(k);
                    }
                }
                JVal::default()
            }
        }
    }

    /// A template string: the source if its text or a substitution holds it; never a URL of
    /// its own (the endpoint is decided where it is used).
    pub(super) fn template(&mut self, node: Node<'a>) -> JVal<'r> {
        let mut v = match self.marker_in(node) {
            Some(m) => self.marker_source(m),
            None => JVal::default(),
        };
        let mut c = node.walk();
        let subs: Vec<Node<'a>> = node
            .named_children(&mut c)
            .filter(|n| n.kind() == "template_substitution")
            .collect();
        for s in subs {
            if let Some(e) = s.named_child(0) {
                let sv = self.eval(e);
                v.join(&sv);
            }
        }
        v.endpoint = None;
        v
    }

    /// An object, array, argument list or pair holds the source if one of its values does;
    /// property names and a pair's key are not values.
    pub(super) fn composite(&mut self, node: Node<'a>) -> JVal<'r> {
        let mut v = JVal::default();
        let mut c = node.walk();
        let kids: Vec<Node<'a>> = node.named_children(&mut c).collect();
        for k in kids {
            if k.kind() == "property_identifier" {
                continue;
            }
            let kv = if node.kind() == "pair" && Some(k) == node.field("key") {
                JVal::default()
            } else {
                self.eval(k)
            };
            v.join(&kv);
        }
        v.apex = None;
        v.endpoint = None;
        v
    }

    /// defines, named (`onSession`) or reached through `this.`/`helper.`.
    pub(super) fn callback_params(&self, cb: Node<'a>) -> Vec<Node<'a>> {
        match cb.kind() {
            "arrow_function" | "function_expression" | "function" => params_of(cb),
            "identifier" => self.fn_params.get(self.t(cb)).cloned().unwrap_or_default(),
            "member_expression" => cb
                .field("property")
                .and_then(|p| self.fn_params.get(self.t(p)).cloned())
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    /// The first parameter of a callback (unwrapping `$A.getCallback(function (r) {...})`).
    pub(super) fn first_param(&self, f: Node<'a>) -> Option<Node<'a>> {
        match f.kind() {
            "call_expression" => {
                let callee = f.field("function")?;
                let wrapped = callee.kind() == "member_expression"
                    && callee.field("property").is_some_and(|p| self.t(p) == "getCallback");
                if !wrapped {
                    return None;
                }
                self.first_param(f.field("arguments")?.named_child(0)?)
            }
            "arrow_function" | "function_expression" | "function" => f
                .field("parameter")
                .or_else(|| f.field("parameters").and_then(|p| p.named_child(0))),
            _ => None,
        }
    }

    pub(super) fn marker_source(&self, m: Range<usize>) -> JVal<'r> {
        JVal {
            path: Some(vec![Hop {
                file: self.file,
                span: m,
                note: self.spec.marker_note.into(),
            }]),
            apex: None,
            endpoint: None,
        }
    }

    /// The name a member chain is rooted at (`xhr` in `xhr.send`), or `this.x`.
    pub(super) fn root_name(&self, mut n: Node<'a>) -> Option<String> {
        loop {
            match n.kind() {
                "identifier" => return Some(self.t(n).to_string()),
                "member_expression" => {
                    let obj = n.field("object")?;
                    if obj.kind() == "this" {
                        return Some(format!("this.{}", self.t(n.field("property")?)));
                    }
                    n = obj;
                }
                "subscript_expression" => n = n.field("object")?,
                _ => return None,
            }
        }
    }

    pub(super) fn assignment(&mut self, node: Node<'a>) -> JVal<'r> {
        let (Some(left), Some(right)) = (node.field("left"), node.field("right")) else {
            return JVal::default();
        };
        let v = self.eval(right);
        if left.kind() == "member_expression" {
            let target = self.t(left);
            let prop = left.field("property").map_or("", |p| self.t(p));
            let nav = target == "location"
                || target.ends_with(".location")
                || target.ends_with("location.href")
                || matches!(prop, "src" | "href" | "action");
            if nav && v.tainted() {
                let endpoint = self.classify(right, 0);
                self.sink(
                    self.spec.external,
                    "sent by navigating to a URL",
                    node,
                    &v,
                    Some((endpoint, self.span(right))),
                );
            }
        }
        match left.kind() {
            "identifier" => {
                let name = self.t(left);
                let v = v.with_hop(|| self.hop(left, format!("stored in `{name}`")));
                self.bind_name(name, &v, Some(right));
            }
            "member_expression" | "subscript_expression" => {
                if let Some(root) = self.root_name(left) {
                    let v = v.with_hop(|| self.hop(left, format!("stored in `{}`", self.t(left))));
                    let value = root.starts_with("this.").then_some(right);
                    self.bind_name(&root, &v, value);
                }
            }
            _ => self.bind_pattern(left, &v, None),
        }
        v
    }
}

/// A function's parameters (`x => ...` has one, unparenthesized).
pub(super) fn params_of(f: Node<'_>) -> Vec<Node<'_>> {
    match f.field("parameter") {
        Some(p) => vec![p],
        None => f
            .field("parameters")
            .map(|ps| {
                let mut c = ps.walk();
                ps.named_children(&mut c).filter(|p| p.kind() != "comment").collect()
            })
            .unwrap_or_default(),
    }
}
