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
use crate::diagnostics::rules::{self, OptionKind, RuleOption};

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

/// `[rules.<id>]`: `level` and the rule's options, each with where it is written. Validated
/// against the options the rules declare, not by serde, so that a key on the wrong rule can say
/// which rule owns it.
type RawRuleTable = BTreeMap<Spanned<String>, Spanned<toml::Value>>;

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

/// The options set in `sfsec.toml`: `[oauth]`'s, and those of each rule (read with the
/// [`RuleOption`] the rule declares, whose default holds where the file sets nothing).
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub native_apps: Vec<String>,
    values: BTreeMap<(&'static str, &'static str), OptionValue>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum OptionValue {
    Int(i64),
    Hosts(Vec<String>),
}

impl Options {
    /// An integer option's value. An option of another kind reads as 0: a declaration bug that a
    /// test on every rule's options rules out.
    pub fn int(&self, option: &RuleOption) -> i64 {
        match (self.values.get(&(option.rule, option.name)), option.kind) {
            (Some(OptionValue::Int(v)), _) => *v,
            (_, OptionKind::Int { default, .. }) => default,
            _ => 0,
        }
    }

    /// A host-list option's value, lower-cased.
    pub fn hosts(&self, option: &RuleOption) -> &[String] {
        match self.values.get(&(option.rule, option.name)) {
            Some(OptionValue::Hosts(h)) => h,
            _ => &[],
        }
    }

