//! An Open311 GeoReport v2 facade (JSON only), so that existing Open311
//! clients can file and follow reports without learning Sigap's own API.
//!
//! Services are Sigap's categories; a service request is a report, its
//! `service_request_id` the ticket. `api_key` is `<client_id>:<client_secret>`
//! of an API client with the `open311` scope, sent in the `X-Api-Key` header
//! (best: URLs end up in logs) or as a parameter, and a client sees only the
//! reports it filed. Errors use the Open311 shape, `[{"code", "description"}]`,
//! not problem+json.

use crate::body;
use crate::client_auth::Refusal;
use crate::method_not_allowed::DeclaredMethods;
use crate::problem::ApiError;
use crate::query_time;
use crate::rate_limit::client_address;
use crate::startup::AppState;
use crate::views::intake::{LocationInput, REGION_REQUIRED, ReportInput, ReporterInput};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError, get, post, web};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sigap_domain::FieldError;
use sigap_domain::NewReport;
use sigap_domain::working_time::Allowance;
use sigap_domain::{Category, Channel, Need, Role, Status, Urgency};
use sigap_runtime::auth::Scope;
use sigap_store::Error as CoreError;
use sigap_store::clients::Client;
use sigap_store::intake::{self, Filer};
use sigap_store::open311::{self as requests, LIST_LIMIT, RequestFilter, ServiceRequestRow};
use std::collections::HashMap;
use tracing_actix_web::RequestId;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_open311_services)
        .service(get_open311_service)
        .service(create_open311_request)
        .service(list_open311_requests)
        .service(get_open311_request)
        // Registered last: only what no route above matches.
        .route("/open311/{tail:.*}", web::route().to(open311_not_found));
}

/// The `group` of every service.
const GROUP: &str = "social rehabilitation";

// --- Errors ---------------------------------------------------------------

/// One entry of an Open311 error answer.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"code": 400, "description": "description: is required"}))]
pub struct Open311Error {
    /// The HTTP status.
    pub code: u16,
    pub description: String,
}

/// A failed Open311 request: rendered as `[{"code", "description"}, …]` with
/// the same HTTP status.
pub struct Open311Failure {
    status: StatusCode,
    descriptions: Vec<String>,
    /// Logged for server errors, never shown.
    cause: Option<String>,
    /// The methods of the path, for 405.
    allow: Option<String>,
    /// Seconds to wait, for 429.
    retry_after: Option<u64>,
}

impl Open311Failure {
    fn new(status: StatusCode, description: impl Into<String>) -> Open311Failure {
        Open311Failure {
            status,
            descriptions: vec![description.into()],
            cause: None,
            allow: None,
            retry_after: None,
        }
    }

    /// 405 for a documented path asked with a method it does not declare.
    fn method_not_allowed(method: &str, path: &str, allow: &str) -> Open311Failure {
        Open311Failure {
            allow: Some(allow.to_owned()),
            ..Open311Failure::new(
                StatusCode::METHOD_NOT_ALLOWED,
                format!("{path} does not accept {method}; it accepts {allow}"),
            )
        }
    }

    fn bad_request(description: impl Into<String>) -> Open311Failure {
        Open311Failure::new(StatusCode::BAD_REQUEST, description)
    }

    fn forbidden(description: impl Into<String>) -> Open311Failure {
        Open311Failure::new(StatusCode::FORBIDDEN, description)
    }

    fn not_found(description: impl Into<String>) -> Open311Failure {
        Open311Failure::new(StatusCode::NOT_FOUND, description)
    }

    /// One 400 entry per invalid field, named as Open311 names it.
    fn invalid(errors: &[FieldError]) -> Open311Failure {
        Open311Failure {
            status: StatusCode::BAD_REQUEST,
            descriptions: errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect(),
            cause: None,
            allow: None,
            retry_after: None,
        }
    }

    fn server(status: StatusCode, description: &str, cause: String) -> Open311Failure {
        Open311Failure {
            cause: Some(cause),
            ..Open311Failure::new(status, description)
        }
    }
}

/// Logged by the request tracer: the status only, since descriptions can
/// echo input.
impl std::fmt::Debug for Open311Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.cause {
            Some(cause) => write!(f, "open311 {}: {cause}", self.status.as_u16()),
            None => write!(f, "open311 {}", self.status.as_u16()),
        }
    }
}

impl std::fmt::Display for Open311Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.descriptions.join("; "))
    }
}

