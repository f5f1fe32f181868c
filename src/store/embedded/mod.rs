//! The redb engine: one file, tables and keys kept by hand (`tables!`), records in
//! `codec`'s encodings, reads on the caller's thread and writes through the group-commit
//! `writer`. Each area's half of the seam is in a file of its own, as in the seam.
//!
//! Reads go through [`ReadTx`], writes through [`WriteTx`]; both offer the same read queries
//! (see [`OpenTables`]), so a write use case checks with the very transaction it writes in.

mod audit;
mod codec;
mod copy;
mod handle;
mod open;
mod permissions;
mod rooms;
mod scim;
mod settings;
mod tables;
mod users;
mod writer;

pub use codec::{Record, decode, decode_leading, encode, is_current};
pub use handle::DiskFaults;
pub(crate) use open::OpenTables;
pub use writer::WriterStats;

use std::cell::Cell;
use std::sync::Arc;

use redb::{ReadableDatabase, ReadableMultimapTable, ReadableTable};

use open::{MultimapMut, MultimapSlot, ReadTables, TableMut, TableSlot, WriteTables};

#[cfg(test)]
use super::Store;
use super::StoreError;

/// Rows per transaction of a backup's target.
const BACKUP_BATCH: usize = 10_000;

/// Schema version this build writes; `migrate` brings older files up to it.
pub const SCHEMA_VERSION: u64 = 4;

/// The redb engine.
pub(super) struct Redb {
    // Declared first so it is dropped (and its thread joined) before the database handle.
    writer: writer::Writer,
    db: Arc<handle::Handle>,
}

impl Redb {
    /// Opens (or creates, readable by its owner only) the file at `path`; `faults`, for
    /// tests, makes the disk fail like a full one.
    pub(super) fn file(
        path: &std::path::Path,
        faults: Option<Arc<DiskFaults>>,
    ) -> Result<Self, StoreError> {
        Self::open(handle::Handle::file(path, faults)?)
    }

    /// A database that lives only in memory, for tests.
    pub(super) fn memory() -> Result<Self, StoreError> {
        Self::open(handle::Handle::memory()?)
    }

    /// Starts the writer, creates missing tables and migrates.
    fn open(db: handle::Handle) -> Result<Self, StoreError> {
        let db = Arc::new(db);
        let redb = Redb {
            writer: writer::Writer::start(Arc::clone(&db)),
            db,
        };
        redb.write(|tx: &WriteTx| {
            tables::create_all(tx)?;
            migrate(tx)
        })?;
        Ok(redb)
    }

    /// A write through the group-commit writer, from a thread that may block.
    pub(super) fn write<T, E>(
        &self,
        f: impl FnMut(&WriteTx) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        self.writer.write(f)
    }

    /// A write through the group-commit writer, awaited without holding a thread.
    pub(super) async fn write_async<T, E>(
        &self,
        f: impl FnMut(&WriteTx) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        self.writer.write_async(f).await
    }

    /// A consistent copy of the whole file into a new one at `target`, a batch at a time.
    pub(super) fn backup_to(
        &self,
        target: &std::path::Path,
        progress: &mut dyn FnMut(&str, u64),
    ) -> Result<(), StoreError> {
        let source = self.db.get()?;
        let snapshot = source.begin_read()?;
        handle::create_private_file(target)?;
        let copy = redb::Database::create(target)?;
        tables::copy_into(&snapshot, &copy, BACKUP_BATCH, progress)
    }

    /// Every row of every table as text (see `Store::dump`).
    pub(super) fn dump(&self) -> Result<Vec<String>, StoreError> {
        self.read_tx(|tx| tables::dump(&tx.inner.txn))
    }

    /// The group-commit writer's counters.
    pub(super) fn writer_stats(&self) -> &WriterStats {
        self.writer.stats()
    }

    /// A read on redb's own transaction.
    pub(super) fn read_tx<T, E: From<StoreError>>(
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

pub(super) fn migrate(tx: &WriteTx) -> Result<(), StoreError> {
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
    use crate::store::prelude::*;

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
            matches!(&result, Err(StoreError::Embedded(EmbeddedError::TableInUse(name))) if name == "meta"),
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

/// The failures only redb has.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error("the store is closed")]
    Closed,
    #[error("a request failed after writing; its batch was not committed")]
    BatchPoisoned,
    #[error("table {0} was asked for while in use in the same transaction")]
    TableInUse(String),
    #[error(transparent)]
    Db(#[from] redb::Error),
}

impl From<redb::Error> for StoreError {
    fn from(e: redb::Error) -> Self {
        StoreError::Embedded(EmbeddedError::Db(e))
    }
}

macro_rules! from_redb {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self {
                StoreError::Embedded(EmbeddedError::Db(e.into()))
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
            other => StoreError::Embedded(EmbeddedError::Db(other.into())),
        }
    }
}
