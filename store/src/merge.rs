//! Merging a duplicate report into the one kept (`POST /v1/reports/{id}/merge`):
//! the same person reported by a neighbour, the village office and the
//! hotline becomes one case. The merged report becomes `duplicate` and names
//! the kept one (`duplicate_of`); its beneficiaries join the kept report's,
//! each person once; both histories name each other; the kept case's unit
//! hears of it. Statistics leave duplicates out, so people are counted once.
//!
//! The count rule: the kept report's `beneficiary_count` grows by the listed
//! people of the merged report who were not already listed on the kept one
//! ([`sigap_domain::people::PersonKey::same_person`]), and by the merged
//! report's unlisted people beyond the kept report's own unlisted ones
//! (people nobody named are taken to be the same people where they can be).

use crate::error::{Error, Result};
use crate::lifecycle::{Actor, Change, check_version, record};
use crate::reports::{ReportRow, Visibility, find};
use crate::schema::{reports, units};
use crate::vocabulary::Term;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::{Map, Value};
use sigap_domain::people::PersonKey;
use sigap_domain::{Claims, Role, Status};
use uuid::Uuid;

/// Most reports a kept report lists as merged into it.
pub const MERGED_FROM_LIMIT: i64 = 100;

/// Another report, by id and ticket (nothing personal).
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct ReportLink {
    /// The report's id.
    pub id: Uuid,
    /// The report's ticket (`CC-2026-000123`).
    pub ticket: String,
}

/// How a report is linked to others by merges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeLinks {
    /// The report this one was merged into (and continues as).
    pub duplicate_of: Option<ReportLink>,
    /// The reports merged into this one, oldest first, at most
    /// [`MERGED_FROM_LIMIT`].
    pub merged_from: Vec<ReportLink>,
}

/// The outcome of a merge.
#[derive(Debug, Clone)]
pub struct Merged {
    /// The merged report, now `duplicate`.
    pub report: ReportRow,
    /// The report kept, with the people it gained.
    pub kept: ReportRow,
    /// How many people the kept report's count grew by.
    pub people_added: i32,
}

/// What the public tracking page of a merged report says it continues as.
#[derive(Debug, Clone, Queryable)]
pub struct Continuation {
    /// The kept report's ticket.
    pub ticket: String,
    /// Where the kept report is in its lifecycle.
    #[diesel(deserialize_as = Term<Status>)]
    pub status: Status,
    /// The unit handling the kept case, once assigned.
    pub unit_name: Option<String>,
    /// When the kept report last changed.
    pub updated_at: DateTime<Utc>,
}

/// The report to keep, as the caller names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeptReport {
    /// By id.
    Id(Uuid),
    /// By ticket (`CC-2026-000123`), as people read it off a screen or a call.
    Ticket(String),
}

impl KeptReport {
    /// Reads a hyphenated id or a ticket (letters in either case).
    pub fn parse(text: &str) -> Option<KeptReport> {
        let text = text.trim_matches(' ');
        if text.len() == 36
            && let Ok(id) = Uuid::try_parse(text)
        {
            return Some(KeptReport::Id(id));
        }
        let ticket = text.to_ascii_uppercase();
        crate::tracking::is_ticket(&ticket).then_some(KeptReport::Ticket(ticket))
    }
}

