//! The PostgreSQL engine: the same [`Reads`]/[`Writes`] over tables an operator can read
//! and `pg_dump`. Every write runs in one SERIALIZABLE transaction and is re-run, bounded and
//! with backoff, on a serialization failure or deadlock (SQLSTATE 40001 / 40P01); a use
//! case's reads run outside any transaction (each statement reads the latest commit), a
//! copy's in a REPEATABLE READ READ ONLY snapshot. Records are their `serde_json` form, as
//! `jsonb`; the indexes redb keeps by hand are columns and SQL indexes here.
//!
//! The `postgres` client blocks on its own small runtime, which may not run inside Tokio's:
//! called from an async worker, a transaction runs in `block_in_place` (or, on a
//! single-threaded runtime, on a scoped thread) instead.
//!
//! Here: the pool, transactions and their re-runs; beside it the schema, the commit
//! watchdog, and each area's statements in a file of its own, as in the seam.

mod audit;
mod copy;
mod permissions;
mod rooms;
mod schema;
mod scim;
mod settings;
mod transaction;
mod users;
mod watchdog;

use permissions::PermissionCache;
use schema::TABLES;
pub use transaction::PgTx;
use transaction::{Session, changed_fields, from_json, limit, to_json};
use watchdog::CommitWatchdog;

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use postgres::error::SqlState;
use postgres::types::ToSql;
use postgres::{IsolationLevel, NoTls, Row, Statement};
use r2d2::ManageConnection;
use r2d2_postgres::PostgresConnectionManager;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::copy::{Counters, Export, Import, TokenRow, Visit};
use super::{
    AuditReads, AuditWrites, PermissionReads, PermissionWrites, Reads, RoomReads, RoomWrites,
    ScimReads, ScimWrites, SettingReads, SettingWrites, StoreError, UserReads, UserWrites, Writes,
};
use crate::model::{
    AuditEntry, Millis, NotificationSettings, PermissionRecord, PersonalAccessToken, Role,
    RoleRecord, Room, RoomId, ScimToken, Subscription, TokenHash, User, UserId, normalize_key,
};

type Pool = r2d2::Pool<Manager>;

/// One pooled connection with the statements it has prepared: a use case runs dozens of
/// statements, and preparing each anew would double their round trips.
pub struct PgConn {
    client: postgres::Client,
    statements: HashMap<String, Statement>,
    /// Holds the writers' lock alone (at session level); a connection given back so is
    /// closed instead of reused, which releases it.
    alone: bool,
    /// A cancel was sent to it (a commit past its deadline): closed instead of reused, so
    /// the cancel cannot land on a later statement.
    cancelled: bool,
}

/// r2d2_postgres's manager, with a statement cache per connection.
struct Manager(PostgresConnectionManager<NoTls>);

impl ManageConnection for Manager {
    type Connection = PgConn;
    type Error = postgres::Error;

    /// Tries again every [`RECONNECT_INTERVAL`] for up to [`RECONNECT_BUDGET`] before it
    /// reports a failure: r2d2 waits 0.4, 0.8, 1.6, then 2.5 s between failed connects, so a
    /// standby promoted a second after the primary died was first reached 2.8 or 5.3 s later.
    fn connect(&self) -> Result<PgConn, postgres::Error> {
        let client = retry_for(RECONNECT_BUDGET, RECONNECT_INTERVAL, || self.0.connect())?;
        Ok(PgConn {
            client,
            statements: HashMap::new(),
            alone: false,
            cancelled: false,
        })
    }

    fn is_valid(&self, conn: &mut PgConn) -> Result<(), postgres::Error> {
        self.0.is_valid(&mut conn.client)
    }

    fn has_broken(&self, conn: &mut PgConn) -> bool {
        conn.alone || conn.cancelled || self.0.has_broken(&mut conn.client)
    }
}
/// How long a new connection keeps being tried before the pool hears of a failure.
const RECONNECT_BUDGET: Duration = Duration::from_secs(2);

/// How often it is tried meanwhile.
const RECONNECT_INTERVAL: Duration = Duration::from_millis(100);

/// `attempt` until it succeeds, trying again every `interval` while `budget` lasts; the last
/// failure once it is spent.
fn retry_for<T, E>(
    budget: Duration,
    interval: Duration,
    mut attempt: impl FnMut() -> Result<T, E>,
) -> Result<T, E> {
    let started = std::time::Instant::now();
    loop {
        match attempt() {
            Err(_) if started.elapsed() + interval < budget => std::thread::sleep(interval),
            outcome => return outcome,
        }
    }
}

