//! `oauth-implicit-flow`: the org does not block the user-agent (implicit) flow, or code requests
//! it (`response_type=token`).

use tree_sitter::Node;

use super::{FlowRequest, STRING_KINDS, flow_in_literal, org_flow_not_blocked, requests_flow};
use crate::diagnostics::finding::{FileId, Finding};
use crate::lints::{Ctx, Lint};
use crate::semantic::oauth::RequestedFlow;
use crate::workspace::project::SourceFile;

declare_lint!(ImplicitFlow = "oauth-implicit-flow");
const CODE: FlowRequest = FlowRequest {
    rule: ID,
    flow: RequestedFlow::Implicit,
    what: "OAuth user-agent (implicit) flow",
    help: "request an authorization code with PKCE (`response_type=code`) instead of a token in the redirect",
};

impl Lint for ImplicitFlow {
    fn check_project(&self, cx: &Ctx<'_>, out: &mut Vec<Finding>) {
        org_flow_not_blocked(ID, "blockOAuthUsrAgtFlow", "user-agent (implicit) flow", cx, out);
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
    fn implicit() {
        cases(
            "oauth-implicit-flow",
            &[
                vec![(OIDC, oidc("    <blockOAuthUsrAgtFlow>true</blockOAuthUsrAgtFlow>"))],
                vec![(
                    CLASS,
                    "class Auth { String s = '?response_type=code&x=token'; String t = 'response_type=token_hint'; }"
                        .into(),
                )],
            ],
            &[
                vec![(OIDC, oidc("    <blockOAuthUsrAgtFlow>false</blockOAuthUsrAgtFlow>"))],
                vec![(OIDC, oidc("    <blockOAuthUnPwFlow>true</blockOAuthUnPwFlow>"))],
                vec![(
                    CLASS,
                    "class Auth { String s = '/services/oauth2/authorize?response_type=token&client_id=' + k; }".into(),
                )],
            ],
        );
    }
}
