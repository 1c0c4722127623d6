//! Partner-org hardening: who can reach the API and from where, MFA, password and session
//! policies, guest access and installed packages. These rules judge the orgs a repository deploys,
//! not the package it ships; the `org` family selects or ignores them together.

use crate::diagnostics::finding::{FileId, Finding};
use crate::syntax::xml::{ElemRef, XmlDoc};

// The rule modules, one per `lints/<rule-id>.md` of this family (see `build.rs`).
include!(concat!(env!("OUT_DIR"), "/lints/org.rs"));

/// Every `userPermissions` entry enabled in a profile or permission set: its name element.
/// Profile files list only enabled permissions, but `<enabled>false</enabled>` entries occur in
/// hand-written files and permission sets, and must not count.
pub(crate) fn enabled_permissions(doc: &XmlDoc) -> impl Iterator<Item = ElemRef<'_>> {
    let names: Vec<ElemRef<'_>> = match doc.root() {
        Some(root) => root
            .children_named("userPermissions")
            .filter(|p| p.child("enabled").and_then(|e| e.bool_value()) == Some(true))
            .filter_map(|p| p.child("name"))
            .collect(),
        None => Vec::new(),
    };
    names.into_iter()
}

/// "profile" or "permission set", for messages.
pub(crate) fn holder(doc: &XmlDoc) -> &'static str {
    match doc.root().map(|r| r.name()) {
        Some("Profile") => "profile",
        Some("PermissionSet") => "permission set",
        _ => "file",
    }
}

/// Whether a profile is a guest (unauthenticated site) user's.
pub(crate) fn is_guest_profile(doc: &XmlDoc) -> bool {
    doc.root()
        .and_then(|r| r.child_text("userLicense"))
        .is_some_and(|l| l.eq_ignore_ascii_case("Guest User License"))
}

/// One finding for a policy (an org's or a profile's password or session policy) with a label at
/// each weak setting: 66 findings for one retrieved org's near-default profiles read as noise,
/// one per policy reads as the list to fix. It points at the policy's start tag, so its
/// fingerprint stays while the values are changed; `None` when nothing is weak.
pub(crate) fn policy_finding(
    rule: &'static str,
    file: FileId,
    policy: ElemRef<'_>,
    who: &str,
    weak: Vec<(ElemRef<'_>, String)>,
    help: &str,
) -> Option<Finding> {
    let message = match weak.as_slice() {
        [] => return None,
        [(_, what)] => format!("{who}: {what}"),
        all => format!(
            "{who} is weaker than the baseline in {} settings: {}",
            all.len(),
            all.iter().map(|(_, w)| w.as_str()).collect::<Vec<_>>().join("; ")
        ),
    };
    let mut f = Finding::new(rule, file, policy.start_tag(), message).help(help.to_string());
    for (el, what) in weak {
        f = f.label(file, el.value_span(), what);
    }
    Some(f)
}
