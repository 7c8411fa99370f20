//! Filing a report: the one transaction that stores a parsed report, its
//! `received` event and the outbox message that announces it, with
//! idempotent retries.

use crate::bus::{Message, received_routing_key};
use crate::db::prepared;
use crate::error::{Error, Result};
use crate::outbox::OutboxMessage;
use chrono::{DateTime, Utc};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sigap_domain::{
    Beneficiary, Category, Channel, FieldError, Need, NewReport, Role, Status, Urgency,
};
use uuid::Uuid;

/// Who files a report.
#[derive(Debug, Clone)]
pub struct Filer {
    /// The token's subject or the API client's id: stored as `filed_by`, and
    /// the owner of the idempotency key.
    pub sub: String,
    /// The role filed in, recorded on the `received` event.
    pub role: Role,
    /// The API client that filed it, for integrators: stored as `client_id`,
    /// by which Open311 lists a client's reports.
    pub client_id: Option<String>,
}

/// The caller's `Idempotency-Key` and the hash of its canonical body.
#[derive(Debug, Clone)]
pub struct Idempotency {
    /// The caller's `Idempotency-Key`; keys are per filer (`idempotency_owner`).
    pub key: String,
    /// [`request_hash`] of the body: a retry must send the same content.
    pub request_hash: String,
}

/// SHA-256 of a JSON body with its keys in canonical (sorted) order, so that
/// the same content hashes the same however it was formatted.
pub fn request_hash(body: &serde_json::Value) -> String {
    let mut canonical = String::new();
    write_canonical(body, &mut canonical);
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

fn write_canonical(value: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(&map[key], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// A filed report: what the caller is answered.
#[derive(Debug, Clone, PartialEq)]
pub struct Filed {
    /// The report's id.
    pub id: Uuid,
    /// The report's number, sequential: what staff speak of.
    pub ticket: String,
    /// What the reporter tracks the report by: the ticket and a random
    /// suffix ([`crate::tracking`]).
    pub tracking_code: String,
    /// Always `received`: routing happens right after.
    pub status: Status,
    /// When the report was filed (the first request's time on a replay).
    pub created_at: DateTime<Utc>,
    /// What the caller should look at although the report was accepted;
    /// also recorded in the report's history.
    pub warnings: Vec<FieldError>,
    /// True when this answer replays an earlier request with the same key.
    pub replayed: bool,
}

#[derive(diesel::QueryableByName)]
struct IntakeRow {
    /// `filed`, `earlier` (the key was used before) or `in_flight`.
    #[diesel(sql_type = Text)]
    outcome: String,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    ticket: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    tracking_code: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    created_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Text>)]
    request_hash: Option<String>,
}

/// The arguments of `file_report.sql`, by name.
#[derive(Serialize)]
struct IntakeArguments<'a> {
    id: Uuid,
    idempotency_owner: Option<&'a str>,
    idempotency_key: Option<&'a str>,
    request_hash: Option<&'a str>,
    channel: Channel,
    category: Category,
    need: Need,
    urgency: Urgency,
    region_code: &'a str,
    address: Option<&'a str>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    reporter_name: Option<&'a str>,
    /// Encrypted ([`crate::privacy`]), with its blind index.
    reporter_phone: Option<String>,
    reporter_phone_index: Option<String>,
    reporter_anonymous: bool,
    /// The people with NIKs and phones encrypted, and their blind indexes.
    beneficiaries: serde_json::Value,
    beneficiary_count: i32,
    description: &'a str,
    external_ref: Option<&'a str>,
    filed_by: &'a str,
    client_id: Option<&'a str>,
    /// The status of a new report, also the kind of its first event.
    status: Status,
    actor_role: Role,
    event_details: serde_json::Value,
    message_id: Uuid,
    routing_key: &'a str,
    payload: serde_json::Value,
    /// Drawn for every request; stored only when the report is new.
    tracking_suffix: String,
}

/// The people as a JSON list, to be sealed.
fn people_list(people: &[Beneficiary]) -> serde_json::Value {
    serde_json::to_value(people).expect("beneficiaries serialize")
}

