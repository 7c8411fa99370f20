//! Consent (UU PDP, Law 27/2022): what a person, or for a child a guardian,
//! agreed their data may be used for. Recorded by those who do the case
//! work (the assigned unit's staff, supervisors), read by those who may
//! read the person, withdrawn by the same writers; never edited.
//!
//! A consent is what lets a person's data reach a partner or a regional
//! office: [`crate::reports::PersonalData::person_shown`] asks `consents`
//! for an active one on every read, so a withdrawal counts from the next
//! request. Recording and withdrawing append to the report's history and
//! announce `consent.recorded` / `consent.withdrawn` with ids and purposes
//! only.

use crate::casework::{CaseRef, announce, find_beneficiary, lock_person};
use crate::error::{Error, Result};
use crate::lifecycle::Actor;
use crate::schema::{consents, reports};
use crate::vocabulary::Term;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sigap_domain::{Claims, ConsentGiver, ConsentMethod, ConsentPurpose, FieldError};
use uuid::Uuid;

/// The age under which a person's consent is given by a guardian.
pub const ADULT_AGE: i32 = 18;

/// A consent as recorded.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = consents, check_for_backend(diesel::pg::Pg))]
pub struct ConsentRow {
    /// The consent's id (UUIDv7: ids sort by recording time).
    pub id: Uuid,
    /// The person it is about.
    pub beneficiary_id: Uuid,
    /// The person's report.
    pub report_id: Uuid,
    /// What it allows.
    pub purposes: Vec<Term<ConsentPurpose>>,
    /// The person, or a guardian.
    #[diesel(deserialize_as = Term<ConsentGiver>)]
    pub given_by: ConsentGiver,
    /// Personal data: the guardian's name.
    pub guardian_name: Option<String>,
    /// Personal data: how the guardian is related to the person.
    pub guardian_relation: Option<String>,
    /// Written, or verbal and recorded.
    #[diesel(deserialize_as = Term<ConsentMethod>)]
    pub method: ConsentMethod,
    /// The day it was given.
    pub recorded_on: NaiveDate,
    /// Who recorded it (a token's `sub`).
    pub recorded_by: String,
    /// In which role.
    pub recorded_by_role: String,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// When it was withdrawn; it no longer counts from then.
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// Who withdrew it.
    pub withdrawn_by: Option<String>,
    /// Personal data (free text): why.
    pub withdrawal_reason: Option<String>,
}

impl ConsentRow {
    /// The purposes as the domain's values.
    pub fn purposes(&self) -> Vec<ConsentPurpose> {
        self.purposes.iter().map(|t| t.0).collect()
    }

    /// The consent without personal data (the guardian's name and
    /// relation, the reason of a withdrawal).
    pub fn redacted(self) -> ConsentRow {
        ConsentRow {
            guardian_name: None,
            guardian_relation: None,
            withdrawal_reason: None,
            ..self
        }
    }
}

/// Who gave a consent, with the guardian's name and relation when a
/// guardian did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Giver {
    /// The person.
    Person,
    /// A guardian (for a child, required).
    Guardian {
        /// The guardian's name.
        name: String,
        /// How the guardian is related (`ibu`, `wali`, …).
        relation: String,
    },
}

/// A consent to record, checked field by field at the edge.
#[derive(Debug, Clone)]
pub struct NewConsent {
    /// What it allows: at least one purpose, each once.
    pub purposes: Vec<ConsentPurpose>,
    /// Who gave it.
    pub given_by: Giver,
    /// How.
    pub method: ConsentMethod,
    /// The day it was given, not in the future.
    pub recorded_on: NaiveDate,
}

/// The person's age on `day`: from the birth date, or else from the age
/// given when the person was listed (`listed_on`), plus the years since.
pub fn age_on(
    day: NaiveDate,
    birth_date: Option<NaiveDate>,
    age: Option<i32>,
    listed_on: NaiveDate,
) -> Option<i32> {
    let whole_years = |from: NaiveDate, to: NaiveDate| {
        let mut years = to.year() - from.year();
        if (to.month(), to.day()) < (from.month(), from.day()) {
            years -= 1;
        }
        years
    };
    match (birth_date, age) {
        (Some(born), _) => Some(whole_years(born, day)),
        (None, Some(age)) if day > listed_on => Some(age + whole_years(listed_on, day)),
        (None, Some(age)) => Some(age),
        (None, None) => None,
    }
}