impl From<CoreError> for Open311Failure {
    fn from(e: CoreError) -> Open311Failure {
        match e {
            CoreError::Validation(errors) => Open311Failure::invalid(&open311_fields(errors)),
            CoreError::NotFound => Open311Failure::not_found("not found"),
            CoreError::Forbidden(m) => Open311Failure::forbidden(m),
            CoreError::Unavailable(cause) => Open311Failure::server(
                StatusCode::SERVICE_UNAVAILABLE,
                "the database is unavailable; retry shortly",
                cause,
            ),
            CoreError::Conflict(_)
            | CoreError::IdempotencyInFlight
            | CoreError::IdempotencyMismatch
            | CoreError::IllegalTransition(_)
            | CoreError::StaleVersion { .. }
            | CoreError::WorkPending(_) => Open311Failure::new(StatusCode::CONFLICT, e.to_string()),
            CoreError::Database(cause) => Open311Failure::server(
                StatusCode::INTERNAL_SERVER_ERROR,
                "an unexpected error occurred; it has been logged",
                cause.to_string(),
            ),
        }
    }
}

impl From<sigap_store::db::PoolError> for Open311Failure {
    fn from(e: sigap_store::db::PoolError) -> Open311Failure {
        CoreError::from(e).into()
    }
}

/// Errors of the shared body reader (413, 400).
impl From<ApiError> for Open311Failure {
    fn from(e: ApiError) -> Open311Failure {
        match e {
            ApiError::Core(core) => core.into(),
            ApiError::Internal(cause) => Open311Failure::server(
                StatusCode::INTERNAL_SERVER_ERROR,
                "an unexpected error occurred; it has been logged",
                cause,
            ),
            other => Open311Failure::new(other.status_code(), other.to_string()),
        }
    }
}

impl ResponseError for Open311Failure {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        if self.status.is_server_error() {
            tracing::error!(error = ?self, "open311 request failed");
        }
        let body: Vec<Open311Error> = self
            .descriptions
            .iter()
            .map(|description| Open311Error {
                code: self.status.as_u16(),
                description: description.clone(),
            })
            .collect();
        let mut response = HttpResponse::build(self.status);
        response.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        ));
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response.insert_header((header::RETRY_AFTER, "5"));
        }
        if let Some(allow) = &self.allow {
            response.insert_header((header::ALLOW, allow.as_str()));
        }
        if let Some(seconds) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        response.body(serde_json::to_string(&body).expect("errors serialize"))
    }
}

type Open311Result<T> = Result<T, Open311Failure>;

/// Anything under `/open311/` that no route matches: 405 with `Allow` for a
/// documented path (as everywhere, from the OpenAPI document), else 404.
async fn open311_not_found(
    req: HttpRequest,
    declared: web::Data<DeclaredMethods>,
) -> Open311Result<HttpResponse> {
    let (method, path) = (req.method().as_str(), req.path());
    Err(match declared.allowed(path) {
        Some(allow) => Open311Failure::method_not_allowed(method, path, allow),
        None => Open311Failure::not_found(format!("no route for {method} {path}")),
    })
}

// --- Reading parameters -----------------------------------------------------

/// Decodes `application/x-www-form-urlencoded` text into fields; a field
/// given twice is refused rather than guessed at.
fn form_fields(text: &[u8]) -> Open311Result<Map<String, Value>> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(text)
        .map_err(|e| Open311Failure::bad_request(format!("malformed form: {e}")))?;
    let mut fields = Map::new();
    for (key, value) in pairs {
        if fields.contains_key(&key) {
            return Err(Open311Failure::bad_request(format!(
                "{key}: appears more than once"
            )));
        }
        fields.insert(key, Value::String(value));
    }
    Ok(fields)
}

/// Flattens a JSON body into form-like fields: scalars become text, and an
/// `attribute` object becomes `attribute[<code>]` fields.
fn json_fields(raw: &[u8]) -> Open311Result<Map<String, Value>> {
    let value: Value = serde_json::from_slice(raw)
        .map_err(|e| Open311Failure::bad_request(format!("malformed JSON: {e}")))?;
    let Value::Object(object) = value else {
        return Err(Open311Failure::bad_request(
            "the body must be a JSON object (or a form)",
        ));
    };
    fn scalar(key: &str, value: Value) -> Open311Result<Option<Value>> {
        let scalar: Option<Open311Scalar> = serde_json::from_value(value).map_err(|_| {
            Open311Failure::bad_request(format!("{key}: must be a string or a number"))
        })?;
        Ok(scalar.map(|s| Value::String(s.into_text())))
    }
    let mut fields = Map::new();
    for (key, value) in object {
        match value {
            Value::Object(attributes) if key == "attribute" => {
                for (code, value) in attributes {
                    let key = format!("attribute[{code}]");
                    if let Some(value) = scalar(&key, value)? {
                        fields.insert(key, value);
                    }
                }
            }
            value => {
                if let Some(value) = scalar(&key, value)? {
                    fields.insert(key, value);
                }
            }
        }
    }
    Ok(fields)
}

/// The value of a field in a JSON body: text, a number or a boolean, all
/// read as text (null is the same as absent).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum Open311Scalar {
    Text(String),
    #[schema(value_type = f64)]
    Number(serde_json::Number),
    Flag(bool),
}

