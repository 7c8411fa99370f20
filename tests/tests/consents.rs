//! Consent (UU PDP): recording and withdrawing it, and what it lets a
//! partner (an integrator) and a regional office see of a person; what the
//! roles that may not see names never see (descriptions, notes, reasons).

use crate::casework::{acknowledged_case, day, patch, read, send, sijunjung_report};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sigap_domain::Role;
use sigap_tests::{TestApp, Worker, report_body, spawn_app, spawn_app_with};
use std::time::Duration;

/// A consent body for `purposes`, given by the person in writing yesterday.
fn consent(purposes: &[&str]) -> Value {
    json!({"purposes": purposes, "given_by": "self", "method": "written", "recorded_on": day(-1)})
}

/// Files `body` as the partner `token` (an integrator sees only what it
/// filed); the report's id.
async fn filed_by(app: &TestApp, token: &str, body: &Value) -> String {
    let response = app.post("/v1/reports", token, body).await;
    assert_eq!(response.status(), 201);
    let filed: Value = response.json().await.expect("json");
    filed["id"].as_str().expect("id").to_owned()
}

/// The ids of the people of report `id`, in list order.
async fn people(app: &TestApp, id: &str) -> Vec<String> {
    read(
        app,
        &format!("/v1/reports/{id}/beneficiaries"),
        &app.token(Role::Supervisor),
    )
    .await["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["id"].as_str().expect("id").to_owned())
        .collect()
}

/// Records a consent as a supervisor; its id.
async fn record(app: &TestApp, person: &str, body: Value) -> String {
    let (code, consent) = send(
        app,
        &format!("/v1/beneficiaries/{person}/consents"),
        &app.token(Role::Supervisor),
        body,
    )
    .await;
    assert_eq!(code, 201, "{consent}");
    consent["id"].as_str().expect("id").to_owned()
}

async fn withdraw(app: &TestApp, consent: &str) -> (StatusCode, Value) {
    send(
        app,
        &format!("/v1/consents/{consent}/withdraw"),
        &app.token(Role::Supervisor),
        json!({"reason": "Keluarga menarik persetujuan"}),
    )
    .await
}

/// Whether the person answer shows the name, NIK and phone (all three, or
/// none: anything else fails).
fn shows_identity(person: &Value) -> bool {
    let shown: Vec<bool> = ["name", "nik", "phone"]
        .iter()
        .map(|f| person.get(*f).is_some_and(|v| !v.is_null()))
        .collect();
    assert!(
        shown.iter().all(|s| *s) || shown.iter().all(|s| !*s),
        "name, NIK and phone go together: {person}"
    );
    shown[0]
}

fn person_body(name: &str, nik: &str, phone: &str) -> Value {
    json!({"name": name, "age": 81, "sex": "F", "disability": "physical", "nik": nik, "phone": phone})
}

/// Waits until the access log of report `id` has an entry by `actor`.
async fn logged_read_by(app: &TestApp, id: &str, actor: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let log = read(
            app,
            &format!("/v1/reports/{id}/access-log"),
            &app.token(Role::Supervisor),
        )
        .await;
        if let Some(entry) = log["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|e| e["actor"] == actor)
        {
            return entry.clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no access-log entry by {actor}: {log}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_partner_sees_a_person_only_while_the_person_consents_to_sharing_with_partners() {
    let app = spawn_app_with(&[("SIGAP_ACCESS_LOG_INTERVAL", "100ms")]).await;
    let partner = app.token(Role::Integrator);
    let mut body = report_body();
    body["beneficiaries"] = json!([person_body(
        "Nenek Rahmah",
        "1303015708450001",
        "081234567891"
    )]);
    let id = filed_by(&app, &partner, &body).await;
    let person = people(&app, &id).await.remove(0);
    let path = format!("/v1/beneficiaries/{person}");
    let mut bus = app.tap("events", "consent.#").await;

    // No consent: counts and statuses, no name, NIK or phone.
    let seen = read(&app, &path, &partner).await;
    assert!(!shows_identity(&seen));
    assert_eq!(seen["status"], "awaiting_assessment");

    // A consent for other purposes changes nothing for the partner.
    record(
        &app,
        &person,
        consent(&["case_handling", "share_with_regional_office"]),
    )
    .await;
    assert!(!shows_identity(&read(&app, &path, &partner).await));

    // Under a consent for partners: the person, in every answer.
    let consent_id = record(&app, &person, consent(&["share_with_partner"])).await;
    let seen = read(&app, &path, &partner).await;
    assert!(shows_identity(&seen));
    assert_eq!(seen["name"], "Nenek Rahmah");
    assert_eq!(seen["nik"], "1303015708450001");
    let listed = read(&app, &format!("/v1/reports/{id}/beneficiaries"), &partner).await;
    assert!(shows_identity(&listed["items"][0]));
    let report = read(&app, &format!("/v1/reports/{id}"), &partner).await;
    assert!(shows_identity(&report["beneficiaries"][0]));
    // The report's own personal data stays the report's: no reporter, no
    // description, no address.
    assert!(report.get("reporter").is_none(), "{report}");
    assert!(report.get("description").is_none(), "{report}");
    assert!(report["address"].is_null(), "{report}");

    // The read is in the access log, as the partner's (a client's).
    let entry = logged_read_by(&app, &id, "integrator-test").await;
    assert_eq!(entry["actor_kind"], "client");
    assert_eq!(entry["beneficiary_ids"], json!([person]));

    // Withdrawn: the very next request shows nothing.
    let (code, withdrawn) = withdraw(&app, &consent_id).await;
    assert_eq!(code, 200, "{withdrawn}");
    assert!(withdrawn["withdrawn_at"].is_string());
    assert_eq!(withdrawn["active"], false);
    assert!(!shows_identity(&read(&app, &path, &partner).await));
    let report = read(&app, &format!("/v1/reports/{id}"), &partner).await;
    assert!(!shows_identity(&report["beneficiaries"][0]));

    // Withdrawing twice is a conflict.
    let (code, problem) = withdraw(&app, &consent_id).await;
    assert_eq!(code, 409, "{problem}");
    assert_eq!(problem["type"], "/problems/conflict");

    // The person's consents, as the partner may see them: no reason.
    let list = read(&app, &format!("{path}/consents"), &partner).await;
    let items = list["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    assert_eq!(items[1]["active"], false);
    assert!(items[1].get("withdrawal_reason").is_none());
    let list = read(
        &app,
        &format!("{path}/consents"),
        &app.token(Role::Supervisor),
    )
    .await;
    assert_eq!(
        list["items"][1]["withdrawal_reason"],
        "Keluarga menarik persetujuan"
    );

    // Events on the bus: ids and purposes, nothing personal.
    let events = bus.expect(3, Duration::from_secs(10)).await;
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["event"].as_str()).collect();
    assert_eq!(
        kinds,
        ["consent.recorded", "consent.recorded", "consent.withdrawn"],
        "{events:?}"
    );
    assert_eq!(
        events[1]["details"]["purposes"],
        json!(["share_with_partner"])
    );
    let text = serde_json::to_string(&events).expect("json");
    for personal in ["Rahmah", "1303015708450001", "menarik"] {
        assert!(!text.contains(personal), "{personal} on the bus: {text}");
    }
    bus.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_regional_office_sees_a_persons_data_and_free_text_only_under_a_consent_for_regional_offices()
 {
    let app = spawn_app().await;
    let worker = Worker::start(app.config());
    let staff = app.token(Role::UptStaff);
    let regional = app.token(Role::Regional);
    let mut body = sijunjung_report();
    body["beneficiaries"][0]["phone"] = json!("081234567891");
    let id = acknowledged_case(&app, &body).await;
    worker.stop().await;
    let person = people(&app, &id).await.remove(0);
    let path = format!("/v1/beneficiaries/{person}");
    // Free text about the person: an assessment's findings and a service's note.
    let (code, _) = send(
        &app,
        &format!("{path}/assessments"),
        &staff,
        crate::casework::assessment(
            true,
            json!([{"component": "accessibility_support", "item": "wheelchair", "quantity": 1}]),
        ),
    )
    .await;
    assert_eq!(code, 201);
    let (code, _) = send(
        &app,
        &format!("{path}/services"),
        &staff,
        json!({"component": "accessibility_support", "modality": "family_based", "item": "wheelchair",
               "quantity": 1, "due_on": day(10), "note": "Kursi roda ukuran kecil untuk Nenek Rahmah"}),
    )
    .await;
    assert_eq!(code, 201);

    let sees_free_text = async |expected: bool| {
        let person = read(&app, &path, &regional).await;
        assert_eq!(shows_identity(&person), expected, "{person}");
        let assessments = read(&app, &format!("{path}/assessments"), &regional).await;
        assert_eq!(
            assessments["items"][0].get("findings").is_some(),
            expected,
            "{assessments}"
        );
        let services = read(&app, &format!("/v1/reports/{id}/services"), &regional).await;
        assert_eq!(
            services["items"][0].get("note").is_some(),
            expected,
            "{services}"
        );
    };
    sees_free_text(false).await;
    record(&app, &person, consent(&["share_with_partner"])).await;
    sees_free_text(false).await;
    let consent_id = record(&app, &person, consent(&["share_with_regional_office"])).await;
    sees_free_text(true).await;
    // The other person of the case did not consent: still hidden.
    let listed = read(&app, &format!("/v1/reports/{id}/beneficiaries"), &regional).await;
    assert!(shows_identity(&listed["items"][0]));
    assert!(!shows_identity(&listed["items"][1]));
    let (code, _) = withdraw(&app, &consent_id).await;
    assert_eq!(code, 200);
    sees_free_text(false).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn whether_name_nik_and_phone_are_shown_follows_the_role_and_the_persons_consent() {
    let app = spawn_app().await;
    let partner = app.token(Role::Integrator);
    let mut body = report_body();
    // One person per consent state: none, for partners, for regional
    // offices, and both withdrawn.
    body["beneficiaries"] = json!([
        person_body("Tanpa Persetujuan", "1303015708450001", "081234567891"),
        person_body("Untuk Mitra", "1303015708450002", "081234567892"),
        person_body("Untuk Dinas", "1303015708450003", "081234567893"),
        person_body("Ditarik", "1303015708450004", "081234567894"),
    ]);
    body["beneficiary_count"] = json!(4);
    let id = filed_by(&app, &partner, &body).await;
    let ids = people(&app, &id).await;
    record(&app, &ids[1], consent(&["share_with_partner"])).await;
    record(&app, &ids[2], consent(&["share_with_regional_office"])).await;
    let both = record(
        &app,
        &ids[3],
        consent(&["share_with_partner", "share_with_regional_office"]),
    )
    .await;
    assert_eq!(withdraw(&app, &both).await.0, 200);

    // (caller, shown for: none, for partners, for regional offices, withdrawn)
    let matrix = [
        (
            "operator",
            app.token(Role::Operator),
            [true, true, true, true],
        ),
        (
            "supervisor",
            app.token(Role::Supervisor),
            [true, true, true, true],
        ),
        ("partner", partner.clone(), [false, true, false, false]),
        (
            "regional office",
            app.token(Role::Regional),
            [false, false, true, false],
        ),
        (
            "admin",
            app.token(Role::Admin),
            [false, false, false, false],
        ),
    ];
    for (name, token, expected) in &matrix {
        let listed = read(&app, &format!("/v1/reports/{id}/beneficiaries"), token).await;
        let report = read(&app, &format!("/v1/reports/{id}"), token).await;
        for (i, want) in expected.iter().enumerate() {
            let one = read(&app, &format!("/v1/beneficiaries/{}", ids[i]), token).await;
            assert_eq!(shows_identity(&one), *want, "{name}, person {i}: {one}");
            assert_eq!(
                shows_identity(&listed["items"][i]),
                *want,
                "{name}, person {i} listed"
            );
            assert_eq!(
                shows_identity(&report["beneficiaries"][i]),
                *want,
                "{name}, person {i} on the report"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_child_needs_the_consent_of_a_named_guardian() {
    let app = spawn_app().await;
    let mut body = report_body();
    body["category"] = json!("child");
    body["beneficiaries"] = json!([
        {"name": "Adik Putri", "age": 9, "sex": "F"},
        {"name": "Rina", "sex": "F"}
    ]);
    body["beneficiary_count"] = json!(2);
    let id = app.file(&body).await["id"].as_str().expect("id").to_owned();
    let ids = people(&app, &id).await;
    let supervisor = app.token(Role::Supervisor);
    let path = format!("/v1/beneficiaries/{}/consents", ids[0]);

    let (code, problem) = send(&app, &path, &supervisor, consent(&["case_handling"])).await;
    assert_eq!(code, 422, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "given_by");
    let message = problem["errors"][0]["message"].as_str().expect("message");
    assert!(
        message.contains("a child") && message.contains("guardian"),
        "{message}"
    );

    let (code, recorded) = send(
        &app,
        &path,
        &supervisor,
        json!({"purposes": ["case_handling"], "given_by": "guardian", "guardian_name": "Ibu Sari",
               "guardian_relation": "ibu", "method": "recorded_verbal", "recorded_on": day(0)}),
    )
    .await;
    assert_eq!(code, 201, "{recorded}");
    assert_eq!(recorded["given_by"], "guardian");
    assert_eq!(recorded["guardian_name"], "Ibu Sari");
    assert_eq!(recorded["active"], true);

    // Seventeen by the birth date on the day of the consent: still a child.
    let born = (chrono::Utc::now() - chrono::Duration::days(17 * 365 + 30))
        .date_naive()
        .to_string();
    // (Intake takes ages, not birth dates: set it in the test's database.)
    app.db
        .client()
        .await
        .execute(
            "UPDATE beneficiaries SET birth_date = $1::text::date WHERE id = $2::text::uuid",
            &[&born, &ids[1]],
        )
        .await
        .expect("set the birth date");
    let (code, problem) = send(
        &app,
        &format!("/v1/beneficiaries/{}/consents", ids[1]),
        &supervisor,
        consent(&["case_handling"]),
    )
    .await;
    assert_eq!(code, 422, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "given_by");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_consent_body_is_checked_field_by_field() {
    let app = spawn_app().await;
    let id = app.file(&report_body()).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let person = people(&app, &id).await.remove(0);
    let path = format!("/v1/beneficiaries/{person}/consents");
    let supervisor = app.token(Role::Supervisor);
    let cases = [
        (
            json!({"purposes": [], "given_by": "self", "method": "written", "recorded_on": day(-1)}),
            vec!["purposes"],
        ),
        (
            json!({"purposes": ["marketing", "photo"], "given_by": "self", "method": "written",
                   "recorded_on": day(-1)}),
            vec!["purposes[0]"],
        ),
        (
            json!({"purposes": ["photo"], "given_by": "self", "method": "written",
                   "recorded_on": day(3)}),
            vec!["recorded_on"],
        ),
        (
            json!({"purposes": ["photo"], "given_by": "guardian", "method": "written",
                   "recorded_on": day(-1)}),
            vec!["guardian_name", "guardian_relation"],
        ),
        (
            json!({"purposes": ["photo"], "given_by": "neighbour", "method": "by_phone"}),
            vec!["given_by", "method", "recorded_on"],
        ),
    ];
    for (body, fields) in cases {
        let (code, problem) = send(&app, &path, &supervisor, body.clone()).await;
        assert_eq!(code, 422, "{body}: {problem}");
        assert_eq!(problem["type"], "/problems/validation");
        let got: Vec<&str> = problem["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .filter_map(|e| e["field"].as_str())
            .collect();
        assert_eq!(got, fields, "{body}: {problem}");
    }
    // Nothing was recorded.
    let list = read(&app, &path, &supervisor).await;
    assert_eq!(list["items"], json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn another_units_staff_find_no_person_and_no_consent_to_record_or_withdraw() {
    let app = spawn_app().await;
    let worker = Worker::start(app.config());
    let id = acknowledged_case(&app, &sijunjung_report()).await;
    worker.stop().await;
    let person = people(&app, &id).await.remove(0);
    let consent_id = record(&app, &person, consent(&["case_handling"])).await;
    let other = app.token_with(Role::UptStaff, "efata", Some("SENTRA-EFATA"), None);
    let path = format!("/v1/beneficiaries/{person}/consents");

    let (code, problem) = send(&app, &path, &other, consent(&["photo"])).await;
    assert_eq!(code, 404, "{problem}");
    assert_eq!(app.get(&path, &other).await.status(), 404);
    let (code, _) = send(
        &app,
        &format!("/v1/consents/{consent_id}/withdraw"),
        &other,
        json!({}),
    )
    .await;
    assert_eq!(code, 404);

    // The unit's own staff record and withdraw, without a body too.
    let staff = app.token(Role::UptStaff);
    let (code, _) = send(&app, &path, &staff, consent(&["photo"])).await;
    assert_eq!(code, 201);
    let response = app
        .http
        .post(app.url(&format!("/v1/consents/{consent_id}/withdraw")))
        .bearer_auth(&staff)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let withdrawn: Value = response.json().await.expect("json");
    assert_eq!(withdrawn["withdrawn_by"], "upt_staff-test");
}

#[tokio::test(flavor = "multi_thread")]
async fn roles_that_may_not_see_names_get_no_description_notes_or_reasons() {
    let app = spawn_app().await;
    let worker = Worker::start(app.config());
    let partner = app.token(Role::Integrator);
    let id = filed_by(&app, &partner, &report_body()).await;
    app.wait_for_status(&id, "assigned", Duration::from_secs(15))
        .await;
    let staff = app.token(Role::UptStaff);
    let (code, _) = crate::casework::set_status(&app, &id, &staff, "acknowledged").await;
    assert_eq!(code, 200);
    worker.stop().await;
    let (code, _) = send(
        &app,
        &format!("/v1/reports/{id}/notes"),
        &staff,
        json!({"note": "Nenek Rahmah tinggal di rumah cucunya"}),
    )
    .await;
    assert_eq!(code, 201);
    let person = people(&app, &id).await.remove(0);
    let (code, ended) = patch(
        &app,
        &format!("/v1/beneficiaries/{person}"),
        &staff,
        json!({"status": "unreachable", "status_reason": "Pindah ke rumah anaknya di Padang"}),
    )
    .await;
    assert_eq!(code, 200, "{ended}");

    for (name, token) in [
        ("partner", partner.clone()),
        ("regional office", app.token(Role::Regional)),
    ] {
        let report = read(&app, &format!("/v1/reports/{id}"), &token).await;
        assert!(report.get("description").is_none(), "{name}: {report}");
        assert!(report["address"].is_null(), "{name}: {report}");
        let events = report["events"].as_array().expect("events");
        assert!(events.iter().any(|e| e["kind"] == "note"), "{name}");
        for event in events {
            assert!(event["note"].is_null(), "{name}: {event}");
            assert!(event.get("actor_name").is_none(), "{name}: {event}");
            if let Some(details) = event["details"].as_object() {
                assert!(!details.contains_key("reason"), "{name}: {event}");
            }
        }
        let text = report.to_string();
        for personal in ["cucunya", "Padang", "Lansia tinggal sendiri", "Jorong"] {
            assert!(!text.contains(personal), "{name} sees {personal}: {text}");
        }
        let one = read(&app, &format!("/v1/beneficiaries/{person}"), &token).await;
        assert_eq!(one["status"], "unreachable");
        assert!(one.get("status_reason").is_none(), "{name}: {one}");
    }
    // Those who work the case see it all.
    let report = read(&app, &format!("/v1/reports/{id}"), &staff).await;
    assert_eq!(
        report["description"],
        "Lansia tinggal sendiri, butuh kursi roda."
    );
    assert!(report.to_string().contains("cucunya"));
}
