//! The link function's metrics: one EMF line per request (see the `function-metrics`
//! crate) counting its outcome. The outcome is mapped to counts by a pure function
//! ([`MetricSet::counts`]); the line carries counts only, never a token, `sub`, user name
//! or IdentityId.

use function_metrics::{MetricSet, ProcessMetrics};

use crate::error::LinkError;
use crate::link_decision::LinkOutcome;

/// The process's metrics writer: installed by the function's `main`, silent elsewhere
/// (tests that call the handler in-process).
pub static METRICS: ProcessMetrics<LinkMetric, LINK_METRICS> = ProcessMetrics::new();

/// How many metrics a link line holds.
pub const LINK_METRICS: usize = 7;

/// What became of one link request: exactly one of these per request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkMetric {
    /// 200 with `changed`: this request wrote the link (directory entry or attribute).
    Created,
    /// 200 without `changed`: the link was already there.
    Repeat,
    /// 409: the directory links this user or this IdentityId differently.
    Conflict,
    /// 403: the signing credentials are another user's or another identity's.
    Mismatch,
    /// 429: Cognito or the directory kept throttling.
    Throttled,
    /// 400, 401, 405, 410: the request itself was wrong (body, token, method), or its user
    /// was forgotten.
    Rejected,
    /// 502, 503: an upstream was unavailable or failed.
    Failed,
}

impl LinkMetric {
    /// The metric of a request's result.
    pub fn of(result: &Result<LinkOutcome, LinkError>) -> Self {
        match result {
            Ok(done) if done.changed => LinkMetric::Created,
            Ok(_) => LinkMetric::Repeat,
            Err(LinkError::Conflict) => LinkMetric::Conflict,
            Err(LinkError::Forbidden(_)) => LinkMetric::Mismatch,
            Err(LinkError::Throttled(_)) => LinkMetric::Throttled,
            Err(
                LinkError::BadRequest(_)
                | LinkError::InvalidToken(_)
                | LinkError::MethodNotAllowed
                | LinkError::Forgotten,
            ) => LinkMetric::Rejected,
            Err(LinkError::Unavailable(_) | LinkError::Upstream(_)) => LinkMetric::Failed,
        }
    }
}

impl MetricSet<LINK_METRICS> for LinkMetric {
    const NAMES: [&'static str; LINK_METRICS] =
        ["LinkCreated", "LinkRepeat", "LinkConflict", "LinkMismatch", "LinkThrottled", "LinkRejected", "LinkFailed"];

    fn counts(&self) -> [u64; LINK_METRICS] {
        let mut counts = [0; LINK_METRICS];
        let index = match self {
            LinkMetric::Created => 0,
            LinkMetric::Repeat => 1,
            LinkMetric::Conflict => 2,
            LinkMetric::Mismatch => 3,
            LinkMetric::Throttled => 4,
            LinkMetric::Rejected => 5,
            LinkMetric::Failed => 6,
        };
        counts[index] = 1;
        counts
    }
}

/// Writes the request's line, when the process's writer is installed.
pub(crate) fn record(result: &Result<LinkOutcome, LinkError>) {
    METRICS.emit(&LinkMetric::of(result));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Upstream;

    fn outcome(changed: bool) -> LinkOutcome {
        LinkOutcome {
            identity_id: "us-east-1:a".into(),
            sub: "s".into(),
            username: "u".into(),
            changed,
            refresh_tokens: false,
        }
    }

    fn named(result: Result<LinkOutcome, LinkError>) -> Vec<(&'static str, u64)> {
        LinkMetric::NAMES.into_iter().zip(LinkMetric::of(&result).counts()).filter(|(_, n)| *n > 0).collect()
    }

    #[test]
    fn every_result_counts_exactly_one_outcome() {
        let cases: [(Result<LinkOutcome, LinkError>, &str); 10] = [
            (Ok(outcome(true)), "LinkCreated"),
            (Ok(outcome(false)), "LinkRepeat"),
            (Err(LinkError::Conflict), "LinkConflict"),
            (Err(LinkError::Forbidden("x")), "LinkMismatch"),
            (Err(LinkError::Throttled(Upstream::Cognito)), "LinkThrottled"),
            (Err(LinkError::Throttled(Upstream::Directory)), "LinkThrottled"),
            (Err(LinkError::BadRequest("x")), "LinkRejected"),
            (Err(LinkError::InvalidToken("x".into())), "LinkRejected"),
            (Err(LinkError::Unavailable(Upstream::Directory)), "LinkFailed"),
            (Err(LinkError::Upstream("x".into())), "LinkFailed"),
        ];
        for (result, name) in cases {
            assert_eq!(named(result), [(name, 1)]);
        }
        assert_eq!(named(Err(LinkError::MethodNotAllowed)), [("LinkRejected", 1)]);
    }

    /// Values a link request carries that must never reach the metrics line.
    const FORBIDDEN: [&str; 5] = [
        "eyJraWQiOiJkdW1teSIsImFsZyI6IlJTMjU2In0.eyJzdWIiOiI2ZjBlIn0.c2lnbmF0dXJl",
        "paula.secret",
        "paula@example.com",
        "6f0e8f3a-2b1c-4d5e-8f70-1a2b3c4d5e6f",
        "us-east-1:1f0c7e2a-3b4c-4d5e-8f60-718293a4b5c6",
    ];

    #[test]
    fn the_line_of_every_outcome_holds_counts_and_the_function_name_only() {
        let line = function_metrics::EmfLine::new::<LinkMetric, LINK_METRICS>("bridge-LinkFunction-1");
        let done = |changed| LinkOutcome {
            identity_id: FORBIDDEN[4].into(),
            sub: FORBIDDEN[3].into(),
            username: FORBIDDEN[1].into(),
            changed,
            refresh_tokens: true,
        };
        let results: [Result<LinkOutcome, LinkError>; 9] = [
            Ok(done(true)),
            Ok(done(false)),
            Err(LinkError::Conflict),
            Err(LinkError::Forbidden("the signing credentials belong to another user than the id token")),
            Err(LinkError::Throttled(Upstream::Cognito)),
            Err(LinkError::InvalidToken(FORBIDDEN[0].into())),
            Err(LinkError::BadRequest("x")),
            Err(LinkError::Unavailable(Upstream::Directory)),
            Err(LinkError::Upstream(FORBIDDEN[2].into())),
        ];
        for result in results {
            let text = line.render(1_765_100_000_000, &LinkMetric::of(&result));
            for value in FORBIDDEN {
                assert!(!text.contains(value), "{value} in {text}");
            }
            let document: serde_json::Value = serde_json::from_str(&text).unwrap();
            let mut keys: Vec<&str> = document.as_object().unwrap().keys().map(String::as_str).collect();
            keys.sort_unstable();
            let mut expected = vec!["FunctionName", "_aws"];
            expected.extend(LinkMetric::NAMES);
            expected.sort_unstable();
            assert_eq!(keys, expected);
            let total: u64 = LinkMetric::NAMES.iter().map(|name| document[name].as_u64().unwrap()).sum();
            assert_eq!(total, 1, "{text}");
        }
    }
}
