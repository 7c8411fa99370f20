//! A request for a documented path with a method the path does not declare
//! answers 405 with `Allow` (RFC 9110 §15.5.6), not 404. The paths and their
//! methods come from the OpenAPI document, so the answer cannot drift from
//! the contract.

use crate::problem::{ApiError, Problem};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use utoipa::openapi::OpenApi;
use utoipa::openapi::path::PathItem;

/// One segment of a path template: `reports`, `{id}`, `{id}.json` or
/// `{id}.{format}`: the literal pieces around its parameters.
#[derive(Debug)]
struct Segment {
    /// One more than the parameters: the text before the first, between
    /// each two, and after the last.
    pieces: Vec<String>,
}

impl Segment {
    fn parse(text: &str) -> Segment {
        let mut pieces = Vec::new();
        let mut rest = text;
        while let (Some(open), Some(close)) = (rest.find('{'), rest.find('}')) {
            if close < open {
                break;
            }
            pieces.push(rest[..open].to_owned());
            rest = &rest[close + 1..];
        }
        pieces.push(rest.to_owned());
        Segment { pieces }
    }

    fn is_literal(&self) -> bool {
        self.pieces.len() == 1
    }

    /// Whether `text` fits: the literal pieces in order, each parameter at
    /// least one character.
    fn matches(&self, text: &str) -> bool {
        let (first, last) = (&self.pieces[0], &self.pieces[self.pieces.len() - 1]);
        if self.is_literal() {
            return text == first;
        }
        let Some(mut rest) = text.strip_prefix(first.as_str()) else {
            return false;
        };
        for piece in &self.pieces[1..self.pieces.len() - 1] {
            // The parameter before this piece takes at least one character.
            match rest.get(1..).and_then(|after| after.find(piece.as_str())) {
                Some(at) => rest = &rest[1 + at + piece.len()..],
                None => return false,
            }
        }
        rest.len() > last.len() && rest.ends_with(last.as_str())
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
            .max_by_key(|(segments, _)| segments.iter().filter(|s| s.is_literal()).count())
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
        assert_eq!(
            declared.allowed("/open311/v2/requests/CC-2026-000001.xml"),
            Some("GET")
        );
        assert_eq!(
            declared.allowed("/open311/v2/requests.xml"),
            Some("GET, POST")
        );
        assert_eq!(declared.allowed("/open311/v2/requests/.xml"), None);
        assert_eq!(declared.allowed("/v1/nothing-here"), None);
        assert_eq!(declared.allowed("/v1/reports/a/b/c/d"), None);
        assert_eq!(declared.allowed("/v1/coverage/gaps"), Some("GET"));
        assert_eq!(declared.refuses("PATCH", "/v1/coverage/gaps"), Some("GET"));
        assert_eq!(declared.refuses("PATCH", "/v1/coverage/12"), None);
    }
}
