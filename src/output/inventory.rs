//! `sfsec inventory`: every place the project keeps a credential, for the security review's
//! disclosure, with what rotating each one means. Values are never printed, only masked.

use serde::Serialize;

use crate::diagnostics::finding::Severity;
use crate::engine::Scan;
use crate::semantic::oauth::{
    App, AppKind, Flag, IpPolicy, OauthIndex, RefreshPolicy, Setting, date, parse_certificate,
};
use crate::semantic::secrets::settings;
use crate::workspace::kind::MetaType;
use crate::workspace::project::Project;

/// Version of the JSON shape.
pub(crate) const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
pub(crate) struct Inventory {
    pub version: u32,
    pub setting_fields: Vec<SettingEntry>,
    pub committed_secrets: Vec<CommittedSecret>,
    pub named_credentials: Vec<NamedCredentialEntry>,
    pub external_credentials: Vec<ExternalCredentialEntry>,
    pub apps: Vec<AppEntry>,
    /// The org-wide OAuth settings the repository deploys (settings files, scratch definitions).
    pub org_oauth: Vec<OrgOauthEntry>,
}

#[derive(Serialize)]
pub(crate) struct OrgOauthEntry {
    pub path: String,
    pub username_password_flow: &'static str,
    pub user_agent_flow: &'static str,
    pub pkce_required: bool,
}

#[derive(Serialize)]
pub(crate) struct SettingEntry {
    pub object: String,
    pub kind: &'static str,
    pub visibility: String,
    pub field: String,
    pub why: String,
    pub path: String,
    pub line: usize,
    /// Apex classes and triggers that read it.
    pub read_by: Vec<String>,
    pub rotate: &'static str,
}

#[derive(Serialize)]
pub(crate) struct CommittedSecret {
    pub rule: &'static str,
    pub path: String,
    pub line: usize,
    /// The finding's message: the value is masked.
    pub what: String,
    pub suppressed: bool,
    pub rotate: &'static str,
}

#[derive(Serialize)]
pub(crate) struct NamedCredentialEntry {
    pub name: String,
    pub path: String,
    pub endpoint: Option<String>,
    pub authentication: Option<String>,
    pub external_credential: Option<String>,
    pub rotate: &'static str,
}

#[derive(Serialize)]
pub(crate) struct ExternalCredentialEntry {
    pub name: String,
    pub path: String,
    pub protocol: Option<String>,
    pub principals: Vec<String>,
    pub rotate: &'static str,
}

#[derive(Serialize)]
pub(crate) struct AppEntry {
    pub name: String,
    pub kind: &'static str,
    pub path: String,
    pub flows: Vec<String>,
    pub scopes: Vec<String>,
    /// Whether and how the app relaxes the org's login IP ranges.
    pub ip_policy: String,
    /// How long refresh tokens live, and whether they rotate.
    pub refresh_token_policy: String,
    pub certificates: Vec<String>,
    pub rotate: &'static str,
}

const ROTATE_SETTING: &str = "issue a new key at the provider, write it to the setting in every org that has it (post-install script or an admin), then revoke the old key";
const ROTATE_COMMITTED: &str =
    "revoke it now (it is in the repository's history), issue a new one and keep it out of the repository";
const ROTATE_NAMED: &str =
    "update the password or token in Setup, or re-authenticate the OAuth principal; nothing to redeploy";
const ROTATE_EXTERNAL: &str =
    "update each principal's credentials in Setup (or re-authenticate); the metadata holds none";
const ROTATE_APP: &str = "generate a new consumer secret (and replace certificates before they expire), update every client that uses it, then revoke the old one";