impl Open311Scalar {
    fn into_text(self) -> String {
        match self {
            Open311Scalar::Text(text) => text,
            Open311Scalar::Number(n) => n.to_string(),
            Open311Scalar::Flag(b) => b.to_string(),
        }
    }
}

/// Text fields into a typed struct (every field is optional text, so this
/// fails only on a shape no client sends).
fn typed<T: DeserializeOwned>(fields: Map<String, Value>) -> Open311Result<T> {
    serde_json::from_value(Value::Object(fields))
        .map_err(|e| Open311Failure::bad_request(format!("malformed request: {e}")))
}

/// The query string as a typed struct, with Open311 errors (the app's query
/// extractor would answer problem+json).
fn query<T: DeserializeOwned>(req: &HttpRequest) -> Open311Result<T> {
    typed(form_fields(req.query_string().as_bytes())?)
}

/// Trimmed, and `None` when empty.
fn clean(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// The header that may carry the `api_key`, so that it stays out of URLs
/// (and the logs and proxies that record them).
pub const API_KEY_HEADER: &str = "X-Api-Key";

/// The client behind the `api_key` (`<client_id>:<client_secret>`) of the
/// `X-Api-Key` header, or else of the request (body or query): 403 when it
/// is missing or invalid or the client lacks the `open311` scope, 429 after
/// too many failures. No database connection is held while the secret is
/// checked.
async fn authenticate(
    req: &HttpRequest,
    state: &AppState,
    api_key: &Option<String>,
) -> Open311Result<Client> {
    let header = req
        .headers()
        .get(API_KEY_HEADER)
        .map(|v| v.to_str().map(str::to_owned).ok());
    let api_key = match header {
        Some(Some(value)) => clean(&Some(value)),
        Some(None) => return Err(Open311Failure::forbidden("api_key is not valid")),
        None => clean(api_key),
    };
    let Some(api_key) = api_key else {
        return Err(Open311Failure::forbidden(
            "api_key is required (X-Api-Key header or api_key parameter): \
             <client_id>:<client_secret> of an API client",
        ));
    };
    let invalid = || Open311Failure::forbidden("api_key is not valid");
    let (client_id, secret) = api_key.split_once(':').ok_or_else(invalid)?;
    let client = state
        .client_auth
        .authenticate(
            &state.pool,
            client_id,
            secret,
            client_address(req, &state.config.trusted_proxies),
        )
        .await
        .map_err(|refusal| match refusal {
            Refusal::Invalid => invalid(),
            Refusal::TooMany { retry_after_secs } => Open311Failure {
                retry_after: Some(retry_after_secs),
                ..Open311Failure::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too many requests; retry after Retry-After seconds",
                )
            },
            Refusal::Store(e) => e.into(),
        })?;
    if !client.scopes.iter().any(|s| s == Scope::Open311.as_str()) {
        return Err(Open311Failure::forbidden(format!(
            "this needs the scope {}, which the client does not have",
            Scope::Open311
        )));
    }
    Ok(client)
}

// --- Services -----------------------------------------------------------------

/// One Open311 service: a Sigap category.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "service_code": "elderly", "service_name": "Elderly person",
    "description": "Lanjut usia / Elderly person", "metadata": true, "type": "realtime",
    "keywords": "", "group": "social rehabilitation"
}))]
pub struct Open311Service {
    #[schema(value_type = Category)]
    pub service_code: String,
    /// The English label.
    pub service_name: String,
    /// The Indonesian and English labels.
    pub description: String,
    /// Always true: see `services/{service_code}.json` for the attributes.
    pub metadata: bool,
    /// Always `realtime`.
    #[serde(rename = "type")]
    pub kind: String,
    pub keywords: String,
    pub group: String,
}

impl Open311Service {
    fn new(category: Category) -> Open311Service {
        let (indonesian, english) = category.labels();
        Open311Service {
            service_code: category.as_str().to_owned(),
            service_name: english.to_owned(),
            description: format!("{indonesian} / {english}"),
            metadata: true,
            kind: "realtime".to_owned(),
            keywords: String::new(),
            group: GROUP.to_owned(),
        }
    }
}

/// A service's attributes (Open311 "service definition").
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceDefinition {
    #[schema(value_type = Category)]
    pub service_code: String,
    pub attributes: Vec<ServiceAttribute>,
}

/// One attribute, sent as `attribute[<code>]`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceAttribute {
    /// Always true: the client supplies the value.
    pub variable: bool,
    pub code: String,
    /// `string` or `singlevaluelist`.
    pub datatype: String,
    pub required: bool,
    pub datatype_description: Option<String>,
    pub order: u32,
    pub description: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<AttributeValue>,
}

