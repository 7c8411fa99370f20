//! Case work at the unit: the people of a case, their assessments and the
//! services planned, delivered, cancelled and followed up for them, and the
//! unit's delivery list. The assigned unit's staff and supervisors write;
//! whoever may read the report reads, with personal data only for those who
//! see it.

use crate::auth::Auth;
use crate::body;
use crate::page::{self, Page};
use crate::problem::{ApiError, ApiResult, AuthErrors, BodyErrors, Problem};
use crate::routes::units::is_unit_code;
use crate::startup::AppState;
use crate::views::casework::{
    AssessmentInput, AssessmentView, BeneficiaryInput, BeneficiaryPatchInput, BeneficiaryView,
    CancelInput, DeliveryInput, FollowUpInput, ImportView, ServiceInput, ServiceView, parse_patch,
    personal, today_wib,
};
use crate::views::people_list::{self, ListFormat, MAX_LIST_BYTES};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::NaiveDate;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use sigap_domain::{Role, ServiceStatus};
use sigap_runtime::auth::Scope;
use sigap_store::FieldError;
use sigap_store::cases;
use sigap_store::casework::{self, UnitServiceFilter};
use sigap_store::privacy::access::{Access, Action};
use sigap_store::reports::Visibility;
use std::collections::BTreeMap;
use tracing_actix_web::RequestId;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(add_beneficiary)
        .service(import_beneficiaries)
        .service(list_report_beneficiaries)
        .service(get_beneficiary)
        .service(edit_beneficiary)
        .service(add_assessment)
        .service(list_assessments)
        .service(plan_service)
        .service(list_report_services)
        .service(deliver_service)
        .service(cancel_service)
        .service(follow_up_service)
        .service(list_unit_services);
}

/// Who changes case work: the assigned unit's staff (the store's query
/// finds only their unit's cases) and supervisors.
const WRITERS: &[Role] = &[Role::UptStaff, Role::Supervisor];

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the page before; absent or empty for the first.
    #[param(pattern = "^([2-6][0-9A-Fa-f]|7[0-9A-Ea-e])*$")]
    pub cursor: Option<String>,
}

/// List a person on a case.
///
/// The person gets the next place in the report's list and status
/// `awaiting_assessment`; `beneficiary_count` grows only when the listed
/// people outnumber it. A NIK is checked as at intake (16 digits, a known
/// regency in digits 1 to 4, a birth date `DDMMYY` with women's day plus
/// 40). The case must be at a unit and open.
#[utoipa::path(
    tag = "case work",
    params(("id" = Uuid, Path, description = "The report")),
    request_body(content = BeneficiaryInput, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 201, body = BeneficiaryView, description = "Listed",
            headers(("Location" = String, description = "The person's URL"))),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such report, or not the caller's"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "The case is not open at a unit"),
        BodyErrors,
        AuthErrors,
    )
)]
#[post("/v1/reports/{id}/beneficiaries")]
#[tracing::instrument(name = "add_beneficiary", skip_all, fields(report_id = %id))]
async fn add_beneficiary(
    req: HttpRequest,
    payload: web::Payload,
    auth: Auth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let claims = auth.require(WRITERS)?;
    let input: BeneficiaryInput = body::json(&req, payload).await?;
    let details = input.parse()?;
    let mut conn = state.pool.get().await?;
    let (case, row) = casework::add_beneficiary(&mut conn, claims, *id, &details).await?;
    state.relay.wake();
    tracing::info!(beneficiary_id = %row.id, ticket = %case.ticket, "beneficiary added");
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/v1/beneficiaries/{}", row.id)))
        .json(BeneficiaryView::new(&case, row, personal(claims, &case))))
}

