//! An Open311 GeoReport v2 facade, in JSON and XML, so that existing
//! Open311 clients can file and follow reports without learning Sigap's own
//! API.
//!
//! Services are Sigap's categories; a service request is a report, its
//! `service_request_id` the ticket. Every path ends in `.json` or `.xml`,
//! which decides the format of the answer, errors included (Open311's
//! `[{"code", "description"}]` or `<errors><error>…`, not problem+json).
//! `api_key` is `<client_id>:<client_secret>` of an API client with the
//! `open311` scope, sent in the `X-Api-Key` header (best: URLs end up in
//! logs) or as a parameter. Filing needs it; reading with it shows the
//! client's own reports in full, reading without it shows the requests filed
//! through Open311 as public tracking does (no description, place or
//! person). `jurisdiction_id` is accepted everywhere and ignored: Sigap
//! serves one jurisdiction.

use crate::body;
use crate::client_auth::Refusal;
use crate::method_not_allowed::DeclaredMethods;
use crate::problem::ApiError;
use crate::query_time;
use crate::rate_limit::client_address;
use crate::startup::AppState;
use crate::views::intake::{LocationInput, REGION_REQUIRED, ReportInput, ReporterInput};
use crate::xml::Xml;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, ResponseError, get, post, web};
use chrono::{DateTime, SecondsFormat, Utc};
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
use sigap_store::open311::{
    self as requests, LIST_LIMIT, PublicRequestRow, RequestFilter, ServiceRequestRow, WINDOW_DAYS,
    WindowError,
};
use sigap_store::privacy::access::{Access, Action};
use std::collections::HashMap;
use tracing_actix_web::RequestId;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_open311_discovery)
        .service(list_open311_services)
        .service(get_open311_service)
        .service(create_open311_request)
        .service(list_open311_requests)
        .service(get_open311_request)
        // Registered last: only what no route above matches.
        .route("/open311/{tail:.*}", web::route().to(open311_not_found));
}

// --- Formats ----------------------------------------------------------------

/// The format of an answer, named by the path's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum Open311Format {
    #[default]
    Json,
    Xml,
}

impl Open311Format {
    /// The format an extension names; any other is 404 (in JSON).
    fn parse(extension: &str) -> Open311Result<Open311Format> {
        match extension {
            "json" => Ok(Open311Format::Json),
            "xml" => Ok(Open311Format::Xml),
            other => Err(Open311Failure::not_found(format!(
                "no format {other:?}: paths end in .json or .xml"
            ))),
        }
    }

    /// The format of errors for a path no route matched.
    fn of_path(path: &str) -> Open311Format {
        if path.ends_with(".xml") {
            Open311Format::Xml
        } else {
            Open311Format::Json
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Open311Format::Json => "json",
            Open311Format::Xml => "xml",
        }
    }
}

/// The Content-Type of an XML answer.
const XML_CONTENT_TYPE: &str = "text/xml; charset=utf-8";

/// A value written as one XML element (GeoReport v2 names them).
trait ToXml {
    /// The element's name.
    const ELEMENT: &'static str;
    /// The element of a list of these.
    const LIST: &'static str;
    /// Writes the children of the element.
    fn write_fields(&self, xml: &mut Xml);

    fn write(&self, xml: &mut Xml) {
        xml.open(Self::ELEMENT);
        self.write_fields(xml);
        xml.close(Self::ELEMENT);
    }
}

fn time_text(time: &DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn xml_response(status: StatusCode, xml: Xml) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, XML_CONTENT_TYPE))
        .body(xml.finish())
}

/// One value as its own document.
fn reply_one<T: Serialize + ToXml>(
    format: Open311Format,
    status: StatusCode,
    value: &T,
) -> HttpResponse {
    match format {
        Open311Format::Json => HttpResponse::build(status).json(value),
        Open311Format::Xml => {
            let mut xml = Xml::document();
            value.write(&mut xml);
            xml_response(status, xml)
        }
    }
}

