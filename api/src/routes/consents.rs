//! Consent (UU PDP): recording what a person, or for a child a guardian,
//! agreed their data may be used for, listing a person's consents, and
//! withdrawing one. Those who do the case work record and withdraw (the
//! assigned unit's staff, supervisors); whoever may read the person lists.
//! A consent for `share_with_partner` or `share_with_regional_office` is
//! what lets a person's data reach a partner or a regional office (the
//! store's queries ask for an active one on every read).

use crate::auth::Auth;
use crate::body;
use crate::page::{self, Page};
use crate::problem::{ApiError, ApiResult, AuthErrors, BodyErrors, Problem};
use crate::routes::casework::ListQuery;
use crate::startup::AppState;
use crate::views::casework::{ConsentInput, ConsentView, WithdrawInput};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use sigap_domain::Role;
use sigap_runtime::auth::Scope;
use sigap_store::consents;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(record_consent)
        .service(list_consents)
        .service(withdraw_consent);
}

/// Who records and withdraws consents: those who change case work (the
/// store's query finds only the unit's own cases for UPT staff).
const WRITERS: &[Role] = &[Role::UptStaff, Role::Supervisor];

/// Record a person's consent.
///
/// `purposes` says what the data may be used for: `case_handling`,
/// `share_with_partner` (a partner app that filed the report sees the
/// person's name, NIK, phone, address and notes), `share_with_regional_office`
/// (the regional social office likewise), `photo`. A child (under 18 on
/// `recorded_on`, from the birth date or else the age) needs a guardian's
/// consent: `given_by: guardian` with `guardian_name` and
/// `guardian_relation`, else 422. A consent is never edited: withdraw it
/// and record a new one. Announced as `consent.recorded` (ids and purposes
/// only).
#[utoipa::path(
    tag = "personal data",
    params(("id" = Uuid, Path, description = "The person")),
    request_body(content = ConsentInput, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 201, body = ConsentView, description = "Recorded",
            headers(("Location" = String, description = "The person's consents"))),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such person, or not the caller's"),
        (status = 422, body = Problem, content_type = "application/problem+json",
            description = "Invalid fields, every error in `errors`; a child's consent without a guardian",
            example = json!({
                "type": "/problems/validation", "title": "The request is not valid", "status": 422,
                "detail": "1 field is not valid",
                "errors": [{"field": "given_by", "message": "the person was 9 on 2026-12-03, a child: a guardian gives the consent (given_by guardian, with guardian_name and guardian_relation)"}]
            })),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "Malformed JSON"),
        (status = 413, body = Problem, content_type = "application/problem+json", description = "Body larger than 64 KiB"),
        (status = 415, body = Problem, content_type = "application/problem+json", description = "Not JSON"),
        AuthErrors,
    )
)]
#[post("/v1/beneficiaries/{id}/consents")]
#[tracing::instrument(name = "record_consent", skip_all, fields(beneficiary_id = %id))]
async fn record_consent(
    req: HttpRequest,
    payload: web::Payload,
    auth: Auth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let claims = auth.require(WRITERS)?;
    let input: ConsentInput = body::json(&req, payload).await?;
    let consent = input.parse()?;
    let mut conn = state.pool.get().await?;
    let (case, row) = consents::record(&mut conn, claims, *id, &consent).await?;
    state.relay.wake();
    tracing::info!(consent_id = %row.id, ticket = %case.ticket, "consent recorded");
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/v1/beneficiaries/{}/consents", row.beneficiary_id),
        ))
        .json(ConsentView::new(&case, row)))
}

/// A person's consents, oldest first, withdrawn ones included (`active`
/// says which count).
///
/// For whoever may read the person; the guardian's name and relation and
/// the reason of a withdrawal only for those who see the person's personal
/// data.
#[utoipa::path(
    tag = "personal data",
    params(("id" = Uuid, Path, description = "The person"), ListQuery),
    security(("bearer" = []), ("client_credentials" = ["reports:read"])),
    responses(
        (status = 200, body = Page<ConsentView>),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such person, or not visible to the caller"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Bad limit, or a cursor this API did not issue"),
        AuthErrors,
    )
)]
#[get("/v1/beneficiaries/{id}/consents")]
async fn list_consents(
    auth: Auth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: web::Query<ListQuery>,
) -> ApiResult<web::Json<Page<ConsentView>>> {
    let claims = auth.require_scope(Scope::ReportsRead)?;
    let limit = page::limit(query.limit, 100)?;
    let after = page::after_as::<Uuid>(&query.cursor)?;
    let mut conn = state.pool.get().await?;
    let (case, rows) = consents::list(&mut conn, claims, *id, after, limit + 1).await?;
    Ok(web::Json(
        Page::from_rows(rows, limit, |r| r.id.to_string()).map(|row| ConsentView::new(&case, row)),
    ))
}

/// Withdraw a consent.
///
/// From the next request on it no longer counts: a partner or a regional
/// office that saw the person's data under it sees it no more. The body is
/// optional (`{"reason": "…"}`). 409 when it was already withdrawn.
/// Announced as `consent.withdrawn` (ids and purposes only).
#[utoipa::path(
    tag = "personal data",
    params(("id" = Uuid, Path, description = "The consent")),
    request_body(content = Option<WithdrawInput>, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ConsentView, description = "Withdrawn; `withdrawn_at` says when"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such consent, or not the caller's"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "Already withdrawn",
            example = json!({
                "type": "/problems/conflict", "title": "Conflict", "status": 409,
                "detail": "the consent was already withdrawn at 2026-12-05T03:00:00Z"
            })),
        BodyErrors,
        AuthErrors,
    )
)]
#[post("/v1/consents/{id}/withdraw")]
#[tracing::instrument(name = "withdraw_consent", skip_all, fields(consent_id = %id))]
async fn withdraw_consent(
    req: HttpRequest,
    payload: web::Payload,
    auth: Auth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ConsentView>> {
    let claims = auth.require(WRITERS)?;
    let bytes = body::read_bytes(&req, payload).await?;
    let reason = if bytes.is_empty() {
        None
    } else {
        if let Some(media) =
            body::media_type(&req).filter(|m| m != "application/json" && !m.ends_with("+json"))
        {
            return Err(ApiError::UnsupportedMediaType(format!(
                "expected application/json, got {media}"
            )));
        }
        let value: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::BadRequest(format!("malformed JSON: {e}")))?;
        let input: WithdrawInput = body::typed(value)?;
        input.parse()?
    };
    let mut conn = state.pool.get().await?;
    let (case, row) = consents::withdraw(&mut conn, claims, *id, reason.as_deref()).await?;
    state.relay.wake();
    tracing::info!(consent_id = %row.id, ticket = %case.ticket, "consent withdrawn");
    Ok(web::Json(ConsentView::new(&case, row)))
}
