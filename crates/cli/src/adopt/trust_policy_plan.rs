//! Folder layout `sub`/`both`, decided over the authenticated role's trust policy alone:
//! Cognito puts the principal tag on the session, which STS allows only when the trust
//! policy also allows `sts:TagSession` (Cognito Developer Guide, attributes for access
//! control, prerequisites). The statements that let `cognito-identity.amazonaws.com`
//! call `sts:AssumeRoleWithWebIdentity` gain `sts:TagSession` in their own action list,
//! so it is allowed under exactly their conditions (`aud`, `amr`); every other
//! statement and key is kept as it is.

use serde_json::Value;

/// The federated principal of identity pools.
pub const COGNITO_PRINCIPAL: &str = "cognito-identity.amazonaws.com";
/// The action Cognito's credentials come from.
pub const ASSUME_ACTION: &str = "sts:AssumeRoleWithWebIdentity";
/// The action session tags need.
pub const TAG_SESSION_ACTION: &str = "sts:TagSession";

/// One Cognito statement that gains `sts:TagSession`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementChange {
    /// Its position in `Statement` (0 for a single statement object).
    pub index: usize,
    /// Its `Sid`, if it has one.
    pub sid: Option<String>,
    /// `Action` before.
    pub actions_before: Vec<String>,
    /// `Action` after.
    pub actions_after: Vec<String>,
    /// Its condition keys (`operator key`), kept.
    pub conditions: Vec<String>,
}

/// What adopt does about the trust policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustDecision {
    /// Every Cognito statement already allows `sts:TagSession`.
    AlreadyAllowed,
    /// Write `after`, in which `statements` gained `sts:TagSession`.
    AddTagSession {
        /// The whole document to write.
        after: Value,
        /// What changed, statement by statement.
        statements: Vec<StatementChange>,
    },
}

/// What is missing from a trust policy adopt cannot merge into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustProblem {
    /// `Statement` is missing or not a statement or a list of them.
    NoStatements,
    /// No statement allows `sts:AssumeRoleWithWebIdentity` to `cognito-identity.amazonaws.com`.
    NoCognitoStatement,
}

impl TrustProblem {
    /// What is missing, in a sentence.
    pub fn describe(&self) -> String {
        match self {
            TrustProblem::NoStatements => "its trust policy has no Statement list".to_owned(),
            TrustProblem::NoCognitoStatement => format!(
                "its trust policy has no statement with Effect Allow, Principal {{\"Federated\": \"{COGNITO_PRINCIPAL}\"}} and Action {ASSUME_ACTION}: it is not an identity pool's role, so adopt does not add {TAG_SESSION_ACTION} to it; check the identity pool's authenticated role"
            ),
        }
    }
}

/// Decides over the trust policy `document` (already decoded).
pub fn plan_trust(document: &Value) -> Result<TrustDecision, TrustProblem> {
    let mut after = document.clone();
    let statements: Vec<&mut Value> = match after.get_mut("Statement") {
        Some(Value::Array(list)) => list.iter_mut().collect(),
        Some(statement @ Value::Object(_)) => vec![statement],
        _ => return Err(TrustProblem::NoStatements),
    };
    let mut found = false;
    let mut changes = Vec::new();
    for (index, statement) in statements.into_iter().enumerate() {
        if !is_cognito_statement(statement) {
            continue;
        }
        found = true;
        let actions_before = strings(statement.get("Action"));
        if actions_before.iter().any(|action| action_matches(action, TAG_SESSION_ACTION)) {
            continue;
        }
        let mut actions_after = actions_before.clone();
        actions_after.push(TAG_SESSION_ACTION.to_owned());
        statement["Action"] = Value::from(actions_after.clone());
        changes.push(StatementChange {
            index,
            sid: statement.get("Sid").and_then(Value::as_str).map(str::to_owned),
            actions_before,
            actions_after,
            conditions: condition_keys(statement.get("Condition")),
        });
    }
    match (found, changes.is_empty()) {
        (false, _) => Err(TrustProblem::NoCognitoStatement),
        (true, true) => Ok(TrustDecision::AlreadyAllowed),
        (true, false) => Ok(TrustDecision::AddTagSession { after, statements: changes }),
    }
}

/// An Allow statement for the Cognito federated principal whose actions include AssumeRoleWithWebIdentity.
fn is_cognito_statement(statement: &Value) -> bool {
    statement.get("Effect").and_then(Value::as_str) == Some("Allow")
        && strings(statement.get("Principal").and_then(|p| p.get("Federated")))
            .iter()
            .any(|principal| principal == COGNITO_PRINCIPAL)
        && strings(statement.get("Action")).iter().any(|action| action_matches(action, ASSUME_ACTION))
}

/// A string or a list of strings, as policy elements take them.
fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(one)) => vec![one.clone()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        _ => Vec::new(),
    }
}

