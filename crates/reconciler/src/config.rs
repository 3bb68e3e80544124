//! The reconciler's configuration, read once at start-up from the environment.

use std::time::Duration;

use lambda_foundation::env_config::{optional, required};
use lambda_foundation::{ConfigError, UserPoolId};

/// `AdminGetUser` calls per second when `RECONCILE_REQUESTS_PER_SECOND` is not set: a
/// sixth of Cognito's default UserRead quota (120/s, shared by the account's every
/// `AdminGetUser` and `GetUser` in the region).
pub const DEFAULT_REQUESTS_PER_SECOND: u32 = 20;
/// The most `RECONCILE_REQUESTS_PER_SECOND` accepts: half the quota.
pub const MAX_REQUESTS_PER_SECOND: u32 = 60;
/// How long before the invocation's deadline a run stops, when
/// `RECONCILE_STOP_BEFORE_DEADLINE_SECONDS` is not set: room to send what it found and
/// save its position.
pub const DEFAULT_STOP_BEFORE_DEADLINE: Duration = Duration::from_secs(60);

/// What the reconciler needs to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReconcilerConfig {
    /// `DIRECTORY_TABLE`: the identity directory's table.
    pub directory_table: String,
    /// `USER_POOL_ID`: the pool whose users are checked (the stack's or the adopted one).
    pub user_pool_id: UserPoolId,
    /// `FORGET_QUEUE_URL`: the forget function's queue.
    pub forget_queue_url: String,
    /// `RECONCILE_REQUESTS_PER_SECOND`: the pace of `AdminGetUser` (1 to 60, default 20).
    pub requests_per_second: u32,
    /// `RECONCILE_STOP_BEFORE_DEADLINE_SECONDS`: when a run stops (default 60 s before
    /// the invocation's deadline).
    pub stop_before_deadline: Duration,
}

impl ReconcilerConfig {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(&|var| std::env::var(var).ok())
    }

    /// Reads through `lookup` (tests pass a map).
    pub fn from_lookup(lookup: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        const POOL: &str = "USER_POOL_ID";
        let pool_text = required(lookup, POOL)?;
        let user_pool_id = UserPoolId::parse(&pool_text)
            .map_err(|_| ConfigError::Invalid { var: POOL, reason: "not a user pool id".into() })?;
        Ok(ReconcilerConfig {
            directory_table: required(lookup, "DIRECTORY_TABLE")?,
            user_pool_id,
            forget_queue_url: required(lookup, "FORGET_QUEUE_URL")?,
            requests_per_second: requests_per_second(optional(lookup, "RECONCILE_REQUESTS_PER_SECOND"))?,
            stop_before_deadline: stop_before_deadline(optional(lookup, "RECONCILE_STOP_BEFORE_DEADLINE_SECONDS"))?,
        })
    }
}

/// A pace setting: a whole number from 1 to [`MAX_REQUESTS_PER_SECOND`].
pub fn requests_per_second(text: Option<String>) -> Result<u32, ConfigError> {
    match text {
        None => Ok(DEFAULT_REQUESTS_PER_SECOND),
        Some(text) => match text.trim().parse::<u32>() {
            Ok(n) if (1..=MAX_REQUESTS_PER_SECOND).contains(&n) => Ok(n),
            _ => Err(ConfigError::Invalid {
                var: "RECONCILE_REQUESTS_PER_SECOND",
                reason: format!("expected a whole number from 1 to {MAX_REQUESTS_PER_SECOND}"),
            }),
        },
    }
}

fn stop_before_deadline(text: Option<String>) -> Result<Duration, ConfigError> {
    match text {
        None => Ok(DEFAULT_STOP_BEFORE_DEADLINE),
        Some(text) => match text.trim().parse::<u64>() {
            Ok(seconds) if seconds <= 600 => Ok(Duration::from_secs(seconds)),
            _ => Err(ConfigError::Invalid {
                var: "RECONCILE_STOP_BEFORE_DEADLINE_SECONDS",
                reason: "expected whole seconds from 0 to 600".into(),
            }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        move |var| vars.get(var).cloned()
    }

    const ALL: [(&str, &str); 3] =
        [("DIRECTORY_TABLE", "t"), ("USER_POOL_ID", "us-east-1_Pool1"), ("FORGET_QUEUE_URL", "http://q")];

    #[test]
    fn table_pool_and_queue_are_required_and_the_pace_defaults_to_20() {
        let missing = ReconcilerConfig::from_lookup(&|_| None).unwrap_err();
        assert_eq!(missing.to_string(), "configuration error: USER_POOL_ID is not set");
        let config = ReconcilerConfig::from_lookup(&lookup(&ALL)).unwrap();
        assert_eq!(config.requests_per_second, DEFAULT_REQUESTS_PER_SECOND);
        assert_eq!(config.stop_before_deadline, DEFAULT_STOP_BEFORE_DEADLINE);
        let bad_pool = ReconcilerConfig::from_lookup(&lookup(&[ALL[0], ("USER_POOL_ID", "nope"), ALL[2]])).unwrap_err();
        assert!(bad_pool.to_string().contains("USER_POOL_ID"));
    }

    #[test]
    fn the_pace_is_bounded() {
        assert_eq!(requests_per_second(Some("5".into())).unwrap(), 5);
        for refused in ["0", "61", "fast", "-1"] {
            assert!(requests_per_second(Some(refused.into())).is_err(), "{refused}");
        }
    }
}