/// Builds the inventory from a scan (which must have run the secrets rules). `options` are
/// the configuration's (`oauth.native-apps` exempts an app from IP restrictions).
pub(crate) fn build(scan: &Scan, now: i64, options: &crate::workspace::config::Options) -> Inventory {
    let project = &scan.project;
    let line = |file: usize, offset: usize| project.file(file).line_col(offset).0;
    let s = settings::build(project);
    let oauth = OauthIndex::build(project, options);
    let mut setting_fields = Vec::new();
    for o in &s.objects {
        for f in &o.fields {
            let Some(why) = s.credential_reason(o, f) else { continue };
            let read_by = s
                .usage(&o.name, &f.name)
                .map(|u| u.readers.iter().map(|&r| project.shown(r)).collect())
                .unwrap_or_default();
            setting_fields.push(SettingEntry {
                object: o.name.clone(),
                kind: o.kind.describe(),
                visibility: o.visibility.clone().unwrap_or_else(|| "Public (default)".into()),
                field: f.name.clone(),
                why,
                path: project.shown(f.file),
                line: line(f.file, f.span.start),
                read_by,
                rotate: ROTATE_SETTING,
            });
        }
    }
    let committed_secrets = scan
        .findings
        .iter()
        .filter(|f| matches!(f.rule, "secret-in-metadata-record" | "hardcoded-secret"))
        .filter(|f| f.severity >= Severity::Warning)
        .map(|f| CommittedSecret {
            rule: f.rule,
            path: project.shown(f.file),
            line: line(f.file, f.span.start),
            what: f.message.clone(),
            suppressed: f.suppression.is_some(),
            rotate: ROTATE_COMMITTED,
        })
        .collect();
    Inventory {
        version: SCHEMA_VERSION,
        setting_fields,
        committed_secrets,
        named_credentials: named_credentials(project),
        external_credentials: external_credentials(project),
        apps: apps(project, &oauth, now),
        org_oauth: org_oauth(project, &oauth),
    }
}

fn named_credentials(project: &Project) -> Vec<NamedCredentialEntry> {
    project
        .xml_of(MetaType::NamedCredential)
        .filter_map(|(id, f, doc)| {
            let root = doc.root()?;
            let params: Vec<_> = root.children_named("namedCredentialParameters").collect();
            let param = |kind: &str| {
                params
                    .iter()
                    .find(|p| p.child_text("parameterType") == Some(kind))
                    .and_then(|p| {
                        p.child_text("parameterValue")
                            .or_else(|| p.child_text("externalCredential"))
                    })
                    .map(str::to_string)
            };
            let protocol = root.child_text("protocol").map(|p| {
                let principal = root.child_text("principalType").unwrap_or("");
                if principal.is_empty() {
                    p.to_string()
                } else {
                    format!("{p} ({principal})")
                }
            });
            Some(NamedCredentialEntry {
                name: f.component_name().to_string(),
                path: project.shown(id),
                endpoint: root.child_text("endpoint").map(str::to_string).or_else(|| param("Url")),
                authentication: protocol,
                external_credential: params
                    .iter()
                    .find_map(|p| p.child_text("externalCredential"))
                    .map(str::to_string)
                    .or_else(|| param("Authentication")),
                rotate: ROTATE_NAMED,
            })
        })
        .collect()
}

fn external_credentials(project: &Project) -> Vec<ExternalCredentialEntry> {
    project
        .xml_of(MetaType::ExternalCredential)
        .filter_map(|(id, f, doc)| {
            let root = doc.root()?;
            let principals = root
                .children_named("externalCredentialParameters")
                .filter(|p| {
                    matches!(
                        p.child_text("parameterType"),
                        Some("NamedPrincipal" | "PerUserPrincipal" | "GlobalNamedPrincipal")
                    )
                })
                .map(|p| {
                    format!(
                        "{} ({})",
                        p.child_text("parameterName").unwrap_or("?"),
                        p.child_text("parameterType").unwrap_or("")
                    )
                })
                .collect();
            Some(ExternalCredentialEntry {
                name: f.component_name().to_string(),
                path: project.shown(id),
                protocol: root.child_text("authenticationProtocol").map(str::to_string),
                principals,
                rotate: ROTATE_EXTERNAL,
            })
        })
        .collect()
}

