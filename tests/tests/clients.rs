//! API clients and the client-credentials grant.

use serde_json::{Value, json};
use sigap_domain::Role;
use sigap_tests::{TestApp, report_body, spawn_app};

async fn create_client(app: &TestApp) -> Value {
    create_client_with(app, &["reports:write", "reports:read"]).await
}

async fn create_client_with(app: &TestApp, scopes: &[&str]) -> Value {
    let response = app
        .post(
            "/v1/clients",
            &app.token(Role::Admin),
            &json!({"name": "WhatsApp bot", "scopes": scopes}),
        )
        .await;
    assert_eq!(response.status(), 201);
    response.json().await.expect("json")
}

/// An access token from the client-credentials grant.
async fn access_token(app: &TestApp, client: &Value) -> String {
    let response = token_for(
        app,
        client["client_id"].as_str().expect("id"),
        client["client_secret"].as_str().expect("secret"),
    )
    .await;
    assert_eq!(response.status(), 200);
    let token: Value = response.json().await.expect("json");
    token["access_token"].as_str().expect("token").to_owned()
}

/// Status and problem of a refused request.
async fn refusal(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    (status, response.json().await.expect("json"))
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
    assert_eq!(token["scope"], "reports:write reports:read");
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

#[tokio::test(flavor = "multi_thread")]
async fn unknown_scopes_are_refused_when_a_client_is_created() {
    let app = spawn_app().await;
    let admin = app.token(Role::Admin);
    let response = app
        .post(
            "/v1/clients",
            &admin,
            &json!({"name": "bot", "scopes": ["reports:write", "admin", "webhooks", "webhooks"]}),
        )
        .await;
    let (status, problem) = refusal(response).await;
    assert_eq!(status, 422);
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("field"))
        .collect();
    assert_eq!(fields, ["scopes[1]", "scopes[3]"]);
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .expect("message")
            .contains("reports:write, reports:read, webhooks, open311")
    );
    let created = app
        .post(
            "/v1/clients",
            &admin,
            &json!({"name": "bot", "scopes": ["reports:write", "reports:read", "webhooks", "open311"]}),
        )
        .await;
    assert_eq!(created.status(), 201);
}

