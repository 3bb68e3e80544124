//! One time budget per request (`AUTHORIZER_DEADLINE_MS`), shared by every wait of that
//! request: the JWKS fetch, the directory read, `GetId` and the directory write.
//!
//! API Gateway waits at most 10 s for an authorizer and then answers 500 itself; Lambda
//! kills the function at its timeout, also a 500, with no log line of ours. Either way
//! the caller learns nothing and we learn nothing. So the authorizer answers first: the
//! request's [`Deadline`] is computed once, when the handler starts, and every await of
//! I/O gets only what is left of it (minus [`answer_reserve`], the time to write the
//! answer). What runs out of time is answered as that dependency's outage (500, which API
//! Gateway does not cache; see `crate::error`).
//!
//! How the budget is shared out is decided here, as pure functions of durations:
//!
//! - the directory read, when `GetId` may follow it, gets at most a third of the budget,
//!   so that a hung directory still leaves `GetId` the time to answer (a directory
//!   outage degrades to `GetId`, it does not lock users out);
//! - writing a link again that an earlier request could not finish (see
//!   `crate::identity_resolver`) gets at most a tenth: it is repair work, and a hung
//!   directory must not slow every request of that user;
//! - everything else gets what is left.
//!
//! The SDK's own timeouts ([`sdk_deadlines`]) and the JWKS fetch timeout
//! ([`jwks_fetch_timeout`]) are set no longer than the budget, so that a dependency's
//! failure normally reaches us as its own error, before our deadline cuts it short.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use lambda_foundation::sdk_config::SdkDeadlines;
use tokio::time::Instant;

/// The default budget of one request (`AUTHORIZER_DEADLINE_MS`): half the template's
/// function `Timeout` (6 s), under a third of API Gateway's 10 s.
pub const DEFAULT_DEADLINE: Duration = Duration::from_millis(3_000);
/// The smallest budget accepted: below it, a directory read and `GetId` on a normal day
/// (tens of milliseconds each, more on a cold connection) would not fit.
pub const MIN_DEADLINE: Duration = Duration::from_millis(100);
/// The largest budget accepted. API Gateway gives an authorizer 10 s in all, which also
/// covers a cold start and the answer's way back: a second of it is left for those.
pub const MAX_DEADLINE: Duration = Duration::from_millis(9_000);
/// What is kept back from Lambda's own deadline for the invocation (the runtime posts
/// the answer, the process is frozen), when that deadline is nearer than the budget.
pub const FUNCTION_TIMEOUT_MARGIN: Duration = Duration::from_millis(200);

/// The time kept at the end of a budget for rendering and returning the answer: a
/// twentieth of the budget, at most 50 ms (an answer takes microseconds; the rest is
/// slack for a loaded host).
pub fn answer_reserve(budget: Duration) -> Duration {
    (budget / 20).min(Duration::from_millis(50))
}

/// A request's deadline: the instant by which its I/O must be over, so that the answer
/// leaves within the budget. `Copy`, computed once per request and passed down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    work_until: Instant,
    budget: Duration,
}

impl Deadline {
    /// The deadline of a request starting now with `budget`.
    pub fn starting_now(budget: Duration) -> Self {
        Self::starting_at(Instant::now(), budget)
    }

    /// The deadline of a request that started at `start` with `budget`.
    pub fn starting_at(start: Instant, budget: Duration) -> Self {
        Deadline { work_until: start + budget.saturating_sub(answer_reserve(budget)), budget }
    }

    /// The budget this deadline was computed from.
    pub fn budget(&self) -> Duration {
        self.budget
    }

    /// The time left for I/O (zero once past).
    pub fn remaining(&self) -> Duration {
        self.work_until.saturating_duration_since(Instant::now())
    }

    /// Runs `work` for at most `allowance` (see [`Deadline::allowance`]). A future that is
    /// ready at once (a cached key, a cached user) costs no timer: the timer is made only
    /// when `work` first waits, so the hot path never touches the runtime's clock.
    pub fn bound<F: Future>(&self, allowance: Duration, work: F) -> Bounded<F> {
        Bounded { work, allowance, timer: None }
    }
    /// How long `step` may wait, now.
    pub fn allowance(&self, step: Step) -> Duration {
        allowance(step, self.remaining(), self.budget)
    }
}