/// A value of a list attribute.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttributeValue {
    pub key: String,
    pub name: String,
}

/// `1 h`, `15 min`, `3 s`.
fn readable(allowance: Allowance) -> String {
    let duration = match allowance {
        Allowance::Wall(duration) => duration,
        Allowance::WorkingDays(n) => return format!("{n} working days"),
        Allowance::WorkingHours(n) => return format!("{n} working hours"),
    };
    let secs = duration.as_secs();
    match secs {
        s if s >= 3600 && s % 3600 == 0 => format!("{} h", s / 3600),
        s if s >= 60 && s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

fn attributes(state: &AppState) -> Vec<ServiceAttribute> {
    vec![
        ServiceAttribute {
            variable: true,
            code: "region_code".into(),
            datatype: "string".into(),
            required: false,
            datatype_description: Some(
                "Kemendagri code of a regency (13.03) or province (13)".into(),
            ),
            order: 1,
            description: "Where the case is. Without it, the regency whose boundary contains \
                lat/long; one of the two is required. A code the coordinates disagree with is \
                kept (the request is routed by it) and noted in its history."
                .into(),
            values: Vec::new(),
        },
        ServiceAttribute {
            variable: true,
            code: "need".into(),
            datatype: "singlevaluelist".into(),
            required: false,
            datatype_description: None,
            order: 2,
            description: "What the person needs (default: other)".into(),
            values: Need::ALL
                .iter()
                .map(|need| AttributeValue {
                    key: need.as_str().to_owned(),
                    name: need.as_str().replace('_', " "),
                })
                .collect(),
        },
        ServiceAttribute {
            variable: true,
            code: "urgency".into(),
            datatype: "singlevaluelist".into(),
            required: false,
            datatype_description: None,
            order: 3,
            description: "How soon a unit must acknowledge the case (default: normal)".into(),
            values: Urgency::ALL
                .iter()
                .map(|urgency| AttributeValue {
                    key: urgency.as_str().to_owned(),
                    name: format!(
                        "{urgency} (acknowledged within {})",
                        readable(state.config.sla.for_urgency(*urgency))
                    ),
                })
                .collect(),
        },
    ]
}

/// Open311 services: one per Sigap category (no `api_key` needed).
#[utoipa::path(
    tag = "open311",
    responses(
        (status = 200, body = Vec<Open311Service>, description = "Every category, as a service"),
    )
)]
#[get("/open311/v2/services.json")]
async fn list_open311_services() -> web::Json<Vec<Open311Service>> {
    web::Json(
        Category::ALL
            .iter()
            .map(|c| Open311Service::new(*c))
            .collect(),
    )
}

/// A service's attributes: `region_code`, `need` and `urgency` (no `api_key`
/// needed).
#[utoipa::path(
    tag = "open311",
    params(("service_code" = Category, Path, description = "A Sigap category", example = "elderly")),
    responses(
        (status = 200, body = ServiceDefinition),
        (status = 404, body = Vec<Open311Error>, description = "No such service"),
    )
)]
#[get("/open311/v2/services/{service_code}.json")]
async fn get_open311_service(
    state: web::Data<AppState>,
    service_code: web::Path<String>,
) -> Open311Result<web::Json<ServiceDefinition>> {
    let category = Category::parse(&service_code).ok_or_else(|| {
        Open311Failure::not_found(format!(
            "no such service; services are: {}",
            Category::expected()
        ))
    })?;
    Ok(web::Json(ServiceDefinition {
        service_code: category.as_str().to_owned(),
        attributes: attributes(&state),
    }))
}

// --- Filing a request ---------------------------------------------------------

