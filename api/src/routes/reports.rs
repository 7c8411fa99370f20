//! Filing and reading reports.

use crate::auth::Auth;
use crate::body;
use crate::page::{self, Page};
use crate::problem::{ApiResult, AuthErrors, BodyErrors, Problem};
use crate::startup::AppState;
use crate::views::intake::{DuplicateCheckView, FiledView, ReportDraft, ReportInput, probe_of};
use crate::views::reports::ReportView;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use sigap_domain::Claims;
use sigap_domain::{Category, Role, Status, Urgency};
use sigap_runtime::auth::Scope;
use sigap_store::FieldError;
use sigap_store::attachments;
use sigap_store::duplicates::{self, Probe, Suggestion};
use sigap_store::intake::{self, Filer, Idempotency};
use sigap_store::lifecycle;
use sigap_store::privacy::access::{Access, Action};
use sigap_store::reports::{self, ListCursor, ReportFilter, ReportRow};
use sigap_store::routing::DirectoryCache;
use tracing_actix_web::RequestId;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(check_report)
        .service(create_report)
        .service(list_reports)
        .service(get_report)
        .service(change_report_status)
        .service(add_report_note)
        .service(transfer_report)
        .service(assign_report);
}

const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

/// Most people a report's answer lists; `GET /v1/reports/{id}/beneficiaries`
/// pages through all of them.
const REPORT_PEOPLE_SHOWN: i64 = 100;

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
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = "^[!-~]{1,255}$",
        description = "Makes retries safe: 1 to 255 visible ASCII characters")),
    security(("bearer" = []), ("client_credentials" = ["reports:write"])),
    responses(
        (status = 201, body = FiledView, description = "Filed",
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
    let claims = auth.require_scoped(
        &[Role::Operator, Role::Supervisor, Role::Integrator],
        Scope::ReportsWrite,
    )?;
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
    let mut probe = probe_of(&report, filed.id);
    probe.client_id = filer.client_id.clone();
    let possible = suggestions(&mut conn, &probe).await;
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
        .json(FiledView::new(filed, possible)))
}

/// The suggestions for a filed report. The report is stored whatever
/// happens here: a failed look-up is logged and answered with none, so that
/// a caller never files twice because of it.
async fn suggestions(conn: &mut sigap_store::db::PooledConn, probe: &Probe) -> Vec<Suggestion> {
    match duplicates::suggest(conn, probe).await {
        Ok(found) => found,
        Err(error) => {
            tracing::warn!(%error, "duplicate suggestions failed");
            Vec::new()
        }
    }
}

/// Possible duplicates of a report being written.
///
/// Takes the body of `POST /v1/reports` as far as it is typed: `category`
/// and `region_code` or `location` are required, the rest optional; NIKs
/// and phones that do not parse yet are left out. Stores nothing, emits
/// nothing and uses no `Idempotency-Key`. Candidates are reports of the same
/// category, open or ended in the last 30 days (not those marked
/// duplicate), within 2 km of `location` (or in the same region when either
/// has no coordinates), with a person of the same NIK or phone or a similar
/// name (trigram similarity at least 0.6 of the names without honorifics,
/// punctuation and doubled letters, so "Ibu Sitti Aminah" matches "Siti
/// Aminah"). At most 10, best first.
///
/// Operators and supervisors are compared with every report; an integrator
/// (scope `reports:write`, as for filing) only with the reports its own
/// client filed, since it may not learn of other people's cases. Other
/// roles: 403.
#[utoipa::path(
    tag = "reports",
    request_body(content = ReportDraft, content_type = "application/json",
        example = json!({
            "category": "elderly", "region_code": "13.03",
            "location": {"lat": -0.69, "lon": 100.95},
            "beneficiaries": [{"name": "Sitti Aminah"}]
        })),
    security(("bearer" = []), ("client_credentials" = ["reports:write"])),
    responses(
        (status = 200, body = DuplicateCheckView, description = "Possible duplicates, best first;             the example is a check for \"Sitti Aminah\" near an earlier report about \"Siti Aminah\""),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "Malformed JSON"),
        (status = 413, body = Problem, content_type = "application/problem+json", description = "Body larger than 64 KiB"),
        (status = 415, body = Problem, content_type = "application/problem+json", description = "Not JSON"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "No valid category, or neither a valid region_code nor location (listed in `errors`)"),
        AuthErrors,
    )
)]
#[post("/v1/reports:check")]
#[tracing::instrument(name = "check_report", skip_all)]
async fn check_report(
    req: HttpRequest,
    payload: web::Payload,
    auth: Auth,
    state: web::Data<AppState>,
) -> ApiResult<web::Json<DuplicateCheckView>> {
    let claims = auth.require_scoped(
        &[Role::Operator, Role::Supervisor, Role::Integrator],
        Scope::ReportsWrite,
    )?;
    let value = body::read_json(&req, payload).await?;
    let draft: ReportDraft = body::typed(value)?;
    let mut probe = draft.probe()?;
    probe.client_id = (claims.role == Role::Integrator).then(|| claims.sub.clone());
    let mut conn = state.pool.get().await?;
    let found = duplicates::suggest(&mut conn, &probe).await?;
    Ok(web::Json(DuplicateCheckView {
        possible_duplicates: found.into_iter().map(Into::into).collect(),
    }))
}

