//! Connection pool and migrations.

use diesel::QueryResult;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::BigInt;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{
    AsyncConnection, AsyncMigrationHarness, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection,
};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use std::time::Duration;

pub use diesel_async::pooled_connection::deadpool::PoolError;

/// The pool of async Postgres connections; see [`pool`].
pub type PgPool = Pool<AsyncPgConnection>;
/// A connection checked out of a [`PgPool`], back in the pool when
/// dropped.
pub type PooledConn = Object<AsyncPgConnection>;

/// The migrations of the workspace's `migrations/`, built into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations");

/// Key of the advisory lock that serialises migrations across processes.
const MIGRATION_LOCK: i64 = 0x5167_6170_6d69_6772;

/// Bounds on what one session may hold, set on every pooled connection when
/// it is made: a runaway statement, or a transaction left open by a stuck
/// caller, cannot hold the database (and its locks) for long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// `statement_timeout`: a statement running longer is cancelled (zero:
    /// no limit).
    pub statement_timeout: Duration,
    /// `idle_in_transaction_session_timeout`: a session idle this long inside
    /// a transaction is ended, releasing its locks (zero: no limit).
    pub idle_in_transaction_timeout: Duration,
}

impl Default for SessionLimits {
    fn default() -> Self {
        SessionLimits {
            statement_timeout: Duration::from_secs(30),
            idle_in_transaction_timeout: Duration::from_secs(60),
        }
    }
}

impl SessionLimits {
    /// The `SET` statements that apply the limits to a session.
    fn setup_sql(&self) -> String {
        format!(
            "SET statement_timeout = {}; SET idle_in_transaction_session_timeout = {}",
            self.statement_timeout.as_millis(),
            self.idle_in_transaction_timeout.as_millis()
        )
    }
}

/// A pool whose waits and connection attempts give up after `timeout`, so
/// that a database outage turns into quick errors, not hung requests; its
/// connections have the default [`SessionLimits`].
pub fn pool(database_url: &str, size: usize, timeout: Duration) -> PgPool {
    pool_with_limits(database_url, size, timeout, SessionLimits::default())
}

/// A [`pool`] whose connections are bounded by `limits`.
pub fn pool_with_limits(
    database_url: &str,
    size: usize,
    timeout: Duration,
    limits: SessionLimits,
) -> PgPool {
    // Checking a connection out only checks that it is not closed or stuck in
    // a transaction: the default also runs `SELECT 1` first, one more round
    // trip on every request. A connection lost since is dropped and replaced
    // at its next checkout.
    let mut config = ManagerConfig::default();
    config.recycling_method = RecyclingMethod::Fast;
    let setup = limits.setup_sql();
    config.custom_setup = Box::new(move |url| {
        let setup = setup.clone();
        Box::pin(async move {
            let mut conn = AsyncPgConnection::establish(url).await?;
            conn.batch_execute(&setup)
                .await
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
            Ok(conn)
        })
    });
    let manager =
        AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(database_url, config);
    Pool::builder(manager)
        .max_size(size)
        .wait_timeout(Some(timeout))
        .create_timeout(Some(timeout))
        .recycle_timeout(Some(timeout))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .expect("a pool with a runtime and timeouts always builds")
}

/// A connection of its own (not pooled) that listens on `channel`; read its
/// notifications with `notifications_stream`. Each process keeps one per
/// channel it follows, for as long as it follows it.
pub async fn listen(database_url: &str, channel: &str) -> crate::error::Result<AsyncPgConnection> {
    let mut conn = AsyncPgConnection::establish(database_url)
        .await
        .map_err(|e| crate::error::Error::Unavailable(e.to_string()))?;
    // A channel is an identifier: quoted, so that any name is one.
    diesel::sql_query(format!("LISTEN \"{}\"", channel.replace('"', "\"\"")))
        .execute(&mut conn)
        .await?;
    Ok(conn)
}

/// What [`watch_set`] reports about a set of ids kept by `LISTEN`/`NOTIFY`
/// (revoked clients, ended sessions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetChange {
    /// Every member so far: sent once per connection, after it listens, so
    /// that nothing announced while disconnected is missed.
    All(Vec<String>),
    /// One member added just now (the notification's payload).
    One(String),
}

/// Follows a set of ids until the connection ends: listens on `channel`,
/// reports [`SetChange::All`] from `load`, then a [`SetChange::One`] for
/// each notification.
pub async fn watch_set(
    database_url: &str,
    channel: &str,
    load: impl AsyncFnOnce(&mut AsyncPgConnection) -> crate::error::Result<Vec<String>>,
    mut apply: impl FnMut(SetChange),
) -> crate::error::Result<()> {
    use futures_util::StreamExt;
    let mut conn = listen(database_url, channel).await?;
    apply(SetChange::All(load(&mut conn).await?));
    let mut notifications = std::pin::pin!(conn.notifications_stream());
    while let Some(notification) = notifications.next().await {
        apply(SetChange::One(notification?.payload));
    }
    Ok(())
}

/// Announces `payload` on `channel`; inside a transaction, the notification
/// is sent when it commits.
pub async fn notify(
    conn: &mut AsyncPgConnection,
    channel: &str,
    payload: &str,
) -> crate::error::Result<()> {
    diesel::sql_query("SELECT pg_notify($1, $2)")
        .bind::<diesel::sql_types::Text, _>(channel)
        .bind::<diesel::sql_types::Text, _>(payload)
        .execute(conn)
        .await?;
    Ok(())
}

