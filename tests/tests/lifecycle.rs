//! The case lifecycle over HTTP: unit queues, status changes, transfers,
//! triage, tracking and escalation.

use serde_json::{Value, json};
use sigap_domain::Role;
use sigap_tests::{TestApp, Worker, config, report_body, spawn_app, spawn_app_with};
use std::time::{Duration, Instant};

const UNIT: &str = "SENTRA-MULYA-JAYA";

async fn assigned_case(app: &TestApp) -> Value {
    let id = app.file(&report_body()).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let report = app
        .wait_for_status(&id, "assigned", Duration::from_secs(10))
        .await;
    assert_eq!(report["unit_code"], UNIT);
    report
}

async fn set_status(
    app: &TestApp,
    token: &str,
    id: &str,
    status: &str,
    version: Option<i64>,
) -> reqwest::Response {
    let mut request = app
        .http
        .post(app.url(&format!("/v1/reports/{id}/status")))
        .bearer_auth(token)
        .json(&json!({"status": status, "note": format!("now {status}")}));
    if let Some(v) = version {
        request = request.header("If-Match", format!("\"{v}\""));
    }
    request.send().await.expect("request")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_case_is_walked_from_received_to_closed_by_its_unit() {
    let app = spawn_app().await;
    let worker = Worker::start(app.config());
    let mut events = app.tap("events", "report.status.*").await;
    let report = assigned_case(&app).await;
    let id = report["id"].as_str().expect("id");
    let staff = app.token(Role::UptStaff);

    let queue: Value = app
        .get(&format!("/v1/units/{UNIT}/cases"), &staff)
        .await
        .json()
        .await
        .expect("json");
    let case = queue["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|c| c["id"] == id)
        .expect("in the queue")
        .clone();
    assert!(
        case.get("reporter").is_none(),
        "queues carry no personal data"
    );
    let mut version = case["version"].as_i64().expect("version");

    for status in [
        "acknowledged",
        "assessing",
        "in_service",
        "resolved",
        "closed",
    ] {
        if status == "resolved" {
            // Nobody may be left pending: the one person listed was not reached.
            let person = report["beneficiaries"][0]["id"].as_str().map(str::to_owned);
            let person = match person {
                Some(person) => person,
                None => app
                    .get(&format!("/v1/reports/{id}"), &staff)
                    .await
                    .json::<Value>()
                    .await
                    .expect("json")["beneficiaries"][0]["id"]
                    .as_str()
                    .expect("a person id")
                    .to_owned(),
            };
            let response = app
                .http
                .patch(app.url(&format!("/v1/beneficiaries/{person}")))
                .bearer_auth(&staff)
                .json(&json!({"status": "unreachable", "status_reason": "Tidak dapat dihubungi"}))
                .send()
                .await
                .expect("request");
            assert_eq!(response.status(), 200);
        }
        let response = set_status(&app, &staff, id, status, Some(version)).await;
        assert_eq!(response.status(), 200, "{status}");
        let etag = response.headers()["etag"]
            .to_str()
            .expect("ascii")
            .to_owned();
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["status"], status);
        version = body["version"].as_i64().expect("version");
        assert_eq!(etag, format!("\"{version}\""));
    }
    let report: Value = app
        .get(&format!("/v1/reports/{id}"), &staff)
        .await
        .json()
        .await
        .expect("json");
    for stamp in [
        "acknowledged_at",
        "assessing_at",
        "in_service_at",
        "resolved_at",
        "closed_at",
    ] {
        assert!(report[stamp].is_string(), "{stamp} is stamped");
    }
    let kinds: Vec<&str> = report["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(
        kinds,
        [
            "received",
            "assigned",
            "status_changed",
            "status_changed",
            "status_changed",
            "beneficiary_updated",
            "status_changed",
            "status_changed"
        ]
    );
    assert_eq!(report["events"][2]["actor_role"], "upt_staff");

    let published = events.expect(5, Duration::from_secs(10)).await;
    let names: Vec<&str> = published
        .iter()
        .map(|m| m["event"].as_str().expect("event"))
        .collect();
    assert_eq!(
        names,
        [
            "report.status.acknowledged",
            "report.status.assessing",
            "report.status.in_service",
            "report.status.resolved",
            "report.status.closed"
        ]
    );

    let unit: Value = app
        .get(&format!("/v1/units/{UNIT}"), &staff)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        unit["open_cases"], 0,
        "a closed case no longer counts towards the unit's load"
    );
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn illegal_transitions_and_stale_versions_are_refused() {
    let app = spawn_app().await;
    let worker = Worker::start(app.config());
    let report = assigned_case(&app).await;
    let id = report["id"].as_str().expect("id");
    let version = report["version"].as_i64().expect("version");
    let staff = app.token(Role::UptStaff);

    let response = set_status(&app, &staff, id, "resolved", None).await;
    assert_eq!(response.status(), 409);
    let problem: Value = response.json().await.expect("json");
    assert_eq!(problem["type"], "/problems/illegal-transition");
    assert_eq!(
        problem["allowed"],
        json!([
            "acknowledged",
            "assigned",
            "needs_triage",
            "cancelled",
            "duplicate"
        ])
    );

    let response = set_status(&app, &staff, id, "acknowledged", Some(version - 1)).await;
    assert_eq!(response.status(), 412);
    assert_eq!(
        response.json::<Value>().await.expect("json")["type"],
        "/problems/stale-version"
    );

    assert_eq!(
        set_status(&app, &staff, id, "assigned", None)
            .await
            .status(),
        422
    );
    assert_eq!(
        set_status(&app, &staff, id, "cancelled", None)
            .await
            .status(),
        403
    );
    assert_eq!(
        set_status(&app, &staff, id, "received", None)
            .await
            .status(),
        422
    );
    let bad = app
        .http
        .post(app.url(&format!("/v1/reports/{id}/status")))
        .bearer_auth(&staff)
        .json(&json!({"status": "done"}))
        .send()
        .await
        .expect("request");
    assert_eq!(bad.status(), 422);

    let supervisor = app.token(Role::Supervisor);
    assert_eq!(
        set_status(&app, &supervisor, id, "cancelled", None)
            .await
            .status(),
        200
    );
    let response = set_status(&app, &supervisor, id, "acknowledged", None).await;
    assert_eq!(response.status(), 409);
    let problem: Value = response.json().await.expect("json");
    assert_eq!(problem["allowed"], json!([]));
    assert!(
        problem["detail"]
            .as_str()
            .expect("detail")
            .contains("final")
    );
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_long_poll_returns_within_a_second_of_a_change_and_times_out_otherwise() {
    let app = spawn_app().await;
    let worker = Worker::start(app.config());
    let report = assigned_case(&app).await;
    let id = report["id"].as_str().expect("id").to_owned();
    let staff = app.token(Role::UptStaff);
    let path = format!("/v1/units/{UNIT}/cases");

    let first = app.get(&path, &staff).await;
    let etag = first.headers()["etag"].to_str().expect("ascii").to_owned();
    let again = app
        .http
        .get(app.url(&path))
        .bearer_auth(&staff)
        .header("If-None-Match", &etag)
        .send()
        .await
        .expect("request");
    assert_eq!(again.status(), 304, "nothing changed");

    // Nothing changes: the wait runs out.
    let started = Instant::now();
    let timed_out = app
        .http
        .get(app.url(&format!("{path}?wait=1")))
        .bearer_auth(&staff)
        .header("If-None-Match", &etag)
        .send()
        .await
        .expect("request");
    assert_eq!(timed_out.status(), 304);
    assert!(started.elapsed() >= Duration::from_millis(900));
    let since = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let empty: Value = app
        .http
        .get(app.url(&format!(
            "{path}?wait=1&updated_since={}",
            since.replace('+', "%2B")
        )))
        .bearer_auth(&staff)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(empty["items"], json!([]));

    // A change during the wait answers at once.
    let waiting = {
        let http = app.http.clone();
        let url = app.url(&format!("{path}?wait=20"));
        let staff = staff.clone();
        let etag = etag.clone();
        tokio::spawn(async move {
            let response = http
                .get(url)
                .bearer_auth(staff)
                .header("If-None-Match", etag)
                .send()
                .await
                .expect("request");
            (
                Instant::now(),
                response.status().as_u16(),
                response.json::<Value>().await.expect("json"),
            )
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let changed_at = Instant::now();
    assert_eq!(
        set_status(&app, &staff, &id, "acknowledged", None)
            .await
            .status(),
        200
    );
    let (answered_at, status, body) = waiting.await.expect("task");
    assert_eq!(status, 200);
    assert!(
        answered_at.duration_since(changed_at) < Duration::from_secs(1),
        "answered {:?} after the change",
        answered_at.duration_since(changed_at)
    );
    let case = body["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|c| c["id"] == id.as_str())
        .expect("case");
    assert_eq!(case["status"], "acknowledged");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn queues_put_urgent_cases_first_and_page_with_cursors() {
    let app = spawn_app().await;
    let worker = Worker::start(app.config());
    for urgency in ["normal", "critical", "high", "normal", "critical"] {
        let mut body = report_body();
        body["urgency"] = json!(urgency);
        app.file(&body).await;
    }
    app.wait_all_routed(Duration::from_secs(10)).await;
    let staff = app.token(Role::UptStaff);
    let first: Value = app
        .get(&format!("/v1/units/{UNIT}/cases?limit=2"), &staff)
        .await
        .json()
        .await
        .expect("json");
    let cursor = first["next_cursor"].as_str().expect("more pages");
    let rest: Value = app
        .get(
            &format!("/v1/units/{UNIT}/cases?limit=10&cursor={cursor}"),
            &staff,
        )
        .await
        .json()
        .await
        .expect("json");
    let urgencies: Vec<&str> = first["items"]
        .as_array()
        .expect("items")
        .iter()
        .chain(rest["items"].as_array().expect("items"))
        .map(|c| c["urgency"].as_str().expect("urgency"))
        .collect();
    assert_eq!(
        urgencies,
        ["critical", "critical", "high", "normal", "normal"]
    );
    let critical: Value = app
        .get(&format!("/v1/units/{UNIT}/cases?urgency=critical"), &staff)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(critical["items"].as_array().expect("items").len(), 2);
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn transfers_go_to_the_named_unit_or_the_routers_next_choice() {
    let app = spawn_app().await;
    let worker = Worker::start(app.config());
    let report = assigned_case(&app).await;
    let id = report["id"].as_str().expect("id");
    let staff = app.token(Role::UptStaff);

    let named = app
        .post(
            &format!("/v1/reports/{id}/transfer"),
            &staff,
            &json!({"unit_code": "SENTRA-EFATA", "reason": "outside our area"}),
        )
        .await;
    assert_eq!(named.status(), 200);
    let named: Value = named.json().await.expect("json");
    assert_eq!(named["unit_code"], "SENTRA-EFATA");
    assert_eq!(named["previous_units"], json!([UNIT]));
    // The case left Mulya Jaya: its staff no longer see it.
    assert_eq!(
        app.get(&format!("/v1/reports/{id}"), &staff).await.status(),
        404
    );

    let efata = app.token_with(Role::UptStaff, "efata-staff", Some("SENTRA-EFATA"), None);
    let routed = app
        .post(
            &format!("/v1/reports/{id}/transfer"),
            &efata,
            &json!({"reason": "no capacity"}),
        )
        .await;
    assert_eq!(routed.status(), 200);
    let routed: Value = routed.json().await.expect("json");
    let next = routed["unit_code"].as_str().expect("a unit");
    assert!(
        next != UNIT && next != "SENTRA-EFATA",
        "excludes the units that had it: {next}"
    );
    let expected: Value = app
        .post("/v1/route/preview", &app.token(Role::Supervisor), &json!({"category": "elderly", "region_code": "13.03", "location": {"lat": -0.69, "lon": 100.95}, "exclude": [UNIT, "SENTRA-EFATA"]}))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        routed["unit_code"], expected["unit_code"],
        "the router's next choice"
    );
    let report: Value = app
        .get(&format!("/v1/reports/{id}"), &app.token(Role::Supervisor))
        .await
        .json()
        .await
        .expect("json");
    let transfers: Vec<&Value> = report["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["kind"] == "transferred")
        .collect();
    assert_eq!(transfers.len(), 2);
    assert_eq!(transfers[1]["details"]["decision"]["outcome"], "assigned");

    let unknown = app
        .post(
            &format!("/v1/reports/{id}/transfer"),
            &app.token(Role::Supervisor),
            &json!({"unit_code": "NOPE", "reason": "x"}),
        )
        .await;
    assert_eq!(unknown.status(), 422);
    let no_reason = app
        .post(
            &format!("/v1/reports/{id}/transfer"),
            &app.token(Role::Supervisor),
            &json!({"reason": " "}),
        )
        .await;
    assert_eq!(no_reason.status(), 422);
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_transfer_with_a_stale_if_match_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let worker = Worker::start(app.config());
    let report = assigned_case(&app).await;
    let id = report["id"].as_str().expect("id");
    let version = report["version"].as_i64().expect("version");
    let staff = app.token(Role::UptStaff);
    let transfer = |version: Option<i64>, token: String| {
        let mut request = app
            .http
            .post(app.url(&format!("/v1/reports/{id}/transfer")))
            .bearer_auth(token)
            .json(&json!({"unit_code": "SENTRA-EFATA", "reason": "outside our area"}));
        if let Some(v) = version {
            request = request.header("If-Match", format!("\"{v}\""));
        }
        request.send()
    };

    let stale = transfer(Some(version - 1), staff.clone())
        .await
        .expect("request");
    assert_eq!(stale.status(), 412);
    let problem: Value = stale.json().await.expect("json");
    assert_eq!(problem["type"], "/problems/stale-version");
    let unchanged = app
        .get(&format!("/v1/reports/{id}"), &staff)
        .await
        .json::<Value>()
        .await
        .expect("json");
    assert_eq!(unchanged["unit_code"], UNIT, "still with the unit");
    assert_eq!(unchanged["version"], version);

    let current = transfer(Some(version), staff.clone())
        .await
        .expect("request");
    assert_eq!(current.status(), 200);
    let etag = current.headers()["etag"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let moved: Value = current.json().await.expect("json");
    assert_eq!(moved["unit_code"], "SENTRA-EFATA");
    assert_eq!(etag, format!("\"{}\"", moved["version"]));

    // Without If-Match the transfer is made, as a status change is.
    let efata = app.token_with(Role::UptStaff, "efata-staff", Some("SENTRA-EFATA"), None);
    let back = app
        .post(
            &format!("/v1/reports/{id}/transfer"),
            &efata,
            &json!({"unit_code": UNIT, "reason": "back again"}),
        )
        .await;
    assert_eq!(back.status(), 200);
    worker.stop().await;
}

/// What people wrote in a case's history (notes, status notes, transfer
/// reasons) may name people: regional offices, integrators and admins see
/// that something happened and when, not the text; nor do the events on the
/// bus carry a transfer's reason.
#[tokio::test(flavor = "multi_thread")]
async fn notes_and_transfer_reasons_are_shown_only_to_those_who_see_personal_data() {
    let app = spawn_app().await;
    let worker = Worker::start(app.config());
    let mut events = app.tap("events", "report.transferred").await;
    let integrator = app.token(Role::Integrator);
    let filed = app.post("/v1/reports", &integrator, &report_body()).await;
    assert_eq!(filed.status(), 201);
    let id = filed.json::<Value>().await.expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    app.wait_for_status(&id, "assigned", Duration::from_secs(10))
        .await;
    let staff = app.token(Role::UptStaff);
    const NOTE: &str = "Bu Siti dihubungi di 0812-3456-7890";
    const STATUS_NOTE: &str = "Nenek Rahmah ditemui di rumah";
    const REASON: &str = "Keluarga Siti pindah ke Padang";
    let noted = app
        .post(
            &format!("/v1/reports/{id}/notes"),
            &staff,
            &json!({"note": NOTE}),
        )
        .await;
    assert_eq!(noted.status(), 201);
    let acknowledged = app
        .post(
            &format!("/v1/reports/{id}/status"),
            &staff,
            &json!({"status": "acknowledged", "note": STATUS_NOTE}),
        )
        .await;
    assert_eq!(acknowledged.status(), 200);
    let supervisor = app.token(Role::Supervisor);
    let transferred = app
        .post(
            &format!("/v1/reports/{id}/transfer"),
            &supervisor,
            &json!({"unit_code": "SENTRA-EFATA", "reason": REASON}),
        )
        .await;
    assert_eq!(transferred.status(), 200);

    let history = |token: String| {
        let app = &app;
        let id = id.clone();
        async move {
            let report: Value = app
                .get(&format!("/v1/reports/{id}"), &token)
                .await
                .json()
                .await
                .expect("json");
            report["events"].as_array().expect("events").clone()
        }
    };
    let texts = |events: &[Value]| -> String { serde_json::to_string(events).expect("json") };
    let kinds = |events: &[Value]| -> Vec<String> {
        events
            .iter()
            .map(|e| e["kind"].as_str().expect("kind").to_owned())
            .collect()
    };

    let efata = app.token_with(Role::UptStaff, "efata-staff", Some("SENTRA-EFATA"), None);
    for (name, token) in [
        ("supervisor", supervisor.clone()),
        ("the unit that has it", efata),
    ] {
        let events = history(token).await;
        let text = texts(&events);
        for written in [NOTE, STATUS_NOTE, REASON] {
            assert!(text.contains(written), "{name} reads {written:?}: {text}");
        }
        let transfer = events
            .iter()
            .find(|e| e["kind"] == "transferred")
            .expect("transfer");
        assert_eq!(transfer["details"]["reason"], REASON);
    }
    let seen_by_supervisor = kinds(&history(supervisor).await);
    for (name, token) in [
        ("regional", app.token(Role::Regional)),
        ("integrator", integrator),
        ("admin", app.token(Role::Admin)),
    ] {
        let events = history(token).await;
        assert_eq!(
            kinds(&events),
            seen_by_supervisor,
            "{name} sees every event"
        );
        let text = texts(&events);
        for written in [NOTE, STATUS_NOTE, REASON, "Siti", "Rahmah"] {
            assert!(!text.contains(written), "{name} reads {written:?}: {text}");
        }
        assert!(events.iter().all(|e| e["note"].is_null()), "{name}: {text}");
        let transfer = events
            .iter()
            .find(|e| e["kind"] == "transferred")
            .expect("transfer");
        assert_eq!(transfer["details"]["to_unit"], "SENTRA-EFATA", "{name}");
        assert!(transfer["details"].get("reason").is_none(), "{name}");
        assert!(transfer["created_at"].is_string(), "{name} sees when");
    }

    let published = events.expect(1, Duration::from_secs(10)).await;
    assert_eq!(published.len(), 1, "{published:?}");
    let message = serde_json::to_string(&published[0]).expect("json");
    assert!(
        !message.contains(REASON),
        "the bus carries no reason: {message}"
    );
    assert_eq!(published[0]["details"]["to_unit"], "SENTRA-EFATA");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_holds_at_most_four_long_polls() {
    let app = spawn_app().await;
    let worker = Worker::start(app.config());
    let report = assigned_case(&app).await;
    let id = report["id"].as_str().expect("id").to_owned();
    let staff = app.token(Role::UptStaff);
    let path = format!("/v1/units/{UNIT}/cases");
    let etag = app.get(&path, &staff).await.headers()["etag"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let poll = |token: String, wait: u64| {
        app.http
            .get(app.url(&format!("{path}?wait={wait}")))
            .bearer_auth(token)
            .header("If-None-Match", &etag)
            .send()
    };
    let waiting: Vec<_> = (0..4)
        .map(|_| tokio::spawn(poll(staff.clone(), 20)))
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;

    let started = Instant::now();
    let fifth = poll(staff.clone(), 20).await.expect("request");
    assert_eq!(fifth.status(), 429, "a fifth long poll of the same token");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "answered at once"
    );
    let retry_after: u64 = fifth.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=30).contains(&retry_after));
    let problem: Value = fifth.json().await.expect("json");
    assert_eq!(problem["type"], "/problems/rate-limited");
    assert_eq!(
        poll(staff.clone(), 0).await.expect("request").status(),
        304,
        "a poll that does not wait is not counted"
    );
    let colleague = app.token_with(Role::UptStaff, "colleague", Some(UNIT), None);
    assert_eq!(
        poll(colleague, 1).await.expect("request").status(),
        304,
        "another token has its own long polls"
    );

    // A change answers the four; their slots come back.
    assert_eq!(
        set_status(&app, &staff, &id, "acknowledged", None)
            .await
            .status(),
        200
    );
    for waiter in waiting {
        assert_eq!(waiter.await.expect("task").expect("request").status(), 200);
    }
    assert_eq!(poll(staff, 1).await.expect("request").status(), 200);
    worker.stop().await;
}

/// Waiters are woken by their own unit's changes only: a change elsewhere
/// does not answer them.
#[tokio::test(flavor = "multi_thread")]
async fn a_long_poll_is_not_answered_by_another_units_change() {
    let app = spawn_app().await;
    let worker = Worker::start(app.config());
    let report = assigned_case(&app).await;
    let id = report["id"].as_str().expect("id").to_owned();
    let efata = app.token_with(Role::UptStaff, "efata-staff", Some("SENTRA-EFATA"), None);
    let path = "/v1/units/SENTRA-EFATA/cases";
    let etag = app.get(path, &efata).await.headers()["etag"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let started = Instant::now();
    let waiting = {
        let request = app
            .http
            .get(app.url(&format!("{path}?wait=3")))
            .bearer_auth(&efata)
            .header("If-None-Match", &etag)
            .send();
        tokio::spawn(request)
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let staff = app.token(Role::UptStaff);
    assert_eq!(
        set_status(&app, &staff, &id, "acknowledged", None)
            .await
            .status(),
        200
    );
    let response = waiting.await.expect("task").expect("request");
    assert_eq!(response.status(), 304, "nothing of Efata's changed");
    assert!(
        started.elapsed() >= Duration::from_millis(2900),
        "waited its time out: {:?}",
        started.elapsed()
    );
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn supervisors_list_the_triage_queue_and_assign_cases_by_hand() {
    let app = spawn_app().await;
    let db = app.db.client().await;
    db.execute(
        "UPDATE units SET active = false WHERE categories = '{}'",
        &[],
    )
    .await
    .expect("update");
    let worker = Worker::start(app.config());
    let mut body = report_body();
    body["category"] = json!("poverty");
    let id = app.file(&body).await["id"].as_str().expect("id").to_owned();
    app.wait_for_status(&id, "needs_triage", Duration::from_secs(10))
        .await;
    let supervisor = app.token(Role::Supervisor);
    let triage: Value = app
        .get("/v1/reports?status=needs_triage", &supervisor)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(triage["items"].as_array().expect("items").len(), 1);
    assert_eq!(triage["items"][0]["id"], id.as_str());

    assert_eq!(
        app.post(
            &format!("/v1/reports/{id}/assign"),
            &app.token(Role::Operator),
            &json!({"unit_code": UNIT})
        )
        .await
        .status(),
        403
    );
    let assigned = app
        .post(
            &format!("/v1/reports/{id}/assign"),
            &supervisor,
            &json!({"unit_code": "SENTRA-HANDAYANI", "note": "nearest open unit"}),
        )
        .await;
    assert_eq!(assigned.status(), 200);
    let assigned: Value = assigned.json().await.expect("json");
    assert_eq!(
        (assigned["status"].as_str(), assigned["unit_code"].as_str()),
        (Some("assigned"), Some("SENTRA-HANDAYANI"))
    );
    assert!(assigned["sla_due_at"].is_string());
    let again = app
        .post(
            &format!("/v1/reports/{id}/assign"),
            &supervisor,
            &json!({"unit_code": UNIT}),
        )
        .await;
    assert_eq!(again.status(), 409);
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unacknowledged_critical_case_escalates_in_seconds_with_two_workers() {
    let extra = [
        ("SIGAP_SLA_CRITICAL", "2s"),
        ("SIGAP_ESCALATION_INTERVAL", "200ms"),
    ];
    let app = spawn_app_with(&extra).await;
    let workers = [
        Worker::start(config(&app.db, &app.broker.prefix, &extra)),
        Worker::start(config(&app.db, &app.broker.prefix, &extra)),
    ];
    let mut body = report_body();
    body["urgency"] = json!("critical");
    let id = app.file(&body).await["id"].as_str().expect("id").to_owned();
    let first = app
        .wait_for_status(&id, "assigned", Duration::from_secs(10))
        .await;
    assert_eq!(first["unit_code"], UNIT);

    // Level 1: to the router's next unit, excluding the one that missed.
    let supervisor = app.token(Role::Supervisor);
    let deadline = Instant::now() + Duration::from_secs(15);
    let escalated = loop {
        let report: Value = app
            .get(&format!("/v1/reports/{id}"), &supervisor)
            .await
            .json()
            .await
            .expect("json");
        if report["escalation_level"] == 1 {
            break report;
        }
        assert!(Instant::now() < deadline, "not escalated: {report}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(escalated["status"], "assigned");
    assert_ne!(escalated["unit_code"], UNIT);
    assert_eq!(escalated["previous_units"], json!([UNIT]));

    // Level 2: to triage.
    let triaged = app
        .wait_for_status(&id, "needs_triage", Duration::from_secs(15))
        .await;
    assert_eq!(triaged["escalation_level"], 2);
    let escalations: Vec<&Value> = triaged["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["kind"] == "escalated")
        .collect();
    assert_eq!(
        escalations.len(),
        2,
        "each level escalated once despite two workers"
    );
    assert_eq!(escalations[0]["details"]["level"], 1);
    assert_eq!(escalations[1]["details"]["level"], 2);
    for worker in workers {
        worker.stop().await;
    }
}

async fn track(app: &TestApp, code: &str, forwarded_for: Option<&str>) -> reqwest::Response {
    let mut request = app.http.get(app.url(&format!("/v1/track/{code}")));
    if let Some(client) = forwarded_for {
        request = request.header("X-Forwarded-For", client);
    }
    request.send().await.expect("request")
}

#[tokio::test(flavor = "multi_thread")]
async fn public_tracking_shows_progress_but_no_personal_data() {
    let app = spawn_app_with(&[("SIGAP_TRACK_RATE_LIMIT", "8")]).await;
    let worker = Worker::start(app.config());
    let report = assigned_case(&app).await;
    let ticket = report["ticket"].as_str().expect("ticket");
    let code = report["tracking_code"].as_str().expect("a tracking code");
    let response = track(&app, code, None).await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.expect("text");
    let tracking: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(tracking["status"], "assigned");
    assert_eq!(tracking["unit_name"], "Sentra Mulya Jaya");
    for secret in ["Siti", "0812", "+62", "Rahmah", "kursi roda", "Jorong"] {
        assert!(!text.contains(secret), "tracking leaks {secret}: {text}");
    }
    // Read over the phone: lower case, O for 0, I or L for 1.
    let spoken = code.to_lowercase().replace('0', "o").replace('1', "l");
    assert_eq!(track(&app, &spoken, None).await.status(), 200, "{spoken}");

    // The ticket is sequential: alone, or with another suffix, it opens nothing,
    // and says no more than an unknown code does.
    let unknown = track(&app, "CC-2026-999999-K7QM2X", None).await;
    assert_eq!(unknown.status(), 404);
    let unknown: Value = unknown.json().await.expect("json");
    let suffix = &code[code.len() - 6..];
    let other = if suffix == "000000" {
        "000001"
    } else {
        "000000"
    };
    for guess in [
        ticket.to_owned(),
        format!("{ticket}-{other}"),
        "nonsense".into(),
    ] {
        let response = track(&app, &guess, None).await;
        assert_eq!(response.status(), 404, "{guess}");
        let problem: Value = response.json().await.expect("json");
        assert_eq!(problem, unknown, "{guess}: the same 404 as an unknown code");
    }

    let mut limited = None;
    for _ in 0..8 {
        let response = track(&app, code, None).await;
        if response.status() == 429 {
            limited = Some(response);
            break;
        }
    }
    let limited = limited.expect("rate limited after 8 requests a minute");
    let retry_after: u64 = limited.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry_after));
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_track_limit_believes_forwarded_for_only_from_a_trusted_proxy() {
    // Not a proxy: whatever X-Forwarded-For says, the peer is the client.
    let direct = spawn_app_with(&[("SIGAP_TRACK_RATE_LIMIT", "2")]).await;
    let code = direct.file(&report_body()).await["tracking_code"]
        .as_str()
        .expect("a tracking code")
        .to_owned();
    for client in ["203.0.113.1", "203.0.113.2"] {
        assert_eq!(track(&direct, &code, Some(client)).await.status(), 200);
    }
    assert_eq!(
        track(&direct, &code, Some("203.0.113.3")).await.status(),
        429,
        "a forged X-Forwarded-For buys no fresh budget"
    );

    // Behind a trusted proxy (the tests connect from 127.0.0.1): the client
    // it names is the one counted.
    let proxied = spawn_app_with(&[
        ("SIGAP_TRACK_RATE_LIMIT", "2"),
        ("SIGAP_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8"),
    ])
    .await;
    let code = proxied.file(&report_body()).await["tracking_code"]
        .as_str()
        .expect("a tracking code")
        .to_owned();
    for _ in 0..2 {
        assert_eq!(
            track(&proxied, &code, Some("203.0.113.1")).await.status(),
            200
        );
    }
    assert_eq!(
        track(&proxied, &code, Some("198.51.100.1, 203.0.113.1, 10.1.1.1"))
            .await
            .status(),
        429,
        "the nearest hop no proxy vouches for is the client"
    );
    assert_eq!(
        track(&proxied, &code, Some("203.0.113.2")).await.status(),
        200,
        "another client has its own budget"
    );
    assert_eq!(
        track(&proxied, &code, Some("2001:db8:0:7::1"))
            .await
            .status(),
        200
    );
    assert_eq!(
        track(&proxied, &code, Some("2001:db8:0:7::2"))
            .await
            .status(),
        200
    );
    assert_eq!(
        track(&proxied, &code, Some("2001:db8:0:7:ffff::3"))
            .await
            .status(),
        429,
        "one IPv6 /64 is one client"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn reports_are_listed_with_filters_and_regional_offices_see_their_province_only() {
    let app = spawn_app().await;
    let mut elsewhere = report_body();
    elsewhere["region_code"] = json!("35.76");
    elsewhere
        .as_object_mut()
        .expect("object")
        .remove("location");
    for _ in 0..3 {
        app.file(&report_body()).await;
    }
    app.file(&elsewhere).await;
    let operator = app.token(Role::Operator);
    let all: Value = app
        .get("/v1/reports", &operator)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(all["items"].as_array().expect("items").len(), 4);
    assert_eq!(all["items"][0]["region_code"], "35.76", "newest first");
    let page: Value = app
        .get("/v1/reports?limit=3", &operator)
        .await
        .json()
        .await
        .expect("json");
    let cursor = page["next_cursor"].as_str().expect("cursor");
    let last: Value = app
        .get(&format!("/v1/reports?limit=3&cursor={cursor}"), &operator)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(last["items"].as_array().expect("items").len(), 1);
    let jatim: Value = app
        .get("/v1/reports?region=35", &operator)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(jatim["items"].as_array().expect("items").len(), 1);

    let regional: Value = app
        .get("/v1/reports", &app.token(Role::Regional))
        .await
        .json()
        .await
        .expect("json");
    let items = regional["items"].as_array().expect("items");
    assert_eq!(
        items.len(),
        3,
        "West Sumatra's office sees West Sumatra only"
    );
    assert!(
        items
            .iter()
            .all(|r| r["province_code"] == "13" && r.get("reporter").is_none())
    );
    assert_eq!(
        app.get("/v1/reports?status=bogus", &operator)
            .await
            .status(),
        422
    );
    assert_eq!(
        app.get("/v1/reports", &app.token(Role::UptStaff))
            .await
            .status(),
        403
    );
}
