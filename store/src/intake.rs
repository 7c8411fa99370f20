//! Filing a report: the request body, its parsing into domain values, and the
//! one transaction that stores the report, its `received` event and the
//! outbox message that announces it.

use crate::bus::{Message, received_routing_key};
use crate::db::prepared;
use crate::error::{Error, Result};
use crate::geography;
use crate::outbox::OutboxMessage;
use chrono::{DateTime, Utc};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sigap_domain::FieldError;
use sigap_domain::{Category, Channel, Need, Role, Status, Urgency};
use utoipa::ToSchema;
use uuid::Uuid;

pub const MAX_BENEFICIARIES: usize = 100;
pub const DESCRIPTION_CHARS: std::ops::RangeInclusive<usize> = 10..=5000;

/// Body of `POST /v1/reports`. Every field is checked and every problem
/// reported at once, with its path.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[schema(example = json!({
    "category": "elderly", "need": "assistive_device", "urgency": "high", "channel": "hotline",
    "region_code": "13.03", "address": "Jorong Koto Tuo, Kec. Kamang Baru",
    "location": {"lat": -0.69, "lon": 100.95},
    "reporter": {"name": "Siti", "phone": "+6281234567890", "anonymous": false},
    "beneficiaries": [{"name": "Nenek R.", "age": 78, "sex": "F", "disability": "physical"}],
    "beneficiary_count": 1,
    "description": "Lansia tinggal sendiri, butuh kursi roda.",
    "external_ref": "partner-123"
}))]
pub struct ReportInput {
    #[schema(value_type = Category, required = true)]
    pub category: Option<String>,
    #[schema(value_type = Need, required = true)]
    pub need: Option<String>,
    #[schema(value_type = Urgency, required = true)]
    pub urgency: Option<String>,
    #[schema(value_type = Channel, required = true)]
    pub channel: Option<String>,
    /// Kemendagri code of a regency (`13.03`) or province (`13`). Required
    /// unless `location` is given, in which case the region is the regency
    /// whose boundary contains it. A code the location disagrees with is
    /// kept (the report is routed by it) and answered with a warning.
    #[schema(example = "13.03", pattern = r"^[0-9]{2}(\.[0-9]{2})?$")]
    pub region_code: Option<String>,
    #[schema(max_length = 500)]
    pub address: Option<String>,
    /// Where the case is. Coordinates in the sea or abroad (farther than
    /// 1 km from every regency) are refused with the nearest regency named.
    pub location: Option<LocationInput>,
    pub reporter: Option<ReporterInput>,
    pub beneficiaries: Option<Vec<BeneficiaryInput>>,
    /// People affected; at least the number of beneficiaries listed.
    #[schema(minimum = 1, maximum = 100000)]
    pub beneficiary_count: Option<i64>,
    /// 10 to 5,000 characters.
    #[schema(required = true, min_length = 10, max_length = 5000)]
    pub description: Option<String>,
    /// The filer's own reference.
    #[schema(max_length = 100)]
    pub external_ref: Option<String>,
}

