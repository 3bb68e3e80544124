//! Why a request carries no usable caller identity.

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
