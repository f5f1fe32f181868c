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

    fn connect(&self) -> Result<PgConn, postgres::Error> {
        Ok(PgConn {
            client: self.0.connect()?,
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
type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

/// How often a write that keeps conflicting is re-run before the client is told.
pub const DEFAULT_RETRIES: u32 = 10;

/// After this many conflicts a write runs alone. Every write holds a shared advisory lock;
/// the lone attempt takes it exclusively, so it waits for the writes under way, keeps new
/// ones out and cannot conflict. Without it a write that reads widely (users.deactivateIdle
/// scans every user) loses to the narrow ones again and again under load.
const ALONE_AFTER: u32 = 3;

/// The version of this engine's schema, counted apart from redb's: it moves only when these
/// tables or the `jsonb` records change (the first PostgreSQL schema was 3, when both
/// counts were one), so nodes of the previous build still start on a database a newer node
/// migrated unless the tables changed.
const PG_SCHEMA_VERSION: u64 = 6;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (name text PRIMARY KEY, value bigint NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    id text PRIMARY KEY, username_key text NOT NULL UNIQUE, record jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS user_emails (email_key text PRIMARY KEY, user_id text NOT NULL);
CREATE INDEX IF NOT EXISTS user_emails_user ON user_emails (user_id);
CREATE TABLE IF NOT EXISTS user_roles (
    role text NOT NULL, user_id text NOT NULL, PRIMARY KEY (role, user_id));
CREATE INDEX IF NOT EXISTS user_roles_user ON user_roles (user_id);
CREATE TABLE IF NOT EXISTS tokens (
    hash text PRIMARY KEY, user_id text NOT NULL, issued_at bigint NOT NULL);
CREATE INDEX IF NOT EXISTS tokens_user ON tokens (user_id);
CREATE INDEX IF NOT EXISTS tokens_issued ON tokens (issued_at, hash);
CREATE TABLE IF NOT EXISTS deleted_users (id text PRIMARY KEY, deleted_at bigint NOT NULL);
-- `roles` holds the whole PermissionRecord (a bare role list before change times).
CREATE TABLE IF NOT EXISTS permissions (id text PRIMARY KEY, roles jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS roles (id text PRIMARY KEY, record jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS rooms (
    id text PRIMARY KEY, name_key text NOT NULL UNIQUE, is_default boolean NOT NULL,
    record jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS subscriptions (
    room_id text NOT NULL, user_id text NOT NULL, join_seq bigint NOT NULL,
    is_owner boolean NOT NULL, record jsonb NOT NULL, PRIMARY KEY (room_id, user_id));
CREATE INDEX IF NOT EXISTS subscriptions_join ON subscriptions (room_id, join_seq);
CREATE INDEX IF NOT EXISTS subscriptions_user ON subscriptions (user_id, room_id);
CREATE INDEX IF NOT EXISTS subscriptions_owner ON subscriptions (room_id, user_id) WHERE is_owner;
-- The rooms a user owns, for a deactivation's handovers: without it, a search by user would
-- walk the whole owner index and lock all of it against every other write (SERIALIZABLE).
CREATE INDEX IF NOT EXISTS subscriptions_owned ON subscriptions (user_id, room_id) WHERE is_owner;
CREATE TABLE IF NOT EXISTS audit (seq bigint PRIMARY KEY, at bigint NOT NULL, record jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS scim_tokens (id text PRIMARY KEY, record jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS settings (id text PRIMARY KEY, value jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS user_preferences (user_id text PRIMARY KEY, preferences jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS user_custom_fields (user_id text PRIMARY KEY, fields jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS scim_user_names (
    user_id text PRIMARY KEY, user_name text NOT NULL, name_key text NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS room_bans (
    room_id text NOT NULL, user_id text NOT NULL, banned_at bigint NOT NULL,
    PRIMARY KEY (room_id, user_id));
CREATE INDEX IF NOT EXISTS room_bans_user ON room_bans (user_id);
CREATE TABLE IF NOT EXISTS personal_access_tokens (
    user_id text NOT NULL, name text NOT NULL, record jsonb NOT NULL,
    PRIMARY KEY (user_id, name));
CREATE TABLE IF NOT EXISTS subscription_notifications (
    room_id text NOT NULL, user_id text NOT NULL, settings jsonb NOT NULL,
    PRIMARY KEY (room_id, user_id));
CREATE SEQUENCE IF NOT EXISTS join_seq;
CREATE SEQUENCE IF NOT EXISTS audit_seq;
";

/// Every table with its key columns, for the dump.
const TABLES: [(&str, &str); 19] = [
    ("meta", "name"),
    ("users", "id"),
    ("user_emails", "email_key"),
    ("user_roles", "role, user_id"),
    ("tokens", "hash"),
    ("deleted_users", "id"),
    ("permissions", "id"),
    ("roles", "id"),
    ("rooms", "id"),
    ("subscriptions", "room_id, user_id"),
    ("audit", "seq"),
    ("scim_tokens", "id"),
    ("settings", "id"),
    ("user_preferences", "user_id"),
    ("user_custom_fields", "user_id"),
    ("scim_user_names", "user_id"),
    ("room_bans", "room_id, user_id"),
    ("subscription_notifications", "room_id, user_id"),
    ("personal_access_tokens", "user_id, name"),
];

/// A pool of connections to one PostgreSQL database.
pub struct PgStore {
    /// Always present but while dropping (see `Drop`).
    pool: Option<Pool>,
    retries: u32,
    /// The longest a statement (a commit too) may wait on the server.
    deadline: Duration,
}

/// Cancels a commit still waiting at the deadline. PostgreSQL lifts `statement_timeout`
/// before it commits, so a commit that waits for a synchronous standby that went away would
/// wait forever; cancelled, it ends with a warning and counts as done on the primary alone.
/// One thread watches every commit's deadline, so a commit costs a message, not a thread.
struct CommitWatchdog {
    /// `PENDING` until the commit returns (`DONE`) or the deadline passes (`FIRED`); the
    /// first to change it wins.
    state: Arc<AtomicU8>,
}

const PENDING: u8 = 0;
const DONE: u8 = 1;
const FIRED: u8 = 2;

/// A commit the watchdog thread waits on.
struct Armed {
    at: std::time::Instant,
    token: postgres::CancelToken,
    state: Arc<AtomicU8>,
}

/// The watchdog thread's inbox; `None` if the thread could not start (commits then wait
/// without a deadline, as before one existed).
fn watchdog() -> Option<&'static std::sync::mpsc::Sender<Armed>> {
    static INBOX: std::sync::OnceLock<Option<std::sync::mpsc::Sender<Armed>>> =
        std::sync::OnceLock::new();
    INBOX
        .get_or_init(|| {
            let (inbox, arms) = std::sync::mpsc::channel::<Armed>();
            std::thread::Builder::new()
                .name("pg-commit-deadline".into())
                .spawn(move || watch(&arms))
                .ok()
                .map(|_| inbox)
        })
        .as_ref()
}

/// Waits for the nearest deadline or a new commit; at a deadline, a commit still pending is
/// marked fired and cancelled (on a thread of its own: a cancel opens a connection, and the
/// other deadlines must not wait for it).
fn watch(arms: &std::sync::mpsc::Receiver<Armed>) {
    use std::sync::mpsc::RecvTimeoutError;
    let mut pending: Vec<Armed> = Vec::new();
    loop {
        let next = pending.iter().map(|a| a.at).min();
        let received = match next {
            None => arms.recv().map_err(|_| RecvTimeoutError::Disconnected),
            Some(at) => arms.recv_timeout(at.saturating_duration_since(std::time::Instant::now())),
        };
        match received {
            Ok(armed) => pending.push(armed),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        let now = std::time::Instant::now();
        pending.retain(|a| {
            if a.state.load(Ordering::Acquire) != PENDING {
                return false;
            }
            if a.at > now {
                return true;
            }
            if a.state
                .compare_exchange(PENDING, FIRED, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                let token = a.token.clone();
                let _ = std::thread::Builder::new()
                    .name("pg-commit-cancel".into())
                    .spawn(move || token.cancel_query(NoTls));
            }
            false
        });
    }
}

impl CommitWatchdog {
    fn arm(token: postgres::CancelToken, deadline: Duration) -> Self {
        let state = Arc::new(AtomicU8::new(PENDING));
        if let Some(inbox) = watchdog() {
            let _ = inbox.send(Armed {
                at: std::time::Instant::now() + deadline,
                token,
                state: Arc::clone(&state),
            });
        }
        CommitWatchdog { state }
    }

    /// Disarms it; whether it had cancelled the commit.
    fn fired(self) -> bool {
        self.state
            .compare_exchange(PENDING, DONE, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
    }
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
        let options = format!(
            "{} -c statement_timeout={} -c idle_in_transaction_session_timeout={}",
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

    fn migrate(&self) -> Result<(), StoreError> {
        off_runtime(|| {
            let mut conn = self.client()?;
            let client = &mut conn.client;
            // One migrator at a time, whichever node starts first.
            let exists: bool = client
                .query_one("SELECT to_regclass('meta') IS NOT NULL", &[])
                .map_err(|e| pg_error(&e))?
                .get(0);
            let current: Option<i64> = match exists {
                true => client
                    .query_opt("SELECT value FROM meta WHERE name = 'schema_version'", &[])
                    .map_err(|e| pg_error(&e))?
                    .map(|row| row.get(0)),
                false => None,
            };
            match current {
                Some(v) if v as u64 == PG_SCHEMA_VERSION => return Ok(()),
                Some(v) if v as u64 > PG_SCHEMA_VERSION => {
                    return Err(StoreError::TooNew(v as u64));
                }
                _ => {}
            }
            let mut tx = client.transaction().map_err(|e| pg_error(&e))?;
            tx.batch_execute("SELECT pg_advisory_xact_lock(7261013)")
                .map_err(|e| pg_error(&e))?;
            tx.batch_execute(SCHEMA).map_err(|e| pg_error(&e))?;
            let version: Option<i64> = tx
                .query_opt("SELECT value FROM meta WHERE name = 'schema_version'", &[])
                .map_err(|e| pg_error(&e))?
                .map(|row| row.get(0));
            let version = version.unwrap_or(0) as u64;
            if version > PG_SCHEMA_VERSION {
                return Err(StoreError::TooNew(version));
            }
            // Every step so far only adds tables: 3 -> 4 adds `user_preferences`
            // and 4 -> 5 `scim_user_names`, `room_bans`, `subscription_notifications` and
            // `personal_access_tokens`, 5 -> 6 `user_custom_fields`, which the schema's
            // `IF NOT EXISTS` creates.
            tx.execute(
                "INSERT INTO meta VALUES ('schema_version', $1)
                 ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                &[&(PG_SCHEMA_VERSION as i64)],
            )
            .map_err(|e| pg_error(&e))?;
            tx.commit().map_err(|e| pg_error(&e))
        })
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
            let outcome = kind
                .begin(client, alone)
                .map(|tx| run.take().expect("runs once")(PgTx::new(tx, statements, cancelled)));
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
            Self::finish(f(&tx), tx, deadline)
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

/// Where a [`PgTx`]'s statements go.
enum Session<'a> {
    /// A transaction: every write, and the reads whose rows must agree (a copy, a dump).
    Tx(postgres::Transaction<'a>),
    /// No transaction: each statement reads the latest commit. The use cases' reads take
    /// this: whatever a write acts on it checks again inside its own transaction, so a
    /// BEGIN and a COMMIT around a request's reads would be two round trips for nothing.
    Autocommit(&'a mut postgres::Client),
}

impl<'a> Session<'a> {
    fn prepare(&mut self, sql: &str) -> Result<Statement, postgres::Error> {
        round_trips(1);
        match self {
            Session::Tx(tx) => tx.prepare(sql),
            Session::Autocommit(client) => client.prepare(sql),
        }
    }

    fn query(
        &mut self,
        statement: &Statement,
        params: Params<'_>,
    ) -> Result<Vec<Row>, postgres::Error> {
        round_trips(1);
        match self {
            Session::Tx(tx) => tx.query(statement, params),
            Session::Autocommit(client) => client.query(statement, params),
        }
    }

    fn execute(
        &mut self,
        statement: &Statement,
        params: Params<'_>,
    ) -> Result<u64, postgres::Error> {
        round_trips(1);
        match self {
            Session::Tx(tx) => tx.execute(statement, params),
            Session::Autocommit(client) => client.execute(statement, params),
        }
    }

    /// The transaction, for what only one can do (portals, commit).
    fn tx(&mut self) -> Option<&mut postgres::Transaction<'a>> {
        match self {
            Session::Tx(tx) => Some(tx),
            Session::Autocommit(_) => None,
        }
    }
}

/// One transaction, read or write, behind the store's traits.
pub struct PgTx<'a> {
    tx: RefCell<Session<'a>>,
    /// Its connection's `cancelled` flag.
    cancelled: &'a mut bool,
    /// The connection's prepared statements, by their text.
    statements: RefCell<&'a mut HashMap<String, Statement>>,
    /// Set when a statement failed with 40001 / 40P01: the attempt must be re-run.
    conflict: Cell<bool>,
    /// Set when any statement failed.
    failed: Cell<bool>,
}

impl<'a> PgTx<'a> {
    fn new(
        tx: Session<'a>,
        statements: &'a mut HashMap<String, Statement>,
        cancelled: &'a mut bool,
    ) -> Self {
        PgTx {
            tx: RefCell::new(tx),
            cancelled,
            statements: RefCell::new(statements),
            conflict: Cell::new(false),
            failed: Cell::new(false),
        }
    }

    /// Whether its connection is closed (the database went away under it).
    fn is_closed(&self) -> bool {
        match &*self.tx.borrow() {
            Session::Tx(_) => false,
            Session::Autocommit(client) => client.is_closed(),
        }
    }

    /// Ends a read: commits its snapshot, if it took one.
    fn end_read(self) {
        if let Session::Tx(tx) = self.tx.into_inner() {
            round_trips(1);
            let _ = tx.commit();
        }
    }

    /// The transaction and its connection's `cancelled` flag; `None` for autocommit.
    fn into_parts(self) -> (Option<postgres::Transaction<'a>>, &'a mut bool) {
        let tx = match self.tx.into_inner() {
            Session::Tx(tx) => Some(tx),
            Session::Autocommit(_) => None,
        };
        (tx, self.cancelled)
    }

    fn failed(&self, e: postgres::Error) -> StoreError {
        self.failed.set(true);
        // After a failure PostgreSQL refuses every later statement of the transaction
        // (25P02), so only a failure that is itself a conflict marks one.
        if is_conflict(&e) {
            self.conflict.set(true);
        }
        pg_error(&e)
    }

    /// `sql`, prepared once per connection.
    fn statement(&self, sql: &str) -> Result<Statement, StoreError> {
        if let Some(statement) = self.statements.borrow().get(sql) {
            return Ok(statement.clone());
        }
        let statement = self
            .tx
            .borrow_mut()
            .prepare(sql)
            .map_err(|e| self.failed(e))?;
        self.statements
            .borrow_mut()
            .insert(sql.to_string(), statement.clone());
        Ok(statement)
    }

    fn query(&self, sql: &str, params: Params<'_>) -> Result<Vec<Row>, StoreError> {
        let statement = self.statement(sql)?;
        self.tx
            .borrow_mut()
            .query(&statement, params)
            .map_err(|e| self.failed(e))
    }

    fn execute(&self, sql: &str, params: Params<'_>) -> Result<u64, StoreError> {
        let statement = self.statement(sql)?;
        self.tx
            .borrow_mut()
            .execute(&statement, params)
            .map_err(|e| self.failed(e))
    }

    /// Each row of `sql` (no parameters), fetched a thousand at a time through a portal, so
    /// no more than that is held however many rows there are.
    fn each_row(
        &self,
        sql: &str,
        visit: &mut dyn FnMut(&Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let statement = self.statement(sql)?;
        let mut session = self.tx.borrow_mut();
        // Only a copy walks whole tables, and it always reads in a snapshot.
        let tx = session
            .tx()
            .ok_or(StoreError::Unsupported("walking a table needs a snapshot"))?;
        round_trips(1);
        let portal = tx.bind(&statement, &[]).map_err(|e| self.failed(e))?;
        loop {
            round_trips(1);
            let rows = tx.query_portal(&portal, 1000).map_err(|e| self.failed(e))?;
            if rows.is_empty() {
                return Ok(());
            }
            for row in &rows {
                visit(row)?;
            }
        }
    }

    /// The records in the first column of `sql`'s rows.
    fn records<T: DeserializeOwned>(
        &self,
        sql: &str,
        params: Params<'_>,
    ) -> Result<Vec<T>, StoreError> {
        self.query(sql, params)?
            .iter()
            .map(|row| from_json(row.get(0)))
            .collect()
    }

    fn record<T: DeserializeOwned>(
        &self,
        sql: &str,
        params: Params<'_>,
    ) -> Result<Option<T>, StoreError> {
        Ok(self.records(sql, params)?.into_iter().next())
    }

    fn texts(&self, sql: &str, params: Params<'_>) -> Result<Vec<String>, StoreError> {
        Ok(self
            .query(sql, params)?
            .iter()
            .map(|row| row.get(0))
            .collect())
    }

    fn text(&self, sql: &str, params: Params<'_>) -> Result<Option<String>, StoreError> {
        Ok(self.texts(sql, params)?.into_iter().next())
    }

    fn meta(&self, name: &str) -> Result<Option<u64>, StoreError> {
        let rows = self.query("SELECT value FROM meta WHERE name = $1", &[&name])?;
        Ok(rows.first().map(|row| row.get::<_, i64>(0) as u64))
    }

    /// The last value a sequence gave out, 0 when it gave none. Sequences are outside
    /// transactions: a rolled-back write may have used values no row holds.
    fn last_of(&self, sequence: &'static str) -> Result<u64, StoreError> {
        let rows = self.query(
            &format!("SELECT last_value, is_called FROM {sequence}"),
            &[],
        )?;
        let (last, called): (i64, bool) = (rows[0].get(0), rows[0].get(1));
        Ok(if called { last as u64 } else { 0 })
    }

    /// The next value of one of the schema's sequences (a fixed name, never user input).
    fn next_in(&self, sequence: &'static str) -> Result<u64, StoreError> {
        let rows = self.query(&format!("SELECT nextval('{sequence}')"), &[])?;
        Ok(rows[0].get::<_, i64>(0) as u64)
    }
}

fn to_json<T: Serialize>(record: &T) -> serde_json::Value {
    serde_json::to_value(record).expect("records serialise")
}

fn from_json<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, StoreError> {
    serde_json::from_value(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl UserReads for PgTx<'_> {
    fn user(&self, id: &UserId) -> Result<Option<User>, StoreError> {
        self.record("SELECT record FROM users WHERE id = $1", &[&id.as_str()])
    }

    fn user_id_by_username(&self, username: &str) -> Result<Option<UserId>, StoreError> {
        let key = normalize_key(username);
        Ok(self
            .text("SELECT id FROM users WHERE username_key = $1", &[&key])?
            .map(UserId))
    }

    fn count_numbered_usernames(&self, base: &str) -> Result<u64, StoreError> {
        // A regular expression with every character of the base quoted: no LIKE wildcard
        // or collation can widen the match.
        let quoted: String = normalize_key(base)
            .chars()
            .map(|c| match c.is_alphanumeric() {
                true => c.to_string(),
                false => format!("\\{c}"),
            })
            .collect();
        let pattern = format!("^{quoted}-[0-9]");
        let rows = self.query(
            "SELECT count(*) FROM users WHERE username_key ~ $1",
            &[&pattern],
        )?;
        Ok(rows.first().map_or(0, |row| row.get::<_, i64>(0)) as u64)
    }

    fn user_id_by_email(&self, email: &str) -> Result<Option<UserId>, StoreError> {
        let key = normalize_key(email);
        Ok(self
            .text(
                "SELECT user_id FROM user_emails WHERE email_key = $1",
                &[&key],
            )?
            .map(UserId))
    }

    fn user_id_by_token(&self, hash: &TokenHash) -> Result<Option<UserId>, StoreError> {
        Ok(self
            .text("SELECT user_id FROM tokens WHERE hash = $1", &[&hash.0])?
            .map(UserId))
    }

    fn token_user(&self, hash: &TokenHash) -> Result<Option<(User, i64)>, StoreError> {
        let rows = self.query(
            "SELECT u.record, t.issued_at FROM tokens t JOIN users u ON u.id = t.user_id
             WHERE t.hash = $1",
            &[&hash.0],
        )?;
        match rows.first() {
            Some(row) => Ok(Some((from_json(row.get(0))?, row.get(1)))),
            None => Ok(None),
        }
    }

    fn token_hashes_of(&self, user: &UserId) -> Result<Vec<String>, StoreError> {
        self.texts(
            "SELECT hash FROM tokens WHERE user_id = $1 ORDER BY hash",
            &[&user.as_str()],
        )
    }

    fn user_ids_with_role(&self, role: Role) -> Result<Vec<UserId>, StoreError> {
        Ok(self
            .texts(
                "SELECT user_id FROM user_roles WHERE role = $1 ORDER BY user_id",
                &[&role.as_str()],
            )?
            .into_iter()
            .map(UserId)
            .collect())
    }

    fn users_with_role(&self, role: Role) -> Result<Vec<User>, StoreError> {
        self.records(
            "SELECT u.record FROM user_roles r JOIN users u ON u.id = r.user_id \
             WHERE r.role = $1 ORDER BY u.id",
            &[&role.as_str()],
        )
    }

    fn idle_users_with_role(&self, role: Role, cutoff: Millis) -> Result<Vec<User>, StoreError> {
        // `Activity::idle_before` in SQL, so that only the candidates leave the database, not
        // every holder of the role (the model tests hold it to the default's answer).
        self.records(
            "SELECT u.record FROM user_roles r JOIN users u ON u.id = r.user_id
             WHERE r.role = $1 AND u.record -> 'active' = 'true'::jsonb
               AND coalesce((u.record ->> 'last_login')::bigint,
                            (u.record ->> 'created_at')::bigint) < $2
             ORDER BY u.id",
            &[&role.as_str(), &cutoff],
        )
    }

    fn users_page(&self, offset: usize, count: usize) -> Result<(Vec<User>, u64), StoreError> {
        let page = self.records(
            "SELECT record FROM users ORDER BY username_key OFFSET $1 LIMIT $2",
            &[&limit(offset), &limit(count)],
        )?;
        let total: i64 = self.query("SELECT count(*) FROM users", &[])?[0].get(0);
        Ok((page, total as u64))
    }

    fn count_active_users(&self) -> Result<u64, StoreError> {
        let rows = self.query(
            "SELECT count(*) FROM users WHERE (record->>'active')::boolean",
            &[],
        )?;
        Ok(rows[0].get::<_, i64>(0) as u64)
    }

    fn was_deleted(&self, id: &UserId) -> Result<bool, StoreError> {
        let rows = self.query("SELECT 1 FROM deleted_users WHERE id = $1", &[&id.as_str()])?;
        Ok(!rows.is_empty())
    }

    fn preferences(&self, user: &UserId) -> Result<Option<serde_json::Value>, StoreError> {
        let rows = self.query(
            "SELECT preferences FROM user_preferences WHERE user_id = $1",
            &[&user.as_str()],
        )?;
        Ok(rows.first().map(|row| row.get(0)))
    }

    fn custom_fields(&self, user: &UserId) -> Result<Option<serde_json::Value>, StoreError> {
        let rows = self.query(
            "SELECT fields FROM user_custom_fields WHERE user_id = $1",
            &[&user.as_str()],
        )?;
        Ok(rows.first().map(|row| row.get(0)))
    }

    fn scim_user_name(&self, user: &UserId) -> Result<Option<String>, StoreError> {
        let rows = self.query(
            "SELECT user_name FROM scim_user_names WHERE user_id = $1",
            &[&user.as_str()],
        )?;
        Ok(rows.first().map(|row| row.get(0)))
    }

    fn user_id_by_scim_user_name(&self, name: &str) -> Result<Option<UserId>, StoreError> {
        let rows = self.query(
            "SELECT user_id FROM scim_user_names WHERE name_key = $1",
            &[&normalize_key(name)],
        )?;
        Ok(rows.first().map(|row| UserId(row.get(0))))
    }

    fn personal_access_tokens(
        &self,
        user: &UserId,
    ) -> Result<Vec<PersonalAccessToken>, StoreError> {
        self.records(
            "SELECT record FROM personal_access_tokens WHERE user_id = $1 ORDER BY name",
            &[&user.as_str()],
        )
    }

    fn all_personal_access_tokens(&self) -> Result<Vec<(UserId, PersonalAccessToken)>, StoreError> {
        let rows = self.query("SELECT user_id, record FROM personal_access_tokens", &[])?;
        rows.iter()
            .map(|row| {
                let token = serde_json::from_value(row.get(1))
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                Ok((UserId(row.get(0)), token))
            })
            .collect()
    }

    fn scim_user_names(&self) -> Result<Vec<(UserId, String)>, StoreError> {
        let rows = self.query(
            "SELECT user_id, user_name FROM scim_user_names ORDER BY user_id",
            &[],
        )?;
        Ok(rows
            .iter()
            .map(|row| (UserId(row.get(0)), row.get(1)))
            .collect())
    }
}

impl UserWrites for PgTx<'_> {
    fn put_user(&self, user: &User, previous: Option<&User>) -> Result<(), StoreError> {
        let id = user.id.as_str();
        self.execute(
            "INSERT INTO users VALUES ($1, $2, $3) ON CONFLICT (id)
             DO UPDATE SET username_key = excluded.username_key, record = excluded.record",
            &[&id, &normalize_key(&user.username), &to_json(user)],
        )?;
        if previous.is_none_or(|p| p.emails != user.emails) {
            self.execute("DELETE FROM user_emails WHERE user_id = $1", &[&id])?;
            for email in &user.emails {
                self.execute(
                    "INSERT INTO user_emails VALUES ($1, $2) ON CONFLICT (email_key)
                     DO UPDATE SET user_id = excluded.user_id",
                    &[&normalize_key(&email.address), &id],
                )?;
            }
        }
        if previous.is_none_or(|p| p.roles != user.roles) {
            self.execute("DELETE FROM user_roles WHERE user_id = $1", &[&id])?;
            for role in &user.roles {
                self.execute(
                    "INSERT INTO user_roles VALUES ($1, $2) ON CONFLICT DO NOTHING",
                    &[&role.as_str(), &id],
                )?;
            }
        }
        Ok(())
    }

    fn insert_token(
        &self,
        user: &UserId,
        hash: &TokenHash,
        issued_at: i64,
    ) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO tokens VALUES ($1, $2, $3)",
            &[&hash.0, &user.as_str(), &issued_at],
        )?;
        Ok(())
    }

    fn remove_token(&self, _user: &UserId, hash: &TokenHash) -> Result<(), StoreError> {
        self.execute("DELETE FROM tokens WHERE hash = $1", &[&hash.0])?;
        Ok(())
    }

    fn remove_user(&self, user: &User, now: i64) -> Result<(), StoreError> {
        let id = user.id.as_str();
        self.execute("DELETE FROM users WHERE id = $1", &[&id])?;
        self.execute("DELETE FROM user_emails WHERE user_id = $1", &[&id])?;
        self.execute("DELETE FROM user_roles WHERE user_id = $1", &[&id])?;
        self.execute("DELETE FROM user_preferences WHERE user_id = $1", &[&id])?;
        self.execute("DELETE FROM user_custom_fields WHERE user_id = $1", &[&id])?;
        self.execute("DELETE FROM scim_user_names WHERE user_id = $1", &[&id])?;
        self.execute("DELETE FROM room_bans WHERE user_id = $1", &[&id])?;
        self.execute(
            "DELETE FROM personal_access_tokens WHERE user_id = $1",
            &[&id],
        )?;
        self.execute(
            "INSERT INTO deleted_users VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&id, &now],
        )?;
        Ok(())
    }

    fn put_preferences(
        &self,
        user: &UserId,
        preferences: &serde_json::Value,
    ) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO user_preferences VALUES ($1, $2)
             ON CONFLICT (user_id) DO UPDATE SET preferences = excluded.preferences",
            &[&user.as_str(), preferences],
        )?;
        Ok(())
    }

    fn put_custom_fields(
        &self,
        user: &UserId,
        fields: &serde_json::Value,
    ) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO user_custom_fields VALUES ($1, $2)
             ON CONFLICT (user_id) DO UPDATE SET fields = excluded.fields",
            &[&user.as_str(), fields],
        )?;
        Ok(())
    }

    fn put_personal_access_token(
        &self,
        user: &UserId,
        token: &PersonalAccessToken,
    ) -> Result<(), StoreError> {
        let record = serde_json::to_value(token).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.execute(
            "INSERT INTO personal_access_tokens VALUES ($1, $2, $3)
             ON CONFLICT (user_id, name) DO UPDATE SET record = excluded.record",
            &[&user.as_str(), &token.name, &record],
        )?;
        Ok(())
    }

    fn remove_personal_access_token(&self, user: &UserId, name: &str) -> Result<(), StoreError> {
        self.execute(
            "DELETE FROM personal_access_tokens WHERE user_id = $1 AND name = $2",
            &[&user.as_str(), &name],
        )?;
        Ok(())
    }

    fn put_scim_user_name(&self, user: &UserId, name: Option<&str>) -> Result<(), StoreError> {
        match name {
            Some(name) => self.execute(
                "INSERT INTO scim_user_names VALUES ($1, $2, $3)
                 ON CONFLICT (user_id) DO UPDATE
                 SET user_name = excluded.user_name, name_key = excluded.name_key",
                &[&user.as_str(), &name, &normalize_key(name)],
            )?,
            None => self.execute(
                "DELETE FROM scim_user_names WHERE user_id = $1",
                &[&user.as_str()],
            )?,
        };
        Ok(())
    }

    fn remove_all_tokens(&self, user: &UserId) -> Result<usize, StoreError> {
        let removed = self.execute("DELETE FROM tokens WHERE user_id = $1", &[&user.as_str()])?;
        Ok(removed as usize)
    }

    fn put_users(&self, changes: &[(User, User)]) -> Result<(), StoreError> {
        // A change of activity keeps the name, emails and roles, so no index row moves:
        // one statement writes every such record.
        let (records_only, others): (Vec<_>, Vec<_>) = changes.iter().partition(|(user, p)| {
            user.username == p.username
                && user.emails == p.emails
                && user.roles == p.roles
                && same_fields(&to_json(user), &to_json(p))
        });
        for (user, previous) in others {
            self.put_user(user, Some(previous))?;
        }
        if records_only.is_empty() {
            return Ok(());
        }
        // Only the fields that changed travel and are parsed: the row already holds
        // `previous`, read in this transaction (SERIALIZABLE fails it if another changed it).
        let (ids, patches): (Vec<&str>, Vec<serde_json::Value>) = records_only
            .iter()
            .map(|(user, previous)| {
                (
                    user.id.as_str(),
                    changed_fields(&to_json(user), &to_json(previous)),
                )
            })
            .unzip();
        self.execute(
            "UPDATE users u SET record = u.record || c.patch
             FROM unnest($1::text[], $2::jsonb[]) AS c(id, patch) WHERE u.id = c.id",
            &[&ids, &patches],
        )?;
        Ok(())
    }

    fn remove_all_tokens_of(&self, users: &[UserId]) -> Result<(), StoreError> {
        let ids: Vec<&str> = users.iter().map(UserId::as_str).collect();
        self.execute("DELETE FROM tokens WHERE user_id = ANY($1)", &[&ids])?;
        Ok(())
    }

    fn remove_tokens_issued_before(&self, cutoff: i64, count: usize) -> Result<usize, StoreError> {
        let removed = self.execute(
            "DELETE FROM tokens WHERE hash IN (SELECT hash FROM tokens WHERE issued_at < $1
             ORDER BY issued_at, hash LIMIT $2)",
            &[&cutoff, &limit(count)],
        )?;
        Ok(removed as usize)
    }
}

impl RoomReads for PgTx<'_> {
    fn room(&self, id: &RoomId) -> Result<Option<Room>, StoreError> {
        self.record("SELECT record FROM rooms WHERE id = $1", &[&id.as_str()])
    }

    fn room_id_by_name(&self, name: &str) -> Result<Option<RoomId>, StoreError> {
        let key = normalize_key(name);
        Ok(self
            .text("SELECT id FROM rooms WHERE name_key = $1", &[&key])?
            .map(RoomId))
    }

    fn subscription(
        &self,
        room: &RoomId,
        user: &UserId,
    ) -> Result<Option<Subscription>, StoreError> {
        self.record(
            "SELECT record FROM subscriptions WHERE room_id = $1 AND user_id = $2",
            &[&room.as_str(), &user.as_str()],
        )
    }

    fn member_ids_in_join_order(&self, room: &RoomId) -> Result<Vec<UserId>, StoreError> {
        Ok(self
            .texts(
                "SELECT user_id FROM subscriptions WHERE room_id = $1 ORDER BY join_seq",
                &[&room.as_str()],
            )?
            .into_iter()
            .map(UserId)
            .collect())
    }

    fn first_member_where(
        &self,
        room: &RoomId,
        accept: &mut dyn FnMut(&UserId) -> Result<bool, StoreError>,
    ) -> Result<Option<UserId>, StoreError> {
        for id in self.member_ids_in_join_order(room)? {
            if accept(&id)? {
                return Ok(Some(id));
            }
        }
        Ok(None)
    }

    fn owner_ids(&self, room: &RoomId) -> Result<Vec<UserId>, StoreError> {
        Ok(self
            .texts(
                "SELECT user_id FROM subscriptions WHERE room_id = $1 AND is_owner
                 ORDER BY user_id",
                &[&room.as_str()],
            )?
            .into_iter()
            .map(UserId)
            .collect())
    }

    fn room_ids_of(&self, user: &UserId) -> Result<Vec<RoomId>, StoreError> {
        Ok(self
            .texts(
                "SELECT room_id FROM subscriptions WHERE user_id = $1 ORDER BY room_id",
                &[&user.as_str()],
            )?
            .into_iter()
            .map(RoomId)
            .collect())
    }

    fn is_owner(&self, room: &RoomId, user: &UserId) -> Result<bool, StoreError> {
        let rows = self.query(
            "SELECT 1 FROM subscriptions WHERE room_id = $1 AND user_id = $2 AND is_owner",
            &[&room.as_str(), &user.as_str()],
        )?;
        Ok(!rows.is_empty())
    }

    fn subscriptions_of_pairs(
        &self,
        pairs: &[(RoomId, UserId)],
    ) -> Result<Vec<Subscription>, StoreError> {
        if pairs.is_empty() {
            return Ok(Vec::new());
        }
        let (rooms, users): (Vec<&str>, Vec<&str>) =
            pairs.iter().map(|(r, u)| (r.as_str(), u.as_str())).unzip();
        self.records(
            "SELECT s.record FROM unnest($1::text[], $2::text[]) WITH ORDINALITY
               AS p(room_id, user_id, n)
             JOIN subscriptions s USING (room_id, user_id) ORDER BY p.n",
            &[&rooms, &users],
        )
    }

    fn subscriptions_of_users(&self, users: &[UserId]) -> Result<Vec<Subscription>, StoreError> {
        if users.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<&str> = users.iter().map(UserId::as_str).collect();
        self.records(
            "SELECT s.record FROM unnest($1::text[]) WITH ORDINALITY AS p(user_id, n)
             JOIN subscriptions s USING (user_id) ORDER BY p.n, s.room_id",
            &[&ids],
        )
    }

    fn members_of_rooms_owned_among(
        &self,
        users: &[UserId],
    ) -> Result<HashSet<UserId>, StoreError> {
        if users.is_empty() {
            return Ok(HashSet::new());
        }
        let ids: Vec<&str> = users.iter().map(UserId::as_str).collect();
        Ok(self
            .texts(
                "SELECT DISTINCT m.user_id FROM subscriptions m
                 WHERE m.user_id = ANY($1) AND m.room_id IN (
                   SELECT o.room_id FROM subscriptions o WHERE o.is_owner AND o.user_id = ANY($1))",
                &[&ids],
            )?
            .into_iter()
            .map(UserId)
            .collect())
    }

    fn sole_owned_rooms(&self, user: &UserId) -> Result<Vec<(Room, UserId)>, StoreError> {
        // Most users own nothing: that answer costs one index probe.
        let owned = self.texts(
            "SELECT room_id FROM subscriptions WHERE user_id = $1 AND is_owner ORDER BY room_id",
            &[&user.as_str()],
        )?;
        if owned.is_empty() {
            return Ok(Vec::new());
        }
        // The rule of the default, as one query over the rooms owned: those without
        // another active owner, each with its earliest-joined active member but `user`.
        // Driven by the array, so even a generic plan walks those rooms alone.
        let rows = self.query(
            "SELECT r.record, m.user_id FROM unnest($2::text[]) WITH ORDINALITY AS w(room_id, n)
             JOIN rooms r ON r.id = w.room_id
             CROSS JOIN LATERAL (
               SELECT m.user_id FROM subscriptions m JOIN users mu ON mu.id = m.user_id
               WHERE m.room_id = w.room_id AND m.user_id <> $1
                 AND mu.record -> 'active' = 'true'::jsonb
               ORDER BY m.join_seq LIMIT 1) m
             WHERE NOT EXISTS (
               SELECT 1 FROM subscriptions o JOIN users ou ON ou.id = o.user_id
               WHERE o.room_id = w.room_id AND o.is_owner AND o.user_id <> $1
                 AND ou.record -> 'active' = 'true'::jsonb)
             ORDER BY w.n",
            &[&user.as_str(), &owned],
        )?;
        rows.iter()
            .map(|row| Ok((from_json(row.get(0))?, UserId(row.get(1)))))
            .collect()
    }

    fn default_room_ids(&self) -> Result<Vec<RoomId>, StoreError> {
        Ok(self
            .texts("SELECT id FROM rooms WHERE is_default ORDER BY id", &[])?
            .into_iter()
            .map(RoomId)
            .collect())
    }

    fn all_rooms(&self) -> Result<Vec<Room>, StoreError> {
        self.records("SELECT record FROM rooms ORDER BY id", &[])
    }

    fn default_channel_seeded(&self) -> Result<bool, StoreError> {
        Ok(self.meta("default_channel")?.is_some())
    }

    fn banned_at(&self, room: &RoomId, user: &UserId) -> Result<Option<i64>, StoreError> {
        let rows = self.query(
            "SELECT banned_at FROM room_bans WHERE room_id = $1 AND user_id = $2",
            &[&room.as_str(), &user.as_str()],
        )?;
        Ok(rows.first().map(|row| row.get(0)))
    }

    fn bans_in(&self, room: &RoomId) -> Result<Vec<(UserId, i64)>, StoreError> {
        let rows = self.query(
            "SELECT user_id, banned_at FROM room_bans WHERE room_id = $1 ORDER BY user_id",
            &[&room.as_str()],
        )?;
        Ok(rows
            .iter()
            .map(|row| (UserId(row.get(0)), row.get(1)))
            .collect())
    }

    fn all_bans(&self) -> Result<Vec<(RoomId, UserId, i64)>, StoreError> {
        let rows = self.query("SELECT room_id, user_id, banned_at FROM room_bans", &[])?;
        Ok(rows
            .iter()
            .map(|row| (RoomId(row.get(0)), UserId(row.get(1)), row.get(2)))
            .collect())
    }

    fn notifications(
        &self,
        room: &RoomId,
        user: &UserId,
    ) -> Result<Option<NotificationSettings>, StoreError> {
        self.record(
            "SELECT settings FROM subscription_notifications WHERE room_id = $1 AND user_id = $2",
            &[&room.as_str(), &user.as_str()],
        )
    }

    fn all_notifications(&self) -> Result<Vec<(RoomId, UserId, NotificationSettings)>, StoreError> {
        let rows = self.query(
            "SELECT room_id, user_id, settings FROM subscription_notifications",
            &[],
        )?;
        rows.iter()
            .map(|row| {
                let settings = serde_json::from_value(row.get(2))
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                Ok((RoomId(row.get(0)), UserId(row.get(1)), settings))
            })
            .collect()
    }
}

impl RoomWrites for PgTx<'_> {
    fn put_room(&self, room: &Room) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO rooms VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO UPDATE SET
             name_key = excluded.name_key, is_default = excluded.is_default,
             record = excluded.record",
            &[
                &room.id.as_str(),
                &normalize_key(&room.name),
                &room.default,
                &to_json(room),
            ],
        )?;
        Ok(())
    }

    fn remove_room(&self, room: &Room) -> Result<(), StoreError> {
        self.execute("DELETE FROM rooms WHERE id = $1", &[&room.id.as_str()])?;
        self.execute(
            "DELETE FROM room_bans WHERE room_id = $1",
            &[&room.id.as_str()],
        )?;
        Ok(())
    }

    fn put_subscription(
        &self,
        sub: &Subscription,
        _previous: Option<&Subscription>,
    ) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO subscriptions VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (room_id, user_id) DO UPDATE SET
             is_owner = excluded.is_owner, record = excluded.record",
            &[
                &sub.room_id.as_str(),
                &sub.user_id.as_str(),
                &(sub.join_seq as i64),
                &sub.has_role(Role::Owner),
                &to_json(sub),
            ],
        )?;
        Ok(())
    }

    fn put_subscriptions(
        &self,
        changes: &[(Subscription, Subscription)],
    ) -> Result<(), StoreError> {
        // Changes of existing memberships only (join order stays): one statement for all.
        if changes.is_empty() {
            return Ok(());
        }
        let mut rooms = Vec::with_capacity(changes.len());
        let mut users = Vec::with_capacity(changes.len());
        let mut owners = Vec::with_capacity(changes.len());
        let mut records = Vec::with_capacity(changes.len());
        for (sub, _) in changes {
            rooms.push(sub.room_id.as_str());
            users.push(sub.user_id.as_str());
            owners.push(sub.has_role(Role::Owner));
            records.push(to_json(sub));
        }
        self.execute(
            "UPDATE subscriptions s SET is_owner = c.is_owner, record = c.record
             FROM unnest($1::text[], $2::text[], $3::bool[], $4::jsonb[])
               AS c(room_id, user_id, is_owner, record)
             WHERE s.room_id = c.room_id AND s.user_id = c.user_id",
            &[&rooms, &users, &owners, &records],
        )?;
        Ok(())
    }

    fn remove_subscription(&self, sub: &Subscription) -> Result<(), StoreError> {
        let key: [&(dyn postgres::types::ToSql + Sync); 2] =
            [&sub.room_id.as_str(), &sub.user_id.as_str()];
        self.execute(
            "DELETE FROM subscriptions WHERE room_id = $1 AND user_id = $2",
            &key,
        )?;
        self.execute(
            "DELETE FROM subscription_notifications WHERE room_id = $1 AND user_id = $2",
            &key,
        )?;
        Ok(())
    }

    fn put_notifications(
        &self,
        room: &RoomId,
        user: &UserId,
        settings: &NotificationSettings,
    ) -> Result<(), StoreError> {
        let json =
            serde_json::to_value(settings).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.execute(
            "INSERT INTO subscription_notifications VALUES ($1, $2, $3)
             ON CONFLICT (room_id, user_id) DO UPDATE SET settings = excluded.settings",
            &[&room.as_str(), &user.as_str(), &json],
        )?;
        Ok(())
    }

    fn next_join_seq(&self) -> Result<u64, StoreError> {
        self.next_in("join_seq")
    }

    fn mark_default_channel_seeded(&self) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO meta VALUES ('default_channel', 1) ON CONFLICT (name) DO NOTHING",
            &[],
        )?;
        Ok(())
    }

    fn put_ban(&self, room: &RoomId, user: &UserId, at: i64) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO room_bans VALUES ($1, $2, $3)
             ON CONFLICT (room_id, user_id) DO UPDATE SET banned_at = excluded.banned_at",
            &[&room.as_str(), &user.as_str(), &at],
        )?;
        Ok(())
    }

    fn remove_ban(&self, room: &RoomId, user: &UserId) -> Result<(), StoreError> {
        self.execute(
            "DELETE FROM room_bans WHERE room_id = $1 AND user_id = $2",
            &[&room.as_str(), &user.as_str()],
        )?;
        Ok(())
    }

    fn remove_bans_of(&self, user: &UserId) -> Result<(), StoreError> {
        self.execute(
            "DELETE FROM room_bans WHERE user_id = $1",
            &[&user.as_str()],
        )?;
        Ok(())
    }
}

