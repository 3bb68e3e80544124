//! Who is calling: one typed [`CallerIdentity`] (user pool `sub` and Cognito
//! `IdentityId`) from any API Gateway request context a downstream Lambda sees.
//!
//! ```
//! use caller_identity::RequestCallerExt;
//! use lambda_http::{Body, Error, Request, Response};
//!
//! async fn handler(request: Request) -> Result<Response<Body>, Error> {
//!     let caller = match request.caller_identity() {
//!         Ok(caller) => caller,
//!         Err(err) => return Ok(Response::builder().status(err.status()).body(err.to_string().into())?),
//!     };
//!     Ok(Response::new(format!("sub={} identity={:?}", caller.sub, caller.identity_id).into()))
//! }
//! ```
//!
//! Supported shapes (REST API payload 1.0 and HTTP API payload 2.0):
//! - the Cognito Bridge Lambda authorizer's context (`authorizer.<key>` / `authorizer.lambda.<key>`);
//! - IAM auth with Cognito identity pool credentials (`identity.cognitoIdentityId` +
//!   `cognitoAuthenticationProvider` / `authorizer.iam.cognitoIdentity`);
//! - API Gateway's Cognito user pool authorizer (`authorizer.claims`) and the HTTP API
//!   JWT authorizer (`authorizer.jwt.claims`).

pub mod context_keys;
mod error;
mod iam_provider;
mod identity;
mod request_context;

pub use error::CallerIdentityError;
pub use iam_provider::{UserPoolLogin, parse_authentication_provider, user_pool_login_from_amr};
pub use identity::{CallerIdentity, IdentitySource};
pub use request_context::{RequestCallerExt, from_http_api_context, from_rest_context};
