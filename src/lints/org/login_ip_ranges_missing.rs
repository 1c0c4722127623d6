//! Profiles that can reach the API or administer the org without login IP ranges (or with a
//! range that spans a large part of the internet), and orgs that do not enforce the ranges on
//! every request.

use std::net::IpAddr;

use crate::diagnostics::finding::{FileId, Finding, Severity};
use crate::lints::org::{enabled_permissions, is_guest_profile};
use crate::lints::{Ctx, Lint};
use crate::syntax::xml::XmlDoc;
use crate::workspace::kind::MetaType;
use crate::workspace::project::SourceFile;

declare_lint!(LoginIpRangesMissing = "login-ip-ranges-missing");

/// Permissions that make a profile worth restricting by network.
const POWERS: &[&str] = &[
    "ApiEnabled",
    "ModifyAllData",
    "ViewAllData",
    "ManageUsers",
    "CustomizeApplication",
    "AuthorApex",
    "ModifyMetadata",
];

/// A range at least this share of its address space (an IPv4 /8, an IPv6 /8) is too wide to
/// restrict anything.
const WIDE_V4: u128 = 1 << 24;
const WIDE_V6: u128 = 1 << 120;

impl Lint for LoginIpRangesMissing {
    fn xml_types(&self) -> &'static [MetaType] {
        &[MetaType::Profile, MetaType::Settings]
    }

    fn check_xml(&self, file: FileId, src: &SourceFile, doc: &XmlDoc, _cx: &Ctx<'_>, out: &mut Vec<Finding>) {
        let Some(root) = doc.root() else { return };
        if root.name() == "SecuritySettings" {
            let Some(session) = root.child("sessionSettings") else {
                return;
            };
            let key = "enforceIpRangesEveryRequest";
            match session.child(key) {
                Some(el) if el.bool_value() == Some(true) => {}
                other => {
                    let span = other.map_or_else(|| session.start_tag(), |e| e.value_span());
                    out.push(
                        Finding::new(
                            ID,
                            file,
                            span,
                            "login IP ranges are checked at login only, not on every request (`enforceIpRangesEveryRequest` is not true)",
                        )
                        .help("set `enforceIpRangesEveryRequest` to true so a session used from elsewhere is refused"),
                    );
                }
            }
            return;
        }
        if root.name() != "Profile" || is_guest_profile(doc) {
            return;
        }
        let name = src.component_name();
        for r in root.children_named("loginIpRanges") {
            let (Some(start), Some(end)) = (r.child("startAddress"), r.child("endAddress")) else {
                continue;
            };
            let (Some(a), Some(b)) = (start.text().and_then(ip), end.text().and_then(ip)) else {
                continue;
            };
            if let Some((size, wide, family)) = span_size(a, b)
                && size >= wide
            {
                let share = share(size, family);
                out.push(
                    Finding::new(
                        ID,
                        file,
                        r.span(),
                        format!("profile `{name}` allows logins from {a} to {b}, {share} of the {family} internet"),
                    )
                    .help("narrow the range to your offices' and VPN's egress addresses"),
                );
            }
        }
        if root.child("loginIpRanges").is_some() {
            return;
        }
        // Profile files list only enabled permissions, and a deploy overlays the org's profile:
        // only a permission the file itself grants is evidence.
        let power = enabled_permissions(doc).find(|n| {
            n.text()
                .is_some_and(|t| POWERS.iter().any(|p| p.eq_ignore_ascii_case(t)))
        });
        if let Some(p) = power {
            out.push(
                Finding::new(
                    ID,
                    file,
                    p.value_span(),
                    format!(
                        "profile `{name}` grants `{}` but restricts logins to no IP range",
                        p.text().unwrap_or("")
                    ),
                )
                .severity(Severity::Warning)
                .help("add `loginIpRanges` for the networks its users and integrations come from (a deploy replaces the org's ranges with the file's)"),
            );
        }
    }
}

fn ip(s: &str) -> Option<IpAddr> {
    s.trim().parse().ok()
}

/// Number of addresses from `a` to `b`, with the width that counts as wide and the family name.
fn span_size(a: IpAddr, b: IpAddr) -> Option<(u128, u128, &'static str)> {
    match (a, b) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let (a, b) = (u128::from(u32::from(a)), u128::from(u32::from(b)));
            (b >= a).then(|| (b - a + 1, WIDE_V4, "IPv4"))
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let (a, b) = (u128::from(a), u128::from(b));
            (b >= a).then(|| (b.saturating_sub(a).saturating_add(1), WIDE_V6, "IPv6"))
        }
        _ => None,
    }
}

fn share(size: u128, family: &str) -> String {
    let total = if family == "IPv4" {
        2f64.powi(32)
    } else {
        2f64.powi(128)
    };
    let pct = size as f64 / total * 100.0;
    if pct >= 99.95 {
        "all".to_string()
    } else if pct >= 1.0 {
        format!("{pct:.0}%")
    } else {
        format!("{pct:.2}%")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lints::test_support::{cases, profile, profile_with_license, security};

    fn range(a: &str, b: &str) -> String {
        format!(
            "    <loginIpRanges>\n        <endAddress>{b}</endAddress>\n        <startAddress>{a}</startAddress>\n    </loginIpRanges>"
        )
    }
    const API: &str = "    <userPermissions>\n        <enabled>true</enabled>\n        <name>ApiEnabled</name>\n    </userPermissions>";

    #[test]
    fn sizes() {
        let v4 = |a: &str, b: &str| {
            span_size(
                ip(a).unwrap_or(IpAddr::from([0, 0, 0, 0])),
                ip(b).unwrap_or(IpAddr::from([0, 0, 0, 0])),
            )
        };
        assert_eq!(v4("0.0.0.0", "255.255.255.255").map(|s| s.0), Some(1 << 32));
        assert_eq!(v4("203.0.113.0", "203.0.113.255").map(|s| s.0), Some(256));
        assert_eq!(v4("10.0.0.9", "10.0.0.1"), None);
        assert_eq!(share(1 << 32, "IPv4"), "all");
        assert_eq!(share(1 << 31, "IPv4"), "50%");
    }

    #[test]
    fn table() {
        cases(
            "login-ip-ranges-missing",
            &[
                profile(
                    "Integration",
                    &format!("{}\n{API}", range("203.0.113.0", "203.0.113.255")),
                ),
                profile(
                    "Sales",
                    "    <userPermissions>\n        <enabled>true</enabled>\n        <name>EditTask</name>\n    </userPermissions>",
                ),
                profile("Integration", &API.replace("true", "false")),
                profile_with_license("Site Guest", "Guest User License", API),
                profile(
                    "Integration",
                    &format!("{}\n{API}", range("2001:db8::", "2001:db8::ffff")),
                ),
                security(
                    "    <sessionSettings>\n        <enforceIpRangesEveryRequest>true</enforceIpRangesEveryRequest>\n    </sessionSettings>",
                ),
            ],
            &[
                profile("Integration", API),
                profile(
                    "Integration",
                    &format!("{}\n{API}", range("0.0.0.0", "255.255.255.255")),
                ),
                profile("Integration", &range("1.0.0.0", "126.255.255.255")),
                profile("Integration", &range("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")),
                security(
                    "    <sessionSettings>\n        <enforceIpRangesEveryRequest>false</enforceIpRangesEveryRequest>\n    </sessionSettings>",
                ),
            ],
        );
    }
}
