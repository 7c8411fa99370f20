//! The directory from its sources: the region found from the coordinates,
//! explanations that quote the source, seeding that keeps an admin's edits,
//! the directory's history and the coverage gaps.

use serde_json::{Value, json};
use sigap_domain::Role;
use sigap_tests::{TestApp, Worker, report_body, spawn_app, workspace_root};
use std::time::Duration;

/// Inside Kabupaten Sijunjung near its border with Dharmasraya, whose
/// centroid is nearer: the boundary decides, not the nearest centroid.
const SIJUNJUNG_NEAR_DHARMASRAYA: (f64, f64) = (-0.9469, 101.2984);

fn located(lat: f64, lon: f64) -> Value {
    let mut body = report_body();
    body.as_object_mut().expect("object").remove("region_code");
    body["location"] = json!({"lat": lat, "lon": lon});
    body
}

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

#[tokio::test(flavor = "multi_thread")]
async fn a_report_with_coordinates_and_no_region_gets_the_regency_it_lies_in() {
    let app = spawn_app().await;
    let worker = Worker::start(app.config());
    let (lat, lon) = SIJUNJUNG_NEAR_DHARMASRAYA;
    let filed = app.file(&located(lat, lon)).await;
    assert!(filed.get("warnings").is_none(), "{filed}");
    let id = filed["id"].as_str().expect("id");
    let report = app
        .wait_for_status(id, "assigned", Duration::from_secs(10))
        .await;
    assert_eq!(report["region_code"], "13.03");
    assert_eq!(report["unit_code"], "SENTRA-MULYA-JAYA");
    let decision = &report["events"][1]["details"];
    assert_eq!(decision["provenance"]["basis"], "stated");
    assert!(
        decision["reason"]
            .as_str()
            .expect("reason")
            .contains("covered because Kemensos 2022 names Kabupaten Sijunjung"),
        "{decision}"
    );
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_region_code_the_coordinates_disagree_with_is_kept_with_a_warning_in_the_answer_and_the_history()
 {
    let app = spawn_app().await;
    let mut body = report_body();
    body["region_code"] = json!("31.75");
    let operator = app.token(Role::Operator);
    let key = "mismatch-1";
    let send = || {
        app.http
            .post(app.url("/v1/reports"))
            .bearer_auth(&operator)
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
    };
    let filed = json_of(send().await.expect("request"), 201).await;
    let warnings = filed["warnings"].as_array().expect("warnings");
    assert_eq!(warnings.len(), 1, "{filed}");
    assert_eq!(warnings[0]["field"], "region_code");
    let message = warnings[0]["message"].as_str().expect("message");
    assert!(
        message.contains("13.03 Kabupaten Sijunjung") && message.contains("31.75"),
        "{message}"
    );
    let replayed = json_of(send().await.expect("request"), 201).await;
    assert_eq!(
        replayed, filed,
        "a replay answers the same, warning included"
    );

    let report = json_of(
        app.get(
            &format!("/v1/reports/{}", filed["id"].as_str().expect("id")),
            &app.token(Role::Supervisor),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        report["region_code"], "31.75",
        "the operator's code is kept"
    );
    assert_eq!(
        report["events"][0]["details"]["warnings"][0]["message"],
        message
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn coordinates_in_the_sea_or_abroad_are_refused_naming_the_nearest_regency() {
    let app = spawn_app().await;
    let operator = app.token(Role::Operator);
    // The Java Sea between Kalimantan and Java; Dili, in Timor-Leste.
    for (lat, lon, place) in [(-5.2, 110.0, "Java Sea"), (-8.556, 125.578, "Dili")] {
        let mut body = located(lat, lon);
        body["region_code"] = json!("13.03");
        let problem = json_of(app.post("/v1/reports", &operator, &body).await, 422).await;
        let errors = problem["errors"].as_array().expect("errors");
        assert_eq!(errors.len(), 1, "{place}: {problem}");
        assert_eq!(errors[0]["field"], "location", "{place}");
        let message = errors[0]["message"].as_str().expect("message");
        assert!(message.contains("the nearest is"), "{place}: {message}");
        if place == "Dili" {
            assert!(
                message.contains(" 53."),
                "Dili's nearest regency is in NTT: {message}"
            );
        }
    }
    let neither = {
        let mut body = report_body();
        let object = body.as_object_mut().expect("object");
        object.remove("region_code");
        object.remove("location");
        body
    };
    let problem = json_of(app.post("/v1/reports", &operator, &neither).await, 422).await;
    assert_eq!(problem["errors"][0]["field"], "region_code");
    assert_eq!(
        problem["errors"][0]["message"],
        "is required unless location is given"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_route_preview_quotes_the_source_of_the_winning_rule() {
    let app = spawn_app().await;
    let decision = json_of(
        app.post(
            "/v1/route/preview",
            &app.token(Role::Supervisor),
            &json!({"category": "disability", "region_code": "18.07"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(decision["unit_code"], "SENTRA-WYATA-GUNA");
    let provenance = &decision["provenance"];
    assert_eq!(provenance["basis"], "stated");
    assert_eq!(provenance["year"], 2023);
    assert!(
        provenance["source"]
            .as_str()
            .expect("source")
            .starts_with("https://")
    );
    assert!(
        provenance["confidence"]
            .as_str()
            .is_some_and(|c| ["high", "medium", "low"].contains(&c))
    );
    let reason = decision["reason"].as_str().expect("reason");
    assert!(
        reason.contains("covered because") && reason.contains("Lampung Timur"),
        "{reason}"
    );
    assert_eq!(decision["candidates"][0]["basis"], "stated");
}

#[tokio::test(flavor = "multi_thread")]
async fn seeding_again_keeps_what_an_admin_added_changed_or_removed() {
    let app = spawn_app().await;
    let admin = app.token(Role::Admin);
    let rules = json_of(
        app.get("/v1/units/SENTRA-WYATA-GUNA/coverage", &admin)
            .await,
        200,
    )
    .await;
    let rules = rules["items"].as_array().expect("items").clone();
    assert!(rules.iter().all(|r| r["origin"] == "seed"));
    let by_region = |code: &str| {
        rules
            .iter()
            .find(|r| r["region_code"] == code)
            .unwrap_or_else(|| panic!("a rule for {code}"))
            .clone()
    };
    let lampung_timur = by_region("18.07");
    assert_eq!(lampung_timur["basis"], "stated");
    let bandung_barat = by_region("32.17");

    // Change one seeded rule, remove another, add one, and resize a unit.
    let changed = json_of(
        app.http
            .patch(app.url(&format!("/v1/coverage/{}", lampung_timur["id"])))
            .bearer_auth(&admin)
            .json(&json!({"priority": 5, "note": "confirmed by the 2026 decree"}))
            .send()
            .await
            .expect("request"),
        200,
    )
    .await;
    assert_eq!(
        (changed["priority"].as_i64(), changed["origin"].as_str()),
        (Some(5), Some("admin"))
    );
    assert_eq!(changed["basis"], "stated", "the evidence stays");
    let removed = app
        .http
        .delete(app.url(&format!("/v1/coverage/{}", bandung_barat["id"])))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("request");
    assert_eq!(removed.status(), 204);
    let added = json_of(
        app.post(
            "/v1/units/SENTRA-WYATA-GUNA/coverage",
            &admin,
            &json!({"region_code": "18.04", "category": "disability"}),
        )
        .await,
        201,
    )
    .await;
    let mut unit = json_of(app.get("/v1/units/SENTRA-WYATA-GUNA", &admin).await, 200).await;
    unit["capacity"] = json!(40);
    for field in ["code", "open_cases", "updated_at"] {
        unit.as_object_mut().expect("object").remove(field);
    }
    let put = app
        .http
        .put(app.url("/v1/units/SENTRA-WYATA-GUNA"))
        .bearer_auth(&admin)
        .json(&unit)
        .send()
        .await
        .expect("request");
    assert_eq!(put.status(), 200);

    let db = app.db.client().await;
    let changes = || async {
        db.query_one("SELECT count(*) FROM directory_changes", &[])
            .await
            .expect("count")
            .get::<_, i64>(0)
    };
    let counts = seed(&app).await;
    assert_eq!(counts.admin_rules, 2, "the changed rule and the added one");
    let before_second = changes().await;
    let again = seed(&app).await;
    assert_eq!(again, counts, "seeding twice changes nothing");
    assert_eq!(changes().await, before_second, "and records no change");

    let after = json_of(
        app.get("/v1/units/SENTRA-WYATA-GUNA/coverage", &admin)
            .await,
        200,
    )
    .await;
    let after = after["items"].as_array().expect("items");
    let find = |code: &str| after.iter().find(|r| r["region_code"] == code);
    let kept = find("18.07").expect("the changed rule");
    assert_eq!(kept["priority"], 5);
    assert_eq!(kept["note"], "confirmed by the 2026 decree");
    assert!(find("32.17").is_none(), "the removed rule stays removed");
    assert_eq!(find("18.04").expect("the added rule")["id"], added["id"]);
    let unit = json_of(app.get("/v1/units/SENTRA-WYATA-GUNA", &admin).await, 200).await;
    assert_eq!(unit["capacity"], 40, "the admin's capacity stays");
    // Units the admin left alone are still the seed's.
    let other: i32 = db
        .query_one(
            "SELECT capacity FROM units WHERE code = 'SENTRA-EFATA'",
            &[],
        )
        .await
        .expect("unit")
        .get(0);
    assert_eq!(other, 500);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_units_history_names_who_changed_what_with_the_previous_value() {
    let app = spawn_app().await;
    let admin = app.token_with(Role::Admin, "admin-rina", None, None);
    let rules = json_of(
        app.get("/v1/units/SENTRA-PHALAMARTHA/coverage", &admin)
            .await,
        200,
    )
    .await;
    let ciamis = rules["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|r| r["region_code"] == "32.07")
        .expect("Ciamis")
        .clone();
    let response = app
        .http
        .patch(app.url(&format!("/v1/coverage/{}", ciamis["id"])))
        .bearer_auth(&admin)
        .json(&json!({"active": false}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let history = json_of(
        app.get(
            "/v1/units/SENTRA-PHALAMARTHA/history?limit=1",
            &app.token(Role::Supervisor),
        )
        .await,
        200,
    )
    .await;
    let change = &history["items"][0];
    assert_eq!(change["actor"], "admin-rina");
    assert_eq!(change["actor_role"], "admin");
    assert_eq!(change["entity"], "coverage_rule");
    assert_eq!(change["action"], "updated");
    assert_eq!(change["rule_id"], ciamis["id"]);
    assert_eq!(change["before"]["active"], true);
    assert_eq!(change["after"]["active"], false);
    assert_eq!(change["before"]["origin"], "seed");
    let cursor = history["next_cursor"]
        .as_str()
        .expect("older changes: the seed's");
    let older = json_of(
        app.get(
            &format!("/v1/units/SENTRA-PHALAMARTHA/history?cursor={cursor}"),
            &admin,
        )
        .await,
        200,
    )
    .await;
    let older = older["items"].as_array().expect("items");
    assert!(
        !older.is_empty()
            && older
                .iter()
                .all(|c| c["actor"] == "seed" && c["action"] == "created")
    );
    assert_eq!(
        app.get("/v1/units/NOPE/history", &admin).await.status(),
        404
    );
}

async fn papua_substance_abuse_gaps(app: &TestApp, token: &str) -> Value {
    let path = "/v1/coverage/gaps?province=91&category=substance_abuse";
    json_of(app.get(path, token).await, 200).await
}

#[tokio::test(flavor = "multi_thread")]
async fn coverage_gaps_show_where_no_source_speaks() {
    let app = spawn_app().await;
    let supervisor = app.token(Role::Supervisor);
    // No source names any unit for a Papua province.
    let papua = papua_substance_abuse_gaps(&app, &supervisor).await;
    let items = papua["items"].as_array().expect("items");
    let regencies = json_of(app.get("/v1/regions?parent=91", &supervisor).await, 200).await;
    assert_eq!(
        items.len(),
        regencies["items"].as_array().expect("items").len()
    );
    assert!(
        items
            .iter()
            .all(|g| g["province_code"] == "91" && g["categories"] == json!(["substance_abuse"]))
    );

    // Sijunjung has a stated rule of an all-category unit.
    let mut all = Vec::new();
    let mut path = "/v1/coverage/gaps?category=elderly&limit=200".to_owned();
    loop {
        let page = json_of(app.get(&path, &supervisor).await, 200).await;
        all.extend(page["items"].as_array().expect("items").clone());
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                path = format!("/v1/coverage/gaps?category=elderly&limit=200&cursor={cursor}")
            }
            None => break,
        }
    }
    assert!(all.iter().all(|g| g["region_code"] != "13.03"));
    assert!(all.iter().any(|g| g["region_code"] == "91.03"));
    let codes: Vec<&str> = all
        .iter()
        .map(|g| g["region_code"].as_str().expect("code"))
        .collect();
    let mut sorted = codes.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(codes, sorted, "pages in code order, none twice");

    // An admin's rule closes a gap.
    let response = app
        .post(
            "/v1/units/SENTRA-WASANA-BAHAGIA/coverage",
            &app.token(Role::Admin),
            &json!({"region_code": "91", "category": "substance_abuse"}),
        )
        .await;
    assert_eq!(response.status(), 201);
    let closed = papua_substance_abuse_gaps(&app, &supervisor).await;
    assert_eq!(closed["items"], json!([]));
    assert_eq!(
        app.get("/v1/coverage/gaps?province=9", &supervisor)
            .await
            .status(),
        422
    );
}
