//! API clients and the OAuth2 client-credentials grant.

use crate::auth::Auth;
use crate::body;
use crate::client_auth::Refusal;
use crate::page::Page;
use crate::problem::{ApiError, ApiResult, AuthErrors, BodyErrors, Problem};
use crate::rate_limit::client_address;
use crate::startup::AppState;
use crate::strict_json;
use crate::views::clients::{ClientView, NewClient};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use base64::Engine;
use serde::{Deserialize, Serialize};
use sigap_domain::Role;
use sigap_runtime::auth::Scope;
use sigap_store::FieldError;
use sigap_store::clients;
use std::time::Duration;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_client)
        .service(list_clients)
        .service(delete_client)
        .service(issue_token);
}

/// Lifetime of an integrator's access token.
const TOKEN_TTL: Duration = Duration::from_secs(15 * 60);

/// Body of `POST /v1/clients`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"name": "WhatsApp bot Dinsos Sumbar", "scopes": ["reports:write", "reports:read"]}))]
pub struct ClientInput {
    /// 1 to 200 characters, not all blank (surrounding blanks are dropped).
    #[schema(max_length = 200, pattern = r"^[^\x00]*[^\s\x00][^\x00]*$")]
    pub name: String,
    #[serde(default)]
    #[schema(schema_with = scope_list)]
    pub scopes: Vec<String>,
}

/// The scopes a client may hold, from the one list Sigap enforces.
fn scope_list() -> utoipa::openapi::schema::Array {
    utoipa::openapi::schema::ArrayBuilder::new()
        .items(
            utoipa::openapi::ObjectBuilder::new()
                .schema_type(utoipa::openapi::Type::String)
                .enum_values(Some(Scope::ALL.map(Scope::as_str))),
        )
        .max_items(Some(Scope::ALL.len()))
        .unique_items(true)
        .description(Some(
            "Scopes carried into the client's tokens, each at most once: `reports:write` (file \
             reports), `reports:read` (read the reports it filed), `webhooks` (manage its webhook \
             subscriptions), `open311` (use the Open311 facade with its `api_key`). Any other is \
             refused (422).",
        ))
        .build()
}

/// Create an API client (admin). The secret is in this answer only.
#[utoipa::path(
    tag = "clients",
    request_body(content = ClientInput, content_type = "application/json"),
    security(("bearer" = [])),
    responses((status = 201, body = NewClient), BodyErrors, AuthErrors)
)]
#[post("/v1/clients")]
async fn create_client(
    req: HttpRequest,
    payload: web::Payload,
    auth: Auth,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let claims = auth.require(&[Role::Admin])?;
    let input: ClientInput = body::json(&req, payload).await?;
    let name = input.name.trim();
    let mut errors = Vec::new();
    if name.is_empty() || name.chars().count() > 200 {
        errors.push(FieldError::new("name", "must be 1 to 200 characters"));
    }
    for (i, scope) in input.scopes.iter().enumerate() {
        if Scope::parse(scope).is_none() {
            errors.push(FieldError::new(
                format!("scopes[{i}]"),
                format!("must be one of: {}", Scope::expected()),
            ));
        } else if input.scopes[..i].contains(scope) {
            errors.push(FieldError::new(format!("scopes[{i}]"), "is given twice"));
        }
    }
    if input.scopes.len() > Scope::ALL.len() {
        errors.push(FieldError::new(
            "scopes",
            format!("at most {} scopes", Scope::ALL.len()),
        ));
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let mut conn = state.pool.get().await?;
    let client = clients::create(&mut conn, name, &input.scopes, &claims.sub).await?;
    tracing::info!(client_id = %client.client_id, "api client created");
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(NewClient::from(client)))
}

/// List API clients (admin), without secrets.
#[utoipa::path(tag = "clients", security(("bearer" = [])), responses((status = 200, body = Page<ClientView>), AuthErrors))]
#[get("/v1/clients")]
async fn list_clients(
    auth: Auth,
    state: web::Data<AppState>,
) -> ApiResult<web::Json<Page<ClientView>>> {
    auth.require(&[Role::Admin])?;
    let mut conn = state.pool.get().await?;
    Ok(web::Json(Page {
        items: clients::list(&mut conn)
            .await?
            .into_iter()
            .map(ClientView::from)
            .collect(),
        next_cursor: None,
    }))
}

/// Revoke an API client (admin): its credentials stop working at once.
#[utoipa::path(
    tag = "clients",
    params(("id" = String, Path, example = "cli_0123456789abcdef")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such client"),
        AuthErrors,
    )
)]
#[delete("/v1/clients/{id}")]
async fn delete_client(
    auth: Auth,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    auth.require(&[Role::Admin])?;
    // No client id holds NUL, which PostgreSQL text cannot.
    if id.contains('\0') {
        return Err(ApiError::NotFound("no such client".into()));
    }
    let mut conn = state.pool.get().await?;
    clients::revoke(&mut conn, &id).await?;
    // Other api processes learn it from the store's notification within
    // moments; this one knows now, so that even a remembered secret stops
    // working for the next request.
    state.revoked.insert(&id);
    tracing::info!(client_id = %id, "api client revoked");
    Ok(HttpResponse::NoContent().finish())
}

/// The one grant of `POST /v1/auth/token`.
#[derive(Debug, Clone, Copy, ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum GrantType {
    ClientCredentials,
}

impl GrantType {
    fn as_str(self) -> &'static str {
        match self {
            GrantType::ClientCredentials => "client_credentials",
        }
    }
}