pin_project_lite::pin_project! {
    /// `work`, cut short after `allowance` ([`Deadline::bound`]). A plain future rather
    /// than an `async fn`, so that `work` is stored once, in place: the futures of the
    /// hot path keep the size (and the copying) they had without a deadline.
    pub struct Bounded<F> {
        #[pin]
        work: F,
        allowance: Duration,
        // Boxed: made only once `work` waits, and a timer is larger than a pointer.
        timer: Option<Pin<Box<tokio::time::Sleep>>>,
    }
}

impl<F: Future> Future for Bounded<F> {
    type Output = Result<F::Output, OutOfTime>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(output) = this.work.poll(cx) {
            return Poll::Ready(Ok(output));
        }
        let allowance = *this.allowance;
        let timer = this.timer.get_or_insert_with(|| Box::pin(tokio::time::sleep(allowance)));
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(OutOfTime { allowance })),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// A wait of one request, as far as its share of the budget goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The JWKS fetch on an unknown key.
    Keys,
    /// The directory read by (pool, `sub`); `get_id_may_follow`: a miss or a failure
    /// would be resolved with `GetId`, which must still have time.
    DirectoryRead {
        /// Whether `GetId` may follow.
        get_id_may_follow: bool,
    },
    /// Cognito Identity `GetId`.
    GetId,
    /// The directory write after `GetId`, for a user seen for the first time.
    RecordLink,
    /// The directory write again, for a user whose earlier write did not finish.
    RecordLinkAgain,
}

impl Step {
    /// A short stable name for the log line of a step that ran out of time.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Keys => "jwks_fetch",
            Step::DirectoryRead { .. } => "directory_read",
            Step::GetId => "get_id",
            Step::RecordLink | Step::RecordLinkAgain => "directory_write",
        }
    }
}

/// How long `step` may wait when `remaining` is left of `budget` (see the module's
/// documentation for why each share is what it is).
pub fn allowance(step: Step, remaining: Duration, budget: Duration) -> Duration {
    match step {
        Step::DirectoryRead { get_id_may_follow: true } => remaining.min(budget / 3),
        Step::RecordLinkAgain => remaining.min(budget / 10),
        Step::Keys | Step::DirectoryRead { get_id_may_follow: false } | Step::GetId | Step::RecordLink => remaining,
    }
}

/// The budget of one invocation: `budget`, or less when Lambda's own deadline for the
/// invocation (`function_deadline_ms`, from the runtime, in ms since the epoch) comes
/// sooner, minus [`FUNCTION_TIMEOUT_MARGIN`]. `now_ms`: the current time, same clock.
///
/// The function timeout is not in Lambda's environment, so this is where a budget that
/// is not below it is caught: the second value is `true` when the budget was cut.
pub fn invocation_budget(budget: Duration, function_deadline_ms: u64, now_ms: u64) -> (Duration, bool) {
    let left =
        Duration::from_millis(function_deadline_ms.saturating_sub(now_ms)).saturating_sub(FUNCTION_TIMEOUT_MARGIN);
    if left < budget { (left, true) } else { (budget, false) }
}

/// The SDK's retries and timeouts under `budget`: one call, retries included, never
/// longer than the budget; one attempt at most half of it (so a hung attempt leaves
/// time for one more); a connection at most a third. With the default budget these are
/// the SDK settings the authorizer always had (3 s, 1.5 s, 1 s).
pub fn sdk_deadlines(budget: Duration) -> SdkDeadlines {
    SdkDeadlines {
        max_attempts: 3,
        initial_backoff: Duration::from_millis(50),
        connect_timeout: (budget / 3).min(Duration::from_secs(1)),
        attempt_timeout: (budget / 2).min(Duration::from_millis(1_500)),
        operation_timeout: budget,
    }
}

/// The JWKS fetch timeout under `budget`: the configured `fetch_timeout`, or two thirds
/// of the budget if that is shorter, so that a hung JWKS endpoint ends in the verifier's
/// own failure (which it remembers for its refetch throttle) before the request's deadline.
pub fn jwks_fetch_timeout(fetch_timeout: Duration, budget: Duration) -> Duration {
    fetch_timeout.min(budget * 2 / 3)
}

/// A wait cut short by the request's deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("no answer within {} ms", allowance.as_millis())]
pub struct OutOfTime {
    /// How long the wait was allowed.
    pub allowance: Duration,
}

