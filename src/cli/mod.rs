//! The command line: parsing (clap), one file per command, and the mapping from a scan to output
//! and an exit code. The commands share the helpers here: configuration, the scan date, writing
//! a file atomically inside the project.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};

use crate::diagnostics::rules as rule_docs;
use crate::engine::ScanRequest;
use crate::output::formats;
use crate::workspace::config::{Config, ConfigError, FILE_NAME, is_rule_or_family};
use crate::workspace::confine::Confine;
use crate::workspace::discovery::find_root;

mod baseline;
mod check;
mod inventory;
mod progress;
mod report;
mod rules;
mod term;

pub use baseline::BaselineArgs;
pub use check::{CheckArgs, FailOnArg};
pub use inventory::{InventoryArgs, InventoryFormat};
pub use report::{ReportArgs, ReportFormat};
pub use rules::ListFormat;

pub const EXIT_CLEAN: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

const EXAMPLES: &str = "\
Examples:
  sfsec check                                   scan the SFDX project in the current directory
  sfsec check force-app/main/default/connectedApps/Billing.connectedApp-meta.xml
  sfsec check --format sarif --output sfsec.sarif
  sfsec check --select oauth --fail-on error
  sfsec baseline && sfsec check --baseline .sfsec-baseline.json
  sfsec rules
  sfsec explain oauth-device-flow
  sfsec inventory --format json -o inventory.json
  sfsec report -o security-review.html";

/// `check`'s own examples: its help is not the whole tool's.
const CHECK_EXAMPLES: &str = "\
Examples:
  sfsec check                                        the SFDX project in the current directory
  sfsec check force-app/main/default/classes/A.cls   one file (with the files it is judged with)
  sfsec check --format sarif --output sfsec.sarif    SARIF for GitHub code scanning
  sfsec check --format concise                       one line per finding (grouped: by file)
  sfsec check --select oauth --fail-on error         one family; exit 1 only on errors
  sfsec check --baseline .sfsec-baseline.json        fail only on findings the baseline lacks
  sfsec check --diff origin/main                     only findings on lines changed since a revision";

#[derive(Debug, Parser)]
#[command(name = "sfsec", version, about = "Static security linter for Salesforce DX projects and managed packages", after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and folders and report findings
    #[command(after_help = CHECK_EXAMPLES)]
    Check(CheckArgs),
    /// List every rule
    Rules {
        #[arg(long, value_enum, default_value_t = ListFormat::Human)]
        format: ListFormat,
    },
    /// Record today's findings, so that `check --baseline` fails only on new ones
    Baseline(BaselineArgs),
    /// List every credential the project stores, for the security review's disclosure
    Inventory(InventoryArgs),
    /// Write the security-review report: findings, false positives, credentials, OAuth apps
    Report(ReportArgs),
    /// Show a rule's documentation
    Explain {
        /// A rule id, as `sfsec rules` lists it
        rule: String,
        /// `text` for a terminal (wrapped to it, coloured), or the page's `markdown`
        #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
        format: ExplainFormat,
    },
}

/// Which rules run and with which configuration: shared by `check` and `baseline`.
#[derive(Debug, Args)]
pub struct RuleArgs {
    /// Only these rules or families (comma-separated; replaces `select` in sfsec.toml)
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Skip these rules or families (comma-separated; added to `ignore` in sfsec.toml)
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Configuration file [default: sfsec.toml at the project root]
    #[arg(long)]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExplainFormat {
    Text,
    Markdown,
}

/// A rule's page, with its facts and its link at the end: as terminal text, or as Markdown.
fn explain(doc: &rule_docs::RuleDoc, format: ExplainFormat) -> String {
    let markdown = format!(
        "{}\n\nfamily: {} | default severity: {} | confidence: {} | tags: {}\n\n<{}>\n",
        doc.for_readers(&crate::lints::options()).trim_end(),
        doc.family,
        doc.severity,
        doc.confidence,
        doc.tags.join(", "),
        doc.help_uri()
    );
    match format {
        ExplainFormat::Markdown => markdown,
        ExplainFormat::Text => {
            use std::io::IsTerminal;
            let (color, width) = term::style(std::io::stdout().is_terminal());
            let mut text = crate::output::explain::render(&markdown, color, width);
            text.push('\n');
            text
        }
    }
}