/// Import a list of people into a case (CSV or XLSX), all or nothing.
///
/// The body is the file itself: `text/csv` (UTF-8, with or without a BOM,
/// comma or semicolon separated) or an XLSX workbook (its first sheet), at
/// most 2 MiB and 5,000 people, one person a row under a header row.
/// Headers, in any case, Indonesian or English: `nama`/`name`, `nik`,
/// `tanggal_lahir`/`birth_date` (`YYYY-MM-DD` or `DD/MM/YYYY`),
/// `umur`/`usia`/`age`, `jenis_kelamin`/`sex` (`L`/`P`, `M`/`F`,
/// `laki-laki`/`perempuan`, `male`/`female`), `disabilitas`/`disabilities`
/// (separated by `;` or `,`; `fisik`, `intelektual`, `mental`, `netra`,
/// `rungu`, `wicara` or the vocabulary's terms), `telepon`/`no_hp`/`phone`,
/// `alamat`/`address`; any other column is refused. Each row is checked as
/// `POST /v1/reports/{id}/beneficiaries` checks one person (NIK rules
/// included; two rows with one NIK are refused): any error answers 422 with
/// every error as `{row, field, message}` (`row` as a spreadsheet numbers
/// it, the header being row 1) and adds nobody.
///
/// Idempotent: a file whose bytes were imported into this case before adds
/// nobody and answers 200 with `imported: 0` and the people of the first
/// import; a row whose NIK the case already lists is skipped (counted in
/// `skipped`, shown as the person listed). 201 when someone was added.
/// Each person added is a `beneficiary.added` event, as when added alone.
/// Example: the Kabupaten Sijunjung request for assistive devices, 54
/// elderly people and 16 persons with disabilities, imported as a list of
/// 70 by Sentra Mulya Jaya.
#[utoipa::path(
    tag = "case work",
    params(("id" = Uuid, Path, description = "The report")),
    request_body(
        description = "The list file (CSV or XLSX)",
        content(
            (String = "text/csv", example = json!("nama;nik;tanggal_lahir;jenis_kelamin;disabilitas;no_hp;alamat\nNenek Rahmah;1303015708450001;17/08/1945;P;fisik;081234567891;Jorong Koto Tuo, Kec. Kamang Baru\nBujang Sutan;;;L;rungu;;Nagari Tanjung, Kec. Koto VII\n")),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )
    ),
    security(("bearer" = [])),
    responses(
        (status = 201, body = ImportView, description = "People added (some rows may be skipped: their NIK was already listed)"),
        (status = 200, body = ImportView, description = "Nobody added: the same file was imported before, or every row's NIK is already listed"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such report, or not the caller's"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "The case is not open at a unit, or would list more than 10,000 people"),
        (status = 413, body = Problem, content_type = "application/problem+json", description = "The file is larger than 2 MiB"),
        (status = 415, body = Problem, content_type = "application/problem+json", description = "Neither text/csv nor XLSX"),
        (status = 422, body = Problem, content_type = "application/problem+json",
            description = "Rows with errors, an unknown column, more than 5,000 people, or a file that cannot be read: every error in `errors`, with its `row`",
            example = json!({
                "type": "/problems/validation", "title": "The request is not valid", "status": 422,
                "detail": "2 fields are not valid",
                "errors": [
                    {"row": 4, "field": "nik", "message": "must be 16 digits"},
                    {"row": 9, "field": "sex", "message": "must be L or P (laki-laki, perempuan), or M or F (male, female)"}
                ]
            })),
        AuthErrors,
    )
)]
#[post("/v1/reports/{id}/beneficiaries:import")]
#[tracing::instrument(name = "import_beneficiaries", skip_all, fields(report_id = %id))]
async fn import_beneficiaries(
    req: HttpRequest,
    payload: web::Payload,
    auth: Auth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let claims = auth.require(WRITERS)?;
    let format = body::media_type(&req)
        .as_deref()
        .and_then(ListFormat::of_media_type)
        .ok_or_else(|| {
            ApiError::UnsupportedMediaType(format!(
                "expected {} or {}",
                people_list::CSV,
                people_list::XLSX
            ))
        })?;
    let file = body::read_bytes_up_to(&req, payload, MAX_LIST_BYTES).await?;
    let digest = hex::encode(Sha256::digest(&file));
    // Reading a workbook of 2 MiB is CPU work: off the async threads.
    let lines = web::block(move || people_list::read_people(format, &file))
        .await
        .map_err(|e| ApiError::Internal(format!("reading a list: {e}")))??;
    let mut conn = state.pool.get().await?;
    let list = casework::import_beneficiaries(&mut conn, claims, *id, &digest, &lines).await?;
    if list.imported > 0 {
        state.relay.wake();
    }
    tracing::info!(ticket = %list.case.ticket, imported = list.imported, skipped = list.skipped, "list imported");
    let personal = personal(claims, &list.case);
    let view = ImportView {
        imported: list.imported,
        skipped: list.skipped,
        beneficiaries: list
            .people
            .into_iter()
            .map(|row| BeneficiaryView::new(&list.case, row, personal))
            .collect(),
    };
    Ok(if view.imported > 0 {
        HttpResponse::Created().json(view)
    } else {
        HttpResponse::Ok().json(view)
    })
}

