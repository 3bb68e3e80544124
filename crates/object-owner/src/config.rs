//! The function's configuration, read once at start-up from the environment.

use lambda_foundation::ConfigError;
use lambda_foundation::env_config::required;

/// What object-owner needs to run: only the directory's table (the bucket and queue come
/// with each event).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectOwnerConfig {
    /// `DIRECTORY_TABLE`: the identity directory's table name.
    pub directory_table: String,
}

impl ObjectOwnerConfig {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(&|var| std::env::var(var).ok())
    }

    /// Reads through `lookup` (tests pass a map).
    pub fn from_lookup(lookup: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        Ok(ObjectOwnerConfig { directory_table: required(lookup, "DIRECTORY_TABLE")? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_required() {
        let missing = ObjectOwnerConfig::from_lookup(&|_| None).unwrap_err();
        assert_eq!(missing.to_string(), "configuration error: DIRECTORY_TABLE is not set");
        let config = ObjectOwnerConfig::from_lookup(&|_| Some(" table-1 ".into())).unwrap();
        assert_eq!(config.directory_table, "table-1");
    }
}