/// Runs a parsed command line; returns the exit code.
pub fn run(cli: Cli, cwd: &Path, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    match cli.command {
        Command::Check(args) => match check::check(&args, cwd, out, err) {
            Ok(code) => code,
            Err(e) => {
                let _ = writeln!(err, "error: {}", formats::terminal::escape(&e.to_string()));
                EXIT_ERROR
            }
        },
        Command::Baseline(args) => match baseline::baseline(&args, cwd, err) {
            Ok(()) => EXIT_CLEAN,
            Err(e) => {
                let _ = writeln!(err, "error: {}", formats::terminal::escape(&e.to_string()));
                EXIT_ERROR
            }
        },
        Command::Inventory(args) => match inventory::inventory(&args, cwd, out, err) {
            Ok(()) => EXIT_CLEAN,
            Err(e) => {
                let _ = writeln!(err, "error: {}", formats::terminal::escape(&e.to_string()));
                EXIT_ERROR
            }
        },
        Command::Report(args) => match report::report(&args, cwd, out, err) {
            Ok(()) => EXIT_CLEAN,
            Err(e) => {
                let _ = writeln!(err, "error: {}", formats::terminal::escape(&e.to_string()));
                EXIT_ERROR
            }
        },
        Command::Rules { format } => {
            let text = match format {
                ListFormat::Human => rules::rules_table(),
                ListFormat::Json => rules::rules_json(),
            };
            match out.write_all(text.as_bytes()) {
                Ok(()) => EXIT_CLEAN,
                Err(e) => {
                    let _ = writeln!(err, "error: cannot write to standard output: {e}");
                    EXIT_ERROR
                }
            }
        }
        Command::Explain { rule, format } => match rule_docs::get(&rule) {
            Some(doc) => {
                let _ = out.write_all(explain(doc, format).as_bytes());
                EXIT_CLEAN
            }
            None => {
                let _ = writeln!(
                    err,
                    "error: unknown rule `{}`; `sfsec rules` lists them",
                    formats::terminal::escape(&rule)
                );
                EXIT_ERROR
            }
        },
    }
}

/// `--now` if given, else the clock (Unix seconds).
fn today(now: Option<&str>) -> Result<i64, ConfigError> {
    match now {
        Some(s) => parse_now(s),
        None => Ok(time::OffsetDateTime::now_utc().unix_timestamp()),
    }
}

/// A scan for a command that writes a document (`report`, `inventory`, `baseline`), with a
/// progress line unless the document goes to standard output.
fn run_scan(
    paths: &[PathBuf],
    empty: &EmptyArgs,
    cwd: &Path,
    config: Config,
    now: i64,
    to_stdout: bool,
) -> Result<crate::engine::Scan, ConfigError> {
    let req = ScanRequest {
        paths: paths.to_vec(),
        cwd: cwd.to_path_buf(),
        config,
        now,
    };
    // Documents read the parsed project (inventories, the review's sections), which a reused
    // whole result does not have: only per-file results are reused.
    let cache = result_cache(paths, cwd, &req.config, false).map(|mut c| {
        c.whole_results = false;
        c
    });
    let (result, _) = scan_showing_progress(&req, cache.as_ref(), progress::wanted(to_stdout))?;
    empty.check(&result, paths)?;
    Ok(result)
}

/// A scan, with the progress line on standard error if `show`; the line is cleared before
/// this returns, so before anything else is written.
fn scan_showing_progress(
    req: &ScanRequest,
    cache: Option<&crate::engine::cache::Cache>,
    show: bool,
) -> Result<(crate::engine::Scan, bool), ConfigError> {
    let counts = show.then(|| std::sync::Arc::new(crate::diagnostics::progress::Progress::default()));
    let display = counts.clone().map(progress::Display::start);
    let scanned = crate::engine::scan_cached(req, cache, counts.as_ref());
    drop(display);
    scanned
}

