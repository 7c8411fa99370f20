//! The errors of Sigap's core operations. They know nothing of HTTP; the api
//! maps each kind to a status code in one place.

use crate::db::PoolError;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use sigap_domain::{FieldError, IllegalTransition, Status};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not found")]
    NotFound,
    #[error("invalid input")]
    Validation(Vec<FieldError>),
    #[error("a request with this Idempotency-Key is still in progress")]
    IdempotencyInFlight,
    #[error("this Idempotency-Key was used with a different request body")]
    IdempotencyMismatch,
    #[error(transparent)]
    IllegalTransition(#[from] IllegalTransition),
    #[error("the report has changed (current version {current})")]
    StaleVersion { current: i32 },
    #[error("{0}")]
    Conflict(String),
    #[error("not allowed: {0}")]
    Forbidden(String),
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Database(DieselError),
}

impl Error {
    pub fn validation(field: &str, message: impl Into<String>) -> Error {
        Error::Validation(vec![FieldError::new(field, message)])
    }

    pub fn illegal(from: Status, to: Status) -> Error {
        Status::transition(from, to)
            .err()
            .map(Error::IllegalTransition)
            .unwrap_or_else(|| Error::Conflict(format!("cannot go from {from} to {to}")))
    }
}

impl From<DieselError> for Error {
    fn from(e: DieselError) -> Error {
        match e {
            DieselError::NotFound => Error::NotFound,
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                Error::Unavailable(info.message().to_owned())
            }
            DieselError::DatabaseError(DatabaseErrorKind::UnableToSendCommand, info) => {
                Error::Unavailable(info.message().to_owned())
            }
            DieselError::DatabaseError(DatabaseErrorKind::Unknown, info)
                if server_going_away(info.message()) =>
            {
                Error::Unavailable(info.message().to_owned())
            }
            other => Error::Database(other),
        }
    }
}

/// Whether a server message is one of SQLSTATE class 57 (operator
/// intervention: the server is stopping, restarting or starting up), which
/// the driver reports without its code.
fn server_going_away(message: &str) -> bool {
    message.starts_with("terminating connection") || message.starts_with("the database system is")
}

impl From<PoolError> for Error {
    fn from(e: PoolError) -> Error {
        Error::Unavailable(e.to_string())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