impl PermissionReads for PgTx<'_> {
    fn permission(&self, id: &str) -> Result<Option<PermissionRecord>, StoreError> {
        self.record("SELECT roles FROM permissions WHERE id = $1", &[&id])
    }

    fn all_permissions(&self) -> Result<Vec<(String, PermissionRecord)>, StoreError> {
        self.query("SELECT id, roles FROM permissions ORDER BY id", &[])?
            .iter()
            .map(|row| Ok((row.get(0), from_json(row.get(1))?)))
            .collect()
    }

    fn role(&self, id: &str) -> Result<Option<RoleRecord>, StoreError> {
        self.record("SELECT record FROM roles WHERE id = $1", &[&id])
    }

    fn all_roles(&self) -> Result<Vec<RoleRecord>, StoreError> {
        self.records("SELECT record FROM roles ORDER BY id", &[])
    }
}

impl PermissionWrites for PgTx<'_> {
    fn put_permission(&self, id: &str, record: &PermissionRecord) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO permissions VALUES ($1, $2) ON CONFLICT (id)
             DO UPDATE SET roles = excluded.roles",
            &[&id, &to_json(record)],
        )?;
        Ok(())
    }

    fn put_role(&self, role: &RoleRecord) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO roles VALUES ($1, $2) ON CONFLICT (id)
             DO UPDATE SET record = excluded.record",
            &[&role.id.as_str(), &to_json(role)],
        )?;
        Ok(())
    }
}

