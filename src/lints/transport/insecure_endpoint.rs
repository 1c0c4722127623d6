//! Callouts and browser connections to `http://` sites: whatever they carry (tokens, records)
//! crosses the network in clear text.

use tree_sitter::Node;

use crate::dataflow::url::{host, is_loopback};
use crate::diagnostics::finding::{FileId, Finding};
use crate::lints::{Ctx, Lint};
use crate::syntax::xml::{ElemRef, XmlDoc};
use crate::workspace::kind::MetaType;
use crate::workspace::project::SourceFile;

declare_lint!(InsecureEndpoint = "insecure-endpoint");
const HELP: &str = "use the site's `https://` address; a site that offers no TLS should not receive the org's data";

/// Whether a URL is plain `http://` to a host other than the machine itself.
fn clear_text(url: &str) -> bool {
    let url = url.trim();
    url.get(..7).is_some_and(|s| s.eq_ignore_ascii_case("http://")) && !host(url).as_deref().is_some_and(is_loopback)
}

impl Lint for InsecureEndpoint {
    fn xml_types(&self) -> &'static [MetaType] {
        &[
            MetaType::RemoteSiteSetting,
            MetaType::NamedCredential,
            MetaType::CspTrustedSite,
            MetaType::CorsWhitelistOrigin,
        ]
    }

    fn check_xml(&self, file: FileId, src: &SourceFile, doc: &XmlDoc, _cx: &Ctx<'_>, out: &mut Vec<Finding>) {
        let Some(root) = doc.root() else { return };
        let name = src.component_name();
        let mut url = |el: Option<ElemRef<'_>>, what: &str| {
            if let Some(el) = el
                && el.text().is_some_and(clear_text)
            {
                let shown = el.text().unwrap_or("").trim();
                out.push(
                    Finding::new(
                        ID,
                        file,
                        el.value_span(),
                        format!("{what} `{name}` points to `{shown}`, in clear text"),
                    )
                    .help(HELP),
                );
            }
        };
        match root.name() {
            "RemoteSiteSetting" => {
                url(root.child("url"), "the remote site");
                if let Some(d) = root.child("disableProtocolSecurity")
                    && d.bool_value() == Some(true)
                {
                    out.push(
                        Finding::new(
                            ID,
                            file,
                            d.value_span(),
                            format!("the remote site `{name}` turns protocol security off: code may send an HTTPS session's data to an HTTP site"),
                        )
                        .help("set `disableProtocolSecurity` to false"),
                    );
                }
            }
            "NamedCredential" => {
                url(root.child("endpoint"), "the named credential");
                for p in root.children_named("namedCredentialParameters") {
                    if p.child_text("parameterType").is_some_and(|t| t.trim() == "Url") {
                        url(p.child("parameterValue"), "the named credential");
                    }
                }
            }
            "CspTrustedSite" => url(root.child("endpointUrl"), "the trusted site"),
            "CorsWhitelistOrigin" => url(root.child("urlPattern"), "the CORS origin"),
            _ => {}
        }
    }

    fn apex_kinds(&self) -> &'static [&'static str] {
        &["string_literal"]
    }

    fn literal_may_matter(&self, content: &str) -> bool {
        clear_text(content)
    }

    fn check_apex(&self, node: Node<'_>, file: FileId, src: &SourceFile, out: &mut Vec<Finding>) {
        let text = &src.text;
        let content = text
            .get(node.start_byte() + 1..node.end_byte().saturating_sub(1))
            .unwrap_or("");
        if !clear_text(content) {
            return;
        }
        // The literal starts the endpoint: the argument itself, or the left end of a
        // concatenation that is the argument (`'http://' + host + '/api'`).
        let mut arg = node;
        while let Some(p) = arg.parent()
            && p.kind() == "binary_expression"
            && p.child_by_field_name("left") == Some(arg)
        {
            arg = p;
        }
        // Or a variable the literal starts (`String url = 'http://...' + path;`) that a
        // `setEndpoint` is given, directly or through other variables: a local in its method,
        // a field (a constant) in its class.
        let parent = arg.parent();
        let named = if let Some(decl) = parent.filter(|p| p.kind() == "variable_declarator") {
            let local = decl
                .child_by_field_name("name")
                .and_then(|n| text.get(n.byte_range()))
                .unwrap_or("");
            let Some(scope) = std::iter::successors(Some(decl), |n| n.parent()).find(|n| {
                matches!(
                    n.kind(),
                    "method_declaration" | "constructor_declaration" | "class_body"
                )
            }) else {
                return;
            };
            endpoint_given(scope, text, local)
        } else {
            parent
                .filter(|a| a.kind() == "argument_list")
                .and_then(|a| a.parent())
                .is_some_and(|c| is_set_endpoint(c, text))
        };
        if named {
            out.push(
                Finding::new(
                    ID,
                    file,
                    node.byte_range(),
                    format!("the callout goes to `{content}`, in clear text"),
                )
                .help(HELP),
            );
        }
    }
}

/// Whether `call` is a `setEndpoint(...)` call.
fn is_set_endpoint(call: Node<'_>, text: &str) -> bool {
    call.kind() == "method_invocation"
        && call
            .child_by_field_name("name")
            .and_then(|n| text.get(n.byte_range()))
            .is_some_and(|n| n.eq_ignore_ascii_case("setendpoint"))
}

