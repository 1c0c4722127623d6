//! `oauth-client-credentials-flow`: an app enables the client credentials flow (developer or
//! admin side), or code requests it.

use tree_sitter::Node;

use super::{FlowRequest, STRING_KINDS, flow_in_literal, requests_flow};
use crate::finding::{FileId, Finding};
use crate::lints::{Ctx, Lint};
use crate::oauth::{Flag, RequestedFlow};
use crate::project::SourceFile;

pub struct ClientCredentialsFlow;

const ID: &str = "oauth-client-credentials-flow";
const CODE: FlowRequest = FlowRequest {
    rule: ID,
    flow: RequestedFlow::ClientCredentials,
    what: "OAuth client credentials flow",
    help: "use a named credential with the JWT bearer flow instead of a client secret grant",
};
const HELP: &str =
    "disable the client credentials flow; use the JWT bearer flow with a rotated certificate or a user-present flow";

impl Lint for ClientCredentialsFlow {
    fn id(&self) -> &'static str {
        ID
    }

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
        flow_in_literal(&CODE, node, file, src, out);
    }

    fn literal_may_matter(&self, content: &str) -> bool {
        requests_flow(&CODE, content)
    }
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
            ],
        );
        let hits = run("oauth-client-credentials-flow", &[(CA, &ca("true"))]);
        assert_eq!(
            hits[0].message,
            "connected app `Billing_Sync` enables the client credentials flow"
        );
    }
}