/// A list: a JSON array, or the list element holding one element per item.
fn reply_list<T: Serialize + ToXml>(
    format: Open311Format,
    status: StatusCode,
    items: &[T],
) -> HttpResponse {
    match format {
        Open311Format::Json => HttpResponse::build(status).json(items),
        Open311Format::Xml => {
            let mut xml = Xml::document();
            xml.open(T::LIST);
            for item in items {
                item.write(&mut xml);
            }
            xml.close(T::LIST);
            xml_response(status, xml)
        }
    }
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

impl ToXml for Open311Error {
    const ELEMENT: &'static str = "error";
    const LIST: &'static str = "errors";

    fn write_fields(&self, xml: &mut Xml) {
        xml.text("code", &self.code.to_string());
        xml.text("description", &self.description);
    }
}

/// A failed Open311 request: rendered as `[{"code", "description"}, …]` (or
/// `<errors><error><code/><description/></error>…</errors>`) with the same
/// HTTP status.
pub struct Open311Failure {
    status: StatusCode,
    /// The format of the path asked.
    format: Open311Format,
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
            format: Open311Format::Json,
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
            format: Open311Format::Json,
            descriptions: errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect(),
            cause: None,
            allow: None,
            retry_after: None,
        }
    }

    /// The same failure, answered in `format`.
    fn in_format(self, format: Open311Format) -> Open311Failure {
        Open311Failure { format, ..self }
    }

    fn too_many(retry_after_secs: u64) -> Open311Failure {
        Open311Failure {
            retry_after: Some(retry_after_secs),
            ..Open311Failure::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too many requests; retry after Retry-After seconds",
            )
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
            HeaderValue::from_static(match self.format {
                Open311Format::Json => "application/json",
                Open311Format::Xml => XML_CONTENT_TYPE,
            }),
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
        match self.format {
            Open311Format::Json => {
                response.body(serde_json::to_string(&body).expect("errors serialize"))
            }
            Open311Format::Xml => {
                let mut xml = Xml::document();
                xml.open(Open311Error::LIST);
                for error in &body {
                    error.write(&mut xml);
                }
                xml.close(Open311Error::LIST);
                response.body(xml.finish())
            }
        }
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
    }
    .in_format(Open311Format::of_path(path)))
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
    let Some(api_key) = given_api_key(req, api_key)? else {
        return Err(Open311Failure::forbidden(
            "api_key is required (X-Api-Key header or api_key parameter): \
             <client_id>:<client_secret> of an API client",
        ));
    };
    check_api_key(req, state, &api_key).await
}

/// Who reads: the client behind an `api_key` when one is given (checked as
/// [`authenticate`] does: a wrong key is 403, never a public read), else
/// nobody in particular, whose reads are rate limited per address as public
/// tracking is.
async fn reader(
    req: &HttpRequest,
    state: &AppState,
    api_key: &Option<String>,
) -> Open311Result<Option<Client>> {
    match given_api_key(req, api_key)? {
        Some(api_key) => Ok(Some(check_api_key(req, state, &api_key).await?)),
        None => {
            if let Some(address) = client_address(req, &state.config.trusted_proxies) {
                state
                    .track_limiter
                    .check_address(address)
                    .map_err(Open311Failure::too_many)?;
            }
            Ok(None)
        }
    }
}

/// The `api_key` of the `X-Api-Key` header, or else of the request.
fn given_api_key(req: &HttpRequest, api_key: &Option<String>) -> Open311Result<Option<String>> {
    let header = req
        .headers()
        .get(API_KEY_HEADER)
        .map(|v| v.to_str().map(str::to_owned).ok());
    match header {
        Some(Some(value)) => Ok(clean(&Some(value))),
        Some(None) => Err(Open311Failure::forbidden("api_key is not valid")),
        None => Ok(clean(api_key)),
    }
}

/// The client an `api_key` names, with the `open311` scope.
async fn check_api_key(
    req: &HttpRequest,
    state: &AppState,
    api_key: &str,
) -> Open311Result<Client> {
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
            Refusal::TooMany { retry_after_secs } => Open311Failure::too_many(retry_after_secs),
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

impl ToXml for Open311Service {
    const ELEMENT: &'static str = "service";
    const LIST: &'static str = "services";

    fn write_fields(&self, xml: &mut Xml) {
        xml.text("service_code", &self.service_code);
        xml.text("service_name", &self.service_name);
        xml.text("description", &self.description);
        xml.text("metadata", &self.metadata.to_string());
        xml.text("type", &self.kind);
        xml.text("keywords", &self.keywords);
        xml.text("group", &self.group);
    }
}

impl ToXml for ServiceDefinition {
    const ELEMENT: &'static str = "service_definition";
    const LIST: &'static str = "service_definitions";

    fn write_fields(&self, xml: &mut Xml) {
        xml.text("service_code", &self.service_code);
        xml.open("attributes");
        for attribute in &self.attributes {
            xml.open("attribute");
            xml.text("variable", &attribute.variable.to_string());
            xml.text("code", &attribute.code);
            xml.text("datatype", &attribute.datatype);
            xml.text("required", &attribute.required.to_string());
            xml.optional(
                "datatype_description",
                attribute.datatype_description.as_deref(),
            );
            xml.text("order", &attribute.order.to_string());
            xml.text("description", &attribute.description);
            if !attribute.values.is_empty() {
                xml.open("values");
                for value in &attribute.values {
                    xml.open("value");
                    xml.text("key", &value.key);
                    xml.text("name", &value.name);
                    xml.close("value");
                }
                xml.close("values");
            }
            xml.close("attribute");
        }
        xml.close("attributes");
    }
}

/// `jurisdiction_id`, which every Open311 endpoint accepts.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JurisdictionQuery {
    /// Accepted and ignored: Sigap serves one jurisdiction.
    pub jurisdiction_id: Option<String>,
}

