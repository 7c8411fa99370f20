//! Lists of people imported into a case (CSV and XLSX), and the whole case
//! of the Kabupaten Sijunjung request worked from such a list: assessed,
//! served with handover records, resolved, followed up.

use crate::casework::{acknowledged_case, assessment, day, read, send, set_status};
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use serde_json::{Value, json};
use sigap_domain::Role;
use sigap_tests::{TestApp, Worker, report_body, spawn_app};

const CSV: &str = "text/csv";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn import(
    app: &TestApp,
    id: &str,
    token: &str,
    media: &str,
    file: Vec<u8>,
) -> (StatusCode, Value) {
    let response = app
        .http
        .post(app.url(&format!("/v1/reports/{id}/beneficiaries:import")))
        .bearer_auth(token)
        .header(CONTENT_TYPE, media)
        .body(file)
        .send()
        .await
        .expect("request");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn listed(app: &TestApp, id: &str, token: &str) -> Vec<Value> {
    read(
        app,
        &format!("/v1/reports/{id}/beneficiaries?limit=500"),
        token,
    )
    .await["items"]
        .as_array()
        .expect("items")
        .clone()
}

/// The errors of a 422 answer as `(row, field)`.
fn rows_and_fields(problem: &Value) -> Vec<(u64, String)> {
    problem["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("errors: {problem}"))
        .iter()
        .map(|e| {
            (
                e["row"].as_u64().unwrap_or(0),
                e["field"].as_str().expect("field").to_owned(),
            )
        })
        .collect()
}

/// A valid NIK of Kabupaten Sijunjung (13.03) for a person born on
/// `day`/`month`/`year` (women: day plus 40), with serial `serial`.
fn nik(day: u32, month: u32, year: u32, female: bool, serial: u32) -> String {
    let day = if female { day + 40 } else { day };
    format!("130301{day:02}{month:02}{:02}{serial:04}", year % 100)
}

/// The Sijunjung list, as the regency sent it: 54 elderly people and 16
/// persons with disabilities, Indonesian headers, semicolons and a BOM.
/// The first two are the people the operator named when filing.
fn sijunjung_list(rahmah: &str, yusuf: &str) -> Vec<u8> {
    let mut csv =
        String::from("\u{feff}Nama;NIK;Tanggal Lahir;Jenis Kelamin;Disabilitas;No HP;Alamat\n");
    csv.push_str(&format!(
        "Nenek Rahmah;{rahmah};17/08/1945;P;fisik;081234567891;Jorong Koto Tuo, Kec. Kamang Baru\n"
    ));
    csv.push_str(&format!(
        "Pak Yusuf;{yusuf};12/03/1959;L;rungu;;Nagari Tanjung, Kec. Koto VII\n"
    ));
    for i in 2..70u32 {
        let female = i % 2 == 0;
        let (d, m) = (1 + i % 28, 1 + i % 12);
        // 54 elderly (born 1940–1965), then 16 persons with disabilities.
        let (year, disability) = if i < 54 {
            (1940 + i % 25, if i % 3 == 0 { "fisik" } else { "" })
        } else {
            (
                1980 + i % 20,
                ["fisik", "netra", "rungu", "intelektual"][(i % 4) as usize],
            )
        };
        csv.push_str(&format!(
            "Warga {i};{};{d:02}/{m:02}/{year};{};{disability};;Kec. Sijunjung\n",
            nik(d, m, year, female, 100 + i),
            if female { "P" } else { "L" },
        ));
    }
    csv.into_bytes()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_regencys_request_for_70_people_is_worked_from_an_imported_list_to_follow_up() {
    let app = spawn_app().await;
    let worker = Worker::start(app.config());
    let staff = app.token(Role::UptStaff);
    let rahmah_nik = nik(17, 8, 1945, true, 1);
    let yusuf_nik = nik(12, 3, 1959, false, 2);

    // An operator files the regency's request, naming two people of 70.
    let mut body = report_body();
    body["category"] = json!("elderly");
    body["need"] = json!("assistive_device");
    body["region_code"] = json!("13.03");
    body["beneficiaries"] = json!([
        {"name": "Nenek Rahmah", "age": 81, "sex": "F", "disability": "physical", "nik": rahmah_nik},
        {"name": "Pak Yusuf", "age": 67, "sex": "M", "disability": "tunarungu", "nik": yusuf_nik}
    ]);
    body["beneficiary_count"] = json!(70);
    body["description"] = json!(
        "Kabupaten Sijunjung meminta alat bantu untuk 54 lansia dan 16 penyandang disabilitas."
    );
    let id = acknowledged_case(&app, &body).await;
    let named = listed(&app, &id, &staff).await;
    assert_eq!(named.len(), 2);

    // The list of 70 is imported: the two named are recognised by NIK.
    let (code, imported) = import(
        &app,
        &id,
        &staff,
        CSV,
        sijunjung_list(&rahmah_nik, &yusuf_nik),
    )
    .await;
    assert_eq!(code, 201, "{imported}");
    assert_eq!(imported["imported"], 68);
    assert_eq!(imported["skipped"], 2);
    let people = imported["beneficiaries"]
        .as_array()
        .expect("people")
        .clone();
    assert_eq!(people.len(), 70);
    assert_eq!(people[0]["id"], named[0]["id"]);
    assert_eq!(people[1]["id"], named[1]["id"]);
    assert_eq!(people[2]["name"], "Warga 2");
    assert_eq!(people[2]["sex"], "F");
    assert_eq!(people[54]["disabilities"], json!(["sensory_hearing"]));
    assert_eq!(people[55]["disabilities"], json!(["intellectual"]));
    assert_eq!(listed(&app, &id, &staff).await.len(), 70);
    assert_eq!(
        read(&app, &format!("/v1/reports/{id}"), &staff).await["beneficiary_count"],
        70
    );
    let ids: Vec<String> = people
        .iter()
        .map(|p| p["id"].as_str().expect("id").to_owned())
        .collect();

    // Everyone is assessed; one person is not eligible.
    let not_eligible = 5;
    for (i, person) in ids.iter().enumerate() {
        let recommendation = match i {
            0 => {
                json!([{"component": "accessibility_support", "item": "wheelchair", "quantity": 1}])
            }
            1 => {
                json!([{"component": "accessibility_support", "item": "hearing_aid", "quantity": 2}])
            }
            _ => {
                json!([{"component": "accessibility_support", "item": "walking_stick", "quantity": 1}])
            }
        };
        let (code, answer) = send(
            &app,
            &format!("/v1/beneficiaries/{person}/assessments"),
            &staff,
            assessment(i != not_eligible, recommendation),
        )
        .await;
        assert_eq!(code, 201, "{answer}");
    }
    assert_eq!(
        read(
            &app,
            &format!("/v1/beneficiaries/{}", ids[not_eligible]),
            &staff
        )
        .await["status"],
        "not_eligible"
    );
    let report = read(&app, &format!("/v1/reports/{id}"), &staff).await;
    assert_eq!(report["status"], "assessing");
    assert_eq!(report["deadline"]["stage"], "serve");

    // A wheelchair, a hearing aid, and a walking stick for each of the others.
    let mut services = Vec::new();
    for (i, person) in ids.iter().enumerate() {
        if i == not_eligible {
            continue;
        }
        let (item, quantity) = match i {
            0 => ("wheelchair", 1),
            1 => ("hearing_aid", 2),
            _ => ("walking_stick", 1),
        };
        let (code, planned) = send(
            &app,
            &format!("/v1/beneficiaries/{person}/services"),
            &staff,
            json!({"component": "accessibility_support", "modality": "family_based",
                   "item": item, "quantity": quantity, "due_on": day(14)}),
        )
        .await;
        assert_eq!(code, 201, "{planned}");
        services.push((planned["id"].as_str().expect("id").to_owned(), quantity));
    }
    let report = read(&app, &format!("/v1/reports/{id}"), &staff).await;
    assert_eq!(report["status"], "in_service");
    assert_eq!(
        report["deadline"]["stage"], "serve",
        "the serve deadline waits for the first delivery"
    );

    // Resolving is refused while anything is pending, naming what.
    let (code, problem) = set_status(&app, &id, &staff, "resolved").await;
    assert_eq!(code, 409, "{problem}");
    assert_eq!(problem["type"], "/problems/work-pending");
    assert_eq!(problem["pending"]["services_planned"], 69);
    assert_eq!(problem["pending"]["beneficiaries_pending"], 69);
    assert_eq!(problem["pending"]["services"][0]["item"], "wheelchair");

    // The wheelchair is handed over first: the serve deadline is met.
    let (wheelchair, _) = services[0].clone();
    let (code, delivered) = send(
        &app,
        &format!("/v1/services/{wheelchair}/deliver"),
        &staff,
        json!({"delivered_on": day(0), "quantity": 1, "handover_ref": "BAST/SMJ/2026/0412",
               "received_by": "Rahmah dan cucunya"}),
    )
    .await;
    assert_eq!(code, 200, "{delivered}");
    assert_eq!(delivered["handover_ref"], "BAST/SMJ/2026/0412");
    let report = read(&app, &format!("/v1/reports/{id}"), &staff).await;
    assert_eq!(report["deadline"], Value::Null, "{}", report["deadline"]);
    let (code, problem) = set_status(&app, &id, &staff, "resolved").await;
    assert_eq!(code, 409);
    assert_eq!(problem["pending"]["services_planned"], 68);

    // The hearing aid and every walking stick, each with its handover record.
    for (n, (service, quantity)) in services.iter().enumerate().skip(1) {
        let (code, delivered) = send(
            &app,
            &format!("/v1/services/{service}/deliver"),
            &staff,
            json!({"delivered_on": day(0), "quantity": quantity,
                   "handover_ref": format!("BAST/SMJ/2026/{:04}", 412 + n),
                   "received_by": "Penerima"}),
        )
        .await;
        assert_eq!(code, 200, "{delivered}");
    }
    let (code, resolved) = set_status(&app, &id, &staff, "resolved").await;
    assert_eq!(code, 200, "{resolved}");
    let people = listed(&app, &id, &staff).await;
    let served = people.iter().filter(|p| p["status"] == "served").count();
    assert_eq!(served, 69);

    // The statistics count the devices handed over in Kabupaten Sijunjung.
    let stats = read(&app, "/v1/stats", &app.token(Role::Supervisor)).await;
    let work = &stats["case_work"];
    let entry = |list: &str, key: &str| -> Value {
        work["services"][list]
            .as_array()
            .expect("a list")
            .iter()
            .find(|e| e["key"] == key)
            .cloned()
            .unwrap_or_else(|| panic!("no {key} in {list}: {work}"))
    };
    assert_eq!(work["people"]["assessed"], 70, "{work}");
    assert_eq!(work["people"]["served"], 69, "{work}");
    let wheelchairs = entry("by_device", "wheelchair");
    assert_eq!(
        (&wheelchairs["planned"], &wheelchairs["delivered"]),
        (&json!(1), &json!(1))
    );
    let hearing_aids = entry("by_device", "hearing_aid");
    assert_eq!(hearing_aids["delivered"], 1);
    assert_eq!(hearing_aids["delivered_quantity"], 2);
    assert_eq!(entry("by_device", "walking_stick")["delivered"], 67);
    let sijunjung = entry("by_regency", "13.03");
    assert_eq!(
        (&sijunjung["planned"], &sijunjung["delivered"]),
        (&json!(69), &json!(69))
    );
    assert_eq!(entry("by_province", "13")["delivered"], 69);

    // The wheelchair is followed up.
    let (code, followed) = send(
        &app,
        &format!("/v1/services/{wheelchair}/follow-up"),
        &staff,
        json!({"checked_on": day(0), "outcome": "in_use", "note": "Dipakai setiap hari"}),
    )
    .await;
    assert_eq!(code, 200, "{followed}");
    assert_eq!(followed["follow_up_outcome"], "in_use", "{followed}");
    assert_eq!(followed["follow_up_due"], false);
    worker.stop().await;
}

/// A case at the unit, named people none; its id.
async fn case_at_unit(app: &TestApp) -> String {
    let mut body = report_body();
    body["beneficiaries"] = json!([]);
    acknowledged_case(app, &body).await
}

fn workbook(rows: &[Vec<&str>], birth_dates: &[(u32, (u16, u8, u8))]) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (r, cells) in rows.iter().enumerate() {
        for (c, text) in cells.iter().enumerate() {
            if let Ok(n) = text.parse::<f64>()
                && text.len() < 4
            {
                sheet.write_number(r as u32, c as u16, n).expect("cell");
            } else if !text.is_empty() {
                sheet.write_string(r as u32, c as u16, *text).expect("cell");
            }
        }
    }
    let date = Format::new().set_num_format("dd/mm/yyyy");
    for (row, (y, m, d)) in birth_dates {
        let when = ExcelDateTime::from_ymd(*y, *m, *d).expect("date");
        sheet
            .write_datetime_with_format(*row, 2, &when, &date)
            .expect("date cell");
    }
    book.save_to_buffer().expect("xlsx")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_list_with_errors_is_refused_row_by_row_and_adds_nobody() {
    let app = spawn_app().await;
    let worker = Worker::start(app.config());
    let staff = app.token(Role::UptStaff);
    let id = case_at_unit(&app).await;
    let good = nik(17, 8, 1945, true, 1);

    // Each row checked as one person is: NIK, sex, birth date, age.
    let csv = format!(
        "name,nik,birth_date,sex,age,disabilities\n\
         Nenek Rahmah,{good},1945-08-17,F,,physical\n\
         Pak Amir,12345,,M,,\n\
         Bu Ani,,,X,,\n\
         \n\
         Kakek Udin,,2999-01-01,M,tua,\"fisik;terbang\"\n"
    );
    let (code, problem) = import(&app, &id, &staff, CSV, csv.into_bytes()).await;
    assert_eq!(code, 422, "{problem}");
    assert_eq!(problem["type"], "/problems/validation");
    assert_eq!(
        rows_and_fields(&problem),
        [
            (3, "nik".to_owned()),
            (4, "sex".to_owned()),
            (6, "age".to_owned()),
            (6, "birth_date".to_owned()),
            (6, "disabilities[1]".to_owned()),
        ]
    );

    // Rules over the list: a NIK of no known regency, one NIK twice.
    let unknown = format!("9901{}", &good[4..]);
    let csv = format!("nama;nik\nA;{good}\nB;{unknown}\nC;{good}\n");
    let (code, problem) = import(&app, &id, &staff, CSV, csv.into_bytes()).await;
    assert_eq!(code, 422, "{problem}");
    assert_eq!(
        rows_and_fields(&problem),
        [(3, "nik".to_owned()), (4, "nik".to_owned())]
    );
    assert!(
        problem["errors"][1]["message"]
            .as_str()
            .is_some_and(|m| m.contains("row 2")),
        "{problem}"
    );

    // An unknown column is refused at the header, clearly.
    let (code, problem) = import(&app, &id, &staff, CSV, b"nama,hobi\nA,catur\n".to_vec()).await;
    assert_eq!(code, 422);
    assert_eq!(problem["errors"][0]["row"], 1);
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("hobi")),
        "{problem}"
    );

    // The same in a workbook: row numbers as the sheet shows them.
    let xlsx = workbook(
        &[
            vec!["Nama", "NIK", "Tanggal Lahir", "Jenis Kelamin", "Umur"],
            vec!["Nenek Rahmah", &good, "", "perempuan", ""],
            vec!["Pak Amir", "", "", "laki-laki", "200"],
            vec!["Bu Ani", "1303011", "", "P", ""],
        ],
        &[(1, (1945, 8, 17))],
    );
    let (code, problem) = import(&app, &id, &staff, XLSX, xlsx).await;
    assert_eq!(code, 422, "{problem}");
    assert_eq!(
        rows_and_fields(&problem),
        [(3, "age".to_owned()), (4, "nik".to_owned())]
    );
    let xlsx = workbook(&[vec!["Nama", "Pekerjaan"], vec!["A", "Petani"]], &[]);
    let (code, problem) = import(&app, &id, &staff, XLSX, xlsx).await;
    assert_eq!(code, 422);
    assert_eq!(rows_and_fields(&problem), [(1, "header".to_owned())]);
    assert!(listed(&app, &id, &staff).await.is_empty(), "nothing added");

    // Corrected, the workbook imports: a date cell, a NIK typed as text.
    let xlsx = workbook(
        &[
            vec!["Nama", "NIK", "Tanggal Lahir", "Jenis Kelamin", "Umur"],
            vec!["Nenek Rahmah", &good, "", "perempuan", ""],
            vec!["Pak Amir", "", "", "laki-laki", "70"],
        ],
        &[(1, (1945, 8, 17))],
    );
    let (code, answer) = import(&app, &id, &staff, XLSX, xlsx).await;
    assert_eq!(code, 201, "{answer}");
    assert_eq!(answer["beneficiaries"][0]["birth_date"], "1945-08-17");
    assert_eq!(answer["beneficiaries"][0]["nik"], good.as_str());
    assert_eq!(answer["beneficiaries"][1]["age"], 70);
    assert_eq!(answer["beneficiaries"][1]["sex"], "M");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_file_twice_adds_its_people_once() {
    let app = spawn_app().await;
    let worker = Worker::start(app.config());
    let staff = app.token(Role::UptStaff);
    let id = case_at_unit(&app).await;
    let (a, b) = (nik(17, 8, 1945, true, 1), nik(12, 3, 1959, false, 2));
    let file = format!("name,nik,sex\nRahmah,{a},F\nYusuf,{b},M\nUdin,,M\n").into_bytes();

    let (code, first) = import(&app, &id, &staff, CSV, file.clone()).await;
    assert_eq!(code, 201, "{first}");
    assert_eq!(
        (first["imported"].as_u64(), first["skipped"].as_u64()),
        (Some(3), Some(0))
    );
    let (code, again) = import(&app, &id, &staff, CSV, file).await;
    assert_eq!(code, 200, "{again}");
    assert_eq!(
        (again["imported"].as_u64(), again["skipped"].as_u64()),
        (Some(0), Some(3))
    );
    let ids = |answer: &Value| -> Vec<Value> {
        answer["beneficiaries"]
            .as_array()
            .expect("people")
            .iter()
            .map(|p| p["id"].clone())
            .collect()
    };
    assert_eq!(ids(&again), ids(&first), "the people of the first import");
    assert_eq!(listed(&app, &id, &staff).await.len(), 3);

    // Another file: a NIK already listed is skipped, the new person added.
    let c = nik(1, 1, 1950, false, 3);
    let other = format!("nik;nama\n{b};Yusuf\n{c};Kakek Amir\n").into_bytes();
    let (code, answer) = import(&app, &id, &staff, CSV, other).await;
    assert_eq!(code, 201, "{answer}");
    assert_eq!(
        (answer["imported"].as_u64(), answer["skipped"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(ids(&answer)[0], ids(&first)[1]);
    assert_eq!(answer["beneficiaries"][1]["ordinal"], 3);
    assert_eq!(listed(&app, &id, &staff).await.len(), 4);
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_list_is_csv_or_xlsx_of_at_most_2_mib_and_5000_people() {
    let app = spawn_app().await;
    let worker = Worker::start(app.config());
    let staff = app.token(Role::UptStaff);
    let id = case_at_unit(&app).await;

    let (code, problem) = import(&app, &id, &staff, "application/json", b"[]".to_vec()).await;
    assert_eq!(code, 415, "{problem}");
    let (code, problem) = import(&app, &id, &staff, XLSX, b"not a workbook".to_vec()).await;
    assert_eq!(code, 422);
    assert_eq!(problem["errors"][0]["field"], "file");
    let mut big = b"nama\n".to_vec();
    big.resize(2 * 1024 * 1024 + 1, b'a');
    let (code, _) = import(&app, &id, &staff, CSV, big).await;
    assert_eq!(code, 413);
    let many = format!("nama,umur\n{}", "Warga,70\n".repeat(5001));
    let (code, problem) = import(&app, &id, &staff, CSV, many.into_bytes()).await;
    assert_eq!(code, 422, "{problem}");
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("5000")),
        "{problem}"
    );
    assert!(listed(&app, &id, &staff).await.is_empty());
    worker.stop().await;
}
