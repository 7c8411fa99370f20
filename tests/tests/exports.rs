//! Exports: asked for over HTTP, built by a real worker, read back as a
//! spreadsheet program would (CSV parsed, XLSX opened with calamine).

use calamine::{Data, DataType, Reader, Xlsx};
use serde_json::{Value, json};
use sigap_domain::Role;
use sigap_tests::{TestApp, Worker, WorkerProcess, functioning, report_body, spawn_app_with};
use std::io::Cursor;
use std::time::Duration;

const INJECTIONS: [&str; 4] = [
    "=HYPERLINK(\"http://evil.example\",\"klik\")",
    "+1 lansia butuh kursi roda",
    "@SUM(A1:A9) lansia sendirian",
    "-2 hari tanpa makanan",
];

async fn file_injected_reports(app: &TestApp) {
    for description in INJECTIONS {
        let mut body = report_body();
        body["description"] = json!(description);
        app.file(&body).await;
    }
}

/// Asks for an export and waits until it is ready; its view.
async fn export(app: &TestApp, token: &str, body: Value) -> Value {
    let response = app.post("/v1/exports", token, &body).await;
    assert_eq!(response.status(), 202, "{body}");
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("Location")
        .to_owned();
    let queued: Value = response.json().await.expect("json");
    assert_eq!(queued["status"], "queued");
    assert_eq!(
        location,
        format!("/v1/exports/{}", queued["id"].as_str().expect("id"))
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let view: Value = app.get(&location, token).await.json().await.expect("json");
        if view["status"] == "ready" {
            return view;
        }
        assert_ne!(view["status"], "failed", "{view}");
        assert!(tokio::time::Instant::now() < deadline, "not ready: {view}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn download(
    app: &TestApp,
    token: &str,
    view: &Value,
) -> (reqwest::header::HeaderMap, Vec<u8>) {
    let response = app.get(view["file"].as_str().expect("file"), token).await;
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    (headers, response.bytes().await.expect("bytes").to_vec())
}

fn csv_rows(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 byte-order mark");
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let headers = reader
        .headers()
        .expect("headers")
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.expect("record").iter().map(str::to_owned).collect())
        .collect();
    (headers, rows)
}

fn column(headers: &[String], name: &str) -> usize {
    headers
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {headers:?}"))
}

fn sheet(bytes: Vec<u8>, name: &str) -> calamine::Range<Data> {
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("xlsx");
    workbook.worksheet_range(name).expect("sheet")
}

fn headers_of(range: &calamine::Range<Data>) -> Vec<String> {
    range
        .rows()
        .next()
        .expect("header row")
        .iter()
        .map(|c| c.to_string())
        .collect()
}

fn neutralised() -> Vec<String> {
    let mut expected: Vec<String> = INJECTIONS.iter().map(|d| format!("'{d}")).collect();
    expected.sort();
    expected
}

#[tokio::test(flavor = "multi_thread")]
async fn reports_export_as_csv_and_xlsx_with_formulas_neutralised_and_personal_data_for_supervisors_only()
 {
    let app = spawn_app_with(&[("SIGAP_EXPORT_POLL_INTERVAL", "100ms")]).await;
    let worker = Worker::start(app.config());
    file_injected_reports(&app).await;
    let supervisor = app.token(Role::Supervisor);

    // CSV, as a supervisor: every column, descriptions neutralised.
    let view = export(
        &app,
        &supervisor,
        json!({"kind": "reports", "format": "csv"}),
    )
    .await;
    assert_eq!(view["row_count"], 4);
    let (headers, bytes) = download(&app, &supervisor, &view).await;
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    let disposition = headers["content-disposition"].to_str().expect("ascii");
    assert!(
        disposition.starts_with("attachment; filename=\"sigap-reports-")
            && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let (columns, rows) = csv_rows(&bytes);
    assert_eq!(rows.len(), 4);
    for header in [
        "Nomor tiket",
        "Kategori",
        "Tanggal lapor (UTC)",
        "Nama pelapor",
        "Telepon pelapor",
        "Alamat",
        "Deskripsi",
    ] {
        column(&columns, header);
    }
    let mut descriptions: Vec<String> = rows
        .iter()
        .map(|r| r[column(&columns, "Deskripsi")].clone())
        .collect();
    descriptions.sort();
    assert_eq!(descriptions, neutralised());
    assert!(
        rows.iter()
            .all(|r| r[column(&columns, "Nama pelapor")] == "Siti Aminah")
    );
    assert!(
        rows.iter()
            .all(|r| r[column(&columns, "Kategori")] == "Lanjut usia")
    );

    // XLSX: typed cells, the same neutralising.
    let view = export(
        &app,
        &supervisor,
        json!({"kind": "reports", "format": "xlsx"}),
    )
    .await;
    let (headers, bytes) = download(&app, &supervisor, &view).await;
    assert_eq!(
        headers["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let range = sheet(bytes, "Laporan");
    let columns = headers_of(&range);
    let data: Vec<&[Data]> = range.rows().skip(1).collect();
    assert_eq!(data.len(), 4);
    let mut descriptions: Vec<String> = data
        .iter()
        .map(|r| r[column(&columns, "Deskripsi")].to_string())
        .collect();
    descriptions.sort();
    assert_eq!(descriptions, neutralised());
    for row in &data {
        assert!(
            matches!(
                row[column(&columns, "Tanggal lapor (UTC)")],
                Data::DateTime(_)
            ),
            "a date: {:?}",
            row
        );
        assert_eq!(
            row[column(&columns, "Jumlah penerima manfaat")],
            Data::Float(1.0)
        );
        assert!(
            matches!(row[column(&columns, "Nomor tiket")], Data::String(ref t) if t.starts_with("CC-"))
        );
    }

    // A regional office: its province's reports, without the reporter's
    // columns or the description.
    let regional = app.token(Role::Regional);
    let view = export(
        &app,
        &regional,
        json!({"kind": "reports", "format": "xlsx", "filters": {"category": "elderly"}}),
    )
    .await;
    assert_eq!(view["row_count"], 4);
    let (_, bytes) = download(&app, &regional, &view).await;
    let columns = headers_of(&sheet(bytes, "Laporan"));
    for private in ["Nama pelapor", "Telepon pelapor", "Alamat", "Deskripsi"] {
        assert!(
            !columns.iter().any(|c| c == private),
            "{private} in {columns:?}"
        );
    }
    column(&columns, "Nomor tiket");
    // Another province's office exports nothing of it.
    let other = app.token_with(Role::Regional, "jatim", None, Some("35"));
    let view = export(&app, &other, json!({"kind": "reports", "format": "csv"})).await;
    assert_eq!(view["row_count"], 0);
    // Filters are those of the list.
    let view = export(
        &app,
        &supervisor,
        json!({"kind": "reports", "format": "csv", "filters": {"category": "child"}}),
    )
    .await;
    assert_eq!(view["row_count"], 0);

    // Beneficiaries: one row per person, names only for those who may see them.
    let view = export(
        &app,
        &supervisor,
        json!({"kind": "beneficiaries", "format": "csv"}),
    )
    .await;
    assert_eq!(view["row_count"], 4);
    let (_, bytes) = download(&app, &supervisor, &view).await;
    let (columns, rows) = csv_rows(&bytes);
    assert!(
        rows.iter()
            .all(|r| r[column(&columns, "Nama")] == "Nenek Rahmah"
                && r[column(&columns, "Usia")] == "78")
    );
    let view = export(
        &app,
        &regional,
        json!({"kind": "beneficiaries", "format": "csv"}),
    )
    .await;
    let (_, bytes) = download(&app, &regional, &view).await;
    let (columns, rows) = csv_rows(&bytes);
    assert_eq!(rows.len(), 4);
    // The people's columns are there for the people who consented to
    // sharing with regional offices; nobody here did: all empty.
    for private in ["Nama", "NIK", "Telepon"] {
        let at = column(&columns, private);
        assert!(rows.iter().all(|r| r[at].is_empty()), "{private}");
    }
    assert!(rows.iter().all(|r| r[column(&columns, "Usia")] == "78"));
    assert!(!String::from_utf8_lossy(&bytes).contains("Rahmah"));

    // Statistics: one sheet per grouping.
    let view = export(
        &app,
        &supervisor,
        json!({"kind": "stats", "format": "xlsx"}),
    )
    .await;
    let (_, bytes) = download(&app, &supervisor, &view).await;
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("xlsx");
    let names = workbook.sheet_names();
    for expected in [
        "Ringkasan",
        "Per provinsi",
        "Per kategori",
        "Per unit",
        "Per status",
        "Per hari",
        "SLA per unit",
        "Orang per jenis kelamin",
        "Orang per kesulitan",
        "Layanan per alat bantu",
        "Layanan per unit",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} in {names:?}"
        );
    }
    let categories = workbook.worksheet_range("Per kategori").expect("sheet");
    let elderly: Vec<&[Data]> = categories
        .rows()
        .filter(|r| r[0] == Data::String("elderly".into()))
        .collect();
    assert_eq!(elderly.len(), 1);
    assert_eq!(elderly[0][2], Data::Float(4.0));
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_export_is_its_requesters_and_admins_and_bad_requests_are_422() {
    let app = spawn_app_with(&[("SIGAP_EXPORT_POLL_INTERVAL", "100ms")]).await;
    let worker = Worker::start(app.config());
    app.file(&report_body()).await;
    let supervisor = app.token(Role::Supervisor);
    let view = export(
        &app,
        &supervisor,
        json!({"kind": "reports", "format": "csv"}),
    )
    .await;
    let id = view["id"].as_str().expect("id");
    let other_supervisor = app.token_with(Role::Supervisor, "someone-else", None, None);
    for path in [
        format!("/v1/exports/{id}"),
        format!("/v1/exports/{id}/file"),
    ] {
        assert_eq!(
            app.get(&path, &other_supervisor).await.status(),
            404,
            "{path}"
        );
        assert_eq!(
            app.get(&path, &app.token(Role::Operator)).await.status(),
            404,
            "{path}"
        );
        assert_eq!(
            app.get(&path, &app.token(Role::Admin)).await.status(),
            200,
            "{path}"
        );
    }
    for bad in [
        json!({"kind": "reports", "format": "pdf"}),
        json!({"kind": "everything", "format": "csv"}),
        json!({"kind": "reports", "format": "csv", "filters": {"colour": "red"}}),
        json!({"kind": "services", "format": "csv", "filters": {"colour": "red"}}),
        json!({"kind": "services", "format": "xlsx", "filters": [["assigned"]]}),
        json!({"kind": "stats", "format": "csv", "filters": {"from": "yesterday"}}),
    ] {
        assert_eq!(
            app.post("/v1/exports", &supervisor, &bad).await.status(),
            422,
            "{bad}"
        );
    }
    // A regional office may not export another province's statistics.
    let response = app
        .post(
            "/v1/exports",
            &app.token(Role::Regional),
            &json!({"kind": "stats", "format": "xlsx", "filters": {"region": "35"}}),
        )
        .await;
    assert_eq!(response.status(), 403);
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_past_its_time_is_deleted_and_gone() {
    let app = spawn_app_with(&[
        ("SIGAP_EXPORT_POLL_INTERVAL", "100ms"),
        ("SIGAP_EXPORT_TTL", "2s"),
    ])
    .await;
    let worker = Worker::start(app.config());
    app.file(&report_body()).await;
    let operator = app.token(Role::Operator);
    let view = export(
        &app,
        &operator,
        json!({"kind": "reports", "format": "xlsx"}),
    )
    .await;
    let file = view["file"].as_str().expect("file").to_owned();
    let expires: chrono::DateTime<chrono::Utc> = view["expires_at"]
        .as_str()
        .expect("expires_at")
        .parse()
        .expect("time");
    let finished: chrono::DateTime<chrono::Utc> = view["finished_at"]
        .as_str()
        .expect("finished_at")
        .parse()
        .expect("time");
    assert_eq!((expires - finished).num_seconds(), 2);
    assert_eq!(app.get(&file, &operator).await.status(), 200);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let response = app.get(&file, &operator).await;
    assert_eq!(response.status(), 410);
    let problem: Value = response.json().await.expect("json");
    assert_eq!(problem["type"], "/problems/gone");
    // The worker deletes the stored file.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let client = app.db.client().await;
    loop {
        let row = client
            .query_one(
                "SELECT e.status, (SELECT count(*) FROM export_chunks c WHERE c.export_id = e.id) \
                 FROM exports e WHERE e.id = $1::text::uuid",
                &[&view["id"].as_str().expect("id")],
            )
            .await
            .expect("row");
        let (status, chunks): (String, i64) = (row.get(0), row.get(1));
        if status == "expired" && chunks == 0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "still {status} with {chunks} chunks"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let view: Value = app
        .get(
            &format!("/v1/exports/{}", view["id"].as_str().expect("id")),
            &operator,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(view["status"], "expired");
    assert!(view["file"].is_null());
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn services_export_one_row_each_with_names_and_receivers_only_for_who_may_see_them() {
    let app = spawn_app_with(&[("SIGAP_EXPORT_POLL_INTERVAL", "100ms")]).await;
    let worker = Worker::start(app.config());
    let staff = app.token(Role::UptStaff);
    let mut body = report_body();
    body["beneficiaries"] = json!([
        {"name": "Nenek Rahmah", "age": 81, "sex": "F", "disability": "physical"},
        {"name": "Pak Yusuf", "age": 67, "sex": "M", "disability": "tunarungu"}
    ]);
    body["beneficiary_count"] = json!(70);
    let filed = app.file(&body).await;
    let id = filed["id"].as_str().expect("id").to_owned();
    let ticket = filed["ticket"].as_str().expect("ticket").to_owned();
    app.wait_for_status(&id, "assigned", Duration::from_secs(15))
        .await;
    app.ok(
        &format!("/v1/reports/{id}/status"),
        &staff,
        json!({"status": "acknowledged"}),
    )
    .await;
    let people = app.people_of(&id, &staff).await;
    let (rahmah, yusuf) = (&people["Nenek Rahmah"], &people["Pak Yusuf"]);
    app.assess(
        rahmah,
        &staff,
        true,
        functioning(&[("walking", "cannot_do_at_all")]),
    )
    .await;
    app.assess(
        yusuf,
        &staff,
        true,
        functioning(&[("hearing", "a_lot_of_difficulty")]),
    )
    .await;
    let wheelchair = app
        .plan(rahmah, &staff, "accessibility_support", Some("wheelchair"))
        .await;
    app.plan(yusuf, &staff, "accessibility_support", Some("hearing_aid"))
        .await;
    app.deliver(&wheelchair, &staff, "2025-03-20", "=BAST/SMJ/2025/0101")
        .await;

    // CSV, as a supervisor: one row per service, with the person's name and
    // who received it; text that a spreadsheet would run is neutralised.
    let supervisor = app.token(Role::Supervisor);
    let view = export(
        &app,
        &supervisor,
        json!({"kind": "services", "format": "csv"}),
    )
    .await;
    assert_eq!(view["row_count"], 2);
    assert_eq!(view["kind"], "services");
    let (_, bytes) = download(&app, &supervisor, &view).await;
    let (columns, rows) = csv_rows(&bytes);
    assert_eq!(rows.len(), 2);
    let cell = |row: &Vec<String>, name: &str| row[column(&columns, name)].clone();
    let chair = rows
        .iter()
        .find(|r| cell(r, "Alat bantu") == "wheelchair")
        .expect("the wheelchair");
    assert_eq!(cell(chair, "Nomor tiket"), ticket);
    assert_eq!(cell(chair, "Kode wilayah"), "13.03");
    assert_eq!(cell(chair, "Kode provinsi"), "13");
    assert_eq!(cell(chair, "Unit"), "SENTRA-MULYA-JAYA");
    assert_eq!(cell(chair, "Komponen ATENSI"), "accessibility_support");
    assert_eq!(cell(chair, "Modalitas"), "family_based");
    assert_eq!(cell(chair, "Jumlah"), "1");
    assert_eq!(cell(chair, "Status layanan"), "delivered");
    assert_eq!(cell(chair, "Jatuh tempo"), "2025-03-25");
    assert_eq!(cell(chair, "Tanggal serah terima"), "2025-03-20");
    assert_eq!(cell(chair, "Jumlah diserahkan"), "1");
    assert_eq!(cell(chair, "Nomor BAST"), "'=BAST/SMJ/2025/0101");
    assert_eq!(cell(chair, "Tindak lanjut jatuh tempo"), "2025-06-18");
    assert_eq!(cell(chair, "Nama penerima manfaat"), "Nenek Rahmah");
    assert_eq!(cell(chair, "Diterima oleh"), "Keluarga penerima");
    let aid = rows
        .iter()
        .find(|r| cell(r, "Alat bantu") == "hearing_aid")
        .expect("the hearing aid");
    assert_eq!(cell(aid, "Status layanan"), "planned");
    assert_eq!(cell(aid, "Tanggal serah terima"), "");
    assert_eq!(cell(aid, "Nama penerima manfaat"), "Pak Yusuf");

    // XLSX: typed cells (days as dates, numbers as numbers).
    let view = export(
        &app,
        &supervisor,
        json!({"kind": "services", "format": "xlsx", "filters": {"region": "13.03"}}),
    )
    .await;
    assert_eq!(view["row_count"], 2);
    let (_, bytes) = download(&app, &supervisor, &view).await;
    let range = sheet(bytes, "Layanan");
    let columns = headers_of(&range);
    let data: Vec<&[Data]> = range.rows().skip(1).collect();
    assert_eq!(data.len(), 2);
    let chair = data
        .iter()
        .find(|r| r[column(&columns, "Alat bantu")] == Data::String("wheelchair".into()))
        .expect("the wheelchair");
    assert!(
        matches!(
            chair[column(&columns, "Tanggal serah terima")],
            Data::DateTime(_)
        ),
        "a date: {chair:?}"
    );
    assert_eq!(
        chair[column(&columns, "Tanggal serah terima")].as_date(),
        chrono::NaiveDate::from_ymd_opt(2025, 3, 20)
    );
    assert_eq!(chair[column(&columns, "Jumlah")], Data::Float(1.0));
    assert_eq!(
        chair[column(&columns, "Nomor BAST")],
        Data::String("'=BAST/SMJ/2025/0101".into())
    );
    assert_eq!(
        chair[column(&columns, "Nama penerima manfaat")],
        Data::String("Nenek Rahmah".into())
    );

    // A regional office: its province's services, without the names of
    // people who did not consent to sharing with regional offices (the
    // columns are there, empty).
    let regional = app.token(Role::Regional);
    let view = export(
        &app,
        &regional,
        json!({"kind": "services", "format": "csv"}),
    )
    .await;
    assert_eq!(view["row_count"], 2);
    let (_, bytes) = download(&app, &regional, &view).await;
    let (columns, _) = csv_rows(&bytes);
    column(&columns, "Nama penerima manfaat");
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        !text.contains("Rahmah") && !text.contains("Keluarga penerima"),
        "{text}"
    );
    assert!(text.contains("BAST/SMJ/2025/0101"));
    // Under her consent for regional offices: her name and receiver, and
    // still no one else's.
    let consent = app
        .post(
            &format!("/v1/beneficiaries/{rahmah}/consents"),
            &supervisor,
            &json!({"purposes": ["share_with_regional_office"], "given_by": "self",
                    "method": "written", "recorded_on": "2025-03-01"}),
        )
        .await;
    assert_eq!(consent.status(), 201);
    let view = export(
        &app,
        &regional,
        json!({"kind": "services", "format": "csv"}),
    )
    .await;
    let (_, bytes) = download(&app, &regional, &view).await;
    let (columns, rows) = csv_rows(&bytes);
    let names: Vec<String> = rows
        .iter()
        .map(|row| row[column(&columns, "Nama penerima manfaat")].clone())
        .collect();
    assert!(names.contains(&"Nenek Rahmah".to_owned()), "{names:?}");
    assert!(names.contains(&String::new()), "{names:?}");
    let other = app.token_with(Role::Regional, "jatim", None, Some("35"));
    let view = export(&app, &other, json!({"kind": "services", "format": "xlsx"})).await;
    assert_eq!(view["row_count"], 0);
    // UPT staff read their services through the unit's list, not exports.
    let response = app
        .post(
            "/v1/exports",
            &staff,
            &json!({"kind": "services", "format": "csv"}),
        )
        .await;
    assert_eq!(response.status(), 403);
    worker.stop().await;
}

/// How many reports the killed-worker test exports: enough that building
/// the file takes a few seconds in a debug build.
const MANY: i64 = 40_000;

#[tokio::test(flavor = "multi_thread")]
async fn an_export_whose_worker_is_killed_is_built_once_by_another() {
    let app = spawn_app_with(&[("SIGAP_EXPORT_POLL_INTERVAL", "100ms")]).await;
    let filed = app.file(&report_body()).await;
    // Copies of the report filed, each its own (id, ticket, tracking code),
    // a second apart, without people.
    let db = app.db.client().await;
    db.execute(
        "INSERT INTO reports \
         SELECT (jsonb_populate_record(r, jsonb_build_object( \
             'id', gen_random_uuid(), 'ticket', r.ticket || '-' || n, \
             'tracking_code', r.tracking_code || '-' || n, 'idempotency_key', NULL, \
             'external_ref', NULL, 'beneficiaries', '[]'::jsonb, \
             'created_at', r.created_at - n * interval '1 second'))).* \
         FROM reports r, generate_series(1, $2::bigint) AS n WHERE r.id = $1::text::uuid",
        &[&filed["id"].as_str().expect("id"), &(MANY - 1)],
    )
    .await
    .expect("copies");
    let supervisor = app.token(Role::Supervisor);
    let env = [
        ("SIGAP_EXPORT_POLL_INTERVAL", "100ms"),
        ("SIGAP_EXPORT_LEASE", "2s"),
    ];
    let first = WorkerProcess::spawn(&app, &env);
    let response = app
        .post(
            "/v1/exports",
            &supervisor,
            &json!({"kind": "reports", "format": "csv"}),
        )
        .await;
    assert_eq!(response.status(), 202);
    let id = response.json::<Value>().await.expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let state = async |app: &TestApp| -> Value {
        app.get(&format!("/v1/exports/{id}"), &supervisor)
            .await
            .json()
            .await
            .expect("json")
    };
    // Killed while it builds: nothing of its file is stored.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while state(&app).await["status"] != "building" {
        assert!(tokio::time::Instant::now() < deadline, "never claimed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    first.kill();
    let killed = state(&app).await;
    assert_eq!(killed["status"], "building", "killed mid-build: {killed}");
    assert_eq!(killed["attempts"], 1);
    let chunks: i64 = db
        .query_one(
            "SELECT count(*) FROM export_chunks WHERE export_id = $1::text::uuid",
            &[&id],
        )
        .await
        .expect("count")
        .get(0);
    assert_eq!(chunks, 0);

    // Another worker takes the job over once the lease has run out.
    let second = WorkerProcess::spawn(&app, &env);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    let view = loop {
        let view = state(&app).await;
        if view["status"] == "ready" {
            break view;
        }
        assert_ne!(view["status"], "failed", "{view}");
        assert!(
            tokio::time::Instant::now() < deadline,
            "not rebuilt: {view}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(view["attempts"], 2, "built once more, by the second worker");
    assert_eq!(view["row_count"], MANY);
    let (_, bytes) = download(&app, &supervisor, &view).await;
    let (columns, rows) = csv_rows(&bytes);
    let ticket = column(&columns, "Nomor tiket");
    let tickets: Vec<String> = rows.iter().map(|r| r[ticket].clone()).collect();
    assert_eq!(tickets.len() as i64, MANY);
    let distinct: std::collections::BTreeSet<&String> = tickets.iter().collect();
    assert_eq!(distinct.len() as i64, MANY, "no report twice");
    // The job stays done: no worker builds it again.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let later = state(&app).await;
    assert_eq!(later["attempts"], 2);
    assert_eq!(later["status"], "ready");
    drop(second);
}