/// A report with its history.
///
/// UPT staff see their unit's reports, regional offices their region's,
/// integrators the ones they filed; any other report is 404. The reporter,
/// the description, the address, notes and reasons are shown only to
/// operators, supervisors and the assigned unit; a person's name, NIK,
/// phone and address to them too, and to a partner or a regional office
/// while the person has an active consent for `share_with_partner` or
/// `share_with_regional_office`.
/// `beneficiaries` lists the first 100 people, each with its `id` and
/// `status` (`GET /v1/reports/{id}/beneficiaries` pages through all).
#[utoipa::path(
    tag = "reports",
    params(("id" = Uuid, Path)),
    security(("bearer" = []), ("client_credentials" = ["reports:read"])),
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
    request_id: RequestId,
) -> ApiResult<web::Json<ReportView>> {
    auth.require_scope(Scope::ReportsRead)?;
    let mut conn = state.pool.get().await?;
    let (row, events, links) = reports::get_for(&mut conn, &auth.0, id.into_inner()).await?;
    let attachments = attachments::count(&mut conn, row.id).await?;
    let (case, people) = sigap_store::casework::list_beneficiaries(
        &mut conn,
        &auth.0,
        row.id,
        None,
        REPORT_PEOPLE_SHOWN,
    )
    .await?;
    // The people whose data the answer shows: all of them for those who
    // see the report's, those who consented to it for a partner or a
    // regional office.
    let shown: Vec<Uuid> = people
        .iter()
        .filter(|p| p.shown)
        .map(|p| p.row.id)
        .collect();
    if reports::sees_personal_data(&auth.0, &row) || !shown.is_empty() {
        state
            .access_log
            .record(
                Access::by(&auth.0, Action::ReportView, Some(request_id.to_string()))
                    .of_people(row.id, shown),
            )
            .await;
    }
    Ok(web::Json(
        ReportView::for_caller(&auth.0, row, Some(events))
            .with_links(links)
            .with_attachment_count(attachments)
            .with_people(&case, people),
    ))
}

/// Body of `POST /v1/reports/{id}/status`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"status": "acknowledged", "note": "Petugas menuju lokasi"}))]
pub struct StatusInput {
    #[schema(schema_with = status_target)]
    pub status: Status,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// The statuses a case may be moved to by hand: all but those routing sets
/// (`received`, `needs_triage`, `assigned`), which the store refuses here.
fn status_target() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .description(Some(
            "The status to move to: any but `received`, `needs_triage` and `assigned` (a \
             transfer or an assignment sets those); 409 when the case cannot reach it from \
             its current status.",
        ))
        .enum_values(Some(
            Status::ALL
                .iter()
                .filter(|s| !matches!(s, Status::Received | Status::NeedsTriage | Status::Assigned))
                .map(|s| s.as_str()),
        ))
        .build()
}

/// Body of `POST /v1/reports/{id}/notes`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"note": "Keluarga dihubungi, kunjungan besok pagi"}))]
pub struct NoteInput {
    /// 1 to 2,000 characters, not all blank (surrounding blanks are dropped).
    #[schema(max_length = 2000, pattern = r"^[^\x00]*[^\s\x00][^\x00]*$")]
    pub note: String,
}

