//! Session IDs in JavaScript: Visualforce inline scripts, Aura controllers and helpers, LWC
//! modules and JavaScript static resources, parsed with tree-sitter-javascript.
//!
//! Sources: a Visualforce session merge field inside the script, an LWC import of
//! `@salesforce/apex/Class.method`, or an Aura `c.method` action, where the Apex method returns a
//! session ID (from the Apex data flow). Sinks: `fetch`, `XMLHttpRequest`, jQuery `ajax`/`get`/
//! `post`, `navigator.sendBeacon`, `WebSocket`, `window.open`, `location` and `src`/`href`/`action`
//! assignments (external), and `localStorage`/`sessionStorage` (exposed). Variables are tracked by
//! name within one file, flow-insensitively; good enough for component code, which is small.

use crate::syntax::tree::NodeExt;
use std::collections::HashMap;
use std::ops::Range;

use tree_sitter::Node;

use super::markup::{Controllers, classify_markup_url, session_markers};
use super::{EXPOSED, EXTERNAL, SESSION};
use crate::dataflow::url::{self, Endpoint, UrlClass};
use crate::dataflow::{Analysis, Hop, Returns};
use crate::diagnostics::finding::FileId;
use crate::lints::Ctx;
use crate::workspace::kind::FileKind;
use crate::workspace::project::{Parsed, Project};

const MAX_PASSES: usize = 4;

/// A session ID reaching a sink in script.
pub struct ScriptFlow {
    pub category: &'static str,
    pub note: &'static str,
    pub file: FileId,
    pub span: Range<usize>,
    pub path: Vec<Hop>,
    pub endpoint: Option<UrlClass>,
    pub endpoint_span: Option<Range<usize>>,
}

/// The category of a [`ScriptFlow`] that stands for a script too deep to interpret (its
/// visits recurse once per level): an `analysis-limit` finding at its span.
pub const TOO_DEEP: &str = "too-deep";

impl ScriptFlow {
    fn too_deep(file: FileId, at: usize) -> Self {
        ScriptFlow {
            category: TOO_DEEP,
            note: "",
            file,
            span: at..at,
            path: Vec::new(),
            endpoint: None,
            endpoint_span: None,
        }
    }
}

/// The `analysis-limit` findings of the scripts not interpreted; both session lints report
/// them, and the engine keeps one of each.
pub fn limit_findings(cx: &Ctx<'_>, out: &mut Vec<crate::diagnostics::finding::Finding>) {
    for flow in flows(cx).iter().filter(|f| f.category == TOO_DEEP) {
        out.push(crate::diagnostics::finding::Finding::new(
            crate::diagnostics::rules::engine::ANALYSIS_LIMIT,
            flow.file,
            flow.span.clone(),
            crate::syntax::tree::too_deep_message("JavaScript"),
        ));
    }
}

#[derive(Clone, Default)]
struct JVal<'r> {
    /// Source first; `None` when clean.
    path: Option<Vec<Hop>>,
    /// An Apex method handle (LWC import, Aura action or response) that yields a session.
    apex: Option<&'r Returns>,
    endpoint: Option<(UrlClass, Range<usize>)>,
}

impl<'r> JVal<'r> {
    fn join(&mut self, o: &JVal<'r>) -> bool {
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
    fn tainted(&self) -> bool {
        self.path.is_some()
    }
    fn with_hop(&self, hop: impl FnOnce() -> Hop) -> JVal<'r> {
        let mut v = self.clone();
        if let Some(p) = &mut v.path {
            p.push(hop());
        }
        v
    }
}

