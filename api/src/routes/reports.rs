//! Filing and reading reports.

use crate::auth::Auth;
use crate::body;
use crate::problem::{ApiError, ApiResult, AuthErrors, Problem};
use crate::startup::AppState;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use sigap_core::FieldError;
use sigap_core::domain::Role;
use sigap_core::intake::{self, Filed, Filer, Idempotency, ReportInput};
use sigap_core::reports::{self, ReportView};
use tracing_actix_web::RequestId;
use uuid::Uuid;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_report).service(get_report);
}

const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

/// Reads the optional `Idempotency-Key` header (1 to 255 visible ASCII characters).
fn idempotency_key(req: &HttpRequest) -> ApiResult<Option<String>> {
    let Some(value) = req.headers().get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let key = value.to_str().unwrap_or("").trim();
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(vec![FieldError::new(
            IDEMPOTENCY_KEY,
            "must be 1 to 255 visible ASCII characters",
        )]
        .into());
    }
    Ok(Some(key.to_owned()))
}

/// File a report.
///
/// The report is stored with its first event and queued for routing in one
/// transaction; the answer comes before routing. With an `Idempotency-Key`, a
/// retry with the same body returns the first answer (with
/// `Idempotent-Replayed: true`), the same key with another body is 422, and a
/// retry while the first is still being stored is 409. Keys are kept with the
/// report, so they stay valid for as long as the report exists.
#[utoipa::path(
    tag = "reports",
    request_body(content = ReportInput, content_type = "application/json"),
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: 1 to 255 visible ASCII characters")),
    security(("bearer" = [])),
    responses(
        (status = 201, body = Filed, description = "Filed",
            headers(("Location" = String, description = "The report's URL"))),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "Malformed JSON"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "A request with this Idempotency-Key is in progress"),
        (status = 413, body = Problem, content_type = "application/problem+json", description = "Body larger than 64 KiB"),
        (status = 415, body = Problem, content_type = "application/problem+json", description = "Not JSON"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Invalid fields (listed in `errors`), or an Idempotency-Key reused with another body"),
        AuthErrors,
    )
)]
#[post("/v1/reports")]
#[tracing::instrument(name = "create_report", skip_all)]
async fn create_report(
    req: HttpRequest,
    payload: web::Payload,
    auth: Auth,
    state: web::Data<AppState>,
    request_id: RequestId,
) -> ApiResult<HttpResponse> {
    let claims = auth.require(&[Role::Operator, Role::Supervisor, Role::Integrator])?;
    let key = idempotency_key(&req)?;
    let value = body::read_json(&req, payload).await?;
    let idempotency = key.map(|key| Idempotency {
        key,
        request_hash: intake::request_hash(&value),
    });
    let input: ReportInput = body::typed(value)?;
    let report = input.parse()?;
    let filer = Filer {
        sub: claims.sub.clone(),
        role: claims.role,
        client_id: (claims.role == Role::Integrator).then(|| claims.sub.clone()),
    };
    let mut conn = state.pool.get().await?;
    let filed = intake::file_report(
        &mut conn,
        &report,
        &filer,
        idempotency.as_ref(),
        Some(request_id.to_string()),
    )
    .await?;
    if !filed.replayed {
        state.relay.wake();
        metrics::counter!("sigap_reports_received_total", "urgency" => report.urgency.as_str())
            .increment(1);
        tracing::info!(report_id = %filed.id, ticket = %filed.ticket, category = %report.category,
            urgency = %report.urgency, region = report.region_code.as_str(), "report filed");
    }
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/v1/reports/{}", filed.id)))
        .insert_header((
            "Idempotent-Replayed",
            if filed.replayed { "true" } else { "false" },
        ))
        .json(filed))
}

/// A report with its history.
///
/// UPT staff see their unit's reports, regional offices their region's,
/// integrators the ones they filed; any other report is 404. Names and phone
/// numbers are shown only to operators, supervisors and the assigned unit.
#[utoipa::path(
    tag = "reports",
    params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ReportView),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such report, or not visible to the caller"),
        AuthErrors,
    )
)]
#[get("/v1/reports/{id}")]
async fn get_report(
    auth: Auth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ReportView>> {
    let mut conn = state.pool.get().await?;
    let view = reports::get_for(&mut conn, &auth.0, id.into_inner())
        .await
        .map_err(ApiError::from)?;
    Ok(web::Json(view))
}
