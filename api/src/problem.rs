//! The api's one error type, rendered as RFC 9457 `application/problem+json`
//! with a stable `type` per kind of error.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use sigap_domain::FieldError;
use sigap_domain::Status;
use sigap_store::Error as CoreError;
use utoipa::ToSchema;

/// An RFC 9457 problem.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "/problems/validation", "title": "The request is not valid", "status": 422,
    "detail": "2 fields are not valid",
    "errors": [{"field": "region_code", "message": "is not a known region"}]
}))]
pub struct Problem {
    /// Stable identifier of the kind of problem (`/problems/validation`, …).
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The invalid fields, for validation problems.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// OAuth2 error code (`invalid_client`, `unsupported_grant_type`, …), on the token endpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Statuses a report may move to, for illegal transitions.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Status>>)]
    pub allowed: Option<Vec<Status>>,
    /// What keeps a case from being resolved (`/problems/work-pending`):
    /// `beneficiaries` (id, ordinal, status) not yet served nor ended,
    /// `services` (id, beneficiary_id, component, item, due_on) still
    /// planned, at most 50 of each listed, with their totals
    /// `beneficiaries_pending` and `services_planned`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub pending: Option<serde_json::Value>,
}

#[derive(thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("the request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    PreconditionRequired(String),
    /// A resource that existed and is gone for good (an expired export).
    #[error("{0}")]
    Gone(String),
    /// Unknown email, inactive account or wrong password (or TOTP code):
    /// one answer for all.
    #[error("the email, password or code is not right")]
    InvalidCredentials,
    /// The password is right, and the account needs a TOTP code too.
    #[error("this account needs a TOTP code: send it as `totp`")]
    TotpRequired,
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    /// An OAuth2 token-endpoint error (RFC 6749 §5.2), with its `error` code.
    #[error("{1}")]
    OAuth(&'static str, String),
    #[error(transparent)]
    Core(#[from] CoreError),
    #[error("internal error: {0}")]
    Internal(String),
    /// No identity provider is configured (`SIGAP_OIDC_*`).
    #[error("this server has no identity provider (SIGAP_OIDC_ISSUER)")]
    OidcNotConfigured,
    /// A service Sigap depends on (the identity provider) failed.
    #[error("{0}")]
    BadGateway(String),
}

/// Logged by the request tracer: only the kind of error, never field
/// messages, which can echo input values (names, phone numbers).
impl std::fmt::Debug for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (kind, _, status) = self.kind();
        match self {
            ApiError::Core(CoreError::Database(e)) => write!(f, "{kind} ({status}): {e}"),
            ApiError::Internal(e) => write!(f, "{kind} ({status}): {e}"),
            ApiError::Core(CoreError::Unavailable(e)) => write!(f, "{kind} ({status}): {e}"),
            _ => write!(f, "{kind} ({status})"),
        }
    }
}

impl From<Vec<FieldError>> for ApiError {
    fn from(errors: Vec<FieldError>) -> ApiError {
        ApiError::Core(CoreError::Validation(errors))
    }
}

impl From<sigap_store::db::PoolError> for ApiError {
    fn from(e: sigap_store::db::PoolError) -> ApiError {
        ApiError::Core(e.into())
    }
}

