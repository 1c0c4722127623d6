//! `UseAnyApiClient` (and the approval of uninstalled connected apps) enabled by a profile or
//! permission set: its users reach the API from any client, approved or not.

use crate::diagnostics::finding::{FileId, Finding};
use crate::lints::org::{enabled_permissions, holder};
use crate::lints::{Ctx, Lint};
use crate::syntax::xml::XmlDoc;
use crate::workspace::kind::MetaType;
use crate::workspace::project::SourceFile;

declare_lint!(UseAnyApiClient = "use-any-api-client");

/// `(API name, label)`. Public code spells the approval permission both ways.
const PERMISSIONS: &[(&str, &str)] = &[
    ("UseAnyApiClient", "Use Any API Client"),
    ("ApproveUninstalledConnectedApps", "Approve Uninstalled Connected Apps"),
    ("CanApproveUninstalledApps", "Approve Uninstalled Connected Apps"),
];

impl Lint for UseAnyApiClient {
    fn xml_types(&self) -> &'static [MetaType] {
        &[MetaType::Profile, MetaType::PermissionSet]
    }

    fn check_xml(&self, file: FileId, src: &SourceFile, doc: &XmlDoc, _cx: &Ctx<'_>, out: &mut Vec<Finding>) {
        for name in enabled_permissions(doc) {
            let Some(text) = name.text() else { continue };
            let Some((api, label)) = PERMISSIONS.iter().find(|(p, _)| p.eq_ignore_ascii_case(text)) else {
                continue;
            };
            let why = if *api == "UseAnyApiClient" {
                "its users can call the API from any client, including ones no admin approved"
            } else {
                "its users can authorize connected apps that are not installed, letting unapproved clients in"
            };
            out.push(
                Finding::new(
                    ID,
                    file,
                    name.value_span(),
                    format!(
                        "{} `{}` grants `{api}` ({label}): {why}",
                        holder(doc),
                        src.component_name()
                    ),
                )
                .help("remove the permission; install and approve the connected apps users need instead"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lints::test_support::{cases, permission_set, profile};

    fn perm(name: &str, enabled: bool) -> String {
        format!(
            "    <userPermissions>\n        <enabled>{enabled}</enabled>\n        <name>{name}</name>\n    </userPermissions>"
        )
    }

    #[test]
    fn table() {
        cases(
            "use-any-api-client",
            &[
                profile("Integration", &perm("ApiEnabled", true)),
                profile("Integration", &perm("UseAnyApiClient", false)),
                profile("Integration", &perm("UseAnyApiAuth", true)),
                permission_set("Api_Users", &perm("ApiEnabled", true)),
            ],
            &[
                profile("Integration", &perm("UseAnyApiClient", true)),
                permission_set("Api_Users", &perm("UseAnyApiClient", true)),
                permission_set("Approvers", &perm("ApproveUninstalledConnectedApps", true)),
            ],
        );
    }
}
