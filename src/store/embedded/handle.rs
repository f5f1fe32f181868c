//! The open database, and the way back from an I/O error. After a failed write (a full disk,
//! say) redb answers every later call with "Previous I/O error" until the database is closed
//! and opened again; the handle does that by itself, so a server whose disk had filled up
//! serves again as soon as space is freed, without a restart.

use std::fs::{OpenOptions, Permissions};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use redb::{
    BackendError, Database, StorageBackend, WriteTransaction, backends::FileBackend,
    backends::InMemoryBackend,
};

use super::StoreError;

/// redb's page cache (reads and the write buffer together). redb's default is 1 GiB, which a
/// server keeps once a large transaction has passed through it. The size trades memory for
/// reads of a large database; full `cargo bench --bench load` runs gave, for RSS after the
/// login flood (which follows the 10,000-room deactivation) and `scale` read at 1 M users:
/// 32 MiB 129 MiB / 0.97x; 24 MiB 101 MiB / 0.77x; 16 MiB 94 MiB / 0.77x (at 1 GiB a short
/// run kept 238 MiB). Once setActiveStatus stopped holding blocking threads: 24 MiB 90 MiB /
/// 0.84x; 32 MiB 99 MiB / 0.63x, so `scale` read varies more between runs than with the
/// cache. With compact records, 48 MiB (short runs) held the 10,000-room deactivation in the
/// write buffer (heavy 254 -> 206-235 ms) but raised RSS after the flood to 118 MiB.
/// Pages beyond it are read again from the operating system's file cache.
const CACHE_BYTES: usize = 24 << 20;

/// How a database is (re)opened.
enum Source {
    File {
        path: PathBuf,
        faults: Option<Arc<DiskFaults>>,
    },
    /// In memory: nothing to reopen, an I/O error cannot happen.
    Memory,
}

/// The current database; `None` after a failed reopen, until the writer's next attempt.
/// Only the writer thread reopens, without holding the lock while it repairs the file; a
/// read that finds no database asks the writer for an attempt (see `Store::read`).
pub(crate) struct Handle {
    current: RwLock<Option<Arc<Database>>>,
    /// Set after a storage error: redb must be reopened before it writes again. Until then
    /// reads go on from the old handle, which still serves what was committed.
    broken: AtomicBool,
    source: Source,
}

impl Handle {
    pub(super) fn file(path: &Path, faults: Option<Arc<DiskFaults>>) -> Result<Self, StoreError> {
        Self::new(Source::File {
            path: path.to_path_buf(),
            faults,
        })
    }

    pub(super) fn memory() -> Result<Self, StoreError> {
        Self::new(Source::Memory)
    }

    fn new(source: Source) -> Result<Self, StoreError> {
        let db = source.open()?;
        Ok(Handle {
            current: RwLock::new(Some(Arc::new(db))),
            broken: AtomicBool::new(false),
            source,
        })
    }

    /// The database for a read; an error at once while the writer has not reopened it.
    pub(super) fn get(&self) -> Result<Arc<Database>, StoreError> {
        let current = self.current.read().unwrap_or_else(|p| p.into_inner());
        current
            .as_ref()
            .map(Arc::clone)
            .ok_or(StoreError::Embedded(super::EmbeddedError::Closed))
    }

    /// Whether the writer should reopen the database.
    pub(super) fn is_broken(&self) -> bool {
        self.broken.load(Ordering::SeqCst)
    }

    /// Notes a storage error; if redb needs a reopen after it, the writer does that before
    /// its next transaction.
    pub(super) fn failed(&self, error: &StoreError) {
        if needs_reopen(error)
            && !matches!(self.source, Source::Memory)
            && !self.broken.swap(true, Ordering::SeqCst)
        {
            tracing::warn!(%error, "storage error; the database will be reopened");
        }
    }

    /// A write transaction, reopening the database first if it is broken, and once more if
    /// beginning fails with an error that only now says it needs that. Writer thread only.
    pub(super) fn begin_write(&self) -> Result<(Arc<Database>, WriteTransaction), StoreError> {
        if self.is_broken() || self.get().is_err() {
            self.reopen()?;
        }
        let db = self.get()?;
        let error = match db.begin_write() {
            Ok(tx) => return Ok((db, tx)),
            Err(e) => StoreError::from(e),
        };
        self.failed(&error);
        if !self.is_broken() {
            return Err(error);
        }
        drop(db); // the reopen waits for every other holder
        self.reopen()?;
        let db = self.get()?;
        let tx = db.begin_write()?;
        Ok((db, tx))
    }

    /// After a request failed inside its transaction (the transaction is gone): finds out
    /// whether redb needs a reopen, which a failed write may have caused. Writer thread only.
    pub(super) fn probe(&self) {
        if let Ok(db) = self.get()
            && let Err(e) = db.begin_write()
        {
            self.failed(&StoreError::from(e));
        }
    }

