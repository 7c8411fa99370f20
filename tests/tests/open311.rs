//! The Open311 GeoReport v2 facade, as an Open311 client uses it.

use serde_json::{Value, json};
use sigap_domain::Role;
use sigap_tests::{TestApp, Worker, spawn_app, spawn_app_with};
use std::time::Duration;

/// Creates an API client (as an admin) and returns its `api_key`.
async fn api_key(app: &TestApp, name: &str) -> String {
    let response = app
        .post(
            "/v1/clients",
            &app.token(Role::Admin),
            &json!({"name": name, "scopes": ["open311"]}),
        )
        .await;
    assert_eq!(response.status(), 201);
    let client: Value = response.json().await.expect("json");
    format!(
        "{}:{}",
        client["client_id"].as_str().expect("client_id"),
        client["client_secret"].as_str().expect("client_secret")
    )
}

/// A complete request, as a form: no region attribute, only coordinates.
fn request_form(api_key: &str) -> Vec<(&'static str, String)> {
    vec![
        ("api_key", api_key.to_owned()),
        ("service_code", "elderly".into()),
        ("lat", "-0.69".into()),
        ("long", "100.95".into()),
        ("address_string", "Jorong Koto Tuo, Kec. Kamang Baru".into()),
        (
            "description",
            "Lansia tinggal sendiri, butuh kursi roda.".into(),
        ),
        ("first_name", "Siti".into()),
        ("last_name", "Aminah".into()),
        ("phone", "081234567890".into()),
        ("email", "siti@example.org".into()),
        ("attribute[urgency]", "high".into()),
    ]
}

async fn post_form(app: &TestApp, form: &[(&str, String)]) -> reqwest::Response {
    app.http
        .post(app.url("/open311/v2/requests.json"))
        .form(form)
        .send()
        .await
        .expect("request")
}

async fn get(app: &TestApp, path: &str, query: &[(&str, &str)]) -> reqwest::Response {
    app.http
        .get(app.url(path))
        .query(query)
        .send()
        .await
        .expect("request")
}

/// Files a request and returns its ticket.
async fn file(app: &TestApp, form: &[(&str, String)]) -> String {
    let response = post_form(app, form).await;
    let status = response.status();
    let body: Value = response.json().await.expect("json");
    assert_eq!(status, 201, "filing failed: {body}");
    body[0]["service_request_id"]
        .as_str()
        .expect("service_request_id")
        .to_owned()
}

/// Checks an Open311 error answer: JSON, the status in every entry, and
/// returns the descriptions.
async fn open311_error(response: reqwest::Response, status: u16) -> Vec<String> {
    assert_eq!(response.status(), status);
    assert_eq!(response.headers()["content-type"], "application/json");
    let body: Value = response.json().await.expect("json");
    let entries = body.as_array().expect("an array of errors");
    assert!(!entries.is_empty(), "{body}");
    entries
        .iter()
        .map(|e| {
            assert_eq!(e["code"], status, "{body}");
            e["description"].as_str().expect("description").to_owned()
        })
        .collect()
}

