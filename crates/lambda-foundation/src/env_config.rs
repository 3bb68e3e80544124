//! Configuration from the environment: one error line naming the variable, which is
//! what a function prints before it stops at start-up.

/// A configuration value is missing or unusable; `Display` is the one line start-up prints.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A required variable is unset or empty.
    #[error("configuration error: {0} is not set")]
    Missing(&'static str),
    /// A variable is set to something unusable.
    #[error("configuration error: {var} is invalid: {reason}")]
    Invalid {
        /// The variable's name.
        var: &'static str,
        /// What is wrong with it (never the value of a secret).
        reason: String,
    },
}

/// Reads a required variable through `lookup`, treating empty as unset.
pub fn required(lookup: &impl Fn(&str) -> Option<String>, var: &'static str) -> Result<String, ConfigError> {
    lookup(var).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()).ok_or(ConfigError::Missing(var))
}

/// Reads an optional variable through `lookup`, treating empty as unset.
pub fn optional(lookup: &impl Fn(&str) -> Option<String>, var: &str) -> Option<String> {
    lookup(var).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// Reads an optional `true`/`false` variable (any case), `default` when unset.
pub fn optional_bool(
    lookup: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    default: bool,
) -> Result<bool, ConfigError> {
    match optional(lookup, var) {
        None => Ok(default),
        Some(value) if value.eq_ignore_ascii_case("true") => Ok(true),
        Some(value) if value.eq_ignore_ascii_case("false") => Ok(false),
        Some(_) => Err(ConfigError::Invalid { var, reason: "expected true or false".into() }),
    }
}

/// Reads a variable through `parse`, naming the variable when the value is refused.
pub fn parsed<T, E: std::fmt::Display>(
    lookup: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    parse: impl Fn(&str) -> Result<T, E>,
) -> Result<T, ConfigError> {
    let value = required(lookup, var)?;
    parse(&value).map_err(|err| ConfigError::Invalid { var, reason: err.to_string() })
}

/// The configuration a function starts with, or its one error line on stderr and exit
/// status 1: a function with unusable settings must stop at start-up, where the Lambda
/// console shows the line, rather than fail every request later.
///
/// ```no_run
/// use lambda_foundation::env_config::{config_or_exit, required};
///
/// let table = config_or_exit(required(&|name| std::env::var(name).ok(), "DIRECTORY_TABLE"));
/// # let _ = table;
/// ```
pub fn config_or_exit<T, E: std::fmt::Display>(configured: Result<T, E>) -> T {
    match configured {
        Ok(config) => config,
        Err(err) => {
            eprintln!("{err}");
            std::process::exit(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(value: Option<&str>) -> impl Fn(&str) -> Option<String> {
        let value = value.map(str::to_owned);
        move |_| value.clone()
    }

    #[test]
    fn empty_is_unset() {
        assert_eq!(required(&lookup(Some("  ")), "X"), Err(ConfigError::Missing("X")));
        assert_eq!(optional(&lookup(Some("")), "X"), None);
        assert_eq!(required(&lookup(Some(" v ")), "X").unwrap(), "v");
    }

    #[test]
    fn booleans_are_true_or_false_only() {
        assert!(optional_bool(&lookup(Some("TRUE")), "B", false).unwrap());
        assert!(!optional_bool(&lookup(None), "B", false).unwrap());
        let err = optional_bool(&lookup(Some("yes")), "B", false).unwrap_err();
        assert_eq!(err.to_string(), "configuration error: B is invalid: expected true or false");
    }

    #[test]
    fn a_refused_value_names_its_variable() {
        let err = parsed(&lookup(Some("x")), "IDENTITY_POOL_ID", crate::IdentityPoolId::parse).unwrap_err();
        assert!(err.to_string().starts_with("configuration error: IDENTITY_POOL_ID is invalid: "), "{err}");
    }
}
