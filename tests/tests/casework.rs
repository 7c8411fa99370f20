//! Case work at the unit: people, assessments, services, the case following
//! the work, the unit's delivery list, and what each role sees of it.

use chrono::{Duration as Days, Utc};
use reqwest::StatusCode;
use reqwest::header::{ETAG, IF_MATCH, IF_NONE_MATCH};
use serde_json::{Value, json};
use sigap_domain::Role;
use sigap_tests::{TestApp, TestDb, Worker, report_body, spawn_app};
use std::time::Duration;

const UNIT: &str = "SENTRA-MULYA-JAYA";

/// The Kabupaten Sijunjung request: two people named, 70 in all.
pub(crate) fn sijunjung_report() -> Value {
    let mut body = report_body();
    body["beneficiaries"] = json!([
        {"name": "Nenek Rahmah", "age": 81, "sex": "F", "disability": "physical",
         "nik": "1303015708450001"},
        {"name": "Pak Yusuf", "age": 67, "sex": "M", "disability": "tunarungu"}
    ]);
    body["beneficiary_count"] = json!(70);
    body["description"] =
        json!("Permintaan alat bantu untuk 54 lansia dan 16 penyandang disabilitas di Sijunjung.");
    body
}

pub(crate) async fn read(app: &TestApp, path: &str, token: &str) -> Value {
    let response = app.get(path, token).await;
    assert_eq!(response.status(), 200, "GET {path}");
    response.json().await.expect("json")
}