/// Body of `POST /open311/v2/requests.json`, as a form (or a JSON object, with
/// attributes either as `attribute[<code>]` keys or an `attribute` object of
/// them). Numbers may be sent as text. `email`, `device_id`, `account_id`,
/// `media_url` and any other field are accepted and ignored: Sigap does not
/// keep them. In JSON, every value is text, a number, a boolean or null.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(example = json!({
    "api_key": "cli_0123456789abcdef:<secret>", "service_code": "elderly",
    "lat": "-0.69", "long": "100.95", "address_string": "Jorong Koto Tuo, Kec. Kamang Baru",
    "description": "Lansia tinggal sendiri, butuh kursi roda.",
    "first_name": "Siti", "last_name": "Aminah", "phone": "081234567890",
    "attribute[urgency]": "high", "attribute[need]": "assistive_device"
}))]
pub struct ServiceRequestForm {
    /// `<client_id>:<client_secret>` of an API client with the `open311`
    /// scope. Required here, in the query string or in the `X-Api-Key`
    /// header (which wins).
    pub api_key: Option<String>,
    /// A Sigap category.
    #[schema(value_type = Category, required = true)]
    pub service_code: Option<String>,
    /// WGS84 latitude, inside Indonesia (-11 to 6), as a decimal number.
    #[schema(example = "-0.69", pattern = r"^\s*-?[0-9]+(\.[0-9]+)?\s*$")]
    pub lat: Option<String>,
    /// WGS84 longitude, inside Indonesia (95 to 141.5), as a decimal number.
    #[schema(example = "100.95", pattern = r"^\s*-?[0-9]+(\.[0-9]+)?\s*$")]
    pub long: Option<String>,
    #[schema(max_length = 500)]
    pub address_string: Option<String>,
    /// 10 to 5,000 characters.
    #[schema(required = true, min_length = 10, max_length = 5000)]
    pub description: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// Indonesian number, `+62…` or `08…`.
    pub phone: Option<String>,
    /// Accepted and ignored.
    pub email: Option<String>,
    /// Kemendagri regency or province code; without it, derived from lat/long.
    #[serde(rename = "attribute[region_code]")]
    #[schema(example = "13.03")]
    pub region_code: Option<String>,
    /// Default `other`.
    #[serde(rename = "attribute[need]")]
    #[schema(value_type = Option<Need>)]
    pub need: Option<String>,
    /// Default `normal`.
    #[serde(rename = "attribute[urgency]")]
    #[schema(value_type = Option<Urgency>)]
    pub urgency: Option<String>,
    /// Any other field: accepted and ignored.
    #[serde(flatten)]
    #[schema(value_type = HashMap<String, Open311Scalar>)]
    pub other: HashMap<String, Value>,
}

/// The answer to a filed request.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "service_request_id": "CC-2026-000123",
    "service_notice": "Received as CC-2026-000123; it is routed to a unit within seconds.",
    "account_id": null
}))]
pub struct CreatedRequest {
    /// The ticket.
    pub service_request_id: String,
    pub service_notice: String,
    /// Always null: Sigap has no reporter accounts.
    pub account_id: Option<String>,
}

/// Renames `ReportInput` fields to the Open311 fields they came from.
fn open311_fields(errors: Vec<FieldError>) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|e| {
            let field = match e.field.as_str() {
                "category" => "service_code",
                "need" => "attribute[need]",
                "urgency" => "attribute[urgency]",
                "region_code" => "attribute[region_code]",
                "address" => "address_string",
                "location.lat" => "lat",
                "location.lon" => "long",
                "location" => "lat, long",
                "reporter.name" => "first_name, last_name",
                "reporter.phone" => "phone",
                other => other,
            };
            let message = if field == "attribute[region_code]" && e.message == REGION_REQUIRED {
                "is required unless lat and long (inside Indonesia) are given".to_owned()
            } else {
                e.message
            };
            FieldError::new(field, message)
        })
        .collect()
}

/// A number field: `None` when absent, an error when not a number.
fn number(errors: &mut Vec<FieldError>, field: &str, value: &Option<String>) -> Option<f64> {
    let text = clean(value)?;
    match text.parse::<f64>() {
        Ok(n) if n.is_finite() => Some(n),
        _ => {
            errors.push(FieldError::new(field, "must be a number"));
            None
        }
    }
}

/// The Sigap report for an Open311 request, or every field error found.
fn parse_request(form: &ServiceRequestForm) -> Open311Result<NewReport> {
    let mut errors = Vec::new();
    let lat = number(&mut errors, "lat", &form.lat);
    let lon = number(&mut errors, "long", &form.long);
    let (lat_given, lon_given) = (clean(&form.lat).is_some(), clean(&form.long).is_some());
    if lat_given && !lon_given {
        errors.push(FieldError::new("long", "is required with lat"));
    }
    if lon_given && !lat_given {
        errors.push(FieldError::new("lat", "is required with long"));
    }
    let location = lat.zip(lon).map(|(lat, lon)| LocationInput {
        lat: Some(lat),
        lon: Some(lon),
    });
    // Without `attribute[region_code]`, the intake places the report in the
    // regency whose boundary contains lat/long.
    let region_code = clean(&form.region_code);
    let name = [clean(&form.first_name), clean(&form.last_name)]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let phone = clean(&form.phone);
    let reporter = (!name.is_empty() || phone.is_some()).then(|| ReporterInput {
        name: Some(name).filter(|n| !n.is_empty()),
        phone,
        anonymous: Some(false),
    });
    let input = ReportInput {
        category: clean(&form.service_code),
        need: Some(clean(&form.need).unwrap_or_else(|| Need::Other.as_str().to_owned())),
        urgency: Some(clean(&form.urgency).unwrap_or_else(|| Urgency::Normal.as_str().to_owned())),
        channel: Some(Channel::Open311.as_str().to_owned()),
        region_code,
        address: clean(&form.address_string),
        location,
        reporter,
        description: clean(&form.description),
        ..ReportInput::default()
    };
    match input.parse() {
        Ok(report) if errors.is_empty() => Ok(report),
        Ok(_) => Err(Open311Failure::invalid(&errors)),
        Err(more) => {
            errors.extend(open311_fields(more));
            Err(Open311Failure::invalid(&errors))
        }
    }
}

