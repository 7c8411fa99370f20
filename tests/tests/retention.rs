//! Retention (UU PDP): the personal data of a case closed longer than
//! `SIGAP_RETENTION_CLOSED` is erased by the worker (or `sigap-api
//! retention`), its statistical record kept.

use crate::casework::{acknowledged_case, day, set_status};
use serde_json::{Value, json};
use sigap_domain::Role;
use sigap_tests::{
    DATA_KEYS, INDEX_KEY, JWT_SECRET, TestApp, Worker, functioning, report_body, spawn_app_with,
};
use std::time::Duration;

const NIK: &str = "1303015708450009";

/// `sigap-api retention` with a 2-second retention; what it printed.
fn retention(app: &TestApp, args: &[&str]) -> String {
    let output = std::process::Command::new(sigap_tests::binary("sigap-api"))
        .arg("retention")
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &app.config().database_url)
        .env("SIGAP_JWT_SECRET", JWT_SECRET)
        .env("SIGAP_DATA_KEYS", DATA_KEYS)
        .env("SIGAP_INDEX_KEY", INDEX_KEY)
        .env("SIGAP_RETENTION_CLOSED", "2s")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run sigap-api (cargo build builds it first)");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

async fn erased_at(app: &TestApp, id: &str) -> Option<String> {
    app.db
        .client()
        .await
        .query_one(
            "SELECT erased_at::text FROM reports WHERE id = $1::text::uuid",
            &[&id],
        )
        .await
        .expect("report")
        .get(0)
}

/// The statistics of the last 30 days, without the window's bounds (which
/// move with the clock).
async fn stats(app: &TestApp) -> Value {
    let response = app.get("/v1/stats", &app.token(Role::Supervisor)).await;
    assert_eq!(response.status(), 200);
    let mut figures: Value = response.json().await.expect("json");
    let object = figures.as_object_mut().expect("object");
    object.remove("from");
    object.remove("to");
    figures
}

