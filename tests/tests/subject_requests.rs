//! Subject requests (UU PDP): a person's records found through the blind
//! indexes, exported with who saw them, tracked against their 3 × 24 hour
//! due time, and erased at their request.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sigap_domain::Role;
use sigap_tests::{TestApp, TestDb, Worker, report_body, spawn_app_with};
use std::time::Duration;

/// A valid NIK of a woman born 17 August 1945 in Sijunjung.
const NIK: &str = "1303015708450007";

/// Files a report whose people are `people`, reported from `phone`; its id.
async fn file_with(app: &TestApp, phone: &str, people: Value) -> String {
    let mut body = report_body();
    body["reporter"]["phone"] = json!(phone);
    body["beneficiary_count"] = json!(people.as_array().map_or(1, Vec::len));
    body["beneficiaries"] = people;
    app.file(&body).await["id"].as_str().expect("id").to_owned()
}

/// Records a subject request as a supervisor; the answer's status and body.
async fn ask(app: &TestApp, body: Value) -> (u16, Value) {
    let response = app
        .post("/v1/subject-requests", &app.token(Role::Supervisor), &body)
        .await;
    let status = response.status().as_u16();
    (status, response.json().await.expect("json"))
}

async fn read(app: &TestApp, path: &str) -> Value {
    let response = app.get(path, &app.token(Role::Supervisor)).await;
    assert_eq!(response.status(), 200, "{path}");
    response.json().await.expect("json")
}

fn time(value: &Value) -> DateTime<Utc> {
    value.as_str().expect("a time").parse().expect("RFC 3339")
}

fn ids(list: &Value) -> Vec<String> {
    let mut ids: Vec<String> = list
        .as_array()
        .expect("array")
        .iter()
        .map(|e| e["id"].as_str().expect("id").to_owned())
        .collect();
    ids.sort();
    ids
}

