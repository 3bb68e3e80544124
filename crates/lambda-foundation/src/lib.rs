//! What every Cognito Bridge function shares, written once.
//!
//! - [`ids`]: Cognito's ids as validated types, parsed once at the edge
//!   ([`UserPoolId`], [`IdentityPoolId`], [`IdentityId`]), with the regions, issuers and
//!   `Logins` keys derived from them;
//! - [`env_config`]: reading configuration from the environment, with one error line that
//!   names the variable;
//! - [`clock`]: seconds since the epoch;
//! - [`cors`]: the browser origin allowed to read a function's own answers;
//! - `sdk_config` (feature `sdk`): the functions' AWS SDK settings, deadlines and retries
//!   given per function;
//! - `aws_failure` (feature `sdk`): what a failed AWS call means (the caller's fault,
//!   throttling, an outage, a deployment fault), decided per API in one table;
//! - `logging` (feature `logging`): JSON log lines that never carry a request body, whatever
//!   `RUST_LOG` asks for.
//!
//! ```
//! use lambda_foundation::{IdentityPoolId, UserPoolId};
//!
//! let pool = UserPoolId::parse("eu-west-1_AbCdEf123").unwrap();
//! assert_eq!(pool.region(), "eu-west-1");
//! assert_eq!(pool.login_provider(), "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123");
//! let identities = IdentityPoolId::parse("eu-west-1:1f0c1a2b-0000-4000-8000-000000000000").unwrap();
//! assert_eq!(identities.region(), "eu-west-1");
//! ```

#[cfg(feature = "sdk")]
pub mod aws_failure;
pub mod clock;
pub mod cors;
pub mod env_config;
pub mod ids;
#[cfg(feature = "logging")]
pub mod logging;
#[cfg(feature = "sdk")]
pub mod sdk_config;

pub use clock::unix_now;
pub use env_config::{ConfigError, config_or_exit};
pub use ids::{IdError, IdentityId, IdentityPoolId, UserPoolId};
