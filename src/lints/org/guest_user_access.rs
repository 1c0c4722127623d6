//! Sites open to unauthenticated guests: active Salesforce Sites and Experience Cloud sites with a
//! guest profile, and Experience Cloud configurations available to guests. Worse when the guest
//! profile can use the API, edit, delete or see all records of an object, or run Apex classes.

use std::collections::HashMap;

use crate::finding::{FileId, Finding, Severity};
use crate::json::Json;
use crate::kind::{FileKind, MetaType};
use crate::lints::org::enabled_permissions;
use crate::lints::{Ctx, Lint};
use crate::project::Parsed;
use crate::xml::XmlDoc;

pub struct GuestUserAccess;

const ID: &str = "guest-user-access";

impl Lint for GuestUserAccess {
    fn id(&self) -> &'static str {
        ID
    }

    fn check_project(&self, cx: &Ctx<'_>, out: &mut Vec<Finding>) {
        let project = cx.project;
        let profiles: HashMap<String, &XmlDoc> = project
            .xml_of(MetaType::Profile)
            .map(|(_, f, doc)| (decode(f.component_name()).to_ascii_lowercase(), doc))
            .collect();
        // Live Experience Cloud sites, by the CustomSite they run on.
        let mut live: HashMap<String, Vec<(FileId, std::ops::Range<usize>, String)>> = HashMap::new();
        for (id, f, doc) in project.xml_of(MetaType::Network) {
            let Some(root) = doc.root() else { continue };
            let (Some(site), Some(status)) = (root.child_text("site"), root.child("status")) else {
                continue;
            };
            if status.text() == Some("Live") {
                live.entry(site.to_ascii_lowercase()).or_default().push((
                    id,
                    status.value_span(),
                    f.component_name().to_string(),
                ));
            }
        }
        for (id, f, doc) in project.xml_of(MetaType::CustomSite) {
            let Some(root) = doc.root() else { continue };
            let Some(active) = root.child("active").filter(|a| a.bool_value() == Some(true)) else {
                continue;
            };
            let name = f.component_name();
            const HELP: &str = "partner orgs must not host guest-accessible sites: deactivate the site, or require login and strip the guest profile to nothing";
            let mut finding = match root.child("guestProfile").and_then(|g| g.text().map(|t| (g, t))) {
                Some((guest_el, guest_name)) => {
                    let risks = profiles
                        .get(&guest_name.to_ascii_lowercase())
                        .map(|p| risky_grants(p))
                        .unwrap_or_default();
                    let (severity, tail) = if risks.is_empty() {
                        (Severity::Warning, String::new())
                    } else {
                        (Severity::Error, format!("; the guest profile {}", risks.join(", ")))
                    };
                    Finding::new(
                        ID,
                        id,
                        active.value_span(),
                        format!("site `{name}` is active and open to guests through profile `{guest_name}`{tail}"),
                    )
                    .severity(severity)
                    .label(id, guest_el.value_span(), "guest profile")
                }
                // Every site has a guest user, whether or not the file names its profile (10
                // active Visualforce sites in 5 public repositories name none and were never
                // reported). An Experience Cloud site's (`ChatterNetwork`) guest access is its
                // configuration's, judged below.
                None if root.child_text("siteType") == Some("ChatterNetwork") => continue,
                None => Finding::new(
                    ID,
                    id,
                    active.value_span(),
                    format!(
                        "site `{name}` is active and has a guest user (Salesforce gives every site one; this file does not name its profile)"
                    ),
                ),
            }
            .help(HELP);
            for (nid, span, network) in live.get(&name.to_ascii_lowercase()).into_iter().flatten() {
                finding = finding.label(
                    *nid,
                    span.clone(),
                    format!("Experience Cloud site `{network}` is live on it"),
                );
            }
            out.push(finding);
        }
        for (id, f) in project.files.iter().enumerate() {
            let (FileKind::ExperienceConfig, Parsed::Json(json)) = (f.kind, &f.parsed) else {
                continue;
            };
            let open = open_to_guests(json);
            if let Some(m) = open {
                let shown = match &m.value.value {
                    Json::String(s) => s.clone(),
                    Json::Bool(b) => b.to_string(),
                    _ => String::new(),
                };
                let site = std::path::Path::new(&f.rel)
                    .parent()
                    .and_then(|p| p.parent())
                    .and_then(|p| p.file_name())
                    .and_then(|n| n.to_str())
                    .unwrap_or("");
                out.push(
                    Finding::new(
                        ID,
                        id,
                        m.key_span.start..m.value.span.end,
                        format!("the Experience Cloud site `{site}` is open to guests (`{}` is `{shown}`)", m.key),
                    )
                    .help("require login for the site (`isAvailableToGuests: false`, or `authenticationType: AUTHENTICATED`)"),
                );
            }
        }
    }
}

/// The member that opens a site configuration to guests, searched at any depth (LWR sites keep
/// it inside a node's content).
fn open_to_guests(node: &crate::json::JsonNode) -> Option<&crate::json::Member> {
    match &node.value {
        Json::Object(members) => members.iter().find_map(|m| {
            let open = match m.key.as_str() {
                "isAvailableToGuests" => m.value.as_bool() == Some(true),
                "authenticationType" => matches!(
                    m.value.as_str(),
                    Some("UNAUTHENTICATED" | "AUTHENTICATED_WITH_PUBLIC_ACCESS_ENABLED")
                ),
                _ => false,
            };
            if open { Some(m) } else { open_to_guests(&m.value) }
        }),
        Json::Array(items) => items.iter().find_map(open_to_guests),
        _ => None,
    }
}

