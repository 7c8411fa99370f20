//! Reading JSON bodies: a size limit (413), malformed JSON (400), and wrong
//! types reported with the path of the field (422).

use crate::problem::ApiError;
use crate::strict_json::Strict;
use actix_web::HttpRequest;
use actix_web::http::header;
use actix_web::web;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use sigap_store::FieldError;

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
    payload: web::Payload,
) -> Result<web::BytesMut, ApiError> {
    read_bytes_up_to(req, payload, MAX_BODY).await
}

/// Reads the raw body, at most `limit` bytes (413 beyond, before reading
/// when the declared length says so).
pub async fn read_bytes_up_to(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<web::BytesMut, ApiError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(ApiError::PayloadTooLarge(limit));
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::BadRequest(format!("cannot read the body: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge(limit));
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

/// Converts a JSON value into `T` as JSON Schema reads it (see
/// [`crate::strict_json`]), naming the field of a type error.
pub fn typed<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(Strict::new(value)).map_err(|e| {
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

#[cfg(test)]
mod tests {
    //! Properties of the intake parsing path that `POST /v1/reports` takes:
    //! bytes → JSON → typed body → domain values. No input may panic, every
    //! refusal names its fields, and what is accepted is well formed.

    use super::*;
    use crate::views::intake::{DESCRIPTION_CHARS, MAX_BENEFICIARIES, ReportInput};
    use proptest::prelude::*;
    use serde_json::{Map, Value};
    use sigap_domain::NewReport;
    use sigap_store::Error as CoreError;

    const FIELDS: &[&str] = &[
        "category",
        "need",
        "urgency",
        "channel",
        "region_code",
        "address",
        "location",
        "reporter",
        "beneficiaries",
        "beneficiary_count",
        "description",
        "external_ref",
    ];

    /// The whole path, as the handler runs it.
    fn intake(value: Value) -> Result<NewReport, Vec<FieldError>> {
        match typed::<ReportInput>(value) {
            Ok(input) => input.parse(),
            Err(ApiError::Core(CoreError::Validation(errors))) => Err(errors),
            Err(other) => panic!("typing a body can only fail with field errors: {other}"),
        }
    }

    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            "\\PC{0,40}".prop_map(Value::from),
            prop::sample::select(vec![
                "elderly",
                "assistive_device",
                "critical",
                "hotline",
                "13.03",
                "13",
                "99.99",
                "081234567890",
                "+6281234567890",
                "F",
                "Lansia tinggal sendiri, butuh kursi roda.",
            ])
            .prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 24, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
                prop::collection::btree_map(
                    prop::sample::select(vec![
                        "lat",
                        "lon",
                        "name",
                        "phone",
                        "age",
                        "sex",
                        "anonymous",
                        "x"
                    ]),
                    inner,
                    0..6
                )
                .prop_map(|m| Value::Object(
                    m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
                )),
            ]
        })
    }

    /// Objects with the report's field names (and a stray one), each holding
    /// a value of any type.
    fn report_shaped() -> impl Strategy<Value = Value> {
        let mut names = FIELDS.to_vec();
        names.push("unknown_field");
        prop::collection::btree_map(prop::sample::select(names), any_json(), 0..14).prop_map(|m| {
            Value::Object(
                m.into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect::<Map<_, _>>(),
            )
        })
    }

    fn top_level(field: &str) -> &str {
        field.split(['.', '[']).next().unwrap_or("")
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1500))]

        #[test]
        fn no_byte_string_panics(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
            if let Ok(value) = serde_json::from_slice::<Value>(&bytes) {
                let _ = intake(value);
            }
        }

        #[test]
        fn a_refusal_names_known_fields_and_an_acceptance_is_well_formed(body in report_shaped()) {
            match intake(body) {
                Err(errors) => {
                    prop_assert!(!errors.is_empty());
                    for error in &errors {
                        let top = top_level(&error.field);
                        prop_assert!(
                            top.is_empty() || FIELDS.contains(&top),
                            "unknown field in error: {}", error.field
                        );
                        prop_assert!(!error.message.is_empty());
                    }
                }
                Ok(report) => {
                    prop_assert!(DESCRIPTION_CHARS.contains(&report.description.chars().count()));
                    prop_assert!(report.beneficiaries.len() <= MAX_BENEFICIARIES);
                    prop_assert!(report.beneficiary_count as usize >= report.beneficiaries.len());
                    prop_assert!(report.beneficiary_count >= 1);
                    if let Some(phone) = &report.reporter_phone {
                        let phone = phone.as_str();
                        prop_assert!(phone.starts_with("+62"));
                        prop_assert!(phone[1..].bytes().all(|b| b.is_ascii_digit()));
                    }
                    if report.reporter_anonymous {
                        prop_assert!(report.reporter_name.is_none() && report.reporter_phone.is_none());
                    }
                }
            }
        }

        #[test]
        fn a_valid_body_with_any_field_changed_still_never_panics(
            field in prop::sample::select(FIELDS.to_vec()),
            value in any_json(),
        ) {
            let mut body = serde_json::json!({
                "category": "elderly", "need": "assistive_device", "urgency": "high",
                "channel": "hotline", "region_code": "13.03",
                "description": "Lansia tinggal sendiri, butuh kursi roda."
            });
            prop_assert!(intake(body.clone()).is_ok());
            body[field] = value;
            if let Err(errors) = intake(body) {
                prop_assert!(errors.iter().all(|e| top_level(&e.field) == field || e.field.is_empty()));
            }
        }
    }
}
