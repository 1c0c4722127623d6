//! `oauth-pkce-not-required`: an app (or the org) does not require PKCE for the
//! authorization-code flows.

use crate::diagnostics::finding::Finding;
use crate::lints::{Ctx, Lint};
use crate::semantic::oauth::Flag;

declare_lint!(PkceNotRequired = "oauth-pkce-not-required");
const HELP: &str = "set `isPkceRequired` to true";

impl Lint for PkceNotRequired {
    fn check_project(&self, cx: &Ctx<'_>, out: &mut Vec<Finding>) {
        for app in cx.oauth.apps.iter().filter(|a| a.oauth_enabled()) {
            // With the secret optional as well, `oauth-web-server-flow` reports the stronger finding.
            if app.web_server_flow_unprotected().is_some() {
                continue;
            }
            let Some(s) = app.flag(Flag::PkceRequired).filter(|s| !s.value) else {
                continue;
            };
            out.push(Finding::new(ID, s.file, s.span, format!("{} does not require PKCE", app.describe())).help(HELP));
        }
        for org in &cx.oauth.orgs {
            let s = org.flag("isPkceRequired", false);
            if !s.value {
                out.push(
                    Finding::new(ID, s.file, s.span, format!("{} do not require PKCE", org.describe())).help(HELP),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lints::test_support::*;

    #[test]
    fn pkce() {
        let ca = |inner: &str| {
            connected_app(&format!(
                "    <oauthConfig>\n        <callbackUrl>https://a.example.com/cb</callbackUrl>\n{inner}\n    </oauthConfig>"
            ))
        };
        cases(
            "oauth-pkce-not-required",
            &[
                vec![(CA, ca("        <isPkceRequired>true</isPkceRequired>"))],
                vec![(
                    ECA_GLOBAL,
                    eca_file("ExtlClntAppGlobalOauthSettings", "    <label>x</label>"),
                )],
                vec![(
                    OIDC,
                    oidc(
                        "    <isPkceRequired>true</isPkceRequired>\n    <blockOAuthUnPwFlow>true</blockOAuthUnPwFlow>",
                    ),
                )],
                // Reported as oauth-web-server-flow instead.
                vec![(
                    CA,
                    ca("        <isConsumerSecretOptional>true</isConsumerSecretOptional>"),
                )],
            ],
            &[
                vec![(CA, ca("        <isPkceRequired>false</isPkceRequired>"))],
                vec![(CA, ca(""))],
                vec![(
                    ECA_GLOBAL,
                    eca_file(
                        "ExtlClntAppGlobalOauthSettings",
                        "    <isPkceRequired>false</isPkceRequired>",
                    ),
                )],
                vec![(OIDC, oidc("    <blockOAuthUnPwFlow>true</blockOAuthUnPwFlow>"))],
            ],
        );
    }
}