/// Body of `POST /v1/reports/{id}/transfer`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"unit_code": "SENTRA-EFATA", "reason": "Di luar wilayah kerja kami"}))]
pub struct TransferInput {
    /// The unit to hand the case to; absent = the router's next choice,
    /// excluding every unit that already had it.
    #[serde(default)]
    pub unit_code: Option<String>,
    /// 1 to 2,000 characters, not all blank.
    #[schema(max_length = 2000, pattern = r"^[^\x00]*[^\s\x00][^\x00]*$")]
    pub reason: String,
}

/// Body of `POST /v1/reports/{id}/assign`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"unit_code": "SENTRA-MULYA-JAYA", "note": "Ditangani oleh sentra terdekat"}))]
pub struct AssignInput {
    pub unit_code: String,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

pub(crate) fn text(field: &str, value: &str, max: usize) -> ApiResult<String> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max {
        return Err(vec![FieldError::new(
            field,
            format!("must be 1 to {max} characters"),
        )]
        .into());
    }
    Ok(value.to_owned())
}

fn optional_text(field: &str, value: &Option<String>, max: usize) -> ApiResult<Option<String>> {
    match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => text(field, v, max).map(Some),
    }
}

/// Reads `If-Match: "<version>"`: quotes and a weak `W/` optional, at most
/// nine digits.
pub(crate) fn if_match(req: &HttpRequest) -> ApiResult<Option<i32>> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or("").trim();
    let text = text.strip_prefix("W/").unwrap_or(text);
    let digits = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text);
    let version = (1..=9)
        .contains(&digits.len())
        .then_some(digits)
        .filter(|d| d.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|d| d.parse::<i32>().ok());
    version.map(Some).ok_or_else(|| {
        vec![FieldError::new(
            "If-Match",
            "must be the report's version, such as \"3\"",
        )]
        .into()
    })
}

/// The report after a change, as the caller may see it, with its ETag.
fn changed(claims: &Claims, row: ReportRow) -> HttpResponse {
    let version = row.version;
    HttpResponse::Ok()
        .insert_header((header::ETAG, format!("\"{version}\"")))
        .json(ReportView::for_caller(claims, row, None))
}

/// Move a case along its lifecycle.
///
/// `received → assigned → acknowledged → assessing → in_service → resolved →
/// closed`; supervisors may also cancel or mark duplicate any open case. UPT
/// staff act only on their unit's cases. Send the version you last saw in
/// `If-Match` to be told (412) when someone else changed the case first.
#[utoipa::path(
    tag = "cases",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, nullable = false, pattern = r#"^(W/)?("[0-9]{1,9}"|[0-9]{1,9})$"#,
        description = "The version last seen, such as \"3\"")),
    request_body(content = StatusInput, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ReportView, description = "Changed; ETag carries the new version"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such report, or not the caller's"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "Illegal transition; `allowed` lists the statuses reachable"),
        (status = 412, body = Problem, content_type = "application/problem+json", description = "Stale If-Match version"),
        BodyErrors,
        AuthErrors,
    )
)]
#[post("/v1/reports/{id}/status")]
#[tracing::instrument(name = "change_report_status", skip_all, fields(report_id = %id))]
async fn change_report_status(
    req: HttpRequest,
    payload: web::Payload,
    auth: Auth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let claims = auth.require(&[Role::UptStaff, Role::Supervisor])?;
    let expected = if_match(&req)?;
    let input: StatusInput = body::json(&req, payload).await?;
    let note = optional_text("note", &input.note, 2000)?;
    let mut conn = state.pool.get().await?;
    let row = lifecycle::change_status(
        &mut conn,
        &state.config.sla,
        claims,
        *id,
        input.status,
        note.as_deref(),
        expected,
    )
    .await?;
    state.relay.wake();
    tracing::info!(status = %input.status, "status changed");
    Ok(changed(claims, row))
}

/// Append a note to a report's history.
#[utoipa::path(
    tag = "cases",
    params(("id" = Uuid, Path)),
    request_body(content = NoteInput, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Noted"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such report, or not visible to the caller"),
        BodyErrors,
        AuthErrors,
    )
)]
#[post("/v1/reports/{id}/notes")]
async fn add_report_note(
    req: HttpRequest,
    payload: web::Payload,
    auth: Auth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let input: NoteInput = body::json(&req, payload).await?;
    let note = text("note", &input.note, 2000)?;
    let mut conn = state.pool.get().await?;
    lifecycle::add_note(&mut conn, &auth.0, *id, &note).await?;
    state.relay.wake();
    Ok(HttpResponse::Created().finish())
}

