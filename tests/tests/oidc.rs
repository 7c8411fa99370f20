//! Signing in through the organisation's identity provider, as far as it
//! goes without one: the endpoints' answers when none is configured or it
//! cannot be reached, a stray callback's page, the one-time code that starts
//! a session, and how an identity finds its staff account. The full flow
//! against a real OpenID provider runs in the browser tests
//! (tests/browser/oidc.test.js, npm oidc-provider).

use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};
use sigap_domain::Role;
use sigap_store::oidc::{self, Found, Identity};
use sigap_tests::{TestApp, spawn_app, spawn_app_with};

const ISSUER: &str = "http://127.0.0.1:9/realms/kemensos";

/// An api with an identity provider that refuses every connection (port 9).
async fn spawn_with_provider() -> TestApp {
    spawn_app_with(&[
        ("SIGAP_OIDC_ISSUER", ISSUER),
        ("SIGAP_OIDC_CLIENT_ID", "sigap"),
        ("SIGAP_OIDC_CLIENT_SECRET", "rahasia-klien-sigap"),
        ("SIGAP_PUBLIC_URL", "http://127.0.0.1:8080"),
    ])
    .await
}

async fn create_staff(app: &TestApp, email: &str) -> Value {
    let response = app
        .post(
            "/v1/staff",
            &app.token(Role::Admin),
            &json!({"email": email, "name": "Ani Rahmawati", "role": "supervisor"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.expect("json")
}

async fn store(app: &TestApp) -> sigap_store::db::PooledConn {
    sigap_store::db::pool(&app.db.url, 1, std::time::Duration::from_secs(10))
        .get()
        .await
        .expect("connect")
}

#[tokio::test(flavor = "multi_thread")]
async fn without_an_identity_provider_the_sign_in_endpoints_answer_a_404_problem() {
    let app = spawn_app().await;
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    for response in [
        no_redirects
            .get(app.url("/v1/auth/oidc/start"))
            .send()
            .await
            .expect("start"),
        no_redirects
            .get(app.url("/v1/auth/oidc/callback?code=c&state=s"))
            .send()
            .await
            .expect("callback"),
        app.http
            .post(app.url("/v1/auth/session"))
            .json(&json!({"code": "0123"}))
            .send()
            .await
            .expect("session"),
    ] {
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(response.headers()[CONTENT_TYPE], "application/problem+json");
        let problem: Value = response.json().await.expect("json");
        assert_eq!(problem["type"], "/problems/oidc-not-configured");
    }
    let config: Value = app
        .http
        .get(app.url("/console/config.json"))
        .send()
        .await
        .expect("config")
        .json()
        .await
        .expect("json");
    assert_eq!(config["oidc"], false);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_provider_is_a_502_and_a_stray_callback_gets_a_clear_page() {
    let app = spawn_with_provider().await;
    let config: Value = app
        .http
        .get(app.url("/console/config.json"))
        .send()
        .await
        .expect("config")
        .json()
        .await
        .expect("json");
    assert_eq!(config["oidc"], true);

    let start = app
        .http
        .get(app.url("/v1/auth/oidc/start"))
        .send()
        .await
        .expect("start");
    assert_eq!(start.status(), StatusCode::BAD_GATEWAY);
    let problem: Value = start.json().await.expect("json");
    assert_eq!(problem["type"], "/problems/bad-gateway");

    // A state Sigap never issued: no session, a page in both languages.
    let callback = app
        .http
        .get(app.url("/v1/auth/oidc/callback?code=abc&state=never-issued"))
        .send()
        .await
        .expect("callback");
    assert_eq!(callback.status(), StatusCode::BAD_REQUEST);
    assert!(
        callback.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = callback.text().await.expect("text");
    assert!(page.contains("Proses masuk kedaluwarsa"), "{page}");
    assert!(page.contains("The sign-in has expired"), "{page}");
    assert!(page.contains("href=\"http://127.0.0.1:8080/console/\""));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_one_time_code_starts_one_session_and_only_once() {
    let app = spawn_with_provider().await;
    let person = create_staff(&app, "ani.kode@kemensos.go.id").await;
    let id = person["id"].as_str().unwrap().parse().expect("uuid");
    let mut conn = store(&app).await;
    let code = oidc::issue_code(&mut conn, id).await.expect("code");

    let session = |code: String| {
        app.http
            .post(app.url("/v1/auth/session"))
            .json(&json!({"code": code}))
            .send()
    };
    let first = session(code.clone()).await.expect("session");
    assert_eq!(first.status(), StatusCode::OK);
    let pair: Value = first.json().await.expect("json");
    assert_eq!(pair["token_type"], "Bearer");
    assert!(pair["refresh_token"].is_string());
    let me: Value = app
        .get("/v1/me", pair["access_token"].as_str().unwrap())
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(me["id"], person["id"]);

    let again = session(code).await.expect("session");
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);
    let unknown = session("ffff".into()).await.expect("session");
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let not_an_object = app
        .http
        .post(app.url("/v1/auth/session"))
        .json(&json!(["code"]))
        .send()
        .await
        .expect("session");
    assert_eq!(not_an_object.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_identity_finds_its_account_by_verified_email_once_then_by_subject() {
    let app = spawn_with_provider().await;
    let person = create_staff(&app, "ani.ikatan@kemensos.go.id").await;
    let mut conn = store(&app).await;
    let who = |subject: &'static str, email: Option<&'static str>| Identity {
        issuer: ISSUER,
        subject,
        verified_email: email,
    };
    // No verified email and no binding: unknown.
    let found = oidc::find_staff(&mut conn, &who("sub-ani", None)).await;
    assert!(matches!(found, Ok(Found::Unknown)));
    // The verified email finds the account and binds it to the subject...
    let found = oidc::find_staff(
        &mut conn,
        &who("sub-ani", Some("ani.ikatan@kemensos.go.id")),
    )
    .await
    .expect("find");
    let Found::Active(bound) = found else {
        panic!("expected the account, got {found:?}");
    };
    assert_eq!(bound.id.to_string(), person["id"].as_str().unwrap());
    // The one-time password it was created with is retired: nothing to change.
    assert_eq!(person["must_change_password"], true);
    assert!(!bound.must_change_password);
    let with_password = app
        .http
        .post(app.url("/v1/auth/login"))
        .json(
            &json!({"email": "ani.ikatan@kemensos.go.id", "password": person["one_time_password"]}),
        )
        .send()
        .await
        .expect("login");
    assert_eq!(with_password.status(), StatusCode::UNAUTHORIZED);
    // ...which then holds whatever email the provider says later,
    let found = oidc::find_staff(&mut conn, &who("sub-ani", Some("ani@lain.go.id"))).await;
    assert!(matches!(found, Ok(Found::Active(p)) if p.id == bound.id));
    // and another identity with the same email cannot take it.
    let found = oidc::find_staff(
        &mut conn,
        &who("sub-other", Some("ani.ikatan@kemensos.go.id")),
    )
    .await;
    assert!(matches!(found, Ok(Found::Unknown)));

    let deactivated = app
        .http
        .patch(app.url(&format!("/v1/staff/{}", bound.id)))
        .bearer_auth(app.token(Role::Admin))
        .json(&json!({"active": false}))
        .send()
        .await
        .expect("patch");
    assert_eq!(deactivated.status(), StatusCode::OK);
    let found = oidc::find_staff(&mut conn, &who("sub-ani", None)).await;
    assert!(matches!(found, Ok(Found::Inactive)));
}