#[tokio::test(flavor = "multi_thread")]
async fn integrator_tokens_without_the_scope_an_endpoint_needs_get_403() {
    let app = spawn_app().await;
    let writer = create_client_with(&app, &["reports:write"]).await;
    let writer_token = access_token(&app, &writer).await;
    let filed = app.post("/v1/reports", &writer_token, &report_body()).await;
    assert_eq!(filed.status(), 201);
    let id = filed.json::<Value>().await.expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned();

    // Each endpoint names the scope it needs.
    let read = app.get(&format!("/v1/reports/{id}"), &writer_token).await;
    let (status, problem) = refusal(read).await;
    assert_eq!(status, 403);
    assert!(
        problem["detail"]
            .as_str()
            .expect("detail")
            .contains("reports:read")
    );
    for path in ["/v1/webhooks"] {
        let (status, problem) = refusal(app.get(path, &writer_token).await).await;
        assert_eq!(status, 403, "{path}");
        assert!(
            problem["detail"]
                .as_str()
                .expect("detail")
                .contains("webhooks")
        );
    }
    let subscribe = app
        .post(
            "/v1/webhooks",
            &writer_token,
            &json!({"url": "https://hooks.example.org/sigap", "events": ["report.*"]}),
        )
        .await;
    let (status, problem) = refusal(subscribe).await;
    assert_eq!(status, 403);
    assert!(
        problem["detail"]
            .as_str()
            .expect("detail")
            .contains("webhooks")
    );

    let reader = create_client_with(&app, &["reports:read"]).await;
    let reader_token = access_token(&app, &reader).await;
    let (status, problem) =
        refusal(app.post("/v1/reports", &reader_token, &report_body()).await).await;
    assert_eq!(status, 403);
    assert!(
        problem["detail"]
            .as_str()
            .expect("detail")
            .contains("reports:write")
    );

    // A token with a scope its client never had (signed elsewhere with the
    // same key) is no different: the claim is what counts.
    let none = app.integrator_token(writer["client_id"].as_str().expect("id"), "");
    assert_eq!(
        app.post("/v1/reports", &none, &report_body())
            .await
            .status(),
        403
    );

    // Open311 with the api_key of a client without the open311 scope.
    let api_key = format!(
        "{}:{}",
        writer["client_id"].as_str().expect("id"),
        writer["client_secret"].as_str().expect("secret")
    );
    let response = app
        .http
        .get(app.url("/open311/v2/requests.json"))
        .header("X-Api-Key", &api_key)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 403);
    let errors: Value = response.json().await.expect("json");
    assert!(
        errors[0]["description"]
            .as_str()
            .expect("description")
            .contains("open311"),
        "{errors}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_clients_access_token_is_refused_within_seconds() {
    let app = spawn_app().await;
    // A second api process on the same database: it learns of the
    // revocation only through the store's notification.
    let other = sigap_tests::ApiServer::start(app.config()).await;
    let on_other = |path: &str| format!("{}{path}", other.address);
    let client = create_client(&app).await;
    let id = client["client_id"].as_str().expect("id");
    let token = access_token(&app, &client).await;
    let filed = app
        .http
        .post(on_other("/v1/reports"))
        .bearer_auth(&token)
        .json(&report_body())
        .send()
        .await
        .expect("request");
    assert_eq!(filed.status(), 201);

    let revoked = app
        .http
        .delete(app.url(&format!("/v1/clients/{id}")))
        .bearer_auth(app.token(Role::Admin))
        .send()
        .await
        .expect("request");
    assert_eq!(revoked.status(), 204);
    // The secret, though verified moments ago, stops working at once.
    assert_eq!(
        token_for(&app, id, client["client_secret"].as_str().expect("secret"))
            .await
            .status(),
        401
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
    let status = loop {
        let status = app
            .http
            .post(on_other("/v1/reports"))
            .bearer_auth(&token)
            .json(&report_body())
            .send()
            .await
            .expect("request")
            .status()
            .as_u16();
        if status != 201 || std::time::Instant::now() > deadline {
            break status;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(
        status, 401,
        "the old token still worked 3 s after revocation"
    );
    let (status, problem) = refusal(app.get("/v1/webhooks", &token).await).await;
    assert_eq!(status, 401);
    assert!(
        problem["detail"]
            .as_str()
            .expect("detail")
            .contains("revoked")
    );
    other.stop().await;

    // An api process started after the revocation knows it from the start.
    let late = sigap_tests::ApiServer::start(app.config()).await;
    let response = app
        .http
        .get(format!("{}/v1/webhooks", late.address))
        .bearer_auth(&token)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 401);
    // Other integrators are unaffected.
    let response = app
        .http
        .get(format!("{}/v1/webhooks", late.address))
        .bearer_auth(app.token(Role::Integrator))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    late.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn basic_credentials_are_read_in_any_case_and_url_decoded() {
    let app = spawn_app().await;
    let client = create_client(&app).await;
    let id = client["client_id"].as_str().expect("id");
    let secret = client["client_secret"].as_str().expect("secret");
    // RFC 6749 2.3.1: each part form-urlencoded, then base64 of `id:secret`
    // (reqwest does the base64).
    let encoded_id = id.replace('_', "%5F");
    let request = app
        .http
        .get(app.url("/"))
        .basic_auth(&encoded_id, Some(secret))
        .build()
        .expect("request");
    let header = request.headers()["authorization"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let credentials = header.strip_prefix("Basic ").expect("basic");
    for scheme in ["basic", "BASIC"] {
        let response = app
            .http
            .post(app.url("/v1/auth/token"))
            .header("authorization", format!("{scheme} {credentials}"))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200, "{scheme}");
    }
}
