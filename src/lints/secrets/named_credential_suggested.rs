//! Callout credentials the code handles itself: an `Authorization` or API-key header built in
//! Apex, where a named or external credential would keep the secret out of the code, out of
//! debug logs and out of reach of whoever can run Apex.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use tree_sitter::Node;

use crate::dataflow::apex::owned::{HOP, Resolver, RichText};
use crate::diagnostics::finding::{FileId, Finding};
use crate::lints::{Ctx, Lint};
use crate::semantic::secrets::settings::credential_header;
use crate::syntax::apex::{for_each_call, string_content};
use crate::syntax::tree::arguments;
use crate::workspace::kind::FileKind;

declare_lint!(NamedCredentialSuggested = "named-credential-suggested");
const HELP: &str = "create a named credential (with an external credential for its authentication) and call \
     `callout:Name/...`: the platform adds the header; for a custom header, write the merge field \
     (`{!$Credential.Name.Param}`) in its value instead of the secret";

/// Words of the project's Apex (any case), found in one pass per file: a header set, an auth
/// provider plugin, the session ID.
static WORDS: LazyLock<Option<aho_corasick::AhoCorasick>> =
    LazyLock::new(|| crate::syntax::apex::words_matcher(["setheader", "authproviderpluginclass", "getsessionid"]));

impl Lint for NamedCredentialSuggested {
    fn check_project(&self, cx: &Ctx<'_>, out: &mut Vec<Finding>) {
        let Some(words) = WORDS.as_ref() else { return };
        let mut headers = Vec::new();
        let mut sessions = Vec::new();
        for (id, file) in cx.project.files.iter().enumerate() {
            if file.kind != FileKind::Apex {
                continue;
            }
            let mut seen = [false; 3];
            for m in words.find_iter(file.text.as_bytes()) {
                seen[m.pattern().as_usize()] = true;
            }
            // An auth provider plugin is what a named credential's authentication runs: it
            // has to send the tokens it obtains itself.
            if seen[0] && !seen[1] {
                headers.push(id);
            }
            if seen[2] {
                sessions.push(id);
            }
        }
        if headers.is_empty() {
            return;
        }
        let rich = RichText::default();
        let sessions = session_getters(cx, &sessions);
        for id in headers {
            check_file(id, &cx.project.files[id].text, &rich, &sessions, out);
        }
    }
}

fn check_file(file: FileId, text: &str, rich: &RichText, sessions: &BTreeSet<String>, out: &mut Vec<Finding>) {
    for_each_call(text, |call, name| {
        if name != "setheader" {
            return;
        }
        let args = arguments(call);
        let [key, value] = args[..] else { return };
        let resolver = Resolver::new(call, text, rich);
        let Some(header) = header_name(&resolver, key, text).filter(|h| credential_header(h)) else {
            return;
        };
        if any_part(&resolver, value, 0, &|n| {
            merge_field(n, text) || session_id(n, text, sessions)
        }) {
            return;
        }
        let (origin, at) = origin(&resolver, value, 0);
        let mut finding = Finding::new(
            ID,
            file,
            key.byte_range(),
            format!("the `{header}` header is built in code from {origin}, not from a named or external credential"),
        )
        .help(HELP);
        if let Some(at) = at {
            finding = finding.label(file, at, "the credential comes from here");
        }
        out.push(finding);
    });
}

/// The header's name: the literal that is or starts the argument, directly or through a local
/// or field of the file given only literals (`'Authorization' + suffix` names `Authorization`;
/// a name split across literals is not put together).
fn header_name<'s>(resolver: &Resolver<'_>, key: Node<'_>, text: &'s str) -> Option<&'s str> {
    let mut at = resolver.fixed(key, 0)?;
    while at.kind() == "binary_expression" {
        at = at.child_by_field_name("left")?;
    }
    (at.kind() == "string_literal").then(|| string_content(at, text).map(|(s, _)| s.trim()))?
}

