//! The redb store: tables, keys and encodings. It knows no permission and no HTTP.
//!
//! Reads go through [`ReadTx`], writes through [`WriteTx`]; both offer the same read queries
//! (see [`OpenTables`]), so a write use case checks with the very transaction it writes in.

mod audit;
mod codec;
pub mod copy;
mod handle;
mod open;
mod permissions;
pub mod pg;
mod rooms;
mod scim;
mod settings;
mod tables;
mod users;
mod writer;

pub use audit::{AuditReads, AuditWrites};
pub use handle::DiskFaults;
pub use permissions::{PermissionReads, PermissionWrites};
pub use pg::conflicts_so_far as database_conflicts;
pub use pg::round_trips_so_far as database_round_trips;
pub use rooms::{RoomReads, RoomWrites};
pub use scim::{ScimReads, ScimWrites};
pub use settings::{SettingReads, SettingWrites};
pub use users::{UserReads, UserWrites};
pub use writer::WriterStats;

use std::cell::Cell;
use std::path::Path;
use std::sync::Arc;

use redb::{ReadableDatabase, ReadableMultimapTable, ReadableTable};

pub(crate) use open::OpenTables;
use open::{MultimapMut, MultimapSlot, ReadTables, TableMut, TableSlot, WriteTables};

pub use codec::{Record, decode, decode_leading, encode, is_current};

/// Rows per transaction of a backup's target.
const BACKUP_BATCH: usize = 10_000;

/// Schema version this build writes; `migrate` brings older files up to it.
pub const SCHEMA_VERSION: u64 = 4;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the data file is in use by another rocketlite process")]
    AlreadyOpen,
    #[error("the data file was written by a newer rocketlite (schema {0})")]
    TooNew(u64),
    #[error("corrupt record: {0}")]
    Corrupt(String),
    #[error("the store is closed")]
    Closed,
    #[error("a request failed after writing; its batch was not committed")]
    BatchPoisoned,
    /// PostgreSQL: the write kept conflicting with concurrent ones (40001 / 40P01) and ran
    /// out of retries; nothing of it was written.
    #[error("the write conflicted with concurrent writes too often")]
    Conflict,
    /// PostgreSQL could not be reached, or the connection was lost.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// PostgreSQL: the connection broke while committing, so the write may or may not have
    /// been kept.
    #[error("the database connection was lost while committing: {0}")]
    OutcomeUnknown(String),
    /// PostgreSQL refused a statement.
    #[error("database error {0}")]
    Postgres(String),
    /// `rocketlite copy` writes only into a store without rows.
    #[error("the target database is not empty")]
    NotEmpty,
    #[error("table {0} was asked for while in use in the same transaction")]
    TableInUse(String),
    /// The engine does not do this.
    #[error("{0}")]
    Unsupported(&'static str),
    #[error(transparent)]
    Db(#[from] redb::Error),
}

/// The redb database file's name inside a data directory.
pub const DB_FILE: &str = "rocketlite.redb";

/// What a failed store operation means to a client, whatever the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// Concurrent writes kept conflicting: nothing was written; trying again may succeed.
    Contended,
    /// The database could not be reached: nothing was written; trying again may succeed.
    Unavailable,
    /// The connection broke while committing: the change may or may not have been kept.
    OutcomeUnknown,
    /// Anything else: a fault of the server, to be logged.
    Internal,
}

impl StoreError {
    /// The kind of this failure, for those who answer clients (the HTTP layer names kinds,
    /// never an engine's errors).
    pub fn kind(&self) -> FailureKind {
        match self {
            StoreError::Conflict => FailureKind::Contended,
            StoreError::Unavailable(_) => FailureKind::Unavailable,
            StoreError::OutcomeUnknown(_) => FailureKind::OutcomeUnknown,
            _ => FailureKind::Internal,
        }
    }
}

macro_rules! from_redb {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self {
                StoreError::Db(e.into())
            }
        }
    )*};
}
from_redb!(
    redb::TableError,
    redb::StorageError,
    redb::TransactionError,
    redb::CommitError
);

