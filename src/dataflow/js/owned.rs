//! Where a Lightning component's JavaScript writes HTML or runs code from a string (`innerHTML`,
//! `outerHTML`, `insertAdjacentHTML`, `document.write`, `eval`, `new Function`), and whether
//! the value is the code's own text.
//!
//! The code's own: literals, labels and other `@salesforce/...` imports that are not Apex
//! methods, numbers and what arithmetic makes, text a function named for escaping returned,
//! and variables, `this` properties and the file's own functions whose every value is such.
//! Anything else (a parameter, an `@api` or `@wire` property, a record's field, an Apex
//! method's result, `cmp.get('v.x')`) may hold a user's text. Variables are followed within
//! their file, each name in the innermost function that declares it, every value it is given
//! there counting whatever the order: component code is small.

use std::cell::RefCell;

use tree_sitter::Node;

/// One place that turns text into markup or code.
pub(crate) struct HtmlSink<'t> {
    /// What does it: `innerHTML`, `insertAdjacentHTML`, `eval`...
    pub what: &'static str,
    /// Whether the text is run as code rather than shown as markup.
    pub runs: bool,
    /// The first part of the value that is not the code's own (maybe in an earlier
    /// assignment to a variable the sink writes).
    pub foreign: Node<'t>,
    /// The assignment or call that writes the value.
    pub at: Node<'t>,
}

/// How deep the judgement follows variables, properties and functions.
const MAX_DEPTH: u16 = 12;

/// Words that make a script worth walking: every sink's name holds one.
pub(crate) fn may_write_html(text: &str) -> bool {
    [
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval",
        "Function",
    ]
    .iter()
    .any(|w| text.contains(w))
}

/// Every sink in the script at `root` whose value is not the code's own.
pub(crate) fn html_sinks<'t>(root: Node<'t>, src: &'t str) -> Vec<HtmlSink<'t>> {
    let judge = Judge::new(root, src);
    let mut out = Vec::new();
    crate::syntax::tree::preorder(root, |n| {
        for (what, runs, value) in sink_values(n, src) {
            if let Some(foreign) = judge.foreign(value, 0) {
                out.push(HtmlSink {
                    what,
                    runs,
                    foreign,
                    at: n,
                });
            }
        }
        true
    });
    out
}