/// Whether some part of the value, written in it or in a local or field it reads, passes
/// `test`.
fn any_part(resolver: &Resolver<'_>, e: Node<'_>, depth: u16, test: &dyn Fn(Node<'_>) -> bool) -> bool {
    if depth > 4 * HOP {
        return false;
    }
    if test(e) {
        return true;
    }
    match e.kind() {
        "identifier" => resolver
            .values_seen_from(e)
            .is_ok_and(|values| values.iter().any(|v| any_part(resolver, *v, depth + HOP, test))),
        _ => {
            let mut cursor = e.walk();
            let children: Vec<Node<'_>> = e.named_children(&mut cursor).collect();
            children.into_iter().any(|c| any_part(resolver, c, depth + 1, test))
        }
    }
}

/// A named or external credential's merge field (`'Bearer {!$Credential.OAuthToken}'`).
fn merge_field(n: Node<'_>, text: &str) -> bool {
    n.kind() == "string_literal"
        && crate::dataflow::apex::owned::contains_ascii_ci(&text[n.byte_range()], "{!$credential.")
}

/// The user's session ID (`UserInfo.getSessionId()`, a variable named as one): the org's own
/// API called as the user, which the session rules judge; nothing is stored to rotate.
fn session_id(n: Node<'_>, text: &str, getters: &BTreeSet<String>) -> bool {
    let named = |m: Node<'_>| {
        let w = crate::semantic::secrets::words(&text[m.byte_range()]);
        w.windows(2).any(|p| p[0] == "session" && p[1] == "id")
    };
    match n.kind() {
        "method_invocation" => n.child_by_field_name("name").is_some_and(|m| {
            let name = text[m.byte_range()].to_ascii_lowercase();
            name == "getsessionid" || getters.contains(&name)
        }),
        "identifier" => named(n),
        "field_access" => n.child_by_field_name("field").is_some_and(named),
        _ => false,
    }
}

/// The methods (lower-case names) of `files` (those that mention it) that return the session
/// ID, directly or through another method of their file (`bearer()` returning `'Bearer ' + current()`).
fn session_getters(cx: &Ctx<'_>, files: &[FileId]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for &id in files {
        let text = &cx.project.files[id].text;
        let Some(tree) = crate::syntax::apex::parse(&crate::syntax::apex::neutralize_tokens(text)) else {
            continue;
        };
        // Each method with the names its `return`s call.
        let mut methods: Vec<(String, Vec<String>)> = Vec::new();
        crate::syntax::tree::preorder(tree.root_node(), |n| {
            if n.kind() == "method_declaration"
                && let Some(name) = n.child_by_field_name("name")
            {
                let mut calls = Vec::new();
                crate::syntax::tree::preorder(n, |r| {
                    if r.kind() == "return_statement" {
                        crate::syntax::tree::preorder(r, |c| {
                            if c.kind() == "method_invocation"
                                && let Some(m) = c.child_by_field_name("name")
                            {
                                calls.push(text[m.byte_range()].to_ascii_lowercase());
                            }
                            true
                        });
                        return false;
                    }
                    true
                });
                methods.push((text[name.byte_range()].to_ascii_lowercase(), calls));
            }
            true
        });
        let mut found: BTreeSet<String> = BTreeSet::from(["getsessionid".to_string()]);
        // Until nothing changes: a method of the file returning one found returns the session.
        loop {
            let before = found.len();
            for (name, calls) in &methods {
                if calls.iter().any(|c| found.contains(c)) {
                    found.insert(name.clone());
                }
            }
            if found.len() == before {
                break;
            }
        }
        found.remove("getsessionid");
        out.extend(found);
    }
    out
}