impl From<redb::DatabaseError> for StoreError {
    fn from(e: redb::DatabaseError) -> Self {
        match e {
            redb::DatabaseError::DatabaseAlreadyOpen => StoreError::AlreadyOpen,
            other => StoreError::Db(other.into()),
        }
    }
}

/// The one interface a read use case has to the store: every query it may make, whatever the
/// engine behind it. Service code names only this and [`Writes`].
pub trait Reads:
    UserReads + RoomReads + PermissionReads + AuditReads + ScimReads + SettingReads
{
}
impl<T: UserReads + RoomReads + PermissionReads + AuditReads + ScimReads + SettingReads> Reads
    for T
{
}

/// Everything a write use case may do inside its transaction: the queries and the changes.
pub trait Writes:
    Reads + UserWrites + RoomWrites + PermissionWrites + AuditWrites + ScimWrites + SettingWrites
{
}
impl<
    T: Reads + UserWrites + RoomWrites + PermissionWrites + AuditWrites + ScimWrites + SettingWrites,
> Writes for T
{
}

/// `use crate::store::prelude::*` brings the store's query and change methods into scope.
pub mod prelude {
    pub use super::{
        AuditReads, AuditWrites, PermissionReads, PermissionWrites, Reads, RoomReads, RoomWrites,
        ScimReads, ScimWrites, SettingReads, SettingWrites, StoreError, UserReads, UserWrites,
        Writes,
    };
}

/// The database, on one of two engines: redb in one file (reads on the caller's thread,
/// writes through the group-commit writer) or PostgreSQL. The use cases cannot tell which.
pub struct Store {
    engine: Engine,
}

enum Engine {
    Redb(Redb),
    Postgres(pg::PgStore),
}

/// The redb engine.
struct Redb {
    // Declared first so it is dropped (and its thread joined) before the database handle.
    writer: writer::Writer,
    db: Arc<handle::Handle>,
}

