//! Group commit. One writer thread takes every write request waiting at that moment, runs them
//! in order inside one redb write transaction, commits once (one fsync), and only then answers
//! each. A lone request commits at once. Use cases check everything before their first write,
//! so a refused request leaves nothing in the shared transaction; one that fails after writing
//! (a storage error) poisons the batch, which is then retried one request at a time.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use tokio::sync::oneshot;

use super::handle::Handle;
use super::open::WriteTables;
use super::{StoreError, Tx, WriteTx};

/// The most requests one transaction carries, to bound the latency of the last one.
const MAX_BATCH: usize = 256;

/// What one request did inside a transaction.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Attempt {
    /// Succeeded; its writes must be committed.
    Done,
    /// Refused before writing anything.
    Refused,
    /// Failed after writing: the transaction holding it must not commit.
    Dirty,
}

type Run = Box<dyn FnMut(&WriteTx<'_>) -> Attempt + Send>;

struct Job {
    run: Run,
    /// Told `Ok` once the request's outcome stands (committed, or a refusal); `Err` if its
    /// transaction could not commit.
    done: Done,
}

/// How the writer tells a request its outcome: a blocked thread, or an awaiting task (which
/// parks no thread while the batch commits).
enum Done {
    Thread(SyncSender<Outcome>),
    Task(oneshot::Sender<Outcome>),
}

type Outcome = Result<(), StoreError>;

/// Where a job leaves its use case's result for the caller.
type Slot<T, E> = Arc<Mutex<Option<Result<T, E>>>>;

impl Done {
    fn send(self, outcome: Outcome) {
        // A caller that stopped waiting (a dropped request) needs no answer.
        let _ = match self {
            Done::Thread(sender) => sender.send(outcome).map_err(drop),
            Done::Task(sender) => sender.send(outcome).map_err(drop),
        };
    }
}

/// The handle to the writer thread; dropping it lets queued requests finish, then joins.
pub(super) struct Writer {
    queue: Option<Sender<Job>>,
    thread: Option<JoinHandle<()>>,
    stats: Arc<WriterStats>,
}

/// Counters of the writer, for tests and benchmarks.
#[derive(Debug, Default)]
pub struct WriterStats {
    /// Transactions committed.
    pub commits: AtomicU64,
    /// Requests answered.
    pub requests: AtomicU64,
    /// Batches that had to be retried one request at a time.
    pub retried_batches: AtomicU64,
    /// Requests queued for the writer and not yet taken.
    pub queued: std::sync::atomic::AtomicI64,
}

impl WriterStats {
    /// Requests waiting for the writer now.
    pub fn queued(&self) -> i64 {
        self.queued.load(Ordering::Relaxed).max(0)
    }

    /// Transactions committed so far.
    pub fn commits(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }
}

impl Writer {
    pub(super) fn start(db: Arc<Handle>) -> Self {
        let (queue, jobs) = mpsc::channel();
        let stats = Arc::new(WriterStats::default());
        let counters = Arc::clone(&stats);
        let thread = std::thread::Builder::new()
            .name("rocketlite-writer".into())
            .spawn(move || write_loop(&db, jobs, &counters))
            .expect("spawning the writer thread");
        Writer {
            queue: Some(queue),
            thread: Some(thread),
            stats,
        }
    }

    pub(super) fn stats(&self) -> &WriterStats {
        &self.stats
    }

    /// Runs `f` in a write transaction, possibly shared with other requests, and returns its
    /// result once that transaction has committed. `f` may run more than once (a retry after
    /// a poisoned batch); each run starts from the committed state. Blocks the calling thread.
    pub(super) fn write<T, E>(
        &self,
        f: impl FnMut(&WriteTx) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let (done, answer) = mpsc::sync_channel(1);
        let slot = self.queue_job(f, Done::Thread(done))?;
        answer_with(answer.recv().ok(), &slot)
    }

    /// [`Writer::write`] for an async caller: the request waits in the queue and for the
    /// commit without holding a thread.
    pub(super) async fn write_async<T, E>(
        &self,
        f: impl FnMut(&WriteTx) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let (done, answer) = oneshot::channel();
        let slot = self.queue_job(f, Done::Task(done))?;
        answer_with(answer.await.ok(), &slot)
    }

    /// Queues `f` for the writer; the returned slot holds its result once `done` is told.
    fn queue_job<T, E>(
        &self,
        mut f: impl FnMut(&WriteTx) -> Result<T, E> + Send + 'static,
        done: Done,
    ) -> Result<Slot<T, E>, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let slot: Slot<T, E> = Arc::new(Mutex::new(None));
        let result = Arc::clone(&slot);
        let run: Run = Box::new(move |tx| {
            tx.take_wrote();
            let outcome = f(tx);
            let attempt = match (&outcome, tx.take_wrote()) {
                (Ok(_), _) => Attempt::Done,
                (Err(_), false) => Attempt::Refused,
                (Err(_), true) => Attempt::Dirty,
            };
            *result.lock().unwrap_or_else(|p| p.into_inner()) = Some(outcome);
            attempt
        });
        let queue = self
            .queue
            .as_ref()
            .expect("the queue lives as long as the store");
        self.stats.queued.fetch_add(1, Ordering::Relaxed);
        match queue.send(Job { run, done }) {
            Ok(()) => Ok(slot),
            Err(_) => {
                self.stats.queued.fetch_sub(1, Ordering::Relaxed);
                Err(StoreError::from(super::EmbeddedError::Closed).into())
            }
        }
    }
}

