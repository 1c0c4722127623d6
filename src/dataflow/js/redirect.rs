//! Where a Lightning component's JavaScript sends the browser (`window.location`,
//! `location.assign`/`replace`, `window.open`, a `standard__webPage` navigation through Aura's
//! navigation service or LWC's `NavigationMixin`, `force:navigateToURL`), and whether the page's own address starts the destination: the
//! state of the page reference (`state.c__redirectUrl`), the query string, the fragment, the
//! referrer. Such a redirect is open: a link to the org sends its user anywhere.

use tree_sitter::Node;

use super::owned::{Judge, named_children};

/// A redirect whose destination the page's address starts.
pub(crate) struct Redirect<'t> {
    /// The call or assignment that redirects.
    pub at: Node<'t>,
    /// What redirects: `window.location`, `navigate`...
    pub what: &'static str,
    /// The read of the address that starts the destination.
    pub source: Node<'t>,
}

/// Words that make a script worth walking: every sink's name holds one.
pub(crate) fn may_redirect(text: &str) -> bool {
    ["location", "window.open", "standard__webPage", "navigateToURL"]
        .iter()
        .any(|w| text.contains(w))
}

/// Every redirect in the script at `root` whose destination starts with the page's address.
pub(crate) fn url_redirects<'t>(root: Node<'t>, src: &'t str) -> Vec<Redirect<'t>> {
    let judge = Judge::new(root, src);
    let mut out = Vec::new();
    crate::syntax::tree::preorder(root, |n| {
        if let Some((what, value)) = destination(&judge, n)
            && let Some(source) = leading_address(&judge, value, 0)
        {
            out.push(Redirect { at: n, what, source });
        }
        true
    });
    out
}

/// The destination node `n` sends the browser to, with what does it.
fn destination<'t>(j: &Judge<'t>, n: Node<'t>) -> Option<(&'static str, Node<'t>)> {
    match n.kind() {
        "assignment_expression" => {
            let left = j.text(n.child_by_field_name("left")?);
            let target = ["location", "window.location", "document.location"]
                .iter()
                .any(|l| left == *l || left == format!("{l}.href"));
            target.then_some(("window.location", n.child_by_field_name("right")?))
        }
        "call_expression" => {
            let callee = j.text(n.child_by_field_name("function")?);
            let args = n.child_by_field_name("arguments")?;
            let first = named_children(args).find(|a| a.kind() != "comment")?;
            if callee.ends_with("location.assign") || callee.ends_with("location.replace") {
                return Some(("location", first));
            }
            if callee == "window.open" || callee == "open" {
                return Some(("window.open", first));
            }
            let property = callee.rsplit('.').next().unwrap_or(callee);
            // `this[NavigationMixin.Navigate](...)` in LWC, `navigate(...)` of Aura's service.
            let navigates = property == "navigate" || callee.replace(' ', "").ends_with("[NavigationMixin.Navigate]");
            if navigates && first.kind() == "object" {
                // `{ type: 'standard__webPage', attributes: { url } }`
                let ty = pair(j, first, "type").map(|t| j.text(t).trim_matches(|c| c == '\'' || c == '"' || c == '`'));
                if ty == Some("standard__webPage") {
                    let url = pair(j, pair(j, first, "attributes")?, "url")?;
                    return Some(("navigate", url));
                }
            }
            if property == "setParams" && first.kind() == "object" && j.script().contains("navigateToURL") {
                return Some(("force:navigateToURL", pair(j, first, "url")?));
            }
            None
        }
        _ => None,
    }
}

/// The value of key `key` in object literal `object`; `{ url }` is its own value.
fn pair<'t>(j: &Judge<'t>, object: Node<'t>, key: &str) -> Option<Node<'t>> {
    if object.kind() != "object" {
        return None;
    }
    named_children(object).find_map(|p| match p.kind() {
        "pair" => {
            let k = j
                .text(p.child_by_field_name("key")?)
                .trim_matches(|c| c == '\'' || c == '"');
            (k == key).then(|| p.child_by_field_name("value")).flatten()
        }
        "shorthand_property_identifier" => (j.text(p) == key).then_some(p),
        _ => None,
    })
}

/// How deep the judgement follows variables.
const MAX_DEPTH: u16 = 12;

