//! End-to-end tests: real server, real PostgreSQL, real RabbitMQ.

mod auth;
mod intake;
mod outbox;
mod reference;
mod routing;
mod workers;
