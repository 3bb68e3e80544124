//! One reconciler run: continue the pool's pass from its saved position, check each user
//! at the configured pace, send a forget message for each one the pool no longer has,
//! and save the position before stopping (at the table's end, near the deadline, at a
//! limit, or on a failure). The position never passes a missing user whose message was
//! not sent, nor a user that could not be checked.

use std::time::Duration;

use aws_sdk_cognitoidentityprovider::Client as IdpClient;
use aws_sdk_sqs::Client as SqsClient;
use directory::{IdentityDirectory, ReconcileProgress};
use lambda_foundation::UserPoolId;
use tokio::time::Instant;

use crate::forget_message::{MAX_BATCH, send_batch};
use crate::pace::{Pace, PaceSignal};
use crate::run_report::{RunReport, StopReason};
use crate::user_check::{UserCheck, check_user};

/// Items a scan page reads (users or not).
pub const SCAN_PAGE_ITEMS: i32 = 100;
/// Failed tries of one user (throttled or unavailable) before the run stops.
pub const MAX_TRIES_PER_USER: u32 = 4;

/// The reconciler: its clients, pool, queue and pace. Build once per process.
#[derive(Debug, Clone)]
pub struct Reconciler {
    idp: IdpClient,
    sqs: SqsClient,
    directory: IdentityDirectory,
    pool: UserPoolId,
    queue_url: String,
    requests_per_second: u32,
    dry_run: bool,
}

/// When a run must stop.
#[derive(Debug, Clone, Copy)]
pub struct RunLimits {
    /// Stop (send, save) once this instant is reached.
    pub stop_at: Instant,
    /// Stop after checking this many users.
    pub max_users: Option<u64>,
}

impl RunLimits {
    /// Stop `budget` from now, with no user limit.
    pub fn within(budget: Duration) -> Self {
        RunLimits { stop_at: Instant::now() + budget, max_users: None }
    }
}

impl Reconciler {
    /// A reconciler of `pool`'s users in `directory`, sending to `queue_url`, at
    /// `requests_per_second` `AdminGetUser` calls.
    pub fn new(
        idp: IdpClient,
        sqs: SqsClient,
        directory: IdentityDirectory,
        pool: UserPoolId,
        queue_url: impl Into<String>,
        requests_per_second: u32,
    ) -> Self {
        Reconciler { idp, sqs, directory, pool, queue_url: queue_url.into(), requests_per_second, dry_run: false }
    }

    /// Checks and counts, but sends nothing and saves no position.
    pub fn dry_run(mut self, dry_run: bool) -> Self {
        self.dry_run = dry_run;
        self
    }

    /// One run (see the module doc); `now` is Unix seconds.
    pub async fn run(&self, now: u64, limits: RunLimits) -> RunReport {
        let mut report = RunReport::default();
        let mut progress = match self.directory.reconcile_progress(&self.pool).await {
            Ok(Some(progress)) => progress,
            Ok(None) => ReconcileProgress { pass_started_at: now, ..ReconcileProgress::default() },
            Err(error) => {
                tracing::error!(error = %error, "reading the reconcile position failed");
                report.stop = StopReason::DirectoryFailed;
                return report;
            }
        };
        if progress.position.is_none() && progress.checked == 0 && progress.errors == 0 {
            progress.pass_started_at = now;
        }
        report.stop = self.sweep(&mut progress, &mut report, limits, now).await;
        report
    }

