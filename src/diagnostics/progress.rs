//! How far a scan has got, for a progress display: counters the scan's threads update and a
//! display thread reads (`cli::progress`). Nothing here draws.

use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Walking the project.
    Finding,
    /// Parsing and checking files one by one: [`Progress::done`] of [`Progress::total`].
    Parsing,
    /// Data flow and the checks across files.
    Analysing,
}

#[derive(Debug, Default)]
pub(crate) struct Progress {
    phase: AtomicU8,
    done: AtomicUsize,
    total: AtomicUsize,
}

impl Progress {
    pub(crate) fn phase(&self) -> Phase {
        match self.phase.load(Ordering::Relaxed) {
            0 => Phase::Finding,
            1 => Phase::Parsing,
            _ => Phase::Analysing,
        }
    }

    pub(crate) fn done(&self) -> usize {
        self.done.load(Ordering::Relaxed)
    }

    pub(crate) fn total(&self) -> usize {
        self.total.load(Ordering::Relaxed)
    }

    /// Starts `phase`, of `total` steps (0: not counted).
    pub(crate) fn enter(&self, phase: Phase, total: usize) {
        self.done.store(0, Ordering::Relaxed);
        self.total.store(total, Ordering::Relaxed);
        self.phase.store(phase as u8, Ordering::Relaxed);
    }

    /// Moves on to `phase`, leaving the counts of the last counted phase as they are.
    pub(crate) fn then(&self, phase: Phase) {
        self.phase.store(phase as u8, Ordering::Relaxed);
    }

    pub(crate) fn tick(&self) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }
}
