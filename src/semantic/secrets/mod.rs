//! What a credential looks like: names of fields and variables that hold one, literal formats
//! of known tokens, and high-entropy strings; plus masking, so that no output prints a secret.

use std::ops::Range;

pub(crate) mod detect;
pub(crate) mod settings;

/// Words that make a name a credential on their own.
const STRONG: &[&str] = &[
    "secret",
    "password",
    "passwd",
    "passphrase",
    "credential",
    "credentials",
    "bearer",
    "apikey",
    "privatekey",
    "clientsecret",
    "accesstoken",
    "refreshtoken",
];

/// `key` counts after one of these (`api key`, `private key`), never alone after others
/// (`consumer key` is an identifier).
const KEY_KINDS: &[&str] = &[
    "api",
    "secret",
    "private",
    "access",
    "signing",
    "signature",
    "encryption",
    "decryption",
    // `Cipher Key`, `Encoded_Crypto_Key__c`, `AES_Key__c` (public orgs' public settings).
    "cipher",
    "crypto",
    "aes",
    "auth",
    "client",
    "subscription",
    "hmac",
    "shared",
    "master",
    "license",
    "app",
];

/// A credential word followed by one of these names something about the credential, not the
/// credential itself: `Token_Count__c`, `Password_Reset_Date__c`, `Key_Prefix__c`.
const QUALIFIERS: &[&str] = &[
    "count",
    "type",
    "date",
    "time",
    "expiry",
    "expires",
    "expiration",
    "expired",
    "length",
    "prefix",
    "url",
    "uri",
    "endpoint",
    "name",
    "label",
    "id",
    "enabled",
    "required",
    "policy",
    "reset",
    "hint",
    "field",
    "status",
    "format",
    "version",
    "header",
    "param",
    "parameter",
    "question",
    "limit",
    "size",
    "mask",
    "set",
    "rotation",
    "used",
    "last",
    // Durations and schedules: `TokenDuration__c`, `Token_Service_Timeout_Milliseconds__c`,
    // `FISPasswordExpireDays__c` (public orgs) describe a credential's life, not its value.
    "duration",
    "timeout",
    "ttl",
    "lifetime",
    "period",
    "validity",
    "expire",
    "milliseconds",
    "seconds",
    "minutes",
    "hours",
    "days",
    "cron",
    // `RequestToken_EndPoint__c` splits as `end point`.
    "point",
    "thumbprint",
    "fingerprint",
];

/// Words that, anywhere in a field's name, say what else it holds (a URL, a method, a class, a
/// schedule): weaker evidence (a description that mentions a password, a record named
/// `AccessToken`) does not make such a field a credential. `AccessUrl__c`, `HTTPMethod__c`,
/// `ResponseBuilderClass__c`, `CronExpression__c` were all reported on public orgs.
/// TLS pins and certificate thumbprints (`SslPin__c`, `X5tS256__c`) are public values.
const OTHER_CONTENT: &[&str] = &[
    "method",
    "class",
    "expression",
    "grant",
    "description",
    "builder",
    "template",
    "ssl",
    "tls",
];

/// Whether a field's name says it holds something other than a credential (see
/// [`OTHER_CONTENT`] and the qualifiers: `Url`, `Type`, `Timeout`, `Id`...).
pub(crate) fn names_other_content(name: &str) -> bool {
    words(name)
        .iter()
        .any(|w| QUALIFIERS.contains(&w.as_str()) || OTHER_CONTENT.contains(&w.as_str()) || w.starts_with("x5t"))
}

/// Names of fields that identify who or what authenticates, not the secret itself: a user
/// name, a login, an email address, a client or key id.
const IDENTIFIERS: &[&str] = &["username", "user", "login", "email", "account", "userid", "clientid"];

/// Whether a field's name says it holds an identifier that travels with a credential (see
/// [`IDENTIFIERS`]) and no credential word of its own.
pub(crate) fn names_an_identifier(name: &str) -> bool {
    let w = words(name);
    credential_words(&w).is_none() && w.iter().any(|x| IDENTIFIERS.contains(&x.as_str()))
}

/// Splits an API name, label or phrase into lower-case words: on `_`, spaces, punctuation and
/// camelCase; drops a namespace prefix and the `__c`/`__mdt` suffix.
pub(crate) fn words(name: &str) -> Vec<String> {
    let trimmed = name
        .trim()
        .trim_end_matches("__c")
        .trim_end_matches("__mdt")
        .trim_end_matches("__C");
    // `ns__Field`: the namespace is not part of the name.
    let base = match trimmed.split_once("__") {
        Some((_, rest)) if !rest.is_empty() => rest,
        _ => trimmed,
    };
    let mut out = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = base.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1).copied();
        // camelCase and acronym boundaries: `apiKey`, `APIKey`, `clientSecret2`.
        let boundary = c.is_uppercase()
            && prev.is_some_and(|p| p.is_lowercase() || (p.is_uppercase() && next.is_some_and(char::is_lowercase)));
        if boundary && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Words that make a `token` something other than a credential: a page cursor, a sync or
