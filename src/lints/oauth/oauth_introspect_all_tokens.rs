//! `oauth-introspect-all-tokens`: an app may introspect every token in the org.

use crate::diagnostics::finding::Finding;
use crate::lints::{Ctx, Lint};
use crate::semantic::oauth::Flag;

declare_lint!(IntrospectAllTokens = "oauth-introspect-all-tokens");

impl Lint for IntrospectAllTokens {
    fn check_project(&self, cx: &Ctx<'_>, out: &mut Vec<Finding>) {
        for app in cx.oauth.apps.iter().filter(|a| a.oauth_enabled()) {
            if let Some(s) = app.flag(Flag::IntrospectAllTokens).filter(|s| s.value) {
                out.push(
                    Finding::new(
                        ID,
                        s.file,
                        s.span,
                        format!("{} may introspect every token in the org", app.describe()),
                    )
                    .help("set `isIntrospectAllTokens` to false; let the app introspect only its own tokens"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lints::test_support::*;

    #[test]
    fn introspect() {
        let ca = |v: &str| {
            connected_app(&format!(
                "    <oauthConfig>\n        <callbackUrl>https://a.example.com/cb</callbackUrl>\n        <isIntrospectAllTokens>{v}</isIntrospectAllTokens>\n    </oauthConfig>"
            ))
        };
        cases(
            "oauth-introspect-all-tokens",
            &[
                vec![(CA, ca("false"))],
                vec![(
                    CA,
                    connected_app("    <isIntrospectAllTokens>true</isIntrospectAllTokens>"),
                )],
            ],
            &[
                vec![(CA, ca("true"))],
                vec![(
                    ECA_GLOBAL,
                    eca_file(
                        "ExtlClntAppGlobalOauthSettings",
                        "    <isIntrospectAllTokens>true</isIntrospectAllTokens>",
                    ),
                )],
            ],
        );
    }
}
