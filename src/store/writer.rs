//! Group commit. One writer thread takes every write request waiting at that moment, runs them
//! in order inside one redb write transaction, commits once (one fsync), and only then answers
//! each. A lone request commits at once. Use cases check everything before their first write,
//! so a refused request leaves nothing in the shared transaction; one that fails after writing
//! (a storage error) poisons the batch, which is then retried one request at a time.

use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use redb::Database;

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

type Run = Box<dyn FnMut(&WriteTx) -> Attempt + Send>;

struct Job {
    run: Run,
    /// `Ok` once the request's outcome stands (committed, or a refusal); `Err` if its
    /// transaction could not commit.
    done: SyncSender<Result<(), StoreError>>,
}

/// The handle to the writer thread; dropping it lets queued requests finish, then joins.
pub(super) struct Writer {
    queue: Option<Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

impl Writer {
    pub(super) fn start(db: Arc<Database>) -> Self {
        let (queue, jobs) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("rocketlite-writer".into())
            .spawn(move || write_loop(&db, jobs))
            .expect("spawning the writer thread");
        Writer {
            queue: Some(queue),
            thread: Some(thread),
        }
    }

    /// Runs `f` in a write transaction, possibly shared with other requests, and returns its
    /// result once that transaction has committed. `f` may run more than once (a retry after
    /// a poisoned batch); each run starts from the committed state.
    pub(super) fn write<T, E>(
        &self,
        mut f: impl FnMut(&WriteTx) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let slot = Arc::new(Mutex::new(None));
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
        let (done, answer) = mpsc::sync_channel(1);
        let queue = self
            .queue
            .as_ref()
            .expect("the queue lives as long as the store");
        if queue.send(Job { run, done }).is_err() {
            return Err(StoreError::Closed.into());
        }
        match answer.recv() {
            Ok(Ok(())) => slot
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take()
                .expect("a finished job leaves its result"),
            Ok(Err(e)) => Err(e.into()),
            Err(_) => Err(StoreError::Closed.into()),
        }
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

fn write_loop(db: &Database, jobs: Receiver<Job>) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        match run(db, &mut batch) {
            Ok(()) => {
                for job in batch {
                    let _ = job.done.send(Ok(()));
                }
            }
            Err(e) if batch.len() == 1 => {
                let _ = batch.pop().expect("one job").done.send(Err(e));
            }
            Err(e) => {
                tracing::warn!(error = %e, size = batch.len(), "batch failed; retrying one by one");
                for mut job in batch {
                    let outcome = run(db, std::slice::from_mut(&mut job));
                    let _ = job.done.send(outcome);
                }
            }
        }
    }
}

/// Runs `jobs` in one transaction and commits it. A lone job that fails after writing is
/// aborted and its own error stands; in a larger batch it poisons the batch.
fn run(db: &Database, jobs: &mut [Job]) -> Result<(), StoreError> {
    let tx = Tx::new(db.begin_write()?);
    let lone = jobs.len() == 1;
    for job in jobs.iter_mut() {
        if (job.run)(&tx) == Attempt::Dirty {
            if lone {
                return Ok(()); // dropping `tx` aborts it
            }
            return Err(StoreError::BatchPoisoned);
        }
    }
    tx.commit()
}
