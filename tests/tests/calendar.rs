//! The holiday calendar and the units' office hours: seeded from the data,
//! read by everyone, corrected by admins, and an admin's word kept when the
//! data is seeded again.

use reqwest::Method;
use serde_json::{Value, json};
use sigap_domain::Role;
use sigap_tests::{TestApp, spawn_app, workspace_root};
use std::time::Duration;

async fn seed(app: &TestApp) -> sigap_store::seed::SeedCounts {
    let pool = sigap_store::db::pool(&app.db.url, 1, Duration::from_secs(10));
    let mut conn = pool.get().await.expect("connect");
    sigap_store::seed::seed(&mut conn, &workspace_root().join("data"))
        .await
        .expect("seed")
}

async fn json_of(response: reqwest::Response, status: u16) -> Value {
    let got = response.status().as_u16();
    let body: Value = response.json().await.expect("json");
    assert_eq!(got, status, "{body}");
    body
}

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> reqwest::Response {
    let mut request = app.http.request(method, app.url(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(body);
    }
    request.send().await.expect("request")
}

async fn year(app: &TestApp, year: i32) -> Vec<Value> {
    let token = app.token(Role::Operator);
    let body = json_of(
        app.get(&format!("/v1/holidays?year={year}"), &token).await,
        200,
    )
    .await;
    assert_eq!(body["year"], year, "{body}");
    body["holidays"].as_array().expect("holidays").clone()
}

fn on<'a>(days: &'a [Value], date: &str) -> Option<&'a Value> {
    days.iter().find(|d| d["date"] == date)
}

fn count(days: &[Value], kind: &str) -> usize {
    days.iter().filter(|d| d["kind"] == kind).count()
}

