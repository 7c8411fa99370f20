//! Signing in through the organisation's identity provider: the redirect to
//! it, its callback, and the one-time code the console exchanges for a
//! session. Without `SIGAP_OIDC_*` configured, all three answer 404
//! `/problems/oidc-not-configured`.

use crate::body;
use crate::oidc::Oidc;
use crate::problem::{ApiError, ApiResult, BodyErrors, Problem};
use crate::rate_limit::client_address;
use crate::routes::sign_in::token_pair;
use crate::startup::AppState;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;
use sigap_store::oidc::{self, Found, Identity};
use sigap_store::staff;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(start_oidc_sign_in)
        .service(finish_oidc_sign_in)
        .service(create_session);
}

fn configured(state: &AppState) -> ApiResult<&Oidc> {
    state.oidc.as_deref().ok_or(ApiError::OidcNotConfigured)
}

/// Start signing in at the organisation's identity provider: a redirect to
/// its authorization endpoint (code flow, state, nonce, PKCE S256). The
/// state, nonce and verifier stay on the server for 10 minutes, for one
/// callback.
#[utoipa::path(
    tag = "sign-in",
    responses(
        (status = 302, description = "To the identity provider", headers(("Location" = String))),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "`/problems/oidc-not-configured`: no identity provider is configured",
            example = json!({"type": "/problems/oidc-not-configured", "title": "Sign-in through an identity provider is not configured", "status": 404, "detail": "this server has no identity provider (SIGAP_OIDC_ISSUER)"})),
        (status = 429, body = Problem, content_type = "application/problem+json", description = "Too many sign-ins started from this address; see Retry-After",
            headers(("Retry-After" = u64, description = "Seconds until this address may start another"))),
        (status = 502, body = Problem, content_type = "application/problem+json", description = "The identity provider cannot be reached"),
        (status = 503, body = Problem, content_type = "application/problem+json", description = "The database is unavailable"),
    )
)]
#[get("/v1/auth/oidc/start")]
async fn start_oidc_sign_in(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let rp = configured(&state)?;
    // Anyone may start a sign-in, and each start keeps a row for ten
    // minutes: one address gets the public budget, as tracking does.
    if let Some(client) = client_address(&req, &state.config.trusted_proxies) {
        state
            .track_limiter
            .check_address(client)
            .map_err(|retry_after_secs| ApiError::TooManyRequests { retry_after_secs })?;
    }
    let authorization = rp.authorization().await.map_err(|e| {
        tracing::warn!(error = %e, "identity provider unavailable");
        ApiError::BadGateway(e.to_string())
    })?;
    let mut conn = state.pool.get().await?;
    oidc::begin(&mut conn, &authorization.state, &authorization.pending).await?;
    Ok(HttpResponse::Found()
        .insert_header((header::LOCATION, authorization.url))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish())
}

/// What the provider sends back to the callback.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallbackQuery {
    /// The authorization code.
    pub code: Option<String>,
    /// The state Sigap sent.
    pub state: Option<String>,
    /// The provider's error code, when the person did not sign in.
    pub error: Option<String>,
}

/// Why the callback shows its page instead of signing in.
#[derive(Debug, Clone, Copy)]
enum Refusal {
    NoAccount,
    Inactive,
    Expired,
    Cancelled,
    Provider,
}

impl Refusal {
    fn status(self) -> StatusCode {
        match self {
            Refusal::NoAccount | Refusal::Inactive => StatusCode::FORBIDDEN,
            Refusal::Expired | Refusal::Cancelled => StatusCode::BAD_REQUEST,
            Refusal::Provider => StatusCode::BAD_GATEWAY,
        }
    }

