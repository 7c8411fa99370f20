//! Case work at the unit: the people of a case (`beneficiaries`), their
//! assessments, and the services planned, delivered, cancelled and followed
//! up for them. Which rows a caller may read is the report's rule
//! ([`Visibility`]), written into every query as a condition on the report;
//! changes lock the report, as status changes do, so that the people's
//! statuses and the case's follow the work in one order.
//!
//! Every change appends to the report's history and announces an event
//! (`beneficiary.added`, `beneficiary.assessed`, `service.planned`,
//! `service.delivered`, `service.cancelled`, `service.followed_up`) whose
//! details carry ids, component, item, quantity and statuses: nothing
//! personal.

use crate::deadlines::{self, Move};
use crate::error::{Error, Result};
use crate::lifecycle::{Actor, Change, lock_case, move_case, record};
use crate::reports::{PersonalData, ReportRow, Visibility};
use crate::schema::{
    assessments, beneficiaries, beneficiary_imports, regions, report_events, reports,
    service_follow_ups, services,
};
use crate::vocabulary::{NullableTerm, Term};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::Uuid as SqlUuid;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use sigap_domain::{
    AssessmentMethod, AssistiveDevice, AtensiComponent, BeneficiaryStatus, Claims, Delivery,
    Difficulty, Disability, FieldError, FollowUp, FollowUpOutcome, Functioning, Modality,
    NewAssessment, NewService, PersonDetails, Recommendation, ServiceCounts, ServiceStatus,
    SlaPolicy, Stage, Status,
};
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use uuid::Uuid;

/// Most people a report lists.
pub const MAX_PEOPLE_PER_REPORT: i64 = 10_000;

/// The report a piece of case work belongs to, as far as callers need it
/// to decide what they may see.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = reports, check_for_backend(diesel::pg::Pg))]
pub struct CaseRef {
    /// The report's id.
    #[diesel(column_name = id)]
    pub report_id: Uuid,
    /// Its ticket.
    pub ticket: String,
    /// The unit holding it: its staff see the people's personal data.
    pub unit_code: Option<String>,
    /// Its status.
    #[diesel(deserialize_as = Term<Status>)]
    pub status: Status,
    /// People affected, listed or not.
    pub beneficiary_count: i32,
}

/// A person of a case.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = beneficiaries, check_for_backend(diesel::pg::Pg))]
pub struct BeneficiaryRow {
    /// The person's id.
    pub id: Uuid,
    /// The report the person belongs to.
    pub report_id: Uuid,
    /// The person's place in the report's list, from 0.
    pub ordinal: i32,
    /// Personal data.
    pub name: Option<String>,
    /// Personal data: the 16-digit population number (stored encrypted,
    /// decrypted as read).
    #[diesel(deserialize_as = crate::privacy::Revealed)]
    pub nik: Option<String>,
    /// Personal data.
    pub birth_date: Option<NaiveDate>,
    /// Age in years, when the birth date is not known.
    pub age: Option<i32>,
    /// `F` or `M`.
    pub sex: Option<String>,
    /// Kinds of disability ([`BeneficiaryRow::disabilities`]).
    pub disabilities: Vec<Term<Disability>>,
    /// Personal data (`+62…`; stored encrypted, decrypted as read).
    #[diesel(deserialize_as = crate::privacy::Revealed)]
    pub phone: Option<String>,
    /// Personal data.
    pub address: Option<String>,
    /// Where the person stands.
    #[diesel(deserialize_as = Term<BeneficiaryStatus>)]
    pub status: BeneficiaryStatus,
    /// Why the person's case ended without service (personal data: free text).
    pub status_reason: Option<String>,
    /// When the person was listed.
    pub created_at: DateTime<Utc>,
    /// When the person's record last changed.
    pub updated_at: DateTime<Utc>,
}

impl BeneficiaryRow {
    /// The kinds of disability, as the domain's values.
    pub fn disabilities(&self) -> Vec<Disability> {
        self.disabilities.iter().map(|t| t.0).collect()
    }

    /// The row without its personal data (name, NIK, birth date, phone,
    /// address and the free text of an ended case): what a caller who may
    /// not see the person gets, whatever the api does with it.
    pub fn redacted(self) -> BeneficiaryRow {
        BeneficiaryRow {
            name: None,
            nik: None,
            birth_date: None,
            phone: None,
            address: None,
            status_reason: None,
            ..self
        }
    }
}

/// A person as a caller reads them: `shown` says whether the row carries
/// the person's personal data (the report's rule, or for a partner or a
/// regional office an active consent for its purpose, decided in the
/// query); when not, the row comes redacted.
#[derive(Debug, Clone)]
pub struct Person {
    /// The row (redacted unless `shown`).
    pub row: BeneficiaryRow,
    /// Whether the caller sees the person's personal data.
    pub shown: bool,
}

impl Person {
    fn of((row, shown): (BeneficiaryRow, bool)) -> Person {
        Person {
            row: if shown { row } else { row.redacted() },
            shown,
        }
    }
}

/// One assessment of a person.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = assessments, check_for_backend(diesel::pg::Pg))]
pub struct AssessmentRow {
    /// The assessment's id (UUIDv7: ids sort by time).
    pub id: Uuid,
    /// The person assessed.
    pub beneficiary_id: Uuid,
    /// The day of the assessment.
    pub assessed_on: NaiveDate,
    /// How it was made.
    #[diesel(deserialize_as = Term<AssessmentMethod>)]
    pub method: AssessmentMethod,
    /// Whether the person is eligible for services.
    pub eligible: bool,
    /// Personal data: what the assessor found.
    pub findings: String,
    /// Washington Group: seeing.
    #[diesel(deserialize_as = NullableTerm<Difficulty>)]
    pub seeing: Option<Difficulty>,
    /// Washington Group: hearing.
    #[diesel(deserialize_as = NullableTerm<Difficulty>)]
    pub hearing: Option<Difficulty>,
    /// Washington Group: walking.
    #[diesel(deserialize_as = NullableTerm<Difficulty>)]
    pub walking: Option<Difficulty>,
    /// Washington Group: remembering.
    #[diesel(deserialize_as = NullableTerm<Difficulty>)]
    pub remembering: Option<Difficulty>,
    /// Washington Group: self-care.
    #[diesel(deserialize_as = NullableTerm<Difficulty>)]
    pub self_care: Option<Difficulty>,
    /// Washington Group: communicating.
    #[diesel(deserialize_as = NullableTerm<Difficulty>)]
    pub communicating: Option<Difficulty>,
    /// The services recommended, as the domain checked them.
    pub recommendations: serde_json::Value,
    /// Who assessed (a token's subject).
    pub assessed_by: String,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
}

impl AssessmentRow {
    /// The assessment without personal data (findings, functioning and the
    /// recommendations' notes).
    pub fn redacted(mut self) -> AssessmentRow {
        self.findings = String::new();
        for field in [
            &mut self.seeing,
            &mut self.hearing,
            &mut self.walking,
            &mut self.remembering,
            &mut self.self_care,
            &mut self.communicating,
        ] {
            *field = None;
        }
        let mut recommendations = self.recommendations();
        for r in &mut recommendations {
            r.note = None;
        }
        self.recommendations =
            serde_json::to_value(&recommendations).expect("recommendations serialize");
        self
    }

    /// The Washington Group answers, when all six were given.
    pub fn functioning(&self) -> Option<Functioning> {
        Some(Functioning {
            seeing: self.seeing?,
            hearing: self.hearing?,
            walking: self.walking?,
            remembering: self.remembering?,
            self_care: self.self_care?,
            communicating: self.communicating?,
        })
    }

