use serde_json::{Value, json};
use sigap_domain::Role;
use sigap_tests::{report_body, spawn_app};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn a_filed_report_is_stored_with_its_first_event_and_one_message() {
    let app = spawn_app().await;
    let mut tap = app.tap("reports", "#").await;
    let response = app
        .post("/v1/reports", &app.token(Role::Operator), &report_body())
        .await;
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let filed: Value = response.json().await.expect("json");
    let id = filed["id"].as_str().expect("id");
    assert_eq!(location, format!("/v1/reports/{id}"));
    assert_eq!(filed["status"], "received");
    let ticket = filed["ticket"].as_str().expect("ticket");
    let year = chrono::Utc::now().format("%Y").to_string();
    assert!(
        ticket.starts_with(&format!("CC-{year}-")) && ticket.len() == 14,
        "{ticket}"
    );
    assert!(filed["created_at"].as_str().expect("time").ends_with('Z'));

    let messages = tap.expect(1, Duration::from_secs(10)).await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(messages[0]["type"], "ReportReceivedV1");
    assert_eq!(messages[0]["report_id"], id);
    assert_eq!(messages[0]["urgency"], "high");

    let report: Value = app
        .get(&format!("/v1/reports/{id}"), &app.token(Role::Operator))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(report["ticket"], ticket);
    assert_eq!(
        report["reporter"]["phone"], "+6281234567890",
        "normalised to +62"
    );
    assert_eq!(report["events"][0]["kind"], "received");
    assert_eq!(report["events"].as_array().expect("events").len(), 1);
}

