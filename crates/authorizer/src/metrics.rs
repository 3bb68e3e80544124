//! The authorizer's metrics: one EMF line per call (see the `function-metrics` crate),
//! with the decision, where the IdentityId came from and what the directory and `GetId`
//! did on the way. What a call did is gathered as plain data ([`AuthorizerCall`]) and
//! mapped to counts by a pure function ([`MetricSet::counts`]); the line carries counts
//! only, never a token, `sub`, user name or IdentityId.

use function_metrics::{MetricSet, ProcessMetrics};

use crate::decision::Verdict;
use crate::error::AuthorizerError;
pub use crate::identity_notes::{IdentityNotes, IdentitySource};

/// The process's metrics writer: installed by the function's `main`, silent elsewhere
/// (tests and benches that call the authorizer in-process).
pub static METRICS: ProcessMetrics<AuthorizerCall, AUTHORIZER_METRICS> = ProcessMetrics::new();

/// How many metrics an authorizer line holds.
pub const AUTHORIZER_METRICS: usize = 12;

/// The answer of one call, as the metrics count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// An Allow of the called route.
    Allow,
    /// A Deny (not linked, a contradicted claim, a route rule the token fails).
    Deny,
    /// 401: no token, a bad token, a malformed event, Cognito refusing the login.
    Unauthorized,
    /// 500: a failure on our side.
    Failed {
        /// The failure is Cognito Identity throttling `GetId`.
        get_id_throttled: bool,
    },
}

impl Decision {
    /// The decision of an outcome, `route_denied` when an Allow's route rules close the
    /// called route.
    pub(crate) fn of(outcome: Result<&Verdict, &AuthorizerError>, route_denied: bool) -> Self {
        match outcome {
            Ok(Verdict::Allow(_)) if route_denied => Decision::Deny,
            Ok(Verdict::Allow(_)) => Decision::Allow,
            Ok(Verdict::Deny { .. }) => Decision::Deny,
            Err(err) if err.is_unauthorized() => Decision::Unauthorized,
            Err(err) => Decision::Failed { get_id_throttled: *err == AuthorizerError::IdentityThrottled },
        }
    }
}

/// What one call did: its decision and what finding the IdentityId cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthorizerCall {
    /// The answer.
    pub decision: Decision,
    /// The IdentityId's source and the directory's and `GetId`'s part.
    pub identity: IdentityNotes,
}

impl MetricSet<AUTHORIZER_METRICS> for AuthorizerCall {
    const NAMES: [&'static str; AUTHORIZER_METRICS] = [
        "AuthorizerAllow",
        "AuthorizerDeny",
        "AuthorizerUnauthorized",
        "AuthorizerFailed",
        "GetIdThrottled",
        "IdentityFromClaim",
        "IdentityFromCache",
        "IdentityFromDirectory",
        "IdentityFromGetId",
        "GetIdFallback",
        "DirectoryMiss",
        "DirectoryError",
    ];

    fn counts(&self) -> [u64; AUTHORIZER_METRICS] {
        let decision = self.decision;
        let source = self.identity.source;
        let count = |yes: bool| u64::from(yes);
        [
            count(decision == Decision::Allow),
            count(decision == Decision::Deny),
            count(decision == Decision::Unauthorized),
            count(matches!(decision, Decision::Failed { .. })),
            count(decision == Decision::Failed { get_id_throttled: true }),
            count(source == Some(IdentitySource::Claim)),
            count(source == Some(IdentitySource::Cache)),
            count(source == Some(IdentitySource::Directory)),
            count(source == Some(IdentitySource::GetId)),
            count(self.identity.get_id_fallback),
            count(self.identity.directory_miss),
            count(self.identity.directory_error),
        ]
    }
}

