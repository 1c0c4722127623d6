use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use sfsec::cli::{Cli, EXIT_ERROR, run};

/// mimalloc's `mi_option_purge_delay` (the crate names no constant for it); a test checks the
/// number against mimalloc's header.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> ExitCode {
    // Free pages go back to the system after 10 ms, not a second: a scan frees every file's
    // syntax tree as it goes, and the pages kept for reuse add to its peak at no cost in time
    // (bench/NOTES.md#purge-delay).
    // MIMALLOC_PURGE_DELAY still overrides it.
    // SAFETY: sets an option; no allocation depends on it.
    unsafe { libmimalloc_sys::mi_option_set_default(MI_OPTION_PURGE_DELAY, 10) };
    // SAFETY: runs first, before any tree-sitter object exists, so nothing allocated by one
    // allocator is freed by the other.
    unsafe {
        tree_sitter::set_allocator(
            Some(libmimalloc_sys::mi_malloc),
            Some(libmimalloc_sys::mi_calloc),
            Some(libmimalloc_sys::mi_realloc),
            Some(libmimalloc_sys::mi_free),
        );
    }
    // A bug must still end with the documented exit code for internal errors, not 101, and
    // at once: a worker's panic otherwise leaves the scan waiting for it.
    std::panic::set_hook(Box::new(|info| {
        let text = format!("error: internal error, please report it: {info}\n");
        write_stderr_unlocked(&sfsec::output::formats::terminal::escape(&text));
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
    let work = std::thread::Builder::new()
        .stack_size(sfsec::engine::STACK_BYTES)
        .spawn(move || {
            // Standard error is not locked for the run: a lock held here would stall a panic
            // message written by a worker thread, and with it the whole run.
            let mut out = std::io::stdout().lock();
            let mut code = run(cli, &cwd, &mut out, &mut std::io::stderr());
            if let Err(e) = out.flush() {
                eprintln!("error: cannot write to standard output: {e}");
                code = EXIT_ERROR;
            }
            code
        });
    let code = match work.map(|w| w.join()) {
        Ok(Ok(code)) => code,
        // A panic has already ended the process (see the hook); this is a failed spawn.
        _ => {
            eprintln!("error: cannot start the scan's thread");
            EXIT_ERROR
        }
    };
    ExitCode::from(code as u8)
}

/// Writes to file descriptor 2 directly, taking no lock: the panic hook may run while another
/// thread holds standard error's.
fn write_stderr_unlocked(text: &str) {
    #[cfg(unix)]
    {
        use std::io::Write;
        use std::os::fd::FromRawFd;
        // SAFETY: descriptor 2 stays open for the process; ManuallyDrop never closes it.
        let mut f = std::mem::ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(2) });
        let _ = f.write_all(text.as_bytes());
    }
    #[cfg(not(unix))]
    eprint!("{text}");
}

// A scan allocates small objects on every core (trees, nodes, findings); mimalloc is faster than
// glibc's malloc here at the same peak memory (`no_thp`: transparent huge pages grow the peak;
// bench/NOTES.md#allocator). tree-sitter's C allocations go to it too, see `main`.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(test)]
mod tests {
    /// The option number is that of `mi_option_purge_delay` in the `mi_option_e` enum of the
    /// mimalloc sfsec is built with.
    #[test]
    fn the_purge_delay_option_number_is_mimallocs() {
        let header = std::fs::read_to_string(env!("SFSEC_MIMALLOC_H")).expect("mimalloc.h");
        let start = header.find("typedef enum mi_option_e").expect("the options enum");
        let body = &header[start..];
        let body = &body[body.find('{').expect("{") + 1..body.find('}').expect("}")];
        let options: Vec<&str> = body
            .lines()
            .map(|l| l.split("//").next().unwrap_or("").trim().trim_end_matches(','))
            .filter(|l| l.starts_with("mi_option_"))
            .collect();
        let at = options
            .iter()
            .position(|&o| o == "mi_option_purge_delay")
            .expect("purge_delay");
        assert_eq!(at as i32, super::MI_OPTION_PURGE_DELAY, "{options:?}");
    }
}
