//! How API Gateway reads a Lambda authorizer's IAM-policy answer and decides one
//! request's method ARN against it.
//!
//! The answer is parsed once ([`AuthorizerAnswer::parse`]) and then decided for each
//! request ([`AuthorizerAnswer::decide`]): the answer cache keeps the parsed form, and
//! every later request with the same identity source is decided against its own method
//! ARN, on whichever route it calls.
//!
//! Evaluation is IAM's for one action, `execute-api:Invoke`, on one resource, the
//! method ARN: an explicit `Deny` statement that applies wins, then any `Allow` that
//! applies, else the request is denied implicitly. A statement applies when its
//! `Action` (or `NotAction`) and its `Resource` (or `NotResource`) cover the request;
//! each is one string or a list of strings. In patterns `*` matches any run of
//! characters (also none, also `/` and `:`) and `?` exactly one; actions compare
//! without regard to case, resources with it, as IAM does.

use serde_json::{Map, Value};

/// The only action API Gateway asks about.
const INVOKE: &str = "execute-api:Invoke";

/// What the gateway does with one request under an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// An `Allow` statement covers the request and no `Deny` does.
    Allow,
    /// A `Deny` statement covers the request (403, "…with an explicit deny").
    ExplicitDeny,
    /// No statement covers the request (403).
    ImplicitDeny,
}

/// An answer API Gateway refuses to use: it answers 500 (`AUTHORIZER_CONFIGURATION_ERROR`)
/// and caches nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MalformedAnswer {
    /// `principalId` is missing, empty or not a string.
    #[error("the answer has no principalId")]
    NoPrincipal,
    /// `policyDocument.Statement` is missing or not a statement list.
    #[error("the answer has no policyDocument with a Statement list")]
    NoPolicy,
    /// One statement cannot be read.
    #[error("statement {index} of the policy: {why}")]
    BadStatement {
        /// Its position in the list.
        index: usize,
        /// What is wrong with it.
        why: &'static str,
    },
    /// `context` is not a map of strings, numbers and booleans.
    #[error("context value {0:?} is not a string, number or boolean")]
    BadContext(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    Allow,
    Deny,
}

/// `Action` or `Resource` (`negated`: `NotAction` or `NotResource`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Patterns {
    patterns: Vec<String>,
    negated: bool,
}

impl Patterns {
    fn read(statement: &Map<String, Value>, key: &str, not_key: &str) -> Result<Self, &'static str> {
        let (value, negated) = match (statement.get(key), statement.get(not_key)) {
            (Some(value), None) => (value, false),
            (None, Some(value)) => (value, true),
            (Some(_), Some(_)) => return Err("both an element and its Not form"),
            (None, None) => return Err("no Action/NotAction or no Resource/NotResource"),
        };
        let patterns = match value {
            Value::String(one) => vec![one.clone()],
            Value::Array(many) if !many.is_empty() => many
                .iter()
                .map(|p| p.as_str().map(str::to_owned).ok_or("a pattern that is not a string"))
                .collect::<Result<_, _>>()?,
            _ => return Err("an Action or Resource that is neither a string nor a list of strings"),
        };
        Ok(Patterns { patterns, negated })
    }

    fn cover(&self, value: &str, case_sensitive: bool) -> bool {
        let any = self.patterns.iter().any(|pattern| {
            if case_sensitive {
                wildcard_match(pattern, value)
            } else {
                wildcard_match(&pattern.to_ascii_lowercase(), &value.to_ascii_lowercase())
            }
        });
        any != self.negated
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Statement {
    effect: Effect,
    actions: Patterns,
    resources: Patterns,
}

impl Statement {
    fn read(value: &Value) -> Result<Self, &'static str> {
        let statement = value.as_object().ok_or("not an object")?;
        let effect = match statement.get("Effect").and_then(Value::as_str) {
            Some("Allow") => Effect::Allow,
            Some("Deny") => Effect::Deny,
            _ => return Err("Effect is neither \"Allow\" nor \"Deny\""),
        };
        if statement.contains_key("Condition") {
            // Not evaluated here: refusing the answer is better than deciding it wrong.
            return Err("a Condition, which the local gateway does not evaluate");
        }
        Ok(Statement {
            effect,
            actions: Patterns::read(statement, "Action", "NotAction")?,
            resources: Patterns::read(statement, "Resource", "NotResource")?,
        })
    }

    fn covers(&self, method_arn: &str) -> bool {
        self.actions.cover(INVOKE, false) && self.resources.cover(method_arn, true)
    }
}

/// A REST API authorizer's IAM-policy answer: what the answer cache keeps.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthorizerAnswer {
    /// `principalId`.
    pub principal_id: String,
    /// The `context` map, as the integration receives it.
    pub context: Map<String, Value>,
    statements: Vec<Statement>,
}