/// Merges report `id` into report `into` for `claims`: supervisors merge any
/// two open reports, UPT staff two their unit holds (a report the caller may
/// not read is not found). Both rows are locked in the order of their ids,
/// so that two merges of the same pair cannot deadlock. `expected_version`
/// is compared with the merged report's version, as a status change does.
pub async fn merge(
    conn: &mut AsyncPgConnection,
    claims: &Claims,
    id: Uuid,
    into: &KeptReport,
    reason: &str,
    expected_version: Option<i32>,
) -> Result<Merged> {
    conn.transaction::<Merged, Error, _>(async |conn| {
        let into = match into {
            KeptReport::Id(into) => *into,
            KeptReport::Ticket(ticket) => {
                reports::table
                    .filter(reports::ticket.eq(ticket))
                    .select(reports::id)
                    .first::<Uuid>(conn)
                    .await?
            }
        };
        let locked: Vec<ReportRow> = reports::table
            .filter(reports::id.eq_any([id, into]))
            .filter(Visibility::of(claims).condition())
            .order(reports::id)
            .for_update()
            .select(ReportRow::as_select())
            .load(conn)
            .await?;
        let report = locked.iter().find(|r| r.id == id).ok_or(Error::NotFound)?;
        if !matches!(claims.role, Role::Supervisor | Role::UptStaff) {
            return Err(Error::Forbidden(format!(
                "role {} may not merge reports",
                claims.role
            )));
        }
        if id == into {
            return Err(Error::validation(
                "into",
                "a report cannot be merged into itself",
            ));
        }
        let kept = locked
            .iter()
            .find(|r| r.id == into)
            .ok_or(Error::NotFound)?;
        check_version(report, expected_version)?;
        if kept.status == Status::Duplicate {
            return Err(Error::Conflict(format!(
                "{} is itself a duplicate (of {}): merge into the report it continues as",
                kept.ticket,
                kept.duplicate_of.map(|k| k.to_string()).unwrap_or_default()
            )));
        }
        if !kept.status.is_open() {
            return Err(Error::Conflict(format!(
                "{} is {}: only an open report is kept",
                kept.ticket, kept.status
            )));
        }
        if !report.status.is_open() {
            return Err(Error::illegal(report.status, Status::Duplicate));
        }
        Status::transition(report.status, Status::Duplicate)?;

        let (people, listed_added) = merge_people(&kept.beneficiaries, &report.beneficiaries);
        // The rows were decrypted as read; the joined list is stored sealed.
        let stored_people = crate::privacy::keys()?.seal_people(&people)?;
        let unlisted = |r: &ReportRow| {
            let listed = r.beneficiaries.as_array().map_or(0, Vec::len);
            (r.beneficiary_count - i32::try_from(listed).unwrap_or(i32::MAX)).max(0)
        };
        let people_added = listed_added + (unlisted(report) - unlisted(kept)).max(0);
        let count = kept.beneficiary_count + people_added;

        diesel::update(reports::table.find(id))
            .set((
                reports::status.eq(Term(Status::Duplicate)),
                reports::duplicate_of.eq(into),
                reports::cancelled_at.eq(diesel::dsl::now),
                reports::updated_at.eq(diesel::dsl::now),
                reports::version.eq(reports::version + 1),
            ))
            .execute(conn)
            .await?;
        // Reports merged into this one before continue as the kept one now,
        // so that a duplicate always names a report that is not one.
        diesel::update(reports::table.filter(reports::duplicate_of.eq(id)))
            .set((
                reports::duplicate_of.eq(into),
                reports::updated_at.eq(diesel::dsl::now),
                reports::version.eq(reports::version + 1),
            ))
            .execute(conn)
            .await?;
        // Changing the kept report bumps its unit's queue version and wakes
        // the unit's pollers (the reports trigger of the unit queues).
        diesel::update(reports::table.find(into))
            .set((
                reports::beneficiaries.eq(&stored_people),
                reports::beneficiary_count.eq(count),
                reports::updated_at.eq(diesel::dsl::now),
                reports::version.eq(reports::version + 1),
            ))
            .execute(conn)
            .await?;

        let actor = Actor::from_claims(claims);
        record(
            conn,
            report,
            &actor,
            Change {
                kind: "merged_into",
                from: report.status,
                to: Status::Duplicate,
                unit: report.unit_code.as_deref(),
                note: Some(reason),
                details: Some(serde_json::json!({
                    "into": kept.id, "into_ticket": kept.ticket, "reason": reason,
                })),
                event: "report.status.duplicate".into(),
                routing_key: "report.status.duplicate".into(),
            },
        )
        .await?;
        record(
            conn,
            kept,
            &actor,
            Change {
                kind: "merged_from",
                from: kept.status,
                to: kept.status,
                unit: kept.unit_code.as_deref(),
                note: Some(reason),
                details: Some(serde_json::json!({
                    "from": report.id, "from_ticket": report.ticket,
                    "people_added": people_added, "beneficiary_count": count, "reason": reason,
                })),
                event: "report.merged".into(),
                routing_key: match &kept.unit_code {
                    Some(unit) => format!("report.merged.{unit}"),
                    None => "report.merged".into(),
                },
            },
        )
        .await?;
        Ok(Merged {
            report: find(conn, id).await?,
            kept: find(conn, into).await?,
            people_added,
        })
    })
    .await
}

