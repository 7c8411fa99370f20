//! Reading reports: which reports a caller may see (one rule, applied in the
//! query), how much of them, and the filtered, paged list.

use crate::error::Result;
use crate::merge::{Continuation, MergeLinks};
use crate::schema::{report_events, reports, units};
use crate::vocabulary::{NullableTerm, Term};
use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use sigap_domain::{Category, Channel, Claims, ConsentPurpose, Need, Role, Stage, Status, Urgency};
use uuid::Uuid;

/// A report as stored; every vocabulary column is read as its domain type,
/// so a row holding an unknown value is an error.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reports, check_for_backend(diesel::pg::Pg))]
pub struct ReportRow {
    /// UUIDv7: ids sort by filing time.
    pub id: Uuid,
    /// What the reporter tracks the report by (`CC-2026-000123`).
    pub ticket: String,
    /// How the report reached Sigap.
    #[diesel(deserialize_as = Term<Channel>)]
    pub channel: Channel,
    /// The target group, which decides the units that may serve the case.
    #[diesel(deserialize_as = Term<Category>)]
    pub category: Category,
    /// What the people need.
    #[diesel(deserialize_as = Term<Need>)]
    pub need: Need,
    /// How fast a unit must acknowledge the case.
    #[diesel(deserialize_as = Term<Urgency>)]
    pub urgency: Urgency,
    /// The regency (or province) the report is routed by.
    pub region_code: String,
    /// The province of `region_code`, set by the database.
    pub province_code: String,
    /// Where the case is, in words.
    pub address: Option<String>,
    /// Where the case is: latitude.
    pub latitude: Option<f64>,
    /// Where the case is: longitude.
    pub longitude: Option<f64>,
    /// Personal data; null for an anonymous reporter.
    pub reporter_name: Option<String>,
    /// Personal data (`+62…`); null for an anonymous reporter. Stored
    /// encrypted, decrypted as read.
    #[diesel(deserialize_as = crate::privacy::Revealed)]
    pub reporter_phone: Option<String>,
    /// Whether the reporter asked not to be named.
    pub reporter_anonymous: bool,
    /// The people listed, a JSON array of beneficiaries; their NIKs and
    /// phones are stored encrypted, and decrypted as read.
    #[diesel(deserialize_as = crate::privacy::RevealedPeople)]
    pub beneficiaries: serde_json::Value,
    /// People affected: at least those listed.
    pub beneficiary_count: i32,
    /// What happened.
    pub description: String,
    /// The filer's own reference.
    pub external_ref: Option<String>,
    /// The `sub` of the token that filed the report.
    pub filed_by: String,
    /// The integrator that filed the report, if one did.
    pub client_id: Option<String>,
    /// Where the report is in its lifecycle.
    #[diesel(deserialize_as = Term<Status>)]
    pub status: Status,
    /// The unit holding the case, once assigned.
    pub unit_code: Option<String>,
    /// Units that held the case before (transfers, escalations); the router
    /// passes them over.
    pub previous_units: Vec<String>,
    /// Why the router could not assign the case.
    pub triage_reason: Option<String>,
    /// When the unit must have acknowledged the case.
    pub sla_due_at: Option<DateTime<Utc>>,
    /// How many times the case was escalated for a missed acknowledgement.
    pub escalation_level: i32,
    /// Bumped by every change; `If-Match` compares it.
    pub version: i32,
    /// When the report was filed.
    pub created_at: DateTime<Utc>,
    /// When the report last changed.
    pub updated_at: DateTime<Utc>,
    /// When the case was last assigned.
    pub assigned_at: Option<DateTime<Utc>>,
    /// When the unit acknowledged the case.
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// When the unit began assessing.
    pub assessing_at: Option<DateTime<Utc>>,
    /// When the unit began serving.
    pub in_service_at: Option<DateTime<Utc>>,
    /// When the unit resolved the case.
    pub resolved_at: Option<DateTime<Utc>>,
    /// When the case was closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// When the case was cancelled or marked duplicate.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// What the reporter tracks the report by: the ticket and a random
    /// suffix (`CC-2026-000123-K7QM2X`); shown only to those who see
    /// personal data, since it opens the public tracking page.
    pub tracking_code: String,
    /// The stage whose deadline is open (null when none is).
    #[diesel(deserialize_as = NullableTerm<Stage>)]
    pub deadline_stage: Option<Stage>,
    /// When that stage is due.
    pub deadline_due_at: Option<DateTime<Utc>>,
    /// Its allowance as configured (`2wd`, `15m`).
    pub deadline_allowance: Option<String>,
    /// Whether it counts working time.
    pub deadline_working: Option<bool>,
    /// The zone of the unit's office hours (`WIT`).
    pub deadline_time_zone: Option<String>,
    /// The report this one was merged into (it is then `duplicate`); see
    /// [`crate::merge`].
    pub duplicate_of: Option<Uuid>,
}

