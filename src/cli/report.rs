//! `sfsec report`: the security-review document.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::{EmptyArgs, RuleArgs, emit_text, rule_docs, run_scan, selected_config, today};
use crate::workspace::config::ConfigError;
use crate::workspace::discovery::find_root;

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Files or folders to scan, as for `check`
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub empty: EmptyArgs,
    /// Output format: one self-contained HTML file, or Markdown
    #[arg(long, value_enum, default_value_t = ReportFormat::Html)]
    pub format: ReportFormat,
    /// Write the report to this file (atomically) instead of standard output
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Who ran the scan, for the attestation (a name and an email address, say)
    #[arg(long, value_name = "NAME")]
    pub prepared_by: Option<String>,
    /// The security-review submission this report goes with (its case or listing, and the
    /// package version uploaded), for the attestation
    #[arg(long, value_name = "TEXT")]
    pub submission: Option<String>,
    /// Another scanner's results to put beside sfsec's: Code Analyzer's JSON or SARIF output
    /// (`sf code-analyzer run --output-file results.json`), or PMD's SARIF; repeatable
    #[arg(long, value_name = "FILE")]
    pub include: Vec<PathBuf>,
    /// The false-positive notes for the included findings, matched by fingerprint [default:
    /// `.sfsec-false-positives.toml` at the project root, if there is one]
    #[arg(long, value_name = "FILE")]
    pub notes: Option<PathBuf>,
    /// Today's date for the report and certificate expiry (YYYY-MM-DD)
    #[arg(long, hide = true)]
    pub now: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Html,
    Markdown,
}

type Included = Vec<(String, Vec<crate::workspace::external::ExternalFinding>)>;

/// The `--include` files' findings, and the false-positive notes: `--notes`, else the notes file
/// at the project root when there is one.
fn other_scanners(
    args: &ReportArgs,
    cwd: &Path,
) -> Result<(Included, Vec<crate::workspace::external_notes::Note>), ConfigError> {
    use crate::workspace::discovery::absolute;
    let root = find_root(&args.paths, cwd);
    let repo = crate::workspace::discovery::repo_root(&root, cwd);
    let mut included = Vec::new();
    for file in &args.include {
        // A file named on the command line is the user's choice: it may lie outside the project
        // (a CI job's output folder).
        let path = absolute(cwd, file);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| ConfigError::plain(format!("--include {}: cannot read: {e}", file.display())))?;
        let roots = crate::workspace::external::Roots {
            repo: &repo,
            project: &root,
        };
        let findings = crate::workspace::external::parse(&path, &text, &roots)?;
        included.push((file.to_string_lossy().into_owned(), findings));
    }
    let notes_path = match &args.notes {
        Some(p) => Some(absolute(cwd, p)),
        None => Some(root.join(crate::workspace::external_notes::FILE_NAME)).filter(|p| p.symlink_metadata().is_ok()),
    };
    let notes = match notes_path {
        Some(path) => {
            let text = crate::workspace::confine::read_confined(&crate::workspace::confine::Confine::new(&root), &path)
                .map_err(|e| ConfigError::plain(format!("{}: cannot read: {e}", path.display())))?;
            crate::workspace::external_notes::parse(&path, &text)?
        }
        None => Vec::new(),
    };
    Ok((included, notes))
}

/// The configuration file the scan used (`--config`, else `sfsec.toml` at the project root),
/// from the project root, with its SHA-256; `None` when the defaults applied. It was read and
/// checked before the scan.
fn config_digest(paths: &[PathBuf], explicit: Option<&PathBuf>, cwd: &Path) -> Option<(String, String)> {
    use sha2::{Digest, Sha256};
    let root = find_root(paths, cwd);
    let path = match explicit {
        Some(p) => crate::workspace::discovery::absolute(cwd, p),
        None => root.join(crate::workspace::config::FILE_NAME),
    };
    let text = crate::workspace::confine::read_confined(&crate::workspace::confine::Confine::new(&root), &path).ok()?;
    Some((
        crate::workspace::discovery::relative(&root, &path),
        data_encoding::HEXLOWER.encode(&Sha256::digest(text.as_bytes())),
    ))
}

/// The report documents the scan; it is not a gate (`check` is), so findings do not change the
/// exit code.
pub(super) fn report(
    args: &ReportArgs,
    cwd: &Path,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), ConfigError> {
    let config = selected_config(&args.paths, &args.rules, cwd)?;
    // Read before scanning, so that a bad file fails fast.
    let (included, notes) = other_scanners(args, cwd)?;
    let enabled: Vec<&'static str> = rule_docs::all()
        .iter()
        .filter(|d| config.enabled(d.id, d.family))
        .map(|d| d.id)
        .collect();
    let now = today(args.now.as_deref())?;
    let options = config.options.clone();
    let result = run_scan(
        &args.paths,
        &args.empty,
        cwd,
        config,
        now,
        super::to_stdout(args.output.as_deref()),
    )?;
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
            config: config_digest(&args.paths, args.rules.config.as_ref(), cwd),
            attestation: crate::output::review::Attestation {
                prepared_by: args.prepared_by.clone(),
                submission: args.submission.clone(),
            },
            included,
            notes,
        },
    );
    for s in &review.stale_notes {
        let _ = writeln!(
            err,
            "sfsec: warning: false-positive note at line {} ({}) matches nothing: {}",
            s.note.line,
            crate::output::formats::terminal::escape(&s.note.fingerprint),
            // It quotes the note's `rule`, written by anyone.
            crate::output::formats::terminal::escape(&s.why)
        );
    }
    let text = match args.format {
        ReportFormat::Html => crate::output::review::html::render(&review),
        ReportFormat::Markdown => crate::output::review::markdown::render(&review),
    };
    emit_text(&text, args.output.as_deref(), &find_root(&args.paths, cwd), cwd, out)?;
    let _ = writeln!(
        err,
        "sfsec: reported {} ({} suppressed) of {} in {} ms",
        crate::output::plural(review.total_active(), "finding"),
        review.false_positives.len(),
        crate::output::plural(review.total_files(), "file"),
        result.elapsed.as_millis()
    );
    std::thread::spawn(move || drop(result));
    Ok(())
}
