//! Duplicate suggestions at intake: `POST /v1/reports:check` and the
//! `possible_duplicates` of a filed report.

use serde_json::{Value, json};
use sigap_domain::Role;
use sigap_tests::{TestApp, report_body, spawn_app};

const NIK: &str = "1303015708450001";

/// A report about `people`, at the default place of [`report_body`].
fn about(people: Value) -> Value {
    let mut body = report_body();
    body["beneficiaries"] = people;
    body
}

/// An earlier report about Siti Aminah, with her NIK and phone.
async fn siti_reported(app: &TestApp) -> String {
    let filed = app
        .file(&about(json!([{
            "name": "Siti Aminah", "age": 79, "sex": "F",
            "nik": NIK, "phone": "0812 9876 5432"
        }])))
        .await;
    filed["id"].as_str().expect("id").to_owned()
}

async fn check_as(app: &TestApp, token: &str, body: &Value) -> (u16, Value) {
    let response = app.post("/v1/reports:check", token, body).await;
    let status = response.status().as_u16();
    (status, response.json().await.expect("json"))
}

async fn check(app: &TestApp, body: &Value) -> Vec<Value> {
    let (status, answer) = check_as(app, &app.token(Role::Operator), body).await;
    assert_eq!(status, 200, "{answer}");
    answer["possible_duplicates"]
        .as_array()
        .expect("a list")
        .clone()
}

