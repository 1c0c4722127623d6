//! One view of every OAuth app in the project, whatever its metadata shape: a Connected App
//! (one file) or an External Client App (a header plus settings and policy files linked by
//! `<externalClientApplication>`), and the org-wide OAuth settings (a settings file or the
//! `settings` of a scratch-org definition). The `oauth-*` lints ask questions of this view.

use std::collections::BTreeMap;
use std::ops::Range;

use time::OffsetDateTime;
use time::macros::format_description;
use x509_parser::objects::{oid_registry, oid2sn};
use x509_parser::pem::parse_x509_pem;
use x509_parser::public_key::PublicKey;

use crate::diagnostics::finding::FileId;
use crate::syntax::json::Json;
use crate::syntax::xml::{ElemRef, Span};
use crate::workspace::config::Options;
use crate::workspace::kind::MetaType;
use crate::workspace::project::Project;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AppKind {
    ConnectedApp,
    ExternalClientApp,
}

/// The root element of one metadata file.
#[derive(Clone, Copy)]
pub(crate) struct Part<'p> {
    pub file: FileId,
    pub root: ElemRef<'p>,
}

pub(crate) struct App<'p> {
    pub name: String,
    pub kind: AppKind,
    /// Connected App: the file's root. ECA: the `.eca` header, when present.
    pub header: Option<Part<'p>>,
    pub eca_settings: Option<Part<'p>>,
    pub eca_global: Option<Part<'p>>,
    pub eca_policies: Option<Part<'p>>,
    pub eca_plugins: Option<Part<'p>>,
    pub eca_mobile: Option<Part<'p>>,
    /// Why the app counts as a native (mobile/desktop) public client, if it does.
    pub native: Option<&'static str>,
}

/// A located value: where it is, or where it would be (the parent's start tag) when absent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Setting<T> {
    pub value: T,
    /// Written in the file (as opposed to the documented default).
    pub explicit: bool,
    pub file: FileId,
    pub span: Span,
}

/// Boolean settings with a documented default, per app kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flag {
    PkceRequired,
    ConsumerSecretOptional,
    RefreshTokenRotation,
    SecretRequiredForRefresh,
    IntrospectAllTokens,
    ClientCredentials,
    DeviceFlow,
    TokenExchange,
    SecretRequiredForTokenExchange,
    AdminApproved,
    /// The Authorization Code and Credentials flow (headless login).
    CodeCredentials,
}

#[derive(Clone, Copy)]
enum Where {
    /// Connected App: `oauthConfig/<name>`.
    OauthConfig,
    EcaGlobal,
}

impl Flag {
    /// (where, element name, default) for each kind; `None` when the kind has no such setting.
    fn spec(self, kind: AppKind) -> Option<(Where, &'static str, bool)> {
        use AppKind::*;
        use Flag::*;
        Some(match (self, kind) {
            (PkceRequired, ConnectedApp) => (Where::OauthConfig, "isPkceRequired", false),
            (PkceRequired, ExternalClientApp) => (Where::EcaGlobal, "isPkceRequired", true),
            (ConsumerSecretOptional, ConnectedApp) => (Where::OauthConfig, "isConsumerSecretOptional", false),
            (ConsumerSecretOptional, ExternalClientApp) => (Where::EcaGlobal, "isConsumerSecretOptional", false),
            (RefreshTokenRotation, ConnectedApp) => (Where::OauthConfig, "isRefreshTokenRotationEnabled", false),
            (RefreshTokenRotation, ExternalClientApp) => (Where::EcaGlobal, "isRefreshTokenRotationEnabled", false),
            (SecretRequiredForRefresh, ConnectedApp) => (Where::OauthConfig, "isSecretRequiredForRefreshToken", true),
            (SecretRequiredForRefresh, ExternalClientApp) => {
                (Where::EcaGlobal, "isSecretRequiredForRefreshToken", true)
            }
            (IntrospectAllTokens, ConnectedApp) => (Where::OauthConfig, "isIntrospectAllTokens", false),
            (IntrospectAllTokens, ExternalClientApp) => (Where::EcaGlobal, "isIntrospectAllTokens", false),
            (ClientCredentials, ConnectedApp) => (Where::OauthConfig, "isClientCredentialEnabled", false),
            (ClientCredentials, ExternalClientApp) => (Where::EcaGlobal, "isClientCredentialsFlowEnabled", false),
            // Not documented for Connected Apps; read leniently in case a file carries it.
            (DeviceFlow, ConnectedApp) => (Where::OauthConfig, "isDeviceFlowEnabled", false),
            (DeviceFlow, ExternalClientApp) => (Where::EcaGlobal, "isDeviceFlowEnabled", false),
            (TokenExchange, ConnectedApp) => (Where::OauthConfig, "isTokenExchangeEnabled", false),
            (TokenExchange, ExternalClientApp) => (Where::EcaGlobal, "isTokenExchangeEnabled", false),
            (SecretRequiredForTokenExchange, ConnectedApp) => {
                (Where::OauthConfig, "isSecretRequiredForTokenExchange", false)
            }
            (SecretRequiredForTokenExchange, ExternalClientApp) => {
                (Where::EcaGlobal, "isSecretRequiredForTokenExchange", false)
            }
            (AdminApproved, ConnectedApp) => (Where::OauthConfig, "isAdminApproved", false),
            (AdminApproved, ExternalClientApp) => return None,
            (CodeCredentials, ConnectedApp) => (Where::OauthConfig, "isCodeCredentialEnabled", false),
            (CodeCredentials, ExternalClientApp) => (Where::EcaGlobal, "isCodeCredFlowEnabled", false),
        })
    }
}