/// Where the header's secret comes from, for the message, and the span to point at: the first
/// part of the value that is not a fixed prefix (`'Bearer '`) or a conversion
/// (`EncodingUtil.base64Encode`, `Blob.valueOf`).
fn origin(resolver: &Resolver<'_>, e: Node<'_>, depth: u16) -> (String, Option<std::ops::Range<usize>>) {
    let text = resolver.text;
    let shown = |n: Node<'_>| crate::diagnostics::finding::excerpt(&text[n.byte_range()], 60);
    if let Some(at) = resolver.fixed(e, 0) {
        return ("text written in the code".to_string(), Some(at.byte_range()));
    }
    if depth > 4 * HOP {
        return (format!("`{}`", shown(e)), Some(e.byte_range()));
    }
    match e.kind() {
        "parenthesized_expression" | "cast_expression" => {
            match e.named_child(e.named_child_count().saturating_sub(1) as u32) {
                Some(inner) => origin(resolver, inner, depth + 1),
                None => (format!("`{}`", shown(e)), Some(e.byte_range())),
            }
        }
        "binary_expression" => {
            // Of the parts the code does not fix, the one named as a credential (the password
            // of `user + ':' + password`), else the first.
            let parts: Vec<_> = [e.child_by_field_name("left"), e.child_by_field_name("right")]
                .into_iter()
                .flatten()
                .filter(|p| resolver.fixed(*p, 0).is_none())
                .map(|p| origin(resolver, p, depth + 1))
                .collect();
            let named = parts.iter().position(|(_, at)| {
                at.as_ref()
                    .and_then(|r| text.get(r.clone()))
                    .is_some_and(|t| crate::semantic::secrets::credential_name(leaf_name(t)).is_some())
            });
            parts
                .into_iter()
                .nth(named.unwrap_or(0))
                .unwrap_or_else(|| (format!("`{}`", shown(e)), Some(e.byte_range())))
        }
        "method_invocation" => {
            let name = e
                .child_by_field_name("name")
                .map_or(String::new(), |n| text[n.byte_range()].to_ascii_lowercase());
            let args = arguments(e);
            if matches!(
                name.as_str(),
                "base64encode" | "valueof" | "converttohex" | "urlencode" | "format"
            ) && let Some(first) = args.first()
            {
                return origin(resolver, *first, depth + 1);
            }
            (format!("the result of `{}`", shown(e)), Some(e.byte_range()))
        }
        "identifier" => {
            let name = &text[e.byte_range()];
            match resolver.values_seen_from(e) {
                Err(()) => (format!("the parameter `{name}`"), Some(e.byte_range())),
                Ok(values) => match values.iter().copied().find(|v| resolver.fixed(*v, 0).is_none()) {
                    // The first value that is not fixed: the one that brings the secret.
                    Some(v) => origin(resolver, v, depth + HOP),
                    None => (format!("`{name}`"), Some(e.byte_range())),
                },
            }
        }
        _ => (format!("`{}`", shown(e)), Some(e.byte_range())),
    }
}

/// The name an expression ends on: `Password__c` of `setting.Password__c`, `getToken` of
/// `Auth.getToken()`.
fn leaf_name(expr: &str) -> &str {
    let last = expr.rsplit('.').next().unwrap_or(expr);
    last.split('(').next().unwrap_or(last).trim()
}

#[cfg(test)]
mod tests {
    use crate::lints::test_support::{auth_class, run_case};

    fn method(body: &str) -> Vec<crate::lints::test_support::Hit> {
        run_case(
            "named-credential-suggested",
            &auth_class(&format!(
                "  void go(String user, String pass, String apiKey) {{\n    HttpRequest req = new HttpRequest();\n    {body}\n  }}"
            )),
        )
    }

    #[test]
    fn headers_built_in_code() {
        let hits = method(
            "Blob pair = Blob.valueOf(user + ':' + pass);\n    req.setHeader('Authorization', 'Basic ' + EncodingUtil.base64Encode(pair));",
        );
        assert_eq!(hits.len(), 1, "{hits:#?}");
        assert_eq!(hits[0].text, "'Authorization'");
        assert!(hits[0].message.contains("the parameter `user`"), "{}", hits[0].message);
        let hits = method("req.setHeader('x-api-key', apiKey);");
        assert_eq!(hits.len(), 1, "{hits:#?}");
        let hits = method("req.setHeader('Authorization', 'Bearer 7f3kQ9xL2mN8pR4s');");
        assert_eq!(hits.len(), 1, "{hits:#?}");
        assert!(hits[0].message.contains("written in the code"), "{}", hits[0].message);
        // The header's name through a local, and a name that starts the argument.
        assert_eq!(
            method("String h = 'Authorization';\n    req.setHeader(h, apiKey);").len(),
            1
        );
        assert_eq!(method("req.setHeader('Authorization' + '', apiKey);").len(), 1);
        // A secret read from a setting: the message says which read.
        let hits = method("req.setHeader('Authorization', 'Bearer ' + Api_Settings__c.getOrgDefaults().Token__c);");
        assert_eq!(hits.len(), 1, "{hits:#?}");
        assert!(
            hits[0].message.contains("Api_Settings__c.getOrgDefaults().Token__c"),
            "{}",
            hits[0].message
        );
    }

