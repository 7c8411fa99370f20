//! Sigap's store: the only crate that speaks SQL. It owns the diesel schema,
//! the migrations runner, one module per aggregate (reports, lifecycle,
//! intake, directory, clients, webhooks, statistics, outbox, seed) and the
//! message bus (`bus`: AMQP topology, messages and the outbox relay). Its
//! functions take a connection and speak the domain's types.
#![warn(missing_docs)]

pub mod bus;
pub mod cases;
pub mod clients;
pub mod db;
pub mod directory;
pub mod error;
pub mod geography;
pub mod intake;
pub mod lifecycle;
pub mod open311;
pub mod outbox;
pub mod regions;
pub mod reports;
pub mod routing;
pub mod schema;
pub mod seed;
pub mod stats;
pub mod units;
pub mod vocabulary;
pub mod webhooks;

pub use error::{Error, Result};
pub use sigap_domain::FieldError;