/// Hand a case to another unit: the one named, or the router's next choice
/// excluding every unit that already had it (to triage when none is left).
///
/// A `unit_code` must name a known, active unit other than the one that has
/// the case (422 otherwise). Send the version you last saw in `If-Match` to
/// be told (412) when someone else changed the case first.
#[utoipa::path(
    tag = "cases",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, nullable = false, pattern = r#"^(W/)?("[0-9]{1,9}"|[0-9]{1,9})$"#,
        description = "The version last seen, such as \"3\"")),
    request_body(content = TransferInput, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ReportView, description = "Transferred (or sent to triage); ETag carries the new version"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such report, or not the caller's"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "The case is not with a unit"),
        (status = 412, body = Problem, content_type = "application/problem+json", description = "Stale If-Match version"),
        BodyErrors,
        AuthErrors,
    )
)]
#[post("/v1/reports/{id}/transfer")]
#[tracing::instrument(name = "transfer_report", skip_all, fields(report_id = %id))]
async fn transfer_report(
    req: HttpRequest,
    payload: web::Payload,
    auth: Auth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let claims = auth.require(&[Role::UptStaff, Role::Supervisor])?;
    let expected = if_match(&req)?;
    let input: TransferInput = body::json(&req, payload).await?;
    let reason = text("reason", &input.reason, 2000)?;
    let mut conn = state.pool.get().await?;
    let mut cache = DirectoryCache::load(&mut conn).await?;
    let row = lifecycle::transfer(
        &mut conn,
        &mut cache,
        &state.config.sla,
        claims,
        *id,
        input.unit_code.as_deref(),
        &reason,
        expected,
    )
    .await?;
    state.relay.wake();
    tracing::info!(to_unit = ?row.unit_code, "case transferred");
    Ok(changed(claims, row))
}

/// Assign a case by hand (supervisors; for cases in triage).
///
/// `unit_code` must name a known, active unit (422 otherwise).
#[utoipa::path(
    tag = "cases",
    params(("id" = Uuid, Path)),
    request_body(content = AssignInput, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ReportView, description = "Assigned"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such report"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "The case is already with a unit (use transfer)"),
        BodyErrors,
        AuthErrors,
    )
)]
#[post("/v1/reports/{id}/assign")]
async fn assign_report(
    req: HttpRequest,
    payload: web::Payload,
    auth: Auth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let claims = auth.require(&[Role::Supervisor])?;
    let input: AssignInput = body::json(&req, payload).await?;
    let note = optional_text("note", &input.note, 2000)?;
    let mut conn = state.pool.get().await?;
    let row = lifecycle::assign(
        &mut conn,
        &state.config.sla,
        claims,
        *id,
        &input.unit_code,
        note.as_deref(),
    )
    .await?;
    state.relay.wake();
    Ok(changed(claims, row))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// One status or several, comma-separated (`assigned,acknowledged`).
    #[param(
        pattern = "^ *(received|needs_triage|assigned|acknowledged|assessing|in_service|resolved|closed|cancelled|duplicate) *(, *(received|needs_triage|assigned|acknowledged|assessing|in_service|resolved|closed|cancelled|duplicate) *)*$",
        example = "assigned,acknowledged"
    )]
    pub status: Option<String>,
    /// Assigned unit.
    pub unit: Option<String>,
    /// Province or regency code.
    pub region: Option<String>,
    pub category: Option<Category>,
    pub urgency: Option<Urgency>,
    /// Filed at or after (RFC 3339).
    pub created_from: Option<DateTime<Utc>>,
    /// Filed before (RFC 3339).
    pub created_to: Option<DateTime<Utc>>,
    /// Changed after (RFC 3339).
    pub updated_since: Option<DateTime<Utc>>,
    /// `true`: only cases whose current stage is past its deadline (the
    /// supervisors' triage view); `false`: only those that are not.
    pub overdue: Option<bool>,
    /// 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the page before; absent or empty for the first.
    /// Only a cursor this API issued is accepted (422 otherwise).
    #[param(pattern = "^([2-6][0-9A-Fa-f]|7[0-9A-Ea-e])*$")]
    pub cursor: Option<String>,
}

/// The `status` pattern of the lists: one status or several, comma-separated,
/// spaces allowed around each.
#[cfg(test)]
pub(crate) fn statuses_pattern() -> String {
    let one = format!(
        "({})",
        Status::ALL
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("|")
    );
    format!("^ *{one} *(, *{one} *)*$")
}

