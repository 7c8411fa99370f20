//! End-to-end tests: real server, real PostgreSQL, real RabbitMQ.

mod auth;
mod authz;
mod calendar;
mod casework;
mod client_auth;
mod clients;
mod console;
mod deadlines;
mod directory;
mod duplicates;
mod intake;
mod lifecycle;
mod merge;
mod methods;
mod metrics;
mod open311;
mod outbox;
mod reference;
mod routing;
mod schema;
mod stats;
mod vocabulary;
mod vocabulary_columns;
mod vocabulary_rows;
mod webhooks;
mod workers;