pub(crate) async fn send(
    app: &TestApp,
    path: &str,
    token: &str,
    body: Value,
) -> (StatusCode, Value) {
    let response = app.post(path, token, &body).await;
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn patch(
    app: &TestApp,
    path: &str,
    token: &str,
    body: Value,
) -> (StatusCode, Value) {
    let response = app
        .http
        .patch(app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn set_status(
    app: &TestApp,
    id: &str,
    token: &str,
    status: &str,
) -> (StatusCode, Value) {
    let version = read(app, &format!("/v1/reports/{id}"), token).await["version"].clone();
    let response = app
        .http
        .post(app.url(&format!("/v1/reports/{id}/status")))
        .bearer_auth(token)
        .header(IF_MATCH, format!("\"{version}\""))
        .json(&json!({"status": status}))
        .send()
        .await
        .expect("request");
    let code = response.status();
    (code, response.json().await.expect("json"))
}

/// A report filed by an operator, routed by the worker and acknowledged by
/// the unit; its id.
pub(crate) async fn acknowledged_case(app: &TestApp, body: &Value) -> String {
    let id = app.file(body).await["id"].as_str().expect("id").to_owned();
    let report = app
        .wait_for_status(&id, "assigned", Duration::from_secs(15))
        .await;
    assert_eq!(report["unit_code"], UNIT);
    let (code, _) = set_status(app, &id, &app.token(Role::UptStaff), "acknowledged").await;
    assert_eq!(code, 200);
    id
}

pub(crate) fn day(offset: i64) -> String {
    (Utc::now() + Days::hours(7) + Days::days(offset))
        .date_naive()
        .to_string()
}

pub(crate) fn assessment(eligible: bool, recommendations: Value) -> Value {
    json!({
        "assessed_on": day(-1), "method": "home_visit", "eligible": eligible,
        "findings": "Tidak dapat berjalan tanpa bantuan; tinggal dengan cucu.",
        "functioning": {"seeing": "some_difficulty", "hearing": "no_difficulty",
            "walking": "cannot_do_at_all", "remembering": "some_difficulty",
            "self_care": "a_lot_of_difficulty", "communicating": "no_difficulty"},
        "recommendations": recommendations
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_case_is_worked_person_by_person_until_it_may_be_resolved() {
    let app = spawn_app().await;
    let worker = Worker::start(app.config());
    let mut bus = app.tap("events", "#").await;
    let staff = app.token(Role::UptStaff);
    let id = acknowledged_case(&app, &sijunjung_report()).await;

    // The two people filed are rows, with ids and statuses, in the report.
    let report = read(&app, &format!("/v1/reports/{id}"), &staff).await;
    let people = report["beneficiaries"].as_array().expect("people").clone();
    assert_eq!(people.len(), 2);
    assert_eq!(people[0]["name"], "Nenek Rahmah");
    assert_eq!(people[0]["status"], "awaiting_assessment");
    assert_eq!(people[0]["disabilities"], json!(["physical"]));
    assert_eq!(people[1]["disabilities"], json!(["sensory_hearing"]));
    assert_eq!(report["beneficiary_count"], 70);
    let rahmah = people[0]["id"].as_str().expect("id").to_owned();
    let yusuf = people[1]["id"].as_str().expect("id").to_owned();

    // A third person is added at the unit.
    let (code, added) = send(
        &app,
        &format!("/v1/reports/{id}/beneficiaries"),
        &staff,
        json!({"name": "Siti Nurhaliza", "nik": "1303016303700002", "sex": "F",
               "disabilities": ["sensory_visual", "physical"], "phone": "081234567892",
               "address": "Jorong Koto Tuo"}),
    )
    .await;
    assert_eq!(code, 201, "{added}");
    assert_eq!(added["ordinal"], 2);
    assert_eq!(added["status"], "awaiting_assessment");
    assert_eq!(added["disability"], "sensory_visual");
    let siti = added["id"].as_str().expect("id").to_owned();
    let listed = read(&app, &format!("/v1/reports/{id}/beneficiaries"), &staff).await;
    assert_eq!(listed["items"].as_array().expect("items").len(), 3);
    assert_eq!(
        read(&app, &format!("/v1/reports/{id}"), &staff).await["beneficiary_count"],
        70,
        "the count stays the number of people"
    );

    // Assessments: the first moves the case to assessing.
    let (code, assessed) = send(
        &app,
        &format!("/v1/beneficiaries/{rahmah}/assessments"),
        &staff,
        assessment(
            true,
            json!([{"component": "accessibility_support", "item": "wheelchair", "quantity": 1}]),
        ),
    )
    .await;
    assert_eq!(code, 201, "{assessed}");
    assert_eq!(assessed["beneficiary_status"], "assessed");
    assert_eq!(assessed["functioning"]["walking"], "cannot_do_at_all");
    let report = read(&app, &format!("/v1/reports/{id}"), &staff).await;
    assert_eq!(report["status"], "assessing");
    let moved = report["events"]
        .as_array()
        .expect("events")
        .iter()
        .find(|e| e["kind"] == "status_changed" && e["to_status"] == "assessing")
        .expect("the move is in the history");
    assert_eq!(moved["details"]["by"], "assessment");
    let (code, _) = send(
        &app,
        &format!("/v1/beneficiaries/{yusuf}/assessments"),
        &staff,
        assessment(
            true,
            json!([{"component": "accessibility_support", "item": "hearing_aid"}]),
        ),
    )
    .await;
    assert_eq!(code, 201);
    let (code, not_eligible) = send(
        &app,
        &format!("/v1/beneficiaries/{siti}/assessments"),
        &staff,
        assessment(false, json!([])),
    )
    .await;
    assert_eq!(code, 201);
    assert_eq!(not_eligible["beneficiary_status"], "not_eligible");
    // A person not eligible gets no services.
    let (code, problem) = send(
        &app,
        &format!("/v1/beneficiaries/{siti}/services"),
        &staff,
        json!({"component": "social_assistance", "modality": "family_based", "quantity": 1, "due_on": day(10)}),
    )
    .await;
    assert_eq!(code, 409, "{problem}");

    // Services: the first planned moves the case to in_service.
    let (code, wheelchair) = send(
        &app,
        &format!("/v1/beneficiaries/{rahmah}/services"),
        &staff,
        json!({"component": "accessibility_support", "modality": "family_based",
               "item": "wheelchair", "quantity": 1, "due_on": day(10)}),
    )
    .await;
    assert_eq!(code, 201, "{wheelchair}");
    assert_eq!(wheelchair["status"], "planned");
    let wheelchair = wheelchair["id"].as_str().expect("id").to_owned();
    assert_eq!(
        read(&app, &format!("/v1/reports/{id}"), &staff).await["status"],
        "in_service"
    );
    let (code, hearing_aid) = send(
        &app,
        &format!("/v1/beneficiaries/{yusuf}/services"),
        &staff,
        json!({"component": "accessibility_support", "modality": "family_based",
               "item": "hearing_aid", "quantity": 2, "due_on": day(20)}),
    )
    .await;
    assert_eq!(code, 201);
    let hearing_aid = hearing_aid["id"].as_str().expect("id").to_owned();
    assert_eq!(
        read(&app, &format!("/v1/beneficiaries/{yusuf}"), &staff).await["status"],
        "in_service"
    );

    // Resolving is refused while anything is pending, naming what.
    let (code, problem) = set_status(&app, &id, &staff, "resolved").await;
    assert_eq!(code, 409);
    assert_eq!(problem["type"], "/problems/work-pending");
    assert_eq!(problem["pending"]["services_planned"], 2);
    assert_eq!(problem["pending"]["beneficiaries_pending"], 2);
    let pending_people: Vec<&str> = problem["pending"]["beneficiaries"]
        .as_array()
        .expect("people")
        .iter()
        .map(|p| p["id"].as_str().expect("id"))
        .collect();
    assert_eq!(pending_people, [rahmah.as_str(), yusuf.as_str()]);
    assert_eq!(problem["pending"]["services"][0]["item"], "wheelchair");
    assert!(
        !problem.to_string().contains("Rahmah"),
        "no names: {problem}"
    );

    // Deliveries with their handover records.
    let delivered_on = day(-100);
    let (code, delivered) = send(
        &app,
        &format!("/v1/services/{wheelchair}/deliver"),
        &staff,
        json!({"delivered_on": delivered_on, "quantity": 1, "handover_ref": "BAST/SMJ/2026/0412",
               "received_by": "Rahmah dan cucunya"}),
    )
    .await;
    assert_eq!(code, 200, "{delivered}");
    assert_eq!(delivered["status"], "delivered");
    assert_eq!(delivered["handover_ref"], "BAST/SMJ/2026/0412");
    assert_eq!(delivered["follow_up_due"], true, "delivered 100 days ago");
    assert_eq!(
        read(&app, &format!("/v1/beneficiaries/{rahmah}"), &staff).await["status"],
        "served"
    );
    // A served person's case is over: it is not ended otherwise.
    let (code, answer) = patch(
        &app,
        &format!("/v1/beneficiaries/{rahmah}"),
        &staff,
        json!({"status": "declined", "status_reason": "x"}),
    )
    .await;
    assert_eq!(code, 409, "{answer}");
    assert!(
        answer["detail"]
            .as_str()
            .is_some_and(|d| d.contains("final")),
        "{answer}"
    );

    let (code, problem) = set_status(&app, &id, &staff, "resolved").await;
    assert_eq!(code, 409);
    assert_eq!(problem["pending"]["services_planned"], 1);
    let (code, again) = send(
        &app,
        &format!("/v1/services/{wheelchair}/deliver"),
        &staff,
        json!({"delivered_on": day(0), "quantity": 1, "handover_ref": "X", "received_by": "Y"}),
    )
    .await;
    assert_eq!(code, 409, "delivered once: {again}");
    let (code, _) = send(
        &app,
        &format!("/v1/services/{hearing_aid}/deliver"),
        &staff,
        json!({"delivered_on": day(0), "quantity": 2, "handover_ref": "BAST/SMJ/2026/0413",
               "received_by": "Yusuf"}),
    )
    .await;
    assert_eq!(code, 200);

    // Nothing pending: resolved.
    let (code, resolved) = set_status(&app, &id, &staff, "resolved").await;
    assert_eq!(code, 200, "{resolved}");
    assert_eq!(resolved["status"], "resolved");

    // The wheelchair is due its follow-up; recording one clears it.
    let due = read(
        &app,
        &format!("/v1/units/{UNIT}/services?follow_up_due=true"),
        &staff,
    )
    .await;
    let due_ids: Vec<&str> = due["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|s| s["id"].as_str().expect("id"))
        .collect();
    assert_eq!(due_ids, [wheelchair.as_str()]);
    let (code, bad) = send(
        &app,
        &format!("/v1/services/{wheelchair}/follow-up"),
        &staff,
        json!({"checked_on": day(-101), "outcome": "in_use"}),
    )
    .await;
    assert_eq!(code, 422, "before the delivery: {bad}");
    assert_eq!(bad["errors"][0]["field"], "checked_on");
    let (code, followed) = send(
        &app,
        &format!("/v1/services/{wheelchair}/follow-up"),
        &staff,
        json!({"checked_on": day(0), "outcome": "in_use", "note": "Dipakai setiap hari"}),
    )
    .await;
    assert_eq!(code, 200, "{followed}");
    assert_eq!(followed["follow_up_outcome"], "in_use");
    assert_eq!(followed["follow_up_due"], false);
    let due = read(
        &app,
        &format!("/v1/units/{UNIT}/services?follow_up_due=true"),
        &staff,
    )
    .await;
    assert!(due["items"].as_array().expect("items").is_empty());

    // Closure still works.
    let (code, _) = set_status(&app, &id, &staff, "closed").await;
    assert_eq!(code, 200);

    // The bus carries every step, with no personal data.
    let events = bus.expect(15, Duration::from_secs(10)).await;
    let names: Vec<&str> = events
        .iter()
        .filter_map(|m| m["event"].as_str())
        .filter(|e| e.starts_with("beneficiary.") || e.starts_with("service."))
        .collect();
    let count = |name: &str| names.iter().filter(|n| **n == name).count();
    assert_eq!(count("beneficiary.added"), 1, "{names:?}");
    assert_eq!(count("beneficiary.assessed"), 3, "{names:?}");
    assert_eq!(count("service.planned"), 2, "{names:?}");
    assert_eq!(count("service.delivered"), 2, "{names:?}");
    assert_eq!(count("service.followed_up"), 1, "{names:?}");
    let delivered_event = events
        .iter()
        .find(|m| m["event"] == "service.delivered")
        .expect("a delivery");
    assert_eq!(delivered_event["ticket"], report["ticket"]);
    assert_eq!(delivered_event["unit_code"], UNIT);
    assert_eq!(
        delivered_event["details"]["component"],
        "accessibility_support"
    );
    assert!(delivered_event["details"]["item"].is_string());
    let text = serde_json::to_string(&events).expect("json");
    for personal in [
        "Rahmah",
        "Yusuf",
        "Siti",
        "1303015708450001",
        "6281234567892",
        "BAST",
        "Dipakai",
    ] {
        assert!(!text.contains(personal), "{personal} on the bus");
    }
    let statuses: Vec<&str> = events
        .iter()
        .filter(|m| {
            m["event"]
                .as_str()
                .is_some_and(|e| e.starts_with("report.status."))
        })
        .filter_map(|m| m["status"].as_str())
        .collect();
    assert_eq!(
        statuses,
        [
            "acknowledged",
            "assessing",
            "in_service",
            "resolved",
            "closed"
        ]
    );
    bus.close().await;
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_added_is_checked_field_by_field_and_nik_as_at_intake() {
    let app = spawn_app().await;
    let worker = Worker::start(app.config());
    let staff = app.token(Role::UptStaff);
    let id = acknowledged_case(&app, &report_body()).await;
    let path = format!("/v1/reports/{id}/beneficiaries");
    let table: &[(Value, Option<(&str, &str)>)] = &[
        (json!({"name": "Ibu Ani", "nik": "1303015708450001"}), None),
        (
            json!({"name": "Ibu Ani", "nik": "1303 0141 0280 0002"}),
            None,
        ),
        (
            json!({"nik": "130301570845000"}),
            Some(("nik", "16 digits")),
        ),
        (
            json!({"nik": "9999015708450001"}),
            Some(("nik", "known regency")),
        ),
        (
            json!({"nik": "0000015708450001"}),
            Some(("nik", "regency code")),
        ),
        (
            json!({"nik": "1303013208450001"}),
            Some(("nik", "birth date")),
        ),
        (
            json!({"nik": "1303014002450001"}),
            Some(("nik", "birth date")),
        ),
        (json!({"nik": "1303011713450001"}), Some(("nik", "month"))),
        (json!({"sex": "X"}), Some(("sex", "F or M"))),
        (json!({"age": 131}), Some(("age", "0 and 130"))),
        (
            json!({"birth_date": day(30)}),
            Some(("birth_date", "future")),
        ),
        (
            json!({"birth_date": "17-08-1945"}),
            Some(("birth_date", "YYYY-MM-DD")),
        ),
        (
            json!({"disabilities": ["blind"]}),
            Some(("disabilities[0]", "sensory_visual")),
        ),
        (
            json!({"disabilities": ["physical", "physical"]}),
            Some(("disabilities[1]", "twice")),
        ),
        (json!({"phone": "12345"}), Some(("phone", "Indonesian"))),
        (json!({"name": "x".repeat(201)}), Some(("name", "200"))),
        (
            json!({"name": "A", "favourite": "tea"}),
            Some(("favourite", "")),
        ),
    ];
    let mut failures = Vec::new();
    for (body, expected) in table {
        let (code, answer) = send(&app, &path, &staff, body.clone()).await;
        match expected {
            None if code == 201 => {}
            None => failures.push(format!("{body}: {code} {answer}")),
            Some((field, words)) => {
                let named = answer["errors"].as_array().is_some_and(|errors| {
                    errors.iter().any(|e| {
                        e["field"] == *field
                            && e["message"].as_str().is_some_and(|m| m.contains(words))
                    })
                });
                if code != 422 || answer["type"] != "/problems/validation" || !named {
                    failures.push(format!(
                        "{body}: want 422 on {field} ({words}), got {code} {answer}"
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Every error at once.
    let (code, answer) = send(
        &app,
        &path,
        &staff,
        json!({"sex": "X", "age": -1, "nik": "1"}),
    )
    .await;
    assert_eq!(code, 422);
    assert_eq!(
        answer["errors"].as_array().expect("errors").len(),
        3,
        "{answer}"
    );

    // An edit ends a person's case without service, with a reason.
    let person = read(&app, &format!("/v1/reports/{id}"), &staff).await["beneficiaries"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let (code, answer) = patch(
        &app,
        &format!("/v1/beneficiaries/{person}"),
        &staff,
        json!({"status": "declined"}),
    )
    .await;
    assert_eq!(code, 422, "{answer}");
    assert_eq!(answer["errors"][0]["field"], "status_reason");
    let (code, answer) = patch(
        &app,
        &format!("/v1/beneficiaries/{person}"),
        &staff,
        json!({"status": "served", "status_reason": "x"}),
    )
    .await;
    assert_eq!(code, 422, "{answer}");
    let (code, answer) = patch(
        &app,
        &format!("/v1/beneficiaries/{person}"),
        &staff,
        json!({"status": "unreachable", "status_reason": "Pindah, tidak dapat dihubungi", "phone": null, "age": 79}),
    )
    .await;
    assert_eq!(code, 200, "{answer}");
    assert_eq!(answer["status"], "unreachable");
    assert_eq!(answer["age"], 79);
    assert!(answer.get("phone").is_none());
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn each_role_sees_and_does_what_it_may_with_case_work() {
    let app = spawn_app().await;
    let worker = Worker::start(app.config());
    let staff = app.token(Role::UptStaff);
    let id = acknowledged_case(&app, &sijunjung_report()).await;
    let person =
        read(&app, &format!("/v1/reports/{id}/beneficiaries"), &staff).await["items"][0]["id"]
            .as_str()
            .expect("id")
            .to_owned();
    let other_staff = app.token_with(Role::UptStaff, "efata", Some("SENTRA-EFATA"), None);
    let (code, _) = send(
        &app,
        &format!("/v1/beneficiaries/{person}/assessments"),
        &other_staff,
        assessment(true, json!([])),
    )
    .await;
    assert_eq!(code, 404, "another unit's staff");
    assert_eq!(
        app.get(&format!("/v1/beneficiaries/{person}"), &other_staff)
            .await
            .status(),
        404
    );
    assert_eq!(
        app.get(&format!("/v1/reports/{id}/beneficiaries"), &other_staff)
            .await
            .status(),
        404
    );
    let (code, _) = send(
        &app,
        &format!("/v1/beneficiaries/{person}/assessments"),
        &app.token(Role::Operator),
        assessment(true, json!([])),
    )
    .await;
    assert_eq!(code, 403, "operators read only");
    let (code, _) = send(
        &app,
        &format!("/v1/beneficiaries/{person}/assessments"),
        &staff,
        assessment(true, json!([])),
    )
    .await;
    assert_eq!(code, 201);

    // Regional offices and integrators see counts and statuses, never names.
    let regional = app.token(Role::Regional);
    for (who, token) in [
        ("regional", regional.clone()),
        ("admin", app.token(Role::Admin)),
    ] {
        let people = read(&app, &format!("/v1/reports/{id}/beneficiaries"), &token).await;
        let first = &people["items"][0];
        assert_eq!(first["status"], "assessed", "{who}");
        assert_eq!(first["sex"], "F", "{who}");
        for field in ["name", "nik", "phone", "address", "birth_date"] {
            assert!(first.get(field).is_none(), "{who} sees {field}: {first}");
        }
        let report = read(&app, &format!("/v1/reports/{id}"), &token).await;
        assert_eq!(report["beneficiaries"][0]["status"], "assessed");
        assert!(report["beneficiaries"][0].get("name").is_none(), "{who}");
        let assessments = read(
            &app,
            &format!("/v1/beneficiaries/{person}/assessments"),
            &token,
        )
        .await;
        assert_eq!(assessments["items"][0]["eligible"], true);
        assert!(assessments["items"][0].get("findings").is_none(), "{who}");
        assert!(
            assessments["items"][0].get("functioning").is_none(),
            "{who}"
        );
    }
    let operator = read(
        &app,
        &format!("/v1/beneficiaries/{person}"),
        &app.token(Role::Operator),
    )
    .await;
    assert_eq!(operator["name"], "Nenek Rahmah");
    assert_eq!(operator["nik"], "1303015708450001");
    let other_region = app.token_with(Role::Regional, "jatim", None, Some("35"));
    assert_eq!(
        app.get(&format!("/v1/beneficiaries/{person}"), &other_region)
            .await
            .status(),
        404
    );
    // An integrator reads only the reports it filed, with reports:read.
    assert_eq!(
        app.get(
            &format!("/v1/reports/{id}/beneficiaries"),
            &app.token(Role::Integrator)
        )
        .await
        .status(),
        404
    );
    let partner = app.integrator_token("partner-1", "reports:write reports:read");
    let filed = app.post("/v1/reports", &partner, &sijunjung_report()).await;
    assert_eq!(filed.status(), 201);
    let own: Value = filed.json().await.expect("json");
    let own_people = read(
        &app,
        &format!(
            "/v1/reports/{}/beneficiaries",
            own["id"].as_str().expect("id")
        ),
        &partner,
    )
    .await;
    assert_eq!(own_people["items"].as_array().expect("items").len(), 2);
    assert!(own_people["items"][0].get("name").is_none());
    let write_only = app.integrator_token("partner-1", "reports:write");
    assert_eq!(
        app.get(
            &format!(
                "/v1/reports/{}/beneficiaries",
                own["id"].as_str().expect("id")
            ),
            &write_only
        )
        .await
        .status(),
        403
    );
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_units_delivery_list_answers_304_until_something_changes() {
    let app = spawn_app().await;
    let worker = Worker::start(app.config());
    let staff = app.token(Role::UptStaff);
    let id = acknowledged_case(&app, &sijunjung_report()).await;
    let people = read(&app, &format!("/v1/reports/{id}/beneficiaries"), &staff).await;
    let person = people["items"][0]["id"].as_str().expect("id").to_owned();
    let (code, _) = send(
        &app,
        &format!("/v1/beneficiaries/{person}/assessments"),
        &staff,
        assessment(true, json!([])),
    )
    .await;
    assert_eq!(code, 201);
    for (item, due) in [
        ("wheelchair", day(-3)),
        ("walker", day(5)),
        ("crutches", day(40)),
    ] {
        let (code, answer) = send(
            &app,
            &format!("/v1/beneficiaries/{person}/services"),
            &staff,
            json!({"component": "accessibility_support", "modality": "community_based",
                   "item": item, "quantity": 1, "due_on": due}),
        )
        .await;
        assert_eq!(code, 201, "{answer}");
    }
    let path = format!(
        "/v1/units/{UNIT}/services?status=planned&due_before={}",
        day(30)
    );
    let first = app.get(&path, &staff).await;
    assert_eq!(first.status(), 200);
    let etag = first.headers()[ETAG].clone();
    let page: Value = first.json().await.expect("json");
    let items: Vec<&str> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|s| s["item"].as_str().expect("item"))
        .collect();
    assert_eq!(
        items,
        ["wheelchair", "walker"],
        "due before the day, by due day"
    );
    assert_eq!(page["items"][0]["overdue"], true);
    assert_eq!(page["items"][0]["beneficiary_name"], "Nenek Rahmah");
    assert_eq!(
        page["items"][0]["ticket"]
            .as_str()
            .map(|t| t.starts_with("CC-")),
        Some(true)
    );

    let overdue: Value = app
        .get(&format!("/v1/units/{UNIT}/services?overdue=true"), &staff)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(overdue["items"].as_array().expect("items").len(), 1);
    // Pages of one, with cursors.
    let one: Value = app
        .get(&format!("{path}&limit=1"), &staff)
        .await
        .json()
        .await
        .expect("json");
    let cursor = one["next_cursor"].as_str().expect("more").to_owned();
    let two: Value = app
        .get(&format!("{path}&limit=1&cursor={cursor}"), &staff)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(two["items"][0]["item"], "walker");
    assert!(two["next_cursor"].is_null());
    assert_eq!(
        app.get(&format!("{path}&limit=501"), &staff).await.status(),
        422
    );
    assert_eq!(
        app.get(&format!("/v1/units/{UNIT}/services?status=lost"), &staff)
            .await
            .status(),
        422
    );

    let again = app
        .http
        .get(app.url(&path))
        .bearer_auth(&staff)
        .header(IF_NONE_MATCH, etag.clone())
        .send()
        .await
        .expect("request");
    assert_eq!(again.status(), 304, "nothing changed");
    let walker = page["items"][1]["id"].as_str().expect("id");
    let (code, _) = send(
        &app,
        &format!("/v1/services/{walker}/cancel"),
        &staff,
        json!({"reason": "Sudah punya"}),
    )
    .await;
    assert_eq!(code, 200);
    let changed = app
        .http
        .get(app.url(&path))
        .bearer_auth(&staff)
        .header(IF_NONE_MATCH, etag)
        .send()
        .await
        .expect("request");
    assert_eq!(
        changed.status(),
        200,
        "a cancelled service changes the list"
    );
    let page: Value = changed.json().await.expect("json");
    assert_eq!(page["items"].as_array().expect("items").len(), 1);

    let other_staff = app.token_with(Role::UptStaff, "efata", Some("SENTRA-EFATA"), None);
    assert_eq!(app.get(&path, &other_staff).await.status(), 404);
    assert_eq!(
        app.get(&path, &app.token(Role::Supervisor)).await.status(),
        200
    );
    assert_eq!(
        app.get(&path, &app.token(Role::Operator)).await.status(),
        403
    );
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_migration_moves_the_listed_people_of_existing_reports_into_rows() {
    let db = TestDb::new().await;
    let reverted = sigap_store::db::revert_through(&db.url, "20261207000017")
        .await
        .expect("revert");
    assert!(
        reverted.contains(&"20261207000017".to_string()),
        "{reverted:?}"
    );
    let client = db.client().await;
    client
        .execute(
            "INSERT INTO reports (id, ticket, channel, category, need, urgency, region_code, \
             province_code, description, filed_by, tracking_code, beneficiaries, beneficiary_count) \
             VALUES (gen_random_uuid(), 'CC-2026-000001', 'hotline', 'elderly', 'assistive_device', 'high', \
             '13.03', '13', 'Dua lansia butuh alat bantu', 'operator-1', 'CC-2026-000001-K7QM2X', $1::text::jsonb, 5)",
            &[&json!([
                {"name": "Nenek Rahmah", "age": 81, "sex": "F", "disability": "tunadaksa", "nik": "1303015708450001"},
                {"name": "Pak Yusuf", "sex": "M", "disability": "visual, hearing", "phone": "+6281234567891"},
                {"name": "Anak", "age": 9, "disability": "something else"}
            ])
            .to_string()],
        )
        .await
        .expect("a report filed before the migration");
    sigap_store::db::migrate(&db.url).await.expect("migrate");
    let rows = client
        .query(
            "SELECT ordinal, name, nik, age, sex, disabilities, phone, status \
             FROM beneficiaries ORDER BY ordinal",
            &[],
        )
        .await
        .expect("rows");
    assert_eq!(rows.len(), 3);
    let row = |i: usize| &rows[i];
    assert_eq!(row(0).get::<_, String>("name"), "Nenek Rahmah");
    assert_eq!(
        row(0).get::<_, Option<String>>("nik").as_deref(),
        Some("1303015708450001")
    );
    assert_eq!(row(0).get::<_, Option<i32>>("age"), Some(81));
    assert_eq!(row(0).get::<_, Option<String>>("sex").as_deref(), Some("F"));
    assert_eq!(row(0).get::<_, Vec<String>>("disabilities"), ["physical"]);
    assert_eq!(
        row(1).get::<_, Vec<String>>("disabilities"),
        ["sensory_hearing", "sensory_visual"]
    );
    assert_eq!(
        row(1).get::<_, Option<String>>("phone").as_deref(),
        Some("+6281234567891")
    );
    assert!(row(2).get::<_, Vec<String>>("disabilities").is_empty());
    for i in 0..3 {
        assert_eq!(row(i).get::<_, i32>("ordinal"), i as i32);
        assert_eq!(row(i).get::<_, String>("status"), "awaiting_assessment");
    }
    // The count stays; duplicate look-ups still find the people.
    let count: i32 = client
        .query_one("SELECT beneficiary_count FROM reports", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(count, 5);
    let people: i64 = client
        .query_one("SELECT count(*) FROM report_people", &[])
        .await
        .expect("people")
        .get(0);
    assert_eq!(people, 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn open311_status_notes_count_the_people_served_without_names() {
    let app = spawn_app().await;
    let worker = Worker::start(app.config());
    let admin = app.token(Role::Admin);
    let client: Value = app
        .post(
            "/v1/clients",
            &admin,
            &json!({"name": "kabupaten-app", "scopes": ["open311"]}),
        )
        .await
        .json()
        .await
        .expect("json");
    let api_key = format!(
        "{}:{}",
        client["client_id"].as_str().expect("client_id"),
        client["client_secret"].as_str().expect("client_secret")
    );
    let form = [
        ("api_key", api_key.clone()),
        ("service_code", "elderly".to_owned()),
        ("lat", "-0.69".to_owned()),
        ("long", "100.95".to_owned()),
        (
            "description",
            "Dua lansia butuh kursi roda di Sijunjung.".to_owned(),
        ),
        ("attribute[urgency]", "high".to_owned()),
    ];
    let filed: Value = app
        .http
        .post(app.url("/open311/v2/requests.json"))
        .form(&form)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let ticket = filed[0]["service_request_id"]
        .as_str()
        .expect("ticket")
        .to_owned();
    let staff = app.token(Role::UptStaff);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    let id = loop {
        let queue = read(&app, &format!("/v1/units/{UNIT}/cases"), &staff).await;
        if let Some(case) = queue["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|c| c["ticket"] == ticket.as_str())
        {
            break case["id"].as_str().expect("id").to_owned();
        }
        assert!(tokio::time::Instant::now() < deadline, "not assigned");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let (code, _) = set_status(&app, &id, &staff, "acknowledged").await;
    assert_eq!(code, 200);
    let mut people = Vec::new();
    for name in ["Nenek Rahmah", "Pak Yusuf"] {
        let (code, person) = send(
            &app,
            &format!("/v1/reports/{id}/beneficiaries"),
            &staff,
            json!({"name": name}),
        )
        .await;
        assert_eq!(code, 201);
        people.push(person["id"].as_str().expect("id").to_owned());
    }
    let (code, _) = send(
        &app,
        &format!("/v1/beneficiaries/{}/assessments", people[0]),
        &staff,
        assessment(true, json!([])),
    )
    .await;
    assert_eq!(code, 201);
    let (code, service) = send(
        &app,
        &format!("/v1/beneficiaries/{}/services", people[0]),
        &staff,
        json!({"component": "accessibility_support", "modality": "family_based", "item": "wheelchair", "quantity": 1, "due_on": day(7)}),
    )
    .await;
    assert_eq!(code, 201);
    let (code, _) = send(
        &app,
        &format!("/v1/services/{}/deliver", service["id"].as_str().expect("id")),
        &staff,
        json!({"delivered_on": day(0), "quantity": 1, "handover_ref": "BAST/SMJ/2026/0500", "received_by": "Rahmah"}),
    )
    .await;
    assert_eq!(code, 200);
    let request: Value = app
        .http
        .get(app.url(&format!("/open311/v2/requests/{ticket}.json")))
        .query(&[("api_key", api_key.as_str())])
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(
        request[0]["status_notes"], "in_service; 1 of 2 people served",
        "{request}"
    );
    assert!(!request.to_string().contains("Rahmah"));
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn webhooks_receive_the_case_work_events_without_personal_data() {
    let app = sigap_tests::spawn_app_with(&[
        ("SIGAP_WEBHOOK_ALLOW_PRIVATE", "true"),
        ("SIGAP_WEBHOOK_RETRY_BASE", "100ms"),
    ])
    .await;
    let worker = Worker::start(app.config());
    let receiver = crate::webhooks::Receiver::start(0).await;
    crate::webhooks::subscribe(
        &app,
        &app.token(Role::Admin),
        &receiver.url,
        json!(["beneficiary.*", "service.*"]),
    )
    .await;
    let staff = app.token(Role::UptStaff);
    let id = acknowledged_case(&app, &report_body()).await;
    let (code, person) = send(
        &app,
        &format!("/v1/reports/{id}/beneficiaries"),
        &staff,
        json!({"name": "Kakek Amir", "nik": "1303011708450001", "phone": "081234567893"}),
    )
    .await;
    assert_eq!(code, 201);
    let person = person["id"].as_str().expect("id").to_owned();
    let (code, _) = send(
        &app,
        &format!("/v1/beneficiaries/{person}/assessments"),
        &staff,
        assessment(true, json!([])),
    )
    .await;
    assert_eq!(code, 201);
    let (code, _) = send(
        &app,
        &format!("/v1/beneficiaries/{person}/services"),
        &staff,
        json!({"component": "accessibility_support", "modality": "family_based", "item": "walking_stick",
               "quantity": 1, "due_on": day(3), "note": "Tongkat untuk Kakek Amir"}),
    )
    .await;
    assert_eq!(code, 201);
    let received = receiver.wait_for(3, Duration::from_secs(15)).await;
    let mut events: Vec<&str> = received.iter().map(|r| r.event.as_str()).collect();
    events.sort_unstable();
    assert_eq!(
        events,
        [
            "beneficiary.added",
            "beneficiary.assessed",
            "service.planned"
        ]
    );
    for delivery in &received {
        let body = String::from_utf8_lossy(&delivery.body);
        for personal in [
            "Amir",
            "1303011708450001",
            "6281234567893",
            "Tongkat",
            "Tidak dapat",
        ] {
            assert!(!body.contains(personal), "{personal} in {body}");
        }
        let event: Value = serde_json::from_str(&body).expect("json");
        assert_eq!(event["report_id"], id.as_str());
        assert_eq!(event["unit_code"], UNIT);
        if event["event"] == "service.planned" {
            assert_eq!(event["details"]["item"], "walking_stick");
            assert_eq!(event["details"]["quantity"], 1);
            assert_eq!(event["details"]["service_status"], "planned");
        }
    }
    receiver.handle.stop(true).await;
    worker.stop().await;
}
