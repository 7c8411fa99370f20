//! The request span every log line of a request carries, with secrets in the
//! query string redacted: Open311 clients may send their `api_key` (a client
//! secret) there, and whatever the URL holds would otherwise be written to
//! the logs with each line.

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use std::borrow::Cow;
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RequestId, RootSpanBuilder};

/// Query parameters whose values never reach a log line.
const SECRET_PARAMETERS: &[&str] = &[
    "api_key",
    "client_secret",
    "password",
    "token",
    "access_token",
];

/// What replaces a secret value.
pub const REDACTED: &str = "[redacted]";

/// tracing-actix-web's root span with the same fields, but `http.target`
/// redacted by [`redact_target`].
pub struct RedactedRootSpan;

impl RootSpanBuilder for RedactedRootSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let user_agent = request
            .headers()
            .get("User-Agent")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        let route = request.match_pattern().unwrap_or_else(|| "default".into());
        let method = request.method().as_str();
        let target = request.uri().path_and_query().map_or("", |p| p.as_str());
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        let connection = request.connection_info();
        tracing::info_span!(
            "HTTP request",
            http.method = %method,
            http.route = %route,
            http.flavor = ?request.version(),
            http.scheme = %connection.scheme(),
            http.host = %connection.host(),
            http.client_ip = %connection.realip_remote_addr().unwrap_or(""),
            http.user_agent = %user_agent,
            http.target = %redact_target(target),
            http.status_code = tracing::field::Empty,
            otel.name = %format!("{method} {route}"),
            otel.kind = "server",
            otel.status_code = tracing::field::Empty,
            request_id = %request_id,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(
        span: Span,
        outcome: &Result<ServiceResponse<B>, actix_web::Error>,
    ) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

/// A path and query with the value of every secret parameter (any case,
/// percent-encoded or not) replaced by [`REDACTED`]; the rest is unchanged.
pub fn redact_target(target: &str) -> Cow<'_, str> {
    let Some((path, query)) = target.split_once('?') else {
        return Cow::Borrowed(target);
    };
    let mut changed = false;
    let pairs: Vec<Cow<'_, str>> = query
        .split('&')
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            if is_secret(key) && !value.is_empty() {
                changed = true;
                Cow::Owned(format!("{key}={REDACTED}"))
            } else {
                Cow::Borrowed(pair)
            }
        })
        .collect();
    if changed {
        Cow::Owned(format!("{path}?{}", pairs.join("&")))
    } else {
        Cow::Borrowed(target)
    }
}

fn is_secret(key: &str) -> bool {
    let spaced = key.replace('+', " ");
    let decoded = percent_encoding::percent_decode_str(&spaced).decode_utf8_lossy();
    let name = decoded.trim();
    SECRET_PARAMETERS
        .iter()
        .any(|secret| name.eq_ignore_ascii_case(secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_parameters_are_redacted_and_the_rest_kept() {
        assert_eq!(
            redact_target("/open311/v2/requests.json?api_key=cli_1:s3cret&status=open"),
            "/open311/v2/requests.json?api_key=[redacted]&status=open"
        );
        assert_eq!(
            redact_target("/x?a=1&Client_Secret=s&PASSWORD=p&token=t&access_token=u&b=2"),
            "/x?a=1&Client_Secret=[redacted]&PASSWORD=[redacted]&token=[redacted]\
             &access_token=[redacted]&b=2"
        );
        assert_eq!(
            redact_target("/x?api%5Fkey=s3cret&api_key=again"),
            "/x?api%5Fkey=[redacted]&api_key=[redacted]",
            "an encoded name is still the name"
        );
        assert_eq!(redact_target("/v1/reports?limit=5"), "/v1/reports?limit=5");
        assert_eq!(redact_target("/v1/reports"), "/v1/reports");
        assert_eq!(
            redact_target("/x?tokens=5&api_key="),
            "/x?tokens=5&api_key="
        );
    }
}
