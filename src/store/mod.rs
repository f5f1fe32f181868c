//! The store: the seam every engine implements (the `Reads`/`Writes` traits, one file per
//! area beside this one; `copy`'s snapshot), and [`Store`], which runs a use case on one of
//! two engines, each in its own folder: `embedded` (redb in one file, the default) and `pg`
//! (PostgreSQL). It knows no permission and no HTTP.

mod audit;
pub mod copy;
mod embedded;
mod permissions;
pub mod pg;
mod rooms;
mod scim;
mod settings;
mod users;

pub use audit::{AuditReads, AuditWrites};
pub use embedded::{DiskFaults, EmbeddedError, WriterStats};
pub use embedded::{Record, SCHEMA_VERSION, decode, decode_leading, encode, is_current};
pub use permissions::{PermissionReads, PermissionWrites};
pub use pg::conflicts_so_far as database_conflicts;
pub use pg::round_trips_so_far as database_round_trips;
pub use rooms::{RoomReads, RoomWrites};
pub use scim::{ScimReads, ScimWrites};
pub use settings::{SettingReads, SettingWrites};
pub use users::{UserReads, UserWrites};

use std::path::Path;
use std::sync::Arc;

use embedded::{Redb, WriteTx};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the data file is in use by another rocketlite process")]
    AlreadyOpen,
    #[error("the database was written by a newer rocketlite (schema {0})")]
    TooNew(u64),
    #[error("corrupt record: {0}")]
    Corrupt(String),
    /// The write conflicted with concurrent ones too often (PostgreSQL's 40001 / 40P01) and
    /// ran out of retries; nothing of it was written.
    #[error("the write conflicted with concurrent writes too often")]
    Conflict,
    /// The database could not be reached, or the connection was lost.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// The connection broke while committing, so the write may or may not have been kept.
    #[error("the database connection was lost while committing: {0}")]
    OutcomeUnknown(String),
    /// `rocketlite copy` writes only into a store without rows.
    #[error("the target database is not empty")]
    NotEmpty,
    /// The engine does not do this.
    #[error("{0}")]
    Unsupported(&'static str),
    /// redb's own failures (`embedded`).
    #[error(transparent)]
    Embedded(#[from] EmbeddedError),
    /// PostgreSQL refused a statement.
    #[error("database error {0}")]
    Postgres(String),
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

impl Store {
    /// Opens (or creates, readable by its owner only) the file at `path`, creates missing
    /// tables and migrates.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::on_redb(Redb::file(path, None)?)
    }

    /// Like [`Store::open`], with a switch that makes the disk fail like a full one: tests of
    /// recovery run the real redb over the real file through it.
    pub fn open_with_faults(path: &Path, faults: Arc<DiskFaults>) -> Result<Self, StoreError> {
        Self::on_redb(Redb::file(path, Some(faults))?)
    }

    /// A store that lives only in memory, for tests.
    pub fn in_memory() -> Result<Self, StoreError> {
        Self::on_redb(Redb::memory()?)
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

    fn on_redb(redb: Redb) -> Result<Self, StoreError> {
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
            Engine::Redb(redb) => redb.write(move |tx: &WriteTx| f(tx)),
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
            Engine::Redb(redb) => redb.write_async(move |tx: &WriteTx| f(tx)).await,
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
        redb.backup_to(target, progress)
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
    pub fn writer_stats(&self) -> Option<&WriterStats> {
        match &self.engine {
            Engine::Redb(redb) => Some(redb.writer_stats()),
            Engine::Postgres(_) => None,
        }
    }

    /// Every row of every table as text, in a stable order. Tests compare two dumps to prove
    /// that a refused request changed nothing and that a reopened file holds the same state.
    pub fn dump(&self) -> Result<Vec<String>, StoreError> {
        match &self.engine {
            Engine::Redb(redb) => redb.dump(),
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
            Engine::Redb(redb) => redb.write(move |tx: &WriteTx| f(tx)),
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
