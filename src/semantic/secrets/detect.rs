//! Known credential formats, compiled once into one `RegexSet` (which detectors match) plus one
//! `Regex` each (where).

use std::ops::Range;
use std::sync::LazyLock;

use regex::{Regex, RegexSet};

use super::entropy;

#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Detector {
    /// With its article, to read in a sentence: "a Stripe secret key".
    pub name: &'static str,
    pattern: &'static str,
    /// An identifier rather than a secret (a consumer key): reported at a lower severity.
    pub identifier: bool,
}

/// Formats a leaked value is recognised by. Patterns are anchored on distinctive prefixes so
/// that ordinary text does not match.
pub(crate) static DETECTORS: &[Detector] = &[
    Detector {
        name: "a Salesforce session ID or access token",
        pattern: r"\b00D[A-Za-z0-9]{12,15}![A-Za-z0-9_.]{40,}",
        identifier: false,
    },
    Detector {
        name: "a Salesforce consumer key",
        pattern: r"\b3MVG9[A-Za-z0-9_.]{50,}",
        identifier: true,
    },
    Detector {
        name: "an AWS access key ID",
        pattern: r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b",
        identifier: false,
    },
    Detector {
        name: "a Stripe secret key",
        pattern: r"\b(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,}",
        identifier: false,
    },
    Detector {
        name: "a GitHub token",
        pattern: r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})",
        identifier: false,
    },
    Detector {
        name: "a GitLab token",
        pattern: r"\bglpat-[A-Za-z0-9_-]{20,}",
        identifier: false,
    },
    Detector {
        name: "a Slack token",
        pattern: r"\bxox[abposr]-[A-Za-z0-9-]{10,}",
        identifier: false,
    },
    Detector {
        name: "a Slack webhook URL",
        pattern: r"https://hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{16,}",
        identifier: false,
    },
    Detector {
        name: "a Google API key",
        pattern: r"\bAIza[0-9A-Za-z_-]{35}\b",
        identifier: false,
    },
    Detector {
        name: "a Twilio API key",
        pattern: r"\bSK[0-9a-f]{32}\b",
        identifier: false,
    },
    Detector {
        name: "a SendGrid API key",
        pattern: r"\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b",
        identifier: false,
    },
    Detector {
        name: PEM,
        pattern: r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----",
        identifier: false,
    },
    Detector {
        name: "a JSON Web Token",
        pattern: r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{16,}",
        identifier: false,
    },
    Detector {
        name: "a password in a URL",
        // `scheme://user:password@host`, but not a merge field or a placeholder.
        pattern: r"\b[a-z][a-z0-9+.-]*://[^/\s:@{}'\x22<>]+:[^/\s:@{}'\x22<>$]{3,}@[A-Za-z0-9.-]+",
        identifier: false,
    },
    Detector {
        name: AUTHORIZATION,
        pattern: r"(?i)\b(?:bearer|basic)\s+[A-Za-z0-9._~+/-]{20,}={0,2}",
        identifier: false,
    },
];

// ASCII word boundaries: every format is ASCII, and a Unicode `\b` makes the lazy DFA give
// up at the first non-ASCII character of a file, leaving the set to the much slower PikeVM
// (bench/NOTES.md#ascii-boundaries).
fn ascii_boundaries(pattern: &str) -> String {
    pattern.replace(r"\b", r"(?-u:\b)")
}

static SET: LazyLock<RegexSet> = LazyLock::new(|| {
    // The patterns are constants covered by tests; an invalid one would fail every test run.
    RegexSet::new(DETECTORS.iter().map(|d| ascii_boundaries(d.pattern))).unwrap_or_else(|_| RegexSet::empty())
});

static EACH: LazyLock<Vec<Option<Regex>>> = LazyLock::new(|| {
    DETECTORS
        .iter()
        .map(|d| Regex::new(&ascii_boundaries(d.pattern)).ok())
        .collect()
});

/// A known-format credential found in text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hit {
    pub detector: &'static Detector,
    /// Byte range within the searched text.
    pub span: Range<usize>,
}