/// The values node `n` turns into markup or code, with what does it.
fn sink_values<'t>(n: Node<'t>, src: &str) -> Vec<(&'static str, bool, Node<'t>)> {
    let text = |n: Node<'_>| &src[n.byte_range()];
    match n.kind() {
        "assignment_expression" | "augmented_assignment_expression" => {
            let (Some(left), Some(right)) = (n.child_by_field_name("left"), n.child_by_field_name("right")) else {
                return Vec::new();
            };
            let property = (left.kind() == "member_expression")
                .then(|| left.child_by_field_name("property"))
                .flatten()
                .map(text);
            match property {
                Some("innerHTML") => vec![("innerHTML", false, right)],
                Some("outerHTML") => vec![("outerHTML", false, right)],
                _ => Vec::new(),
            }
        }
        "call_expression" => {
            let (Some(callee), Some(args)) = (n.child_by_field_name("function"), n.child_by_field_name("arguments"))
            else {
                return Vec::new();
            };
            let args: Vec<Node<'t>> = named_children(args).filter(|a| a.kind() != "comment").collect();
            match callee.kind() {
                "identifier" if text(callee) == "eval" => {
                    args.first().map(|a| vec![("eval", true, *a)]).unwrap_or_default()
                }
                "identifier" if text(callee) == "Function" => {
                    args.last().map(|a| vec![("Function", true, *a)]).unwrap_or_default()
                }
                "member_expression" => {
                    let property = callee.child_by_field_name("property").map(text);
                    let object = callee.child_by_field_name("object").map(text);
                    match (object, property) {
                        (_, Some("insertAdjacentHTML")) => args
                            .get(1)
                            .map(|a| vec![("insertAdjacentHTML", false, *a)])
                            .unwrap_or_default(),
                        (Some("document" | "window.document"), Some(w @ ("write" | "writeln"))) => {
                            let what = if w == "write" {
                                "document.write"
                            } else {
                                "document.writeln"
                            };
                            args.into_iter().map(|a| (what, false, a)).collect()
                        }
                        (Some("window"), Some("eval")) => {
                            args.first().map(|a| vec![("eval", true, *a)]).unwrap_or_default()
                        }
                        _ => Vec::new(),
                    }
                }
                _ => Vec::new(),
            }
        }
        "new_expression" => {
            let is_function = n
                .child_by_field_name("constructor")
                .is_some_and(|c| matches!(text(c), "Function" | "window.Function"));
            let last = n
                .child_by_field_name("arguments")
                .and_then(|a| named_children(a).filter(|a| a.kind() != "comment").last());
            match (is_function, last) {
                (true, Some(a)) => vec![("Function", true, a)],
                _ => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}

pub(super) fn named_children<'t>(n: Node<'t>) -> impl Iterator<Item = Node<'t>> {
    (0..n.named_child_count()).filter_map(move |i| n.named_child(i as u32))
}

/// Whether an Aura helper's method returns only the code's own text (see [`Judge::helper`]).
pub(super) type HelperOwns<'t> = std::rc::Rc<dyn Fn(&str) -> bool + 't>;

pub(super) struct Judge<'t> {
    root: Node<'t>,
    src: &'t str,
    /// In an Aura bundle's controller or renderer: `helper.name(...)` is judged by the helper
    /// script's method `name`.
    helper: Option<HelperOwns<'t>>,
    /// Names being judged (`x` for a variable, `this.x` for a property), so that `h = h + '<td>'`
    /// is judged by its other parts.
    visiting: RefCell<Vec<(String, usize)>>,
}

impl<'t> Judge<'t> {
    pub(super) fn new(root: Node<'t>, src: &'t str) -> Self {
        Judge {
            root,
            src,
            helper: None,
            visiting: RefCell::new(Vec::new()),
        }
    }

    /// The judge of an Aura script whose bundle's helper answers for `helper.name(...)`.
    pub(super) fn with_helper(mut self, helper: HelperOwns<'t>) -> Self {
        self.helper = Some(helper);
        self
    }

    /// Whether the Aura script's method `name` (`({ name: function (...) {...} })`) returns
    /// only the code's own text, its parameters being foreign.
    pub(super) fn method_returns_own(&self, name: &str) -> bool {
        let mut method = None;
        crate::syntax::tree::preorder(self.root, |n| {
            if method.is_none()
                && n.kind() == "pair"
                && n.child_by_field_name("key")
                    .is_some_and(|k| self.text(k).trim_matches(['\'', '"']) == name)
            {
                method = n.child_by_field_name("value").filter(|v| is_function(v.kind()));
            }
            method.is_none()
        });
        method.is_some_and(|f| {
            let found = returns(f);
            !found.is_empty() && found.into_iter().all(|r| self.foreign(r, 0).is_none())
        })
    }

