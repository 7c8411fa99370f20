//! The operator console: static files embedded in the binary and served under
//! a strict Content-Security-Policy, its configuration, and the development
//! sign-in (`POST /v1/dev/token`) that exists only with `SIGAP_ENV=dev`.

use crate::body;
use crate::problem::{ApiError, ApiResult, BodyErrors, Problem};
use crate::startup::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sigap_domain::Role;
use sigap_runtime::config::{Config, JwtKey};
use sigap_store::FieldError;
use sigap_store::{regions, units};
use std::sync::LazyLock;
use std::time::Duration;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(redirect_console)
        .service(get_console)
        .service(get_console_config)
        .service(get_console_asset)
        .service(create_dev_token);
}

/// Everything the page loads comes from this origin; nothing inline, no
/// framing, no plugins.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
    frame-ancestors 'none'";

/// Lifetime of a development token.
const DEV_TOKEN_TTL: Duration = Duration::from_secs(8 * 3600);

/// A file of the console, embedded at build time.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const INDEX: Asset = Asset {
    name: "index.html",
    content_type: "text/html; charset=utf-8",
    body: include_bytes!("../../console/index.html"),
};

/// A script of the console, from `api/console/`.
macro_rules! script {
    ($name:literal) => {
        Asset {
            name: $name,
            content_type: "text/javascript; charset=utf-8",
            body: include_bytes!(concat!("../../console/", $name)),
        }
    };
}

const ASSETS: &[Asset] = &[
    script!("app.js"),
    script!("state.js"),
    script!("page.js"),
    script!("actions.js"),
    script!("signin.js"),
    script!("staff.js"),
    script!("intake.js"),
    script!("reports.js"),
    script!("case.js"),
    script!("queue.js"),
    script!("triage.js"),
    script!("stats.js"),
    script!("directory.js"),
    script!("holidays.js"),
    script!("api.js"),
    script!("i18n.js"),
    script!("dom.js"),
    script!("charts.js"),
    script!("map.js"),
    script!("files.js"),
    script!("casework.js"),
    script!("subjects.js"),
    Asset {
        name: "regencies.json",
        content_type: "application/json",
        body: include_bytes!("../../../data/regency_map.json"),
    },
    Asset {
        name: "style.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../../console/style.css"),
    },
    Asset {
        name: "favicon.svg",
        content_type: "image/svg+xml",
        body: include_bytes!("../../console/favicon.svg"),
    },
];

/// Strong validators of the embedded files, by name.
static ETAGS: LazyLock<Vec<(&'static str, String)>> = LazyLock::new(|| {
    std::iter::once(&INDEX)
        .chain(ASSETS)
        .map(|a| {
            let digest = Sha256::digest(a.body);
            (a.name, format!("\"{}\"", hex::encode(&digest[..8])))
        })
        .collect()
});

/// Serves an embedded file: `no-cache` with an ETag, so that a new build is
/// picked up at once while an unchanged file costs a 304.
fn serve(req: &HttpRequest, asset: &Asset) -> HttpResponse {
    let etag = ETAGS
        .iter()
        .find(|(name, _)| *name == asset.name)
        .map(|(_, etag)| etag.as_str())
        .unwrap_or_default();
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag));
    let mut response = if matches {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"));
    if asset.name == INDEX.name {
        response
            .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
            .insert_header((header::X_FRAME_OPTIONS, "DENY"));
    }
    if matches {
        response.finish()
    } else {
        response
            .insert_header((header::CONTENT_TYPE, asset.content_type))
            .body(asset.body)
    }
}

/// The console lives under `/console/`, so that its relative links resolve.
#[utoipa::path(
    tag = "console",
    responses((status = 308, description = "To /console/", headers(("Location" = String))))
)]
#[get("/console")]
async fn redirect_console() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/console/"))
        .finish()
}

/// The operator console (HTML). Sign in with a staff account (email and
/// password, or the identity provider when one is configured), or in
/// development with a role picker or a token (see `GET /console/config.json`).
#[utoipa::path(
    tag = "console",
    params(("If-None-Match" = Option<String>, Header, nullable = false, description = "The ETag of the last answer")),
    responses(
        (status = 200, description = "The page", content_type = "text/html", body = String,
            headers(("ETag" = String), ("Content-Security-Policy" = String))),
        (status = 304, description = "Unchanged since the given ETag"),
    )
)]
#[get("/console/")]
async fn get_console(req: HttpRequest) -> HttpResponse {
    serve(&req, &INDEX)
}

/// What the console needs to know about this server.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsoleConfig {
    /// True when `POST /v1/dev/token` mints tokens (`SIGAP_ENV=dev`): the
    /// console then offers a role picker besides the token form.
    pub dev: bool,
    /// True when people may sign in through the organisation's identity
    /// provider (`GET /v1/auth/oidc/start`): the console then offers
    /// "Masuk dengan SSO".
    pub oidc: bool,
}

/// The console's configuration.
#[utoipa::path(
    tag = "console",
    responses((status = 200, body = ConsoleConfig))
)]
#[get("/console/config.json")]
async fn get_console_config(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(ConsoleConfig {
            dev: dev_sign_in(&state.config),
            oidc: state.oidc.is_some(),
        })
}