/// Files a report. With an idempotency key, a retry with the same body gets
/// the first answer back, another body is refused, and a retry while the
/// first is still being stored is told to wait.
pub async fn file_report(
    conn: &mut AsyncPgConnection,
    report: &NewReport,
    filer: &Filer,
    idempotency: Option<&Idempotency>,
    request_id: Option<String>,
) -> Result<Filed> {
    check_nik_regencies(conn, report).await?;
    let id = Uuid::now_v7();
    let message = OutboxMessage::new(
        "reports",
        received_routing_key(report.urgency),
        Message::ReportReceivedV1 {
            report_id: id,
            urgency: report.urgency,
            request_id,
        },
    );
    let details = if report.warnings.is_empty() {
        serde_json::json!({ "channel": report.channel })
    } else {
        serde_json::json!({ "channel": report.channel, "warnings": report.warnings })
    };
    let keys = crate::privacy::keys()?;
    let arguments = IntakeArguments {
        id,
        idempotency_owner: idempotency.map(|_| filer.sub.as_str()),
        idempotency_key: idempotency.map(|i| i.key.as_str()),
        request_hash: idempotency.map(|i| i.request_hash.as_str()),
        channel: report.channel,
        category: report.category,
        need: report.need,
        urgency: report.urgency,
        region_code: report.region_code.as_str(),
        address: report.address.as_deref(),
        latitude: report.location.map(|l| l.lat),
        longitude: report.location.map(|l| l.lon),
        reporter_name: report.reporter_name.as_deref(),
        reporter_phone: report
            .reporter_phone
            .as_ref()
            .map(|p| keys.seal(p.as_str())),
        reporter_phone_index: report.reporter_phone.as_ref().map(|p| keys.phone_index(p)),
        reporter_anonymous: report.reporter_anonymous,
        beneficiaries: keys.seal_people(&people_list(&report.beneficiaries))?,
        beneficiary_count: report.beneficiary_count,
        description: &report.description,
        external_ref: report.external_ref.as_deref(),
        filed_by: &filer.sub,
        client_id: filer.client_id.as_deref(),
        status: Status::Received,
        actor_role: filer.role,
        event_details: details,
        message_id: message.message_id,
        routing_key: &message.routing_key,
        payload: serde_json::to_value(&message.message).expect("messages serialize"),
        tracking_suffix: crate::tracking::new_suffix(),
    };
    let arguments = serde_json::to_value(&arguments).expect("intake arguments serialize");
    let row: IntakeRow = prepared(
        diesel::sql_query(include_str!("intake/file_report.sql")).bind::<Jsonb, _>(arguments),
    )
    .get_result(conn)
    .await
    .map_err(intake_error)?;
    // The statement always answers one row, with a report for `filed` and
    // `earlier`; anything else is a server fault, not a missing resource.
    let filed = |row: IntakeRow, replayed: bool| -> Result<Filed> {
        match (row.id, row.ticket, row.tracking_code, row.created_at) {
            (Some(id), Some(ticket), Some(tracking_code), Some(created_at)) => Ok(Filed {
                id,
                ticket,
                tracking_code,
                status: Status::Received,
                created_at,
                warnings: report.warnings.clone(),
                replayed,
            }),
            _ => Err(Error::Database(DieselError::NotFound)),
        }
    };
    match row.outcome.as_str() {
        "filed" => filed(row, false),
        "earlier" => {
            let same = row.request_hash.as_deref() == idempotency.map(|i| i.request_hash.as_str());
            if same {
                filed(row, true)
            } else {
                Err(Error::IdempotencyMismatch)
            }
        }
        _ => Err(Error::IdempotencyInFlight),
    }
}

/// A NIK starts with the code of the regency that issued it: one that names
/// no known regency is mistyped. Only reports that list a NIK pay for the
/// look-up.
async fn check_nik_regencies(conn: &mut AsyncPgConnection, report: &NewReport) -> Result<()> {
    use crate::schema::regions;
    use diesel::{ExpressionMethods, QueryDsl};
    let claimed: Vec<(usize, String)> = report
        .beneficiaries
        .iter()
        .enumerate()
        .filter_map(|(i, b)| b.nik.as_ref().map(|nik| (i, nik.regency_code())))
        .collect();
    if claimed.is_empty() {
        return Ok(());
    }
    let codes: Vec<&str> = claimed.iter().map(|(_, code)| code.as_str()).collect();
    let known: Vec<String> = regions::table
        .filter(regions::code.eq_any(&codes))
        .select(regions::code)
        .load(conn)
        .await?;
    let errors: Vec<FieldError> = claimed
        .iter()
        .filter(|(_, code)| !known.contains(code))
        .map(|(i, code)| {
            FieldError::new(
                format!("beneficiaries[{i}].nik"),
                format!("digits 1 to 4 must be the code of a known regency; {code} is none"),
            )
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(errors))
    }
}

/// An unknown region shows up as a missing province (NOT NULL) or a foreign
/// key violation; both are the caller's mistake, not the server's. A key
/// stored by a request that committed while this one was starting breaks
/// the key's unique index: that request was in flight, and a retry replays it.
fn intake_error(e: DieselError) -> Error {
    if e == DieselError::NotFound {
        return Error::Database(e);
    }
    if let DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) = &e
        && info.constraint_name() == Some("reports_idempotency_idx")
    {
        return Error::IdempotencyInFlight;
    }
    unknown_region(e)
}

/// An unknown region shows up as a missing province (NOT NULL) or a foreign
/// key violation; both are the caller's mistake, not the server's.
fn unknown_region(e: DieselError) -> Error {
    if let DieselError::DatabaseError(kind, info) = &e {
        let region = matches!(kind, DatabaseErrorKind::NotNullViolation)
            && info.column_name() == Some("province_code")
            || matches!(kind, DatabaseErrorKind::ForeignKeyViolation)
                && info.constraint_name() == Some("reports_region_code_fkey");
        if region {
            return Error::validation("region_code", "is not a known region");
        }
    }
    Error::from(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_hash_ignores_key_order_and_whitespace() {
        let a: serde_json::Value = serde_json::from_str(r#"{"a": 1, "b": [1, 2]}"#).expect("json");
        let b: serde_json::Value = serde_json::from_str(r#"{"b":[1,2],"a":1}"#).expect("json");
        assert_eq!(request_hash(&a), request_hash(&b));
    }
}