/// The people of a case, in list order.
///
/// For everyone who may read the report; names, NIK, birth dates, phones
/// and addresses only for operators, supervisors and the assigned unit, and
/// for a partner or a regional office the people with an active consent
/// for `share_with_partner` or `share_with_regional_office`.
#[utoipa::path(
    tag = "case work",
    params(("id" = Uuid, Path, description = "The report"), ListQuery),
    security(("bearer" = []), ("client_credentials" = ["reports:read"])),
    responses(
        (status = 200, body = Page<BeneficiaryView>),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such report, or not visible to the caller"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Bad limit, or a cursor this API did not issue"),
        AuthErrors,
    )
)]
#[get("/v1/reports/{id}/beneficiaries")]
async fn list_report_beneficiaries(
    auth: Auth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: web::Query<ListQuery>,
    request_id: RequestId,
) -> ApiResult<web::Json<Page<BeneficiaryView>>> {
    let claims = auth.require_scope(Scope::ReportsRead)?;
    let limit = page::limit(query.limit, 100)?;
    let after = page::after_as::<i32>(&query.cursor)?;
    let mut conn = state.pool.get().await?;
    let (case, rows) =
        casework::list_beneficiaries(&mut conn, claims, *id, after, limit + 1).await?;
    let shown: Vec<Uuid> = rows
        .iter()
        .take(limit as usize)
        .filter(|p| p.shown)
        .map(|p| p.row.id)
        .collect();
    if !shown.is_empty() {
        state
            .access_log
            .record(
                Access::by(
                    claims,
                    Action::BeneficiaryList,
                    Some(request_id.to_string()),
                )
                .of_people(case.report_id, shown),
            )
            .await;
    }
    Ok(web::Json(
        Page::from_rows(rows, limit, |p| p.row.ordinal.to_string())
            .map(|person| BeneficiaryView::of(&case, person)),
    ))
}

/// A person of a case.
#[utoipa::path(
    tag = "case work",
    params(("id" = Uuid, Path)),
    security(("bearer" = []), ("client_credentials" = ["reports:read"])),
    responses(
        (status = 200, body = BeneficiaryView),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such person, or not visible to the caller"),
        AuthErrors,
    )
)]
#[get("/v1/beneficiaries/{id}")]
async fn get_beneficiary(
    auth: Auth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    request_id: RequestId,
) -> ApiResult<web::Json<BeneficiaryView>> {
    let claims = auth.require_scope(Scope::ReportsRead)?;
    let mut conn = state.pool.get().await?;
    let (case, person) = casework::find_beneficiary(&mut conn, claims, *id).await?;
    drop(conn);
    if person.shown {
        state
            .access_log
            .record(
                Access::by(
                    claims,
                    Action::BeneficiaryView,
                    Some(request_id.to_string()),
                )
                .of_people(case.report_id, vec![person.row.id]),
            )
            .await;
    }
    Ok(web::Json(BeneficiaryView::of(&case, person)))
}

