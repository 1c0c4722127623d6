//! `oauth-consumer-secret-optional`: a confidential (non-native) client does not need its secret
//! for the web-server flow, to refresh tokens, or for token exchange.

use crate::diagnostics::finding::Finding;
use crate::lints::{Ctx, Lint};
use crate::semantic::oauth::Flag;

declare_lint!(ConsumerSecretOptional = "oauth-consumer-secret-optional");

impl Lint for ConsumerSecretOptional {
    fn check_project(&self, cx: &Ctx<'_>, out: &mut Vec<Finding>) {
        // Native apps are public clients: they cannot keep a secret, so none is expected.
        for app in cx.oauth.apps.iter().filter(|a| a.oauth_enabled() && a.native.is_none()) {
            let name = app.describe();
            if app.web_server_flow_unprotected().is_none()
                && let Some(s) = app.flag(Flag::ConsumerSecretOptional).filter(|s| s.value)
            {
                out.push(
                    Finding::new(
                        ID,
                        s.file,
                        s.span,
                        format!("{name} makes the consumer secret optional for the web-server flow"),
                    )
                    .help("set `isConsumerSecretOptional` to false"),
                );
            }
            // Only an app whose scopes obtain refresh tokens has any to refresh (`Full` alone
            // does not: 24 findings on public orgs were on apps without them).
            if let Some(scope) = app.issues_refresh_tokens()
                && let Some(s) = app.flag(Flag::SecretRequiredForRefresh).filter(|s| !s.value)
            {
                out.push(
                    Finding::new(
                        ID,
                        s.file,
                        s.span,
                        format!("{name} does not require the consumer secret to refresh tokens"),
                    )
                    .help("set `isSecretRequiredForRefreshToken` to true")
                    .label(scope.file, scope.span, "this scope issues refresh tokens"),
                );
            }
            if app.flag(Flag::TokenExchange).is_some_and(|t| t.value)
                && let Some(s) = app.flag(Flag::SecretRequiredForTokenExchange).filter(|s| !s.value)
            {
                out.push(
                    Finding::new(
                        ID,
                        s.file,
                        s.span,
                        format!("{name} does not require the consumer secret for token exchange"),
                    )
                    .help("set `isSecretRequiredForTokenExchange` to true"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lints::test_support::*;

    #[test]
    fn secret_optional() {
        let ca = |inner: &str, extra: &str| {
            connected_app(&format!(
                "    <oauthConfig>\n        <callbackUrl>https://a.example.com/cb</callbackUrl>\n        <isPkceRequired>true</isPkceRequired>\n{inner}\n    </oauthConfig>{extra}"
            ))
        };
        cases(
            "oauth-consumer-secret-optional",
            &[
                vec![(
                    CA,
                    ca("        <isConsumerSecretOptional>false</isConsumerSecretOptional>", ""),
                )],
                vec![(
                    CA,
                    ca(
                        "        <isConsumerSecretOptional>true</isConsumerSecretOptional>\n        <isSecretRequiredForRefreshToken>false</isSecretRequiredForRefreshToken>",
                        "\n    <mobileAppConfig><devicePlatform>ios</devicePlatform></mobileAppConfig>",
                    ),
                )],
                vec![(
                    CA,
                    ca("        <isTokenExchangeEnabled>false</isTokenExchangeEnabled>", ""),
                )],
                vec![(
                    CA,
                    ca(
                        "        <isTokenExchangeEnabled>true</isTokenExchangeEnabled>\n        <isSecretRequiredForTokenExchange>true</isSecretRequiredForTokenExchange>",
                        "",
                    ),
                )],
                // No scope that issues refresh tokens: nothing to refresh.
                vec![(
                    CA,
                    ca(
                        "        <isSecretRequiredForRefreshToken>false</isSecretRequiredForRefreshToken>\n        <scopes>Full</scopes>\n        <scopes>Api</scopes>",
                        "",
                    ),
                )],
                vec![(
                    ECA_GLOBAL,
                    eca_file(
                        "ExtlClntAppGlobalOauthSettings",
                        "    <isSecretRequiredForRefreshToken>false</isSecretRequiredForRefreshToken>",
                    ),
                )],
            ],
            &[
                vec![(
                    CA,
                    ca("        <isConsumerSecretOptional>true</isConsumerSecretOptional>", ""),
                )],
                vec![(
                    CA,
                    ca(
                        "        <isSecretRequiredForRefreshToken>false</isSecretRequiredForRefreshToken>\n        <scopes>RefreshToken</scopes>",
                        "",
                    ),
                )],
                vec![(
                    CA,
                    ca("        <isTokenExchangeEnabled>true</isTokenExchangeEnabled>", ""),
                )],
                vec![
                    (
                        ECA_GLOBAL,
                        eca_file(
                            "ExtlClntAppGlobalOauthSettings",
                            "    <isSecretRequiredForRefreshToken>false</isSecretRequiredForRefreshToken>",
                        ),
                    ),
                    (
                        ECA_OAUTH,
                        eca_file(
                            "ExtlClntAppOauthSettings",
                            "    <commaSeparatedOauthScopes>Api, OfflineAccess</commaSeparatedOauthScopes>",
                        ),
                    ),
                ],
            ],
        );
    }
}
