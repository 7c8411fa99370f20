//! The operator console's files, and the development sign-in it uses.

use reqwest::StatusCode;
use reqwest::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH, LOCATION,
};
use serde_json::{Value, json};
use sigap_tests::{TestApp, spawn_app, spawn_app_with};

async fn dev_token(app: &TestApp, body: Value) -> reqwest::Response {
    app.http
        .post(app.url("/v1/dev/token"))
        .json(&body)
        .send()
        .await
        .expect("request")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_console_is_served_from_the_binary_under_a_strict_content_security_policy() {
    let app = spawn_app().await;
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let redirect = no_redirects
        .get(app.url("/console"))
        .send()
        .await
        .expect("request");
    assert_eq!(redirect.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(redirect.headers()[LOCATION], "/console/");

    let page = app
        .http
        .get(app.url("/console/"))
        .send()
        .await
        .expect("request");
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()[CONTENT_TYPE], "text/html; charset=utf-8");
    assert_eq!(page.headers()[CACHE_CONTROL], "no-cache");
    let csp = page.headers()[CONTENT_SECURITY_POLICY]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(csp.starts_with("default-src 'self'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    let html = page.text().await.expect("body");
    assert!(html.contains(r#"<script type="module" src="app.js"></script>"#));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "the page loads nothing from elsewhere"
    );

    for (file, media) in [
        ("app.js", "text/javascript; charset=utf-8"),
        ("api.js", "text/javascript; charset=utf-8"),
        ("i18n.js", "text/javascript; charset=utf-8"),
        ("dom.js", "text/javascript; charset=utf-8"),
        ("charts.js", "text/javascript; charset=utf-8"),
        ("style.css", "text/css; charset=utf-8"),
        ("favicon.svg", "image/svg+xml"),
    ] {
        let response = app
            .http
            .get(app.url(&format!("/console/{file}")))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::OK, "{file}");
        assert_eq!(response.headers()[CONTENT_TYPE], media, "{file}");
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
        let etag = response.headers()[ETAG].clone();
        let body = response.text().await.expect("body");
        assert!(!body.is_empty(), "{file}");
        if file.ends_with(".js") {
            assert!(
                !body.contains("https://") && !body.contains("console.log"),
                "{file} fetches nothing from elsewhere and logs nothing"
            );
        }

        let again = app
            .http
            .get(app.url(&format!("/console/{file}")))
            .header(IF_NONE_MATCH, etag.clone())
            .send()
            .await
            .expect("request");
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{file}");
        assert_eq!(again.headers()[ETAG], etag);
    }

    let missing = app
        .http
        .get(app.url("/console/secrets.js"))
        .send()
        .await
        .expect("request");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(missing.headers()[CONTENT_TYPE], "application/problem+json");

    let config: Value = app
        .http
        .get(app.url("/console/config.json"))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(config, json!({"dev": false, "oidc": false}));
}

#[tokio::test(flavor = "multi_thread")]
async fn development_tokens_are_not_found_outside_development() {
    let app = spawn_app().await;
    let response = dev_token(&app, json!({"role": "admin"})).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(response.headers()[CONTENT_TYPE], "application/problem+json");
    let problem: Value = response.json().await.expect("json");
    assert_eq!(problem["type"], "/problems/not-found");
    assert_eq!(problem["detail"], "no route for POST /v1/dev/token");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_development_server_mints_tokens_for_the_console_roles() {
    let app = spawn_app_with(&[("SIGAP_ENV", "dev")]).await;
    let config: Value = app
        .http
        .get(app.url("/console/config.json"))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(config, json!({"dev": true, "oidc": false}));

    let response = dev_token(
        &app,
        json!({"role": "upt_staff", "unit": "SENTRA-MULYA-JAYA"}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let token: Value = response.json().await.expect("json");
    assert_eq!(token["token_type"], "Bearer");
    assert_eq!(token["expires_in"], 8 * 3600);
    let staff = token["access_token"].as_str().expect("token");
    let own = app.get("/v1/units/SENTRA-MULYA-JAYA/cases", staff).await;
    assert_eq!(own.status(), StatusCode::OK, "the token is the unit's");
    let other = app.get("/v1/units/SENTRA-HANDAYANI/cases", staff).await;
    assert_eq!(other.status(), StatusCode::NOT_FOUND, "and only the unit's");

    let regional = dev_token(&app, json!({"role": "regional", "region": "13"})).await;
    assert_eq!(regional.status(), StatusCode::OK);

    for (body, field, message) in [
        (
            json!({"role": "upt_staff"}),
            "unit",
            "is required for upt_staff",
        ),
        (
            json!({"role": "upt_staff", "unit": "SENTRA-NOWHERE"}),
            "unit",
            "is not a known unit",
        ),
        (
            json!({"role": "regional", "region": "13.03"}),
            "region",
            "is not a known province",
        ),
        (
            json!({"role": "integrator"}),
            "role",
            "integrators get tokens from POST /v1/auth/token",
        ),
    ] {
        let response = dev_token(&app, body.clone()).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}"
        );
        let problem: Value = response.json().await.expect("json");
        assert_eq!(
            problem["errors"],
            json!([{"field": field, "message": message}]),
            "{body}"
        );
    }
}