/// A script, style sheet, icon or data file of the console (`regencies.json`
/// is the simplified regency map the directory page draws).
#[utoipa::path(
    tag = "console",
    params(
        ("asset" = String, Path, description = "A script (app.js and its modules: state.js, page.js, actions.js, signin.js, intake.js, reports.js, case.js, queue.js, triage.js, stats.js, directory.js, api.js, i18n.js, dom.js, charts.js, map.js, files.js, casework.js), style.css, favicon.svg or regencies.json", example = "app.js"),
        ("If-None-Match" = Option<String>, Header, nullable = false, description = "The ETag of the last answer"),
    ),
    responses(
        (status = 200, description = "The file",
            content((String = "text/javascript"), (String = "text/css"), (String = "image/svg+xml"), (Object = "application/json")),
            headers(("ETag" = String))),
        (status = 304, description = "Unchanged since the given ETag"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such file"),
    )
)]
#[get("/console/{asset}")]
async fn get_console_asset(req: HttpRequest, name: web::Path<String>) -> ApiResult<HttpResponse> {
    ASSETS
        .iter()
        .find(|a| a.name == name.as_str())
        .map(|asset| serve(&req, asset))
        .ok_or_else(|| ApiError::NotFound(format!("no console file {name}")))
}

/// Whether this server mints development tokens: only in development, and
/// only when it verifies tokens with the secret it signs them with.
fn dev_sign_in(config: &Config) -> bool {
    config.dev && matches!(config.jwt_key, JwtKey::Secret(_))
}

/// Body of `POST /v1/dev/token`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"role": "upt_staff", "unit": "SENTRA-MULYA-JAYA"}))]
pub struct DevTokenInput {
    #[schema(schema_with = dev_role)]
    pub role: Role,
    /// The unit of `upt_staff`, a known one (required for that role, ignored
    /// otherwise).
    #[serde(default)]
    #[schema(example = "SENTRA-MULYA-JAYA", pattern = "^[A-Z0-9-]{1,64}$")]
    pub unit: Option<String>,
    /// The province of `regional`, a known one (required for that role,
    /// ignored otherwise).
    #[serde(default)]
    #[schema(example = "13", pattern = "^[0-9]{2}$")]
    pub region: Option<String>,
}

/// Every role but `integrator`, whose tokens come from `POST /v1/auth/token`.
fn dev_role() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .description(Some(
            "Any role but `integrator`, whose tokens come from `POST /v1/auth/token`.",
        ))
        .enum_values(Some(
            Role::ALL
                .iter()
                .filter(|r| **r != Role::Integrator)
                .map(|r| r.as_str()),
        ))
        .build()
}

/// A development token.
#[derive(Debug, Serialize, ToSchema)]
pub struct DevToken {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds.
    pub expires_in: u64,
}

/// Mint a token for a role, without credentials (development only).
///
/// Exists only when the server runs with `SIGAP_ENV=dev` and an HS256 secret;
/// elsewhere it is 404 like any unknown path. The console's role picker uses
/// it. Integrators get their tokens from `POST /v1/auth/token`.
#[utoipa::path(
    tag = "console",
    request_body(content = DevTokenInput, content_type = "application/json"),
    responses(
        (status = 200, body = DevToken),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "Not a development server"),
        (status = 503, body = Problem, content_type = "application/problem+json", description = "The database is unavailable"),
        BodyErrors,
    )
)]
#[post("/v1/dev/token")]
async fn create_dev_token(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    if !dev_sign_in(&state.config) {
        return Err(ApiError::NotFound(format!(
            "no route for {} {}",
            req.method(),
            req.path()
        )));
    }
    let input: DevTokenInput = body::json(&req, payload).await?;
    let mut errors = Vec::new();
    if matches!(input.role, Role::Integrator) {
        errors.push(FieldError::new(
            "role",
            "integrators get tokens from POST /v1/auth/token",
        ));
    }
    let text = |value: &Option<String>| {
        value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let mut conn = state.pool.get().await?;
    let unit = match (input.role, text(&input.unit)) {
        (Role::UptStaff, None) => {
            errors.push(FieldError::new("unit", "is required for upt_staff"));
            None
        }
        (Role::UptStaff, Some(code)) => {
            let known = units::exists(&mut conn, &code).await?;
            if !known {
                errors.push(FieldError::new("unit", "is not a known unit"));
            }
            Some(code)
        }
        _ => None,
    };
    let region = match (input.role, text(&input.region)) {
        (Role::Regional, None) => {
            errors.push(FieldError::new("region", "is required for regional"));
            None
        }
        (Role::Regional, Some(code)) => {
            let known = regions::province_exists(&mut conn, &code).await?;
            if !known {
                errors.push(FieldError::new("region", "is not a known province"));
            }
            Some(code)
        }
        _ => None,
    };
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let sub = match (&unit, &region) {
        (Some(code), _) | (None, Some(code)) => format!("dev-{}-{code}", input.role),
        (None, None) => format!("dev-{}", input.role),
    };
    let mut claims = state.tokens.claims(&sub, input.role, DEV_TOKEN_TTL);
    claims.unit = unit;
    claims.region = region;
    let access_token = state
        .tokens
        .sign(&claims)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    tracing::info!(role = %input.role, "development token issued");
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(DevToken {
            access_token,
            token_type: "Bearer",
            expires_in: DEV_TOKEN_TTL.as_secs(),
        }))
}
