//! Step 4 of adopt, decided over the pool's `LambdaConfig` and feature plan alone: does
//! the pool get the bridge's Pre Token Generation trigger (which puts `identity_id` in
//! both tokens)? Only when the pool has no trigger of that kind: an existing one is the
//! team's and is reported, never replaced.

/// The pool's pre token generation trigger and plan, as DescribeUserPool returns them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PoolTrigger {
    /// `LambdaConfig.PreTokenGenerationConfig.LambdaArn`, else the older
    /// `LambdaConfig.PreTokenGeneration` (which means event version `V1_0`).
    pub function_arn: Option<String>,
    /// `LambdaConfig.PreTokenGenerationConfig.LambdaVersion` (`V1_0` when only the older field is set).
    pub version: Option<String>,
    /// `UserPoolTier`: `LITE`, `ESSENTIALS` or `PLUS` (none: the pool predates feature plans
    /// in the answer, read as Essentials, the default for new pools).
    pub tier: Option<String>,
}

/// The event version the bridge's trigger needs: access tokens are customized from `V2_0`.
pub const TRIGGER_VERSION: &str = "V2_0";

/// What adopt does about the trigger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TriggerDecision {
    /// Attach `function_arn` with event version `V2_0`.
    Attach {
        /// The bridge's function.
        function_arn: String,
    },
    /// The bridge's function is already the pool's trigger, at `V2_0` or later.
    AlreadyAttached,
    /// Nothing to do, and why (a warning in the plan): another trigger is there, no
    /// function ARN was given, or the pool's plan cannot run `V2_0`.
    Report(String),
}

/// Decides over the pool's trigger and the bridge's function ARN (if given).
pub fn plan_trigger(pool: &PoolTrigger, bridge_function_arn: Option<&str>) -> TriggerDecision {
    let version = pool.version.as_deref().unwrap_or("V1_0");
    match (pool.function_arn.as_deref(), bridge_function_arn) {
        (Some(existing), Some(ours)) if existing == ours && version != "V1_0" => TriggerDecision::AlreadyAttached,
        (Some(existing), _) => TriggerDecision::Report(format!(
            "the pool already has a pre token generation trigger ({existing}, event {version}); adopt never replaces it: access tokens carry identity_id only if that function adds it (docs/pre-token.md)"
        )),
        (None, None) => TriggerDecision::Report(
            "no pre token generation trigger is attached: pass --pre-token-function-arn (the stack's PreTokenFunctionArn output) to put identity_id in the pool's tokens".to_owned(),
        ),
        (None, Some(_)) if pool.tier.as_deref() == Some("LITE") => TriggerDecision::Report(
            "the pool is on the Lite feature plan: access token customization (trigger event V2_0) needs Essentials or Plus, so no trigger is attached".to_owned(),
        ),
        (None, Some(ours)) => TriggerDecision::Attach { function_arn: ours.to_owned() },
    }
}

/// Whether `arn` has the shape of a Lambda function's ARN (any partition; no alias or version).
pub fn is_function_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.split(':').collect();
    parts.len() == 7
        && parts[0] == "arn"
        && parts[2] == "lambda"
        && parts[5] == "function"
        && parts.iter().all(|part| !part.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    const OURS: &str = "arn:aws:lambda:us-east-1:123456789012:function:stack-pre-token";

    fn pool(arn: Option<&str>, version: Option<&str>, tier: Option<&str>) -> PoolTrigger {
        PoolTrigger {
            function_arn: arn.map(str::to_owned),
            version: version.map(str::to_owned),
            tier: tier.map(str::to_owned),
        }
    }

    #[test]
    fn a_pool_without_a_trigger_gets_ours_and_one_with_ours_is_left_alone() {
        assert_eq!(
            plan_trigger(&pool(None, None, Some("ESSENTIALS")), Some(OURS)),
            TriggerDecision::Attach { function_arn: OURS.into() }
        );
        assert_eq!(
            plan_trigger(&pool(None, None, None), Some(OURS)),
            TriggerDecision::Attach { function_arn: OURS.into() }
        );
        assert_eq!(plan_trigger(&pool(Some(OURS), Some("V2_0"), None), Some(OURS)), TriggerDecision::AlreadyAttached);
    }

    #[test]
    fn an_existing_trigger_is_reported_never_replaced() {
        let theirs = "arn:aws:lambda:us-east-1:123456789012:function:team-claims";
        for (arn, version) in [(theirs, Some("V2_0")), (theirs, None), (OURS, Some("V1_0"))] {
            match plan_trigger(&pool(Some(arn), version, None), Some(OURS)) {
                TriggerDecision::Report(text) => {
                    assert!(text.contains(arn) && text.contains("never replaces"), "{text}")
                }
                other => panic!("{other:?}"),
            }
        }
        // Without our ARN the existing trigger is still reported.
        assert!(matches!(plan_trigger(&pool(Some(theirs), None, None), None), TriggerDecision::Report(_)));
    }

    #[test]
    fn no_arn_or_a_lite_pool_attaches_nothing_and_says_why() {
        match plan_trigger(&pool(None, None, None), None) {
            TriggerDecision::Report(text) => assert!(text.contains("--pre-token-function-arn"), "{text}"),
            other => panic!("{other:?}"),
        }
        match plan_trigger(&pool(None, None, Some("LITE")), Some(OURS)) {
            TriggerDecision::Report(text) => assert!(text.contains("Lite"), "{text}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn function_arns_are_told_from_other_text() {
        assert!(is_function_arn(OURS));
        assert!(is_function_arn("arn:aws-cn:lambda:cn-north-1:123456789012:function:f"));
        for bad in [
            "",
            "stack-pre-token",
            "arn:aws:sqs:us-east-1:123456789012:q",
            "arn:aws:lambda:us-east-1:123456789012:function:f:live",
            "arn:aws:lambda:us-east-1::function:f",
        ] {
            assert!(!is_function_arn(bad), "{bad}");
        }
    }
}