/// Edit a person, or end their case without service.
///
/// Fields present are changed (`null` clears one). `status` may only be
/// `not_eligible`, `unreachable` or `declined`, with `status_reason`;
/// assessments and services set the other statuses. Ending is refused
/// (409) while a service of the person is still planned.
#[utoipa::path(
    tag = "case work",
    params(("id" = Uuid, Path)),
    request_body(content = BeneficiaryPatchInput, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 200, body = BeneficiaryView),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such person, or not the caller's"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "The case is not open, or a service of the person is still planned"),
        BodyErrors,
        AuthErrors,
    )
)]
#[patch("/v1/beneficiaries/{id}")]
#[tracing::instrument(name = "edit_beneficiary", skip_all, fields(beneficiary_id = %id))]
async fn edit_beneficiary(
    req: HttpRequest,
    payload: web::Payload,
    auth: Auth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<BeneficiaryView>> {
    let claims = auth.require(WRITERS)?;
    let value = body::read_json(&req, payload).await?;
    let patch = parse_patch(&value)?;
    let mut conn = state.pool.get().await?;
    let (case, row) = casework::edit_beneficiary(&mut conn, claims, *id, &patch).await?;
    tracing::info!(ticket = %case.ticket, status = %row.status, "beneficiary edited");
    Ok(web::Json(BeneficiaryView::new(
        &case,
        row,
        personal(claims, &case),
    )))
}

/// Record an assessment of a person.
///
/// The latest assessment counts: `eligible: false` ends the person's case
/// (`not_eligible`; refused while a service of theirs is planned), else the
/// person is `assessed`. The first assessment of an `acknowledged` case
/// moves it to `assessing` (a `status_changed` event in its history).
#[utoipa::path(
    tag = "case work",
    params(("id" = Uuid, Path, description = "The person")),
    request_body(content = AssessmentInput, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 201, body = AssessmentView, description = "Recorded; `beneficiary_status` is the person's status now"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such person, or not the caller's"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "The case is not acknowledged, assessing or in service"),
        BodyErrors,
        AuthErrors,
    )
)]
#[post("/v1/beneficiaries/{id}/assessments")]
#[tracing::instrument(name = "add_assessment", skip_all, fields(beneficiary_id = %id))]
async fn add_assessment(
    req: HttpRequest,
    payload: web::Payload,
    auth: Auth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let claims = auth.require(WRITERS)?;
    let input: AssessmentInput = body::json(&req, payload).await?;
    let assessment = input.parse()?;
    let mut conn = state.pool.get().await?;
    let (case, row, person) =
        casework::assess(&mut conn, &state.config.sla, claims, *id, &assessment).await?;
    state.relay.wake();
    tracing::info!(ticket = %case.ticket, status = %person.status, "beneficiary assessed");
    let mut view = AssessmentView::new(row, personal(claims, &case));
    view.beneficiary_status = Some(person.status);
    Ok(HttpResponse::Created().json(view))
}

/// The assessments of a person, newest first (the first is the one that
/// counts).
///
/// Findings, functioning and notes only for those who see personal data.
#[utoipa::path(
    tag = "case work",
    params(("id" = Uuid, Path, description = "The person"), ListQuery),
    security(("bearer" = []), ("client_credentials" = ["reports:read"])),
    responses(
        (status = 200, body = Page<AssessmentView>),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such person, or not visible to the caller"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Bad limit, or a cursor this API did not issue"),
        AuthErrors,
    )
)]
#[get("/v1/beneficiaries/{id}/assessments")]
async fn list_assessments(
    auth: Auth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: web::Query<ListQuery>,
    request_id: RequestId,
) -> ApiResult<web::Json<Page<AssessmentView>>> {
    let claims = auth.require_scope(Scope::ReportsRead)?;
    let limit = page::limit(query.limit, 100)?;
    let after = page::after_as::<Uuid>(&query.cursor)?;
    let mut conn = state.pool.get().await?;
    let (case, personal, rows) =
        casework::list_assessments(&mut conn, claims, *id, after, limit + 1).await?;
    drop(conn);
    if personal && !rows.is_empty() {
        state
            .access_log
            .record(
                Access::by(claims, Action::AssessmentList, Some(request_id.to_string()))
                    .of_people(case.report_id, vec![*id]),
            )
            .await;
    }
    Ok(web::Json(
        Page::from_rows(rows, limit, |r| r.id.to_string())
            .map(|row| AssessmentView::new(row, personal)),
    ))
}

