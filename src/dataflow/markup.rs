//! Where a URL written in markup points: Visualforce attributes, formulas, custom buttons and
//! links, and strings in their scripts. A merge field that is a controller property resolves
//! through the Apex data flow's field URLs.

use crate::dataflow::Analysis;
use crate::dataflow::url::{self, UrlClass};

/// The Apex controllers of a page or component, to resolve `{!property}` merge fields to
/// where the property's value points.
#[derive(Default)]
pub(crate) struct Controllers<'a> {
    analysis: Option<&'a Analysis>,
    /// Lower-case class names: `controller` first, then `extensions`.
    classes: Vec<String>,
}

impl<'a> Controllers<'a> {
    /// The controller and extensions named by the page's or component's root tag.
    pub(crate) fn of_markup(text: &str, analysis: Option<&'a Analysis>) -> Self {
        Controllers {
            analysis,
            classes: crate::syntax::vf::controllers(text),
        }
    }

    /// Where `{!expr}` points, when `expr` is a controller property sfsec can classify.
    pub(crate) fn resolve(&self, expr: &str) -> Option<UrlClass> {
        let name = expr.trim();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return None;
        }
        let analysis = self.analysis?;
        self.classes.iter().find_map(|c| analysis.field_url(c, name)).cloned()
    }
}

/// The expression inside a leading `{!...}`, and what follows it.
fn leading_merge(t: &str) -> Option<(&str, &str)> {
    let rest = t.strip_prefix("{!")?;
    let end = rest.find('}')?;
    Some((&rest[..end], &rest[end + 1..]))
}

/// Where the URL in a markup value (attribute, formula, button URL, script string) points,
/// judged by what comes before the session marker.
pub(crate) fn classify_markup_url(before: &str, ctl: &Controllers<'_>) -> UrlClass {
    let t = before.trim_start();
    let lower = t.to_ascii_lowercase();
    // Merge fields that are the org's own API endpoints or pages.
    const ORG_PREFIXES: &[&str] = &[
        "{!$api.partner_server_url",
        "{!$api.enterprise_server_url",
        "{!$api.metadata_server_url",
        "{!$site.",
        "{!urlfor(",
        "{!$page.",
        "{!$resource.",
    ];
    if ORG_PREFIXES.iter().any(|p| lower.starts_with(p)) {
        return UrlClass::SameOrg;
    }
    if t.starts_with('/') && !t.starts_with("//") {
        return UrlClass::SameOrg;
    }
    if let Some((expr, _)) = leading_merge(t) {
        return ctl
            .resolve(expr)
            .unwrap_or_else(|| UrlClass::Unknown(format!("the URL starts with `{{!{expr}}}`")));
    }
    // Formulas and JavaScript: the first quoted absolute URL decides.
    if let Some(lit) = first_url_literal(t) {
        // `https://{!Host}/...`: the host is a controller property.
        let after_scheme = lit.split_once("//").map_or("", |(_, r)| r);
        if let Some((expr, _)) = leading_merge(after_scheme)
            && let Some(class) = ctl.resolve(expr)
        {
            return class;
        }
        return url::classify_literal(lit);
    }
    if t.is_empty() {
        return UrlClass::Unknown("the URL is only the session ID".into());
    }
    url::classify_literal(t)
}

/// The first `"..."` or `'...'` literal (or bare text start) that looks like a URL.
fn first_url_literal(s: &str) -> Option<&str> {
    let lower = s.to_ascii_lowercase();
    let at = ["https://", "http://", "//", "wss://"]
        .iter()
        .filter_map(|p| lower.find(p))
        .min()?;
    let rest = &s[at..];
    // A merge field inside the URL is part of it, quotes and spaces included
    // (`https://{!SUBSTITUTE(TEXT(Env__c), "prod-", "")}conductor.example.com/...`).
    let mut depth = 0usize;
    let end = rest
        .char_indices()
        .find(|&(_, c)| match c {
            '{' => {
                depth += 1;
                false
            }
            '}' => {
                depth = depth.saturating_sub(1);
                false
            }
            '"' | '\'' | '&' | ' ' | ')' => depth == 0,
            _ => false,
        })
        .map_or(rest.len(), |(i, _)| i);
    Some(&rest[..end])
}

