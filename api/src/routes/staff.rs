//! Staff accounts (admin): create, list, read, change.

use crate::auth::Auth;
use crate::body;
use crate::page::{self, Page};
use crate::problem::{ApiError, ApiResult, AuthErrors, BodyErrors, Problem};
use crate::startup::AppState;
use crate::views::staff::{CreatedStaff, StaffView};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use rand::Rng;
use serde::Deserialize;
use sigap_domain::{Password, Role};
use sigap_store::FieldError;
use sigap_store::staff::{self, NewStaff, STAFF_ROLES, StaffChanges, StaffFilter};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_staff)
        .service(list_staff)
        .service(get_staff)
        .service(update_staff);
}

/// Body of `POST /v1/staff`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"email": "ani@sentra-mulya-jaya.go.id", "name": "Ani Lestari", "role": "upt_staff", "unit_code": "SENTRA-MULYA-JAYA"}))]
pub struct StaffInput {
    /// Unique, compared case-insensitively (stored lower-cased); at most 254 characters.
    #[schema(max_length = 254)]
    pub email: String,
    /// 1 to 200 characters, not all blank.
    #[schema(max_length = 200)]
    pub name: String,
    /// `operator`, `supervisor`, `upt_staff`, `regional` or `admin`.
    pub role: String,
    /// Required for `upt_staff` (a known unit), refused for other roles.
    pub unit_code: Option<String>,
    /// Required for `regional` (a known province or regency code), refused for other roles.
    pub region_code: Option<String>,
    /// At least 12 characters, not among the 10,000 most common passwords.
    /// Absent: a one-time password is generated and returned once.
    #[schema(min_length = 12)]
    pub password: Option<String>,
}

/// Body of `PATCH /v1/staff/{id}`: absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"active": false}))]
pub struct StaffPatch {
    #[schema(max_length = 200)]
    pub name: Option<String>,
    /// A new role; the unit (region) is dropped for roles that have none.
    pub role: Option<String>,
    pub unit_code: Option<String>,
    pub region_code: Option<String>,
    /// false: the person cannot sign in and every session of theirs ends.
    pub active: Option<bool>,
    /// An admin-set password (rules as for creation); the person must then
    /// change it.
    #[schema(min_length = 12)]
    pub password: Option<String>,
}

/// Lower-cases and checks an email: one `@`, something on each side, a dot
/// in the domain, no blanks or control characters, at most 254 characters.
pub fn normalise_email(text: &str) -> Option<String> {
    let email = text.trim().to_lowercase();
    let (local, domain) = email.split_once('@')?;
    let plausible = email.chars().count() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    plausible.then_some(email)
}

fn parse_name(name: &str, errors: &mut Vec<FieldError>) -> String {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 || name.contains('\0') {
        errors.push(FieldError::new(
            "name",
            "must be 1 to 200 characters, not all blank",
        ));
    }
    name.to_owned()
}

fn parse_role(role: &str, errors: &mut Vec<FieldError>) -> Option<Role> {
    let parsed = Role::parse(role).filter(|r| STAFF_ROLES.contains(r));
    if parsed.is_none() {
        errors.push(FieldError::new(
            "role",
            "must be one of: operator, supervisor, upt_staff, regional, admin",
        ));
    }
    parsed
}

fn parse_password(
    field: &str,
    password: Option<&str>,
    errors: &mut Vec<FieldError>,
) -> Option<Password> {
    match Password::parse(password?) {
        Ok(password) => Some(password),
        Err(e) => {
            errors.push(FieldError::new(field, e.to_string()));
            None
        }
    }
}

fn code(field: &str, value: Option<String>, errors: &mut Vec<FieldError>) -> Option<String> {
    let value = value.map(|v| v.trim().to_owned());
    if value
        .as_deref()
        .is_some_and(|v| v.is_empty() || v.len() > 100 || v.contains('\0'))
    {
        errors.push(FieldError::new(field, "must be a known code"));
    }
    value
}

