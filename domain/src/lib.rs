//! Sigap's domain: the vocabulary every layer speaks (categories, needs,
//! urgencies, channels, roles, statuses), the status machine, the SLA policy,
//! the caller's claims, the checked values of a report, the shape of a
//! validation error, and working time (office hours, holidays, zones). Pure: no database, HTTP, broker or async runtime
//! (`make lint` checks it).
#![warn(missing_docs)]

pub mod casework;
mod claims;
mod field_error;
pub mod files;
mod nik;
pub mod password;
pub mod people;
mod report;
pub mod totp;
mod vocabulary;
pub mod working_time;

pub use casework::{
    Delivery, FollowUp, Functioning, NewAssessment, NewService, PersonDetails, Recommendation,
    ServiceCounts, Sex,
};
pub use claims::Claims;
pub use field_error::FieldError;
pub use nik::{Nik, NikBirthDate, NikSex};
pub use password::{Password, PasswordError};
pub use report::{Beneficiary, GeoPoint, NewReport, Phone, RegionCode};
pub use totp::Totp;
pub use vocabulary::*;
