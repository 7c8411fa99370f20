//! Every role against every endpoint.

use reqwest::Method;
use serde_json::{Value, json};
use sigap_domain::Role;
use sigap_tests::{Worker, report_body, spawn_app};
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
    let matrix: Vec<(Method, String, Value, [u16; 9])> = vec![
        (
            Method::GET,
            report.clone(),
            json!(null),
            [200, 200, 200, 404, 200, 404, 404, 200, 401],
        ),
        (
            Method::GET,
            "/v1/reports".into(),
            json!(null),
            [200, 200, 403, 403, 200, 200, 403, 403, 401],
        ),
        (
            Method::POST,
            "/v1/reports".into(),
            report_body(),
            [201, 201, 403, 403, 403, 403, 201, 403, 401],
        ),
        (
            Method::POST,
            format!("{report}/status"),
            json!({"status": "resolved"}),
            [403, 409, 409, 404, 403, 403, 403, 403, 401],
        ),
        (
            Method::POST,
            format!("{report}/notes"),
            json!({"note": "called the family"}),
            [201, 201, 201, 404, 403, 404, 404, 403, 401],
        ),
        (
            Method::POST,
            format!("{report}/transfer"),
            json!({"unit_code": "NOPE", "reason": "test"}),
            [403, 422, 422, 404, 403, 403, 403, 403, 401],
        ),
        (
            Method::POST,
            format!("{report}/assign"),
            json!({"unit_code": "SENTRA-EFATA"}),
            [403, 409, 403, 403, 403, 403, 403, 403, 401],
        ),
        (
            Method::POST,
            format!("{report}/merge"),
            json!({"into": id, "reason": "test"}),
            [403, 422, 422, 404, 403, 403, 403, 403, 401],
        ),
        (
            Method::GET,
            "/v1/units/SENTRA-MULYA-JAYA/cases".into(),
            json!(null),
            [403, 200, 200, 404, 403, 403, 403, 403, 401],
        ),
        (
            Method::GET,
            format!("{report}/beneficiaries"),
            json!(null),
            [200, 200, 200, 404, 200, 404, 404, 200, 401],
        ),
        (
            Method::POST,
            format!("{report}/beneficiaries"),
            json!({"name": "Kakek Amir", "age": 70}),
            [403, 201, 201, 404, 403, 403, 403, 403, 401],
        ),
        (
            Method::GET,
            person.clone(),
            json!(null),
            [200, 200, 200, 404, 200, 404, 404, 200, 401],
        ),
        (
            Method::PATCH,
            person.clone(),
            json!({"age": 79}),
            [403, 200, 200, 404, 403, 403, 403, 403, 401],
        ),
        (
            Method::POST,
            format!("{person}/assessments"),
            assessment.clone(),
            [403, 409, 409, 404, 403, 403, 403, 403, 401],
        ),
        (
            Method::GET,
            format!("{person}/assessments"),
            json!(null),
            [200, 200, 200, 404, 200, 404, 404, 200, 401],
        ),
        (
            Method::POST,
            format!("{person}/services"),
            planned.clone(),
            [403, 409, 409, 404, 403, 403, 403, 403, 401],
        ),
        (
            Method::GET,
            format!("{report}/services"),
            json!(null),
            [200, 200, 200, 404, 200, 404, 404, 200, 401],
        ),
        (
            Method::POST,
            format!("{service}/deliver"),
            json!({"delivered_on": "2026-12-01", "quantity": 1, "handover_ref": "BAST/1", "received_by": "A"}),
            [403, 404, 404, 404, 403, 403, 403, 403, 401],
        ),
        (
            Method::POST,
            format!("{service}/cancel"),
            json!({"reason": "test"}),
            [403, 404, 404, 404, 403, 403, 403, 403, 401],
        ),
        (
            Method::POST,
            format!("{service}/follow-up"),
            json!({"checked_on": "2026-12-01", "outcome": "in_use"}),
            [403, 404, 404, 404, 403, 403, 403, 403, 401],
        ),
        (
            Method::GET,
            "/v1/units/SENTRA-MULYA-JAYA/services?status=planned".into(),
            json!(null),
            [403, 200, 200, 404, 403, 403, 403, 403, 401],
        ),
        (
            Method::GET,
            "/v1/units/SENTRA-MULYA-JAYA/coverage".into(),
            json!(null),
            [403, 200, 403, 403, 403, 403, 403, 200, 401],
        ),
        (
            Method::POST,
            "/v1/units/SENTRA-MULYA-JAYA/coverage".into(),
            json!({"region_code": "99.99"}),
            [403, 403, 403, 403, 403, 403, 403, 422, 401],
        ),
        (
            Method::PUT,
            "/v1/units/SENTRA-MULYA-JAYA".into(),
            json!({"name": ""}),
            [403, 403, 403, 403, 403, 403, 403, 422, 401],
        ),
        (
            Method::DELETE,
            "/v1/coverage/999999".into(),
            json!(null),
            [403, 403, 403, 403, 403, 403, 403, 404, 401],
        ),
        (
            Method::PATCH,
            "/v1/coverage/999999".into(),
            json!({"priority": 1}),
            [403, 403, 403, 403, 403, 403, 403, 404, 401],
        ),
        (
            Method::GET,
            "/v1/units/SENTRA-MULYA-JAYA/history".into(),
            json!(null),
            [403, 200, 403, 403, 403, 403, 403, 200, 401],
        ),
        (
            Method::GET,
            "/v1/coverage/gaps?limit=5".into(),
            json!(null),
            [403, 200, 403, 403, 403, 403, 403, 200, 401],
        ),
        (
            Method::POST,
            "/v1/route/preview".into(),
            json!({"category": "elderly", "region_code": "13.03"}),
            [403, 200, 403, 403, 403, 403, 403, 200, 401],
        ),
        (
            Method::GET,
            "/v1/regions?parent=13".into(),
            json!(null),
            [200, 200, 200, 200, 200, 200, 200, 200, 401],
        ),
        (
            Method::GET,
            "/v1/categories".into(),
            json!(null),
            [200, 200, 200, 200, 200, 200, 200, 200, 401],
        ),
        (
            Method::GET,
            "/v1/units".into(),
            json!(null),
            [200, 200, 200, 200, 200, 200, 200, 200, 401],
        ),
        (
            Method::GET,
            "/v1/holidays?year=2026".into(),
            json!(null),
            [200, 200, 200, 200, 200, 200, 200, 200, 401],
        ),
        (
            Method::PUT,
            "/v1/holidays/2026-07-01".into(),
            json!({"name": ""}),
            [403, 403, 403, 403, 403, 403, 403, 422, 401],
        ),
        (
            Method::DELETE,
            "/v1/holidays/2026-07-01".into(),
            json!(null),
            [403, 403, 403, 403, 403, 403, 403, 404, 401],
        ),
        (
            Method::GET,
            format!("/v1/track/{tracking_code}"),
            json!(null),
            [200, 200, 200, 200, 200, 200, 200, 200, 200],
        ),
    ];
    let mut failures = Vec::new();
    for (method, path, body, expected) in &matrix {
        for ((name, token), want) in callers.iter().zip(expected) {
            let mut request = app.http.request(method.clone(), app.url(path));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            if !body.is_null() {
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
