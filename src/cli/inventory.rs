//! `sfsec inventory`: every credential the project stores.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::{EmptyArgs, emit_text, load_config, run_scan, today};
use crate::workspace::config::ConfigError;
use crate::workspace::discovery::find_root;

#[derive(Debug, Args)]
pub struct InventoryArgs {
    /// Files or folders to scan, as for `check`
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub empty: EmptyArgs,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InventoryFormat {
    Markdown,
    Json,
}

pub(super) fn inventory(
    args: &InventoryArgs,
    cwd: &Path,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), ConfigError> {
    let mut config = load_config(&args.paths, args.config.as_ref(), cwd)?;
    // The secrets rules find committed values; the rest of the inventory reads metadata.
    config.select = vec!["secrets".to_string()];
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
    let inv = crate::output::inventory::build(&result, now, &options);
    let text = match args.format {
        InventoryFormat::Markdown => crate::output::inventory::markdown(&inv),
        InventoryFormat::Json => crate::output::inventory::json(&inv),
    };
    emit_text(&text, args.output.as_deref(), &find_root(&args.paths, cwd), cwd, out)?;
    let _ = writeln!(
        err,
        "sfsec: inventoried {} in {} ms",
        crate::output::plural(result.project.files.len(), "file"),
        result.elapsed.as_millis()
    );
    Ok(())
}