/// Constant SQL text (`diesel::sql_query`) run as a statement prepared once
/// per connection: diesel never caches `sql_query`, as it cannot tell whether
/// the text was built at run time, so every call would pay a Parse round trip
/// and a fresh plan. Wrap only queries whose text never changes; the cache key
/// is the text with its bind types.
#[derive(Debug, Clone, Copy)]
pub struct Prepared<Q>(pub Q);

/// Wraps a constant query so that it is prepared once per connection.
pub fn prepared<Q>(query: Q) -> Prepared<Q> {
    Prepared(query)
}

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for Prepared<Q> {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &Pg) -> QueryResult<bool> {
        Ok(true)
    }
}

impl<Q> QueryId for Prepared<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: Query> Query for Prepared<Q> {
    type SqlType = Q::SqlType;
}

/// Why [`migrate`] or [`revert_all`] failed.
#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    /// The database cannot be reached.
    #[error("cannot connect to the database: {0}")]
    Connect(#[from] diesel::ConnectionError),
    /// Taking or releasing the migrations' advisory lock failed.
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
    /// A migration failed to apply or revert, with the harness's message.
    #[error("migration failed: {0}")]
    Migration(String),
}

/// Runs pending migrations under an advisory lock; returns their names.
pub async fn migrate(database_url: &str) -> Result<Vec<String>, MigrationError> {
    let mut conn = AsyncPgConnection::establish(database_url).await?;
    diesel::sql_query("SELECT pg_advisory_lock($1)")
        .bind::<BigInt, _>(MIGRATION_LOCK)
        .execute(&mut conn)
        .await?;
    let url = database_url.to_owned();
    // The harness drives its connection synchronously: keep it off the async threads.
    let applied = tokio::task::spawn_blocking(move || {
        let handle = tokio::runtime::Handle::current();
        let conn = handle.block_on(AsyncPgConnection::establish(&url))?;
        let mut harness = AsyncMigrationHarness::new(conn);
        harness
            .run_pending_migrations(MIGRATIONS)
            .map(|done| done.iter().map(|v| v.to_string()).collect::<Vec<_>>())
            .map_err(|e| MigrationError::Migration(e.to_string()))
    })
    .await
    .map_err(|e| MigrationError::Migration(e.to_string()))?;
    diesel::sql_query("SELECT pg_advisory_unlock($1)")
        .bind::<BigInt, _>(MIGRATION_LOCK)
        .execute(&mut conn)
        .await?;
    applied
}

/// Reverts every migration (for the check that each `down.sql` undoes its `up.sql`).
pub async fn revert_all(database_url: &str) -> Result<usize, MigrationError> {
    let url = database_url.to_owned();
    tokio::task::spawn_blocking(move || {
        let handle = tokio::runtime::Handle::current();
        let conn = handle.block_on(AsyncPgConnection::establish(&url))?;
        let mut harness = AsyncMigrationHarness::new(conn);
        harness
            .revert_all_migrations(MIGRATIONS)
            .map(|reverted| reverted.len())
            .map_err(|e| MigrationError::Migration(e.to_string()))
    })
    .await
    .map_err(|e| MigrationError::Migration(e.to_string()))?
}

/// Reverts the newest migrations back to `version` (as diesel spells it,
/// `20261207000017`) included; returns the versions reverted. For tests of
/// what a migration does to the rows that exist when it runs.
pub async fn revert_through(
    database_url: &str,
    version: &str,
) -> Result<Vec<String>, MigrationError> {
    let url = database_url.to_owned();
    let version = version.to_owned();
    tokio::task::spawn_blocking(move || {
        let handle = tokio::runtime::Handle::current();
        let conn = handle.block_on(AsyncPgConnection::establish(&url))?;
        let mut harness = AsyncMigrationHarness::new(conn);
        let failed =
            |e: Box<dyn std::error::Error + Send + Sync>| MigrationError::Migration(e.to_string());
        let mut reverted = Vec::new();
        loop {
            let applied = harness.applied_migrations().map_err(failed)?;
            let Some(newest) = applied.iter().map(|v| v.to_string()).max() else {
                break;
            };
            if newest.as_str() < version.as_str() {
                break;
            }
            harness.revert_last_migration(MIGRATIONS).map_err(failed)?;
            reverted.push(newest);
        }
        Ok(reverted)
    })
    .await
    .map_err(|e| MigrationError::Migration(e.to_string()))?
}

/// One connection outside the pool, for commands that run once.
pub async fn connect(database_url: &str) -> Result<AsyncPgConnection, diesel::ConnectionError> {
    AsyncPgConnection::establish(database_url).await
}

/// Whether the database answers a trivial query.
pub async fn ping(conn: &mut AsyncPgConnection) -> bool {
    diesel::sql_query("SELECT 1").execute(conn).await.is_ok()
}

/// Whether the pool hands out a connection that answers a trivial query.
pub async fn available(pool: &PgPool) -> bool {
    match pool.get().await {
        Ok(mut conn) => ping(&mut conn).await,
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_limits_are_set_in_milliseconds() {
        let limits = SessionLimits {
            statement_timeout: Duration::from_millis(1500),
            idle_in_transaction_timeout: Duration::from_secs(60),
        };
        assert_eq!(
            limits.setup_sql(),
            "SET statement_timeout = 1500; SET idle_in_transaction_session_timeout = 60000"
        );
    }
}