/// A one-time password: 20 letters and digits without look-alikes, in
/// groups of five (about 100 bits).
pub fn one_time_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rngs::OsRng;
    (0..4)
        .map(|_| {
            (0..5)
                .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("-")
}

fn busy(_: crate::hashing::Busy) -> ApiError {
    ApiError::TooManyRequests {
        retry_after_secs: 1,
    }
}

/// Create a staff account (admin).
#[utoipa::path(
    tag = "staff",
    request_body(content = StaffInput, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 201, body = CreatedStaff),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "An account with this email exists"),
        (status = 429, body = Problem, content_type = "application/problem+json", description = "Every password-hashing slot is busy; retry after Retry-After seconds",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        BodyErrors, AuthErrors,
    )
)]
#[post("/v1/staff")]
async fn create_staff(
    req: HttpRequest,
    payload: web::Payload,
    auth: Auth,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let claims = auth.require(&[Role::Admin])?;
    let input: StaffInput = body::json(&req, payload).await?;
    let mut errors = Vec::new();
    let email = normalise_email(&input.email);
    if email.is_none() {
        errors.push(FieldError::new("email", "is not an email address"));
    }
    let name = parse_name(&input.name, &mut errors);
    let role = parse_role(&input.role, &mut errors);
    let unit_code = code("unit_code", input.unit_code, &mut errors);
    let region_code = code("region_code", input.region_code, &mut errors);
    let password = parse_password("password", input.password.as_deref(), &mut errors);
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let (Some(email), Some(role)) = (email, role) else {
        unreachable!("refused above");
    };
    let generated = password.is_none().then(one_time_password);
    let secret = password
        .as_ref()
        .map(|p| p.expose().to_owned())
        .or_else(|| generated.clone())
        .expect("one of them");
    let password_hash = state.hashing.hash(&secret).await.map_err(busy)?;
    let mut conn = state.pool.get().await?;
    let created = staff::create(
        &mut conn,
        &claims.sub,
        &NewStaff {
            email,
            name,
            role,
            unit_code,
            region_code,
            password_hash,
            must_change_password: generated.is_some(),
        },
    )
    .await?;
    tracing::info!(staff_id = %created.id, role = %created.role, "staff account created");
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(CreatedStaff {
            staff: StaffView::from(created),
            one_time_password: generated,
        }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StaffQuery {
    /// Only this role.
    pub role: Option<String>,
    /// Only the staff of this unit.
    pub unit: Option<String>,
    /// Only active (true) or inactive (false) accounts.
    pub active: Option<bool>,
    /// 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the page before; absent or empty for the first.
    /// Only a cursor this API issued is accepted (422 otherwise).
    #[param(pattern = "^([2-6][0-9A-Fa-f]|7[0-9A-Ea-e])*$")]
    pub cursor: Option<String>,
}

/// List staff accounts (admin), oldest first.
#[utoipa::path(
    tag = "staff",
    params(StaffQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Page<StaffView>),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Bad filter, or a cursor this API did not issue"),
        AuthErrors,
    )
)]
#[get("/v1/staff")]
async fn list_staff(
    auth: Auth,
    state: web::Data<AppState>,
    query: web::Query<StaffQuery>,
) -> ApiResult<web::Json<Page<StaffView>>> {
    auth.require(&[Role::Admin])?;
    let limit = page::limit(query.limit, 100)?;
    let mut errors = Vec::new();
    let role = query
        .role
        .as_deref()
        .and_then(|r| parse_role(r, &mut errors));
    let after = page::after_as::<Uuid>(&query.cursor)?;
    if !errors.is_empty() {
        return Err(errors.into());
    }
    // No unit code holds NUL, which PostgreSQL text cannot: nobody matches.
    if query.unit.as_deref().is_some_and(|u| u.contains('\0')) {
        return Ok(web::Json(Page {
            items: Vec::new(),
            next_cursor: None,
        }));
    }
    let filter = StaffFilter {
        role,
        unit: query.unit.clone(),
        active: query.active,
    };
    let mut conn = state.pool.get().await?;
    let rows = staff::list(&mut conn, &filter, after, limit + 1).await?;
    Ok(web::Json(
        Page::from_rows(rows, limit, |s| s.id.to_string()).map(StaffView::from),
    ))
}

/// One staff account (admin).
#[utoipa::path(
    tag = "staff",
    params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = StaffView),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such account"),
        AuthErrors,
    )
)]
#[get("/v1/staff/{id}")]
async fn get_staff(
    auth: Auth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<StaffView>> {
    auth.require(&[Role::Admin])?;
    let mut conn = state.pool.get().await?;
    Ok(web::Json(
        staff::get(&mut conn, id.into_inner()).await?.into(),
    ))
}

/// Change a staff account (admin). Deactivating it, or changing its role,
/// unit or region, ends every session of the person at once: their access
/// tokens are refused within 2 seconds on every api process.
#[utoipa::path(
    tag = "staff",
    params(("id" = Uuid, Path)),
    request_body(content = StaffPatch, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 200, body = StaffView),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such account"),
        (status = 429, body = Problem, content_type = "application/problem+json", description = "Every password-hashing slot is busy; retry after Retry-After seconds",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        BodyErrors, AuthErrors,
    )
)]
#[patch("/v1/staff/{id}")]
async fn update_staff(
    req: HttpRequest,
    payload: web::Payload,
    auth: Auth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<StaffView>> {
    let claims = auth.require(&[Role::Admin])?;
    let input: StaffPatch = body::json(&req, payload).await?;
    let mut errors = Vec::new();
    let name = input.name.as_deref().map(|n| parse_name(n, &mut errors));
    let role = input
        .role
        .as_deref()
        .and_then(|r| parse_role(r, &mut errors));
    let unit_code = code("unit_code", input.unit_code, &mut errors);
    let region_code = code("region_code", input.region_code, &mut errors);
    let password = parse_password("password", input.password.as_deref(), &mut errors);
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let password_hash = match &password {
        Some(p) => Some(state.hashing.hash(p.expose()).await.map_err(busy)?),
        None => None,
    };
    let mut conn = state.pool.get().await?;
    let (updated, ended) = staff::update(
        &mut conn,
        &claims.sub,
        id.into_inner(),
        &StaffChanges {
            name,
            role,
            unit_code,
            region_code,
            active: input.active,
            password_hash,
        },
    )
    .await?;
    // Other processes learn it from the store's notification; this one now.
    for sid in &ended {
        state.ended_sessions.insert(&sid.to_string());
    }
    tracing::info!(staff_id = %updated.id, sessions_ended = ended.len(), "staff account changed");
    Ok(web::Json(updated.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_lower_cased_and_roughly_checked() {
        assert_eq!(
            normalise_email("  Ani.Lestari@Kemensos.GO.id "),
            Some("ani.lestari@kemensos.go.id".into())
        );
        for bad in [
            "",
            "ani",
            "@kemensos.go.id",
            "ani@",
            "ani@localhost",
            "ani@.go.id",
            "ani@go.",
            "a@b@c.id",
            "an i@kemensos.go.id",
            "ani\u{0}@kemensos.go.id",
        ] {
            assert_eq!(normalise_email(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn one_time_passwords_pass_the_password_rule() {
        for _ in 0..100 {
            let password = one_time_password();
            assert_eq!(password.len(), 23);
            assert!(Password::parse(&password).is_ok());
        }
    }
}
