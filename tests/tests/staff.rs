//! Staff accounts and sign-in: admin management, password sign-in with
//! lockout, sessions (refresh rotation, reuse, sign-out, deactivation seen by
//! every api process), TOTP for admins, and staff named in case histories.

use reqwest::StatusCode;
use serde_json::{Value, json};
use sigap_domain::{Role, Totp};
use sigap_tests::{ApiServer, TestApp, Worker, report_body, spawn_app};
use std::time::{Duration, Instant};

const PASSWORD: &str = "kursi roda merah 2026";

async fn create(app: &TestApp, body: Value) -> reqwest::Response {
    app.post("/v1/staff", &app.token(Role::Admin), &body).await
}

async fn create_ok(app: &TestApp, body: Value) -> Value {
    let response = create(app, body).await;
    let status = response.status();
    let body: Value = response.json().await.expect("json");
    assert_eq!(status, 201, "{body}");
    body
}

async fn login_at(
    app: &TestApp,
    address: &str,
    email: &str,
    password: &str,
    totp: Option<&str>,
) -> reqwest::Response {
    let mut body = json!({"email": email, "password": password});
    if let Some(code) = totp {
        body["totp"] = code.into();
    }
    app.http
        .post(format!("{address}/v1/auth/login"))
        .json(&body)
        .send()
        .await
        .expect("request")
}

async fn login(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    login_at(app, &app.address, email, password, None).await
}

async fn login_ok(app: &TestApp, email: &str, password: &str) -> Value {
    let response = login(app, email, password).await;
    let status = response.status();
    let body: Value = response.json().await.expect("json");
    assert_eq!(status, 200, "{body}");
    body
}

async fn refresh(app: &TestApp, refresh_token: &Value) -> reqwest::Response {
    app.http
        .post(app.url("/v1/auth/refresh"))
        .json(&json!({"refresh_token": refresh_token}))
        .send()
        .await
        .expect("request")
}

fn token(pair: &Value) -> &str {
    pair["access_token"].as_str().expect("access token")
}

