//! What a forget-queue message asks for: pure parsing of its body, no I/O.
//!
//! Two shapes arrive:
//!
//! - an EventBridge event of a rule on CloudTrail: `source` `aws.cognito-idp`,
//!   `detail-type` `AWS API Call via CloudTrail`, `detail` the CloudTrail record of
//!   `AdminDeleteUser` or `DeleteUser`. Cognito's records hide the username and the
//!   access token (`HIDDEN_DUE_TO_SECURITY_REASONS`) and carry the deleted user's `sub` in
//!   `additionalEventData.sub`. `AdminDeleteUser` names the pool in
//!   `requestParameters.userPoolId`; `DeleteUser` (called with the user's own access token)
//!   may not name it, and then each configured pool is tried. A record with an
//!   `errorCode` is a delete that failed: nothing to forget;
//! - the reconciler's message: `source` `cognito-bridge.reconciler`, `detail-type`
//!   `Cognito user not found`, `detail` `{"userPoolId", "sub"}`.
//!
//! Anything else is malformed. The reasons name fields, never their values.

use directory::UserPoolId;
use serde_json::Value;

/// The EventBridge source of Cognito user pool events.
pub const COGNITO_SOURCE: &str = "aws.cognito-idp";
/// The detail type of an event from CloudTrail.
pub const CLOUDTRAIL_DETAIL_TYPE: &str = "AWS API Call via CloudTrail";
/// The reconciler's source.
pub const RECONCILER_SOURCE: &str = "cognito-bridge.reconciler";
/// The reconciler's detail type.
pub const RECONCILER_DETAIL_TYPE: &str = "Cognito user not found";
/// The CloudTrail event names of a user's deletion.
pub const DELETE_EVENT_NAMES: [&str; 2] = ["AdminDeleteUser", "DeleteUser"];
/// What CloudTrail writes in place of a value Cognito hides.
pub const HIDDEN: &str = "HIDDEN_DUE_TO_SECURITY_REASONS";

/// A user to forget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForgetRequest {
    /// The user's pool, when the message names it (else every configured pool is tried).
    pub user_pool_id: Option<UserPoolId>,
    /// The deleted user's `sub`.
    pub sub: String,
}

/// What a message asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForgetMessage {
    /// Forget this user.
    Forget(ForgetRequest),
    /// A delete call that failed (the record has an `errorCode`): acknowledge, do nothing.
    FailedCall,
}

