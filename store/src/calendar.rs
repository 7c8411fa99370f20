//! The holiday calendar: national holidays and collective-leave days (cuti
//! bersama), seeded from the joint ministerial decrees and edited by admins,
//! because the dates of Islamic holidays can move after the official sighting.
//!
//! An admin's removal leaves a tombstone (`removed`), so that seeding again
//! does not bring the day back. Each row records who changed it last and
//! when; every change bumps the directory version, which running routers and
//! escalation reload the calendar by.

use crate::error::{Error, Result};
use crate::schema::holidays;
use crate::vocabulary::Term;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sigap_domain::HolidayKind;
use sigap_domain::working_time::Calendar;

/// A day off of the calendar.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = holidays, check_for_backend(diesel::pg::Pg))]
pub struct Holiday {
    /// The day.
    pub day: NaiveDate,
    /// Its name in Indonesian, such as `Idulfitri 1447 Hijriah`.
    pub name: String,
    /// A national holiday or a collective-leave day.
    pub kind: Term<HolidayKind>,
    /// `seed` (from the data) or `admin` (saved through the api).
    pub origin: String,
    /// Who changed it last: a token's subject, or `seed`.
    pub updated_by: Option<String>,
    /// When it was changed last.
    pub updated_at: DateTime<Utc>,
}

/// The days off of `year`, in date order; removed days are left out.
pub async fn year(conn: &mut AsyncPgConnection, year: i32) -> Result<Vec<Holiday>> {
    let first = NaiveDate::from_ymd_opt(year, 1, 1)
        .ok_or_else(|| Error::validation("year", "is not a calendar year"))?;
    let next = NaiveDate::from_ymd_opt(year + 1, 1, 1)
        .ok_or_else(|| Error::validation("year", "is not a calendar year"))?;
    Ok(holidays::table
        .filter(holidays::day.ge(first))
        .filter(holidays::day.lt(next))
        .filter(holidays::removed.eq(false))
        .order(holidays::day)
        .select(Holiday::as_select())
        .load(conn)
        .await?)
}

/// The calendar working time is counted in: every holiday and
/// collective-leave day not removed by an admin.
pub async fn days_off(conn: &mut AsyncPgConnection) -> QueryResult<Calendar> {
    let days: Vec<NaiveDate> = holidays::table
        .filter(holidays::removed.eq(false))
        .select(holidays::day)
        .load(conn)
        .await?;
    Ok(Calendar::new(days))
}

/// Makes `day` a day off named `name` of `kind`, as `actor` (a token's
/// subject): a new day, a removed one brought back, or a replaced one. The
/// day becomes the admin's, which seeding leaves alone. True when a day off
/// was already there (replaced).
pub async fn save(
    conn: &mut AsyncPgConnection,
    actor: &str,
    day: NaiveDate,
    name: &str,
    kind: HolidayKind,
) -> Result<(bool, Holiday)> {
    let values = (
        holidays::day.eq(day),
        holidays::name.eq(name),
        holidays::kind.eq(Term(kind)),
        holidays::origin.eq("admin"),
        holidays::removed.eq(false),
        holidays::updated_by.eq(actor),
        holidays::updated_at.eq(diesel::dsl::now),
    );
    conn.transaction::<_, Error, _>(async |conn| {
        let before: Option<bool> = holidays::table
            .find(day)
            .select(holidays::removed)
            .for_update()
            .first(conn)
            .await
            .optional()?;
        let saved = diesel::insert_into(holidays::table)
            .values(values)
            .on_conflict(holidays::day)
            .do_update()
            .set(values)
            .returning(Holiday::as_returning())
            .get_result(conn)
            .await?;
        Ok((before == Some(false), saved))
    })
    .await
}

/// Removes the day off on `day` as `actor`, leaving a tombstone; false when
/// there is none (never was, or already removed).
pub async fn remove(conn: &mut AsyncPgConnection, actor: &str, day: NaiveDate) -> Result<bool> {
    let removed = diesel::update(holidays::table.find(day))
        .filter(holidays::removed.eq(false))
        .set((
            holidays::removed.eq(true),
            holidays::origin.eq("admin"),
            holidays::updated_by.eq(actor),
            holidays::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(removed > 0)
}
