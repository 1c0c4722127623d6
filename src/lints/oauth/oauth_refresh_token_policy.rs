//! `oauth-refresh-token-policy`: refresh tokens stay valid until revoked.

use crate::diagnostics::finding::Finding;
use crate::lints::{Ctx, Lint};
use crate::semantic::oauth::RefreshPolicy;

declare_lint!(RefreshTokenPolicy = "oauth-refresh-token-policy");
const HELP: &str = "expire refresh tokens after a period of inactivity or a fixed lifetime (e.g. `specific_inactivity:30:DAYS` / `SpecificInactivity`)";

impl Lint for RefreshTokenPolicy {
    fn check_project(&self, cx: &Ctx<'_>, out: &mut Vec<Finding>) {
        for app in cx.oauth.apps.iter().filter(|a| a.oauth_enabled()) {
            let Some(scope) = app.issues_refresh_tokens() else {
                continue;
            };
            let Some(p) = app.refresh_policy() else { continue };
            let message = match p.value {
                None => format!(
                    "{} sets no refresh-token policy, so refresh tokens never expire",
                    app.describe()
                ),
                Some((RefreshPolicy::Infinite, v)) => {
                    format!("{} keeps refresh tokens valid until revoked (`{v}`)", app.describe())
                }
                Some(_) => continue,
            };
            out.push(Finding::new(ID, p.file, p.span, message).help(HELP).label(
                scope.file,
                scope.span,
                "this scope issues refresh tokens",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lints::test_support::*;

    #[test]
    fn policy() {
        let ca = |scope: &str, policy: &str| {
            connected_app(&format!(
                "    <oauthConfig>\n        <callbackUrl>https://a.example.com/cb</callbackUrl>\n        <scopes>{scope}</scopes>\n    </oauthConfig>\n{policy}"
            ))
        };
        let plcy = |inner: &str| eca_file("ExtlClntAppOauthConfigurablePolicies", inner);
        let eca_scopes = eca_file(
            "ExtlClntAppOauthSettings",
            "    <commaSeparatedOauthScopes>Api,RefreshToken</commaSeparatedOauthScopes>",
        );
        cases(
            "oauth-refresh-token-policy",
            &[
                vec![(
                    CA,
                    ca(
                        "RefreshToken",
                        "    <oauthPolicy>\n        <refreshTokenPolicy>specific_inactivity:30:DAYS</refreshTokenPolicy>\n    </oauthPolicy>",
                    ),
                )],
                vec![(
                    CA,
                    ca(
                        "Api",
                        "    <oauthPolicy>\n        <refreshTokenPolicy>infinite</refreshTokenPolicy>\n    </oauthPolicy>",
                    ),
                )],
                vec![
                    (ECA_OAUTH, eca_scopes.clone()),
                    (
                        ECA_POLICY,
                        plcy("    <refreshTokenPolicyType>SpecificLifetime</refreshTokenPolicyType>"),
                    ),
                ],
            ],
            &[
                vec![(
                    CA,
                    ca(
                        "RefreshToken",
                        "    <oauthPolicy>\n        <refreshTokenPolicy>infinite</refreshTokenPolicy>\n    </oauthPolicy>",
                    ),
                )],
                vec![(CA, ca("OfflineAccess", ""))],
                vec![
                    (ECA_OAUTH, eca_scopes.clone()),
                    (
                        ECA_POLICY,
                        plcy("    <refreshTokenPolicyType>Infinite</refreshTokenPolicyType>"),
                    ),
                ],
                vec![
                    (ECA_OAUTH, eca_scopes),
                    (
                        ECA_POLICY,
                        plcy("    <ipRelaxationPolicyType>Enforce</ipRelaxationPolicyType>"),
                    ),
                ],
            ],
        );
    }
}
