//! Stage deadlines end to end: acknowledgement in working time or wall
//! clock, later stages that alert instead of rerouting, a holiday that moves
//! an open deadline, and compliance per stage in the statistics.

use crate::webhooks::{Receiver, subscribe};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sigap_domain::Role;
use sigap_domain::working_time::{Allowance, Calendar, OfficeHours, Schedule, Zone};
use sigap_tests::{TestApp, Worker, report_body, spawn_app_with};
use std::time::Duration;
use tokio::time::Instant;

const UNIT: &str = "SENTRA-MULYA-JAYA";

async fn report(app: &TestApp, id: &str) -> Value {
    app.get(&format!("/v1/reports/{id}"), &app.token(Role::Supervisor))
        .await
        .json()
        .await
        .expect("json")
}

/// Polls the report until `done` holds (or panics after `within`).
async fn report_until(
    app: &TestApp,
    id: &str,
    within: Duration,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + within;
    loop {
        let report = report(app, id).await;
        if done(&report) {
            return report;
        }
        assert!(Instant::now() < deadline, "never came: {report}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn set_status(app: &TestApp, id: &str, status: &str) -> Value {
    let response = app
        .post(
            &format!("/v1/reports/{id}/status"),
            &app.token(Role::UptStaff),
            &json!({ "status": status }),
        )
        .await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("json")
}

/// The calendar in the test's database, as the worker reads it.
async fn calendar(app: &TestApp) -> Calendar {
    let client = app.db.client().await;
    let rows = client
        .query("SELECT day::text FROM holidays WHERE NOT removed", &[])
        .await
        .expect("holidays");
    Calendar::new(
        rows.iter()
            .map(|r| r.get::<_, String>(0).parse().expect("a date")),
    )
}

/// When the open deadline of the report started.
async fn started_at(app: &TestApp, id: &str) -> DateTime<Utc> {
    let client = app.db.client().await;
    let started: String = client
        .query_one(
            "SELECT to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') \
             FROM report_deadlines WHERE report_id = $1::text::uuid AND closed_at IS NULL",
            &[&id],
        )
        .await
        .expect("an open deadline")
        .get(0);
    started.parse().expect("a time")
}

fn due_at(report: &Value) -> DateTime<Utc> {
    report["deadline"]["due_at"]
        .as_str()
        .expect("a due time")
        .parse()
        .expect("time")
}

/// The unit's schedule: default office hours in West Sumatra's zone.
fn schedule() -> Schedule {
    Schedule {
        hours: OfficeHours::default(),
        zone: Zone::Wib,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_normal_case_is_due_in_working_time_and_a_wall_clock_critical_one_still_escalates() {
    let extra = [
        ("SIGAP_SLA_CRITICAL", "3s"),
        ("SIGAP_SLA_NORMAL", "1wd"),
        ("SIGAP_ESCALATION_INTERVAL", "200ms"),
    ];
    let app = spawn_app_with(&extra).await;
    let worker = Worker::start(app.config());
    let mut normal = report_body();
    normal["urgency"] = json!("normal");
    let id = app.file(&normal).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let assigned = app
        .wait_for_status(&id, "assigned", Duration::from_secs(10))
        .await;
    let deadline = &assigned["deadline"];
    assert_eq!(deadline["stage"], "acknowledge");
    assert_eq!(deadline["working_time"], true);
    assert_eq!(deadline["allowance"], "1wd");
    assert_eq!(deadline["time_zone"], "WIB");
    assert_eq!(deadline["overdue"], false);
    assert_eq!(assigned["overdue"], false);
    let expected = Allowance::WorkingDays(1).due(
        started_at(&app, &id).await,
        &schedule(),
        &calendar(&app).await,
    );
    assert_eq!(due_at(&assigned), expected);
    assert_eq!(assigned["sla_due_at"], assigned["deadline"]["due_at"]);

    // The unit's queue shows the same deadline.
    let queue: Value = app
        .get(
            &format!("/v1/units/{UNIT}/cases"),
            &app.token(Role::UptStaff),
        )
        .await
        .json()
        .await
        .expect("json");
    let item = queue["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|c| c["id"] == id.as_str())
        .expect("the case is queued");
    assert_eq!(item["deadline"], assigned["deadline"]);

    // Acknowledged: the acknowledgement is met and the assessment's deadline opens.
    let acknowledged = set_status(&app, &id, "acknowledged").await;
    assert_eq!(acknowledged["deadline"]["stage"], "assess");
    assert_eq!(acknowledged["deadline"]["allowance"], "5wd");
    assert_eq!(acknowledged["deadline"]["working_time"], true);

    let mut critical = report_body();
    critical["urgency"] = json!("critical");
    let id = app.file(&critical).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let assigned = app
        .wait_for_status(&id, "assigned", Duration::from_secs(10))
        .await;
    assert_eq!(assigned["deadline"]["allowance"], "3s");
    assert_eq!(assigned["deadline"]["working_time"], false);
    let escalated = report_until(&app, &id, Duration::from_secs(20), |r| {
        r["escalation_level"] == 1
    })
    .await;
    assert_ne!(escalated["unit_code"], UNIT);
    assert_eq!(escalated["deadline"]["stage"], "acknowledge");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_overdue_assessment_alerts_by_event_webhook_and_list_without_rerouting() {
    let extra = [
        ("SIGAP_SLA_ASSESS_HIGH", "2s"),
        ("SIGAP_ESCALATION_INTERVAL", "200ms"),
        ("SIGAP_WEBHOOK_ALLOW_PRIVATE", "true"),
        ("SIGAP_WEBHOOK_RETRY_BASE", "100ms"),
    ];
    let app = spawn_app_with(&extra).await;
    let worker = Worker::start(app.config());
    let receiver = Receiver::start(0).await;
    let integrator = app.token(Role::Integrator);
    subscribe(&app, &integrator, &receiver.url, json!(["report.overdue"])).await;
    let filed: Value = app
        .post("/v1/reports", &integrator, &report_body())
        .await
        .json()
        .await
        .expect("json");
    let id = filed["id"].as_str().expect("id").to_owned();
    app.wait_for_status(&id, "assigned", Duration::from_secs(10))
        .await;
    let acknowledged = set_status(&app, &id, "acknowledged").await;
    assert_eq!(acknowledged["deadline"]["stage"], "assess");
    assert_eq!(acknowledged["deadline"]["allowance"], "2s");

    let alerted = report_until(&app, &id, Duration::from_secs(20), |r| {
        r["events"]
            .as_array()
            .is_some_and(|e| e.iter().any(|e| e["kind"] == "deadline_missed"))
    })
    .await;
    let missed: Vec<&Value> = alerted["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["kind"] == "deadline_missed")
        .collect();
    assert_eq!(missed.len(), 1);
    assert_eq!(missed[0]["actor_role"], "system");
    assert_eq!(missed[0]["details"]["stage"], "assess");
    // Alerted, not rerouted.
    assert_eq!(alerted["status"], "acknowledged");
    assert_eq!(alerted["unit_code"], UNIT);
    assert_eq!(alerted["escalation_level"], 0);
    assert_eq!(alerted["deadline"]["overdue"], true);
    assert_eq!(alerted["overdue"], true);

    let got = receiver.wait_for(1, Duration::from_secs(15)).await;
    assert_eq!(got.len(), 1, "one report.overdue delivery");
    assert_eq!(got[0].event, "report.overdue");
    let body: Value = serde_json::from_slice(&got[0].body).expect("json body");
    assert_eq!(body["report_id"], id.as_str());
    assert_eq!(body["details"]["stage"], "assess");
    assert_eq!(body["unit_code"], UNIT);
    assert!(body.get("reporter").is_none());

    let supervisor = app.token(Role::Supervisor);
    let overdue: Value = app
        .get("/v1/reports?overdue=true", &supervisor)
        .await
        .json()
        .await
        .expect("json");
    let items = overdue["items"].as_array().expect("items");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], id.as_str());
    assert_eq!(items[0]["overdue"], true);
    let on_time: Value = app
        .get("/v1/reports?overdue=false", &supervisor)
        .await
        .json()
        .await
        .expect("json");
    assert!(
        on_time["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|r| r["id"] != id.as_str())
    );
    receiver.handle.stop(false).await;
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_holiday_added_moves_an_open_working_time_deadline() {
    let extra = [
        ("SIGAP_SLA_NORMAL", "2wd"),
        ("SIGAP_ESCALATION_INTERVAL", "200ms"),
    ];
    let app = spawn_app_with(&extra).await;
    let worker = Worker::start(app.config());
    let mut body = report_body();
    body["urgency"] = json!("normal");
    let id = app.file(&body).await["id"].as_str().expect("id").to_owned();
    let assigned = app
        .wait_for_status(&id, "assigned", Duration::from_secs(10))
        .await;
    let before = due_at(&assigned);
    // The day the case is due, in the unit's zone, becomes a holiday.
    let local_day = (before + chrono::Duration::hours(7)).date_naive();
    let client = app.db.client().await;
    client
        .execute(
            "INSERT INTO holidays (day, name, kind, origin) VALUES ($1::text::date, 'Hari libur uji', 'holiday', 'admin') \
             ON CONFLICT (day) DO UPDATE SET removed = FALSE",
            &[&local_day.to_string()],
        )
        .await
        .expect("insert a holiday");
    let moved = report_until(&app, &id, Duration::from_secs(20), |r| {
        r["deadline"]["due_at"].as_str().is_some() && due_at(r) != before
    })
    .await;
    let expected = Allowance::WorkingDays(2).due(
        started_at(&app, &id).await,
        &schedule(),
        &calendar(&app).await,
    );
    assert!(due_at(&moved) > before);
    assert_eq!(due_at(&moved), expected);
    assert_eq!(moved["sla_due_at"], moved["deadline"]["due_at"]);
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn statistics_count_stage_deadlines_met_and_missed() {
    let extra = [
        ("SIGAP_SLA_HIGH", "1wh"),
        ("SIGAP_SLA_ASSESS_HIGH", "2s"),
        ("SIGAP_ESCALATION_INTERVAL", "200ms"),
    ];
    let app = spawn_app_with(&extra).await;
    let worker = Worker::start(app.config());
    let mut ids = vec![];
    for _ in 0..2 {
        let id = app.file(&report_body()).await["id"]
            .as_str()
            .expect("id")
            .to_owned();
        app.wait_for_status(&id, "assigned", Duration::from_secs(10))
            .await;
        // A working hour is far off: acknowledged in time.
        set_status(&app, &id, "acknowledged").await;
        ids.push(id);
    }
    // Both assessments go past their two seconds; one is then begun late.
    for id in &ids {
        report_until(&app, id, Duration::from_secs(20), |r| {
            r["deadline"]["overdue"] == true
        })
        .await;
    }
    let late = set_status(&app, &ids[0], "assessing").await;
    assert_eq!(late["deadline"]["stage"], "serve");

    let stats: Value = app
        .get("/v1/stats", &app.token(Role::Supervisor))
        .await
        .json()
        .await
        .expect("json");
    let stage = |name: &str| -> Value {
        stats["deadlines"]
            .as_array()
            .expect("deadlines")
            .iter()
            .find(|s| s["stage"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("stage {name} in {stats}"))
    };
    assert_eq!(
        stage("acknowledge"),
        json!({"stage": "acknowledge", "met": 2, "missed": 0, "open_overdue": 0, "compliance": 1.0})
    );
    assert_eq!(
        stage("assess"),
        json!({"stage": "assess", "met": 0, "missed": 1, "open_overdue": 1, "compliance": 0.0})
    );
    assert_eq!(stage("serve")["met"], 0);
    assert_eq!(stage("serve")["missed"], 0);
    worker.stop().await;
}
