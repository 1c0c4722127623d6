//! `oauth-self-authorized`: any user may authorize the app instead of admin pre-approval.

use crate::diagnostics::finding::Finding;
use crate::lints::{Ctx, Lint};
use crate::semantic::oauth::AppKind;

declare_lint!(SelfAuthorized = "oauth-self-authorized");

impl Lint for SelfAuthorized {
    fn check_project(&self, cx: &Ctx<'_>, out: &mut Vec<Finding>) {
        for app in cx.oauth.apps.iter().filter(|a| a.oauth_enabled()) {
            let Some(s) = app.self_authorized().filter(|s| s.value) else {
                continue;
            };
            let help = match app.kind {
                AppKind::ConnectedApp => {
                    "set `isAdminApproved` to true and grant access through profiles or permission sets"
                }
                AppKind::ExternalClientApp => "set `permittedUsersPolicyType` to `AdminApprovedPreAuthorized`",
            };
            out.push(
                Finding::new(
                    ID,
                    s.file,
                    s.span,
                    format!("{} lets all users self-authorize", app.describe()),
                )
                .help(help),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lints::test_support::*;

    #[test]
    fn self_authorized() {
        let ca = |inner: &str| {
            connected_app(&format!(
                "    <oauthConfig>\n        <callbackUrl>https://a.example.com/cb</callbackUrl>\n{inner}\n    </oauthConfig>"
            ))
        };
        let plcy = |inner: &str| eca_file("ExtlClntAppOauthConfigurablePolicies", inner);
        cases(
            "oauth-self-authorized",
            &[
                vec![(CA, ca("        <isAdminApproved>true</isAdminApproved>"))],
                vec![(
                    ECA_POLICY,
                    plcy("    <permittedUsersPolicyType>AdminApprovedPreAuthorized</permittedUsersPolicyType>"),
                )],
                vec![(ECA, eca_header())],
            ],
            &[
                vec![(CA, ca("        <isAdminApproved>false</isAdminApproved>"))],
                vec![(CA, ca(""))],
                vec![(
                    ECA_POLICY,
                    plcy("    <permittedUsersPolicyType>AllSelfAuthorized</permittedUsersPolicyType>"),
                )],
                vec![(
                    ECA_POLICY,
                    plcy("    <ipRelaxationPolicyType>Enforce</ipRelaxationPolicyType>"),
                )],
            ],
        );
    }
}
