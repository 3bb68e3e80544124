//! What a function counts in one invocation.

/// A function's counts for one invocation, in the fixed order of [`MetricSet::NAMES`].
///
/// Every name is emitted on every line, zeros included: a metric that is sometimes
/// absent would leave gaps that alarms read as missing data, and a sum over a period
/// would not be a rate of invocations.
pub trait MetricSet<const N: usize> {
    /// The metric names, CloudWatch's `Name` of each value; plain ASCII identifiers.
    const NAMES: [&'static str; N];

    /// The counts, in the order of [`MetricSet::NAMES`].
    fn counts(&self) -> [u64; N];
}