    /// The whole script's text.
    pub(super) fn script(&self) -> &'t str {
        self.src
    }

    pub(super) fn text(&self, n: Node<'_>) -> &'t str {
        &self.src[n.byte_range()]
    }

    /// The first part of `e` that is not the code's own text, if any.
    pub(super) fn foreign(&self, e: Node<'t>, depth: u16) -> Option<Node<'t>> {
        if depth > MAX_DEPTH {
            return Some(e);
        }
        let d = depth + 1;
        match e.kind() {
            "string" | "number" | "true" | "false" | "null" | "undefined" | "regex" | "comment" => None,
            "template_string" => named_children(e)
                .filter(|c| c.kind() == "template_substitution")
                .find_map(|s| named_children(s).find_map(|x| self.foreign(x, d))),
            "parenthesized_expression" | "await_expression" | "sequence_expression" => {
                named_children(e).last().and_then(|x| self.foreign(x, d))
            }
            "binary_expression" => {
                let op = e.child_by_field_name("operator").map(|o| self.text(o));
                if op == Some("+") || op == Some("??") || op == Some("||") || op == Some("&&") {
                    let parts = [e.child_by_field_name("left"), e.child_by_field_name("right")];
                    parts.into_iter().flatten().find_map(|x| self.foreign(x, d))
                } else {
                    // Arithmetic and comparisons make numbers and Booleans.
                    None
                }
            }
            "unary_expression" | "update_expression" => None,
            "ternary_expression" => [
                e.child_by_field_name("consequence"),
                e.child_by_field_name("alternative"),
            ]
            .into_iter()
            .flatten()
            .find_map(|x| self.foreign(x, d)),
            "array" => named_children(e).find_map(|x| self.foreign(x, d)),
            // An object's text is its values' (`{ title: 'Help', body: html }`).
            "object" => named_children(e).find_map(|p| match p.kind() {
                "pair" => p.child_by_field_name("value").and_then(|v| self.foreign(v, d)),
                "shorthand_property_identifier" => self.identifier(p, d),
                "spread_element" => named_children(p).find_map(|x| self.foreign(x, d)),
                // Methods are code, not text; comments are nothing.
                _ => None,
            }),
            "identifier" => self.identifier(e, d),
            "member_expression" => self.member(e, d),
            "call_expression" => self.call(e, d),
            "assignment_expression" | "augmented_assignment_expression" => {
                e.child_by_field_name("right").and_then(|x| self.foreign(x, d))
            }
            _ => Some(e),
        }
    }

    /// The first part of the variable `id`'s values that the code did not write: `id` itself
    /// when a value is unknown (a parameter, a global), else the part in the value given it.
    fn identifier(&self, id: Node<'t>, depth: u16) -> Option<Node<'t>> {
        let name = self.text(id);
        if name == "undefined" || name == "NaN" || name == "Infinity" {
            return None;
        }
        let Some(scope) = self.declaring_scope(id, name) else {
            // A global (`window`'s) or a name declared nowhere in the file.
            return Some(id);
        };
        let key = (name.to_string(), scope.start_byte());
        if self.visiting.borrow().contains(&key) {
            return None;
        }
        self.visiting.borrow_mut().push(key);
        let foreign = match self.values_in(scope, name) {
            Some(values) => values
                .iter()
                .chain(&self.member_writes(scope, name))
                .find_map(|v| self.foreign(*v, depth)),
            None => Some(id),
        };
        self.visiting.borrow_mut().pop();
        foreign
    }

    /// The innermost function (or the script) around `at` that declares `name`.
    pub(super) fn declaring_scope(&self, at: Node<'t>, name: &str) -> Option<Node<'t>> {
        let mut n = at.parent();
        while let Some(scope) = n {
            if (is_function(scope.kind()) || scope.kind() == "program") && self.declares(scope, name) {
                return Some(scope);
            }
            n = scope.parent();
        }
        None
    }

    /// Whether `scope` declares `name`: as a parameter, a variable, a function or an import,
    /// in its own body (nested functions are their own scopes).
    fn declares(&self, scope: Node<'t>, name: &str) -> bool {
        if self.is_parameter(scope, name) {
            return true;
        }
        let mut found = false;
        self.walk_scope(scope, |n| {
            let declared = match n.kind() {
                "variable_declarator" | "function_declaration" | "class_declaration" => {
                    n.child_by_field_name("name").map(|x| self.text(x))
                }
                "import_specifier" => n
                    .child_by_field_name("alias")
                    .or_else(|| n.child_by_field_name("name"))
                    .map(|x| self.text(x)),
                "import_clause" | "namespace_import" => named_children(n)
                    .find(|c| c.kind() == "identifier")
                    .map(|x| self.text(x)),
                _ => None,
            };
            found |= declared == Some(name);
        });
        found
    }

    /// Whether function `scope` takes a parameter `name` (destructured ones included).
    fn is_parameter(&self, scope: Node<'t>, name: &str) -> bool {
        let Some(params) = scope
            .child_by_field_name("parameters")
            .or_else(|| scope.child_by_field_name("parameter"))
        else {
            return false;
        };
        let mut found = false;
        crate::syntax::tree::preorder(params, |p| {
            found |= p.kind() == "identifier" && self.text(p) == name;
            !found
        });
        found
    }

    /// Calls `f` on every node of `scope`'s own body, nested functions left out.
    fn walk_scope(&self, scope: Node<'t>, mut f: impl FnMut(Node<'t>)) {
        let Some(body) = scope_body(scope) else {
            return;
        };
        crate::syntax::tree::preorder(body, |n| {
            if n != body && is_function(n.kind()) {
                // Its name is declared here; its body is its own.
                if let Some(name) = n.child_by_field_name("name") {
                    f(name.parent().unwrap_or(n));
                }
                return false;
            }
            f(n);
            true
        });
    }

    /// Every value `scope` gives `name`; `None` when one is unknown (a parameter, a loop's
    /// variable, a destructured one, an import that is not a label's).
    pub(super) fn values_in(&self, scope: Node<'t>, name: &str) -> Option<Vec<Node<'t>>> {
        if self.is_parameter(scope, name) {
            return None;
        }
        let mut values = Vec::new();
        let mut unknown = false;
        self.walk_scope(scope, |n| match n.kind() {
            "variable_declarator" => {
                let Some(target) = n.child_by_field_name("name") else {
                    return;
                };
                if target.kind() != "identifier" {
                    // `const { a, b } = x`: judged as `x` would be, which is not known here.
                    let mut named = false;
                    crate::syntax::tree::preorder(target, |x| {
                        named |= x.kind().contains("identifier") && self.text(x) == name;
                        !named
                    });
                    unknown |= named;
                    return;
                }
                if self.text(target) != name {
                    return;
                }
                match n.child_by_field_name("value") {
                    Some(v) => values.push(v),
                    // `for (const x of xs)` declares without a value.
                    None => unknown |= is_loop_variable(n),
                }
            }
            "for_in_statement" if n.child_by_field_name("left").is_some_and(|l| self.text(l) == name) => {
                unknown = true;
            }
            "function_declaration" => {
                // A function's name as a value: markup only if called, judged at the call.
            }
            "import_clause" | "import_specifier" | "namespace_import" => {
                let names_it = named_children(n).any(|c| c.kind() == "identifier" && self.text(c) == name)
                    || n.child_by_field_name("alias").is_some_and(|a| self.text(a) == name)
                    || (n.child_by_field_name("alias").is_none()
                        && n.child_by_field_name("name").is_some_and(|a| self.text(a) == name));
                if names_it && !code_import(self.import_source(n)) {
                    unknown = true;
                }
            }
            "catch_clause" if n.child_by_field_name("parameter").is_some_and(|p| self.text(p) == name) => {
                unknown = true;
            }
            _ => {}
        });
        // Assignments count in nested functions too (a callback that appends to the outer
        // `html`), but in those that declare a name of their own.
        if let Some(body) = scope_body(scope) {
            crate::syntax::tree::preorder(body, |n| {
                if n != body && is_function(n.kind()) && self.declares(n, name) {
                    return false;
                }
                if matches!(n.kind(), "assignment_expression" | "augmented_assignment_expression")
                    && let (Some(l), Some(r)) = (n.child_by_field_name("left"), n.child_by_field_name("right"))
                    && l.kind() == "identifier"
                    && self.text(l) == name
                {
                    values.push(r);
                }
                true
            });
        }
        (!unknown).then_some(values)
    }

    /// The values `scope` writes into the object `name` holds (`name.title = v`): an object
    /// built from literals holds foreign text once one is written into it.
    fn member_writes(&self, scope: Node<'t>, name: &str) -> Vec<Node<'t>> {
        let mut out = Vec::new();
        if let Some(body) = scope_body(scope) {
            crate::syntax::tree::preorder(body, |n| {
                if let (Some(l), Some(r)) = (n.child_by_field_name("left"), n.child_by_field_name("right"))
                    && n.kind() == "assignment_expression"
                    && l.kind() == "member_expression"
                    && l.child_by_field_name("object")
                        .is_some_and(|o| o.kind() == "identifier" && self.text(o) == name)
                {
                    out.push(r);
                }
                true
            });
        }
        out
    }

    /// The module an import node belongs to (`'@salesforce/label/c.x'`), without quotes.
    fn import_source(&self, n: Node<'t>) -> &'t str {
        let mut up = Some(n);
        while let Some(u) = up {
            if u.kind() == "import_statement" {
                return u
                    .child_by_field_name("source")
                    .map_or("", |s| self.text(s).trim_matches(|c| c == '\'' || c == '"'));
            }
            up = u.parent();
        }
        ""
    }

    /// `this.x`, `x.length`, `$A`'s labels; a record's field or anything else is foreign.
    fn member(&self, e: Node<'t>, depth: u16) -> Option<Node<'t>> {
        let (Some(object), Some(property)) = (e.child_by_field_name("object"), e.child_by_field_name("property"))
        else {
            return Some(e);
        };
        let prop = self.text(property);
        if prop == "length" {
            return None;
        }
        if object.kind() != "this" {
            return Some(e);
        }
        let key = (format!("this.{prop}"), 0);
        if self.visiting.borrow().contains(&key) {
            return None;
        }
        self.visiting.borrow_mut().push(key);
        let foreign = match self.property_values(prop) {
            Some(values) => values.iter().find_map(|v| self.foreign(*v, depth)),
            None => Some(e),
        };
        self.visiting.borrow_mut().pop();
        foreign
    }

    /// Every value the file gives `this.<prop>`: class fields, assignments, a getter's
    /// returns. `None` for a property the component's user or the server sets (`@api`,
    /// `@wire`) and for one the file never gives a value.
    fn property_values(&self, prop: &str) -> Option<Vec<Node<'t>>> {
        let mut values = Vec::new();
        let mut unknown = false;
        let mut declared = false;
        crate::syntax::tree::preorder(self.root, |n| {
            match n.kind() {
                "field_definition" if n.child_by_field_name("property").is_some_and(|p| self.text(p) == prop) => {
                    declared = true;
                    unknown |= named_children(n).any(|c| c.kind() == "decorator");
                    if let Some(v) = n.child_by_field_name("value") {
                        values.push(v);
                    }
                }
                "method_definition" if n.child_by_field_name("name").is_some_and(|p| self.text(p) == prop) => {
                    declared = true;
                    let keyword = |k: &str| {
                        (0..n.child_count())
                            .filter_map(|i| n.child(i as u32))
                            .any(|c| !c.is_named() && self.text(c) == k)
                    };
                    // A setter's value comes from whoever sets it.
                    unknown |= named_children(n).any(|c| c.kind() == "decorator") || keyword("set");
                    if keyword("get") {
                        values.extend(returns(n));
                    }
                }
                "assignment_expression" | "augmented_assignment_expression" => {
                    if let (Some(l), Some(r)) = (n.child_by_field_name("left"), n.child_by_field_name("right"))
                        && l.kind() == "member_expression"
                        && l.child_by_field_name("object").is_some_and(|o| o.kind() == "this")
                        && l.child_by_field_name("property").is_some_and(|p| self.text(p) == prop)
                    {
                        declared = true;
                        values.push(r);
                    }
                }
                _ => {}
            }
            true
        });
        (declared && !unknown).then_some(values)
    }

    /// A call's result: escaped or numeric by its name, or the file's own function's returns.
    fn call(&self, e: Node<'t>, depth: u16) -> Option<Node<'t>> {
        let callee = e.child_by_field_name("function")?;
        let name = match callee.kind() {
            "member_expression" => callee.child_by_field_name("property").map(|p| self.text(p)),
            "identifier" => Some(self.text(callee)),
            _ => None,
        };
        let Some(name) = name else {
            return Some(e);
        };
        if escapes(name) || numeric(name) || self.text(callee) == "$A.get" && self.label_argument(e) {
            return None;
        }
        if let Some(helper) = &self.helper
            && callee.kind() == "member_expression"
            && callee
                .child_by_field_name("object")
                .is_some_and(|o| self.text(o) == "helper")
        {
            return (!helper(name)).then_some(e);
        }
        if callee.kind() == "member_expression" && keeps_receiver(name) {
            // The receiver's text stays, and what `concat` or `replace` adds.
            let receiver = callee.child_by_field_name("object")?;
            let adds = matches!(name, "concat" | "replace" | "replaceAll");
            let args = e.child_by_field_name("arguments").filter(|_| adds);
            return self
                .foreign(receiver, depth)
                .or_else(|| args.and_then(|a| named_children(a).find_map(|x| self.foreign(x, depth))))
                .map(|_| e);
        }
        // The file's own function (`this.render(...)`, `render(...)`): its returns, with its
        // parameters foreign.
        let own = match callee.kind() {
            "member_expression" if callee.child_by_field_name("object").is_some_and(|o| o.kind() == "this") => {
                self.method_named(name)
            }
            "identifier" => self.function_named(name),
            _ => None,
        };
        let Some(f) = own else {
            return Some(e);
        };
        let key = (format!("{name}()"), f.start_byte());
        if self.visiting.borrow().contains(&key) {
            return None;
        }
        self.visiting.borrow_mut().push(key);
        let foreign = returns(f).into_iter().any(|r| self.foreign(r, depth).is_some());
        self.visiting.borrow_mut().pop();
        foreign.then_some(e)
    }

    /// `$A.get('$Label.ns.name')`.
    fn label_argument(&self, call: Node<'t>) -> bool {
        call.child_by_field_name("arguments")
            .and_then(|a| a.named_child(0))
            .is_some_and(|a| {
                a.kind() == "string"
                    && self
                        .text(a)
                        .trim_matches(|c| c == '\'' || c == '"')
                        .starts_with("$Label.")
            })
    }

    fn method_named(&self, name: &str) -> Option<Node<'t>> {
        let mut found = None;
        crate::syntax::tree::preorder(self.root, |n| {
            if found.is_none()
                && n.kind() == "method_definition"
                && n.child_by_field_name("name").is_some_and(|p| self.text(p) == name)
            {
                found = Some(n);
            }
            found.is_none()
        });
        found
    }

    fn function_named(&self, name: &str) -> Option<Node<'t>> {
        let mut found = None;
        crate::syntax::tree::preorder(self.root, |n| {
            if found.is_none() {
                let named = match n.kind() {
                    "function_declaration" => n.child_by_field_name("name").is_some_and(|p| self.text(p) == name),
                    "variable_declarator" => {
                        n.child_by_field_name("name").is_some_and(|p| self.text(p) == name)
                            && n.child_by_field_name("value").is_some_and(|v| is_function(v.kind()))
                    }
                    _ => false,
                };
                if named {
                    found = match n.kind() {
                        "variable_declarator" => n.child_by_field_name("value"),
                        _ => Some(n),
                    };
                }
            }
            found.is_none()
        });
        found
    }
}

/// What a scope's names are declared in: a function's body, or the whole script.
fn scope_body(scope: Node<'_>) -> Option<Node<'_>> {
    if scope.kind() == "program" {
        Some(scope)
    } else {
        scope.child_by_field_name("body")
    }
}

fn is_function(kind: &str) -> bool {
    matches!(
        kind,
        "function_declaration"
            | "function_expression"
            | "function"
            | "arrow_function"
            | "method_definition"
            | "generator_function_declaration"
    )
}

fn is_loop_variable(declarator: Node<'_>) -> bool {
    let mut up = declarator.parent();
    while let Some(u) = up {
        match u.kind() {
            "for_in_statement" => return true,
            "lexical_declaration" | "variable_declaration" => up = u.parent(),
            _ => return false,
        }
    }
    false
}

/// The values a function returns: its `return`s (its own, not nested functions'), or an
/// arrow function's expression body.
pub(super) fn returns(f: Node<'_>) -> Vec<Node<'_>> {
    let Some(body) = f.child_by_field_name("body") else {
        return Vec::new();
    };
    if body.kind() != "statement_block" {
        return vec![body];
    }
    let mut out = Vec::new();
    crate::syntax::tree::preorder(body, |n| {
        if n != body && is_function(n.kind()) {
            return false;
        }
        if n.kind() == "return_statement"
            && let Some(v) = n.named_child(0)
        {
            out.push(v);
        }
        true
    });
    out
}

/// An import whose value the org's administrator or the platform writes, never a user: labels,
/// resource URLs, schema references, the user's Id, locale settings.
fn code_import(source: &str) -> bool {
    source.starts_with("@salesforce/")
        && !source.starts_with("@salesforce/apex")
        && !source.starts_with("@salesforce/messageChannel")
}

/// A function named for escaping or sanitizing (`escapeHtml`, `DOMPurify.sanitize`,
/// `encodeURIComponent`).
fn escapes(name: &str) -> bool {
    let lc = name.to_ascii_lowercase();
    ["escape", "encode", "sanitiz", "purify"].iter().any(|w| lc.contains(w))
}

/// Methods whose result is their receiver's text, reshaped (`replace`/`concat`: with their
/// arguments).
fn keeps_receiver(name: &str) -> bool {
    matches!(
        name,
        "toUpperCase"
            | "toLowerCase"
            | "trim"
            | "concat"
            | "replace"
            | "replaceAll"
            | "toString"
            | "toLocaleString"
            | "toLocaleDateString"
            | "toLocaleTimeString"
            | "toISOString"
            | "toDateString"
    )
}

/// Functions that give numbers (or text made of a number).
fn numeric(name: &str) -> bool {
    matches!(
        name,
        "Number"
            | "parseInt"
            | "parseFloat"
            | "toFixed"
            | "toPrecision"
            | "round"
            | "floor"
            | "ceil"
            | "abs"
            | "max"
            | "min"
            | "indexOf"
            | "getTime"
            | "now"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sinks(js: &str) -> Vec<(String, String)> {
        let tree = crate::syntax::js::parse(js).expect("tree");
        html_sinks(tree.root_node(), js)
            .into_iter()
            .map(|s| (s.what.to_string(), js[s.foreign.byte_range()].to_string()))
            .collect()
    }

    fn pair(what: &str, part: &str) -> (String, String) {
        (what.to_string(), part.to_string())
    }

    #[test]
    fn foreign_values_are_found() {
        let js = r#"import { LightningElement, api, wire } from 'lwc';
import getRows from '@salesforce/apex/RowController.getRows';
export default class Rows extends LightningElement {
    @api title;
    @wire(getRows) rows;
    renderedCallback() {
        this.template.querySelector('.t').innerHTML = '<b>' + this.title + '</b>';
        const el = this.template.querySelector('.r');
        el.innerHTML = `<ul>${this.rows.data[0].Name}</ul>`;
    }
    async load(recordName) {
        const result = await getRows();
        let html = '<table>';
        for (const r of result) { html += '<tr><td>' + r.Name + '</td></tr>'; }
        this.template.querySelector('.x').innerHTML = html;
        this.template.querySelector('.y').insertAdjacentHTML('beforeend', recordName);
        eval(recordName);
        const f = new Function('a', recordName);
    }
}
"#;
        assert_eq!(
            sinks(js),
            vec![
                pair("innerHTML", "this.title"),
                pair("innerHTML", "this.rows.data[0].Name"),
                pair("innerHTML", "r.Name"),
                pair("insertAdjacentHTML", "recordName"),
                pair("eval", "recordName"),
                pair("Function", "recordName"),
            ]
        );
    }

    #[test]
    fn the_codes_own_text_is_not_reported() {
        let js = r#"import { LightningElement } from 'lwc';
import HEADER from '@salesforce/label/c.Header';
const ICON = '<svg></svg>';
export default class Card extends LightningElement {
    count = 0;
    banner = '<b>Ready</b>';
    get badge() { return '<span>' + this.count + '</span>'; }
    renderedCallback() {
        const box = this.template.querySelector('.b');
        box.innerHTML = '<h1>' + HEADER + '</h1>' + ICON;
        box.innerHTML = this.banner + this.badge + this.items.length;
        box.innerHTML = this.row(3);
        let html = '<ul>';
        html = html + '<li>' + (this.count * 2) + '</li>';
        box.innerHTML = html;
        box.innerHTML = escapeHtml(this.title) + `<i>${this.count + 1}</i>`;
        const content = box.innerHTML;
        box.textContent = this.title;
    }
    row(n) { return '<tr>' + Number(n) + '</tr>'; }
}
"#;
        assert_eq!(sinks(js), Vec::<(String, String)>::new());
    }

    #[test]
    fn aura_attributes_and_server_results_are_foreign_labels_are_not() {
        let js = r#"({
    render: function (cmp, event, helper) {
        var msg = cmp.get('v.message');
        document.getElementById('m').innerHTML = msg;
        document.getElementById('t').innerHTML = $A.get('$Label.c.Title');
        var action = cmp.get('c.load');
        action.setCallback(this, function (response) {
            document.getElementById('e').innerHTML = response.getError()[0].message;
        });
        document.write('<p>' + window.location.hash + '</p>');
    }
})
"#;
        assert_eq!(
            sinks(js),
            vec![
                pair("innerHTML", "cmp.get('v.message')"),
                pair("innerHTML", "response.getError()[0].message"),
                pair("document.write", "window.location.hash"),
            ]
        );
    }

    #[test]
    fn a_callback_appending_to_an_outer_variable_is_followed() {
        let js = r#"function tooltip(el, rows) {
    var html = '<table>';
    rows.forEach(function (row) {
        var amount = Number(row.amount).toLocaleString('de-CH', { style: 'currency' });
        html += '<tr><td>' + amount + '</td></tr>';
        html += '<tr><td>' + row.label + '</td></tr>';
    });
    rows.forEach(function (html) { html.done = true; });
    el.innerHTML = html;
}
"#;
        assert_eq!(sinks(js), vec![pair("innerHTML", "row.label")]);
    }

    #[test]
    fn a_setter_takes_its_callers_value() {
        let js = r#"export default class Note extends LightningElement {
    set body(value) { this.render(value); }
    get body() { return '<p></p>'; }
    show(el) { el.innerHTML = this.body; }
}
"#;
        assert_eq!(sinks(js), vec![pair("innerHTML", "this.body")]);
    }

    #[test]
    fn a_shadowing_parameter_is_judged_in_its_own_function() {
        let js = r#"const html = '<b>x</b>';
function show(el) { el.innerHTML = html; }
function paint(el, html) { el.innerHTML = html; }
"#;
        assert_eq!(sinks(js), vec![pair("innerHTML", "html")]);
        assert!(
            sinks("el.innerHTML = data;").len() == 1,
            "an undeclared name is foreign"
        );
    }
}
