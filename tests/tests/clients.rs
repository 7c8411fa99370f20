//! API clients and the client-credentials grant.

use serde_json::{Value, json};
use sigap_domain::Role;
use sigap_tests::{TestApp, report_body, spawn_app};

async fn create_client(app: &TestApp) -> Value {
    let response = app
        .post(
            "/v1/clients",
            &app.token(Role::Admin),
            &json!({"name": "WhatsApp bot", "scopes": ["reports:write"]}),
        )
        .await;
    assert_eq!(response.status(), 201);
    response.json().await.expect("json")
}

async fn token_for(app: &TestApp, id: &str, secret: &str) -> reqwest::Response {
    app.http
        .post(app.url("/v1/auth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
        ])
        .send()
        .await
        .expect("request")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_created_by_an_admin_gets_a_token_and_files_a_report() {
    let app = spawn_app().await;
    let client = create_client(&app).await;
    let id = client["client_id"].as_str().expect("id");
    let secret = client["client_secret"].as_str().expect("secret");

    let listed: Value = app
        .get("/v1/clients", &app.token(Role::Admin))
        .await
        .json()
        .await
        .expect("json");
    let text = listed.to_string();
    assert!(
        text.contains(id) && !text.contains(secret),
        "the secret is shown once only"
    );

    let response = token_for(&app, id, secret).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let token: Value = response.json().await.expect("json");
    assert_eq!(
        (token["token_type"].as_str(), token["expires_in"].as_u64()),
        (Some("Bearer"), Some(900))
    );
    assert_eq!(token["scope"], "reports:write");
    let access = token["access_token"].as_str().expect("token");

    // JSON body and HTTP Basic work too.
    let json_grant = app
        .http
        .post(app.url("/v1/auth/token"))
        .json(
            &json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret}),
        )
        .send()
        .await
        .expect("request");
    assert_eq!(json_grant.status(), 200);
    let basic = app
        .http
        .post(app.url("/v1/auth/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("request");
    assert_eq!(basic.status(), 200);

    let filed = app.post("/v1/reports", access, &report_body()).await;
    assert_eq!(filed.status(), 201);
    let report_id = filed.json::<Value>().await.expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let own: Value = app
        .get(&format!("/v1/reports/{report_id}"), access)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(own["id"], report_id.as_str());
    assert!(
        own.get("reporter").is_none(),
        "integrators see no personal data"
    );

    // Another client cannot read it.
    let other = create_client(&app).await;
    let other_token: Value = token_for(
        &app,
        other["client_id"].as_str().expect("id"),
        other["client_secret"].as_str().expect("secret"),
    )
    .await
    .json()
    .await
    .expect("json");
    let response = app
        .get(
            &format!("/v1/reports/{report_id}"),
            other_token["access_token"].as_str().expect("token"),
        )
        .await;
    assert_eq!(response.status(), 404);
    let db = app.db.client().await;
    let recorded: Option<String> = db
        .query_one(
            "SELECT client_id FROM reports WHERE id = $1::text::uuid",
            &[&report_id],
        )
        .await
        .expect("row")
        .get(0);
    assert_eq!(
        recorded.as_deref(),
        Some(id),
        "the report records its client"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_client_or_a_wrong_secret_gets_no_token() {
    let app = spawn_app().await;
    let client = create_client(&app).await;
    let id = client["client_id"].as_str().expect("id");
    let secret = client["client_secret"].as_str().expect("secret");

    let wrong = token_for(&app, id, "not-the-secret").await;
    assert_eq!(wrong.status(), 401);
    let problem: Value = wrong.json().await.expect("json");
    assert_eq!(
        (problem["error"].as_str(), problem["type"].as_str()),
        (Some("invalid_client"), Some("/problems/invalid-client"))
    );

    let grant = app
        .http
        .post(app.url("/v1/auth/token"))
        .form(&[
            ("grant_type", "password"),
            ("client_id", id),
            ("client_secret", secret),
        ])
        .send()
        .await
        .expect("request");
    assert_eq!(grant.status(), 400);
    assert_eq!(
        grant.json::<Value>().await.expect("json")["error"],
        "unsupported_grant_type"
    );

    let admin = app.token(Role::Admin);
    let revoked = app
        .http
        .delete(app.url(&format!("/v1/clients/{id}")))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("request");
    assert_eq!(revoked.status(), 204);
    assert_eq!(
        token_for(&app, id, secret).await.status(),
        401,
        "revocation takes effect at once"
    );
    let missing = app
        .http
        .delete(app.url("/v1/clients/cli_nope"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("request");
    assert_eq!(missing.status(), 404);
    assert_eq!(
        app.post(
            "/v1/clients",
            &app.token(Role::Supervisor),
            &json!({"name": "x"})
        )
        .await
        .status(),
        403
    );
    assert_eq!(
        app.post("/v1/clients", &admin, &json!({"name": ""}))
            .await
            .status(),
        422
    );
}
