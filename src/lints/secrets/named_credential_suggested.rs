//! Callout credentials the code handles itself: an `Authorization` or API-key header built in
//! Apex, where a named or external credential would keep the secret out of the code, out of
//! debug logs and out of reach of whoever can run Apex.

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

static WORDS: LazyLock<Option<aho_corasick::AhoCorasick>> =
    LazyLock::new(|| crate::syntax::apex::words_matcher(["setheader"]));

impl Lint for NamedCredentialSuggested {
    fn check_project(&self, cx: &Ctx<'_>, out: &mut Vec<Finding>) {
        let Some(words) = WORDS.as_ref() else { return };
        let rich = RichText::default();
        for (id, file) in cx.project.files.iter().enumerate() {
            if file.kind == FileKind::Apex && words.is_match(&file.text) {
                check_file(id, &file.text, &rich, out);
            }
        }
    }
}

fn check_file(file: FileId, text: &str, rich: &RichText, out: &mut Vec<Finding>) {
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
        if merges_credential(&resolver, value, 0) {
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

/// Whether the value holds a named or external credential's merge field
/// (`'Bearer {!$Credential.OAuthToken}'`), written in it or in a local or field it reads.
fn merges_credential(resolver: &Resolver<'_>, e: Node<'_>, depth: u16) -> bool {
    if depth > 4 * HOP {
        return false;
    }
    let text = resolver.text;
    match e.kind() {
        "string_literal" => crate::dataflow::apex::owned::contains_ascii_ci(&text[e.byte_range()], "{!$credential."),
        "identifier" => {
            let mut scope = Some(e);
            while let Some(s) = scope {
                if matches!(
                    s.kind(),
                    "method_declaration" | "constructor_declaration" | "class_body"
                ) && let Ok(values) = resolver.values_in(s, &text[e.byte_range()])
                    && !values.is_empty()
                {
                    return values.iter().any(|v| merges_credential(resolver, *v, depth + HOP));
                }
                scope = s.parent();
            }
            false
        }
        _ => {
            let mut cursor = e.walk();
            let children: Vec<Node<'_>> = e.named_children(&mut cursor).collect();
            children.into_iter().any(|c| merges_credential(resolver, c, depth + 1))
        }
    }
}

/// Where the header's secret comes from, for the message, and the span to point at: the first
/// part of the value that is not a fixed prefix (`'Bearer '`) or a conversion
/// (`EncodingUtil.base64Encode`, `Blob.valueOf`).
fn origin(resolver: &Resolver<'_>, e: Node<'_>, depth: u16) -> (String, Option<std::ops::Range<usize>>) {
    let text = resolver.text;
    let shown = |n: Node<'_>| {
        let t = text[n.byte_range()].split_whitespace().collect::<Vec<_>>().join(" ");
        if t.chars().count() > 60 {
            format!("{}…", t.chars().take(60).collect::<String>())
        } else {
            t
        }
    };
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
            let left = e.child_by_field_name("left");
            let part = match left {
                Some(l) if resolver.fixed(l, 0).is_some() => e.child_by_field_name("right"),
                _ => left,
            };
            match part {
                Some(p) => origin(resolver, p, depth + 1),
                None => (format!("`{}`", shown(e)), Some(e.byte_range())),
            }
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
            let mut scope = Some(e);
            while let Some(s) = scope {
                if matches!(
                    s.kind(),
                    "method_declaration" | "constructor_declaration" | "class_body"
                ) {
                    match resolver.values_in(s, name) {
                        Err(()) => return (format!("the parameter `{name}`"), Some(e.byte_range())),
                        Ok(values) if !values.is_empty() => {
                            // The first value that is not fixed: the one that brings the secret.
                            let v = values
                                .iter()
                                .copied()
                                .find(|v| resolver.fixed(*v, 0).is_none())
                                .unwrap_or(values[0]);
                            return origin(resolver, v, depth + HOP);
                        }
                        Ok(_) => {}
                    }
                }
                scope = s.parent();
            }
            (format!("`{name}`"), Some(e.byte_range()))
        }
        _ => (format!("`{}`", shown(e)), Some(e.byte_range())),
    }
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
