//! Runs a built Lambda binary as a real process against a minimal Lambda Runtime API
//! on a loopback port, so that it is invoked exactly as the Lambda service invokes it:
//! the binary polls `/runtime/invocation/next` and answers on `/response` or `/error`.
//!
//! The local gateway runs the stack's functions this way, and so do the tests of the
//! functions' binaries and the cold-start tool.
//!
//! - [`runtime_api`]: the runtime API's endpoints, queue and waiters;
//! - [`process`]: the child process, its environment and its logs.
//!
//! ```no_run
//! # async fn example() {
//! use lambda_process::{InvokeOutcome, LambdaProcess};
//!
//! let env = vec![("RUST_LOG".to_owned(), "info".to_owned())];
//! let Ok(mut whoami) = LambdaProcess::start("target/debug/whoami", &env).await else { return };
//! if let Ok(InvokeOutcome::Response(answer)) = whoami.try_invoke(&serde_json::json!({})).await {
//!     println!("{answer}");
//! }
//! # }
//! ```

pub mod process;
pub mod runtime_api;

pub use process::{InvokeFailure, LambdaProcess, StartError};
pub use runtime_api::InvokeOutcome;
