//! Phase 5b: "a list of 70 people imports in under a second". One case is
//! filed, routed and acknowledged by its unit; then five different lists
//! of 70 people (CSV, Indonesian headers, a NIK each) are imported into it
//! one after the other through `POST /v1/reports/{id}/beneficiaries:import`,
//! each timed from the request to the whole answer.

use crate::load::Api;
use crate::report::{Results, Row};
use anyhow::{Context, bail};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const LISTS: u32 = 5;
const PEOPLE: u32 = 70;

/// Runs the phase and adds its row to `results`.
pub async fn import_70(api: &Api, operator: &str, results: &mut Results) -> anyhow::Result<()> {
    let id = case_at_unit(api, operator).await?;
    let unit = read(api, operator, &format!("/v1/reports/{id}")).await?["unit_code"]
        .as_str()
        .context("the case has a unit")?
        .to_owned();
    let staff = crate::staff_token(&unit)?;
    acknowledge(api, &staff, &id).await?;
    let mut times = Vec::new();
    for list in 0..LISTS {
        let file = sijunjung_list(list);
        let started = Instant::now();
        let response = api
            .http
            .post(format!("{}/v1/reports/{id}/beneficiaries:import", api.base))
            .bearer_auth(&staff)
            .header("Content-Type", "text/csv")
            .body(file)
            .send()
            .await?;
        let status = response.status().as_u16();
        let answer: Value = response.json().await?;
        times.push(started.elapsed());
        if status != 201 || answer["imported"] != PEOPLE {
            bail!("list {list}: {status} {answer}");
        }
    }
    times.sort();
    let median = times[times.len() / 2];
    let slowest = times[times.len() - 1];
    results.row(Row::new(
        "list import, 70 people (CSV)",
        "< 1 s",
        format!(
            "median {:.0} ms, slowest {:.0} ms of {LISTS} lists",
            ms(median),
            ms(slowest)
        ),
        Some(slowest < Duration::from_secs(1)),
    ));
    results.note(format!(
        "List import: {LISTS} lists of {PEOPLE} people (CSV, Indonesian headers, a NIK, birth date, sex \
         and disability each) imported one after the other into one acknowledged case at {unit}, each \
         timed from the request to the whole answer (every person checked, stored with its event, in \
         one transaction)."
    ));
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn read(api: &Api, token: &str, path: &str) -> anyhow::Result<Value> {
    Ok(api
        .http
        .get(format!("{}{path}", api.base))
        .bearer_auth(token)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?)
}

/// Files the Kabupaten Sijunjung request and waits until it is routed.
async fn case_at_unit(api: &Api, operator: &str) -> anyhow::Result<String> {
    let body = json!({
        "category": "elderly", "need": "assistive_device", "urgency": "high", "channel": "hotline",
        "region_code": "13.03", "address": "Kec. Kamang Baru, Kab. Sijunjung",
        "reporter": {"name": "Dinas Sosial Sijunjung", "phone": "081234567890", "anonymous": false},
        "beneficiary_count": PEOPLE * LISTS,
        "description": "Permintaan alat bantu untuk 54 lansia dan 16 penyandang disabilitas."
    });
    let filed: Value = api
        .http
        .post(format!("{}/v1/reports", api.base))
        .bearer_auth(operator)
        .json(&body)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let id = filed["id"].as_str().context("a report id")?.to_owned();
    let until = Instant::now() + Duration::from_secs(120);
    while Instant::now() < until {
        if read(api, operator, &format!("/v1/reports/{id}")).await?["status"] == "assigned" {
            return Ok(id);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("the list-import case was not routed within 120 s")
}

async fn acknowledge(api: &Api, staff: &str, id: &str) -> anyhow::Result<()> {
    let version = read(api, staff, &format!("/v1/reports/{id}")).await?["version"].clone();
    api.http
        .post(format!("{}/v1/reports/{id}/status", api.base))
        .bearer_auth(staff)
        .header("If-Match", format!("\"{version}\""))
        .json(&json!({"status": "acknowledged"}))
        .send()
        .await?
        .error_for_status()?;
    Ok(())
}

/// List `list` of the Sijunjung request: 54 elderly people and 16 persons
/// with disabilities, each with a NIK of 13.03 unique across lists.
fn sijunjung_list(list: u32) -> Vec<u8> {
    let mut csv = String::from("nama;nik;tanggal_lahir;jenis_kelamin;disabilitas;alamat\n");
    for i in 0..PEOPLE {
        let female = i % 2 == 0;
        let (day, month) = (1 + i % 28, 1 + i % 12);
        let (year, disability) = if i < 54 {
            (1940 + i % 25, "fisik")
        } else {
            (
                1980 + i % 20,
                ["netra", "rungu", "intelektual", "fisik"][(i % 4) as usize],
            )
        };
        let nik_day = if female { day + 40 } else { day };
        csv.push_str(&format!(
            "Warga {list}-{i};130301{nik_day:02}{month:02}{:02}{:04};{day:02}/{month:02}/{year};{};{disability};Kec. Sijunjung\n",
            year % 100,
            list * PEOPLE + i + 1,
            if female { "P" } else { "L" },
        ));
    }
    csv.into_bytes()
}
