//! The database holds only the domain's vocabulary: every status, category,
//! need, channel, urgency and role column accepts each of the domain's values
//! and refuses anything else, whoever writes it.

use sigap_domain::{
    AssessmentMethod, AssistiveDevice, AtensiComponent, BeneficiaryStatus, Category, Channel,
    ConsentGiver, ConsentMethod, ConsentPurpose, Difficulty, Disability, FollowUpOutcome,
    HolidayKind, Modality, Need, Role, ServiceStatus, Stage, Status, Urgency, Vocabulary,
};
use sigap_tests::TestDb;
use tokio_postgres::error::SqlState;

/// A column that holds words of one vocabulary.
struct Column {
    table: &'static str,
    column: &'static str,
    /// The spellings the column must accept.
    accepted: Vec<&'static str>,
    /// `text[]` of the vocabulary rather than one `text`.
    array: bool,
    nullable: bool,
}

fn spellings<T: Vocabulary>() -> Vec<&'static str> {
    T::all().iter().map(|v| v.spelling()).collect()
}

fn column<T: Vocabulary>(table: &'static str, column: &'static str, nullable: bool) -> Column {
    Column {
        table,
        column,
        accepted: spellings::<T>(),
        array: false,
        nullable,
    }
}

fn vocabulary_columns() -> Vec<Column> {
    // Routing and escalation act in a role of their own.
    let mut event_roles = spellings::<Role>();
    event_roles.push(sigap_store::routing::SYSTEM_ROLE);
    vec![
        column::<Status>("reports", "status", false),
        column::<Category>("reports", "category", false),
        column::<Need>("reports", "need", false),
        column::<Channel>("reports", "channel", false),
        column::<Urgency>("reports", "urgency", false),
        column::<Status>("report_events", "from_status", true),
        column::<Status>("report_events", "to_status", true),
        Column {
            accepted: event_roles,
            ..column::<Role>("report_events", "actor_role", false)
        },
        Column {
            array: true,
            ..column::<Category>("units", "categories", false)
        },
        column::<Category>("coverage_rules", "category", true),
        column::<Role>("directory_changes", "actor_role", true),
        column::<Role>("webhook_subscriptions", "owner_role", false),
        column::<Stage>("report_deadlines", "stage", false),
        column::<Stage>("reports", "deadline_stage", true),
        column::<HolidayKind>("holidays", "kind", false),
        column::<BeneficiaryStatus>("beneficiaries", "status", false),
        Column {
            array: true,
            ..column::<Disability>("beneficiaries", "disabilities", false)
        },
        Column {
            accepted: vec!["F", "M"],
            ..column::<Disability>("beneficiaries", "sex", true)
        },
        column::<AssessmentMethod>("assessments", "method", false),
        column::<Difficulty>("assessments", "seeing", true),
        column::<Difficulty>("assessments", "hearing", true),
        column::<Difficulty>("assessments", "walking", true),
        column::<Difficulty>("assessments", "remembering", true),
        column::<Difficulty>("assessments", "self_care", true),
        column::<Difficulty>("assessments", "communicating", true),
        // The last component accepted is `accessibility_support`, the one
        // whose services have an item.
        column::<AtensiComponent>("services", "component", false),
        column::<AssistiveDevice>("services", "item", true),
        column::<Modality>("services", "modality", false),
        column::<ServiceStatus>("services", "status", false),
        column::<FollowUpOutcome>("services", "follow_up_outcome", true),
        column::<FollowUpOutcome>("service_follow_ups", "outcome", false),
        Column {
            array: true,
            ..column::<ConsentPurpose>("consents", "purposes", false)
        },
        column::<ConsentGiver>("consents", "given_by", false),
        column::<ConsentMethod>("consents", "method", false),
        column::<Role>("consents", "recorded_by_role", false),
    ]
}