impl Store {
    /// Opens (or creates, readable by its owner only) the file at `path`, creates missing
    /// tables and migrates.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::init(handle::Handle::file(path, None)?)
    }

    /// Like [`Store::open`], with a switch that makes the disk fail like a full one: tests of
    /// recovery run the real redb over the real file through it.
    pub fn open_with_faults(path: &Path, faults: Arc<DiskFaults>) -> Result<Self, StoreError> {
        Self::init(handle::Handle::file(path, Some(faults))?)
    }

    /// A store that lives only in memory, for tests.
    pub fn in_memory() -> Result<Self, StoreError> {
        Self::init(handle::Handle::memory()?)
    }

    /// The PostgreSQL database at `url`, with at most `pool_size` connections; the schema is
    /// created or checked.
    pub fn open_postgres(url: &str, pool_size: u32) -> Result<Self, StoreError> {
        Self::open_postgres_with_deadline(url, pool_size, pg::DEFAULT_DEADLINE)
    }

    /// As [`Store::open_postgres`], with `deadline` the longest any statement, commit
    /// included, may wait on the database ([`pg::DEFAULT_DEADLINE`] by default).
    pub fn open_postgres_with_deadline(
        url: &str,
        pool_size: u32,
        deadline: std::time::Duration,
    ) -> Result<Self, StoreError> {
        Ok(Store {
            engine: Engine::Postgres(pg::PgStore::open(url, pool_size, deadline)?),
        })
    }

    /// Over PostgreSQL: how often a write that keeps conflicting is re-run before it fails
    /// (default [`pg::DEFAULT_RETRIES`]). redb never conflicts.
    pub fn with_write_retries(self, retries: u32) -> Self {
        match self.engine {
            Engine::Postgres(pg) => Store {
                engine: Engine::Postgres(pg.with_retries(retries)),
            },
            redb => Store { engine: redb },
        }
    }

    fn init(db: handle::Handle) -> Result<Self, StoreError> {
        let db = Arc::new(db);
        let redb = Redb {
            writer: writer::Writer::start(Arc::clone(&db)),
            db,
        };
        redb.writer.write(|tx: &WriteTx| {
            tables::create_all(tx)?;
            migrate(tx)
        })?;
        Ok(Store {
            engine: Engine::Redb(redb),
        })
    }

    /// Runs `f` on committed data. `f` sees the store only through [`Reads`]: the use
    /// cases never learn which engine runs. redb reads one snapshot; PostgreSQL reads each
    /// statement's latest commit (no BEGIN/COMMIT round trips) and may run `f` again on
    /// another connection when the first was found closed. What a use case decides from a
    /// read, its write checks again.
    pub fn read<T: Send, E: From<StoreError> + Send>(
        &self,
        mut f: impl FnMut(&dyn Reads) -> Result<T, E> + Send,
    ) -> Result<T, E> {
        match &self.engine {
            Engine::Redb(redb) => redb.read_tx(|tx| f(tx)),
            Engine::Postgres(pg) => pg.read(f),
        }
    }

    /// Runs `f` in a write transaction and returns once that transaction is durable. The
    /// transaction may be shared with other requests (group commit on redb) or re-run after
    /// a conflict (PostgreSQL), so `f` must check everything before its first write: a
    /// refusal then writes nothing.
    pub fn write<T, E>(
        &self,
        mut f: impl FnMut(&dyn Writes) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        match &self.engine {
            Engine::Redb(redb) => redb.writer.write(move |tx: &WriteTx| f(tx)),
            Engine::Postgres(pg) => pg.write(f),
        }
    }

    /// [`Store::write`] for an async caller. On redb the request waits for the writer and its
    /// commit without holding a thread (a blocked thread per write cost four thread hops per
    /// request: the `write` row of the load benchmark). On PostgreSQL the transaction runs
    /// where the blocking client may (`pg::off_runtime`).
    pub async fn write_async<T, E>(
        &self,
        mut f: impl FnMut(&dyn Writes) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        match &self.engine {
            Engine::Redb(redb) => redb.writer.write_async(move |tx: &WriteTx| f(tx)).await,
            Engine::Postgres(pg) => pg.write(f),
        }
    }

    /// redb: a consistent copy of the whole database, as it is now, into a new file at
    /// `target` (which must not exist), while requests go on; rows are copied as stored, a
    /// batch at a time, so memory stays bounded. `progress` hears each table and its rows
    /// copied so far. The copy is made readable by its owner only. PostgreSQL has its own
    /// tools for this (`pg_dump`, `pg_basebackup`).
    pub fn backup_to(
        &self,
        target: &Path,
        progress: &mut dyn FnMut(&str, u64),
    ) -> Result<(), StoreError> {
        let Engine::Redb(redb) = &self.engine else {
            return Err(StoreError::Unsupported(
                "a PostgreSQL database is backed up with pg_dump or pg_basebackup",
            ));
        };
        let source = redb.db.get()?;
        let snapshot = source.begin_read()?;
        handle::create_private_file(target)?;
        let copy = redb::Database::create(target)?;
        tables::copy_into(&snapshot, &copy, BACKUP_BATCH, progress)
    }

    /// `redb` or `postgresql`, for operators.
    pub fn engine_name(&self) -> &'static str {
        match &self.engine {
            Engine::Redb(_) => "redb",
            Engine::Postgres(_) => "postgresql",
        }
    }

    /// PostgreSQL: the pool's connections and how many are idle.
    pub fn pool_state(&self) -> Option<(u32, u32)> {
        match &self.engine {
            Engine::Redb(_) => None,
            Engine::Postgres(pg) => Some(pg.pool_state()),
        }
    }

    /// The group-commit writer's counters (redb only).
    pub fn writer_stats(&self) -> Option<&writer::WriterStats> {
        match &self.engine {
            Engine::Redb(redb) => Some(redb.writer.stats()),
            Engine::Postgres(_) => None,
        }
    }

    /// Every row of every table as text, in a stable order. Tests compare two dumps to prove
    /// that a refused request changed nothing and that a reopened file holds the same state.
    pub fn dump(&self) -> Result<Vec<String>, StoreError> {
        match &self.engine {
            Engine::Redb(redb) => redb.read_tx(|tx| tables::dump(&tx.inner.txn)),
            Engine::Postgres(pg) => pg.dump(),
        }
    }

    /// Every row, read in one consistent snapshot (see [`copy`]).
    pub fn snapshot(&self) -> Result<copy::Snapshot, StoreError> {
        match &self.engine {
            Engine::Redb(redb) => redb.read_tx(|tx| copy::take(tx)),
            Engine::Postgres(pg) => pg.read_tx(|tx| copy::take(tx)),
        }
    }

    /// Runs `f` on a consistent snapshot with the reads only a copy needs.
    pub fn export<T: Send, E: From<StoreError> + Send>(
        &self,
        f: impl FnOnce(&dyn copy::Export) -> Result<T, E> + Send,
    ) -> Result<T, E> {
        match &self.engine {
            Engine::Redb(redb) => redb.read_tx(|tx| f(tx)),
            Engine::Postgres(pg) => pg.read_tx(|tx| f(tx)),
        }
    }

    /// Runs `f` in a write transaction with the writes only a copy needs.
    pub fn import<T: Send + 'static, E: From<StoreError> + Send + 'static>(
        &self,
        mut f: impl FnMut(&dyn copy::Import) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E> {
        match &self.engine {
            Engine::Redb(redb) => redb.writer.write(move |tx: &WriteTx| f(tx)),
            Engine::Postgres(pg) => pg.write_tx(|tx| f(tx)),
        }
    }

    /// Copies everything in this store into `target`, which must hold no rows, in batches
    /// (see [`copy::stream`]); returns each table's digest.
    pub fn copy_into(
        &self,
        target: &Store,
        progress: &mut (dyn FnMut(&str, u64) + Send),
    ) -> Result<copy::Digests, StoreError> {
        self.export(|tx| copy::stream(tx, target, progress))
    }

    /// Each table's digest, for comparing a copy with its source.
    pub fn digests(&self) -> Result<copy::Digests, StoreError> {
        self.export(|tx| copy::digests(tx))
    }

    /// The redb engine, for the store's own tests.
    #[cfg(test)]
    fn redb(&self) -> &Redb {
        match &self.engine {
            Engine::Redb(redb) => redb,
            Engine::Postgres(_) => panic!("a redb store was expected"),
        }
    }
}