/// Open311 services: one per Sigap category (no `api_key` needed).
#[utoipa::path(
    tag = "open311",
    params(
        ("format" = inline(Open311Format), Path, description = "`json` or `xml`: the format of the answer, errors included"),
        JurisdictionQuery,
    ),
    responses(
        (status = 200, description = "Every category, as a service (XML: `<services><service>…`)", content(
            (Vec<Open311Service> = "application/json"),
            (Vec<Open311Service> = "text/xml"),
        )),
        (status = 404, description = "A format other than json or xml", content(
            (Vec<Open311Error> = "application/json"),
        )),
    )
)]
#[get("/open311/v2/services.{format}")]
async fn list_open311_services(format: web::Path<String>) -> Open311Result<HttpResponse> {
    let format = Open311Format::parse(&format)?;
    let services: Vec<Open311Service> = Category::ALL
        .iter()
        .map(|c| Open311Service::new(*c))
        .collect();
    Ok(reply_list(format, StatusCode::OK, &services))
}

/// A service's attributes: `region_code`, `need` and `urgency` (no `api_key`
/// needed).
#[utoipa::path(
    tag = "open311",
    params(
        ("service_code" = Category, Path, description = "A Sigap category", example = "elderly"),
        ("format" = inline(Open311Format), Path, description = "`json` or `xml`: the format of the answer, errors included"),
        JurisdictionQuery,
    ),
    responses(
        (status = 200, description = "The attributes (XML: `<service_definition>…`)", content(
            (ServiceDefinition = "application/json"),
            (ServiceDefinition = "text/xml"),
        )),
        (status = 404, description = "No such service, or a format other than json or xml", content(
            (Vec<Open311Error> = "application/json"),
            (Vec<Open311Error> = "text/xml"),
        )),
    )
)]
#[get("/open311/v2/services/{service_code}.{format}")]
async fn get_open311_service(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Open311Result<HttpResponse> {
    let (service_code, format) = path.into_inner();
    let format = Open311Format::parse(&format)?;
    let category = Category::parse(&service_code).ok_or_else(|| {
        Open311Failure::not_found(format!(
            "no such service; services are: {}",
            Category::expected()
        ))
        .in_format(format)
    })?;
    let definition = ServiceDefinition {
        service_code: category.as_str().to_owned(),
        attributes: attributes(&state),
    };
    Ok(reply_one(format, StatusCode::OK, &definition))
}

// --- Discovery ------------------------------------------------------------------

/// When this facade last changed in a way clients could notice.
const CHANGESET: &str = "2026-12-07 00:00";

/// GeoReport v2's discovery document: where the endpoint is and how to get
/// a key.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "changeset": "2026-12-07 00:00",
    "contact": "The Command Center's Sigap administrators",
    "key_service": "An admin creates an API client with the open311 scope (POST /v1/clients); api_key is <client_id>:<client_secret>",
    "endpoints": [{"specification": "http://wiki.open311.org/GeoReport_v2",
        "url": "http://127.0.0.1:8080/open311/v2", "changeset": "2026-12-07 00:00",
        "type": "production", "formats": ["application/json", "text/xml"]}]
}))]
pub struct Discovery {
    pub changeset: String,
    pub contact: String,
    pub key_service: String,
    pub endpoints: Vec<DiscoveryEndpoint>,
}

/// One endpoint of the discovery document.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryEndpoint {
    /// Always `http://wiki.open311.org/GeoReport_v2`.
    pub specification: String,
    /// The endpoint's base URL, as this request reached it.
    pub url: String,
    pub changeset: String,
    /// `production`, or `test` on a development server.
    #[serde(rename = "type")]
    pub kind: String,
    /// `application/json` and `text/xml`.
    pub formats: Vec<String>,
}

impl ToXml for Discovery {
    const ELEMENT: &'static str = "discovery";
    const LIST: &'static str = "discoveries";

    fn write_fields(&self, xml: &mut Xml) {
        xml.text("changeset", &self.changeset);
        xml.text("contact", &self.contact);
        xml.text("key_service", &self.key_service);
        xml.open("endpoints");
        for endpoint in &self.endpoints {
            xml.open("endpoint");
            xml.text("specification", &endpoint.specification);
            xml.text("url", &endpoint.url);
            xml.text("changeset", &endpoint.changeset);
            xml.text("type", &endpoint.kind);
            xml.open("formats");
            for format in &endpoint.formats {
                xml.text("format", format);
            }
            xml.close("formats");
            xml.close("endpoint");
        }
        xml.close("endpoints");
    }
}

