//! Exports: asked for here, built by the worker, downloaded here.

use crate::auth::Auth;
use crate::body;
use crate::problem::{ApiError, ApiResult, AuthErrors, BodyErrors, Problem};
use crate::routes::stats::stats_request;
use crate::startup::AppState;
use crate::views::exports::{ExportInput, ExportView};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::Utc;
use sigap_domain::{FieldError, Role};
use sigap_store::exports::{
    self, ExportFormat, ExportKind, ExportStatus, ReportFilters, StatsFilters,
};
use sigap_store::privacy::access::{Access, Action};
use tracing_actix_web::RequestId;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_export)
        .service(get_export)
        .service(get_export_file);
}

/// The filters of a statistics export, as `GET /v1/stats` reads them.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct StatsInput {
    from: Option<String>,
    to: Option<String>,
    region: Option<String>,
}

/// Checks `filters` for `kind` and returns them as stored.
fn checked_filters(
    claims: &sigap_domain::Claims,
    kind: ExportKind,
    filters: Option<serde_json::Value>,
) -> ApiResult<serde_json::Value> {
    let filters = filters.unwrap_or_else(|| serde_json::json!({}));
    // An array would fill the filters' fields in order: only an object names them.
    if !filters.is_object() {
        return Err(vec![FieldError::new("filters", "must be an object")].into());
    }
    let invalid = |e: serde_json::Error| -> ApiError {
        vec![FieldError::new("filters", format!("{e}"))].into()
    };
    match kind {
        ExportKind::Reports | ExportKind::Beneficiaries | ExportKind::Services => {
            let parsed: ReportFilters = serde_json::from_value(filters).map_err(invalid)?;
            let nul = |f: &Option<String>| f.as_deref().is_some_and(|f| f.contains('\0'));
            if nul(&parsed.unit) || nul(&parsed.region) {
                return Err(vec![FieldError::new("filters", "codes hold no NUL")].into());
            }
            Ok(serde_json::to_value(parsed).expect("filters serialize"))
        }
        ExportKind::Stats => {
            let input: StatsInput = serde_json::from_value(filters).map_err(invalid)?;
            let request = stats_request(
                input.from.as_deref(),
                input.to.as_deref(),
                input.region.as_deref(),
                Utc::now(),
            )?;
            let region = request.region.map(|r| r.as_str().to_owned());
            if claims.role == Role::Regional {
                let own = claims.region.as_deref().unwrap_or("");
                if let Some(asked) = &region
                    && asked != own
                    && !asked.starts_with(&format!("{own}."))
                {
                    return Err(ApiError::Forbidden(format!(
                        "a regional office of {own} may not export the statistics of {asked}"
                    )));
                }
            }
            let stored = StatsFilters {
                from: request.from,
                to: request.to,
                region,
            };
            Ok(serde_json::to_value(stored).expect("filters serialize"))
        }
    }
}

/// Ask for an export.
///
/// The worker builds the file in the background; follow `Location` (or
/// poll `GET /v1/exports/{id}`) until `status` is `ready`, then download
/// `file`. The file holds what the requester may read when it is built:
/// `reports`, `beneficiaries` and `services` for operators, supervisors and
/// regional offices (their own province), with the same filters and
/// visibility as `GET /v1/reports` (the filters select reports; a services
/// file has one row per service of those reports: ticket, unit, region,
/// ATENSI component, modality, device, quantity, status, due and delivery
/// days, handover (BAST) number, follow-up); `stats` for supervisors, admins
/// and regional offices (their own region), the figures of `GET /v1/stats`,
/// in XLSX one sheet per grouping. Names, phone numbers, NIK, addresses,
/// descriptions and who received a service are columns only for roles that
/// may see personal data (operators and supervisors); a regional office's
/// file has no such columns. Headers are
/// Indonesian; XLSX cells are typed (times as dates in UTC, numbers as
/// numbers); CSV is UTF-8 with a byte-order mark. Text starting with `=`,
/// `+`, `-`, `@`, a tab or a carriage return is prefixed with `'` so that
/// no spreadsheet runs it.
#[utoipa::path(
    tag = "exports",
    request_body(content = ExportInput, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 202, body = ExportView, description = "Queued",
            headers(("Location" = String, description = "The export's URL"))),
        BodyErrors,
        AuthErrors,
    )
)]
#[post("/v1/exports")]
#[tracing::instrument(name = "create_export", skip_all)]
async fn create_export(
    req: HttpRequest,
    payload: web::Payload,
    auth: Auth,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let claims = auth.require(&[
        Role::Operator,
        Role::Supervisor,
        Role::Regional,
        Role::Admin,
    ])?;
    let input: ExportInput = body::json(&req, payload).await?;
    let kind = ExportKind::parse(&input.kind);
    let format = ExportFormat::parse(&input.format);
    let mut errors = Vec::new();
    if kind.is_none() {
        errors.push(FieldError::new(
            "kind",
            "must be reports, beneficiaries, services or stats",
        ));
    }
    if format.is_none() {
        errors.push(FieldError::new("format", "must be csv or xlsx"));
    }
    let (Some(kind), Some(format)) = (kind, format) else {
        return Err(errors.into());
    };
    exports::check_allowed(claims, kind)?;
    let filters = checked_filters(claims, kind, input.filters)?;
    let mut conn = state.pool.get().await?;
    let export = exports::create(&mut conn, claims, kind, format, filters).await?;
    tracing::info!(export_id = %export.id, kind = %kind, format = %format, "export queued");
    Ok(HttpResponse::Accepted()
        .insert_header((header::LOCATION, format!("/v1/exports/{}", export.id)))
        .json(ExportView::from(export)))
}

