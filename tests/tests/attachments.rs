//! Attachments: uploaded as multipart over HTTP, typed by their bytes,
//! stored without photo metadata, read as the case is.

use serde_json::Value;
use sigap_domain::Role;
use sigap_tests::{TestApp, Worker, report_body, spawn_app};
use std::time::Duration;

const BOUNDARY: &str = "sigap-test-boundary-7MA4YWxkTrZu0gW";

/// A multipart/form-data body with a file and optional text fields.
pub(crate) fn form(
    filename: &str,
    declared: &str,
    bytes: &[u8],
    fields: &[(&str, &str)],
) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: {declared}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

pub(crate) async fn upload(
    app: &TestApp,
    token: &str,
    report: &str,
    body: Vec<u8>,
) -> reqwest::Response {
    app.http
        .post(app.url(&format!("/v1/reports/{report}/attachments")))
        .bearer_auth(token)
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body)
        .send()
        .await
        .expect("request")
}

/// A JPEG as a phone writes it: JFIF, an EXIF segment with a GPS position,
/// a quantisation table, a scan and its end.
fn jpeg_with_gps() -> Vec<u8> {
    let mut j = vec![0xFF, 0xD8];
    j.extend_from_slice(&[
        0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
    ]);
    let mut exif = b"Exif\0\0MM\0*\0\0\0\x08".to_vec();
    exif.extend_from_slice(b"GPSLatitude -0.6912345 GPSLongitude 100.9512345");
    j.extend_from_slice(&[0xFF, 0xE1]);
    j.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
    j.extend_from_slice(&exif);
    j.extend_from_slice(&[0xFF, 0xDB, 0x00, 0x43, 0x00]);
    j.extend_from_slice(&[1u8; 64]);
    j.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
    j.extend_from_slice(&[0x12, 0x34, 0x56, 0x78, 0x9A]);
    j.extend_from_slice(&[0xFF, 0xD9]);
    j
}

