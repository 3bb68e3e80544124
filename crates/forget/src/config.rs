//! The function's configuration, read once at start-up from the environment.

use std::time::Duration;

use directory::UserPoolId;
use lambda_foundation::ConfigError;
use lambda_foundation::env_config::{optional, required};

use crate::folder_action::FolderAction;

/// The pause between pages when `FORGET_PACE_MS` is not set.
pub const DEFAULT_PACE: Duration = Duration::from_millis(100);

/// What the forget function needs to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForgetConfig {
    /// `DIRECTORY_TABLE`.
    pub directory_table: String,
    /// `BUCKET_NAME`: the private bucket.
    pub bucket_name: String,
    /// `USER_POOL_ID`: the pools whose users may be forgotten (comma-separated), tried in
    /// turn for a record that names none.
    pub user_pool_ids: Vec<UserPoolId>,
    /// `FORGET_OBJECTS`: `keep` (default) or `delete`.
    pub action: FolderAction,
    /// `FORGET_PACE_MS`: the pause between pages and retries (default 100 ms).
    pub pace: Duration,
}

impl ForgetConfig {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(&|var| std::env::var(var).ok())
    }

    /// Reads through `lookup` (tests pass a map).
    pub fn from_lookup(lookup: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let action = match optional(lookup, "FORGET_OBJECTS") {
            None => FolderAction::Keep,
            Some(text) => FolderAction::parse(&text)
                .ok_or(ConfigError::Invalid { var: "FORGET_OBJECTS", reason: "expected keep or delete".into() })?,
        };
        let pace = match optional(lookup, "FORGET_PACE_MS") {
            None => DEFAULT_PACE,
            Some(text) => Duration::from_millis(text.parse::<u64>().ok().filter(|ms| *ms <= 10_000).ok_or(
                ConfigError::Invalid { var: "FORGET_PACE_MS", reason: "expected milliseconds from 0 to 10000".into() },
            )?),
        };
        let user_pool_ids = required(lookup, "USER_POOL_ID")?
            .split(',')
            .map(str::trim)
            .filter(|pool| !pool.is_empty())
            .map(UserPoolId::parse)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| ConfigError::Invalid { var: "USER_POOL_ID", reason: "expected user pool ids".into() })?;
        Ok(ForgetConfig {
            directory_table: required(lookup, "DIRECTORY_TABLE")?,
            bucket_name: required(lookup, "BUCKET_NAME")?,
            user_pool_ids,
            action,
            pace,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn read(vars: &[(&str, &str)]) -> Result<ForgetConfig, ConfigError> {
        let vars: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        ForgetConfig::from_lookup(&|var| vars.get(var).cloned())
    }

    const ALL: [(&str, &str); 3] =
        [("DIRECTORY_TABLE", "t"), ("BUCKET_NAME", "b-1"), ("USER_POOL_ID", "us-east-1_A1, us-east-1_B2")];

    #[test]
    fn keep_is_the_default_and_pools_are_a_list() {
        let config = read(&ALL).unwrap();
        assert_eq!(config.action, FolderAction::Keep);
        assert_eq!(config.user_pool_ids.len(), 2);
        assert_eq!(config.pace, DEFAULT_PACE);
    }

    #[test]
    fn bad_settings_name_their_variable() {
        let mut vars = ALL.to_vec();
        vars.push(("FORGET_OBJECTS", "shred"));
        assert!(read(&vars).unwrap_err().to_string().contains("FORGET_OBJECTS"));
        let mut vars = ALL.to_vec();
        vars.push(("FORGET_PACE_MS", "-1"));
        assert!(read(&vars).unwrap_err().to_string().contains("FORGET_PACE_MS"));
        assert!(read(&ALL[..2]).unwrap_err().to_string().contains("USER_POOL_ID"));
    }
}
