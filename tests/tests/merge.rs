//! Merging duplicate reports over HTTP: one person reported twice becomes one
//! case, with its people listed once, both histories linked, the kept unit
//! told, the merged ticket's tracking pointing on, and statistics counting
//! the person once; and who may merge what.

use serde_json::{Value, json};
use sigap_domain::Role;
use sigap_tests::{TestApp, Worker, report_body, spawn_app};
use std::time::Duration;

const UNIT: &str = "SENTRA-MULYA-JAYA";

/// Files `body` and waits until the router gave it to [`UNIT`].
async fn assigned(app: &TestApp, body: &Value) -> Value {
    let filed = app.file(body).await;
    let id = filed["id"].as_str().expect("id");
    let report = app
        .wait_for_status(id, "assigned", Duration::from_secs(10))
        .await;
    assert_eq!(report["unit_code"], UNIT);
    let mut report = report;
    report["tracking_code"] = filed["tracking_code"].clone();
    report
}

/// The same elderly woman, reported again by the village office, with her
/// neighbour and one person nobody named.
fn second_report() -> Value {
    let mut body = report_body();
    body["channel"] = json!("email");
    body["beneficiaries"] = json!([
        {"name": "Mbah  Rahmah", "age": 79, "sex": "F"},
        {"name": "Pak Darman", "age": 80, "sex": "M"}
    ]);
    body["beneficiary_count"] = json!(3);
    body
}

fn id(report: &Value) -> &str {
    report["id"].as_str().expect("id")
}

async fn merge(app: &TestApp, token: &str, from: &str, into: &str) -> reqwest::Response {
    app.post(
        &format!("/v1/reports/{from}/merge"),
        token,
        &json!({"into": into, "reason": "Lansia yang sama, dilaporkan juga oleh kantor desa"}),
    )
    .await
}

async fn read(app: &TestApp, token: &str, path: &str) -> Value {
    let response = app.get(path, token).await;
    assert_eq!(response.status(), 200, "{path}");
    response.json().await.expect("json")
}

async fn queue_etag(app: &TestApp, token: &str) -> String {
    let response = app.get(&format!("/v1/units/{UNIT}/cases"), token).await;
    assert_eq!(response.status(), 200);
    response.headers()["etag"]
        .to_str()
        .expect("ascii")
        .to_owned()
}

