//! Password policies below sfsec's baseline: org-wide (`SecuritySettings/passwordPolicies`) and
//! per profile (`ProfilePasswordPolicy`). Only values the files set are judged: a deploy leaves
//! the rest as it is.

use crate::diagnostics::finding::{FileId, Finding};
use crate::diagnostics::rules::{OptionKind, RuleOption};
use crate::lints::org::policy_finding;
use crate::lints::{Ctx, Lint};
use crate::syntax::xml::XmlDoc;
use crate::workspace::kind::MetaType;
use crate::workspace::project::SourceFile;

declare_lint!(
    WeakPasswordPolicy = "weak-password-policy",
    options: [MIN_LENGTH, MAX_LOGIN_ATTEMPTS, MAX_EXPIRATION_DAYS, MIN_HISTORY]
);

// The defaults are Salesforce's documented defaults (see the rule's doc).
const MIN_LENGTH: RuleOption = RuleOption {
    rule: ID,
    name: "min-length",
    kind: OptionKind::Int {
        default: 8,
        min: 5,
        max: 50,
    },
    doc: "the shortest password accepted",
};
const MAX_LOGIN_ATTEMPTS: RuleOption = RuleOption {
    rule: ID,
    name: "max-login-attempts",
    kind: OptionKind::Int {
        default: 10,
        min: 1,
        max: 10,
    },
    doc: "the most failed logins before lockout",
};
const MAX_EXPIRATION_DAYS: RuleOption = RuleOption {
    rule: ID,
    name: "max-expiration-days",
    kind: OptionKind::Int {
        default: 90,
        min: 0,
        max: 3650,
    },
    doc: "the longest a password lives, in days; 0 accepts passwords that never expire",
};
const MIN_HISTORY: RuleOption = RuleOption {
    rule: ID,
    name: "min-history",
    kind: OptionKind::Int {
        default: 3,
        min: 0,
        max: 24,
    },
    doc: "the fewest earlier passwords remembered",
};

/// The baseline a scan judges against: the options, as set or by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Baseline {
    min_length: i64,
    max_login_attempts: i64,
    /// 0 accepts passwords that never expire.
    max_expiration_days: i64,
    min_history: i64,
}

impl Baseline {
    fn of(options: &crate::workspace::config::Options) -> Baseline {
        Baseline {
            min_length: options.int(&MIN_LENGTH),
            max_login_attempts: options.int(&MAX_LOGIN_ATTEMPTS),
            max_expiration_days: options.int(&MAX_EXPIRATION_DAYS),
            min_history: options.int(&MIN_HISTORY),
        }
    }
}

/// An unlimited count or a password that never expires.
const NEVER: i64 = i64::MAX;

impl Lint for WeakPasswordPolicy {
    fn xml_types(&self) -> &'static [MetaType] {
        &[MetaType::Settings, MetaType::ProfilePasswordPolicy]
    }

    fn check_xml(&self, file: FileId, src: &SourceFile, doc: &XmlDoc, cx: &Ctx<'_>, out: &mut Vec<Finding>) {
        let Some(root) = doc.root() else { return };
        let b = Baseline::of(cx.options);
        let (policy, who) = match root.name() {
            "SecuritySettings" => match root.child("passwordPolicies") {
                Some(p) => (p, "the org's password policy".to_string()),
                None => return,
            },
            "ProfilePasswordPolicy" => (root, format!("the password policy `{}`", src.component_name())),
            _ => return,
        };
        let org = root.name() == "SecuritySettings";
        let weak: Vec<_> = policy
            .children()
            .filter_map(|el| Some((el, weakness(org, el.name(), el.text()?, &b)?)))
            .collect();
        out.extend(policy_finding(
            ID,
            file,
            policy,
            &who,
            weak,
            "raise each marked setting to the baseline in `sfsec explain weak-password-policy`, or tune the baseline in sfsec.toml",
        ));
    }
}