pub(crate) fn png() -> Vec<u8> {
    let mut p = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [
        (&b"IHDR"[..], &[0u8, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0][..]),
        (b"IDAT", &[0x78, 0x9C, 0x63, 0, 0, 0, 1, 0, 1]),
        (b"IEND", &[]),
    ] {
        p.extend_from_slice(&(data.len() as u32).to_be_bytes());
        p.extend_from_slice(kind);
        p.extend_from_slice(data);
        p.extend_from_slice(&[0, 0, 0, 0]);
    }
    p
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test(flavor = "multi_thread")]
async fn photos_lose_their_gps_only_real_jpegs_pngs_and_pdfs_are_kept_and_they_are_read_as_the_case_is()
 {
    let app = spawn_app().await;
    let worker = Worker::start(app.config());
    let filed = app.file(&report_body()).await;
    let id = filed["id"].as_str().expect("id").to_owned();
    app.wait_for_status(&id, "assigned", Duration::from_secs(10))
        .await;
    let mut tap = app.tap("events", "report.attachment_added").await;
    let staff = app.token(Role::UptStaff);

    // A photo with a GPS position, uploaded by the unit holding the case.
    let photo = jpeg_with_gps();
    assert!(contains(&photo, b"GPSLatitude"));
    let response = upload(
        &app,
        &staff,
        &id,
        form(
            "foto rumah Siti.jpg",
            "image/jpeg",
            &photo,
            &[
                ("beneficiary_ref", "Nenek Rahmah"),
                ("note", "Kondisi rumah"),
            ],
        ),
    )
    .await;
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let stored: Value = response.json().await.expect("json");
    assert_eq!(stored["content_type"], "image/jpeg");
    assert_eq!(stored["filename"], "foto rumah Siti.jpg");
    assert_eq!(
        location,
        format!("/v1/attachments/{}", stored["id"].as_str().expect("id"))
    );
    let download = app.get(&location, &staff).await;
    assert_eq!(download.status(), 200);
    assert_eq!(download.headers()["content-type"], "image/jpeg");
    assert_eq!(download.headers()["x-content-type-options"], "nosniff");
    assert_eq!(
        download.headers()["content-disposition"],
        "attachment; filename=\"foto rumah Siti.jpg\""
    );
    let bytes = download.bytes().await.expect("bytes");
    assert!(
        !contains(&bytes, b"Exif") && !contains(&bytes, b"GPS"),
        "EXIF removed"
    );
    assert!(
        bytes.starts_with(&[0xFF, 0xD8])
            && bytes.ends_with(&[0x12, 0x34, 0x56, 0x78, 0x9A, 0xFF, 0xD9])
    );
    assert_eq!(stored["size"], bytes.len());
    assert!(bytes.len() < photo.len());

    // The event carries ids, never the file's name.
    let events = tap.expect(1, Duration::from_secs(10)).await;
    let text = events[0].to_string();
    assert!(text.contains(stored["id"].as_str().expect("id")), "{text}");
    assert!(
        !text.contains("foto") && !text.contains("Siti") && !text.contains("Rahmah"),
        "{text}"
    );

    // A PNG and a PDF, whatever their names and declared types.
    let operator = app.token(Role::Operator);
    let response = upload(
        &app,
        &operator,
        &id,
        form("scan", "application/octet-stream", &png(), &[]),
    )
    .await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.expect("json");
    assert_eq!(
        (body["content_type"].as_str(), body["filename"].as_str()),
        (Some("image/png"), Some("scan.png"))
    );
    let pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
    let response = upload(
        &app,
        &operator,
        &id,
        form("../../surat.pdf", "text/plain", pdf, &[]),
    )
    .await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.expect("json");
    assert_eq!(
        (body["content_type"].as_str(), body["filename"].as_str()),
        (Some("application/pdf"), Some("surat.pdf"))
    );

    // An executable named like a photo: refused.
    let elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0".repeat(10);
    let response = upload(
        &app,
        &operator,
        &id,
        form("photo.jpg", "image/jpeg", &elf, &[]),
    )
    .await;
    assert_eq!(response.status(), 415);
    // Too large: 11 MB.
    let mut big = jpeg_with_gps();
    big.resize(11 * 1024 * 1024, 0);
    let response = upload(
        &app,
        &operator,
        &id,
        form("big.jpg", "image/jpeg", &big, &[]),
    )
    .await;
    assert_eq!(response.status(), 413);
    // Not multipart.
    let response = app
        .post(
            &format!("/v1/reports/{id}/attachments"),
            &operator,
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(response.status(), 415);

    // Read as the case is: another unit's staff and another province get 404.
    let other_unit = app.token_with(Role::UptStaff, "efata", Some("SENTRA-EFATA"), None);
    let other_region = app.token_with(Role::Regional, "jatim", None, Some("35"));
    for token in [&other_unit, &other_region] {
        assert_eq!(app.get(&location, token).await.status(), 404);
        assert_eq!(
            app.get(&format!("/v1/reports/{id}/attachments"), token)
                .await
                .status(),
            404
        );
        assert_eq!(
            upload(&app, token, &id, form("x.pdf", "application/pdf", pdf, &[]))
                .await
                .status(),
            404
        );
    }
    // The region's office reads the list without names or notes.
    let regional = app.token(Role::Regional);
    let list: Value = app
        .get(&format!("/v1/reports/{id}/attachments"), &regional)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list["items"].as_array().expect("items").len(), 3);
    assert_eq!(list["items"][0]["filename"], "lampiran.jpg");
    assert!(list["items"][0]["note"].is_null() && list["items"][0]["beneficiary_ref"].is_null());
    let list: Value = app
        .get(&format!("/v1/reports/{id}/attachments"), &staff)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list["items"][0]["note"], "Kondisi rumah");
    assert!(list["items"][0].get("bytes").is_none());

    // The report counts them, and its history records the uploads.
    let report: Value = app
        .get(&format!("/v1/reports/{id}"), &operator)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(report["attachment_count"], 3);
    let added = report["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["kind"] == "attachment_added")
        .count();
    assert_eq!(added, 3);
    tap.close().await;
    worker.stop().await;
}
