//! A progress line on standard error for scans that take a while: drawn by a thread of its own
//! from the scan's counters ([`Progress`]), only on a terminal, only after the first second (a
//! pre-commit run never shows it), and cleared before the report is written.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::diagnostics::progress::{Phase, Progress};

/// How long a scan runs before its progress is shown.
const DELAY: Duration = Duration::from_secs(1);
const TICK: Duration = Duration::from_millis(100);

/// Whether a scan may show progress: standard error is a terminal that can redraw a line
/// (not `TERM=dumb`), and the report is not a machine format on standard output (a terminal
/// there reads it, or a pipe does, and a line drawn between would only get in the way).
pub(crate) fn wanted(machine_to_stdout: bool) -> bool {
    allowed(
        std::io::stderr().is_terminal(),
        std::env::var_os("TERM").as_deref(),
        machine_to_stdout,
    )
}

fn allowed(stderr_terminal: bool, term: Option<&std::ffi::OsStr>, machine_to_stdout: bool) -> bool {
    stderr_terminal && term.is_none_or(|t| t != "dumb") && !machine_to_stdout
}

/// The display thread; dropping it clears the line and waits for the thread.
pub(crate) struct Display {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Display {
    pub(crate) fn start(progress: Arc<Progress>) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::Builder::new()
            .name("sfsec-progress".into())
            .spawn(move || draw(&progress, &stopped))
            .ok();
        Display { stop, thread }
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
    }
}

fn draw(progress: &Progress, stop: &AtomicBool) {
    let started = Instant::now();
    let mut bar: Option<ProgressBar> = None;
    let mut shown: Option<Phase> = None;
    while !stop.load(Ordering::Relaxed) {
        std::thread::park_timeout(TICK);
        if stop.load(Ordering::Relaxed) || started.elapsed() < DELAY {
            continue;
        }
        let b = bar.get_or_insert_with(|| {
            ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_elapsed(started.elapsed())
        });
        let phase = progress.phase();
        let (template, message) = match phase {
            Phase::Finding => ("{spinner} {msg} [{elapsed}]", "finding files"),
            Phase::Parsing => ("{spinner} {msg} {pos}/{len} files [{elapsed}]", "parsing and checking"),
            Phase::Analysing => ("{spinner} {msg} [{elapsed}]", "following data flow across files"),
        };
        if shown != Some(phase) {
            b.set_style(ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_spinner()));
        }
        // Counts before the message: setting it draws the line.
        if phase == Phase::Parsing {
            b.set_length(progress.total() as u64);
            b.set_position(progress.done() as u64);
        }
        if shown != Some(phase) {
            b.set_message(message);
            shown = Some(phase);
        }
        b.tick();
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn shown_only_on_a_terminal_that_redraws_and_not_over_a_machine_report() {
        assert!(allowed(true, Some(OsStr::new("xterm-256color")), false));
        assert!(allowed(true, None, false));
        assert!(!allowed(false, Some(OsStr::new("xterm")), false), "a pipe or a file");
        assert!(!allowed(true, Some(OsStr::new("dumb")), false));
        assert!(
            !allowed(true, Some(OsStr::new("xterm")), true),
            "SARIF or JSON to standard output"
        );
    }

    #[test]
    fn the_display_stops_at_once_when_dropped() {
        let started = Instant::now();
        drop(Display::start(Arc::new(Progress::default())));
        assert!(started.elapsed() < DELAY, "{:?}", started.elapsed());
    }
}
