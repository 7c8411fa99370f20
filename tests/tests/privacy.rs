//! Personal data at rest (UU PDP): NIKs and phone numbers are stored
//! encrypted, found through blind indexes, re-encrypted by
//! `sigap-api keys rotate`, and a process outside development refuses to
//! start without keys.

use crate::client_auth::ServeProcess;
use futures_util::StreamExt;
use serde_json::{Value, json};
use sigap_domain::Role;
use sigap_tests::{
    ApiServer, DATA_KEYS, INDEX_KEY, JWT_SECRET, TestApp, TestDb, Worker, config, report_body,
    spawn_app, spawn_app_on, spawn_app_with,
};
use std::time::Duration;

/// The unit that serves the elderly of Sijunjung (13.03).
const UNIT: &str = "SENTRA-MULYA-JAYA";

/// A second key, put first in the ring to rotate to.
const NEW_KEY: &str = "t2:dGVzdC1yb3RhdGVkLWtleS0wMTIzNDU2Nzg5YWJjZGU=";

/// A valid NIK of a woman born 17 August 1945 in Sijunjung, serial `n`.
fn nik(n: usize) -> String {
    format!("130301570845{:04}", n % 10_000)
}

/// The national digits of the reporter's and the person's phones of report
/// `n`, as the dump is searched for them (they are written +62… or 0…).
fn phones(n: usize) -> (String, String) {
    (format!("857{n:08}"), format!("813{n:08}"))
}

/// Report `n`, with a reporter's phone and a person with a NIK and a phone.
fn personal_report(n: usize) -> Value {
    let (reporter, person) = phones(n);
    let mut body = report_body();
    body["reporter"]["phone"] = json!(format!("0{reporter}"));
    body["beneficiaries"] = json!([{
        "name": format!("Warga {n}"), "age": 70, "sex": "F",
        "nik": nik(n), "phone": format!("+62{person}")
    }]);
    body
}

/// Files reports `range` through the api at `address`, 16 at a time; their
/// ids by `n`.
async fn file_personal(
    app: &TestApp,
    address: &str,
    range: std::ops::Range<usize>,
) -> Vec<(usize, String)> {
    let token = app.token(Role::Operator);
    futures_util::stream::iter(range)
        .map(|n| {
            let token = token.clone();
            async move {
                let response = app
                    .http
                    .post(format!("{address}/v1/reports"))
                    .bearer_auth(&token)
                    .json(&personal_report(n))
                    .send()
                    .await
                    .expect("request");
                assert_eq!(response.status(), 201, "report {n}");
                let filed: Value = response.json().await.expect("json");
                (n, filed["id"].as_str().expect("id").to_owned())
            }
        })
        .buffer_unordered(16)
        .collect()
        .await
}

/// The report as an operator reads it from the api at `address` shows
/// report `n`'s data unchanged.
async fn assert_reads_back(app: &TestApp, address: &str, n: usize, id: &str) {
    let report: Value = app
        .http
        .get(format!("{address}/v1/reports/{id}"))
        .bearer_auth(app.token(Role::Operator))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let (reporter, person) = phones(n);
    assert_eq!(
        report["reporter"]["phone"],
        json!(format!("+62{reporter}")),
        "{report}"
    );
    let listed = &report["beneficiaries"][0];
    assert_eq!(listed["nik"], json!(nik(n)), "{report}");
    assert_eq!(listed["phone"], json!(format!("+62{person}")), "{report}");
    assert!(listed.get("nik_index").is_none() && listed.get("phone_index").is_none());
}

/// The whole database as `pg_dump` writes it.
fn dump(url: &str) -> String {
    let output = std::process::Command::new("pg_dump")
        .arg("--no-owner")
        .arg(url)
        .output()
        .expect("run pg_dump");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("a text dump")
}