/// The scheme and host this request reached: those a trusted reverse proxy
/// forwards, else the `Host` header over plain HTTP (the api does not
/// terminate TLS).
fn base_url(req: &HttpRequest, state: &AppState) -> String {
    let behind_proxy = req
        .peer_addr()
        .is_some_and(|peer| state.config.trusted_proxies.contains(peer.ip()));
    if behind_proxy {
        let info = req.connection_info();
        return format!("{}://{}", info.scheme(), info.host());
    }
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_owned)
        .unwrap_or_else(|| state.config.bind.clone());
    format!("http://{host}")
}

/// The discovery document (no `api_key` needed).
#[utoipa::path(
    tag = "open311",
    params(
        ("format" = inline(Open311Format), Path, description = "`json` or `xml`: the format of the answer, errors included"),
        JurisdictionQuery,
    ),
    responses(
        (status = 200, description = "The endpoint, its formats and how to get a key (XML: `<discovery>…`)", content(
            (Discovery = "application/json"),
            (Discovery = "text/xml"),
        )),
        (status = 404, description = "A format other than json or xml", content(
            (Vec<Open311Error> = "application/json"),
        )),
    )
)]
#[get("/open311/v2/discovery.{format}")]
async fn get_open311_discovery(
    req: HttpRequest,
    state: web::Data<AppState>,
    format: web::Path<String>,
) -> Open311Result<HttpResponse> {
    let format = Open311Format::parse(&format)?;
    let discovery = Discovery {
        changeset: CHANGESET.to_owned(),
        contact: "The Command Center's Sigap administrators".to_owned(),
        key_service: "An admin creates an API client with the open311 scope \
            (POST /v1/clients); api_key is <client_id>:<client_secret>"
            .to_owned(),
        endpoints: vec![DiscoveryEndpoint {
            specification: "http://wiki.open311.org/GeoReport_v2".to_owned(),
            url: format!("{}/open311/v2", base_url(&req, &state)),
            changeset: CHANGESET.to_owned(),
            kind: if state.config.dev {
                "test"
            } else {
                "production"
            }
            .to_owned(),
            formats: vec!["application/json".to_owned(), "text/xml".to_owned()],
        }],
    };
    Ok(reply_one(format, StatusCode::OK, &discovery))
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
    /// Accepted and ignored: Sigap serves one jurisdiction.
    pub jurisdiction_id: Option<String>,
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

/// The `api_key` of the query string, for clients that send it there, and
/// `jurisdiction_id`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApiKeyQuery {
    /// `<client_id>:<client_secret>` of an API client (or the `X-Api-Key`
    /// header).
    pub api_key: Option<String>,
    /// Accepted and ignored: Sigap serves one jurisdiction.
    pub jurisdiction_id: Option<String>,
}

impl ToXml for CreatedRequest {
    const ELEMENT: &'static str = "request";
    const LIST: &'static str = "service_requests";

    fn write_fields(&self, xml: &mut Xml) {
        xml.text("service_request_id", &self.service_request_id);
        xml.text("service_notice", &self.service_notice);
        xml.optional("account_id", self.account_id.as_deref());
    }
}

