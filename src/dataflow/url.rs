//! Where a URL points, as far as the code shows: this org, a named credential, another host, or
//! unknown. Shared by the callout and redirect checks.

use std::ops::Range;

use crate::diagnostics::finding::FileId;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum UrlClass {
    /// Built from the org's own URL (`URL.getOrgDomainUrl()` and friends) or a relative path.
    SameOrg,
    /// `callout:Name/...`: the host is whatever the named credential says.
    NamedCredential(String),
    /// An absolute URL literal to this host.
    External(String),
    /// Not known statically; says why (a parameter, a custom setting...).
    Unknown(String),
}

impl UrlClass {
    /// Joins keep the least trusted class, so a request that may go elsewhere is never
    /// called same-org.
    pub(crate) fn rank(&self) -> u8 {
        match self {
            UrlClass::SameOrg => 0,
            UrlClass::Unknown(_) => 1,
            UrlClass::NamedCredential(_) => 2,
            UrlClass::External(_) => 3,
        }
    }

    /// A phrase for messages: "to `api.example.com`".
    pub(crate) fn describe(&self) -> String {
        match self {
            UrlClass::SameOrg => "to this org".into(),
            // `'callout:' + NAME`: the literal ends before the name.
            UrlClass::NamedCredential(n) if n.is_empty() => {
                "through a named credential whose name is computed and whose host sfsec cannot show to be this org"
                    .into()
            }
            UrlClass::NamedCredential(n) => {
                format!("through the named credential `{n}`, whose host sfsec cannot show to be this org")
            }
            UrlClass::External(h) => format!("to `{h}`"),
            UrlClass::Unknown(why) => format!("to an endpoint that could not be shown to be this org ({why})"),
        }
    }
}

/// A classified URL and the expression it was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Endpoint {
    pub class: UrlClass,
    pub file: FileId,
    pub span: Range<usize>,
    /// Set when the URL is the method's parameter with this index: callers then decide it
    /// from the argument they pass.
    pub param: Option<u16>,
}

impl Endpoint {
    pub(crate) fn join(a: Option<Endpoint>, b: Option<Endpoint>) -> Option<Endpoint> {
        match (a, b) {
            (Some(a), Some(b)) => Some(if b.class.rank() > a.class.rank() { b } else { a }),
            (a, b) => a.or(b),
        }
    }
}

/// Classifies the text of a string literal that starts a URL.
pub(crate) fn classify_literal(s: &str) -> UrlClass {
    let t = s.trim();
    if let Some(rest) = strip_prefix_ci(t, "callout:") {
        let name = rest.split(['/', '?']).next().unwrap_or("");
        return UrlClass::NamedCredential(name.to_string());
    }
    if t.starts_with('/') && !t.starts_with("//") {
        return UrlClass::SameOrg;
    }
    let after_scheme = strip_prefix_ci(t, "https://")
        .or_else(|| strip_prefix_ci(t, "http://"))
        .or_else(|| strip_prefix_ci(t, "wss://"))
        .or_else(|| strip_prefix_ci(t, "ws://"))
        .or_else(|| t.strip_prefix("//"));
    match after_scheme {
        Some(rest) => {
            // Button URLs are often split over lines: whitespace ends the host too.
            let authority = rest
                .split(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace())
                .next()
                .unwrap_or("");
            let host = authority.rsplit('@').next().unwrap_or(authority);
            if host.is_empty() {
                UrlClass::Unknown("the host is built at run time".into())
            } else if host.contains('{') {
                computed_host(rest)
            } else if is_salesforce_api_host(host) {
                UrlClass::SameOrg
            } else {
                UrlClass::External(host.to_ascii_lowercase())
            }
        }
        None if t.is_empty() => UrlClass::Unknown("the URL is built at run time".into()),
        None => UrlClass::Unknown(format!("`{}` is not an absolute URL", shorten(t))),
    }
}

