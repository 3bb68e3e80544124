//! Why a request carries no usable caller identity, or why a known caller is refused.

/// The request context does not say who the caller is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallerIdentityError {
    /// No authorizer context, IAM identity or claims at all: the route is not protected.
    #[error("the request carries no caller identity (is the route protected by an authorizer or IAM auth?)")]
    NoIdentity,
    /// IAM auth with credentials that do not come from a Cognito user pool sign-in
    /// (an IAM user, a role, an unauthenticated or a federated identity).
    #[error("the caller is not signed in through a Cognito user pool")]
    NotAUserPoolLogin,
    /// A context value exists but is not in the documented form.
    #[error("the request context has an invalid {0}")]
    Malformed(&'static str),
}

impl CallerIdentityError {
    /// The HTTP status a handler should answer with: 401 when nobody is signed in, 403 otherwise.
    pub fn status(&self) -> u16 {
        match self {
            CallerIdentityError::NoIdentity => 401,
            CallerIdentityError::NotAUserPoolLogin | CallerIdentityError::Malformed(_) => 403,
        }
    }
}

/// The caller is known but lacks what the handler requires: a scope or a group.
///
/// Separate from [`CallerIdentityError`] because the caller is identified (this is
/// always 403, never 401) and a handler may want to log or count the two apart. The
/// message names the missing scope or group and why; it never holds a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessDenied {
    /// The caller's token does not grant the OAuth scope.
    #[error("missing OAuth scope {scope}: {reason}")]
    MissingScope {
        /// The scope the handler requires, e.g. `orders/write`.
        scope: String,
        /// Why the caller lacks it (an access token without it, an id token, IAM auth).
        reason: &'static str,
    },
    /// The caller is not in the user pool group.
    #[error("not in user pool group {group}: {reason}")]
    MissingGroup {
        /// The group the handler requires, e.g. `admins`.
        group: String,
        /// Why the caller is not in it (not listed, or IAM auth, which carries no groups).
        reason: &'static str,
    },
}

impl AccessDenied {
    /// The HTTP status a handler should answer with: always 403 (the caller is known,
    /// signing in again with the same rights would not help).
    pub fn status(&self) -> u16 {
        403
    }

    /// A stable code for `{"error": code, "message": …}` answers: `missing_scope` or
    /// `missing_group`.
    pub fn code(&self) -> &'static str {
        match self {
            AccessDenied::MissingScope { .. } => "missing_scope",
            AccessDenied::MissingGroup { .. } => "missing_group",
        }
    }
}

/// Why a handler refuses a request: no usable identity, or an identity without the
/// scope or group it requires.
///
/// Both errors convert into it, so a handler's inner function can use `?` on
/// [`caller_identity`](crate::RequestCallerExt::caller_identity) and
/// [`require_scope`](crate::CallerIdentity::require_scope) alike and answer with one
/// [`status`](Refusal::status).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The request does not say who the caller is.
    #[error(transparent)]
    Identity(#[from] CallerIdentityError),
    /// The caller lacks a required scope or group.
    #[error(transparent)]
    Access(#[from] AccessDenied),
}

impl Refusal {
    /// The HTTP status to answer with (see [`CallerIdentityError::status`] and [`AccessDenied::status`]).
    pub fn status(&self) -> u16 {
        match self {
            Refusal::Identity(err) => err.status(),
            Refusal::Access(err) => err.status(),
        }
    }

    /// A stable code for `{"error": code, "message": …}` answers: `no_caller_identity`,
    /// `missing_scope` or `missing_group`.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Identity(_) => "no_caller_identity",
            Refusal::Access(err) => err.code(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_keeps_the_status_and_message_of_its_cause() {
        let none: Refusal = CallerIdentityError::NoIdentity.into();
        assert_eq!((none.status(), none.code()), (401, "no_caller_identity"));
        assert_eq!(none.to_string(), CallerIdentityError::NoIdentity.to_string());
        let foreign: Refusal = CallerIdentityError::NotAUserPoolLogin.into();
        assert_eq!(foreign.status(), 403);
        let scope: Refusal = AccessDenied::MissingScope { scope: "orders/write".into(), reason: "r" }.into();
        assert_eq!((scope.status(), scope.code()), (403, "missing_scope"));
        assert_eq!(scope.to_string(), "missing OAuth scope orders/write: r");
        let group: Refusal = AccessDenied::MissingGroup { group: "admins".into(), reason: "r" }.into();
        assert_eq!((group.status(), group.code()), (403, "missing_group"));
        assert_eq!(group.to_string(), "not in user pool group admins: r");
    }
}
