//! The forget function's metrics: one EMF line per batch (see `function-metrics`), counts
//! only, never a `sub` or an IdentityId.

use function_metrics::{MetricSet, ProcessMetrics};

/// The process's metrics writer: installed by `main`, silent elsewhere.
pub static METRICS: ProcessMetrics<ForgetTally, FORGET_METRICS> = ProcessMetrics::new();

/// How many metrics a forget line holds.
pub const FORGET_METRICS: usize = 4;

/// One batch's sums: each message is at most one of these (a failed delete call that is
/// ignored counts in none).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ForgetTally {
    /// Users forgotten.
    pub forgotten: u64,
    /// Users the directory did not know.
    pub not_found: u64,
    /// Users forgotten before.
    pub already_forgotten: u64,
    /// Messages that failed (malformed, or a forget that did not finish).
    pub failed: u64,
}

impl ForgetTally {
    /// Writes the batch's line, when the process's writer is installed.
    pub fn record(&self) {
        METRICS.emit(self);
    }
}

impl MetricSet<FORGET_METRICS> for ForgetTally {
    const NAMES: [&'static str; FORGET_METRICS] =
        ["UsersForgotten", "UsersNotFound", "UsersAlreadyForgotten", "ForgetFailed"];

    fn counts(&self) -> [u64; FORGET_METRICS] {
        [self.forgotten, self.not_found, self.already_forgotten, self.failed]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_holds_the_four_counts() {
        let line = function_metrics::EmfLine::new::<ForgetTally, FORGET_METRICS>("bridge-Forget-1");
        let tally = ForgetTally { forgotten: 2, not_found: 1, already_forgotten: 0, failed: 3 };
        let document: serde_json::Value = serde_json::from_str(&line.render(1, &tally)).unwrap();
        let counts: Vec<u64> = ForgetTally::NAMES.iter().map(|n| document[*n].as_u64().unwrap()).collect();
        assert_eq!(counts, [2, 1, 0, 3]);
    }
}
