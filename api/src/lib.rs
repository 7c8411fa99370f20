//! Sigap's HTTP api: handlers, auth, OpenAPI, and the admin commands.

pub mod access_log;
pub mod auth;
pub mod body;
pub mod cli;
pub mod client_auth;
pub mod hashing;
pub mod method_not_allowed;
pub mod oidc;
pub mod openapi;
pub mod page;
pub mod problem;
pub mod query_time;
pub mod queue_watch;
pub mod rate_limit;
pub mod request_log;
pub mod revocations;
pub mod routes;
pub mod startup;
pub mod strict_json;
pub mod views;
pub mod xml;

pub use startup::Application;
