//! Subject requests (UU PDP): a person asks to see what Sigap holds about
//! them (`access`), to correct it (`rectification`) or to erase it
//! (`erasure`); the answer is due within 3 × 24 hours.
//!
//! The person is found through the blind indexes (a NIK in people's rows
//! and in the reports' lists by way of `report_people`; a phone also as a
//! reporter's), or by an exact, case-insensitive name with the birth date:
//! nothing is decrypted to search. The request stores only the identifier's
//! blind index and what was found then, at most [`MAX_MATCHES`] reports as
//! reporter and people each (`matches_capped` says when more were there).
//! Supervisors and admins (the data protection officer's role) record and
//! read them; every other role is refused here, in the store.

use crate::error::{Error, Result};
use crate::privacy::access::{self, Access, Action};
use crate::schema::subject_requests;
use crate::schema::{
    access_log, assessments, attachments, beneficiaries, consents, reports, services,
};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use serde_json::{Value, json};
use sigap_domain::{Claims, Nik, Phone, Role};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// Most records of each kind a request matches (reports as reporter,
/// people's rows); more are left out and the request says so.
pub const MAX_MATCHES: i64 = 1_000;
/// How long Sigap has to answer: 3 × 24 hours.
pub const ANSWER_WITHIN: chrono::TimeDelta = chrono::TimeDelta::hours(72);
/// Access-log entries an export lists at most, newest first.
pub const MAX_LOG_ENTRIES: i64 = 1_000;

/// What the person asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    /// A copy of what is held about them.
    Access,
    /// A correction (made through case work; the request tracks it).
    Rectification,
    /// Erasure: completing the request erases their data.
    Erasure,
}

impl SubjectKind {
    /// The spelling stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Access => "access",
            SubjectKind::Rectification => "rectification",
            SubjectKind::Erasure => "erasure",
        }
    }

    /// The kind spelled `text`.
    pub fn parse(text: &str) -> Option<SubjectKind> {
        match text {
            "access" => Some(SubjectKind::Access),
            "rectification" => Some(SubjectKind::Rectification),
            "erasure" => Some(SubjectKind::Erasure),
            _ => None,
        }
    }
}

/// How the person is named.
#[derive(Debug, Clone)]
pub enum Identifier {
    /// Their NIK.
    Nik(Nik),
    /// Their phone number.
    Phone(Phone),
    /// Their name (matched exactly, ignoring case) and birth date.
    NameAndBirthDate {
        /// As written on the records.
        name: String,
        /// The birth date.
        birth_date: NaiveDate,
    },
}

impl Identifier {
    fn kind(&self) -> &'static str {
        match self {
            Identifier::Nik(_) => "nik",
            Identifier::Phone(_) => "phone",
            Identifier::NameAndBirthDate { .. } => "name_and_birth_date",
        }
    }
}

/// A subject request as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = subject_requests, check_for_backend(diesel::pg::Pg))]
pub struct SubjectRequest {
    /// UUIDv7.
    pub id: Uuid,
    /// `access`, `rectification` or `erasure`.
    pub kind: String,
    /// `open` or `done`.
    pub status: String,
    /// `nik`, `phone` or `name_and_birth_date`.
    pub identifier_kind: String,
    /// Who asked.
    pub requested_by: String,
    /// What they asked, in the staff's words.
    pub note: String,
    /// The staff member who recorded it.
    pub received_by: String,
    /// When it was recorded.
    pub received_at: DateTime<Utc>,
    /// When the answer is due: 72 hours after.
    pub due_at: DateTime<Utc>,
    /// Reports where the person is the reporter.
    pub reporter_report_ids: Vec<Option<Uuid>>,
    /// The person's rows.
    pub beneficiary_ids: Vec<Option<Uuid>>,
    /// Whether more records matched than were kept.
    pub matches_capped: bool,
    /// When it was completed.
    pub completed_at: Option<DateTime<Utc>>,
    /// Who completed it.
    pub completed_by: Option<String>,
    /// The answer given.
    pub completion_note: Option<String>,
}

impl SubjectRequest {
    /// Whether it is open past its due time at `now`.
    pub fn overdue(&self, now: DateTime<Utc>) -> bool {
        self.status == "open" && self.due_at < now
    }

    fn reporter_of(&self) -> Vec<Uuid> {
        self.reporter_report_ids.iter().flatten().copied().collect()
    }

    fn people(&self) -> Vec<Uuid> {
        self.beneficiary_ids.iter().flatten().copied().collect()
    }
}

