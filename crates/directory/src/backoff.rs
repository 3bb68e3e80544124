//! The pause before retrying a write that met another writer: "full jitter" (a random
//! pause between zero and an exponentially growing, capped ceiling), so that writers who
//! collided once do not collide again in step.

use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The ceiling of the first retry's pause; it doubles with every attempt.
pub(crate) const BASE_PAUSE: Duration = Duration::from_millis(25);
/// The largest ceiling.
pub(crate) const MAX_PAUSE: Duration = Duration::from_millis(800);

/// The pause before retry number `attempt` (1 for the first retry), given a `random`
/// number: uniform over `[0, min(cap, base × 2^(attempt-1))]`.
pub(crate) fn full_jitter(base: Duration, cap: Duration, attempt: u32, random: u64) -> Duration {
    let ceiling = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(20)).min(cap);
    let nanos = ceiling.as_nanos() * u128::from(random % 1_000_001) / 1_000_000;
    Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
}

/// A random number for [`full_jitter`]: the standard library's randomly keyed hasher
/// over a counter (no cryptographic quality is needed to spread retries).
pub(crate) fn random() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    RandomState::new().hash_one(COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// Sleeps before retry number `attempt`.
pub(crate) async fn pause(attempt: u32) {
    tokio::time::sleep(full_jitter(BASE_PAUSE, MAX_PAUSE, attempt, random())).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_are_spread_from_zero_to_a_capped_doubling_ceiling() {
        let ms = Duration::from_millis;
        assert_eq!(full_jitter(ms(25), ms(800), 1, 0), Duration::ZERO);
        assert_eq!(full_jitter(ms(25), ms(800), 1, 1_000_000), ms(25));
        assert_eq!(full_jitter(ms(25), ms(800), 3, 1_000_000), ms(100));
        assert_eq!(full_jitter(ms(25), ms(800), 3, 500_000), ms(50));
        assert_eq!(full_jitter(ms(25), ms(800), 9, 1_000_000), ms(800), "capped");
        assert_eq!(full_jitter(ms(25), ms(800), 64, 1_000_000), ms(800), "no overflow");
        let pauses: std::collections::HashSet<_> = (0..50).map(|_| full_jitter(ms(25), ms(800), 4, random())).collect();
        assert!(pauses.len() > 40, "random pauses, not one fixed step");
        assert!(pauses.iter().all(|p| *p <= ms(200)));
    }
}
