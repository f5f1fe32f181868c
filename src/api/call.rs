//! The bridge from a handler to one use case: reads run inline on the async worker, except
//! lists, which run on the list threads (`call_list`); writes either await the store
//! (`call_async`) or go to tokio's blocking pool with password hashing (they wait on the
//! disk, or on argon2), hashing behind a few permits. The only Tokio plumbing between HTTP
//! and the service.

use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};

use bytes::Bytes;
use poem_openapi::payload::Json;
use poem_openapi::types::ToJSON;
use tokio::sync::Semaphore;

use super::ApiResult;
use super::answer::{Answer, AnswerBudget};
use super::envelope::ErrorResponse;
use super::errors::{Operation, to_response};
use crate::service::{Service, ServiceResult};

/// How many requests that hash a password may be past the gate at once; the service runs
/// their argon2 on its own hashing thread (`service::password`), the rest queue here
/// without holding a blocking thread.
pub const HASH_CONCURRENCY: usize = 2;

/// The permits for password hashing, one set per app.
pub struct HashGate(Semaphore);

impl Default for HashGate {
    fn default() -> Self {
        HashGate(Semaphore::new(HASH_CONCURRENCY))
    }
}

impl HashGate {
    /// Waits for a permit to hash one password.
    pub async fn acquire(&self) -> tokio::sync::SemaphorePermit<'_> {
        self.0.acquire().await.expect("never closed")
    }

    /// A permit when `hashing`, else none: for requests that hash only sometimes.
    pub async fn acquire_if(&self, hashing: bool) -> Option<tokio::sync::SemaphorePermit<'_>> {
        match hashing {
            true => Some(self.acquire().await),
            false => None,
        }
    }
}

/// Runs blocking work (a write transaction, argon2) on tokio's blocking pool, so async
/// workers never wait on disk. A panic inside `work` resumes here, where the HTTP layer's
/// panic handler catches it.
pub async fn run_blocking<T: Send + 'static>(
    service: &Arc<Service>,
    work: impl FnOnce(&Service) -> T + Send + 'static,
) -> T {
    let service = Arc::clone(service);
    match tokio::task::spawn_blocking(move || work(&service)).await {
        Ok(value) => value,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

/// Runs one read-only use case right here on the async worker and maps its outcome. A read is
/// a short redb read transaction served from redb's page cache: measured with
/// `cargo bench --bench load`, handing it to the blocking pool instead halves read
/// throughput (two thread hops and pool wake-ups cost more than the read itself).
pub fn call_read<T, U>(
    service: &Service,
    operation: Operation,
    work: impl FnOnce(&Service) -> ServiceResult<T>,
    view: impl FnOnce(T) -> U,
) -> ApiResult<U> {
    respond(work(service), operation, view)
}

/// Runs one writing use case off the async workers (it waits for a durable commit) and
/// maps its outcome.
pub async fn call<T: Send + 'static, U>(
    service: &Arc<Service>,
    operation: Operation,
    work: impl FnOnce(&Service) -> ServiceResult<T> + Send + 'static,
    view: impl FnOnce(T) -> U,
) -> ApiResult<U> {
    respond(run_blocking(service, work).await, operation, view)
}

/// Like [`call`] for use cases that hash a password: waits for one of a few permits first,
/// so a login flood queues instead of allocating 19 MiB per request.
pub async fn call_hashing<T: Send + 'static, U>(
    service: &Arc<Service>,
    gate: &HashGate,
    operation: Operation,
    work: impl FnOnce(&Service) -> ServiceResult<T> + Send + 'static,
    view: impl FnOnce(T) -> U,
) -> ApiResult<U> {
    let _permit = gate.acquire().await;
    call(service, operation, work, view).await
}

/// Maps the outcome of a use case that awaits the store itself (it parks no thread while
/// its write commits: `Service::*_async`).
pub async fn call_async<T, U>(
    operation: Operation,
    work: impl Future<Output = ServiceResult<T>>,
    view: impl FnOnce(T) -> U,
) -> ApiResult<U> {
    respond(work.await, operation, view)
}