    async fn sweep(
        &self,
        progress: &mut ReconcileProgress,
        report: &mut RunReport,
        limits: RunLimits,
        now: u64,
    ) -> StopReason {
        let mut pace = Pace::per_second(self.requests_per_second);
        let mut missing: Vec<String> = Vec::new();
        loop {
            if Instant::now() >= limits.stop_at {
                return self.stop(progress, report, &mut missing, StopReason::Deadline, now).await;
            }
            report.scan_calls += 1;
            let page = match self.directory.scan_users(progress.position.as_deref(), SCAN_PAGE_ITEMS).await {
                Ok(page) => page,
                Err(error) => {
                    tracing::error!(error = %error, "scanning the directory failed");
                    return self.stop(progress, report, &mut missing, StopReason::DirectoryFailed, now).await;
                }
            };
            report.items_read += page.items_read;
            for user in &page.users {
                if Instant::now() >= limits.stop_at {
                    return self.stop(progress, report, &mut missing, StopReason::Deadline, now).await;
                }
                if limits.max_users.is_some_and(|max| report.checked >= max) {
                    return self.stop(progress, report, &mut missing, StopReason::Limit, now).await;
                }
                if user.user_pool_id != self.pool.as_str() {
                    report.other_pool += 1;
                    progress.position = Some(user.key.clone());
                    continue;
                }
                let mut tries = 0;
                let verdict = loop {
                    pace.wait().await;
                    report.admin_get_user_calls += 1;
                    let check = check_user(&self.idp, &self.pool, &user.sub).await;
                    match check {
                        UserCheck::Present | UserCheck::Missing => {
                            pace.record(PaceSignal::Answered);
                            break Ok(check);
                        }
                        UserCheck::Throttled => {
                            pace.record(PaceSignal::Throttled);
                            report.errors += 1;
                            report.throttled += 1;
                            progress.errors += 1;
                            tries += 1;
                            if tries >= MAX_TRIES_PER_USER {
                                break Err(StopReason::Throttled);
                            }
                        }
                        UserCheck::Unavailable(failure) => {
                            failure.log();
                            pace.record(PaceSignal::Throttled);
                            report.errors += 1;
                            progress.errors += 1;
                            tries += 1;
                            if tries >= MAX_TRIES_PER_USER {
                                break Err(StopReason::Unavailable);
                            }
                        }
                        UserCheck::Fault(failure) => {
                            failure.log();
                            report.errors += 1;
                            progress.errors += 1;
                            break Err(StopReason::Fault);
                        }
                    }
                    if Instant::now() >= limits.stop_at {
                        break Err(StopReason::Deadline);
                    }
                };
                match verdict {
                    // The user stays unchecked: the position stays before them.
                    Err(reason) => return self.stop(progress, report, &mut missing, reason, now).await,
                    Ok(UserCheck::Missing) => {
                        report.checked += 1;
                        report.missing += 1;
                        progress.checked += 1;
                        progress.missing += 1;
                        missing.push(user.sub.clone());
                    }
                    Ok(_) => {
                        report.checked += 1;
                        report.present += 1;
                        progress.checked += 1;
                    }
                }
                progress.position = Some(user.key.clone());
                if missing.len() == MAX_BATCH && !self.flush(report, &mut missing).await {
                    return StopReason::QueueFailed;
                }
            }
            match page.next {
                Some(next) => {
                    progress.position = Some(next);
                    if !self.save(progress, report, &mut missing, now).await {
                        return report.stop_or(StopReason::QueueFailed);
                    }
                }
                None => {
                    report.pass_finished = true;
                    return self.stop(progress, report, &mut missing, StopReason::PassFinished, now).await;
                }
            }
        }
    }

    /// Sends what is pending and saves the position; the run ends with `reason` (or with
    /// the failure that kept it from saving).
    async fn stop(
        &self,
        progress: &mut ReconcileProgress,
        report: &mut RunReport,
        missing: &mut Vec<String>,
        reason: StopReason,
        now: u64,
    ) -> StopReason {
        if reason == StopReason::PassFinished {
            // The next run starts a new pass from the top.
            *progress = ReconcileProgress {
                position: None,
                pass_started_at: now,
                passes: progress.passes + 1,
                last_pass_finished_at: Some(now),
                ..ReconcileProgress::default()
            };
        }
        if self.save(progress, report, missing, now).await { reason } else { report.stop_or(StopReason::QueueFailed) }
    }

    /// Sends the pending messages, then records the position. `false` when either failed:
    /// the saved position then stays where it was.
    async fn save(
        &self,
        progress: &mut ReconcileProgress,
        report: &mut RunReport,
        missing: &mut Vec<String>,
        now: u64,
    ) -> bool {
        if !self.flush(report, missing).await {
            return false;
        }
        if self.dry_run {
            return true;
        }
        progress.updated_at = now;
        match self.directory.save_reconcile_progress(&self.pool, progress).await {
            Ok(()) => true,
            Err(error) => {
                tracing::error!(error = %error, "saving the reconcile position failed");
                report.stop = StopReason::DirectoryFailed;
                false
            }
        }
    }

    /// Sends one message per pending missing user (ten per call).
    async fn flush(&self, report: &mut RunReport, missing: &mut Vec<String>) -> bool {
        if self.dry_run {
            missing.clear();
            return true;
        }
        while !missing.is_empty() {
            let take = missing.len().min(MAX_BATCH);
            match send_batch(&self.sqs, &self.queue_url, &self.pool, &missing[..take]).await {
                Ok(calls) => {
                    report.send_calls += u64::from(calls);
                    report.sent += take as u64;
                    missing.drain(..take);
                }
                Err(error) => {
                    report.send_calls += 1;
                    tracing::error!(error = %error, "sending to the forget queue failed");
                    report.stop = StopReason::QueueFailed;
                    return false;
                }
            }
        }
        true
    }
}

impl RunReport {
    /// The failure already recorded on the report, or `fallback`.
    fn stop_or(&self, fallback: StopReason) -> StopReason {
        match self.stop {
            StopReason::PassFinished => fallback,
            recorded => recorded,
        }
    }
}
