//! Every role against every endpoint.

use reqwest::Method;
use serde_json::{Value, json};
use sigap_domain::Role;
use sigap_tests::{TestApp, Worker, report_body, spawn_app};

/// Creates a staff account (as an admin) and signs it in; its access token.
async fn staff_token(app: &TestApp, email: &str, role: &str, extra: Value) -> String {
    let mut body = json!({"email": email, "name": format!("Staf {role}"), "role": role,
                          "password": "kursi roda merah 2026"});
    for (k, v) in extra.as_object().expect("object") {
        body[k] = v.clone();
    }
    let created = app.post("/v1/staff", &app.token(Role::Admin), &body).await;
    assert_eq!(created.status(), 201);
    let pair: Value = app
        .http
        .post(app.url("/v1/auth/login"))
        .json(&json!({"email": email, "password": "kursi roda merah 2026"}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    pair["access_token"].as_str().expect("token").to_owned()
}
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn each_role_gets_exactly_what_it_may_on_every_endpoint() {
    let app = spawn_app().await;
    let worker = Worker::start(app.config());
    let filed = app.file(&report_body()).await;
    let id = filed["id"].as_str().expect("id").to_owned();
    let tracking_code = filed["tracking_code"]
        .as_str()
        .expect("tracking code")
        .to_owned();
    app.wait_for_status(&id, "assigned", Duration::from_secs(10))
        .await;
    worker.stop().await;

    let callers: Vec<(&str, Option<String>)> = vec![
        ("operator", Some(app.token(Role::Operator))),
        ("supervisor", Some(app.token(Role::Supervisor))),
        ("staff", Some(app.token(Role::UptStaff))),
        (
            "staff_other",
            Some(app.token_with(Role::UptStaff, "efata", Some("SENTRA-EFATA"), None)),
        ),
        ("regional", Some(app.token(Role::Regional))),
        (
            "regional_other",
            Some(app.token_with(Role::Regional, "jatim", None, Some("35"))),
        ),
        ("integrator", Some(app.token(Role::Integrator))),
        ("admin", Some(app.token(Role::Admin))),
        ("anonymous", None),
        // Tokens from signing in with staff accounts, with sessions.
        (
            "staff_account_operator",
            Some(staff_token(&app, "op@kemensos.go.id", "operator", json!({})).await),
        ),
        (
            "staff_account_supervisor",
            Some(staff_token(&app, "sup@kemensos.go.id", "supervisor", json!({})).await),
        ),
        (
            "staff_account_upt",
            Some(
                staff_token(
                    &app,
                    "upt@kemensos.go.id",
                    "upt_staff",
                    json!({"unit_code": "SENTRA-MULYA-JAYA"}),
                )
                .await,
            ),
        ),
        (
            "staff_account_regional",
            Some(
                staff_token(
                    &app,
                    "reg@kemensos.go.id",
                    "regional",
                    json!({"region_code": "13"}),
                )
                .await,
            ),
        ),
        // An admin without TOTP: enrolment and /v1/me only.
        (
            "staff_account_admin_enrol_only",
            Some(staff_token(&app, "adm@kemensos.go.id", "admin", json!({})).await),
        ),
    ];
    let report = format!("/v1/reports/{id}");
    let person = app
        .get(&report, &app.token(Role::Supervisor))
        .await
        .json::<Value>()
        .await
        .expect("json")["beneficiaries"][0]["id"]
        .as_str()
        .expect("a person")
        .to_owned();
    let person = format!("/v1/beneficiaries/{person}");
    let service = format!("/v1/services/{}", uuid::Uuid::now_v7());
    let assessment = json!({"assessed_on": "2026-12-01", "method": "home_visit", "eligible": true,
        "findings": "Butuh kursi roda"});
    let planned = json!({"component": "accessibility_support", "modality": "family_based",
        "item": "wheelchair", "quantity": 1, "due_on": "2026-12-20"});
    // (method, path, body, expected status per caller in the order above)
    let mut matrix: Vec<(Method, String, Value, Vec<u16>)> = vec![
        (
            Method::GET,
            report.clone(),
            json!(null),
            vec![200, 200, 200, 404, 200, 404, 404, 200, 401],
        ),
        (
            Method::GET,
            "/v1/reports".into(),
            json!(null),
            vec![200, 200, 403, 403, 200, 200, 403, 403, 401],
        ),
        (
            Method::POST,
            "/v1/reports".into(),
            report_body(),
            vec![201, 201, 403, 403, 403, 403, 201, 403, 401],
        ),
        (
            Method::POST,
            format!("{report}/status"),
            json!({"status": "resolved"}),
            vec![403, 409, 409, 404, 403, 403, 403, 403, 401],
        ),
        (
            Method::POST,
            format!("{report}/notes"),
            json!({"note": "called the family"}),
            vec![201, 201, 201, 404, 403, 404, 404, 403, 401],
        ),
        (
            Method::POST,
            format!("{report}/transfer"),
            json!({"unit_code": "NOPE", "reason": "test"}),
            vec![403, 422, 422, 404, 403, 403, 403, 403, 401],
        ),
        (
            Method::POST,
            format!("{report}/assign"),
            json!({"unit_code": "SENTRA-EFATA"}),
            vec![403, 409, 403, 403, 403, 403, 403, 403, 401],
        ),
        (
            Method::POST,
            format!("{report}/merge"),
            json!({"into": id, "reason": "test"}),
            vec![403, 422, 422, 404, 403, 403, 403, 403, 401],
        ),
        (
            Method::GET,
            "/v1/units/SENTRA-MULYA-JAYA/cases".into(),
            json!(null),
            vec![403, 200, 200, 404, 403, 403, 403, 403, 401],
        ),
        (
            Method::GET,
            format!("{report}/beneficiaries"),
            json!(null),
            vec![200, 200, 200, 404, 200, 404, 404, 200, 401],
        ),
        (
            Method::POST,
            format!("{report}/beneficiaries"),
            json!({"name": "Kakek Amir", "age": 70}),
            vec![403, 201, 201, 404, 403, 403, 403, 403, 401],
        ),
        // A list file (a JSON string is sent as text/csv): the first writer
        // adds the person, every later one gets the same file's 200.
        (
            Method::POST,
            format!("{report}/beneficiaries:import"),
            json!("nama,umur\nKakek Amir,70\n"),
            vec![403, 201, 200, 404, 403, 403, 403, 403, 401],
        ),
        (
            Method::GET,
            person.clone(),
            json!(null),
            vec![200, 200, 200, 404, 200, 404, 404, 200, 401],
        ),
        (
            Method::GET,
            format!("{report}/access-log"),
            json!(null),
            vec![403, 200, 403, 403, 403, 403, 403, 200, 401],
        ),
        // Consents: recorded and withdrawn by those who work the case,
        // listed by whoever may read the person.
        (
            Method::POST,
            format!("{person}/consents"),
            json!({"purposes": ["case_handling"], "given_by": "self", "method": "written",
                   "recorded_on": "2026-12-01"}),
            vec![403, 201, 201, 404, 403, 403, 403, 403, 401],
        ),
        (
            Method::GET,
            format!("{person}/consents"),
            json!(null),
            vec![200, 200, 200, 404, 200, 404, 404, 200, 401],
        ),
        (
            Method::POST,
            format!("/v1/consents/{}/withdraw", uuid::Uuid::now_v7()),
            json!({"reason": "Ditarik"}),
            vec![403, 404, 404, 404, 403, 403, 403, 403, 401],
        ),
        (
            Method::PATCH,
            person.clone(),
            json!({"age": 79}),
            vec![403, 200, 200, 404, 403, 403, 403, 403, 401],
        ),
        (
            Method::POST,
            format!("{person}/assessments"),
            assessment.clone(),
            vec![403, 409, 409, 404, 403, 403, 403, 403, 401],
        ),
        (
            Method::GET,
            format!("{person}/assessments"),
            json!(null),
            vec![200, 200, 200, 404, 200, 404, 404, 200, 401],
        ),
        (
            Method::POST,
            format!("{person}/services"),
            planned.clone(),
            vec![403, 409, 409, 404, 403, 403, 403, 403, 401],
        ),
        (
            Method::GET,
            format!("{report}/services"),
            json!(null),
            vec![200, 200, 200, 404, 200, 404, 404, 200, 401],
        ),
        (
            Method::POST,
            format!("{service}/deliver"),
            json!({"delivered_on": "2026-12-01", "quantity": 1, "handover_ref": "BAST/1", "received_by": "A"}),
            vec![403, 404, 404, 404, 403, 403, 403, 403, 401],
        ),
        (
            Method::POST,
            format!("{service}/cancel"),
            json!({"reason": "test"}),
            vec![403, 404, 404, 404, 403, 403, 403, 403, 401],
        ),
        (
            Method::POST,
            format!("{service}/follow-up"),
            json!({"checked_on": "2026-12-01", "outcome": "in_use"}),
            vec![403, 404, 404, 404, 403, 403, 403, 403, 401],
        ),
        (
            Method::GET,
            "/v1/units/SENTRA-MULYA-JAYA/services?status=planned".into(),
            json!(null),
            vec![403, 200, 200, 404, 403, 403, 403, 403, 401],
        ),
        (
            Method::GET,
            "/v1/units/SENTRA-MULYA-JAYA/coverage".into(),
            json!(null),
            vec![403, 200, 403, 403, 403, 403, 403, 200, 401],
        ),
        (
            Method::POST,
            "/v1/units/SENTRA-MULYA-JAYA/coverage".into(),
            json!({"region_code": "99.99"}),
            vec![403, 403, 403, 403, 403, 403, 403, 422, 401],
        ),
        (
            Method::PUT,
            "/v1/units/SENTRA-MULYA-JAYA".into(),
            json!({"name": ""}),
            vec![403, 403, 403, 403, 403, 403, 403, 422, 401],
        ),
        (
            Method::DELETE,
            "/v1/coverage/999999".into(),
            json!(null),
            vec![403, 403, 403, 403, 403, 403, 403, 404, 401],
        ),
        (
            Method::PATCH,
            "/v1/coverage/999999".into(),
            json!({"priority": 1}),
            vec![403, 403, 403, 403, 403, 403, 403, 404, 401],
        ),
        (
            Method::GET,
            "/v1/units/SENTRA-MULYA-JAYA/history".into(),
            json!(null),
            vec![403, 200, 403, 403, 403, 403, 403, 200, 401],
        ),
        (
            Method::GET,
            "/v1/coverage/gaps?limit=5".into(),
            json!(null),
            vec![403, 200, 403, 403, 403, 403, 403, 200, 401],
        ),
        (
            Method::POST,
            "/v1/route/preview".into(),
            json!({"category": "elderly", "region_code": "13.03"}),
            vec![403, 200, 403, 403, 403, 403, 403, 200, 401],
        ),
        (
            Method::GET,
            "/v1/regions?parent=13".into(),
            json!(null),
            vec![200, 200, 200, 200, 200, 200, 200, 200, 401],
        ),
        (
            Method::GET,
            "/v1/categories".into(),
            json!(null),
            vec![200, 200, 200, 200, 200, 200, 200, 200, 401],
        ),
        (
            Method::GET,
            "/v1/units".into(),
            json!(null),
            vec![200, 200, 200, 200, 200, 200, 200, 200, 401],
        ),
        (
            Method::GET,
            "/v1/holidays?year=2026".into(),
            json!(null),
            vec![200, 200, 200, 200, 200, 200, 200, 200, 401],
        ),
        (
            Method::PUT,
            "/v1/holidays/2026-07-01".into(),
            json!({"name": ""}),
            vec![403, 403, 403, 403, 403, 403, 403, 422, 401],
        ),
        (
            Method::DELETE,
            "/v1/holidays/2026-07-01".into(),
            json!(null),
            vec![403, 403, 403, 403, 403, 403, 403, 404, 401],
        ),
        (
            Method::POST,
            "/v1/exports".into(),
            json!({"kind": "reports", "format": "csv"}),
            vec![202, 202, 403, 403, 202, 202, 403, 403, 401],
        ),
        (
            Method::POST,
            "/v1/exports".into(),
            json!({"kind": "services", "format": "xlsx"}),
            vec![202, 202, 403, 403, 202, 202, 403, 403, 401],
        ),
        (
            Method::POST,
            "/v1/exports".into(),
            json!({"kind": "stats", "format": "xlsx"}),
            vec![403, 202, 403, 403, 202, 202, 403, 202, 401],
        ),
        (
            Method::GET,
            "/v1/exports/01900000-0000-7000-8000-000000000000".into(),
            json!(null),
            vec![404, 404, 404, 404, 404, 404, 404, 404, 401],
        ),
        (
            Method::GET,
            format!("{report}/attachments"),
            json!(null),
            vec![200, 200, 200, 404, 200, 404, 404, 200, 401],
        ),
        (
            Method::GET,
            "/v1/attachments/01900000-0000-7000-8000-000000000000".into(),
            json!(null),
            vec![404, 404, 404, 404, 404, 404, 404, 404, 401],
        ),
        // Subject requests: supervisors and admins.
        (
            Method::POST,
            "/v1/subject-requests".into(),
            json!({"kind": "forget"}),
            vec![403, 422, 403, 403, 403, 403, 403, 422, 401],
        ),
        (
            Method::GET,
            "/v1/subject-requests".into(),
            json!(null),
            vec![403, 200, 403, 403, 403, 403, 403, 200, 401],
        ),
        (
            Method::GET,
            "/v1/subject-requests/01900000-0000-7000-8000-000000000000".into(),
            json!(null),
            vec![403, 404, 403, 403, 403, 403, 403, 404, 401],
        ),
        (
            Method::GET,
            "/v1/subject-requests/01900000-0000-7000-8000-000000000000/export".into(),
            json!(null),
            vec![403, 404, 403, 403, 403, 403, 403, 404, 401],
        ),
        (
            Method::POST,
            "/v1/subject-requests/01900000-0000-7000-8000-000000000000/complete".into(),
            json!({"note": "done"}),
            vec![403, 404, 403, 403, 403, 403, 403, 404, 401],
        ),
        (
            Method::GET,
            format!("/v1/track/{tracking_code}"),
            json!(null),
            vec![200, 200, 200, 200, 200, 200, 200, 200, 200],
        ),
    ];
    // A staff account's token gets what the same role's token gets; an
    // enrol-only admin token nothing but the public tracking page.
    for (_, path, _, expected) in matrix.iter_mut() {
        let enrol_only = if path.starts_with("/v1/track/") {
            200
        } else {
            403
        };
        let same = [
            expected[0],
            expected[1],
            expected[2],
            expected[4],
            enrol_only,
        ];
        expected.extend(same);
    }
    // The list was imported before the staff accounts' turn: the same file's 200.
    for (_, path, _, expected) in matrix.iter_mut() {
        if path.ends_with("/beneficiaries:import") {
            expected[10] = 200;
        }
    }
    let nobody = "/v1/staff/00000000-0000-0000-0000-000000000000".to_owned();
    // Staff administration and the person's own account.
    // (operator, supervisor, staff, staff_other, regional, regional_other,
    // integrator, admin, anonymous, then the staff accounts: operator,
    // supervisor, upt, regional, enrol-only admin)
    matrix.extend([
        (
            Method::GET,
            "/v1/staff".into(),
            json!(null),
            vec![
                403, 403, 403, 403, 403, 403, 403, 200, 401, 403, 403, 403, 403, 403,
            ],
        ),
        (
            Method::POST,
            "/v1/staff".into(),
            json!({"email": "x", "name": "", "role": "operator"}),
            vec![
                403, 403, 403, 403, 403, 403, 403, 422, 401, 403, 403, 403, 403, 403,
            ],
        ),
        (
            Method::GET,
            nobody.clone(),
            json!(null),
            vec![
                403, 403, 403, 403, 403, 403, 403, 404, 401, 403, 403, 403, 403, 403,
            ],
        ),
        (
            Method::PATCH,
            nobody,
            json!({"name": "X"}),
            vec![
                403, 403, 403, 403, 403, 403, 403, 404, 401, 403, 403, 403, 403, 403,
            ],
        ),
        (
            Method::GET,
            "/v1/me".into(),
            json!(null),
            vec![
                404, 404, 404, 404, 404, 404, 404, 404, 401, 200, 200, 200, 200, 200,
            ],
        ),
        (
            Method::POST,
            "/v1/me/password".into(),
            json!({"current_password": "x", "new_password": "short"}),
            vec![
                404, 404, 404, 404, 404, 404, 404, 404, 401, 422, 422, 422, 422, 422,
            ],
        ),
        (
            Method::POST,
            "/v1/me/totp/confirm".into(),
            json!({"code": "123456"}),
            vec![
                404, 404, 404, 404, 404, 404, 404, 404, 401, 409, 409, 409, 409, 409,
            ],
        ),
        // Signing in through an identity provider is open to anyone; this
        // server has none configured, so everyone gets the same 404.
        (
            Method::GET,
            "/v1/auth/oidc/start".into(),
            json!(null),
            vec![
                404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404,
            ],
        ),
        (
            Method::GET,
            "/v1/auth/oidc/callback?code=c&state=s".into(),
            json!(null),
            vec![
                404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404,
            ],
        ),
        (
            Method::POST,
            "/v1/auth/session".into(),
            json!({"code": "0123456789abcdef"}),
            vec![
                404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404,
            ],
        ),
        // Last: it ends the staff accounts' sessions.
        (
            Method::POST,
            "/v1/auth/logout".into(),
            json!(null),
            vec![
                404, 404, 404, 404, 404, 404, 404, 404, 401, 204, 204, 204, 204, 204,
            ],
        ),
    ]);
    let mut failures = Vec::new();
    for (method, path, body, expected) in &matrix {
        for ((name, token), want) in callers.iter().zip(expected) {
            let mut request = app.http.request(method.clone(), app.url(path));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            if let Some(file) = body.as_str() {
                request = request
                    .header(reqwest::header::CONTENT_TYPE, "text/csv")
                    .body(file.to_owned());
            } else if !body.is_null() {
                request = request.json(body);
            }
            let got = request.send().await.expect("request").status().as_u16();
            if got != *want {
                failures.push(format!("{method} {path} as {name}: got {got}, want {want}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // Personal data: operators, supervisors and the assigned unit only.
    for (name, token) in &callers[..8] {
        let response = app.get(&report, token.as_deref().expect("token")).await;
        if response.status() != 200 {
            continue;
        }
        let body: Value = response.json().await.expect("json");
        let sees = body.get("reporter").is_some();
        let should = matches!(*name, "operator" | "supervisor" | "staff");
        assert_eq!(sees, should, "{name} personal data");
        assert_eq!(
            body.get("tracking_code").is_some(),
            should,
            "{name} tracking code"
        );
        assert_eq!(
            body["beneficiaries"][0].get("name").is_some(),
            should,
            "{name} beneficiary names"
        );
    }
}