/// IP relaxation, from ConnectedApp `ipRelaxation` or ECA `ipRelaxationPolicyType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IpPolicy {
    Enforce,
    EnforceRelaxRefresh,
    Bypass2Factor,
    Bypass,
    Unknown,
}

impl IpPolicy {
    pub(crate) fn parse(s: &str) -> IpPolicy {
        match s.trim().to_ascii_lowercase().as_str() {
            "enforce" => IpPolicy::Enforce,
            "enforce_relaxrefresh" => IpPolicy::EnforceRelaxRefresh,
            "bypass_2factor" => IpPolicy::Bypass2Factor,
            "bypass" => IpPolicy::Bypass,
            _ => IpPolicy::Unknown,
        }
    }
}

/// Refresh-token lifetime, from ConnectedApp `refreshTokenPolicy` or ECA `refreshTokenPolicyType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RefreshPolicy {
    Infinite,
    Zero,
    Limited,
    Unknown,
}

impl RefreshPolicy {
    pub(crate) fn parse(s: &str) -> RefreshPolicy {
        let norm: String = s
            .trim()
            .chars()
            .filter(|c| *c != '_')
            .map(|c| c.to_ascii_lowercase())
            .collect();
        if norm == "infinite" {
            RefreshPolicy::Infinite
        } else if norm == "zero" {
            RefreshPolicy::Zero
        } else if norm.starts_with("specificlifetime") || norm.starts_with("specificinactivity") {
            RefreshPolicy::Limited
        } else {
            RefreshPolicy::Unknown
        }
    }
}

/// An item of a list value (a scope, a callback URL) with its own narrow span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Item<'p> {
    pub text: &'p str,
    pub file: FileId,
    pub span: Span,
}

impl<'p> App<'p> {
    pub(crate) fn describe(&self) -> String {
        match self.kind {
            AppKind::ConnectedApp => format!("connected app `{}`", self.name),
            AppKind::ExternalClientApp => format!("external client app `{}`", self.name),
        }
    }