/// Visualforce attributes that load or submit to a URL.
pub(crate) fn url_attribute(tag: &str, attr: &str) -> bool {
    matches!(attr, "action" | "src" | "href" | "data" | "formaction")
        || (matches!(tag, "apex:outputlink" | "lightning:formattedurl" | "ui:outputurl") && attr == "value")
        || (tag == "meta" && attr == "content")
}

/// The tag, attribute name (both lower-case) and value start of the attribute value that
/// contains `at`, if `at` is inside a start tag's quoted attribute value.
pub(crate) fn enclosing_attribute(text: &str, at: usize) -> Option<(String, String, usize)> {
    let before = &text[..at];
    let lt = before.rfind('<')?;
    // Inside text content, not a tag, when a `>` closes the tag before `at` (merge fields may
    // contain `>` only as an operator, which Visualforce writes as `&gt;`).
    if before[lt..].contains('>') {
        return None;
    }
    let tag_text = &before[lt + 1..];
    let tag: String = tag_text
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '/')
        .collect::<String>()
        .to_ascii_lowercase();
    // The attribute value we are in starts at the last quote preceded by `=`.
    let bytes = before.as_bytes();
    let mut i = at;
    while i > lt {
        i -= 1;
        let c = bytes[i];
        if (c == b'"' || c == b'\'') && i > 0 {
            let mut j = i;
            while j > lt && bytes[j - 1].is_ascii_whitespace() {
                j -= 1;
            }
            if j > lt && bytes[j - 1] == b'=' {
                let mut k = j - 1;
                while k > lt && bytes[k - 1].is_ascii_whitespace() {
                    k -= 1;
                }
                let name_end = k;
                while k > lt && !bytes[k - 1].is_ascii_whitespace() {
                    k -= 1;
                }
                let name = before[k..name_end].to_ascii_lowercase();
                // The quote must not be closed between the value start and `at`.
                if !before[i + 1..].contains(c as char) {
                    return Some((tag, name, i + 1));
                }
                return None;
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_urls() {
        let none = Controllers::default();
        assert_eq!(
            classify_markup_url("https://app.example.com/sso?sid=", &none),
            UrlClass::External("app.example.com".into())
        );
        assert_eq!(
            classify_markup_url("{!$Api.Partner_Server_URL_260}&sid=", &none),
            UrlClass::SameOrg
        );
        assert_eq!(classify_markup_url("/apex/Next?sid=", &none), UrlClass::SameOrg);
        assert_eq!(
            classify_markup_url("HYPERLINK(\"https://x.example/a?s=\" & ", &none),
            UrlClass::External("x.example".into())
        );
        assert!(matches!(
            classify_markup_url("{!endpoint}?sid=", &none),
            UrlClass::Unknown(_)
        ));
        // A public org's Conga button: quotes inside the merge field do not end the URL.
        assert_eq!(
            classify_markup_url(
                "https://{!SUBSTITUTE(TEXT(Conductor__c.Environment__c), \"prod-\", \"\")}conductor.appextremes.com/apps/Launch.aspx?sessionId=",
                &none
            ),
            UrlClass::External("*conductor.appextremes.com".into())
        );
    }

    #[test]
    fn controllers_resolve_merge_fields() {
        let analysis = Analysis {
            field_urls: vec![("remotesitehelper".into(), "host".into(), UrlClass::SameOrg)],
            ..Analysis::default()
        };
        let page = "<apex:component controller=\"RemoteSiteHelper\" access=\"global\"><script/></apex:component>";
        let ctl = Controllers::of_markup(page, Some(&analysis));
        assert_eq!(
            classify_markup_url("https://{!Host}/services/Soap/m/31.0", &ctl),
            UrlClass::SameOrg
        );
        assert_eq!(classify_markup_url("{!host}/x?sid=", &ctl), UrlClass::SameOrg);
        assert!(matches!(
            classify_markup_url("https://{!Other}/x", &ctl),
            UrlClass::Unknown(why) if why.contains("{!Other}")
        ));
    }

    #[test]
    fn attributes() {
        let t = r#"<apex:page><iframe width="1" src="https://x.example/?s={!$Api.Session_ID}"/> <p>{!$Api.Session_ID}</p></apex:page>"#;
        let at = t.find("$Api").unwrap_or(0);
        assert_eq!(
            enclosing_attribute(t, at).map(|(t, a, _)| (t, a)),
            Some(("iframe".to_string(), "src".to_string()))
        );
        let at = t.rfind("$Api").unwrap_or(0);
        assert_eq!(enclosing_attribute(t, at), None);
    }
}
