//! `sfsec.toml`: rule selection, severity overrides, per-rule options, excludes.
//!
//! Every mistake (unknown key, unknown rule id, wrong type, an option on the wrong rule) is an
//! error with file:line:col, because a silently ignored setting is a security hole in a linter.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use toml::Spanned;

use crate::diagnostics::finding::{LineIndex, Severity};
use crate::diagnostics::rules;

pub const FILE_NAME: &str = "sfsec.toml";

/// A configuration or usage problem: exit code 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: Option<PathBuf>,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl ConfigError {
    pub fn plain(message: impl Into<String>) -> Self {
        ConfigError {
            path: None,
            line: 0,
            column: 0,
            message: message.into(),
        }
    }
    pub fn at(path: &Path, text: &str, offset: usize, message: impl Into<String>) -> Self {
        let (line, column) = LineIndex::new(text).line_col(text, offset);
        ConfigError {
            path: Some(path.to_path_buf()),
            line,
            column,
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(p) if self.line > 0 => {
                write!(f, "{}:{}:{}: {}", p.display(), self.line, self.column, self.message)
            }
            Some(p) => write!(f, "{}: {}", p.display(), self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    #[serde(default)]
    select: Vec<Spanned<String>>,
    #[serde(default)]
    ignore: Vec<Spanned<String>>,
    fail_on: Option<Spanned<String>>,
    pmd_suppressions: Option<bool>,
    #[serde(default)]
    oauth: RawOauth,
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, Spanned<RawRule>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawOauth {
    #[serde(default)]
    native_apps: Vec<String>,
}

/// `rule = "off"` or `[rules.rule]` with options. Hand-written rather than `untagged` so that
/// the spans of nested values survive.
#[derive(Debug)]
enum RawRule {
    Level(String),
    Table(Box<RawRuleTable>),
}

impl<'de> Deserialize<'de> for RawRule {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = RawRule;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a level (\"off\", \"note\", \"warning\", \"error\") or a table of options")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<RawRule, E> {
                Ok(RawRule::Level(s.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<RawRule, A::Error> {
                RawRuleTable::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(|t| RawRule::Table(Box::new(t)))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawRuleTable {
    level: Option<Spanned<String>>,
    expiry_window_days: Option<Spanned<i64>>,
    allowed_hosts: Option<Spanned<Vec<String>>>,
    min_length: Option<Spanned<i64>>,
    max_login_attempts: Option<Spanned<i64>>,
    max_expiration_days: Option<Spanned<i64>>,
    min_history: Option<Spanned<i64>>,
    max_timeout_minutes: Option<Spanned<i64>>,
}

impl RawRuleTable {
    fn is_empty(&self) -> bool {
        let RawRuleTable {
            level,
            expiry_window_days,
            allowed_hosts,
            min_length,
            max_login_attempts,
            max_expiration_days,
            min_history,
            max_timeout_minutes,
        } = self;
        level.is_none()
            && allowed_hosts.is_none()
            && [
                expiry_window_days,
                min_length,
                max_login_attempts,
                max_expiration_days,
                min_history,
                max_timeout_minutes,
            ]
            .iter()
            .all(|o| o.is_none())
    }
}

/// A numeric rule option: its value, name, owning rule, allowed range and where it goes.
type Numeric<'a> = (
    &'a Option<Spanned<i64>>,
    &'static str,
    &'static str,
    std::ops::RangeInclusive<i64>,
    fn(&mut Options, i64),
);

/// What a rule's `level` says: off, or a severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Off,
    On(Severity),
}

#[derive(Debug, Clone)]
pub struct Config {
    /// Rule ids or families; empty means all.
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub levels: BTreeMap<&'static str, Level>,
    pub fail_on: Option<FailOn>,
    pub exclude: GlobSet,
    pub options: Options,
    /// Honour PMD's `NOPMD` and `@SuppressWarnings('PMD...')` for the matching sfsec rules.
    pub pmd_suppressions: bool,
    /// Where the configuration came from and its text (empty for the defaults): what a cached
    /// result is keyed by, together with `select` and `ignore`.
    pub source: String,
}

/// Per-rule options, with their documented defaults.
#[derive(Debug, Clone)]
pub struct Options {
    pub cert_expiry_window_days: i64,
    pub allowed_callback_hosts: Vec<String>,
    pub native_apps: Vec<String>,
    pub password: PasswordBaseline,
    pub session: SessionBaseline,
}

/// `weak-password-policy`'s baseline (sfsec's own policy, documented in the rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordBaseline {
    pub min_length: i64,
    pub max_login_attempts: i64,
    /// 0 accepts passwords that never expire.
    pub max_expiration_days: i64,
    pub min_history: i64,
}

/// `weak-session-settings`'s baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionBaseline {
    pub max_timeout_minutes: i64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            cert_expiry_window_days: 90,
            allowed_callback_hosts: Vec::new(),
            native_apps: Vec::new(),
            password: PasswordBaseline {
                min_length: 8,
                max_login_attempts: 10,
                max_expiration_days: 90,
                min_history: 3,
            },
            session: SessionBaseline {
                max_timeout_minutes: 120,
            },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    Never,
    At(Severity),
}

impl FailOn {
    pub fn parse(s: &str) -> Option<FailOn> {
        match s {
            "never" => Some(FailOn::Never),
            other => Severity::parse(other).map(FailOn::At),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            select: Vec::new(),
            ignore: Vec::new(),
            levels: BTreeMap::new(),
            fail_on: None,
            exclude: GlobSet::empty(),
            options: Options::default(),
            pmd_suppressions: true,
            source: String::new(),
        }
    }
}

/// A rule id or a family name.
pub fn is_rule_or_family(name: &str) -> bool {
    rules::get(name).is_some() || rules::families().contains(&name)
}

impl Config {
    /// Reads `path`, which must not lead out of the project through a link (`confine`).
    pub fn load(path: &Path, confine: &crate::workspace::confine::Confine) -> Result<Config, ConfigError> {
        let text = crate::workspace::confine::read_confined(confine, path).map_err(|e| ConfigError {
            path: Some(path.to_path_buf()),
            line: 0,
            column: 0,
            message: format!("cannot read: {e}"),
        })?;
        Config::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            ConfigError::at(path, text, offset, e.message().trim().to_string())
        })?;
        let err = |offset: usize, msg: String| ConfigError::at(path, text, offset, msg);

        let mut config = Config {
            source: format!("{}\n{text}", path.display()),
            ..Config::default()
        };
        for (list, out) in [(&raw.select, &mut config.select), (&raw.ignore, &mut config.ignore)] {
            for item in list {
                if !is_rule_or_family(item.get_ref()) {
                    return Err(err(
                        item.span().start,
                        format!("unknown rule or family `{}`", item.get_ref()),
                    ));
                }
                out.push(item.get_ref().clone());
            }
        }
        if let Some(p) = raw.pmd_suppressions {
            config.pmd_suppressions = p;
        }
        if let Some(f) = &raw.fail_on {
            config.fail_on = Some(FailOn::parse(f.get_ref()).ok_or_else(|| {
                err(
                    f.span().start,
                    format!("`fail-on` is `{}`; expected error, warning, note or never", f.get_ref()),
                )
            })?);
        }
        let mut globs = GlobSetBuilder::new();
        for g in &raw.exclude {
            let glob =
                Glob::new(g.get_ref()).map_err(|e| err(g.span().start, format!("invalid glob: {}", e.kind())))?;
            globs.add(glob);
        }
        config.exclude = globs
            .build()
            .map_err(|e| ConfigError::plain(format!("{}: {e}", path.display())))?;
        config.options.native_apps = raw.oauth.native_apps;

        for (id, rule) in &raw.rules {
            let Some(doc) = rules::get(id.get_ref()) else {
                return Err(err(id.span().start, format!("unknown rule `{}`", id.get_ref())));
            };
            match rule.get_ref() {
                RawRule::Level(s) => {
                    config.levels.insert(doc.id, parse_level(s, rule.span().start, &err)?);
                }
                RawRule::Table(t) => rule_table(&mut config, doc, id.span().start, t, &err)?,
            }
        }
        Ok(config)
    }

    /// Whether a rule runs, after `select`, `ignore` and levels (config and command line merged).
    pub fn enabled(&self, id: &str, family: &str) -> bool {
        let matches = |list: &[String]| list.iter().any(|s| s == id || s == family);
        if matches!(self.levels.get(id), Some(Level::Off)) {
            return false;
        }
        let selected = self.select.is_empty() || matches(&self.select);
        selected && !matches(&self.ignore)
    }

    pub fn severity_override(&self, id: &str) -> Option<Severity> {
        match self.levels.get(id) {
            Some(Level::On(s)) => Some(*s),
            _ => None,
        }
    }
}

/// `off` or a severity, for `[rules]`.
fn parse_level(s: &str, offset: usize, err: &dyn Fn(usize, String) -> ConfigError) -> Result<Level, ConfigError> {
    match s {
        "off" => Ok(Level::Off),
        other => Severity::parse(other)
            .map(Level::On)
            .ok_or_else(|| err(offset, format!("level `{other}`; expected off, note, warning or error"))),
    }
}

/// `[rules.<id>]` as a table: its level and the options of that rule, each checked against the
/// rule that owns it and its range. `id_offset` is where the table's name is written.
fn rule_table(
    config: &mut Config,
    doc: &rules::RuleDoc,
    id_offset: usize,
    t: &RawRuleTable,
    err: &dyn Fn(usize, String) -> ConfigError,
) -> Result<(), ConfigError> {
    // An empty table is a half-written configuration, not a choice: say so.
    if t.is_empty() {
        return Err(err(
            id_offset,
            format!(
                "`[rules.{}]` sets nothing; expected `level` or one of the rule's options",
                doc.id
            ),
        ));
    }
    if let Some(l) = &t.level {
        config
            .levels
            .insert(doc.id, parse_level(l.get_ref(), l.span().start, err)?);
    }
    let wrong_rule = |offset: usize, option: &str, owner: &str| {
        err(
            offset,
            format!("option `{option}` belongs to `{owner}`, not `{}`", doc.id),
        )
    };
    if let Some(d) = &t.expiry_window_days {
        if doc.id != "oauth-jwt-certificate" {
            return Err(wrong_rule(
                d.span().start,
                "expiry-window-days",
                "oauth-jwt-certificate",
            ));
        }
        if !(0..=3650).contains(d.get_ref()) {
            return Err(err(d.span().start, "expected a number of days from 0 to 3650".into()));
        }
        config.options.cert_expiry_window_days = *d.get_ref();
    }
    // Numeric baselines: (value, option, owning rule, allowed range, setter).
    let numeric: [Numeric<'_>; 5] = [
        (&t.min_length, "min-length", "weak-password-policy", 5..=50, |o, v| {
            o.password.min_length = v
        }),
        (
            &t.max_login_attempts,
            "max-login-attempts",
            "weak-password-policy",
            1..=10,
            |o, v| o.password.max_login_attempts = v,
        ),
        (
            &t.max_expiration_days,
            "max-expiration-days",
            "weak-password-policy",
            0..=3650,
            |o, v| o.password.max_expiration_days = v,
        ),
        (&t.min_history, "min-history", "weak-password-policy", 0..=24, |o, v| {
            o.password.min_history = v
        }),
        (
            &t.max_timeout_minutes,
            "max-timeout-minutes",
            "weak-session-settings",
            15..=1440,
            |o, v| o.session.max_timeout_minutes = v,
        ),
    ];
    for (value, option, owner, range, set) in numeric {
        if let Some(v) = value {
            if doc.id != owner {
                return Err(wrong_rule(v.span().start, option, owner));
            }
            if !range.contains(v.get_ref()) {
                return Err(err(
                    v.span().start,
                    format!("`{option}` must be from {} to {}", range.start(), range.end()),
                ));
            }
            set(&mut config.options, *v.get_ref());
        }
    }
    if let Some(h) = &t.allowed_hosts {
        if doc.id != "oauth-insecure-callback" {
            return Err(wrong_rule(h.span().start, "allowed-hosts", "oauth-insecure-callback"));
        }
        config.options.allowed_callback_hosts = h.get_ref().iter().map(|s| s.to_ascii_lowercase()).collect();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(Path::new("sfsec.toml"), text)
    }

    #[test]
    fn full_config() {
        let c = parse(
            "exclude = [\"legacy/**\"]\nselect = [\"oauth\"]\nfail-on = \"error\"\n\
             [oauth]\nnative-apps = [\"Mobile\"]\n\
             [rules]\noauth-device-flow = \"off\"\n\
             [rules.oauth-jwt-certificate]\nlevel = \"error\"\nexpiry-window-days = 30\n\
             [rules.oauth-insecure-callback]\nallowed-hosts = [\"Dev.Example.com\"]\n\
             [rules.weak-password-policy]\nmin-length = 14\nmax-expiration-days = 0\n\
             [rules.weak-session-settings]\nmax-timeout-minutes = 60\n",
        )
        .expect("valid");
        assert!(!c.enabled("oauth-device-flow", "oauth"));
        assert!(c.enabled("oauth-implicit-flow", "oauth"));
        assert_eq!(c.severity_override("oauth-jwt-certificate"), Some(Severity::Error));
        assert_eq!(c.options.cert_expiry_window_days, 30);
        assert_eq!(c.options.allowed_callback_hosts, vec!["dev.example.com"]);
        assert_eq!(c.options.native_apps, vec!["Mobile"]);
        assert_eq!(c.options.password.min_length, 14);
        assert_eq!(c.options.password.max_expiration_days, 0);
        assert_eq!(c.options.password.max_login_attempts, 10, "unset: the default");
        assert_eq!(c.options.session.max_timeout_minutes, 60);
        assert_eq!(c.fail_on, Some(FailOn::At(Severity::Error)));
        assert!(c.exclude.is_match("legacy/a/b.xml"));
    }

    #[test]
    fn errors_have_positions() {
        let cases = [
            ("bogus = 1\n", 1, "unknown field"),
            ("[rules]\noauth-nope = \"off\"\n", 2, "unknown rule `oauth-nope`"),
            ("select = [\"x\"]\n", 1, "unknown rule or family `x`"),
            ("[rules]\noauth-device-flow = \"loud\"\n", 2, "level `loud`"),
            (
                "[rules.oauth-device-flow]\nallowed-hosts = []\n",
                2,
                "belongs to `oauth-insecure-callback`",
            ),
            (
                "[rules.oauth-jwt-certificate]\nexpiry-window-days = -1\n",
                2,
                "0 to 3650",
            ),
            (
                "[rules.weak-session-settings]\nmin-length = 12\n",
                2,
                "belongs to `weak-password-policy`",
            ),
            ("[rules.weak-password-policy]\nmin-length = 2\n", 2, "from 5 to 50"),
            ("fail-on = \"sometimes\"\n", 1, "expected error, warning, note or never"),
            ("exclude = [\"a[\"]\n", 1, "invalid glob"),
            ("[oauth]\nnative = []\n", 2, "unknown field"),
            ("x = \n", 1, ""),
        ];
        for (text, line, needle) in cases {
            let e = parse(text).expect_err(text);
            assert_eq!(e.line, line, "{text:?}: {e}");
            assert!(e.message.contains(needle), "{text:?}: {e}");
            assert!(e.to_string().starts_with("sfsec.toml:"), "{e}");
        }
    }
}
