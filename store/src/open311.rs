//! Reading reports for the Open311 facade. An API client sees only the
//! reports it filed: the ownership filter is part of every query here, since
//! an Open311 caller is a client (its `api_key`), not a token's claims.

use crate::error::Result;
use crate::schema::{reports, units};
use crate::vocabulary::Term;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use sigap_domain::{Category, Status};

/// Most requests one list answers.
pub const LIST_LIMIT: i64 = 200;

/// A report as an Open311 service request shows it: never the reporter.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reports, check_for_backend(diesel::pg::Pg))]
pub struct ServiceRequestRow {
    /// The ticket, Open311's `service_request_id`.
    pub ticket: String,
    /// Sigap's status; Open311's `open` or `closed` follows
    /// [`Status::is_open`].
    #[diesel(deserialize_as = Term<Status>)]
    pub status: Status,
    /// The category, Open311's `service_code`.
    #[diesel(deserialize_as = Term<Category>)]
    pub category: Category,
    /// The reporter's description of the situation.
    pub description: String,
    /// The address given with the report.
    pub address: Option<String>,
    /// Latitude of the report's location, when given.
    pub latitude: Option<f64>,
    /// Longitude of the report's location, when given.
    pub longitude: Option<f64>,
    /// When the unit must acknowledge the case.
    pub sla_due_at: Option<DateTime<Utc>>,
    /// When the report was filed (Open311's `requested_datetime`).
    pub created_at: DateTime<Utc>,
    /// When the report last changed (`updated_datetime`).
    pub updated_at: DateTime<Utc>,
    /// The name of the unit handling the case, once assigned.
    #[diesel(
        select_expression = units::name.nullable(),
        select_expression_type = diesel::dsl::Nullable<units::name>
    )]
    pub unit_name: Option<String>,
    /// For a duplicate, the ticket of the report it was merged into (and
    /// continues as).
    #[diesel(
        select_expression = diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::Text>>(
            "(SELECT kept.ticket FROM reports kept WHERE kept.id = reports.duplicate_of)"
        ),
        select_expression_type = diesel::expression::SqlLiteral<diesel::sql_types::Nullable<diesel::sql_types::Text>>
    )]
    pub continued_as: Option<String>,
    /// People affected (listed or not).
    pub beneficiary_count: i32,
    /// How many of the report's people are served (no names: a count).
    #[diesel(
        select_expression = diesel::dsl::sql::<diesel::sql_types::BigInt>(
            "(SELECT count(*) FROM beneficiaries b WHERE b.report_id = reports.id AND b.status = 'served')"
        ),
        select_expression_type = diesel::expression::SqlLiteral<diesel::sql_types::BigInt>
    )]
    pub people_served: i64,
}

/// Which of a client's requests a list returns.
#[derive(Debug, Clone, PartialEq)]
pub enum RequestFilter {
    /// These tickets (at most [`LIST_LIMIT`]), whatever else is asked.
    Tickets(Vec<String>),
    /// Every request matching all of the given conditions.
    Matching {
        /// Only this category (Open311's `service_code`).
        category: Option<Category>,
        /// `Some(true)`: only finished ones (not [`Status::is_open`]);
        /// `Some(false)`: only open ones.
        closed: Option<bool>,
        /// Filed at or after.
        start: Option<DateTime<Utc>>,
        /// Filed at or before.
        end: Option<DateTime<Utc>>,
    },
}

/// The statuses of a finished report.
fn closed_statuses() -> Vec<Term<Status>> {
    Status::ALL
        .iter()
        .filter(|s| !s.is_open())
        .map(|s| Term(*s))
        .collect()
}

/// The request with this ticket, if `client_id` filed it.
pub async fn find_for_client(
    conn: &mut AsyncPgConnection,
    client_id: &str,
    ticket: &str,
) -> Result<Option<ServiceRequestRow>> {
    Ok(reports::table
        .left_join(units::table)
        .filter(reports::ticket.eq(ticket))
        .filter(reports::client_id.eq(client_id))
        .select(ServiceRequestRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The requests `client_id` filed that `filter` selects, newest first, at
/// most [`LIST_LIMIT`].
pub async fn list_for_client(
    conn: &mut AsyncPgConnection,
    client_id: &str,
    filter: &RequestFilter,
) -> Result<Vec<ServiceRequestRow>> {
    let mut query = reports::table
        .left_join(units::table)
        .filter(reports::client_id.eq(client_id.to_owned()))
        .select(ServiceRequestRow::as_select())
        .into_boxed();
    match filter {
        RequestFilter::Tickets(tickets) => {
            query = query.filter(reports::ticket.eq_any(tickets.clone()));
        }
        RequestFilter::Matching {
            category,
            closed,
            start,
            end,
        } => {
            if let Some(category) = category {
                query = query.filter(reports::category.eq(Term(*category)));
            }
            match closed {
                Some(true) => query = query.filter(reports::status.eq_any(closed_statuses())),
                Some(false) => query = query.filter(reports::status.ne_all(closed_statuses())),
                None => {}
            }
            if let Some(start) = start {
                query = query.filter(reports::created_at.ge(*start));
            }
            if let Some(end) = end {
                query = query.filter(reports::created_at.le(*end));
            }
        }
    }
    Ok(query
        .order((reports::created_at.desc(), reports::id.desc()))
        .limit(LIST_LIMIT)
        .load(conn)
        .await?)
}