/// File a service request: a Sigap report on the `open311` channel.
///
/// The body is a form (the Open311 norm) or JSON, whatever the path's
/// format, which is the answer's. The service code is the
/// category; `attribute[need]` defaults to `other` and `attribute[urgency]` to
/// `normal`; without `attribute[region_code]` the region is the regency
/// whose boundary contains `lat`/`long` (coordinates in the sea or abroad are
/// refused, naming the nearest regency). Routing to a unit follows within seconds. The
/// client sees only the requests it filed.
#[utoipa::path(
    tag = "open311",
    params(
        ("format" = inline(Open311Format), Path, description = "`json` or `xml`: the format of the answer, errors included"),
        ApiKeyQuery,
        ("X-Api-Key" = Option<String>, Header, nullable = false, description = "`<client_id>:<client_secret>` of an API client with the `open311` scope; preferred to the `api_key` parameter, which URLs (and the logs that record them) would carry"),
    ),
    request_body(
        content(
            (ServiceRequestForm = "application/x-www-form-urlencoded"),
            (ServiceRequestForm = "application/json"),
        ),
    ),
    responses(
        (status = 201, description = "Filed (XML: `<service_requests><request><service_request_id/>…`)",
            content((Vec<CreatedRequest> = "application/json"), (Vec<CreatedRequest> = "text/xml")),
            headers(("Location" = String, description = "The request's URL, in the same format (without api_key)"))),
        (status = 400, description = "Malformed body, or invalid fields (one entry each, as `<field>: <message>`)",
            content((Vec<Open311Error> = "application/json"), (Vec<Open311Error> = "text/xml"))),
        (status = 403, description = "Missing or invalid api_key, or its client lacks the `open311` scope",
            content((Vec<Open311Error> = "application/json"), (Vec<Open311Error> = "text/xml"))),
        (status = 404, description = "A format other than json or xml",
            content((Vec<Open311Error> = "application/json"))),
        (status = 413, description = "Body larger than 64 KiB",
            content((Vec<Open311Error> = "application/json"), (Vec<Open311Error> = "text/xml"))),
        (status = 429, description = "Too many failed api_key checks for this client or from this address, or too many at once; retry after Retry-After seconds",
            content((Vec<Open311Error> = "application/json"), (Vec<Open311Error> = "text/xml")),
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds",
            content((Vec<Open311Error> = "application/json"), (Vec<Open311Error> = "text/xml"))),
    )
)]
#[post("/open311/v2/requests.{format}")]
#[tracing::instrument(name = "create_open311_request", skip_all)]
async fn create_open311_request(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    request_id: RequestId,
    format: web::Path<String>,
) -> Open311Result<HttpResponse> {
    let format = Open311Format::parse(&format)?;
    let filed = file_request(&req, payload, &state, request_id)
        .await
        .map_err(|e| e.in_format(format))?;
    let mut response = reply_list(
        format,
        StatusCode::CREATED,
        &[CreatedRequest {
            service_notice: format!(
                "Received as {}; it is routed to a unit within seconds.",
                filed
            ),
            service_request_id: filed.clone(),
            account_id: None,
        }],
    );
    response.headers_mut().insert(
        header::LOCATION,
        HeaderValue::from_str(&format!(
            "/open311/v2/requests/{filed}.{}",
            format.extension()
        ))
        .expect("a ticket is a header value"),
    );
    Ok(response)
}

/// Files the request of the body; its ticket.
async fn file_request(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
    request_id: RequestId,
) -> Open311Result<String> {
    let raw = body::read_bytes(req, payload).await?;
    let json =
        body::media_type(req).is_some_and(|m| m == "application/json" || m.ends_with("+json"));
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
        form.api_key = query::<ApiKeyQuery>(req)?.api_key;
    }
    let client = authenticate(req, state, &form.api_key).await?;
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
    Ok(filed.ticket)
}

// --- Reading requests -----------------------------------------------------------

/// A service request as its filing client sees it: never the reporter's
/// name or phone.
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

/// A service request as anyone may read it without an `api_key`: what
/// public tracking shows (status, service, unit, times), nothing the
/// reporter wrote, no place, no person.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "service_request_id": "CC-2026-000123", "status": "open",
    "status_notes": "assigned to Sentra Mulya Jaya", "service_name": "Elderly person",
    "service_code": "elderly", "agency_responsible": "Sentra Mulya Jaya", "service_notice": null,
    "requested_datetime": "2026-03-01T02:00:00Z", "updated_datetime": "2026-03-01T02:00:01Z"
}))]
pub struct PublicServiceRequest {
    /// The ticket.
    pub service_request_id: String,
    /// `closed` once resolved, closed, cancelled or a duplicate; else `open`.
    #[schema(value_type = RequestState)]
    pub status: String,
    /// The Sigap status, with the unit when assigned; for a report merged
    /// into another, `duplicate; continues as <ticket>`; once the unit
    /// serves people, how many of them are served (counts, never names).
    pub status_notes: String,
    pub service_name: String,
    #[schema(value_type = Category)]
    pub service_code: String,
    /// The unit handling the case, once assigned.
    pub agency_responsible: Option<String>,
    pub service_notice: Option<String>,
    pub requested_datetime: DateTime<Utc>,
    pub updated_datetime: DateTime<Utc>,
}

impl PublicServiceRequest {
    fn new(row: PublicRequestRow) -> PublicServiceRequest {
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
        PublicServiceRequest {
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
            agency_responsible: row.unit_name,
            service_notice: None,
            requested_datetime: row.created_at,
            updated_datetime: row.updated_at,
        }
    }

    fn write_public_fields(&self, xml: &mut Xml) {
        xml.text("service_request_id", &self.service_request_id);
        xml.text("status", &self.status);
        xml.text("status_notes", &self.status_notes);
        xml.text("service_name", &self.service_name);
        xml.text("service_code", &self.service_code);
        xml.optional("agency_responsible", self.agency_responsible.as_deref());
        xml.optional("service_notice", self.service_notice.as_deref());
        xml.text("requested_datetime", &time_text(&self.requested_datetime));
        xml.text("updated_datetime", &time_text(&self.updated_datetime));
    }
}

