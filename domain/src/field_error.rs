//! One invalid input field, as every validation reports it.

use serde::{Deserialize, Serialize};

/// One invalid input field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// The row of an imported list (the header is row 1) the error is in;
    /// absent for JSON bodies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row: Option<u32>,
    /// JSON path of the field, such as `reporter.phone` or `beneficiaries[2].age`;
    /// for an imported list, the column's field (`nik`, `birth_date`).
    pub field: String,
    /// What is wrong, in words a caller can show.
    pub message: String,
}

impl FieldError {
    /// An error on `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError {
            row: None,
            field: field.into(),
            message: message.into(),
        }
    }

    /// The error, placed at `row` of an imported list.
    pub fn at_row(mut self, row: u32) -> FieldError {
        self.row = Some(row);
        self
    }
}
