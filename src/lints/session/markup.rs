//! Session IDs in markup: Visualforce pages and components, formula fields, custom buttons and
//! links. `{!$Api.Session_ID}` and `GETSESSIONID()` are the sources; a URL that leaves the org
//! is the sink.

use std::ops::Range;

use crate::dataflow::Analysis;
use crate::dataflow::url::{self, UrlClass};
use crate::diagnostics::finding::{FileId, Finding};
use crate::lints::Ctx;
use crate::syntax::xml::XmlDoc;
use crate::workspace::kind::FileKind;
use crate::workspace::project::SourceFile;

/// `{!API.Session_ID}` (no `$`) is the merge field of custom buttons, links and S-controls.
const MARKERS: &[&str] = &["$api.session_id", "getsessionid(", "api.session_id"];

/// Byte ranges of every session-ID merge field or formula call in `text`.
pub fn session_markers(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let bytes = text.as_bytes();
    (0..bytes.len()).filter_map(move |i| {
        let c = bytes[i];
        if !matches!(c, b'$' | b'g' | b'G' | b'a' | b'A') {
            return None;
        }
        MARKERS.iter().find_map(|m| {
            let end = i + m.len();
            let hit = bytes.get(i..end).is_some_and(|w| w.eq_ignore_ascii_case(m.as_bytes()));
            // `getsessionid(` must not be the tail of a longer name.
            // `api.session_id` must not be the tail of `$Api.Session_ID` (already a marker).
            let boundary =
                i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || matches!(bytes[i - 1], b'_' | b'.' | b'$'));
            (hit && (c == b'$' || boundary)).then(|| {
                // Include the `)` of the formula call.
                let end = if m.ends_with('(') && bytes.get(end) == Some(&b')') {
                    end + 1
                } else {
                    end
                };
                i..end
            })
        })
    })
}

/// The Apex controllers of a page or component, to resolve `{!property}` merge fields to
/// where the property's value points.
#[derive(Default)]
pub struct Controllers<'a> {
    analysis: Option<&'a Analysis>,
    /// Lower-case class names: `controller` first, then `extensions`.
    classes: Vec<String>,
}

impl<'a> Controllers<'a> {
    /// The controller and extensions named by the page's or component's root tag.
    pub fn of_markup(text: &str, analysis: Option<&'a Analysis>) -> Self {
        Controllers {
            analysis,
            classes: crate::syntax::vf::controllers(text),
        }
    }