/// The `api_key` of the query string, for clients that send it there.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApiKeyQuery {
    /// `<client_id>:<client_secret>` of an API client (or the `X-Api-Key`
    /// header).
    pub api_key: Option<String>,
}

/// File a service request: a Sigap report on the `open311` channel.
///
/// The body is a form (the Open311 norm) or JSON. The service code is the
/// category; `attribute[need]` defaults to `other` and `attribute[urgency]` to
/// `normal`; without `attribute[region_code]` the region is the regency
/// whose boundary contains `lat`/`long` (coordinates in the sea or abroad are
/// refused, naming the nearest regency). Routing to a unit follows within seconds. The
/// client sees only the requests it filed.
#[utoipa::path(
    tag = "open311",
    params(
        ("api_key" = Option<String>, Query, description = "Alternative to the body field"),
        ("X-Api-Key" = Option<String>, Header, nullable = false, description = "`<client_id>:<client_secret>` of an API client with the `open311` scope; preferred to the `api_key` parameter, which URLs (and the logs that record them) would carry"),
    ),
    request_body(
        content(
            (ServiceRequestForm = "application/x-www-form-urlencoded"),
            (ServiceRequestForm = "application/json"),
        ),
    ),
    responses(
        (status = 201, body = Vec<CreatedRequest>, description = "Filed",
            headers(("Location" = String, description = "The request's URL (without api_key)"))),
        (status = 400, body = Vec<Open311Error>, description = "Malformed body, or invalid fields (one entry each, as `<field>: <message>`)"),
        (status = 403, body = Vec<Open311Error>, description = "Missing or invalid api_key, or its client lacks the `open311` scope"),
        (status = 429, body = Vec<Open311Error>, description = "Too many failed api_key checks for this client or from this address, or too many at once; retry after Retry-After seconds",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 413, body = Vec<Open311Error>, description = "Body larger than 64 KiB"),
        (status = 503, body = Vec<Open311Error>, description = "The database is unavailable; retry after Retry-After seconds"),
    )
)]
#[post("/open311/v2/requests.json")]
#[tracing::instrument(name = "create_open311_request", skip_all)]
async fn create_open311_request(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    request_id: RequestId,
) -> Open311Result<HttpResponse> {
    let raw = body::read_bytes(&req, payload).await?;
    let json =
        body::media_type(&req).is_some_and(|m| m == "application/json" || m.ends_with("+json"));
    let fields = if json {
        json_fields(&raw)?
    } else {
        form_fields(&raw)?
    };
    // Text may not hold NUL, which PostgreSQL text cannot (the document says
    // so on every field).
    if let Some(key) = fields
        .iter()
        .find(|(_, value)| value.as_str().is_some_and(|v| v.contains('\0')))
        .map(|(key, _)| key)
    {
        return Err(Open311Failure::bad_request(format!(
            "{key}: must not contain NUL (U+0000)"
        )));
    }
    let mut form: ServiceRequestForm = typed(fields)?;
    if clean(&form.api_key).is_none() {
        form.api_key = query::<ApiKeyQuery>(&req)?.api_key;
    }
    let client = authenticate(&req, &state, &form.api_key).await?;
    let report = parse_request(&form)?;
    let mut conn = state.pool.get().await?;
    let filer = Filer {
        sub: client.client_id.clone(),
        role: Role::Integrator,
        client_id: Some(client.client_id.clone()),
    };
    let filed = intake::file_report(
        &mut conn,
        &report,
        &filer,
        None,
        Some(request_id.to_string()),
    )
    .await?;
    state.relay.wake();
    metrics::counter!("sigap_reports_received_total", "urgency" => report.urgency.as_str())
        .increment(1);
    tracing::info!(report_id = %filed.id, ticket = %filed.ticket, client_id = %client.client_id,
        category = %report.category, urgency = %report.urgency,
        region = report.region_code.as_str(), "report filed through open311");
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/open311/v2/requests/{}.json", filed.ticket),
        ))
        .json([CreatedRequest {
            service_notice: format!(
                "Received as {}; it is routed to a unit within seconds.",
                filed.ticket
            ),
            service_request_id: filed.ticket,
            account_id: None,
        }]))
}

// --- Reading requests -----------------------------------------------------------