/// A host written with a template or merge field, `rest` being the URL after its scheme. The
/// merge field may hold spaces (`{!SUBSTITUTE(TEXT(Env__c), "prod-", "")}conductor.example.com`),
/// so it is read to its closing brace. When the text after it names at least a whole domain
/// (`.example.com`, `conductor.example.com`), the host is under that domain whatever the field
/// says; otherwise the field decides it.
fn computed_host(rest: &str) -> UrlClass {
    let Some(open) = rest.find('{') else {
        return UrlClass::Unknown("the host is built at run time".into());
    };
    let Some(close) = rest[open..].find('}').map(|c| open + c) else {
        return UrlClass::Unknown(format!("the host comes from `{}`", shorten(&rest[open..])));
    };
    let merge = &rest[open..=close];
    let after = &rest[close + 1..];
    let suffix = after
        .split(|c: char| matches!(c, '/' | '?' | '#' | '{') || c.is_whitespace())
        .next()
        .unwrap_or("");
    // The first label may be glued to the field (`{!env}conductor`); the ones after it are whole.
    let whole_labels = suffix.split('.').skip(1).filter(|l| !l.is_empty()).count();
    let domain_like = suffix
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
    if whole_labels >= 2 && domain_like {
        if is_salesforce_api_host(&format!("x{suffix}")) {
            return UrlClass::SameOrg;
        }
        return UrlClass::External(format!("*{}", suffix.to_ascii_lowercase()));
    }
    UrlClass::Unknown(format!("the host comes from `{}`", shorten(merge)))
}

/// An org's own API and app hosts (`acme.my.salesforce.com`, `login.salesforce.com`,
/// `acme.lightning.force.com`): a session sent there goes back to Salesforce, which rejects it
/// for any other org, not to a server someone else runs. Site hosts (`*.force.com`,
/// `*.my.site.com`) are not among them: anyone can publish code there.
fn is_salesforce_api_host(host: &str) -> bool {
    let name = host.split(':').next().unwrap_or(host).trim_end_matches('.');
    let ends = |suffix: &str| {
        name.len() > suffix.len()
            && name
                .get(name.len() - suffix.len()..)
                .is_some_and(|t| t.eq_ignore_ascii_case(suffix))
    };
    ends(".salesforce.com") || ends(".lightning.force.com")
}

/// A quoted literal that is only a scheme (`'https://'`): in `'https://' + host` the host
/// decides where the URL points.
pub(crate) fn is_scheme_only(literal: &str) -> bool {
    let inner = literal.trim_matches(['\'', '"', '`']);
    matches!(
        inner.to_ascii_lowercase().as_str(),
        "https://" | "http://" | "wss://" | "ws://"
    )
}

fn strip_prefix_ci<'s>(s: &'s str, prefix: &str) -> Option<&'s str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &s[prefix.len()..])
}

fn shorten(s: &str) -> String {
    if s.chars().count() > 40 {
        format!("{}...", s.chars().take(40).collect::<String>())
    } else {
        s.to_string()
    }
}

/// Static calls that return this org's URL (lower-case, without whitespace).
pub(crate) const ORG_URL_CALLS: &[&str] = &[
    "url.getorgdomainurl",
    "system.url.getorgdomainurl",
    "url.getsalesforcebaseurl",
    "system.url.getsalesforcebaseurl",
    "url.getcurrentrequesturl",
    "system.url.getcurrentrequesturl",
    "url.getfilefieldurl",
    "system.url.getfilefieldurl",
];

/// The lower-cased host of an absolute URL, without user info or port.
pub(crate) fn host(url: &str) -> Option<String> {
    let (_, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        authority.split(':').next()?
    };
    Some(host.to_ascii_lowercase())
}

