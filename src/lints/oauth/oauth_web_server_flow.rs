//! `oauth-web-server-flow`: the web-server (authorization code) flow works with neither a client
//! secret nor PKCE, so an intercepted code can be redeemed by anyone.

use crate::diagnostics::finding::Finding;
use crate::lints::{Ctx, Lint};
use crate::semantic::oauth::Flag;

declare_lint!(WebServerFlow = "oauth-web-server-flow");

impl Lint for WebServerFlow {
    fn check_project(&self, cx: &Ctx<'_>, out: &mut Vec<Finding>) {
        for app in cx.oauth.apps.iter().filter(|a| a.oauth_enabled()) {
            let Some(s) = app.web_server_flow_unprotected() else {
                continue;
            };
            let mut f = Finding::new(
                ID,
                s.file,
                s.span,
                format!(
                    "{} lets the web-server flow run with neither a client secret nor PKCE",
                    app.describe()
                ),
            )
            .help("require PKCE (`isPkceRequired` true) and the consumer secret, or remove the web-server flow");
            if let Some(p) = app.flag(Flag::PkceRequired).filter(|p| p.explicit) {
                f = f.label(p.file, p.span, "PKCE is not required here");
            }
            out.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lints::test_support::*;

    #[test]
    fn web_server() {
        let ca = |inner: &str| {
            connected_app(&format!(
                "    <oauthConfig>\n        <callbackUrl>https://a.example.com/cb</callbackUrl>\n{inner}\n    </oauthConfig>"
            ))
        };
        let global = |inner: &str| eca_file("ExtlClntAppGlobalOauthSettings", inner);
        cases(
            "oauth-web-server-flow",
            &[
                vec![(
                    CA,
                    ca("        <isConsumerSecretOptional>false</isConsumerSecretOptional>"),
                )],
                vec![(
                    CA,
                    ca(
                        "        <isConsumerSecretOptional>true</isConsumerSecretOptional>\n        <isPkceRequired>true</isPkceRequired>",
                    ),
                )],
                // ECA global settings require PKCE by default.
                vec![(
                    ECA_GLOBAL,
                    global("    <isConsumerSecretOptional>true</isConsumerSecretOptional>"),
                )],
            ],
            &[
                vec![(
                    CA,
                    ca("        <isConsumerSecretOptional>true</isConsumerSecretOptional>"),
                )],
                vec![(
                    CA,
                    ca(
                        "        <isConsumerSecretOptional>true</isConsumerSecretOptional>\n        <isPkceRequired>false</isPkceRequired>",
                    ),
                )],
                vec![(
                    ECA_GLOBAL,
                    global(
                        "    <isConsumerSecretOptional>true</isConsumerSecretOptional>\n    <isPkceRequired>false</isPkceRequired>",
                    ),
                )],
            ],
        );
    }
}
