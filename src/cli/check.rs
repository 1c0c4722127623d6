//! `sfsec check`: scan, report in a format, and fail on findings at or over a severity.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::{EXIT_CLEAN, EXIT_FINDINGS, EmptyArgs, RuleArgs, emit, selected_config, today};
use crate::diagnostics::finding::Severity;
use crate::engine::ScanRequest;
use crate::output::formats::{self, Format, human::HumanOptions};
use crate::workspace::changes::Changes;
use crate::workspace::config::{ConfigError, FailOn};
use crate::workspace::confine::Confine;
use crate::workspace::discovery::find_root;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOnArg {
    Error,
    Warning,
    Note,
    Never,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or folders to scan (an SFDX project root, a package directory, a metadata-API
    /// folder, or single files as a pre-commit hook passes them)
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub empty: EmptyArgs,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Write the report to this file (atomically) instead of standard output
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Also write the same scan in another format: FORMAT=FILE (`-` is standard output), for
    /// example `--also github=- --also summary="$GITHUB_STEP_SUMMARY"` beside a SARIF file
    #[arg(long, value_name = "FORMAT=FILE", value_parser = parse_also)]
    pub also: Vec<(Format, PathBuf)>,
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
    /// Report and fail only on findings on lines changed since this git revision (a commit,
    /// branch or tag; uncommitted and untracked files count as changed); the whole project is
    /// still read, so findings keep their context
    #[arg(long, value_name = "REV")]
    pub diff: Option<String>,
    /// SARIF category (`automationDetails.id`), so that several scans of one repository keep
    /// their own alerts in GitHub code scanning [default: `sfsec`, plus the paths scanned]
    #[arg(long)]
    pub category: Option<String>,
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

/// `FORMAT=FILE` for `--also`.
fn parse_also(s: &str) -> Result<(Format, PathBuf), String> {
    let (format, file) = s.split_once('=').ok_or_else(|| format!("`{s}` is not FORMAT=FILE"))?;
    let format = Format::from_str(format, true).map_err(|_| {
        let names: Vec<String> = Format::value_variants()
            .iter()
            .filter_map(|f| f.to_possible_value().map(|v| v.get_name().to_string()))
            .collect();
        format!("unknown format `{format}`; expected one of {}", names.join(", "))
    })?;
    if file.is_empty() {
        return Err(format!("`{s}` names no file"));
    }
    Ok((format, PathBuf::from(file)))
}

/// Drops the findings on lines unchanged since `rev` (`--diff`); how many.
fn keep_changed(result: &mut crate::engine::Scan, rev: &str) -> Result<usize, ConfigError> {
    let changes = Changes::since(result.project.repo_root(), rev)?;
    let before = result.findings.len();
    let touched: Vec<bool> = result
        .findings
        .iter()
        .map(|f| {
            let p = formats::position(result, f);
            changes.touches(&result.project.shown(f.file), p.start_line, p.end_line)
        })
        .collect();
    let mut keep = touched.into_iter();
    result.findings.retain(|_| keep.next().unwrap_or(false));
    Ok(before - result.findings.len())
}

pub(super) fn check(
    args: &CheckArgs,
    cwd: &Path,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, ConfigError> {
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
    let root = find_root(&args.paths, cwd);
    let cache = super::result_cache(&args.paths, cwd, &config, args.no_cache);
    let machine = !matches!(
        args.format,
        Format::Human | Format::Concise | Format::Grouped | Format::Summary
    );
    let show = super::progress::wanted(super::to_stdout(args.output.as_deref()) && machine);
    let req = ScanRequest {
        paths: args.paths.clone(),
        cwd: cwd.to_path_buf(),
        config,
        now,
    };
    let (mut result, cached) = super::scan_showing_progress(&req, cache.as_ref(), show)?;
    args.empty.check(&result, &args.paths)?;

    let outcome = known.as_ref().map(|b| crate::output::baseline::apply(&mut result, b));
    let unchanged = match &args.diff {
        Some(rev) => Some((rev, keep_changed(&mut result, rev)?)),
        None => None,
    };

    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let (color, width) = super::term::style(to_terminal);
    let opts = HumanOptions {
        color,
        show_suppressed: args.show_suppressed,
        width,
    };
    let category = args
        .category
        .clone()
        .unwrap_or_else(|| default_category(&args.paths, cwd));
    let scanned = &result;
    let (opts, category) = (&opts, category.as_str());
    let report = |format: Format| move |w: &mut dyn Write| formats::write(scanned, format, opts, category, w);
    emit(&report(args.format), args.output.as_deref(), &root, cwd, out)?;
    for (format, file) in &args.also {
        emit(&report(*format), Some(file), &root, cwd, out)?;
    }
    let _ = writeln!(
        err,
        "sfsec: scanned {} in {} ms{}",
        crate::output::plural(result.project.files.len(), "file"),
        result.elapsed.as_millis(),
        if cached {
            " (unchanged since the last scan: cached result)"
        } else {
            ""
        }
    );
    notes(err, unchanged, outcome.as_ref());
    let failing = match fail_on {
        FailOn::Never => false,
        FailOn::At(min) => result.active().any(|f| f.severity >= min),
    };
    // Freeing every syntax tree one by one costs tens of milliseconds on a large project; the
    // binary exits without waiting for it, and a library caller still gets the memory back.
    std::thread::spawn(move || drop(result));
    Ok(if failing { EXIT_FINDINGS } else { EXIT_CLEAN })
}

/// What standard error says after the report: findings `--diff` left out, and baseline entries
/// that no longer occur.
fn notes(err: &mut dyn Write, unchanged: Option<(&String, usize)>, outcome: Option<&crate::output::baseline::Outcome>) {
    if let Some((rev, n)) = unchanged
        && n > 0
    {
        let _ = writeln!(
            err,
            "sfsec: {} on lines unchanged since `{}` {} not reported (--diff)",
            crate::output::plural(n, "finding"),
            crate::output::formats::terminal::escape(rev),
            if n == 1 { "is" } else { "are" }
        );
    }
    if let Some(outcome) = outcome
        && !outcome.gone.is_empty()
    {
        let _ = writeln!(
            err,
            "sfsec: {} of the baseline no longer {}; run `sfsec baseline` to drop {}",
            crate::output::plural(outcome.gone.len(), "finding"),
            if outcome.gone.len() == 1 { "occurs" } else { "occur" },
            if outcome.gone.len() == 1 { "it" } else { "them" }
        );
    }
}