    /// Where `{!expr}` points, when `expr` is a controller property sfsec can classify.
    pub fn resolve(&self, expr: &str) -> Option<UrlClass> {
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
pub fn classify_markup_url(before: &str, ctl: &Controllers<'_>) -> UrlClass {
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

/// Formula fields and custom buttons or links that put the session ID into an off-org URL.
pub fn check_metadata(rule: &'static str, file: FileId, src: &SourceFile, doc: &XmlDoc, out: &mut Vec<Finding>) {
    for el in (0..doc.elements.len()).map(|i| doc.get(i as u32)) {
        let what = match el.name() {
            "formula" => "formula",
            "url"
                if matches!(
                    el.el().parent().map(|p| doc.get(p).name()),
                    Some("WebLink" | "webLinks")
                ) =>
            {
                "custom button or link"
            }
            _ => continue,
        };
        let Some(text) = el.text() else {
            continue;
        };
        let Some(marker) = session_markers(text).next() else {
            continue;
        };
        let lower = text.to_ascii_lowercase();
        // A formula that only shows a value is not a URL.
        if what == "formula" && !lower.contains("hyperlink") && !lower.contains("http") {
            continue;
        }
        let before = &text[..marker.start];
        let before = if what == "custom button or link" && is_javascript_link(doc, el) {
            // An onClick JavaScript body: the URL is the expression the marker sits in, not
            // the script from its first line (`var u = "/apex/Composer" + "?sid={!API...}"`).
            script_expression(before)
        } else {
            before
        };
        let class = classify_markup_url(before, &Controllers::default());
        if class == UrlClass::SameOrg {
            continue;
        }
        out.push(
            Finding::new(
                rule,
                file,
                el.text_sub_span_in(&src.text, marker),
                format!("session ID is put in a {what} URL {}", class.describe()),
            )
            .help("link to the other system without the session ID; let it authenticate with its own OAuth flow"),
        );
    }
}

/// Whether the button or link that holds `url` runs JavaScript (`linkType` `javascript`,
/// `openType` `onClickJavaScript`).
fn is_javascript_link(doc: &XmlDoc, url: crate::syntax::xml::ElemRef<'_>) -> bool {
    url.el().parent().map(|p| doc.get(p)).is_some_and(|link| {
        link.child_text("linkType")
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("javascript"))
            || link
                .child_text("openType")
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("onClickJavaScript"))
    })
}

/// The start of the JavaScript expression that ends at the end of `before` (inside a string
/// literal, where a session marker sits): what follows the last `;`, brace, `(`, `,`, `:`, `?`
/// or assignment outside strings and comments, with the opening quote of its first literal
/// dropped, so that the literal's text is read as the URL.
fn script_expression(before: &str) -> &str {
    let b = before.as_bytes();
    let mut start = 0;
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match quote {
            Some(q) => {
                if c == b'\\' {
                    i += 1;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                b'"' | b'\'' | b'`' => quote = Some(c),
                b'/' if b.get(i + 1) == Some(&b'/') => {
                    i = before[i..].find('\n').map_or(b.len(), |n| i + n);
                    start = i;
                }
                b';' | b'{' | b'}' | b'(' | b',' | b':' | b'?' => start = i + 1,
                // An assignment, not `==`, `!=`, `<=`, `>=` or `=>`.
                b'=' if !matches!(b.get(i + 1), Some(b'=' | b'>'))
                    && !i
                        .checked_sub(1)
                        .is_some_and(|p| matches!(b[p], b'=' | b'!' | b'<' | b'>')) =>
                {
                    start = i + 1
                }
                _ => {}
            },
        }
        i += 1;
    }
    let expr = before[start.min(before.len())..].trim_start();
    expr.strip_prefix(['"', '\'', '`']).unwrap_or(expr)
}

/// Workflow outbound messages that carry a session ID (`includeSessionId`) to their endpoint.
/// The session is the integration user's, sent with every message: the endpoint can act as that
/// user until the session expires.
pub fn check_outbound_messages(rule: &'static str, file: FileId, doc: &XmlDoc, out: &mut Vec<Finding>) {
    let Some(root) = doc.root() else { return };
    for msg in root.children_named("outboundMessages") {
        let Some(flag) = msg.child("includeSessionId").filter(|e| e.bool_value() == Some(true)) else {
            continue;
        };
        let endpoint = msg.child("endpointUrl");
        let class = endpoint.and_then(|e| e.text()).map_or_else(
            || UrlClass::Unknown("the message has no `endpointUrl`".into()),
            url::classify_literal,
        );
        if class == UrlClass::SameOrg {
            continue;
        }
        let name = msg.child_text("fullName").unwrap_or("");
        let mut f = Finding::new(
            rule,
            file,
            flag.value_span(),
            format!("outbound message `{name}` sends a session ID {}", class.describe()),
        )
        .help("set `includeSessionId` to false; let the receiving system authenticate with its own OAuth flow (JWT bearer or client credentials with a dedicated user)");
        if let Some(e) = endpoint {
            f = f.label(file, e.value_span(), "endpoint set here");
        }
        out.push(f);
    }
}

/// Visualforce attributes that load or submit to a URL.
pub fn url_attribute(tag: &str, attr: &str) -> bool {
    matches!(attr, "action" | "src" | "href" | "data" | "formaction")
        || (matches!(tag, "apex:outputlink" | "lightning:formattedurl" | "ui:outputurl") && attr == "value")
        || (tag == "meta" && attr == "content")
}

/// Session IDs in Visualforce attributes that send them to another host.
pub fn check_pages(rule: &'static str, cx: &Ctx<'_>, out: &mut Vec<Finding>) {
    for (id, f) in cx.project.files.iter().enumerate() {
        if f.kind != FileKind::Visualforce {
            continue;
        }
        let ctl = Controllers::of_markup(&f.text, cx.analysis_of(&super::SESSION));
        for marker in session_markers(&f.text) {
            let Some((tag, attr, value_start)) = enclosing_attribute(&f.text, marker.start) else {
                continue;
            };
            if !url_attribute(&tag, &attr) {
                // `<form action="https://..."><input type="hidden" value="{!$Api.Session_ID}">`:
                // the form posts the field's value to its action.
                if tag == "input"
                    && attr == "value"
                    && let Some(action) = enclosing_form_action(&f.text, marker.start)
                {
                    let class = action.map_or(UrlClass::SameOrg, |a| classify_markup_url(a, &ctl));
                    if class != UrlClass::SameOrg {
                        out.push(
                            Finding::new(
                                rule,
                                id,
                                marker,
                                format!(
                                    "session ID is put in a form field that the form posts {}",
                                    class.describe()
                                ),
                            )
                            .help(
                                "do not hand the session to another site; let it authenticate with its own OAuth flow",
                            ),
                        );
                    }
                }
                continue;
            }
            let class = classify_markup_url(&f.text[value_start..marker.start], &ctl);
            if class == UrlClass::SameOrg {
                continue;
            }
            out.push(
                Finding::new(
                    rule,
                    id,
                    marker,
                    format!("session ID is put in the `{attr}` of `<{tag}>` {}", class.describe()),
                )
                .help("do not hand the session to another site; let it authenticate with its own OAuth flow"),
            );
        }
    }
}

/// For a position inside an HTML `<form>` (not closed before it): `Some(action)`, the value
/// of its `action` attribute, or `Some(None)` when it has none (it posts to its own page).
fn enclosing_form_action(text: &str, at: usize) -> Option<Option<&str>> {
    let lower = text.get(..at)?.to_ascii_lowercase();
    let open = lower.rmatch_indices("<form").map(|(i, _)| i).find(|&i| {
        lower
            .as_bytes()
            .get(i + 5)
            .is_some_and(|c| c.is_ascii_whitespace() || *c == b'>')
    })?;
    if lower[open..].contains("</form") {
        return None;
    }
    let tag_end = open + lower[open..].find('>')?;
    let tag = &lower[open..tag_end];
    let mut from = 0;
    while let Some(i) = tag[from..].find("action") {
        let name_at = from + i;
        from = name_at + 6;
        if !tag.as_bytes()[name_at - 1].is_ascii_whitespace() {
            continue;
        }
        let rest = tag[from..].trim_start();
        let Some(rest) = rest.strip_prefix('=') else { continue };
        let rest = rest.trim_start();
        let quote = rest.chars().next().filter(|c| matches!(c, '"' | '\''))?;
        // `lower` keeps `text`'s offsets (ASCII case folding).
        let value_start = tag_end - rest.len() + 1;
        let len = text[value_start..].find(quote)?;
        return Some(Some(&text[value_start..value_start + len]));
    }
    Some(None)
}

/// The tag, attribute name (both lower-case) and value start of the attribute value that
/// contains `at`, if `at` is inside a start tag's quoted attribute value.
pub fn enclosing_attribute(text: &str, at: usize) -> Option<(String, String, usize)> {
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
    fn markers() {
        let t = "a {!$Api.Session_ID} b {!GETSESSIONID()} c mygetsessionid() {!$API.SESSION_ID}";
        let found: Vec<&str> = session_markers(t).map(|r| &t[r]).collect();
        assert_eq!(found, ["$Api.Session_ID", "GETSESSIONID()", "$API.SESSION_ID"]);
    }

    #[test]
    fn markers_in_every_spelling_once() {
        let found = |t: &str| session_markers(t).map(|r| t[r].to_string()).collect::<Vec<_>>();
        assert_eq!(found("{!$Api.Session_ID}"), ["$Api.Session_ID"]);
        assert_eq!(found("?sid={!API.Session_ID}"), ["API.Session_ID"]);
        assert_eq!(found("{!GETSESSIONID()}"), ["GETSESSIONID()"]);
        assert!(found("{!myApi.Session_Id__c} {!Acme_Api.Session_ID}").is_empty());
    }

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