type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

/// How often a write that keeps conflicting is re-run before the client is told.
pub const DEFAULT_RETRIES: u32 = 10;

/// After this many conflicts a write runs alone. Every write holds a shared advisory lock;
/// the lone attempt takes it exclusively, so it waits for the writes under way, keeps new
/// ones out and cannot conflict. Without it a write that reads widely (users.deactivateIdle
/// scans every user) loses to the narrow ones again and again under load.
const ALONE_AFTER: u32 = 3;

/// A pool of connections to one PostgreSQL database.
pub struct PgStore {
    /// Always present but while dropping (see `Drop`).
    pool: Option<Pool>,
    retries: u32,
    /// The longest a statement (a commit too) may wait on the server.
    deadline: Duration,
    /// The permissions table as of its last count of changes (see `permissions`).
    permission_cache: PermissionCache,
}

/// How long a statement may wait on PostgreSQL by default. A commit that waits for a
/// synchronous standby that went away would otherwise never answer.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(30);

impl Drop for PgStore {
    fn drop(&mut self) {
        // Closing a connection blocks on the client's own runtime: not on a Tokio worker.
        if let Some(pool) = self.pool.take() {
            off_runtime(move || drop(pool));
        }
    }
}

/// `url` without its password, for messages.
pub fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{scheme}://{user}@{host}")
        }
        None => url.to_string(),
    }
}

fn pg_error(e: &postgres::Error) -> StoreError {
    if is_conflict(e) {
        return StoreError::Conflict;
    }
    match e.as_db_error() {
        // The deadline passed (statement_timeout): the database did not answer in time.
        Some(db) if *db.code() == SqlState::QUERY_CANCELED => {
            StoreError::Unavailable(db.message().to_string())
        }
        Some(db) => StoreError::Postgres(format!("{}: {}", db.code().code(), db.message())),
        None => StoreError::Unavailable(e.to_string()),
    }
}

fn is_conflict(e: &postgres::Error) -> bool {
    matches!(
        e.code(),
        Some(c) if *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED
    )
}

/// Runs `f` where the blocking client may run. On a worker of a multi-threaded Tokio runtime
/// the worker hands its other tasks to another thread while `f` blocks (`block_in_place`),
/// so a slow database never stalls the requests queued behind it; a single-threaded runtime
/// cannot spare its thread, so there `f` runs on a scoped one.
fn off_runtime<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Err(_) => f(),
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(f),
        Ok(_) => std::thread::scope(|scope| match scope.spawn(f).join() {
            Ok(value) => value,
            Err(panic) => std::panic::resume_unwind(panic),
        }),
    }
}