    /// The page's title and explanation, in Indonesian and English.
    fn text(self) -> [(&'static str, &'static str); 2] {
        match self {
            Refusal::NoAccount => [
                (
                    "Tidak ada akun Sigap untuk Anda",
                    "Identitas Anda sudah dikenali, tetapi belum ada akun Sigap dengan identitas atau email ini. Minta admin Sigap membuat akun Anda.",
                ),
                (
                    "You have no Sigap account",
                    "Your identity was confirmed, but no Sigap account has this identity or email. Ask a Sigap admin to create your account.",
                ),
            ],
            Refusal::Inactive => [
                (
                    "Akun Sigap Anda tidak aktif",
                    "Akun Anda sudah dinonaktifkan. Hubungi admin Sigap bila Anda masih memerlukan akses.",
                ),
                (
                    "Your Sigap account is inactive",
                    "Your account has been deactivated. Contact a Sigap admin if you still need access.",
                ),
            ],
            Refusal::Expired => [
                (
                    "Proses masuk kedaluwarsa",
                    "Proses masuk ini sudah kedaluwarsa atau sudah dipakai. Silakan mulai lagi dari halaman masuk.",
                ),
                (
                    "The sign-in has expired",
                    "This sign-in has expired or was used already. Please start again from the sign-in page.",
                ),
            ],
            Refusal::Cancelled => [
                (
                    "Proses masuk dibatalkan",
                    "Penyedia identitas tidak menyelesaikan proses masuk. Silakan coba lagi.",
                ),
                (
                    "The sign-in was cancelled",
                    "The identity provider did not complete the sign-in. Please try again.",
                ),
            ],
            Refusal::Provider => [
                (
                    "Penyedia identitas tidak dapat dihubungi",
                    "Sigap tidak dapat memastikan identitas Anda. Silakan coba lagi sebentar lagi.",
                ),
                (
                    "The identity provider cannot be reached",
                    "Sigap could not confirm who you are. Please try again shortly.",
                ),
            ],
        }
    }
}

