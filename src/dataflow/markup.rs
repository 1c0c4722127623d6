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
}
