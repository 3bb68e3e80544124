//! One user checked against their pool: `AdminGetUser` with the `sub` as `Username`.
//!
//! Cognito's `Username` parameter takes "the sub of a local user" when the username is
//! not an alias attribute, so the check needs no `ListUsers` (30/s, not adjustable); it
//! counts against the UserRead quota. `UserNotFoundException` is the only answer that
//! means the user is gone: throttling, an outage or a fault of ours (a missing permission,
//! an unknown pool) leave the user unchecked, and nothing is sent for them.

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::operation::admin_get_user::AdminGetUserOutput;
use lambda_foundation::UserPoolId;
use lambda_foundation::aws_failure::{AwsFailure, FailureKind, sdk_error_code};

/// What the pool says of one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserCheck {
    /// The pool has the user.
    Present,
    /// The pool has no user with this `sub`.
    Missing,
    /// Not checked: a rate limit (after the SDK's retries).
    Throttled,
    /// Not checked: no usable answer (5xx, timeout); worth another try later.
    Unavailable(AwsFailure),
    /// Not checked: a fault of the deployment (permission, pool); retrying will not help.
    Fault(AwsFailure),
}

/// The check's verdict from `AdminGetUser`'s error code. Pure: the table of the module doc.
pub fn check_from_error_code(code: &str) -> UserCheck {
    if code == "UserNotFoundException" {
        return UserCheck::Missing;
    }
    let failure = AwsFailure::from_code("AdminGetUser", code);
    match failure.kind {
        FailureKind::Throttled => UserCheck::Throttled,
        FailureKind::Unavailable => UserCheck::Unavailable(failure),
        FailureKind::Refused | FailureKind::Fault => UserCheck::Fault(failure),
    }
}

/// The verdict from a user `AdminGetUser` returned for `sub`: present only when it is
/// that user (a username that happens to equal the `sub` names someone else).
pub fn check_from_user(output: &AdminGetUserOutput, sub: &str) -> UserCheck {
    let user_sub = output.user_attributes().iter().find(|a| a.name() == "sub").and_then(|a| a.value());
    match user_sub {
        Some(found) if found != sub => UserCheck::Missing,
        _ => UserCheck::Present,
    }
}

/// Asks `pool` for the user with `sub`: one `AdminGetUser` (the SDK's own retries included).
pub async fn check_user(idp: &Client, pool: &UserPoolId, sub: &str) -> UserCheck {
    match idp.admin_get_user().user_pool_id(pool.as_str()).username(sub).send().await {
        Ok(output) => check_from_user(&output, sub),
        Err(error) => check_from_error_code(&sdk_error_code(&error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_cognitoidentityprovider::types::AttributeType;

    #[test]
    fn only_user_not_found_means_missing() {
        assert_eq!(check_from_error_code("UserNotFoundException"), UserCheck::Missing);
        assert_eq!(check_from_error_code("TooManyRequestsException"), UserCheck::Throttled);
        assert!(matches!(check_from_error_code("InternalErrorException"), UserCheck::Unavailable(_)));
        assert!(matches!(check_from_error_code("timeout"), UserCheck::Unavailable(_)));
        for code in [
            "NotAuthorizedException",
            "AccessDeniedException",
            "ResourceNotFoundException",
            "InvalidParameterException",
        ] {
            assert!(matches!(check_from_error_code(code), UserCheck::Fault(_)), "{code}");
        }
    }

    #[test]
    fn a_user_with_another_sub_is_not_the_user() {
        let with_sub = |sub: &str| {
            AdminGetUserOutput::builder()
                .username("u")
                .user_attributes(AttributeType::builder().name("sub").value(sub).build().unwrap())
                .build()
                .unwrap()
        };
        assert_eq!(check_from_user(&with_sub("s-1"), "s-1"), UserCheck::Present);
        assert_eq!(check_from_user(&with_sub("s-2"), "s-1"), UserCheck::Missing);
    }
}