fn reasons(suggestion: &Value) -> Vec<&str> {
    suggestion["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .map(|r| r.as_str().expect("text"))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_nik_phone_or_a_name_variant_is_suggested() {
    let app = spawn_app().await;
    let earlier = siti_reported(&app).await;
    let cases = [
        (json!({"name": "Sitti Aminah"}), "similar_name"),
        (json!({"name": "Ibu Siti Aminah"}), "similar_name"),
        (json!({"name": "SITI  AMINAH."}), "similar_name"),
        (json!({"name": "Someone Else", "nik": NIK}), "same_nik"),
        (json!({"phone": "+6281298765432"}), "same_phone"),
    ];
    for (person, reason) in cases {
        let found = check(
            &app,
            &json!({"category": "elderly", "region_code": "13.03",
                    "location": {"lat": -0.6905, "lon": 100.9505}, "beneficiaries": [person]}),
        )
        .await;
        assert_eq!(found.len(), 1, "{person}: {found:?}");
        assert_eq!(found[0]["report_id"], earlier.as_str(), "{person}");
        let why = reasons(&found[0]);
        assert!(
            why.contains(&reason) && why.contains(&"within_2km"),
            "{person}: {why:?}"
        );
        let score = found[0]["score"].as_f64().expect("score");
        assert!((0.0..=1.0).contains(&score), "{score}");
        assert!(found[0]["distance_km"].as_f64().expect("km") < 0.2);
        assert!(
            found[0]["ticket"]
                .as_str()
                .expect("ticket")
                .starts_with("CC-")
        );
    }
    let unrelated = check(
        &app,
        &json!({"category": "elderly", "region_code": "13.03",
                "location": {"lat": -0.69, "lon": 100.95},
                "beneficiaries": [{"name": "Budi Santoso", "nik": "1303011708450001"}]}),
    )
    .await;
    assert!(unrelated.is_empty(), "{unrelated:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_filed_report_lists_its_possible_duplicates_but_never_itself() {
    let app = spawn_app().await;
    let earlier = siti_reported(&app).await;
    let second = app
        .file(&about(json!([{"name": "Ibu Sitti Aminah", "nik": NIK}])))
        .await;
    let found = second["possible_duplicates"].as_array().expect("list");
    assert_eq!(found.len(), 1, "{second}");
    assert_eq!(found[0]["report_id"], earlier.as_str());
    assert_eq!(
        reasons(&found[0]),
        ["same_nik", "similar_name", "within_2km"]
    );
    assert_eq!(found[0]["score"], 1.0);

    // A report about nobody known is answered with an empty list.
    let third = app.file(&about(json!([{"name": "Budi Santoso"}]))).await;
    assert_eq!(third["possible_duplicates"], json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn in_a_flood_the_nearest_matches_and_every_shared_nik_are_found() {
    let app = spawn_app().await;
    // Siti Aminah was reported first, about 1 km from where a flood of
    // reports about other people then arrives: more than the 200 nearest
    // reports the name comparison reads.
    let mut siti = about(json!([{"name": "Siti Aminah", "age": 79, "sex": "F", "nik": NIK}]));
    siti["location"] = json!({"lat": -0.681, "lon": 100.95});
    let earlier = app.file(&siti).await["id"].as_str().expect("id").to_owned();
    let operator = app.token(Role::Operator);
    let flood: Vec<_> = (0..210)
        .map(|n| about(json!([{"name": format!("Warga Banjir {n}"), "age": 40, "sex": "M"}])))
        .collect();
    for chunk in flood.chunks(30) {
        let filed = futures_util::future::join_all(
            chunk
                .iter()
                .map(|body| app.post("/v1/reports", &operator, body)),
        )
        .await;
        assert!(filed.iter().all(|r| r.status() == 201));
    }

    // The flood's own people: the ten best of the nearest that match.
    let same_name = check(&app, &about(json!([{"name": "Warga Banjir 7"}]))).await;
    assert_eq!(same_name.len(), 10, "{same_name:?}");
    assert!(same_name.iter().all(|s| reasons(s).contains(&"within_2km")));

    // Siti's NIK is found through the people's own index, however many
    // reports lie nearer.
    let by_nik = check(
        &app,
        &about(json!([{"name": "Ibu Sitti Aminah", "nik": NIK}])),
    )
    .await;
    assert_eq!(by_nik.len(), 1, "{by_nik:?}");
    assert_eq!(by_nik[0]["report_id"], earlier.as_str());
    assert_eq!(
        reasons(&by_nik[0]),
        ["same_nik", "similar_name", "within_2km"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn another_category_is_never_suggested() {
    let app = spawn_app().await;
    siti_reported(&app).await;
    let found = check(
        &app,
        &json!({"category": "disability", "region_code": "13.03",
                "location": {"lat": -0.69, "lon": 100.95},
                "beneficiaries": [{"name": "Siti Aminah", "nik": NIK}]}),
    )
    .await;
    assert!(found.is_empty(), "{found:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn reports_more_than_2_km_apart_are_not_suggested() {
    let app = spawn_app().await;
    siti_reported(&app).await;
    // About 3.3 km south, and about 2.2 km east, of the earlier report.
    for (lat, lon) in [(-0.72, 100.95), (-0.69, 100.97)] {
        let found = check(
            &app,
            &json!({"category": "elderly", "region_code": "13.03",
                    "location": {"lat": lat, "lon": lon},
                    "beneficiaries": [{"name": "Siti Aminah", "nik": NIK}]}),
        )
        .await;
        assert!(found.is_empty(), "{lat},{lon}: {found:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn without_coordinates_the_same_regency_is_compared() {
    let app = spawn_app().await;
    let mut body = about(json!([{"name": "Siti Aminah"}]));
    body.as_object_mut().expect("object").remove("location");
    let earlier = app.file(&body).await;
    let found = check(
        &app,
        &json!({"category": "elderly", "region_code": "13.03",
                "beneficiaries": [{"name": "Sitti Aminah"}]}),
    )
    .await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["report_id"], earlier["id"]);
    assert_eq!(reasons(&found[0]), ["similar_name", "same_regency"]);
    assert!(found[0].get("distance_km").is_none(), "{}", found[0]);

    let elsewhere = check(
        &app,
        &json!({"category": "elderly", "region_code": "13.04",
                "beneficiaries": [{"name": "Siti Aminah"}]}),
    )
    .await;
    assert!(elsewhere.is_empty(), "another regency: {elsewhere:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_report_closed_more_than_30_days_ago_is_not_suggested() {
    let app = spawn_app().await;
    let earlier = siti_reported(&app).await;
    let db = app.db.client().await;
    let probe = json!({"category": "elderly", "region_code": "13.03",
                       "location": {"lat": -0.69, "lon": 100.95},
                       "beneficiaries": [{"nik": NIK}]});
    let id = earlier.as_str();
    db.execute(
        "UPDATE reports SET status = 'closed', closed_at = now() - interval '29 days' WHERE id = $1::text::uuid",
        &[&id],
    )
    .await
    .expect("close");
    assert_eq!(check(&app, &probe).await.len(), 1, "closed 29 days ago");
    db.execute(
        "UPDATE reports SET closed_at = now() - interval '31 days' WHERE id = $1::text::uuid",
        &[&id],
    )
    .await
    .expect("close earlier");
    assert!(check(&app, &probe).await.is_empty(), "closed 31 days ago");
    db.execute(
        "UPDATE reports SET status = 'duplicate', closed_at = NULL WHERE id = $1::text::uuid",
        &[&id],
    )
    .await
    .expect("mark duplicate");
    assert!(check(&app, &probe).await.is_empty(), "a duplicate");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_check_stores_nothing_and_announces_nothing() {
    let app = spawn_app().await;
    siti_reported(&app).await;
    let db = app.db.client().await;
    let counts = async || {
        let mut counts = Vec::new();
        for table in ["reports", "report_events", "outbox", "report_people"] {
            let row = db
                .query_one(&format!("SELECT count(*) FROM {table}"), &[])
                .await
                .expect("count");
            counts.push(row.get::<_, i64>(0));
        }
        counts
    };
    let before = counts().await;
    let mut body = about(json!([{"name": "Sitti Aminah", "nik": NIK}]));
    let response = app
        .http
        .post(app.url("/v1/reports:check"))
        .bearer_auth(app.token(Role::Operator))
        .header("Idempotency-Key", "check-1")
        .json(&body)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    assert_eq!(counts().await, before);
    // The key was not used: filing with it afterwards files a new report.
    body["beneficiaries"] = json!([{"name": "Budi Santoso"}]);
    let response = app
        .http
        .post(app.url("/v1/reports"))
        .bearer_auth(app.token(Role::Operator))
        .header("Idempotency-Key", "check-1")
        .json(&body)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["idempotent-replayed"], "false");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_check_needs_a_category_and_a_place_only() {
    let app = spawn_app().await;
    let (status, problem) = check_as(
        &app,
        &app.token(Role::Operator),
        &json!({"beneficiaries": [{"name": "Siti"}]}),
    )
    .await;
    assert_eq!(status, 422);
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("field"))
        .collect();
    assert_eq!(fields, ["category", "region_code"]);
    // Half-typed NIKs and phones are no error while the operator types.
    let (status, answer) = check_as(
        &app,
        &app.token(Role::Operator),
        &json!({"category": "elderly", "region_code": "13.03",
                "beneficiaries": [{"nik": "130301", "phone": "0812"}]}),
    )
    .await;
    assert_eq!((status, answer), (200, json!({"possible_duplicates": []})));
}

#[tokio::test(flavor = "multi_thread")]
async fn only_those_who_may_see_people_are_told_of_duplicates() {
    let app = spawn_app().await;
    let probe = json!({"category": "elderly", "region_code": "13.03",
                       "location": {"lat": -0.69, "lon": 100.95},
                       "beneficiaries": [{"name": "Siti Aminah"}]});
    let operators = siti_reported(&app).await;
    for role in [Role::Regional, Role::UptStaff, Role::Admin] {
        let (status, _) = check_as(&app, &app.token(role), &probe).await;
        assert_eq!(status, 403, "{role}");
    }
    let (status, answer) = check_as(&app, &app.token(Role::Supervisor), &probe).await;
    assert_eq!(status, 200);
    assert_eq!(
        answer["possible_duplicates"][0]["report_id"],
        operators.as_str()
    );

    // An integrator is compared only with the reports its client filed.
    let partner = app.integrator_token("partner-a", "reports:write reports:read");
    let (status, answer) = check_as(&app, &partner, &probe).await;
    assert_eq!((status, answer), (200, json!({"possible_duplicates": []})));
    let response = app
        .post(
            "/v1/reports",
            &partner,
            &about(json!([{"name": "Siti Aminah"}])),
        )
        .await;
    assert_eq!(response.status(), 201);
    let own: Value = response.json().await.expect("json");
    assert_eq!(
        own["possible_duplicates"],
        json!([]),
        "not the operator's report"
    );
    let (_, answer) = check_as(&app, &partner, &probe).await;
    let found = answer["possible_duplicates"].as_array().expect("list");
    assert_eq!(found.len(), 1, "{answer}");
    assert_eq!(found[0]["report_id"], own["id"]);
    let other = app.integrator_token("partner-b", "reports:write");
    let (_, answer) = check_as(&app, &other, &probe).await;
    assert_eq!(answer, json!({"possible_duplicates": []}));
    let reader = app.integrator_token("partner-a", "reports:read");
    let (status, _) = check_as(&app, &reader, &probe).await;
    assert_eq!(status, 403, "reports:write is needed");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_nik_with_an_impossible_birth_date_or_an_unknown_regency_is_refused() {
    let app = spawn_app().await;
    let cases = [
        ("1303013102450001", "beneficiaries[0].nik"), // 31 February
        ("1303017208450001", "beneficiaries[0].nik"), // day 72
        ("130301170845", "beneficiaries[0].nik"),     // too short
        ("1399011708450001", "beneficiaries[0].nik"), // no regency 13.99
    ];
    for (nik, field) in cases {
        let response = app
            .post(
                "/v1/reports",
                &app.token(Role::Operator),
                &about(json!([{"name": "Siti Aminah", "nik": nik}])),
            )
            .await;
        assert_eq!(response.status(), 422, "{nik}");
        let problem: Value = response.json().await.expect("json");
        assert_eq!(problem["errors"][0]["field"], field, "{nik}: {problem}");
    }
    let response = app
        .post(
            "/v1/reports",
            &app.token(Role::Operator),
            &about(json!([{"name": "Siti", "phone": "12345"}])),
        )
        .await;
    assert_eq!(response.status(), 422);
    let problem: Value = response.json().await.expect("json");
    assert_eq!(problem["errors"][0]["field"], "beneficiaries[0].phone");
}

#[tokio::test(flavor = "multi_thread")]
async fn nik_and_phone_are_shown_only_to_those_who_see_names() {
    let app = spawn_app().await;
    let id = siti_reported(&app).await;
    let path = format!("/v1/reports/{id}");
    let operator: Value = app
        .get(&path, &app.token(Role::Operator))
        .await
        .json()
        .await
        .expect("json");
    let person = &operator["beneficiaries"][0];
    assert_eq!(
        (&person["name"], &person["nik"], &person["phone"]),
        (&json!("Siti Aminah"), &json!(NIK), &json!("+6281298765432"))
    );
    let regional: Value = app
        .get(&path, &app.token(Role::Regional))
        .await
        .json()
        .await
        .expect("json");
    let person = regional["beneficiaries"][0].as_object().expect("person");
    assert_eq!(person.get("age"), Some(&json!(79)));
    for hidden in ["name", "nik", "phone"] {
        assert!(!person.contains_key(hidden), "{hidden}: {person:?}");
    }
}

/// The merge (in Rust) and the suggestions (in SQL) must agree on when two
/// written names are one person's.
#[tokio::test]
async fn the_database_and_the_merge_normalise_names_alike() {
    let db = sigap_tests::TestDb::new().await;
    let client = db.client().await;
    for name in [
        "Siti Aminah",
        "Sitti  Aminah",
        "IBU Siti Aminah",
        "Hj. Sitti Ämínah",
        "Bpk. Darman, S.Pd",
        "Mbah Rahmah",
        "nenek",
        "Nyonya Ñoña-Çelik",
    ] {
        let row = client
            .query_one("SELECT person_name_key($1)", &[&name])
            .await
            .expect("person_name_key");
        let in_sql: Option<String> = row.get(0);
        assert_eq!(
            in_sql,
            sigap_domain::people::normalized_name(name),
            "{name}"
        );
    }
}
