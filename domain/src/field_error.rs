//! One invalid input field, as every validation reports it.

use serde::{Deserialize, Serialize};

/// One invalid input field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// JSON path of the field, such as `reporter.phone` or `beneficiaries[2].age`.
    pub field: String,
    /// What is wrong, in words a caller can show.
    pub message: String,
}

impl FieldError {
    /// An error on `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}