/// A report a request matched.
#[derive(Debug, Clone, Serialize)]
pub struct MatchedReport {
    /// The report.
    pub id: Uuid,
    /// Its ticket.
    pub ticket: String,
    /// Its status.
    pub status: String,
    /// Whether the person is its reporter.
    pub as_reporter: bool,
    /// Whether the person is among its people.
    pub as_beneficiary: bool,
}

/// A person's row a request matched.
#[derive(Debug, Clone, Serialize, Queryable)]
pub struct MatchedPerson {
    /// The row.
    pub id: Uuid,
    /// Its report.
    pub report_id: Uuid,
}

/// What a request matched.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Matches {
    /// The reports where the person is reporter or among the people.
    pub reports: Vec<MatchedReport>,
    /// The person's rows.
    pub beneficiaries: Vec<MatchedPerson>,
}

/// Ids as the array columns hold them.
fn nullable(ids: &[Uuid]) -> Vec<Option<Uuid>> {
    ids.iter().copied().map(Some).collect()
}

fn require_officer(claims: &Claims) -> Result<()> {
    if matches!(claims.role, Role::Supervisor | Role::Admin) {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "only supervisors and admins handle subject requests".into(),
        ))
    }
}

#[derive(QueryableByName)]
struct Found {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
}

/// The person's rows and the reports where they are the reporter, at most
/// `MAX_MATCHES + 1` of each (the one more says the list was capped).
async fn find(
    conn: &mut AsyncPgConnection,
    identifier: &Identifier,
    index: &str,
) -> Result<(Vec<Uuid>, Vec<Uuid>)> {
    let limit = MAX_MATCHES + 1;
    let people: Vec<Found> = match identifier {
        Identifier::Nik(_) | Identifier::Phone(_) => {
            let (row_column, list_column) = match identifier {
                Identifier::Nik(_) => ("nik_index", "nik"),
                _ => ("phone_index", "phone"),
            };
            // The rows, and the entries of the reports' lists (whose blind
            // indexes `report_people` holds, indexed) by their place.
            diesel::sql_query(format!(
                "SELECT id FROM (\
                    SELECT b.id FROM beneficiaries b WHERE b.{row_column} = $1 \
                    UNION \
                    SELECT b.id FROM report_people p \
                    JOIN beneficiaries b ON b.report_id = p.report_id AND b.ordinal = p.ordinal \
                    WHERE p.{list_column} = $1) m \
                 ORDER BY id LIMIT $2"
            ))
            .bind::<Text, _>(index)
            .bind::<BigInt, _>(limit)
            .load(conn)
            .await?
        }
        Identifier::NameAndBirthDate { name, birth_date } => {
            diesel::sql_query(
                "SELECT id FROM beneficiaries \
             WHERE lower(name) = lower($1) AND birth_date = $2 AND name IS NOT NULL \
             ORDER BY id LIMIT $3",
            )
            .bind::<Text, _>(name.trim())
            .bind::<Date, _>(*birth_date)
            .bind::<BigInt, _>(limit)
            .load(conn)
            .await?
        }
    };
    let reporter: Vec<Uuid> = match identifier {
        Identifier::Phone(_) => {
            reports::table
                .filter(reports::reporter_phone_index.eq(index))
                .order(reports::id)
                .limit(limit)
                .select(reports::id)
                .load(conn)
                .await?
        }
        _ => Vec::new(),
    };
    Ok((people.into_iter().map(|f| f.id).collect(), reporter))
}

