//! What an Aura bundle's own scripts give its attributes: an attribute that only the bundle's
//! controller, helper and renderer set, with text they wrote, holds no user's text.

use std::rc::Rc;

use tree_sitter::Node;

use super::owned::{HelperOwns, Judge, named_children};

/// One script of a bundle: its tree, its text, and whether it is the bundle's helper.
pub(crate) struct BundleScript<'t> {
    pub root: Node<'t>,
    pub src: &'t str,
    pub is_helper: bool,
}

/// Whether every value the bundle's scripts give attribute `attr` (`cmp.set('v.<attr>', value)`,
/// or a path below it, `'v.<attr>.title'`) is the code's own text, and they give it one. A
/// `helper.name(...)` call is judged by the helper's method `name`.
pub(crate) fn attribute_is_own(scripts: &[BundleScript<'_>], attr: &str) -> bool {
    let helper: Option<HelperOwns<'_>> = scripts.iter().find(|s| s.is_helper).map(|s| {
        let judge = Judge::new(s.root, s.src);
        Rc::new(move |name: &str| judge.method_returns_own(name)) as HelperOwns<'_>
    });
    let whole = format!("v.{attr}");
    let below = format!("v.{attr}.");
    let mut any = false;
    for script in scripts {
        let mut judge = Judge::new(script.root, script.src);
        if let Some(h) = &helper {
            judge = judge.with_helper(h.clone());
        }
        let mut own = true;
        crate::syntax::tree::preorder(script.root, |n| {
            if !own {
                return false;
            }
            if let Some(value) = set_value(n, script.src, &whole, &below) {
                any = true;
                own = judge.foreign(value, 0).is_none();
            }
            true
        });
        if !own {
            return false;
        }
    }
    any
}

/// The value of a `<x>.set('v.<attr>...', value)` call.
fn set_value<'t>(n: Node<'t>, src: &str, whole: &str, below: &str) -> Option<Node<'t>> {
    if n.kind() != "call_expression" {
        return None;
    }
    let callee = n.child_by_field_name("function")?;
    let property = callee.child_by_field_name("property")?;
    if callee.kind() != "member_expression" || &src[property.byte_range()] != "set" {
        return None;
    }
    let mut args = named_children(n.child_by_field_name("arguments")?);
    let key = args.next()?;
    let path = src[key.byte_range()].trim_matches(['\'', '"']);
    (key.kind() == "string" && (path == whole || path.starts_with(below)))
        .then(|| args.next())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn own(scripts: &[(&str, bool)], attr: &str) -> bool {
        let trees: Vec<_> = scripts
            .iter()
            .map(|(s, _)| crate::syntax::js::parse(s).expect("parses"))
            .collect();
        let bundle: Vec<BundleScript<'_>> = trees
            .iter()
            .zip(scripts)
            .map(|(t, (s, h))| BundleScript {
                root: t.root_node(),
                src: s,
                is_helper: *h,
            })
            .collect();
        attribute_is_own(&bundle, attr)
    }

    const HELPER: &str = "({\n  content: function (kind) {\n    var c = { title: 'Official', body: '<b>.gov</b> sites' };\n    if (kind == 'mil') { c.body = '<b>.mil</b> sites'; }\n    return c;\n  },\n  echo: function (text) { var c = { body: text }; return c; }\n})";

    #[test]
    fn a_helpers_literals_are_the_bundles_own() {
        let controller = "({ init: function (cmp, event, helper) {\n  var c = helper.content(cmp.get('v.kind'));\n  cmp.set('v.banner', c);\n} })";
        assert!(own(&[(controller, false), (HELPER, true)], "banner"));
        // Nothing sets it: whoever uses the component may.
        assert!(!own(&[(controller, false), (HELPER, true)], "other"));
    }

    #[test]
    fn text_from_outside_makes_it_foreign() {
        for controller in [
            // The helper returns its parameter's text.
            "({ init: function (cmp, event, helper) { cmp.set('v.banner', helper.echo(cmp.get('v.kind'))); } })",
            // Another attribute's value, set by the component's user.
            "({ init: function (cmp) { cmp.set('v.banner.body', cmp.get('v.text')); } })",
            // Written into the object after it was built.
            "({ init: function (cmp, event, helper) {\n  var c = helper.content('gov');\n  c.body = event.getParam('html');\n  cmp.set('v.banner', c);\n} })",
            // A helper the bundle does not have.
            "({ init: function (cmp, event, helper) { cmp.set('v.banner', helper.missing()); } })",
        ] {
            assert!(!own(&[(controller, false), (HELPER, true)], "banner"), "{controller}");
        }
    }
}