/// Records a consent of person `beneficiary_id`
/// (`POST /v1/beneficiaries/{id}/consents`), by those who may change the
/// person's case (404 when the caller may not read it, 403 when its role
/// may not change cases). A child (under 18 on `recorded_on`, from the
/// birth date or the age) needs a guardian's consent: 422 otherwise.
pub async fn record(
    conn: &mut AsyncPgConnection,
    claims: &Claims,
    beneficiary_id: Uuid,
    consent: &NewConsent,
) -> Result<(CaseRef, ConsentRow)> {
    conn.transaction::<_, Error, _>(async |conn| {
        let (report, person) = lock_person(conn, claims, beneficiary_id).await?;
        let age = age_on(
            consent.recorded_on,
            person.birth_date,
            person.age,
            person.created_at.date_naive(),
        );
        if let Some(age) = age.filter(|a| *a < ADULT_AGE)
            && consent.given_by == Giver::Person
        {
            return Err(Error::Validation(vec![FieldError::new(
                "given_by",
                format!(
                    "the person was {age} on {}, a child: a guardian gives the consent \
                     (given_by guardian, with guardian_name and guardian_relation)",
                    consent.recorded_on
                ),
            )]));
        }
        let (guardian_name, guardian_relation) = match &consent.given_by {
            Giver::Person => (None, None),
            Giver::Guardian { name, relation } => (Some(name.as_str()), Some(relation.as_str())),
        };
        let given_by = match consent.given_by {
            Giver::Person => ConsentGiver::Person,
            Giver::Guardian { .. } => ConsentGiver::Guardian,
        };
        let purposes: Vec<Term<ConsentPurpose>> =
            consent.purposes.iter().copied().map(Term).collect();
        let row: ConsentRow = diesel::insert_into(consents::table)
            .values((
                consents::id.eq(Uuid::now_v7()),
                consents::beneficiary_id.eq(beneficiary_id),
                consents::report_id.eq(report.id),
                consents::purposes.eq(purposes),
                consents::given_by.eq(Term(given_by)),
                consents::guardian_name.eq(guardian_name),
                consents::guardian_relation.eq(guardian_relation),
                consents::method.eq(Term(consent.method)),
                consents::recorded_on.eq(consent.recorded_on),
                consents::recorded_by.eq(&claims.sub),
                consents::recorded_by_role.eq(claims.role.as_str()),
            ))
            .returning(ConsentRow::as_returning())
            .get_result(conn)
            .await?;
        announce_consent(conn, &report, claims, "consent.recorded", None, &row).await?;
        Ok((case_now(conn, report.id).await?, row))
    })
    .await
}

/// The consents of a person `claims` may read, oldest first, after the id
/// `after`, at most `limit`; the guardian's name and the reason of a
/// withdrawal only for those who see the person's personal data.
pub async fn list(
    conn: &mut AsyncPgConnection,
    claims: &Claims,
    beneficiary_id: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> Result<(CaseRef, Vec<ConsentRow>)> {
    let (case, person) = find_beneficiary(conn, claims, beneficiary_id).await?;
    let mut q = consents::table
        .filter(consents::beneficiary_id.eq(beneficiary_id))
        .into_boxed();
    if let Some(after) = after {
        q = q.filter(consents::id.gt(after));
    }
    let rows: Vec<ConsentRow> = q
        .order(consents::id)
        .limit(limit)
        .select(ConsentRow::as_select())
        .load(conn)
        .await?;
    let rows = if person.shown {
        rows
    } else {
        rows.into_iter().map(ConsentRow::redacted).collect()
    };
    Ok((case, rows))
}

/// Withdraws consent `id` (`POST /v1/consents/{id}/withdraw`), by those who
/// may change the person's case: it no longer counts from the next request
/// on. 404 when the caller may not read it; 409 when already withdrawn.
pub async fn withdraw(
    conn: &mut AsyncPgConnection,
    claims: &Claims,
    id: Uuid,
    reason: Option<&str>,
) -> Result<(CaseRef, ConsentRow)> {
    conn.transaction::<_, Error, _>(async |conn| {
        let beneficiary_id: Uuid = consents::table
            .find(id)
            .select(consents::beneficiary_id)
            .first(conn)
            .await?;
        let (report, _) = lock_person(conn, claims, beneficiary_id).await?;
        let current: ConsentRow = consents::table
            .find(id)
            .for_update()
            .select(ConsentRow::as_select())
            .first(conn)
            .await?;
        if let Some(at) = current.withdrawn_at {
            return Err(Error::Conflict(format!(
                "the consent was already withdrawn at {}",
                at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            )));
        }
        let row: ConsentRow = diesel::update(consents::table.find(id))
            .set((
                consents::withdrawn_at.eq(diesel::dsl::now),
                consents::withdrawn_by.eq(&claims.sub),
                consents::withdrawal_reason.eq(reason),
            ))
            .returning(ConsentRow::as_returning())
            .get_result(conn)
            .await?;
        announce_consent(conn, &report, claims, "consent.withdrawn", reason, &row).await?;
        Ok((case_now(conn, report.id).await?, row))
    })
    .await
}

/// Writes `kind` to the history, the bus and webhooks: ids and purposes,
/// never the guardian's name; `note` (a withdrawal's reason) goes to the
/// history only, shown to those who see the person.
async fn announce_consent(
    conn: &mut AsyncPgConnection,
    report: &crate::reports::ReportRow,
    claims: &Claims,
    kind: &str,
    note: Option<&str>,
    row: &ConsentRow,
) -> Result<()> {
    announce(
        conn,
        report,
        &Actor::from_claims(claims),
        kind,
        note,
        serde_json::json!({
            "consent_id": row.id, "beneficiary_id": row.beneficiary_id,
            "purposes": row.purposes(),
        }),
    )
    .await
}

async fn case_now(conn: &mut AsyncPgConnection, report_id: Uuid) -> Result<CaseRef> {
    Ok(reports::table
        .find(report_id)
        .select(CaseRef::as_select())
        .first(conn)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn age_on_a_day_counts_whole_years_from_the_birth_date_or_the_listed_age() {
        let listed = day("2026-01-10");
        let cases = [
            (day("2026-12-07"), Some(day("2008-12-08")), None, Some(17)),
            (day("2026-12-07"), Some(day("2008-12-07")), None, Some(18)),
            (day("2026-12-07"), None, Some(17), Some(17)),
            (day("2027-01-10"), None, Some(17), Some(18)),
            (day("2025-06-01"), None, Some(40), Some(40)),
            (day("2026-12-07"), None, None, None),
        ];
        for (on, born, age, expected) in cases {
            assert_eq!(
                age_on(on, born, age, listed),
                expected,
                "{on} {born:?} {age:?}"
            );
        }
    }
}