impl Redb {
    /// A read on redb's own transaction.
    fn read_tx<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&ReadTx) -> Result<T, E>,
    ) -> Result<T, E> {
        let tx = match self.db.get().and_then(|db| Ok(db.begin_read()?)) {
            Ok(tx) => tx,
            // No database (a reopen failed) or it failed to read: let the writer reopen it,
            // which it does before its next transaction, and try once more. The failure path
            // only; a healthy store never waits here.
            Err(e) => {
                self.db.failed(&e);
                let _ = self.writer.write(|_| Ok::<(), StoreError>(()));
                self.db.get()?.begin_read().map_err(StoreError::from)?
            }
        };
        f(&Tx::new(ReadTables::new(tx)))
    }
}

/// Ordered migrations: entry `i` moves a file from schema `i` to `i + 1`.
/// Version 0 is a file with no version yet: a new file, whose tables were just created.
/// Version 3 added SCIM (a table `create_all` makes, optional user fields): nothing to move,
/// but an older build must not rewrite users without their `externalId`.
/// Version 4 writes users and subscriptions in the compact format, which older builds
/// cannot read.
const MIGRATIONS: [Migration; 4] = [
    |_| Ok(()),
    users::migrate_token_times,
    |_| Ok(()),
    |tx| {
        users::migrate_users_to_compact(tx)?;
        rooms::migrate_subscriptions_to_compact(tx)
    },
];

