//! The scan's "now", for the rules that depend on the date (certificate expiry). Lints ask it
//! questions rather than read the time, so that it knows over which instants their answers stay
//! the same: a cached scan result is reused only while the clock stays inside that window.

use std::sync::atomic::{AtomicI64, Ordering};

pub(crate) const DAY: i64 = 86_400;

pub(crate) struct Clock {
    /// Unix seconds.
    now: i64,
    /// Every answer given so far is the same for any instant in `from..=until`.
    from: AtomicI64,
    until: AtomicI64,
}

impl Clock {
    pub(crate) fn new(now: i64) -> Self {
        Clock {
            now,
            from: AtomicI64::new(i64::MIN),
            until: AtomicI64::new(i64::MAX),
        }
    }

    /// Whole days from now until `t`, rounded down (negative once `t` has passed).
    pub(crate) fn days_until(&self, t: i64) -> i64 {
        let d = t.saturating_sub(self.now).div_euclid(DAY);
        // floor((t - x) / DAY) == d  <=>  t - (d + 1) * DAY < x <= t - d * DAY
        let hi = t.saturating_sub(d.saturating_mul(DAY));
        self.narrow(hi.saturating_sub(DAY).saturating_add(1), hi);
        d
    }

    /// Whether instant `t` has been reached.
    pub(crate) fn reached(&self, t: i64) -> bool {
        if t <= self.now {
            self.narrow(t, i64::MAX);
            true
        } else {
            self.narrow(i64::MIN, t - 1);
            false
        }
    }

    /// The instants (inclusive) for which every answer given so far would be the same;
    /// `(i64::MIN, i64::MAX)` when no lint asked.
    pub(crate) fn window(&self) -> (i64, i64) {
        (self.from.load(Ordering::Relaxed), self.until.load(Ordering::Relaxed))
    }

    fn narrow(&self, from: i64, until: i64) {
        self.from.fetch_max(from, Ordering::Relaxed);
        self.until.fetch_min(until, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unasked_clock_is_valid_forever() {
        assert_eq!(Clock::new(1_000).window(), (i64::MIN, i64::MAX));
    }

    #[test]
    fn answers_hold_exactly_inside_the_window() {
        let now = 1_700_000_000;
        for t in [
            now - 3 * DAY - 17,
            now - 5,
            now,
            now + 1,
            now + DAY,
            now + 45 * DAY + 123,
        ] {
            let c = Clock::new(now);
            let days = c.days_until(t);
            let reached = c.reached(t);
            let (from, until) = c.window();
            assert!(from <= now && now <= until, "{t}: {from}..={until}");
            for x in [from, until] {
                let other = Clock::new(x);
                assert_eq!((other.days_until(t), other.reached(t)), (days, reached), "{t} at {x}");
            }
            // Just outside, something differs (the window is as wide as it can be).
            for x in [from - 1, until + 1] {
                let other = Clock::new(x);
                assert_ne!((other.days_until(t), other.reached(t)), (days, reached), "{t} at {x}");
            }
        }
    }
}