/// A service request as Open311 shows it: never the reporter's name or phone.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "service_request_id": "CC-2026-000123", "status": "open",
    "status_notes": "assigned to Sentra Mulya Jaya", "service_name": "Elderly person",
    "service_code": "elderly", "description": "Lansia tinggal sendiri, butuh kursi roda.",
    "agency_responsible": "Sentra Mulya Jaya", "service_notice": null,
    "requested_datetime": "2026-03-01T02:00:00Z", "updated_datetime": "2026-03-01T02:00:01Z",
    "expected_datetime": "2026-03-01T03:00:01Z", "address": "Jorong Koto Tuo, Kec. Kamang Baru",
    "address_id": null, "zipcode": null, "lat": -0.69, "long": 100.95, "media_url": null
}))]
pub struct ServiceRequest {
    /// The ticket.
    pub service_request_id: String,
    /// `closed` once resolved, closed, cancelled or a duplicate; else `open`.
    #[schema(value_type = RequestState)]
    pub status: String,
    /// The Sigap status, with the unit when assigned; for a report merged
    /// into another, `duplicate; continues as <ticket>`. Once people are
    /// served (or the case is in service), how many of how many:
    /// `in_service; 2 of 70 people served` (counts only, no names).
    pub status_notes: String,
    pub service_name: String,
    #[schema(value_type = Category)]
    pub service_code: String,
    pub description: String,
    /// The unit handling the case, once assigned.
    pub agency_responsible: Option<String>,
    pub service_notice: Option<String>,
    pub requested_datetime: DateTime<Utc>,
    pub updated_datetime: DateTime<Utc>,
    /// When the unit must acknowledge the case.
    pub expected_datetime: Option<DateTime<Utc>>,
    pub address: Option<String>,
    pub address_id: Option<String>,
    pub zipcode: Option<String>,
    pub lat: Option<f64>,
    pub long: Option<f64>,
    pub media_url: Option<String>,
}

impl ServiceRequest {
    fn new(row: ServiceRequestRow) -> ServiceRequest {
        let mut status_notes = match (&row.unit_name, &row.continued_as) {
            (_, Some(kept)) => format!("duplicate; continues as {kept}"),
            (Some(unit), _) if row.status == Status::Assigned => format!("assigned to {unit}"),
            _ => row.status.to_string(),
        };
        // Counts only, never names.
        let serving = matches!(
            row.status,
            Status::InService | Status::Resolved | Status::Closed
        );
        if row.people_served > 0 || serving {
            status_notes.push_str(&format!(
                "; {} of {} people served",
                row.people_served, row.beneficiary_count
            ));
        }
        ServiceRequest {
            service_request_id: row.ticket,
            status: if row.status.is_open() {
                "open"
            } else {
                "closed"
            }
            .to_owned(),
            status_notes,
            service_name: row.category.labels().1.to_owned(),
            service_code: row.category.as_str().to_owned(),
            description: row.description,
            agency_responsible: row.unit_name,
            service_notice: None,
            requested_datetime: row.created_at,
            updated_datetime: row.updated_at,
            expected_datetime: row.sla_due_at,
            address: row.address,
            address_id: None,
            zipcode: None,
            lat: row.latitude,
            long: row.longitude,
            media_url: None,
        }
    }
}

/// One service request the client filed (a one-element array, as Open311
/// answers).
#[utoipa::path(
    tag = "open311",
    params(
        ("service_request_id" = String, Path, description = "The ticket", example = "CC-2026-000123"),
        ApiKeyQuery,
        ("X-Api-Key" = Option<String>, Header, nullable = false, description = "`<client_id>:<client_secret>` of an API client with the `open311` scope; preferred to the `api_key` parameter, which URLs (and the logs that record them) would carry"),
    ),
    responses(
        (status = 200, body = Vec<ServiceRequest>),
        (status = 400, body = Vec<Open311Error>, description = "Malformed query string"),
        (status = 403, body = Vec<Open311Error>, description = "Missing or invalid api_key, or its client lacks the `open311` scope"),
        (status = 429, body = Vec<Open311Error>, description = "Too many failed api_key checks for this client or from this address, or too many at once; retry after Retry-After seconds",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 404, body = Vec<Open311Error>, description = "No such request, or not filed by this client"),
        (status = 503, body = Vec<Open311Error>, description = "The database is unavailable; retry after Retry-After seconds"),
    )
)]
#[get("/open311/v2/requests/{service_request_id}.json")]
async fn get_open311_request(
    req: HttpRequest,
    state: web::Data<AppState>,
    service_request_id: web::Path<String>,
) -> Open311Result<HttpResponse> {
    let params: ApiKeyQuery = query(&req)?;
    let client = authenticate(&req, &state, &params.api_key).await?;
    let mut conn = state.pool.get().await?;
    let not_found =
        || Open311Failure::not_found("no service request with this id filed by this client");
    // No ticket holds NUL, which PostgreSQL text cannot.
    if service_request_id.contains('\0') {
        return Err(not_found());
    }
    let row = requests::find_for_client(&mut conn, &client.client_id, &service_request_id)
        .await?
        .ok_or_else(not_found)?;
    Ok(HttpResponse::Ok().json([ServiceRequest::new(row)]))
}