/// Plan a service for a person assessed eligible.
///
/// The service is `planned`, the person `in_service`, and the case's first
/// planned service moves it from `assessing` to `in_service`. Devices are
/// the `item` of `accessibility_support` (`other` described in `note`).
#[utoipa::path(
    tag = "case work",
    params(("id" = Uuid, Path, description = "The person")),
    request_body(content = ServiceInput, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 201, body = ServiceView, description = "Planned"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such person, or not the caller's"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "The case is not assessing or in service, or the person is not assessed eligible"),
        BodyErrors,
        AuthErrors,
    )
)]
#[post("/v1/beneficiaries/{id}/services")]
#[tracing::instrument(name = "plan_service", skip_all, fields(beneficiary_id = %id))]
async fn plan_service(
    req: HttpRequest,
    payload: web::Payload,
    auth: Auth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let claims = auth.require(WRITERS)?;
    let input: ServiceInput = body::json(&req, payload).await?;
    let service = input.parse()?;
    let mut conn = state.pool.get().await?;
    let (case, row, _) =
        casework::plan_service(&mut conn, &state.config.sla, claims, *id, &service).await?;
    state.relay.wake();
    tracing::info!(service_id = %row.id, ticket = %case.ticket, component = %row.component, "service planned");
    Ok(HttpResponse::Created()
        .json(ServiceView::new(row, personal(claims, &case)).with_ticket(&case.ticket)))
}

/// The services of a case, in planning order.
#[utoipa::path(
    tag = "case work",
    params(("id" = Uuid, Path, description = "The report"), ListQuery),
    security(("bearer" = []), ("client_credentials" = ["reports:read"])),
    responses(
        (status = 200, body = Page<ServiceView>),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such report, or not visible to the caller"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Bad limit, or a cursor this API did not issue"),
        AuthErrors,
    )
)]
#[get("/v1/reports/{id}/services")]
async fn list_report_services(
    auth: Auth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: web::Query<ListQuery>,
    request_id: RequestId,
) -> ApiResult<web::Json<Page<ServiceView>>> {
    let claims = auth.require_scope(Scope::ReportsRead)?;
    let limit = page::limit(query.limit, 100)?;
    let after = page::after_as::<Uuid>(&query.cursor)?;
    let mut conn = state.pool.get().await?;
    let (case, rows) =
        casework::list_report_services(&mut conn, claims, *id, after, limit + 1).await?;
    drop(conn);
    // The people whose receiver or notes the page shows.
    let mut shown: Vec<Uuid> = rows
        .iter()
        .take(limit as usize)
        .filter(|s| s.shows_personal_data())
        .map(|s| s.beneficiary_id)
        .collect();
    shown.sort();
    shown.dedup();
    if !shown.is_empty() {
        state
            .access_log
            .record(
                Access::by(claims, Action::ServiceList, Some(request_id.to_string()))
                    .of_people(case.report_id, shown),
            )
            .await;
    }
    // The store left each service's notes only where the caller sees its
    // person (the report's rule, or a consent): shown as read.
    Ok(web::Json(
        Page::from_rows(rows, limit, |r| r.id.to_string())
            .map(|row| ServiceView::new(row, true).with_ticket(&case.ticket)),
    ))
}