impl ToXml for PublicServiceRequest {
    const ELEMENT: &'static str = "request";
    const LIST: &'static str = "service_requests";

    fn write_fields(&self, xml: &mut Xml) {
        self.write_public_fields(xml);
    }
}

impl ServiceRequest {
    fn new(row: ServiceRequestRow) -> ServiceRequest {
        let expected_datetime = row.public.sla_due_at;
        let public = PublicServiceRequest::new(row.public);
        ServiceRequest {
            service_request_id: public.service_request_id,
            status: public.status,
            status_notes: public.status_notes,
            service_name: public.service_name,
            service_code: public.service_code,
            description: row.description,
            agency_responsible: public.agency_responsible,
            service_notice: public.service_notice,
            requested_datetime: public.requested_datetime,
            updated_datetime: public.updated_datetime,
            expected_datetime,
            address: row.address,
            address_id: None,
            zipcode: None,
            lat: row.latitude,
            long: row.longitude,
            media_url: None,
        }
    }
}

impl ToXml for ServiceRequest {
    const ELEMENT: &'static str = "request";
    const LIST: &'static str = "service_requests";

    fn write_fields(&self, xml: &mut Xml) {
        xml.text("service_request_id", &self.service_request_id);
        xml.text("status", &self.status);
        xml.text("status_notes", &self.status_notes);
        xml.text("service_name", &self.service_name);
        xml.text("service_code", &self.service_code);
        xml.text("description", &self.description);
        xml.optional("agency_responsible", self.agency_responsible.as_deref());
        xml.optional("service_notice", self.service_notice.as_deref());
        xml.text("requested_datetime", &time_text(&self.requested_datetime));
        xml.text("updated_datetime", &time_text(&self.updated_datetime));
        xml.optional(
            "expected_datetime",
            self.expected_datetime.as_ref().map(time_text).as_deref(),
        );
        xml.optional("address", self.address.as_deref());
        xml.optional("address_id", self.address_id.as_deref());
        xml.optional("zipcode", self.zipcode.as_deref());
        xml.optional("lat", self.lat.map(|l| l.to_string()).as_deref());
        xml.optional("long", self.long.map(|l| l.to_string()).as_deref());
        xml.optional("media_url", self.media_url.as_deref());
    }
}

/// A service request in full (to the client that filed it, with its
/// `api_key`) or in its public form (to anyone else).
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ServiceRequestView {
    Full(ServiceRequest),
    Public(PublicServiceRequest),
}

impl ToXml for ServiceRequestView {
    const ELEMENT: &'static str = "request";
    const LIST: &'static str = "service_requests";

    fn write_fields(&self, xml: &mut Xml) {
        match self {
            ServiceRequestView::Full(request) => request.write_fields(xml),
            ServiceRequestView::Public(request) => request.write_fields(xml),
        }
    }
}

