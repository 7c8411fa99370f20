//! Sigap's core: domain types, configuration, database access, messaging and
//! the outbox. Shared by the api and the worker.

pub mod amqp;
pub mod auth;
pub mod clients;
pub mod config;
pub mod db;
pub mod directory;
pub mod domain;
pub mod error;
pub mod geography;
pub mod intake;
pub mod lifecycle;
pub mod outbox;
pub mod reports;
pub mod routing;
pub mod schema;
pub mod seed;
pub mod stats;
pub mod telemetry;
pub mod webhooks;

pub use error::{Error, FieldError, Result};
