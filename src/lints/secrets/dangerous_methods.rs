//! Calls that give away what the rest of the code protects: a debug log line with a password,
//! token or session ID in it, and fflib's switch that turns off the CRUD checks of a domain's
//! trigger handling.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use tree_sitter::Node;

use crate::dataflow::Spec;
use crate::dataflow::apex::owned::{HOP, Resolver, RichText};
use crate::diagnostics::finding::{FileId, Finding};
use crate::lints::{Ctx, Lint};
use crate::semantic::secrets::settings::credential_header;
use crate::semantic::secrets::{NOT_CREDENTIAL_TOKENS, credential_name, names_other_content, words};
use crate::syntax::apex::{for_each_call, qualifier, string_content};
use crate::syntax::tree::arguments;
use crate::workspace::kind::FileKind;

declare_lint!(DangerousMethods = "dangerous-methods");

/// Words of a candidate file (any case): a debug call, fflib's switch, and calls that return
/// a credential (which a local may carry to a debug call).
static WORDS: LazyLock<Option<aho_corasick::AhoCorasick>> = LazyLock::new(|| {
    crate::syntax::apex::words_matcher([
        "system.debug",
        "disabletriggercrudsecurity",
        "getsessionid",
        "getaccesstoken",
        "getheader",
    ])
});

impl Lint for DangerousMethods {
    fn specs(&self) -> &'static [&'static Spec] {
        crate::lints::session::SPECS
    }

    fn check_project(&self, cx: &Ctx<'_>, out: &mut Vec<Finding>) {
        let Some(words) = WORDS.as_ref() else { return };
        let rich = RichText::default();
        // The debug calls the session ID's data flow reaches: `session-id-exposed` reports
        // them, with the path.
        let traced: BTreeSet<(FileId, usize)> = cx
            .flows_of(&crate::lints::session::SESSION)
            .iter()
            .map(|f| (f.file, f.span.start))
            .collect();
        for (id, file) in cx.project.files.iter().enumerate() {
            if file.kind != FileKind::Apex {
                continue;
            }
            // Most files debug something; only those where a debug call names a credential, or
            // that call the switch, are parsed again.
            let text = file.text.as_bytes();
            let (mut debug, mut named, mut switch, mut source) = (false, false, false, false);
            for m in words.find_iter(text) {
                match m.pattern().as_usize() {
                    0 => {
                        debug = true;
                        named = named || debug_names_credential(&text[m.end()..text.len().min(m.end() + 400)]);
                    }
                    1 => switch = true,
                    _ => source = true,
                }
            }
            if named || switch || (debug && source) {
                check_file(id, &file.text, &rich, &traced, out);
            }
        }
    }
}

/// Whether the text after `System.debug` names, before the statement's end, a variable that
/// [`credential_variable`] could take for a credential: the cheap test before parsing (most
/// debug calls log keys of maps and ids).
fn debug_names_credential(after: &[u8]) -> bool {
    let end = after.iter().position(|&b| b == b';').unwrap_or(after.len());
    // Lossy: the window may end inside a character.
    let arg = String::from_utf8_lossy(&after[..end]);
    arg.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|t| !t.is_empty())
        .any(|t| named_credential(t, || true).is_some())
}