struct Script<'a, 'r> {
    file: FileId,
    /// The file's text; tree offsets plus `base` index into it.
    text: &'a str,
    base: usize,
    /// Session merge fields (file offsets), for Visualforce scripts.
    markers: &'a [Range<usize>],
    /// Imported or action names that stand for an Apex method returning a session.
    handles: HashMap<String, &'r Returns>,
    vars: HashMap<String, JVal<'r>>,
    assigned: HashMap<String, Vec<Node<'a>>>,
    changed: bool,
    out: Vec<ScriptFlow>,
    /// The Aura controller class, for `c.method` actions.
    aura_controller: Option<String>,
    /// The Visualforce controllers, for `{!property}` merge fields in URLs.
    controllers: Controllers<'r>,
    analysis: &'r Analysis,
    /// Functions defined in this file (declarations, object-literal and class methods), by
    /// name, with their parameter patterns: calls bind arguments to them.
    fn_params: HashMap<String, Vec<Node<'a>>>,
    /// Tainted arguments of `helper.f(...)` calls, for the Aura bundle's helper.
    helper_calls: Vec<(String, usize, JVal<'r>)>,
    /// Tainted values given to Aura attributes: `cmp.set('v.url', value)`.
    aura_attrs: Vec<AuraAttr<'a, 'r>>,
}

struct AuraAttr<'a, 'r> {
    name: String,
    value: JVal<'r>,
    /// The `cmp.set(...)` call and the value expression.
    call: Node<'a>,
    value_node: Node<'a>,
}

/// Every script flow in the project, computed once per scan for both session lints.
pub fn flows(cx: &Ctx<'_>) -> std::sync::Arc<Vec<ScriptFlow>> {
    cx.memo.get("session.script-flows", || compute(cx)).unwrap_or_default()
}

fn compute(cx: &Ctx<'_>) -> Vec<ScriptFlow> {
    let Some(analysis) = cx.analysis_of(&SESSION) else {
        return Vec::new();
    };
    let project = cx.project;
    let aura = AuraIndex::build(project);
    let mut out = Vec::new();
    // Aura bundle folder -> tainted arguments its controller passed to helper functions; the
    // helper (`XHelper.js`) sorts after the controller (`XController.js`).
    let mut helper_seeds: HashMap<String, Vec<(String, usize, JVal<'_>)>> = HashMap::new();
    for (id, f) in project.files.iter().enumerate() {
        if f.rel.contains("/__tests__/") {
            continue;
        }
        match (&f.parsed, f.kind) {
            (Parsed::Js(tree), FileKind::JavaScript) => {
                // Cheap gate: only files that can hold a source are walked.
                // An Aura file that names a controller action (`'c.getSession'`) may hand its
                // result to a callback through a wrapper component.
                let maybe = f.text.contains("@salesforce/apex/")
                    || f.text.contains("getReturnValue")
                    || (f.rel.contains("/aura/") && (f.text.contains("\"c.") || f.text.contains("'c.")));
                let dir = f.rel.rsplit_once('/').map_or("", |(d, _)| d).to_string();
                let seeds = helper_seeds.remove(&dir).unwrap_or_default();
                let maybe = maybe || !seeds.is_empty();
                if !maybe || analysis.returns.is_empty() {
                    continue;
                }
                if let Some(at) = crate::syntax::tree::deeper_than(tree.root_node(), crate::syntax::tree::MAX_DEPTH) {
                    out.push(ScriptFlow::too_deep(id, at));
                    continue;
                }
                let mut s = Script::new(id, &f.text, 0, &[], analysis);
                s.aura_controller = aura.controller(project, &dir);
                s.run_seeded(tree.root_node(), &seeds);
                s.aura_markup_sinks(project, aura.markup_in(&dir));
                if !s.helper_calls.is_empty() {
                    helper_seeds.insert(dir, std::mem::take(&mut s.helper_calls));
                }
                out.extend(s.out);
            }
            (_, FileKind::Visualforce) => {
                let markers: Vec<Range<usize>> = session_markers(&f.text).collect();
                if markers.is_empty() {
                    continue;
                }
                let mut bodies = inline_scripts(&f.text);
                bodies.extend(handler_values(&f.text, &markers));
                bodies.sort_by_key(|r| (r.start, r.end));
                bodies.dedup();
                for body in bodies {
                    let inside: Vec<Range<usize>> = markers
                        .iter()
                        .filter(|m| m.start >= body.start && m.end <= body.end)
                        .cloned()
                        .collect();
                    if inside.is_empty() {
                        continue;
                    }
                    let js = neutralize_merge_fields(&f.text[body.clone()]);
                    let Some(tree) = crate::syntax::js::parse(&js) else {
                        continue;
                    };
                    if let Some(at) = crate::syntax::tree::deeper_than(tree.root_node(), crate::syntax::tree::MAX_DEPTH)
                    {
                        out.push(ScriptFlow::too_deep(id, body.start + at));
                        continue;
                    }
                    let mut s = Script::new(id, &f.text, body.start, &inside, analysis);
                    s.controllers = Controllers::of_markup(&f.text, Some(analysis));
                    s.run(tree.root_node());
                    out.extend(s.out);
                }
            }
            _ => {}
        }
    }
    out
}

/// Aura markup files by folder, built once per scan: looking them up per JavaScript file
/// among all the project's files made script analysis grow with the square of the project.
struct AuraIndex<'p> {
    /// The folder's own markup files (`.cmp`, `.app`), in project order.
    by_folder: HashMap<&'p str, Vec<FileId>>,
    /// Per folder `…/<bundle>`: the first markup file below it whose path continues with the
    /// bundle's name (the bundle's own `<bundle>.cmp`).
    bundle_markup: HashMap<&'p str, FileId>,
}

impl<'p> AuraIndex<'p> {
    fn build(project: &'p Project) -> Self {
        let mut by_folder: HashMap<&str, Vec<FileId>> = HashMap::new();
        let mut bundle_markup: HashMap<&str, FileId> = HashMap::new();
        for (id, f) in project.files.iter().enumerate() {
            if f.kind != FileKind::AuraMarkup {
                continue;
            }
            if let Some((folder, _)) = f.rel.rsplit_once('/') {
                by_folder.entry(folder).or_default().push(id);
            }
            // Every folder above the file for which it is the bundle's markup.
            let mut dir = f.rel.as_str();
            while let Some((up, _)) = dir.rsplit_once('/') {
                dir = up;
                let bundle = dir.rsplit('/').next().unwrap_or(dir);
                if f.rel[dir.len()..].trim_start_matches('/').starts_with(bundle) {
                    bundle_markup.entry(dir).or_insert(id);
                }
            }
        }
        AuraIndex {
            by_folder,
            bundle_markup,
        }
    }