    /// The recommendations as the domain's values.
    pub fn recommendations(&self) -> Vec<Recommendation> {
        serde_json::from_value(self.recommendations.clone()).unwrap_or_default()
    }
}

/// A service planned for a person.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = services, check_for_backend(diesel::pg::Pg))]
pub struct ServiceRow {
    /// The service's id (UUIDv7).
    pub id: Uuid,
    /// The report it serves.
    pub report_id: Uuid,
    /// The person it is for.
    pub beneficiary_id: Uuid,
    /// The unit holding the report.
    pub unit_code: Option<String>,
    /// The ATENSI component.
    #[diesel(deserialize_as = Term<AtensiComponent>)]
    pub component: AtensiComponent,
    /// Where it is given.
    #[diesel(deserialize_as = Term<Modality>)]
    pub modality: Modality,
    /// The assistive device, for `accessibility_support`.
    #[diesel(deserialize_as = NullableTerm<AssistiveDevice>)]
    pub item: Option<AssistiveDevice>,
    /// How many were planned.
    pub quantity: i32,
    /// When it should be delivered.
    pub due_on: NaiveDate,
    /// Personal data: the planner's note.
    pub note: Option<String>,
    /// Where it stands.
    #[diesel(deserialize_as = Term<ServiceStatus>)]
    pub status: ServiceStatus,
    /// The day of the handover.
    pub delivered_on: Option<NaiveDate>,
    /// How many were handed over.
    pub delivered_quantity: Option<i32>,
    /// The signed handover record's number (BAST).
    pub handover_ref: Option<String>,
    /// Personal data: who received it.
    pub received_by: Option<String>,
    /// Personal data: the delivery's note.
    pub delivery_note: Option<String>,
    /// Personal data: why it was cancelled.
    pub cancel_reason: Option<String>,
    /// When a delivered device is due a follow-up.
    pub follow_up_due_on: Option<NaiveDate>,
    /// The day of the last follow-up.
    pub followed_up_on: Option<NaiveDate>,
    /// What the last follow-up found.
    #[diesel(deserialize_as = NullableTerm<FollowUpOutcome>)]
    pub follow_up_outcome: Option<FollowUpOutcome>,
    /// Who planned it.
    pub planned_by: String,
    /// When it was planned.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl ServiceRow {
    /// Whether the row carries personal data: a note, a receiver or a
    /// reason (those [`ServiceRow::redacted`] leaves out).
    pub fn shows_personal_data(&self) -> bool {
        self.note.is_some()
            || self.received_by.is_some()
            || self.delivery_note.is_some()
            || self.cancel_reason.is_some()
    }

    /// The service without personal data (notes, who received it, why it
    /// was cancelled).
    pub fn redacted(self) -> ServiceRow {
        ServiceRow {
            note: None,
            received_by: None,
            delivery_note: None,
            cancel_reason: None,
            ..self
        }
    }
}

/// What keeps a case from being resolved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Pending {
    /// People not yet served nor ended without service (at most
    /// [`PENDING_LISTED`] listed).
    pub beneficiaries: Vec<PendingBeneficiary>,
    /// How many people are pending in all.
    pub beneficiaries_pending: i64,
    /// Services still planned (at most [`PENDING_LISTED`] listed).
    pub services: Vec<PendingService>,
    /// How many services are still planned in all.
    pub services_planned: i64,
}

/// Most pending people and services a refusal lists.
pub const PENDING_LISTED: i64 = 50;

impl Pending {
    /// Nothing pending: the case may be resolved.
    pub fn is_empty(&self) -> bool {
        self.beneficiaries_pending == 0 && self.services_planned == 0
    }
}

/// A person still pending (no personal data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Queryable)]
pub struct PendingBeneficiary {
    /// The person's id.
    pub id: Uuid,
    /// Their place in the report's list.
    pub ordinal: i32,
    /// Where they stand.
    #[diesel(deserialize_as = Term<BeneficiaryStatus>)]
    pub status: BeneficiaryStatus,
}

/// A service still planned (no personal data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Queryable)]
pub struct PendingService {
    /// The service's id.
    pub id: Uuid,
    /// The person it is for.
    pub beneficiary_id: Uuid,
    /// The ATENSI component.
    #[diesel(deserialize_as = Term<AtensiComponent>)]
    pub component: AtensiComponent,
    /// The device, if one.
    #[diesel(deserialize_as = NullableTerm<AssistiveDevice>)]
    pub item: Option<AssistiveDevice>,
    /// When it is due.
    pub due_on: NaiveDate,
}

