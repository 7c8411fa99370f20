//! The domain's vocabulary in the database. Every status, category, need,
//! channel, urgency and role column is read and written through [`Term`], so
//! a row holding a value the domain does not know is an error, not a guess,
//! and no query spells a value by hand.

use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{Nullable, Text};
use sigap_domain::{
    AssessmentMethod, AssistiveDevice, AtensiComponent, BeneficiaryStatus, Category, Channel,
    ConsentGiver, ConsentMethod, ConsentPurpose, Difficulty, Disability, FollowUpOutcome,
    HolidayKind, Modality, Need, Role, ServiceStatus, Stage, Status, Urgency, Vocabulary,
};

/// A vocabulary value as a `text` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
pub struct Term<T: Vocabulary>(pub T);

impl<T: Vocabulary> ToSql<Text, Pg> for Term<T> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <str as ToSql<Text, Pg>>::to_sql(self.0.spelling(), &mut out.reborrow())
    }
}

impl<T: Vocabulary> FromSql<Text, Pg> for Term<T> {
    fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
        let text = <String as FromSql<Text, Pg>>::from_sql(bytes)?;
        T::from_spelling(&text)
            .map(Term)
            .ok_or_else(|| format!("unknown {} {text:?} in the database", T::NAME).into())
    }
}

/// A vocabulary value in a nullable `text` column: SQL `NULL` is `None`, an
/// unknown spelling an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromSqlRow)]
pub struct NullableTerm<T: Vocabulary>(pub Option<T>);

impl<T: Vocabulary> FromSql<Nullable<Text>, Pg> for NullableTerm<T> {
    fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
        <Term<T> as FromSql<Text, Pg>>::from_sql(bytes).map(|term| NullableTerm(Some(term.0)))
    }

    fn from_nullable_sql(bytes: Option<PgValue<'_>>) -> deserialize::Result<Self> {
        match bytes {
            None => Ok(NullableTerm(None)),
            Some(bytes) => Self::from_sql(bytes),
        }
    }
}

impl<T: Vocabulary> From<NullableTerm<T>> for Option<T> {
    fn from(term: NullableTerm<T>) -> Option<T> {
        term.0
    }
}

/// The spellings of several values, for `= ANY($1)` binds.
pub fn spellings<T: Vocabulary>(values: &[T]) -> Vec<&'static str> {
    values.iter().map(|v| v.spelling()).collect()
}

macro_rules! term_conversions {
    ($($name:ident),+) => {$(
        impl From<Term<$name>> for $name {
            fn from(term: Term<$name>) -> $name {
                term.0
            }
        }
    )+};
}

term_conversions!(
    AssessmentMethod,
    ConsentGiver,
    ConsentMethod,
    ConsentPurpose,
    AssistiveDevice,
    AtensiComponent,
    BeneficiaryStatus,
    Category,
    Difficulty,
    Disability,
    FollowUpOutcome,
    Modality,
    ServiceStatus,
    Channel,
    HolidayKind,
    Need,
    Role,
    Stage,
    Status,
    Urgency
);