/// Records a subject request by `claims` and finds the person's records.
pub async fn create(
    conn: &mut AsyncPgConnection,
    claims: &Claims,
    kind: SubjectKind,
    identifier: &Identifier,
    requested_by: &str,
    note: &str,
) -> Result<(SubjectRequest, Matches)> {
    require_officer(claims)?;
    let keys = crate::privacy::keys()?;
    let index = match identifier {
        Identifier::Nik(nik) => keys.nik_index(nik),
        Identifier::Phone(phone) => keys.phone_index(phone),
        Identifier::NameAndBirthDate { name, birth_date } => keys.person_index(name, *birth_date),
    };
    let (mut people, mut reporter) = find(conn, identifier, &index).await?;
    let capped = people.len() as i64 > MAX_MATCHES || reporter.len() as i64 > MAX_MATCHES;
    people.truncate(MAX_MATCHES as usize);
    reporter.truncate(MAX_MATCHES as usize);
    // Microseconds, as PostgreSQL keeps them: the answer shows what is stored.
    let now = DateTime::from_timestamp_micros(Utc::now().timestamp_micros())
        .expect("now is a valid time");
    let request: SubjectRequest = diesel::insert_into(subject_requests::table)
        .values((
            subject_requests::id.eq(Uuid::now_v7()),
            subject_requests::kind.eq(kind.as_str()),
            subject_requests::identifier_kind.eq(identifier.kind()),
            subject_requests::identifier_index.eq(&index),
            subject_requests::requested_by.eq(requested_by),
            subject_requests::note.eq(note),
            subject_requests::received_by.eq(&claims.sub),
            subject_requests::received_at.eq(now),
            subject_requests::due_at.eq(now + ANSWER_WITHIN),
            subject_requests::reporter_report_ids.eq(nullable(&reporter)),
            subject_requests::beneficiary_ids.eq(nullable(&people)),
            subject_requests::matches_capped.eq(capped),
        ))
        .returning(SubjectRequest::as_returning())
        .get_result(conn)
        .await?;
    let matches = matches(conn, &request).await?;
    Ok((request, matches))
}

/// What `request` matched, with tickets and statuses as they are now.
pub async fn matches(conn: &mut AsyncPgConnection, request: &SubjectRequest) -> Result<Matches> {
    let reporter_of = request.reporter_of();
    let people: Vec<MatchedPerson> = beneficiaries::table
        .filter(beneficiaries::id.eq_any(request.people()))
        .order((beneficiaries::report_id, beneficiaries::ordinal))
        .select((beneficiaries::id, beneficiaries::report_id))
        .load(conn)
        .await?;
    let mut ids: BTreeSet<Uuid> = reporter_of.iter().copied().collect();
    ids.extend(people.iter().map(|p| p.report_id));
    let rows: Vec<(Uuid, String, String)> = reports::table
        .filter(reports::id.eq_any(&ids))
        .order(reports::created_at)
        .select((reports::id, reports::ticket, reports::status))
        .load(conn)
        .await?;
    let as_beneficiary: BTreeSet<Uuid> = people.iter().map(|p| p.report_id).collect();
    Ok(Matches {
        reports: rows
            .into_iter()
            .map(|(id, ticket, status)| MatchedReport {
                id,
                ticket,
                status,
                as_reporter: reporter_of.contains(&id),
                as_beneficiary: as_beneficiary.contains(&id),
            })
            .collect(),
        beneficiaries: people,
    })
}

/// A request by id, for supervisors and admins.
pub async fn get(
    conn: &mut AsyncPgConnection,
    claims: &Claims,
    id: Uuid,
) -> Result<SubjectRequest> {
    require_officer(claims)?;
    Ok(subject_requests::table
        .find(id)
        .select(SubjectRequest::as_select())
        .first(conn)
        .await?)
}

/// Where a page of the list starts: after this request (open ones first,
/// then by due time and id).
#[derive(Debug, Clone, Copy)]
pub struct ListCursor {
    /// Whether the last one shown was done.
    pub done: bool,
    /// Its due time.
    pub due_at: DateTime<Utc>,
    /// Its id.
    pub id: Uuid,
}

/// Requests, open ones first, each by due time; `status` filters; at most
/// `limit` after `after`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    claims: &Claims,
    status: Option<&str>,
    after: Option<ListCursor>,
    limit: i64,
) -> Result<Vec<SubjectRequest>> {
    require_officer(claims)?;
    let done = subject_requests::status.eq("done");
    let mut query = subject_requests::table
        .order((done, subject_requests::due_at, subject_requests::id))
        .limit(limit)
        .select(SubjectRequest::as_select())
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(subject_requests::status.eq(status.to_owned()));
    }
    if let Some(after) = after {
        query = query.filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("(status = 'done', due_at, id) > (")
                .bind::<diesel::sql_types::Bool, _>(after.done)
                .sql(", ")
                .bind::<diesel::sql_types::Timestamptz, _>(after.due_at)
                .sql(", ")
                .bind::<diesel::sql_types::Uuid, _>(after.id)
                .sql(")"),
        );
    }
    Ok(query.load(conn).await?)
}