    fn oauth_config(&self) -> Option<ElemRef<'p>> {
        match self.kind {
            AppKind::ConnectedApp => self.header?.root.child("oauthConfig"),
            AppKind::ExternalClientApp => None,
        }
    }

    /// Whether the app takes part in OAuth at all.
    pub(crate) fn oauth_enabled(&self) -> bool {
        match self.kind {
            AppKind::ConnectedApp => self.oauth_config().is_some(),
            AppKind::ExternalClientApp => {
                let plugin_off = self
                    .eca_plugins
                    .and_then(|p| p.root.child("isOauthPluginEnabled"))
                    .and_then(|e| e.bool_value())
                    == Some(false);
                !plugin_off && (self.eca_settings.is_some() || self.eca_global.is_some() || self.eca_policies.is_some())
            }
        }
    }

    /// A place that stands for the app's OAuth configuration as a whole.
    pub(crate) fn anchor(&self) -> Option<(FileId, Span)> {
        if let (Some(h), Some(cfg)) = (self.header, self.oauth_config()) {
            return Some((h.file, cfg.start_tag()));
        }
        [self.eca_settings, self.eca_global, self.eca_policies, self.header]
            .into_iter()
            .flatten()
            .next()
            .map(|p| (p.file, p.root.start_tag()))
    }

    /// A boolean setting, or `None` when the file (or block) that would hold it is not in the
    /// project, so the value cannot be known.
    pub(crate) fn flag(&self, flag: Flag) -> Option<Setting<bool>> {
        let (place, name, default) = flag.spec(self.kind)?;
        let (file, parent) = match place {
            Where::OauthConfig => (self.header?.file, self.oauth_config()?),
            Where::EcaGlobal => {
                let g = self.eca_global?;
                (g.file, g.root)
            }
        };
        Some(bool_child(file, parent, name, default))
    }

    /// ECA only: the admin-side client-credentials switch in the OAuth policies.
    pub(crate) fn policy_client_credentials(&self) -> Option<Setting<bool>> {
        let p = self.eca_policies?;
        Some(bool_child(p.file, p.root, "isClientCredentialsFlowEnabled", false))
    }

    /// IP relaxation; `value` is `None` when not declared (the span is then the parent).
    pub(crate) fn ip_policy(&self) -> Option<Setting<Option<(IpPolicy, &'p str)>>> {
        let (file, parent, name) = self.policy_place("ipRelaxation", "ipRelaxationPolicyType")?;
        Some(text_child(file, parent, name).map(|v| v.map(|t| (IpPolicy::parse(t), t))))
    }

    pub(crate) fn refresh_policy(&self) -> Option<Setting<Option<(RefreshPolicy, &'p str)>>> {
        let (file, parent, name) = self.policy_place("refreshTokenPolicy", "refreshTokenPolicyType")?;
        Some(text_child(file, parent, name).map(|v| v.map(|t| (RefreshPolicy::parse(t), t))))
    }

    /// ECA: `permittedUsersPolicyType` in the OAuth policies.
    pub(crate) fn permitted_users(&self) -> Option<Setting<Option<&'p str>>> {
        let p = self.eca_policies?;
        Some(text_child(p.file, p.root, "permittedUsersPolicyType"))
    }

    /// The parent of a policy value: ConnectedApp `oauthPolicy` (or the root when the whole
    /// block is missing), ECA OAuth policies.
    fn policy_place(&self, ca: &'static str, eca: &'static str) -> Option<(FileId, ElemRef<'p>, &'static str)> {
        match self.kind {
            AppKind::ConnectedApp => {
                let h = self.header?;
                self.oauth_config()?;
                Some((h.file, h.root.child("oauthPolicy").unwrap_or(h.root), ca))
            }
            AppKind::ExternalClientApp => {
                let p = self.eca_policies?;
                Some((p.file, p.root, eca))
            }
        }
    }

    /// OAuth scopes, each with its own span.
    pub(crate) fn scopes(&self) -> Vec<Item<'p>> {
        let mut out = Vec::new();
        if let (Some(h), Some(cfg)) = (self.header, self.oauth_config()) {
            for s in cfg.children_named("scopes") {
                if let Some(t) = s.text() {
                    out.push(Item {
                        text: t,
                        file: h.file,
                        span: s.value_span(),
                    });
                }
            }
        }
        if let Some(p) = self.eca_settings
            && let Some(e) = p.root.child("commaSeparatedOauthScopes")
        {
            out.extend(split_items(p.file, e, |c| c == ','));
        }
        out
    }

    /// Whether the app's scopes let it obtain refresh tokens.
    pub(crate) fn issues_refresh_tokens(&self) -> Option<Item<'p>> {
        self.scopes().into_iter().find(|s| is_refresh_scope(s.text))
    }

    /// Callback URLs (several may share one element, separated by line breaks or commas).
    pub(crate) fn callbacks(&self) -> Vec<Item<'p>> {
        let mut out = Vec::new();
        if let (Some(h), Some(cfg)) = (self.header, self.oauth_config()) {
            for e in cfg.children_named("callbackUrl") {
                out.extend(split_items(h.file, e, |c| c == ',' || c.is_whitespace()));
            }
        }
        for p in [self.eca_global, self.eca_settings].into_iter().flatten() {
            for e in p.root.children_named("callbackUrl") {
                out.extend(split_items(p.file, e, |c| c == ',' || c.is_whitespace()));
            }
        }
        out
    }

    /// JWT-bearer certificates (PEM text).
    pub(crate) fn certificates(&self) -> Vec<Item<'p>> {
        let mut out = Vec::new();
        if let (Some(h), Some(cfg)) = (self.header, self.oauth_config())
            && let Some(c) = cfg.child("certificate")
            && let Some(t) = c.text()
        {
            out.push(Item {
                text: t,
                file: h.file,
                span: c.span(),
            });
        }
        if let Some(g) = self.eca_global
            && let Some(c) = g.root.child("certificate")
            && let Some(t) = c.text()
        {
            out.push(Item {
                text: t,
                file: g.file,
                span: c.span(),
            });
        }
        out
    }

    /// Whether any user may authorize the app themselves (no admin pre-approval): ConnectedApp
    /// `isAdminApproved` false (the default), ECA `permittedUsersPolicyType` `AllSelfAuthorized`
    /// (also the default when the policies file leaves it out).
    pub(crate) fn self_authorized(&self) -> Option<Setting<bool>> {
        match self.kind {
            AppKind::ConnectedApp => self.flag(Flag::AdminApproved).map(|s| s.map(|v| !v)),
            AppKind::ExternalClientApp => self
                .permitted_users()
                .map(|s| s.map(|v| v.is_none_or(|t| t.eq_ignore_ascii_case("AllSelfAuthorized")))),
        }
    }

    /// The web-server flow works with neither a secret nor PKCE: the finding of
    /// `oauth-web-server-flow`, which the narrower rules defer to.
    pub(crate) fn web_server_flow_unprotected(&self) -> Option<Setting<bool>> {
        let optional = self.flag(Flag::ConsumerSecretOptional)?;
        let pkce = self.flag(Flag::PkceRequired)?;
        (optional.value && !pkce.value).then_some(optional)
    }
}

