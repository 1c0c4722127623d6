//! Sites open to unauthenticated guests: active Salesforce Sites and Experience Cloud sites with a
//! guest profile, and Experience Cloud configurations available to guests. Worse when the guest
//! profile can use the API, edit, delete or see all records of an object, or run Apex classes.

use std::collections::HashMap;

use crate::diagnostics::finding::{FileId, Finding, Severity};
use crate::lints::org::{enabled_permissions, is_guest_profile};
use crate::lints::{Ctx, Lint};
use crate::syntax::json::Json;
use crate::syntax::xml::XmlDoc;
use crate::workspace::kind::{FileKind, MetaType};
use crate::workspace::project::Parsed;

declare_lint!(GuestUserAccess = "guest-user-access");

impl Lint for GuestUserAccess {
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
        // Guest profiles, by their license: every site's guest profile has it, and a scan of the
        // profile alone (a pre-commit file list) says the same as a scan of the project.
        for (id, f, doc) in project.xml_of(MetaType::Profile) {
            if is_guest_profile(doc) {
                out.extend(profile_finding(id, doc, &decode(f.component_name())));
            }
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
fn open_to_guests(node: &crate::syntax::json::JsonNode) -> Option<&crate::syntax::json::Member> {
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

/// User permissions that no unauthenticated visitor should hold: each opens the org's data,
/// metadata or users far beyond a public page. `ViewAllCustomSettings` reads protected settings,
/// where API keys live (a public org's guest profile held it).
const DANGEROUS_PERMISSIONS: &[(&str, &str)] = &[
    ("ApiEnabled", "can use the API"),
    ("ViewAllData", "can view all data"),
    ("ModifyAllData", "can modify all data"),
    (
        "ViewAllCustomSettings",
        "can read every custom setting, protected ones too",
    ),
    ("ModifyMetadata", "can modify metadata"),
    ("CustomizeApplication", "can customize the application"),
    ("AuthorApex", "can author Apex"),
    ("ManageUsers", "can manage users"),
    ("ViewAllUsers", "can see every user"),
    ("ViewSetup", "can view Setup"),
    ("ViewEncryptedData", "can read encrypted fields"),
];

/// One thing a guest profile grants, where the file grants it.
struct Grant {
    span: std::ops::Range<usize>,
    what: GrantKind,
}

enum GrantKind {
    /// A dangerous user permission: its name and what it lets a guest do.
    Permission { name: String, does: &'static str },
    /// Object access beyond read: the object and the access (`edit/delete`, `create`).
    Object {
        object: String,
        access: Vec<&'static str>,
        severe: bool,
    },
    /// An enabled Apex class: its `@AuraEnabled`, `@RemoteAction` and `webservice` methods are
    /// callable by the guest.
    Class(String),
}

impl Grant {
    /// Everything but creating records (how a web form works) is high risk.
    fn severe(&self) -> bool {
        match &self.what {
            GrantKind::Object { severe, .. } => *severe,
            GrantKind::Permission { .. } | GrantKind::Class(_) => true,
        }
    }
}

/// Everything a guest profile grants beyond reading records and opening pages.
fn grants(doc: &XmlDoc) -> Vec<Grant> {
    let mut out = Vec::new();
    for n in enabled_permissions(doc) {
        let Some(name) = n.text() else { continue };
        if let Some((_, does)) = DANGEROUS_PERMISSIONS.iter().find(|(p, _)| p.eq_ignore_ascii_case(name)) {
            out.push(Grant {
                span: n.value_span(),
                what: GrantKind::Permission {
                    name: name.to_string(),
                    does,
                },
            });
        }
    }
    let Some(root) = doc.root() else { return out };
    for p in root.children_named("objectPermissions") {
        let on = |k: &str| p.child(k).and_then(|e| e.bool_value()) == Some(true);
        let access: Vec<&'static str> = [
            ("allowCreate", "create"),
            ("allowEdit", "edit"),
            ("allowDelete", "delete"),
            ("viewAllRecords", "view all"),
            ("modifyAllRecords", "modify all"),
        ]
        .into_iter()
        .filter(|(k, _)| on(k))
        .map(|(_, w)| w)
        .collect();
        let Some(object) = p.child("object") else { continue };
        if access.is_empty() {
            continue;
        }
        // Guests creating records is how web forms work; changing or seeing all records is not.
        let severe = access.iter().any(|a| *a != "create");
        out.push(Grant {
            span: object.value_span(),
            what: GrantKind::Object {
                object: object.text().unwrap_or("").to_string(),
                access,
                severe,
            },
        });
    }
    for c in root
        .children_named("classAccesses")
        .filter(|c| c.child("enabled").and_then(|e| e.bool_value()) == Some(true))
    {
        if let Some(class) = c.child("apexClass") {
            out.push(Grant {
                span: class.value_span(),
                what: GrantKind::Class(class.text().unwrap_or("").to_string()),
            });
        }
    }
    out
}

/// "`A`, `B`, `C` and 2 more".
fn some_of(items: &[String], shown: usize) -> String {
    let mut s = items.iter().take(shown).cloned().collect::<Vec<_>>().join(", ");
    if items.len() > shown {
        s.push_str(&format!(" and {} more", items.len() - shown));
    }
    s
}

/// What a guest profile grants that makes a public site dangerous, for the site's message: API
/// and setup permissions, changing or seeing all records, Apex classes.
fn risky_grants(doc: &XmlDoc) -> Vec<String> {
    let all = grants(doc);
    let mut out: Vec<String> = all
        .iter()
        .filter_map(|g| match &g.what {
            GrantKind::Permission { does, .. } => Some(does.to_string()),
            _ => None,
        })
        .collect();
    let objects: Vec<String> = all
        .iter()
        .filter_map(|g| match &g.what {
            GrantKind::Object {
                object,
                access,
                severe: true,
            } => {
                let changes: Vec<&str> = access.iter().copied().filter(|a| *a != "create").collect();
                Some(format!("{} `{object}`", changes.join("/")))
            }
            _ => None,
        })
        .collect();
    if !objects.is_empty() {
        out.push(format!("can {}", some_of(&objects, 3)));
    }
    let classes = all.iter().filter(|g| matches!(g.what, GrantKind::Class(_))).count();
    if classes > 0 {
        out.push(format!(
            "runs {classes} Apex class{}",
            if classes == 1 { "" } else { "es" }
        ));
    }
    out
}

/// The finding at a guest profile: every grant beyond reading records and opening pages, one
/// label each. `None` when it grants nothing more.
fn profile_finding(file: FileId, doc: &XmlDoc, name: &str) -> Option<Finding> {
    let all = grants(doc);
    if all.is_empty() {
        return None;
    }
    let root = doc.root()?;
    // `grants` lists permissions, then objects, then classes: the message keeps that order.
    let mut parts: Vec<String> = Vec::new();
    let mut objects: Vec<String> = Vec::new();
    let mut classes: Vec<String> = Vec::new();
    for g in &all {
        match &g.what {
            GrantKind::Permission { name, does } => parts.push(format!("{does} (`{name}`)")),
            GrantKind::Object { object, access, .. } => objects.push(format!("{} `{object}`", access.join("/"))),
            GrantKind::Class(c) => classes.push(format!("`{c}`")),
        }
    }
    if !objects.is_empty() {
        parts.push(format!("can {}", some_of(&objects, 3)));
    }
    if !classes.is_empty() {
        let plural = if classes.len() == 1 { "" } else { "es" };
        parts.push(format!("runs Apex class{plural} {}", some_of(&classes, 3)));
    }
    let severity = if all.iter().any(Grant::severe) {
        Severity::Error
    } else {
        Severity::Warning
    };
    let at = root
        .child("userLicense")
        .map_or_else(|| root.start_tag(), |l| l.value_span());
    let mut f = Finding::new(
        ID,
        file,
        at,
        format!(
            "guest profile `{name}` gives anyone on the internet this access: {}",
            parts.join("; ")
        ),
    )
    .severity(severity)
    .help("a guest is anyone: remove API and setup permissions, object access beyond read (and create where a form needs it), and every Apex class whose methods do not check who calls them");
    for g in &all {
        let label = match &g.what {
            GrantKind::Permission { name, .. } => format!("`{name}`"),
            GrantKind::Object { access, .. } => access.join("/"),
            GrantKind::Class(_) => "callable by guests".to_string(),
        };
        f = f.label(file, g.span.clone(), label);
    }
    Some(f)
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
    use crate::diagnostics::finding::Severity;
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
                // Guest profiles that grant nothing beyond reading and pages; a user profile
                // with the same grants.
                profile_with_license(
                    "Partner Help Profile",
                    "Guest User License",
                    "    <objectPermissions>\n        <allowCreate>false</allowCreate>\n        <allowRead>true</allowRead>\n        <object>Case</object>\n    </objectPermissions>\n    <pageAccesses>\n        <apexPage>Help</apexPage>\n        <enabled>true</enabled>\n    </pageAccesses>\n    <classAccesses>\n        <apexClass>Retired</apexClass>\n        <enabled>false</enabled>\n    </classAccesses>",
                ),
                profile_with_license("Support Agent", "Salesforce", CASE_EDIT),
                config(r#"{ "isAvailableToGuests": false, "type": "site" }"#),
                config(r#"{ "authenticationType": "AUTHENTICATED" }"#),
            ],
            &[
                site(true, Some("Partner Help Profile")),
                site(true, None),
                profile_with_license("Partner Help Profile", "Guest User License", &permission("ApiEnabled")),
                profile_with_license("Partner Help Profile", "Guest User License", &permission("ViewAllData")),
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

    const CASE_EDIT: &str = "    <classAccesses>\n        <apexClass>CaseIntake</apexClass>\n        <enabled>true</enabled>\n    </classAccesses>\n    <objectPermissions>\n        <allowCreate>true</allowCreate>\n        <allowDelete>false</allowDelete>\n        <allowEdit>true</allowEdit>\n        <allowRead>true</allowRead>\n        <modifyAllRecords>false</modifyAllRecords>\n        <object>Case</object>\n        <viewAllRecords>false</viewAllRecords>\n    </objectPermissions>";

    fn permission(name: &str) -> String {
        format!(
            "    <userPermissions>\n        <enabled>true</enabled>\n        <name>{name}</name>\n    </userPermissions>"
        )
    }

    #[test]
    fn dangerous_guest_profiles_raise_the_severity() {
        let mut files = site(true, Some("Partner Help Profile"));
        files.extend(profile_with_license(
            "Partner Help Profile",
            "Guest User License",
            CASE_EDIT,
        ));
        let hits = run_case("guest-user-access", &files);
        assert_eq!(hits.len(), 2, "{hits:?}");
        let site = hits
            .iter()
            .find(|h| h.message.starts_with("site "))
            .expect("site finding");
        assert_eq!(site.severity, Severity::Error);
        assert!(
            site.message
                .ends_with("the guest profile can edit `Case`, runs 1 Apex class"),
            "{}",
            site.message
        );
    }

    /// The grants are reported where they are made, one label each: a guest profile is found by
    /// its license even when no site in the repository names it (retrieved sites rarely do).
    #[test]
    fn guest_profiles_are_reported_at_their_grants() {
        let hits = run_case(
            "guest-user-access",
            &profile_with_license(
                "Help Center Profile",
                "Guest User License",
                &format!(
                    "{}\n{}\n{CASE_EDIT}",
                    permission("ViewAllCustomSettings"),
                    permission("PasswordNeverExpires")
                ),
            ),
        );
        assert_eq!(hits.len(), 1, "{hits:?}");
        let h = &hits[0];
        assert_eq!(h.severity, Severity::Error);
        assert_eq!(
            h.message,
            "guest profile `Help Center Profile` gives anyone on the internet this access: can read every custom setting, protected ones too (`ViewAllCustomSettings`); can create/edit `Case`; runs Apex class `CaseIntake`"
        );
        let labels: Vec<(&str, &str)> = h.labels.iter().map(|(m, t)| (m.as_str(), t.as_str())).collect();
        assert_eq!(
            labels,
            [
                ("`ViewAllCustomSettings`", "ViewAllCustomSettings"),
                ("create/edit", "Case"),
                ("callable by guests", "CaseIntake")
            ]
        );
        assert_eq!(h.text, "Guest User License");

        // Creating records is what a web form does: reported, as a warning.
        let hits = run_case(
            "guest-user-access",
            &profile_with_license(
                "Votes Profile",
                "Guest User License",
                "    <objectPermissions>\n        <allowCreate>true</allowCreate>\n        <allowRead>true</allowRead>\n        <object>Vote__c</object>\n    </objectPermissions>",
            ),
        );
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].severity, Severity::Warning);
    }

    #[test]
    fn profile_names_are_decoded() {
        assert_eq!(decode("Custom%3A Marketing Profile"), "Custom: Marketing Profile");
        assert_eq!(decode("100%"), "100%");
    }
}
