//! Reading reports for the Open311 facade. Who reads decides what is seen,
//! and both are part of every query here: an API client (its `api_key`)
//! reads the reports it filed, in full; anyone else reads the requests filed
//! through Open311, without a word of what the reporter wrote or where
//! (the columns are not even selected).

use crate::error::Result;
use crate::schema::{reports, units};
use crate::vocabulary::Term;
use chrono::{DateTime, Duration, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use sigap_domain::{Category, Channel, Status};

/// Most requests one list answers (the GeoReport v2 default).
pub const LIST_LIMIT: i64 = 1000;

/// Longest span of `start_date`..`end_date`, and the window of a list that
/// names neither (the GeoReport v2 default).
pub const WINDOW_DAYS: i64 = 90;

/// Who reads, and so which reports a query may return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader<'a> {
    /// The API client with this id: the reports it filed.
    Client(&'a str),
    /// Anyone: the reports filed through Open311 (hotline and partner-app
    /// cases are never published here).
    Public,
}

/// A report as its filing client sees it through Open311: never the
/// reporter's name or phone.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reports, check_for_backend(diesel::pg::Pg))]
pub struct ServiceRequestRow {
    /// The report's id (for the access log, never shown).
    pub id: uuid::Uuid,
    /// What anyone may know of it.
    #[diesel(embed)]
    pub public: PublicRequestRow,
    /// The reporter's description of the situation.
    pub description: String,
    /// The address given with the report.
    pub address: Option<String>,
    /// Latitude of the report's location, when given.
    pub latitude: Option<f64>,
    /// Longitude of the report's location, when given.
    pub longitude: Option<f64>,
}

/// What anyone may know of a request, as public tracking shows it: status,
/// category, unit and times.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reports, check_for_backend(diesel::pg::Pg))]
pub struct PublicRequestRow {
    /// The ticket, Open311's `service_request_id`.
    pub ticket: String,
    /// Sigap's status; Open311's `open` or `closed` follows
    /// [`Status::is_open`].
    #[diesel(deserialize_as = Term<Status>)]
    pub status: Status,
    /// The category, Open311's `service_code`.
    #[diesel(deserialize_as = Term<Category>)]
    pub category: Category,
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

/// Which requests a list returns.
#[derive(Debug, Clone, PartialEq)]
pub enum RequestFilter {
    /// These tickets (at most [`LIST_LIMIT`]), whatever else is asked.
    Tickets(Vec<String>),
    /// Every request matching all of the given conditions.
    Matching {
        /// Only these categories (Open311's `service_code`); empty: all.
        categories: Vec<Category>,
        /// `Some(true)`: only finished ones (not [`Status::is_open`]);
        /// `Some(false)`: only open ones.
        closed: Option<bool>,
        /// Filed within this window (see [`window`]).
        window: Window,
    },
}

/// Filed at or after `start` and at or before `end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// The earliest filing time.
    pub start: DateTime<Utc>,
    /// The latest filing time.
    pub end: DateTime<Utc>,
}

/// Why a window is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowError {
    /// `end` is before `start`.
    Reversed,
    /// The two are more than [`WINDOW_DAYS`] apart.
    TooLong,
}

