//! Assignments: locals, fields (and the URLs fields hold), and the sinks an assignment is.

use crate::syntax::flat::Node;

use super::Frame;
use crate::dataflow::model::FieldId;
use crate::dataflow::{Origin, Val};

impl<'a, 't> Frame<'a, 't> {
    pub(super) fn assignment(&mut self, node: Node<'a>) -> Val {
        let (Some(left), Some(right)) = (node.field("left"), node.field("right")) else {
            return Val::default();
        };
        let mut v = self.eval(right);
        let compound = node.field("operator").is_some_and(|o| self.t(o) != "=");
        // `x = String.escapeSingleQuotes(x)`: from here on `x` holds the sanitized value, which
        // a flow-insensitive join would lose.
        if !compound && left.kind() == "identifier" && self.sanitizes(right, self.t(left)) {
            self.mark_checked(left);
            return Val::default();
        }
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
                    } else if let Some(f) = self.instance_field(obj, &fname) {
                        self.write_field(f, &v, left);
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

    /// Whether `value` is a sanitizer's call whose first argument is the local (or field) `name`,
    /// maybe through its text methods.
    fn sanitizes(&self, value: Node<'a>, name: &str) -> bool {
        if value.kind() != "method_invocation" {
            return false;
        }
        let method = value
            .field("name")
            .map(|n| self.t(n).to_ascii_lowercase())
            .unwrap_or_default();
        // The value itself, or it trimmed or re-cased first (`escapeSingleQuotes(x.trim())`).
        let mut first = crate::syntax::flat::arguments(value).first().copied();
        while let Some(call) = first.filter(|a| a.kind() == "method_invocation") {
            first = call.field("object");
        }
        first.is_some_and(|a| a.kind() == "identifier" && self.t(a).eq_ignore_ascii_case(name))
            && self
                .spec
                .sanitizers
                .iter()
                .any(|c| self.matches(c, &method, value.field("object")))
    }

    /// With [`crate::dataflow::Spec::field_sensitive`]: the field `fname` of a project class
    /// that `obj`, a local or a parameter, is declared as.
    fn instance_field(&self, obj: Node<'a>, fname: &str) -> Option<FieldId> {
        if !self.spec.field_sensitive || obj.kind() != "identifier" {
            return None;
        }
        let class = self
            .type_of(obj)
            .and_then(|t| self.model.resolve_class(&t, Some(self.class)))?;
        self.model.field_in_scope(class, fname)
    }

    pub(super) fn write_field(&mut self, f: FieldId, v: &Val, at: Node<'a>) {
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
    pub(super) fn record_field_url(&mut self, f: FieldId, value: Node<'a>) {
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

    pub(super) fn initialized_field(&self, init: Node<'a>) -> Option<FieldId> {
        self.model.classes[self.class]
            .fields
            .values()
            .copied()
            .find(|&f| self.model.fields[f].init.and_then(|i| self.model.node(self.file, i)) == Some(init))
    }

    // ---- calls ------------------------------------------------------------------------------
}
