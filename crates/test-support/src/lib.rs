//! Test-only support shared by the crates' integration tests.
//!
//! - [`token_forge`]: RSA keys generated in the test, good and hostile tokens;
//! - [`local_cognito`]: the local Cognito emulator (SDK clients, call log, fixtures);
//! - [`jwks_server`]: a JWKS over HTTP on loopback, for built functions (`JWKS_URL`);
//! - [`hanging_proxy`]: a loopback proxy in front of one dependency that forwards, delays or hangs;
//! - [`lambda_process`]: a built Lambda binary as a process under a local runtime API (the
//!   `lambda-process` crate, which the local gateway runs its functions with);
//! - [`sqs_event_source`]: the SQS event source mapping, polling a queue into a Lambda process;
//! - [`sample_events`]: the events of `events/` with a test stack's values;
//! - [`static_jwks`]: a JWKS source in memory that counts fetches and can fail or hang;
//! - [`module_graph`]: a crate's module imports, for tests that forbid import circles;
//! - [`scratch_dir`]: a folder for one test's files, removed on drop.

pub mod hanging_proxy;
pub mod jwks_server;
pub use lambda_process;
pub mod local_cognito;
pub mod measurement;
pub mod module_graph;
pub mod sample_events;
pub mod scratch_dir;
pub mod sqs_event_source;
pub mod static_jwks;
pub mod template;
pub mod token_forge;
