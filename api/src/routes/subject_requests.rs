//! Subject requests (UU PDP): a person's request to see, correct or erase
//! what Sigap holds about them, answered within 3 × 24 hours. Supervisors
//! and admins (the role of the data protection officer) record, follow,
//! export and complete them.

use crate::auth::Auth;
use crate::body;
use crate::page::{self, KeyFields, Page};
use crate::problem::{ApiError, ApiResult, AuthErrors, BodyErrors, Problem};
use crate::startup::AppState;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sigap_domain::{FieldError, Nik, Phone};
use sigap_store::privacy::subjects::{
    self, Identifier, ListCursor, Matches, SubjectKind, SubjectRequest,
};
use tracing_actix_web::RequestId;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_subject_request)
        .service(list_subject_requests)
        .service(get_subject_request)
        .service(export_subject_request)
        .service(complete_subject_request);
}

/// A person named by name and birth date.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NameAndBirthDate {
    /// The name as the records write it (matched exactly, ignoring case).
    #[schema(example = "Siti Aminah")]
    pub name: Option<String>,
    /// `YYYY-MM-DD`.
    #[schema(example = "1945-08-17")]
    pub birth_date: Option<String>,
}

/// Body of `POST /v1/subject-requests`: exactly one of `nik`, `phone` and
/// `name_and_birth_date`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "access", "nik": "1303015708450001",
    "requested_by": "Siti Aminah (the person), by letter", "note": "Asks for a copy of her data"}))]
pub struct SubjectRequestInput {
    /// `access`, `rectification` or `erasure`.
    #[schema(pattern = "^(access|rectification|erasure)$", example = "access")]
    pub kind: Option<String>,
    /// The person's NIK (16 digits).
    #[schema(example = "1303015708450001")]
    pub nik: Option<String>,
    /// The person's phone number (`+62…` or `0…`).
    #[schema(example = "+6281300000001")]
    pub phone: Option<String>,
    /// The person's name and birth date.
    pub name_and_birth_date: Option<NameAndBirthDate>,
    /// Who asked: the person, a guardian, a representative.
    #[schema(example = "Siti Aminah (the person), by letter")]
    pub requested_by: Option<String>,
    /// What was asked.
    #[schema(example = "Asks for a copy of her data")]
    pub note: Option<String>,
}

/// A report a request found.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchedReportView {
    pub id: Uuid,
    #[schema(example = "CC-2026-000123")]
    pub ticket: String,
    #[schema(example = "closed")]
    pub status: String,
    /// The person is its reporter.
    pub as_reporter: bool,
    /// The person is among its people.
    pub as_beneficiary: bool,
}

/// A person's row a request found.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchedPersonView {
    pub id: Uuid,
    pub report_id: Uuid,
}

/// What a request found through the blind indexes (or the name and birth
/// date), at most 1,000 reports as reporter and 1,000 rows of people.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchesView {
    pub reports: Vec<MatchedReportView>,
    pub beneficiaries: Vec<MatchedPersonView>,
    /// More records matched than the 1,000 of each kind kept.
    pub capped: bool,
}

/// A subject request.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0190a000-0000-7000-8000-0000000000a1", "kind": "access", "status": "open",
    "identifier": "nik", "requested_by": "Siti Aminah (the person), by letter",
    "note": "Asks for a copy of her data", "received_by": "supervisor-1",
    "received_at": "2026-12-07T09:00:00Z", "due_at": "2026-12-10T09:00:00Z", "overdue": false,
    "completed_at": null, "completed_by": null, "completion_note": null,
    "matches": {"reports": [{"id": "0190a000-0000-7000-8000-000000000001", "ticket": "CC-2026-000123",
        "status": "closed", "as_reporter": false, "as_beneficiary": true}],
        "beneficiaries": [{"id": "0190a000-0000-7000-8000-000000000011",
        "report_id": "0190a000-0000-7000-8000-000000000001"}], "capped": false}
}))]
pub struct SubjectRequestView {
    pub id: Uuid,
    /// `access`, `rectification` or `erasure`.
    pub kind: String,
    /// `open` or `done`.
    pub status: String,
    /// How the person was named: `nik`, `phone` or `name_and_birth_date`
    /// (the value itself is stored only as a blind index).
    pub identifier: String,
    pub requested_by: String,
    pub note: String,
    /// The staff member who recorded it.
    pub received_by: String,
    pub received_at: DateTime<Utc>,
    /// 3 × 24 hours after `received_at`.
    pub due_at: DateTime<Utc>,
    /// Open past `due_at`.
    pub overdue: bool,
    pub completed_at: Option<DateTime<Utc>>,
    pub completed_by: Option<String>,
    pub completion_note: Option<String>,
    /// Only on a single request (not in lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matches: Option<MatchesView>,
}