/// The name of the staff account an event's actor is, if it is one.
const ACTOR_NAME_SQL: &str = "(SELECT s.name FROM staff s WHERE s.id = CASE \
    WHEN report_events.actor ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' \
    THEN report_events.actor::uuid END)";

/// One entry of a report's history.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = report_events, check_for_backend(diesel::pg::Pg))]
pub struct EventRow {
    /// Increasing: the order of the history.
    pub id: i64,
    /// `received`, `assigned`, `needs_triage`, `status_changed`, `note`, `transferred`, `escalated`.
    pub kind: String,
    /// The status before the event, for status changes.
    #[diesel(deserialize_as = NullableTerm<Status>)]
    pub from_status: Option<Status>,
    /// The status after the event, for status changes.
    #[diesel(deserialize_as = NullableTerm<Status>)]
    pub to_status: Option<Status>,
    /// The unit the event concerns (the one assigned, for assignments).
    pub unit_code: Option<String>,
    /// Who acted: a token's `sub`, or `sigap-router` for routing.
    pub actor: String,
    /// The actor's role, or `system`.
    pub actor_role: String,
    /// The name of the staff account that acted, when the actor is one (its
    /// id): looked up by primary key, only for actors shaped like a UUID.
    #[diesel(select_expression = diesel::dsl::sql::<Nullable<Text>>(ACTOR_NAME_SQL))]
    #[diesel(select_expression_type = diesel::expression::SqlLiteral<Nullable<Text>>)]
    pub actor_name: Option<String>,
    /// What the actor wrote (a note, a reason).
    pub note: Option<String>,
    /// For assignments, the router's decision with its explanation.
    pub details: Option<serde_json::Value>,
    /// When it happened.
    pub created_at: DateTime<Utc>,
}

/// Which reports a caller may read. The rule for every role is written here
/// once; lists, single reads, case changes and unit queues all ask it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visibility {
    /// Operators, supervisors and administrators read every report.
    All,
    /// UPT staff read the reports assigned to their unit.
    Unit(String),
    /// A regional office reads the reports of its province (or regency).
    Region(String),
    /// An integrator reads the reports it filed.
    FiledBy(String),
    /// A token that lacks the unit or region its role needs reads nothing.
    Nothing,
}

/// A condition on `reports` rows, boxed so that it can join any query.
pub type ReportCondition = Box<dyn BoxableExpression<reports::table, Pg, SqlType = Nullable<Bool>>>;

impl Visibility {
    /// What `claims` may read.
    pub fn of(claims: &Claims) -> Visibility {
        match claims.role {
            Role::Operator | Role::Supervisor | Role::Admin => Visibility::All,
            Role::UptStaff => claims
                .unit
                .clone()
                .map_or(Visibility::Nothing, Visibility::Unit),
            Role::Regional => claims
                .region
                .clone()
                .map_or(Visibility::Nothing, Visibility::Region),
            Role::Integrator => Visibility::FiledBy(claims.sub.clone()),
        }
    }

