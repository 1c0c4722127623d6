//! `oauth-username-password-flow`: the org does not block the username-password flow, or code
//! requests it (`grant_type=password`).

use tree_sitter::Node;

use super::{FlowRequest, STRING_KINDS, flow_in_literal, org_flow_not_blocked, requests_flow};
use crate::diagnostics::finding::{FileId, Finding};
use crate::lints::{Ctx, Lint};
use crate::semantic::oauth::{Flag, RequestedFlow};
use crate::workspace::project::SourceFile;

declare_lint!(UsernamePasswordFlow = "oauth-username-password-flow");
const CODE: FlowRequest = FlowRequest {
    rule: ID,
    flow: RequestedFlow::Password,
    what: "OAuth username-password flow",
    help: "authenticate with a named credential (JWT bearer or web-server flow) instead of a stored password",
};

const CODE_CREDENTIALS_HELP: &str =
    "switch the flow off unless a headless login page needs it; then let only that app use it, with PKCE";

impl Lint for UsernamePasswordFlow {
    fn check_project(&self, cx: &Ctx<'_>, out: &mut Vec<Finding>) {
        org_flow_not_blocked(ID, "blockOAuthUnPwFlow", "username-password flow", cx, out);
        // The Authorization Code and Credentials flow (headless login) also has a client
        // collect the user's password; it is off unless switched on, in the org and per app.
        for org in &cx.oauth.orgs {
            let s = org.flag("oAuthCdCrdtFlowEnable", false);
            if s.value {
                out.push(
                    Finding::new(
                        ID,
                        s.file,
                        s.span,
                        format!(
                            "{} enable the Authorization Code and Credentials flow, where a client collects users' passwords (`oAuthCdCrdtFlowEnable`)",
                            org.describe()
                        ),
                    )
                    .help(CODE_CREDENTIALS_HELP),
                );
            }
        }
        for app in cx.oauth.apps.iter().filter(|a| a.oauth_enabled()) {
            if let Some(s) = app.flag(Flag::CodeCredentials).filter(|s| s.value) {
                out.push(
                    Finding::new(
                        ID,
                        s.file,
                        s.span,
                        format!(
                            "{} enables the Authorization Code and Credentials flow, where it collects users' passwords",
                            app.describe()
                        ),
                    )
                    .help(CODE_CREDENTIALS_HELP),
                );
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
    fn username_password() {
        cases(
            "oauth-username-password-flow",
            &[
                vec![(OIDC, oidc("    <blockOAuthUnPwFlow>true</blockOAuthUnPwFlow>"))],
                vec![(SCRATCH, r#"{"edition":"Developer","settings":{"oauthOidcSettings":{"blockOAuthUnPwFlow":true}}}"#.into())],
                vec![(SCRATCH, r#"{"edition":"Developer","settings":{"lightningExperienceSettings":{"enableS1DesktopEnabled":true}}}"#.into())],
                vec![(CLASS, "class Auth { String s = 'grant_type=passwordless'; String t = 'password'; }".into())],
                vec![(
                    OIDC,
                    oidc("    <blockOAuthUnPwFlow>true</blockOAuthUnPwFlow>\n    <oAuthCdCrdtFlowEnable>false</oAuthCdCrdtFlowEnable>"),
                )],
                vec![(CA, connected_app("    <oauthConfig>\n        <callbackUrl>https://a.example.com/cb</callbackUrl>\n        <isCodeCredentialEnabled>false</isCodeCredentialEnabled>\n    </oauthConfig>"))],
            ],
            &[
                vec![(OIDC, oidc("    <blockOAuthUnPwFlow>false</blockOAuthUnPwFlow>"))],
                vec![(OIDC, oidc("    <isPkceRequired>true</isPkceRequired>"))],
                vec![(SCRATCH, "{\n  \"settings\": {\n    \"oauthOidcSettings\": {\n      \"blockOAuthUnPwFlow\": false\n    }\n  }\n}".into())],
                vec![(CLASS, "class Auth { String body = 'grant_type=password&username=' + u; }".into())],
                // The headless Authorization Code and Credentials flow, in the org and per app.
                vec![(
                    OIDC,
                    oidc("    <blockOAuthUnPwFlow>true</blockOAuthUnPwFlow>\n    <oAuthCdCrdtFlowEnable>true</oAuthCdCrdtFlowEnable>"),
                )],
                vec![(CA, connected_app("    <oauthConfig>\n        <callbackUrl>https://a.example.com/cb</callbackUrl>\n        <isCodeCredentialEnabled>true</isCodeCredentialEnabled>\n    </oauthConfig>"))],
                vec![(
                    ECA_GLOBAL,
                    eca_file("ExtlClntAppGlobalOauthSettings", "    <isCodeCredFlowEnabled>true</isCodeCredFlowEnabled>"),
                )],
            ],
        );
        let hits = run(
            "oauth-username-password-flow",
            &[(
                SCRATCH,
                "{\n  \"settings\": {\n    \"oauthOidcSettings\": {\n      \"blockOAuthUnPwFlow\": false\n    }\n  }\n}",
            )],
        );
        assert_eq!(hits[0].line, 4);
        assert_eq!(
            hits[0].message,
            "scratch org OAuth settings allow the username-password flow (`blockOAuthUnPwFlow` is false)"
        );
    }
}