impl AuthorizerAnswer {
    /// Reads the function's answer as API Gateway does.
    pub fn parse(answer: &Value) -> Result<Self, MalformedAnswer> {
        let principal_id = match answer.get("principalId") {
            Some(Value::String(id)) if !id.is_empty() => id.clone(),
            _ => return Err(MalformedAnswer::NoPrincipal),
        };
        let statements = match answer.get("policyDocument").and_then(|p| p.get("Statement")) {
            Some(Value::Array(list)) => list.iter().collect::<Vec<_>>(),
            Some(one @ Value::Object(_)) => vec![one],
            _ => return Err(MalformedAnswer::NoPolicy),
        };
        let statements = statements
            .into_iter()
            .enumerate()
            .map(|(index, s)| Statement::read(s).map_err(|why| MalformedAnswer::BadStatement { index, why }))
            .collect::<Result<Vec<_>, _>>()?;
        let context = match answer.get("context") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(map)) => {
                if let Some((key, _)) = map.iter().find(|(_, v)| v.is_object() || v.is_array()) {
                    return Err(MalformedAnswer::BadContext(key.clone()));
                }
                map.clone()
            }
            Some(_) => return Err(MalformedAnswer::BadContext("context".into())),
        };
        Ok(AuthorizerAnswer { principal_id, context, statements })
    }

    /// Decides `method_arn` (`arn:aws:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<path>`).
    pub fn decide(&self, method_arn: &str) -> Decision {
        let covering = |effect| self.statements.iter().any(|s| s.effect == effect && s.covers(method_arn));
        if covering(Effect::Deny) {
            Decision::ExplicitDeny
        } else if covering(Effect::Allow) {
            Decision::Allow
        } else {
            Decision::ImplicitDeny
        }
    }
}

