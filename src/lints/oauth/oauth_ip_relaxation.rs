//! `oauth-ip-relaxation`: IP restrictions are relaxed (error) or not declared (warning) for an
//! app that is not a native client.

use crate::diagnostics::finding::{Finding, Severity};
use crate::lints::{Ctx, Lint};
use crate::semantic::oauth::{AppKind, IpPolicy};

declare_lint!(IpRelaxation = "oauth-ip-relaxation");

impl Lint for IpRelaxation {
    fn check_project(&self, cx: &Ctx<'_>, out: &mut Vec<Finding>) {
        for app in cx.oauth.apps.iter().filter(|a| a.oauth_enabled() && a.native.is_none()) {
            let Some(p) = app.ip_policy() else {
                // An ECA whose OAuth policies are not in the project: nothing pins the policy.
                if app.kind == AppKind::ExternalClientApp
                    && let Some((file, span)) = app.anchor()
                {
                    out.push(
                        Finding::new(
                            ID,
                            file,
                            span,
                            format!(
                                "{} declares no OAuth policies, so IP restrictions are not pinned",
                                app.describe()
                            ),
                        )
                        .severity(Severity::Warning)
                        .help("add an OAuth policies file (`.ecaOauthPlcy`) with `ipRelaxationPolicyType` `Enforce`"),
                    );
                }
                continue;
            };
            let help = match app.kind {
                AppKind::ConnectedApp => "set `ipRelaxation` to `ENFORCE`",
                AppKind::ExternalClientApp => "set `ipRelaxationPolicyType` to `Enforce`",
            };
            let finding = match p.value {
                None => Finding::new(
                    ID,
                    p.file,
                    p.span,
                    format!("{} does not declare its IP relaxation policy", app.describe()),
                )
                .severity(Severity::Warning),
                Some((IpPolicy::Enforce | IpPolicy::Unknown, _)) => continue,
                Some((policy, v)) => {
                    let how = match policy {
                        IpPolicy::Bypass => "relaxes IP restrictions",
                        IpPolicy::Bypass2Factor => "relaxes IP restrictions for activated devices",
                        _ => "relaxes IP restrictions for refresh tokens",
                    };
                    Finding::new(ID, p.file, p.span, format!("{} {how} (`{v}`)", app.describe()))
                        .severity(Severity::Error)
                }
            };
            out.push(finding.help(help));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostics::finding::Severity;
    use crate::lints::test_support::*;

    fn ca(policy: &str, extra: &str) -> String {
        connected_app(&format!(
            "    <oauthConfig>\n        <callbackUrl>https://a.example.com/cb</callbackUrl>\n    </oauthConfig>\n{policy}{extra}"
        ))
    }

    #[test]
    fn relaxation() {
        let plcy = |v: &str| {
            eca_file(
                "ExtlClntAppOauthConfigurablePolicies",
                &format!("    <ipRelaxationPolicyType>{v}</ipRelaxationPolicyType>"),
            )
        };
        let mobile = eca_file(
            "ExtlClntAppMobileSettings",
            "    <isScreenLockEnabled>true</isScreenLockEnabled>",
        );
        cases(
            "oauth-ip-relaxation",
            &[
                vec![(
                    CA,
                    ca(
                        "    <oauthPolicy><ipRelaxation>ENFORCE</ipRelaxation></oauthPolicy>",
                        "",
                    ),
                )],
                vec![(
                    CA,
                    ca(
                        "    <oauthPolicy><ipRelaxation>BYPASS</ipRelaxation></oauthPolicy>",
                        "\n    <mobileStartUrl>https://m.example.com</mobileStartUrl>",
                    ),
                )],
                vec![(
                    CA,
                    connected_app("    <oauthPolicy><ipRelaxation>BYPASS</ipRelaxation></oauthPolicy>"),
                )],
                vec![(ECA, eca_header()), (ECA_POLICY, plcy("Enforce"))],
                vec![(ECA, eca_header()), (ECA_POLICY, plcy("Bypass")), (ECA_MOBILE, mobile)],
                vec![(ECA, eca_header())],
            ],
            &[
                vec![(
                    CA,
                    ca("    <oauthPolicy><ipRelaxation>BYPASS</ipRelaxation></oauthPolicy>", ""),
                )],
                vec![(
                    CA,
                    ca(
                        "    <oauthPolicy><ipRelaxation>ENFORCE_RELAXREFRESH</ipRelaxation></oauthPolicy>",
                        "",
                    ),
                )],
                vec![(CA, ca("", ""))],
                vec![(ECA, eca_header()), (ECA_POLICY, plcy("Bypass_2factor"))],
                vec![
                    (ECA, eca_header()),
                    (ECA_OAUTH, eca_file("ExtlClntAppOauthSettings", "    <label>x</label>")),
                ],
            ],
        );
        let hits = run(
            "oauth-ip-relaxation",
            &[(
                CA,
                &ca("    <oauthPolicy><ipRelaxation>BYPASS</ipRelaxation></oauthPolicy>", ""),
            )],
        );
        assert_eq!(hits[0].severity, Severity::Error);
        assert_eq!(
            hits[0].message,
            "connected app `Billing_Sync` relaxes IP restrictions (`BYPASS`)"
        );
        let hits = run("oauth-ip-relaxation", &[(CA, &ca("", ""))]);
        assert_eq!(hits[0].severity, Severity::Warning);
        assert!(hits[0].text.starts_with("<ConnectedApp"), "{:?}", hits[0].text);
    }

    #[test]
    fn native_apps_from_config() {
        let mut config = crate::workspace::config::Config::default();
        config.options.native_apps = vec!["Billing_Sync".into()];
        let text = ca("", "");
        assert!(run_with("oauth-ip-relaxation", &[(CA, &text)], config).is_empty());
    }
}