/// What the reporter is given to follow the report: the ticket and six
/// random characters of Crockford's base32, different for every report.
#[tokio::test(flavor = "multi_thread")]
async fn a_filed_report_gets_a_tracking_code_of_its_ticket_and_a_random_suffix() {
    const ALPHABET: &str = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let app = spawn_app().await;
    let mut suffixes = Vec::new();
    for _ in 0..3 {
        let filed = app.file(&report_body()).await;
        let ticket = filed["ticket"].as_str().expect("ticket");
        let code = filed["tracking_code"].as_str().expect("tracking code");
        let suffix = code
            .strip_prefix(&format!("{ticket}-"))
            .unwrap_or_else(|| panic!("{code} is not {ticket} and a suffix"));
        assert_eq!(suffix.len(), 6, "{code}");
        assert!(suffix.chars().all(|c| ALPHABET.contains(c)), "{code}");
        suffixes.push(suffix.to_owned());

        let id = filed["id"].as_str().expect("id");
        let report: Value = app
            .get(&format!("/v1/reports/{id}"), &app.token(Role::Operator))
            .await
            .json()
            .await
            .expect("json");
        assert_eq!(report["tracking_code"], code, "stored with the report");
    }
    suffixes.sort();
    suffixes.dedup();
    assert_eq!(suffixes.len(), 3, "random, not derived: {suffixes:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn tickets_come_from_a_sequence_and_are_unique() {
    let app = spawn_app().await;
    let mut tickets = Vec::new();
    for _ in 0..5 {
        tickets.push(
            app.file(&report_body()).await["ticket"]
                .as_str()
                .expect("ticket")
                .to_owned(),
        );
    }
    let numbers: Vec<u64> = tickets
        .iter()
        .map(|t| t[8..].parse().expect("digits"))
        .collect();
    assert!(numbers.windows(2).all(|w| w[1] == w[0] + 1), "{tickets:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_idempotent_retry_returns_the_first_answer_and_files_nothing_twice() {
    let app = spawn_app().await;
    let mut tap = app.tap("reports", "#").await;
    let token = app.token(Role::Operator);
    let send = |body: Value| {
        app.http
            .post(app.url("/v1/reports"))
            .bearer_auth(&token)
            .header("Idempotency-Key", "call-2026-0001")
            .json(&body)
            .send()
    };
    let first = send(report_body()).await.expect("request");
    assert_eq!(first.status(), 201);
    assert_eq!(first.headers()["idempotent-replayed"], "false");
    let first: Value = first.json().await.expect("json");

    // The same content, keys in another order: the same request.
    let mut reordered = serde_json::Map::new();
    let original = report_body();
    for (k, v) in original.as_object().expect("object").iter().rev() {
        reordered.insert(k.clone(), v.clone());
    }
    let retry = send(Value::Object(reordered)).await.expect("request");
    assert_eq!(retry.status(), 201);
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    assert_eq!(retry.json::<Value>().await.expect("json"), first);

    let mut other = report_body();
    other["urgency"] = json!("critical");
    let conflict = send(other).await.expect("request");
    assert_eq!(conflict.status(), 422);
    let problem: Value = conflict.json().await.expect("json");
    assert_eq!(problem["type"], "/problems/idempotency-key-reused");

    let messages = tap.expect(1, Duration::from_secs(10)).await;
    assert_eq!(
        messages.len(),
        1,
        "one message for one report: {messages:?}"
    );
    let db = app.db.client().await;
    let count: i64 = db
        .query_one("SELECT count(*) FROM reports", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(count, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_retry_while_the_first_request_is_in_flight_gets_409() {
    let app = spawn_app().await;
    let token = app.token(Role::Operator);
    // Hold the key's lock, as a first request still being stored would.
    let db = app.db.client().await;
    db.execute("BEGIN", &[]).await.expect("begin");
    db.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended($1 || chr(31) || $2, 7))",
        &[&"operator-test", &"key-in-flight"],
    )
    .await
    .expect("lock");
    let response = app
        .http
        .post(app.url("/v1/reports"))
        .bearer_auth(&token)
        .header("Idempotency-Key", "key-in-flight")
        .json(&report_body())
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 409);
    let problem: Value = response.json().await.expect("json");
    assert_eq!(problem["type"], "/problems/idempotency-key-in-flight");
    db.execute("ROLLBACK", &[]).await.expect("rollback");
}

#[tokio::test(flavor = "multi_thread")]
async fn each_validation_rule_answers_422_naming_its_field() {
    let app = spawn_app().await;
    let token = app.token(Role::Operator);
    let cases: Vec<(&str, Value, &str)> = vec![
        ("category", json!("pets"), "category"),
        ("need", json!("money"), "need"),
        ("urgency", json!("urgent"), "urgency"),
        ("channel", json!("pigeon"), "channel"),
        ("region_code", json!("99.99"), "region_code"),
        ("region_code", json!("1303"), "region_code"),
        (
            "location",
            json!({"lat": 35.6, "lon": 139.7}),
            "location.lat",
        ),
        (
            "location",
            json!({"lat": -6.2, "lon": 150.0}),
            "location.lon",
        ),
        (
            "location",
            json!({"lat": "south", "lon": 100.0}),
            "location.lat",
        ),
        (
            "reporter",
            json!({"name": "X", "phone": "+1 555 0100"}),
            "reporter.phone",
        ),
        ("reporter", json!({"phone": "0812"}), "reporter.phone"),
        ("description", json!("short"), "description"),
        ("description", json!("x".repeat(5001)), "description"),
        (
            "beneficiaries",
            json!(vec![json!({"age": 30}); 101]),
            "beneficiaries",
        ),
        (
            "beneficiaries",
            json!([{"age": 300}]),
            "beneficiaries[0].age",
        ),
        ("beneficiary_count", json!(0), "beneficiary_count"),
        // An object's fields, not an array of them in declaration order.
        ("reporter", json!([null, null]), "reporter"),
        ("location", json!([-0.69, 100.95]), "location"),
        // No text holds NUL (PostgreSQL text cannot).
        (
            "description",
            json!("Lansia tinggal\u{0} sendiri"),
            "description",
        ),
        ("reporter", json!({"name": "Siti\u{0}"}), "reporter.name"),
    ];
    for (key, value, field) in cases {
        let mut body = report_body();
        body[key] = value;
        if key == "beneficiaries" {
            body.as_object_mut()
                .expect("object")
                .remove("beneficiary_count");
        }
        let response = app.post("/v1/reports", &token, &body).await;
        assert_eq!(response.status(), 422, "{key}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
        let problem: Value = response.json().await.expect("json");
        assert_eq!(problem["type"], "/problems/validation");
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| e["field"].as_str().expect("field"))
            .collect();
        assert_eq!(fields, vec![field], "{key}: {problem}");
    }
    // A whole number is an integer however it is written.
    let mut whole = report_body();
    whole["beneficiary_count"] = json!(2.0);
    assert_eq!(app.post("/v1/reports", &token, &whole).await.status(), 201);

    let mut missing = report_body();
    missing.as_object_mut().expect("object").remove("category");
    let problem: Value = app
        .post("/v1/reports", &token, &missing)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        problem["errors"][0],
        json!({"field": "category", "message": "is required"})
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_oversized_and_non_json_bodies_are_refused() {
    let app = spawn_app().await;
    let token = app.token(Role::Operator);
    let raw = |body: String, content_type: &'static str| {
        app.http
            .post(app.url("/v1/reports"))
            .bearer_auth(&token)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let response = raw("{\"category\": ".into(), "application/json")
        .await
        .expect("request");
    assert_eq!(response.status(), 400);
    let problem: Value = response.json().await.expect("json");
    assert_eq!(problem["type"], "/problems/malformed-request");

    let mut big = report_body();
    big["address"] = json!("x".repeat(70 * 1024));
    let response = raw(big.to_string(), "application/json")
        .await
        .expect("request");
    assert_eq!(response.status(), 413);
    assert_eq!(
        response.json::<Value>().await.expect("json")["type"],
        "/problems/payload-too-large"
    );

    let response = raw(
        "category=elderly".into(),
        "application/x-www-form-urlencoded",
    )
    .await
    .expect("request");
    assert_eq!(response.status(), 415);

    let response = raw("[1, 2]".into(), "application/json")
        .await
        .expect("request");
    assert_eq!(response.status(), 422);
}

#[tokio::test(flavor = "multi_thread")]
async fn anonymous_reports_keep_no_identity_and_only_some_roles_see_names() {
    let app = spawn_app().await;
    let mut body = report_body();
    body["reporter"] = json!({"name": "Hidden", "phone": "081234567890", "anonymous": true});
    let id = app.file(&body).await["id"].as_str().expect("id").to_owned();
    let report: Value = app
        .get(&format!("/v1/reports/{id}"), &app.token(Role::Operator))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        report["reporter"],
        json!({"name": null, "phone": null, "anonymous": true})
    );

    let id = app.file(&report_body()).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let regional: Value = app
        .get(&format!("/v1/reports/{id}"), &app.token(Role::Regional))
        .await
        .json()
        .await
        .expect("json");
    assert!(regional.get("reporter").is_none(), "{regional}");
    assert!(regional["beneficiaries"][0].get("name").is_none());
    assert_eq!(regional["beneficiaries"][0]["age"], 78);

    // A regional office of another province, and staff of an unrelated unit, see nothing.
    let other_region = app.token_with(Role::Regional, "dinsos-jatim", None, Some("35"));
    assert_eq!(
        app.get(&format!("/v1/reports/{id}"), &other_region)
            .await
            .status(),
        404
    );
    let staff = app.token_with(Role::UptStaff, "staff", Some("SENTRA-EFATA"), None);
    assert_eq!(
        app.get(&format!("/v1/reports/{id}"), &staff).await.status(),
        404
    );
    let unknown = uuid::Uuid::new_v4();
    assert_eq!(
        app.get(
            &format!("/v1/reports/{unknown}"),
            &app.token(Role::Operator)
        )
        .await
        .status(),
        404
    );
    assert_eq!(
        app.get("/v1/reports/not-a-uuid", &app.token(Role::Operator))
            .await
            .status(),
        404
    );
}