fn check_file(file: FileId, text: &str, rich: &RichText, traced: &BTreeSet<(FileId, usize)>, out: &mut Vec<Finding>) {
    for_each_call(text, |call, name| {
        let on = qualifier(call, text);
        if name == "disabletriggercrudsecurity" && is_configuration(on) {
            out.push(
                Finding::new(
                    ID,
                    file,
                    call.byte_range(),
                    "`Configuration.disableTriggerCRUDSecurity()` turns off the object permission checks of this domain's \
                     trigger handling: every user can then create, change and delete its records through it",
                )
                .help("keep the checks on; where a process must write records the user may not, do that write in a \
                       `without sharing` service that checks what it allows, and document why"),
            );
        } else if name == "debug" && on.eq_ignore_ascii_case("system") && !traced.contains(&(file, call.start_byte())) {
            let resolver = Resolver::new(call, text, rich);
            let found = arguments(call).into_iter().find_map(|a| credential_in(&resolver, a, 0));
            if let Some((at, what)) = found {
                out.push(
                    Finding::new(
                        ID,
                        file,
                        at.byte_range(),
                        format!(
                            "`System.debug` writes `{}` ({what}) to the debug log, which administrators, support and \
                             anyone with View All Data can read",
                            crate::diagnostics::finding::excerpt(&text[at.byte_range()], 60)
                        ),
                    )
                    .help("log that the value exists (its length, a masked prefix), never the value"),
                );
            }
        }
    });
}

/// fflib's `Configuration` of a domain class, bare or through an object
/// (`this.Configuration`, `domain.Configuration`); not a class of the same stem.
fn is_configuration(qualifier: &str) -> bool {
    let last = qualifier.rsplit('.').next().unwrap_or("").trim();
    last.eq_ignore_ascii_case("configuration")
}

/// The first part of a debugged value that is a credential: a variable, field or property
/// named as one (unless declared as a number, a Boolean, an Id or a date), a local given one,
/// the session ID, or an `Authorization`-like header read back; with what it is.
fn credential_in<'t>(resolver: &Resolver<'t>, e: Node<'t>, depth: u16) -> Option<(Node<'t>, String)> {
    if depth > 4 * HOP {
        return None;
    }
    let text = resolver.text;
    match e.kind() {
        "string_literal" => None,
        "identifier" => {
            let name = &text[e.byte_range()];
            // What the file gives the variable where it is declared: text it fixes is a
            // placeholder, or a literal `hardcoded-secret` judges.
            let values = resolver.values_seen_from(e);
            if let Ok(values) = &values
                && !values.is_empty()
                && values.iter().all(|v| resolver.fixed(*v, 0).is_some())
            {
                return None;
            }
            if let Some(what) = credential_variable(resolver, e, name) {
                return Some((e, what));
            }
            // A variable given a credential's value: `String sid = UserInfo.getSessionId();`.
            values
                .ok()?
                .into_iter()
                .find_map(|v| credential_source(v, text).map(|what| (e, what)))
        }
        "field_access" => {
            let field = e.child_by_field_name("field")?;
            let name = &text[field.byte_range()];
            credential_variable(resolver, field, name).map(|what| (e, what))
        }
        "method_invocation" => {
            if let Some(what) = credential_source(e, text) {
                return Some((e, what));
            }
            // The arguments, and the receiver of a text method only: `response.getStatus()`
            // logs a status, whatever the response is named.
            let name = e
                .child_by_field_name("name")
                .map_or(String::new(), |n| text[n.byte_range()].to_ascii_lowercase());
            let receiver = e
                .child_by_field_name("object")
                .filter(|_| TEXT_METHODS.contains(&name.as_str()));
            arguments(e)
                .into_iter()
                .chain(receiver)
                .find_map(|c| credential_in(resolver, c, depth + 1))
        }
        _ => {
            let mut cursor = e.walk();
            let children: Vec<Node<'t>> = e.named_children(&mut cursor).collect();
            children.into_iter().find_map(|c| credential_in(resolver, c, depth + 1))
        }
    }
}

/// Why a variable, field or property `name` holds a credential, by its name: the words of
/// [`credential_name`], also `passcode`, `pwd`, a session ID, a SAML assertion, and a text
/// named `session`. Not when every declaration of it in the file is a number, a Boolean, an
/// Id or a date (`Boolean isPasswordSet`).
fn credential_variable(resolver: &Resolver<'_>, at: Node<'_>, name: &str) -> Option<String> {
    let is_text = || declared_as_text(resolver, at, name);
    let what = named_credential(name, is_text)?;
    (!declared_non_secret(resolver, at, name)).then_some(what)
}