/// One service request (a one-element array, or `<service_requests>` with
/// one `<request>`, as Open311 answers). With the `api_key` of the client
/// that filed it: in full. Without an `api_key`: a request filed through
/// Open311, in its public form (rate limited per address, as public
/// tracking is).
#[utoipa::path(
    tag = "open311",
    params(
        ("service_request_id" = String, Path, description = "The ticket", example = "CC-2026-000123"),
        ("format" = inline(Open311Format), Path, description = "`json` or `xml`: the format of the answer, errors included"),
        ApiKeyQuery,
        ("X-Api-Key" = Option<String>, Header, nullable = false, description = "`<client_id>:<client_secret>` of an API client with the `open311` scope; preferred to the `api_key` parameter, which URLs (and the logs that record them) would carry"),
    ),
    responses(
        (status = 200, description = "The request: in full to its client, else its public form (XML: `<service_requests><request>…`)",
            content((Vec<ServiceRequestView> = "application/json"), (Vec<ServiceRequestView> = "text/xml"))),
        (status = 400, description = "Malformed query string",
            content((Vec<Open311Error> = "application/json"), (Vec<Open311Error> = "text/xml"))),
        (status = 403, description = "An invalid api_key, or its client lacks the `open311` scope",
            content((Vec<Open311Error> = "application/json"), (Vec<Open311Error> = "text/xml"))),
        (status = 404, description = "No such request (with an api_key: none filed by this client; without: none filed through Open311), or a format other than json or xml",
            content((Vec<Open311Error> = "application/json"), (Vec<Open311Error> = "text/xml"))),
        (status = 429, description = "Too many failed api_key checks for this client or from this address, or too many reads without an api_key from this address; retry after Retry-After seconds",
            content((Vec<Open311Error> = "application/json"), (Vec<Open311Error> = "text/xml")),
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds",
            content((Vec<Open311Error> = "application/json"), (Vec<Open311Error> = "text/xml"))),
    )
)]
#[get("/open311/v2/requests/{service_request_id}.{format}")]
async fn get_open311_request(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Open311Result<HttpResponse> {
    let (service_request_id, format) = path.into_inner();
    let format = Open311Format::parse(&format)?;
    let request = read_request(&req, &state, &service_request_id)
        .await
        .map_err(|e| e.in_format(format))?;
    Ok(reply_list(format, StatusCode::OK, &[request]))
}

async fn read_request(
    req: &HttpRequest,
    state: &AppState,
    ticket: &str,
) -> Open311Result<ServiceRequestView> {
    let params: ApiKeyQuery = query(req)?;
    let client = reader(req, state, &params.api_key).await?;
    let not_found = || match client {
        Some(_) => {
            Open311Failure::not_found("no service request with this id filed by this client")
        }
        None => Open311Failure::not_found("no service request with this id"),
    };
    // No ticket holds NUL, which PostgreSQL text cannot.
    if ticket.contains('\0') {
        return Err(not_found());
    }
    let mut conn = state.pool.get().await?;
    let view = match &client {
        Some(client) => {
            let row = requests::find_for_client(&mut conn, &client.client_id, ticket).await?;
            drop(conn);
            if let Some(row) = &row {
                log_partner_reads(req, state, &client.client_id, std::slice::from_ref(row)).await;
            }
            row.map(|row| ServiceRequestView::Full(ServiceRequest::new(row)))
        }
        None => requests::find_public(&mut conn, ticket)
            .await?
            .map(|row| ServiceRequestView::Public(PublicServiceRequest::new(row))),
    };
    view.ok_or_else(not_found)
}

/// Writes an access-log entry (`open311_request`) for each request a
/// partner reads in full with its `api_key` (its description, address and
/// place); public reads show none of these and write nothing.
async fn log_partner_reads(
    req: &HttpRequest,
    state: &AppState,
    client_id: &str,
    rows: &[ServiceRequestRow],
) {
    let request_id = req
        .extensions()
        .get::<tracing_actix_web::RequestId>()
        .map(|id| id.to_string());
    for row in rows {
        state
            .access_log
            .record(
                Access::by_client(client_id, Action::Open311Request, request_id.clone())
                    .of_report(row.id),
            )
            .await;
    }
}

/// Parameters of `GET /open311/v2/requests.{format}`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestsQuery {
    /// `<client_id>:<client_secret>` of an API client (or the `X-Api-Key`
    /// header); without it, the public form of requests filed through
    /// Open311.
    pub api_key: Option<String>,
    /// Accepted and ignored: Sigap serves one jurisdiction.
    pub jurisdiction_id: Option<String>,
    /// Tickets, comma-separated (at most 1,000); when given, the other
    /// filters are ignored, as Open311 specifies.
    #[param(example = "CC-2026-000123,CC-2026-000124")]
    pub service_request_id: Option<String>,
    /// Categories, comma-separated.
    #[param(example = "elderly,disability")]
    pub service_code: Option<String>,
    /// `open`, `closed`, or both comma-separated.
    #[param(example = "open")]
    pub status: Option<String>,
    /// Filed at or after (RFC 3339). Alone: the 90 days from it. Neither
    /// bound: the last 90 days.
    #[param(example = "2026-03-01T00:00:00Z")]
    pub start_date: Option<String>,
    /// Filed at or before (RFC 3339), at most 90 days after `start_date`.
    /// Alone: the 90 days up to it.
    #[param(example = "2026-03-31T23:59:59Z")]
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
    // Given but empty is no time either.
    let text = value.as_deref()?.trim();
    match query_time::rfc3339(text) {
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

/// The non-empty items of a comma-separated list.
fn items(value: &Option<String>) -> Vec<String> {
    clean(value)
        .map(|list| {
            list.split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// The filter the parameters ask for, or every field error found.
fn parse_filter(params: &RequestsQuery) -> Open311Result<RequestFilter> {
    let tickets: Vec<String> = items(&params.service_request_id)
        .into_iter()
        // No ticket holds NUL (which PostgreSQL text cannot): it matches nothing.
        .map(|id| if id.contains('\0') { String::new() } else { id })
        .collect();
    if !tickets.is_empty() {
        if tickets.len() > LIST_LIMIT as usize {
            return Err(Open311Failure::bad_request(format!(
                "service_request_id: at most {LIST_LIMIT} ids"
            )));
        }
        return Ok(RequestFilter::Tickets(tickets));
    }
    let mut errors = Vec::new();
    let mut categories = Vec::new();
    for code in items(&params.service_code) {
        match Category::parse(&code) {
            Some(category) => categories.push(category),
            None => {
                errors.push(FieldError::new(
                    "service_code",
                    format!("must be one of: {}", Category::expected()),
                ));
                break;
            }
        }
    }
    let (mut open, mut closed) = (false, false);
    for status in items(&params.status) {
        match RequestState::parse(&status) {
            Some(RequestState::Open) => open = true,
            Some(RequestState::Closed) => closed = true,
            None => {
                errors.push(FieldError::new("status", "must be open or closed"));
                break;
            }
        }
    }
    let start = time(&mut errors, "start_date", &params.start_date);
    let end = time(&mut errors, "end_date", &params.end_date);
    let window = match requests::window(start, end, Utc::now()) {
        Ok(window) => Some(window),
        Err(WindowError::Reversed) => {
            errors.push(FieldError::new("end_date", "must not be before start_date"));
            None
        }
        Err(WindowError::TooLong) => {
            errors.push(FieldError::new(
                "end_date",
                format!("must be at most {WINDOW_DAYS} days after start_date"),
            ));
            None
        }
    };
    match window {
        Some(window) if errors.is_empty() => Ok(RequestFilter::Matching {
            categories,
            closed: (open != closed).then_some(closed),
            window,
        }),
        _ => Err(Open311Failure::invalid(&errors)),
    }
}

/// Service requests, newest first, at most 1,000, filed within 90 days
/// (by default the last 90). With an `api_key`: the ones its client filed,
/// in full. Without: the ones filed through Open311, in their public form
/// (rate limited per address, as public tracking is).
#[utoipa::path(
    tag = "open311",
    params(
        ("format" = inline(Open311Format), Path, description = "`json` or `xml`: the format of the answer, errors included"),
        RequestsQuery,
        ("X-Api-Key" = Option<String>, Header, nullable = false, description = "`<client_id>:<client_secret>` of an API client with the `open311` scope; preferred to the `api_key` parameter, which URLs (and the logs that record them) would carry"),
    ),
    responses(
        (status = 200, description = "The requests: in full to their client, else their public form (XML: `<service_requests><request>…`)",
            content((Vec<ServiceRequestView> = "application/json"), (Vec<ServiceRequestView> = "text/xml"))),
        (status = 400, description = "Invalid filters (one entry each, as `<field>: <message>`), a window longer than 90 days, or more than 1,000 ids",
            content((Vec<Open311Error> = "application/json"), (Vec<Open311Error> = "text/xml"))),
        (status = 403, description = "An invalid api_key, or its client lacks the `open311` scope",
            content((Vec<Open311Error> = "application/json"), (Vec<Open311Error> = "text/xml"))),
        (status = 404, description = "A format other than json or xml",
            content((Vec<Open311Error> = "application/json"))),
        (status = 429, description = "Too many failed api_key checks for this client or from this address, or too many reads without an api_key from this address; retry after Retry-After seconds",
            content((Vec<Open311Error> = "application/json"), (Vec<Open311Error> = "text/xml")),
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds",
            content((Vec<Open311Error> = "application/json"), (Vec<Open311Error> = "text/xml"))),
    )
)]
#[get("/open311/v2/requests.{format}")]
async fn list_open311_requests(
    req: HttpRequest,
    state: web::Data<AppState>,
    format: web::Path<String>,
) -> Open311Result<HttpResponse> {
    let format = Open311Format::parse(&format)?;
    let list = list_requests(&req, &state)
        .await
        .map_err(|e| e.in_format(format))?;
    Ok(reply_list(format, StatusCode::OK, &list))
}

async fn list_requests(
    req: &HttpRequest,
    state: &AppState,
) -> Open311Result<Vec<ServiceRequestView>> {
    let params: RequestsQuery = query(req)?;
    let client = reader(req, state, &params.api_key).await?;
    let filter = parse_filter(&params)?;
    let mut conn = state.pool.get().await?;
    Ok(match client {
        Some(client) => {
            let rows = requests::list_for_client(&mut conn, &client.client_id, &filter).await?;
            drop(conn);
            log_partner_reads(req, state, &client.client_id, &rows).await;
            rows.into_iter()
                .map(|row| ServiceRequestView::Full(ServiceRequest::new(row)))
                .collect()
        }
        None => requests::list_public(&mut conn, &filter)
            .await?
            .into_iter()
            .map(|row| ServiceRequestView::Public(PublicServiceRequest::new(row)))
            .collect(),
    })
}
