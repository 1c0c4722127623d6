//! `oauth-broad-scope`: the `Full` scope, or offline access that never expires granted by any
//! user who self-authorizes.

use crate::diagnostics::finding::Finding;
use crate::lints::{Ctx, Lint};
use crate::semantic::oauth::{RefreshPolicy, is_refresh_scope};

declare_lint!(BroadScope = "oauth-broad-scope");

impl Lint for BroadScope {
    fn check_project(&self, cx: &Ctx<'_>, out: &mut Vec<Finding>) {
        for app in cx.oauth.apps.iter().filter(|a| a.oauth_enabled()) {
            let scopes = app.scopes();
            for s in scopes.iter().filter(|s| s.text.eq_ignore_ascii_case("Full")) {
                out.push(
                    Finding::new(
                        ID,
                        s.file,
                        s.span.clone(),
                        format!("{} requests the `Full` scope", app.describe()),
                    )
                    .help("request only the scopes the integration needs (e.g. `Api`, `OpenID`)"),
                );
            }
            let never_expires = app
                .refresh_policy()
                .is_some_and(|p| matches!(p.value, None | Some((RefreshPolicy::Infinite, _))));
            let self_authorized = app.self_authorized().filter(|s| s.value);
            if let (true, Some(who)) = (never_expires, self_authorized)
                && let Some(s) = scopes.iter().find(|s| is_refresh_scope(s.text))
            {
                out.push(
                    Finding::new(
                        ID,
                        s.file,
                        s.span.clone(),
                        format!(
                            "{} lets any user grant offline access that never expires",
                            app.describe()
                        ),
                    )
                    .help("require admin pre-approval, or expire refresh tokens")
                    .label(who.file, who.span, "users self-authorize here"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lints::test_support::*;

    #[test]
    fn scopes() {
        let ca = |scopes: &str, rest: &str| {
            connected_app(&format!(
                "    <oauthConfig>\n        <callbackUrl>https://a.example.com/cb</callbackUrl>\n{scopes}\n    </oauthConfig>\n{rest}"
            ))
        };
        let approved = "        <isAdminApproved>true</isAdminApproved>\n";
        let expiring =
            "    <oauthPolicy><refreshTokenPolicy>specific_lifetime:1:DAYS</refreshTokenPolicy></oauthPolicy>";
        cases(
            "oauth-broad-scope",
            &[
                vec![(CA, ca("        <scopes>Api</scopes>\n        <scopes>Web</scopes>", ""))],
                vec![(CA, ca(&format!("{approved}        <scopes>RefreshToken</scopes>"), ""))],
                vec![(CA, ca("        <scopes>RefreshToken</scopes>", expiring))],
                vec![(
                    ECA_OAUTH,
                    eca_file(
                        "ExtlClntAppOauthSettings",
                        "    <commaSeparatedOauthScopes>Api, FullName</commaSeparatedOauthScopes>",
                    ),
                )],
            ],
            &[
                vec![(CA, ca("        <scopes>Full</scopes>", ""))],
                vec![(CA, ca("        <scopes>OfflineAccess</scopes>", ""))],
                vec![(
                    ECA_OAUTH,
                    eca_file(
                        "ExtlClntAppOauthSettings",
                        "    <commaSeparatedOauthScopes>Api, Full</commaSeparatedOauthScopes>",
                    ),
                )],
            ],
        );
        let text = eca_file(
            "ExtlClntAppOauthSettings",
            "    <commaSeparatedOauthScopes>Api, Full</commaSeparatedOauthScopes>",
        );
        let hits = run("oauth-broad-scope", &[(ECA_OAUTH, &text)]);
        assert_eq!(hits[0].text, "Full");
    }
}