impl PgStore {
    /// Connects to `url`, creates the schema at first start and checks its version. Fails
    /// fast, naming the URL without its password, when the server cannot be reached.
    pub fn open(url: &str, pool_size: u32, deadline: Duration) -> Result<Self, StoreError> {
        let mut config: postgres::Config = url
            .parse()
            .map_err(|e| StoreError::Unavailable(format!("{}: {e}", redacted(url))))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(5));
        }
        // No wait on the database is unbounded: the server cancels a statement at the
        // deadline (a commit's wait is the watchdog's, see `finish`), and the client gives
        // up on a peer that stopped acknowledging or answering keepalives.
        let deadline = deadline.max(Duration::from_millis(1));
        // No JIT (an operator's URL may turn it back on): a set-based handover over 1,000
        // rooms passes its cost threshold and spent 50-200 ms compiling a 20 ms query.
        let options = format!(
            "-c jit=off {} -c statement_timeout={} -c idle_in_transaction_session_timeout={}",
            config.get_options().unwrap_or(""),
            deadline.as_millis(),
            deadline.as_millis().saturating_mul(2),
        );
        config
            .options(options.trim())
            .tcp_user_timeout(deadline)
            .keepalives_idle(Duration::from_secs(5))
            .keepalives_interval(Duration::from_secs(2))
            .keepalives_retries(3);
        // One connection first, so a refusal says why (a database that does not exist, a
        // password refused) instead of the pool's "timed out".
        off_runtime(|| config.connect(NoTls).map(drop)).map_err(|e| {
            let why = e
                .as_db_error()
                .map_or_else(|| e.to_string(), |db| db.message().to_string());
            StoreError::Unavailable(format!("{}: {why}", redacted(url)))
        })?;
        let manager = Manager(PostgresConnectionManager::new(config, NoTls));
        let pool = off_runtime(|| {
            r2d2::Pool::builder()
                .max_size(pool_size.max(1))
                .min_idle(Some(1))
                .test_on_check_out(false)
                .connection_timeout(Duration::from_secs(5))
                .build(manager)
        })
        .map_err(|e| StoreError::Unavailable(format!("{}: {e}", redacted(url))))?;
        let store = PgStore {
            pool: Some(pool),
            retries: DEFAULT_RETRIES,
            deadline,
            permission_cache: PermissionCache::default(),
        };
        store.migrate()?;
        Ok(store)
    }

    /// Replaces how often a conflicting write is re-run (tests force both outcomes).
    pub fn with_retries(mut self, retries: u32) -> Self {
        self.retries = retries;
        self
    }

    fn pool(&self) -> &Pool {
        self.pool.as_ref().expect("present until dropped")
    }

    /// The pool's connections and how many are idle.
    pub fn pool_state(&self) -> (u32, u32) {
        let state = self.pool().state();
        (state.connections, state.idle_connections)
    }

    /// Checks out a connection, begins a transaction with `begin` and hands it to `run`. The
    /// pool does not test a connection before handing it out (a round trip per
    /// transaction): one found closed when beginning (the database restarted) is dropped,
    /// and the next tried, up to the pool's size.
    fn in_transaction<R>(&self, kind: Begin, run: impl FnOnce(PgTx) -> R) -> Result<R, StoreError> {
        // Run at most once: only after a transaction began.
        let mut run = Some(run);
        let mut closed = 0;
        loop {
            let mut conn = self.client()?;
            let PgConn {
                client,
                statements,
                alone,
                cancelled,
            } = &mut *conn;
            let outcome = kind.begin(client, alone).map(|tx| {
                run.take().expect("runs once")(PgTx::new(
                    tx,
                    statements,
                    cancelled,
                    &self.permission_cache,
                ))
            });
            let error = match outcome {
                Ok(outcome) => {
                    if *alone && client.batch_execute(UNLOCK_WRITERS).is_ok() {
                        *alone = false;
                    }
                    return Ok(outcome);
                }
                Err(error) => error,
            };
            if !client.is_closed() || closed >= self.pool().max_size() {
                return Err(pg_error(&error));
            }
            closed += 1;
        }
    }

    fn client(&self) -> Result<r2d2::PooledConnection<Manager>, StoreError> {
        self.pool()
            .get()
            .map_err(|e| StoreError::Unavailable(e.to_string()))
    }

    /// Runs `f` outside any transaction: each of its statements reads the latest commit
    /// (one round trip each, no BEGIN or COMMIT). What a use case decides from it, its
    /// write checks again.
    pub fn read<T: Send, E: From<StoreError> + Send>(
        &self,
        mut f: impl FnMut(&dyn Reads) -> Result<T, E> + Send,
    ) -> Result<T, E> {
        off_runtime(|| {
            // Without a BEGIN nothing finds a connection closed (the database restarted)
            // before the use case's first statement does: read again on the next one.
            let mut closed = 0;
            loop {
                let (result, was_closed) = self.in_transaction(Begin::Autocommit, |tx| {
                    let result = f(&tx);
                    let was_closed = tx.is_closed();
                    tx.end_read();
                    (result, was_closed)
                })?;
                if result.is_ok() || !was_closed || closed >= self.pool().max_size() {
                    return result;
                }
                closed += 1;
            }
        })
    }

    /// Runs `f` on one REPEATABLE READ snapshot, for reads whose rows must agree (a copy,
    /// its digests, the schema check).
    pub(super) fn read_tx<T: Send, E: From<StoreError> + Send>(
        &self,
        f: impl FnOnce(&PgTx) -> Result<T, E> + Send,
    ) -> Result<T, E> {
        off_runtime(|| {
            self.in_transaction(Begin::Read, |tx| {
                let result = f(&tx);
                tx.end_read();
                result
            })?
        })
    }

    /// Runs `f` in a SERIALIZABLE transaction, re-run on conflicts up to the retry bound.
    pub fn write<T: Send, E: From<StoreError> + Send>(
        &self,
        mut f: impl FnMut(&dyn Writes) -> Result<T, E> + Send,
    ) -> Result<T, E> {
        self.write_tx(move |tx| f(tx))
    }

    /// [`PgStore::write`] on the engine's own transaction type.
    pub(super) fn write_tx<T: Send, E: From<StoreError> + Send>(
        &self,
        mut f: impl FnMut(&PgTx) -> Result<T, E> + Send,
    ) -> Result<T, E> {
        off_runtime(move || {
            let mut attempt = 0;
            loop {
                match self.attempt(&mut f, attempt >= ALONE_AFTER)? {
                    Some(outcome) => return outcome,
                    None if attempt >= self.retries => {
                        CONFLICTS.fetch_add(1, Ordering::Relaxed);
                        return Err(StoreError::Conflict.into());
                    }
                    None => {
                        CONFLICTS.fetch_add(1, Ordering::Relaxed);
                        attempt += 1;
                        std::thread::sleep(backoff(attempt));
                    }
                }
            }
        })
    }

    /// One try of a write: `None` when it conflicted and may be re-run.
    /// `alone`: this attempt waits until no other write runs and keeps the others out.
    fn attempt<T, E: From<StoreError>>(
        &self,
        f: &mut impl FnMut(&PgTx) -> Result<T, E>,
        alone: bool,
    ) -> Result<Option<Result<T, E>>, StoreError> {
        let deadline = self.deadline;
        self.in_transaction(Begin::Write { alone }, |tx| {
            let result = f(&tx);
            let wrote_permissions = tx.wrote_permissions.get();
            let outcome = Self::finish(result, tx, deadline);
            if wrote_permissions {
                // Whether it committed or not, this node's copy may be behind.
                self.permission_cache.forget();
            }
            outcome
        })?
    }

    /// Commits `tx` after `result` if it neither failed nor conflicted; `None` when the
    /// attempt conflicted and may be re-run.
    /// A commit that took the whole `deadline` was cut short by the server while it waited
    /// for a synchronous standby: kept here, perhaps on no standby, so its outcome is
    /// reported as unknown.
    fn finish<T, E: From<StoreError>>(
        result: Result<T, E>,
        tx: PgTx,
        deadline: Duration,
    ) -> Result<Option<Result<T, E>>, StoreError> {
        let (conflicted, failed) = (tx.conflict.get(), tx.failed.get());
        let (tx, cancelled) = tx.into_parts();
        let tx = tx.ok_or(StoreError::Unsupported("a write runs in a transaction"))?;
        round_trips(1);
        match result {
            // A statement failed but the use case carried on: PostgreSQL would turn the
            // COMMIT into a silent ROLLBACK, so this must not be reported as done.
            Ok(_) if failed && !conflicted => {
                let _ = tx.rollback();
                Err(StoreError::Postgres(
                    "a statement failed inside a write that went on".into(),
                ))
            }
            Ok(value) if !conflicted => {
                let watchdog = CommitWatchdog::arm(tx.cancel_token(), deadline);
                let committed = tx.commit();
                *cancelled = watchdog.fired();
                match committed {
                    Ok(()) if *cancelled => Err(StoreError::OutcomeUnknown(
                        "the commit waited the whole deadline for a synchronous standby".into(),
                    )),
                    Ok(()) => Ok(Some(Ok(value))),
                    Err(e) if *cancelled => Err(StoreError::OutcomeUnknown(e.to_string())),
                    Err(e) if is_conflict(&e) => Ok(None),
                    // The commit may have reached the server before the connection broke.
                    Err(e) if e.as_db_error().is_none() => {
                        Err(StoreError::OutcomeUnknown(e.to_string()))
                    }
                    Err(e) => Err(pg_error(&e)),
                }
            }
            // A refusal that was no conflict: nothing of it is kept.
            Err(refusal) if !conflicted => {
                let _ = tx.rollback();
                Ok(Some(Err(refusal)))
            }
            _ => {
                let _ = tx.rollback();
                Ok(None)
            }
        }
    }

    /// Every row of every table, in key order, as text.
    pub fn dump(&self) -> Result<Vec<String>, StoreError> {
        off_runtime(|| {
            let mut conn = self.client()?;
            let client = &mut conn.client;
            let mut out = Vec::new();
            for (table, key) in TABLES {
                let sql = format!("SELECT to_jsonb(t)::text FROM {table} t ORDER BY {key}");
                for row in client.query(&sql, &[]).map_err(|e| pg_error(&e))? {
                    let text: String = row.get(0);
                    out.push(format!("{table} {text}"));
                }
            }
            Ok(out)
        })
    }
}

