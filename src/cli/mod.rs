//! The command line: parsing (clap) and the mapping from a scan to output and an exit code.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::diagnostics::finding::Severity;
use crate::diagnostics::rules;
use crate::engine::cache::Cache;
use crate::engine::{ScanRequest, scan, scan_cached};
use crate::output::formats::{self, Format, human::HumanOptions};
use crate::workspace::config::{Config, ConfigError, FILE_NAME, FailOn, is_rule_or_family};
use crate::workspace::confine::Confine;
use crate::workspace::discovery::find_root;

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

#[derive(Debug, Parser)]
#[command(name = "sfsec", version, about = "Static security linter for Salesforce DX projects and managed packages", after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and folders and report findings
    #[command(after_help = EXAMPLES)]
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
    },
}

#[derive(Debug, Args)]
pub struct BaselineArgs {
    /// Files or folders to scan, as for `check`
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Where to write the baseline [default: .sfsec-baseline.json at the project root]
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Today's date for certificate expiry (YYYY-MM-DD)
    #[arg(long, hide = true)]
    pub now: Option<String>,
}

#[derive(Debug, Args)]
pub struct InventoryArgs {
    /// Files or folders to scan, as for `check`
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = InventoryFormat::Markdown)]
    pub format: InventoryFormat,
    /// Write the inventory to this file (atomically) instead of standard output
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Configuration file [default: sfsec.toml at the project root]
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Today's date for certificate expiry (YYYY-MM-DD)
    #[arg(long, hide = true)]
    pub now: Option<String>,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Files or folders to scan, as for `check`
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format: one self-contained HTML file, or Markdown
    #[arg(long, value_enum, default_value_t = ReportFormat::Html)]
    pub format: ReportFormat,
    /// Write the report to this file (atomically) instead of standard output
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Today's date for the report and certificate expiry (YYYY-MM-DD)
    #[arg(long, hide = true)]
    pub now: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Html,
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InventoryFormat {
    Markdown,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Human,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOnArg {
    Error,
    Warning,
    Note,
    Never,
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

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or folders to scan (an SFDX project root, a package directory, a metadata-API
    /// folder, or single files as a pre-commit hook passes them)
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Write the report to this file (atomically) instead of standard output
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Exit with 1 when a finding is at or above this severity [default: `fail-on` in
    /// sfsec.toml, else warning]
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOnArg>,
    /// Also show suppressed findings in the terminal report
    #[arg(long)]
    pub show_suppressed: bool,
    /// Today's date for certificate expiry (YYYY-MM-DD); for reproducible reports and tests
    #[arg(long, hide = true)]
    pub now: Option<String>,
    /// Read and parse only, freeing each tree as it is built; run no rule, print the time (the
    /// benchmark's floor)
    #[arg(long, hide = true)]
    pub parse_only: bool,
    /// Neither read nor write the result cache (`.sfsec_cache/` at the project root)
    #[arg(long)]
    pub no_cache: bool,
    /// Report and fail on findings that this baseline (from `sfsec baseline`) does not know
    #[arg(long)]
    pub baseline: Option<PathBuf>,
    /// SARIF category (`automationDetails.id`), so that several scans of one repository keep
    /// their own alerts in GitHub code scanning [default: `sfsec`, plus the paths scanned]
    #[arg(long)]
    pub category: Option<String>,
}

/// Runs a parsed command line; returns the exit code.
pub fn run(cli: Cli, cwd: &Path, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    match cli.command {
        Command::Check(args) => match check(&args, cwd, out, err) {
            Ok(code) => code,
            Err(e) => {
                let _ = writeln!(err, "error: {}", formats::terminal::escape(&e.to_string()));
                EXIT_ERROR
            }
        },
        Command::Baseline(args) => match baseline(&args, cwd, err) {
            Ok(()) => EXIT_CLEAN,
            Err(e) => {
                let _ = writeln!(err, "error: {}", formats::terminal::escape(&e.to_string()));
                EXIT_ERROR
            }
        },
        Command::Inventory(args) => match inventory(&args, cwd, out, err) {
            Ok(()) => EXIT_CLEAN,
            Err(e) => {
                let _ = writeln!(err, "error: {}", formats::terminal::escape(&e.to_string()));
                EXIT_ERROR
            }
        },
        Command::Report(args) => match report(&args, cwd, out, err) {
            Ok(()) => EXIT_CLEAN,
            Err(e) => {
                let _ = writeln!(err, "error: {}", formats::terminal::escape(&e.to_string()));
                EXIT_ERROR
            }
        },
        Command::Rules { format } => {
            let text = match format {
                ListFormat::Human => rules_table(),
                ListFormat::Json => rules_json(),
            };
            match out.write_all(text.as_bytes()) {
                Ok(()) => EXIT_CLEAN,
                Err(e) => {
                    let _ = writeln!(err, "error: cannot write to standard output: {e}");
                    EXIT_ERROR
                }
            }
        }
        Command::Explain { rule } => match rules::get(&rule) {
            Some(doc) => {
                let _ = write!(
                    out,
                    "{}\nfamily: {} | default severity: {} | confidence: {} | tags: {}\n{}\n",
                    doc.body().trim_end(),
                    doc.family,
                    doc.severity,
                    doc.confidence,
                    doc.tags.join(", "),
                    doc.help_uri()
                );
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

/// `sfsec` for a scan of the project root, else `sfsec/` and the scanned paths relative to the
/// root: stable from run to run, and different for scans of different parts of a repository.
fn default_category(paths: &[PathBuf], cwd: &Path) -> String {
    let root = find_root(paths, cwd);
    let rels: Vec<String> = paths
        .iter()
        .map(|p| crate::workspace::discovery::relative(&root, &crate::workspace::discovery::absolute(cwd, p)))
        .filter(|r| r != ".")
        .collect();
    if rels.is_empty() {
        "sfsec".to_string()
    } else {
        format!("sfsec/{}", rels.join(","))
    }
}

/// `--now` if given, else the clock (Unix seconds).
fn today(now: Option<&str>) -> Result<i64, ConfigError> {
    match now {
        Some(s) => parse_now(s),
        None => Ok(time::OffsetDateTime::now_utc().unix_timestamp()),
    }
}

fn run_scan(paths: &[PathBuf], cwd: &Path, config: Config, now: i64) -> Result<crate::engine::Scan, ConfigError> {
    scan(&ScanRequest {
        paths: paths.to_vec(),
        cwd: cwd.to_path_buf(),
        config,
        now,
    })
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
        Some(p) => Config::load(&crate::workspace::discovery::absolute(cwd, p), &Confine::new(&root)),
        // A link counts as there (and is refused if it leaves the project).
        None if root.join(FILE_NAME).symlink_metadata().is_ok() => {
            Config::load(&root.join(FILE_NAME), &Confine::new(&root))
        }
        None => Ok(Config::default()),
    }
}

fn inventory(args: &InventoryArgs, cwd: &Path, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), ConfigError> {
    let mut config = load_config(&args.paths, args.config.as_ref(), cwd)?;
    // The secrets rules find committed values; the rest of the inventory reads metadata.
    config.select = vec!["secrets".to_string()];
    let now = today(args.now.as_deref())?;
    let options = config.options.clone();
    let result = run_scan(&args.paths, cwd, config, now)?;
    let inv = crate::output::inventory::build(&result, now, &options);
    let text = match args.format {
        InventoryFormat::Markdown => crate::output::inventory::markdown(&inv),
        InventoryFormat::Json => crate::output::inventory::json(&inv),
    };
    emit(&text, args.output.as_deref(), &find_root(&args.paths, cwd), cwd, out)?;
    let _ = writeln!(
        err,
        "sfsec: inventoried {} files in {} ms",
        result.project.files.len(),
        result.elapsed.as_millis()
    );
    Ok(())
}

/// The report documents the scan; it is not a gate (`check` is), so findings do not change the
/// exit code.
fn report(args: &ReportArgs, cwd: &Path, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), ConfigError> {
    let config = selected_config(&args.paths, &args.rules, cwd)?;
    let enabled: Vec<&'static str> = rules::all()
        .iter()
        .filter(|d| config.enabled(d.id, d.family))
        .map(|d| d.id)
        .collect();
    let now = today(args.now.as_deref())?;
    let options = config.options.clone();
    let result = run_scan(&args.paths, cwd, config, now)?;
    let scanned = args
        .paths
        .iter()
        .map(|p| {
            crate::workspace::discovery::relative(&result.project.root, &crate::workspace::discovery::absolute(cwd, p))
        })
        .collect();
    let review = crate::output::review::build(
        &result,
        crate::output::review::Input {
            enabled: &enabled,
            scanned,
            now,
            options: &options,
        },
    );
    let text = match args.format {
        ReportFormat::Html => crate::output::review::html::render(&review),
        ReportFormat::Markdown => crate::output::review::markdown::render(&review),
    };
    emit(&text, args.output.as_deref(), &find_root(&args.paths, cwd), cwd, out)?;
    let _ = writeln!(
        err,
        "sfsec: reported {} findings ({} suppressed) of {} files in {} ms",
        review.total_active(),
        review.false_positives.len(),
        review.total_files(),
        result.elapsed.as_millis()
    );
    std::thread::spawn(move || drop(result));
    Ok(())
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

fn baseline(args: &BaselineArgs, cwd: &Path, err: &mut dyn Write) -> Result<(), ConfigError> {
    let config = selected_config(&args.paths, &args.rules, cwd)?;
    let now = today(args.now.as_deref())?;
    let result = run_scan(&args.paths, cwd, config, now)?;
    let b = crate::output::baseline::of(&result);
    let target = match &args.output {
        Some(p) => p.clone(),
        None => find_root(&args.paths, cwd).join(crate::output::baseline::DEFAULT_FILE),
    };
    write_atomically(
        &crate::workspace::discovery::absolute(cwd, &target),
        &find_root(&args.paths, cwd),
        crate::output::baseline::render(&b).as_bytes(),
    )
    .map_err(|e| ConfigError::plain(format!("{}: {e}", target.display())))?;
    let _ = writeln!(
        err,
        "sfsec: recorded {} findings of {} files in {}",
        b.findings.len(),
        result.project.files.len(),
        formats::terminal::escape(&target.display().to_string())
    );
    std::thread::spawn(move || drop(result));
    Ok(())
}

fn check(args: &CheckArgs, cwd: &Path, out: &mut dyn Write, err: &mut dyn Write) -> Result<i32, ConfigError> {
    let config = selected_config(&args.paths, &args.rules, cwd)?;
    // Read before scanning, so that a bad baseline fails fast.
    let known = match &args.baseline {
        Some(p) => Some(crate::output::baseline::load(
            &crate::workspace::discovery::absolute(cwd, p),
            &Confine::new(&find_root(&args.paths, cwd)),
        )?),
        None => None,
    };
    let fail_on = match args.fail_on {
        Some(FailOnArg::Error) => FailOn::At(Severity::Error),
        Some(FailOnArg::Warning) => FailOn::At(Severity::Warning),
        Some(FailOnArg::Note) => FailOn::At(Severity::Note),
        Some(FailOnArg::Never) => FailOn::Never,
        None => config.fail_on.unwrap_or(FailOn::At(Severity::Warning)),
    };
    let now = today(args.now.as_deref())?;
    if args.parse_only {
        let (files, bytes, elapsed) = crate::engine::parse_only(&ScanRequest {
            paths: args.paths.clone(),
            cwd: cwd.to_path_buf(),
            config,
            now,
        })?;
        let _ = writeln!(
            err,
            "sfsec: parsed {files} files ({bytes} bytes) in {} ms",
            elapsed.as_millis()
        );
        return Ok(EXIT_CLEAN);
    }
    let paths: Vec<PathBuf> = args
        .paths
        .iter()
        .map(|p| crate::workspace::discovery::absolute(cwd, p))
        .collect();
    let cache = (!args.no_cache).then(|| {
        let root = find_root(&args.paths, cwd);
        let identity = format!(
            "{}\nselect={}\nignore={}",
            config.source,
            config.select.join(","),
            config.ignore.join(",")
        );
        Cache::new(root.join(crate::engine::cache::DIR), &root, &paths, &identity)
    });
    let (mut result, cached) = scan_cached(
        &ScanRequest {
            paths: args.paths.clone(),
            cwd: cwd.to_path_buf(),
            config,
            now,
        },
        cache.as_ref(),
    )?;

    let outcome = known.as_ref().map(|b| crate::output::baseline::apply(&mut result, b));

    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let color = std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| v != "0")
        || (to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()));
    let opts = HumanOptions {
        color,
        show_suppressed: args.show_suppressed,
    };
    let category = args
        .category
        .clone()
        .unwrap_or_else(|| default_category(&args.paths, cwd));
    let text = formats::render(&result, args.format, &opts, &category);
    emit(&text, args.output.as_deref(), &find_root(&args.paths, cwd), cwd, out)?;
    let _ = writeln!(
        err,
        "sfsec: scanned {} files in {} ms{}",
        result.project.files.len(),
        result.elapsed.as_millis(),
        if cached {
            " (unchanged since the last scan: cached result)"
        } else {
            ""
        }
    );
    if let Some(outcome) = &outcome
        && !outcome.gone.is_empty()
    {
        let _ = writeln!(
            err,
            "sfsec: {} findings of the baseline no longer occur; run `sfsec baseline` to drop them",
            outcome.gone.len()
        );
    }
    let failing = match fail_on {
        FailOn::Never => false,
        FailOn::At(min) => result.active().any(|f| f.severity >= min),
    };
    // Freeing every syntax tree one by one costs tens of milliseconds on a large project; the
    // binary exits without waiting for it, and a library caller still gets the memory back.
    std::thread::spawn(move || drop(result));
    Ok(if failing { EXIT_FINDINGS } else { EXIT_CLEAN })
}

/// Writes a report to `--output` (atomically) or to standard output.
/// Writes `text` to `output` (a path, in the project at `root` or not), else to `out`.
fn emit(text: &str, output: Option<&Path>, root: &Path, cwd: &Path, out: &mut dyn Write) -> Result<(), ConfigError> {
    match output {
        Some(path) => write_atomically(&crate::workspace::discovery::absolute(cwd, path), root, text.as_bytes())
            .map_err(|e| ConfigError::plain(format!("{}: cannot write: {e}", path.display()))),
        // A report lost on the way (a full disk, a closed pipe) is an error, not a pass.
        None => out
            .write_all(text.as_bytes())
            .and_then(|()| out.flush())
            .map_err(|e| ConfigError::plain(format!("cannot write to standard output: {e}"))),
    }
}

/// Temp file in the same folder, then rename: readers never see a half-written report. Only
/// regular files are replaced: a device or a pipe (`/dev/null`, `/dev/stdout`) is written to,
/// and a symbolic link keeps pointing where it did. A link in the project at `root` that
/// leads out of it, or nowhere, is not written through: the repository chose it, not the user.
fn write_atomically(path: &Path, root: &Path, bytes: &[u8]) -> std::io::Result<()> {
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
        return std::fs::write(path, bytes);
    }
    let resolved = std::fs::canonicalize(path);
    let path = resolved.as_deref().unwrap_or(path);
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

fn rules_table() -> String {
    let docs = rules::all();
    let w = docs.iter().map(|d| d.id.len()).max().unwrap_or(0);
    let mut s = format!("{:w$}  {:8}  {:8}  summary\n", "rule", "family", "severity");
    for d in docs {
        s.push_str(&format!(
            "{:w$}  {:8}  {:8}  {}\n",
            d.id,
            d.family,
            d.severity.as_str(),
            d.summary
        ));
    }
    s
}

fn rules_json() -> String {
    let v: Vec<serde_json::Value> = rules::all()
        .iter()
        .map(|d| {
            serde_json::json!({
                "id": d.id, "family": d.family, "severity": d.severity.as_str(),
                "confidence": d.confidence, "tags": d.tags, "summary": d.summary, "help_uri": d.help_uri(),
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}