impl SubjectRequestView {
    fn new(row: SubjectRequest, matches: Option<Matches>) -> SubjectRequestView {
        let capped = row.matches_capped;
        SubjectRequestView {
            overdue: row.overdue(Utc::now()),
            id: row.id,
            kind: row.kind,
            status: row.status,
            identifier: row.identifier_kind,
            requested_by: row.requested_by,
            note: row.note,
            received_by: row.received_by,
            received_at: row.received_at,
            due_at: row.due_at,
            completed_at: row.completed_at,
            completed_by: row.completed_by,
            completion_note: row.completion_note,
            matches: matches.map(|m| MatchesView {
                reports: m
                    .reports
                    .into_iter()
                    .map(|r| MatchedReportView {
                        id: r.id,
                        ticket: r.ticket,
                        status: r.status,
                        as_reporter: r.as_reporter,
                        as_beneficiary: r.as_beneficiary,
                    })
                    .collect(),
                beneficiaries: m
                    .beneficiaries
                    .into_iter()
                    .map(|p| MatchedPersonView {
                        id: p.id,
                        report_id: p.report_id,
                    })
                    .collect(),
                capped,
            }),
        }
    }
}

/// A required free text of at most `max` characters.
fn text(errors: &mut Vec<FieldError>, field: &str, value: &Option<String>, max: usize) -> String {
    match value.as_deref().map(str::trim) {
        None | Some("") => {
            errors.push(FieldError::new(field, "is required"));
            String::new()
        }
        Some(text) if text.chars().count() > max || text.contains('\0') => {
            errors.push(FieldError::new(
                field,
                format!("must be at most {max} characters, without NUL"),
            ));
            String::new()
        }
        Some(text) => text.to_owned(),
    }
}

/// The checked body, or every field error.
fn parse(input: SubjectRequestInput) -> ApiResult<(SubjectKind, Identifier, String, String)> {
    let mut errors = Vec::new();
    let kind = match input.kind.as_deref() {
        None => {
            errors.push(FieldError::new("kind", "is required"));
            None
        }
        Some(kind) => {
            let parsed = SubjectKind::parse(kind);
            if parsed.is_none() {
                errors.push(FieldError::new(
                    "kind",
                    "must be access, rectification or erasure",
                ));
            }
            parsed
        }
    };
    let given = [
        input.nik.is_some(),
        input.phone.is_some(),
        input.name_and_birth_date.is_some(),
    ]
    .into_iter()
    .filter(|g| *g)
    .count();
    let mut identifier = None;
    if given != 1 {
        errors.push(FieldError::new(
            "nik",
            "give exactly one of nik, phone and name_and_birth_date",
        ));
    } else if let Some(nik) = &input.nik {
        match Nik::parse(nik) {
            Ok(nik) => identifier = Some(Identifier::Nik(nik)),
            Err(message) => errors.push(FieldError::new("nik", message)),
        }
    } else if let Some(phone) = &input.phone {
        match Phone::parse(phone) {
            Ok(phone) => identifier = Some(Identifier::Phone(phone)),
            Err(message) => errors.push(FieldError::new("phone", message)),
        }
    } else if let Some(person) = &input.name_and_birth_date {
        let name = text(&mut errors, "name_and_birth_date.name", &person.name, 200);
        let birth_date = match person.birth_date.as_deref() {
            None => {
                errors.push(FieldError::new(
                    "name_and_birth_date.birth_date",
                    "is required",
                ));
                None
            }
            Some(date) => match NaiveDate::parse_from_str(date, "%Y-%m-%d") {
                Ok(date) => Some(date),
                Err(_) => {
                    errors.push(FieldError::new(
                        "name_and_birth_date.birth_date",
                        "must be a date such as 1945-08-17",
                    ));
                    None
                }
            },
        };
        if let Some(birth_date) = birth_date
            && !name.is_empty()
        {
            identifier = Some(Identifier::NameAndBirthDate { name, birth_date });
        }
    }
    let requested_by = text(&mut errors, "requested_by", &input.requested_by, 200);
    let note = text(&mut errors, "note", &input.note, 2000);
    match (kind, identifier) {
        (Some(kind), Some(identifier)) if errors.is_empty() => {
            Ok((kind, identifier, requested_by, note))
        }
        _ => Err(errors.into()),
    }
}

