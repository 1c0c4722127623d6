//! A credential in a protected custom setting or custom metadata type: allowed, but it must be
//! disclosed in the security review and rotated.

use crate::diagnostics::finding::Finding;
use crate::lints::secrets::{credential_fields, settings};
use crate::lints::{Ctx, Lint};

declare_lint!(ProtectedSettingSecret = "protected-setting-secret");

impl Lint for ProtectedSettingSecret {
    fn check_project(&self, cx: &Ctx<'_>, out: &mut Vec<Finding>) {
        let s = settings(cx);
        let managed = cx.project.sfdx.as_ref().is_some_and(|p| p.namespace.is_some());
        for (o, f, why) in credential_fields(&s, true) {
            let mut message = format!(
                "protected {} `{}` stores a credential in `{}` ({why}): disclose it and rotate it",
                o.kind.describe(),
                o.name,
                f.name
            );
            if !managed {
                message.push_str(
                    "; this project has no namespace, and outside a managed package `Protected` hides nothing",
                );
            }
            out.push(
                Finding::new(ID, f.file, f.span.clone(), message)
                    .label(o.file, o.span.clone(), "visibility set here")
                    .help("list it in the security review's disclosure and rotate it on a schedule (`sfsec inventory` lists every one)"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lints::test_support::{cases, run_case, setting_field as field, setting_object as object};

    const OBJ: &str = "force-app/main/default/objects/Acme_Settings__c/Acme_Settings__c.object-meta.xml";

    fn case(vis: &str, f: (&'static str, String)) -> Vec<(&'static str, String)> {
        vec![
            (OBJ, object(vis, "<customSettingsType>Hierarchy</customSettingsType>")),
            f,
        ]
    }

    #[test]
    fn table() {
        cases(
            "protected-setting-secret",
            &[
                case("Public", field("Api_Key__c", "Text")),
                case("Protected", field("TokenCount__c", "Number")),
                case("Protected", field("Key_Prefix__c", "Text")),
                case("Protected", field("Password_Reset_Date__c", "Date")),
                case("Protected", field("Secret_Enabled__c", "Checkbox")),
                case("Protected", field("Monkey__c", "Text")),
                // Not a setting: a plain custom object.
                vec![
                    (
                        OBJ,
                        object("Protected", "<deploymentStatus>Deployed</deploymentStatus>"),
                    ),
                    field("Api_Key__c", "Text"),
                ],
            ],
            &[
                case("Protected", field("Api_Key__c", "Text")),
                case("Protected", field("Client_Secret__c", "EncryptedText")),
                case("PackageProtected", field("Access_Token__c", "LongTextArea")),
            ],
        );
    }

    #[test]
    fn says_when_protected_protects_nothing() {
        let hits = run_case(
            "protected-setting-secret",
            &case("Protected", field("Api_Key__c", "Text")),
        );
        assert_eq!(hits.len(), 1);
        assert!(hits[0].message.contains("no namespace"), "{}", hits[0].message);
        assert_eq!(hits[0].text, "Api_Key__c");
    }
}