impl AuditReads for PgTx<'_> {
    fn audit_entries(&self) -> Result<Vec<AuditEntry>, StoreError> {
        self.records("SELECT record FROM audit ORDER BY seq", &[])
    }

    fn audit_newest(
        &self,
        before: Option<u64>,
        count: usize,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let before = before.map_or(i64::MAX, |b| b.min(i64::MAX as u64) as i64);
        self.records(
            "SELECT record FROM audit WHERE seq < $1 ORDER BY seq DESC LIMIT $2",
            &[&before, &limit(count)],
        )
    }
}

impl AuditWrites for PgTx<'_> {
    fn append_audit(&self, entry: AuditEntry) -> Result<(), StoreError> {
        self.append_audits(vec![entry])
    }

    fn append_audits(&self, entries: Vec<AuditEntry>) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        let ats: Vec<i64> = entries.iter().map(|e| e.at).collect();
        let records: Vec<serde_json::Value> = entries.iter().map(to_json).collect();
        // Sequence values in the entries' order, then the rows, in one statement.
        self.execute(
            "INSERT INTO audit SELECT q.seq, q.at, jsonb_set(q.record, '{seq}', to_jsonb(q.seq))
             FROM (SELECT nextval('audit_seq') AS seq, e.at, e.record FROM (
                     SELECT * FROM unnest($1::bigint[], $2::jsonb[]) WITH ORDINALITY
                       AS u(at, record, n) ORDER BY n) e) q",
            &[&ats, &records],
        )?;
        Ok(())
    }

    fn prune_audit_before(&self, cutoff: Millis, count: usize) -> Result<usize, StoreError> {
        let removed = self.execute(
            "DELETE FROM audit WHERE seq IN
             (SELECT seq FROM audit WHERE at < $1 ORDER BY seq LIMIT $2)",
            &[&cutoff, &limit(count)],
        )?;
        Ok(removed as usize)
    }

    fn prune_audit_beyond(&self, keep: u64, count: usize) -> Result<usize, StoreError> {
        let keep = keep.min(i64::MAX as u64) as i64;
        let removed = self.execute(
            "DELETE FROM audit WHERE seq IN
             (SELECT seq FROM audit ORDER BY seq DESC OFFSET $1 LIMIT $2)",
            &[&keep, &limit(count)],
        )?;
        Ok(removed as usize)
    }
}

