//! Every vocabulary value survives a trip through the database as its
//! domain type, and a row holding a value the domain does not know is an
//! error when read, never a coerced default.

use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sigap_domain::{
    AssessmentMethod, AssistiveDevice, AtensiComponent, BeneficiaryStatus, Category, Channel,
    Difficulty, Disability, FollowUpOutcome, Modality, Need, Role, ServiceStatus, Status, Urgency,
    Vocabulary,
};
use sigap_store::vocabulary::{NullableTerm, Term};
use sigap_tests::TestDb;

diesel::table! {
    vocabulary_rows (n) {
        n -> Int4,
        value -> Nullable<Text>,
    }
}

async fn connect(db: &TestDb) -> AsyncPgConnection {
    let mut conn = AsyncPgConnection::establish(&db.url)
        .await
        .expect("connect");
    // A table of its own, holding anything: the vocabulary's CHECK
    // constraints on the real tables would refuse the unknown value.
    diesel::sql_query("CREATE TEMP TABLE vocabulary_rows (n serial PRIMARY KEY, value text)")
        .execute(&mut conn)
        .await
        .expect("temp table");
    conn
}

async fn round_trip<T: Vocabulary + PartialEq>(conn: &mut AsyncPgConnection) {
    diesel::delete(vocabulary_rows::table)
        .execute(conn)
        .await
        .expect("empty");
    for value in T::all() {
        diesel::insert_into(vocabulary_rows::table)
            .values(vocabulary_rows::value.eq(Term(*value)))
            .execute(conn)
            .await
            .expect("insert");
    }
    let read: Vec<Option<T>> = vocabulary_rows::table
        .order(vocabulary_rows::n)
        .select(vocabulary_rows::value)
        .load::<NullableTerm<T>>(conn)
        .await
        .expect("read back")
        .into_iter()
        .map(Option::from)
        .collect();
    let written: Vec<Option<T>> = T::all().iter().copied().map(Some).collect();
    assert_eq!(read, written, "{}", T::NAME);
    let spelled: Vec<String> = vocabulary_rows::table
        .order(vocabulary_rows::n)
        .select(vocabulary_rows::value.assume_not_null())
        .load(conn)
        .await
        .expect("spellings");
    let spellings: Vec<&str> = T::all().iter().map(|v| v.spelling()).collect();
    assert_eq!(spelled, spellings, "{} is stored by its spelling", T::NAME);
}

async fn unknown_is_an_error<T: Vocabulary>(conn: &mut AsyncPgConnection) {
    diesel::delete(vocabulary_rows::table)
        .execute(conn)
        .await
        .expect("empty");
    diesel::sql_query("INSERT INTO vocabulary_rows (value) VALUES ('bogus')")
        .execute(conn)
        .await
        .expect("insert");
    let read = vocabulary_rows::table
        .select(vocabulary_rows::value)
        .load::<NullableTerm<T>>(conn)
        .await;
    match read.expect_err("an unknown value must not be read") {
        diesel::result::Error::DeserializationError(cause) => {
            // Diesel names the field; the reason sits in the error's causes.
            let mut reasons = vec![cause.to_string()];
            let mut source = cause.source();
            while let Some(next) = source {
                reasons.push(next.to_string());
                source = next.source();
            }
            assert!(
                reasons
                    .iter()
                    .any(|r| r.contains("unknown") && r.contains("bogus")),
                "{}: {reasons:?}",
                T::NAME
            );
        }
        other => panic!("{}: not a deserialization error: {other}", T::NAME),
    }
    let read = diesel::select("bogus".into_sql::<Text>())
        .get_result::<Term<T>>(conn)
        .await;
    assert!(read.is_err(), "{}: 'bogus'::text read as a value", T::NAME);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_vocabulary_value_round_trips_through_the_database() {
    let db = TestDb::new().await;
    let mut conn = connect(&db).await;
    round_trip::<Status>(&mut conn).await;
    round_trip::<Category>(&mut conn).await;
    round_trip::<Need>(&mut conn).await;
    round_trip::<Urgency>(&mut conn).await;
    round_trip::<Channel>(&mut conn).await;
    round_trip::<Role>(&mut conn).await;
    round_trip::<Disability>(&mut conn).await;
    round_trip::<BeneficiaryStatus>(&mut conn).await;
    round_trip::<AssessmentMethod>(&mut conn).await;
    round_trip::<Difficulty>(&mut conn).await;
    round_trip::<AtensiComponent>(&mut conn).await;
    round_trip::<Modality>(&mut conn).await;
    round_trip::<AssistiveDevice>(&mut conn).await;
    round_trip::<ServiceStatus>(&mut conn).await;
    round_trip::<FollowUpOutcome>(&mut conn).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_row_with_an_unknown_value_is_an_error_not_a_default() {
    let db = TestDb::new().await;
    let mut conn = connect(&db).await;
    unknown_is_an_error::<Status>(&mut conn).await;
    unknown_is_an_error::<Category>(&mut conn).await;
    unknown_is_an_error::<Need>(&mut conn).await;
    unknown_is_an_error::<Urgency>(&mut conn).await;
    unknown_is_an_error::<Channel>(&mut conn).await;
    unknown_is_an_error::<Role>(&mut conn).await;
    unknown_is_an_error::<Disability>(&mut conn).await;
    unknown_is_an_error::<BeneficiaryStatus>(&mut conn).await;
    unknown_is_an_error::<AssessmentMethod>(&mut conn).await;
    unknown_is_an_error::<Difficulty>(&mut conn).await;
    unknown_is_an_error::<AtensiComponent>(&mut conn).await;
    unknown_is_an_error::<Modality>(&mut conn).await;
    unknown_is_an_error::<AssistiveDevice>(&mut conn).await;
    unknown_is_an_error::<ServiceStatus>(&mut conn).await;
    unknown_is_an_error::<FollowUpOutcome>(&mut conn).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_null_vocabulary_column_reads_as_none() {
    let db = TestDb::new().await;
    let mut conn = connect(&db).await;
    diesel::sql_query("INSERT INTO vocabulary_rows (value) VALUES (NULL)")
        .execute(&mut conn)
        .await
        .expect("insert");
    let read: NullableTerm<Status> = vocabulary_rows::table
        .select(vocabulary_rows::value)
        .first(&mut conn)
        .await
        .expect("read");
    assert_eq!(read.0, None);
}
