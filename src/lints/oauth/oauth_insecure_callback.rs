//! `oauth-insecure-callback`: a plain-HTTP callback to a host other than this machine, or a
//! wildcard callback.

use crate::dataflow::url::{host, is_loopback};
use crate::diagnostics::finding::Finding;
use crate::diagnostics::rules::{OptionKind, RuleOption};
use crate::lints::{Ctx, Lint};

declare_lint!(InsecureCallback = "oauth-insecure-callback", options: [ALLOWED_HOSTS]);

const ALLOWED_HOSTS: RuleOption = RuleOption {
    rule: ID,
    name: "allowed-hosts",
    kind: OptionKind::Hosts,
    doc: "hosts whose plain-HTTP callbacks are accepted (reached over a protected internal network)",
};

impl Lint for InsecureCallback {
    fn check_project(&self, cx: &Ctx<'_>, out: &mut Vec<Finding>) {
        for app in cx.oauth.apps.iter().filter(|a| a.oauth_enabled()) {
            for cb in app.callbacks() {
                let Some(problem) = problem(cb.text, cx.options.hosts(&ALLOWED_HOSTS)) else {
                    continue;
                };
                let (what, help) = match problem {
                    Problem::Http => (
                        "plain-HTTP callback",
                        "use an `https://` callback URL (or a custom scheme for a native app)",
                    ),
                    Problem::Wildcard => ("wildcard callback", "list each exact callback URL"),
                };
                out.push(
                    Finding::new(
                        ID,
                        cb.file,
                        cb.span,
                        format!("{} has a {what} `{}`", app.describe(), cb.text),
                    )
                    .help(help),
                );
            }
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Problem {
    Http,
    Wildcard,
}

fn problem(url: &str, allowed: &[String]) -> Option<Problem> {
    let host = host(url);
    if allowed.iter().any(|a| host.as_deref() == Some(a.as_str())) {
        return None;
    }
    if url.contains('*') {
        return Some(Problem::Wildcard);
    }
    let is_http = url.get(..7).is_some_and(|s| s.eq_ignore_ascii_case("http://"));
    (is_http && !host.as_deref().is_some_and(is_loopback)).then_some(Problem::Http)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lints::test_support::*;

    #[test]
    fn urls() {
        let none: &[String] = &[];
        assert_eq!(problem("http://example.com/cb", none), Some(Problem::Http));
        assert_eq!(problem("HTTP://example.com", none), Some(Problem::Http));
        assert_eq!(problem("http://user:pw@evil.com:80/cb", none), Some(Problem::Http));
        assert_eq!(problem("https://*.example.com/cb", none), Some(Problem::Wildcard));
        assert_eq!(problem("http://localhost:1717/OauthRedirect", none), None);
        assert_eq!(problem("http://127.0.0.1:8080/cb", none), None);
        assert_eq!(problem("http://[::1]:8080/cb", none), None);
        assert_eq!(problem("http://localhost.evil.com/cb", none), Some(Problem::Http));
        assert_eq!(problem("https://example.com/cb", none), None);
        assert_eq!(problem("myapp://oauth/done", none), None);
        assert_eq!(problem("sfdc://success", none), None);
        assert_eq!(problem("http://dev.internal/cb", &["dev.internal".to_string()]), None);
    }

    #[test]
    fn callbacks() {
        let ca = |cb: &str| {
            connected_app(&format!(
                "    <oauthConfig>\n        <callbackUrl>{cb}</callbackUrl>\n    </oauthConfig>"
            ))
        };
        cases(
            "oauth-insecure-callback",
            &[
                vec![(CA, ca("https://a.example.com/cb\nhttp://localhost:1717/OauthRedirect"))],
                vec![(
                    ECA_GLOBAL,
                    eca_file(
                        "ExtlClntAppGlobalOauthSettings",
                        "    <callbackUrl>https://a.example.com/cb</callbackUrl>",
                    ),
                )],
            ],
            &[
                vec![(CA, ca("https://a.example.com/cb\nhttp://a.example.com/cb"))],
                vec![(
                    ECA_GLOBAL,
                    eca_file(
                        "ExtlClntAppGlobalOauthSettings",
                        "    <callbackUrl>https://*.example.com/cb</callbackUrl>",
                    ),
                )],
            ],
        );
        let text = ca("https://a.example.com/cb\n            http://b.example.com/cb");
        let hits = run("oauth-insecure-callback", &[(CA, &text)]);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].text, "http://b.example.com/cb");
        assert_eq!(hits[0].line, 7);
    }
}