fn assert_no_personal_data(text: &str) {
    for personal in ["Siti", "Aminah", "81234567890", "siti@example.org"] {
        assert!(!text.contains(personal), "{personal} leaked: {text}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_open311_client_files_a_request_and_follows_it_to_its_unit() {
    let app = spawn_app().await;
    let services: Value = get(&app, "/open311/v2/services.json", &[])
        .await
        .json()
        .await
        .expect("json");
    let elderly = services
        .as_array()
        .expect("services")
        .iter()
        .find(|s| s["service_code"] == "elderly")
        .expect("an elderly service");
    assert_eq!(
        elderly,
        &json!({"service_code": "elderly", "service_name": "Elderly person",
            "description": "Lanjut usia / Elderly person", "metadata": true, "type": "realtime",
            "keywords": "", "group": "social rehabilitation"})
    );

    let key = api_key(&app, "Open311 city app").await;
    let worker = Worker::start(app.config());
    let response = post_form(&app, &request_form(&key)).await;
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.expect("json");
    let ticket = created[0]["service_request_id"]
        .as_str()
        .expect("ticket")
        .to_owned();
    assert!(ticket.starts_with("CC-"), "{created}");
    assert!(created[0]["account_id"].is_null());
    assert!(created[0]["service_notice"].is_string());

    let db = app.db.client().await;
    let row = db
        .query_one(
            "SELECT region_code, channel, urgency, need, client_id, reporter_name FROM reports \
             WHERE ticket = $1",
            &[&ticket],
        )
        .await
        .expect("the report");
    let client_id = key.split(':').next().expect("client id");
    assert_eq!(
        (
            row.get::<_, String>(0),
            row.get::<_, String>(1),
            row.get::<_, String>(2),
            row.get::<_, String>(3),
            row.get::<_, Option<String>>(4),
            row.get::<_, Option<String>>(5),
        ),
        (
            "13.03".to_owned(),
            "open311".to_owned(),
            "high".to_owned(),
            "other".to_owned(),
            Some(client_id.to_owned()),
            Some("Siti Aminah".to_owned()),
        ),
        "-0.69, 100.95 lies in Kabupaten Sijunjung"
    );

    let path = format!("/open311/v2/requests/{ticket}.json");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    let request = loop {
        let response = get(&app, &path, &[("api_key", &key)]).await;
        assert_eq!(response.status(), 200);
        let text = response.text().await.expect("text");
        assert_no_personal_data(&text);
        let body: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(body.as_array().map(Vec::len), Some(1), "{body}");
        if body[0]["agency_responsible"] == "Sentra Mulya Jaya" {
            break body[0].clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not assigned: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    worker.stop().await;
    assert_eq!(request["service_request_id"], ticket.as_str());
    assert_eq!(request["status"], "open");
    assert_eq!(request["status_notes"], "assigned to Sentra Mulya Jaya");
    assert_eq!(request["service_code"], "elderly");
    assert_eq!(request["service_name"], "Elderly person");
    assert_eq!(
        request["description"],
        "Lansia tinggal sendiri, butuh kursi roda."
    );
    assert_eq!(request["address"], "Jorong Koto Tuo, Kec. Kamang Baru");
    assert_eq!(
        (request["lat"].as_f64(), request["long"].as_f64()),
        (Some(-0.69), Some(100.95))
    );
    assert!(request["expected_datetime"].is_string(), "the SLA is due");
    assert!(request["requested_datetime"].is_string());
    assert!(request["updated_datetime"].is_string());
    for null in ["service_notice", "address_id", "zipcode", "media_url"] {
        assert!(request[null].is_null(), "{null}");
    }

    let response = get(&app, "/open311/v2/requests.json", &[("api_key", &key)]).await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.expect("text");
    assert_no_personal_data(&text);
    let list: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list[0]["service_request_id"], ticket.as_str());
    assert_eq!(list[0]["agency_responsible"], "Sentra Mulya Jaya");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_or_wrong_api_key_is_refused_with_an_open311_error() {
    let app = spawn_app().await;
    let key = api_key(&app, "Open311 city app").await;
    let ticket = file(&app, &request_form(&key)).await;
    let client_id = key.split(':').next().expect("client id");

    for bad in [
        String::new(),
        format!("{client_id}:wrong"),
        "no-colon".into(),
    ] {
        let mut form = request_form(&bad);
        if bad.is_empty() {
            form.retain(|(k, _)| *k != "api_key");
        }
        let descriptions = open311_error(post_form(&app, &form).await, 403).await;
        assert!(descriptions[0].contains("api_key"), "{descriptions:?}");
        if bad.is_empty() {
            // Without a key, reads are public (see below); filing is not.
            continue;
        }
        let path = format!("/open311/v2/requests/{ticket}.json");
        open311_error(get(&app, &path, &[("api_key", &bad)]).await, 403).await;
        open311_error(
            get(&app, "/open311/v2/requests.json", &[("api_key", &bad)]).await,
            403,
        )
        .await;
    }
    let db = app.db.client().await;
    let count: i64 = db
        .query_one("SELECT count(*) FROM reports", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(count, 1, "nothing is filed without a valid api_key");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invalid_request_gets_one_open311_error_per_field() {
    let app = spawn_app().await;
    let key = api_key(&app, "Open311 city app").await;

    let mut form = request_form(&key);
    form.retain(|(k, _)| *k != "description");
    let descriptions = open311_error(post_form(&app, &form).await, 400).await;
    assert_eq!(descriptions, ["description: is required"]);

    let form = vec![
        ("api_key", key.clone()),
        ("service_code", "pets".into()),
        (
            "description",
            "Lansia tinggal sendiri, butuh kursi roda.".into(),
        ),
        ("phone", "+1555123".into()),
        ("attribute[urgency]", "urgent".into()),
    ];
    let descriptions = open311_error(post_form(&app, &form).await, 400).await;
    let fields: Vec<&str> = descriptions
        .iter()
        .map(|d| d.split(':').next().expect("field"))
        .collect();
    assert_eq!(
        fields,
        [
            "service_code",
            "attribute[urgency]",
            "attribute[region_code]",
            "phone"
        ],
        "{descriptions:?}"
    );

    let mut outside = request_form(&key);
    outside.retain(|(k, _)| *k != "long");
    outside.push(("long", "150".into()));
    let descriptions = open311_error(post_form(&app, &outside).await, 400).await;
    assert!(
        descriptions
            .iter()
            .any(|d| d.starts_with("long: must be inside Indonesia")),
        "{descriptions:?}"
    );

    let mut unknown = request_form(&key);
    unknown.push(("attribute[region_code]", "99.99".into()));
    let descriptions = open311_error(post_form(&app, &unknown).await, 400).await;
    assert_eq!(
        descriptions,
        ["attribute[region_code]: is not a known region"]
    );

    let db = app.db.client().await;
    let count: i64 = db
        .query_one("SELECT count(*) FROM reports", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(count, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_sees_only_the_requests_it_filed() {
    let app = spawn_app().await;
    let mine = api_key(&app, "Open311 city app").await;
    let theirs = api_key(&app, "Another app").await;
    let ticket = file(&app, &request_form(&mine)).await;
    let their_ticket = file(&app, &request_form(&theirs)).await;

    let path = format!("/open311/v2/requests/{ticket}.json");
    let descriptions = open311_error(get(&app, &path, &[("api_key", &theirs)]).await, 404).await;
    assert_no_personal_data(&descriptions.join(" "));

    let both = format!("{ticket},{their_ticket}");
    let listed = list(&app, &theirs, &[("service_request_id", &both)]).await;
    assert_eq!(tickets(&listed), [their_ticket.as_str()]);
    let listed = list(&app, &mine, &[]).await;
    assert_eq!(tickets(&listed), [ticket.as_str()]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_report_is_closed_for_open311_and_the_list_filters_by_status() {
    let app = spawn_app().await;
    let key = api_key(&app, "Open311 city app").await;
    let cancelled = file(&app, &request_form(&key)).await;
    // JSON bodies work too, with attributes as an object.
    let response = app
        .http
        .post(app.url("/open311/v2/requests.json"))
        .json(&json!({
            "api_key": key, "service_code": "disability", "lat": -0.69, "long": 100.95,
            "description": "Anak disabilitas butuh alat bantu dengar.",
            "attribute": {"region_code": "13.03", "need": "assistive_device"}
        }))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 201);
    let open = response.json::<Value>().await.expect("json")[0]["service_request_id"]
        .as_str()
        .expect("ticket")
        .to_owned();

    let db = app.db.client().await;
    let id: String = db
        .query_one(
            "SELECT id::text FROM reports WHERE ticket = $1",
            &[&cancelled],
        )
        .await
        .expect("row")
        .get(0);
    let response = app
        .post(
            &format!("/v1/reports/{id}/status"),
            &app.token(Role::Supervisor),
            &json!({"status": "cancelled", "note": "Laporan ganda dari aplikasi kota"}),
        )
        .await;
    assert_eq!(response.status(), 200);

    let yesterday = (chrono::Utc::now() - chrono::Duration::days(1)).to_rfc3339();
    let all = list(&app, &key, &[]).await;
    assert_eq!(
        tickets(&all),
        [open.as_str(), cancelled.as_str()],
        "newest first"
    );
    assert_eq!(
        (
            &all[0]["status"],
            &all[1]["status"],
            &all[1]["status_notes"]
        ),
        (&json!("open"), &json!("closed"), &json!("cancelled"))
    );
    for (filter, expected) in [
        (("status", "closed"), vec![cancelled.as_str()]),
        (("status", "open"), vec![open.as_str()]),
        (("service_code", "disability"), vec![open.as_str()]),
        (("start_date", "2999-01-01T00:00:00+07:00"), vec![]),
        (("end_date", "2000-01-01T00:00:00Z"), vec![]),
        (
            ("start_date", yesterday.as_str()),
            vec![open.as_str(), cancelled.as_str()],
        ),
    ] {
        let listed = list(&app, &key, &[filter]).await;
        assert_eq!(tickets(&listed), expected, "{filter:?}");
    }

    let response = get(
        &app,
        "/open311/v2/requests.json",
        &[
            ("api_key", &key),
            ("status", "pending"),
            ("start_date", "yesterday"),
        ],
    )
    .await;
    let descriptions = open311_error(response, 400).await;
    assert_eq!(
        descriptions
            .iter()
            .map(|d| d.split(':').next().expect("field"))
            .collect::<Vec<_>>(),
        ["status", "start_date"]
    );
}

/// `GET requests.json` with the api_key and one more filter, when given.
async fn list(app: &TestApp, key: &str, filter: &[(&str, &str)]) -> Value {
    let mut query = vec![("api_key", key)];
    query.extend_from_slice(filter);
    let response = get(app, "/open311/v2/requests.json", &query).await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("json")
}

fn tickets(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("list")
        .iter()
        .map(|r| r["service_request_id"].as_str().expect("id"))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_service_definition_lists_the_attributes_and_unknown_paths_answer_in_open311_form() {
    let app = spawn_app().await;
    let services: Value = get(&app, "/open311/v2/services.json", &[])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        services.as_array().map(Vec::len),
        Some(8),
        "one per category"
    );

    let definition: Value = get(&app, "/open311/v2/services/elderly.json", &[])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(definition["service_code"], "elderly");
    let codes: Vec<&str> = definition["attributes"]
        .as_array()
        .expect("attributes")
        .iter()
        .map(|a| a["code"].as_str().expect("code"))
        .collect();
    assert_eq!(codes, ["region_code", "need", "urgency"]);
    let urgency = &definition["attributes"][2];
    assert_eq!(urgency["datatype"], "singlevaluelist");
    assert_eq!(urgency["values"][0]["key"], "critical");

    open311_error(get(&app, "/open311/v2/services/pets.json", &[]).await, 404).await;
    open311_error(get(&app, "/open311/v2/nothing.json", &[]).await, 404).await;
    let key = api_key(&app, "Open311 city app").await;
    open311_error(
        get(
            &app,
            "/open311/v2/requests/CC-2000-000001.json",
            &[("api_key", &key)],
        )
        .await,
        404,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_open311_routes_are_in_the_openapi_document() {
    let app = spawn_app().await;
    let spec: Value = get(&app, "/openapi.json", &[])
        .await
        .json()
        .await
        .expect("json");
    for (path, method) in [
        ("/open311/v2/discovery.{format}", "get"),
        ("/open311/v2/services.{format}", "get"),
        ("/open311/v2/services/{service_code}.{format}", "get"),
        ("/open311/v2/requests.{format}", "post"),
        ("/open311/v2/requests.{format}", "get"),
        ("/open311/v2/requests/{service_request_id}.{format}", "get"),
    ] {
        let operation = &spec["paths"][path][method];
        assert_eq!(operation["tags"], json!(["open311"]), "{method} {path}");
        let parameters: Vec<&str> = operation["parameters"]
            .as_array()
            .expect("parameters")
            .iter()
            .map(|p| p["name"].as_str().expect("name"))
            .collect();
        assert!(parameters.contains(&"format"), "{method} {path}");
        assert!(parameters.contains(&"jurisdiction_id"), "{method} {path}");
        let ok = if method == "post" { "201" } else { "200" };
        let content = &operation["responses"][ok]["content"];
        assert!(content["application/json"].is_object(), "{method} {path}");
        assert!(content["text/xml"].is_object(), "{method} {path}");
    }
    let post = &spec["paths"]["/open311/v2/requests.{format}"]["post"];
    assert!(post["responses"]["403"]["content"]["text/xml"].is_object());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_database_is_a_503_in_open311_form() {
    let app = spawn_app_with(&[
        ("DATABASE_URL", "postgres://postgres@127.0.0.1:1/nowhere"),
        ("SIGAP_DB_TIMEOUT", "1s"),
    ])
    .await;
    let response = post_form(&app, &request_form("cli_x:secret")).await;
    assert_eq!(response.headers()["retry-after"], "5");
    let descriptions = open311_error(response, 503).await;
    assert!(descriptions[0].contains("unavailable"), "{descriptions:?}");
    open311_error(
        get(
            &app,
            "/open311/v2/requests.json",
            &[("api_key", "cli_x:secret")],
        )
        .await,
        503,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn coordinates_alone_place_a_request_in_the_regency_whose_boundary_contains_them() {
    let app = spawn_app().await;
    let key = api_key(&app, "Open311 border app").await;
    // Inside Sijunjung, nearer to Dharmasraya's centroid than to its own.
    let mut form = request_form(&key);
    form.retain(|(k, _)| *k != "lat" && *k != "long");
    form.push(("lat", "-0.9469".into()));
    form.push(("long", "101.2984".into()));
    let response = post_form(&app, &form).await;
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.expect("json");
    let ticket = created[0]["service_request_id"].as_str().expect("ticket");
    let region: String = app
        .db
        .client()
        .await
        .query_one(
            "SELECT region_code FROM reports WHERE ticket = $1",
            &[&ticket],
        )
        .await
        .expect("the report")
        .get(0);
    assert_eq!(region, "13.03");

    // In the sea: refused, naming the nearest regency.
    let mut sea = request_form(&key);
    sea.retain(|(k, _)| *k != "lat" && *k != "long");
    sea.push(("lat", "-5.2".into()));
    sea.push(("long", "110.0".into()));
    let response = post_form(&app, &sea).await;
    assert_eq!(response.status(), 400);
    let errors: Value = response.json().await.expect("json");
    let description = errors[0]["description"].as_str().expect("description");
    assert!(
        description.starts_with("lat, long: lies outside every regency"),
        "{errors}"
    );
}

/// The body of an XML answer, after checking its status and Content-Type.
async fn xml(response: reqwest::Response, status: u16) -> String {
    assert_eq!(response.status(), status);
    assert_eq!(
        response.headers()["content-type"],
        "text/xml; charset=utf-8"
    );
    let text = response.text().await.expect("text");
    assert!(
        text.starts_with(r#"<?xml version="1.0" encoding="utf-8"?>"#),
        "{text}"
    );
    text
}

/// The text of every `<name>` element, in order.
fn elements<'a>(xml: &'a str, name: &str) -> Vec<&'a str> {
    let (open, close) = (format!("<{name}>"), format!("</{name}>"));
    xml.split(open.as_str())
        .skip(1)
        .map(|rest| rest.split(close.as_str()).next().expect("closed"))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_open311_endpoint_answers_in_xml_with_the_georeport_element_names() {
    let app = spawn_app().await;
    let services = xml(get(&app, "/open311/v2/services.xml", &[]).await, 200).await;
    assert!(
        services.contains("<services><service><service_code>"),
        "{services}"
    );
    assert_eq!(elements(&services, "service").len(), 8);
    assert!(
        services.contains(
            "<service_code>elderly</service_code><service_name>Elderly person</service_name>\
             <description>Lanjut usia / Elderly person</description><metadata>true</metadata>\
             <type>realtime</type><keywords></keywords><group>social rehabilitation</group>"
        ),
        "{services}"
    );

    let definition = xml(
        get(&app, "/open311/v2/services/elderly.xml", &[]).await,
        200,
    )
    .await;
    assert!(
        definition.contains("<service_definition><service_code>elderly</service_code><attributes><attribute><variable>true</variable><code>region_code</code>"),
        "{definition}"
    );
    assert_eq!(
        elements(&definition, "code"),
        ["region_code", "need", "urgency"]
    );
    assert!(definition.contains("<values><value><key>critical</key><name>"));

    let key = api_key(&app, "Open311 XML app").await;
    let mut form = request_form(&key);
    // Markup in what people write is text, escaped.
    form.retain(|(k, _)| *k != "address_string");
    form.push(("address_string", "Jl. <Mawar> & \"Melati\" 5".into()));
    let response = app
        .http
        .post(app.url("/open311/v2/requests.xml"))
        .form(&form)
        .send()
        .await
        .expect("request");
    let location = response.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let created = xml(response, 201).await;
    let ticket = elements(&created, "service_request_id")[0].to_owned();
    assert!(
        created.starts_with(&format!(
            r#"<?xml version="1.0" encoding="utf-8"?><service_requests><request><service_request_id>{ticket}</service_request_id><service_notice>"#
        )),
        "{created}"
    );
    assert!(created.ends_with("<account_id/></request></service_requests>"));
    assert_eq!(location, format!("/open311/v2/requests/{ticket}.xml"));

    let mine = xml(get(&app, &location, &[("api_key", &key)]).await, 200).await;
    assert_eq!(elements(&mine, "request").len(), 1);
    assert_eq!(elements(&mine, "service_request_id"), [ticket.as_str()]);
    assert_eq!(elements(&mine, "status"), ["open"]);
    assert_eq!(
        elements(&mine, "address"),
        ["Jl. &lt;Mawar&gt; &amp; &quot;Melati&quot; 5"]
    );
    assert_eq!(elements(&mine, "lat"), ["-0.69"]);
    assert!(mine.contains("<media_url/>"), "{mine}");
    assert_no_personal_data(&mine);

    let listed = xml(
        get(&app, "/open311/v2/requests.xml", &[("api_key", &key)]).await,
        200,
    )
    .await;
    assert!(listed.contains("<service_requests><request>"), "{listed}");
    assert_eq!(elements(&listed, "service_request_id"), [ticket.as_str()]);

    // Errors follow the path's format.
    for (response, status) in [
        (get(&app, "/open311/v2/services/pets.xml", &[]).await, 404),
        (
            get(
                &app,
                "/open311/v2/requests.xml",
                &[("api_key", "cli_x:wrong")],
            )
            .await,
            403,
        ),
        (
            get(
                &app,
                "/open311/v2/requests.xml",
                &[("api_key", &key), ("status", "pending")],
            )
            .await,
            400,
        ),
        (get(&app, "/open311/v2/nothing.xml", &[]).await, 404),
    ] {
        let errors = xml(response, status).await;
        assert!(
            errors.contains(&format!(
                "<errors><error><code>{status}</code><description>"
            )),
            "{errors}"
        );
    }
    let response = app
        .http
        .post(app.url("/open311/v2/requests.xml"))
        .form(&[("api_key", key.as_str()), ("service_code", "elderly")])
        .send()
        .await
        .expect("request");
    let errors = xml(response, 400).await;
    assert!(
        elements(&errors, "description").contains(&"description: is required"),
        "{errors}"
    );
    // Neither json nor xml: 404.
    open311_error(get(&app, "/open311/v2/services.yaml", &[]).await, 404).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn discovery_names_the_endpoint_its_specification_and_formats() {
    let app = spawn_app().await;
    let discovery: Value = get(&app, "/open311/v2/discovery.json", &[])
        .await
        .json()
        .await
        .expect("json");
    assert!(discovery["changeset"].is_string(), "{discovery}");
    assert!(discovery["contact"].is_string(), "{discovery}");
    assert!(
        discovery["key_service"]
            .as_str()
            .expect("key_service")
            .contains("open311"),
        "{discovery}"
    );
    let endpoint = &discovery["endpoints"][0];
    assert_eq!(
        endpoint["specification"],
        "http://wiki.open311.org/GeoReport_v2"
    );
    assert_eq!(endpoint["url"], app.url("/open311/v2"));
    assert_eq!(endpoint["type"], "production");
    assert_eq!(endpoint["formats"], json!(["application/json", "text/xml"]));
    assert_eq!(endpoint["changeset"], discovery["changeset"]);

    let document = xml(get(&app, "/open311/v2/discovery.xml", &[]).await, 200).await;
    assert!(document.contains("<discovery><changeset>"), "{document}");
    assert!(
        document.contains(&format!(
            "<endpoints><endpoint><specification>http://wiki.open311.org/GeoReport_v2</specification><url>{}</url>",
            app.url("/open311/v2")
        )),
        "{document}"
    );
    assert!(
        document.contains(
            "<formats><format>application/json</format><format>text/xml</format></formats>"
        ),
        "{document}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn jurisdiction_id_is_accepted_on_every_endpoint() {
    let app = spawn_app().await;
    let key = api_key(&app, "Open311 city app").await;
    let jurisdiction = ("jurisdiction_id", "sigap.example.go.id");
    for format in ["json", "xml"] {
        for path in ["discovery", "services", "services/elderly", "requests"] {
            let response = get(
                &app,
                &format!("/open311/v2/{path}.{format}"),
                &[jurisdiction],
            )
            .await;
            assert_eq!(response.status(), 200, "{path}.{format}");
        }
        let mut form = request_form(&key);
        form.push(("jurisdiction_id", "sigap.example.go.id".into()));
        let response = app
            .http
            .post(app.url(&format!("/open311/v2/requests.{format}")))
            .form(&form)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 201, "POST requests.{format}");
    }
    let listed = list(&app, &key, &[jurisdiction]).await;
    assert_eq!(tickets(&listed).len(), 2);
    let ticket = listed[0]["service_request_id"].as_str().expect("ticket");
    let response = get(
        &app,
        &format!("/open311/v2/requests/{ticket}.json"),
        &[("api_key", &key), jurisdiction],
    )
    .await;
    assert_eq!(response.status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_list_filters_by_ids_codes_statuses_and_a_window_of_at_most_ninety_days() {
    let app = spawn_app().await;
    let key = api_key(&app, "Open311 city app").await;
    let elderly = file(&app, &request_form(&key)).await;
    let mut form = request_form(&key);
    form.retain(|(k, _)| *k != "service_code");
    form.push(("service_code", "disability".into()));
    let disability = file(&app, &form).await;
    let old = file(&app, &request_form(&key)).await;
    let db = app.db.client().await;
    db.execute(
        "UPDATE reports SET created_at = now() - interval '100 days' WHERE ticket = $1",
        &[&old],
    )
    .await
    .expect("age the report");

    // By default: the last 90 days.
    assert_eq!(
        tickets(&list(&app, &key, &[]).await),
        [disability.as_str(), elderly.as_str()]
    );
    // Ids override every other filter, the window included.
    let ids = format!("{old}, {elderly}");
    assert_eq!(
        tickets(
            &list(
                &app,
                &key,
                &[("service_request_id", &ids), ("status", "closed")]
            )
            .await
        ),
        [elderly.as_str(), old.as_str()]
    );
    let codes = list(&app, &key, &[("service_code", "disability,child")]).await;
    assert_eq!(tickets(&codes), [disability.as_str()]);
    let both = list(&app, &key, &[("status", "open,closed")]).await;
    assert_eq!(tickets(&both).len(), 2);
    let days_ago = |days: i64| (chrono::Utc::now() - chrono::Duration::days(days)).to_rfc3339();
    let (start, end) = (days_ago(120), days_ago(60));
    assert_eq!(
        tickets(&list(&app, &key, &[("start_date", &start), ("end_date", &end)]).await),
        [old.as_str()]
    );
    assert_eq!(
        tickets(&list(&app, &key, &[("start_date", &days_ago(101))]).await),
        [old.as_str()],
        "a start alone: the 90 days from it"
    );
    assert_eq!(
        tickets(&list(&app, &key, &[("end_date", &days_ago(50))]).await),
        [old.as_str()],
        "an end alone: the 90 days up to it"
    );

    for (query, field) in [
        (
            vec![("start_date", days_ago(200)), ("end_date", days_ago(1))],
            "end_date",
        ),
        (
            vec![("start_date", days_ago(1)), ("end_date", days_ago(2))],
            "end_date",
        ),
        (
            vec![("service_code", "elderly,pets".to_owned())],
            "service_code",
        ),
        (vec![("status", "open,pending".to_owned())], "status"),
    ] {
        let mut with_key = vec![("api_key", key.clone())];
        with_key.extend(query.iter().map(|(k, v)| (*k, v.clone())));
        let with_key: Vec<(&str, &str)> = with_key.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let descriptions =
            open311_error(get(&app, "/open311/v2/requests.json", &with_key).await, 400).await;
        assert!(
            descriptions[0].starts_with(&format!("{field}:")),
            "{query:?}: {descriptions:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_read_without_api_key_shows_only_what_public_tracking_shows() {
    let app = spawn_app().await;
    let key = api_key(&app, "Open311 city app").await;
    let ticket = file(&app, &request_form(&key)).await;
    // A hotline case is never published through Open311.
    let hotline = app.file(&sigap_tests::report_body()).await;
    let hotline_ticket = hotline["ticket"].as_str().expect("ticket").to_owned();

    let public_fields = [
        "agency_responsible",
        "requested_datetime",
        "service_code",
        "service_name",
        "service_notice",
        "service_request_id",
        "status",
        "status_notes",
        "updated_datetime",
    ];
    let path = format!("/open311/v2/requests/{ticket}.json");
    let response = get(&app, &path, &[]).await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.expect("text");
    assert_no_personal_data(&text);
    for private in ["Jorong", "kursi roda", "-0.69", "100.95"] {
        assert!(!text.contains(private), "{private} leaked: {text}");
    }
    let body: Value = serde_json::from_str(&text).expect("json");
    let request = body[0].as_object().expect("a request");
    let mut fields: Vec<&str> = request.keys().map(String::as_str).collect();
    fields.sort_unstable();
    assert_eq!(fields, public_fields);
    assert_eq!(request["status"], "open");
    assert_eq!(request["service_code"], "elderly");

    let document = xml(
        get(&app, &format!("/open311/v2/requests/{ticket}.xml"), &[]).await,
        200,
    )
    .await;
    assert_no_personal_data(&document);
    for absent in [
        "<description",
        "<address",
        "<lat",
        "<long",
        "<media_url",
        "Jorong",
    ] {
        assert!(!document.contains(absent), "{absent}: {document}");
    }
    assert_eq!(elements(&document, "service_request_id"), [ticket.as_str()]);

    let listed = get(&app, "/open311/v2/requests.json", &[]).await;
    assert_eq!(listed.status(), 200);
    let text = listed.text().await.expect("text");
    assert_no_personal_data(&text);
    assert!(
        !text.contains("Jorong") && !text.contains("kursi roda"),
        "{text}"
    );
    let listed: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(tickets(&listed), [ticket.as_str()], "no hotline case");
    open311_error(
        get(
            &app,
            &format!("/open311/v2/requests/{hotline_ticket}.json"),
            &[],
        )
        .await,
        404,
    )
    .await;

    // With its key, the client sees its request in full.
    let full: Value = get(&app, &path, &[("api_key", &key)])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        full[0]["description"],
        "Lansia tinggal sendiri, butuh kursi roda."
    );
    assert_eq!(full[0]["address"], "Jorong Koto Tuo, Kec. Kamang Baru");
}

/// The published PyPI client `georeport` 0.3.1, in a virtualenv that
/// `scripts/open311-client.sh` makes (idempotent), run by
/// `tests/open311_client/georeport_check.py` against this test's stack.
#[tokio::test(flavor = "multi_thread")]
async fn the_published_georeport_client_reads_and_files_in_json_and_xml() {
    let app = spawn_app().await;
    let key = api_key(&app, "georeport 0.3.1").await;
    let root = sigap_tests::workspace_root();
    let setup = tokio::process::Command::new(root.join("scripts/open311-client.sh"))
        .output()
        .await
        .expect("run scripts/open311-client.sh");
    assert!(
        setup.status.success(),
        "the georeport virtualenv: {}",
        String::from_utf8_lossy(&setup.stderr)
    );
    let python = String::from_utf8(setup.stdout).expect("a path");
    let output = tokio::process::Command::new(python.trim())
        .arg(root.join("tests/open311_client/georeport_check.py"))
        .arg(app.url("/open311/v2"))
        .arg(&key)
        .output()
        .await
        .expect("run georeport_check.py");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "georeport checks failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!stdout.contains("FAIL"), "{stdout}");
    assert_eq!(stdout.matches("ok  ").count(), 28, "{stdout}");
}
