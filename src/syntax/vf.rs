//! Facts about Visualforce markup shared by lints and the data-flow engine.

/// The Apex classes a page or component names as `controller` and `extensions` (lower-case),
/// from its root tag.
pub(crate) fn controllers(text: &str) -> Vec<String> {
    let lower = text.to_ascii_lowercase();
    let root = ["<apex:page", "<apex:component"]
        .iter()
        .filter_map(|t| lower.find(t))
        .min()
        .and_then(|start| lower[start..].find('>').map(|end| &lower[start..start + end]));
    let mut classes = Vec::new();
    if let Some(tag) = root {
        for attr in ["controller", "extensions"] {
            if let Some(v) = attribute(tag, attr) {
                classes.extend(v.split(',').map(|c| c.trim().to_string()).filter(|c| !c.is_empty()));
            }
        }
    }
    classes
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
}
