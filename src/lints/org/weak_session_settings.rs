//! Session settings below sfsec's baseline: long timeouts, sessions that survive their timeout,
//! cookies readable by scripts, no CSRF or clickjacking protection, sessions not locked to their
//! domain. Org-wide (`SecuritySettings/sessionSettings`) and per profile (`ProfileSessionSetting`).

use crate::diagnostics::finding::{FileId, Finding};
use crate::diagnostics::rules::{OptionKind, RuleOption};
use crate::lints::org::policy_finding;
use crate::lints::{Ctx, Lint};
use crate::syntax::xml::XmlDoc;
use crate::workspace::kind::MetaType;
use crate::workspace::project::SourceFile;

declare_lint!(WeakSessionSettings = "weak-session-settings", options: [MAX_TIMEOUT_MINUTES]);

const MAX_TIMEOUT_MINUTES: RuleOption = RuleOption {
    rule: ID,
    name: "max-timeout-minutes",
    kind: OptionKind::Int {
        default: 120,
        min: 15,
        max: 1440,
    },
    doc: "the longest idle session accepted, in minutes",
};

/// Booleans that must not be false, with what false means.
const MUST_BE_ON: &[(&str, &str)] = &[
    (
        "forceLogoutOnSessionTimeout",
        "sessions stay usable after they time out",
    ),
    ("requireHttpOnly", "session cookies are readable by scripts"),
    ("enableCSRFOnGet", "GET requests are not protected against CSRF"),
    ("enableCSRFOnPost", "POST requests are not protected against CSRF"),
    ("enableClickjackSetup", "Setup pages can be framed (clickjacking)"),
    (
        "enableClickjackNonsetupSFDC",
        "Salesforce pages can be framed (clickjacking)",
    ),
    (
        "enableClickjackNonsetupUser",
        "custom Visualforce pages can be framed (clickjacking)",
    ),
    (
        "lockSessionsToDomain",
        "sessions are not locked to the domain they started on",
    ),
];

fn minutes(v: &str) -> Option<i64> {
    Some(match v.trim() {
        "FifteenMinutes" => 15,
        "ThirtyMinutes" => 30,
        "SixtyMinutes" => 60,
        "NinetyMinutes" => 90,
        "TwoHours" => 120,
        "FourHours" => 240,
        "EightHours" => 480,
        "TwelveHours" => 720,
        "TwentyFourHours" => 1440,
        other => other.parse().ok()?,
    })
}

impl Lint for WeakSessionSettings {
    fn xml_types(&self) -> &'static [MetaType] {
        &[MetaType::Settings, MetaType::ProfileSessionSetting]
    }

    fn check_xml(&self, file: FileId, src: &SourceFile, doc: &XmlDoc, cx: &Ctx<'_>, out: &mut Vec<Finding>) {
        let Some(root) = doc.root() else { return };
        let max = cx.options.int(&MAX_TIMEOUT_MINUTES);
        let (settings, who) = match root.name() {
            "SecuritySettings" => match root.child("sessionSettings") {
                Some(s) => (s, "the org's session policy".to_string()),
                None => return,
            },
            "ProfileSessionSetting" => (root, format!("profile session setting `{}`", src.component_name())),
            _ => return,
        };
        let mut weak = Vec::new();
        if let Some(t) = settings.child("sessionTimeout")
            && let Some(m) = t.text().and_then(minutes)
            && m > max
        {
            weak.push((t, format!("idle sessions last {m} minutes (baseline: {max})")));
        }
        // A profile's `forceLogout` (no longer in the Metadata API reference from version 56)
        // does not weaken the org's `forceLogoutOnSessionTimeout`, which is judged where it is
        // set: retrieved orgs carry `false` on every profile (66 findings on two public orgs).
        for el in settings.children() {
            if el.bool_value() != Some(false) {
                continue;
            }
            if let Some((_, what)) = MUST_BE_ON.iter().find(|(k, _)| *k == el.name()) {
                weak.push((el, format!("{what} (`{}` is false)", el.name())));
            }
        }
        out.extend(policy_finding(
            ID,
            file,
            settings,
            &who,
            weak,
            "set each marked setting to the baseline in `sfsec explain weak-session-settings`",
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::lints::test_support::{cases, run_case, security};

    fn session(inner: &str) -> Vec<(&'static str, String)> {
        security(&format!("    <sessionSettings>\n{inner}\n    </sessionSettings>"))
    }

    const PSS: &str = "force-app/main/default/profileSessionSettings/Integration.profileSessionSetting-meta.xml";

    fn profile_setting(inner: &str) -> Vec<(&'static str, String)> {
        vec![(
            PSS,
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ProfileSessionSetting xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n{inner}\n    <profile>Integration</profile>\n</ProfileSessionSetting>\n"
            ),
        )]
    }

    #[test]
    fn one_finding_per_policy_with_a_label_per_weak_setting() {
        let hits = run_case(
            "weak-session-settings",
            &session(
                "        <sessionTimeout>TwelveHours</sessionTimeout>\n        <requireHttpOnly>false</requireHttpOnly>\n        <enableCSRFOnPost>true</enableCSRFOnPost>",
            ),
        );
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(
            hits[0].message,
            "the org's session policy is weaker than the baseline in 2 settings: idle sessions last 720 minutes (baseline: 120); session cookies are readable by scripts (`requireHttpOnly` is false)"
        );
        assert_eq!(hits[0].text, "<sessionSettings>");
        let marked: Vec<&str> = hits[0].labels.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(marked, ["TwelveHours", "false"]);
    }

    #[test]
    fn table() {
        cases(
            "weak-session-settings",
            &[
                session(
                    "        <sessionTimeout>TwoHours</sessionTimeout>\n        <forceLogoutOnSessionTimeout>true</forceLogoutOnSessionTimeout>\n        <requireHttpOnly>true</requireHttpOnly>\n        <enableCSRFOnGet>true</enableCSRFOnGet>\n        <lockSessionsToIp>false</lockSessionsToIp>",
                ),
                security("    <passwordPolicies>\n        <expiration>Never</expiration>\n    </passwordPolicies>"),
                profile_setting("    <forceLogout>true</forceLogout>\n    <sessionTimeout>30</sessionTimeout>"),
                // The profile's legacy flag, and 0 for "the org's timeout".
                profile_setting("    <forceLogout>false</forceLogout>\n    <sessionTimeout>0</sessionTimeout>"),
            ],
            &[
                session("        <sessionTimeout>TwelveHours</sessionTimeout>"),
                session("        <forceLogoutOnSessionTimeout>false</forceLogoutOnSessionTimeout>"),
                session("        <requireHttpOnly>false</requireHttpOnly>"),
                session("        <enableClickjackNonsetupUser>false</enableClickjackNonsetupUser>"),
                session("        <lockSessionsToDomain>false</lockSessionsToDomain>"),
                profile_setting("    <forceLogout>false</forceLogout>\n    <sessionTimeout>480</sessionTimeout>"),
            ],
        );
    }
}