/// Record a subject request.
///
/// The person's records are found through the blind indexes of the NIK or
/// phone (people's rows, the entries of reports' lists, reporters' phones)
/// or by the exact name (ignoring case) with the birth date; nothing is
/// decrypted to search. At most 1,000 reports as reporter and 1,000 rows of
/// people are kept (`matches.capped` says when more matched). The
/// identifier is stored only as its blind index. The answer is due 72 hours
/// after it is received. Supervisors and admins.
#[utoipa::path(
    tag = "personal data",
    request_body(content = SubjectRequestInput, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 201, body = SubjectRequestView,
            headers(("Location" = String, description = "The request's URL"))),
        BodyErrors,
        AuthErrors,
    )
)]
#[post("/v1/subject-requests")]
#[tracing::instrument(name = "create_subject_request", skip_all)]
async fn create_subject_request(
    req: HttpRequest,
    payload: web::Payload,
    auth: Auth,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    // The role first: a caller who may not record one learns nothing from
    // the validation of the body.
    if !matches!(
        auth.0.role,
        sigap_domain::Role::Supervisor | sigap_domain::Role::Admin
    ) {
        return Err(ApiError::Forbidden(
            "only supervisors and admins handle subject requests".into(),
        ));
    }
    let input: SubjectRequestInput = body::json(&req, payload).await?;
    let (kind, identifier, requested_by, note) = parse(input)?;
    let mut conn = state.pool.get().await?;
    let (request, matches) =
        subjects::create(&mut conn, &auth.0, kind, &identifier, &requested_by, &note).await?;
    tracing::info!(
        subject_request_id = %request.id,
        kind = kind.as_str(),
        reports = matches.reports.len(),
        people = matches.beneficiaries.len(),
        "subject request recorded"
    );
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/v1/subject-requests/{}", request.id),
        ))
        .json(SubjectRequestView::new(request, Some(matches))))
}

/// Parameters of `GET /v1/subject-requests`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SubjectListQuery {
    /// `open` or `done`; both by default.
    #[param(pattern = "^(open|done)$", example = "open")]
    pub status: Option<String>,
    /// 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(pattern = "^([2-6][0-9A-Fa-f]|7[0-9A-Ea-e])*$")]
    pub cursor: Option<String>,
}

/// Subject requests: open ones first, each by due time.
///
/// Each says whether it is `overdue` (open past its `due_at`). Supervisors
/// and admins.
#[utoipa::path(
    tag = "personal data",
    params(SubjectListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Page<SubjectRequestView>),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Bad status or limit, or a cursor this API did not issue"),
        AuthErrors,
    )
)]
#[get("/v1/subject-requests")]
async fn list_subject_requests(
    auth: Auth,
    state: web::Data<AppState>,
    query: web::Query<SubjectListQuery>,
) -> ApiResult<web::Json<Page<SubjectRequestView>>> {
    let limit = page::limit(query.limit, 100)?;
    let status = match query.status.as_deref() {
        None => None,
        Some(status @ ("open" | "done")) => Some(status),
        Some(_) => {
            return Err(vec![FieldError::new("status", "must be open or done")].into());
        }
    };
    let after = page::cursor(&query.cursor)
        .map(|cursor| -> ApiResult<ListCursor> {
            let mut fields = KeyFields::decode(cursor)?;
            let done: u8 = fields.field()?;
            let due_at = fields.next_time()?;
            let id: Uuid = fields.field()?;
            fields.end()?;
            Ok(ListCursor {
                done: done == 1,
                due_at,
                id,
            })
        })
        .transpose()?;
    let mut conn = state.pool.get().await?;
    let rows = subjects::list(&mut conn, &auth.0, status, after, limit + 1).await?;
    Ok(web::Json(
        Page::from_rows(rows, limit, |r| {
            page::key(&[
                &u8::from(r.status == "done"),
                &page::time_field(r.due_at),
                &r.id,
            ])
        })
        .map(|row| SubjectRequestView::new(row, None)),
    ))
}