/// Whether a policy's action (with IAM's `*` and `?` wildcards, case-insensitive) covers `action`.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    fn matches(pattern: &[u8], text: &[u8]) -> bool {
        match (pattern.first(), text.first()) {
            (None, None) => true,
            (Some(b'*'), _) => matches(&pattern[1..], text) || (!text.is_empty() && matches(pattern, &text[1..])),
            (Some(b'?'), Some(_)) => matches(&pattern[1..], &text[1..]),
            (Some(p), Some(t)) if p.eq_ignore_ascii_case(t) => matches(&pattern[1..], &text[1..]),
            _ => false,
        }
    }
    matches(pattern.as_bytes(), action.as_bytes())
}

/// `operator key` for each key of a statement's `Condition`.
fn condition_keys(condition: Option<&Value>) -> Vec<String> {
    let Some(Value::Object(operators)) = condition else { return Vec::new() };
    operators
        .iter()
        .flat_map(|(operator, keys)| match keys {
            Value::Object(keys) => keys.keys().map(|key| format!("{operator} {key}")).collect::<Vec<_>>(),
            _ => vec![operator.clone()],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn cognito_statement(action: Value) -> Value {
        json!({
            "Sid": "CognitoSignIn",
            "Effect": "Allow",
            "Principal": {"Federated": "cognito-identity.amazonaws.com"},
            "Action": action,
            "Condition": {
                "StringEquals": {"cognito-identity.amazonaws.com:aud": "us-east-1:pool"},
                "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"}
            }
        })
    }

    fn ops_statement() -> Value {
        json!({"Sid": "Ops", "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"})
    }

    #[test]
    fn only_the_cognito_statement_gains_tag_session_under_its_own_conditions() {
        let document = json!({"Version": "2012-10-17", "Statement": [ops_statement(), cognito_statement(json!("sts:AssumeRoleWithWebIdentity"))]});
        let Ok(TrustDecision::AddTagSession { after, statements }) = plan_trust(&document) else { panic!() };
        assert_eq!(after["Statement"][0], ops_statement());
        assert_eq!(after["Statement"][1]["Action"], json!(["sts:AssumeRoleWithWebIdentity", "sts:TagSession"]));
        assert_eq!(after["Statement"][1]["Condition"], document["Statement"][1]["Condition"]);
        assert_eq!(after["Version"], "2012-10-17");
        assert_eq!(statements.len(), 1);
        assert_eq!(statements[0].index, 1);
        assert_eq!(statements[0].sid.as_deref(), Some("CognitoSignIn"));
        // In the document's order (serde_json keeps it where `preserve_order` is on); sorted here.
        let mut conditions = statements[0].conditions.clone();
        conditions.sort();
        assert_eq!(
            conditions,
            [
                "ForAnyValue:StringLike cognito-identity.amazonaws.com:amr",
                "StringEquals cognito-identity.amazonaws.com:aud"
            ]
        );
        // Applied again: nothing left to add.
        assert_eq!(plan_trust(&after), Ok(TrustDecision::AlreadyAllowed));
    }

    #[test]
    fn a_single_statement_object_and_wildcards_are_understood() {
        let single = json!({"Statement": cognito_statement(json!(["sts:AssumeRoleWithWebIdentity"]))});
        let Ok(TrustDecision::AddTagSession { after, .. }) = plan_trust(&single) else { panic!() };
        assert_eq!(after["Statement"]["Action"], json!(["sts:AssumeRoleWithWebIdentity", "sts:TagSession"]));
        for covered in ["sts:*", "*", "STS:tagsession"] {
            let document = json!({"Statement": [cognito_statement(json!(["sts:AssumeRoleWithWebIdentity", covered]))]});
            assert_eq!(plan_trust(&document), Ok(TrustDecision::AlreadyAllowed), "{covered}");
        }
        let wildcard_assume = json!({"Statement": [cognito_statement(json!("sts:AssumeRoleWith*"))]});
        assert!(matches!(plan_trust(&wildcard_assume), Ok(TrustDecision::AddTagSession { .. })));
    }

    #[test]
    fn a_policy_without_a_cognito_statement_says_what_is_missing() {
        let document = json!({"Statement": [ops_statement()]});
        assert_eq!(plan_trust(&document), Err(TrustProblem::NoCognitoStatement));
        assert!(TrustProblem::NoCognitoStatement.describe().contains("cognito-identity.amazonaws.com"));
        let mut deny = cognito_statement(json!("sts:AssumeRoleWithWebIdentity"));
        deny["Effect"] = json!("Deny");
        assert_eq!(plan_trust(&json!({"Statement": [deny]})), Err(TrustProblem::NoCognitoStatement));
        assert_eq!(plan_trust(&json!({"Version": "2012-10-17"})), Err(TrustProblem::NoStatements));
    }
}