/// Completes an open request with the answer `note`; for an erasure, erases
/// the person's data in the matched records (their rows, and the reporter's
/// name and phone where they reported) in the same transaction. 409 when
/// it is done already.
pub async fn complete(
    conn: &mut AsyncPgConnection,
    claims: &Claims,
    id: Uuid,
    note: &str,
) -> Result<SubjectRequest> {
    require_officer(claims)?;
    conn.transaction::<_, Error, _>(async |conn| {
        let request: SubjectRequest = subject_requests::table
            .find(id)
            .for_update()
            .select(SubjectRequest::as_select())
            .first(conn)
            .await?;
        if request.status != "open" {
            return Err(Error::Conflict(
                "the subject request is done already".into(),
            ));
        }
        if request.kind == SubjectKind::Erasure.as_str() {
            let people = request.people();
            let reporter_of = request.reporter_of();
            let mut ids: BTreeSet<Uuid> = reporter_of.iter().copied().collect();
            let of_people: Vec<Uuid> = beneficiaries::table
                .filter(beneficiaries::id.eq_any(&people))
                .select(beneficiaries::report_id)
                .load(conn)
                .await?;
            ids.extend(of_people);
            // The reports in one order, as every change locks them.
            let ids: Vec<Uuid> = ids.into_iter().collect();
            reports::table
                .filter(reports::id.eq_any(&ids))
                .order(reports::id)
                .select(reports::id)
                .for_update()
                .load::<Uuid>(conn)
                .await?;
            crate::privacy::erasure::erase_people(conn, &people).await?;
            crate::privacy::erasure::erase_reporters(conn, &reporter_of).await?;
        }
        Ok(diesel::update(subject_requests::table.find(id))
            .set((
                subject_requests::status.eq("done"),
                subject_requests::completed_at.eq(diesel::dsl::now),
                subject_requests::completed_by.eq(&claims.sub),
                subject_requests::completion_note.eq(note),
            ))
            .returning(SubjectRequest::as_returning())
            .get_result(conn)
            .await?)
    })
    .await
}