/// Runs `sigap-api` on the database at `url` with the key ring `keys`.
fn sigap_api(url: &str, keys: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(sigap_tests::binary("sigap-api"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", url)
        .env("SIGAP_JWT_SECRET", JWT_SECRET)
        .env("SIGAP_DATA_KEYS", keys)
        .env("SIGAP_INDEX_KEY", INDEX_KEY)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run sigap-api (cargo build builds it first)")
}

/// `sigap-api keys rotate`; what it printed.
fn rotate(url: &str, keys: &str) -> String {
    let output = sigap_api(url, keys, &["keys", "rotate", "--batch", "50"]);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// Every stored NIK and phone: ciphertext as it is stored, by where.
async fn stored_values(db: &TestDb) -> Vec<(String, String)> {
    let client = db.client().await;
    let rows = client
        .query(
            "SELECT 'reports.reporter_phone', reporter_phone FROM reports WHERE reporter_phone IS NOT NULL \
             UNION ALL SELECT 'reports.beneficiaries.' || f, e ->> f \
               FROM reports, jsonb_array_elements(beneficiaries) e, unnest(ARRAY['nik', 'phone']) f \
               WHERE e ->> f IS NOT NULL \
             UNION ALL SELECT 'beneficiaries.nik', nik FROM beneficiaries WHERE nik IS NOT NULL \
             UNION ALL SELECT 'beneficiaries.phone', phone FROM beneficiaries WHERE phone IS NOT NULL",
            &[],
        )
        .await
        .expect("stored values");
    rows.iter().map(|r| (r.get(0), r.get(1))).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dump_of_a_thousand_reports_holds_none_of_their_niks_and_phones() {
    let app = spawn_app().await;
    let filed = file_personal(&app, &app.address, 1..1001).await;
    assert_eq!(filed.len(), 1000);

    let text = dump(&app.db.url);
    assert!(text.contains("Warga 500"), "the dump holds the reports");
    let mut searched = 0;
    for n in 1..1001 {
        let (reporter, person) = phones(n);
        for value in [nik(n), reporter, person] {
            assert!(!text.contains(&value), "{value} is in the dump");
            searched += 1;
        }
    }
    assert_eq!(searched, 3000);

    // Those who may see the data read it as it was given.
    for (n, id) in filed.iter().take(20) {
        assert_reads_back(&app, &app.address, *n, id).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn duplicates_are_still_found_by_nik_and_by_phone() {
    let app = spawn_app().await;
    let filed = file_personal(&app, &app.address, 7..8).await;
    let operator = app.token(Role::Operator);
    let (_, person) = phones(7);
    for (someone, reason) in [
        (json!({"name": "Orang Lain", "nik": nik(7)}), "same_nik"),
        (
            json!({"name": "Orang Lain", "phone": format!("0{person}")}),
            "same_phone",
        ),
    ] {
        let mut body = report_body();
        body["beneficiaries"] = json!([someone]);
        let answer: Value = app
            .post("/v1/reports:check", &operator, &body)
            .await
            .json()
            .await
            .expect("json");
        let found = answer["possible_duplicates"].as_array().expect("a list");
        assert_eq!(found.len(), 1, "{answer}");
        assert_eq!(found[0]["report_id"], json!(filed[0].1));
        assert!(
            found[0]["reasons"]
                .as_array()
                .expect("reasons")
                .contains(&json!(reason)),
            "{answer}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn reports_filed_during_key_rotation_are_readable_afterwards_all_under_the_new_key() {
    let app = spawn_app().await;
    let before = file_personal(&app, &app.address, 1..301).await;
    assert!(
        stored_values(&app.db)
            .await
            .iter()
            .all(|(_, v)| v.starts_with("enc1:t1:"))
    );

    // The new key goes first in the ring of the serving api, then the
    // rotation runs while reports keep coming in.
    let ring = format!("{NEW_KEY},{DATA_KEYS}");
    let api = ApiServer::start(config(
        &app.db,
        &app.broker.prefix,
        &[("SIGAP_DATA_KEYS", &ring)],
    ))
    .await;
    let rotation = {
        let (url, ring) = (app.db.url.clone(), ring.clone());
        tokio::task::spawn_blocking(move || rotate(&url, &ring))
    };
    let during = file_personal(&app, &api.address, 301..501).await;
    let printed = rotation.await.expect("rotation");
    assert!(printed.contains("re-encrypted under key t2"), "{printed}");

    // Everything is under the new key now: another run finds nothing.
    let values = stored_values(&app.db).await;
    assert_eq!(values.len(), 500 * 5);
    let stale: Vec<_> = values
        .iter()
        .filter(|(_, v)| !v.starts_with("enc1:t2:"))
        .collect();
    assert!(stale.is_empty(), "{stale:?}");
    let again = rotate(&app.db.url, &ring);
    assert!(
        again.contains("reporter_phones: 0") && again.contains("people_lists: 0"),
        "{again}"
    );

    // An api holding the new key alone reads every report.
    api.stop().await;
    let only_new = ApiServer::start(config(
        &app.db,
        &app.broker.prefix,
        &[("SIGAP_DATA_KEYS", NEW_KEY)],
    ))
    .await;
    for (n, id) in before.iter().chain(during.iter()) {
        assert_reads_back(&app, &only_new.address, *n, id).await;
    }
    only_new.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn values_stored_before_encryption_are_encrypted_by_keys_rotate_and_found_again() {
    let db = TestDb::new().await;
    sigap_store::db::revert_through(&db.url, "20261207000023")
        .await
        .expect("revert");
    let client = db.client().await;
    client
        .execute(
            "INSERT INTO reports (id, ticket, channel, category, need, urgency, region_code, \
             province_code, latitude, longitude, description, filed_by, tracking_code, \
             reporter_name, reporter_phone, beneficiaries, beneficiary_count) \
             VALUES ('0190a000-0000-7000-8000-000000000001', 'CC-2026-000001', 'hotline', 'elderly', \
             'assistive_device', 'high', '13.03', '13', -0.69, 100.95, 'Lansia butuh kursi roda', \
             'operator-1', 'CC-2026-000001-K7QM2X', 'Pelapor', '+6285700000042', $1::text::jsonb, 1)",
            &[&json!([{"name": "Nenek Rahmah", "age": 81, "sex": "F",
                        "nik": nik(42), "phone": "+6281300000042"}])
            .to_string()],
        )
        .await
        .expect("a report filed before encryption");
    sigap_store::db::migrate(&db.url).await.expect("migrate");
    let printed = rotate(&db.url, DATA_KEYS);
    assert!(printed.contains("reporter_phones: 1"), "{printed}");
    assert!(printed.contains("people_lists: 1"), "{printed}");

    let text = dump(&db.url);
    for value in [nik(42), "85700000042".into(), "81300000042".into()] {
        assert!(!text.contains(&value), "{value} is still in the dump");
    }
    let stored = stored_values(&db).await;
    assert_eq!(stored.len(), 5, "{stored:?}");
    assert!(
        stored.iter().all(|(_, v)| v.starts_with("enc1:t1:")),
        "{stored:?}"
    );

    // The api reads the report as it was filed, and finds the person again
    // by NIK.
    let app = spawn_app_on(db, &[]).await;
    let id = "0190a000-0000-7000-8000-000000000001";
    assert_reads_back(&app, &app.address, 42, id).await;
    let mut probe = report_body();
    probe["beneficiaries"] = json!([{"name": "Orang Lain", "nik": nik(42)}]);
    let answer: Value = app
        .post("/v1/reports:check", &app.token(Role::Operator), &probe)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        answer["possible_duplicates"][0]["report_id"],
        json!(id),
        "{answer}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_api_and_the_worker_refuse_to_start_without_keys_outside_development() {
    for (binary, args) in [("sigap-api", vec!["serve"]), ("sigap-worker", vec![])] {
        let run = |keys: &[(&str, &str)]| {
            let mut command = std::process::Command::new(sigap_tests::binary(binary));
            command
                .args(&args)
                .env_clear()
                .env("PATH", std::env::var("PATH").unwrap_or_default())
                .env("SIGAP_JWT_SECRET", JWT_SECRET)
                .env("SIGAP_BIND", "127.0.0.1:0")
                .env("DATABASE_URL", "postgres://127.0.0.1:1/none")
                .env("AMQP_URL", "amqp://127.0.0.1:1/%2f");
            for (k, v) in keys {
                command.env(k, v);
            }
            let output = command.output().expect("run (cargo build builds it first)");
            assert!(!output.status.success(), "{binary} started with {keys:?}");
            String::from_utf8_lossy(&output.stderr).into_owned()
        };
        let stderr = run(&[]);
        assert!(
            stderr.contains("SIGAP_DATA_KEYS is required outside development"),
            "{binary}: {stderr}"
        );
        let stderr = run(&[("SIGAP_DATA_KEYS", DATA_KEYS)]);
        assert!(
            stderr.contains("SIGAP_INDEX_KEY is required outside development"),
            "{binary}: {stderr}"
        );
        let stderr = run(&[
            ("SIGAP_DATA_KEYS", "t1:short"),
            ("SIGAP_INDEX_KEY", INDEX_KEY),
        ]);
        assert!(
            stderr.contains("SIGAP_DATA_KEYS: key \"t1\" must be the base64 of 32 bytes"),
            "{binary}: {stderr}"
        );
    }
}

/// The access log of report `id` as a supervisor reads it.
async fn access_log(app: &TestApp, id: &str) -> Vec<Value> {
    let response = app
        .get(
            &format!("/v1/reports/{id}/access-log"),
            &app.token(Role::Supervisor),
        )
        .await;
    assert_eq!(response.status(), 200);
    let page: Value = response.json().await.expect("json");
    page["items"].as_array().expect("items").clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn each_answer_showing_personal_data_is_logged_and_a_queue_poll_is_not() {
    let app = spawn_app_with(&[("SIGAP_ACCESS_LOG_INTERVAL", "100ms")]).await;
    let worker = Worker::start(app.config());
    let id = file_personal(&app, &app.address, 1..2).await[0].1.clone();
    app.wait_for_status(&id, "assigned", Duration::from_secs(15))
        .await;
    let staff = app.token_with(Role::UptStaff, "staff-1", Some(UNIT), None);

    // Waiting for the assignment read the report as a supervisor: those
    // reads are logged. Lists and answers without personal data add nothing.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let earlier = access_log(&app, &id).await.len();
    assert!(earlier >= 1);
    let queue = app.get(&format!("/v1/units/{UNIT}/cases"), &staff).await;
    assert_eq!(queue.status(), 200);
    let regional = app.token_with(Role::Regional, "regional-1", None, Some("13"));
    assert_eq!(
        app.get(&format!("/v1/reports/{id}"), &regional)
            .await
            .status(),
        200
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(access_log(&app, &id).await.len(), earlier);

    // Each personal read writes one row.
    let report = app
        .get(&format!("/v1/reports/{id}"), &app.token(Role::Operator))
        .await;
    let request_id = report
        .headers()
        .get("x-request-id")
        .map(|v| v.to_str().expect("text").to_owned());
    let report: Value = report.json().await.expect("json");
    let people = app
        .get(&format!("/v1/reports/{id}/beneficiaries"), &staff)
        .await;
    assert_eq!(people.status(), 200);
    let person_id = report["beneficiaries"][0]["id"]
        .as_str()
        .expect("person id")
        .to_owned();
    let person = app
        .get(
            &format!("/v1/beneficiaries/{person_id}"),
            &app.token(Role::Supervisor),
        )
        .await;
    assert_eq!(person.status(), 200);
    tokio::time::sleep(Duration::from_millis(600)).await;

    let mut log = access_log(&app, &id).await;
    assert_eq!(log.len(), earlier + 3);
    log.truncate(3);
    let actions: Vec<&str> = log
        .iter()
        .map(|e| e["action"].as_str().expect("action"))
        .collect();
    assert_eq!(
        actions,
        ["beneficiary_view", "beneficiary_list", "report_view"],
        "{log:?}"
    );
    let roles: Vec<&str> = log
        .iter()
        .map(|e| e["role"].as_str().expect("role"))
        .collect();
    assert_eq!(roles, ["supervisor", "upt_staff", "operator"]);
    for entry in &log {
        assert_eq!(entry["actor_kind"], "staff");
        assert_eq!(entry["beneficiary_ids"], json!([person_id]), "{entry}");
        assert!(entry["request_id"].as_str().is_some_and(|r| !r.is_empty()));
    }
    if let Some(request_id) = request_id {
        assert_eq!(log[2]["request_id"], json!(request_id));
    }

    // Supervisors and admins read the log; the others may not.
    let path = format!("/v1/reports/{id}/access-log");
    assert_eq!(app.get(&path, &app.token(Role::Admin)).await.status(), 200);
    for role in [Role::Operator, Role::Regional, Role::UptStaff] {
        assert_eq!(
            app.get(&path, &app.token(role)).await.status(),
            403,
            "{role}"
        );
    }
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_access_log_queued_at_a_clean_shutdown_is_written() {
    let app = spawn_app().await;
    let id = file_personal(&app, &app.address, 1..2).await[0].1.clone();
    // Entries wait for an hour: only the shutdown writes them.
    let serve = ServeProcess::start_with(&app, &[("SIGAP_ACCESS_LOG_INTERVAL", "1h")]);
    let read = app
        .http
        .get(format!("{}/v1/reports/{id}", serve.address))
        .bearer_auth(app.token(Role::Operator))
        .send()
        .await
        .expect("request");
    assert_eq!(read.status(), 200);
    assert_eq!(logged_reads(&app.db, &id).await, 0);
    serve.stop();
    assert_eq!(logged_reads(&app.db, &id).await, 1);
}

/// How many access log rows name report `id`.
async fn logged_reads(db: &TestDb, id: &str) -> i64 {
    db.client()
        .await
        .query_one(
            "SELECT count(*) FROM access_log WHERE report_id = $1::text::uuid",
            &[&id],
        )
        .await
        .expect("count")
        .get(0)
}

/// Access-log rows of `action`: (actor, actor_kind, role, report, export).
async fn logged(
    db: &TestDb,
    action: &str,
) -> Vec<(String, String, String, Option<String>, Option<String>)> {
    db.client()
        .await
        .query(
            "SELECT actor, actor_kind, role, report_id::text, export_id::text FROM access_log \
             WHERE action = $1 ORDER BY id",
            &[&action],
        )
        .await
        .expect("access log")
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
        .collect()
}

/// Asks for an export as `token` and downloads its file once ready; the
/// export's id.
async fn download_export(app: &TestApp, token: &str, kind: &str) -> String {
    let asked = app
        .post(
            "/v1/exports",
            token,
            &json!({"kind": kind, "format": "csv"}),
        )
        .await;
    assert_eq!(asked.status(), 202);
    let export: Value = asked.json().await.expect("json");
    let id = export["id"].as_str().expect("id").to_owned();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let view: Value = app
            .get(&format!("/v1/exports/{id}"), token)
            .await
            .json()
            .await
            .expect("json");
        if view["status"] == "ready" {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "not ready: {view}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let file = app.get(&format!("/v1/exports/{id}/file"), token).await;
    assert_eq!(file.status(), 200);
    file.bytes().await.expect("file");
    id
}

#[tokio::test(flavor = "multi_thread")]
async fn export_downloads_and_partner_open311_reads_are_logged_and_public_reads_are_not() {
    let app = spawn_app_with(&[
        ("SIGAP_ACCESS_LOG_INTERVAL", "100ms"),
        ("SIGAP_EXPORT_POLL_INTERVAL", "100ms"),
    ])
    .await;
    let worker = Worker::start(app.config());
    let client: Value = app
        .post(
            "/v1/clients",
            &app.token(Role::Admin),
            &json!({"name": "Aplikasi kota", "scopes": ["open311"]}),
        )
        .await
        .json()
        .await
        .expect("json");
    let client_id = client["client_id"].as_str().expect("client_id").to_owned();
    let key = format!(
        "{client_id}:{}",
        client["client_secret"].as_str().expect("secret")
    );
    let filed: Value = app
        .http
        .post(app.url("/open311/v2/requests.json"))
        .form(&[
            ("api_key", key.as_str()),
            ("service_code", "elderly"),
            ("lat", "-0.69"),
            ("long", "100.95"),
            ("address_string", "Jorong Koto Tuo"),
            ("description", "Lansia tinggal sendiri."),
            ("first_name", "Siti"),
            ("phone", "081234567890"),
        ])
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
    let report_id: String = app
        .db
        .client()
        .await
        .query_one("SELECT id::text FROM reports WHERE ticket = $1", &[&ticket])
        .await
        .expect("report")
        .get(0);
    let one = format!("/open311/v2/requests/{ticket}.json");

    // Without a key: the public form, nothing logged.
    let public = app.http.get(app.url(&one)).send().await.expect("request");
    assert_eq!(public.status(), 200);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(logged(&app.db, "open311_request").await.is_empty());

    // The partner reads it in full, alone and in its list: one row each.
    for path in [one.as_str(), "/open311/v2/requests.json"] {
        let read = app
            .http
            .get(app.url(path))
            .header("X-Api-Key", &key)
            .send()
            .await
            .expect("request");
        assert_eq!(read.status(), 200, "{path}");
        let body: Value = read.json().await.expect("json");
        assert_eq!(body[0]["description"], "Lansia tinggal sendiri.", "in full");
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let expected = (
        client_id.clone(),
        "client".to_owned(),
        "integrator".to_owned(),
        Some(report_id.clone()),
        None,
    );
    assert_eq!(
        logged(&app.db, "open311_request").await,
        [expected.clone(), expected]
    );

    // A reports export holds personal data for a supervisor: its download
    // is logged; a statistics export holds none.
    let supervisor = app.token(Role::Supervisor);
    let export = download_export(&app, &supervisor, "reports").await;
    download_export(&app, &supervisor, "stats").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        logged(&app.db, "export_download").await,
        [(
            "supervisor-test".to_owned(),
            "staff".to_owned(),
            "supervisor".to_owned(),
            None,
            Some(export)
        )]
    );
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn case_work_reads_that_show_a_person_are_logged_and_a_redacted_read_is_not() {
    use crate::attachments::{form, png, upload};
    use crate::casework::{acknowledged_case, assessment, day, send, sijunjung_report};

    let app = spawn_app_with(&[("SIGAP_ACCESS_LOG_INTERVAL", "100ms")]).await;
    let worker = Worker::start(app.config());
    let staff = app.token(Role::UptStaff);
    let id = acknowledged_case(&app, &sijunjung_report()).await;
    let person = app.people_of(&id, &staff).await;
    let person = person.values().next().expect("a person").to_owned();
    let (code, _) = send(
        &app,
        &format!("/v1/beneficiaries/{person}/assessments"),
        &staff,
        assessment(true, json!([])),
    )
    .await;
    assert_eq!(code, 201);
    let (code, service) = send(
        &app,
        &format!("/v1/beneficiaries/{person}/services"),
        &staff,
        json!({"component": "accessibility_support", "modality": "community_based",
               "item": "wheelchair", "quantity": 1, "due_on": day(3),
               "note": "Ukuran kursi untuk lansia"}),
    )
    .await;
    assert_eq!(code, 201, "{service}");
    let uploaded = upload(
        &app,
        &staff,
        &id,
        form(
            "surat.png",
            "image/png",
            &png(),
            &[("note", "Surat permohonan")],
        ),
    )
    .await;
    assert_eq!(uploaded.status(), 201);
    let attachment: Value = uploaded.json().await.expect("json");
    tokio::time::sleep(Duration::from_millis(600)).await;
    let before = access_log(&app, &id).await.len();

    // A regional office without the person's consent reads the same lists
    // redacted: nothing personal shown, nothing logged.
    let regional = app.token_with(Role::Regional, "regional-13", None, Some("13"));
    for path in [
        format!("/v1/beneficiaries/{person}/assessments"),
        format!("/v1/reports/{id}/services"),
    ] {
        assert_eq!(app.get(&path, &regional).await.status(), 200, "{path}");
    }
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(access_log(&app, &id).await.len(), before);

    // The unit reads its person's assessments, the case's services, its
    // delivery list and the letter: one row each, naming the person.
    for path in [
        format!("/v1/beneficiaries/{person}/assessments"),
        format!("/v1/reports/{id}/services"),
        format!("/v1/units/{UNIT}/services"),
        format!(
            "/v1/attachments/{}",
            attachment["id"].as_str().expect("attachment id")
        ),
    ] {
        assert_eq!(app.get(&path, &staff).await.status(), 200, "{path}");
    }
    tokio::time::sleep(Duration::from_millis(600)).await;
    let log = access_log(&app, &id).await;
    assert_eq!(log.len(), before + 4, "{log:?}");
    let actions: Vec<&str> = log[..4]
        .iter()
        .map(|e| e["action"].as_str().expect("action"))
        .collect();
    assert_eq!(
        actions,
        [
            "attachment_download",
            "unit_service_list",
            "service_list",
            "assessment_list"
        ]
    );
    for entry in &log[1..4] {
        assert_eq!(entry["beneficiary_ids"], json!([person]), "{entry}");
        assert_eq!(entry["role"], "upt_staff");
    }
    worker.stop().await;
}
