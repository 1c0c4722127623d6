//! Where a URL expression in script points: literals, concatenations and templates by their
//! start, names by what this file assigns them.

use tree_sitter::Node;

use super::interp::Script;
use crate::dataflow::markup::classify_markup_url;
use crate::dataflow::url::{self, UrlClass};
use crate::syntax::tree::NodeExt;

impl<'a, 'r> Script<'a, 'r> {
    /// Where a URL expression points; a concatenation or template is decided by its start.
    pub(super) fn classify(&self, n: Node<'a>, depth: usize) -> UrlClass {
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

    pub(super) fn classify_text(&self, s: &str) -> UrlClass {
        if s.contains("{!") {
            classify_markup_url(s, &self.controllers)
        } else {
            url::classify_literal(s)
        }
    }
}
