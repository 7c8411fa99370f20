//! The errors of Sigap's core operations. They know nothing of HTTP; the api
//! maps each kind to a status code in one place.

use crate::db::PoolError;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use sigap_domain::{FieldError, IllegalTransition, Status};

/// Why an operation of the store failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No such row, or none the caller may see: the two are not told apart.
    #[error("not found")]
    NotFound,
    /// The caller's input is wrong, field by field.
    #[error("invalid input")]
    Validation(Vec<FieldError>),
    /// Another request with this `Idempotency-Key` is still being stored;
    /// a retry later gets its answer.
    #[error("a request with this Idempotency-Key is still in progress")]
    IdempotencyInFlight,
    /// The `Idempotency-Key` was used before with another body.
    #[error("this Idempotency-Key was used with a different request body")]
    IdempotencyMismatch,
    /// The lifecycle does not allow this status change.
    #[error(transparent)]
    IllegalTransition(#[from] IllegalTransition),
    /// The caller expected another version of the report than the current
    /// one: someone changed it first.
    #[error("the report has changed (current version {current})")]
    StaleVersion {
        /// The report's version now.
        current: i32,
    },
    /// The request does not fit the current state of things (such as
    /// assigning by hand a case a unit already has); the message says why.
    #[error("{0}")]
    Conflict(String),
    /// A case cannot be resolved while work is pending: the people not yet
    /// served or ended, and the services still planned.
    #[error("the case has work pending")]
    WorkPending(crate::casework::Pending),
    /// The caller's role may not do this; the message says what.
    #[error("not allowed: {0}")]
    Forbidden(String),
    /// The database cannot be reached, is going away, or has no free
    /// connection in time: worth a retry.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// Any other database error: a fault of the server, not the caller's.
    #[error("database error: {0}")]
    Database(DieselError),
}

impl Error {
    /// An [`Error::Validation`] with one field error.
    pub fn validation(field: &str, message: impl Into<String>) -> Error {
        Error::Validation(vec![FieldError::new(field, message)])
    }

    /// The error for a step from `from` to `to`: the lifecycle's
    /// [`Error::IllegalTransition`], or a [`Error::Conflict`] when the
    /// lifecycle allows the step but the operation does not.
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

/// A result of the store; its error is [`Error`] unless said otherwise.
pub type Result<T, E = Error> = std::result::Result<T, E>;
