//! Who is calling: one typed [`CallerIdentity`] (user pool `sub` and Cognito
//! `IdentityId`, plus the token's kind, scopes, groups and pool) from any API Gateway
//! request context a downstream Lambda sees, and one-line scope and group checks on it.
//!
//! ```
//! use caller_identity::{Refusal, RequestCallerExt};
//! use lambda_http::{Body, Error, Request, Response};
//!
//! /// The handler's own logic: `?` turns a missing identity, scope or group into a [`Refusal`].
//! fn place_order(request: &Request) -> Result<String, Refusal> {
//!     let caller = request.caller_identity()?;
//!     caller.require_scope("orders/write")?;
//!     Ok(format!("order placed for sub={} identity={:?}", caller.sub, caller.identity_id))
//! }
//!
//! async fn handler(request: Request) -> Result<Response<Body>, Error> {
//!     match place_order(&request) {
//!         Ok(text) => Ok(Response::new(text.into())),
//!         // 401 when nobody is signed in, 403 for a missing scope or group; the message never holds a token.
//!         Err(refusal) => Ok(Response::builder().status(refusal.status()).body(refusal.to_string().into())?),
//!     }
//! }
//!
//! // The sample event of a REST route behind our authorizer carries no scopes:
//! let event = include_str!("../../../events/whoami-rest-lambda-authorizer.json");
//! let refusal = place_order(&lambda_http::request::from_str(event)?).unwrap_err();
//! assert_eq!((refusal.status(), refusal.code()), (403, "missing_scope"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Supported shapes (REST API payload 1.0 and HTTP API payload 2.0):
//! - the Cognito Bridge Lambda authorizer's context (`authorizer.<key>` / `authorizer.lambda.<key>`),
//!   with the keys of [`context_keys`];
//! - IAM auth with Cognito identity pool credentials (`identity.cognitoIdentityId` +
//!   `cognitoAuthenticationProvider` / `authorizer.iam.cognitoIdentity`), which carries no
//!   token: no token use, scopes, groups, user pool or app client (IAM auth signed by an
//!   IAM user or role is [`CallerIdentityError::NotAUserPoolLogin`]);
//! - API Gateway's Cognito user pool authorizer (`authorizer.claims`) and the HTTP API
//!   JWT authorizer (`authorizer.jwt.claims` and `authorizer.jwt.scopes`).

pub mod context_keys;
mod error;
mod iam_provider;
mod identity;
mod issuer;
mod request_context;

pub use error::{AccessDenied, CallerIdentityError, Refusal};
pub use iam_provider::{UserPoolLogin, parse_authentication_provider, user_pool_login_from_amr};
pub use identity::{CallerIdentity, IdentitySource, TokenUse};
pub use issuer::user_pool_id_from_issuer;
pub use request_context::{RequestCallerExt, from_http_api_context, from_rest_context};
