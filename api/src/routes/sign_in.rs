//! Signing in with a staff account, sessions (refresh, sign out) and the
//! person's own account (`/v1/me`: record, password, TOTP enrolment).

use crate::auth::Auth;
use crate::body;
use crate::hashing::Hashing;
use crate::problem::{ApiError, ApiResult, AuthErrors, BodyErrors, Problem};
use crate::routes::staff::normalise_email;
use crate::startup::AppState;
use crate::views::staff::{StaffView, TokenPair, TotpEnrolment};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use rand::RngCore;
use serde::Deserialize;
use sigap_domain::{Password, Totp};
use sigap_store::FieldError;
use sigap_store::staff::{self, EndReason, Refresh, SessionTokens, Staff};
use std::time::Duration;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(login)
        .service(refresh)
        .service(logout)
        .service(get_me)
        .service(change_my_password)
        .service(enrol_totp)
        .service(confirm_totp);
}

/// Lifetime of a staff access token.
pub const ACCESS_TTL: Duration = Duration::from_secs(15 * 60);
/// The issuer shown in authenticator apps.
const TOTP_ISSUER: &str = "Sigap";

/// Signs an access token for a session and pairs it with its refresh token.
/// Every way of starting a session (password here, the identity provider
/// later) ends here, after `staff::start_session`.
pub fn token_pair(
    state: &AppState,
    person: &Staff,
    session: SessionTokens,
) -> ApiResult<TokenPair> {
    let left = (session.expires_at - chrono::Utc::now())
        .to_std()
        .unwrap_or(Duration::ZERO);
    let ttl = ACCESS_TTL.min(left).max(Duration::from_secs(1));
    let mut claims = state
        .tokens
        .claims(&person.id.to_string(), person.role, ttl);
    claims.unit = person.unit_code.clone();
    claims.region = person.region_code.clone();
    claims.sid = Some(session.sid.to_string());
    claims.enrol_only = person.enrol_only();
    let access_token = state
        .tokens
        .sign(&claims)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(TokenPair {
        access_token,
        token_type: "Bearer",
        expires_in: ttl.as_secs(),
        refresh_token: session.refresh_token,
        must_change_password: person.must_change_password,
        enrol_only: claims.enrol_only,
    })
}

fn no_store(pair: TokenPair) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(pair)
}

fn busy(_: crate::hashing::Busy) -> ApiError {
    ApiError::TooManyRequests {
        retry_after_secs: 1,
    }
}

/// Body of `POST /v1/auth/login`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"email": "ani@sentra-mulya-jaya.go.id", "password": "kursi roda merah 2026"}))]
pub struct LoginInput {
    pub email: String,
    pub password: String,
    /// The current 6-digit code of the person's authenticator app, once TOTP
    /// is confirmed.
    pub totp: Option<String>,
}

/// Sign in with email and password (and a TOTP code once enrolled).
#[utoipa::path(
    tag = "sign-in",
    request_body(content = LoginInput, content_type = "application/json"),
    responses(
        (status = 200, body = TokenPair),
        (status = 401, body = Problem, content_type = "application/problem+json", description = "`/problems/invalid-credentials`: unknown email, inactive account, wrong password or wrong code (one answer for all, at the same cost); `/problems/totp-required`: the password is right and the account needs `totp`"),
        (status = 429, body = Problem, content_type = "application/problem+json", description = "Five failed sign-ins for this email within 15 minutes, or every password-hashing slot busy; retry after Retry-After seconds",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, body = Problem, content_type = "application/problem+json", description = "The database is unavailable"),
        BodyErrors,
    )
)]
#[post("/v1/auth/login")]
async fn login(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let input: LoginInput = body::json(&req, payload).await?;
    // Failures count per email as typed (lower-cased): an email that is not
    // one is simply unknown, and costs what a wrong password costs.
    let email: String = normalise_email(&input.email)
        .unwrap_or_else(|| input.email.trim().to_lowercase())
        .replace('\0', "");
    let password = input.password.clone();
    let mut conn = state.pool.get().await?;
    if let Some(retry_after_secs) = staff::lockout(&mut conn, &email).await? {
        metrics::counter!("sigap_staff_login_locked_total").increment(1);
        return Err(ApiError::TooManyRequests { retry_after_secs });
    }
    drop(conn);
    let slot = state.hashing.slot().await.map_err(busy)?;
    let found = {
        let mut conn = state.pool.get().await?;
        staff::sign_in(&mut conn, &email).await?
    };
    let hash = found
        .as_ref()
        .and_then(|f| f.password_hash.clone())
        .unwrap_or_else(|| sigap_store::clients::dummy_hash().to_owned());
    let matches = Hashing::verify(slot, hash, password).await;
    let mut conn = state.pool.get().await?;
    let found = match found {
        Some(found) if matches && found.password_hash.is_some() => found,
        _ => {
            staff::record_login_failure(&mut conn, &email).await?;
            metrics::counter!("sigap_staff_login_failures_total").increment(1);
            return Err(ApiError::InvalidCredentials);
        }
    };
    if let Some(secret) = &found.totp_secret {
        let Some(code) = input.totp.as_deref() else {
            return Err(ApiError::TotpRequired);
        };
        let now = chrono::Utc::now().timestamp();
        let step = Totp::new(secret.clone()).verify(code, now, found.totp_last_step);
        let accepted = match step {
            Some(step) => staff::accept_totp_step(&mut conn, found.staff.id, step).await?,
            None => false,
        };
        if !accepted {
            staff::record_login_failure(&mut conn, &email).await?;
            metrics::counter!("sigap_staff_login_failures_total").increment(1);
            return Err(ApiError::InvalidCredentials);
        }
    }
    staff::clear_login_failures(&mut conn, &email).await?;
    let (person, session) = staff::start_session(&mut conn, found.staff.id).await?;
    tracing::info!(staff_id = %person.id, sid = %session.sid, "staff signed in");
    Ok(no_store(token_pair(&state, &person, session)?))
}

