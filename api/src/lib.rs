//! Sigap's HTTP api: handlers, auth, OpenAPI, and the admin commands.

pub mod auth;
pub mod body;
pub mod cli;
pub mod openapi;
pub mod page;
pub mod problem;
pub mod routes;
pub mod startup;

pub use startup::Application;
