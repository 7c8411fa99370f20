//! What both of Sigap's processes need to run: settings from the environment,
//! logs and metrics, and bearer tokens.

pub mod auth;
pub mod config;
pub mod proxies;
pub mod telemetry;