/// An export's state.
///
/// Only its requester (or an admin) sees it; anyone else gets 404.
#[utoipa::path(
    tag = "exports",
    params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ExportView),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such export, or another's"),
        AuthErrors,
    )
)]
#[get("/v1/exports/{id}")]
async fn get_export(
    auth: Auth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ExportView>> {
    let mut conn = state.pool.get().await?;
    let export = exports::get_for(&mut conn, &auth.0, *id).await?;
    Ok(web::Json(export.into()))
}

/// Download an export's file.
///
/// Served as an attachment, streamed from the database in 1 MiB pieces.
/// The file is kept `SIGAP_EXPORT_TTL` (24 hours by default) after it is
/// ready, then deleted: 410. Before it is ready: 409. A download of a file
/// that holds personal data (reports, people or services exported by an
/// operator or a supervisor) is written to the access log
/// (`export_download`).
#[utoipa::path(
    tag = "exports",
    params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The file",
            content(
                (String = "text/csv"),
                (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            ),
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"…\"`"))),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such export, or another's"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "Not ready (queued, building or failed)"),
        (status = 410, body = Problem, content_type = "application/problem+json", description = "The file was kept its time and deleted"),
        AuthErrors,
    )
)]
#[get("/v1/exports/{id}/file")]
async fn get_export_file(
    auth: Auth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    request_id: RequestId,
) -> ApiResult<HttpResponse> {
    let export = {
        let mut conn = state.pool.get().await?;
        exports::get_for(&mut conn, &auth.0, *id).await?
    };
    if export.expired(Utc::now()) {
        return Err(ApiError::Gone(
            "this export's file was kept its time and deleted; ask for a new export".into(),
        ));
    }
    if export.status != ExportStatus::Ready {
        return Err(sigap_store::Error::Conflict(format!(
            "the export is {}, not ready",
            export.status
        ))
        .into());
    }
    if exports::holds_personal_data(&export) {
        state
            .access_log
            .record(
                Access::by(
                    &auth.0,
                    Action::ExportDownload,
                    Some(request_id.to_string()),
                )
                .of_export(export.id),
            )
            .await;
    }
    let pool = state.pool.clone();
    let export_id = export.id;
    // One piece at a time: memory stays at one chunk per download.
    let chunks = futures_util::stream::try_unfold(0i32, move |seq| {
        let pool = pool.clone();
        async move {
            let mut conn = pool.get().await.map_err(std::io::Error::other)?;
            let chunk = exports::chunk(&mut conn, export_id, seq)
                .await
                .map_err(std::io::Error::other)?;
            Ok::<_, std::io::Error>(chunk.map(|bytes| (web::Bytes::from(bytes), seq + 1)))
        }
    });
    let filename = export.filename.unwrap_or_else(|| "sigap-export".into());
    let mut response = HttpResponse::Ok();
    response
        .insert_header((header::CONTENT_TYPE, export.format.content_type()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header((header::CACHE_CONTROL, "no-store"));
    match export.size_bytes.and_then(|n| u64::try_from(n).ok()) {
        Some(size) => Ok(response.body(actix_web::body::SizedStream::new(size, chunks))),
        None => Ok(response.streaming(chunks)),
    }
}