async fn count(db: &TestDb, sql: &str) -> i64 {
    db.client()
        .await
        .query_one(sql, &[])
        .await
        .expect("count")
        .get(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_by_nik_finds_the_person_in_two_reports_and_exports_them_with_who_saw_them() {
    let app = spawn_app_with(&[("SIGAP_ACCESS_LOG_INTERVAL", "100ms")]).await;
    let first = file_with(
        &app,
        "081300000001",
        json!([{"name": "Siti Rahmah", "nik": NIK, "age": 81, "sex": "F",
                "phone": "081300000002"}]),
    )
    .await;
    let second = file_with(
        &app,
        "081300000003",
        json!([{"name": "Bu Siti", "nik": NIK, "age": 81, "sex": "F"},
               {"name": "Pak Amir", "age": 80, "sex": "M"}]),
    )
    .await;
    let unrelated = file_with(
        &app,
        "081300000004",
        json!([{"name": "Kakek Umar", "age": 90}]),
    )
    .await;
    // An operator reads the first report: the export shows it.
    let operator = app.token_with(Role::Operator, "operator-7", None, None);
    assert_eq!(
        app.get(&format!("/v1/reports/{first}"), &operator)
            .await
            .status(),
        200
    );
    tokio::time::sleep(Duration::from_millis(500)).await;

    let (status, request) = ask(
        &app,
        json!({"kind": "access", "nik": NIK, "requested_by": "Siti Rahmah, by letter",
               "note": "Asks for a copy of her data"}),
    )
    .await;
    assert_eq!(status, 201, "{request}");
    assert_eq!(request["status"], "open");
    assert_eq!(request["kind"], "access");
    assert_eq!(request["identifier"], "nik");
    assert_eq!(request["overdue"], false);
    assert_eq!(
        time(&request["due_at"]) - time(&request["received_at"]),
        chrono::TimeDelta::hours(72)
    );
    let mut reports = ids(&request["matches"]["reports"]);
    let mut expected = vec![first.clone(), second.clone()];
    expected.sort();
    reports.sort();
    assert_eq!(reports, expected, "{request}");
    assert_eq!(
        request["matches"]["beneficiaries"]
            .as_array()
            .expect("people")
            .len(),
        2
    );
    assert!(!reports.contains(&unrelated));
    let id = request["id"].as_str().expect("id").to_owned();
    assert_eq!(
        read(&app, &format!("/v1/subject-requests/{id}")).await["matches"],
        request["matches"]
    );

    let export = read(&app, &format!("/v1/subject-requests/{id}/export")).await;
    assert_eq!(ids(&export["reports"]), expected, "{export}");
    let people = export["beneficiaries"].as_array().expect("people");
    assert_eq!(people.len(), 2);
    for person in people {
        assert_eq!(person["nik"], NIK, "decrypted: {person}");
    }
    let names: Vec<&str> = people.iter().filter_map(|p| p["name"].as_str()).collect();
    assert!(names.contains(&"Siti Rahmah") && names.contains(&"Bu Siti"));
    assert!(!names.contains(&"Pak Amir"), "only the person's own rows");
    assert!(
        export["access_log"]
            .as_array()
            .expect("log")
            .iter()
            .any(|e| e["actor"] == "operator-7"
                && e["action"] == "report_view"
                && e["report_id"] == json!(first)),
        "{export}"
    );
    // Reading the export is logged, one entry per report.
    assert_eq!(
        count(
            &app.db,
            "SELECT count(*) FROM access_log WHERE action = 'subject_export'"
        )
        .await,
        2
    );
    // The identifier is stored only as its blind index.
    assert_eq!(
        count(
            &app.db,
            &format!(
                "SELECT count(*) FROM subject_requests WHERE row_to_json(subject_requests)::text LIKE '%{NIK}%'"
            )
        )
        .await,
        0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_is_found_by_phone_as_reporter_and_by_name_with_birth_date() {
    let app = spawn_app_with(&[]).await;
    let worker = Worker::start(app.config());
    let reported = file_with(
        &app,
        "081300000011",
        json!([{"name": "Nenek Ani", "age": 80}]),
    )
    .await;
    let listed = file_with(
        &app,
        "081300000012",
        json!([{"name": "Nenek Ina", "age": 80}]),
    )
    .await;
    app.wait_for_status(&listed, "assigned", Duration::from_secs(15))
        .await;
    app.ok(
        &format!("/v1/reports/{listed}/beneficiaries"),
        &app.token(Role::Supervisor),
        json!({"name": "Ahmad Dahlan", "birth_date": "1950-01-02", "sex": "M"}),
    )
    .await;
    worker.stop().await;

    let (status, by_phone) = ask(
        &app,
        json!({"kind": "access", "phone": "+62 813-0000-0011", "requested_by": "the reporter",
               "note": "By phone"}),
    )
    .await;
    assert_eq!(status, 201, "{by_phone}");
    let found = by_phone["matches"]["reports"].as_array().expect("reports");
    assert_eq!(found.len(), 1, "{by_phone}");
    assert_eq!(found[0]["id"], json!(reported));
    assert_eq!(found[0]["as_reporter"], true);
    assert_eq!(found[0]["as_beneficiary"], false);
    let export = read(
        &app,
        &format!(
            "/v1/subject-requests/{}/export",
            by_phone["id"].as_str().expect("id")
        ),
    )
    .await;
    assert_eq!(export["reports"][0]["reporter"]["phone"], "+6281300000011");

    let (status, by_name) = ask(
        &app,
        json!({"kind": "rectification",
               "name_and_birth_date": {"name": "ahmad DAHLAN", "birth_date": "1950-01-02"},
               "requested_by": "Ahmad Dahlan", "note": "The address is wrong"}),
    )
    .await;
    assert_eq!(status, 201, "{by_name}");
    assert_eq!(by_name["identifier"], "name_and_birth_date");
    let found = by_name["matches"]["reports"].as_array().expect("reports");
    assert_eq!(found.len(), 1, "{by_name}");
    assert_eq!(found[0]["id"], json!(listed));
    assert_eq!(found[0]["as_beneficiary"], true);

    // Another birth date finds nobody.
    let (_, nobody) = ask(
        &app,
        json!({"kind": "access",
               "name_and_birth_date": {"name": "Ahmad Dahlan", "birth_date": "1950-01-03"},
               "requested_by": "x", "note": "y"}),
    )
    .await;
    assert_eq!(nobody["matches"]["reports"], json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn open_requests_come_first_by_due_time_and_overdue_ones_say_so() {
    let app = spawn_app_with(&[]).await;
    let body = |note: &str| {
        json!({"kind": "access", "phone": "081300000021", "requested_by": "the person",
               "note": note})
    };
    let (_, later) = ask(&app, body("later")).await;
    let (_, late) = ask(&app, body("late")).await;
    let (_, done) = ask(&app, body("done")).await;
    let late_id = late["id"].as_str().expect("id");
    // Received four days ago: past its due time.
    app.db
        .client()
        .await
        .execute(
            &format!(
                "UPDATE subject_requests SET received_at = now() - interval '4 days', \
                 due_at = now() - interval '1 day' WHERE id = '{late_id}'"
            ),
            &[],
        )
        .await
        .expect("backdate");
    let path = format!(
        "/v1/subject-requests/{}/complete",
        done["id"].as_str().expect("id")
    );
    let supervisor = app.token(Role::Supervisor);
    let completed = app
        .post(&path, &supervisor, &json!({"note": "Sent by letter"}))
        .await;
    assert_eq!(completed.status(), 200);
    let completed: Value = completed.json().await.expect("json");
    assert_eq!(completed["status"], "done");
    assert_eq!(completed["completion_note"], "Sent by letter");
    assert_eq!(
        app.post(&path, &supervisor, &json!({"note": "again"}))
            .await
            .status(),
        409
    );

    let list = read(&app, "/v1/subject-requests").await;
    let order: Vec<&str> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| r["note"].as_str().expect("note"))
        .collect();
    assert_eq!(order, ["late", "later", "done"]);
    assert_eq!(list["items"][0]["overdue"], true);
    assert_eq!(list["items"][1]["overdue"], false);
    assert_eq!(list["items"][2]["overdue"], false);
    assert_eq!(list["items"][0]["id"], late["id"]);
    assert_eq!(list["items"][1]["id"], later["id"]);

    let open = read(&app, "/v1/subject-requests?status=open").await;
    assert_eq!(open["items"].as_array().expect("items").len(), 2);
    let finished = read(&app, "/v1/subject-requests?status=done").await;
    assert_eq!(finished["items"][0]["id"], done["id"]);

    // Pages of one follow the same order.
    let mut seen = Vec::new();
    let mut path = "/v1/subject-requests?limit=1".to_owned();
    loop {
        let page = read(&app, &path).await;
        seen.extend(
            page["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|r| r["note"].as_str().expect("note").to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/v1/subject-requests?limit=1&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, ["late", "later", "done"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_requests_get_field_errors_and_other_roles_are_refused() {
    let app = spawn_app_with(&[]).await;
    for (body, field) in [
        (
            json!({"kind": "access", "requested_by": "x", "note": "y"}),
            "nik",
        ),
        (
            json!({"kind": "access", "nik": NIK, "phone": "081300000031", "requested_by": "x", "note": "y"}),
            "nik",
        ),
        (
            json!({"kind": "access", "nik": "12345", "requested_by": "x", "note": "y"}),
            "nik",
        ),
        (
            json!({"kind": "access", "phone": "12", "requested_by": "x", "note": "y"}),
            "phone",
        ),
        (
            json!({"kind": "access", "name_and_birth_date": {"name": "A", "birth_date": "17-08-1945"},
                   "requested_by": "x", "note": "y"}),
            "name_and_birth_date.birth_date",
        ),
        (
            json!({"kind": "forget", "nik": NIK, "requested_by": "x", "note": "y"}),
            "kind",
        ),
        (
            json!({"kind": "access", "nik": NIK, "note": "y"}),
            "requested_by",
        ),
    ] {
        let (status, problem) = ask(&app, body.clone()).await;
        assert_eq!(status, 422, "{body}: {problem}");
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| e["field"].as_str().expect("field"))
            .collect();
        assert!(fields.contains(&field), "{body}: {problem}");
    }

    let (_, request) = ask(
        &app,
        json!({"kind": "access", "nik": NIK, "requested_by": "x", "note": "y"}),
    )
    .await;
    let id = request["id"].as_str().expect("id");
    let body = json!({"kind": "access", "nik": NIK, "requested_by": "x", "note": "y"});
    for role in [
        Role::Operator,
        Role::UptStaff,
        Role::Regional,
        Role::Integrator,
    ] {
        let token = app.token(role);
        assert_eq!(
            app.post("/v1/subject-requests", &token, &body)
                .await
                .status(),
            403,
            "{role}"
        );
        for path in [
            "/v1/subject-requests".to_owned(),
            format!("/v1/subject-requests/{id}"),
            format!("/v1/subject-requests/{id}/export"),
        ] {
            assert_eq!(app.get(&path, &token).await.status(), 403, "{role} {path}");
        }
        assert_eq!(
            app.post(
                &format!("/v1/subject-requests/{id}/complete"),
                &token,
                &json!({"note": "x"})
            )
            .await
            .status(),
            403,
            "{role}"
        );
    }
    let admin = app.token(Role::Admin);
    assert_eq!(
        app.get(&format!("/v1/subject-requests/{id}"), &admin)
            .await
            .status(),
        200
    );
    let unknown = format!("/v1/subject-requests/{}", uuid::Uuid::now_v7());
    assert_eq!(app.get(&unknown, &admin).await.status(), 404);
    assert_eq!(
        app.get(&format!("{unknown}/export"), &admin).await.status(),
        404
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn completing_an_erasure_request_erases_the_person_and_no_one_else() {
    let app = spawn_app_with(&[]).await;
    let first = file_with(
        &app,
        "081300000041",
        json!([{"name": "Siti Rahmah", "nik": NIK, "age": 81, "sex": "F",
                "phone": "081300000042"},
               {"name": "Pak Amir", "age": 80, "sex": "M"}]),
    )
    .await;
    let second = file_with(
        &app,
        "081300000043",
        json!([{"name": "Bu Siti", "nik": NIK, "age": 81, "sex": "F"}]),
    )
    .await;
    // Her guardian consented to sharing with the regional office.
    let listed = read(&app, &format!("/v1/reports/{first}/beneficiaries")).await;
    let person = listed["items"][0]["id"]
        .as_str()
        .expect("person id")
        .to_owned();
    let consent = app
        .post(
            &format!("/v1/beneficiaries/{person}/consents"),
            &app.token(Role::Supervisor),
            &json!({"purposes": ["share_with_regional_office"], "given_by": "guardian",
                    "guardian_name": "Budi Santoso", "guardian_relation": "anak",
                    "method": "written", "recorded_on": "2026-12-01"}),
        )
        .await;
    assert_eq!(consent.status(), 201);
    let (status, request) = ask(
        &app,
        json!({"kind": "erasure", "nik": NIK, "requested_by": "Siti Rahmah", "note": "Erase me"}),
    )
    .await;
    assert_eq!(status, 201, "{request}");
    let id = request["id"].as_str().expect("id");
    // The export holds the consent, with the guardian who gave it.
    let export = read(&app, &format!("/v1/subject-requests/{id}/export")).await;
    let held = export["beneficiaries"]
        .as_array()
        .expect("people")
        .iter()
        .find(|p| p["id"] == person.as_str())
        .expect("the person");
    assert_eq!(
        held["consents"][0]["guardian_name"], "Budi Santoso",
        "{held}"
    );
    let completed = app
        .post(
            &format!("/v1/subject-requests/{id}/complete"),
            &app.token(Role::Supervisor),
            &json!({"note": "Erased"}),
        )
        .await;
    assert_eq!(completed.status(), 200);

    let report = read(&app, &format!("/v1/reports/{first}")).await;
    let people = report["beneficiaries"].as_array().expect("people");
    assert_eq!(people.len(), 2, "{report}");
    assert!(people[0].get("name").is_none_or(Value::is_null), "{report}");
    assert!(people[0].get("nik").is_none_or(Value::is_null), "{report}");
    assert!(
        people[0].get("phone").is_none_or(Value::is_null),
        "{report}"
    );
    assert_eq!(people[0]["sex"], "F");
    // The age at filing is kept for the statistics.
    assert!(
        people[0]["age"].as_i64().is_some_and(|age| age >= 80),
        "{report}"
    );
    assert_eq!(people[1]["name"], "Pak Amir", "others stay");
    let report = read(&app, &format!("/v1/reports/{second}")).await;
    assert!(
        report["beneficiaries"][0]
            .get("name")
            .is_none_or(Value::is_null)
    );

    // Nothing finds her any more.
    assert_eq!(
        count(
            &app.db,
            "SELECT count(*) FROM beneficiaries WHERE nik IS NOT NULL OR nik_index IS NOT NULL \
             OR birth_date IS NOT NULL"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &app.db,
            "SELECT count(*) FROM report_people WHERE nik IS NOT NULL"
        )
        .await,
        0
    );
    // The consent stays as proof of what was allowed, without the guardian's name.
    assert_eq!(
        count(
            &app.db,
            "SELECT count(*) FROM consents WHERE guardian_name = '[dihapus]' \
             AND 'share_with_regional_office' = ANY (purposes)"
        )
        .await,
        1
    );
    let (_, again) = ask(
        &app,
        json!({"kind": "access", "nik": NIK, "requested_by": "x", "note": "y"}),
    )
    .await;
    assert_eq!(again["matches"]["reports"], json!([]), "{again}");
}
