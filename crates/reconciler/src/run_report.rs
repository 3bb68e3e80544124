//! What one reconciler run found: the counts it logs (one line), writes as EMF metrics
//! (one line, see the `function-metrics` crate) and returns. Counts only: never a `sub`,
//! a username or a pool's user.

use function_metrics::{MetricSet, ProcessMetrics};
use serde::Serialize;

/// The process's metrics writer: installed by the function's `main`, silent elsewhere.
pub static METRICS: ProcessMetrics<RunReport, RUN_METRICS> = ProcessMetrics::new();

/// How many metrics a run's line holds.
pub const RUN_METRICS: usize = 7;

/// Why a run ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum StopReason {
    /// The pass reached the table's end: the next run starts a new pass.
    #[default]
    PassFinished,
    /// The invocation's deadline was near: the next run continues.
    Deadline,
    /// The caller's limit of users was reached (the CLI's `--limit`).
    Limit,
    /// Cognito kept throttling: the next run continues with the user it could not check.
    Throttled,
    /// Cognito did not answer usably, again and again.
    Unavailable,
    /// A fault of the deployment (a permission, the pool): an operator must act.
    Fault,
    /// The forget queue could not take the messages: the position was not saved past them.
    QueueFailed,
    /// The directory failed (scan or progress).
    DirectoryFailed,
}

impl StopReason {
    /// Whether the run ended on a failure (an operator may have to act), not on its
    /// pass's end, its deadline or its limit.
    pub fn is_failure(self) -> bool {
        !matches!(self, StopReason::PassFinished | StopReason::Deadline | StopReason::Limit)
    }
}

/// One run's counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunReport {
    /// Users checked (present or missing).
    pub checked: u64,
    /// Users the pool still has.
    pub present: u64,
    /// Users the pool no longer has.
    pub missing: u64,
    /// Forget messages sent (0 in a dry run).
    pub sent: u64,
    /// Checks that failed (throttled, unavailable, fault): those users are not sent.
    pub errors: u64,
    /// Throttled answers among the errors.
    pub throttled: u64,
    /// Users of another pool in the directory (not this reconciler's to check).
    pub other_pool: u64,
    /// Directory items the scan read (users or not): the run's read cost.
    pub items_read: u64,
    /// `AdminGetUser` calls made.
    pub admin_get_user_calls: u64,
    /// `Scan` calls made.
    pub scan_calls: u64,
    /// `SendMessageBatch` calls made.
    pub send_calls: u64,
    /// Whether this run finished a pass over the table.
    pub pass_finished: bool,
    /// Why the run ended.
    pub stop: StopReason,
}

impl RunReport {
    /// Writes the run's log line and metrics line.
    pub fn record(&self) {
        let level_error =
            matches!(self.stop, StopReason::Fault | StopReason::QueueFailed | StopReason::DirectoryFailed);
        macro_rules! line {
            ($level:ident) => {
                tracing::$level!(
                    checked = self.checked,
                    present = self.present,
                    missing = self.missing,
                    sent = self.sent,
                    errors = self.errors,
                    throttled = self.throttled,
                    other_pool = self.other_pool,
                    items_read = self.items_read,
                    pass_finished = self.pass_finished,
                    stop = ?self.stop,
                    "reconcile run"
                )
            };
        }
        if level_error {
            line!(error);
        } else {
            line!(info);
        }
        METRICS.emit(self);
    }
}

impl MetricSet<RUN_METRICS> for RunReport {
    const NAMES: [&'static str; RUN_METRICS] = [
        "UsersChecked",
        "UsersMissing",
        "ForgetMessagesSent",
        "CheckErrors",
        "CheckThrottled",
        "DirectoryItemsRead",
        "PassesFinished",
    ];

    fn counts(&self) -> [u64; RUN_METRICS] {
        [
            self.checked,
            self.missing,
            self.sent,
            self.errors,
            self.throttled,
            self.items_read,
            u64::from(self.pass_finished),
        ]
    }
}