    /// The rule as a condition on `reports` rows.
    pub fn condition(&self) -> ReportCondition {
        match self {
            Visibility::All => Box::new(true.into_sql::<Bool>().nullable()),
            Visibility::Unit(unit) => Box::new(reports::unit_code.eq(unit.clone())),
            Visibility::Region(region) => Box::new(
                reports::province_code
                    .eq(region.clone())
                    .or(reports::region_code.eq(region.clone()))
                    .nullable(),
            ),
            Visibility::FiledBy(sub) => Box::new(reports::filed_by.eq(sub.clone()).nullable()),
            Visibility::Nothing => Box::new(false.into_sql::<Bool>().nullable()),
        }
    }

    /// Whether the caller may read the queue of `unit`: everything a unit
    /// holds is visible to it and to those who see all reports.
    pub fn covers_unit(&self, unit: &str) -> bool {
        match self {
            Visibility::All => true,
            Visibility::Unit(own) => own == unit,
            Visibility::Region(_) | Visibility::FiledBy(_) | Visibility::Nothing => false,
        }
    }
}

/// Whose personal data a caller may see: the one rule, which
/// [`sees_personal_data`] applies to a report, [`PersonalData::person_shown`]
/// to each person in the store's queries, and exports to their columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PersonalData {
    /// Operators and supervisors: on every report they read.
    All,
    /// UPT staff: on the reports assigned to their unit.
    Unit(String),
    /// Partners (integrators) and regional offices: never the report's own
    /// (reporter, description, notes), and a person's only while that
    /// person has an active consent for this purpose (UU PDP).
    Consented(ConsentPurpose),
    /// Everyone else (administrators): never.
    Nothing,
}

impl PersonalData {
    /// What `claims` may see.
    pub fn of(claims: &Claims) -> PersonalData {
        match claims.role {
            Role::Operator | Role::Supervisor => PersonalData::All,
            Role::UptStaff => claims
                .unit
                .clone()
                .map_or(PersonalData::Nothing, PersonalData::Unit),
            Role::Regional => PersonalData::Consented(ConsentPurpose::ShareWithRegionalOffice),
            Role::Integrator => PersonalData::Consented(ConsentPurpose::ShareWithPartner),
            Role::Admin => PersonalData::Nothing,
        }
    }

    /// Whether it covers the report held by `unit_code`: its reporter,
    /// description, notes and every person on it.
    pub fn covers(&self, unit_code: Option<&str>) -> bool {
        match self {
            PersonalData::All => true,
            PersonalData::Unit(own) => unit_code == Some(own.as_str()),
            PersonalData::Consented(_) | PersonalData::Nothing => false,
        }
    }

    /// The purpose a person's consent must name for the caller to see that
    /// person's data (when the report's rule does not already let it).
    pub fn purpose(&self) -> Option<ConsentPurpose> {
        match self {
            PersonalData::Consented(purpose) => Some(*purpose),
            _ => None,
        }
    }

    /// Whether the caller sees the personal data of a person on the case
    /// held by `unit_code`, as a boolean SQL expression over the
    /// `beneficiaries` row of the query (any query that has that table):
    /// the report's rule, or else an active (not withdrawn) consent of the
    /// person for the caller's purpose, asked of `consents` on every read.
    pub fn person_shown<QS: 'static>(
        &self,
        unit_code: Option<&str>,
    ) -> Box<dyn BoxableExpression<QS, Pg, SqlType = Bool>> {
        Box::new(
            diesel::dsl::sql::<Bool>("(")
                .bind::<Bool, _>(self.covers(unit_code))
                .sql(
                    " OR EXISTS (SELECT 1 FROM consents c \
                     WHERE c.beneficiary_id = beneficiaries.id AND c.withdrawn_at IS NULL \
                     AND c.purposes @> ARRAY[",
                )
                .bind::<Nullable<Text>, _>(self.purpose().map(|p| p.as_str()))
                .sql("]::text[]))"),
        )
    }
}

/// Whether the caller may see names and phone numbers: those who act on the
/// case (operators, supervisors and the unit it is assigned to).
pub fn sees_personal_data(claims: &Claims, report: &ReportRow) -> bool {
    sees_personal_data_at(claims, report.unit_code.as_deref())
}