impl SettingReads for PgTx<'_> {
    fn stored_settings(&self) -> Result<Vec<(String, serde_json::Value)>, StoreError> {
        Ok(self
            .query("SELECT id, value FROM settings ORDER BY id", &[])?
            .iter()
            .map(|row| (row.get(0), row.get(1)))
            .collect())
    }
}

impl SettingWrites for PgTx<'_> {
    fn put_setting(&self, id: &str, value: &serde_json::Value) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO settings VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET value = $2",
            &[&id, value],
        )?;
        Ok(())
    }
}

impl ScimReads for PgTx<'_> {
    fn scim_token(&self, id: &str) -> Result<Option<ScimToken>, StoreError> {
        self.record("SELECT record FROM scim_tokens WHERE id = $1", &[&id])
    }

    fn scim_tokens(&self) -> Result<Vec<ScimToken>, StoreError> {
        self.records("SELECT record FROM scim_tokens ORDER BY id", &[])
    }
}

impl ScimWrites for PgTx<'_> {
    fn put_scim_token(&self, token: &ScimToken) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO scim_tokens VALUES ($1, $2) ON CONFLICT (id)
             DO UPDATE SET record = excluded.record",
            &[&token.id.as_str(), &to_json(token)],
        )?;
        Ok(())
    }

    fn remove_scim_token(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self.execute("DELETE FROM scim_tokens WHERE id = $1", &[&id])? > 0)
    }
}