/// Record the handover of a planned service.
///
/// `handover_ref` is the number of the signed handover record (BAST). A
/// device is then due a follow-up 90 days after `delivered_on`. The person
/// is `served` once every service of theirs is delivered or cancelled, one
/// at least delivered.
#[utoipa::path(
    tag = "case work",
    params(("id" = Uuid, Path, description = "The service")),
    request_body(content = DeliveryInput, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ServiceView, description = "Delivered"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such service, or not the caller's"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "The service is not planned, or the case not open"),
        BodyErrors,
        AuthErrors,
    )
)]
#[post("/v1/services/{id}/deliver")]
#[tracing::instrument(name = "deliver_service", skip_all, fields(service_id = %id))]
async fn deliver_service(
    req: HttpRequest,
    payload: web::Payload,
    auth: Auth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ServiceView>> {
    let claims = auth.require(WRITERS)?;
    let input: DeliveryInput = body::json(&req, payload).await?;
    let delivery = input.parse()?;
    let mut conn = state.pool.get().await?;
    let (case, row) = casework::deliver_service(&mut conn, claims, *id, &delivery).await?;
    state.relay.wake();
    tracing::info!(ticket = %case.ticket, "service delivered");
    Ok(web::Json(
        ServiceView::new(row, personal(claims, &case)).with_ticket(&case.ticket),
    ))
}

/// Cancel a planned service, with a reason.
#[utoipa::path(
    tag = "case work",
    params(("id" = Uuid, Path, description = "The service")),
    request_body(content = CancelInput, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ServiceView, description = "Cancelled"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such service, or not the caller's"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "The service is not planned, or the case not open"),
        BodyErrors,
        AuthErrors,
    )
)]
#[post("/v1/services/{id}/cancel")]
#[tracing::instrument(name = "cancel_service", skip_all, fields(service_id = %id))]
async fn cancel_service(
    req: HttpRequest,
    payload: web::Payload,
    auth: Auth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ServiceView>> {
    let claims = auth.require(WRITERS)?;
    let input: CancelInput = body::json(&req, payload).await?;
    let reason = input.parse()?;
    let mut conn = state.pool.get().await?;
    let (case, row) = casework::cancel_service(&mut conn, claims, *id, &reason).await?;
    state.relay.wake();
    tracing::info!(ticket = %case.ticket, "service cancelled");
    Ok(web::Json(
        ServiceView::new(row, personal(claims, &case)).with_ticket(&case.ticket),
    ))
}

/// Record a follow-up of a delivered service.
///
/// Devices are due one 90 days after delivery (`follow_up_due` on the
/// unit's delivery list); a recorded follow-up clears it. Also on a
/// resolved or closed case.
#[utoipa::path(
    tag = "case work",
    params(("id" = Uuid, Path, description = "The service")),
    request_body(content = FollowUpInput, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ServiceView, description = "Recorded"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such service, or not the caller's"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "The service is not delivered"),
        BodyErrors,
        AuthErrors,
    )
)]
#[post("/v1/services/{id}/follow-up")]
#[tracing::instrument(name = "follow_up_service", skip_all, fields(service_id = %id))]
async fn follow_up_service(
    req: HttpRequest,
    payload: web::Payload,
    auth: Auth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ServiceView>> {
    let claims = auth.require(WRITERS)?;
    let input: FollowUpInput = body::json(&req, payload).await?;
    let follow_up = input.parse()?;
    let mut conn = state.pool.get().await?;
    let (case, row) = casework::follow_up_service(&mut conn, claims, *id, &follow_up).await?;
    state.relay.wake();
    tracing::info!(ticket = %case.ticket, outcome = %follow_up.outcome, "service followed up");
    Ok(web::Json(
        ServiceView::new(row, personal(claims, &case)).with_ticket(&case.ticket),
    ))
}

#[derive(Debug, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
pub struct UnitServiceQuery {
    /// One status or several, comma-separated; default: all.
    #[param(
        pattern = "^ *(planned|delivered|cancelled) *(, *(planned|delivered|cancelled) *)*$",
        example = "planned"
    )]
    pub status: Option<String>,
    /// Only services due before this day.
    #[param(value_type = Option<String>, format = Date, example = "2026-12-31")]
    pub due_before: Option<String>,
    /// `true`: only planned services past their due day (WIB); `false`:
    /// only those not overdue.
    pub overdue: Option<bool>,
    /// `true`: only delivered devices due their 90-day follow-up and not yet
    /// followed up, by that day.
    pub follow_up_due: Option<bool>,
    /// 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the page before; absent or empty for the first.
    #[param(pattern = "^([2-6][0-9A-Fa-f]|7[0-9A-Ea-e])*$")]
    pub cursor: Option<String>,
}

fn parse_service_statuses(text: &Option<String>) -> ApiResult<Option<Vec<ServiceStatus>>> {
    let Some(text) = text.as_deref() else {
        return Ok(None);
    };
    text.split(',')
        .map(|s| {
            ServiceStatus::parse(s.trim()).ok_or_else(|| {
                ApiError::from(vec![FieldError::new(
                    "status",
                    format!("must be one or more of: {}", ServiceStatus::expected()),
                )])
            })
        })
        .collect::<ApiResult<Vec<_>>>()
        .map(Some)
}

fn parse_unit_cursor(cursor: &str) -> ApiResult<(NaiveDate, Uuid)> {
    let mut fields = page::KeyFields::decode(cursor)?;
    let day: String = fields.field()?;
    let id = fields.field()?;
    fields.end()?;
    let day = NaiveDate::parse_from_str(&day, "%Y-%m-%d").map_err(|_| {
        ApiError::from(vec![FieldError::new(
            "cursor",
            "is not a cursor this API issued",
        )])
    })?;
    Ok((day, id))
}