impl ApiError {
    /// Kind, title and status: the one place errors meet HTTP.
    fn kind(&self) -> (&'static str, &'static str, StatusCode) {
        use CoreError as C;
        match self {
            ApiError::Unauthorized(_) => (
                "unauthorized",
                "Authentication required",
                StatusCode::UNAUTHORIZED,
            ),
            ApiError::InvalidCredentials => (
                "invalid-credentials",
                "Sign-in failed",
                StatusCode::UNAUTHORIZED,
            ),
            ApiError::TotpRequired => (
                "totp-required",
                "A TOTP code is required",
                StatusCode::UNAUTHORIZED,
            ),
            ApiError::Forbidden(_) | ApiError::Core(C::Forbidden(_)) => {
                ("forbidden", "Not allowed", StatusCode::FORBIDDEN)
            }
            ApiError::NotFound(_) | ApiError::Core(C::NotFound) => {
                ("not-found", "Not found", StatusCode::NOT_FOUND)
            }
            ApiError::BadRequest(_) => (
                "malformed-request",
                "The request is malformed",
                StatusCode::BAD_REQUEST,
            ),
            ApiError::PayloadTooLarge(_) => (
                "payload-too-large",
                "The request body is too large",
                StatusCode::PAYLOAD_TOO_LARGE,
            ),
            ApiError::UnsupportedMediaType(_) => (
                "unsupported-media-type",
                "Unsupported content type",
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ),
            ApiError::Gone(_) => ("gone", "No longer available", StatusCode::GONE),
            ApiError::PreconditionRequired(_) => (
                "precondition-required",
                "A precondition header is required",
                StatusCode::PRECONDITION_REQUIRED,
            ),
            ApiError::OAuth("invalid_client", _) => (
                "invalid-client",
                "Client authentication failed",
                StatusCode::UNAUTHORIZED,
            ),
            ApiError::OAuth(_, _) => (
                "invalid-token-request",
                "The token request is not valid",
                StatusCode::BAD_REQUEST,
            ),
            ApiError::TooManyRequests { .. } => (
                "rate-limited",
                "Too many requests",
                StatusCode::TOO_MANY_REQUESTS,
            ),
            ApiError::Core(C::Validation(_)) => (
                "validation",
                "The request is not valid",
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            ApiError::Core(C::IdempotencyMismatch) => (
                "idempotency-key-reused",
                "Idempotency-Key reused with another body",
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            ApiError::Core(C::IdempotencyInFlight) => (
                "idempotency-key-in-flight",
                "A request with this Idempotency-Key is in progress",
                StatusCode::CONFLICT,
            ),
            ApiError::Core(C::IllegalTransition(_)) => (
                "illegal-transition",
                "Illegal status transition",
                StatusCode::CONFLICT,
            ),
            ApiError::Core(C::Conflict(_)) => ("conflict", "Conflict", StatusCode::CONFLICT),
            ApiError::Core(C::WorkPending(_)) => (
                "work-pending",
                "Work on the case is pending",
                StatusCode::CONFLICT,
            ),
            ApiError::Core(C::StaleVersion { .. }) => (
                "stale-version",
                "The report has changed",
                StatusCode::PRECONDITION_FAILED,
            ),
            ApiError::Core(C::Unavailable(_)) => (
                "unavailable",
                "The service is temporarily unavailable",
                StatusCode::SERVICE_UNAVAILABLE,
            ),
            ApiError::OidcNotConfigured => (
                "oidc-not-configured",
                "Sign-in through an identity provider is not configured",
                StatusCode::NOT_FOUND,
            ),
            ApiError::BadGateway(_) => (
                "bad-gateway",
                "An upstream service failed",
                StatusCode::BAD_GATEWAY,
            ),
            ApiError::Core(C::Database(_)) | ApiError::Internal(_) => (
                "internal",
                "Internal server error",
                StatusCode::INTERNAL_SERVER_ERROR,
            ),
        }
    }

    pub fn problem(&self) -> Problem {
        let (kind, title, status) = self.kind();
        let detail = match self {
            ApiError::Core(CoreError::Validation(errors)) => {
                format!("{} field(s) are not valid", errors.len())
            }
            // Unexpected errors are logged, never shown.
            ApiError::Core(CoreError::Database(_)) | ApiError::Internal(_) => {
                "an unexpected error occurred; it has been logged".to_owned()
            }
            ApiError::Core(CoreError::Unavailable(_)) => {
                "the database is unavailable; retry shortly".to_owned()
            }
            ApiError::Core(CoreError::IllegalTransition(t)) => format!(
                "{t}; allowed from {}: {}",
                t.from,
                if t.allowed.is_empty() {
                    "none (final status)".to_owned()
                } else {
                    t.allowed
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ),
            ApiError::Core(CoreError::WorkPending(p)) => format!(
                "the case cannot be resolved yet: {} person(s) not served nor ended, {} service(s) still planned",
                p.beneficiaries_pending, p.services_planned
            ),
            other => other.to_string(),
        };
        Problem {
            kind: format!("/problems/{kind}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail,
            errors: match self {
                ApiError::Core(CoreError::Validation(errors)) => Some(errors.clone()),
                _ => None,
            },
            error: match self {
                ApiError::OAuth(code, _) => Some((*code).to_owned()),
                _ => None,
            },
            allowed: match self {
                ApiError::Core(CoreError::IllegalTransition(t)) => Some(t.allowed.clone()),
                _ => None,
            },
            pending: match self {
                ApiError::Core(CoreError::WorkPending(p)) => {
                    Some(serde_json::to_value(p).expect("pending work serializes"))
                }
                _ => None,
            },
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.kind().2
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let mut response = HttpResponse::build(status);
        response.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        ));
        match self {
            ApiError::Unauthorized(_) => {
                response
                    .insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
            }
            ApiError::TooManyRequests { retry_after_secs } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            ApiError::Core(CoreError::Unavailable(_)) => {
                response.insert_header((header::RETRY_AFTER, "5"));
            }
            _ => {}
        }
        response.body(serde_json::to_string(&self.problem()).expect("problems serialize"))
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Error responses shared by every authenticated endpoint.
#[derive(utoipa::IntoResponses)]
pub enum AuthErrors {
    /// Missing, expired, wrongly signed or otherwise invalid bearer token, or
    /// one of a revoked client.
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthorized(Problem),
    /// The caller's role may not do this, or an integrator's token lacks the
    /// scope the operation lists (the detail names it).
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(Problem),
    /// The database is unavailable; retry after the `Retry-After` seconds.
    #[response(status = 503, content_type = "application/problem+json")]
    Unavailable(Problem),
}

/// Error responses of every endpoint that takes a JSON body.
#[derive(utoipa::IntoResponses)]
pub enum BodyErrors {
    /// Malformed JSON.
    #[response(status = 400, content_type = "application/problem+json")]
    Malformed(Problem),
    /// Body larger than 64 KiB.
    #[response(status = 413, content_type = "application/problem+json")]
    TooLarge(Problem),
    /// Not JSON.
    #[response(status = 415, content_type = "application/problem+json")]
    NotJson(Problem),
    /// Invalid fields, listed in `errors`.
    #[response(status = 422, content_type = "application/problem+json")]
    Invalid(Problem),
}
