//! One module per resource; `configure` mounts them all.

pub mod access_log;
pub mod attachments;
pub mod cases;
pub mod casework;
pub mod clients;
pub mod consents;
pub mod console;
pub mod directory;
pub mod exports;
pub mod health;
pub mod holidays;
pub mod merge;
pub mod oidc;
pub mod open311;
pub mod reference;
pub mod reports;
pub mod sign_in;
pub mod staff;
pub mod stats;
pub mod subject_requests;
pub mod track;
pub mod units;
pub mod vocabulary;
pub mod webhooks;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    health::configure(cfg);
    reference::configure(cfg);
    vocabulary::configure(cfg);
    units::configure(cfg);
    directory::configure(cfg);
    holidays::configure(cfg);
    reports::configure(cfg);
    merge::configure(cfg);
    cases::configure(cfg);
    casework::configure(cfg);
    consents::configure(cfg);
    access_log::configure(cfg);
    subject_requests::configure(cfg);
    stats::configure(cfg);
    exports::configure(cfg);
    attachments::configure(cfg);
    clients::configure(cfg);
    staff::configure(cfg);
    sign_in::configure(cfg);
    oidc::configure(cfg);
    webhooks::configure(cfg);
    track::configure(cfg);
    open311::configure(cfg);
    console::configure(cfg);
}