/// How a transaction begins.
#[derive(Clone, Copy)]
enum Begin {
    /// No transaction: the use cases' reads.
    Autocommit,
    /// A REPEATABLE READ, read-only snapshot.
    Read,
    /// SERIALIZABLE, holding the writers' advisory lock: shared, or alone (exclusive).
    Write { alone: bool },
}

/// The writers' advisory lock. Every write holds it shared for its transaction; a write
/// that runs alone takes it exclusively at session level *before* its transaction, so that
/// its snapshot is taken after every other write has ended (a lock taken inside the
/// transaction would be waited for with a snapshot taken before the wait).
const LOCK_WRITERS_SHARED: &str = "SELECT pg_advisory_xact_lock_shared(7261014)";
const LOCK_WRITERS_ALONE: &str = "SELECT pg_advisory_lock(7261014)";
const UNLOCK_WRITERS: &str = "SELECT pg_advisory_unlock(7261014)";

impl Begin {
    /// Begins the transaction; `alone` is set while the connection holds the lock alone.
    fn begin<'c>(
        self,
        client: &'c mut postgres::Client,
        alone: &mut bool,
    ) -> Result<Session<'c>, postgres::Error> {
        match self {
            Begin::Autocommit => Ok(Session::Autocommit(client)),
            Begin::Read => {
                round_trips(1);
                client
                    .build_transaction()
                    .isolation_level(IsolationLevel::RepeatableRead)
                    .read_only(true)
                    .start()
                    .map(Session::Tx)
            }
            Begin::Write { alone: true } => {
                *alone = true;
                round_trips(2);
                client.batch_execute(LOCK_WRITERS_ALONE)?;
                client
                    .build_transaction()
                    .isolation_level(IsolationLevel::Serializable)
                    .start()
                    .map(Session::Tx)
            }
            Begin::Write { alone: false } => {
                round_trips(2);
                let mut tx = client
                    .build_transaction()
                    .isolation_level(IsolationLevel::Serializable)
                    .start()?;
                tx.batch_execute(LOCK_WRITERS_SHARED)?;
                Ok(Session::Tx(tx))
            }
        }
    }
}