/// The same rule for a case held by `unit_code` (its people, assessments
/// and services follow their report).
pub fn sees_personal_data_at(claims: &Claims, unit_code: Option<&str>) -> bool {
    PersonalData::of(claims).covers(unit_code)
}

/// A report by id, whoever asks (for the system's own work).
pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> Result<ReportRow> {
    Ok(reports::table
        .find(id)
        .select(ReportRow::as_select())
        .first(conn)
        .await?)
}

/// A report by id as `claims` may read it; one the caller may not read is
/// not found, revealing nothing.
pub async fn find_for(
    conn: &mut AsyncPgConnection,
    claims: &Claims,
    id: Uuid,
) -> Result<ReportRow> {
    Ok(reports::table
        .find(id)
        .filter(Visibility::of(claims).condition())
        .select(ReportRow::as_select())
        .first(conn)
        .await?)
}

/// The same read, locking the row for a change in the caller's transaction.
pub(crate) async fn lock_for(
    conn: &mut AsyncPgConnection,
    claims: &Claims,
    id: Uuid,
) -> Result<ReportRow> {
    Ok(reports::table
        .find(id)
        .filter(Visibility::of(claims).condition())
        .for_update()
        .select(ReportRow::as_select())
        .first(conn)
        .await?)
}

/// A report's history, oldest first.
pub async fn events(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Vec<EventRow>> {
    Ok(report_events::table
        .filter(report_events::report_id.eq(id))
        .order(report_events::id)
        .select(EventRow::as_select())
        .load(conn)
        .await?)
}

/// The report with its history and its merge links, as `claims` may read it.
pub async fn get_for(
    conn: &mut AsyncPgConnection,
    claims: &Claims,
    id: Uuid,
) -> Result<(ReportRow, Vec<EventRow>, MergeLinks)> {
    let row = find_for(conn, claims, id).await?;
    let events = events(conn, id).await?;
    let links = crate::merge::links(conn, &row).await?;
    Ok((row, events, links))
}

/// Where a report list resumes: after this creation time and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListCursor {
    /// The filing time of the last report seen.
    pub created_at: DateTime<Utc>,
    /// The id of the last report seen.
    pub id: Uuid,
}

impl ListCursor {
    /// The cursor after `row`.
    pub fn after(row: &ReportRow) -> ListCursor {
        ListCursor {
            created_at: row.created_at,
            id: row.id,
        }
    }
}

/// Filters of a report list; `None` leaves a dimension open.
#[derive(Debug, Clone, Default)]
pub struct ReportFilter {
    /// Any of these statuses.
    pub statuses: Option<Vec<Status>>,
    /// Held by this unit.
    pub unit: Option<String>,
    /// A province or regency code.
    pub region: Option<String>,
    /// Of this category.
    pub category: Option<Category>,
    /// Of this urgency.
    pub urgency: Option<Urgency>,
    /// Filed at or after.
    pub created_from: Option<DateTime<Utc>>,
    /// Filed before.
    pub created_to: Option<DateTime<Utc>>,
    /// Changed after (for clients that poll for changes).
    pub updated_since: Option<DateTime<Utc>>,
    /// Only cases whose open stage is past its due time (`Some(true)`), or
    /// only those not overdue (`Some(false)`).
    pub overdue: Option<bool>,
    /// The page after this cursor.
    pub after: Option<ListCursor>,
}