/// Reads `?status=`: one status or several, comma-separated.
pub fn parse_statuses(text: &Option<String>) -> ApiResult<Option<Vec<Status>>> {
    let Some(text) = text else { return Ok(None) };
    text.split(',')
        .map(|s| {
            Status::parse(s.trim_matches(' ')).ok_or_else(|| {
                vec![FieldError::new(
                    "status",
                    format!("must be among: {}", Status::expected()),
                )]
                .into()
            })
        })
        .collect::<ApiResult<Vec<_>>>()
        .map(Some)
}

/// Cursor of a report list: creation time (µs) and id.
fn report_key(row: &ReportRow) -> String {
    page::key(&[&page::time_field(row.created_at), &row.id])
}

fn parse_report_cursor(cursor: &str) -> ApiResult<ListCursor> {
    let mut fields = page::KeyFields::decode(cursor)?;
    let created_at = fields.next_time()?;
    let id = fields.field()?;
    fields.end()?;
    Ok(ListCursor { created_at, id })
}

/// Reports, newest first, with filters. Regional offices see their province only.
#[utoipa::path(
    tag = "reports",
    params(ReportQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Page<ReportView>),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Bad filter, or a cursor this API did not issue"),
        AuthErrors,
    )
)]
#[get("/v1/reports")]
async fn list_reports(
    auth: Auth,
    state: web::Data<AppState>,
    query: web::Query<ReportQuery>,
) -> ApiResult<web::Json<Page<ReportView>>> {
    let claims = auth.require(&[Role::Operator, Role::Supervisor, Role::Regional])?;
    let limit = page::limit(query.limit, 100)?;
    // No unit or region code holds NUL, which PostgreSQL text cannot.
    let nul = |filter: &Option<String>| filter.as_deref().is_some_and(|f| f.contains('\0'));
    if nul(&query.unit) || nul(&query.region) {
        return Ok(web::Json(Page {
            items: Vec::new(),
            next_cursor: None,
        }));
    }
    let filter = ReportFilter {
        statuses: parse_statuses(&query.status)?,
        unit: query.unit.clone(),
        region: query.region.clone(),
        category: query.category,
        urgency: query.urgency,
        created_from: query.created_from,
        created_to: query.created_to,
        updated_since: query.updated_since,
        overdue: query.overdue,
        after: page::cursor(&query.cursor)
            .map(parse_report_cursor)
            .transpose()?,
    };
    let mut conn = state.pool.get().await?;
    let rows = reports::list_for(&mut conn, claims, &filter, limit + 1).await?;
    let page = Page::from_rows(rows, limit, report_key);
    Ok(web::Json(
        page.map(|row| ReportView::for_caller(claims, row, None)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The document's `status` filters name every status, as `parse_statuses` reads them.
    #[test]
    fn the_status_filters_document_every_status() {
        let doc = serde_json::to_value(crate::openapi::document()).expect("json");
        for (path, method) in [("/v1/reports", "get"), ("/v1/units/{code}/cases", "get")] {
            let parameters = doc["paths"][path][method]["parameters"]
                .as_array()
                .expect("parameters");
            let status = parameters
                .iter()
                .find(|p| p["name"] == "status")
                .expect("a status filter");
            assert_eq!(status["schema"]["pattern"], statuses_pattern(), "{path}");
        }
        let parsed = parse_statuses(&Some("assigned, in_service ,closed".into())).ok();
        assert_eq!(
            parsed,
            Some(Some(vec![
                Status::Assigned,
                Status::InService,
                Status::Closed
            ]))
        );
        assert!(parse_statuses(&Some(String::new())).is_err());
        assert!(parse_statuses(&Some("assigned,\tclosed".into())).is_err());
    }

    #[test]
    fn if_match_takes_a_quoted_or_bare_version() {
        let version = |value: &str| {
            let req = actix_web::test::TestRequest::default()
                .insert_header((header::IF_MATCH, value))
                .to_http_request();
            if_match(&req).ok().flatten()
        };
        assert_eq!(version("\"3\""), Some(3));
        assert_eq!(version("W/\"3\""), Some(3));
        assert_eq!(version("12"), Some(12));
        assert_eq!(version("999999999"), Some(999_999_999));
        for bad in ["\"\"", "\"3", "+3", "-1", "1234567890", "*", "null"] {
            assert_eq!(version(bad), None, "{bad}");
        }
    }
}