pub(crate) fn is_refresh_scope(scope: &str) -> bool {
    let norm: String = scope
        .trim()
        .chars()
        .filter(|c| *c != '_')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    norm == "refreshtoken" || norm == "offlineaccess"
}

fn bool_child(file: FileId, parent: ElemRef<'_>, name: &str, default: bool) -> Setting<bool> {
    match parent.child(name) {
        Some(e) if e.bool_value().is_some() => Setting {
            value: e.bool_value().unwrap_or(default),
            explicit: true,
            file,
            span: e.span(),
        },
        _ => Setting {
            value: default,
            explicit: false,
            file,
            span: parent.start_tag(),
        },
    }
}

fn text_child<'p>(file: FileId, parent: ElemRef<'p>, name: &str) -> Setting<Option<&'p str>> {
    match parent.child(name).and_then(|e| Some((e, e.text()?))) {
        Some((e, t)) => Setting {
            value: Some(t),
            explicit: true,
            file,
            span: e.span(),
        },
        None => Setting {
            value: None,
            explicit: false,
            file,
            span: parent.start_tag(),
        },
    }
}

impl<T> Setting<T> {
    fn map<U>(self, f: impl FnOnce(T) -> U) -> Setting<U> {
        Setting {
            value: f(self.value),
            explicit: self.explicit,
            file: self.file,
            span: self.span,
        }
    }
}