/// Whether `output` (a command's `-o`) means standard output.
fn to_stdout(output: Option<&Path>) -> bool {
    output.is_none_or(|p| p.as_os_str() == "-")
}

/// The result cache of a command scanning `paths` with `config`, unless `off`. It lives at a
/// project's root only: a scan of some other folder leaves nothing there.
fn result_cache(paths: &[PathBuf], cwd: &Path, config: &Config, off: bool) -> Option<crate::engine::cache::Cache> {
    let root = crate::workspace::discovery::find_root(paths, cwd);
    if off || !crate::workspace::discovery::is_project_root(&root) {
        return None;
    }
    let absolute: Vec<PathBuf> = paths
        .iter()
        .map(|p| crate::workspace::discovery::absolute(cwd, p))
        .collect();
    let identity = format!(
        "{}\nselect={}\nignore={}",
        config.source,
        config.select.join(","),
        config.ignore.join(",")
    );
    Some(crate::engine::cache::Cache::new(
        root.join(crate::engine::cache::DIR),
        &root,
        &absolute,
        &identity,
    ))
}

/// Whether a scan that finds nothing to read is accepted.
#[derive(Debug, Args)]
pub struct EmptyArgs {
    /// Accept paths that hold no Salesforce file (exit 0) instead of failing with exit 2, which
    /// keeps a wrong path in CI from passing in silence
    #[arg(long)]
    pub allow_empty: bool,
}

impl EmptyArgs {
    /// An error (exit 2) when `scan` read no file and that was not allowed.
    fn check(&self, scan: &crate::engine::Scan, paths: &[PathBuf]) -> Result<(), ConfigError> {
        if self.allow_empty || scan.files_read() > 0 {
            return Ok(());
        }
        let shown: Vec<String> = paths.iter().map(|p| format!("`{}`", p.display())).collect();
        Err(ConfigError::plain(format!(
            "no Salesforce file in {}: sfsec reads SFDX projects (sfdx-project.json and its package \
             directories), metadata-API folders and their files; pass --allow-empty to accept a scan \
             of nothing",
            shown.join(", ")
        )))
    }
}

fn parse_now(s: &str) -> Result<i64, ConfigError> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, fmt)
        .map(|d| d.midnight().assume_utc().unix_timestamp())
        .map_err(|_| ConfigError::plain(format!("--now `{s}` is not a date (YYYY-MM-DD)")))
}

/// The configuration a command uses: `--config`, else sfsec.toml at the project root.
fn load_config(paths: &[PathBuf], explicit: Option<&PathBuf>, cwd: &Path) -> Result<Config, ConfigError> {
    let root = find_root(paths, cwd);
    match explicit {
        Some(p) => Config::load(
            &crate::workspace::discovery::absolute(cwd, p),
            &Confine::new(&root),
            &crate::lints::options(),
        ),
        // A link counts as there (and is refused if it leaves the project).
        None if root.join(FILE_NAME).symlink_metadata().is_ok() => {
            Config::load(&root.join(FILE_NAME), &Confine::new(&root), &crate::lints::options())
        }
        None => Ok(Config::default()),
    }
}

/// The configuration with `--select` and `--ignore` applied.
fn selected_config(paths: &[PathBuf], rules: &RuleArgs, cwd: &Path) -> Result<Config, ConfigError> {
    let (select, ignore) = (&rules.select, &rules.ignore);
    let mut config = load_config(paths, rules.config.as_ref(), cwd)?;
    for name in select.iter().chain(ignore) {
        if !is_rule_or_family(name) {
            return Err(ConfigError::plain(format!(
                "unknown rule or family `{name}`; `sfsec rules` lists them"
            )));
        }
    }
    if !select.is_empty() {
        config.select = select.clone();
    }
    config.ignore.extend(ignore.iter().cloned());
    Ok(config)
}

