//! What `backfill` decides, as pure functions over plain data: which users get a
//! directory entry, how fast ListUsers may be called, and the running tally.

use std::time::{Duration, Instant};

use directory::{IdentityId, NewLink, UserPoolId};

/// What one ListUsers user becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Candidate {
    /// A link to record.
    Link(NewLink),
    /// No `custom:identity_id`: not linked, nothing to write.
    NotLinked,
    /// The attribute or the sub is unusable; reported, never written.
    Invalid(String),
}

/// The candidate for a user with `username`, `sub` and `custom:identity_id` as ListUsers
/// returned them, in `pool`, at `now` (Unix seconds).
pub fn candidate(
    pool: &UserPoolId,
    username: &str,
    sub: Option<&str>,
    identity_id: Option<&str>,
    now: u64,
) -> Candidate {
    let Some(identity_id) = identity_id.map(str::trim).filter(|v| !v.is_empty()) else {
        return Candidate::NotLinked;
    };
    let Ok(identity_id) = IdentityId::parse(identity_id) else {
        return Candidate::Invalid(format!("user {username}: custom:identity_id is not an IdentityId"));
    };
    let Some(sub) = sub.filter(|v| !v.is_empty()) else {
        return Candidate::Invalid(format!("user {username}: ListUsers returned no sub"));
    };
    Candidate::Link(NewLink {
        identity_id,
        user_pool_id: pool.clone(),
        sub: sub.to_owned(),
        username: username.to_owned(),
        linked_at: now,
    })
}

/// Spaces calls `interval` apart: the first goes at once.
#[derive(Debug, Clone)]
pub struct Pacer {
    interval: Duration,
    last: Option<Instant>,
}

impl Pacer {
    /// At most `per_second` calls a second.
    pub fn per_second(per_second: f64) -> Self {
        Pacer { interval: Duration::from_secs_f64(1.0 / per_second), last: None }
    }

    /// How long to wait at `now` before the next call; records that call as made then.
    pub fn wait_before_call(&mut self, now: Instant) -> Duration {
        let wait = match self.last {
            Some(last) => (last + self.interval).saturating_duration_since(now),
            None => Duration::ZERO,
        };
        self.last = Some(now + wait);
        wait
    }
}

/// The running tally, printed as progress and as the final summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// ListUsers calls made.
    pub pages: u32,
    /// Users seen.
    pub scanned: u64,
    /// Entries written.
    pub written: u64,
    /// Entries that were already in the directory as this link.
    pub already_present: u64,
    /// Users without `custom:identity_id`.
    pub not_linked: u64,
    /// Links the directory holds differently: reported, not overwritten.
    pub conflicts: Vec<String>,
    /// Users whose attributes cannot be recorded.
    pub invalid: Vec<String>,
}

impl Tally {
    /// One line of progress.
    pub fn progress_line(&self, next_page_token: Option<&str>) -> String {
        format!(
            "page {}: scanned {}, written {}, already present {}, conflicts {}{}",
            self.pages,
            self.scanned,
            self.written,
            self.already_present,
            self.conflicts.len(),
            next_page_token.map(|t| format!("; next page token {t}")).unwrap_or_default()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "us-east-1:1f0c7e2a-3b4c-4d5e-8f60-718293a4b5c6";

    #[test]
    fn only_users_with_a_valid_identity_id_are_recorded() {
        let pool = UserPoolId::parse("us-east-1_Abc").unwrap();
        let Candidate::Link(link) = candidate(&pool, "ann", Some("s-1"), Some(ID), 7) else { panic!("a link") };
        assert_eq!(
            (link.identity_id.as_str(), link.sub.as_str(), link.username.as_str(), link.linked_at),
            (ID, "s-1", "ann", 7)
        );
        assert_eq!(candidate(&pool, "ann", Some("s-1"), None, 7), Candidate::NotLinked);
        assert_eq!(candidate(&pool, "ann", Some("s-1"), Some(" "), 7), Candidate::NotLinked);
        assert!(matches!(candidate(&pool, "ann", Some("s-1"), Some("garbage"), 7), Candidate::Invalid(_)));
        assert!(matches!(candidate(&pool, "ann", None, Some(ID), 7), Candidate::Invalid(_)));
    }

    #[test]
    fn calls_are_spaced_by_the_rate() {
        let mut pacer = Pacer::per_second(4.0);
        let start = Instant::now();
        assert_eq!(pacer.wait_before_call(start), Duration::ZERO);
        assert_eq!(pacer.wait_before_call(start), Duration::from_millis(250));
        // The second call went at +250 ms; at +600 ms the third waits until +500 ms: no wait.
        assert_eq!(pacer.wait_before_call(start + Duration::from_millis(600)), Duration::ZERO);
        assert_eq!(pacer.wait_before_call(start + Duration::from_millis(700)), Duration::from_millis(150));
    }
}