/// One migration step, run inside the opening write transaction.
type Migration = fn(&WriteTx) -> Result<(), StoreError>;

fn migrate(tx: &WriteTx) -> Result<(), StoreError> {
    let version = tx.meta("schema_version")?.unwrap_or(0);
    if version > SCHEMA_VERSION {
        return Err(StoreError::TooNew(version));
    }
    for step in &MIGRATIONS[version as usize..] {
        step(tx)?;
    }
    tx.set_meta("schema_version", SCHEMA_VERSION)
}

/// A transaction of either kind with the tables it has opened: [`ReadTables`] or
/// [`WriteTables`].
pub struct Tx<T> {
    inner: T,
    /// Set by every write, so the writer knows whether a failed request left writes behind.
    wrote: Cell<bool>,
}

impl<T> Tx<T> {
    fn new(inner: T) -> Self {
        Tx {
            inner,
            wrote: Cell::new(false),
        }
    }
}
/// A read-only snapshot.
pub type ReadTx = Tx<ReadTables>;
/// A write transaction's tables; the writer commits the transaction after they are dropped,
/// or drops it, and then nothing was written.
pub type WriteTx<'t> = Tx<WriteTables<'t>>;

impl<T: OpenTables> Tx<T> {
    /// A counter or version from the `meta` table.
    pub fn meta(&self, name: &str) -> Result<Option<u64>, StoreError> {
        Ok(self
            .inner
            .table(tables::META)?
            .get(name)?
            .map(|v| v.value()))
    }

    /// The values stored under `key` in a multimap table, in key order.
    fn multimap_values<D: MultimapSlot<K = &'static str, V = &'static str>>(
        &self,
        table: D,
        key: &str,
    ) -> Result<Vec<String>, StoreError> {
        let table = self.inner.multimap(table)?;
        let mut out = Vec::new();
        for value in table.get(key)? {
            out.push(value?.value().to_string());
        }
        Ok(out)
    }
}

impl<'t> WriteTx<'t> {
    /// `table`, for writing: marks the transaction written.
    fn table_mut<D: TableSlot>(&self, table: D) -> Result<TableMut<'_, 't, D>, StoreError> {
        self.wrote.set(true);
        self.inner.table_mut(table)
    }

    /// `table`, for writing: marks the transaction written.
    fn multimap_mut<D: MultimapSlot>(
        &self,
        table: D,
    ) -> Result<MultimapMut<'_, 't, D>, StoreError> {
        self.wrote.set(true);
        self.inner.multimap_mut(table)
    }

    /// Whether anything was written since the last call.
    fn take_wrote(&self) -> bool {
        self.wrote.replace(false)
    }

