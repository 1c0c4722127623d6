//! `oauth-jwt-certificate`: a JWT-bearer certificate is present; it must be on a rotation
//! schedule. Expired is an error; expiring within the window, RSA under 2048 bits or SHA-1 is a
//! warning; otherwise a note that inventories it.

use crate::diagnostics::finding::{Finding, Severity};
use crate::diagnostics::rules::{OptionKind, RuleOption};
use crate::lints::{Ctx, Lint};
use crate::semantic::oauth::{date, parse_certificate};

declare_lint!(JwtCertificate = "oauth-jwt-certificate", options: [EXPIRY_WINDOW_DAYS]);

const EXPIRY_WINDOW_DAYS: RuleOption = RuleOption {
    rule: ID,
    name: "expiry-window-days",
    kind: OptionKind::Int {
        default: 90,
        min: 0,
        max: 3650,
    },
    doc: "how many days before a certificate expires it is reported",
};

impl Lint for JwtCertificate {
    fn check_project(&self, cx: &Ctx<'_>, out: &mut Vec<Finding>) {
        for app in cx.oauth.apps.iter().filter(|a| a.oauth_enabled()) {
            for cert in app.certificates() {
                let name = app.describe();
                let Some(facts) = parse_certificate(cert.text) else {
                    out.push(
                        Finding::new(
                            ID,
                            cert.file,
                            cert.span,
                            format!("JWT-bearer certificate of {name} cannot be parsed"),
                        )
                        .severity(Severity::Warning)
                        .help("replace it with a valid PEM certificate and record its expiry date"),
                    );
                    continue;
                };
                let days_left = cx.clock.days_until(facts.not_after);
                let weak_key = matches!(facts.key, Some(("RSA", bits)) if bits < 2048);
                let weak_sig = facts.signature.to_ascii_lowercase().contains("sha1");
                let key = facts
                    .key
                    .map_or("unknown key".to_string(), |(alg, bits)| format!("{alg} {bits}-bit"));
                let details = format!("{key}, {}", facts.signature);
                let (severity, message, help) = if cx.clock.reached(facts.not_after) {
                    (
                        Severity::Error,
                        format!(
                            "JWT-bearer certificate of {name} expired on {} ({} days ago; {details})",
                            date(facts.not_after),
                            -days_left
                        ),
                        "upload a new certificate and rotate the private key now",
                    )
                } else if days_left <= cx.options.int(&EXPIRY_WINDOW_DAYS) || weak_key || weak_sig {
                    let why = match (days_left <= cx.options.int(&EXPIRY_WINDOW_DAYS), weak_key, weak_sig) {
                        (true, _, _) => "expires soon",
                        (_, true, _) => "uses a weak key",
                        _ => "uses a SHA-1 signature",
                    };
                    (
                        Severity::Warning,
                        format!(
                            "JWT-bearer certificate of {name} {why}: expires on {} ({days_left} days left; {details})",
                            date(facts.not_after)
                        ),
                        "rotate the certificate: a new RSA key of 2048 bits or more, signed with SHA-256",
                    )
                } else {
                    (
                        Severity::Note,
                        format!(
                            "JWT-bearer certificate of {name} expires on {} ({days_left} days left; {details})",
                            date(facts.not_after)
                        ),
                        "schedule its rotation before it expires",
                    )
                };
                out.push(
                    Finding::new(ID, cert.file, cert.span, message)
                        .severity(severity)
                        .help(help),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lints::test_support::*;

    /// RSA 2048 / SHA-256, valid 2025-01-01 .. 2030-01-01.
    const GOOD: &str = include_str!("../../../tests/data/certs/rsa2048-sha256-2030.pem");
    /// RSA 2048 / SHA-256, expired 2025-06-01.
    const EXPIRED: &str = include_str!("../../../tests/data/certs/rsa2048-sha256-expired-2025.pem");
    /// RSA 2048 / SHA-256, expires 2026-02-15 (45 days after the test clock).
    const SOON: &str = include_str!("../../../tests/data/certs/rsa2048-sha256-2026-02-15.pem");
    /// RSA 1024 / SHA-256, valid until 2030.
    const WEAK: &str = include_str!("../../../tests/data/certs/rsa1024-sha256-2030.pem");
    /// RSA 2048 / SHA-1, valid until 2036.
    const SHA1: &str = include_str!("../../../tests/data/certs/rsa2048-sha1.pem");

    fn ca(cert: &str) -> String {
        connected_app(&format!(
            "    <oauthConfig>\n        <callbackUrl>https://a.example.com/cb</callbackUrl>\n        <certificate>{cert}</certificate>\n    </oauthConfig>"
        ))
    }

    #[test]
    fn facts() {
        let f = parse_certificate(GOOD).expect("parses");
        assert_eq!(f.key, Some(("RSA", 2048)));
        assert_eq!(date(f.not_after), "2030-01-01");
        assert!(f.signature.contains("sha256"), "{}", f.signature);
        let w = parse_certificate(WEAK).expect("parses");
        assert_eq!(w.key, Some(("RSA", 1024)));
        // Without the PEM armour, as some files store it.
        let bare: String = GOOD.lines().filter(|l| !l.starts_with("-----")).collect();
        assert_eq!(parse_certificate(&bare), Some(f));
        assert_eq!(parse_certificate("not a certificate"), None);
    }

    #[test]
    fn severities_follow_the_injected_clock() {
        let sev = |cert: &str| {
            let hits = run("oauth-jwt-certificate", &[(CA, &ca(cert))]);
            assert_eq!(hits.len(), 1, "{hits:?}");
            (hits[0].severity, hits[0].message.clone())
        };
        let (s, m) = sev(GOOD);
        assert_eq!(s, Severity::Note);
        assert_eq!(
            m,
            "JWT-bearer certificate of connected app `Billing_Sync` expires on 2030-01-01 (1461 days left; RSA 2048-bit, sha256WithRSAEncryption)"
        );
        let (s, m) = sev(EXPIRED);
        assert_eq!(s, Severity::Error);
        assert!(m.contains("expired on 2025-06-01 (214 days ago"), "{m}");
        let (s, m) = sev(SOON);
        assert_eq!(s, Severity::Warning);
        assert!(m.contains("expires soon: expires on 2026-02-15 (45 days left"), "{m}");
        let (s, m) = sev(WEAK);
        assert_eq!(s, Severity::Warning);
        assert!(m.contains("uses a weak key") && m.contains("RSA 1024-bit"), "{m}");
        let (s, m) = sev(SHA1);
        assert_eq!(s, Severity::Warning);
        assert!(
            m.contains("uses a SHA-1 signature") && m.contains("sha1WithRSAEncryption"),
            "{m}"
        );
        let (s, _) = sev("garbage");
        assert_eq!(s, Severity::Warning);
    }

    #[test]
    fn window_is_configurable() {
        let mut config = crate::workspace::config::Config::default();
        config.options.set_int(&super::EXPIRY_WINDOW_DAYS, 30);
        let hits = run_with("oauth-jwt-certificate", &[(CA, &ca(SOON))], config);
        assert_eq!(hits[0].severity, Severity::Note);
    }

    #[test]
    fn no_certificate_no_finding() {
        cases(
            "oauth-jwt-certificate",
            &[vec![(
                CA,
                connected_app("    <oauthConfig><callbackUrl>https://a.example.com/cb</callbackUrl></oauthConfig>"),
            )]],
            &[vec![(CA, ca(GOOD))]],
        );
    }
}
