//! Statistics over HTTP: counts, times and SLA compliance of a known set of
//! reports, regional scoping, validation, and an empty range.

use serde_json::{Value, json};
use sigap_domain::Role;
use sigap_tests::{TestApp, Worker, functioning, report_body, spawn_app, spawn_app_with};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const UNIT: &str = "SENTRA-MULYA-JAYA";
const FROM: &str = "2025-03-10T00:00:00Z";
const TO: &str = "2025-03-12T00:00:00Z";

fn body(category: &str, need: &str, urgency: &str, region: &str, count: i64) -> Value {
    let mut body = report_body();
    body["category"] = json!(category);
    body["need"] = json!(need);
    body["urgency"] = json!(urgency);
    body["region_code"] = json!(region);
    body["beneficiary_count"] = json!(count);
    body.as_object_mut().expect("object").remove("location");
    body
}

async fn file(app: &TestApp, body: &Value) -> String {
    app.file(body).await["id"].as_str().expect("id").to_owned()
}

async fn walk(app: &TestApp, id: &str, token: &str, statuses: &[&str]) {
    for status in statuses {
        if *status == "resolved" {
            settle_people(app, id, token).await;
        }
        let response = app
            .post(
                &format!("/v1/reports/{id}/status"),
                token,
                &json!({ "status": status }),
            )
            .await;
        assert_eq!(response.status(), 200, "{id} to {status}");
    }
}

/// A case is resolved only when nobody on it is still pending: its listed
/// people are recorded unreachable here (these tests count cases, not work).
async fn settle_people(app: &TestApp, id: &str, token: &str) {
    let people: Value = app
        .get(&format!("/v1/reports/{id}/beneficiaries"), token)
        .await
        .json()
        .await
        .expect("json");
    for person in people["items"].as_array().expect("items") {
        let response = app
            .http
            .patch(app.url(&format!(
                "/v1/beneficiaries/{}",
                person["id"].as_str().expect("id")
            )))
            .bearer_auth(token)
            .json(&json!({"status": "unreachable", "status_reason": "test: not reached"}))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200, "{id}: settle a person");
    }
}

async fn stats(app: &TestApp, token: &str, query: &str) -> reqwest::Response {
    app.get(&format!("/v1/stats{query}"), token).await
}

async fn stats_ok(app: &TestApp, token: &str, query: &str) -> Value {
    let response = stats(app, token, query).await;
    let status = response.status();
    let body: Value = response.json().await.expect("json");
    assert_eq!(status, 200, "{body}");
    body
}

/// `(key, count)` of a group list, in the order given.
fn counts(list: &Value) -> Vec<(String, i64)> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|g| {
            (
                g["key"].as_str().expect("key").to_owned(),
                g["count"].as_i64().expect("count"),
            )
        })
        .collect()
}

fn pairs(expected: &[(&str, i64)]) -> Vec<(String, i64)> {
    expected
        .iter()
        .map(|(k, c)| ((*k).to_owned(), *c))
        .collect()
}

/// Sorted as the endpoint sorts: count descending, then key.
fn ranked(tally: BTreeMap<String, i64>) -> Vec<(String, i64)> {
    let mut list: Vec<(String, i64)> = tally.into_iter().collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    list
}

/// Moves a report's filing time to `at` and the given stamps to that many
/// seconds after it, so that durations are known.
async fn stamp(app: &TestApp, id: &str, at: &str, stamps: &[(&str, i64)]) {
    let mut sql = format!("created_at = '{at}'");
    for (column, seconds) in stamps {
        sql.push_str(&format!(
            ", {column} = '{at}'::timestamptz + interval '{seconds} seconds'"
        ));
    }
    let changed = app
        .db
        .client()
        .await
        .execute(
            &format!("UPDATE reports SET {sql} WHERE id = $1::text::uuid"),
            &[&id],
        )
        .await
        .expect("update");
    assert_eq!(changed, 1);
}