/// What a guest profile grants that makes a public site dangerous.
fn risky_grants(doc: &XmlDoc) -> Vec<String> {
    let mut out = Vec::new();
    if enabled_permissions(doc).any(|n| n.text().is_some_and(|t| t.eq_ignore_ascii_case("ApiEnabled"))) {
        out.push("can use the API".to_string());
    }
    let Some(root) = doc.root() else { return out };
    let mut objects: Vec<String> = Vec::new();
    for p in root.children_named("objectPermissions") {
        let on = |k: &str| p.child(k).and_then(|e| e.bool_value()) == Some(true);
        let what: Vec<&str> = [
            ("allowEdit", "edit"),
            ("allowDelete", "delete"),
            ("viewAllRecords", "view all"),
            ("modifyAllRecords", "modify all"),
        ]
        .iter()
        .filter(|(k, _)| on(k))
        .map(|(_, w)| *w)
        .collect();
        if let (false, Some(object)) = (what.is_empty(), p.child_text("object")) {
            objects.push(format!("{} `{object}`", what.join("/")));
        }
    }
    if !objects.is_empty() {
        let more = objects.len().saturating_sub(3);
        let mut s = format!("can {}", objects.iter().take(3).cloned().collect::<Vec<_>>().join(", "));
        if more > 0 {
            s.push_str(&format!(" and {more} more"));
        }
        out.push(s);
    }
    let classes = root
        .children_named("classAccesses")
        .filter(|c| c.child("enabled").and_then(|e| e.bool_value()) == Some(true))
        .count();
    if classes > 0 {
        out.push(format!(
            "runs {classes} Apex class{}",
            if classes == 1 { "" } else { "es" }
        ));
    }
    out
}

/// Profile file names encode special characters (`Custom%3A Marketing`).
fn decode(name: &str) -> String {
    let bytes = name.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(h) = name.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(h, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::decode;
    use crate::finding::Severity;
    use crate::lints::test_support::{cases, profile_with_license, run_case};

    const SITE: &str = "force-app/main/default/sites/Partner_Help.site-meta.xml";

    fn network_site(active: bool) -> Vec<(&'static str, String)> {
        vec![(
            SITE,
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CustomSite xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <active>{active}</active>\n    <masterLabel>Partner Help</masterLabel>\n    <siteType>ChatterNetwork</siteType>\n</CustomSite>\n"
            ),
        )]
    }

    fn site(active: bool, guest: Option<&str>) -> Vec<(&'static str, String)> {
        let guest = guest.map_or(String::new(), |g| format!("    <guestProfile>{g}</guestProfile>\n"));
        vec![(
            SITE,
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CustomSite xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <active>{active}</active>\n{guest}    <masterLabel>Partner Help</masterLabel>\n    <siteType>Visualforce</siteType>\n</CustomSite>\n"
            ),
        )]
    }

    fn config(body: &str) -> Vec<(&'static str, String)> {
        vec![(
            "force-app/main/default/experiences/Partner_Help1/config/partner_help.json",
            body.to_string(),
        )]
    }

    #[test]
    fn table() {
        cases(
            "guest-user-access",
            &[
                site(false, Some("Partner Help Profile")),
                site(false, None),
                network_site(true),
                config(r#"{ "isAvailableToGuests": false, "type": "site" }"#),
                config(r#"{ "authenticationType": "AUTHENTICATED" }"#),
            ],
            &[
                site(true, Some("Partner Help Profile")),
                site(true, None),
                config(r#"{ "isAvailableToGuests": true }"#),
                config(r#"{ "authenticationType": "AUTHENTICATED_WITH_PUBLIC_ACCESS_ENABLED" }"#),
                vec![(
                    "force-app/main/default/digitalExperiences/site/Help1/sfdc_cms__site/Help1/content.json",
                    r#"{ "type": "sfdc_cms__site", "contentBody": { "authenticationType": "UNAUTHENTICATED" } }"#
                        .to_string(),
                )],
            ],
        );
    }

    #[test]
    fn dangerous_guest_profiles_raise_the_severity() {
        let mut files = site(true, Some("Partner Help Profile"));
        files.extend(profile_with_license(
            "Partner Help Profile",
            "Guest User License",
            "    <classAccesses>\n        <apexClass>CaseIntake</apexClass>\n        <enabled>true</enabled>\n    </classAccesses>\n    <objectPermissions>\n        <allowCreate>true</allowCreate>\n        <allowDelete>false</allowDelete>\n        <allowEdit>true</allowEdit>\n        <allowRead>true</allowRead>\n        <modifyAllRecords>false</modifyAllRecords>\n        <object>Case</object>\n        <viewAllRecords>false</viewAllRecords>\n    </objectPermissions>",
        ));
        let hits = run_case("guest-user-access", &files);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].severity, Severity::Error);
        assert!(
            hits[0]
                .message
                .ends_with("the guest profile can edit `Case`, runs 1 Apex class"),
            "{}",
            hits[0].message
        );
    }

    #[test]
    fn profile_names_are_decoded() {
        assert_eq!(decode("Custom%3A Marketing Profile"), "Custom: Marketing Profile");
        assert_eq!(decode("100%"), "100%");
    }
}