/// The kept report's list with the merged report's people who are not on it
/// yet, and how many those were. A person on both keeps the kept entry,
/// completed with what only the merged entry says (a NIK, a phone, …).
fn merge_people(kept: &Value, merged: &Value) -> (Value, i32) {
    let mut people: Vec<Value> = kept.as_array().cloned().unwrap_or_default();
    let mut added = 0;
    for person in merged.as_array().into_iter().flatten() {
        let Some(incoming) = person.as_object() else {
            continue;
        };
        let same = people.iter().position(|listed| {
            listed
                .as_object()
                .is_some_and(|listed| key(listed).same_person(&key(incoming)))
        });
        match same.and_then(|i| people[i].as_object_mut()) {
            Some(listed) => {
                for (field, value) in incoming {
                    if listed.get(field).is_none_or(Value::is_null) {
                        listed.insert(field.clone(), value.clone());
                    }
                }
            }
            None => {
                people.push(person.clone());
                added += 1;
            }
        }
    }
    (Value::Array(people), added)
}

fn key(person: &Map<String, Value>) -> PersonKey<'_> {
    let text = |field: &str| person.get(field).and_then(Value::as_str);
    PersonKey {
        name: text("name"),
        age: person
            .get("age")
            .and_then(Value::as_i64)
            .and_then(|a| i32::try_from(a).ok()),
        sex: text("sex"),
        nik: text("nik"),
        phone: text("phone"),
    }
}

/// The merge links of `row`: the report it continues as, and those merged
/// into it.
pub async fn links(conn: &mut AsyncPgConnection, row: &ReportRow) -> Result<MergeLinks> {
    let duplicate_of = match row.duplicate_of {
        Some(kept) => reports::table
            .find(kept)
            .select((reports::id, reports::ticket))
            .first::<ReportLink>(conn)
            .await
            .optional()?,
        None => None,
    };
    let merged_from = reports::table
        .filter(reports::duplicate_of.eq(row.id))
        .order(reports::id)
        .limit(MERGED_FROM_LIMIT)
        .select((reports::id, reports::ticket))
        .load::<ReportLink>(conn)
        .await?;
    Ok(MergeLinks {
        duplicate_of,
        merged_from,
    })
}

/// What the tracking page of a report merged into `kept` shows of it.
pub async fn continuation(conn: &mut AsyncPgConnection, kept: Uuid) -> Result<Continuation> {
    Ok(reports::table
        .left_join(units::table)
        .filter(reports::id.eq(kept))
        .select((
            reports::ticket,
            reports::status,
            units::name.nullable(),
            reports::updated_at,
        ))
        .first(conn)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_kept_report_is_named_by_id_or_ticket() {
        let id = Uuid::now_v7();
        assert_eq!(KeptReport::parse(&id.to_string()), Some(KeptReport::Id(id)));
        assert_eq!(
            KeptReport::parse(" cc-2026-000123 "),
            Some(KeptReport::Ticket("CC-2026-000123".into()))
        );
        for bad in [
            "",
            "CC-2026-123",
            &id.simple().to_string(),
            "CC-2026-000123-K7QM2X",
        ] {
            assert_eq!(KeptReport::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_person_on_both_reports_is_listed_once_and_completed() {
        let kept = json!([{"name": "Mbah Rahmah", "age": 78, "sex": "F"}]);
        let merged = json!([
            {"name": "Rahmah", "age": 79, "sex": "F", "disability": "physical"},
            {"name": "Pak Darman", "age": 80, "sex": "M"}
        ]);
        let (people, added) = merge_people(&kept, &merged);
        assert_eq!(added, 1);
        assert_eq!(
            people,
            json!([
                {"name": "Mbah Rahmah", "age": 78, "sex": "F", "disability": "physical"},
                {"name": "Pak Darman", "age": 80, "sex": "M"}
            ])
        );
    }

    #[test]
    fn people_without_names_are_matched_by_nik_or_phone() {
        let kept = json!([{"nik": "1303014107480001"}, {"phone": "081234567890"}]);
        let merged = json!([
            {"nik": "1303014107480001", "age": 78},
            {"phone": "+62 812 3456 7890"},
            {"age": 10}
        ]);
        let (people, added) = merge_people(&kept, &merged);
        assert_eq!(added, 1);
        assert_eq!(people.as_array().map(Vec::len), Some(3));
        assert_eq!(people[0]["age"], 78);
    }
}
