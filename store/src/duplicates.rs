//! Duplicate suggestions: the earlier reports a new one may be about the
//! same people as, found while the operator is still on the call. See
//! `duplicates/candidates.sql` for the rule; the people of each report are
//! kept in `report_people` by a trigger.

use crate::db::prepared;
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use diesel::sql_types::{Array, Double, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use sigap_domain::{Category, GeoPoint, Nik, Phone, Status};
use uuid::Uuid;

/// At most this many suggestions, best first.
pub const MAX_SUGGESTIONS: usize = 10;

/// A person of the report being checked, as far as the filer has typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ProbePerson {
    /// Compared by trigram similarity of the normalised name.
    pub name: Option<String>,
    /// Compared exactly.
    pub nik: Option<Nik>,
    /// Compared exactly, as `+62…`.
    pub phone: Option<Phone>,
}

/// What a new report is compared by.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    /// Only reports of the same category are candidates.
    pub category: Category,
    /// The region compared when either report has no coordinates.
    pub region_code: Option<String>,
    /// Candidates with coordinates must lie within 2 km of these.
    pub location: Option<GeoPoint>,
    /// The people to look for.
    pub people: Vec<ProbePerson>,
    /// The report itself, once filed: never its own duplicate.
    pub exclude: Option<Uuid>,
    /// For an integrator: only the reports this client filed.
    pub client_id: Option<String>,
}

/// An earlier report that may be about the same people.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    /// The earlier report.
    pub report_id: Uuid,
    /// Its ticket.
    pub ticket: String,
    /// Its status now.
    pub status: Status,
    /// The unit holding it.
    pub unit_code: Option<String>,
    /// When it was filed.
    pub created_at: DateTime<Utc>,
    /// 0 to 1: how likely the two are about the same people.
    pub score: f64,
    /// Why: `same_nik`, `same_phone`, `similar_name`, and `within_2km` or
    /// `same_regency`.
    pub reasons: Vec<String>,
    /// How far apart the two are, when both have coordinates.
    pub distance_km: Option<f64>,
}

#[derive(diesel::QueryableByName)]
struct SuggestionRow {
    #[diesel(sql_type = SqlUuid)]
    report_id: Uuid,
    #[diesel(sql_type = Text)]
    ticket: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Nullable<Text>)]
    unit_code: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    created_at: DateTime<Utc>,
    #[diesel(sql_type = Double)]
    score: f64,
    #[diesel(sql_type = Array<Text>)]
    reasons: Vec<String>,
    #[diesel(sql_type = Nullable<Double>)]
    distance_km: Option<f64>,
}

/// The arguments of `candidates.sql`, by name.
#[derive(Serialize)]
struct ProbeArguments<'a> {
    category: Category,
    region_code: Option<&'a str>,
    lat: Option<f64>,
    lon: Option<f64>,
    exclude_id: Option<Uuid>,
    client_id: Option<&'a str>,
    /// The people as `possible_duplicates` compares them: the name, and the
    /// blind indexes of the NIK and phone (`report_people` holds indexes).
    people: Vec<serde_json::Value>,
}

impl Probe {
    /// Whether there is anyone to look for: without a name, NIK or phone
    /// nothing can match, and the query is not run.
    pub fn has_people(&self) -> bool {
        self.people
            .iter()
            .any(|p| p.name.is_some() || p.nik.is_some() || p.phone.is_some())
    }
}

/// The earlier reports the probe may duplicate, at most
/// [`MAX_SUGGESTIONS`], best first. Reads only: no row, no event.
pub async fn suggest(conn: &mut AsyncPgConnection, probe: &Probe) -> Result<Vec<Suggestion>> {
    if !probe.has_people() {
        return Ok(Vec::new());
    }
    let keys = crate::privacy::keys()?;
    let arguments = ProbeArguments {
        category: probe.category,
        region_code: probe.region_code.as_deref(),
        lat: probe.location.map(|l| l.lat),
        lon: probe.location.map(|l| l.lon),
        exclude_id: probe.exclude,
        client_id: probe.client_id.as_deref(),
        people: probe
            .people
            .iter()
            .map(|p| {
                serde_json::json!({
                    "name": p.name,
                    "nik": p.nik.as_ref().map(|n| keys.nik_index(n)),
                    "phone": p.phone.as_ref().map(|p| keys.phone_index(p)),
                })
            })
            .collect(),
    };
    let arguments = serde_json::to_value(&arguments).expect("probe arguments serialize");
    let rows: Vec<SuggestionRow> = prepared(
        diesel::sql_query(include_str!("duplicates/candidates.sql")).bind::<Jsonb, _>(arguments),
    )
    .load(conn)
    .await?;
    rows.into_iter()
        .map(|row| {
            let status = Status::parse(&row.status).ok_or_else(|| {
                Error::Database(diesel::result::Error::DeserializationError(
                    format!("unknown status {:?}", row.status).into(),
                ))
            })?;
            Ok(Suggestion {
                report_id: row.report_id,
                ticket: row.ticket,
                status,
                unit_code: row.unit_code,
                created_at: row.created_at,
                score: row.score,
                reasons: row.reasons,
                distance_km: row.distance_km.map(|d| (d * 100.0).round() / 100.0),
            })
        })
        .collect()
}
