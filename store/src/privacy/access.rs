//! The access log (UU PDP): who was shown whose personal data, when, and in
//! answer to which request. The api queues entries off the request path and
//! writes them here in batches ([`record`]); supervisors and admins read a
//! report's entries ([`for_report`]).

use crate::error::{Error, Result};
use crate::schema::access_log;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::Jsonb;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use sigap_domain::{Claims, Role};
use uuid::Uuid;

/// What kind of answer showed the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// `GET /v1/reports/{id}` with names, NIKs or phones.
    ReportView,
    /// `GET /v1/reports/{id}/beneficiaries`.
    BeneficiaryList,
    /// `GET /v1/beneficiaries/{id}`.
    BeneficiaryView,
    /// The download of an export holding personal data.
    ExportDownload,
    /// An Open311 read of a request by a partner.
    Open311Request,
    /// The export of a subject request (everything held about a person).
    SubjectExport,
    /// `GET /v1/beneficiaries/{id}/assessments` with findings.
    AssessmentList,
    /// `GET /v1/reports/{id}/services` with receivers and notes.
    ServiceList,
    /// `GET /v1/units/{code}/services` with the people's names.
    UnitServiceList,
    /// `GET /v1/attachments/{id}`: a photo or a letter about the case.
    AttachmentDownload,
}

/// One answer that showed personal data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Access {
    /// When the answer was given.
    pub at: DateTime<Utc>,
    /// The token's `sub`.
    pub actor: String,
    /// `staff` (a person) or `client` (an integrator).
    pub actor_kind: &'static str,
    /// The caller's role.
    pub role: Role,
    /// The report shown.
    pub report_id: Option<Uuid>,
    /// The export downloaded.
    pub export_id: Option<Uuid>,
    /// The people shown; `None`: every person of the report, as the report
    /// lists them when the entry is written.
    pub beneficiary_ids: Option<Vec<Uuid>>,
    /// What showed it.
    pub action: Action,
    /// The request's id (`X-Request-Id`), to find it in the logs.
    pub request_id: Option<String>,
}

impl Access {
    /// An entry for `claims` now.
    pub fn by(claims: &Claims, action: Action, request_id: Option<String>) -> Access {
        Access {
            at: Utc::now(),
            actor: claims.sub.clone(),
            actor_kind: if claims.role == Role::Integrator {
                "client"
            } else {
                "staff"
            },
            role: claims.role,
            report_id: None,
            export_id: None,
            beneficiary_ids: None,
            action,
            request_id,
        }
    }

    /// An entry for the API client `client_id` (an Open311 partner, which
    /// authenticates with its key rather than a token) now.
    pub fn by_client(client_id: &str, action: Action, request_id: Option<String>) -> Access {
        Access {
            at: Utc::now(),
            actor: client_id.to_owned(),
            actor_kind: "client",
            role: Role::Integrator,
            report_id: None,
            export_id: None,
            beneficiary_ids: None,
            action,
            request_id,
        }
    }

    /// The entry about `report` (its people: all of them).
    pub fn of_report(mut self, report: Uuid) -> Access {
        self.report_id = Some(report);
        self
    }

    /// The entry about `people` of `report`.
    pub fn of_people(mut self, report: Uuid, people: Vec<Uuid>) -> Access {
        self.report_id = Some(report);
        self.beneficiary_ids = Some(people);
        self
    }

    /// The entry about an export.
    pub fn of_export(mut self, export: Uuid) -> Access {
        self.export_id = Some(export);
        self
    }
}

/// Writes a batch of entries in one statement.
pub async fn record(conn: &mut AsyncPgConnection, entries: &[Access]) -> Result<usize> {
    if entries.is_empty() {
        return Ok(0);
    }
    let entries = serde_json::to_value(entries).expect("access entries serialize");
    Ok(diesel::sql_query(
        "INSERT INTO access_log (at, actor, actor_kind, role, report_id, export_id, \
             beneficiary_ids, action, request_id) \
         SELECT e.at, e.actor, e.actor_kind, e.role, e.report_id, e.export_id, \
             coalesce(e.beneficiary_ids, ARRAY(SELECT b.id FROM beneficiaries b \
                 WHERE b.report_id = e.report_id ORDER BY b.ordinal)), \
             e.action, e.request_id \
         FROM jsonb_to_recordset($1) AS e(at timestamptz, actor text, actor_kind text, role text, \
             report_id uuid, export_id uuid, beneficiary_ids uuid[], action text, request_id text)",
    )
    .bind::<Jsonb, _>(entries)
    .execute(conn)
    .await?)
}

/// One entry of a report's access log.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = access_log, check_for_backend(diesel::pg::Pg))]
pub struct AccessRow {
    /// Increasing: the cursor of the list.
    pub id: i64,
    /// When the answer was given.
    pub at: DateTime<Utc>,
    /// The token's `sub`.
    pub actor: String,
    /// `staff` or `client`.
    pub actor_kind: String,
    /// The caller's role.
    pub role: String,
    /// The report shown, if any (an export names none).
    pub report_id: Option<Uuid>,
    /// The people shown (the column's elements are never null).
    pub beneficiary_ids: Vec<Option<Uuid>>,
    /// What showed it.
    pub action: String,
    /// The request's id.
    pub request_id: Option<String>,
}

/// A report's access log, newest first, `limit` entries before the entry
/// `before` (a cursor). Supervisors and admins only; the report must exist.
pub async fn for_report(
    conn: &mut AsyncPgConnection,
    claims: &Claims,
    report_id: Uuid,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<AccessRow>> {
    if !matches!(claims.role, Role::Supervisor | Role::Admin) {
        return Err(Error::Forbidden(
            "only supervisors and admins read the access log".into(),
        ));
    }
    crate::reports::find(conn, report_id).await?;
    let mut query = access_log::table
        .filter(access_log::report_id.eq(report_id))
        .order(access_log::id.desc())
        .limit(limit)
        .select(AccessRow::as_select())
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(access_log::id.lt(before));
    }
    Ok(query.load(conn).await?)
}