/// A report's writer: the whole text, or a format that writes as it serialises.
type Writer<'a> = &'a dyn Fn(&mut dyn Write) -> std::io::Result<()>;

/// Writes a report to `output` (a path, in the project at `root` or not; `-` is standard
/// output), else to `out`.
fn emit(
    write: Writer<'_>,
    output: Option<&Path>,
    root: &Path,
    cwd: &Path,
    out: &mut dyn Write,
) -> Result<(), ConfigError> {
    match output {
        Some(path) if !to_stdout(output) => {
            write_atomically(&crate::workspace::discovery::absolute(cwd, path), root, write)
                .map_err(|e| ConfigError::plain(format!("{}: cannot write: {e}", path.display())))
        }
        // A report lost on the way (a full disk, a closed pipe) is an error, not a pass.
        _ => write(out)
            .and_then(|()| out.flush())
            .map_err(|e| ConfigError::plain(format!("cannot write to standard output: {e}"))),
    }
}

/// [`emit`] of a text.
fn emit_text(
    text: &str,
    output: Option<&Path>,
    root: &Path,
    cwd: &Path,
    out: &mut dyn Write,
) -> Result<(), ConfigError> {
    emit(
        &|w: &mut dyn Write| w.write_all(text.as_bytes()),
        output,
        root,
        cwd,
        out,
    )
}

/// Temp file in the same folder, then rename: readers never see a half-written report. Only
/// regular files are replaced: a device or a pipe (`/dev/null`, `/dev/stdout`) is written to,
/// and a symbolic link keeps pointing where it did. A link in the project at `root` that
/// leads out of it, or nowhere, is not written through: the repository chose it, not the user.
fn write_atomically(path: &Path, root: &Path, write: Writer<'_>) -> std::io::Result<()> {
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        if Confine::new(root).leaves(path) {
            return Err(std::io::Error::other(
                "it is a symbolic link out of the project; not written",
            ));
        }
        if std::fs::canonicalize(path).is_err() {
            return Err(std::io::Error::other("it is a symbolic link to nothing; not written"));
        }
    }
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        let mut device = std::fs::OpenOptions::new().write(true).truncate(true).open(path)?;
        return write(&mut device).and_then(|()| device.flush());
    }
    let resolved = std::fs::canonicalize(path);
    let path = resolved.as_deref().unwrap_or(path);
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    // Created as any new file is, 0666 less the umask, rather than tempfile's private 0600: a
    // report is meant to be read, by CI's upload step among others.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut tmp = builder.tempfile_in(dir)?;
    // A report that replaces another keeps its permissions.
    if let Ok(meta) = std::fs::metadata(path) {
        tmp.as_file().set_permissions(meta.permissions())?;
    }
    write(tmp.as_file_mut())?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod help_tests {
    use super::{CHECK_EXAMPLES, Cli, EXAMPLES};
    use clap::{CommandFactory, Parser};

    /// Every example command line parses, as typed (`a && b` is two).
    #[test]
    fn every_example_parses() {
        for line in EXAMPLES
            .lines()
            .chain(CHECK_EXAMPLES.lines())
            .filter(|l| l.starts_with("  sfsec"))
        {
            for command in line.split("&&") {
                // Two spaces or more before a description.
                let command = command.trim().split("  ").next().unwrap_or("");
                let words: Vec<&str> = command.split_whitespace().collect();
                assert!(Cli::try_parse_from(&words).is_ok(), "{command:?} does not parse");
            }
        }
    }

    /// `check --help` shows `check`'s examples, not the whole tool's.
    #[test]
    fn check_help_has_its_own_examples() {
        let mut cli = Cli::command();
        let check = cli
            .find_subcommand_mut("check")
            .map(|c| c.render_long_help().to_string());
        let check = check.unwrap_or_default();
        assert!(check.contains("sfsec check --diff origin/main"), "{check}");
        assert!(!check.contains("sfsec rules"), "{check}");
        let top = cli.render_long_help().to_string();
        assert!(top.contains("sfsec rules"), "{top}");
    }
}
