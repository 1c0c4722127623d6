//! A credential in a public custom setting or custom metadata type: every subscriber user and
//! every installed package can read it.

use crate::diagnostics::finding::Finding;
use crate::lints::secrets::{credential_fields, settings};
use crate::lints::{Ctx, Lint};

declare_lint!(PublicSettingSecret = "public-setting-secret");

impl Lint for PublicSettingSecret {
    fn check_project(&self, cx: &Ctx<'_>, out: &mut Vec<Finding>) {
        let s = settings(cx);
        for (o, f, why) in credential_fields(&s, false) {
            let vis = if o.visibility.is_some() {
                "public"
            } else {
                "public (no `visibility`)"
            };
            let message = format!(
                "{vis} {} `{}` stores a credential in `{}` ({why}): anyone in the org can read it",
                o.kind.describe(),
                o.name,
                f.name
            );
            out.push(
                Finding::new(ID, f.file, f.span.clone(), message)
                    .label(o.file, o.span.clone(), "visibility set here")
                    .help("make the setting `Protected` in a managed package, or move the credential to a named credential"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lints::test_support::{cases, setting_field as field, setting_object as object};

    const OBJ: &str = "force-app/main/default/objects/Acme_Settings__c/Acme_Settings__c.object-meta.xml";
    const MDT: &str = "force-app/main/default/objects/Acme_Settings__mdt/Acme_Settings__mdt.object-meta.xml";

    #[test]
    fn table() {
        let setting = |vis: &str| object(vis, "<customSettingsType>List</customSettingsType>");
        let mdt_field = |name: &str| {
            let (_, text) = field(name, "Text");
            (
                "force-app/main/default/objects/Acme_Settings__mdt/fields/Signing_Key__c.field-meta.xml",
                text,
            )
        };
        cases(
            "public-setting-secret",
            &[
                vec![(OBJ, setting("Protected")), field("Api_Key__c", "Text")],
                vec![(OBJ, setting("Public")), field("Endpoint__c", "Url")],
                vec![(OBJ, setting("Public")), field("Token_Expiry__c", "DateTime")],
                vec![(OBJ, setting("Public")), field("Consumer_Key__c", "Text")],
            ],
            &[
                vec![(OBJ, setting("Public")), field("Api_Key__c", "Text")],
                vec![(OBJ, setting("Public")), field("Webhook_Secret__c", "TextArea")],
                vec![(MDT, object("Public", "")), mdt_field("Signing_Key__c")],
            ],
        );
    }
}
