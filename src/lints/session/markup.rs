//! Session IDs in markup: Visualforce pages and components, formula fields, custom buttons and
//! links. `{!$Api.Session_ID}` and `GETSESSIONID()` are the sources; a URL that leaves the org
//! is the sink.

use std::ops::Range;

use crate::dataflow::markup::{Controllers, classify_markup_url};
use crate::dataflow::url::{self, UrlClass};
use crate::diagnostics::finding::{FileId, Finding};
use crate::lints::Ctx;
use crate::syntax::vf::{enclosing_attribute, url_attribute};
use crate::syntax::xml::XmlDoc;
use crate::workspace::kind::FileKind;
use crate::workspace::project::SourceFile;

/// `{!API.Session_ID}` (no `$`) is the merge field of custom buttons, links and S-controls.
pub(crate) const MARKERS: &[&str] = &["$api.session_id", "getsessionid(", "api.session_id"];

/// Byte ranges of every session-ID merge field or formula call in `text`.
pub(crate) fn session_markers(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
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

/// Formula fields and custom buttons or links that put the session ID into an off-org URL.
pub(crate) fn check_metadata(rule: &'static str, file: FileId, src: &SourceFile, doc: &XmlDoc, out: &mut Vec<Finding>) {
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
pub(crate) fn check_outbound_messages(rule: &'static str, file: FileId, doc: &XmlDoc, out: &mut Vec<Finding>) {
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

/// Session IDs in Visualforce attributes that send them to another host.
pub(crate) fn check_pages(rule: &'static str, cx: &Ctx<'_>, out: &mut Vec<Finding>) {
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
}