/// A use case's outcome as the handler answers it: `view` of the value as JSON, or the error
/// in Rocket.Chat's shape for `operation`.
fn respond<T, U>(
    outcome: ServiceResult<T>,
    operation: Operation,
    view: impl FnOnce(T) -> U,
) -> ApiResult<U> {
    outcome
        .map(|v| Json(view(v)))
        .map_err(|e| to_response(e, operation))
}

/// What a list answers: its JSON made ahead, held against the answer budget.
pub type ListResult<T> = Result<Answer<T>, ErrorResponse>;

/// Threads that make list answers. A list reads and encodes as much as its caller asks for
/// (`count=0`: everything), so it runs here, off the async workers that accept connections
/// and answer everything else, and at a lower CPU priority (nice 10) than those workers and
/// the writer: sixteen clients asking for every user at once slow each other, not
/// `/api/info` or a small write. Two threads, so lists still use both cores when idle.
const LIST_THREADS: usize = 2;

type ListJob = Box<dyn FnOnce() + Send>;

/// The list threads and the budget their answers share: process-wide, like the memory and
/// the cores they stand for (as the hashing threads of `service::password`).
struct Lists {
    /// A list holds one from before its work until its answer has a share of the budget, so
    /// answers waiting for room do not pile up beside it.
    turns: Semaphore,
    jobs: Mutex<mpsc::Sender<ListJob>>,
    budget: Arc<AnswerBudget>,
}

fn lists() -> &'static Lists {
    static LISTS: OnceLock<Lists> = OnceLock::new();
    LISTS.get_or_init(|| {
        let (queue, jobs) = mpsc::channel::<ListJob>();
        let jobs = Arc::new(Mutex::new(jobs));
        for i in 0..LIST_THREADS {
            let jobs = Arc::clone(&jobs);
            std::thread::Builder::new()
                .name(format!("rocketlite-list-{i}"))
                .spawn(move || list_loop(&jobs))
                .expect("spawning a list thread");
        }
        Lists {
            turns: Semaphore::new(LIST_THREADS),
            jobs: Mutex::new(queue),
            budget: Arc::new(AnswerBudget::default()),
        }
    })
}

fn list_loop(jobs: &Mutex<mpsc::Receiver<ListJob>>) {
    // Per thread on Linux; where it fails, lists run at normal priority.
    if let Err(error) = rustix::process::nice(10) {
        tracing::debug!(%error, "lists stay at normal priority");
    }
    loop {
        let job = match jobs.lock().unwrap_or_else(|p| p.into_inner()).recv() {
            Ok(job) => job,
            Err(_) => return,
        };
        // A panicking job drops its answer; the handler's task panics in turn (a 500).
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
    }
}

/// The bytes of list answers held now, process-wide.
pub fn list_bytes_held() -> usize {
    lists().budget.used()
}

/// Runs `job` on a list thread and waits for it without holding an async worker.
async fn on_list_thread<T: Send + 'static>(job: impl FnOnce() -> T + Send + 'static) -> T {
    let (answer, answered) = tokio::sync::oneshot::channel();
    lists()
        .jobs
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .send(Box::new(move || {
            let _ = answer.send(job());
        }))
        .expect("the list threads live as long as the process");
    answered.await.expect("a list job panicked")
}

/// Runs one list use case on the list threads, encodes its answer there, and waits for the
/// answer's share of the budget (503 if none comes within the wait).
pub async fn call_list<T: Send + 'static, U: ToJSON + Send + 'static>(
    service: &Arc<Service>,
    operation: Operation,
    work: impl FnOnce(&Service) -> ServiceResult<T> + Send + 'static,
    view: impl FnOnce(T) -> U + Send + 'static,
) -> ListResult<U> {
    let lists = lists();
    let _turn = lists.turns.acquire().await.expect("never closed");
    let service = Arc::clone(service);
    let bytes = on_list_thread(move || work(&service).map(|v| Answer::<U>::encode(&view(v))))
        .await
        .map_err(|e| to_response(e, operation))?;
    let permit = lists
        .budget
        .acquire(bytes.len())
        .await
        .map_err(|_| ErrorResponse::busy())?;
    Ok(Answer::new(bytes, permit))
}