/// Everything held about the person of request `id`, decrypted, with who
/// saw it: the JSON a subject receives. Writes one access-log entry per
/// report shown (`subject_export`), in the same transaction.
pub async fn export(
    conn: &mut AsyncPgConnection,
    claims: &Claims,
    id: Uuid,
    request_id: Option<String>,
) -> Result<Value> {
    let request = get(conn, claims, id).await?;
    let reporter_of = request.reporter_of();
    let people_ids = request.people();
    let people: Vec<crate::casework::BeneficiaryRow> = beneficiaries::table
        .filter(beneficiaries::id.eq_any(&people_ids))
        .order((beneficiaries::report_id, beneficiaries::ordinal))
        .select(crate::casework::BeneficiaryRow::as_select())
        .load(conn)
        .await?;
    let mut report_ids: BTreeSet<Uuid> = reporter_of.iter().copied().collect();
    report_ids.extend(people.iter().map(|p| p.report_id));
    let report_ids: Vec<Uuid> = report_ids.into_iter().collect();
    let rows: Vec<(crate::reports::ReportRow, Option<DateTime<Utc>>)> = reports::table
        .filter(reports::id.eq_any(&report_ids))
        .order(reports::created_at)
        .select((crate::reports::ReportRow::as_select(), reports::erased_at))
        .load(conn)
        .await?;
    let tickets: BTreeMap<Uuid, String> =
        rows.iter().map(|(r, _)| (r.id, r.ticket.clone())).collect();
    let assessed: Vec<crate::casework::AssessmentRow> = assessments::table
        .filter(assessments::beneficiary_id.eq_any(&people_ids))
        .order(assessments::id)
        .select(crate::casework::AssessmentRow::as_select())
        .load(conn)
        .await?;
    let served: Vec<crate::casework::ServiceRow> = services::table
        .filter(services::beneficiary_id.eq_any(&people_ids))
        .order(services::id)
        .select(crate::casework::ServiceRow::as_select())
        .load(conn)
        .await?;
    let consented: Vec<crate::consents::ConsentRow> = consents::table
        .filter(consents::beneficiary_id.eq_any(&people_ids))
        .order(consents::id)
        .select(crate::consents::ConsentRow::as_select())
        .load(conn)
        .await?;
    let files: Vec<crate::attachments::AttachmentMeta> = attachments::table
        .filter(attachments::report_id.eq_any(&report_ids))
        .order(attachments::id)
        .limit(MAX_MATCHES)
        .select(crate::attachments::AttachmentMeta::as_select())
        .load(conn)
        .await?;
    let seen: Vec<access::AccessRow> = access_log::table
        .filter(access_log::report_id.eq_any(&report_ids))
        .filter(
            access_log::report_id
                .eq_any(&reporter_of)
                .or(access_log::beneficiary_ids.overlaps_with(nullable(&people_ids))),
        )
        .order(access_log::id.desc())
        .limit(MAX_LOG_ENTRIES)
        .select(access::AccessRow::as_select())
        .load(conn)
        .await?;
    let reports_json: Vec<Value> = rows
        .iter()
        .map(|(r, erased_at)| {
            let as_reporter = reporter_of.contains(&r.id);
            let mut report = json!({
                "id": r.id, "ticket": r.ticket, "status": r.status, "category": r.category,
                "region_code": r.region_code, "unit_code": r.unit_code,
                "created_at": r.created_at, "erased_at": erased_at,
                "as_reporter": as_reporter,
                "as_beneficiary": people.iter().any(|p| p.report_id == r.id),
            });
            if as_reporter {
                report["reporter"] = json!({"name": r.reporter_name, "phone": r.reporter_phone});
                report["address"] = json!(r.address);
                report["description"] = json!(r.description);
            }
            report
        })
        .collect();
    let people_json: Vec<Value> = people
        .iter()
        .map(|p| {
            json!({
                "id": p.id, "report_id": p.report_id, "ticket": tickets.get(&p.report_id),
                "name": p.name, "nik": p.nik, "birth_date": p.birth_date, "age": p.age,
                "sex": p.sex, "disabilities": p.disabilities(), "phone": p.phone,
                "address": p.address, "status": p.status, "status_reason": p.status_reason,
                "created_at": p.created_at,
                "assessments": assessed.iter().filter(|a| a.beneficiary_id == p.id).map(|a| json!({
                    "id": a.id, "assessed_on": a.assessed_on, "method": a.method,
                    "eligible": a.eligible, "findings": a.findings,
                    "functioning": a.functioning(), "recommendations": a.recommendations,
                    "assessed_by": a.assessed_by, "created_at": a.created_at,
                })).collect::<Vec<_>>(),
                "consents": consented.iter().filter(|c| c.beneficiary_id == p.id).map(|c| json!({
                    "id": c.id, "purposes": c.purposes(), "given_by": c.given_by,
                    "guardian_name": c.guardian_name, "guardian_relation": c.guardian_relation,
                    "method": c.method, "recorded_on": c.recorded_on, "created_at": c.created_at,
                    "withdrawn_at": c.withdrawn_at, "withdrawal_reason": c.withdrawal_reason,
                })).collect::<Vec<_>>(),
                "services": served.iter().filter(|s| s.beneficiary_id == p.id).map(|s| json!({
                    "id": s.id, "component": s.component, "modality": s.modality,
                    "item": s.item, "quantity": s.quantity, "due_on": s.due_on,
                    "note": s.note, "status": s.status, "delivered_on": s.delivered_on,
                    "delivered_quantity": s.delivered_quantity, "handover_ref": s.handover_ref,
                    "received_by": s.received_by, "delivery_note": s.delivery_note,
                    "cancel_reason": s.cancel_reason, "followed_up_on": s.followed_up_on,
                    "follow_up_outcome": s.follow_up_outcome, "created_at": s.created_at,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let files_json: Vec<Value> = files
        .iter()
        .map(|f| {
            json!({
                "id": f.id, "report_id": f.report_id, "filename": f.filename,
                "content_type": f.content_type, "size": f.size, "note": f.note,
                "beneficiary_ref": f.beneficiary_ref, "created_at": f.created_at,
            })
        })
        .collect();
    let seen_json: Vec<Value> = seen
        .iter()
        .map(|e| {
            json!({
                "at": e.at, "actor": e.actor, "actor_kind": e.actor_kind, "role": e.role,
                "action": e.action, "report_id": e.report_id, "request_id": e.request_id,
            })
        })
        .collect();

    let entries: Vec<Access> = report_ids
        .iter()
        .map(|report| {
            let mut entry = Access::by(claims, Action::SubjectExport, request_id.clone());
            entry.report_id = Some(*report);
            entry.beneficiary_ids = Some(
                people
                    .iter()
                    .filter(|p| p.report_id == *report)
                    .map(|p| p.id)
                    .collect(),
            );
            entry
        })
        .collect();
    access::record(conn, &entries).await?;

    Ok(json!({
        "subject_request": {
            "id": request.id, "kind": request.kind, "status": request.status,
            "received_at": request.received_at, "due_at": request.due_at,
            "matches_capped": request.matches_capped,
        },
        "generated_at": Utc::now(),
        "reports": reports_json,
        "beneficiaries": people_json,
        "attachments": files_json,
        "access_log": seen_json,
    }))
}
