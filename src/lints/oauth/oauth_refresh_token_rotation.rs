//! `oauth-refresh-token-rotation`: the app issues refresh tokens but does not rotate them.

use crate::diagnostics::finding::Finding;
use crate::lints::{Ctx, Lint};
use crate::semantic::oauth::{Flag, RefreshPolicy};

declare_lint!(RefreshTokenRotation = "oauth-refresh-token-rotation");

impl Lint for RefreshTokenRotation {
    fn check_project(&self, cx: &Ctx<'_>, out: &mut Vec<Finding>) {
        for app in cx.oauth.apps.iter().filter(|a| a.oauth_enabled()) {
            let Some(scope) = app.issues_refresh_tokens() else {
                continue;
            };
            // Refresh tokens that expire immediately are never used, so there is nothing to rotate.
            if app
                .refresh_policy()
                .is_some_and(|p| matches!(p.value, Some((RefreshPolicy::Zero, _))))
            {
                continue;
            }
            let Some(s) = app.flag(Flag::RefreshTokenRotation).filter(|s| !s.value) else {
                continue;
            };
            out.push(
                Finding::new(
                    ID,
                    s.file,
                    s.span,
                    format!("{} issues refresh tokens but does not rotate them", app.describe()),
                )
                .help("set `isRefreshTokenRotationEnabled` to true")
                .label(scope.file, scope.span, "this scope issues refresh tokens"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lints::test_support::*;

    #[test]
    fn rotation() {
        let ca = |inner: &str| {
            connected_app(&format!(
                "    <oauthConfig>\n        <callbackUrl>https://a.example.com/cb</callbackUrl>\n{inner}\n    </oauthConfig>"
            ))
        };
        cases(
            "oauth-refresh-token-rotation",
            &[
                vec![(CA, ca("        <isRefreshTokenRotationEnabled>true</isRefreshTokenRotationEnabled>\n        <scopes>RefreshToken</scopes>"))],
                vec![(CA, ca("        <scopes>Api</scopes>"))],
                vec![(CA, ca("        <scopes>RefreshToken</scopes>").replace("</ConnectedApp>", "    <oauthPolicy><ipRelaxation>ENFORCE</ipRelaxation><refreshTokenPolicy>zero</refreshTokenPolicy></oauthPolicy>\n</ConnectedApp>"))],
                // Without the global settings file the rotation setting is unknown.
                vec![(ECA_OAUTH, eca_file("ExtlClntAppOauthSettings", "    <commaSeparatedOauthScopes>Api, RefreshToken</commaSeparatedOauthScopes>"))],
            ],
            &[
                vec![(CA, ca("        <scopes>Api</scopes>\n        <scopes>RefreshToken</scopes>"))],
                vec![(CA, ca("        <isRefreshTokenRotationEnabled>false</isRefreshTokenRotationEnabled>\n        <scopes>OfflineAccess</scopes>"))],
                vec![
                    (ECA_OAUTH, eca_file("ExtlClntAppOauthSettings", "    <commaSeparatedOauthScopes>Api, RefreshToken</commaSeparatedOauthScopes>")),
                    (ECA_GLOBAL, eca_file("ExtlClntAppGlobalOauthSettings", "    <isPkceRequired>true</isPkceRequired>")),
                ],
            ],
        );
    }
}