#[tokio::test(flavor = "multi_thread")]
async fn a_case_closed_past_retention_is_erased_once_and_the_statistics_stay_the_same() {
    let app = spawn_app_with(&[
        ("SIGAP_RETENTION_CLOSED", "2s"),
        ("SIGAP_RETENTION_INTERVAL", "200ms"),
    ])
    .await;
    // A worker that routes but keeps data for a day, until the test is ready.
    let mut patient = app.config();
    patient.retention_closed = Duration::from_secs(24 * 3600);
    let worker = Worker::start(patient);
    let staff = app.token(Role::UptStaff);

    let mut body = report_body();
    body["beneficiaries"] = json!([{"name": "Nenek Rahmah", "nik": NIK, "age": 78, "sex": "F",
        "disability": "physical", "phone": "081300000051"}]);
    body["location"] = json!({"lat": -0.691234, "lon": 100.951234});
    let closed = acknowledged_case(&app, &body).await;
    let open = acknowledged_case(&app, &report_body()).await;
    app.ok(
        &format!("/v1/reports/{closed}/beneficiaries"),
        &staff,
        json!({"name": "Kakek Umar", "birth_date": "1940-05-01", "sex": "M",
               "address": "Jorong Koto Tuo"}),
    )
    .await;
    let people = app.people_of(&closed, &staff).await;
    let rahmah = &people["Nenek Rahmah"];
    let umar = &people["Kakek Umar"];
    app.ok(
        &format!("/v1/beneficiaries/{rahmah}/assessments"),
        &staff,
        json!({"assessed_on": day(0), "method": "home_visit", "eligible": true,
               "findings": "Tidak dapat berjalan tanpa bantuan.",
               "functioning": functioning(&[("walking", "cannot_do_at_all")]),
               "recommendations": [{"component": "accessibility_support", "item": "wheelchair",
                                    "quantity": 1, "note": "untuk Nenek Rahmah"}]}),
    )
    .await;
    app.ok(
        &format!("/v1/beneficiaries/{umar}/assessments"),
        &staff,
        json!({"assessed_on": day(0), "method": "home_visit", "eligible": false,
               "findings": "Sudah dirawat keluarga.", "recommendations": []}),
    )
    .await;
    let wheelchair = app
        .ok(
            &format!("/v1/beneficiaries/{rahmah}/services"),
            &staff,
            json!({"component": "accessibility_support", "modality": "family_based",
                   "item": "wheelchair", "quantity": 1, "due_on": day(3),
                   "note": "antar ke rumah Nenek Rahmah"}),
        )
        .await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    app.ok(
        &format!("/v1/services/{wheelchair}/deliver"),
        &staff,
        json!({"delivered_on": day(0), "quantity": 1, "handover_ref": "BAST/SMJ/2026/0001",
               "received_by": "Cucu Nenek Rahmah"}),
    )
    .await;
    let attached = crate::attachments::upload(
        &app,
        &staff,
        &closed,
        crate::attachments::form(
            "rumah-nenek-rahmah.png",
            "image/png",
            &crate::attachments::png(),
            &[("note", "Rumah Nenek Rahmah")],
        ),
    )
    .await;
    assert_eq!(attached.status(), 201);
    let attachment = attached.json::<Value>().await.expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let noted = app
        .post(
            &format!("/v1/reports/{closed}/notes"),
            &staff,
            &json!({"note": "Nenek Rahmah tinggal dengan cucunya"}),
        )
        .await;
    assert!(noted.status().is_success());
    for status in ["resolved", "closed"] {
        let (code, answer) = set_status(&app, &closed, &staff, status).await;
        assert_eq!(code, 200, "{status}: {answer}");
    }
    let before = stats(&app).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;

    // The dry run lists the closed case and changes nothing.
    let listed = retention(&app, &["--dry-run"]);
    let ticket = app
        .get(&format!("/v1/reports/{closed}"), &staff)
        .await
        .json::<Value>()
        .await
        .expect("json")["ticket"]
        .as_str()
        .expect("ticket")
        .to_owned();
    assert!(listed.contains(&format!("{ticket}\tclosed\t")), "{listed}");
    assert!(listed.contains("would erase: 1"), "{listed}");
    assert_eq!(erased_at(&app, &closed).await, None);

    // The worker erases it.
    worker.stop().await;
    let worker = Worker::start(app.config());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while erased_at(&app, &closed).await.is_none() {
        assert!(tokio::time::Instant::now() < deadline, "not erased");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let supervisor = app.token(Role::Supervisor);
    let report: Value = app
        .get(&format!("/v1/reports/{closed}"), &supervisor)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(report["status"], "closed");
    assert_eq!(report["description"], "[dihapus]", "{report}");
    assert_eq!(report["address"], "[dihapus]");
    assert!(report["reporter"]["name"].is_null(), "{report}");
    assert!(report["reporter"]["phone"].is_null(), "{report}");
    assert_eq!(report["location"]["lat"], json!(-0.69), "{report}");
    assert_eq!(report["location"]["lon"], json!(100.95), "{report}");
    let notes: Vec<&Value> = report["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e.get("note"))
        .filter(|n| !n.is_null())
        .collect();
    assert!(
        !notes.is_empty() && notes.iter().all(|n| *n == "[dihapus]"),
        "{notes:?}"
    );

    let client = app.db.client().await;
    let row = client
        .query_one(
            "SELECT count(*) FILTER (WHERE name IS NOT NULL OR nik IS NOT NULL OR nik_index IS NOT NULL \
                OR phone IS NOT NULL OR birth_date IS NOT NULL OR address <> '[dihapus]'), \
                count(*) FILTER (WHERE age IS NULL), count(*) \
             FROM beneficiaries WHERE report_id = $1::text::uuid",
            &[&closed],
        )
        .await
        .expect("people");
    assert_eq!(row.get::<_, i64>(0), 0, "no personal data left");
    assert_eq!(row.get::<_, i64>(1), 0, "every age kept");
    assert_eq!(row.get::<_, i64>(2), 2);
    let left: i64 = client
        .query_one(
            "SELECT (SELECT count(*) FROM report_people WHERE report_id = $1::text::uuid) \
              + (SELECT count(*) FROM assessments WHERE report_id = $1::text::uuid AND findings <> '[dihapus]') \
              + (SELECT count(*) FROM services WHERE report_id = $1::text::uuid \
                   AND (note <> '[dihapus]' OR received_by <> '[dihapus]')) \
              + (SELECT count(*) FROM reports WHERE id = $1::text::uuid \
                   AND (reporter_phone_index IS NOT NULL OR beneficiaries::text LIKE '%Rahmah%'))",
            &[&closed],
        )
        .await
        .expect("left")
        .get(0);
    assert_eq!(left, 0, "nothing personal is left anywhere");

    let file = app
        .get(&format!("/v1/attachments/{attachment}"), &supervisor)
        .await;
    assert_eq!(file.status(), 410, "the photo is gone");
    let listed: Value = app
        .get(&format!("/v1/reports/{closed}/attachments"), &supervisor)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(listed["items"][0]["filename"], "[dihapus]", "{listed}");

    // The open case is untouched.
    let untouched: Value = app
        .get(&format!("/v1/reports/{open}"), &supervisor)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(untouched["reporter"]["name"], "Siti Aminah");
    assert_eq!(untouched["beneficiaries"][0]["name"], "Nenek Rahmah");
    assert_eq!(erased_at(&app, &open).await, None);

    // The statistics count the same.
    assert_eq!(stats(&app).await, before);

    // Running again changes nothing more.
    let first_erased = erased_at(&app, &closed).await;
    assert!(retention(&app, &[]).contains("erased: 0"));
    assert!(retention(&app, &["--dry-run"]).contains("would erase: 0"));
    assert_eq!(erased_at(&app, &closed).await, first_erased);
    worker.stop().await;
}
