//! The reconciler's pace: `AdminGetUser` calls spaced evenly at the configured rate, the
//! spacing doubled on each throttled answer (up to [`MAX_INTERVAL`]) and eased back by a
//! quarter on each answered call. The decision ([`next_interval`]) is a pure function;
//! [`Pace::wait`] sleeps.

use std::time::Duration;

use tokio::time::Instant;

/// The widest spacing throttling can push the pace to.
pub const MAX_INTERVAL: Duration = Duration::from_secs(5);

/// What the last call's answer says about the pace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaceSignal {
    /// Cognito answered (whatever it said).
    Answered,
    /// Cognito throttled the call.
    Throttled,
}

/// The spacing after `signal`, from `current`, never below `base`.
pub fn next_interval(current: Duration, base: Duration, signal: PaceSignal) -> Duration {
    match signal {
        PaceSignal::Throttled => (current * 2).min(MAX_INTERVAL).max(base),
        PaceSignal::Answered => (current * 3 / 4).max(base),
    }
}

/// Spaces calls at a rate; one per reconciler run.
#[derive(Debug)]
pub struct Pace {
    base: Duration,
    interval: Duration,
    next_at: Option<Instant>,
}

impl Pace {
    /// `per_second` calls a second (at least 1).
    pub fn per_second(per_second: u32) -> Self {
        let base = Duration::from_secs(1) / per_second.max(1);
        Pace { base, interval: base, next_at: None }
    }

    /// The current spacing between calls.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Waits for the next call's turn.
    pub async fn wait(&mut self) {
        let now = Instant::now();
        let at = self.next_at.map_or(now, |at| at.max(now));
        tokio::time::sleep_until(at).await;
        self.next_at = Some(at + self.interval);
    }

    /// Adjusts the spacing to the last call's answer.
    pub fn record(&mut self, signal: PaceSignal) {
        self.interval = next_interval(self.interval, self.base, signal);
        if let (PaceSignal::Throttled, Some(at)) = (signal, self.next_at) {
            // The next call waits the whole new spacing, not the old one.
            self.next_at = Some(at.max(Instant::now()) + self.interval);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttling_doubles_the_spacing_up_to_the_cap_and_answers_ease_it_back() {
        let base = Duration::from_millis(50);
        let mut interval = base;
        for expected in [100, 200, 400, 800, 1600, 3200, 5000, 5000] {
            interval = next_interval(interval, base, PaceSignal::Throttled);
            assert_eq!(interval, Duration::from_millis(expected));
        }
        for _ in 0..40 {
            interval = next_interval(interval, base, PaceSignal::Answered);
        }
        assert_eq!(interval, base, "back to the configured pace, never faster");
    }

    #[tokio::test]
    async fn calls_are_spaced_at_the_rate() {
        let mut pace = Pace::per_second(100);
        let start = Instant::now();
        for _ in 0..21 {
            pace.wait().await;
            pace.record(PaceSignal::Answered);
        }
        let took = start.elapsed();
        assert!(took >= Duration::from_millis(200), "21 calls at 100/s take 200 ms at least: {took:?}");
        assert!(took < Duration::from_millis(600), "{took:?}");
    }
}