/// What a variable's name says it holds, if a credential; `is_text` says whether a name that
/// ends in `session` is declared as text (a record named so is not a session ID).
fn named_credential(name: &str, is_text: impl FnOnce() -> bool) -> Option<String> {
    let w = words(name);
    // `urlGetEmbedToken`, `nextPageToken`, `iterToken`: an address, a page cursor, a template's
    // placeholder. (A session ID's `id` is the credential, not a word about it.)
    let session_id = w
        .windows(2)
        .any(|p| p[0] == "session" && matches!(p[1].as_str(), "id" | "key" | "token"));
    if w.iter().any(|x| NOT_CREDENTIAL_TOKENS.contains(&x.as_str())) || (!session_id && names_other_content(name)) {
        return None;
    }
    if let Some(what) = credential_name(name) {
        return Some(with_article(&what));
    }
    // `session`, `cookieSession`: a session when it is text.
    if w.last().is_some_and(|x| x == "session") && is_text() {
        return Some("a session ID".to_string());
    }
    w.iter().enumerate().find_map(|(i, x)| {
        let next = w.get(i + 1).map(String::as_str);
        match x.as_str() {
            "passcode" | "pwd" => Some("a password".to_string()),
            "session" if matches!(next, Some("id" | "key" | "token")) => Some("a session ID".to_string()),
            "saml" if matches!(next, Some("assertion" | "response")) => Some("a SAML assertion".to_string()),
            _ => None,
        }
    })
}

/// Methods whose result is (part of) their receiver's text.
const TEXT_METHODS: &[&str] = &[
    "trim",
    "substring",
    "left",
    "right",
    "mid",
    "tostring",
    "touppercase",
    "tolowercase",
    "abbreviate",
    "split",
    "replace",
    "replaceall",
    "remove",
    "valueof",
    "base64encode",
    "get",
];

/// "a password", "an access token".
fn with_article(what: &str) -> String {
    let vowel = what.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {what}", if vowel { "an" } else { "a" })
}

/// Whether `name`, as seen from `at`, is declared only with types that hold no secret.
fn declared_non_secret(resolver: &Resolver<'_>, at: Node<'_>, name: &str) -> bool {
    scopes(at).any(|s| resolver.markup_free_type(s, name))
}

/// Whether `name` is declared as `String` (or `Blob`) in the method or class around `at`.
fn declared_as_text(resolver: &Resolver<'_>, at: Node<'_>, name: &str) -> bool {
    scopes(at).any(|s| {
        let types = resolver.declared_types(s, name);
        !types.is_empty()
            && types.iter().all(|t| {
                let t = resolver.text[t.byte_range()].trim();
                t.eq_ignore_ascii_case("string") || t.eq_ignore_ascii_case("blob")
            })
    })
}

/// The method and class bodies around `at`, innermost first.
fn scopes<'t>(at: Node<'t>) -> impl Iterator<Item = Node<'t>> {
    std::iter::successors(at.parent(), |n| n.parent()).filter(|n| {
        matches!(
            n.kind(),
            "method_declaration" | "constructor_declaration" | "class_body"
        )
    })
}