/// continuation marker, a form's CSRF check, a template's placeholder.
pub(crate) const NOT_CREDENTIAL_TOKENS: &[&str] = &[
    "iter",
    "page",
    "next",
    "continuation",
    "sync",
    "cursor",
    "csrf",
    "xsrf",
    "placeholder",
    "merge",
];

/// Why a name (already split into [`words`]) denotes a credential, if it does.
pub(crate) fn credential_words(w: &[String]) -> Option<String> {
    for (i, word) in w.iter().enumerate() {
        let next = w.get(i + 1).map(String::as_str);
        let qualified = next.is_some_and(|n| QUALIFIERS.contains(&n));
        let prev = i.checked_sub(1).map(|p| w[p].as_str());
        let hit = match word.as_str() {
            // `Named_Credential__c` names which credential to use; it does not hold one.
            "credential" | "credentials" if matches!(prev, Some("named" | "external")) => None,
            s if STRONG.contains(&s) => Some(s.to_string()),
            // `nextPageToken`, `X-CSRF-Token`, `iterToken`: a page cursor, a form's check, a
            // template's placeholder.
            "token" if w.iter().any(|x| NOT_CREDENTIAL_TOKENS.contains(&x.as_str())) => None,
            "token" => Some(match prev {
                Some(p @ ("access" | "refresh" | "auth" | "bearer" | "api" | "session" | "security")) => {
                    format!("{p} token")
                }
                _ => "token".to_string(),
            }),
            // `key` alone is a map key or a record key far more often than a secret.
            "key" => prev.filter(|p| KEY_KINDS.contains(p)).map(|p| format!("{p} key")),
            "pass" if next == Some("phrase") => Some("passphrase".to_string()),
            _ => None,
        };
        if let Some(h) = hit {
            // `Token_Count`, `Password_Reset_Date`: about the credential, not the credential.
            let describes = w[i + 1..].iter().any(|n| QUALIFIERS.contains(&n.as_str()));
            if !qualified && !describes {
                return Some(h);
            }
        }
    }
    None
}

/// [`credential_words`] on a raw name.
pub(crate) fn credential_name(name: &str) -> Option<String> {
    credential_words(&words(name))
}

/// Phrases that make free text (a description or help text) describe a credential; single
/// words like "credential" are too common in prose ("the named credential to use").
const PROSE: &[&str] = &[
    "api key",
    "secret key",
    "client secret",
    "access token",
    "refresh token",
    "private key",
    "password",
    "passphrase",
    "bearer token",
    "auth token",
    "shared secret",
];

/// Whether prose describes a credential stored in the field.
pub(crate) fn credential_prose(text: &str) -> Option<&'static str> {
    let joined = words(text).join(" ");
    // "The named credential that holds the API key": a reference, not the key.
    if joined.contains("named credential") || joined.contains("external credential") {
        return None;
    }
    PROSE.iter().copied().find(|p| {
        joined.match_indices(p).any(|(at, _)| {
            (at == 0 || joined.as_bytes()[at - 1] == b' ') && {
                let end = at + p.len();
                end == joined.len() || joined.as_bytes()[end] == b' '
            }
        })
    })
}