/// Body of `POST /v1/auth/token`, as a form (RFC 6749) or JSON.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// Any other grant (or none) is refused with `unsupported_grant_type`.
    #[schema(value_type = GrantType, required = true)]
    pub grant_type: Option<String>,
    /// With `client_secret`, unless both are sent with HTTP Basic
    /// authentication (`invalid_request` when neither).
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// Ignored: tokens carry all of the client's scopes.
    pub scope: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds.
    pub expires_in: u64,
    pub scope: String,
}

/// Client credentials from HTTP Basic authentication, if sent.
fn basic_credentials(req: &HttpRequest) -> Option<(String, String)> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    parse_basic(value)
}

/// `Basic <base64(id:secret)>`: the scheme is case-insensitive (RFC 9110
/// 11.1), and the id and secret are form-urlencoded before encoding
/// (RFC 6749 2.3.1), so they are decoded after splitting at the colon.
fn parse_basic(value: &str) -> Option<(String, String)> {
    let (scheme, encoded) = value.trim_start().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((form_decode(id)?, form_decode(secret)?))
}

/// One `application/x-www-form-urlencoded` value: `+` is a space, `%XX` a
/// byte; `None` when the bytes are not UTF-8.
fn form_decode(text: &str) -> Option<String> {
    let spaced = text.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .ok()
        .map(|decoded| decoded.into_owned())
}

/// OAuth2 client-credentials grant: an integrator token for a client.
#[utoipa::path(
    tag = "clients",
    request_body(
        content(
            (TokenRequest = "application/x-www-form-urlencoded"),
            (TokenRequest = "application/json"),
        ),
    ),
    responses(
        (status = 200, body = TokenResponse),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "Malformed request or unsupported grant type (`error` says which)"),
        (status = 401, body = Problem, content_type = "application/problem+json", description = "Unknown or revoked client, or wrong secret (`error`: invalid_client)"),
        (status = 413, body = Problem, content_type = "application/problem+json", description = "Body too large"),
        (status = 429, body = Problem, content_type = "application/problem+json", description = "Too many failed attempts for this client or from this address, or too many secrets being checked at once; retry after Retry-After seconds",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, body = Problem, content_type = "application/problem+json", description = "The database is unavailable"),
    )
)]
#[post("/v1/auth/token")]
async fn issue_token(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let raw = body::read_bytes(&req, payload).await?;
    let request: TokenRequest = match body::media_type(&req).as_deref() {
        Some("application/json") => serde_json::from_slice(&raw)
            .and_then(strict_json::from_value)
            .map_err(|e| ApiError::OAuth("invalid_request", format!("malformed JSON: {e}")))?,
        _ => serde_urlencoded::from_bytes(&raw)
            .map_err(|e| ApiError::OAuth("invalid_request", format!("malformed form: {e}")))?,
    };
    if request.grant_type.as_deref() != Some(GrantType::ClientCredentials.as_str()) {
        return Err(ApiError::OAuth(
            "unsupported_grant_type",
            "grant_type must be client_credentials".into(),
        ));
    }
    let (client_id, secret) = match (
        basic_credentials(&req),
        request.client_id,
        request.client_secret,
    ) {
        (Some(credentials), _, _) => credentials,
        (None, Some(id), Some(secret)) => (id, secret),
        _ => {
            return Err(ApiError::OAuth(
                "invalid_request",
                "client_id and client_secret are required (form fields or HTTP Basic)".into(),
            ));
        }
    };
    let client = state
        .client_auth
        .authenticate(
            &state.pool,
            &client_id,
            &secret,
            client_address(&req, &state.config.trusted_proxies),
        )
        .await
        .map_err(|refusal| match refusal {
            Refusal::Invalid => ApiError::OAuth(
                "invalid_client",
                "unknown or revoked client, or wrong secret".into(),
            ),
            Refusal::TooMany { retry_after_secs } => ApiError::TooManyRequests { retry_after_secs },
            Refusal::Store(e) => ApiError::Core(e),
        })?;
    let scope = client.scopes.join(" ");
    let mut claims = state
        .tokens
        .claims(&client.client_id, Role::Integrator, TOKEN_TTL);
    claims.scope = Some(scope.clone());
    let access_token = state
        .tokens
        .sign(&claims)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(TokenResponse {
            access_token,
            token_type: "Bearer",
            expires_in: TOKEN_TTL.as_secs(),
            scope,
        }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(credentials: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(credentials)
    }

    #[test]
    fn basic_credentials_are_parsed_case_insensitively_and_url_decoded() {
        let expected = Some(("cli_0123".to_owned(), "s3cret".to_owned()));
        for scheme in ["Basic", "basic", "BASIC", "bAsIc"] {
            assert_eq!(
                parse_basic(&format!("{scheme} {}", basic("cli_0123:s3cret"))),
                expected,
                "{scheme}"
            );
        }
        assert_eq!(
            parse_basic(&format!("Basic {}", basic("cli%5F0123:a%3Ab+c%25"))),
            Some(("cli_0123".to_owned(), "a:b c%".to_owned())),
            "percent-escapes and + decode after splitting at the first colon"
        );
        assert_eq!(parse_basic(&format!("Bearer {}", basic("a:b"))), None);
        assert_eq!(parse_basic(&format!("Basic {}", basic("no-colon"))), None);
        assert_eq!(parse_basic(&format!("Basic {}", basic("a:%FF"))), None);
    }
}
