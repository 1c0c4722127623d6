//! `sfsec baseline`: record today's findings.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;

use super::{EmptyArgs, RuleArgs, run_scan, selected_config, today, write_atomically};
use crate::output::formats;
use crate::workspace::config::ConfigError;
use crate::workspace::discovery::find_root;

#[derive(Debug, Args)]
pub struct BaselineArgs {
    /// Files or folders to scan, as for `check`
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub empty: EmptyArgs,
    /// Where to write the baseline [default: .sfsec-baseline.json at the project root]
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Today's date for certificate expiry (YYYY-MM-DD)
    #[arg(long, hide = true)]
    pub now: Option<String>,
}

pub(super) fn baseline(args: &BaselineArgs, cwd: &Path, err: &mut dyn Write) -> Result<(), ConfigError> {
    let config = selected_config(&args.paths, &args.rules, cwd)?;
    let now = today(args.now.as_deref())?;
    // The baseline is always written to a file.
    let result = run_scan(&args.paths, &args.empty, cwd, config, now, false)?;
    let b = crate::output::baseline::of(&result);
    let target = match &args.output {
        Some(p) => p.clone(),
        None => find_root(&args.paths, cwd).join(crate::output::baseline::DEFAULT_FILE),
    };
    write_atomically(
        &crate::workspace::discovery::absolute(cwd, &target),
        &find_root(&args.paths, cwd),
        &|w: &mut dyn Write| w.write_all(crate::output::baseline::render(&b).as_bytes()),
    )
    .map_err(|e| ConfigError::plain(format!("{}: {e}", target.display())))?;
    let _ = writeln!(
        err,
        "sfsec: recorded {} of {} in {}",
        crate::output::plural(b.findings.len(), "finding"),
        crate::output::plural(result.project.files.len(), "file"),
        formats::terminal::escape(&target.display().to_string())
    );
    std::thread::spawn(move || drop(result));
    Ok(())
}
