//! `oauth-username-password-flow`: the org does not block the username-password flow, or code
//! requests it (`grant_type=password`).

use tree_sitter::Node;

use super::{FlowRequest, STRING_KINDS, flow_in_literal, org_flow_not_blocked, requests_flow};
use crate::finding::{FileId, Finding};
use crate::lints::{Ctx, Lint};
use crate::oauth::RequestedFlow;
use crate::project::SourceFile;

pub struct UsernamePasswordFlow;

const ID: &str = "oauth-username-password-flow";
const CODE: FlowRequest = FlowRequest {
    rule: ID,
    flow: RequestedFlow::Password,
    what: "OAuth username-password flow",
    help: "authenticate with a named credential (JWT bearer or web-server flow) instead of a stored password",
};

impl Lint for UsernamePasswordFlow {
    fn id(&self) -> &'static str {
        ID
    }

    fn check_project(&self, cx: &Ctx<'_>, out: &mut Vec<Finding>) {
        org_flow_not_blocked(ID, "blockOAuthUnPwFlow", "username-password flow", cx, out);
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
            ],
            &[
                vec![(OIDC, oidc("    <blockOAuthUnPwFlow>false</blockOAuthUnPwFlow>"))],
                vec![(OIDC, oidc("    <isPkceRequired>true</isPkceRequired>"))],
                vec![(SCRATCH, "{\n  \"settings\": {\n    \"oauthOidcSettings\": {\n      \"blockOAuthUnPwFlow\": false\n    }\n  }\n}".into())],
                vec![(CLASS, "class Auth { String body = 'grant_type=password&username=' + u; }".into())],
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
