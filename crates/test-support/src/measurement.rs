//! The size a measuring test runs at: small in `make test`, so that CI runs every
//! measurement and its assertions, and the documented size when asked with
//! `COGNITO_BRIDGE_MEASURE=full` (the figures in README and docs/ come from those runs).

/// The environment variable that asks for full-size measurements.
pub const MEASURE_ENV: &str = "COGNITO_BRIDGE_MEASURE";

/// `full` when `COGNITO_BRIDGE_MEASURE=full`, else `ci`.
///
/// ```
/// assert_eq!(test_support::measurement::scaled(10, 1_000), 10);
/// ```
pub fn scaled<T>(ci: T, full: T) -> T {
    match std::env::var(MEASURE_ENV).as_deref() {
        Ok("full") => full,
        _ => ci,
    }
}
