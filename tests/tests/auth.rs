use serde_json::Value;
use sigap_domain::Role;
use sigap_tests::{report_body, spawn_app};

async fn problem(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    (status, response.json().await.expect("json"))
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_without_a_valid_token_get_401_problems() {
    let app = spawn_app().await;
    let url = app.url("/v1/reports");

    let missing = app
        .http
        .post(&url)
        .json(&report_body())
        .send()
        .await
        .expect("request");
    assert_eq!(missing.headers()["www-authenticate"], "Bearer");
    let (status, body) = problem(missing).await;
    assert_eq!(
        (status, body["type"].as_str()),
        (401, Some("/problems/unauthorized"))
    );

    let mut expired = app.claims("op", Role::Operator);
    expired.exp = chrono::Utc::now().timestamp() - 3600;
    let response = app
        .http
        .post(&url)
        .bearer_auth(app.sign(&expired))
        .json(&report_body())
        .send()
        .await
        .expect("request");
    let (status, body) = problem(response).await;
    assert_eq!(status, 401);
    assert!(body["detail"].as_str().expect("detail").contains("expired"));

    // Signed with another secret.
    let token = app.token(Role::Operator);
    let mut parts: Vec<&str> = token.split('.').collect();
    let forged_signature = "c2lnbmVkLXdpdGgtYW5vdGhlci1zZWNyZXQ";
    parts[2] = forged_signature;
    let response = app
        .http
        .post(&url)
        .bearer_auth(parts.join("."))
        .json(&report_body())
        .send()
        .await
        .expect("request");
    assert_eq!(problem(response).await.0, 401);

    // alg: none, with the same claims and no signature.
    let header = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0"; // {"alg":"none","typ":"JWT"}
    let unsigned = format!("{header}.{}.", token.split('.').nth(1).expect("payload"));
    let response = app
        .http
        .post(&url)
        .bearer_auth(unsigned)
        .json(&report_body())
        .send()
        .await
        .expect("request");
    assert_eq!(problem(response).await.0, 401);

    let response = app
        .http
        .post(&url)
        .header("authorization", "Basic Zm9vOmJhcg==")
        .json(&report_body())
        .send()
        .await
        .expect("request");
    assert_eq!(problem(response).await.0, 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn roles_that_may_not_file_reports_get_403() {
    let app = spawn_app().await;
    for role in [Role::UptStaff, Role::Regional, Role::Admin] {
        let response = app
            .post("/v1/reports", &app.token(role), &report_body())
            .await;
        let (status, body) = problem(response).await;
        assert_eq!(
            (status, body["type"].as_str()),
            (403, Some("/problems/forbidden")),
            "{role}"
        );
    }
    for role in [Role::Operator, Role::Supervisor, Role::Integrator] {
        let response = app
            .post("/v1/reports", &app.token(role), &report_body())
            .await;
        assert_eq!(response.status(), 201, "{role}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_server_refuses_to_start_without_a_jwt_secret_outside_dev() {
    let binary = sigap_tests::binary("sigap-api");
    let output = std::process::Command::new(binary)
        .arg("serve")
        .env_remove("SIGAP_JWT_SECRET")
        .env_remove("SIGAP_ENV")
        .env("SIGAP_BIND", "127.0.0.1:0")
        .output()
        .expect("run sigap-api (make test builds it first)");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("SIGAP_JWT_SECRET"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_server_refuses_a_short_secret_and_development_on_a_public_address() {
    let serve = |vars: &[(&str, &str)]| {
        let mut command = std::process::Command::new(sigap_tests::binary("sigap-api"));
        command
            .arg("serve")
            .env_remove("SIGAP_JWT_SECRET")
            .env_remove("SIGAP_ENV")
            .env("SIGAP_BIND", "127.0.0.1:0");
        for (k, v) in vars {
            command.env(k, v);
        }
        let output = command
            .output()
            .expect("run sigap-api (make test builds it first)");
        assert!(!output.status.success(), "{vars:?} started");
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let stderr = serve(&[("SIGAP_JWT_SECRET", "sixteen-bytes-ok")]);
    assert!(stderr.contains("at least 32 bytes"), "{stderr}");
    let stderr = serve(&[("SIGAP_ENV", "dev"), ("SIGAP_BIND", "0.0.0.0:0")]);
    assert!(stderr.contains("loopback"), "{stderr}");
}