/// Every known-format credential in `text`, in order.
pub(crate) fn known(text: &str) -> Vec<Hit> {
    let matched = SET.matches(text);
    if !matched.matched_any() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for i in matched.iter() {
        let Some(re) = &EACH[i] else {
            continue;
        };
        for m in re.find_iter(text) {
            // Placeholders in docs and templates are not leaks.
            if looks_like_placeholder(m.as_str())
                || prose_after_scheme(&DETECTORS[i], m.as_str())
                || bare_pem_marker(&DETECTORS[i], &text[m.end()..])
            {
                continue;
            }
            out.push(Hit {
                detector: &DETECTORS[i],
                span: m.range(),
            });
        }
    }
    out.sort_by_key(|h| (h.span.start, std::cmp::Reverse(h.span.end)));
    // Overlapping matches (a token inside a URL) are one finding.
    out.dedup_by(|b, a| b.span.start < a.span.end);
    out
}

/// `basic restrictions/validation` in a page's prose matched the Authorization pattern: a
/// credential after `Basic` or `Bearer` (base64, a random token) has a digit or a capital letter;
/// a lower-case phrase is words.
fn prose_after_scheme(detector: &Detector, matched: &str) -> bool {
    detector.name == AUTHORIZATION
        && matched
            .split_whitespace()
            .nth(1)
            .is_some_and(|v| !v.bytes().any(|b| b.is_ascii_digit() || b.is_ascii_uppercase()))
}

const AUTHORIZATION: &str = "literal Authorization credentials";

const PEM: &str = "a PEM private key";

/// A PEM header with no key after it (`k.remove('-----BEGIN PRIVATE KEY-----')`, a label naming
/// the header to strip) holds nothing: a key's base64 body follows its header in the same text,
/// up to the end of the string or the `-----END` line.
fn bare_pem_marker(detector: &Detector, after: &str) -> bool {
    detector.name == PEM
        && after
            .chars()
            .take_while(|c| !matches!(c, '\'' | '"' | '`' | '-' | '<'))
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
            .count()
            < 40
}

fn looks_like_placeholder(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    [
        "xxxx",
        "your_",
        "your-",
        "<",
        "example",
        "placeholder",
        "changeme",
        "redacted",
        "****",
        "1234567890",
    ]
    .iter()
    .any(|p| lower.contains(p))
}

/// Whether a literal that is assigned to a credential name looks like a real secret rather
/// than a word, a sentence, an id or a placeholder.
pub(crate) fn random_looking(s: &str) -> bool {
    let len = s.chars().count();
    if !(16..=512).contains(&len) || s.contains(char::is_whitespace) || looks_like_placeholder(s) {
        return false;
    }
    // API names (`npe01__WorkEmail__c`) carry a double underscore; secrets practically never do.
    if is_uuid(s)
        || is_record_id(s)
        || s.starts_with("data:")
        || s.contains("{!")
        || s.contains("://")
        || s.contains("__")
    {
        return false;
    }
    let classes = [
        s.bytes().any(|b| b.is_ascii_lowercase()),
        s.bytes().any(|b| b.is_ascii_uppercase()),
        s.bytes().any(|b| b.is_ascii_digit()),
    ]
    .iter()
    .filter(|&&c| c)
    .count();
    let hex = s.bytes().all(|b| b.is_ascii_hexdigit());
    // Hex keys have at most 4 bits per character; mixed alphabets carry more.
    if hex {
        return len >= 32 && entropy(s) >= 3.0;
    }
    // Generated strings mix digits in and have no words: API names, class names and paths
    // (`Data_Import_Field_Mapping_Set__c`, `LogEntryEventHandler`) have long lower-case runs.
    let digits = s.bytes().filter(u8::is_ascii_digit).count();
    classes >= 2 && digits >= 2 && longest_lowercase_run(s) <= 4 && entropy(s) >= 3.5
}