fn last_event(report: &Value) -> &Value {
    report["events"]
        .as_array()
        .and_then(|events| events.last())
        .expect("a history")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_supervisor_merges_a_duplicate_and_the_person_is_counted_once() {
    let app = spawn_app().await;
    let worker = Worker::start(app.config());
    let supervisor = app.token(Role::Supervisor);
    let staff = app.token(Role::UptStaff);
    let kept = assigned(&app, &report_body()).await;
    let duplicate = assigned(&app, &second_report()).await;

    let before = read(&app, &supervisor, "/v1/stats").await;
    assert_eq!(before["total"], 2);
    assert_eq!(before["beneficiaries"]["reported"], 4);
    let unit = read(&app, &supervisor, &format!("/v1/units/{UNIT}")).await;
    assert_eq!(unit["open_cases"], 2);
    let etag = queue_etag(&app, &staff).await;
    let mut events = app.tap("events", "report.merged.*").await;

    let response = merge(&app, &supervisor, id(&duplicate), id(&kept)).await;
    assert_eq!(response.status(), 200);
    let version = response.headers()["etag"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let merged: Value = response.json().await.expect("json");
    assert_eq!(merged["status"], "duplicate");
    assert_eq!(format!("\"{}\"", merged["version"]), version);
    assert_eq!(
        merged["duplicate_of"],
        json!({"id": kept["id"], "ticket": kept["ticket"]})
    );

    let path = |r: &Value| format!("/v1/reports/{}", id(r));
    let merged = read(&app, &supervisor, &path(&duplicate)).await;
    assert_eq!(merged["duplicate_of"]["id"], kept["id"]);
    assert!(merged["cancelled_at"].is_string());
    let into = last_event(&merged);
    assert_eq!(into["kind"], "merged_into");
    assert_eq!(into["to_status"], "duplicate");
    assert_eq!(into["actor"], "supervisor-test");
    assert_eq!(into["details"]["into_ticket"], kept["ticket"]);
    assert!(
        into["note"]
            .as_str()
            .is_some_and(|n| n.contains("kantor desa"))
    );

    let now = read(&app, &supervisor, &path(&kept)).await;
    assert_eq!(
        now["merged_from"],
        json!([{"id": duplicate["id"], "ticket": duplicate["ticket"]}])
    );
    let names: Vec<&str> = now["beneficiaries"]
        .as_array()
        .expect("people")
        .iter()
        .map(|b| b["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names,
        ["Nenek Rahmah", "Pak Darman"],
        "Rahmah is listed once"
    );
    assert_eq!(
        now["beneficiary_count"], 3,
        "one listed and one unnamed person joined the kept case"
    );
    assert!(now["version"].as_i64() > kept["version"].as_i64());
    let from = last_event(&now);
    assert_eq!(from["kind"], "merged_from");
    assert_eq!(from["details"]["from"], duplicate["id"]);
    assert_eq!(from["details"]["people_added"], 2);

    assert_ne!(
        queue_etag(&app, &staff).await,
        etag,
        "the kept unit's queue changed"
    );
    let unit = read(&app, &supervisor, &format!("/v1/units/{UNIT}")).await;
    assert_eq!(
        unit["open_cases"], 1,
        "the duplicate no longer loads the unit"
    );

    let published = events.expect(1, Duration::from_secs(10)).await;
    assert_eq!(published[0]["event"], "report.merged");
    assert_eq!(published[0]["report_id"], kept["id"]);
    assert_eq!(published[0]["unit_code"], UNIT);
    assert_eq!(published[0]["details"]["from_ticket"], duplicate["ticket"]);
    assert!(
        published[0]["details"].get("reason").is_none(),
        "what a person wrote stays off the bus"
    );

    let code = duplicate["tracking_code"].as_str().expect("tracking code");
    let tracking: Value = app
        .http
        .get(app.url(&format!("/v1/track/{code}")))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(tracking["status"], "duplicate");
    let continued = &tracking["continued_as"];
    assert_eq!(continued["ticket"], kept["ticket"]);
    assert_eq!(continued["status"], "assigned");
    assert!(continued["unit_name"].is_string());
    assert!(continued["updated_at"].is_string());
    assert!(continued.get("tracking_code").is_none());
    assert!(
        !tracking
            .to_string()
            .contains(kept["tracking_code"].as_str().expect("code"))
    );

    let after = read(&app, &supervisor, "/v1/stats").await;
    assert_eq!(after["total"], 1, "a duplicate is not a case of its own");
    assert_eq!(
        after["beneficiaries"]["reported"], 3,
        "the person is counted once"
    );
    let duplicates = after["by_status"]
        .as_array()
        .expect("by status")
        .iter()
        .find(|g| g["key"] == "duplicate")
        .expect("duplicates by status");
    assert_eq!(duplicates["count"], 1);
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn only_supervisors_and_the_unit_holding_both_reports_merge_them() {
    let app = spawn_app().await;
    let worker = Worker::start(app.config());
    let kept = assigned(&app, &report_body()).await;
    let duplicate = assigned(&app, &second_report()).await;

    let other_unit = app.token_with(Role::UptStaff, "other-staff", Some("SENTRA-EFATA"), None);
    let response = merge(&app, &other_unit, id(&duplicate), id(&kept)).await;
    assert_eq!(response.status(), 404, "another unit's cases are not found");
    let operator = app.token(Role::Operator);
    let response = merge(&app, &operator, id(&duplicate), id(&kept)).await;
    assert_eq!(response.status(), 403);
    let unknown = "019a0000-0000-7000-8000-000000000000";
    let supervisor = app.token(Role::Supervisor);
    let response = merge(&app, &supervisor, id(&duplicate), unknown).await;
    assert_eq!(response.status(), 404);
    let response = merge(&app, &supervisor, id(&duplicate), "CC-1999-000001").await;
    assert_eq!(response.status(), 404, "an unknown ticket");
    let response = merge(&app, &supervisor, id(&duplicate), "the other one").await;
    assert_eq!(response.status(), 422);

    let staff = app.token(Role::UptStaff);
    let ticket = kept["ticket"].as_str().expect("ticket").to_lowercase();
    let response = merge(&app, &staff, id(&duplicate), &ticket).await;
    assert_eq!(
        response.status(),
        200,
        "the unit holding both merges them, by ticket"
    );
    let merged = read(
        &app,
        &supervisor,
        &format!("/v1/reports/{}", id(&duplicate)),
    )
    .await;
    assert_eq!(merged["status"], "duplicate");
    assert_eq!(last_event(&merged)["actor_role"], "upt_staff");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn merges_of_finished_chained_stale_or_identical_reports_are_refused() {
    let app = spawn_app().await;
    let worker = Worker::start(app.config());
    let supervisor = app.token(Role::Supervisor);
    let kept = assigned(&app, &report_body()).await;
    let closed = assigned(&app, &report_body()).await;
    let merged = assigned(&app, &second_report()).await;
    let open = assigned(&app, &second_report()).await;

    let response = merge(&app, &supervisor, id(&kept), id(&kept)).await;
    assert_eq!(response.status(), 422, "into itself");

    let response = app
        .post(
            &format!("/v1/reports/{}/status", id(&closed)),
            &supervisor,
            &json!({"status": "cancelled"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let response = merge(&app, &supervisor, id(&closed), id(&kept)).await;
    assert_eq!(response.status(), 409, "a finished report is not merged");
    let response = merge(&app, &supervisor, id(&open), id(&closed)).await;
    assert_eq!(response.status(), 409, "nor kept");

    let response = app
        .http
        .post(app.url(&format!("/v1/reports/{}/merge", id(&merged))))
        .bearer_auth(&supervisor)
        .header("If-Match", "\"1\"")
        .json(&json!({"into": kept["id"], "reason": "sama"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 412, "a stale version");

    let response = merge(&app, &supervisor, id(&merged), id(&kept)).await;
    assert_eq!(response.status(), 200);
    let response = merge(&app, &supervisor, id(&open), id(&merged)).await;
    assert_eq!(
        response.status(),
        409,
        "no chain: merge into the kept report"
    );
    let response = merge(&app, &supervisor, id(&merged), id(&open)).await;
    assert_eq!(response.status(), 409, "a duplicate is not merged again");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_open311_client_sees_its_duplicate_closed_and_what_it_continues_as() {
    let app = spawn_app().await;
    let response = app
        .post(
            "/v1/clients",
            &app.token(Role::Admin),
            &json!({"name": "Open311 city app", "scopes": ["open311"]}),
        )
        .await;
    assert_eq!(response.status(), 201);
    let client: Value = response.json().await.expect("json");
    let key = format!(
        "{}:{}",
        client["client_id"].as_str().expect("client_id"),
        client["client_secret"].as_str().expect("client_secret")
    );
    let mut tickets = Vec::new();
    for description in [
        "Lansia tinggal sendiri, butuh kursi roda.",
        "Nenek yang sama, dilaporkan lagi.",
    ] {
        let response = app
            .http
            .post(app.url("/open311/v2/requests.json"))
            .json(&json!({
                "api_key": key, "service_code": "elderly", "lat": -0.69, "long": 100.95,
                "description": description, "attribute": {"region_code": "13.03"}
            }))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 201);
        let filed: Value = response.json().await.expect("json");
        tickets.push(
            filed[0]["service_request_id"]
                .as_str()
                .expect("ticket")
                .to_owned(),
        );
    }
    let db = app.db.client().await;
    let id: String = db
        .query_one(
            "SELECT id::text FROM reports WHERE ticket = $1",
            &[&tickets[1]],
        )
        .await
        .expect("row")
        .get(0);
    let response = merge(&app, &app.token(Role::Supervisor), &id, &tickets[0]).await;
    assert_eq!(response.status(), 200, "reports awaiting routing merge too");

    let request: Value = app
        .http
        .get(app.url(&format!("/open311/v2/requests/{}.json", tickets[1])))
        .query(&[("api_key", &key)])
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(request[0]["status"], "closed");
    assert_eq!(
        request[0]["status_notes"],
        format!("duplicate; continues as {}", tickets[0])
    );
}
