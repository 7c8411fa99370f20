//! Merging a duplicate report into the one kept.

use crate::auth::Auth;
use crate::body;
use crate::problem::{ApiResult, AuthErrors, Problem};
use crate::routes::reports::{if_match, text};
use crate::startup::AppState;
use crate::views::reports::ReportView;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::Deserialize;
use sigap_domain::Role;
use sigap_store::FieldError;
use sigap_store::merge::{self, KeptReport, MergeLinks, ReportLink};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(merge_report);
}

/// Body of `POST /v1/reports/{id}/merge`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"into": "019a6b2e-7c1d-7000-8000-000000000001", "reason": "Lansia yang sama, dilaporkan juga oleh kantor desa"}))]
pub struct MergeInput {
    /// The report to keep, by id or ticket (`CC-2026-000123`, letters in
    /// either case): open, not itself a duplicate, not this one.
    #[schema(
        pattern = r"^ *([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}|[A-Za-z]+-[0-9]{4}-[0-9]{6,}) *$"
    )]
    pub into: String,
    /// 1 to 2,000 characters, not all blank.
    #[schema(max_length = 2000, pattern = r"^[^\x00]*[^\s\x00][^\x00]*$")]
    pub reason: String,
}

/// Merge a duplicate report into the one kept.
///
/// `into` names the report to keep by id or by ticket.
/// The report becomes `duplicate` with `duplicate_of` naming the kept one;
/// its beneficiaries join the kept report's, each person once (the same NIK,
/// phone number, or name without honorifics with a compatible age and sex),
/// and the kept report's `beneficiary_count` grows by the people who were not
/// on it yet. Both histories record the merge (`merged_into`,
/// `merged_from`), the kept case's unit gets a `report.merged` event, and
/// the merged report's tracking page points to the kept case. Supervisors
/// merge any two open reports; UPT staff two that their unit holds (another
/// report is 404). Send the merged report's version in `If-Match` to be told
/// (412) when someone changed it first.
#[utoipa::path(
    tag = "cases",
    params(("id" = Uuid, Path, description = "The report that is a duplicate"),
        ("If-Match" = Option<String>, Header, nullable = false, pattern = r#"^(W/)?("[0-9]{1,9}"|[0-9]{1,9})$"#,
        description = "The merged report's version last seen, such as \"3\"")),
    request_body(content = MergeInput, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ReportView, description = "Merged: the report, now `duplicate`, with `duplicate_of`; ETag carries its new version",
            headers(("ETag" = String))),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "Malformed JSON"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "Either report unknown, or not the caller's"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "Either report is not open (resolved, closed, cancelled or duplicate), or the one to keep is itself a duplicate"),
        (status = 412, body = Problem, content_type = "application/problem+json", description = "Stale If-Match version"),
        (status = 413, body = Problem, content_type = "application/problem+json", description = "Body larger than 64 KiB"),
        (status = 415, body = Problem, content_type = "application/problem+json", description = "Not JSON"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Invalid fields (listed in `errors`), or a report merged into itself"),
        AuthErrors,
    )
)]
#[post("/v1/reports/{id}/merge")]
#[tracing::instrument(name = "merge_report", skip_all, fields(report_id = %id))]
async fn merge_report(
    req: HttpRequest,
    payload: web::Payload,
    auth: Auth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let claims = auth.require(&[Role::UptStaff, Role::Supervisor])?;
    let expected = if_match(&req)?;
    let input: MergeInput = body::json(&req, payload).await?;
    let reason = text("reason", &input.reason, 2000)?;
    let into = KeptReport::parse(&input.into).ok_or_else(|| {
        vec![FieldError::new(
            "into",
            "must be a report's id or ticket (CC-2026-000123)",
        )]
    })?;
    let mut conn = state.pool.get().await?;
    let merged = merge::merge(&mut conn, claims, *id, &into, &reason, expected).await?;
    state.relay.wake();
    tracing::info!(into = %merged.kept.id, ticket = %merged.report.ticket, kept_ticket = %merged.kept.ticket,
        people_added = merged.people_added, "report merged");
    let links = MergeLinks {
        duplicate_of: Some(ReportLink {
            id: merged.kept.id,
            ticket: merged.kept.ticket,
        }),
        merged_from: Vec::new(),
    };
    let version = merged.report.version;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, format!("\"{version}\"")))
        .json(ReportView::for_caller(claims, merged.report, None).with_links(links)))
}
