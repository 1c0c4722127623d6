//! Where a URL expression points: its leftmost part, the parameter it is built on, what a
//! local, field or method returns.

use crate::syntax::flat::Node;

use super::{Frame, MAX_URL_DEPTH};
use crate::dataflow::model::FieldId;
use crate::dataflow::url::{self, Endpoint, UrlClass};

impl<'a, 't> Frame<'a, 't> {
    pub(super) fn endpoint_of(&self, node: Node<'a>) -> Endpoint {
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
    pub(super) fn url_param(&self, node: Node<'a>, depth: usize) -> Option<u16> {
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
    pub(super) fn classify(&self, node: Node<'a>, depth: usize) -> UrlClass {
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
            "binary_expression" | "parenthesized_expression" | "cast_expression" => self.classify_chain(node, depth),
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
            "identifier" => self.classify_name(node, depth),
            "field_access" => self.classify_field_access(node),
            "method_invocation" => self.classify_call(node, depth),
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

    /// A `+` chain (or parentheses, a cast) is decided by its leftmost part, reached in one
    /// step however long the chain; `'https://' + host` by the host.
    fn classify_chain(&self, node: Node<'a>, depth: usize) -> UrlClass {
        // Down to the leftmost part of a `+` chain in one step, however long the chain.
        let mut cur = node;
        while matches!(
            cur.kind(),
            "binary_expression" | "parenthesized_expression" | "cast_expression"
        ) {
            if cur.kind() == "binary_expression" && cur.field("left").is_some_and(|l| url::is_scheme_only(self.t(l))) {
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

    /// A local is the join of what is assigned to it; a parameter is unknown here (the caller
    /// decides, see [`Frame::url_param`]); another name is a field in scope.
    fn classify_name(&self, node: Node<'a>, depth: usize) -> UrlClass {
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

    /// `this.f` or `Class.f`: the field's URL.
    fn classify_field_access(&self, node: Node<'a>) -> UrlClass {
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

    /// A call: this org's own URL (`Url.getOrgDomainUrl()`, the request's Host header), the
    /// first argument of `String.format`, what the methods it may reach return, or else the
    /// receiver's host (`toExternalForm()`, `getHost()`).
    fn classify_call(&self, node: Node<'a>, depth: usize) -> UrlClass {
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

    pub(super) fn join_classes(&self, nodes: &[Node<'a>], depth: usize, name: &str) -> UrlClass {
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
    pub(super) fn classify_field(&self, f: FieldId) -> UrlClass {
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