/// IAM's pattern match: `*` is any run of characters (also none), `?` exactly one.
fn wildcard_match(pattern: &str, value: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let value: Vec<char> = value.chars().collect();
    let (mut p, mut v) = (0, 0);
    // The last `*` seen and the value position it currently stands for.
    let mut star: Option<(usize, usize)> = None;
    while v < value.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, v));
                p += 1;
            }
            Some(&c) if c == '?' || c == value[v] => {
                p += 1;
                v += 1;
            }
            _ => match star {
                // Let the last `*` swallow one more character and try again from there.
                Some((star_p, star_v)) => {
                    p = star_p + 1;
                    v = star_v + 1;
                    star = Some((star_p, star_v + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const STAGE: &str = "arn:aws:execute-api:us-east-1:123456789012:local/prod";
    const WHOAMI: &str = "arn:aws:execute-api:us-east-1:123456789012:local/prod/GET/whoami";
    const ADMIN: &str = "arn:aws:execute-api:us-east-1:123456789012:local/prod/GET/admin/whoami";

    fn answer(statements: Value) -> AuthorizerAnswer {
        AuthorizerAnswer::parse(&json!({
            "principalId": "sub-1",
            "context": {"sub": "sub-1", "linked": true, "n": 1},
            "policyDocument": {"Version": "2012-10-17", "Statement": statements},
        }))
        .unwrap()
    }

    fn statement(effect: &str, resource: Value) -> Value {
        json!({"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource})
    }

    #[test]
    fn stage_wide_allow_covers_every_route_of_the_stage_only() {
        let allow = answer(json!([statement("Allow", json!(format!("{STAGE}/*/*")))]));
        assert_eq!(allow.decide(WHOAMI), Decision::Allow);
        assert_eq!(allow.decide(ADMIN), Decision::Allow, "* also matches the / inside a path");
        assert_eq!(allow.decide(&WHOAMI.replace("/prod/", "/dev/")), Decision::ImplicitDeny);
        assert_eq!(allow.decide(&WHOAMI.replace(":local/", ":other/")), Decision::ImplicitDeny);
        assert_eq!(allow.principal_id, "sub-1");
        assert_eq!(allow.context["linked"], json!(true));
    }

    #[test]
    fn an_explicit_deny_of_one_route_wins_over_the_stage_wide_allow() {
        let ruled = answer(json!([
            statement("Allow", json!(format!("{STAGE}/*/*"))),
            statement("Deny", json!([format!("{STAGE}/GET/admin/whoami")])),
        ]));
        assert_eq!(ruled.decide(WHOAMI), Decision::Allow);
        assert_eq!(ruled.decide(ADMIN), Decision::ExplicitDeny);
        assert_eq!(ruled.decide(&format!("{STAGE}/POST/admin/whoami")), Decision::Allow);
        // The order of the statements does not matter.
        let reversed = answer(json!([
            statement("Deny", json!(format!("{STAGE}/GET/admin/whoami"))),
            statement("Allow", json!(format!("{STAGE}/*/*"))),
        ]));
        assert_eq!(reversed.decide(ADMIN), Decision::ExplicitDeny);
    }

    #[test]
    fn deny_everywhere_and_no_statement_deny() {
        assert_eq!(
            answer(json!([statement("Deny", json!(format!("{STAGE}/*/*")))])).decide(WHOAMI),
            Decision::ExplicitDeny
        );
        assert_eq!(answer(json!([])).decide(WHOAMI), Decision::ImplicitDeny);
        // A single statement object instead of a list.
        assert_eq!(answer(statement("Allow", json!("*"))).decide(WHOAMI), Decision::Allow);
    }

    #[test]
    fn question_mark_matches_exactly_one_character() {
        let one = answer(json!([statement("Allow", json!(format!("{STAGE}/GET/who?mi")))]));
        assert_eq!(one.decide(WHOAMI), Decision::Allow);
        assert_eq!(one.decide(&format!("{STAGE}/GET/whomi")), Decision::ImplicitDeny);
        assert_eq!(one.decide(&format!("{STAGE}/GET/whoaami")), Decision::ImplicitDeny);
        let methods = answer(json!([statement("Allow", json!(format!("{STAGE}/???/*")))]));
        assert_eq!(methods.decide(WHOAMI), Decision::Allow);
        assert_eq!(methods.decide(&format!("{STAGE}/POST/link")), Decision::ImplicitDeny);
    }

    #[test]
    fn resources_match_case_sensitively_and_actions_do_not() {
        let lower = answer(json!([statement("Allow", json!(format!("{STAGE}/get/whoami")))]));
        assert_eq!(lower.decide(WHOAMI), Decision::ImplicitDeny);
        for action in [
            json!("execute-api:invoke"),
            json!("EXECUTE-API:*"),
            json!("*"),
            json!(["s3:GetObject", "execute-api:Inv*"]),
        ] {
            let allow = answer(json!([{"Action": action, "Effect": "Allow", "Resource": "*"}]));
            assert_eq!(allow.decide(WHOAMI), Decision::Allow, "{action}");
        }
        for action in [json!("execute-api:ManageConnections"), json!(["s3:*", "execute-api:Invoke?"])] {
            let other = answer(json!([{"Action": action, "Effect": "Allow", "Resource": "*"}]));
            assert_eq!(other.decide(WHOAMI), Decision::ImplicitDeny, "{action}");
        }
    }

    #[test]
    fn not_action_and_not_resource_invert_their_element() {
        let not_admin = answer(json!([
            {"Action": "execute-api:Invoke", "Effect": "Allow", "NotResource": format!("{STAGE}/*/admin/*")},
        ]));
        assert_eq!(not_admin.decide(WHOAMI), Decision::Allow);
        assert_eq!(not_admin.decide(ADMIN), Decision::ImplicitDeny);
        let deny_other_actions = answer(json!([
            statement("Allow", json!("*")),
            {"NotAction": "execute-api:Invoke", "Effect": "Deny", "Resource": "*"},
        ]));
        assert_eq!(deny_other_actions.decide(WHOAMI), Decision::Allow);
    }

    #[test]
    fn malformed_answers_are_refused() {
        let policy = json!({"Statement": [statement("Allow", json!("*"))]});
        let cases = [
            (json!({"policyDocument": policy}), MalformedAnswer::NoPrincipal),
            (json!({"principalId": "", "policyDocument": policy}), MalformedAnswer::NoPrincipal),
            (json!({"principalId": "p"}), MalformedAnswer::NoPolicy),
            (json!({"principalId": "p", "policyDocument": {"Statement": "x"}}), MalformedAnswer::NoPolicy),
            (
                json!({"principalId": "p", "policyDocument": policy, "context": {"groups": ["a"]}}),
                MalformedAnswer::BadContext("groups".into()),
            ),
        ];
        for (value, expected) in cases {
            assert_eq!(AuthorizerAnswer::parse(&value), Err(expected), "{value}");
        }
        for bad in [
            json!({"Action": "execute-api:Invoke", "Effect": "allow", "Resource": "*"}),
            json!({"Action": "execute-api:Invoke", "Effect": "Allow"}),
            json!({"Effect": "Allow", "Resource": "*"}),
            json!({"Action": "execute-api:Invoke", "NotAction": "s3:*", "Effect": "Allow", "Resource": "*"}),
            json!({"Action": [], "Effect": "Allow", "Resource": "*"}),
            json!({"Action": [1], "Effect": "Allow", "Resource": "*"}),
            json!({"Action": "*", "Effect": "Allow", "Resource": "*", "Condition": {"IpAddress": {}}}),
        ] {
            let value =
                json!({"principalId": "p", "policyDocument": {"Statement": [statement("Allow", json!("*")), bad]}});
            assert!(
                matches!(AuthorizerAnswer::parse(&value), Err(MalformedAnswer::BadStatement { index: 1, .. })),
                "{value}"
            );
        }
    }

    #[test]
    fn wildcard_match_is_iam_glob() {
        for (pattern, value) in [
            ("*", ""),
            ("*", "anything/at:all"),
            ("a*", "a"),
            ("*b", "ab"),
            ("a*b*c", "axxbyyc"),
            ("a*b*c", "abcbc"),
            ("a?c", "abc"),
            ("**", "x"),
            ("a*?", "ab"),
            ("exact", "exact"),
        ] {
            assert!(wildcard_match(pattern, value), "{pattern} should match {value}");
        }
        for (pattern, value) in [
            ("a*b", "ac"),
            ("a?c", "ac"),
            ("a?c", "abbc"),
            ("exact", "exactly"),
            ("exactly", "exact"),
            ("*a", "b"),
            ("a*?", "a"),
            ("", "x"),
        ] {
            assert!(!wildcard_match(pattern, value), "{pattern} should not match {value}");
        }
    }
}