/// Body of `POST /v1/auth/refresh`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RefreshInput {
    pub refresh_token: String,
}

/// Exchange a refresh token for a new pair. Each refresh token works once:
/// presenting a used one again ends its session.
#[utoipa::path(
    tag = "sign-in",
    request_body(content = RefreshInput, content_type = "application/json"),
    responses(
        (status = 200, body = TokenPair),
        (status = 401, body = Problem, content_type = "application/problem+json", description = "Unknown, used or expired refresh token, ended session or inactive account"),
        (status = 503, body = Problem, content_type = "application/problem+json", description = "The database is unavailable"),
        BodyErrors,
    )
)]
#[post("/v1/auth/refresh")]
async fn refresh(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let input: RefreshInput = body::json(&req, payload).await?;
    let mut conn = state.pool.get().await?;
    match staff::refresh(&mut conn, &input.refresh_token).await? {
        Refresh::Rotated(person, session) => Ok(no_store(token_pair(&state, &person, session)?)),
        Refresh::Reused(sid) => {
            state.ended_sessions.insert(&sid.to_string());
            tracing::warn!(%sid, "a used refresh token was presented again; session ended");
            Err(ApiError::Unauthorized(
                "the refresh token was used already; the session has ended".into(),
            ))
        }
        Refresh::Invalid => Err(ApiError::Unauthorized(
            "the refresh token is not valid".into(),
        )),
    }
}

/// Sign out: the session of the bearer token ends, and its tokens with it.
#[utoipa::path(
    tag = "sign-in",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "The session has ended"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "The token has no session (an API client's, or one printed by `sigap-api token`)"),
        AuthErrors,
    )
)]
#[post("/v1/auth/logout")]
async fn logout(auth: Auth, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let (_, sid) = auth.staff_session()?;
    let mut conn = state.pool.get().await?;
    staff::end_session(&mut conn, sid, EndReason::Logout).await?;
    state.ended_sessions.insert(&sid.to_string());
    Ok(HttpResponse::NoContent().finish())
}

/// The signed-in person's own account.
#[utoipa::path(
    tag = "sign-in",
    security(("bearer" = [])),
    responses(
        (status = 200, body = StaffView),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "The token is not a staff account's"),
        AuthErrors,
    )
)]
#[get("/v1/me")]
async fn get_me(auth: Auth, state: web::Data<AppState>) -> ApiResult<web::Json<StaffView>> {
    let (id, _) = auth.staff_session()?;
    let mut conn = state.pool.get().await?;
    Ok(web::Json(staff::get(&mut conn, id).await?.into()))
}

/// Body of `POST /v1/me/password`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordChange {
    pub current_password: String,
    /// At least 12 characters, not among the 10,000 most common passwords.
    #[schema(min_length = 12)]
    pub new_password: String,
}