fn split_items<'p>(file: FileId, e: ElemRef<'p>, sep: impl Fn(char) -> bool) -> Vec<Item<'p>> {
    let Some(text) = e.text() else { return Vec::new() };
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices().chain(std::iter::once((text.len(), ','))) {
        if sep(c) {
            if let Some(s) = start.take() {
                let piece = text[s..i].trim();
                if !piece.is_empty() {
                    let lead = text[s..i].len() - text[s..i].trim_start().len();
                    let r: Range<usize> = s + lead..s + lead + piece.len();
                    out.push(Item {
                        text: piece,
                        file,
                        span: e.text_sub_span(r),
                    });
                }
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    out
}

/// The org-wide OAuth settings (`OauthOidcSettings`), from a settings file or a scratch
/// definition. Values are booleans keyed by element name.
pub(crate) struct OrgOauth<'p> {
    pub file: FileId,
    /// The settings root element, or the `oauthOidcSettings` key in JSON.
    pub anchor: Span,
    pub from_scratch_def: bool,
    values: Vec<(&'p str, Option<bool>, Span)>,
}

impl OrgOauth<'_> {
    pub(crate) fn describe(&self) -> &'static str {
        if self.from_scratch_def {
            "scratch org OAuth settings"
        } else {
            "org OAuth settings"
        }
    }

    /// A boolean setting; absent values take the documented default.
    pub(crate) fn flag(&self, name: &str, default: bool) -> Setting<bool> {
        match self.values.iter().find(|(n, v, _)| *n == name && v.is_some()) {
            Some((_, v, span)) => Setting {
                value: v.unwrap_or(default),
                explicit: true,
                file: self.file,
                span: span.clone(),
            },
            None => Setting {
                value: default,
                explicit: false,
                file: self.file,
                span: self.anchor.clone(),
            },
        }
    }
}

pub(crate) struct OauthIndex<'p> {
    pub apps: Vec<App<'p>>,
    pub orgs: Vec<OrgOauth<'p>>,
}

impl<'p> OauthIndex<'p> {
    pub(crate) fn build(project: &'p Project, options: &Options) -> Self {
        OauthIndex {
            apps: apps(project, options),
            orgs: org_settings(project),
        }
    }
}

/// Every Connected App and External Client App, each ECA assembled from its files, with why it
/// counts as a native app when it does.
fn apps<'p>(project: &'p Project, options: &Options) -> Vec<App<'p>> {
    let mut apps: Vec<App<'p>> = Vec::new();
    for (id, f, doc) in project.xml_of(MetaType::ConnectedApp) {
        let Some(root) = doc.root() else { continue };
        let native = if root.child("mobileAppConfig").is_some() {
            Some("it declares mobile app settings (`mobileAppConfig`)")
        } else if root.child("mobileStartUrl").is_some() {
            Some("it declares a mobile start URL (`mobileStartUrl`)")
        } else {
            None
        };
        apps.push(App {
            name: f.component_name().to_string(),
            kind: AppKind::ConnectedApp,
            header: Some(Part { file: id, root }),
            eca_settings: None,
            eca_global: None,
            eca_policies: None,
            eca_plugins: None,
            eca_mobile: None,
            native,
        });
    }

    // ECAs: the header names the app; every other file links by `externalClientApplication`.
    let mut ecas: BTreeMap<String, App<'p>> = BTreeMap::new();
    let new_eca = |name: &str| App {
        name: name.to_string(),
        kind: AppKind::ExternalClientApp,
        header: None,
        eca_settings: None,
        eca_global: None,
        eca_policies: None,
        eca_plugins: None,
        eca_mobile: None,
        native: None,
    };
    for (id, f, doc) in project.xml_of(MetaType::ExternalClientApplication) {
        let Some(root) = doc.root() else { continue };
        let name = f.component_name().to_string();
        ecas.entry(name.clone()).or_insert_with(|| new_eca(&name)).header = Some(Part { file: id, root });
    }
    let linked = [
        MetaType::EcaOauthSettings,
        MetaType::EcaGlobalOauthSettings,
        MetaType::EcaOauthPolicies,
        MetaType::EcaPolicies,
        MetaType::EcaMobileSettings,
    ];
    for ty in linked {
        for (id, _, doc) in project.xml_of(ty) {
            let Some(root) = doc.root() else { continue };
            let Some(app) = root.child_text("externalClientApplication") else {
                continue;
            };
            let entry = ecas.entry(app.to_string()).or_insert_with(|| new_eca(app));
            let part = Some(Part { file: id, root });
            let slot = match ty {
                MetaType::EcaOauthSettings => &mut entry.eca_settings,
                MetaType::EcaGlobalOauthSettings => &mut entry.eca_global,
                MetaType::EcaOauthPolicies => &mut entry.eca_policies,
                MetaType::EcaPolicies => &mut entry.eca_plugins,
                _ => &mut entry.eca_mobile,
            };
            // Files are sorted by path, so the first of duplicates wins deterministically.
            if slot.is_none() {
                *slot = part;
            }
        }
    }
    for mut app in ecas.into_values() {
        if app.eca_mobile.is_some() {
            app.native = Some("it has mobile settings (`.ecaMobile`)");
        } else if app
            .eca_plugins
            .and_then(|p| p.root.child("isMobilePluginEnabled"))
            .and_then(|e| e.bool_value())
            == Some(true)
        {
            app.native = Some("its mobile plugin is enabled");
        }
        apps.push(app);
    }
    for app in &mut apps {
        if app.native.is_none() && options.native_apps.iter().any(|n| n == &app.name) {
            app.native = Some("sfsec.toml lists it in `oauth.native-apps`");
        }
    }
    apps
}

