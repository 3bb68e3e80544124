//! How API Gateway reads a Lambda authorizer's answer for one method ARN.

use serde_json::Value;

/// The gateway's decision for the current request.
#[derive(Debug, Clone, PartialEq)]
pub enum PolicyDecision {
    /// Allowed; the context goes to the integration under `requestContext.authorizer`.
    Allow {
        /// `principalId` of the answer.
        principal_id: String,
        /// The authorizer's context map.
        context: serde_json::Map<String, Value>,
    },
    /// An explicit Deny or no matching Allow (API Gateway: 403).
    Deny,
}

/// Evaluates an IAM policy answer against `method_arn`: explicit Deny wins, then any Allow.
pub fn evaluate(answer: &Value, method_arn: &str) -> PolicyDecision {
    let statements = match &answer["policyDocument"]["Statement"] {
        Value::Array(list) => list.clone(),
        single @ Value::Object(_) => vec![single.clone()],
        _ => Vec::new(),
    };
    let covers = |statement: &Value| {
        let resources = match &statement["Resource"] {
            Value::String(one) => vec![one.clone()],
            Value::Array(many) => many.iter().filter_map(|r| r.as_str().map(str::to_owned)).collect(),
            _ => Vec::new(),
        };
        let action_ok = match &statement["Action"] {
            Value::String(a) => a == "execute-api:Invoke" || a == "*",
            Value::Array(list) => list.iter().any(|a| a == "execute-api:Invoke" || a == "*"),
            _ => false,
        };
        action_ok && resources.iter().any(|pattern| wildcard_match(pattern, method_arn))
    };
    if statements.iter().any(|s| s["Effect"] == "Deny" && covers(s)) {
        return PolicyDecision::Deny;
    }
    if statements.iter().any(|s| s["Effect"] == "Allow" && covers(s)) {
        return PolicyDecision::Allow {
            principal_id: answer["principalId"].as_str().unwrap_or_default().to_owned(),
            context: answer["context"].as_object().cloned().unwrap_or_default(),
        };
    }
    PolicyDecision::Deny
}

/// `*` matches any run of characters, as in IAM resource patterns.
fn wildcard_match(pattern: &str, value: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == value;
    }
    let mut rest = value;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(after) = rest.strip_prefix(part) else { return false };
            rest = after;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else if let Some(pos) = rest.find(part) {
            rest = &rest[pos + part.len()..];
        } else {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:local/prod/GET/whoami";

    fn answer(effect: &str, resource: &str) -> Value {
        json!({"principalId": "p", "context": {"sub": "s"}, "policyDocument": {"Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": [resource]}]}})
    }

    #[test]
    fn stage_wide_allow_covers_the_route() {
        let decision = evaluate(&answer("Allow", "arn:aws:execute-api:us-east-1:123456789012:local/prod/*/*"), ARN);
        assert!(matches!(decision, PolicyDecision::Allow { .. }));
    }

    #[test]
    fn deny_and_foreign_resources_deny() {
        assert_eq!(
            evaluate(&answer("Deny", "arn:aws:execute-api:us-east-1:123456789012:local/prod/*/*"), ARN),
            PolicyDecision::Deny
        );
        assert_eq!(
            evaluate(&answer("Allow", "arn:aws:execute-api:us-east-1:123456789012:local/dev/*/*"), ARN),
            PolicyDecision::Deny
        );
        assert_eq!(evaluate(&json!({}), ARN), PolicyDecision::Deny);
    }
}
