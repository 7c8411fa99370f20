//! `GET /v1/reports/{id}/access-log`: who was shown the personal data of a
//! report (UU PDP), for supervisors and admins.

use crate::auth::Auth;
use crate::page::{self, Page};
use crate::problem::{ApiResult, AuthErrors, Problem};
use crate::routes::casework::ListQuery;
use crate::startup::AppState;
use actix_web::{get, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sigap_store::privacy::access::{self, AccessRow};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_report_access_log);
}

/// One answer that showed the report's personal data.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "at": "2026-12-07T09:30:00Z", "actor": "operator-7", "actor_kind": "staff",
    "role": "operator", "action": "report_view",
    "beneficiary_ids": ["0190a000-0000-7000-8000-000000000001"],
    "request_id": "6f1c2a9e-3b7d-4c1e-9a55-0d8e2f4b7c11"
}))]
pub struct AccessEntryView {
    /// When the answer was given.
    pub at: DateTime<Utc>,
    /// The token's `sub`: a staff account or an API client.
    pub actor: String,
    /// `staff` or `client`.
    pub actor_kind: String,
    /// The caller's role.
    pub role: String,
    /// `report_view`, `beneficiary_list`, `beneficiary_view`,
    /// `assessment_list`, `service_list`, `unit_service_list`,
    /// `attachment_download`, `export_download`, `open311_request` or
    /// `subject_export`.
    pub action: String,
    /// The people whose data the answer held.
    pub beneficiary_ids: Vec<Uuid>,
    /// The request's id (`X-Request-Id`), to find it in the logs.
    pub request_id: Option<String>,
}

impl From<AccessRow> for AccessEntryView {
    fn from(row: AccessRow) -> AccessEntryView {
        AccessEntryView {
            at: row.at,
            actor: row.actor,
            actor_kind: row.actor_kind,
            role: row.role,
            action: row.action,
            beneficiary_ids: row.beneficiary_ids.into_iter().flatten().collect(),
            request_id: row.request_id,
        }
    }
}

/// Who saw the report's personal data, newest first.
///
/// Every answer that showed names, NIKs or phones of the report (its view,
/// its people) is recorded, by staff and by clients; lists and queues that
/// show none are not. Entries are written in batches within about a second
/// (`SIGAP_ACCESS_LOG_INTERVAL`). Supervisors and admins only.
#[utoipa::path(
    tag = "personal data",
    params(("id" = Uuid, Path, description = "The report"), ListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Page<AccessEntryView>),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such report"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Bad limit, or a cursor this API did not issue"),
        AuthErrors,
    )
)]
#[get("/v1/reports/{id}/access-log")]
async fn list_report_access_log(
    auth: Auth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: web::Query<ListQuery>,
) -> ApiResult<web::Json<Page<AccessEntryView>>> {
    let limit = page::limit(query.limit, 100)?;
    let before = page::after_as::<i64>(&query.cursor)?;
    let mut conn = state.pool.get().await?;
    let rows = access::for_report(&mut conn, &auth.0, *id, before, limit + 1).await?;
    Ok(web::Json(
        Page::from_rows(rows, limit, |r| r.id.to_string()).map(AccessEntryView::from),
    ))
}