/// The window of a list, as GeoReport v2 defines it: the last
/// [`WINDOW_DAYS`] days when neither bound is given, [`WINDOW_DAYS`] days
/// from `start` or up to `end` when one is, and never longer.
pub fn window(
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> std::result::Result<Window, WindowError> {
    let span = Duration::days(WINDOW_DAYS);
    let (start, end) = match (start, end) {
        (None, None) => (now - span, now),
        (Some(start), None) => (start, start + span),
        (None, Some(end)) => (end - span, end),
        (Some(start), Some(end)) => (start, end),
    };
    if end < start {
        Err(WindowError::Reversed)
    } else if end - start > span {
        Err(WindowError::TooLong)
    } else {
        Ok(Window { start, end })
    }
}

/// The statuses of a finished report.
fn closed_statuses() -> Vec<Term<Status>> {
    Status::ALL
        .iter()
        .filter(|s| !s.is_open())
        .map(|s| Term(*s))
        .collect()
}

type Visible =
    diesel::dsl::IntoBoxed<'static, diesel::dsl::LeftJoin<reports::table, units::table>, Pg>;

/// Reports with their unit, limited to what `reader` may see.
fn visible(reader: Reader<'_>) -> Visible {
    let query = reports::table.left_join(units::table).into_boxed();
    match reader {
        Reader::Client(client_id) => query.filter(reports::client_id.eq(client_id.to_owned())),
        Reader::Public => query.filter(reports::channel.eq(Term(Channel::Open311))),
    }
}

/// `query` narrowed to one ticket.
fn with_ticket(query: Visible, ticket: &str) -> Visible {
    query.filter(reports::ticket.eq(ticket.to_owned()))
}

/// `query` narrowed by `filter`, newest first, at most [`LIST_LIMIT`].
fn filtered(mut query: Visible, filter: &RequestFilter) -> Visible {
    match filter {
        RequestFilter::Tickets(tickets) => {
            query = query.filter(reports::ticket.eq_any(tickets.clone()));
        }
        RequestFilter::Matching {
            categories,
            closed,
            window,
        } => {
            if !categories.is_empty() {
                let terms: Vec<Term<Category>> = categories.iter().map(|c| Term(*c)).collect();
                query = query.filter(reports::category.eq_any(terms));
            }
            match closed {
                Some(true) => query = query.filter(reports::status.eq_any(closed_statuses())),
                Some(false) => query = query.filter(reports::status.ne_all(closed_statuses())),
                None => {}
            }
            query = query
                .filter(reports::created_at.ge(window.start))
                .filter(reports::created_at.le(window.end));
        }
    }
    query
        .order((reports::created_at.desc(), reports::id.desc()))
        .limit(LIST_LIMIT)
}

/// The request with this ticket, if `client_id` filed it: in full.
pub async fn find_for_client(
    conn: &mut AsyncPgConnection,
    client_id: &str,
    ticket: &str,
) -> Result<Option<ServiceRequestRow>> {
    Ok(with_ticket(visible(Reader::Client(client_id)), ticket)
        .select(ServiceRequestRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The request with this ticket, if it was filed through Open311: what
/// anyone may know of it.
pub async fn find_public(
    conn: &mut AsyncPgConnection,
    ticket: &str,
) -> Result<Option<PublicRequestRow>> {
    Ok(with_ticket(visible(Reader::Public), ticket)
        .select(PublicRequestRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The requests `client_id` filed that `filter` selects, in full, newest
/// first, at most [`LIST_LIMIT`].
pub async fn list_for_client(
    conn: &mut AsyncPgConnection,
    client_id: &str,
    filter: &RequestFilter,
) -> Result<Vec<ServiceRequestRow>> {
    Ok(filtered(visible(Reader::Client(client_id)), filter)
        .select(ServiceRequestRow::as_select())
        .load(conn)
        .await?)
}

/// The requests filed through Open311 that `filter` selects, as anyone may
/// know them, newest first, at most [`LIST_LIMIT`].
pub async fn list_public(
    conn: &mut AsyncPgConnection,
    filter: &RequestFilter,
) -> Result<Vec<PublicRequestRow>> {
    Ok(filtered(visible(Reader::Public), filter)
        .select(PublicRequestRow::as_select())
        .load(conn)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().expect("time")
    }

    #[test]
    fn a_window_defaults_to_ninety_days_and_is_never_longer() {
        let now = utc("2026-12-07T00:00:00Z");
        let day = |d: &str| utc(&format!("{d}T00:00:00Z"));
        for (start, end, expected) in [
            (None, None, Ok((day("2026-09-08"), now))),
            (
                Some(day("2026-01-01")),
                None,
                Ok((day("2026-01-01"), day("2026-04-01"))),
            ),
            (
                None,
                Some(day("2026-04-01")),
                Ok((day("2026-01-01"), day("2026-04-01"))),
            ),
            (
                Some(day("2026-01-01")),
                Some(day("2026-04-01")),
                Ok((day("2026-01-01"), day("2026-04-01"))),
            ),
            (
                Some(day("2026-01-01")),
                Some(day("2026-04-02")),
                Err(WindowError::TooLong),
            ),
            (
                Some(day("2026-01-02")),
                Some(day("2026-01-01")),
                Err(WindowError::Reversed),
            ),
        ] {
            assert_eq!(
                window(start, end, now).map(|w| (w.start, w.end)),
                expected,
                "{start:?} {end:?}"
            );
        }
    }
}