/// Waits until `token` is refused (401) at `address`; returns how long that took.
async fn refused_within(app: &TestApp, address: &str, token: &str, limit: Duration) -> Duration {
    let start = Instant::now();
    loop {
        let status = app
            .http
            .get(format!("{address}/v1/units"))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
            .status();
        if status == 401 {
            return start.elapsed();
        }
        assert_eq!(status, 200);
        assert!(
            start.elapsed() < limit,
            "the token still works at {address} after {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn upt_staff_created_by_an_admin_signs_in_works_the_queue_and_is_named_in_the_history() {
    let app = spawn_app().await;
    let worker = Worker::start(app.config());
    let created = create_ok(
        &app,
        json!({"email": "Ani.Lestari@Sentra.go.id", "name": "Ani Lestari", "role": "upt_staff",
               "unit_code": "SENTRA-MULYA-JAYA", "password": PASSWORD}),
    )
    .await;
    assert_eq!(created["email"], "ani.lestari@sentra.go.id");
    assert_eq!(created["must_change_password"], false);
    assert!(created.get("one_time_password").is_none());
    let staff_id = created["id"].as_str().expect("id").to_owned();

    // The email is case-insensitive.
    let pair = login_ok(&app, "ANI.LESTARI@sentra.go.id", PASSWORD).await;
    assert_eq!(pair["token_type"], "Bearer");
    assert_eq!(pair["expires_in"], 900);
    assert_eq!(pair["must_change_password"], false);
    let access = token(&pair).to_owned();

    let me: Value = app.get("/v1/me", &access).await.json().await.expect("json");
    assert_eq!(me["id"], staff_id.as_str());
    assert_eq!(me["unit_code"], "SENTRA-MULYA-JAYA");
    assert!(me["last_sign_in_at"].is_string());

    let filed = app.file(&report_body()).await;
    let id = filed["id"].as_str().expect("id");
    app.wait_for_status(id, "assigned", Duration::from_secs(10))
        .await;
    let queue = app.get("/v1/units/SENTRA-MULYA-JAYA/cases", &access).await;
    assert_eq!(queue.status(), 200);
    let queue: Value = queue.json().await.expect("json");
    assert!(
        queue["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|case| case["id"] == id),
        "{queue}"
    );
    // Another unit's queue is not theirs.
    assert_eq!(
        app.get("/v1/units/SENTRA-EFATA/cases", &access)
            .await
            .status(),
        404
    );

    let report: Value = app
        .get(&format!("/v1/reports/{id}"), &access)
        .await
        .json()
        .await
        .expect("json");
    let acknowledged = app
        .http
        .post(app.url(&format!("/v1/reports/{id}/status")))
        .bearer_auth(&access)
        .header("If-Match", format!("\"{}\"", report["version"]))
        .json(&json!({"status": "acknowledged"}))
        .send()
        .await
        .expect("request");
    assert_eq!(
        acknowledged.status(),
        200,
        "{:?}",
        acknowledged.text().await
    );
    let note = app
        .post(
            &format!("/v1/reports/{id}/notes"),
            &access,
            &json!({"note": "Sudah menelepon keluarga"}),
        )
        .await;
    assert_eq!(note.status(), 201);

    // Those who may see names see the person's; a regional office sees the
    // staff id only.
    for (caller, named) in [
        (access.clone(), true),
        (app.token(Role::Supervisor), true),
        (app.token(Role::Regional), false),
    ] {
        let history: Value = app
            .get(&format!("/v1/reports/{id}"), &caller)
            .await
            .json()
            .await
            .expect("json");
        let events = history["events"].as_array().expect("events");
        for kind in ["status_changed", "note"] {
            let event = events
                .iter()
                .find(|e| e["kind"] == kind)
                .unwrap_or_else(|| panic!("{kind} in {history}"));
            assert_eq!(event["actor"], staff_id.as_str());
            assert_eq!(event["actor_role"], "upt_staff");
            if named {
                assert_eq!(event["actor_name"], "Ani Lestari", "{event}");
            } else {
                assert!(event.get("actor_name").is_none(), "{event}");
            }
        }
        // Other actors have no name.
        let assigned = events
            .iter()
            .find(|e| e["kind"] == "assigned")
            .expect("assigned");
        assert!(assigned.get("actor_name").is_none());
    }
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let app = spawn_app().await;
    create_ok(
        &app,
        json!({"email": "budi@kemensos.go.id", "name": "Budi", "role": "operator", "password": PASSWORD}),
    )
    .await;
    let mut answers = Vec::new();
    for (email, password) in [
        ("budi@kemensos.go.id", "not the password at all"),
        ("nobody@kemensos.go.id", "not the password at all"),
        ("not an email", PASSWORD),
    ] {
        let response = login(&app, email, password).await;
        let status = response.status();
        let content_type = response.headers()["content-type"].clone();
        let body: Value = response.json().await.expect("json");
        answers.push((status, content_type, body));
    }
    assert_eq!(answers[0].0, 401);
    assert_eq!(answers[0].2["type"], "/problems/invalid-credentials");
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0], answers[2]);
    // An inactive account answers the same, even with its password.
    let inactive = create_ok(
        &app,
        json!({"email": "cici@kemensos.go.id", "name": "Cici", "role": "operator", "password": PASSWORD}),
    )
    .await;
    let patched = app
        .http
        .patch(app.url(&format!(
            "/v1/staff/{}",
            inactive["id"].as_str().expect("id")
        )))
        .bearer_auth(app.token(Role::Admin))
        .json(&json!({"active": false}))
        .send()
        .await
        .expect("request");
    assert_eq!(patched.status(), 200);
    let response = login(&app, "cici@kemensos.go.id", PASSWORD).await;
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body, answers[0].2);
}

