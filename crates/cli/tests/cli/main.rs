//! The `cognito-bridge` binary as a process against the local Cognito
//! (run with `scripts/with-local-cognito.sh cargo test -p cli`): output and
//! exit codes of every subcommand, the token cache on disk, and `link` /
//! `whoami` (each token, each route) against a small in-test API that checks the request shape.

mod harness;
mod mock_api;

mod adopt;
mod adopt_folder_layout;
mod adopt_pre_token;
mod config_errors;
mod credential_process;
mod credentials;
mod dlq;
mod forget;
mod help;
mod link_and_whoami;
mod private_folder;
mod reconcile;
mod session_errors;
mod sign_in;
mod srp_flow;
mod unlink;
mod web_config;
mod whoami_routes;
mod whois;
mod whois_forgotten;