/// WGS84 coordinates, inside Indonesia.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, ToSchema)]
pub struct LocationInput {
    #[schema(minimum = -11.0, maximum = 6.0)]
    pub lat: Option<f64>,
    #[schema(minimum = 95.0, maximum = 141.5)]
    pub lon: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct ReporterInput {
    #[schema(max_length = 200)]
    pub name: Option<String>,
    /// Indonesian number, `+62…` or `08…`; stored as `+62…`.
    #[schema(example = "+6281234567890")]
    pub phone: Option<String>,
    /// An anonymous reporter's name and phone are not stored.
    #[serde(default)]
    pub anonymous: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct BeneficiaryInput {
    #[schema(max_length = 200)]
    pub name: Option<String>,
    #[schema(minimum = 0, maximum = 130)]
    pub age: Option<i64>,
    /// `F` or `M`.
    pub sex: Option<String>,
    /// Kind of disability, free text (`physical`, `visual`, …).
    #[schema(max_length = 100)]
    pub disability: Option<String>,
}

/// A Kemendagri region code in dotted form: `13` or `13.03`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionCode(String);

impl RegionCode {
    pub fn parse(text: &str) -> Result<RegionCode, String> {
        let b = text.as_bytes();
        let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
        let ok = match b.len() {
            2 => digits(b),
            5 => digits(&b[..2]) && b[2] == b'.' && digits(&b[3..]),
            _ => false,
        };
        if ok {
            Ok(RegionCode(text.to_owned()))
        } else {
            Err("must be a Kemendagri region code such as 13 or 13.03".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An Indonesian phone number, normalised to `+62…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(text: &str) -> Result<Phone, String> {
        let compact: String = text
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
            .collect();
        let national = if let Some(rest) = compact.strip_prefix("+62") {
            rest
        } else if let Some(rest) = compact.strip_prefix('0') {
            rest
        } else {
            return Err("must be an Indonesian number starting with +62 or 0".into());
        };
        let valid = (8..=12).contains(&national.len())
            && national.bytes().all(|b| b.is_ascii_digit())
            && !national.starts_with('0');
        if valid {
            Ok(Phone(format!("+62{national}")))
        } else {
            Err("must be an Indonesian number: +62 or 0 followed by 8 to 12 digits".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Coordinates inside Indonesia's bounding box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
}

impl GeoPoint {
    /// Checks both coordinates; errors name `<prefix>lat` and `<prefix>lon`.
    pub fn parse(lat: f64, lon: f64, prefix: &str) -> Result<GeoPoint, Vec<FieldError>> {
        let mut errors = Vec::new();
        if !(-11.0..=6.0).contains(&lat) {
            errors.push(FieldError::new(
                format!("{prefix}lat"),
                "must be inside Indonesia (-11 to 6)",
            ));
        }
        if !(95.0..=141.5).contains(&lon) {
            errors.push(FieldError::new(
                format!("{prefix}lon"),
                "must be inside Indonesia (95 to 141.5)",
            ));
        }
        if errors.is_empty() {
            Ok(GeoPoint { lat, lon })
        } else {
            Err(errors)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Beneficiary {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sex: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disability: Option<String>,
}

/// A report that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub struct NewReport {
    pub category: Category,
    pub need: Need,
    pub urgency: Urgency,
    pub channel: Channel,
    pub region_code: RegionCode,
    pub address: Option<String>,
    pub location: Option<GeoPoint>,
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<Phone>,
    pub reporter_anonymous: bool,
    pub beneficiaries: Vec<Beneficiary>,
    pub beneficiary_count: i32,
    pub description: String,
    pub external_ref: Option<String>,
    /// What the caller should look at although the report was accepted,
    /// such as a region code that disagrees with the coordinates.
    pub warnings: Vec<FieldError>,
}

/// Collects field errors while parsing.
#[derive(Default)]
struct Problems(Vec<FieldError>);

impl Problems {
    fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    fn required<T: Clone>(&mut self, field: &str, value: &Option<T>) -> Option<T> {
        if value.is_none() {
            self.add(field, "is required");
        }
        value.clone()
    }

    fn vocabulary<T>(
        &mut self,
        field: &str,
        value: &Option<String>,
        parse: fn(&str) -> Option<T>,
        expected: fn() -> String,
    ) -> Option<T> {
        let text = self.required(field, value)?;
        let parsed = parse(&text);
        if parsed.is_none() {
            self.add(field, format!("must be one of: {}", expected()));
        }
        parsed
    }

    fn text(&mut self, field: &str, value: &Option<String>, max_chars: usize) -> Option<String> {
        let text = value.as_deref().map(str::trim).filter(|t| !t.is_empty())?;
        if text.chars().count() > max_chars {
            self.add(field, format!("must be at most {max_chars} characters"));
            return None;
        }
        Some(text.to_owned())
    }
}

impl ReportInput {
    /// Parses the body into a [`NewReport`], or every field error found.
    pub fn parse(&self) -> Result<NewReport, Vec<FieldError>> {
        let mut p = Problems::default();
        let category = p.vocabulary(
            "category",
            &self.category,
            Category::parse,
            Category::expected,
        );
        let need = p.vocabulary("need", &self.need, Need::parse, Need::expected);
        let urgency = p.vocabulary("urgency", &self.urgency, Urgency::parse, Urgency::expected);
        let channel = p.vocabulary("channel", &self.channel, Channel::parse, Channel::expected);
        let location = self.location.and_then(|l| parse_location(&mut p, l));
        let (region_code, warnings) = place(
            &mut p,
            self.region_code.as_deref(),
            location,
            self.location.is_some(),
        );
        let address = p.text("address", &self.address, 500);

        let reporter = self.reporter.clone().unwrap_or_default();
        let anonymous = reporter.anonymous.unwrap_or(false);
        let reporter_name = p.text("reporter.name", &reporter.name, 200);
        let reporter_phone = reporter
            .phone
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .and_then(|t| Phone::parse(t).map_err(|m| p.add("reporter.phone", m)).ok());

        let inputs = self.beneficiaries.clone().unwrap_or_default();
        if inputs.len() > MAX_BENEFICIARIES {
            p.add(
                "beneficiaries",
                format!("at most {MAX_BENEFICIARIES} beneficiaries per report"),
            );
        }
        let beneficiaries: Vec<Beneficiary> = inputs
            .iter()
            .take(MAX_BENEFICIARIES)
            .enumerate()
            .map(|(i, b)| parse_beneficiary(&mut p, i, b))
            .collect();
        let listed = beneficiaries.len() as i64;
        let beneficiary_count = match self.beneficiary_count {
            None => listed.max(1),
            Some(n) if !(1..=100_000).contains(&n) => {
                p.add("beneficiary_count", "must be between 1 and 100000");
                1
            }
            Some(n) if n < listed => {
                p.add(
                    "beneficiary_count",
                    format!("must be at least the {listed} beneficiaries listed"),
                );
                n
            }
            Some(n) => n,
        };

        let description = p.required("description", &self.description).and_then(|d| {
            let d = d.trim().to_owned();
            let chars = d.chars().count();
            if DESCRIPTION_CHARS.contains(&chars) {
                Some(d)
            } else {
                p.add("description", "must be between 10 and 5000 characters");
                None
            }
        });
        let external_ref = p.text("external_ref", &self.external_ref, 100);

        match (category, need, urgency, channel, region_code, description) {
            (
                Some(category),
                Some(need),
                Some(urgency),
                Some(channel),
                Some(region_code),
                Some(description),
            ) if p.0.is_empty() => {
                Ok(NewReport {
                    category,
                    need,
                    urgency,
                    channel,
                    region_code,
                    address,
                    location,
                    // An anonymous reporter's identity is not kept at all.
                    reporter_name: reporter_name.filter(|_| !anonymous),
                    reporter_phone: reporter_phone.filter(|_| !anonymous),
                    reporter_anonymous: anonymous,
                    beneficiaries,
                    beneficiary_count: beneficiary_count as i32,
                    description,
                    external_ref,
                    warnings,
                })
            }
            _ => Err(p.0),
        }
    }
}

/// The report's region: the code given, checked against the coordinates
/// (a mismatch is kept, with a warning: operators mistype, and the router
/// goes by the code); or, without a code, the regency the coordinates lie
/// in. Coordinates in the sea or abroad are refused.
fn place(
    p: &mut Problems,
    given: Option<&str>,
    location: Option<GeoPoint>,
    location_given: bool,
) -> (Option<RegionCode>, Vec<FieldError>) {
    let code = given.and_then(|code| {
        RegionCode::parse(code)
            .map_err(|m| p.add("region_code", m))
            .ok()
    });
    let regency = location.and_then(|point| {
        geography::regency_of(point, "location")
            .map_err(|e| p.0.push(e))
            .ok()
    });
    let mut warnings = Vec::new();
    let region = match (code, regency) {
        (Some(code), Some(regency)) => {
            if !geography::within(&regency.code, code.as_str()) {
                warnings.push(FieldError::new(
                    "region_code",
                    format!(
                        "the location lies in {} {}, outside {}; the report is routed by region_code",
                        regency.code,
                        regency.name,
                        code.as_str()
                    ),
                ));
            }
            Some(code)
        }
        (Some(code), None) => Some(code),
        (None, Some(regency)) if given.is_none() => RegionCode::parse(&regency.code)
            .map_err(|m| p.add("location", m))
            .ok(),
        (None, _) => {
            if given.is_none() && !location_given {
                p.add("region_code", REGION_REQUIRED);
            }
            None
        }
    };
    (region, warnings)
}

/// The refusal of a report that gives neither a region nor coordinates.
pub const REGION_REQUIRED: &str = "is required unless location is given";

fn parse_location(p: &mut Problems, location: LocationInput) -> Option<GeoPoint> {
    let lat = p.required("location.lat", &location.lat);
    let lon = p.required("location.lon", &location.lon);
    GeoPoint::parse(lat?, lon?, "location.")
        .map_err(|errors| p.0.extend(errors))
        .ok()
}

fn parse_beneficiary(p: &mut Problems, i: usize, b: &BeneficiaryInput) -> Beneficiary {
    let field = |name: &str| format!("beneficiaries[{i}].{name}");
    let age = b.age.and_then(|age| {
        if (0..=130).contains(&age) {
            Some(age as i32)
        } else {
            p.add(field("age"), "must be between 0 and 130");
            None
        }
    });
    let sex = b
        .sex
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|s| match s.to_ascii_uppercase().as_str() {
            "F" | "M" => Some(s.to_ascii_uppercase()),
            _ => {
                p.add(field("sex"), "must be F or M");
                None
            }
        });
    Beneficiary {
        name: p.text(&field("name"), &b.name, 200),
        age,
        sex,
        disability: p.text(&field("disability"), &b.disability, 100),
    }
}

/// Who files a report.
#[derive(Debug, Clone)]
pub struct Filer {
    pub sub: String,
    pub role: Role,
    pub client_id: Option<String>,
}

/// The caller's `Idempotency-Key` and the hash of its canonical body.
#[derive(Debug, Clone)]
pub struct Idempotency {
    pub key: String,
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

/// The answer to a filed report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Filed {
    pub id: Uuid,
    #[schema(example = "CC-2026-000123")]
    pub ticket: String,
    /// Always `received`: routing happens right after.
    pub status: Status,
    pub created_at: DateTime<Utc>,
    /// What the caller should look at although the report was accepted:
    /// a `region_code` the coordinates disagree with (the report keeps the
    /// code and is routed by it). Also recorded in the report's history.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<FieldError>,
    /// True when this answer replays an earlier request with the same key.
    #[serde(skip)]
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
    reporter_phone: Option<&'a str>,
    reporter_anonymous: bool,
    beneficiaries: &'a [Beneficiary],
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
        reporter_phone: report.reporter_phone.as_ref().map(Phone::as_str),
        reporter_anonymous: report.reporter_anonymous,
        beneficiaries: &report.beneficiaries,
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
        match (row.id, row.ticket, row.created_at) {
            (Some(id), Some(ticket), Some(created_at)) => Ok(Filed {
                id,
                ticket,
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

    fn valid() -> ReportInput {
        serde_json::from_value(serde_json::json!({
            "category": "elderly", "need": "assistive_device", "urgency": "high", "channel": "hotline",
            "region_code": "13.03", "location": {"lat": -0.69, "lon": 100.95},
            "reporter": {"name": "Siti", "phone": "0812-3456-7890"},
            "beneficiaries": [{"name": "R", "age": 78, "sex": "f"}],
            "description": "Lansia tinggal sendiri, butuh kursi roda."
        }))
        .expect("valid input")
    }

    fn fields(input: ReportInput) -> Vec<String> {
        input
            .parse()
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn a_valid_report_parses_with_its_phone_normalised() {
        let report = valid().parse().expect("parses");
        assert_eq!(report.reporter_phone, Some(Phone("+6281234567890".into())));
        assert_eq!(report.beneficiary_count, 1);
        assert_eq!(report.beneficiaries[0].sex.as_deref(), Some("F"));
    }

    #[test]
    fn phones_are_indonesian_and_normalised() {
        assert_eq!(
            Phone::parse("+62 812 3456 7890").map(|p| p.0),
            Ok("+6281234567890".into())
        );
        assert_eq!(
            Phone::parse("081234567890").map(|p| p.0),
            Ok("+6281234567890".into())
        );
        assert_eq!(
            Phone::parse("021-5551234").map(|p| p.0),
            Ok("+62215551234".into())
        );
        for bad in [
            "+6581234567",
            "12345",
            "08123",
            "+62081234567",
            "0812345678901234",
            "08abc45678",
        ] {
            assert!(Phone::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn region_codes_have_the_kemendagri_shape() {
        for good in ["13", "13.03", "96.71"] {
            assert!(RegionCode::parse(good).is_ok(), "{good}");
        }
        for bad in ["", "1", "1303", "13.3", "13-03", "ab.cd", "13.03.01"] {
            assert!(RegionCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn each_rule_names_its_field() {
        type Change = fn(&mut ReportInput);
        let cases: Vec<(Change, &str)> = vec![
            (|r| r.category = Some("pets".into()), "category"),
            (|r| r.need = None, "need"),
            (|r| r.urgency = Some("urgent".into()), "urgency"),
            (|r| r.channel = Some("pigeon".into()), "channel"),
            (|r| r.region_code = Some("1303".into()), "region_code"),
            (
                |r| {
                    r.location = Some(LocationInput {
                        lat: Some(40.0),
                        lon: Some(100.0),
                    })
                },
                "location.lat",
            ),
            (
                |r| {
                    r.location = Some(LocationInput {
                        lat: Some(0.0),
                        lon: Some(150.0),
                    })
                },
                "location.lon",
            ),
            (
                |r| r.reporter.as_mut().expect("reporter").phone = Some("+1555123".into()),
                "reporter.phone",
            ),
            (|r| r.description = Some("too short".into()), "description"),
            (|r| r.description = Some("x".repeat(5001)), "description"),
            (
                |r| r.beneficiaries = Some(vec![BeneficiaryInput::default(); 101]),
                "beneficiaries",
            ),
            (
                |r| r.beneficiaries.as_mut().expect("b")[0].age = Some(200),
                "beneficiaries[0].age",
            ),
            (|r| r.beneficiary_count = Some(0), "beneficiary_count"),
        ];
        for (change, field) in cases {
            let mut input = valid();
            change(&mut input);
            assert_eq!(fields(input), vec![field.to_string()], "{field}");
        }
    }

    #[test]
    fn all_problems_are_reported_at_once() {
        let got = fields(ReportInput::default());
        assert_eq!(
            got,
            [
                "category",
                "need",
                "urgency",
                "channel",
                "region_code",
                "description"
            ]
        );
    }

    #[test]
    fn anonymous_reporters_leave_no_identity() {
        let mut input = valid();
        input.reporter.as_mut().expect("reporter").anonymous = Some(true);
        let report = input.parse().expect("parses");
        assert_eq!((report.reporter_name, report.reporter_phone), (None, None));
    }

    #[test]
    fn the_request_hash_ignores_key_order_and_whitespace() {
        let a: serde_json::Value = serde_json::from_str(r#"{"a": 1, "b": [1, 2]}"#).expect("json");
        let b: serde_json::Value = serde_json::from_str(r#"{"b":[1,2],"a":1}"#).expect("json");
        assert_eq!(request_hash(&a), request_hash(&b));
    }
}