/// Shannon entropy in bits per character.
pub(crate) fn entropy(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    let mut n = 0u32;
    for b in s.bytes() {
        counts[b as usize] += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    let n = f64::from(n);
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// A secret for display: only its first and last characters, never the whole value.
pub(crate) fn mask(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    let n = chars.len();
    let (head, tail) = match n {
        0..=5 => (0, 0),
        6..=11 => (2, 1),
        _ => (4, 2),
    };
    let first: String = chars[..head].iter().collect();
    let last: String = chars[n - tail..].iter().collect();
    format!("{first}…{last} ({n} characters)")
}

/// `text` with the middle of every range replaced by `*` (keeping offsets and UTF-8 valid):
/// what reporters show instead of source lines that hold secrets.
pub(crate) fn redact(text: &str, ranges: &[Range<usize>]) -> String {
    use crate::diagnostics::finding::floor_char_boundary;
    let mut out = text.as_bytes().to_vec();
    for r in ranges {
        let start = floor_char_boundary(text, r.start.min(text.len()));
        let end = floor_char_boundary(text, r.end.min(text.len()));
        let Some(s) = text.get(start..end) else {
            continue;
        };
        let n = s.chars().count();
        let (head, tail) = if n >= 12 { (4, 2) } else { (0, 0) };
        for (k, (i, c)) in s.char_indices().enumerate() {
            if k >= head && k + tail < n {
                out[start + i..start + i + c.len_utf8()].fill(b'*');
            }
        }
    }
    // Whole characters were replaced by ASCII, so this cannot fail; if it did, print nothing
    // rather than the original.
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_api_names_labels_and_camel_case() {
        assert_eq!(words("acme__API_Key__c"), ["api", "key"]);
        assert_eq!(words("clientSecret"), ["client", "secret"]);
        assert_eq!(words("APIKeyValue"), ["api", "key", "value"]);
        assert_eq!(words("Refresh Token"), ["refresh", "token"]);
        assert_eq!(words("Webhook_Signing_Key__c"), ["webhook", "signing", "key"]);
    }

    #[test]
    fn credential_names_and_look_alikes() {
        for yes in [
            "API_Key__c",
            "Api_Secret__c",
            "Client_Secret__c",
            "Password__c",
            "Access_Token__c",
            "Token__c",
            "Private_Key__c",
            "Signing_Key__c",
            "apiKey",
            "Passphrase__c",
            "Bearer__c",
            "Webhook_Secret__c",
            "Credentials__c",
            // Public orgs' public settings: an AES key kept as base64, a field labelled so.
            "Encoded_Crypto_Key__c",
            "Cipher Key",
            "AES_Key__c",
        ] {
            assert!(credential_name(yes).is_some(), "{yes}");
        }
        for no in [
            "TokenCount__c",
            "Token_Count__c",
            "Key_Prefix__c",
            "Monkey__c",
            "Password_Reset_Date__c",
            "Keyboard__c",
            "Consumer_Key__c",
            "Token_Expiry__c",
            "Next_Page_Token__c",
            "X-CSRF-Token",
            "iterToken",
            "Endpoint__c",
            "Secret_Rotation_Date__c",
            "Primary_Key_Field__c",
            "Record_Key__c",
            "Named_Credential__c",
            "External_Credential_Name__c",
            // Seen on public orgs: a credential's life or address, not its value.
            "TokenDuration__c",
            "Token_Service_Timeout_Milliseconds__c",
            "FISPasswordExpireDays__c",
            "RequestToken_EndPoint__c",
            "Crypto_Key_Type__c",
            "Cipher_Suite__c",
        ] {
            assert!(credential_name(no).is_none(), "{no}");
        }
        for other in [
            "AccessUrl__c",
            "HTTPMethod__c",
            "ResponseBuilderClass__c",
            "tffa__CronExpression__c",
            "SslPin__c",
            "FISIcEncX5ts256__c",
            "GrantType__c",
            "Validity_Period__c",
        ] {
            assert!(names_other_content(other), "{other}");
        }
        for plain in ["Value__c", "Password__c", "IBSAuthorization__c", "Secret_Key__c"] {
            assert!(!names_other_content(plain), "{plain}");
        }
    }

    #[test]
    fn prose() {
        assert_eq!(credential_prose("The API key issued by Acme"), Some("api key"));
        assert_eq!(
            credential_prose("OAuth client secret for the billing app"),
            Some("client secret")
        );
        assert_eq!(credential_prose("Name of the named credential to use"), None);
        assert_eq!(credential_prose("The named credential that holds the API key"), None);
        assert_eq!(credential_prose("Turns the keyboard shortcuts on"), None);
    }

    #[test]
    fn masking_never_shows_the_middle() {
        assert_eq!(mask("sk_live_4eC39HqLyjWDarjtT1zdp7dc"), "sk_l…dc (32 characters)");
        assert_eq!(mask("hunter2"), "hu…2 (7 characters)");
        assert_eq!(mask("abc"), "… (3 characters)");
        let text = "x = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc';";
        let at = text.find("sk_").unwrap_or(0);
        let r = redact(text, std::slice::from_ref(&(at..at + 32)));
        assert_eq!(r.len(), text.len());
        assert!(r.contains("sk_l") && r.contains("dc'") && !r.contains("4eC39"), "{r}");
        // Short values are starred whole; multi-byte text stays valid.
        let r = redact("pw: 'pässwörd'", std::slice::from_ref(&(5..15)));
        assert!(!r.contains("ss"), "{r}");
    }

    #[test]
    fn entropy_orders_random_above_words() {
        assert!(entropy("Xk9#mP2$vL8@qR4!wN6&") > 4.0);
        assert!(entropy("aaaaaaaaaaaaaaaa") < 0.1);
        assert!(entropy("passwordpassword") < 3.0);
    }
}