    /// Closes the database and opens it again, without holding the lock while it waits for
    /// readers or repairs the file. Writer thread only.
    fn reopen(&self) -> Result<(), StoreError> {
        let old = self
            .current
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(old) = old {
            // Readers hold a clone for one short transaction; let them finish so the file
            // lock is free for the reopen.
            let deadline = Instant::now() + Duration::from_secs(2);
            while Arc::strong_count(&old) > 1 && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(1));
            }
            drop(old);
        }
        match self.source.open() {
            Ok(db) => {
                *self.current.write().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(db));
                self.broken.store(false, Ordering::SeqCst);
                tracing::info!("database reopened");
                Ok(())
            }
            Err(e) => {
                self.broken.store(true, Ordering::SeqCst);
                tracing::error!(error = %e, "reopening the database failed; will retry");
                Err(e)
            }
        }
    }
}

/// Whether redb must be closed and reopened before it can write again.
pub(super) fn needs_reopen(error: &StoreError) -> bool {
    matches!(
        error,
        StoreError::Embedded(super::EmbeddedError::Db(
            redb::Error::Io(_) | redb::Error::PreviousIo
        ))
    )
}

/// Creates a new, empty file at `path`, readable by its owner only (it will hold password
/// hashes); refused if something is there already.
pub(super) fn create_private_file(path: &Path) -> Result<(), StoreError> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map(drop)
        .map_err(|e| StoreError::from(redb::Error::from(e)))
}

impl Source {
    fn open(&self) -> Result<Database, StoreError> {
        match self {
            Source::Memory => Ok(Database::builder().create_with_backend(InMemoryBackend::new())?),
            Source::File { path, faults } => {
                // Private from the first byte: the file holds password hashes.
                let file = OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create(true)
                    .truncate(false)
                    .mode(0o600)
                    .open(path)
                    .map_err(|e| StoreError::from(redb::Error::from(e)))?;
                file.set_permissions(Permissions::from_mode(0o600))
                    .map_err(|e| StoreError::from(redb::Error::from(e)))?;
                let backend = Backend {
                    file: FileBackend::new(file)?,
                    faults: faults.clone(),
                };
                Ok(Database::builder()
                    .set_cache_size(CACHE_BYTES)
                    .create_with_backend(backend)?)
            }
        }
    }
}

/// A switch that makes the file backend fail writes as a full disk does (`ENOSPC`), for
/// tests of recovery under real redb. Production never sets it.
#[derive(Debug, Default)]
pub struct DiskFaults {
    full: AtomicBool,
}

impl DiskFaults {
    /// From now on, every write, resize and sync fails until [`DiskFaults::free`].
    pub fn fill(&self) {
        self.full.store(true, Ordering::SeqCst);
    }

    /// Space is back.
    pub fn free(&self) {
        self.full.store(false, Ordering::SeqCst);
    }

    fn check(&self) -> Result<(), std::io::Error> {
        if self.full.load(Ordering::SeqCst) {
            return Err(std::io::Error::from_raw_os_error(28)); // ENOSPC
        }
        Ok(())
    }
}

/// redb's own file backend, with the optional fault switch in front of every mutation.
#[derive(Debug)]
struct Backend {
    file: FileBackend,
    faults: Option<Arc<DiskFaults>>,
}

impl Backend {
    fn check(&self) -> Result<(), std::io::Error> {
        self.faults.as_ref().map_or(Ok(()), |f| f.check())
    }
}

type Bound = std::ops::Bound<u64>;

impl StorageBackend for Backend {
    fn len(&self) -> Result<u64, std::io::Error> {
        self.file.len()
    }
    fn read(&self, offset: u64, out: &mut [u8]) -> Result<(), std::io::Error> {
        self.file.read(offset, out)
    }
    fn set_len(&self, len: u64) -> Result<(), std::io::Error> {
        self.check()?;
        self.file.set_len(len)
    }
    fn sync_data(&self) -> Result<(), std::io::Error> {
        self.check()?;
        self.file.sync_data()
    }
    fn write(&self, offset: u64, data: &[u8]) -> Result<(), std::io::Error> {
        self.check()?;
        self.file.write(offset, data)
    }
    fn close(&self) -> Result<(), std::io::Error> {
        self.file.close()
    }
    fn try_lock_range(&self, start: Bound, end: Bound) -> Result<bool, BackendError> {
        self.file.try_lock_range(start, end)
    }
    fn try_lock_shared_range(&self, start: Bound, end: Bound) -> Result<bool, BackendError> {
        self.file.try_lock_shared_range(start, end)
    }
    fn lock_range(&self, start: Bound, end: Bound) -> Result<(), BackendError> {
        self.file.lock_range(start, end)
    }
    fn lock_shared_range(&self, start: Bound, end: Bound) -> Result<(), BackendError> {
        self.file.lock_shared_range(start, end)
    }
    fn unlock_range(&self, start: Bound, end: Bound) -> Result<(), BackendError> {
        self.file.unlock_range(start, end)
    }
    fn query_lock_range(&self, start: Bound, end: Bound) -> Result<bool, BackendError> {
        self.file.query_lock_range(start, end)
    }
}