/// Whether a host is the machine itself: traffic to it never crosses the network.
pub(crate) fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host.ends_with(".localhost")
        || host == "::1"
        || host.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals() {
        assert_eq!(classify_literal("/services/data/v60.0"), UrlClass::SameOrg);
        assert_eq!(
            classify_literal("callout:Billing_API/v1/sync"),
            UrlClass::NamedCredential("Billing_API".into())
        );
        assert_eq!(
            classify_literal("https://user:pw@API.Acme.com:8443/x?sid="),
            UrlClass::External("api.acme.com:8443".into())
        );
        assert_eq!(
            classify_literal("//cdn.example.com/x"),
            UrlClass::External("cdn.example.com".into())
        );
        assert!(matches!(classify_literal("https://"), UrlClass::Unknown(_)));
        assert_eq!(
            classify_literal("https://composer.example.com\n{!IF(x, 'a', 'b')}?sessionId="),
            UrlClass::External("composer.example.com".into())
        );
        assert!(matches!(classify_literal("?sid="), UrlClass::Unknown(_)));
    }

    /// A public org's Conga button: the environment prefix is computed, the domain is not.
    #[test]
    fn a_merge_field_before_a_domain_leaves_the_domain() {
        assert_eq!(
            classify_literal(
                "https://{!SUBSTITUTE(TEXT(Conductor__c.Environment__c), \"prod-\", \"\")}conductor.appextremes.com/apps/Launch.aspx?sessionId={!API.Session_ID}"
            ),
            UrlClass::External("*conductor.appextremes.com".into())
        );
        assert_eq!(
            classify_literal("https://{!$Setup.Org__c.Name__c}.my.salesforce.com/services/data"),
            UrlClass::SameOrg
        );
        // Only a top-level domain, or nothing, after the field: the field decides the host.
        assert_eq!(
            classify_literal("https://{!Partner.Host__c}.com/x"),
            UrlClass::Unknown("the host comes from `{!Partner.Host__c}`".into())
        );
        assert_eq!(
            classify_literal("https://{!Partner.Host__c}/x"),
            UrlClass::Unknown("the host comes from `{!Partner.Host__c}`".into())
        );
        assert_eq!(
            classify_literal("https://{!IF(a, \"x.example.com\", \"y.example.com\")}/x"),
            UrlClass::Unknown("the host comes from `{!IF(a, \"x.example.com\", \"y.example.com\"...`".into())
        );
    }

    #[test]
    fn salesforce_hosts_are_not_external_but_sites_are() {
        for same in [
            "https://acme.my.salesforce.com/analytics/download/x.png",
            "https://Acme--UAT.sandbox.my.salesforce.com:443/services/data",
            "https://login.salesforce.com/services/Soap/u/60.0",
            "https://acme.lightning.force.com/lightning/r/Account/001/view",
        ] {
            assert_eq!(classify_literal(same), UrlClass::SameOrg, "{same}");
        }
        for external in [
            "https://acme.my.site.com/s/login",
            "https://acme.secure.force.com/x",
            "https://salesforce.com.evil.example/x",
            "https://evilsalesforce.com/x",
            "https://user@acme.my.salesforce.com.evil.example/x",
        ] {
            assert!(
                matches!(classify_literal(external), UrlClass::External(_)),
                "{external}"
            );
        }
    }

    #[test]
    fn a_computed_named_credential_is_described_without_an_empty_name() {
        // `'callout:' + NAME` (seen in public code): the literal holds no name.
        let class = classify_literal("callout:");
        assert_eq!(class, UrlClass::NamedCredential(String::new()));
        let text = class.describe();
        assert!(
            text.starts_with("through a named credential whose name is computed"),
            "{text}"
        );
        assert!(!text.contains("``"), "{text}");
        assert!(
            UrlClass::NamedCredential("Billing".into())
                .describe()
                .contains("`Billing`")
        );
    }

    #[test]
    fn joins_keep_the_least_trusted() {
        let e = |class| {
            Some(Endpoint {
                class,
                file: 0,
                span: 0..1,
                param: None,
            })
        };
        let j = Endpoint::join(e(UrlClass::SameOrg), e(UrlClass::External("a".into())));
        assert_eq!(j.map(|e| e.class), Some(UrlClass::External("a".into())));
        let j = Endpoint::join(e(UrlClass::Unknown("p".into())), None);
        assert!(matches!(j.map(|e| e.class), Some(UrlClass::Unknown(_))));
    }
}