    /// The markup files directly in `dir`.
    fn markup_in(&self, dir: &str) -> &[FileId] {
        self.by_folder.get(dir).map_or(&[], Vec::as_slice)
    }

    /// The Apex controller named by the bundle's markup (`controller="ns.Class"`).
    fn controller(&self, project: &Project, dir: &str) -> Option<String> {
        let t = &project.files[*self.bundle_markup.get(dir)?].text;
        let at = t.find("controller=")?;
        let rest = &t[at + "controller=".len()..];
        let quote = rest.chars().next()?;
        let value = rest[quote.len_utf8()..].split(quote).next()?;
        Some(value.rsplit('.').next().unwrap_or(value).to_string())
    }
}

/// Byte ranges of the bodies of `<script>` elements without `src`.
fn inline_scripts(text: &str) -> Vec<Range<usize>> {
    let lower = text.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = lower[from..].find("<script") {
        let start = from + i;
        let Some(gt) = lower[start..].find('>') else {
            break;
        };
        let open_end = start + gt + 1;
        // `<script src="..."/>`: Visualforce is XML, so a self-closed tag has no body, and the
        // next `</script>` closes the script after it.
        if lower[..open_end].ends_with("/>") {
            from = open_end;
            continue;
        }
        let Some(close) = lower[open_end..].find("</script") else {
            break;
        };
        let end = open_end + close;
        if !lower[start..open_end].contains(" src=") {
            out.push(open_end..end);
        }
        from = end;
    }
    out
}

/// Byte ranges of event-handler attribute values (`onclick="window.open('...')"`) that hold a
/// session marker: they are scripts too.
fn handler_values(text: &str, markers: &[Range<usize>]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    for m in markers {
        let Some((_, attr, start)) = super::markup::enclosing_attribute(text, m.start) else {
            continue;
        };
        if !attr.starts_with("on") || start == 0 {
            continue;
        }
        let quote = char::from(text.as_bytes()[start - 1]);
        if let Some(len) = text[start..].find(quote) {
            out.push(start..start + len);
        }
    }
    out
}

/// Replaces every `{!...}` merge field with underscores of the same length, so the script
/// parses as JavaScript and every span stays where it was.
fn neutralize_merge_fields(js: &str) -> String {
    let mut out = String::with_capacity(js.len());
    let mut rest = js;
    while let Some(i) = rest.find("{!") {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let end = tail.find('}').map_or(tail.len(), |e| e + 1);
        for c in tail[..end].chars() {
            if c == '\n' {
                out.push('\n');
            } else {
                out.extend(std::iter::repeat_n('_', c.len_utf8()));
            }
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

fn is_expression(kind: &str) -> bool {
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
    fn new(file: FileId, text: &'a str, base: usize, markers: &'a [Range<usize>], analysis: &'r Analysis) -> Self {
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
            fn_params: HashMap::new(),
            helper_calls: Vec::new(),
            aura_attrs: Vec::new(),
        }
    }

    fn span(&self, n: Node<'_>) -> Range<usize> {
        self.base + n.start_byte()..self.base + n.end_byte()
    }
    fn t(&self, n: Node<'_>) -> &'a str {
        self.text.get(self.span(n)).unwrap_or("")
    }
    fn hop(&self, n: Node<'_>, note: impl Into<String>) -> Hop {
        Hop {
            file: self.file,
            span: self.span(n),
            note: note.into(),
        }
    }

    fn run(&mut self, root: Node<'a>) {
        self.run_seeded(root, &[]);
    }

    /// Runs with tainted arguments for this file's functions (`(function, index, value)`).
    fn run_seeded(&mut self, root: Node<'a>, seeds: &[(String, usize, JVal<'r>)]) {
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
    fn functions(&mut self, root: Node<'a>) {
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

    /// `import name from '@salesforce/apex/[ns.]Class.method'` of a session-returning method.
    fn imports(&mut self, root: Node<'a>) {
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

    fn bind_name(&mut self, name: &str, v: &JVal<'r>, value: Option<Node<'a>>) {
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
    fn bind_pattern(&mut self, pat: Node<'a>, v: &JVal<'r>, value: Option<Node<'a>>) {
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

    fn visit(&mut self, node: Node<'a>) {
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
    fn wire(&mut self, member: Node<'a>) {
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
    fn apex_result(&self, ret: &Returns, at: Node<'_>) -> JVal<'r> {
        let mut path = ret.path.clone();
        path.push(self.hop(at, format!("returned to JavaScript by Apex `{}`", ret.display)));
        JVal {
            path: Some(path),
            apex: None,
            endpoint: None,
        }
    }

    fn marker_in(&self, n: Node<'_>) -> Option<Range<usize>> {
        let span = self.span(n);
        self.markers
            .iter()
            .find(|m| m.start >= span.start && m.end <= span.end)
            .cloned()
    }

    fn eval(&mut self, node: Node<'a>) -> JVal<'r> {
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

    /// A template string: the session if its text or a substitution holds it; never a URL of
    /// its own (the endpoint is decided where it is used).
    fn template(&mut self, node: Node<'a>) -> JVal<'r> {
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

    /// An object, array, argument list or pair holds the session if one of its values does;
    /// property names and a pair's key are not values.
    fn composite(&mut self, node: Node<'a>) -> JVal<'r> {
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

    /// `cmp.set('v.url', tainted)` where the bundle's markup puts `{!v.url}` in a URL attribute.
    fn aura_markup_sinks(&mut self, project: &Project, markup: &[FileId]) {
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
                    let Some((tag, attr, value_start)) = super::markup::enclosing_attribute(&m.text, at) else {
                        continue;
                    };
                    if !super::markup::url_attribute(&tag, &attr) {
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
                        EXTERNAL,
                        "loaded as a URL by the component",
                        a.call,
                        &v,
                        Some((class, span)),
                    );
                }
            }
        }
    }

    /// The parameters of a callback argument: a function written in place, or one this file
    /// defines, named (`onSession`) or reached through `this.`/`helper.`.
    fn callback_params(&self, cb: Node<'a>) -> Vec<Node<'a>> {
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
    fn first_param(&self, f: Node<'a>) -> Option<Node<'a>> {
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

    fn marker_source(&self, m: Range<usize>) -> JVal<'r> {
        JVal {
            path: Some(vec![Hop {
                file: self.file,
                span: m,
                note: "session ID merged into the script here".into(),
            }]),
            apex: None,
            endpoint: None,
        }
    }

    /// The name a member chain is rooted at (`xhr` in `xhr.send`), or `this.x`.
    fn root_name(&self, mut n: Node<'a>) -> Option<String> {
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

    fn assignment(&mut self, node: Node<'a>) -> JVal<'r> {
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
                    EXTERNAL,
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

    fn call(&mut self, node: Node<'a>) -> JVal<'r> {
        let Some(callee) = node.field("function") else {
            return JVal::default();
        };
        let arg_nodes = crate::syntax::tree::arguments(node);
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
        // Promise callbacks receive the value.
        if matches!(prop, "then" | "finally")
            && let Some(&cb) = arg_nodes.first()
            && let Some(p) = self.first_param(cb)
        {
            let v = match recv.apex {
                Some(ret) => self.apex_result(ret, callee),
                None => recv.clone(),
            };
            if v.tainted() {
                self.bind_pattern(p, &v, None);
            }
        }
        // Aura: `action.setCallback(this, function (response) {...})`.
        if prop == "setCallback"
            && let (Some(ret), Some(&cb)) = (recv.apex, arg_nodes.get(1))
            && let Some(p) = self.first_param(cb)
        {
            let handle = JVal {
                path: None,
                apex: Some(ret),
                endpoint: None,
            };
            self.bind_pattern(p, &handle, None);
        }
        let args: Vec<JVal<'r>> = arg_nodes.iter().map(|&a| self.eval(a)).collect();
        let any = |args: &[JVal<'r>]| {
            let mut v = JVal::default();
            for a in args {
                v.join(a);
            }
            v.apex = None;
            v.endpoint = None;
            v
        };
        let callee_text = self.t(callee);
        let arg_url = |s: &mut Self, i: usize| arg_nodes.get(i).map(|&a| (s.classify(a, 0), s.span(a)));

        // Sources.
        if let Some(ret) = recv.apex
            && prop == "getReturnValue"
        {
            return self.apex_result(ret, node);
        }
        if callee.kind() == "identifier"
            && let Some(&ret) = self.handles.get(callee_text)
        {
            return self.apex_result(ret, node);
        }
        // Aura: `component.get('c.method')` names a controller action.
        if prop == "get"
            && let Some(&a) = arg_nodes.first()
            && let Some(action) = self.t(a).trim_matches(['\'', '"']).strip_prefix("c.")
            && let Some(class) = &self.aura_controller
            && let Some(ret) = self.analysis.returning(class, action)
        {
            return JVal {
                path: None,
                apex: Some(ret),
                endpoint: None,
            };
        }

        // Aura: a wrapper that runs a controller action for its caller
        // (`service.callApex(cmp, helper, 'c.getSession', {}, this.onSession)`): the callback
        // after the action's name receives its return value.
        if prop != "get"
            && let Some(class) = &self.aura_controller
            && let Some((at, ret)) = arg_nodes.iter().enumerate().find_map(|(i, &a)| {
                let action = self.t(a).trim_matches(['\'', '"']).strip_prefix("c.")?;
                Some((i, self.analysis.returning(class, action)?))
            })
        {
            let result = self.apex_result(ret, node);
            for &cb in &arg_nodes[at + 1..] {
                for p in self.callback_params(cb) {
                    // Aura passes the component, helper and event by convention.
                    if !matches!(self.t(p), "component" | "cmp" | "helper" | "event" | "evt") {
                        self.bind_pattern(p, &result, None);
                    }
                }
            }
        }

        // Calls of functions defined here bind their parameters; `helper.f(...)` in an Aura
        // controller binds the helper's.
        let fname = if callee.kind() == "identifier" {
            callee_text
        } else {
            prop
        };
        if let Some(params) = self.fn_params.get(fname).cloned() {
            for (p, a) in params.iter().zip(&args) {
                if a.tainted() {
                    let a = a.with_hop(|| self.hop(node, format!("passed to `{fname}`")));
                    self.bind_pattern(*p, &a, None);
                }
            }
        } else if obj.is_some_and(|o| self.t(o) == "helper") {
            for (i, a) in args.iter().enumerate() {
                if a.tainted() && !self.helper_calls.iter().any(|(f, j, _)| f == fname && *j == i) {
                    let a = a.with_hop(|| self.hop(node, format!("passed to `helper.{fname}`")));
                    self.helper_calls.push((fname.to_string(), i, a));
                }
            }
        }
        // Aura: `cmp.set('v.url', value)`; the bundle's markup may load that URL.
        if prop == "set"
            && let (Some(&k), Some(v), Some(&vn)) = (arg_nodes.first(), args.get(1), arg_nodes.get(1))
            && let Some(attr) = self.t(k).trim_matches(['\'', '"']).strip_prefix("v.")
            && v.tainted()
            && !self.aura_attrs.iter().any(|a| a.call == node)
        {
            self.aura_attrs.push(AuraAttr {
                name: attr.to_string(),
                value: v.clone(),
                call: node,
                value_node: vn,
            });
        }

        // Sinks.
        let sent = any(&args);
        match (callee_text, prop) {
            ("fetch", _) | (_, "sendBeacon") => {
                if sent.tainted() {
                    let e = arg_url(self, 0);
                    self.sink(EXTERNAL, "sent in a browser request", node, &sent, e);
                }
                return JVal::default();
            }
            (t, "ajax" | "post" | "get" | "getJSON")
                if obj.is_some_and(|o| matches!(self.t(o), "$" | "jQuery" | "$j" | "j$")) =>
            {
                let _ = t;
                if sent.tainted() {
                    let e = arg_nodes
                        .first()
                        .and_then(|&a| url_property(a, self.text, self.base))
                        .map(|u| (self.classify(u, 0), self.span(u)))
                        .or_else(|| arg_url(self, 0));
                    self.sink(EXTERNAL, "sent in a jQuery request", node, &sent, e);
                }
                return JVal::default();
            }
            (_, "open") if obj.is_some_and(|o| self.t(o) == "window") || callee_text == "open" => {
                if sent.tainted() {
                    let e = arg_url(self, 0);
                    self.sink(EXTERNAL, "sent by opening a URL", node, &sent, e);
                }
                return JVal::default();
            }
            (_, "assign" | "replace") if obj.is_some_and(|o| self.t(o).ends_with("location")) => {
                if sent.tainted() {
                    let e = arg_url(self, 0);
                    self.sink(EXTERNAL, "sent by navigating to a URL", node, &sent, e);
                }
                return JVal::default();
            }
            (_, "setItem") if obj.is_some_and(|o| self.t(o).ends_with("Storage")) => {
                if sent.tainted() {
                    self.sink(EXPOSED, "stored in browser storage", node, &sent, None);
                }
                return JVal::default();
            }
            (_, "setAttribute") => {
                let attr = arg_nodes.first().map_or("", |&a| self.t(a).trim_matches(['\'', '"']));
                if matches!(attr, "src" | "href" | "action")
                    && let Some(v) = args.get(1)
                    && v.tainted()
                {
                    let e = arg_url(self, 1);
                    let v = v.clone();
                    self.sink(EXTERNAL, "sent by navigating to a URL", node, &v, e);
                }
                return JVal::default();
            }
            (_, "open") => {
                // `xhr.open(method, url)` records where the request goes.
                if let (Some(o), Some(&u)) = (obj, arg_nodes.get(1))
                    && let Some(root) = self.root_name(o)
                {
                    let e = JVal {
                        path: None,
                        apex: None,
                        endpoint: Some((self.classify(u, 0), self.span(u))),
                    };
                    self.bind_name(&root, &e, None);
                }
                return JVal::default();
            }
            (_, "send") => {
                if let Some(o) = obj
                    && let Some(root) = self.root_name(o)
                {
                    let mut v = self.vars.get(&root).cloned().unwrap_or_default();
                    v.join(&sent);
                    if v.tainted() {
                        let e = v.endpoint.clone().or_else(|| {
                            Some((
                                UrlClass::Unknown(format!("`{root}` has no URL set in this file")),
                                self.span(o),
                            ))
                        });
                        self.sink(EXTERNAL, "sent in a browser request", node, &v, e);
                    }
                }
                return JVal::default();
            }
            (_, "setRequestHeader" | "append" | "set") => {
                if let Some(o) = obj
                    && let Some(root) = self.root_name(o)
                    && sent.tainted()
                {
                    let v = sent.with_hop(|| self.hop(node, format!("put into `{root}`")));
                    self.bind_name(&root, &v, None);
                }
                return JVal::default();
            }
            _ => {}
        }

        // Propagation: helpers and encoders carry their arguments; methods carry the receiver.
        let mut result = JVal::default();
        if obj.is_none()
            || obj.is_some_and(|o| matches!(self.t(o), "JSON" | "Object" | "String" | "Promise" | "window"))
        {
            result.join(&sent);
        } else {
            if recv.tainted()
                && !matches!(
                    prop,
                    "length" | "includes" | "indexOf" | "startsWith" | "endsWith" | "test" | "some" | "every"
                )
            {
                let mut r = recv.clone();
                r.apex = None;
                r.endpoint = None;
                result.join(&r);
            }
            if matches!(prop, "replace" | "replaceAll" | "concat") {
                result.join(&sent);
            }
        }
        result
    }

    fn construct(&mut self, node: Node<'a>) -> JVal<'r> {
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
                self.sink(EXTERNAL, "sent in a browser connection", node, &v, e.clone());
            }
            return JVal {
                path: None,
                apex: None,
                endpoint: e,
            };
        }
        v
    }

    fn sink(
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

    /// Where a URL expression points; a concatenation or template is decided by its start.
    fn classify(&self, n: Node<'a>, depth: usize) -> UrlClass {
        if depth > 8 {
            return UrlClass::Unknown("the URL is built too indirectly to follow".into());
        }
        match n.kind() {
            "string" => {
                let s = self.t(n);
                let inner = s.get(1..s.len().saturating_sub(1)).unwrap_or("");
                self.classify_text(inner)
            }
            "template_string" => {
                let first = n.named_child(0);
                match first {
                    Some(f) if f.kind() == "string_fragment" && f.start_byte() == n.start_byte() + 1 => {
                        self.classify_text(self.t(f))
                    }
                    Some(f) if f.kind() == "template_substitution" && f.start_byte() == n.start_byte() + 1 => f
                        .named_child(0)
                        .map_or(UrlClass::Unknown("the URL is built at run time".into()), |e| {
                            self.classify(e, depth + 1)
                        }),
                    _ => UrlClass::Unknown("the URL is built at run time".into()),
                }
            }
            "binary_expression" => {
                // A `+` chain is decided by its leftmost part: walking down to it is one step,
                // however long the chain (a public page built a URL from fifteen parts).
                let mut cur = n;
                while cur.kind() == "binary_expression" {
                    match (cur.field("left"), cur.field("right")) {
                        // `'https://' + host`: the host decides.
                        (Some(l), Some(r)) if url::is_scheme_only(self.t(l)) => return self.classify(r, depth + 1),
                        (Some(l), _) => cur = l,
                        _ => return UrlClass::Unknown("the URL is built at run time".into()),
                    }
                }
                self.classify(cur, depth + 1)
            }
            "parenthesized_expression" => n
                .named_child(0)
                .map_or(UrlClass::Unknown("the URL is built at run time".into()), |l| {
                    self.classify(l, depth + 1)
                }),
            "identifier" | "member_expression" => {
                let text = self.t(n);
                if text.ends_with("location.origin")
                    || text.ends_with("location.href")
                    || text.ends_with("location.host")
                    || text.ends_with("location.protocol")
                {
                    return UrlClass::SameOrg;
                }
                let key = if n.kind() == "identifier" {
                    text.to_string()
                } else {
                    match self.root_name(n) {
                        Some(r) if r == text => r,
                        _ => return UrlClass::Unknown(format!("it is read from `{text}`")),
                    }
                };
                match self.assigned.get(&key) {
                    Some(values) if !values.is_empty() => {
                        let mut best: Option<UrlClass> = None;
                        for &v in values {
                            let c = self.classify(v, depth + 1);
                            best = Some(match best {
                                Some(b) if b.rank() >= c.rank() => b,
                                _ => c,
                            });
                        }
                        best.unwrap_or(UrlClass::Unknown("the URL is built at run time".into()))
                    }
                    _ => UrlClass::Unknown(format!("`{text}` is not assigned in this file")),
                }
            }
            _ => UrlClass::Unknown("the URL is built at run time".into()),
        }
    }

    fn classify_text(&self, s: &str) -> UrlClass {
        if s.contains("{!") {
            classify_markup_url(s, &self.controllers)
        } else {
            url::classify_literal(s)
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

/// The flow's endpoint in the shape the Apex flows use.
pub fn endpoint_of(f: &ScriptFlow) -> Option<Endpoint> {
    Some(Endpoint {
        class: f.endpoint.clone()?,
        file: f.file,
        span: f.endpoint_span.clone()?,
        param: None,
    })
}

/// A function's parameters (`x => ...` has one, unparenthesized).
fn params_of(f: Node<'_>) -> Vec<Node<'_>> {
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