/// The org's OAuth settings, from `OauthOidc.settings` and from scratch definitions.
fn org_settings(project: &Project) -> Vec<OrgOauth<'_>> {
    let mut orgs = Vec::new();
    for (id, _, doc) in project.xml_of(MetaType::Settings) {
        let Some(root) = doc.root() else { continue };
        if root.name() != "OauthOidcSettings" {
            continue;
        }
        let values = root.children().map(|c| (c.name(), c.bool_value(), c.span())).collect();
        orgs.push(OrgOauth {
            file: id,
            anchor: root.start_tag(),
            from_scratch_def: false,
            values,
        });
    }
    for (id, f, json) in project.json_files() {
        if f.kind != crate::workspace::kind::FileKind::ScratchDef {
            continue;
        }
        let Some(settings) = json.get("settings") else { continue };
        let Some(oidc) = settings
            .value
            .members()
            .iter()
            .find(|m| m.key.eq_ignore_ascii_case("oauthOidcSettings"))
        else {
            continue;
        };
        let values = oidc
            .value
            .members()
            .iter()
            .map(|m| (m.key.as_str(), m.value.as_bool(), m.key_span.start..m.value.span.end))
            .collect();
        if matches!(oidc.value.value, Json::Object(_)) {
            orgs.push(OrgOauth {
                file: id,
                anchor: oidc.key_span.clone(),
                from_scratch_def: true,
                values,
            });
        }
    }
    orgs
}

/// An OAuth flow requested by a literal in code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RequestedFlow {
    Password,
    ClientCredentials,
    Implicit,
    Device,
}

const FLOW_PARAMS: &[(&str, RequestedFlow)] = &[
    ("grant_type=password", RequestedFlow::Password),
    ("grant_type=client_credentials", RequestedFlow::ClientCredentials),
    ("response_type=token", RequestedFlow::Implicit),
    ("response_type=device_code", RequestedFlow::Device),
    ("grant_type=device", RequestedFlow::Device),
    (
        "grant_type=urn:ietf:params:oauth:grant-type:device_code",
        RequestedFlow::Device,
    ),
];

/// Flow requests (`grant_type=password`...) inside a string, with their ranges in it. A
/// parameter only counts when its value ends there (`response_type=token_x` is not implicit).
pub(crate) fn requested_flows(s: &str) -> impl Iterator<Item = (RequestedFlow, Range<usize>)> + '_ {
    // Every parameter has `_type=`; most literals have no `=` at all. One cheap test instead of
    // a substring search per parameter, per literal, per lint.
    let candidate = s.contains('=') && s.contains("_type=");
    FLOW_PARAMS
        .iter()
        .filter(move |_| candidate)
        .flat_map(move |(param, flow)| {
            s.match_indices(param).filter_map(move |(i, m)| {
                let end = i + m.len();
                let starts_param = i == 0 || matches!(s.as_bytes()[i - 1], b'&' | b'?' | b' ' | b'\n');
                let ends_value = s[end..]
                    .chars()
                    .next()
                    .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'));
                (starts_param && ends_value).then_some((*flow, i..end))
            })
        })
}

