//! The clock, read in one place so that every decision takes `now` as plain data.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the epoch from the system clock (0 if the clock is before 1970).
pub fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_a_time_after_this_code_was_written() {
        assert!(super::unix_now() > 1_790_000_000);
    }
}