/// The caller's answer once the writer has told `outcome` (`None`: the writer is gone).
fn answer_with<T, E: From<StoreError>>(
    outcome: Option<Outcome>,
    slot: &Slot<T, E>,
) -> Result<T, E> {
    match outcome {
        Some(Ok(())) => slot
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .expect("a finished job leaves its result"),
        Some(Err(e)) => Err(e.into()),
        None => Err(StoreError::from(super::EmbeddedError::Closed).into()),
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        drop(self.queue.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn write_loop(db: &Handle, jobs: Receiver<Job>, stats: &WriterStats) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        stats
            .queued
            .fetch_sub(batch.len() as i64, Ordering::Relaxed);
        stats
            .requests
            .fetch_add(batch.len() as u64, Ordering::Relaxed);
        tracing::trace!(size = batch.len(), "write batch");
        match run(db, &mut batch, stats) {
            Ok(()) => {
                for job in batch {
                    job.done.send(Ok(()));
                }
            }
            Err(e) if batch.len() == 1 => {
                batch.pop().expect("one job").done.send(Err(e));
            }
            Err(e) => {
                tracing::warn!(error = %e, size = batch.len(), "batch failed; retrying one by one");
                stats.retried_batches.fetch_add(1, Ordering::Relaxed);
                for mut job in batch {
                    let outcome = run(db, std::slice::from_mut(&mut job), stats);
                    job.done.send(outcome);
                }
            }
        }
    }
}

/// Runs `jobs` in one transaction and commits it. A lone job that fails after writing is
/// aborted and its own error stands; in a larger batch it poisons the batch. A storage
/// error marks the database for a reopen (see `handle`), so the next transaction starts
/// clean.
fn run(handle: &Handle, jobs: &mut [Job], stats: &WriterStats) -> Result<(), StoreError> {
    let (_db, txn) = handle.begin_write()?;
    let lone = jobs.len() == 1;
    let dirty = {
        let tx = Tx::new(WriteTables::new(&txn));
        jobs.iter_mut().any(|job| (job.run)(&tx) == Attempt::Dirty)
    };
    if dirty {
        drop(txn); // aborts
        // The failure may have been the disk's: find out now, not at the next write.
        handle.probe();
        return match lone {
            true => Ok(()),
            false => Err(super::EmbeddedError::BatchPoisoned.into()),
        };
    }
    if let Err(e) = txn.commit().map_err(StoreError::from) {
        handle.failed(&e);
        return Err(e);
    }
    stats.commits.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;
    use std::sync::{Arc, Barrier};

    use crate::store::{Store, StoreError, WriteTx};

    /// Many threads write at once: some succeed, some are refused before writing, some fail
    /// after writing. Only the successes may be in the file.
    #[test]
    fn a_batch_keeps_successes_drops_refusals_and_survives_a_dirty_request() {
        let store = Arc::new(Store::in_memory().unwrap());
        let threads = 48;
        let barrier = Arc::new(Barrier::new(threads));
        let handles: Vec<_> = (0..threads)
            .map(|i| {
                let (store, barrier) = (Arc::clone(&store), Arc::clone(&barrier));
                std::thread::spawn(move || {
                    barrier.wait();
                    store.redb().writer.write(move |tx: &WriteTx| match i % 3 {
                        0 => tx.set_meta(&format!("ok{i}"), i as u64),
                        1 => Err(StoreError::Corrupt("refused before writing".into())),
                        _ => {
                            tx.set_meta(&format!("dirty{i}"), i as u64)?;
                            Err(StoreError::Corrupt("failed after writing".into()))
                        }
                    })
                })
            })
            .collect();
        let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        for (i, result) in results.iter().enumerate() {
            assert_eq!(result.is_ok(), i % 3 == 0, "request {i}: {result:?}");
        }
        for i in 0..threads {
            let stored = store
                .redb()
                .read_tx(|tx| tx.meta(&format!("ok{i}")))
                .unwrap();
            assert_eq!(stored.is_some(), i % 3 == 0);
            assert_eq!(
                store
                    .redb()
                    .read_tx(|tx| tx.meta(&format!("dirty{i}")))
                    .unwrap(),
                None
            );
        }
        let stats = store.writer_stats().unwrap();
        eprintln!("{stats:?}");
        assert!(
            stats.commits.load(Ordering::Relaxed) >= 16,
            "every success committed"
        );
    }

    #[test]
    fn concurrent_writes_share_commits() {
        let store = Arc::new(Store::in_memory().unwrap());
        let before = store
            .writer_stats()
            .unwrap()
            .commits
            .load(Ordering::Relaxed);
        let threads = 64;
        let barrier = Arc::new(Barrier::new(threads));
        let handles: Vec<_> = (0..threads)
            .map(|i| {
                let (store, barrier) = (Arc::clone(&store), Arc::clone(&barrier));
                std::thread::spawn(move || {
                    barrier.wait();
                    for round in 0..20 {
                        store
                            .redb()
                            .writer
                            .write(move |tx: &WriteTx| tx.set_meta(&format!("k{i}-{round}"), 1))
                            .unwrap();
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let commits = store
            .writer_stats()
            .unwrap()
            .commits
            .load(Ordering::Relaxed)
            - before;
        assert!(
            commits < 64 * 20,
            "{commits} commits for 1280 writes: no batching"
        );
        for i in 0..threads {
            assert_eq!(
                store
                    .redb()
                    .read_tx(|tx| tx.meta(&format!("k{i}-19")))
                    .unwrap(),
                Some(1)
            );
        }
    }
}