fn apps(project: &Project, index: &OauthIndex<'_>, now: i64) -> Vec<AppEntry> {
    let mut out: Vec<AppEntry> = index
        .apps
        .iter()
        .filter(|a| a.oauth_enabled())
        .map(|a| app_entry(project, a, now))
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn org_oauth(project: &Project, index: &OauthIndex<'_>) -> Vec<OrgOauthEntry> {
    let blocked = |org: &crate::semantic::oauth::OrgOauth<'_>, key: &str| match org.flag(key, false) {
        s if s.value => "blocked",
        s if s.explicit => "allowed",
        _ => "allowed (not blocked)",
    };
    let mut out: Vec<OrgOauthEntry> = index
        .orgs
        .iter()
        .map(|org| OrgOauthEntry {
            path: project.shown(org.file),
            username_password_flow: blocked(org, "blockOAuthUnPwFlow"),
            user_agent_flow: blocked(org, "blockOAuthUsrAgtFlow"),
            pkce_required: org.flag("isPkceRequired", false).value,
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

fn app_entry(project: &Project, a: &App<'_>, now: i64) -> AppEntry {
    let on = |flag: Flag| a.flag(flag).is_some_and(|s| s.value);
    // Only flows the metadata shows on; the authorization-code flow is not listed.
    let mut flows = Vec::new();
    if on(Flag::ClientCredentials) {
        flows.push("client credentials".into());
    }
    if on(Flag::DeviceFlow) {
        flows.push("device".into());
    }
    if on(Flag::TokenExchange) {
        flows.push("token exchange".into());
    }
    if !a.certificates().is_empty() {
        flows.push("JWT bearer".into());
    }
    if a.issues_refresh_tokens().is_some() {
        flows.push(if on(Flag::RefreshTokenRotation) {
            "refresh token (rotating)".to_string()
        } else {
            "refresh token".to_string()
        });
    }
    let certificates = a
        .certificates()
        .iter()
        .map(|c| match parse_certificate(c.text) {
            Some(facts) => {
                let state = if facts.not_after <= now { "expired" } else { "expires" };
                let key = facts.key.map_or(String::new(), |(alg, bits)| format!(", {alg} {bits}"));
                format!("{state} {}{key}, {}", date(facts.not_after), facts.signature)
            }
            None => "unparsable certificate".to_string(),
        })
        .collect();
    let path = a.anchor().map(|(f, _)| project.shown(f)).unwrap_or_default();
    AppEntry {
        name: a.name.clone(),
        kind: match a.kind {
            AppKind::ConnectedApp => "Connected App",
            AppKind::ExternalClientApp => "External Client App",
        },
        path,
        flows,
        scopes: a.scopes().iter().map(|s| s.text.to_string()).collect(),
        ip_policy: ip_policy(a),
        refresh_token_policy: refresh_token_policy(a, on(Flag::RefreshTokenRotation)),
        certificates,
        rotate: ROTATE_APP,
    }
}

/// A policy value as the inventory shows it: what it means and how it is written, or why
/// there is none.
fn policy_text<P: Copy>(
    setting: Option<Setting<Option<(P, &str)>>>,
    undeclared: &str,
    meaning: impl Fn(P) -> &'static str,
) -> String {
    match setting {
        None => "no OAuth policies in the project".to_string(),
        Some(Setting { value: None, .. }) => undeclared.to_string(),
        Some(Setting {
            value: Some((p, v)), ..
        }) => format!("{} (`{v}`)", meaning(p)),
    }
}

fn ip_policy(a: &App<'_>) -> String {
    let policy = policy_text(a.ip_policy(), "not declared", |p| match p {
        IpPolicy::Enforce => "enforced",
        IpPolicy::EnforceRelaxRefresh => "relaxed for refresh tokens",
        IpPolicy::Bypass2Factor => "relaxed for activated devices",
        IpPolicy::Bypass => "relaxed",
        IpPolicy::Unknown => "unrecognised value",
    });
    match a.native {
        // Native public clients are exempt from the partner requirement; say why.
        Some(why) => format!("{policy}; native app ({why})"),
        None => policy,
    }
}

fn refresh_token_policy(a: &App<'_>, rotating: bool) -> String {
    if a.issues_refresh_tokens().is_none() {
        return "issues no refresh tokens".to_string();
    }
    let lifetime = policy_text(a.refresh_policy(), "not declared (valid until revoked)", |p| match p {
        RefreshPolicy::Infinite => "valid until revoked",
        RefreshPolicy::Zero => "expire immediately",
        RefreshPolicy::Limited => "limited",
        RefreshPolicy::Unknown => "unrecognised value",
    });
    let rotation = if rotating { "rotating" } else { "not rotating" };
    format!("{lifetime}, {rotation}")
}

pub(crate) fn json(inv: &Inventory) -> String {
    crate::output::formats::stream::json_string(inv)
}

/// Markdown a partner can paste into the security review.
pub(crate) fn markdown(inv: &Inventory) -> String {
    let mut m = String::from(
        "# Credential inventory\n\nGenerated by sfsec. Values are masked; rotate every entry on a schedule.\n",
    );
    m.push_str(&credentials_markdown(inv, "##"));
    m.push_str("\n## Connected Apps and External Client Apps\n\n");
    m.push_str(&apps_markdown(inv));
    m
}

/// Project text in a Markdown table cell: no pipe or line break may end it early, and no
/// markup forms (see [`crate::output::formats::md::text`]).
pub(crate) fn cell(s: &str) -> String {
    crate::output::formats::md::text(s)
}

/// Project text as code in a Markdown table cell.
pub(crate) fn code(s: &str) -> String {
    crate::output::formats::md::code_cell(s)
}

/// The stored credentials (settings, committed secrets, named and external credentials), one
/// section each under headings of the given level (`"##"`).
pub(crate) fn credentials_markdown(inv: &Inventory, level: &str) -> String {
    let mut m = String::new();
    m.push_str(&format!(
        "\n{level} Credentials in custom settings and custom metadata types\n\n"
    ));
    if inv.setting_fields.is_empty() {
        m.push_str("None found.\n");
    } else {
        m.push_str("| Setting | Visibility | Field | Why | Read by | Location |\n|---|---|---|---|---|---|\n");
        for e in &inv.setting_fields {
            m.push_str(&format!(
                "| {} ({}) | {} | {} | {} | {} | {} |\n",
                code(&e.object),
                cell(e.kind),
                cell(&e.visibility.to_string()),
                code(&e.field),
                cell(&e.why),
                if e.read_by.is_empty() {
                    "-".to_string()
                } else {
                    e.read_by.iter().map(|r| code(r)).collect::<Vec<_>>().join(", ")
                },
                code(&format!("{}:{}", e.path, e.line))
            ));
        }
        m.push_str(&format!("\nRotating: {ROTATE_SETTING}.\n"));
    }
    m.push_str(&format!(
        "\n{level} Secrets committed in metadata or code (remove and rotate)\n\n"
    ));
    if inv.committed_secrets.is_empty() {
        m.push_str("None found.\n");
    } else {
        m.push_str("| Location | What | Suppressed |\n|---|---|---|\n");
        for e in &inv.committed_secrets {
            m.push_str(&format!(
                "| {} | {} | {} |\n",
                code(&format!("{}:{}", e.path, e.line)),
                cell(&e.what),
                if e.suppressed { "yes" } else { "no" }
            ));
        }
        m.push_str(&format!("\nRotating: {ROTATE_COMMITTED}.\n"));
    }
    m.push_str(&format!("\n{level} Named credentials\n\n"));
    if inv.named_credentials.is_empty() {
        m.push_str("None found.\n");
    } else {
        m.push_str("| Name | Endpoint | Authentication | External credential |\n|---|---|---|---|\n");
        for e in &inv.named_credentials {
            m.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                code(&e.name),
                cell(e.endpoint.as_deref().unwrap_or("-")),
                cell(e.authentication.as_deref().unwrap_or("-")),
                cell(e.external_credential.as_deref().unwrap_or("-"))
            ));
        }
        m.push_str(&format!("\nRotating: {ROTATE_NAMED}.\n"));
    }
    m.push_str(&format!("\n{level} External credentials\n\n"));
    if inv.external_credentials.is_empty() {
        m.push_str("None found.\n");
    } else {
        m.push_str("| Name | Protocol | Principals |\n|---|---|---|\n");
        for e in &inv.external_credentials {
            m.push_str(&format!(
                "| {} | {} | {} |\n",
                code(&e.name),
                cell(e.protocol.as_deref().unwrap_or("-")),
                cell(&e.principals.join(", "))
            ));
        }
        m.push_str(&format!("\nRotating: {ROTATE_EXTERNAL}.\n"));
    }
    m
}

/// The OAuth app inventory: a table, one row per app with OAuth enabled.
pub(crate) fn apps_markdown(inv: &Inventory) -> String {
    let mut m = String::new();
    if inv.apps.is_empty() {
        m.push_str("None found.\n");
    } else {
        m.push_str(
            "| App | Kind | Flows besides authorization code | Scopes | IP restrictions | Refresh tokens | Certificates |\n|---|---|---|---|---|---|---|\n",
        );
        for e in &inv.apps {
            m.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} |\n",
                code(&e.name),
                cell(e.kind),
                cell(&if e.flows.is_empty() {
                    "-".to_string()
                } else {
                    e.flows.join(", ")
                }),
                cell(&e.scopes.join(", ")),
                cell(&e.ip_policy),
                cell(&e.refresh_token_policy),
                cell(&if e.certificates.is_empty() {
                    "-".to_string()
                } else {
                    e.certificates.join("; ")
                })
            ));
        }
        m.push_str(&format!("\nRotating: {ROTATE_APP}.\n"));
    }
    if !inv.org_oauth.is_empty() {
        m.push_str("\nOrg-wide OAuth settings the repository deploys (they apply to every app in the org):\n\n| Settings | Username-password flow | User-agent (implicit) flow | PKCE required |\n|---|---|---|---|\n");
        for o in &inv.org_oauth {
            m.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                code(&o.path),
                o.username_password_flow,
                o.user_agent_flow,
                if o.pkce_required { "yes" } else { "no" }
            ));
        }
    }
    m
}