/// Why a message cannot be read (names a field, never a value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("malformed forget message: {0}")]
pub struct Malformed(pub &'static str);

/// Reads a message body.
pub fn read_forget_message(body: Option<&str>) -> Result<ForgetMessage, Malformed> {
    let body = body.ok_or(Malformed("the message has no body"))?;
    let event: Value = serde_json::from_str(body).map_err(|_| Malformed("the body is not JSON"))?;
    let field = |name: &'static str| event.get(name).and_then(Value::as_str);
    let detail =
        event.get("detail").filter(|d| d.is_object()).ok_or(Malformed("detail is missing or not an object"))?;
    match (field("source"), field("detail-type")) {
        (Some(COGNITO_SOURCE), Some(CLOUDTRAIL_DETAIL_TYPE)) => read_cloudtrail_record(detail),
        (Some(RECONCILER_SOURCE), Some(RECONCILER_DETAIL_TYPE)) => {
            let pool =
                detail.get("userPoolId").and_then(Value::as_str).ok_or(Malformed("detail.userPoolId is missing"))?;
            let user_pool_id =
                UserPoolId::parse(pool).map_err(|_| Malformed("detail.userPoolId is not a user pool id"))?;
            let sub = valid_sub(detail.get("sub"))?;
            Ok(ForgetMessage::Forget(ForgetRequest { user_pool_id: Some(user_pool_id), sub }))
        }
        _ => Err(Malformed("source and detail-type are neither a Cognito CloudTrail event nor the reconciler's")),
    }
}

fn read_cloudtrail_record(record: &Value) -> Result<ForgetMessage, Malformed> {
    let name = record.get("eventName").and_then(Value::as_str).ok_or(Malformed("detail.eventName is missing"))?;
    if !DELETE_EVENT_NAMES.contains(&name) {
        return Err(Malformed("detail.eventName is neither AdminDeleteUser nor DeleteUser"));
    }
    // CloudTrail writes "errorCode" only for a failed call (some producers write it empty).
    if record.get("errorCode").and_then(Value::as_str).is_some_and(|code| !code.is_empty()) {
        return Ok(ForgetMessage::FailedCall);
    }
    let extra = record.get("additionalEventData");
    let sub = valid_sub(extra.and_then(|extra| extra.get("sub")))?;
    let pool = record
        .get("requestParameters")
        .and_then(|parameters| parameters.get("userPoolId"))
        .or_else(|| extra.and_then(|extra| extra.get("userPoolId")))
        .and_then(Value::as_str)
        .filter(|pool| *pool != HIDDEN);
    let user_pool_id = match pool {
        None => None,
        Some(pool) => {
            Some(UserPoolId::parse(pool).map_err(|_| Malformed("the record's userPoolId is not a user pool id"))?)
        }
    };
    Ok(ForgetMessage::Forget(ForgetRequest { user_pool_id, sub }))
}

fn valid_sub(value: Option<&Value>) -> Result<String, Malformed> {
    match value.and_then(Value::as_str) {
        None => Err(Malformed("the sub is missing")),
        Some(HIDDEN) => Err(Malformed("the sub is hidden")),
        Some(sub) if sub.is_empty() || sub.len() > 128 || sub.chars().any(char::is_control) => {
            Err(Malformed("the sub is empty or not printable"))
        }
        Some(sub) => Ok(sub.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUB: &str = "7d8e9f00-aaaa-4bbb-8ccc-dddddddddddd";
    const POOL: &str = "us-east-1_AbCdEf123";

    fn sample(name: &str) -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events").join(name);
        let sqs: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        sqs["Records"][0]["body"].as_str().unwrap().to_owned()
    }

    #[test]
    fn admin_delete_user_names_the_pool_and_the_sub() {
        let message = read_forget_message(Some(&sample("forget-admin-delete-user.json"))).unwrap();
        let ForgetMessage::Forget(request) = message else { panic!("expected a forget") };
        assert_eq!(request.sub, SUB);
        assert_eq!(request.user_pool_id.unwrap().as_str(), POOL);
    }

    #[test]
    fn delete_user_gives_the_sub_and_every_pool_is_tried_without_one() {
        let message = read_forget_message(Some(&sample("forget-delete-user.json"))).unwrap();
        let ForgetMessage::Forget(request) = message else { panic!("expected a forget") };
        assert_eq!((request.sub.as_str(), request.user_pool_id), (SUB, None));
        // A pool named in additionalEventData is taken.
        let mut event: Value = serde_json::from_str(&sample("forget-delete-user.json")).unwrap();
        event["detail"]["additionalEventData"]["userPoolId"] = POOL.into();
        let ForgetMessage::Forget(request) = read_forget_message(Some(&event.to_string())).unwrap() else {
            panic!("expected a forget")
        };
        assert_eq!(request.user_pool_id.unwrap().as_str(), POOL);
    }

    #[test]
    fn a_failed_delete_is_acknowledged_and_ignored() {
        let mut event: Value = serde_json::from_str(&sample("forget-admin-delete-user.json")).unwrap();
        event["detail"]["errorCode"] = "UserNotFoundException".into();
        assert_eq!(read_forget_message(Some(&event.to_string())), Ok(ForgetMessage::FailedCall));
        event["detail"]["errorCode"] = "".into();
        assert!(matches!(read_forget_message(Some(&event.to_string())), Ok(ForgetMessage::Forget(_))));
    }

    #[test]
    fn the_reconciler_message_is_read() {
        let body = serde_json::json!({
            "source": RECONCILER_SOURCE, "detail-type": RECONCILER_DETAIL_TYPE,
            "detail": {"userPoolId": POOL, "sub": SUB}
        });
        let ForgetMessage::Forget(request) = read_forget_message(Some(&body.to_string())).unwrap() else {
            panic!("expected a forget")
        };
        assert_eq!((request.sub.as_str(), request.user_pool_id.unwrap().as_str()), (SUB, POOL));
    }

    #[test]
    fn malformed_messages_say_why_without_values() {
        let admin: Value = serde_json::from_str(&sample("forget-admin-delete-user.json")).unwrap();
        let with = |path: &[&str], value: Value| {
            let mut event = admin.clone();
            let mut target = &mut event;
            for step in &path[..path.len() - 1] {
                target = &mut target[*step];
            }
            target[path[path.len() - 1]] = value;
            read_forget_message(Some(&event.to_string())).unwrap_err()
        };
        for malformed in [
            read_forget_message(None).unwrap_err(),
            read_forget_message(Some("not json")).unwrap_err(),
            read_forget_message(Some("[]")).unwrap_err(),
            read_forget_message(Some(r#"{"Records":[]}"#)).unwrap_err(),
            with(&["source"], "aws.s3".into()),
            with(&["detail", "eventName"], "AdminCreateUser".into()),
            with(&["detail", "additionalEventData", "sub"], HIDDEN.into()),
            with(&["detail", "additionalEventData", "sub"], "".into()),
            with(&["detail", "additionalEventData"], Value::Null),
            with(&["detail", "requestParameters", "userPoolId"], "not a pool".into()),
            with(&["detail"], "text".into()),
        ] {
            let text = malformed.to_string();
            assert!(!text.contains(SUB) && !text.contains("not a pool"), "{text}");
        }
        let reconciler = serde_json::json!({
            "source": RECONCILER_SOURCE, "detail-type": RECONCILER_DETAIL_TYPE, "detail": {"sub": SUB}
        });
        assert!(read_forget_message(Some(&reconciler.to_string())).is_err());
    }
}