    #[test]
    fn merge_fields_and_other_headers() {
        assert!(method("req.setHeader('Authorization', 'Bearer {!$Credential.OAuthToken}');").is_empty());
        assert!(
            method("String v = '{!$Credential.Password}';\n    req.setHeader('Authorization', 'Bearer ' + v);")
                .is_empty()
        );
        assert!(method("req.setHeader('X-Api-Key', '{!$Credential.Ledger.ApiKey}');").is_empty());
        assert!(method("req.setHeader('Content-Type', 'application/json');").is_empty());
        assert!(method("String h = 'Accept';\n    req.setHeader(h, apiKey);").is_empty());
        assert!(method("req.setHeader('Auth' + 'orization', apiKey);").is_empty());
        // The session rules judge the session ID; a CSRF token is not a credential.
        assert!(method("req.setHeader('Authorization', 'Bearer ' + UserInfo.getSessionId());").is_empty());
        assert!(
            method(
                "String sessionId = UserInfo.getSessionId();\n    req.setHeader('Authorization', 'OAuth ' + sessionId);"
            )
            .is_empty()
        );
        assert!(method("req.setHeader('X-CSRF-Token', apiKey);").is_empty());
    }

    #[test]
    fn the_secret_named_as_one_is_the_origin() {
        let hits = method(
            "Api__c s = Api__c.getOrgDefaults();\n    Blob pair = Blob.valueOf(s.Username__c + ':' + s.Password__c);\n    req.setHeader('Authorization', 'Basic ' + EncodingUtil.base64Encode(pair));",
        );
        assert_eq!(hits.len(), 1, "{hits:#?}");
        assert!(hits[0].message.contains("`s.Password__c`"), "{}", hits[0].message);
        let hits = method(
            "req.setHeader('Authorization', 'Basic ' + EncodingUtil.base64Encode(Blob.valueOf(user + ':' + pass + apiKey)));",
        );
        assert_eq!(hits.len(), 1, "{hits:#?}");
        assert!(
            hits[0].message.contains("the parameter `apiKey`"),
            "{}",
            hits[0].message
        );
    }

    #[test]
    fn session_through_a_helper_of_another_class() {
        let mut files = auth_class(
            "  void go(HttpRequest req) { req.setHeader('Authorization', OrgSession.bearer()); }\n  void other(HttpRequest req, String k) { req.setHeader('Authorization', Keys.token(k)); }",
        );
        files.push((
            "force-app/main/default/classes/OrgSession.cls",
            "public class OrgSession {\n  static String current() { return UserInfo.getSessionId(); }\n  public static String bearer() { return 'Bearer ' + current(); }\n}\n".to_string(),
        ));
        let hits = run_case("named-credential-suggested", &files);
        assert_eq!(hits.len(), 1, "{hits:#?}");
        assert!(hits[0].message.contains("Keys.token(k)"), "{hits:#?}");
    }

    #[test]
    fn auth_provider_plugins_send_their_tokens() {
        let hits = run_case(
            "named-credential-suggested",
            &[(
                "force-app/main/default/classes/AcmeAuth.cls",
                "global class AcmeAuth extends Auth.AuthProviderPluginClass {\n  global Auth.UserData getUserInfo(Map<String, String> config, Auth.AuthProviderTokenResponse response) {\n    HttpRequest req = new HttpRequest();\n    req.setHeader('Authorization', 'Bearer ' + response.oauthToken);\n    return null;\n  }\n}\n".to_string(),
            )],
        );
        assert!(hits.is_empty(), "{hits:#?}");
    }

    #[test]
    fn header_name_in_a_field() {
        let hits = run_case(
            "named-credential-suggested",
            &auth_class(
                "  private static final String AUTH = 'Authorization';\n  void go(HttpRequest req, String token) { req.setHeader(AUTH, 'Bearer ' + token); }",
            ),
        );
        assert_eq!(hits.len(), 1, "{hits:#?}");
        assert_eq!(hits[0].text, "AUTH");
    }
}