async fn unit_of(app: &TestApp, id: &str) -> String {
    let report = app
        .wait_for_status(id, "assigned", Duration::from_secs(10))
        .await;
    report["unit_code"].as_str().expect("a unit").to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn counts_times_and_sla_follow_the_reports_filed() {
    let app = spawn_app_with(&[
        ("SIGAP_SLA_CRITICAL", "2s"),
        ("SIGAP_ESCALATION_INTERVAL", "200ms"),
    ])
    .await;
    let worker = Worker::start(app.config());
    let staff = app.token(Role::UptStaff);
    let supervisor = app.token(Role::Supervisor);

    let r1 = file(
        &app,
        &body("elderly", "assistive_device", "high", "13.03", 1),
    )
    .await;
    let r2 = file(&app, &body("elderly", "basic_needs", "high", "13.03", 3)).await;
    let r3 = file(&app, &body("child", "protection", "normal", "13.71", 2)).await;
    let r4 = file(
        &app,
        &body("elderly", "assistive_device", "critical", "13.03", 1),
    )
    .await;
    let r5 = file(
        &app,
        &body("disability", "accessibility", "normal", "13.03", 1),
    )
    .await;
    let r6 = file(&app, &body("poverty", "basic_needs", "normal", "31.71", 4)).await;
    let outside = file(&app, &body("elderly", "other", "normal", "13.03", 5)).await;

    assert_eq!(unit_of(&app, &r1).await, UNIT);
    assert_eq!(unit_of(&app, &r2).await, UNIT);
    let u3 = unit_of(&app, &r3).await;
    let u5 = unit_of(&app, &r5).await;
    let u6 = unit_of(&app, &r6).await;
    unit_of(&app, &outside).await;
    walk(
        &app,
        &r1,
        &staff,
        &["acknowledged", "assessing", "in_service", "resolved"],
    )
    .await;
    walk(
        &app,
        &r2,
        &staff,
        &["acknowledged", "assessing", "in_service"],
    )
    .await;
    walk(&app, &r5, &supervisor, &["cancelled"]).await;

    // r4 is never acknowledged: escalated to a second unit, then to triage.
    let deadline = Instant::now() + Duration::from_secs(30);
    let r4_report = loop {
        let report: Value = app
            .get(&format!("/v1/reports/{r4}"), &supervisor)
            .await
            .json()
            .await
            .expect("json");
        if report["status"] == "needs_triage" {
            break report;
        }
        assert!(Instant::now() < deadline, "not escalated twice: {report}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    worker.stop().await;
    let missed_by: Vec<String> = r4_report["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["kind"] == "escalated")
        .map(|e| e["details"]["missed_by"].as_str().expect("unit").to_owned())
        .collect();
    assert_eq!(missed_by.len(), 2);
    assert_eq!(missed_by[0], UNIT);
    let u4 = missed_by[1].clone();

    // Known times, seconds after filing (`from` is inclusive, `to` exclusive).
    stamp(
        &app,
        &r1,
        FROM,
        &[
            ("assigned_at", 2),
            ("acknowledged_at", 600),
            ("sla_due_at", 3602),
            ("resolved_at", 86400),
        ],
    )
    .await;
    stamp(
        &app,
        &r2,
        "2025-03-10T06:00:00Z",
        &[
            ("assigned_at", 4),
            ("acknowledged_at", 7200),
            ("sla_due_at", 3604),
        ],
    )
    .await;
    stamp(
        &app,
        &r3,
        "2025-03-10T12:00:00Z",
        &[("assigned_at", 6), ("sla_due_at", 86406)],
    )
    .await;
    // Its latest assignment (the escalation) is not its first.
    stamp(&app, &r4, "2025-03-11T00:00:00Z", &[("assigned_at", 1000)]).await;
    app.db
        .client()
        .await
        .execute(
            "UPDATE report_events SET created_at = '2025-03-11T00:00:08Z' \
             WHERE report_id = $1::text::uuid AND kind = 'assigned'",
            &[&r4],
        )
        .await
        .expect("update");
    // Cancelled before its due time: never late.
    stamp(
        &app,
        &r5,
        "2025-03-11T06:00:00Z",
        &[
            ("assigned_at", 10),
            ("sla_due_at", 86410),
            ("cancelled_at", 3600),
        ],
    )
    .await;
    stamp(
        &app,
        &r6,
        "2025-03-11T12:00:00Z",
        &[("assigned_at", 12), ("sla_due_at", 86412)],
    )
    .await;
    stamp(&app, &outside, TO, &[]).await;

    let stats = stats_ok(&app, &supervisor, &format!("?from={FROM}&to={TO}")).await;
    assert_eq!(stats["from"], FROM);
    assert_eq!(stats["to"], TO);
    assert_eq!(stats["region"], Value::Null);
    assert_eq!(stats["total"], 6);
    assert_eq!(stats["beneficiaries"], json!({"reported": 12, "served": 4}));
    assert_eq!(
        counts(&stats["by_province"]),
        pairs(&[("13", 5), ("31", 1)])
    );
    assert_eq!(stats["by_province"][0]["label"], "Sumatera Barat");
    assert_eq!(
        counts(&stats["by_regency"]),
        pairs(&[("13.03", 4), ("13.71", 1), ("31.71", 1)])
    );
    assert_eq!(stats["by_regency"][1]["label"], "Kota Padang");
    // Open cases and SLA compliance per place, for a map of them: in 13.03
    // r2 (in service) and r4 (in triage) are open, r1 resolved, r5 cancelled.
    let open = |list: &Value| -> Vec<(String, i64)> {
        list.as_array()
            .expect("a list")
            .iter()
            .map(|g| {
                let key = g["key"].as_str().expect("key").to_owned();
                (key, g["open"].as_i64().expect("open"))
            })
            .collect()
    };
    assert_eq!(
        open(&stats["by_regency"]),
        pairs(&[("13.03", 2), ("13.71", 1), ("31.71", 1)])
    );
    assert_eq!(open(&stats["by_province"]), pairs(&[("13", 3), ("31", 1)]));
    // r3 and r6 were never acknowledged and their due times have passed.
    assert_eq!(
        stats["by_regency"][1]["sla"],
        json!({"due": 1, "met": 0, "missed": 1, "compliance": 0.0})
    );
    assert_eq!(
        counts(&stats["by_category"]),
        pairs(&[
            ("elderly", 3),
            ("child", 1),
            ("disability", 1),
            ("poverty", 1)
        ])
    );
    let labels: Vec<&str> = stats["by_category"]
        .as_array()
        .expect("list")
        .iter()
        .map(|g| g["label"].as_str().expect("label"))
        .collect();
    assert_eq!(
        labels,
        [
            "Lanjut usia",
            "Anak",
            "Penyandang disabilitas",
            "Kemiskinan"
        ]
    );
    assert_eq!(
        counts(&stats["by_need"]),
        pairs(&[
            ("assistive_device", 2),
            ("basic_needs", 2),
            ("accessibility", 1),
            ("protection", 1)
        ])
    );
    assert_eq!(stats["by_need"][0]["label"], "assistive_device");
    assert_eq!(
        counts(&stats["by_urgency"]),
        pairs(&[("normal", 3), ("high", 2), ("critical", 1)])
    );
    assert_eq!(
        counts(&stats["by_status"]),
        pairs(&[
            ("assigned", 2),
            ("cancelled", 1),
            ("in_service", 1),
            ("needs_triage", 1),
            ("resolved", 1)
        ])
    );
    assert_eq!(
        counts(&stats["by_day"]),
        pairs(&[("2025-03-10", 3), ("2025-03-11", 3)])
    );
    // The case in triage has no unit and is left out.
    let mut by_unit = BTreeMap::new();
    for unit in [UNIT, UNIT, &u3, &u5, &u6] {
        *by_unit.entry(unit.to_owned()).or_insert(0) += 1;
    }
    assert_eq!(counts(&stats["by_unit"]), ranked(by_unit));
    let mulya_jaya = stats["by_unit"]
        .as_array()
        .expect("list")
        .iter()
        .find(|g| g["key"] == UNIT)
        .expect("the unit");
    assert_eq!(mulya_jaya["label"], "Sentra Mulya Jaya");

    assert_eq!(
        stats["times"],
        json!({
            "to_assign": {"count": 6, "median_seconds": 7.0, "p90_seconds": 11.0},
            "to_acknowledge": {"count": 2, "median_seconds": 3900.0, "p90_seconds": 6540.0},
            "to_resolve": {"count": 1, "median_seconds": 86400.0, "p90_seconds": 86400.0}
        })
    );

    // Due: r1 (met), r2 (acknowledged late), r3 and r6 (past due, never
    // acknowledged) and r4's two escalations; r5 was cancelled in time.
    let sla = &stats["sla"];
    assert_eq!(sla["overall"]["due"], 6);
    assert_eq!(sla["overall"]["met"], 1);
    assert_eq!(sla["overall"]["missed"], 5);
    assert_eq!(sla["overall"]["compliance"].as_f64(), Some(1.0 / 6.0));
    let mut periods: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for (unit, met) in [
        (UNIT, 1),
        (UNIT, 0),
        (UNIT, 0),
        (&u3, 0),
        (&u6, 0),
        (&u4, 0),
    ] {
        let tally = periods.entry(unit.to_owned()).or_insert((0, 0));
        *tally = (tally.0 + 1, tally.1 + met);
    }
    let mut expected: Vec<(String, i64, i64)> = periods
        .into_iter()
        .map(|(u, (due, met))| (u, due, met))
        .collect();
    expected.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let got: Vec<(String, i64, i64)> = sla["by_unit"]
        .as_array()
        .expect("list")
        .iter()
        .map(|g| {
            let (due, met) = (
                g["due"].as_i64().expect("due"),
                g["met"].as_i64().expect("met"),
            );
            assert_eq!(g["missed"].as_i64(), Some(due - met));
            assert_eq!(g["compliance"].as_f64(), Some(met as f64 / due as f64));
            (g["key"].as_str().expect("key").to_owned(), due, met)
        })
        .collect();
    assert_eq!(got, expected);
    assert_eq!(sla["by_unit"][0]["key"], UNIT);
    assert_eq!(sla["by_unit"][0]["label"], "Sentra Mulya Jaya");
    assert_eq!(
        sla["by_urgency"],
        json!([
            {"key": "critical", "label": "critical", "due": 2, "met": 0, "missed": 2, "compliance": 0.0},
            {"key": "high", "label": "high", "due": 2, "met": 1, "missed": 1, "compliance": 0.5},
            {"key": "normal", "label": "normal", "due": 2, "met": 0, "missed": 2, "compliance": 0.0}
        ])
    );

    // One regency: only its four reports.
    let regency = stats_ok(
        &app,
        &supervisor,
        &format!("?from={FROM}&to={TO}&region=13.03"),
    )
    .await;
    assert_eq!(regency["region"], "13.03");
    assert_eq!(regency["total"], 4);
    assert_eq!(counts(&regency["by_regency"]), pairs(&[("13.03", 4)]));
    // The one filed at `to` falls in the next range.
    let next = stats_ok(
        &app,
        &supervisor,
        &format!("?from={TO}&to=2025-03-13T00:00:00Z"),
    )
    .await;
    assert_eq!(next["total"], 1);
    assert_eq!(next["beneficiaries"]["reported"], 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_regional_office_sees_only_its_province() {
    let app = spawn_app().await;
    let worker = Worker::start(app.config());
    let west_sumatra = file(
        &app,
        &body("elderly", "assistive_device", "high", "13.03", 1),
    )
    .await;
    let jakarta = file(&app, &body("poverty", "basic_needs", "normal", "31.71", 1)).await;
    for id in [&west_sumatra, &jakarta] {
        unit_of(&app, id).await;
    }
    worker.stop().await;

    let regional = app.token(Role::Regional);
    let own = stats_ok(&app, &regional, "").await;
    assert_eq!(own["region"], "13");
    assert_eq!(own["total"], 1);
    assert_eq!(counts(&own["by_province"]), pairs(&[("13", 1)]));
    let regency = stats_ok(&app, &regional, "?region=13.03").await;
    assert_eq!(regency["region"], "13.03");
    assert_eq!(regency["total"], 1);
    for outside in ["31", "31.71"] {
        let response = stats(&app, &regional, &format!("?region={outside}")).await;
        assert_eq!(response.status(), 403, "{outside}");
        let problem: Value = response.json().await.expect("json");
        assert_eq!(problem["type"], "/problems/forbidden");
    }

    let supervisor = stats_ok(&app, &app.token(Role::Supervisor), "").await;
    assert_eq!(supervisor["region"], Value::Null);
    assert_eq!(supervisor["total"], 2);
    let jakarta_only = stats_ok(&app, &app.token(Role::Admin), "?region=31").await;
    assert_eq!(counts(&jakarta_only["by_province"]), pairs(&[("31", 1)]));
    for role in [Role::Operator, Role::UptStaff, Role::Integrator] {
        assert_eq!(
            stats(&app, &app.token(role), "").await.status(),
            403,
            "{role}"
        );
    }
    let anonymous = app
        .http
        .get(app.url("/v1/stats"))
        .send()
        .await
        .expect("request");
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_ranges_and_regions_are_422_with_their_fields() {
    let app = spawn_app().await;
    let supervisor = app.token(Role::Supervisor);
    let cases: &[(&str, &[&str])] = &[
        ("?from=yesterday", &["from"]),
        ("?to=2025-03-10", &["to"]),
        (
            "?from=2025-03-10T00:00:00Z&to=2025-03-10T00:00:00Z",
            &["to"],
        ),
        (
            "?from=2025-03-11T00:00:00Z&to=2025-03-10T00:00:00Z",
            &["to"],
        ),
        (
            "?from=2024-01-01T00:00:00Z&to=2025-01-02T00:00:00Z",
            &["to"],
        ),
        ("?region=1303", &["region"]),
        ("?region=99", &["region"]),
        ("?region=13.99", &["region"]),
        ("?from=nope&to=nope&region=x", &["to", "from", "region"]),
    ];
    for (query, fields) in cases {
        let response = stats(&app, &supervisor, query).await;
        assert_eq!(response.status(), 422, "{query}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
        let problem: Value = response.json().await.expect("json");
        assert_eq!(problem["type"], "/problems/validation", "{query}");
        let got: Vec<&str> = problem["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| e["field"].as_str().expect("field"))
            .collect();
        assert_eq!(&got, fields, "{query}");
    }
    // 366 days (2024 is a leap year) is the longest range.
    let longest = stats(
        &app,
        &supervisor,
        "?from=2024-01-01T00:00:00Z&to=2025-01-01T00:00:00Z",
    )
    .await;
    assert_eq!(longest.status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_range_gives_zeros_and_nulls() {
    let app = spawn_app().await;
    let supervisor = app.token(Role::Supervisor);
    for query in [
        "?from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z",
        "?from=2020-01-01T00:00:00%2B07:00&to=2020-02-01T00:00:00%2B07:00&region=13.03",
    ] {
        let stats = stats_ok(&app, &supervisor, query).await;
        assert_eq!(stats["total"], 0, "{query}");
        assert_eq!(stats["beneficiaries"], json!({"reported": 0, "served": 0}));
        for list in [
            "by_province",
            "by_regency",
            "by_category",
            "by_need",
            "by_urgency",
            "by_unit",
            "by_status",
            "by_day",
        ] {
            assert_eq!(stats[list], json!([]), "{list}");
        }
        let none = json!({"count": 0, "median_seconds": null, "p90_seconds": null});
        assert_eq!(
            stats["times"],
            json!({"to_assign": none, "to_acknowledge": none, "to_resolve": none})
        );
        assert_eq!(
            stats["sla"],
            json!({
                "overall": {"due": 0, "met": 0, "missed": 0, "compliance": null},
                "by_unit": [],
                "by_urgency": []
            })
        );
        let work = &stats["case_work"];
        assert_eq!(work["people"]["assessed"], 0);
        assert_eq!(
            people_rows(&work["people"]["by_age_band"]),
            triples(&[
                ("0-17", 0, 0),
                ("18-59", 0, 0),
                ("60+", 0, 0),
                ("unknown", 0, 0)
            ])
        );
        assert_eq!(work["services"]["by_regency"], json!([]));
        assert_eq!(work["median_days_to_first_delivery"], Value::Null);
    }
    let offset = stats_ok(
        &app,
        &supervisor,
        "?from=2020-01-01T00:00:00%2B07:00&to=2020-02-01T00:00:00%2B07:00",
    )
    .await;
    assert_eq!(offset["from"], "2019-12-31T17:00:00Z");
}

/// `(key, assessed, served)` of a list of people groups.
fn people_rows(list: &Value) -> Vec<(String, i64, i64)> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|g| {
            (
                g["key"].as_str().expect("key").to_owned(),
                g["assessed"].as_i64().expect("assessed"),
                g["served"].as_i64().expect("served"),
            )
        })
        .collect()
}

/// `(key, planned, delivered)` of a list of service groups.
fn service_rows(list: &Value) -> Vec<(String, i64, i64)> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|g| {
            (
                g["key"].as_str().expect("key").to_owned(),
                g["planned"].as_i64().expect("planned"),
                g["delivered"].as_i64().expect("delivered"),
            )
        })
        .collect()
}

fn triples(expected: &[(&str, i64, i64)]) -> Vec<(String, i64, i64)> {
    expected
        .iter()
        .map(|(k, a, b)| ((*k).to_owned(), *a, *b))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn case_work_counts_people_and_devices_by_who_where_and_which_unit() {
    let app = spawn_app().await;
    let worker = Worker::start(app.config());
    let staff = app.token(Role::UptStaff);
    let supervisor = app.token(Role::Supervisor);

    // Kabupaten Sijunjung (13.03): a wheelchair and a hearing aid.
    let mut sijunjung = body("elderly", "assistive_device", "high", "13.03", 4);
    sijunjung["beneficiaries"] = json!([
        {"name": "Nenek Rahmah", "age": 81, "sex": "F", "disability": "physical"},
        {"name": "Pak Yusuf", "age": 67, "sex": "M", "disability": "tunarungu"},
        {"name": "Andi", "age": 12, "sex": "M"},
        {"name": "Belum dinilai"}
    ]);
    let a = file(&app, &sijunjung).await;
    assert_eq!(unit_of(&app, &a).await, UNIT);
    // Jakarta (31.71): one service delivered, one still planned.
    let mut jakarta = body("poverty", "basic_needs", "normal", "31.71", 1);
    jakarta["beneficiaries"] = json!([{"name": "Ibu Sari", "age": 30, "sex": "F"}]);
    let b = file(&app, &jakarta).await;
    let b_unit = unit_of(&app, &b).await;
    worker.stop().await;

    walk(&app, &a, &staff, &["acknowledged"]).await;
    let people = app.people_of(&a, &staff).await;
    let (rahmah, yusuf, andi) = (
        &people["Nenek Rahmah"],
        &people["Pak Yusuf"],
        &people["Andi"],
    );
    app.assess(
        rahmah,
        &staff,
        true,
        functioning(&[
            ("walking", "cannot_do_at_all"),
            ("self_care", "a_lot_of_difficulty"),
        ]),
    )
    .await;
    // Reassessed: the latest assessment counts.
    app.assess(
        yusuf,
        &staff,
        true,
        functioning(&[("hearing", "some_difficulty")]),
    )
    .await;
    app.assess(
        yusuf,
        &staff,
        true,
        functioning(&[("hearing", "a_lot_of_difficulty")]),
    )
    .await;
    app.assess(andi, &staff, false, functioning(&[])).await;
    let wheelchair = app
        .plan(rahmah, &staff, "accessibility_support", Some("wheelchair"))
        .await;
    let hearing_aid = app
        .plan(yusuf, &staff, "accessibility_support", Some("hearing_aid"))
        .await;
    let cancelled = app.plan(rahmah, &staff, "social_assistance", None).await;
    app.ok(
        &format!("/v1/services/{cancelled}/cancel"),
        &staff,
        json!({"reason": "sudah menerima dari dinas"}),
    )
    .await;
    app.deliver(&wheelchair, &staff, "2025-03-20", "BAST/SMJ/2025/0101")
        .await;
    app.deliver(&hearing_aid, &staff, "2025-03-22", "BAST/SMJ/2025/0102")
        .await;

    walk(&app, &b, &supervisor, &["acknowledged"]).await;
    let sari = app.people_of(&b, &supervisor).await["Ibu Sari"].clone();
    app.assess(
        &sari,
        &supervisor,
        true,
        functioning(&[("seeing", "a_lot_of_difficulty")]),
    )
    .await;
    let support = app
        .plan(&sari, &supervisor, "decent_living_support", None)
        .await;
    app.plan(&sari, &supervisor, "social_care", None).await;
    app.deliver(&support, &supervisor, "2025-03-15", "BAST/DKI/2025/0007")
        .await;

    // Filed at noon in Sijunjung, and at 03:00 Jakarta time (still the
    // 10th in UTC): 10 and 4 days to the first delivery.
    stamp(&app, &a, "2025-03-10T05:00:00Z", &[]).await;
    stamp(&app, &b, "2025-03-10T20:00:00Z", &[]).await;

    let figures = stats_ok(&app, &supervisor, &format!("?from={FROM}&to={TO}")).await;
    let work = &figures["case_work"];
    let people = &work["people"];
    assert_eq!(people["assessed"], 4, "{people}");
    assert_eq!(people["served"], 2);
    assert_eq!(
        people_rows(&people["by_sex"]),
        triples(&[("F", 2, 1), ("M", 2, 1), ("unknown", 0, 0)])
    );
    assert_eq!(
        people_rows(&people["by_age_band"]),
        triples(&[
            ("0-17", 1, 0),
            ("18-59", 1, 0),
            ("60+", 2, 2),
            ("unknown", 0, 0)
        ])
    );
    assert_eq!(
        people_rows(&people["by_disability"]),
        triples(&[
            ("physical", 1, 1),
            ("intellectual", 0, 0),
            ("mental", 0, 0),
            ("sensory_visual", 0, 0),
            ("sensory_hearing", 1, 1),
            ("sensory_speech", 0, 0),
            ("none", 2, 0)
        ])
    );
    assert_eq!(
        people_rows(&people["by_functioning"]),
        triples(&[
            ("seeing", 1, 0),
            ("hearing", 1, 1),
            ("walking", 1, 1),
            ("remembering", 0, 0),
            ("self_care", 1, 1),
            ("communicating", 0, 0)
        ])
    );
    let services = &work["services"];
    assert_eq!(services["planned"], 4, "the cancelled one left out");
    assert_eq!(services["delivered"], 3);
    assert_eq!(
        service_rows(&services["by_component"]),
        triples(&[
            ("decent_living_support", 1, 1),
            ("social_care", 1, 0),
            ("family_support", 0, 0),
            ("therapy", 0, 0),
            ("vocational_training", 0, 0),
            ("social_assistance", 0, 0),
            ("accessibility_support", 2, 2)
        ])
    );
    let devices: Vec<(String, i64, i64)> = service_rows(&services["by_device"])
        .into_iter()
        .filter(|(_, planned, _)| *planned > 0)
        .collect();
    assert_eq!(
        devices,
        triples(&[("wheelchair", 1, 1), ("hearing_aid", 1, 1)])
    );
    assert_eq!(services["by_device"].as_array().expect("list").len(), 9);
    assert_eq!(services["by_device"][0]["delivered_quantity"], 1);
    assert_eq!(
        service_rows(&services["by_province"]),
        triples(&[("13", 2, 2), ("31", 2, 1)])
    );
    assert_eq!(services["by_province"][0]["label"], "Sumatera Barat");
    assert_eq!(
        service_rows(&services["by_regency"]),
        triples(&[("13.03", 2, 2), ("31.71", 2, 1)])
    );
    assert_eq!(services["by_regency"][0]["label"], "Kabupaten Sijunjung");
    let units = if b_unit == UNIT {
        triples(&[(UNIT, 4, 3)])
    } else {
        let mut units = vec![(UNIT.to_owned(), 2, 2), (b_unit.clone(), 2, 1)];
        units.sort_by(|x, y| y.1.cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
        units
    };
    assert_eq!(service_rows(&services["by_unit"]), units);
    assert_eq!(work["median_days_to_first_delivery"], 7.0);
    // People served, for the map.
    let served = |list: &Value| -> Vec<(String, i64)> {
        list.as_array()
            .expect("a list")
            .iter()
            .map(|g| {
                let key = g["key"].as_str().expect("key").to_owned();
                (key, g["people_served"].as_i64().expect("people_served"))
            })
            .collect()
    };
    assert_eq!(
        served(&figures["by_province"]),
        pairs(&[("13", 2), ("31", 0)])
    );
    assert_eq!(
        served(&figures["by_regency"]),
        pairs(&[("13.03", 2), ("31.71", 0)])
    );

    // A regional office of Sumatera Barat sees Sijunjung's work only.
    let regional = stats_ok(
        &app,
        &app.token(Role::Regional),
        &format!("?from={FROM}&to={TO}"),
    )
    .await;
    let work = &regional["case_work"];
    assert_eq!(work["people"]["assessed"], 3);
    assert_eq!(work["people"]["served"], 2);
    assert_eq!(work["services"]["planned"], 2);
    assert_eq!(
        service_rows(&work["services"]["by_regency"]),
        triples(&[("13.03", 2, 2)])
    );
    assert_eq!(
        service_rows(&work["services"]["by_unit"]),
        triples(&[(UNIT, 2, 2)])
    );
    assert_eq!(work["median_days_to_first_delivery"], 10.0);
    assert!(!regional.to_string().contains("Rahmah"), "no names");
    for role in [Role::Operator, Role::UptStaff, Role::Integrator] {
        assert_eq!(
            stats(&app, &app.token(role), &format!("?from={FROM}&to={TO}"))
                .await
                .status(),
            403,
            "{role}"
        );
    }
}
