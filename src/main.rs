use std::process::ExitCode;

use clap::Parser;
use sfsec::cli::{Cli, EXIT_ERROR, run};

fn main() -> ExitCode {
    // A bug must still end with the documented exit code for internal errors, not 101.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("error: internal error, please report it: {info}");
        std::process::exit(EXIT_ERROR);
    }));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // --help and --version are not errors.
            return ExitCode::from(if e.use_stderr() { EXIT_ERROR as u8 } else { 0 });
        }
    };
    let cwd = match std::env::current_dir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: cannot read the current directory: {e}");
            return ExitCode::from(EXIT_ERROR as u8);
        }
    };
    let code = run(cli, &cwd, &mut std::io::stdout().lock(), &mut std::io::stderr().lock());
    ExitCode::from(code as u8)
}