/// A plain page (no script, no style from elsewhere) that says why signing
/// in did not work, in Indonesian and English, with a way back.
fn refusal_page(refusal: Refusal, console_url: &str) -> HttpResponse {
    let [(title_id, text_id), (title_en, text_en)] = refusal.text();
    let console = escape(console_url);
    let body = format!(
        "<!doctype html>\n<html lang=\"id\">\n<head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{title_id} · Sigap</title></head>\n<body>\n<main>\n\
<h1>{title_id}</h1>\n<p>{text_id}</p>\n\
<p><a href=\"{console}\">Kembali ke halaman masuk</a></p>\n\
<section lang=\"en\">\n<h2>{title_en}</h2>\n<p>{text_en}</p>\n\
<p><a href=\"{console}\">Back to the sign-in page</a></p>\n</section>\n</main>\n</body>\n</html>\n"
    );
    HttpResponse::build(refusal.status())
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .body(body)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The identity provider's redirect back: the code is exchanged (with the
/// client secret and PKCE verifier), the ID token verified (signature
/// against the provider's JWKS, issuer, audience, expiry, nonce), and the
/// active staff account found by issuer and subject (the first time by the
/// verified email, then bound). Success: a redirect to the console with a
/// one-time code in the fragment (`/console/#/sso/<code>`) for
/// `POST /v1/auth/session`. No account, an inactive one, an expired or
/// replayed state: a page (HTML, Indonesian and English) saying so, and no
/// session.
#[utoipa::path(
    tag = "sign-in",
    params(CallbackQuery),
    responses(
        (status = 302, description = "To the console, with a one-time code: `<SIGAP_PUBLIC_URL>/console/#/sso/<code>`", headers(("Location" = String))),
        (status = 400, description = "The state is unknown, used or expired, or the person cancelled at the provider (an HTML page)", content_type = "text/html", body = String),
        (status = 403, description = "No active staff account for this person (an HTML page)", content_type = "text/html", body = String),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "`/problems/oidc-not-configured`: no identity provider is configured"),
        (status = 502, description = "The identity provider cannot be reached, or its ID token is not valid (an HTML page)", content_type = "text/html", body = String),
        (status = 503, body = Problem, content_type = "application/problem+json", description = "The database is unavailable"),
    )
)]
#[get("/v1/auth/oidc/callback")]
async fn finish_oidc_sign_in(
    query: web::Query<CallbackQuery>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let rp = configured(&state)?;
    let refuse = |refusal: Refusal| Ok(refusal_page(refusal, &rp.console_url()));
    let Some(sent_state) = query.state.as_deref() else {
        return refuse(Refusal::Expired);
    };
    let pending = {
        let mut conn = state.pool.get().await?;
        oidc::take(&mut conn, sent_state).await?
    };
    // The state is taken first, so that an error answer cannot be replayed.
    let Some(pending) = pending else {
        return refuse(Refusal::Expired);
    };
    if let Some(error) = &query.error {
        tracing::info!(error = %error.chars().take(64).collect::<String>(), "the identity provider ended the sign-in");
        return refuse(Refusal::Cancelled);
    }
    let Some(code) = query.code.as_deref() else {
        return refuse(Refusal::Cancelled);
    };
    let claims = match rp.finish(code, &pending).await {
        Ok(claims) => claims,
        Err(e) => {
            tracing::warn!(error = %e, "sign-in through the identity provider failed");
            return refuse(Refusal::Provider);
        }
    };
    let email = claims.verified_email();
    let who = Identity {
        issuer: rp.issuer(),
        subject: &claims.sub,
        verified_email: email.as_deref(),
    };
    let mut conn = state.pool.get().await?;
    let person = match oidc::find_staff(&mut conn, &who).await? {
        Found::Active(person) => person,
        Found::Inactive => {
            tracing::info!("identity provider sign-in refused: inactive account");
            return refuse(Refusal::Inactive);
        }
        Found::Unknown => {
            tracing::info!("identity provider sign-in refused: no staff account");
            return refuse(Refusal::NoAccount);
        }
    };
    let code = oidc::issue_code(&mut conn, person.id).await?;
    tracing::info!(staff_id = %person.id, "identity provider sign-in; one-time code issued");
    Ok(HttpResponse::Found()
        .insert_header((
            header::LOCATION,
            format!("{}#/sso/{code}", rp.console_url()),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .finish())
}

/// Body of `POST /v1/auth/session`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"code": "9f2c4e0b7a..."}))]
pub struct SessionInput {
    /// The one-time code of the redirect from the callback.
    pub code: String,
}

/// Exchange the one-time code of an identity-provider sign-in for a token
/// pair. A code works once, within 60 seconds.
#[utoipa::path(
    tag = "sign-in",
    request_body(content = SessionInput, content_type = "application/json"),
    responses(
        (status = 200, body = crate::views::staff::TokenPair),
        (status = 401, body = Problem, content_type = "application/problem+json", description = "`/problems/unauthorized`: the code is unknown, used or expired, or the account was deactivated since",
            example = json!({"type": "/problems/unauthorized", "title": "Authentication required", "status": 401, "detail": "the sign-in code is not valid (unknown, used or older than 60 seconds)"})),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "`/problems/oidc-not-configured`: no identity provider is configured"),
        (status = 503, body = Problem, content_type = "application/problem+json", description = "The database is unavailable"),
        BodyErrors,
    )
)]
#[post("/v1/auth/session")]
async fn create_session(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    configured(&state)?;
    let input: SessionInput = body::json(&req, payload).await?;
    let invalid = || {
        ApiError::Unauthorized(
            "the sign-in code is not valid (unknown, used or older than 60 seconds)".into(),
        )
    };
    let mut conn = state.pool.get().await?;
    let id = oidc::redeem_code(&mut conn, &input.code)
        .await?
        .ok_or_else(invalid)?;
    let (person, session) = match staff::start_session(&mut conn, id).await {
        Ok(started) => started,
        Err(sigap_store::error::Error::NotFound) => return Err(invalid()),
        Err(e) => return Err(e.into()),
    };
    tracing::info!(staff_id = %person.id, sid = %session.sid, "staff signed in through the identity provider");
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(token_pair(&state, &person, session)?))
}