impl Export for PgTx<'_> {
    fn each_user(&self, visit: Visit<'_, User>) -> Result<(), StoreError> {
        self.each_row("SELECT record FROM users", &mut |row| {
            visit(from_json(row.get(0))?)
        })
    }

    fn each_token(&self, visit: Visit<'_, TokenRow>) -> Result<(), StoreError> {
        self.each_row("SELECT hash, user_id, issued_at FROM tokens", &mut |row| {
            visit((row.get(0), UserId(row.get(1)), row.get(2)))
        })
    }

    fn each_deleted_user(&self, visit: Visit<'_, (UserId, i64)>) -> Result<(), StoreError> {
        self.each_row("SELECT id, deleted_at FROM deleted_users", &mut |row| {
            visit((UserId(row.get(0)), row.get(1)))
        })
    }

    fn each_room(&self, visit: Visit<'_, Room>) -> Result<(), StoreError> {
        self.each_row("SELECT record FROM rooms", &mut |row| {
            visit(from_json(row.get(0))?)
        })
    }

    fn each_subscription(&self, visit: Visit<'_, Subscription>) -> Result<(), StoreError> {
        self.each_row("SELECT record FROM subscriptions", &mut |row| {
            visit(from_json(row.get(0))?)
        })
    }

    fn each_preferences(
        &self,
        visit: Visit<'_, (UserId, serde_json::Value)>,
    ) -> Result<(), StoreError> {
        self.each_row(
            "SELECT user_id, preferences FROM user_preferences",
            &mut |row| visit((UserId(row.get(0)), row.get(1))),
        )
    }

    fn each_custom_fields(
        &self,
        visit: Visit<'_, (UserId, serde_json::Value)>,
    ) -> Result<(), StoreError> {
        self.each_row(
            "SELECT user_id, fields FROM user_custom_fields",
            &mut |row| visit((UserId(row.get(0)), row.get(1))),
        )
    }

    fn counters(&self) -> Result<Counters, StoreError> {
        Ok(Counters {
            join_seq: self.last_of("join_seq")?,
            audit_seq: self.last_of("audit_seq")?,
            default_channel_seeded: self.meta("default_channel")?.is_some(),
        })
    }
}

