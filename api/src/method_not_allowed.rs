//! A request for a documented path with a method the path does not declare
//! answers 405 with `Allow` (RFC 9110 §15.5.6), not 404. The paths and their
//! methods come from the OpenAPI document, so the answer cannot drift from
//! the contract.

use crate::problem::{ApiError, Problem};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use utoipa::openapi::OpenApi;
use utoipa::openapi::path::PathItem;

/// One segment of a path template: `reports`, `{id}`, or `{id}.json`.
#[derive(Debug)]
struct Segment {
    prefix: String,
    /// The text after a `{parameter}`; `None` for a literal segment.
    suffix: Option<String>,
}

impl Segment {
    fn parse(text: &str) -> Segment {
        match (text.find('{'), text.find('}')) {
            (Some(open), Some(close)) if open < close => Segment {
                prefix: text[..open].to_owned(),
                suffix: Some(text[close + 1..].to_owned()),
            },
            _ => Segment {
                prefix: text.to_owned(),
                suffix: None,
            },
        }
    }

    fn matches(&self, text: &str) -> bool {
        match &self.suffix {
            None => text == self.prefix,
            Some(suffix) => {
                text.len() > self.prefix.len() + suffix.len()
                    && text.starts_with(&self.prefix)
                    && text.ends_with(suffix.as_str())
            }
        }
    }
}

/// The documented paths with the methods each declares.
#[derive(Debug)]
pub struct DeclaredMethods {
    paths: Vec<(Vec<Segment>, String)>,
}

impl DeclaredMethods {
    /// Reads the paths and their methods from the OpenAPI document.
    pub fn from_document(api: &OpenApi) -> DeclaredMethods {
        let paths = api
            .paths
            .paths
            .iter()
            .map(|(template, item)| {
                let segments = template.split('/').map(Segment::parse).collect();
                (segments, allow_header(item))
            })
            .collect();
        DeclaredMethods { paths }
    }

    /// The `Allow` value for a concrete path, when the document declares it.
    /// Where several templates match (`/v1/coverage/gaps` and
    /// `/v1/coverage/{id}`), the one with more literal segments wins.
    pub fn allowed(&self, path: &str) -> Option<&str> {
        let parts: Vec<&str> = path.split('/').collect();
        self.paths
            .iter()
            .filter(|(segments, _)| {
                segments.len() == parts.len()
                    && segments.iter().zip(&parts).all(|(s, p)| s.matches(p))
            })
            .max_by_key(|(segments, _)| segments.iter().filter(|s| s.suffix.is_none()).count())
            .map(|(_, allow)| allow.as_str())
    }

    /// Whether a documented path does not declare `method`: the request
    /// deserves 405 even when it happens to fit another template's pattern.
    pub fn refuses(&self, method: &str, path: &str) -> Option<&str> {
        self.allowed(path)
            .filter(|allow| !allow.split(", ").any(|declared| declared == method))
    }
}

fn allow_header(item: &PathItem) -> String {
    let declared = [
        ("GET", item.get.is_some()),
        ("HEAD", item.head.is_some()),
        ("POST", item.post.is_some()),
        ("PUT", item.put.is_some()),
        ("PATCH", item.patch.is_some()),
        ("DELETE", item.delete.is_some()),
        ("OPTIONS", item.options.is_some()),
    ];
    declared
        .iter()
        .filter(|(_, yes)| *yes)
        .map(|(method, _)| *method)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The fallback of every request no handler took: 405 with `Allow` for a
/// documented path, 404 otherwise.
pub async fn fallback(req: HttpRequest, declared: web::Data<DeclaredMethods>) -> HttpResponse {
    let path = req.path();
    match declared.allowed(path) {
        Some(allow) => method_not_allowed(req.method().as_str(), path, allow),
        None => {
            ApiError::NotFound(format!("no route for {} {path}", req.method())).error_response()
        }
    }
}

/// 405 for `method` on `path`, with the methods the path declares.
pub fn method_not_allowed(method: &str, path: &str, allow: &str) -> HttpResponse {
    let status = StatusCode::METHOD_NOT_ALLOWED;
    HttpResponse::build(status)
        .insert_header((header::ALLOW, allow.to_owned()))
        .content_type("application/problem+json")
        .json(Problem {
            kind: "/problems/method_not_allowed".to_owned(),
            title: "Method not allowed".to_owned(),
            status: status.as_u16(),
            detail: format!("{path} does not accept {method}; it accepts {allow}"),
            errors: None,
            error: None,
            allowed: None,
            pending: None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_literal_and_parameter_segments() {
        let api = crate::openapi::document();
        let declared = DeclaredMethods::from_document(&api);
        assert_eq!(declared.allowed("/v1/reports"), Some("GET, POST"));
        assert!(
            declared
                .allowed("/v1/reports/0190c0de-0000-7000-8000-000000000000")
                .is_some()
        );
        assert!(
            declared
                .allowed("/open311/v2/requests/CC-2026-000001.json")
                .is_some()
        );
        assert_eq!(declared.allowed("/v1/nothing-here"), None);
        assert_eq!(declared.allowed("/v1/reports/a/b/c/d"), None);
        assert_eq!(declared.allowed("/v1/coverage/gaps"), Some("GET"));
        assert_eq!(declared.refuses("PATCH", "/v1/coverage/gaps"), Some("GET"));
        assert_eq!(declared.refuses("PATCH", "/v1/coverage/12"), None);
    }
}