/// Logs, once per wait cut short, which step ran out of time and how long it had.
pub fn log_out_of_time(step: Step, out: OutOfTime, sub: Option<&str>) {
    tracing::warn!(
        step = step.as_str(),
        allowed_ms = u64::try_from(out.allowance.as_millis()).unwrap_or(u64::MAX),
        sub,
        "a dependency did not answer within the request's deadline"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: fn(u64) -> Duration = Duration::from_millis;

    #[test]
    fn a_directory_read_that_get_id_may_follow_leaves_it_two_thirds() {
        let read = Step::DirectoryRead { get_id_may_follow: true };
        assert_eq!(allowance(read, MS(2_950), MS(3_000)), MS(1_000));
        assert_eq!(allowance(read, MS(400), MS(3_000)), MS(400), "never more than is left");
        let only_read = Step::DirectoryRead { get_id_may_follow: false };
        assert_eq!(allowance(only_read, MS(2_950), MS(3_000)), MS(2_950));
        assert_eq!(allowance(Step::GetId, MS(1_900), MS(3_000)), MS(1_900));
        assert_eq!(allowance(Step::RecordLink, MS(1_200), MS(3_000)), MS(1_200));
        assert_eq!(allowance(Step::RecordLinkAgain, MS(2_950), MS(3_000)), MS(300));
        assert_eq!(allowance(Step::Keys, Duration::ZERO, MS(3_000)), Duration::ZERO);
    }

    #[test]
    fn the_answer_keeps_a_small_reserve() {
        assert_eq!(answer_reserve(MS(3_000)), MS(50));
        assert_eq!(answer_reserve(MS(200)), MS(10));
    }

    #[test]
    fn lambdas_own_deadline_cuts_a_budget_that_does_not_fit() {
        assert_eq!(invocation_budget(MS(3_000), 10_000 + 6_000, 10_000), (MS(3_000), false));
        assert_eq!(invocation_budget(MS(3_000), 10_000 + 3_000, 10_000), (MS(2_800), true));
        assert_eq!(invocation_budget(MS(3_000), 9_000, 10_000), (Duration::ZERO, true), "already past");
    }

    #[test]
    fn the_sdk_never_waits_longer_than_the_budget() {
        let default = sdk_deadlines(DEFAULT_DEADLINE);
        assert_eq!(default.operation_timeout, MS(3_000));
        assert_eq!(default.attempt_timeout, MS(1_500));
        assert_eq!(default.connect_timeout, MS(1_000));
        for budget in [MIN_DEADLINE, MS(1_000), MAX_DEADLINE] {
            let sdk = sdk_deadlines(budget);
            assert!(sdk.operation_timeout <= budget && sdk.attempt_timeout <= budget / 2, "{budget:?}");
            assert!(sdk.connect_timeout <= sdk.attempt_timeout);
        }
        assert_eq!(jwks_fetch_timeout(MS(2_000), DEFAULT_DEADLINE), MS(2_000));
        assert_eq!(jwks_fetch_timeout(MS(2_000), MS(1_500)), MS(1_000));
    }

    #[tokio::test]
    async fn a_wait_is_cut_at_its_allowance_and_a_ready_one_needs_no_timer() {
        let deadline = Deadline::starting_now(MS(1_000));
        assert!(deadline.remaining() <= MS(950));
        let started = Instant::now();
        let hung = deadline.bound(MS(60), std::future::pending::<()>()).await;
        assert_eq!(hung, Err(OutOfTime { allowance: MS(60) }));
        assert!(started.elapsed() >= MS(60) && deadline.remaining() <= MS(890));
        assert_eq!(deadline.bound(MS(60), async { 7 }).await, Ok(7));
        let slow = deadline.bound(MS(500), async {
            tokio::time::sleep(MS(10)).await;
            8
        });
        assert_eq!(slow.await, Ok(8));
        let past = Deadline::starting_at(Instant::now() - MS(2_000), MS(1_000));
        assert_eq!(past.remaining(), Duration::ZERO);
    }

    #[test]
    fn a_ready_wait_runs_outside_any_runtime() {
        let deadline = Deadline::starting_now(MS(1_000));
        let work = deadline.bound(MS(300), async { 9 });
        let mut work = std::pin::pin!(work);
        let waker = std::task::Waker::noop();
        let polled = work.as_mut().poll(&mut std::task::Context::from_waker(waker));
        assert_eq!(polled, Poll::Ready(Ok(9)));
    }
}
