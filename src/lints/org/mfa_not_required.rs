//! MFA not required: the org does not require it for direct UI logins, does not verify identity
//! when users register an MFA method, or a profile or permission set waives it.

use crate::diagnostics::finding::{FileId, Finding};
use crate::lints::org::{enabled_permissions, holder};
use crate::lints::{Ctx, Lint};
use crate::syntax::xml::XmlDoc;
use crate::workspace::kind::MetaType;
use crate::workspace::project::SourceFile;

declare_lint!(MfaNotRequired = "mfa-not-required");

impl Lint for MfaNotRequired {
    fn xml_types(&self) -> &'static [MetaType] {
        &[MetaType::Settings, MetaType::Profile, MetaType::PermissionSet]
    }

    fn check_xml(&self, file: FileId, src: &SourceFile, doc: &XmlDoc, _cx: &Ctx<'_>, out: &mut Vec<Finding>) {
        let Some(root) = doc.root() else { return };
        if root.name() == "SecuritySettings" {
            // Without `sessionSettings` the file does not speak about MFA (deploys overlay).
            let Some(session) = root.child("sessionSettings") else {
                return;
            };
            for (key, what, help) in [
                (
                    "enableMFADirectUILoginOptIn",
                    "MFA is not required for direct UI logins",
                    "set `enableMFADirectUILoginOptIn` to true (Setup > Identity Verification)",
                ),
                (
                    "identityConfirmationOnTwoFactorRegistrationEnabled",
                    "identity is not verified when users register an MFA method",
                    "set `identityConfirmationOnTwoFactorRegistrationEnabled` to true",
                ),
            ] {
                match session.child(key) {
                    Some(el) if el.bool_value() == Some(true) => {}
                    Some(el) => out
                        .push(Finding::new(ID, file, el.value_span(), format!("{what} (`{key}` is false)")).help(help)),
                    None => out.push(
                        Finding::new(
                            ID,
                            file,
                            session.start_tag(),
                            format!("{what}: `sessionSettings` does not set `{key}`"),
                        )
                        .help(help),
                    ),
                }
            }
            return;
        }
        for name in enabled_permissions(doc) {
            if name
                .text()
                .is_some_and(|t| t.eq_ignore_ascii_case("BypassMFAForUiLogins"))
            {
                out.push(
                    Finding::new(
                        ID,
                        file,
                        name.value_span(),
                        format!(
                            "{} `{}` waives MFA for UI logins (`BypassMFAForUiLogins`)",
                            holder(doc),
                            src.component_name()
                        ),
                    )
                    .help("remove the waiver; exempt only users who never log in to the UI, through SSO with MFA at the identity provider"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lints::test_support::{cases, permission_set, profile, security};

    fn session(inner: &str) -> Vec<(&'static str, String)> {
        security(&format!("    <sessionSettings>\n{inner}\n    </sessionSettings>"))
    }

    const BOTH: &str = "        <enableMFADirectUILoginOptIn>true</enableMFADirectUILoginOptIn>\n        <identityConfirmationOnTwoFactorRegistrationEnabled>true</identityConfirmationOnTwoFactorRegistrationEnabled>";

    #[test]
    fn table() {
        let waiver = "    <userPermissions>\n        <enabled>true</enabled>\n        <name>BypassMFAForUiLogins</name>\n    </userPermissions>";
        cases(
            "mfa-not-required",
            &[
                session(BOTH),
                // No session settings: the file says nothing about MFA.
                security(
                    "    <passwordPolicies>\n        <minimumPasswordLength>12</minimumPasswordLength>\n    </passwordPolicies>",
                ),
                permission_set("Ops", &waiver.replace("true", "false")),
                profile(
                    "Ops",
                    "    <userPermissions>\n        <enabled>true</enabled>\n        <name>ForceTwoFactor</name>\n    </userPermissions>",
                ),
            ],
            &[
                session(&BOTH.replace(
                    "<enableMFADirectUILoginOptIn>true",
                    "<enableMFADirectUILoginOptIn>false",
                )),
                session("        <forceLogoutOnSessionTimeout>true</forceLogoutOnSessionTimeout>"),
                permission_set("Ops", waiver),
                profile("Ops", waiver),
            ],
        );
    }
}