/// Whether a `setEndpoint` call inside `scope` starts its argument with the variable `name`,
/// or with a variable given a value that starts with it (`String url = base + path;`), a few
/// variables deep.
fn endpoint_given(scope: Node<'_>, text: &str, name: &str) -> bool {
    // The leftmost operand of a concatenation, as a variable's name (`this.x` and `C.x` are `x`).
    let leftmost = |mut a: Node<'_>| {
        while a.kind() == "binary_expression" {
            a = a.child_by_field_name("left")?;
        }
        if a.kind() == "field_access" {
            a = a.child_by_field_name("field")?;
        }
        (a.kind() == "identifier").then(|| text.get(a.byte_range())).flatten()
    };
    let mut names: Vec<String> = vec![name.to_ascii_lowercase()];
    for _ in 0..4 {
        let known = names.len();
        let mut cursor = scope.walk();
        let mut stack = vec![scope];
        while let Some(n) = stack.pop() {
            let given = |v: Option<Node<'_>>| {
                v.and_then(leftmost)
                    .is_some_and(|l| names.iter().any(|x| x.eq_ignore_ascii_case(l)))
            };
            if is_set_endpoint(n, text) && given(n.child_by_field_name("arguments").and_then(|a| a.named_child(0))) {
                return true;
            }
            // A variable given a value that starts with a known one.
            let target = match n.kind() {
                "variable_declarator" if given(n.child_by_field_name("value")) => n.child_by_field_name("name"),
                "assignment_expression" if given(n.child_by_field_name("right")) => n.child_by_field_name("left"),
                _ => None,
            };
            if let Some(t) = target.and_then(leftmost).map(str::to_ascii_lowercase)
                && !names.contains(&t)
            {
                names.push(t);
            }
            stack.extend(n.named_children(&mut cursor));
        }
        if names.len() == known {
            break;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use crate::lints::test_support::{auth_class, run, run_case};

    fn xml(path: &str, body: &str) -> Vec<crate::lints::test_support::Hit> {
        run("insecure-endpoint", &[(path, body)])
    }

    #[test]
    fn metadata() {
        let remote = |url: &str, off: &str| {
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<RemoteSiteSetting xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <disableProtocolSecurity>{off}</disableProtocolSecurity>\n    <isActive>true</isActive>\n    <url>{url}</url>\n</RemoteSiteSetting>\n"
            )
        };
        const SITE: &str = "force-app/main/default/remoteSiteSettings/Billing.remoteSite-meta.xml";
        assert_eq!(xml(SITE, &remote("http://billing.example.com", "false")).len(), 1);
        assert_eq!(xml(SITE, &remote("https://billing.example.com", "true")).len(), 1);
        assert_eq!(xml(SITE, &remote("http://billing.example.com", "true")).len(), 2);
        assert!(xml(SITE, &remote("https://billing.example.com", "false")).is_empty());
        assert!(xml(SITE, &remote("http://localhost:8080", "false")).is_empty());
        let csp = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CspTrustedSite xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <endpointUrl>http://cdn.example.com</endpointUrl>\n    <isActive>true</isActive>\n</CspTrustedSite>\n";
        let hits = xml(
            "force-app/main/default/cspTrustedSites/Cdn.cspTrustedSite-meta.xml",
            csp,
        );
        assert_eq!(hits.len(), 1, "{hits:#?}");
        assert_eq!(hits[0].text, "http://cdn.example.com");
        let named = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<NamedCredential xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <label>Ledger</label>\n    <namedCredentialParameters>\n        <parameterName>Url</parameterName>\n        <parameterType>Url</parameterType>\n        <parameterValue>http://ledger.example.com</parameterValue>\n    </namedCredentialParameters>\n</NamedCredential>\n";
        assert_eq!(
            xml(
                "force-app/main/default/namedCredentials/Ledger.namedCredential-meta.xml",
                named
            )
            .len(),
            1
        );
    }

    #[test]
    fn constants_of_the_class() {
        let class = |body: &str| run_case("insecure-endpoint", &auth_class(body));
        let hits = class(
            "  private static final String BASE = 'http://api.example.com';\n  void go(HttpRequest req) { req.setEndpoint(BASE + '/v1'); }",
        );
        assert_eq!(hits.len(), 1, "{hits:#?}");
        assert_eq!(hits[0].text, "'http://api.example.com'");
        assert_eq!(
            class("  static final String BASE = 'http://api.example.com';\n  void go(HttpRequest req) { String u = Auth.BASE + '/v1'; req.setEndpoint(u); }").len(),
            1
        );
        // A constant no endpoint is built from (a namespace URI).
        assert!(class("  static final String NS = 'http://schemas.example.com/ns';\n  void go(HttpRequest req) { req.setEndpoint('callout:X'); }").is_empty());
    }

    #[test]
    fn callouts() {
        let class = |body: &str| {
            run_case(
                "insecure-endpoint",
                &auth_class(&format!(
                    "  void go(String host) {{\n    HttpRequest req = new HttpRequest();\n    {body}\n  }}"
                )),
            )
        };
        assert_eq!(class("req.setEndpoint('http://api.example.com/v1');").len(), 1);
        assert_eq!(class("req.setEndpoint('http://' + host + '/v1');").len(), 1);
        assert!(class("req.setEndpoint('https://api.example.com/v1');").is_empty());
        assert!(class("req.setEndpoint('callout:Ledger/v1');").is_empty());
        assert!(class("req.setEndpoint('http://localhost:8080/v1');").is_empty());
        // Through a local of the method.
        assert_eq!(
            class("String url = 'http://api.example.com' + '/v1';\n    req.setEndpoint(url);").len(),
            1
        );
        assert!(class("String url = 'http://api.example.com';\n    System.debug(url);").is_empty());
        // Through two locals.
        assert_eq!(
            class("String base = 'http://api.example.com';\n    String url = base + '/v1';\n    req.setEndpoint(url);")
                .len(),
            1
        );
        // Not the start of the address, or not an endpoint.
        assert!(class("req.setEndpoint(host + '?next=http://x.example.com');").is_empty());
        assert!(class("String doc = 'http://schemas.example.com/ns';").is_empty());
    }
}
