//! Reading JSON bodies: a size limit (413), malformed JSON (400), and wrong
//! types reported with the path of the field (422).

use crate::problem::ApiError;
use actix_web::HttpRequest;
use actix_web::http::header;
use actix_web::web;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use sigap_core::FieldError;

/// Largest accepted request body.
pub const MAX_BODY: usize = 64 * 1024;

/// The media type of the request, lower case, without parameters.
pub fn media_type(req: &HttpRequest) -> Option<String> {
    req.headers().get(header::CONTENT_TYPE).map(|v| {
        let text = v.to_str().unwrap_or("");
        text.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    })
}

/// Reads the raw body, at most [`MAX_BODY`] bytes.
pub async fn read_bytes(
    req: &HttpRequest,
    mut payload: web::Payload,
) -> Result<web::BytesMut, ApiError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY) {
        return Err(ApiError::PayloadTooLarge(MAX_BODY));
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::BadRequest(format!("cannot read the body: {e}")))?;
        if body.len() + chunk.len() > MAX_BODY {
            return Err(ApiError::PayloadTooLarge(MAX_BODY));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Reads the body (at most [`MAX_BODY`] bytes) as a JSON value.
pub async fn read_json(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<serde_json::Value, ApiError> {
    if let Some(media) =
        media_type(req).filter(|m| m != "application/json" && !m.ends_with("+json"))
    {
        return Err(ApiError::UnsupportedMediaType(format!(
            "expected application/json, got {media}"
        )));
    }
    let body = read_bytes(req, payload).await?;
    if body.is_empty() {
        return Err(ApiError::BadRequest(
            "the request body is empty; expected JSON".into(),
        ));
    }
    serde_json::from_slice(&body).map_err(|e| ApiError::BadRequest(format!("malformed JSON: {e}")))
}

/// Converts a JSON value into `T`, naming the field of a type error.
pub fn typed<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." { String::new() } else { path };
        let message = e.into_inner().to_string();
        ApiError::from(vec![FieldError::new(field, message)])
    })
}

/// Reads and converts in one step.
pub async fn json<T: DeserializeOwned>(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<T, ApiError> {
    typed(read_json(req, payload).await?)
}
