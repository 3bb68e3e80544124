//! The local gateway as a process, over real HTTP on loopback, with the built functions
//! against the local Cognito (run under scripts/with-local-cognito.sh).

mod authorizer_cache;
mod harness;
mod link_tokens;
mod route_rules;
mod signed_request;