/// Reports `claims` may read that match `filter`, newest first, at most `limit`.
pub async fn list_for(
    conn: &mut AsyncPgConnection,
    claims: &Claims,
    filter: &ReportFilter,
    limit: i64,
) -> Result<Vec<ReportRow>> {
    let mut q = reports::table
        .select(ReportRow::as_select())
        .filter(Visibility::of(claims).condition())
        .into_boxed();
    if let Some(statuses) = &filter.statuses {
        let statuses: Vec<Term<Status>> = statuses.iter().copied().map(Term).collect();
        q = q.filter(reports::status.eq_any(statuses));
    }
    if let Some(unit) = &filter.unit {
        q = q.filter(reports::unit_code.eq(unit.clone()));
    }
    if let Some(region) = &filter.region {
        q = q.filter(
            reports::region_code
                .eq(region.clone())
                .or(reports::province_code.eq(region.clone())),
        );
    }
    if let Some(category) = filter.category {
        q = q.filter(reports::category.eq(Term(category)));
    }
    if let Some(urgency) = filter.urgency {
        q = q.filter(reports::urgency.eq(Term(urgency)));
    }
    if let Some(from) = filter.created_from {
        q = q.filter(reports::created_at.ge(from));
    }
    if let Some(to) = filter.created_to {
        q = q.filter(reports::created_at.lt(to));
    }
    if let Some(since) = filter.updated_since {
        q = q.filter(reports::updated_at.gt(since));
    }
    match filter.overdue {
        Some(true) => q = q.filter(reports::deadline_due_at.lt(Utc::now())),
        Some(false) => {
            q = q.filter(
                reports::deadline_due_at
                    .is_null()
                    .or(reports::deadline_due_at.ge(Utc::now())),
            )
        }
        None => {}
    }
    if let Some(ListCursor { created_at, id }) = filter.after {
        // A row-value comparison: an index range on (created_at, id), so a
        // page never re-reads the pages before it.
        q = q.filter(
            diesel::dsl::sql::<Bool>("(reports.created_at, reports.id) < (")
                .bind::<diesel::sql_types::Timestamptz, _>(created_at)
                .sql(", ")
                .bind::<diesel::sql_types::Uuid, _>(id)
                .sql(")"),
        );
    }
    Ok(q.order((reports::created_at.desc(), reports::id.desc()))
        .limit(limit)
        .load(conn)
        .await?)
}

/// What anyone holding a tracking code may know of its report: nothing
/// personal.
#[derive(Debug, Clone, Queryable)]
pub struct Tracking {
    /// The report's ticket.
    pub ticket: String,
    /// Where the report is in its lifecycle.
    #[diesel(deserialize_as = Term<Status>)]
    pub status: Status,
    /// The report's category.
    #[diesel(deserialize_as = Term<Category>)]
    pub category: Category,
    /// The unit handling the case, once assigned.
    pub unit_name: Option<String>,
    /// When the report was filed.
    pub created_at: DateTime<Utc>,
    /// When the report last changed.
    pub updated_at: DateTime<Utc>,
    /// When the case was last assigned.
    pub assigned_at: Option<DateTime<Utc>>,
    /// When the unit acknowledged the case.
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// When the unit resolved the case.
    pub resolved_at: Option<DateTime<Utc>>,
    /// When the case was closed.
    pub closed_at: Option<DateTime<Utc>>,
}

/// The public view of the report with `tracking_code`, spelled as stored
/// ([`crate::tracking::normalize`]). The look-up is by the whole code (one
/// indexed probe), so a ticket without its suffix, or with another, is not
/// found, like an unknown code.
/// A merged report's tracking also says what it continues as.
pub async fn track(
    conn: &mut AsyncPgConnection,
    tracking_code: &str,
) -> Result<(Tracking, Option<Continuation>)> {
    let (tracking, duplicate_of): (Tracking, Option<Uuid>) = reports::table
        .left_join(units::table)
        .filter(reports::tracking_code.eq(tracking_code))
        .select((
            (
                reports::ticket,
                reports::status,
                reports::category,
                units::name.nullable(),
                reports::created_at,
                reports::updated_at,
                reports::assigned_at,
                reports::acknowledged_at,
                reports::resolved_at,
                reports::closed_at,
            ),
            reports::duplicate_of,
        ))
        .first(conn)
        .await?;
    let continued_as = match duplicate_of {
        Some(kept) => Some(crate::merge::continuation(conn, kept).await?),
        None => None,
    };
    Ok((tracking, continued_as))
}