impl Import for PgTx<'_> {
    fn restore_deleted_user(&self, id: &UserId, deleted_at: i64) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO deleted_users VALUES ($1, $2)",
            &[&id.as_str(), &deleted_at],
        )?;
        Ok(())
    }

    fn restore_audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO audit VALUES ($1, $2, $3)",
            &[&(entry.seq as i64), &entry.at, &to_json(entry)],
        )?;
        Ok(())
    }

    fn restore_counters(&self, counters: &Counters) -> Result<(), StoreError> {
        for (sequence, last) in [
            ("join_seq", counters.join_seq),
            ("audit_seq", counters.audit_seq),
        ] {
            // `setval(s, v, false)` makes the next value v, so 0 given out means next is 1.
            self.query(
                "SELECT setval($1::text::regclass, $2, $3)",
                &[&sequence, &(last.max(1) as i64), &(last > 0)],
            )?;
        }
        if counters.default_channel_seeded {
            self.mark_default_channel_seeded()?;
        }
        Ok(())
    }
}

/// Whether two records have the same top-level fields (so `||` of the changed ones gives one
/// from the other).
fn same_fields(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    match (a.as_object(), b.as_object()) {
        (Some(a), Some(b)) => a.len() == b.len() && a.keys().all(|k| b.contains_key(k)),
        _ => false,
    }
}

/// The top-level fields of `new` that differ from `previous`'s, as an object.
fn changed_fields(new: &serde_json::Value, previous: &serde_json::Value) -> serde_json::Value {
    let changed = new
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(key, value)| previous.get(key.as_str()) != Some(value));
    serde_json::Value::Object(changed.map(|(k, v)| (k.clone(), v.clone())).collect())
}

#[cfg(test)]
mod tests {
    use super::redacted;

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