/// One batch of a walked list: its items and where the next batch starts (`None`: done).
pub type Batch<I, C> = (Vec<I>, Option<C>);

/// A list too long to hold, answered as its client reads it: the page `page` of the items
/// `next` yields batch by batch on the list threads (from the start when its cursor is
/// `None`), as `{"<key>":[…],"count":…,"offset":…,"total":…,"success":true}`. The first batch
/// is read before the answer starts, so a refusal is still an error answer; a failure
/// later ends the answer short (and is logged).
pub async fn call_walked<U, I, C, V>(
    service: &Arc<Service>,
    operation: Operation,
    key: &'static str,
    page: crate::service::Page,
    next: impl Fn(&Service, Option<C>) -> ServiceResult<Batch<I, C>> + Send + Sync + 'static,
    view: fn(I) -> V,
) -> ListResult<U>
where
    U: ToJSON + Send + 'static,
    I: Send + 'static,
    C: Send + 'static,
    V: ToJSON + 'static,
{
    let next = Arc::new(next);
    let fetch = {
        let (service, next) = (Arc::clone(service), Arc::clone(&next));
        move |cursor: Option<C>| {
            let (service, next) = (Arc::clone(&service), Arc::clone(&next));
            on_list_thread(move || next(&service, cursor))
        }
    };
    let first = fetch(None).await.map_err(|e| to_response(e, operation))?;
    let mut walk = Walk {
        page,
        seen: 0,
        sent: 0,
        view,
    };
    let mut head = format!("{{\"{key}\":[").into_bytes();
    let after = walk.encode(first, &mut head);
    let state = (walk, Step::Send(head, after));
    let chunks = futures_util::stream::unfold(state, move |(mut walk, step)| {
        let fetch = fetch.clone();
        async move {
            match step {
                Step::Done => None,
                Step::Send(bytes, after) => {
                    let next = after.map_or(Step::Finish, Step::Fetch);
                    Some((Ok(Bytes::from(bytes)), (walk, next)))
                }
                Step::Fetch(cursor) => match fetch(Some(cursor)).await {
                    Ok(batch) => {
                        let mut bytes = Vec::new();
                        let after = walk.encode(batch, &mut bytes);
                        let next = after.map_or(Step::Finish, Step::Fetch);
                        Some((Ok(Bytes::from(bytes)), (walk, next)))
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "a long list ended short");
                        let e = std::io::Error::other(e.to_string());
                        Some((Err(e), (walk, Step::Done)))
                    }
                },
                Step::Finish => {
                    let tail = walk.tail();
                    Some((Ok(Bytes::from(tail)), (walk, Step::Done)))
                }
            }
        }
    });
    Ok(Answer::streamed(chunks))
}

/// Where a walked list stands.
enum Step<C> {
    /// Bytes to send, then where to go on from (`None`: the end).
    Send(Vec<u8>, Option<C>),
    Fetch(C),
    Finish,
    Done,
}

/// The page of a walked list, and how far it got.
struct Walk<I, V> {
    page: crate::service::Page,
    /// Items walked past so far: the total, once at the end.
    seen: usize,
    /// Items of the page written so far.
    sent: usize,
    view: fn(I) -> V,
}

impl<I, V: ToJSON> Walk<I, V> {
    /// Writes the batch's items that fall in the page; returns where the walk goes on.
    fn encode<C>(&mut self, (items, after): Batch<I, C>, out: &mut Vec<u8>) -> Option<C> {
        let count = self.page.count.unwrap_or(usize::MAX);
        for item in items {
            if self.seen >= self.page.offset && self.sent < count {
                if self.sent > 0 {
                    out.push(b',');
                }
                let json = (self.view)(item).to_json().unwrap_or_default();
                let _ = serde_json::to_writer(&mut *out, &json);
                self.sent += 1;
            }
            self.seen += 1;
        }
        after
    }

    /// The rest of the answer, once every batch is written.
    fn tail(&self) -> Vec<u8> {
        format!(
            "],\"count\":{},\"offset\":{},\"total\":{},\"success\":true}}",
            self.sent, self.page.offset, self.seen
        )
        .into_bytes()
    }
}