/// The people and services that keep report `id` from being resolved.
pub async fn pending(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Pending> {
    let not_final: Vec<Term<BeneficiaryStatus>> = BeneficiaryStatus::ALL
        .iter()
        .filter(|s| !s.is_final())
        .map(|s| Term(*s))
        .collect();
    let people = || {
        beneficiaries::table
            .filter(beneficiaries::report_id.eq(id))
            .filter(beneficiaries::status.eq_any(not_final.clone()))
    };
    let beneficiaries_pending: i64 = people().count().get_result(conn).await?;
    let listed: Vec<PendingBeneficiary> = people()
        .order(beneficiaries::ordinal)
        .limit(PENDING_LISTED)
        .select((
            beneficiaries::id,
            beneficiaries::ordinal,
            beneficiaries::status,
        ))
        .load(conn)
        .await?;
    let planned = || {
        services::table
            .filter(services::report_id.eq(id))
            .filter(services::status.eq(Term(ServiceStatus::Planned)))
    };
    let services_planned: i64 = planned().count().get_result(conn).await?;
    let services: Vec<PendingService> = planned()
        .order((services::due_on, services::id))
        .limit(PENDING_LISTED)
        .select((
            services::id,
            services::beneficiary_id,
            services::component,
            services::item,
            services::due_on,
        ))
        .load(conn)
        .await?;
    Ok(Pending {
        beneficiaries: listed,
        beneficiaries_pending,
        services,
        services_planned,
    })
}

/// The case `claims` may read, by report id; 404 otherwise.
pub async fn case_for(
    conn: &mut AsyncPgConnection,
    claims: &Claims,
    report_id: Uuid,
) -> Result<CaseRef> {
    Ok(reports::table
        .find(report_id)
        .filter(Visibility::of(claims).condition())
        .select(CaseRef::as_select())
        .first(conn)
        .await?)
}

fn case_of(report: &ReportRow) -> CaseRef {
    CaseRef {
        report_id: report.id,
        ticket: report.ticket.clone(),
        unit_code: report.unit_code.clone(),
        status: report.status,
        beneficiary_count: report.beneficiary_count,
    }
}

/// The people of a report `claims` may read, in list order, after the
/// place `after`, at most `limit`; each with its personal data only when
/// the caller may see it ([`PersonalData::person_shown`], in the query).
pub async fn list_beneficiaries(
    conn: &mut AsyncPgConnection,
    claims: &Claims,
    report_id: Uuid,
    after: Option<i32>,
    limit: i64,
) -> Result<(CaseRef, Vec<Person>)> {
    let case = case_for(conn, claims, report_id).await?;
    let shown = PersonalData::of(claims).person_shown(case.unit_code.as_deref());
    let rows: Vec<(BeneficiaryRow, bool)> = beneficiaries::table
        .filter(beneficiaries::report_id.eq(report_id))
        .filter(beneficiaries::ordinal.gt(after.unwrap_or(-1)))
        .order(beneficiaries::ordinal)
        .limit(limit)
        .select((BeneficiaryRow::as_select(), shown))
        .load(conn)
        .await?;
    Ok((case, rows.into_iter().map(Person::of).collect()))
}

/// A person `claims` may read; 404 otherwise. The person's row is read
/// only through a case the caller's rule selects (the report's condition
/// is in that query), never loaded and then filtered; its personal data
/// only when the caller may see it.
pub async fn find_beneficiary(
    conn: &mut AsyncPgConnection,
    claims: &Claims,
    id: Uuid,
) -> Result<(CaseRef, Person)> {
    let report_id: Uuid = beneficiaries::table
        .find(id)
        .select(beneficiaries::report_id)
        .first(conn)
        .await?;
    let case = case_for(conn, claims, report_id).await?;
    let shown = PersonalData::of(claims).person_shown(case.unit_code.as_deref());
    let row: (BeneficiaryRow, bool) = beneficiaries::table
        .find(id)
        .filter(beneficiaries::report_id.eq(case.report_id))
        .select((BeneficiaryRow::as_select(), shown))
        .first(conn)
        .await?;
    Ok((case, Person::of(row)))
}

/// The assessments of a person `claims` may read, newest first (the first
/// is the one that counts), after the id `after`, at most `limit`; with
/// whether the caller sees the person's personal data (the rows come
/// redacted when not).
pub async fn list_assessments(
    conn: &mut AsyncPgConnection,
    claims: &Claims,
    beneficiary_id: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> Result<(CaseRef, bool, Vec<AssessmentRow>)> {
    let (case, person) = find_beneficiary(conn, claims, beneficiary_id).await?;
    let mut q = assessments::table
        .filter(assessments::beneficiary_id.eq(beneficiary_id))
        .into_boxed();
    if let Some(after) = after {
        q = q.filter(assessments::id.lt(after));
    }
    let rows: Vec<AssessmentRow> = q
        .order(assessments::id.desc())
        .limit(limit)
        .select(AssessmentRow::as_select())
        .load(conn)
        .await?;
    let rows = if person.shown {
        rows
    } else {
        rows.into_iter().map(AssessmentRow::redacted).collect()
    };
    Ok((case, person.shown, rows))
}

/// The services of a report `claims` may read, in planning order, after the
/// id `after`, at most `limit`.
pub async fn list_report_services(
    conn: &mut AsyncPgConnection,
    claims: &Claims,
    report_id: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> Result<(CaseRef, Vec<ServiceRow>)> {
    let case = case_for(conn, claims, report_id).await?;
    let shown = PersonalData::of(claims).person_shown(case.unit_code.as_deref());
    let mut q = services::table
        .inner_join(beneficiaries::table)
        .filter(services::report_id.eq(report_id))
        .select((ServiceRow::as_select(), shown))
        .into_boxed();
    if let Some(after) = after {
        q = q.filter(services::id.gt(after));
    }
    let rows: Vec<(ServiceRow, bool)> = q.order(services::id).limit(limit).load(conn).await?;
    // A service's notes are about its person: shown as the person is.
    let rows = rows
        .into_iter()
        .map(|(row, shown)| if shown { row } else { row.redacted() })
        .collect();
    Ok((case, rows))
}

/// Locks the case of a person for a change by `claims` (404 when the caller
/// may not read it, 403 when its role may not change cases), with the
/// person's row.
pub(crate) async fn lock_person(
    conn: &mut AsyncPgConnection,
    claims: &Claims,
    id: Uuid,
) -> Result<(ReportRow, BeneficiaryRow)> {
    let report_id: Uuid = beneficiaries::table
        .find(id)
        .select(beneficiaries::report_id)
        .first(conn)
        .await?;
    // The report's rule decides, in the locking query (404 when not the caller's).
    let report = lock_case(conn, claims, report_id).await?;
    let person = beneficiaries::table
        .find(id)
        .for_update()
        .select(BeneficiaryRow::as_select())
        .first(conn)
        .await?;
    Ok((report, person))
}

/// Locks the case of a service for a change by `claims`, with the
/// service's row.
async fn lock_service(
    conn: &mut AsyncPgConnection,
    claims: &Claims,
    id: Uuid,
) -> Result<(ReportRow, ServiceRow)> {
    let report_id: Uuid = services::table
        .find(id)
        .select(services::report_id)
        .first(conn)
        .await?;
    // The report's rule decides, in the locking query (404 when not the caller's).
    let report = lock_case(conn, claims, report_id).await?;
    let service = services::table
        .find(id)
        .for_update()
        .select(ServiceRow::as_select())
        .first(conn)
        .await?;
    Ok((report, service))
}

/// Case work happens on a case a unit holds and works on; an ended case
/// (or one not yet acknowledged, for assessments and services) refuses it.
fn require_open(report: &ReportRow, statuses: &[Status], what: &str) -> Result<()> {
    if statuses.contains(&report.status) {
        Ok(())
    } else {
        Err(Error::Conflict(format!(
            "{} is {}: {what} needs a case that is {}",
            report.ticket,
            report.status,
            statuses
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )))
    }
}

fn unknown_regency(code: &str) -> String {
    format!("digits 1 to 4 must be the code of a known regency; {code} is none")
}

/// A NIK names the regency that issued it in its first four digits: one
/// that names no known regency is mistyped.
async fn check_nik_regency(conn: &mut AsyncPgConnection, details: &PersonDetails) -> Result<()> {
    let Some(nik) = &details.nik else {
        return Ok(());
    };
    let code = nik.regency_code();
    let known: i64 = regions::table
        .filter(regions::code.eq(&code))
        .count()
        .get_result(conn)
        .await?;
    if known == 0 {
        return Err(Error::validation("nik", unknown_regency(&code)));
    }
    Ok(())
}

/// Writes the report's list (`reports.beneficiaries`) from its rows, so
/// that duplicate look-ups (`report_people`) and merges see the people as
/// they are now; keeps what else an entry said, and bumps the report's
/// `updated_at` (and with it the unit's queue version).
async fn mirror_people(conn: &mut AsyncPgConnection, report_id: Uuid) -> Result<()> {
    diesel::sql_query(
        "UPDATE reports r SET updated_at = now(), beneficiaries = coalesce((\
            SELECT jsonb_agg((coalesce(r.beneficiaries -> b.ordinal, '{}'::jsonb) \
                - 'name' - 'nik' - 'nik_index' - 'birth_date' - 'age' - 'sex' - 'phone' \
                - 'phone_index' - 'address' - 'disabilities') \
                || jsonb_strip_nulls(jsonb_build_object('name', b.name, 'nik', b.nik, \
                    'nik_index', b.nik_index, 'birth_date', b.birth_date, 'age', b.age, \
                    'sex', b.sex, 'phone', b.phone, 'phone_index', b.phone_index, \
                    'address', b.address)) \
                || jsonb_build_object('disabilities', to_jsonb(b.disabilities)) \
                ORDER BY b.ordinal) \
            FROM beneficiaries b WHERE b.report_id = r.id), '[]'::jsonb) \
         WHERE r.id = $1",
    )
    .bind::<SqlUuid, _>(report_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Bumps the report's `updated_at` (and the unit's queue version, which the
/// delivery list's ETag is made of).
async fn touch(conn: &mut AsyncPgConnection, report_id: Uuid) -> Result<()> {
    diesel::update(reports::table.find(report_id))
        .set(reports::updated_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
    Ok(())
}

/// A history entry without an event on the bus (edits of a person).
async fn history_only(
    conn: &mut AsyncPgConnection,
    report: &ReportRow,
    actor: &Actor,
    kind: &str,
    note: Option<&str>,
    details: serde_json::Value,
) -> Result<()> {
    diesel::insert_into(report_events::table)
        .values((
            report_events::report_id.eq(report.id),
            report_events::kind.eq(kind),
            report_events::from_status.eq(Term(report.status)),
            report_events::to_status.eq(Term(report.status)),
            report_events::unit_code.eq(report.unit_code.as_deref()),
            report_events::actor.eq(&actor.sub),
            report_events::actor_role.eq(&actor.role),
            report_events::note.eq(note),
            report_events::details.eq(Some(details)),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// A case-work entry of the history and its event: `kind` in the history
/// (`service_delivered`), `event` on the bus (`service.delivered`).
pub(crate) async fn announce(
    conn: &mut AsyncPgConnection,
    report: &ReportRow,
    actor: &Actor,
    event: &str,
    note: Option<&str>,
    details: serde_json::Value,
) -> Result<()> {
    let kind = event.replace('.', "_");
    let status = crate::reports::find(conn, report.id).await?.status;
    record(
        conn,
        report,
        actor,
        Change {
            kind: &kind,
            from: status,
            to: status,
            unit: report.unit_code.as_deref(),
            note,
            details: Some(details),
            event: event.to_owned(),
            routing_key: event.to_owned(),
        },
    )
    .await
}

/// Lists a new person on a case (`POST /v1/reports/{id}/beneficiaries`):
/// the next place in the list, `awaiting_assessment`. The report's count
/// grows only when the listed people outnumber it.
pub async fn add_beneficiary(
    conn: &mut AsyncPgConnection,
    claims: &Claims,
    report_id: Uuid,
    details: &PersonDetails,
) -> Result<(CaseRef, BeneficiaryRow)> {
    conn.transaction::<_, Error, _>(async |conn| {
        let report = lock_case(conn, claims, report_id).await?;
        require_open(&report, Status::OPEN_AT_UNIT, "listing people")?;
        check_nik_regency(conn, details).await?;
        let (listed, last) = listed_people(conn, report_id).await?;
        if listed >= MAX_PEOPLE_PER_REPORT {
            return Err(Error::Conflict(format!(
                "a report lists at most {MAX_PEOPLE_PER_REPORT} people"
            )));
        }
        let actor = Actor::from_claims(claims);
        let row = list_person(conn, &report, &actor, last.map_or(0, |o| o + 1), details).await?;
        let case = finish_listing(conn, &report, listed + 1).await?;
        Ok((case, row))
    })
    .await
}

/// How many people a report lists, and the last place taken.
async fn listed_people(
    conn: &mut AsyncPgConnection,
    report_id: Uuid,
) -> Result<(i64, Option<i32>)> {
    Ok(beneficiaries::table
        .filter(beneficiaries::report_id.eq(report_id))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::max(beneficiaries::ordinal),
        ))
        .first(conn)
        .await?)
}

/// The one way a person is inserted (by hand or from an imported list): the
/// row at `ordinal`, `awaiting_assessment`, and its `beneficiary.added`
/// event. The caller holds the case's lock and calls [`finish_listing`]
/// once after the last person.
async fn list_person(
    conn: &mut AsyncPgConnection,
    report: &ReportRow,
    actor: &Actor,
    ordinal: i32,
    details: &PersonDetails,
) -> Result<BeneficiaryRow> {
    let id = Uuid::now_v7();
    let keys = crate::privacy::keys()?;
    let disabilities: Vec<Term<Disability>> =
        details.disabilities.iter().copied().map(Term).collect();
    let row: BeneficiaryRow = diesel::insert_into(beneficiaries::table)
        .values((
            beneficiaries::id.eq(id),
            beneficiaries::report_id.eq(report.id),
            beneficiaries::ordinal.eq(ordinal),
            beneficiaries::name.eq(details.name.as_deref()),
            beneficiaries::nik.eq(details.nik.as_ref().map(|n| keys.seal(n.as_str()))),
            beneficiaries::nik_index.eq(details.nik.as_ref().map(|n| keys.nik_index(n))),
            beneficiaries::birth_date.eq(details.birth_date),
            beneficiaries::age.eq(details.age),
            beneficiaries::sex.eq(details.sex.map(|s| s.as_str())),
            beneficiaries::disabilities.eq(disabilities),
            beneficiaries::phone.eq(details.phone.as_ref().map(|p| keys.seal(p.as_str()))),
            beneficiaries::phone_index.eq(details.phone.as_ref().map(|p| keys.phone_index(p))),
            beneficiaries::address.eq(details.address.as_deref()),
        ))
        .returning(BeneficiaryRow::as_returning())
        .get_result(conn)
        .await?;
    announce(
        conn,
        report,
        actor,
        "beneficiary.added",
        None,
        serde_json::json!({"beneficiary_id": id, "beneficiary_status": row.status}),
    )
    .await?;
    Ok(row)
}

/// After people were listed: the report's count grows to `listed` when the
/// listed people outnumber it, and its JSON list mirrors the rows.
async fn finish_listing(
    conn: &mut AsyncPgConnection,
    report: &ReportRow,
    listed: i64,
) -> Result<CaseRef> {
    let people = i32::try_from(listed).unwrap_or(i32::MAX);
    if people > report.beneficiary_count {
        diesel::update(reports::table.find(report.id))
            .set(reports::beneficiary_count.eq(people))
            .execute(conn)
            .await?;
    }
    mirror_people(conn, report.id).await?;
    let mut case = case_of(report);
    case.beneficiary_count = case.beneficiary_count.max(people);
    Ok(case)
}

/// What an imported list did: the people added, those skipped, and one row
/// per line of the file, in its order (a skipped line shows the person
/// already listed with its NIK).
#[derive(Debug, Clone)]
pub struct ImportedList {
    /// The case, as it is after the import.
    pub case: CaseRef,
    /// People added.
    pub imported: usize,
    /// Lines that added nobody: their NIK was already listed, or the whole
    /// file was imported before.
    pub skipped: usize,
    /// The people of the file's lines, in its order.
    pub people: Vec<BeneficiaryRow>,
}

/// Imports a list of people into a case
/// (`POST /v1/reports/{id}/beneficiaries:import`), all or nothing, through
/// [`list_person`] as [`add_beneficiary`] does. `digest` (hex SHA-256 of the
/// file) makes it idempotent: a file imported before adds nobody and
/// answers with the people of the first import. A line whose NIK the case
/// already lists is skipped; two lines with one NIK, or a NIK naming no
/// known regency, are errors at their row (`lines` carry their spreadsheet
/// row numbers).
pub async fn import_beneficiaries(
    conn: &mut AsyncPgConnection,
    claims: &Claims,
    report_id: Uuid,
    digest: &str,
    lines: &[(u32, PersonDetails)],
) -> Result<ImportedList> {
    conn.transaction::<_, Error, _>(async |conn| {
        let report = lock_case(conn, claims, report_id).await?;
        require_open(&report, Status::OPEN_AT_UNIT, "listing people")?;
        let earlier: Option<Vec<Option<Uuid>>> = beneficiary_imports::table
            .find((report_id, digest))
            .select(beneficiary_imports::beneficiary_ids)
            .first(conn)
            .await
            .optional()?;
        if let Some(ids) = earlier {
            let ids: Vec<Uuid> = ids.into_iter().flatten().collect();
            let mut rows: Vec<BeneficiaryRow> = beneficiaries::table
                .filter(beneficiaries::report_id.eq(report_id))
                .filter(beneficiaries::id.eq_any(&ids))
                .select(BeneficiaryRow::as_select())
                .load(conn)
                .await?;
            rows.sort_by_key(|row| ids.iter().position(|id| *id == row.id));
            return Ok(ImportedList {
                case: case_of(&report),
                imported: 0,
                skipped: lines.len(),
                people: rows,
            });
        }
        check_list_niks(conn, lines).await?;
        // NIKs are stored encrypted: the look-up goes through their blind
        // indexes, and the rows read back decrypted compare as plain NIKs.
        let keys = crate::privacy::keys()?;
        let nik_indexes: Vec<String> = lines
            .iter()
            .filter_map(|(_, d)| d.nik.as_ref().map(|n| keys.nik_index(n)))
            .collect();
        let listed_with_nik: Vec<BeneficiaryRow> = beneficiaries::table
            .filter(beneficiaries::report_id.eq(report_id))
            .filter(beneficiaries::nik_index.eq_any(&nik_indexes))
            .select(BeneficiaryRow::as_select())
            .load(conn)
            .await?;
        let (listed, last) = listed_people(conn, report_id).await?;
        let new = lines.len() - lines
            .iter()
            .filter(|(_, d)| d.nik.as_ref().is_some_and(|n| {
                listed_with_nik.iter().any(|r| r.nik.as_deref() == Some(n.as_str()))
            }))
            .count();
        if listed + new as i64 > MAX_PEOPLE_PER_REPORT {
            return Err(Error::Conflict(format!(
                "a report lists at most {MAX_PEOPLE_PER_REPORT} people; it lists {listed} and the file adds {new}"
            )));
        }
        let actor = Actor::from_claims(claims);
        let mut next = last.map_or(0, |o| o + 1);
        let mut people = Vec::with_capacity(lines.len());
        for (_, details) in lines {
            let known = details.nik.as_ref().and_then(|n| {
                listed_with_nik.iter().find(|r| r.nik.as_deref() == Some(n.as_str()))
            });
            match known {
                Some(row) => people.push(row.clone()),
                None => {
                    people.push(list_person(conn, &report, &actor, next, details).await?);
                    next += 1;
                }
            }
        }
        let case = if new > 0 {
            finish_listing(conn, &report, listed + new as i64).await?
        } else {
            case_of(&report)
        };
        let ids: Vec<Option<Uuid>> = people.iter().map(|r| Some(r.id)).collect();
        diesel::insert_into(beneficiary_imports::table)
            .values((
                beneficiary_imports::report_id.eq(report_id),
                beneficiary_imports::digest.eq(digest),
                beneficiary_imports::beneficiary_ids.eq(&ids),
                beneficiary_imports::imported.eq(i32::try_from(new).unwrap_or(i32::MAX)),
            ))
            .execute(conn)
            .await?;
        Ok(ImportedList {
            case,
            imported: new,
            skipped: lines.len() - new,
            people,
        })
    })
    .await
}

/// The NIK rules a list adds to each line's own: every NIK names a known
/// regency (as [`check_nik_regency`] for one person), and no two lines
/// carry the same NIK. Every error at its row.
async fn check_list_niks(
    conn: &mut AsyncPgConnection,
    lines: &[(u32, PersonDetails)],
) -> Result<()> {
    let mut codes: Vec<String> = lines
        .iter()
        .filter_map(|(_, d)| d.nik.as_ref().map(|n| n.regency_code()))
        .collect();
    codes.sort();
    codes.dedup();
    let known: Vec<String> = regions::table
        .filter(regions::code.eq_any(&codes))
        .select(regions::code)
        .load(conn)
        .await?;
    let mut errors = Vec::new();
    let mut first_row_of: HashMap<&str, u32> = HashMap::new();
    for (row, details) in lines {
        let Some(nik) = &details.nik else { continue };
        let code = nik.regency_code();
        if !known.contains(&code) {
            errors.push(FieldError::new("nik", unknown_regency(&code)).at_row(*row));
        }
        match first_row_of.entry(nik.as_str()) {
            Entry::Occupied(first) => errors.push(
                FieldError::new("nik", format!("is the same NIK as row {}", first.get()))
                    .at_row(*row),
            ),
            Entry::Vacant(place) => {
                place.insert(*row);
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(errors))
    }
}

/// What an edit of a person changes: `None` leaves a field as it is,
/// `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct PersonPatch {
    /// Personal data.
    pub name: Option<Option<String>>,
    /// Personal data.
    pub nik: Option<Option<sigap_domain::Nik>>,
    /// The birth date.
    pub birth_date: Option<Option<NaiveDate>>,
    /// The age.
    pub age: Option<Option<i32>>,
    /// `F` or `M`.
    pub sex: Option<Option<sigap_domain::Sex>>,
    /// Kinds of disability (the whole list).
    pub disabilities: Option<Vec<Disability>>,
    /// Personal data.
    pub phone: Option<Option<sigap_domain::Phone>>,
    /// Personal data.
    pub address: Option<Option<String>>,
    /// A final status without service, with its reason.
    pub ended: Option<(BeneficiaryStatus, String)>,
}

/// Edits a person (`PATCH /v1/beneficiaries/{id}`); ending their case
/// without service (`not_eligible`, `unreachable`, `declined`, with a
/// reason) is refused while a service of theirs is still planned.
pub async fn edit_beneficiary(
    conn: &mut AsyncPgConnection,
    claims: &Claims,
    id: Uuid,
    patch: &PersonPatch,
) -> Result<(CaseRef, BeneficiaryRow)> {
    conn.transaction::<_, Error, _>(async |conn| {
        let (report, person) = lock_person(conn, claims, id).await?;
        require_open(&report, Status::OPEN_AT_UNIT, "editing people")?;
        if let Some(Some(nik)) = &patch.nik {
            check_nik_regency(
                conn,
                &PersonDetails {
                    nik: Some(nik.clone()),
                    ..PersonDetails::default()
                },
            )
            .await?;
        }
        if let Some((status, _)) = &patch.ended {
            if person.status == BeneficiaryStatus::Served {
                return Err(Error::Conflict(format!(
                    "the person is served, which is final: not {status}"
                )));
            }
            let counts = service_counts(conn, id).await?;
            if counts.planned > 0 {
                return Err(Error::Conflict(format!(
                    "{} service(s) of this person are still planned: deliver or cancel them before the person is {status}",
                    counts.planned
                )));
            }
        }
        let disabilities: Option<Vec<Term<Disability>>> = patch
            .disabilities
            .as_ref()
            .map(|list| list.iter().copied().map(Term).collect());
        let keys = crate::privacy::keys()?;
        let changes = BeneficiaryChanges {
            name: patch.name.clone(),
            nik: patch.nik.as_ref().map(|n| n.as_ref().map(|n| keys.seal(n.as_str()))),
            nik_index: patch.nik.as_ref().map(|n| n.as_ref().map(|n| keys.nik_index(n))),
            birth_date: patch.birth_date,
            age: patch.age,
            sex: patch.sex.map(|s| s.map(|s| s.as_str().to_owned())),
            disabilities,
            phone: patch.phone.as_ref().map(|p| p.as_ref().map(|p| keys.seal(p.as_str()))),
            phone_index: patch.phone.as_ref().map(|p| p.as_ref().map(|p| keys.phone_index(p))),
            address: patch.address.clone(),
            status: patch.ended.as_ref().map(|(s, _)| Term(*s)),
            status_reason: patch.ended.as_ref().map(|(_, r)| Some(r.clone())),
            updated_at: Utc::now(),
        };
        let row: BeneficiaryRow = diesel::update(beneficiaries::table.find(id))
            .set(&changes)
            .returning(BeneficiaryRow::as_returning())
            .get_result(conn)
            .await?;
        mirror_people(conn, report.id).await?;
        let mut fields: Vec<&str> = Vec::new();
        for (field, changed) in [
            ("name", patch.name.is_some()),
            ("nik", patch.nik.is_some()),
            ("birth_date", patch.birth_date.is_some()),
            ("age", patch.age.is_some()),
            ("sex", patch.sex.is_some()),
            ("disabilities", patch.disabilities.is_some()),
            ("phone", patch.phone.is_some()),
            ("address", patch.address.is_some()),
            ("status", patch.ended.is_some()),
        ] {
            if changed {
                fields.push(field);
            }
        }
        history_only(
            conn,
            &report,
            &Actor::from_claims(claims),
            "beneficiary_updated",
            patch.ended.as_ref().map(|(_, reason)| reason.as_str()),
            serde_json::json!({
                "beneficiary_id": id, "fields": fields,
                "from": person.status, "beneficiary_status": row.status,
            }),
        )
        .await?;
        Ok((case_of(&report), row))
    })
    .await
}

/// The columns an edit sets (`None`: left as they are).
#[derive(AsChangeset)]
#[diesel(table_name = beneficiaries)]
struct BeneficiaryChanges {
    name: Option<Option<String>>,
    /// Encrypted, as the phone.
    nik: Option<Option<String>>,
    nik_index: Option<Option<String>>,
    birth_date: Option<Option<NaiveDate>>,
    age: Option<Option<i32>>,
    sex: Option<Option<String>>,
    disabilities: Option<Vec<Term<Disability>>>,
    phone: Option<Option<String>>,
    phone_index: Option<Option<String>>,
    address: Option<Option<String>>,
    status: Option<Term<BeneficiaryStatus>>,
    status_reason: Option<Option<String>>,
    updated_at: DateTime<Utc>,
}

async fn service_counts(
    conn: &mut AsyncPgConnection,
    beneficiary_id: Uuid,
) -> Result<ServiceCounts> {
    let rows: Vec<(Term<ServiceStatus>, i64)> = services::table
        .filter(services::beneficiary_id.eq(beneficiary_id))
        .group_by(services::status)
        .select((services::status, diesel::dsl::count_star()))
        .load(conn)
        .await?;
    let mut counts = ServiceCounts::default();
    for (Term(status), n) in rows {
        match status {
            ServiceStatus::Planned => counts.planned = n,
            ServiceStatus::Delivered => counts.delivered = n,
            ServiceStatus::Cancelled => counts.cancelled = n,
        }
    }
    Ok(counts)
}

async fn set_person_status(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    status: BeneficiaryStatus,
    reason: Option<String>,
) -> Result<BeneficiaryRow> {
    Ok(diesel::update(beneficiaries::table.find(id))
        .set((
            beneficiaries::status.eq(Term(status)),
            beneficiaries::status_reason.eq(reason),
            beneficiaries::updated_at.eq(diesel::dsl::now),
        ))
        .returning(BeneficiaryRow::as_returning())
        .get_result(conn)
        .await?)
}

/// Moves the case along when the work moved past its status: the first
/// assessment from `acknowledged` to `assessing`, the first planned
/// service from `assessing` to `in_service`, through the lifecycle, so that
/// the history, deadlines and events are those of a change by hand.
async fn follow_the_work(
    conn: &mut AsyncPgConnection,
    sla: &SlaPolicy,
    report: &ReportRow,
    actor: &Actor,
    steps: &[(Status, Status)],
    because: &str,
) -> Result<()> {
    let mut current = report.clone();
    for (from, to) in steps {
        if current.status == *from {
            move_case(
                conn,
                sla,
                &current,
                *to,
                actor,
                None,
                Some(serde_json::json!({"by": because})),
            )
            .await?;
            current = crate::reports::find(conn, report.id).await?;
        }
    }
    Ok(())
}

/// Whether any service was ever planned on the report (its serve
/// deadline then waits for a delivery).
pub(crate) async fn has_services(conn: &mut AsyncPgConnection, report_id: Uuid) -> Result<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        services::table.filter(services::report_id.eq(report_id)),
    ))
    .get_result(conn)
    .await?)
}

/// The statuses of a case whose people may be assessed and served.
const WORKED_ON: &[Status] = &[Status::Acknowledged, Status::Assessing, Status::InService];

/// Records an assessment of a person (`POST /v1/beneficiaries/{id}/assessments`).
/// The latest counts: not eligible ends the person's case
/// (`not_eligible`), else the person is `assessed` (or stays in service on
/// a reassessment). The first assessment of an acknowledged case moves it
/// to `assessing`.
pub async fn assess(
    conn: &mut AsyncPgConnection,
    sla: &SlaPolicy,
    claims: &Claims,
    beneficiary_id: Uuid,
    assessment: &NewAssessment,
) -> Result<(CaseRef, AssessmentRow, BeneficiaryRow)> {
    conn.transaction::<_, Error, _>(async |conn| {
        let (report, person) = lock_person(conn, claims, beneficiary_id).await?;
        require_open(&report, WORKED_ON, "an assessment")?;
        let counts = service_counts(conn, beneficiary_id).await?;
        if !assessment.eligible && counts.planned > 0 {
            return Err(Error::Conflict(format!(
                "{} service(s) of this person are still planned: cancel them before assessing the person not eligible",
                counts.planned
            )));
        }
        let id = Uuid::now_v7();
        let f = assessment.functioning;
        let row: AssessmentRow = diesel::insert_into(assessments::table)
            .values((
                assessments::id.eq(id),
                assessments::beneficiary_id.eq(beneficiary_id),
                assessments::report_id.eq(report.id),
                assessments::assessed_on.eq(assessment.assessed_on),
                assessments::method.eq(Term(assessment.method)),
                assessments::eligible.eq(assessment.eligible),
                assessments::findings.eq(&assessment.findings),
                assessments::seeing.eq(f.map(|f| Term(f.seeing))),
                assessments::hearing.eq(f.map(|f| Term(f.hearing))),
                assessments::walking.eq(f.map(|f| Term(f.walking))),
                assessments::remembering.eq(f.map(|f| Term(f.remembering))),
                assessments::self_care.eq(f.map(|f| Term(f.self_care))),
                assessments::communicating.eq(f.map(|f| Term(f.communicating))),
                assessments::recommendations.eq(serde_json::to_value(&assessment.recommendations)
                    .expect("recommendations serialize")),
                assessments::assessed_by.eq(&claims.sub),
            ))
            .returning(AssessmentRow::as_returning())
            .get_result(conn)
            .await?;
        let status = person.status.after_assessment(assessment.eligible, counts);
        let reason = (status == BeneficiaryStatus::NotEligible)
            .then(|| format!("not eligible at the assessment of {}", assessment.assessed_on));
        let person = set_person_status(conn, beneficiary_id, status, reason).await?;
        let actor = Actor::from_claims(claims);
        follow_the_work(
            conn,
            sla,
            &report,
            &actor,
            &[(Status::Acknowledged, Status::Assessing)],
            "assessment",
        )
        .await?;
        touch(conn, report.id).await?;
        announce(
            conn,
            &report,
            &actor,
            "beneficiary.assessed",
            None,
            serde_json::json!({
                "beneficiary_id": beneficiary_id, "assessment_id": id,
                "eligible": assessment.eligible, "beneficiary_status": person.status,
            }),
        )
        .await?;
        let case = case_for_update(conn, report.id).await?;
        Ok((case, row, person))
    })
    .await
}

async fn case_for_update(conn: &mut AsyncPgConnection, report_id: Uuid) -> Result<CaseRef> {
    Ok(reports::table
        .find(report_id)
        .select(CaseRef::as_select())
        .first(conn)
        .await?)
}

fn service_details(service: &ServiceRow, person_status: BeneficiaryStatus) -> serde_json::Value {
    serde_json::json!({
        "service_id": service.id, "beneficiary_id": service.beneficiary_id,
        "component": service.component, "item": service.item,
        "quantity": service.delivered_quantity.unwrap_or(service.quantity),
        "service_status": service.status, "beneficiary_status": person_status,
    })
}

/// Plans a service for a person assessed eligible
/// (`POST /v1/beneficiaries/{id}/services`): `planned`, the person
/// `in_service`, and the case `in_service` with its first planned service.
pub async fn plan_service(
    conn: &mut AsyncPgConnection,
    sla: &SlaPolicy,
    claims: &Claims,
    beneficiary_id: Uuid,
    service: &NewService,
) -> Result<(CaseRef, ServiceRow, BeneficiaryRow)> {
    conn.transaction::<_, Error, _>(async |conn| {
        let (report, person) = lock_person(conn, claims, beneficiary_id).await?;
        require_open(
            &report,
            &[Status::Assessing, Status::InService],
            "planning a service",
        )?;
        if !person.status.may_plan_services() {
            return Err(Error::Conflict(format!(
                "the person is {}: services are planned for people assessed eligible",
                person.status
            )));
        }
        let row: ServiceRow = diesel::insert_into(services::table)
            .values((
                services::id.eq(Uuid::now_v7()),
                services::report_id.eq(report.id),
                services::beneficiary_id.eq(beneficiary_id),
                services::unit_code.eq(report.unit_code.as_deref()),
                services::component.eq(Term(service.component)),
                services::modality.eq(Term(service.modality)),
                services::item.eq(service.item.map(Term)),
                services::quantity.eq(service.quantity),
                services::due_on.eq(service.due_on),
                services::note.eq(service.note.as_deref()),
                services::planned_by.eq(&claims.sub),
            ))
            .returning(ServiceRow::as_returning())
            .get_result(conn)
            .await?;
        let counts = service_counts(conn, beneficiary_id).await?;
        let person = set_person_status(
            conn,
            beneficiary_id,
            person.status.after_services(counts),
            None,
        )
        .await?;
        let actor = Actor::from_claims(claims);
        follow_the_work(
            conn,
            sla,
            &report,
            &actor,
            &[(Status::Assessing, Status::InService)],
            "service_planned",
        )
        .await?;
        touch(conn, report.id).await?;
        announce(
            conn,
            &report,
            &actor,
            "service.planned",
            None,
            service_details(&row, person.status),
        )
        .await?;
        let case = case_for_update(conn, report.id).await?;
        Ok((case, row, person))
    })
    .await
}

/// Records the handover of a planned service
/// (`POST /v1/services/{id}/deliver`): `delivered`, with its handover
/// record; a device is then due a follow-up 90 days later. The person is
/// served once nothing of theirs is planned.
pub async fn deliver_service(
    conn: &mut AsyncPgConnection,
    claims: &Claims,
    id: Uuid,
    delivery: &Delivery,
) -> Result<(CaseRef, ServiceRow)> {
    conn.transaction::<_, Error, _>(async |conn| {
        let (report, service) = lock_service(conn, claims, id).await?;
        require_open(&report, WORKED_ON, "a delivery")?;
        if service.status != ServiceStatus::Planned {
            return Err(Error::Conflict(format!(
                "the service is {}: only a planned service is delivered",
                service.status
            )));
        }
        let row: ServiceRow = diesel::update(services::table.find(id))
            .set((
                services::status.eq(Term(ServiceStatus::Delivered)),
                services::delivered_on.eq(delivery.delivered_on),
                services::delivered_quantity.eq(delivery.quantity),
                services::handover_ref.eq(&delivery.handover_ref),
                services::received_by.eq(&delivery.received_by),
                services::delivery_note.eq(delivery.note.as_deref()),
                services::follow_up_due_on.eq(NewService::follow_up_due(
                    service.item,
                    delivery.delivered_on,
                )),
                services::updated_at.eq(diesel::dsl::now),
            ))
            .returning(ServiceRow::as_returning())
            .get_result(conn)
            .await?;
        let person = settle_person(conn, row.beneficiary_id).await?;
        if report.deadline_stage == Some(Stage::Serve) {
            // The first delivery is what the serve deadline waits for.
            deadlines::apply(
                conn,
                &[Move {
                    report_id: report.id,
                    unit_code: report.unit_code.clone(),
                    completed: true,
                    next: None,
                }],
            )
            .await?;
        }
        touch(conn, report.id).await?;
        announce(
            conn,
            &report,
            &Actor::from_claims(claims),
            "service.delivered",
            None,
            service_details(&row, person),
        )
        .await?;
        Ok((case_for_update(conn, report.id).await?, row))
    })
    .await
}

/// The person's status from their services, written back.
async fn settle_person(
    conn: &mut AsyncPgConnection,
    beneficiary_id: Uuid,
) -> Result<BeneficiaryStatus> {
    let person: BeneficiaryRow = beneficiaries::table
        .find(beneficiary_id)
        .for_update()
        .select(BeneficiaryRow::as_select())
        .first(conn)
        .await?;
    let counts = service_counts(conn, beneficiary_id).await?;
    let status = person.status.after_services(counts);
    if status != person.status {
        set_person_status(conn, beneficiary_id, status, person.status_reason).await?;
    }
    Ok(status)
}

/// Cancels a planned service (`POST /v1/services/{id}/cancel`); the reason
/// goes to the history (personal data), not to the bus.
pub async fn cancel_service(
    conn: &mut AsyncPgConnection,
    claims: &Claims,
    id: Uuid,
    reason: &str,
) -> Result<(CaseRef, ServiceRow)> {
    conn.transaction::<_, Error, _>(async |conn| {
        let (report, service) = lock_service(conn, claims, id).await?;
        require_open(&report, WORKED_ON, "cancelling a service")?;
        if service.status != ServiceStatus::Planned {
            return Err(Error::Conflict(format!(
                "the service is {}: only a planned service is cancelled",
                service.status
            )));
        }
        let row: ServiceRow = diesel::update(services::table.find(id))
            .set((
                services::status.eq(Term(ServiceStatus::Cancelled)),
                services::cancel_reason.eq(reason),
                services::updated_at.eq(diesel::dsl::now),
            ))
            .returning(ServiceRow::as_returning())
            .get_result(conn)
            .await?;
        let person = settle_person(conn, row.beneficiary_id).await?;
        touch(conn, report.id).await?;
        announce(
            conn,
            &report,
            &Actor::from_claims(claims),
            "service.cancelled",
            Some(reason),
            service_details(&row, person),
        )
        .await?;
        Ok((case_for_update(conn, report.id).await?, row))
    })
    .await
}

/// Records a follow-up of a delivered service
/// (`POST /v1/services/{id}/follow-up`); the service is then no longer due
/// one. Allowed on a resolved case too, since devices are followed up
/// months after delivery.
pub async fn follow_up_service(
    conn: &mut AsyncPgConnection,
    claims: &Claims,
    id: Uuid,
    follow_up: &FollowUp,
) -> Result<(CaseRef, ServiceRow)> {
    conn.transaction::<_, Error, _>(async |conn| {
        let (report, service) = lock_service(conn, claims, id).await?;
        require_open(
            &report,
            &[
                Status::Acknowledged,
                Status::Assessing,
                Status::InService,
                Status::Resolved,
                Status::Closed,
            ],
            "a follow-up",
        )?;
        let Some(delivered_on) = service
            .delivered_on
            .filter(|_| service.status == ServiceStatus::Delivered)
        else {
            return Err(Error::Conflict(format!(
                "the service is {}: only a delivered service is followed up",
                service.status
            )));
        };
        if follow_up.checked_on < delivered_on {
            return Err(Error::Validation(vec![FieldError::new(
                "checked_on",
                format!("must not be before the delivery ({delivered_on})"),
            )]));
        }
        diesel::insert_into(service_follow_ups::table)
            .values((
                service_follow_ups::service_id.eq(id),
                service_follow_ups::checked_on.eq(follow_up.checked_on),
                service_follow_ups::outcome.eq(Term(follow_up.outcome)),
                service_follow_ups::note.eq(follow_up.note.as_deref()),
                service_follow_ups::checked_by.eq(&claims.sub),
            ))
            .execute(conn)
            .await?;
        let row: ServiceRow = diesel::update(services::table.find(id))
            .set((
                services::followed_up_on.eq(follow_up.checked_on),
                services::follow_up_outcome.eq(Term(follow_up.outcome)),
                services::updated_at.eq(diesel::dsl::now),
            ))
            .returning(ServiceRow::as_returning())
            .get_result(conn)
            .await?;
        touch(conn, report.id).await?;
        let person: Term<BeneficiaryStatus> = beneficiaries::table
            .find(row.beneficiary_id)
            .select(beneficiaries::status)
            .first(conn)
            .await?;
        let mut details = service_details(&row, person.0);
        details["outcome"] = serde_json::json!(follow_up.outcome);
        announce(
            conn,
            &report,
            &Actor::from_claims(claims),
            "service.followed_up",
            None,
            details,
        )
        .await?;
        Ok((case_for_update(conn, report.id).await?, row))
    })
    .await
}

/// A line of a unit's delivery list.
#[derive(Debug, Clone, Queryable)]
pub struct UnitService {
    /// The service.
    pub service: ServiceRow,
    /// The report's ticket.
    pub ticket: String,
    /// Personal data: the person's name (the list is for the unit's staff
    /// and supervisors, who see it).
    pub beneficiary_name: Option<String>,
}

/// Which services of a unit's delivery list to read.
#[derive(Debug, Clone, Default)]
pub struct UnitServiceFilter {
    /// Only these statuses (default: all).
    pub statuses: Option<Vec<ServiceStatus>>,
    /// Only those due before this day (planned ones by `due_on`).
    pub due_before: Option<NaiveDate>,
    /// Only planned ones past their due day (`Some(true)`), or not past it.
    pub overdue: Option<bool>,
    /// Only delivered devices due a follow-up by `today`, not yet followed
    /// up (ordered by that due day).
    pub follow_up_due: bool,
    /// The day the unit is in, for `overdue` and `follow_up_due`.
    pub today: NaiveDate,
    /// Resume after this (day, id) of the list's order.
    pub after: Option<(NaiveDate, Uuid)>,
}

/// At most `limit` services of `unit` matching `filter`: by due day (or
/// follow-up day), then id. The caller checks first that it may read the
/// unit's lists ([`Visibility::covers_unit`]).
pub async fn unit_services(
    conn: &mut AsyncPgConnection,
    unit: &str,
    filter: &UnitServiceFilter,
    limit: i64,
) -> Result<Vec<UnitService>> {
    let mut q = services::table
        .inner_join(reports::table)
        .inner_join(beneficiaries::table)
        .filter(services::unit_code.eq(unit))
        .select((
            ServiceRow::as_select(),
            reports::ticket,
            beneficiaries::name,
        ))
        .into_boxed();
    if let Some(statuses) = &filter.statuses {
        let statuses: Vec<Term<ServiceStatus>> = statuses.iter().copied().map(Term).collect();
        q = q.filter(services::status.eq_any(statuses));
    }
    if let Some(before) = filter.due_before {
        q = q.filter(services::due_on.lt(before));
    }
    match filter.overdue {
        Some(true) => {
            q = q
                .filter(services::status.eq(Term(ServiceStatus::Planned)))
                .filter(services::due_on.lt(filter.today))
        }
        Some(false) => {
            q = q.filter(
                services::status
                    .ne(Term(ServiceStatus::Planned))
                    .or(services::due_on.ge(filter.today)),
            )
        }
        None => {}
    }
    if filter.follow_up_due {
        q = q
            .filter(services::status.eq(Term(ServiceStatus::Delivered)))
            .filter(services::follow_up_due_on.le(filter.today))
            .filter(services::followed_up_on.is_null());
        if let Some((day, id)) = filter.after {
            q = q.filter(
                services::follow_up_due_on
                    .gt(day)
                    .or(services::follow_up_due_on.eq(day).and(services::id.gt(id))),
            );
        }
        q = q.order((services::follow_up_due_on, services::id));
    } else {
        if let Some((day, id)) = filter.after {
            q = q.filter(
                services::due_on
                    .gt(day)
                    .or(services::due_on.eq(day).and(services::id.gt(id))),
            );
        }
        q = q.order((services::due_on, services::id));
    }
    let rows: Vec<(ServiceRow, String, Option<String>)> = q.limit(limit).load(conn).await?;
    Ok(rows
        .into_iter()
        .map(|(service, ticket, beneficiary_name)| UnitService {
            service,
            ticket,
            beneficiary_name,
        })
        .collect())
}

/// A service with the name of the person it is for, as an export lists it.
#[derive(Debug, Clone, Queryable)]
pub struct ServiceLine {
    /// The service.
    pub service: ServiceRow,
    /// The person's place in the report's list, from 0.
    pub beneficiary_ordinal: i32,
    /// Personal data: the person's name.
    pub beneficiary_name: Option<String>,
    /// Whether the person has an active consent for the requester's purpose
    /// (a partner's, a regional office's; always false for other roles,
    /// whom the report's rule decides for).
    pub consented: bool,
}

/// The services of `reports` (the caller has read those reports with its
/// visibility), each report's by id (the order they were planned in), each
/// with whether its person consented to being shown to `personal`'s
/// purpose (asked of `consents` in the same statement).
pub async fn services_of_reports(
    conn: &mut AsyncPgConnection,
    personal: &PersonalData,
    reports: &[Uuid],
) -> Result<Vec<ServiceLine>> {
    let consented = match personal.purpose() {
        Some(purpose) => PersonalData::Consented(purpose).person_shown(None),
        None => PersonalData::Nothing.person_shown(None),
    };
    let rows: Vec<(ServiceRow, i32, Option<String>, bool)> = services::table
        .inner_join(beneficiaries::table)
        .filter(services::report_id.eq_any(reports))
        .select((
            ServiceRow::as_select(),
            beneficiaries::ordinal,
            beneficiaries::name,
            consented,
        ))
        .order((services::report_id, services::id))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(service, beneficiary_ordinal, beneficiary_name, consented)| ServiceLine {
                service,
                beneficiary_ordinal,
                beneficiary_name,
                consented,
            },
        )
        .collect())
}

/// The people of `reports` (read by the caller with its visibility) who
/// have an active consent for `personal`'s purpose, as (report, place in
/// its list): the people of an export whose personal data a partner or a
/// regional office may see. Empty for roles without such a purpose.
pub async fn consented_people(
    conn: &mut AsyncPgConnection,
    personal: &PersonalData,
    reports: &[Uuid],
) -> Result<std::collections::HashSet<(Uuid, i32)>> {
    let Some(purpose) = personal.purpose() else {
        return Ok(Default::default());
    };
    let rows: Vec<(Uuid, i32)> = beneficiaries::table
        .filter(beneficiaries::report_id.eq_any(reports))
        .filter(PersonalData::Consented(purpose).person_shown(None))
        .select((beneficiaries::report_id, beneficiaries::ordinal))
        .load(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// How many of a report's people are served, for Open311's status notes.
pub async fn people_served(conn: &mut AsyncPgConnection, report_id: Uuid) -> Result<i64> {
    Ok(beneficiaries::table
        .filter(beneficiaries::report_id.eq(report_id))
        .filter(beneficiaries::status.eq(Term(BeneficiaryStatus::Served)))
        .count()
        .get_result(conn)
        .await?)
}