    fn set_meta(&self, name: &str, value: u64) -> Result<(), StoreError> {
        self.table_mut(tables::META)?.insert(name, value)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_store_is_at_the_current_schema_version() {
        let store = Store::in_memory().unwrap();
        let v = store
            .redb()
            .read_tx(|tx| tx.meta("schema_version"))
            .unwrap();
        assert_eq!(v, Some(SCHEMA_VERSION));
    }

    /// A file as an older build left it: every table created, `schema_version` at `version`,
    /// then the rows `fill` writes. The directory lives as long as the first half.
    fn old_file(
        version: u64,
        fill: impl FnOnce(&WriteTx),
    ) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.redb");
        let db = redb::Database::create(&path).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let tx = Tx::new(WriteTables::new(&txn));
            tables::create_all(&tx).unwrap();
            tx.set_meta("schema_version", version).unwrap();
            fill(&tx);
        }
        txn.commit().unwrap();
        (dir, path)
    }

    #[test]
    fn schema_1_files_gain_token_issue_times_and_keep_their_sessions() {
        // A schema-1 file as the previous build wrote it: a token without issue time.
        let (_dir, path) = old_file(1, |tx| {
            tx.table_mut(tables::TOKENHASH_USERID)
                .unwrap()
                .insert("h1", "u1")
                .unwrap();
            tx.multimap_mut(tables::USERID_TOKENHASH)
                .unwrap()
                .insert("u1", "h1")
                .unwrap();
        });
        let store = Store::open(&path).unwrap();
        let hash = crate::model::TokenHash("h1".into());
        let issued = store
            .redb()
            .read_tx(|tx| {
                let times = tx.inner.table(tables::TOKENHASH_ISSUEDAT)?;
                Ok::<_, StoreError>(times.get(hash.0.as_str())?.map(|t| t.value()))
            })
            .unwrap();
        assert!(issued.is_some_and(|t| t > 1_700_000_000_000), "{issued:?}");
        assert_eq!(
            store
                .redb()
                .read_tx(|tx| tx.meta("schema_version"))
                .unwrap(),
            Some(SCHEMA_VERSION)
        );
        // And it is pruned by time like any other.
        let removed = store
            .write(|tx| tx.remove_tokens_issued_before(i64::MAX, 10))
            .unwrap();
        assert_eq!(removed, 1);
        assert_eq!(store.read(|tx| tx.user_id_by_token(&hash)).unwrap(), None);
    }

    #[test]
    fn schema_3_files_move_users_and_subscriptions_to_the_compact_format() {
        use crate::model::{RoomId, Subscription, User, UserId};
        let user = |i: usize| User {
            active: i.is_multiple_of(2),
            created_at: 1_700_000_000_000,
            last_login: i.is_multiple_of(3).then_some(1_700_000_000_500),
            id: UserId(format!("u{i:05}")),
            username: format!("user{i}"),
            name: format!("User {i}"),
            emails: Vec::new(),
            password_hash: None,
            roles: vec!["user".into()],
            updated_at: 1_700_000_000_001,
            inactive_reason: None,
            profile: Default::default(),
            external_id: None,
        };
        let sub = |i: usize| Subscription {
            id: format!("s{i}"),
            room_id: RoomId(format!("r{}", i % 7)),
            user_id: UserId(format!("u{i:05}")),
            join_seq: i as u64,
            roles: if i.is_multiple_of(7) {
                vec!["owner".into()]
            } else {
                Vec::new()
            },
            user_archived: !i.is_multiple_of(2),
            room_archived: false,
            hidden: i.is_multiple_of(5),
            favorite: false,
            created_at: 1,
            updated_at: 2,
        };
        // More records than one migration chunk, so the migration steps from chunk to chunk.
        let count = codec::MIGRATION_CHUNK * 2 + 3;
        // Format 1, as builds before schema 4 wrote every record.
        fn json(record: &impl serde::Serialize) -> Vec<u8> {
            [&[1u8][..], &serde_json::to_vec(record).unwrap()].concat()
        }
        let (_dir, path) = old_file(3, |tx| {
            let mut users = tx.table_mut(tables::USERID_USER).unwrap();
            let mut subs = tx.table_mut(tables::ROOMID_USERID_SUBSCRIPTION).unwrap();
            for i in 0..count {
                let (u, s) = (user(i), sub(i));
                users.insert(u.id.as_str(), json(&u).as_slice()).unwrap();
                let key = (s.room_id.as_str(), s.user_id.as_str());
                subs.insert(key, json(&s).as_slice()).unwrap();
            }
        });
        let store = Store::open(&path).unwrap();
        store
            .redb()
            .read_tx(|tx| {
                assert_eq!(tx.meta("schema_version")?, Some(SCHEMA_VERSION));
                for row in tx.inner.table(tables::USERID_USER)?.iter()? {
                    assert!(is_current::<User>(row?.1.value()));
                }
                for row in tx.inner.table(tables::ROOMID_USERID_SUBSCRIPTION)?.iter()? {
                    assert!(is_current::<Subscription>(row?.1.value()));
                }
                for i in 0..count {
                    let (u, s) = (user(i), sub(i));
                    assert_eq!(tx.user(&u.id)?, Some(u));
                    assert_eq!(tx.subscription(&s.room_id, &s.user_id)?, Some(s));
                }
                Ok::<_, StoreError>(())
            })
            .unwrap();
    }

    #[test]
    fn a_file_from_a_newer_build_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.redb");
        {
            let store = Store::open(&path).unwrap();
            store
                .redb()
                .writer
                .write(|tx: &WriteTx| tx.set_meta("schema_version", SCHEMA_VERSION + 1))
                .unwrap();
        }
        assert!(matches!(Store::open(&path), Err(StoreError::TooNew(_))));
    }

    #[test]
    fn a_second_open_of_the_same_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.redb");
        let _first = Store::open(&path).unwrap();
        assert!(matches!(Store::open(&path), Err(StoreError::AlreadyOpen)));
    }

    #[test]
    fn a_transaction_opens_each_table_once() {
        let store = Store::in_memory().unwrap();
        store
            .redb()
            .read_tx(|tx| {
                let (first, again) = (tx.inner.table(tables::META)?, tx.inner.table(tables::META)?);
                assert!(
                    std::ptr::eq(first, again),
                    "a second open of the same table"
                );
                Ok::<_, StoreError>(())
            })
            .unwrap();
        store
            .redb()
            .writer
            .write(|tx: &WriteTx| {
                let first = std::ptr::from_ref(&*tx.table_mut(tables::META)?);
                let again = std::ptr::from_ref(&*tx.inner.table(tables::META)?);
                assert!(
                    std::ptr::eq(first, again),
                    "a second open of the same table"
                );
                Ok::<_, StoreError>(())
            })
            .unwrap();
    }

    #[test]
    fn a_table_asked_for_while_in_use_is_refused_without_a_panic() {
        let store = Store::in_memory().unwrap();
        let result = store.redb().writer.write(|tx: &WriteTx| {
            let reading = tx.inner.table(tables::META)?;
            let shared = tx.inner.table(tables::META)?; // two readers may share it
            let writing = tx.table_mut(tables::META).map(|_| ());
            drop((reading, shared));
            writing
        });
        assert!(
            matches!(&result, Err(StoreError::TableInUse(name)) if name == "meta"),
            "{result:?}"
        );
        // And the writer thread serves on.
        store
            .redb()
            .writer
            .write(|tx: &WriteTx| tx.set_meta("after", 1))
            .unwrap();
    }

    #[test]
    fn an_async_write_waits_for_its_commit_without_a_blocking_thread() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .max_blocking_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let store = Arc::new(Store::in_memory().unwrap());
        runtime.block_on(async {
            // The runtime's only blocking thread is taken for the whole test.
            let (release, held) = std::sync::mpsc::channel::<()>();
            let busy = tokio::task::spawn_blocking(move || held.recv());
            let writes: Vec<_> = (0..8)
                .map(|_| {
                    let store = Arc::clone(&store);
                    tokio::spawn(async move {
                        store.write_async(|tx| tx.next_join_seq()).await.unwrap()
                    })
                })
                .collect();
            let mut seqs = Vec::new();
            for write in writes {
                let seq = tokio::time::timeout(std::time::Duration::from_secs(10), write)
                    .await
                    .expect("an async write waited for a blocking thread")
                    .unwrap();
                seqs.push(seq);
            }
            seqs.sort();
            assert_eq!(seqs, (1..=8).collect::<Vec<u64>>(), "each committed once");
            release.send(()).unwrap();
            busy.await.unwrap().unwrap();
        });
        let stored = store.redb().read_tx(|tx| tx.meta("join_seq")).unwrap();
        assert_eq!(stored, Some(8));
    }

    #[test]
    fn an_error_inside_write_commits_nothing() {
        let store = Store::in_memory().unwrap();
        let result: Result<(), StoreError> = store.redb().writer.write(|tx: &WriteTx| {
            tx.set_meta("join_seq", 42)?;
            Err(StoreError::Corrupt("refused".into()))
        });
        assert!(result.is_err());
        assert_eq!(
            store.redb().read_tx(|tx| tx.meta("join_seq")).unwrap(),
            None
        );
    }
}