/// Parameters of `GET /open311/v2/requests.json`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestsQuery {
    /// `<client_id>:<client_secret>` of an API client (or the `X-Api-Key`
    /// header).
    pub api_key: Option<String>,
    /// Tickets, comma-separated (at most 200); when given, the other filters
    /// are ignored, as Open311 specifies.
    #[param(example = "CC-2026-000123,CC-2026-000124")]
    pub service_request_id: Option<String>,
    /// A category.
    #[param(value_type = Option<Category>)]
    pub service_code: Option<String>,
    /// `open` or `closed`.
    #[param(value_type = Option<RequestState>)]
    pub status: Option<String>,
    /// Filed at or after (RFC 3339).
    #[param(format = DateTime, example = "2026-03-01T00:00:00Z")]
    pub start_date: Option<String>,
    /// Filed at or before (RFC 3339).
    #[param(format = DateTime, example = "2026-03-31T23:59:59Z")]
    pub end_date: Option<String>,
}

/// Whether a service request is still being worked on.
#[derive(Debug, Clone, Copy, ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum RequestState {
    Open,
    Closed,
}

impl RequestState {
    fn parse(text: &str) -> Option<RequestState> {
        match text {
            "open" => Some(RequestState::Open),
            "closed" => Some(RequestState::Closed),
            _ => None,
        }
    }
}

/// An RFC 3339 time, if given.
fn time(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: &Option<String>,
) -> Option<DateTime<Utc>> {
    match query_time::rfc3339(&clean(value)?) {
        Some(time) => Some(time),
        None => {
            errors.push(FieldError::new(
                field,
                "must be an RFC 3339 time such as 2026-03-01T00:00:00Z",
            ));
            None
        }
    }
}

/// The service requests the client filed, newest first, at most 200.
#[utoipa::path(
    tag = "open311",
    params(
        RequestsQuery,
        ("X-Api-Key" = Option<String>, Header, nullable = false, description = "`<client_id>:<client_secret>` of an API client with the `open311` scope; preferred to the `api_key` parameter, which URLs (and the logs that record them) would carry"),
    ),
    responses(
        (status = 200, body = Vec<ServiceRequest>),
        (status = 400, body = Vec<Open311Error>, description = "Invalid filters (one entry each, as `<field>: <message>`)"),
        (status = 403, body = Vec<Open311Error>, description = "Missing or invalid api_key, or its client lacks the `open311` scope"),
        (status = 429, body = Vec<Open311Error>, description = "Too many failed api_key checks for this client or from this address, or too many at once; retry after Retry-After seconds",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, body = Vec<Open311Error>, description = "The database is unavailable; retry after Retry-After seconds"),
    )
)]
#[get("/open311/v2/requests.json")]
async fn list_open311_requests(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Open311Result<HttpResponse> {
    let params: RequestsQuery = query(&req)?;
    let client = authenticate(&req, &state, &params.api_key).await?;
    let mut conn = state.pool.get().await?;

    let tickets: Vec<String> = clean(&params.service_request_id)
        .map(|ids| {
            ids.split(',')
                .map(str::trim)
                .filter(|id| !id.is_empty())
                // No ticket holds NUL (which PostgreSQL text cannot): it matches nothing.
                .map(|id| if id.contains('\0') { "" } else { id })
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let filter = if !tickets.is_empty() {
        if tickets.len() > LIST_LIMIT as usize {
            return Err(Open311Failure::bad_request(format!(
                "service_request_id: at most {LIST_LIMIT} ids"
            )));
        }
        RequestFilter::Tickets(tickets)
    } else {
        let mut errors = Vec::new();
        let category = clean(&params.service_code).and_then(|code| {
            let parsed = Category::parse(&code);
            if parsed.is_none() {
                errors.push(FieldError::new(
                    "service_code",
                    format!("must be one of: {}", Category::expected()),
                ));
            }
            parsed
        });
        let closed = clean(&params.status).and_then(|status| match RequestState::parse(&status) {
            Some(state) => Some(matches!(state, RequestState::Closed)),
            None => {
                errors.push(FieldError::new("status", "must be open or closed"));
                None
            }
        });
        let start = time(&mut errors, "start_date", &params.start_date);
        let end = time(&mut errors, "end_date", &params.end_date);
        if !errors.is_empty() {
            return Err(Open311Failure::invalid(&errors));
        }
        RequestFilter::Matching {
            category,
            closed,
            start,
            end,
        }
    };
    let rows = requests::list_for_client(&mut conn, &client.client_id, &filter).await?;
    Ok(HttpResponse::Ok().json(
        rows.into_iter()
            .map(ServiceRequest::new)
            .collect::<Vec<_>>(),
    ))
}