/// A unit's delivery list: its services by due day.
///
/// `?status=planned&due_before=2026-12-31` is what is still to deliver this
/// month; `overdue=true` what is late; `follow_up_due=true` the devices due
/// their 90-day follow-up (ordered by that day). Poll with `If-None-Match`
/// (the last `ETag`) to get 304 while none of the unit's cases changed (the
/// ETag is the unit queue's version, as for `/cases`, with the question and
/// the day). For the unit's staff and supervisors; names of the people are
/// on each line.
#[utoipa::path(
    tag = "case work",
    params(("code" = String, Path, pattern = "^[A-Z0-9-]{1,64}$", example = "SENTRA-MULYA-JAYA"), UnitServiceQuery,
        ("If-None-Match" = Option<String>, Header, nullable = false, description = "The ETag of the last answer")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Page<ServiceView>, headers(("ETag" = String))),
        (status = 304, description = "Nothing changed since the given ETag"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such unit, or not the caller's"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Bad filter, or a cursor this API did not issue"),
        AuthErrors,
    )
)]
#[get("/v1/units/{code}/services")]
async fn list_unit_services(
    req: HttpRequest,
    auth: Auth,
    state: web::Data<AppState>,
    code: web::Path<String>,
    query: web::Query<UnitServiceQuery>,
    request_id: RequestId,
) -> ApiResult<HttpResponse> {
    let claims = auth.require(WRITERS)?;
    let unit = code.into_inner();
    if !is_unit_code(&unit) || !Visibility::of(claims).covers_unit(&unit) {
        return Err(ApiError::NotFound(format!("no unit {unit}")));
    }
    let limit = page::limit(query.limit, 100)?;
    let due_before = query
        .due_before
        .as_deref()
        .map(|d| {
            NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
                ApiError::from(vec![FieldError::new(
                    "due_before",
                    "must be a date YYYY-MM-DD",
                )])
            })
        })
        .transpose()?;
    let today = today_wib();
    let filter = UnitServiceFilter {
        statuses: parse_service_statuses(&query.status)?,
        due_before,
        overdue: query.overdue,
        follow_up_due: query.follow_up_due.unwrap_or(false),
        today,
        after: page::cursor(&query.cursor)
            .map(parse_unit_cursor)
            .transpose()?,
    };
    // The unit queue's version changes with every change to the unit's
    // cases, their people and services; the question and the day (overdue
    // and follow-ups move with it) complete the ETag.
    let question = format!(
        "services|{:?}|{:?}|{:?}|{}|{limit}|{:?}|{today}",
        filter
            .statuses
            .as_ref()
            .map(|s| s.iter().map(|s| s.as_str()).collect::<Vec<_>>()),
        filter.due_before,
        filter.overdue,
        filter.follow_up_due,
        page::cursor(&query.cursor)
    );
    let question = hex::encode(&Sha256::digest(question.as_bytes())[..6]);
    let mut conn = state.pool.get().await?;
    let Some(version) = cases::queue_version(&mut conn, &unit).await? else {
        return Err(ApiError::NotFound(format!("no unit {unit}")));
    };
    let etag = format!("\"{version}-{question}\"");
    let unchanged = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str());
    if unchanged {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .finish());
    }
    let rows = casework::unit_services(&mut conn, &unit, &filter, limit + 1).await?;
    drop(conn);
    let personal = sigap_store::reports::sees_personal_data_at(claims, Some(&unit));
    if personal {
        // One entry per report whose people the page names.
        let mut named: BTreeMap<Uuid, Vec<Uuid>> = BTreeMap::new();
        for line in rows.iter().take(limit as usize) {
            if line.beneficiary_name.is_some() {
                named
                    .entry(line.service.report_id)
                    .or_default()
                    .push(line.service.beneficiary_id);
            }
        }
        for (report, people) in named {
            state
                .access_log
                .record(
                    Access::by(
                        claims,
                        Action::UnitServiceList,
                        Some(request_id.to_string()),
                    )
                    .of_people(report, people),
                )
                .await;
        }
    }
    let follow_up = filter.follow_up_due;
    let page = Page::from_rows(rows, limit, |line| {
        let day = if follow_up {
            line.service.follow_up_due_on.unwrap_or(line.service.due_on)
        } else {
            line.service.due_on
        };
        page::key(&[&day, &line.service.id])
    })
    .map(|line| ServiceView::of_unit(line, personal));
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .json(page))
}