#[tokio::test(flavor = "multi_thread")]
async fn five_failures_lock_an_email_out_with_retry_after() {
    let app = spawn_app().await;
    create_ok(
        &app,
        json!({"email": "dewi@kemensos.go.id", "name": "Dewi", "role": "supervisor", "password": PASSWORD}),
    )
    .await;
    for _ in 0..5 {
        assert_eq!(
            login(&app, "dewi@kemensos.go.id", "wrong password 123")
                .await
                .status(),
            401
        );
    }
    // Even the right password now waits.
    let locked = login(&app, "Dewi@kemensos.go.id", PASSWORD).await;
    assert_eq!(locked.status(), 429);
    let retry_after: u64 = locked.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    let body: Value = locked.json().await.expect("json");
    assert_eq!(body["type"], "/problems/rate-limited");
    // The lock is in the database: a second api process agrees.
    let other = ApiServer::start(app.config()).await;
    assert_eq!(
        login_at(&app, &other.address, "dewi@kemensos.go.id", PASSWORD, None)
            .await
            .status(),
        429
    );
    // Unknown emails lock out the same way, and other emails are free.
    for _ in 0..5 {
        assert_eq!(
            login(&app, "ghost@kemensos.go.id", PASSWORD).await.status(),
            401
        );
    }
    assert_eq!(
        login(&app, "ghost@kemensos.go.id", PASSWORD).await.status(),
        429
    );
    create_ok(
        &app,
        json!({"email": "eko@kemensos.go.id", "name": "Eko", "role": "operator", "password": PASSWORD}),
    )
    .await;
    login_ok(&app, "eko@kemensos.go.id", PASSWORD).await;
    other.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn refresh_tokens_rotate_and_reusing_one_ends_the_session() {
    let app = spawn_app().await;
    create_ok(
        &app,
        json!({"email": "fajar@kemensos.go.id", "name": "Fajar", "role": "regional", "region_code": "13", "password": PASSWORD}),
    )
    .await;
    let first = login_ok(&app, "fajar@kemensos.go.id", PASSWORD).await;
    let second = refresh(&app, &first["refresh_token"]).await;
    assert_eq!(second.status(), 200);
    let second: Value = second.json().await.expect("json");
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    assert_eq!(app.get("/v1/reports", token(&second)).await.status(), 200);

    // The used token again: refused, and the whole session ends.
    let reused = refresh(&app, &first["refresh_token"]).await;
    assert_eq!(reused.status(), 401);
    refused_within(&app, &app.address, token(&second), Duration::from_secs(2)).await;
    assert_eq!(refresh(&app, &second["refresh_token"]).await.status(), 401);
    assert_eq!(
        refresh(&app, &json!("not a refresh token")).await.status(),
        401
    );

    // Signing out ends a session too; another session goes on.
    let third = login_ok(&app, "fajar@kemensos.go.id", PASSWORD).await;
    let fourth = login_ok(&app, "fajar@kemensos.go.id", PASSWORD).await;
    let out = app
        .http
        .post(app.url("/v1/auth/logout"))
        .bearer_auth(token(&third))
        .send()
        .await
        .expect("request");
    assert_eq!(out.status(), 204);
    assert_eq!(app.get("/v1/units", token(&third)).await.status(), 401);
    assert_eq!(refresh(&app, &third["refresh_token"]).await.status(), 401);
    assert_eq!(app.get("/v1/units", token(&fourth)).await.status(), 200);
    // A token without a session (sigap-api token) has nothing to end.
    let cli = app
        .http
        .post(app.url("/v1/auth/logout"))
        .bearer_auth(app.token(Role::Operator))
        .send()
        .await
        .expect("request");
    assert_eq!(cli.status(), 404);
    assert_eq!(
        app.get("/v1/units", &app.token(Role::Operator))
            .await
            .status(),
        200
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn deactivation_refuses_the_token_on_two_api_processes_within_two_seconds() {
    let app = spawn_app().await;
    let other = ApiServer::start(app.config()).await;
    let created = create_ok(
        &app,
        json!({"email": "gita@kemensos.go.id", "name": "Gita", "role": "upt_staff", "unit_code": "SENTRA-MULYA-JAYA", "password": PASSWORD}),
    )
    .await;
    let id = created["id"].as_str().expect("id");
    let pair = login_ok(&app, "gita@kemensos.go.id", PASSWORD).await;
    let access = token(&pair);
    for address in [&app.address, &other.address] {
        let status = app
            .http
            .get(format!("{address}/v1/units/SENTRA-MULYA-JAYA/cases"))
            .bearer_auth(access)
            .send()
            .await
            .expect("request")
            .status();
        assert_eq!(status, 200);
    }
    // Deactivated through the second process: both must refuse the token.
    let patched = app
        .http
        .patch(format!("{}/v1/staff/{id}", other.address))
        .bearer_auth(app.token(Role::Admin))
        .json(&json!({"active": false}))
        .send()
        .await
        .expect("request");
    assert_eq!(patched.status(), 200);
    let patched: Value = patched.json().await.expect("json");
    assert_eq!(patched["active"], false);
    let limit = Duration::from_secs(2);
    refused_within(&app, &app.address, access, limit).await;
    refused_within(&app, &other.address, access, limit).await;
    assert_eq!(refresh(&app, &pair["refresh_token"]).await.status(), 401);

    // A change of unit ends the sessions too.
    let patched = app
        .http
        .patch(app.url(&format!("/v1/staff/{id}")))
        .bearer_auth(app.token(Role::Admin))
        .json(&json!({"active": true}))
        .send()
        .await
        .expect("request");
    assert_eq!(patched.status(), 200);
    let pair = login_ok(&app, "gita@kemensos.go.id", PASSWORD).await;
    let moved = app
        .http
        .patch(app.url(&format!("/v1/staff/{id}")))
        .bearer_auth(app.token(Role::Admin))
        .json(&json!({"unit_code": "SENTRA-EFATA"}))
        .send()
        .await
        .expect("request");
    assert_eq!(moved.status(), 200);
    refused_within(&app, &other.address, token(&pair), limit).await;
    let pair = login_ok(&app, "gita@kemensos.go.id", PASSWORD).await;
    assert_eq!(
        app.get("/v1/units/SENTRA-EFATA/cases", token(&pair))
            .await
            .status(),
        200
    );
    // The audit trail names the admin, never the password.
    let audit = app
        .db
        .client()
        .await
        .query(
            "SELECT actor, action, changes::text FROM staff_audit WHERE staff_id = $1::text::uuid ORDER BY id",
            &[&id],
        )
        .await
        .expect("audit");
    let actions: Vec<String> = audit.iter().map(|r| r.get::<_, String>(1)).collect();
    assert_eq!(actions, ["created", "updated", "updated", "updated"]);
    assert!(audit.iter().all(|r| r.get::<_, String>(0) == "admin-test"));
    assert!(
        audit
            .iter()
            .all(|r| !r.get::<_, String>(2).contains(PASSWORD)
                && !r.get::<_, String>(2).contains("argon2"))
    );
    other.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_must_enrol_totp_before_doing_anything_else() {
    let app = spawn_app().await;
    create_ok(
        &app,
        json!({"email": "hadi@kemensos.go.id", "name": "Hadi", "role": "admin", "password": PASSWORD}),
    )
    .await;
    let pair = login_ok(&app, "hadi@kemensos.go.id", PASSWORD).await;
    assert_eq!(pair["enrol_only"], true);
    let limited = token(&pair);
    for path in ["/v1/staff", "/v1/units", "/v1/reports"] {
        let response = app.get(path, limited).await;
        assert_eq!(response.status(), 403, "{path}");
    }
    assert_eq!(app.get("/v1/me", limited).await.status(), 200);

    let enrolment = app.post("/v1/me/totp", limited, &json!(null)).await;
    assert_eq!(enrolment.status(), 200);
    let enrolment: Value = enrolment.json().await.expect("json");
    let secret = enrolment["secret"].as_str().expect("secret");
    assert!(
        enrolment["otpauth_uri"]
            .as_str()
            .expect("uri")
            .starts_with("otpauth://totp/Sigap:hadi@kemensos.go.id?secret=")
    );
    let totp = Totp::from_base32(secret).expect("base32");
    let wrong = app
        .post("/v1/me/totp/confirm", limited, &json!({"code": "000000"}))
        .await;
    let now = chrono::Utc::now().timestamp();
    if totp.code_at(now) != "000000" {
        assert_eq!(wrong.status(), 422);
    }
    let confirmed = app
        .post(
            "/v1/me/totp/confirm",
            limited,
            &json!({"code": totp.code_at(now)}),
        )
        .await;
    assert_eq!(confirmed.status(), 200);
    let confirmed: Value = confirmed.json().await.expect("json");
    assert_eq!(confirmed["totp_enabled"], true);
    // Enrolment cannot be replaced silently.
    assert_eq!(
        app.post("/v1/me/totp", limited, &json!(null))
            .await
            .status(),
        409
    );

    // Without a code: the password is right, a code is needed.
    let response = login(&app, "hadi@kemensos.go.id", PASSWORD).await;
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["type"], "/problems/totp-required");
    // The code used to confirm cannot be used again; a wrong one fails as a
    // wrong password does.
    let replay = login_at(
        &app,
        &app.address,
        "hadi@kemensos.go.id",
        PASSWORD,
        Some(&totp.code_at(now)),
    )
    .await;
    assert_eq!(replay.status(), 401);
    let body: Value = replay.json().await.expect("json");
    assert_eq!(body["type"], "/problems/invalid-credentials");
    // The next step's code (within the one step of drift) signs in.
    let full = login_at(
        &app,
        &app.address,
        "hadi@kemensos.go.id",
        PASSWORD,
        Some(&totp.code_at(now + 30)),
    )
    .await;
    assert_eq!(full.status(), 200);
    let full: Value = full.json().await.expect("json");
    assert_eq!(full["enrol_only"], false);
    assert_eq!(app.get("/v1/staff", token(&full)).await.status(), 200);
    // A refresh keeps the full token.
    let refreshed: Value = refresh(&app, &full["refresh_token"])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(refreshed["enrol_only"], false);
    assert_eq!(app.get("/v1/staff", token(&refreshed)).await.status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_accounts_are_refused_field_by_field_and_known_emails_conflict() {
    let app = spawn_app().await;
    let cases = [
        (
            json!({"email": "nope", "name": " ", "role": "integrator", "password": "short"}),
            vec!["email", "name", "role", "password"],
        ),
        (
            json!({"email": "a@b.id", "name": "A", "role": "operator", "password": "qwerty123456"}),
            vec!["password"],
        ),
        (
            json!({"email": "a@b.id", "name": "A", "role": "upt_staff"}),
            vec!["unit_code"],
        ),
        (
            json!({"email": "a@b.id", "name": "A", "role": "upt_staff", "unit_code": "NO-SUCH-UNIT"}),
            vec!["unit_code"],
        ),
        (
            json!({"email": "a@b.id", "name": "A", "role": "regional", "region_code": "99"}),
            vec!["region_code"],
        ),
        (
            json!({"email": "a@b.id", "name": "A", "role": "operator", "unit_code": "SENTRA-EFATA"}),
            vec!["unit_code"],
        ),
    ];
    for (body, fields) in cases {
        let response = create(&app, body.clone()).await;
        assert_eq!(response.status(), 422, "{body}");
        let problem: Value = response.json().await.expect("json");
        assert_eq!(problem["type"], "/problems/validation");
        let mut got: Vec<&str> = problem["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| e["field"].as_str().expect("field"))
            .collect();
        got.sort_unstable();
        let mut want = fields.clone();
        want.sort_unstable();
        assert_eq!(got, want, "{body}: {problem}");
    }

    // No password: a one-time one, shown once, to be changed.
    let created = create_ok(
        &app,
        json!({"email": "Indah@Kemensos.go.id", "name": "Indah", "role": "operator"}),
    )
    .await;
    assert_eq!(created["must_change_password"], true);
    let one_time = created["one_time_password"]
        .as_str()
        .expect("one-time password");
    let again = create(
        &app,
        json!({"email": "indah@kemensos.go.id", "name": "Indah 2", "role": "operator"}),
    )
    .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let fetched: Value = app
        .get(
            &format!("/v1/staff/{}", created["id"].as_str().expect("id")),
            &app.token(Role::Admin),
        )
        .await
        .json()
        .await
        .expect("json");
    assert!(fetched.get("one_time_password").is_none());

    let first = login_ok(&app, "indah@kemensos.go.id", one_time).await;
    assert_eq!(first["must_change_password"], true);
    // Until the password is changed, the token opens /v1/me only.
    assert_eq!(first["enrol_only"], true);
    assert_eq!(app.get("/v1/units", token(&first)).await.status(), 403);
    let second = login_ok(&app, "indah@kemensos.go.id", one_time).await;
    let bad = app
        .post(
            "/v1/me/password",
            token(&first),
            &json!({"current_password": "not it at all", "new_password": PASSWORD}),
        )
        .await;
    assert_eq!(bad.status(), 422);
    let common = app
        .post(
            "/v1/me/password",
            token(&first),
            &json!({"current_password": one_time, "new_password": "1q2w3e4r5t6y"}),
        )
        .await;
    assert_eq!(common.status(), 422);
    let changed = app
        .post(
            "/v1/me/password",
            token(&first),
            &json!({"current_password": one_time, "new_password": PASSWORD}),
        )
        .await;
    assert_eq!(changed.status(), 204);
    // This session goes on; the other one has ended.
    let me: Value = app
        .get("/v1/me", token(&first))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(me["must_change_password"], false);
    refused_within(&app, &app.address, token(&second), Duration::from_secs(2)).await;
    assert_eq!(
        login(&app, "indah@kemensos.go.id", one_time).await.status(),
        401
    );
    login_ok(&app, "indah@kemensos.go.id", PASSWORD).await;

    // An admin-set password must be changed.
    let reset: Value = app
        .http
        .patch(app.url(&format!(
            "/v1/staff/{}",
            created["id"].as_str().expect("id")
        )))
        .bearer_auth(app.token(Role::Admin))
        .json(&json!({"password": "an admin chose this one"}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(reset["must_change_password"], true);
    let reset = login_ok(&app, "indah@kemensos.go.id", "an admin chose this one").await;
    assert_eq!(reset["must_change_password"], true);
    assert_eq!(reset["enrol_only"], true);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_staff_list_filters_and_pages_with_cursors() {
    let app = spawn_app().await;
    for (n, unit) in ["SENTRA-MULYA-JAYA", "SENTRA-MULYA-JAYA", "SENTRA-EFATA"]
        .iter()
        .enumerate()
    {
        create_ok(
            &app,
            json!({"email": format!("upt{n}@kemensos.go.id"), "name": format!("UPT {n}"), "role": "upt_staff", "unit_code": unit, "password": PASSWORD}),
        )
        .await;
    }
    create_ok(
        &app,
        json!({"email": "op@kemensos.go.id", "name": "Op", "role": "operator", "password": PASSWORD}),
    )
    .await;
    let admin = app.token(Role::Admin);
    let page: Value = app
        .get("/v1/staff?role=upt_staff&limit=2", &admin)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(page["items"].as_array().expect("items").len(), 2);
    let cursor = page["next_cursor"].as_str().expect("cursor");
    let rest: Value = app
        .get(
            &format!("/v1/staff?role=upt_staff&limit=2&cursor={cursor}"),
            &admin,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(rest["items"].as_array().expect("items").len(), 1);
    assert!(rest["next_cursor"].is_null());
    let unit: Value = app
        .get("/v1/staff?unit=SENTRA-MULYA-JAYA&active=true", &admin)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(unit["items"].as_array().expect("items").len(), 2);
    for query in ["role=integrator", "limit=501", "cursor=zz"] {
        assert_eq!(
            app.get(&format!("/v1/staff?{query}"), &admin)
                .await
                .status(),
            422,
            "{query}"
        );
    }
}
