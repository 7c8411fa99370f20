use serde_json::Value;
use sigap_domain::Role;
use sigap_tests::spawn_app;

#[tokio::test(flavor = "multi_thread")]
async fn reference_data_is_served_to_any_authenticated_caller() {
    let app = spawn_app().await;
    let token = app.token(Role::UptStaff);

    let provinces: Value = app
        .get("/v1/regions?level=province", &token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(provinces["items"].as_array().expect("items").len(), 38);
    let west_sumatra: Value = app
        .get("/v1/regions?parent=13", &token)
        .await
        .json()
        .await
        .expect("json");
    let codes: Vec<&str> = west_sumatra["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| r["code"].as_str().expect("code"))
        .collect();
    assert!(codes.contains(&"13.03"), "{codes:?}");
    let sijunjung = west_sumatra["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|r| r["code"] == "13.03")
        .expect("13.03");
    assert_eq!(sijunjung["name"], "Kabupaten Sijunjung");

    // All 552 regions over two pages.
    let first: Value = app
        .get("/v1/regions?limit=500", &token)
        .await
        .json()
        .await
        .expect("json");
    let cursor = first["next_cursor"].as_str().expect("a second page");
    let second: Value = app
        .get(&format!("/v1/regions?limit=500&cursor={cursor}"), &token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        first["items"].as_array().expect("items").len()
            + second["items"].as_array().expect("items").len(),
        552
    );
    assert!(second["next_cursor"].is_null());
    assert_eq!(app.get("/v1/regions?limit=501", &token).await.status(), 422);
    // An empty cursor asks for the first page, as no cursor does.
    let empty: Value = app
        .get("/v1/regions?limit=500&cursor=", &token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(empty["items"], first["items"]);
    assert_eq!(empty["next_cursor"], first["next_cursor"]);
    // Cursors are the hex of printable ASCII.
    for cursor in ["zz", "00", "c3a9", "313"] {
        let response = app
            .get(&format!("/v1/regions?cursor={cursor}"), &token)
            .await;
        assert_eq!(response.status(), 422, "{cursor}");
    }
    // No region's code holds NUL: nothing matches, nothing fails.
    let none: Value = app
        .get("/v1/regions?parent=%00", &token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(none["items"], serde_json::json!([]));
    assert_eq!(
        app.get("/v1/regions?level=village", &token).await.status(),
        422
    );

    let categories: Value = app
        .get("/v1/categories", &token)
        .await
        .json()
        .await
        .expect("json");
    let elderly = categories["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|c| c["code"] == "elderly")
        .expect("elderly");
    assert_eq!(
        (elderly["label_id"].as_str(), elderly["label_en"].as_str()),
        (Some("Lanjut usia"), Some("Elderly person"))
    );

    let units: Value = app
        .get("/v1/units", &token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(units["items"].as_array().expect("items").len(), 31);
    let unit: Value = app
        .get("/v1/units/SENTRA-MULYA-JAYA", &token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(unit["name"], "Sentra Mulya Jaya");
    assert_eq!(app.get("/v1/units/NOPE", &token).await.status(), 404);
    assert_eq!(
        app.http
            .get(app.url("/v1/units"))
            .send()
            .await
            .expect("request")
            .status(),
        401
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn health_metrics_and_the_spec_are_served() {
    let app = spawn_app().await;
    assert_eq!(
        app.http
            .get(app.url("/healthz"))
            .send()
            .await
            .expect("request")
            .status(),
        200
    );
    let spec: Value = app
        .http
        .get(app.url("/openapi.json"))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert!(spec["paths"]["/v1/reports"]["post"].is_object());
    let docs = app
        .http
        .get(app.url("/docs/"))
        .send()
        .await
        .expect("request");
    assert_eq!(docs.status(), 200);
    let metrics = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("text");
    assert!(metrics.is_empty() || metrics.contains("# TYPE"));
    let missing = app
        .http
        .get(app.url("/v1/nothing-here"))
        .send()
        .await
        .expect("request");
    assert_eq!(missing.status(), 404);
    assert_eq!(
        missing.headers()["content-type"],
        "application/problem+json"
    );
}

#[test]
fn the_openapi_drift_check_fails_when_the_document_and_the_code_differ() {
    let binary = sigap_tests::binary("sigap-api");
    let committed = sigap_tests::workspace_root().join("openapi/openapi.json");
    let check = |file: &std::path::Path| {
        std::process::Command::new(&binary)
            .args(["openapi", "--check"])
            .arg(file)
            .output()
            .expect("run sigap-api (make test builds it first)")
    };
    assert!(
        check(&committed).status.success(),
        "the committed document is current"
    );

    // A handler that changed without regenerating: the committed document lacks its path.
    let mut stale: Value =
        serde_json::from_str(&std::fs::read_to_string(&committed).expect("read")).expect("json");
    stale["paths"]
        .as_object_mut()
        .expect("paths")
        .remove("/v1/track/{tracking_code}");
    let file = std::env::temp_dir().join(format!("openapi-stale-{}.json", std::process::id()));
    std::fs::write(&file, serde_json::to_string_pretty(&stale).expect("json")).expect("write");
    let output = check(&file);
    let _ = std::fs::remove_file(&file);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("make openapi"));
}

/// PostgreSQL text cannot hold NUL, so no code, ticket or id does: a lookup
/// of one finds nothing (and never fails).
#[tokio::test(flavor = "multi_thread")]
async fn keys_holding_nul_find_nothing() {
    let app = spawn_app().await;
    let admin = app.token(Role::Admin);
    let supervisor = app.token(Role::Supervisor);
    for (path, token, status) in [
        ("/v1/units/SENTRA%00", &admin, 404),
        ("/v1/units/SENTRA%00/coverage", &admin, 404),
        ("/v1/units/SENTRA%00/history", &admin, 404),
        ("/v1/units/SENTRA%00/cases", &supervisor, 404),
        ("/v1/track/CC-2026-%00", &admin, 404),
        ("/v1/reports?unit=%00", &supervisor, 200),
        ("/v1/reports?region=%00", &supervisor, 200),
    ] {
        let response = app.get(path, token).await;
        assert_eq!(response.status(), status, "{path}");
    }
    let revoke = app
        .http
        .delete(app.url("/v1/clients/cli_%00"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("request");
    assert_eq!(revoke.status(), 404);
    let token = app
        .http
        .post(app.url("/v1/auth/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials&client_id=cli_%00&client_secret=x")
        .send()
        .await
        .expect("request");
    assert_eq!(token.status(), 401);
}