fn longest_lowercase_run(s: &str) -> usize {
    let mut best = 0;
    let mut run = 0;
    for b in s.bytes() {
        if b.is_ascii_lowercase() {
            run += 1;
            best = best.max(run);
        } else {
            run = 0;
        }
    }
    best
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// A Salesforce record id (15 or 18 characters, key prefix first).
fn is_record_id(s: &str) -> bool {
    matches!(s.len(), 15 | 18)
        && s.bytes().all(|b| b.is_ascii_alphanumeric())
        && s.as_bytes()[..3].iter().all(|b| b.is_ascii_alphanumeric())
        && s.as_bytes()[3..5].iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<&'static str> {
        known(text).into_iter().map(|h| h.detector.name).collect()
    }

    #[test]
    fn every_pattern_compiles() {
        assert!(EACH.iter().all(Option::is_some));
        assert_eq!(SET.len(), DETECTORS.len());
    }

    #[test]
    fn fake_secrets_are_found() {
        // All fake, built to the published formats.
        let cases = [
            (
                "00DKs000000ABCD!AQEAQH4tKq8Wz3Yx9LmN2pRsT5uVwX7yZ0aBcDeFgHiJkLmNoPqRsTuVwXyZ01234567",
                "a Salesforce session ID or access token",
            ),
            (
                "3MVG9fMtCkV6eLhdOY8pT0nQJ2dyvmOzh5U7vG2p0qfXs0uQbVwB1xWn3p4sYlZc9EhG_jKmA",
                "a Salesforce consumer key",
            ),
            ("AKIAIOSFODNN7TESTKEY", "an AWS access key ID"),
            ("sk_live_51HqLyjWDarjtT1zdp7dcQ9", "a Stripe secret key"),
            ("ghp_16C7e42F292c6912E7710c838347Ae178B4a", "a GitHub token"),
            ("glpat-9xKq2LmN4pRsT6uVwX8y", "a GitLab token"),
            ("xoxb-2048-1024-aBcDeFgHiJkLmN", "a Slack token"),
            ("AIzaSyD4t5Q7v9xB2nM8kL1pR3sT6uW0yZ2aC4e", "a Google API key"),
            ("SK0123456789abcdef0123456789abcdef", "a Twilio API key"),
            (
                "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",
                "a SendGrid API key",
            ),
            (
                "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA5hu67TxkKOv9mlriEueDsaViaKrix1bUhikgNg95pWuH",
                "a PEM private key",
            ),
            (
                "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3In0.dGhpcyBpcyBub3QgYSByZWFsIHNpZw",
                "a JSON Web Token",
            ),
            ("https://deploy:Tr0ub4dor3@ci.acme.dev/hook", "a password in a URL"),
            ("Bearer 7f3kQ9xL2mN8pR4sT6vW1yZ0aB", "literal Authorization credentials"),
            (
                "Basic c3ZjLWJpbGxpbmc6V2ludGVyMjAyNg==",
                "literal Authorization credentials",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(names(&format!("'{text}'")), [want], "{text}");
        }
    }

    #[test]
    fn near_misses_are_not() {
        for text in [
            "00D5g000004ABCD",                         // an org id alone
            "001Ks00000AbCdEIAV",                      // a record id
            "3f2504e0-4f89-11d3-9a0c-0305e82c3301",    // a UUID
            "e3b0c44298fc1c149afbf4c8996fb924",        // a hash in a test assertion
            "data:image/png;base64,iVBORw0KGgoAAAANS", // an inline image
            "slds-grid slds-wrap slds-gutters_small",  // CSS classes
            "https://{!$Credential.UserName}:{!$Credential.Password}@api.example.com",
            "https://user:{!password}@host.example.com",
            "Bearer ' + token",
            "sk_test_xxxxxxxxxxxxxxxxxxxxxxxx",
            "AKIAXXXXXXXXXXXXXXXX",
            // Prose in a static resource's HTML (a public org's docs page).
            "It lets you apply some basic restrictions/validation so you can",
        ] {
            assert!(names(text).is_empty(), "{text}: {:?}", names(text));
        }
    }

    /// A PEM header is a key only with its body (issue: a header used to strip one was reported).
    #[test]
    fn a_pem_header_without_a_body_is_not_a_key() {
        for bare in [
            "-----BEGIN PRIVATE KEY-----",
            "k.remove('-----BEGIN RSA PRIVATE KEY-----').remove('-----END RSA PRIVATE KEY-----')",
            "<value>-----BEGIN PRIVATE KEY-----</value>",
        ] {
            assert!(known(bare).is_empty(), "{bare}");
        }
        let key = "'-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7'";
        assert_eq!(known(key).len(), 1);
    }

    #[test]
    fn random_looking_literals() {
        assert!(random_looking("q8Vn3LkP0xZr7TgW2mYs"));
        assert!(random_looking("a3f9c2e8b7d4a1f0e6c5b9d8a7f3e2c1"));
        for s in [
            "this is a sentence",
            "application/json",
            "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
            "001Ks00000AbCdEIAV",
            "aaaaaaaaaaaaaaaaaaaa",
            "ABCDEFGHIJKLMNOPQRSTUV",
            "short",
            "your_api_key_here_please",
            "https://api.example.com/v1/x",
            "Data_Import_Field_Mapping_Set__c",
            "LogEntryEventHandler",
            "picklistLabelYearsAgo",
            "/services/apexrest/multioss/Reporting",
            "MDTAccountTriggerHandler",
            "npe01__WorkEmail__c",
        ] {
            assert!(!random_looking(s), "{s}");
        }
    }
}