/// Change one's own password: clears `must_change_password` and ends the
/// person's other sessions (this one goes on).
#[utoipa::path(
    tag = "sign-in",
    request_body(content = PasswordChange, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Changed"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "The token is not a staff account's"),
        (status = 429, body = Problem, content_type = "application/problem+json", description = "Five failed attempts (sign-ins or wrong current passwords) for this account within 15 minutes, or every password-hashing slot busy",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        BodyErrors, AuthErrors,
    )
)]
#[post("/v1/me/password")]
async fn change_my_password(
    req: HttpRequest,
    payload: web::Payload,
    auth: Auth,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let (id, sid) = auth.staff_session()?;
    let input: PasswordChange = body::json(&req, payload).await?;
    let new_password = Password::parse(&input.new_password)
        .map_err(|e| ApiError::from(vec![FieldError::new("new_password", e.to_string())]))?;
    let (person, hash) = {
        let mut conn = state.pool.get().await?;
        let person = staff::get(&mut conn, id).await?;
        if let Some(retry_after_secs) = staff::lockout(&mut conn, &person.email).await? {
            return Err(ApiError::TooManyRequests { retry_after_secs });
        }
        let hash = staff::password_hash(&mut conn, id).await?;
        (person, hash)
    };
    let slot = state.hashing.slot().await.map_err(busy)?;
    let hash = hash.unwrap_or_else(|| sigap_store::clients::dummy_hash().to_owned());
    if !Hashing::verify(slot, hash, input.current_password).await {
        let mut conn = state.pool.get().await?;
        staff::record_login_failure(&mut conn, &person.email).await?;
        return Err(ApiError::from(vec![FieldError::new(
            "current_password",
            "is not the current password",
        )]));
    }
    let new_hash = state
        .hashing
        .hash(new_password.expose())
        .await
        .map_err(busy)?;
    let mut conn = state.pool.get().await?;
    let ended = staff::change_own_password(&mut conn, id, &new_hash, Some(sid)).await?;
    for sid in &ended {
        state.ended_sessions.insert(&sid.to_string());
    }
    tracing::info!(staff_id = %id, sessions_ended = ended.len(), "staff password changed");
    Ok(HttpResponse::NoContent().finish())
}

/// Start (or restart) TOTP enrolment: a new secret for the authenticator
/// app, to confirm with a code. Refused (409) once TOTP is confirmed.
#[utoipa::path(
    tag = "sign-in",
    security(("bearer" = [])),
    responses(
        (status = 200, body = TotpEnrolment),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "The token is not a staff account's"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "TOTP is confirmed already"),
        AuthErrors,
    )
)]
#[post("/v1/me/totp")]
async fn enrol_totp(auth: Auth, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let (id, _) = auth.staff_session()?;
    let mut secret = vec![0u8; sigap_domain::totp::SECRET_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    let mut conn = state.pool.get().await?;
    let person = staff::get(&mut conn, id).await?;
    staff::begin_totp(&mut conn, id, &secret).await?;
    let totp = Totp::new(secret);
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(TotpEnrolment {
            secret: totp.base32(),
            otpauth_uri: totp.otpauth_uri(TOTP_ISSUER, &person.email),
        }))
}

/// Body of `POST /v1/me/totp/confirm`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TotpConfirmation {
    /// The app's current 6-digit code.
    #[schema(pattern = "^[0-9]{6}$")]
    pub code: String,
}

/// Confirm TOTP enrolment with a current code; from then on signing in
/// needs `totp`. An admin signs in again (with a code) for a full token.
#[utoipa::path(
    tag = "sign-in",
    request_body(content = TotpConfirmation, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 200, body = StaffView),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "The token is not a staff account's"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "No enrolment to confirm, or TOTP is confirmed already"),
        BodyErrors, AuthErrors,
    )
)]
#[post("/v1/me/totp/confirm")]
async fn confirm_totp(
    req: HttpRequest,
    payload: web::Payload,
    auth: Auth,
    state: web::Data<AppState>,
) -> ApiResult<web::Json<StaffView>> {
    let (id, _) = auth.staff_session()?;
    let input: TotpConfirmation = body::json(&req, payload).await?;
    let mut conn = state.pool.get().await?;
    let secret = staff::pending_totp(&mut conn, id).await?;
    let step = Totp::new(secret)
        .verify(&input.code, chrono::Utc::now().timestamp(), None)
        .ok_or_else(|| {
            ApiError::from(vec![FieldError::new(
                "code",
                "is not the app's current code",
            )])
        })?;
    let person = staff::confirm_totp(&mut conn, id, step).await?;
    tracing::info!(staff_id = %id, "staff TOTP confirmed");
    Ok(web::Json(person.into()))
}