/// What a certificate says about its own rotation.
#[derive(Debug, PartialEq)]
pub(crate) struct CertFacts {
    pub not_after: i64,
    /// Key size in bits, with the algorithm family ("RSA", "EC").
    pub key: Option<(&'static str, usize)>,
    pub signature: String,
}

/// Parses a PEM certificate (with or without its BEGIN/END lines).
pub(crate) fn parse_certificate(text: &str) -> Option<CertFacts> {
    let owned;
    let pem_text = if text.contains("-----BEGIN") {
        text
    } else {
        let body: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        owned = format!("-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n");
        &owned
    };
    let (_, pem) = parse_x509_pem(pem_text.trim_start().as_bytes()).ok()?;
    let cert = pem.parse_x509().ok()?;
    let key = match cert.public_key().parsed().ok()? {
        PublicKey::RSA(rsa) => Some(("RSA", modulus_bits(rsa.modulus))),
        PublicKey::EC(ec) => Some(("EC", ec.key_size())),
        _ => None,
    };
    let oid = &cert.signature_algorithm.algorithm;
    let signature = oid2sn(oid, oid_registry()).map_or_else(|_| oid.to_id_string(), str::to_string);
    Some(CertFacts {
        not_after: cert.validity().not_after.timestamp(),
        key,
        signature,
    })
}

fn modulus_bits(m: &[u8]) -> usize {
    let m = &m[m.iter().take_while(|b| **b == 0).count()..];
    m.first()
        .map_or(0, |b| (m.len() - 1) * 8 + (8 - b.leading_zeros() as usize))
}

/// A Unix time as `YYYY-MM-DD` (UTC).
pub(crate) fn date(ts: i64) -> String {
    OffsetDateTime::from_unix_timestamp(ts)
        .ok()
        .and_then(|d| d.format(format_description!("[year]-[month]-[day]")).ok())
        .unwrap_or_else(|| ts.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn modulus_sizes_ignore_leading_zeros() {
        assert_eq!(super::modulus_bits(&[0, 0x80, 0]), 16);
        assert_eq!(super::modulus_bits(&[0x7f, 0]), 15);
    }

    use super::*;

    #[test]
    fn flows_in_literals() {
        let found: Vec<_> = requested_flows("grant_type=password&client_id=x").collect();
        assert_eq!(found, vec![(RequestedFlow::Password, 0..19)]);
        assert_eq!(requested_flows("a=1&response_type=token").count(), 1);
        assert_eq!(requested_flows("response_type=token_id").count(), 0);
        assert_eq!(requested_flows("xgrant_type=password").count(), 0);
        assert_eq!(requested_flows("grant_type=passwordless").count(), 0);
        assert_eq!(requested_flows("grant_type=authorization_code").count(), 0);
    }

    #[test]
    fn policy_spellings() {
        assert_eq!(IpPolicy::parse("BYPASS_2FACTOR"), IpPolicy::Bypass2Factor);
        assert_eq!(IpPolicy::parse("Bypass_2factor"), IpPolicy::Bypass2Factor);
        assert_eq!(IpPolicy::parse("Enforce_RelaxRefresh"), IpPolicy::EnforceRelaxRefresh);
        assert_eq!(RefreshPolicy::parse("specific_lifetime:1:DAYS"), RefreshPolicy::Limited);
        assert_eq!(RefreshPolicy::parse("SpecificInactivity"), RefreshPolicy::Limited);
        assert_eq!(RefreshPolicy::parse("infinite"), RefreshPolicy::Infinite);
        assert_eq!(RefreshPolicy::parse("Zero"), RefreshPolicy::Zero);
        assert!(is_refresh_scope("OfflineAccess"));
        assert!(is_refresh_scope("refresh_token"));
        assert!(!is_refresh_scope("Api"));
    }
}
