//! A documented path asked with a method it does not declare answers 405 with
//! `Allow`; an unknown path answers 404.

use sigap_domain::Role;
use sigap_tests::{TestApp, spawn_app};

/// `method path`, with a bearer token when given.
async fn ask(app: &TestApp, method: &str, path: &str, token: Option<&str>) -> reqwest::Response {
    let request = app
        .http
        .request(method.parse().expect("a method"), app.url(path));
    let request = match token {
        Some(token) => request.bearer_auth(token),
        None => request,
    };
    request.send().await.expect("request")
}

/// A response header as text.
fn header<'r>(response: &'r reqwest::Response, name: &str) -> Option<&'r str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test(flavor = "multi_thread")]
async fn undeclared_methods_answer_405_with_allow() {
    let app = spawn_app().await;
    let token = app.token(Role::Admin);
    let cases = [
        ("DELETE", "/v1/reports", "GET, POST"),
        ("PUT", "/v1/regions", "GET"),
        (
            "POST",
            "/v1/reports/0190c0de-0000-7000-8000-000000000000",
            "GET",
        ),
        ("DELETE", "/v1/units/SENTRA-MULYA-JAYA", "GET, PUT"),
        // Fits `/v1/coverage/{id}` (PATCH) by its shape, but is a path of its own.
        ("PATCH", "/v1/coverage/gaps", "GET"),
    ];
    for (method, path, allow) in cases {
        let response = ask(&app, method, path, Some(&token)).await;
        assert_eq!(response.status(), 405, "{method} {path}");
        assert_eq!(header(&response, "allow"), Some(allow), "{method} {path}");
        assert_eq!(
            header(&response, "content-type"),
            Some("application/problem+json")
        );
        let problem: serde_json::Value = response.json().await.expect("problem json");
        assert_eq!(problem["type"], "/problems/method_not_allowed");
        assert_eq!(problem["status"], 405);
    }

    let unknown = app.get("/v1/no-such-thing", &token).await;
    assert_eq!(unknown.status(), 404);
}

/// The Open311 facade answers the same, in its own error shape.
#[tokio::test(flavor = "multi_thread")]
async fn undeclared_methods_on_open311_paths_answer_405_with_allow() {
    let app = spawn_app().await;
    let cases = [
        ("TRACE", "/open311/v2/services.json", "GET"),
        ("DELETE", "/open311/v2/services/elderly.json", "GET"),
        ("TRACE", "/open311/v2/requests.json", "GET, POST"),
        ("PUT", "/open311/v2/requests/CC-2026-000001.json", "GET"),
    ];
    for (method, path, allow) in cases {
        let response = ask(&app, method, path, None).await;
        assert_eq!(response.status(), 405, "{method} {path}");
        assert_eq!(header(&response, "allow"), Some(allow), "{method} {path}");
        let errors: serde_json::Value = response.json().await.expect("open311 errors");
        assert_eq!(errors[0]["code"], 405, "{method} {path}");
    }

    let unknown = ask(&app, "GET", "/open311/v2/nothing.json", None).await;
    assert_eq!(unknown.status(), 404);
    assert!(unknown.headers().get("allow").is_none());
}