/// A call whose result is a credential: the session ID, an `Authorization`-like header read
/// back, an OAuth token of `Auth.AuthToken`.
fn credential_source(call: Node<'_>, text: &str) -> Option<String> {
    if call.kind() != "method_invocation" {
        return None;
    }
    let name = call
        .child_by_field_name("name")
        .map_or(String::new(), |n| text[n.byte_range()].to_ascii_lowercase());
    match name.as_str() {
        "getsessionid" => Some("the session ID".to_string()),
        "getaccesstoken" | "refreshaccesstoken" => Some("an OAuth access token".to_string()),
        "getheader" => {
            let first = arguments(call).into_iter().next()?;
            let (h, _) = string_content(first, text).filter(|_| first.kind() == "string_literal")?;
            credential_header(h).then(|| format!("the `{}` header", h.trim()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::lints::test_support::{auth_class, run_case};

    fn method(body: &str) -> Vec<crate::lints::test_support::Hit> {
        run_case(
            "dangerous-methods",
            &auth_class(&format!(
                "  Boolean isAuthenticated;\n  void go(String passcode, String session, Summit__c eventSession, HttpRequest req) {{\n    {body}\n  }}"
            )),
        )
    }

    #[test]
    fn credentials_in_debug_logs() {
        let hits = method("System.debug('Passcode is ' + passcode);");
        assert_eq!(hits.len(), 1, "{hits:#?}");
        assert_eq!(hits[0].text, "passcode");
        assert_eq!(method("System.debug(session);").len(), 1);
        assert_eq!(
            method("String cookieSession = req.getBody();\n    System.debug(cookieSession);").len(),
            1
        );
        assert_eq!(
            method("String paramSessionKey = req.getBody();\n    System.debug(paramSessionKey);").len(),
            1
        );
        // The session ID's data flow reaches these: `session-id-exposed` reports them, once.
        for body in [
            "System.debug(LoggingLevel.ERROR, UserInfo.getSessionId());",
            "String sid = UserInfo.getSessionId();\n    System.debug(sid);",
        ] {
            assert!(method(body).is_empty(), "{body}");
            let exposed = run_case(
                "session-id-exposed",
                &auth_class(&format!("  void go() {{\n    {body}\n  }}")),
            );
            assert_eq!(exposed.len(), 1, "{body}");
        }
        assert_eq!(method("System.debug(req.getHeader('Authorization'));").len(), 1);
        assert_eq!(method("System.debug(passcode.trim());").len(), 1);
        assert_eq!(
            method("String accessToken = req.getBody();\n    System.debug('token ' + accessToken);").len(),
            1
        );
        // One finding per call, however many credentials it names.
        assert_eq!(method("System.debug(passcode + session);").len(), 1);
    }

    #[test]
    fn debug_look_alikes() {
        // A Boolean about a credential, a record named session, words in text, counts.
        assert!(method("System.debug('is authenticated ' + isAuthenticated);").is_empty());
        assert!(method("System.debug(eventSession);").is_empty());
        assert!(method("System.debug('password reset for ' + UserInfo.getUserName());").is_empty());
        assert!(method("Integer tokenCount = 3;\n    System.debug(tokenCount);").is_empty());
        assert!(method("Boolean passwordSet = true;\n    System.debug(passwordSet);").is_empty());
        assert!(method("System.debug(req.getHeader('Content-Type'));").is_empty());
        assert!(method("System.debug(req.getHeader('X-CSRF-Token'));").is_empty());
        // A response named after a token logs its status; an address, a cursor, a placeholder.
        assert!(
            method(
                "HttpResponse responseToken = new Http().send(req);\n    System.debug(responseToken.getStatusCode());"
            )
            .is_empty()
        );
        assert!(
            method(
                "String urlGetToken = req.getEndpoint() + '/token';\n    System.debug(urlGetToken + passcode.length());"
            )
            .is_empty()
        );
        assert!(method("String iterToken = '{{{' + passcode + '}}}';\n    System.debug(iterToken);").is_empty());
        assert!(method("String token = 'token';\n    System.debug(token);").is_empty());
    }

    #[test]
    fn crud_switch() {
        let class = |call: &str| {
            run_case(
                "dangerous-methods",
                &auth_class(&format!("  public Auth() {{\n    {call}\n  }}")),
            )
        };
        assert_eq!(class("Configuration.disableTriggerCRUDSecurity();").len(), 1);
        assert_eq!(class("this.Configuration.disableTriggerCRUDSecurity();").len(), 1);
        assert!(class("Configurations.disableTriggerCRUDSecurity();").is_empty());
        assert!(class("Configuration.enableTriggerCRUDSecurity();").is_empty());
    }
}