/// The read of the page's address that starts `e`'s value, if one does.
fn leading_address<'t>(j: &Judge<'t>, e: Node<'t>, depth: u16) -> Option<Node<'t>> {
    if depth > MAX_DEPTH {
        return None;
    }
    let d = depth + 1;
    let text = j.text(e);
    match e.kind() {
        "member_expression" | "subscript_expression" => {
            if is_address(text) {
                return Some(e);
            }
            // `params.c__url`, `new URL(x).searchParams`: the object's.
            leading_address(j, e.child_by_field_name("object")?, d)
        }
        "parenthesized_expression" | "await_expression" => leading_address(j, named_children(e).last()?, d),
        // Only the left part starts the address: `'/lightning/r/' + id` is the org's.
        "binary_expression" => leading_address(j, e.child_by_field_name("left")?, d),
        "ternary_expression" => leading_address(j, e.child_by_field_name("consequence")?, d)
            .or_else(|| leading_address(j, e.child_by_field_name("alternative")?, d)),
        "template_string" => {
            // Starts with a substitution only when no text comes before it.
            let first = named_children(e).next()?;
            let leads = first.kind() == "template_substitution" && first.start_byte() == e.start_byte() + 1;
            leads
                .then(|| leading_address(j, named_children(first).next()?, d))
                .flatten()
        }
        "call_expression" => {
            let callee = e.child_by_field_name("function")?;
            let name = j.text(callee).rsplit('.').next().unwrap_or_default();
            if matches!(name, "encodeURIComponent" | "encodeURI") {
                return None;
            }
            // `decodeURIComponent(x)`, `x.substring(1)`, `params.get('u')`: the text stays.
            let receiver = (callee.kind() == "member_expression")
                .then(|| callee.child_by_field_name("object"))
                .flatten();
            let first_arg = e
                .child_by_field_name("arguments")
                .and_then(|a| named_children(a).next());
            receiver
                .and_then(|r| leading_address(j, r, d))
                .or_else(|| first_arg.and_then(|a| leading_address(j, a, d)))
        }
        "new_expression" => {
            // `new URLSearchParams(location.search)`
            let args = e.child_by_field_name("arguments")?;
            named_children(args).next().and_then(|a| leading_address(j, a, d))
        }
        "identifier" => {
            let name = text;
            let scope = j.declaring_scope(e, name)?;
            let values = j.values_in(scope, name)?;
            values.into_iter().find_map(|v| leading_address(j, v, d))
        }
        _ => None,
    }
}

/// Text that reads the parts of the page's address a link's author chooses: the page
/// reference's state (Lightning puts the query string's `c__` parameters there), the query
/// string, the fragment, the referrer. The whole address (`location.href`) starts with the
/// org's own origin, and does not count.
fn is_address(text: &str) -> bool {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    t.contains("state.c__")
        || t.contains("state[")
        || ["location.search", "location.hash", "document.referrer"]
            .iter()
            .any(|w| t.ends_with(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redirects(js: &str) -> Vec<(String, String)> {
        let tree = crate::syntax::js::parse(js).expect("tree");
        url_redirects(tree.root_node(), js)
            .into_iter()
            .map(|r| (r.what.to_string(), js[r.source.byte_range()].to_string()))
            .collect()
    }

    #[test]
    fn the_address_starting_a_redirect_is_found() {
        let js = r#"({
    go: function (component) {
        const pageReference = component.get('v.pageReference');
        const redirectUrl = pageReference.state.c__redirectUrl;
        component.find('nav').navigate({ type: 'standard__webPage', attributes: { url: redirectUrl } }, true);
    },
    back: function () {
        var params = new URLSearchParams(window.location.search);
        window.location.href = decodeURIComponent(params.get('retURL'));
        window.open(location.hash.substring(1));
        var evt = $A.get('e.force:navigateToURL');
        evt.setParams({ url: params.get('next') });
    }
})
"#;
        let lwc = r#"import { LightningElement, wire } from 'lwc';
import { CurrentPageReference, NavigationMixin } from 'lightning/navigation';
export default class Back extends NavigationMixin(LightningElement) {
    @wire(CurrentPageReference) pageRef;
    back() {
        this[NavigationMixin.Navigate]({ type: 'standard__webPage', attributes: { url: this.pageRef.state.c__back } });
        this[NavigationMixin.Navigate]({ type: 'standard__recordPage', attributes: { recordId: this.pageRef.state.c__id } });
    }
}
"#;
        assert_eq!(
            redirects(lwc),
            vec![("navigate".to_string(), "this.pageRef.state.c__back".to_string())]
        );
        assert_eq!(
            redirects(js),
            vec![
                ("navigate".to_string(), "pageReference.state.c__redirectUrl".to_string()),
                ("window.location".to_string(), "window.location.search".to_string()),
                ("window.open".to_string(), "location.hash".to_string()),
                ("force:navigateToURL".to_string(), "window.location.search".to_string()),
            ]
        );
    }

    #[test]
    fn a_destination_the_code_starts_is_not() {
        let js = r#"({
    go: function (component) {
        const id = component.get('v.pageReference').state.c__recordId;
        window.location.href = '/lightning/r/' + id + '/view';
        window.location.href = `/apex/Next?id=${id}`;
        window.location.replace(component.get('v.communityUrl') + '/secur/logout.jsp');
        const here = window.location.href;
        window.location.href = '/' + encodeURIComponent(here);
        const state = this.state;
        window.open(state.url);
        window.location.href = window.location.href + '#';
    }
})
"#;
        assert_eq!(redirects(js), Vec::<(String, String)>::new());
    }
}