/// Writes the call's line, when the process's writer is installed.
pub(crate) fn record(outcome: Result<&Verdict, &AuthorizerError>, route_denied: bool, identity: IdentityNotes) {
    if METRICS.is_installed() {
        METRICS.emit(&AuthorizerCall { decision: Decision::of(outcome, route_denied), identity });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::RejectReason;

    fn named(call: AuthorizerCall) -> Vec<(&'static str, u64)> {
        AuthorizerCall::NAMES.into_iter().zip(call.counts()).filter(|(_, count)| *count > 0).collect()
    }

    fn call(decision: Decision, identity: IdentityNotes) -> AuthorizerCall {
        AuthorizerCall { decision, identity }
    }

    #[test]
    fn each_decision_counts_once() {
        let none = IdentityNotes::default();
        assert_eq!(named(call(Decision::Allow, none)), [("AuthorizerAllow", 1)]);
        assert_eq!(named(call(Decision::Deny, none)), [("AuthorizerDeny", 1)]);
        assert_eq!(named(call(Decision::Unauthorized, none)), [("AuthorizerUnauthorized", 1)]);
        assert_eq!(named(call(Decision::Failed { get_id_throttled: false }, none)), [("AuthorizerFailed", 1)]);
        assert_eq!(
            named(call(Decision::Failed { get_id_throttled: true }, none)),
            [("AuthorizerFailed", 1), ("GetIdThrottled", 1)]
        );
    }

    #[test]
    fn the_identity_source_and_the_directory_s_part_are_counted() {
        let source = |source| IdentityNotes { source: Some(source), ..IdentityNotes::default() };
        assert_eq!(named(call(Decision::Allow, source(IdentitySource::Claim)))[1], ("IdentityFromClaim", 1));
        assert_eq!(named(call(Decision::Allow, source(IdentitySource::Cache)))[1], ("IdentityFromCache", 1));
        assert_eq!(named(call(Decision::Allow, source(IdentitySource::Directory)))[1], ("IdentityFromDirectory", 1));
        let first_sign_in = IdentityNotes { directory_miss: true, ..source(IdentitySource::GetId) };
        assert_eq!(
            named(call(Decision::Allow, first_sign_in)),
            [("AuthorizerAllow", 1), ("IdentityFromGetId", 1), ("DirectoryMiss", 1)]
        );
        let outage = IdentityNotes { get_id_fallback: true, directory_error: true, ..source(IdentitySource::GetId) };
        assert_eq!(
            named(call(Decision::Allow, outage)),
            [("AuthorizerAllow", 1), ("IdentityFromGetId", 1), ("GetIdFallback", 1), ("DirectoryError", 1)]
        );
    }

    #[test]
    fn outcomes_map_to_decisions() {
        let unauthorized = AuthorizerError::Unauthorized(RejectReason::MissingToken);
        assert_eq!(Decision::of(Err(&unauthorized), false), Decision::Unauthorized);
        assert_eq!(
            Decision::of(Err(&AuthorizerError::IdentityThrottled), false),
            Decision::Failed { get_id_throttled: true }
        );
        assert_eq!(
            Decision::of(Err(&AuthorizerError::KeysUnavailable), false),
            Decision::Failed { get_id_throttled: false }
        );
        let deny = Verdict::Deny { sub: "s".into(), reason: crate::decision::DenyReason::NotLinked };
        assert_eq!(Decision::of(Ok(&deny), false), Decision::Deny);
    }

    /// Values an authorizer call carries that must never reach the metrics line.
    const FORBIDDEN: [&str; 5] = [
        "eyJraWQiOiJkdW1teSIsImFsZyI6IlJTMjU2In0.eyJzdWIiOiI2ZjBlIn0.c2lnbmF0dXJl",
        "paula.secret",
        "paula@example.com",
        "6f0e8f3a-2b1c-4d5e-8f70-1a2b3c4d5e6f",
        "us-east-1:1f0c7e2a-3b4c-4d5e-8f60-718293a4b5c6",
    ];

    #[test]
    fn the_line_of_every_call_holds_counts_and_the_function_name_only() {
        let line = function_metrics::EmfLine::new::<AuthorizerCall, AUTHORIZER_METRICS>("bridge-Authorizer-1");
        let deny = Verdict::Deny { sub: FORBIDDEN[3].into(), reason: crate::decision::DenyReason::NotLinked };
        let errors = [
            AuthorizerError::Unauthorized(RejectReason::MissingToken),
            AuthorizerError::Unauthorized(RejectReason::MalformedEvent("x")),
            AuthorizerError::IdentityThrottled,
            AuthorizerError::IdentityUnavailable,
            AuthorizerError::KeysUnavailable,
            AuthorizerError::IdentityCallFailed(FORBIDDEN[2].into()),
        ];
        let mut decisions: Vec<Decision> = errors.iter().map(|err| Decision::of(Err(err), false)).collect();
        decisions.extend([Decision::of(Ok(&deny), false), Decision::Allow]);
        let sources = [
            None,
            Some(IdentitySource::Claim),
            Some(IdentitySource::Cache),
            Some(IdentitySource::Directory),
            Some(IdentitySource::GetId),
        ];
        for decision in decisions {
            for source in sources {
                for flags in 0..8_u8 {
                    let identity = IdentityNotes {
                        source,
                        get_id_fallback: flags & 1 != 0,
                        directory_miss: flags & 2 != 0,
                        directory_error: flags & 4 != 0,
                    };
                    let text = line.render(1_765_100_000_000, &AuthorizerCall { decision, identity });
                    for value in FORBIDDEN {
                        assert!(!text.contains(value), "{value} in {text}");
                    }
                    let document: serde_json::Value = serde_json::from_str(&text).unwrap();
                    let object = document.as_object().unwrap();
                    assert_eq!(object.len(), 2 + AUTHORIZER_METRICS, "{text}");
                    assert!(object.contains_key("_aws") && object.contains_key("FunctionName"));
                    for name in AuthorizerCall::NAMES {
                        assert!(object[name].as_u64().is_some_and(|n| n <= 1), "{name}: {text}");
                    }
                }
            }
        }
    }
}
