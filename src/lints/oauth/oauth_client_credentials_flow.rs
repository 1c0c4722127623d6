//! `oauth-client-credentials-flow`: an app enables the client credentials flow (developer or
//! admin side), or code requests it.

use tree_sitter::Node;

use super::{FlowRequest, STRING_KINDS, flow_in_literal, requests_flow};
use crate::diagnostics::finding::{FileId, Finding};
use crate::lints::{Ctx, Lint};
use crate::semantic::oauth::{Flag, RequestedFlow};
use crate::workspace::project::SourceFile;

declare_lint!(ClientCredentialsFlow = "oauth-client-credentials-flow");
const CODE: FlowRequest = FlowRequest {
    rule: ID,
    flow: RequestedFlow::ClientCredentials,
    what: "OAuth client credentials flow",
    help: "use a named credential with the JWT bearer flow instead of a client secret grant",
};
const HELP: &str =
    "disable the client credentials flow; use the JWT bearer flow with a rotated certificate or a user-present flow";

impl Lint for ClientCredentialsFlow {
    fn check_project(&self, cx: &Ctx<'_>, out: &mut Vec<Finding>) {
        for app in cx.oauth.apps.iter().filter(|a| a.oauth_enabled()) {
            if let Some(s) = app.flag(Flag::ClientCredentials).filter(|s| s.value) {
                let mut f = Finding::new(
                    ID,
                    s.file,
                    s.span,
                    format!("{} enables the client credentials flow", app.describe()),
                )
                .help(HELP);
                if let Some(user) = app
                    .header
                    .and_then(|h| h.root.path(&["oauthConfig", "oauthClientCredentialUser"]))
                {
                    f = f.label(s.file, user.span(), "tokens are issued for this user without a login");
                }
                out.push(f);
            }
            if let Some(s) = app.policy_client_credentials().filter(|s| s.value) {
                let mut f = Finding::new(
                    ID,
                    s.file,
                    s.span,
                    format!(
                        "OAuth policies of {} enable the client credentials flow",
                        app.describe()
                    ),
                )
                .help(HELP);
                if let Some(user) = app.eca_policies.and_then(|p| p.root.child("clientCredentialsFlowUser")) {
                    f = f.label(s.file, user.span(), "tokens are issued for this user without a login");
                }
                out.push(f);
            }
        }
    }

    fn apex_kinds(&self) -> &'static [&'static str] {
        STRING_KINDS
    }

    fn check_apex(&self, node: Node<'_>, file: FileId, src: &SourceFile, out: &mut Vec<Finding>) {
        // The literal first: the class's text is read only for a literal that requests the flow.
        let requested =
            crate::syntax::apex::string_content(node, &src.text).is_some_and(|(c, _)| requests_flow(&CODE, c));
        if !requested || sends_elsewhere(&src.text) {
            return;
        }
        flow_in_literal(&CODE, node, file, src, out);
    }

    fn literal_may_matter(&self, content: &str) -> bool {
        requests_flow(&CODE, content)
    }
}

/// Where a class points at a Salesforce token endpoint or host.
static SALESFORCE_TOKEN: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)/services/oauth2/token|(login|test)\.salesforce\.com|\.my\.salesforce\.com|getOrgDomainUrl|getSalesforceBaseUrl",
    )
    .ok()
});

/// Whether the class that holds a client-credentials grant sends its requests somewhere that is
/// not shown to be Salesforce: it sets an endpoint, and nothing in it names a Salesforce token
/// endpoint or host. Such a grant goes to another system's token server (a company's
/// authorization server behind a named credential, MuleSoft: both false findings on public
/// orgs), which is not a Salesforce app's flow. A grant whose class sets no endpoint is
/// reported: where it goes cannot be shown.
fn sends_elsewhere(class: &str) -> bool {
    let sets_endpoint = memchr::memmem::find(class.as_bytes(), b"setEndpoint").is_some();
    sets_endpoint && SALESFORCE_TOKEN.as_ref().is_some_and(|re| !re.is_match(class))
}

#[cfg(test)]
mod tests {
    use crate::lints::test_support::*;

    #[test]
    fn client_credentials() {
        let ca = |v: &str| {
            connected_app(&format!(
                "    <oauthConfig>\n        <callbackUrl>https://a.example.com/cb</callbackUrl>\n        <isClientCredentialEnabled>{v}</isClientCredentialEnabled>\n        <oauthClientCredentialUser>integration@example.com</oauthClientCredentialUser>\n    </oauthConfig>"
            ))
        };
        let policy = |v: &str| {
            eca_file(
                "ExtlClntAppOauthConfigurablePolicies",
                &format!("    <isClientCredentialsFlowEnabled>{v}</isClientCredentialsFlowEnabled>"),
            )
        };
        cases(
            "oauth-client-credentials-flow",
            &[
                vec![(CA, ca("false"))],
                vec![(CA, connected_app("    <label2>isClientCredentialEnabled true</label2>"))],
                vec![(ECA, eca_header()), (ECA_POLICY, policy("false"))],
                vec![(
                    CLASS,
                    "class Auth { String s = 'grant_type=client_credentials_x'; }".into(),
                )],
                // Another system's token server: a named credential, a URL from a setting.
                vec![(
                    CLASS,
                    "class Auth { HttpRequest r() { HttpRequest q = new HttpRequest(); q.setEndpoint('callout:AuthZ'); q.setBody('grant_type=client_credentials'); return q; } }".into(),
                )],
                vec![(
                    CLASS,
                    "class Auth { HttpRequest r(String url) { HttpRequest q = new HttpRequest(); q.setEndpoint(url + '?grant_type=client_credentials'); return q; } }".into(),
                )],
            ],
            &[
                vec![(CA, ca("true"))],
                vec![(ECA, eca_header()), (ECA_POLICY, policy("true"))],
                vec![(
                    ECA_GLOBAL,
                    eca_file(
                        "ExtlClntAppGlobalOauthSettings",
                        "    <isClientCredentialsFlowEnabled>true</isClientCredentialsFlowEnabled>",
                    ),
                )],
                vec![(
                    CLASS,
                    "class Auth { String s = 'grant_type=client_credentials'; }".into(),
                )],
                vec![(
                    CLASS,
                    "class Auth { HttpRequest r() { HttpRequest q = new HttpRequest(); q.setEndpoint('callout:Org/services/oauth2/token'); q.setBody('grant_type=client_credentials'); return q; } }".into(),
                )],
                vec![(
                    CLASS,
                    "class Auth { HttpRequest r() { HttpRequest q = new HttpRequest(); q.setEndpoint(URL.getOrgDomainUrl().toExternalForm() + '/x'); q.setBody('grant_type=client_credentials'); return q; } }".into(),
                )],
            ],
        );
        let hits = run("oauth-client-credentials-flow", &[(CA, &ca("true"))]);
        assert_eq!(
            hits[0].message,
            "connected app `Billing_Sync` enables the client credentials flow"
        );
    }
}
