//! Response bodies with their OpenAPI schemas, made from the store's rows.

pub mod casework;
pub mod clients;
pub mod directory;
pub mod exports;
pub mod holidays;
pub mod intake;
pub mod people_list;
pub mod reports;
pub mod staff;
pub mod stats;
pub mod units;
pub mod webhooks;
