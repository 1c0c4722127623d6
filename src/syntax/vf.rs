//! Facts about Visualforce markup shared by lints and the data-flow engine.

/// The Apex classes a page or component names as `controller` and `extensions` (lower-case),
/// from its root tag.
pub(crate) fn controllers(text: &str) -> Vec<String> {
    let lower = text.to_ascii_lowercase();
    let mut classes = Vec::new();
    if let Some(tag) = root_tag(&lower) {
        for attr in ["controller", "extensions"] {
            if let Some(v) = attribute(tag, attr) {
                classes.extend(v.split(',').map(|c| c.trim().to_string()).filter(|c| !c.is_empty()));
            }
        }
    }
    classes
}

/// The method a page runs when it loads, before anything is shown: the lower-case name in its
/// root tag's `action="{!name}"`. A component has none.
pub(crate) fn page_action(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let tag = root_tag(&lower).filter(|t| t.starts_with("<apex:page"))?;
    let value = attribute(tag, "action")?.trim();
    let name = value.strip_prefix("{!")?.strip_suffix('}')?.trim();
    // `{!init}` names a method; an expression (`{!IF(...)}`, `{!URLFOR(...)}`) is not followed.
    let simple = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    simple.then(|| name.to_string())
}

/// The root `<apex:page ...` or `<apex:component ...` start tag of lower-cased markup, without
/// its `>`.
fn root_tag(lower: &str) -> Option<&str> {
    ["<apex:page", "<apex:component"]
        .iter()
        .filter_map(|t| lower.find(t))
        .min()
        .and_then(|start| lower[start..].find('>').map(|end| &lower[start..start + end]))
}

/// The value of `attr="..."` in a lower-cased start tag.
fn attribute<'t>(tag: &'t str, attr: &str) -> Option<&'t str> {
    let mut from = 0;
    while let Some(i) = tag[from..].find(attr) {
        let at = from + i;
        let before_ok = at == 0 || tag.as_bytes()[at - 1].is_ascii_whitespace();
        let rest = tag[at + attr.len()..].trim_start();
        if before_ok && let Some(rest) = rest.strip_prefix('=') {
            let rest = rest.trim_start();
            let quote = rest.chars().next()?;
            if quote == '"' || quote == '\'' {
                return rest[1..].split(quote).next();
            }
        }
        from = at + attr.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controllers_and_extensions() {
        let page = "<apex:page standardController=\"Account\" extensions=\"AcctExt, Other\" controller='Main'>";
        assert_eq!(controllers(page), ["main", "acctext", "other"]);
        assert!(controllers("<apex:page>").is_empty());
    }

    #[test]
    fn page_actions() {
        assert_eq!(
            page_action("<apex:page controller=\"C\" action=\"{! Init }\">").as_deref(),
            Some("init")
        );
        assert_eq!(
            page_action("<apex:page controller='C' action='{!URLFOR($Action.Account.List)}'>"),
            None
        );
        assert_eq!(page_action("<apex:component action=\"{!x}\">"), None);
        // `extensions`, `reRenderAction`... are not `action`.
        assert_eq!(page_action("<apex:page extensions=\"E\" pageaction=\"{!x}\">"), None);
    }
}
