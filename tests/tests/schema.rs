//! Migrations and reference data.

use sigap_tests::TestDb;

async fn tables(db: &TestDb) -> Vec<String> {
    db.client()
        .await
        .query(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' \
             AND table_name <> '__diesel_schema_migrations' ORDER BY 1",
            &[],
        )
        .await
        .expect("tables")
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// The schema as `pg_dump` writes it, without what differs between two dumps
/// of the same schema.
fn schema_dump(db: &TestDb) -> String {
    let output = std::process::Command::new("pg_dump")
        .args([
            "--schema-only",
            "--no-owner",
            "--no-privileges",
            "--dbname",
            &db.url,
        ])
        .output()
        .expect("run pg_dump");
    assert!(
        output.status.success(),
        "pg_dump failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("pg_dump writes UTF-8")
        .lines()
        // `\restrict` and `\unrestrict` carry a key pg_dump draws at random
        // for every dump (it keeps a restore from running psql commands hidden
        // in object names); they say nothing about the schema.
        .filter(|line| !line.starts_with("\\restrict ") && !line.starts_with("\\unrestrict "))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread")]
async fn every_down_migration_reverses_its_up_migration() {
    // Migrated up once.
    let once = TestDb::new().await;
    // Migrated up, down and up again.
    let db = TestDb::new().await;
    let before = tables(&db).await;
    assert!(before.contains(&"reports".to_string()) && before.contains(&"outbox".to_string()));
    let reverted = sigap_store::db::revert_all(&db.url).await.expect("revert");
    assert!(reverted >= 2);
    assert!(tables(&db).await.is_empty(), "nothing left after reverting");
    let functions: i64 = db
        .client()
        .await
        .query_one("SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(functions, 0, "no functions left");
    let applied = sigap_store::db::migrate(&db.url)
        .await
        .expect("migrate again");
    assert_eq!(applied.len(), reverted);
    assert_eq!(tables(&db).await, before);

    let expected = schema_dump(&once);
    let actual = schema_dump(&db);
    assert!(
        expected.contains("CREATE TABLE public.reports"),
        "{expected}"
    );
    if actual != expected {
        let difference: Vec<String> = actual
            .lines()
            .zip(expected.lines())
            .enumerate()
            .filter(|(_, (a, e))| a != e)
            .take(20)
            .map(|(n, (a, e))| format!("line {}: {a:?} instead of {e:?}", n + 1))
            .collect();
        panic!(
            "the schema after down and up differs from the schema migrated once \
             ({} lines instead of {}):\n{}",
            actual.lines().count(),
            expected.lines().count(),
            difference.join("\n")
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn seeding_twice_leaves_the_same_reference_data() {
    let db = TestDb::new().await;
    let pool = sigap_store::db::pool(&db.url, 1, std::time::Duration::from_secs(10));
    let mut conn = pool.get().await.expect("connect");
    let data = sigap_tests::workspace_root().join("data");
    let first = sigap_store::seed::seed(&mut conn, &data)
        .await
        .expect("seed");
    let second = sigap_store::seed::seed(&mut conn, &data)
        .await
        .expect("seed again");
    assert_eq!(first, second);
    assert_eq!(
        (first.regions, first.units, first.coverage_rules),
        (552, 31, 186)
    );
    let client = db.client().await;
    let sijunjung: String = client
        .query_one(
            "SELECT unit_code FROM coverage_rules WHERE region_code = '13.03' AND basis = 'stated'",
            &[],
        )
        .await
        .expect("rule")
        .get(0);
    assert_eq!(sijunjung, "SENTRA-MULYA-JAYA");
    let national: i64 = client
        .query_one(
            "SELECT count(*) FROM coverage_rules WHERE region_code IS NULL AND priority = -2",
            &[],
        )
        .await
        .expect("count")
        .get(0);
    assert_eq!(national, 31, "every unit has the national fallback");
}