/// The fields that name what is wrong in a problem+json answer.
fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("field").to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_seed_loads_every_holiday_and_collective_leave_day_of_2025_to_2027() {
    let app = spawn_app().await;
    let y2026 = year(&app, 2026).await;
    assert_eq!(count(&y2026, "holiday"), 17, "{y2026:?}");
    assert_eq!(count(&y2026, "collective_leave"), 8, "{y2026:?}");
    for date in ["2026-03-21", "2026-03-22"] {
        let day = on(&y2026, date).expect("both days of Idul Fitri");
        assert_eq!(day["kind"], "holiday");
        assert!(
            day["name"].as_str().expect("name").contains("Idulfitri"),
            "{day}"
        );
    }
    for date in ["2026-03-18", "2026-03-20", "2026-03-23", "2026-03-24"] {
        assert_eq!(on(&y2026, date).expect(date)["kind"], "collective_leave");
    }
    let dates: Vec<&str> = y2026
        .iter()
        .map(|d| d["date"].as_str().expect("date"))
        .collect();
    let mut sorted = dates.clone();
    sorted.sort_unstable();
    assert_eq!(dates, sorted, "in date order");

    let y2025 = year(&app, 2025).await;
    assert_eq!(count(&y2025, "holiday"), 17);
    // 10 of the decree, and 18 August added by its amendment of August 2025.
    assert_eq!(count(&y2025, "collective_leave"), 11);
    assert_eq!(
        on(&y2025, "2025-08-18").expect("18 August")["kind"],
        "collective_leave"
    );
    assert!(!year(&app, 2027).await.is_empty());
    assert!(year(&app, 2024).await.is_empty(), "no data before 2025");

    let counts = seed(&app).await;
    assert_eq!(counts.holidays, 17 + 11 + 17 + 8 + 18);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_adds_renames_and_removes_a_day_off() {
    let app = spawn_app().await;
    let admin = app.token(Role::Admin);
    let path = "/v1/holidays/2027-03-12";
    let body = json!({"name": "Cuti bersama Idulfitri 1448 Hijriah", "kind": "collective_leave"});
    let created = json_of(
        send(&app, Method::PUT, path, &admin, Some(&body)).await,
        201,
    )
    .await;
    assert_eq!(
        created,
        json!({"date": "2027-03-12", "name": "Cuti bersama Idulfitri 1448 Hijriah", "kind": "collective_leave"})
    );
    let renamed = json!({"name": "  Libur Idulfitri 1448 Hijriah ", "kind": "holiday"});
    let replaced = json_of(
        send(&app, Method::PUT, path, &admin, Some(&renamed)).await,
        200,
    )
    .await;
    assert_eq!(replaced["name"], "Libur Idulfitri 1448 Hijriah");
    assert_eq!(replaced["kind"], "holiday");
    assert_eq!(on(&year(&app, 2027).await, "2027-03-12"), Some(&replaced));

    let removed = send(&app, Method::DELETE, path, &admin, None).await;
    assert_eq!(removed.status(), 204);
    assert_eq!(on(&year(&app, 2027).await, "2027-03-12"), None);
    let again = send(&app, Method::DELETE, path, &admin, None).await;
    assert_eq!(again.status(), 404);
    let never = send(
        &app,
        Method::DELETE,
        "/v1/holidays/2027-07-07",
        &admin,
        None,
    )
    .await;
    assert_eq!(never.status(), 404);

    // A removed day can be brought back: it is new again to the caller.
    json_of(
        send(&app, Method::PUT, path, &admin, Some(&body)).await,
        201,
    )
    .await;
    let db = app.db.client().await;
    let row = db
        .query_one(
            "SELECT origin, updated_by FROM holidays WHERE day = '2027-03-12'",
            &[],
        )
        .await
        .expect("row");
    assert_eq!(row.get::<_, String>(0), "admin");
    assert_eq!(
        row.get::<_, Option<String>>(1).as_deref(),
        Some("admin-test")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn only_admins_edit_the_calendar_and_everyone_signed_in_reads_it() {
    let app = spawn_app().await;
    let body = json!({"name": "Hari libur", "kind": "holiday"});
    for role in [
        Role::Operator,
        Role::Supervisor,
        Role::UptStaff,
        Role::Regional,
        Role::Integrator,
    ] {
        let token = app.token(role);
        let get = app.get("/v1/holidays?year=2026", &token).await;
        assert_eq!(get.status(), 200, "{role}");
        let put = send(
            &app,
            Method::PUT,
            "/v1/holidays/2026-07-01",
            &token,
            Some(&body),
        )
        .await;
        assert_eq!(put.status(), 403, "{role}");
        let delete = send(
            &app,
            Method::DELETE,
            "/v1/holidays/2026-03-20",
            &token,
            None,
        )
        .await;
        assert_eq!(delete.status(), 403, "{role}");
    }
    let anonymous = app
        .http
        .get(app.url("/v1/holidays"))
        .send()
        .await
        .expect("request");
    assert_eq!(anonymous.status(), 401);
    assert!(on(&year(&app, 2026).await, "2026-07-01").is_none());
    assert!(on(&year(&app, 2026).await, "2026-03-20").is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_dates_names_kinds_and_years_are_field_errors() {
    let app = spawn_app().await;
    let admin = app.token(Role::Admin);
    let good = json!({"name": "Hari libur", "kind": "holiday"});
    let cases: Vec<(&str, Value, &str)> = vec![
        ("/v1/holidays/2026-02-30", good.clone(), "date"),
        ("/v1/holidays/26-2-3", good.clone(), "date"),
        ("/v1/holidays/1999-12-31", good.clone(), "date"),
        (
            "/v1/holidays/2026-07-01",
            json!({"name": "Hari libur", "kind": "festival"}),
            "kind",
        ),
        (
            "/v1/holidays/2026-07-01",
            json!({"name": "   ", "kind": "holiday"}),
            "name",
        ),
        (
            "/v1/holidays/2026-07-01",
            json!({"name": "x".repeat(201), "kind": "holiday"}),
            "name",
        ),
        ("/v1/holidays/2026-07-01", json!({"kind": "holiday"}), ""),
        (
            "/v1/holidays/2026-07-01",
            json!({"name": "Hari libur", "kind": "holiday", "origin": "seed"}),
            "",
        ),
        (
            "/v1/holidays/2026-07-01",
            json!(["Hari libur", "holiday"]),
            "",
        ),
    ];
    for (path, body, field) in cases {
        let response = send(&app, Method::PUT, path, &admin, Some(&body)).await;
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json",
            "{path} {body}"
        );
        let problem = json_of(response, 422).await;
        let named = fields(&problem);
        if field.is_empty() {
            assert_eq!(named.len(), 1, "{problem}");
        } else {
            assert_eq!(named, [field], "{problem}");
        }
    }
    for query in ["year=1999", "year=2101"] {
        let problem = json_of(app.get(&format!("/v1/holidays?{query}"), &admin).await, 422).await;
        assert_eq!(fields(&problem), ["year"], "{problem}");
    }
    json_of(app.get("/v1/holidays?year=twenty", &admin).await, 422).await;
    assert!(
        on(&year(&app, 2026).await, "2026-07-01").is_none(),
        "nothing saved"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_removed_seeded_day_and_a_renamed_one_stay_as_the_admin_left_them_after_seeding() {
    let app = spawn_app().await;
    let admin = app.token(Role::Admin);
    let removed = send(
        &app,
        Method::DELETE,
        "/v1/holidays/2026-03-20",
        &admin,
        None,
    )
    .await;
    assert_eq!(removed.status(), 204);
    let renamed = json!({"name": "Isra Mikraj Nabi Muhammad SAW 1447 H", "kind": "holiday"});
    json_of(
        send(
            &app,
            Method::PUT,
            "/v1/holidays/2026-01-16",
            &admin,
            Some(&renamed),
        )
        .await,
        200,
    )
    .await;

    let counts = seed(&app).await;
    let again = seed(&app).await;
    assert_eq!(counts, again, "seeding twice changes nothing");
    let y2026 = year(&app, 2026).await;
    assert_eq!(
        on(&y2026, "2026-03-20"),
        None,
        "the removed day stays removed"
    );
    assert_eq!(
        on(&y2026, "2026-01-16").expect("renamed")["name"],
        renamed["name"]
    );
    assert_eq!(count(&y2026, "collective_leave"), 7);
}

fn unit_body(region_code: &str, lat: f64, lon: f64) -> Value {
    json!({
        "name": "Sentra Uji", "kind": "sentra", "region_code": region_code, "lat": lat, "lon": lon,
        "categories": [], "capacity": 100, "active": true
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn units_show_office_hours_in_the_zone_of_their_province_and_admins_change_them() {
    let app = spawn_app().await;
    let admin = app.token(Role::Admin);
    let operator = app.token(Role::Operator);

    let seeded = json_of(app.get("/v1/units/SENTRA-MULYA-JAYA", &operator).await, 200).await;
    assert_eq!(
        seeded["office_hours"],
        json!({"days": [1, 2, 3, 4, 5], "opens": "08:00", "closes": "16:00"})
    );
    assert_eq!(seeded["time_zone"], "WIB");
    let listed = json_of(app.get("/v1/units?limit=500", &operator).await, 200).await;
    assert!(
        listed["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|u| u["office_hours"]["days"].is_array() && u["time_zone"].is_string()),
        "{listed}"
    );

    // A new unit in Kota Jayapura, Papua, without office hours gets the default.
    let path = "/v1/units/SENTRA-UJI-JAYAPURA";
    let body = unit_body("91.71", -2.5626, 140.6926);
    let created = json_of(
        send(&app, Method::PUT, path, &admin, Some(&body)).await,
        201,
    )
    .await;
    assert_eq!(created["time_zone"], "WIT");
    assert_eq!(created["office_hours"]["days"], json!([1, 2, 3, 4, 5]));

    let mut with_hours = body.clone();
    with_hours["office_hours"] =
        json!({"days": [6, 1, 2, 3, 4], "opens": "07:30", "closes": "15:30"});
    let saved = json_of(
        send(&app, Method::PUT, path, &admin, Some(&with_hours)).await,
        200,
    )
    .await;
    let expected = json!({"days": [1, 2, 3, 4, 6], "opens": "07:30", "closes": "15:30"});
    assert_eq!(saved["office_hours"], expected);
    let read = json_of(app.get(path, &operator).await, 200).await;
    assert_eq!(read["office_hours"], expected);
    assert_eq!(read["time_zone"], "WIT");

    // A PUT without office hours keeps them.
    let mut renamed = body.clone();
    renamed["name"] = json!("Sentra Uji Jayapura");
    let kept = json_of(
        send(&app, Method::PUT, path, &admin, Some(&renamed)).await,
        200,
    )
    .await;
    assert_eq!(kept["office_hours"], expected);
    assert_eq!(kept["name"], "Sentra Uji Jayapura");

    let bad: Vec<(Value, Vec<&str>)> = vec![
        (
            json!({"days": [], "opens": "08:00", "closes": "16:00"}),
            vec!["office_hours.days"],
        ),
        (
            json!({"days": [0, 8], "opens": "08:00", "closes": "16:00"}),
            vec!["office_hours.days"],
        ),
        (
            json!({"days": [1, 1], "opens": "08:00", "closes": "16:00"}),
            vec!["office_hours.days"],
        ),
        (
            json!({"days": [1], "opens": "8am", "closes": "24:00"}),
            vec!["office_hours.opens", "office_hours.closes"],
        ),
        (
            json!({"days": [1], "opens": "16:00", "closes": "08:00"}),
            vec!["office_hours.closes"],
        ),
    ];
    for (hours, named) in bad {
        let mut body = body.clone();
        body["office_hours"] = hours.clone();
        let problem = json_of(
            send(&app, Method::PUT, path, &admin, Some(&body)).await,
            422,
        )
        .await;
        assert_eq!(fields(&problem), named, "{hours}");
    }
    let mut unknown = body.clone();
    unknown["office_hours"] =
        json!({"days": [1], "opens": "08:00", "closes": "16:00", "lunch": "12:00"});
    json_of(
        send(&app, Method::PUT, path, &admin, Some(&unknown)).await,
        422,
    )
    .await;
    let read = json_of(app.get(path, &operator).await, 200).await;
    assert_eq!(read["office_hours"], expected, "no bad body changed them");
}