/// What is weak about one setting of a policy (`org`: the org's, else a profile's), if anything.
fn weakness(org: bool, name: &str, v: &str, b: &Baseline) -> Option<String> {
    match (org, name) {
        (true, "minimumPasswordLength") | (false, "minimumPasswordLength") => {
            if let Ok(n) = v.trim().parse::<i64>()
                && n < b.min_length
            {
                return Some(format!(
                    "accepts passwords of {n} characters (baseline: {})",
                    b.min_length
                ));
            }
        }
        (true, "minPasswordLength") => {
            let n = match v {
                "FiveCharacters" => 5,
                "EightCharacters" => 8,
                "TenCharacters" => 10,
                "TwelveCharacters" => 12,
                "FifteenCharacters" => 15,
                _ => return None,
            };
            if n < b.min_length {
                return Some(format!(
                    "accepts passwords of {n} characters (baseline: {})",
                    b.min_length
                ));
            }
        }
        (true, "complexity") if v == "NoRestriction" => {
            return Some("sets no complexity requirement".into());
        }
        (false, "passwordComplexity") if v.trim() == "0" => {
            return Some("sets no complexity requirement".into());
        }
        (true, "maxLoginAttempts") | (false, "maxLoginAttempts") => {
            let n = match v.trim() {
                "NoLimit" | "0" => NEVER,
                "ThreeAttempts" => 3,
                "FiveAttempts" => 5,
                "TenAttempts" => 10,
                other => other.parse().unwrap_or(0),
            };
            if n > b.max_login_attempts {
                let shown = if n == NEVER {
                    "unlimited".to_string()
                } else {
                    n.to_string()
                };
                return Some(format!(
                    "allows {shown} failed logins before lockout (baseline: {})",
                    b.max_login_attempts
                ));
            }
        }
        (true, "expiration") | (false, "passwordExpiration") => {
            let days = match v.trim() {
                "Never" | "0" => NEVER,
                "ThirtyDays" => 30,
                "SixtyDays" => 60,
                "NinetyDays" => 90,
                "SixMonths" => 180,
                "OneYear" => 365,
                other => other.parse().unwrap_or(0),
            };
            if b.max_expiration_days > 0 && days > b.max_expiration_days {
                let shown = if days == NEVER {
                    "never".to_string()
                } else {
                    format!("after {days} days")
                };
                return Some(format!(
                    "lets passwords expire {shown} (baseline: {} days)",
                    b.max_expiration_days
                ));
            }
        }
        (true, "historyRestriction") | (false, "passwordHistory") => {
            if let Ok(n) = v.trim().parse::<i64>()
                && n < b.min_history
            {
                return Some(format!(
                    "remembers {n} previous passwords (baseline: {})",
                    b.min_history
                ));
            }
        }
        (true, "questionRestriction") if v == "None" => {
            return Some("lets the security answer contain the password".into());
        }
        _ => {}
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::lints::test_support::{cases, run, security};
    use crate::workspace::config::Options;

    fn policies(inner: &str) -> Vec<(&'static str, String)> {
        security(&format!("    <passwordPolicies>\n{inner}\n    </passwordPolicies>"))
    }

    const PROFILE_POLICY: &str =
        "force-app/main/default/profilePasswordPolicies/Integration.profilePasswordPolicy-meta.xml";

    fn profile_policy(inner: &str) -> Vec<(&'static str, String)> {
        vec![(
            PROFILE_POLICY,
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ProfilePasswordPolicy xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n{inner}\n    <profile>Integration</profile>\n</ProfilePasswordPolicy>\n"
            ),
        )]
    }

    #[test]
    fn defaults_match_the_documented_baseline() {
        // The table in lints/weak-password-policy.md.
        let documented = super::Baseline {
            min_length: 8,
            max_login_attempts: 10,
            max_expiration_days: 90,
            min_history: 3,
        };
        assert_eq!(super::Baseline::of(&Options::default()), documented);
    }

    #[test]
    fn table() {
        cases(
            "weak-password-policy",
            &[
                policies(
                    "        <complexity>UpperLowerCaseNumericSpecialCharacters</complexity>\n        <expiration>NinetyDays</expiration>\n        <historyRestriction>5</historyRestriction>\n        <maxLoginAttempts>ThreeAttempts</maxLoginAttempts>\n        <minimumPasswordLength>14</minimumPasswordLength>\n        <questionRestriction>DoesNotContainPassword</questionRestriction>",
                ),
                security(
                    "    <sessionSettings>\n        <sessionTimeout>TwoHours</sessionTimeout>\n    </sessionSettings>",
                ),
                profile_policy(
                    "    <maxLoginAttempts>3</maxLoginAttempts>\n    <minimumPasswordLength>16</minimumPasswordLength>\n    <passwordComplexity>2</passwordComplexity>\n    <passwordExpiration>60</passwordExpiration>\n    <passwordHistory>5</passwordHistory>",
                ),
                // Salesforce's defaults meet the default baseline: a retrieved org's profiles
                // carry them (149 findings on public orgs at the former 12 and 5).
                policies(
                    "        <minimumPasswordLength>8</minimumPasswordLength>\n        <maxLoginAttempts>TenAttempts</maxLoginAttempts>",
                ),
                profile_policy(
                    "    <maxLoginAttempts>10</maxLoginAttempts>\n    <minimumPasswordLength>8</minimumPasswordLength>",
                ),
            ],
            &[
                policies("        <minimumPasswordLength>6</minimumPasswordLength>"),
                policies("        <minPasswordLength>FiveCharacters</minPasswordLength>"),
                policies("        <complexity>NoRestriction</complexity>"),
                policies("        <maxLoginAttempts>NoLimit</maxLoginAttempts>"),
                policies("        <expiration>Never</expiration>"),
                policies("        <historyRestriction>0</historyRestriction>"),
                policies("        <questionRestriction>None</questionRestriction>"),
                profile_policy("    <maxLoginAttempts>0</maxLoginAttempts>"),
                profile_policy("    <passwordExpiration>0</passwordExpiration>"),
            ],
        );
    }

    #[test]
    fn messages_state_the_baseline() {
        let hits = run(
            "weak-password-policy",
            &[(
                crate::lints::test_support::SECURITY,
                &policies("        <minimumPasswordLength>6</minimumPasswordLength>")[0].1,
            )],
        );
        assert_eq!(
            hits[0].message,
            "the org's password policy: accepts passwords of 6 characters (baseline: 8)"
        );
    }

    /// A retrieved org's profile policies are near-default: one finding per policy, at its start
    /// tag, with a label at each weak setting (they were one finding per setting).
    #[test]
    fn one_finding_per_policy_with_a_label_per_weak_setting() {
        let hits = run(
            "weak-password-policy",
            &[(
                PROFILE_POLICY,
                &profile_policy(
                    "    <maxLoginAttempts>0</maxLoginAttempts>\n    <minimumPasswordLength>8</minimumPasswordLength>\n    <passwordExpiration>0</passwordExpiration>\n    <passwordHistory>0</passwordHistory>",
                )[0]
                .1,
            )],
        );
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(
            hits[0].message,
            "the password policy `Integration` is weaker than the baseline in 3 settings: allows unlimited failed logins before lockout (baseline: 10); lets passwords expire never (baseline: 90 days); remembers 0 previous passwords (baseline: 3)"
        );
        assert!(hits[0].text.starts_with("<ProfilePasswordPolicy"), "{}", hits[0].text);
        let marked: Vec<&str> = hits[0].labels.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(marked, ["0", "0", "0"]);
    }
}
