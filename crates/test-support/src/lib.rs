//! Test-only support shared by the crates' integration tests.
//!
//! - [`token_forge`]: RSA keys generated in the test, good and hostile tokens;
//! - [`local_cognito`]: the local Cognito emulator (SDK clients, call log, fixtures).

pub mod local_cognito;
pub mod token_forge;