/// 1, 2, 4 … 64 ms, with up to as much again of jitter, so racing writers spread out.
fn backoff(attempt: u32) -> Duration {
    let base = 1u64 << attempt.min(6);
    let jitter = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::from(d.subsec_nanos()))
        % (base * 1000);
    Duration::from_micros(base * 1000 + jitter)
}

/// Round trips to PostgreSQL since the process started (statements, prepares, begins and
/// commits): what a request costs the database, shown in the metrics and the load benchmark.
static ROUND_TRIPS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Counts `n` round trips.
fn round_trips(n: u64) {
    ROUND_TRIPS.fetch_add(n, Ordering::Relaxed);
}

/// Round trips to PostgreSQL so far, by every store of this process.
pub fn round_trips_so_far() -> u64 {
    ROUND_TRIPS.load(Ordering::Relaxed)
}

/// Write attempts that conflicted (40001 / 40P01) and were re-run or given up.
static CONFLICTS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Conflicted write attempts so far, by every store of this process.
pub fn conflicts_so_far() -> u64 {
    CONFLICTS.load(Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::{redacted, retry_for};
    use std::time::Duration;

    #[test]
    fn a_new_connection_is_tried_again_until_it_succeeds_or_the_budget_is_spent() {
        let mut failures_left = 3;
        let mut attempts = 0;
        let outcome = retry_for(Duration::from_secs(60), Duration::from_millis(1), || {
            attempts += 1;
            match failures_left {
                0 => Ok("connected"),
                _ => {
                    failures_left -= 1;
                    Err("refused")
                }
            }
        });
        assert_eq!((outcome, attempts), (Ok("connected"), 4));
        // No budget: one attempt, and its failure is reported.
        let mut attempts = 0;
        let outcome: Result<(), _> = retry_for(Duration::ZERO, Duration::from_millis(1), || {
            attempts += 1;
            Err("refused")
        });
        assert_eq!((outcome, attempts), (Err("refused"), 1));
    }

    #[test]
    fn urls_lose_their_password_in_messages() {
        assert_eq!(
            redacted("postgres://rl:s3cret@db:5432/rocketlite"),
            "postgres://rl@db:5432/rocketlite"
        );
        assert_eq!(redacted("postgres://db/x"), "postgres://db/x");
        assert_eq!(redacted("host=db user=rl"), "host=db user=rl");
    }
}