/// A row in each table of [`vocabulary_columns`] (the seed fills the
/// directory's), so that there is one to update.
async fn one_row_in_every_table(client: &tokio_postgres::Client) {
    client
        .execute(
            "INSERT INTO reports (id, ticket, channel, category, need, urgency, region_code, \
             province_code, description, filed_by, tracking_code) \
             SELECT gen_random_uuid(), 'CC-TEST-1', $1, $2, $3, $4, code, parent_code, 'a test report', 'test', \
             'CC-TEST-1-K7QM2X' \
             FROM regions WHERE parent_code IS NOT NULL ORDER BY code LIMIT 1",
            &[
                &Channel::Hotline.as_str(),
                &Category::Elderly.as_str(),
                &Need::BasicNeeds.as_str(),
                &Urgency::Normal.as_str(),
            ],
        )
        .await
        .expect("insert a report");
    client
        .execute(
            "INSERT INTO report_events (report_id, kind, to_status, actor, actor_role) \
             SELECT id, 'received', $1, 'test', $2 FROM reports",
            &[&Status::Received.as_str(), &Role::Operator.as_str()],
        )
        .await
        .expect("insert an event");
    client
        .execute(
            "INSERT INTO webhook_subscriptions (id, owner, owner_role, url, events, secret) \
             VALUES (gen_random_uuid(), 'test', $1, 'https://example.org/hook', '{}', 'secret')",
            &[&Role::Integrator.as_str()],
        )
        .await
        .expect("insert a subscription");
    client
        .execute(
            "INSERT INTO report_deadlines (report_id, stage, started_at, due_at, allowance, working, time_zone) \
             SELECT id, $1, now(), now(), '1wd', TRUE, 'WIB' FROM reports",
            &[&Stage::Acknowledge.as_str()],
        )
        .await
        .expect("insert a deadline");
    // Case work, with what every status needs (a reason, a handover record).
    client
        .execute(
            "INSERT INTO beneficiaries (report_id, ordinal, status, status_reason) \
             SELECT id, 0, $1, 'a reason' FROM reports",
            &[&BeneficiaryStatus::AwaitingAssessment.as_str()],
        )
        .await
        .expect("insert a person");
    client
        .execute(
            "INSERT INTO assessments (id, beneficiary_id, report_id, assessed_on, method, eligible, \
             findings, assessed_by) \
             SELECT gen_random_uuid(), id, report_id, '2026-12-01', $1, TRUE, 'findings', 'test' \
             FROM beneficiaries",
            &[&AssessmentMethod::HomeVisit.as_str()],
        )
        .await
        .expect("insert an assessment");
    client
        .execute(
            "INSERT INTO services (id, report_id, beneficiary_id, component, modality, quantity, \
             due_on, status, delivered_on, delivered_quantity, handover_ref, received_by, \
             cancel_reason, planned_by) \
             SELECT gen_random_uuid(), report_id, id, $1, $2, 1, '2026-12-20', $3, '2026-12-10', 1, \
             'BAST/1', 'someone', 'a reason', 'test' FROM beneficiaries",
            &[
                &AtensiComponent::SocialCare.as_str(),
                &Modality::FamilyBased.as_str(),
                &ServiceStatus::Planned.as_str(),
            ],
        )
        .await
        .expect("insert a service");
    client
        .execute(
            "INSERT INTO service_follow_ups (service_id, checked_on, outcome, checked_by) \
             SELECT id, '2027-03-10', $1, 'test' FROM services",
            &[&FollowUpOutcome::InUse.as_str()],
        )
        .await
        .expect("insert a follow-up");
    // A consent with a guardian named, so that either giver fits.
    client
        .execute(
            "INSERT INTO consents (id, beneficiary_id, report_id, purposes, given_by, guardian_name, \
             guardian_relation, method, recorded_on, recorded_by, recorded_by_role) \
             SELECT gen_random_uuid(), id, report_id, ARRAY[$1], $2, 'Ibu Sari', 'ibu', $3, \
             '2026-12-01', 'test', $4 FROM beneficiaries",
            &[
                &ConsentPurpose::CaseHandling.as_str(),
                &ConsentGiver::Guardian.as_str(),
                &ConsentMethod::Written.as_str(),
                &Role::Supervisor.as_str(),
            ],
        )
        .await
        .expect("insert a consent");
}

/// Sets the column of one row to `value` (a one-element array for an array
/// column), inside a savepoint so that a refusal leaves the test's
/// transaction usable.
async fn set(
    transaction: &mut tokio_postgres::Transaction<'_>,
    column: &Column,
    value: Option<&str>,
) -> Result<(), tokio_postgres::Error> {
    let target = if column.array {
        "ARRAY[$1::text]"
    } else {
        "$1::text"
    };
    let sql = format!(
        "UPDATE {table} SET {name} = {target} WHERE ctid = (SELECT ctid FROM {table} LIMIT 1)",
        table = column.table,
        name = column.column,
    );
    let savepoint = transaction.savepoint("one_value").await?;
    let updated = savepoint.execute(&sql, &[&value]).await?;
    assert_eq!(updated, 1, "{}.{} has a row", column.table, column.column);
    savepoint.commit().await
}

#[tokio::test(flavor = "multi_thread")]
async fn every_vocabulary_column_accepts_the_domain_values_and_refuses_others() {
    let db = TestDb::new().await;
    let mut client = db.client().await;
    one_row_in_every_table(&client).await;
    let mut transaction = client.transaction().await.expect("begin");
    for column in vocabulary_columns() {
        let name = format!("{}.{}", column.table, column.column);
        for value in &column.accepted {
            set(&mut transaction, &column, Some(value))
                .await
                .unwrap_or_else(|e| panic!("{name} refuses {value:?}: {e}"));
        }
        if column.nullable {
            set(&mut transaction, &column, None)
                .await
                .unwrap_or_else(|e| panic!("{name} refuses NULL: {e}"));
        }
        for unknown in ["unknown", "", "Received", "open"] {
            let error = set(&mut transaction, &column, Some(unknown))
                .await
                .expect_err(&format!("{name} accepts {unknown:?}"));
            assert_eq!(
                error.code(),
                Some(&SqlState::CHECK_VIOLATION),
                "{name} with {unknown:?}: {error}"
            );
            let constraint = error.as_db_error().and_then(|e| e.constraint());
            assert_eq!(
                constraint,
                Some(format!("{}_{}_check", column.table, column.column).as_str()),
                "{name} with {unknown:?}"
            );
        }
    }
    transaction.rollback().await.expect("rollback");
}