    /// Sets an integer option, as `sfsec.toml` would (tests; the range is the caller's concern).
    pub fn set_int(&mut self, option: &'static RuleOption, value: i64) {
        self.values.insert((option.rule, option.name), OptionValue::Int(value));
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
    /// Reads `path`, which must not lead out of the project through a link (`confine`); rule
    /// options are checked against `declared`, every option the rules declare.
    pub fn load(
        path: &Path,
        confine: &crate::workspace::confine::Confine,
        declared: &[&'static RuleOption],
    ) -> Result<Config, ConfigError> {
        let text = crate::workspace::confine::read_confined(confine, path).map_err(|e| ConfigError {
            path: Some(path.to_path_buf()),
            line: 0,
            column: 0,
            message: format!("cannot read: {e}"),
        })?;
        Config::parse(path, &text, declared)
    }

    pub fn parse(path: &Path, text: &str, declared: &[&'static RuleOption]) -> Result<Config, ConfigError> {
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
                RawRule::Table(t) => rule_table(&mut config, doc, id.span().start, t, declared, &err)?,
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
    declared: &[&'static RuleOption],
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
    for (key, value) in t {
        let offset = value.span().start;
        if key.get_ref() == "level" {
            let toml::Value::String(level) = value.get_ref() else {
                return Err(err(
                    offset,
                    "`level` must be a string: off, note, warning or error".into(),
                ));
            };
            config.levels.insert(doc.id, parse_level(level, offset, err)?);
            continue;
        }
        let named = |o: &&&RuleOption| o.name == key.get_ref();
        let Some(option) = declared.iter().filter(named).find(|o| o.rule == doc.id) else {
            let message = match declared.iter().find(named) {
                Some(other) => format!(
                    "option `{}` belongs to `{}`, not `{}`",
                    key.get_ref(),
                    other.rule,
                    doc.id
                ),
                None => {
                    let own: Vec<String> = declared
                        .iter()
                        .filter(|o| o.rule == doc.id)
                        .map(|o| format!("`{}`", o.name))
                        .collect();
                    format!(
                        "unknown option `{}` for `{}`; expected `level`{}{}",
                        key.get_ref(),
                        doc.id,
                        if own.is_empty() { "" } else { " or " },
                        own.join(", ")
                    )
                }
            };
            return Err(err(key.span().start, message));
        };
        let parsed = option_value(option, value.get_ref()).map_err(|m| err(offset, m))?;
        config.options.values.insert((option.rule, option.name), parsed);
    }
    Ok(())
}

/// A rule option's value checked against its declaration.
fn option_value(option: &RuleOption, value: &toml::Value) -> Result<OptionValue, String> {
    let name = option.name;
    match (option.kind, value) {
        (OptionKind::Int { min, max, .. }, toml::Value::Integer(v)) => {
            if (min..=max).contains(v) {
                Ok(OptionValue::Int(*v))
            } else {
                Err(format!("`{name}` must be from {min} to {max}"))
            }
        }
        (OptionKind::Int { min, max, .. }, _) => Err(format!("`{name}` must be a whole number from {min} to {max}")),
        (OptionKind::Hosts, toml::Value::Array(items)) => items
            .iter()
            .map(|i| match i {
                toml::Value::String(h) => Ok(h.to_ascii_lowercase()),
                _ => Err(format!("`{name}` must be a list of host names (strings)")),
            })
            .collect::<Result<_, _>>()
            .map(OptionValue::Hosts),
        (OptionKind::Hosts, _) => Err(format!("`{name}` must be a list of host names (strings)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Options as rules would declare them; the rules' real declarations are tested with the
    // registry (`crate::lints`).
    const EXPIRY: RuleOption = RuleOption {
        rule: "oauth-jwt-certificate",
        name: "expiry-window-days",
        kind: OptionKind::Int {
            default: 90,
            min: 0,
            max: 3650,
        },
        doc: "",
    };
    const HOSTS: RuleOption = RuleOption {
        rule: "oauth-insecure-callback",
        name: "allowed-hosts",
        kind: OptionKind::Hosts,
        doc: "",
    };
    const MIN_LENGTH: RuleOption = RuleOption {
        rule: "weak-password-policy",
        name: "min-length",
        kind: OptionKind::Int {
            default: 8,
            min: 5,
            max: 50,
        },
        doc: "",
    };
    const MAX_EXPIRATION: RuleOption = RuleOption {
        rule: "weak-password-policy",
        name: "max-expiration-days",
        kind: OptionKind::Int {
            default: 90,
            min: 0,
            max: 3650,
        },
        doc: "",
    };
    const MAX_ATTEMPTS: RuleOption = RuleOption {
        rule: "weak-password-policy",
        name: "max-login-attempts",
        kind: OptionKind::Int {
            default: 10,
            min: 1,
            max: 10,
        },
        doc: "",
    };
    const DECLARED: &[&RuleOption] = &[&EXPIRY, &HOSTS, &MIN_LENGTH, &MAX_EXPIRATION, &MAX_ATTEMPTS];

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(Path::new("sfsec.toml"), text, DECLARED)
    }

    #[test]
    fn full_config() {
        let c = parse(
            "exclude = [\"legacy/**\"]\nselect = [\"oauth\"]\nfail-on = \"error\"\n\
             [oauth]\nnative-apps = [\"Mobile\"]\n\
             [rules]\noauth-device-flow = \"off\"\n\
             [rules.oauth-jwt-certificate]\nlevel = \"error\"\nexpiry-window-days = 30\n\
             [rules.oauth-insecure-callback]\nallowed-hosts = [\"Dev.Example.com\"]\n\
             [rules.weak-password-policy]\nmin-length = 14\nmax-expiration-days = 0\n",
        )
        .expect("valid");
        assert!(!c.enabled("oauth-device-flow", "oauth"));
        assert!(c.enabled("oauth-implicit-flow", "oauth"));
        assert_eq!(c.severity_override("oauth-jwt-certificate"), Some(Severity::Error));
        assert_eq!(c.options.int(&EXPIRY), 30);
        assert_eq!(c.options.hosts(&HOSTS), ["dev.example.com"]);
        assert_eq!(c.options.native_apps, vec!["Mobile"]);
        assert_eq!(c.options.int(&MIN_LENGTH), 14);
        assert_eq!(c.options.int(&MAX_EXPIRATION), 0);
        assert_eq!(c.options.int(&MAX_ATTEMPTS), 10, "unset: the default");
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
            (
                "[rules.weak-password-policy]\nmin-length = \"8\"\n",
                2,
                "whole number from 5 to 50",
            ),
            (
                "[rules.weak-password-policy]\nlevel = \"note\"\nmin-size = 8\n",
                3,
                "unknown option `min-size` for `weak-password-policy`; expected `level` or `min-length`, `max-expiration-days`, `max-login-attempts`",
            ),
            ("[rules.oauth-device-flow]\nlevel = 1\n", 2, "`level` must be a string"),
            (
                "[rules.oauth-insecure-callback]\nallowed-hosts = [1]\n",
                2,
                "list of host names",
            ),
            ("[rules.oauth-device-flow]\n", 1, "sets nothing"),
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