/// A subject request, with what it found.
#[utoipa::path(
    tag = "personal data",
    params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = SubjectRequestView),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such subject request"),
        AuthErrors,
    )
)]
#[get("/v1/subject-requests/{id}")]
async fn get_subject_request(
    auth: Auth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<SubjectRequestView>> {
    let mut conn = state.pool.get().await?;
    let request = subjects::get(&mut conn, &auth.0, *id).await?;
    let matches = subjects::matches(&mut conn, &request).await?;
    Ok(web::Json(SubjectRequestView::new(request, Some(matches))))
}

/// Everything Sigap holds about the person, as JSON.
///
/// The reports where the person is reporter (with the reporter's name,
/// phone, the address and description they gave) or among the people; the
/// person's rows (NIK and phone decrypted), with their assessments and
/// services; the attachments' metadata of those reports; and the access-log
/// entries that show who saw the person's data (newest first, at most
/// 1,000). Each read is itself logged (`subject_export`, one entry per
/// report). Supervisors and admins.
#[utoipa::path(
    tag = "personal data",
    params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = serde_json::Value, description = "The export",
            example = json!({
                "subject_request": {"id": "0190a000-0000-7000-8000-0000000000a1", "kind": "access",
                    "status": "open", "received_at": "2026-12-07T09:00:00Z",
                    "due_at": "2026-12-10T09:00:00Z", "matches_capped": false},
                "generated_at": "2026-12-07T09:05:00Z",
                "reports": [{"id": "0190a000-0000-7000-8000-000000000001", "ticket": "CC-2026-000123",
                    "status": "closed", "category": "elderly", "region_code": "13.03",
                    "unit_code": "SENTRA-MULYA-JAYA", "created_at": "2026-11-02T02:00:00Z",
                    "erased_at": null, "as_reporter": false, "as_beneficiary": true}],
                "beneficiaries": [{"id": "0190a000-0000-7000-8000-000000000011",
                    "report_id": "0190a000-0000-7000-8000-000000000001", "ticket": "CC-2026-000123",
                    "name": "Siti Aminah", "nik": "1303015708450001", "birth_date": "1945-08-17",
                    "age": null, "sex": "F", "disabilities": ["physical"], "phone": "+6281300000001",
                    "address": "Jorong Koto Tuo", "status": "served", "status_reason": null,
                    "created_at": "2026-11-02T02:00:00Z", "assessments": [], "services": []}],
                "attachments": [],
                "access_log": [{"at": "2026-11-03T04:00:00Z", "actor": "operator-7",
                    "actor_kind": "staff", "role": "operator", "action": "report_view",
                    "report_id": "0190a000-0000-7000-8000-000000000001",
                    "request_id": "6f1c2a9e-3b7d-4c1e-9a55-0d8e2f4b7c11"}]
            })),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such subject request"),
        AuthErrors,
    )
)]
#[get("/v1/subject-requests/{id}/export")]
async fn export_subject_request(
    auth: Auth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    request_id: RequestId,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let export = subjects::export(&mut conn, &auth.0, *id, Some(request_id.to_string())).await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(export))
}

/// Body of `POST /v1/subject-requests/{id}/complete`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"note": "Export sent to the person by registered letter"}))]
pub struct CompleteInput {
    /// The answer given to the person.
    pub note: Option<String>,
}

/// Complete a subject request.
///
/// For `erasure`, completing erases the person's data in the records it
/// matched, as retention erases a finished case's: their name, NIK, phone,
/// birth date (the age is kept), address and the free text of their
/// assessments and services in their rows and in the reports' lists, and
/// the reporter's name and phone where they reported. 409 when the request
/// is done already. Supervisors and admins.
#[utoipa::path(
    tag = "personal data",
    params(("id" = Uuid, Path)),
    request_body(content = CompleteInput, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 200, body = SubjectRequestView),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such subject request"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "Done already"),
        BodyErrors,
        AuthErrors,
    )
)]
#[post("/v1/subject-requests/{id}/complete")]
#[tracing::instrument(name = "complete_subject_request", skip_all, fields(subject_request_id = %id))]
async fn complete_subject_request(
    req: HttpRequest,
    payload: web::Payload,
    auth: Auth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<SubjectRequestView>> {
    if !matches!(
        auth.0.role,
        sigap_domain::Role::Supervisor | sigap_domain::Role::Admin
    ) {
        return Err(ApiError::Forbidden(
            "only supervisors and admins handle subject requests".into(),
        ));
    }
    let input: CompleteInput = body::json(&req, payload).await?;
    let mut errors = Vec::new();
    let note = text(&mut errors, "note", &input.note, 2000);
    if !errors.is_empty() {
        return Err(ApiError::from(errors));
    }
    let mut conn = state.pool.get().await?;
    let request = subjects::complete(&mut conn, &auth.0, *id, &note).await?;
    tracing::info!(kind = %request.kind, "subject request completed");
    let matches = subjects::matches(&mut conn, &request).await?;
    Ok(web::Json(SubjectRequestView::new(request, Some(matches))))
}
