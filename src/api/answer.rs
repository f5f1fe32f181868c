//! Large answers in bounded memory. A list's JSON is made once, off the async workers, and
//! then held against one process-wide budget until the client has read it: an answer that
//! does not fit waits, and room is made by closing the connection whose client has read
//! nothing for longest (as the connection cap closes the longest-silent connection). So
//! however many clients ask for `count=0` and never read, the bytes held stay under the
//! budget, and memory is given back once they are gone.

use std::collections::HashMap;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use bytes::Bytes;
use poem::{IntoResponse, Response};
use poem_openapi::ApiResponse;
use poem_openapi::payload::Payload;
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, MetaSchemaRef, Registry};
use poem_openapi::types::{ToJSON, Type};
use tokio::sync::Notify;
use tokio::time::Instant;

/// Rocket.Chat 8.8.1 answers `Content-Type: application/json`, without a charset.
pub const JSON: &str = "application/json";

/// The bytes of large answers held at once, process-wide.
pub const DEFAULT_BUDGET: usize = 64 << 20;
/// Answers smaller than this are not counted: they fit the socket's buffers.
const SMALL: usize = 64 << 10;
/// A client that has read nothing of its answer for this long may be closed to make room.
const STALLED: Duration = Duration::from_secs(1);
/// How long an answer waits for room before the request is refused as busy.
const WAIT: Duration = Duration::from_secs(30);
/// The slices an answer is written in; the budget sees progress at each.
const CHUNK: usize = 64 << 10;

tokio::task_local! {
    /// The connection the current task serves, set by the connection loop (`net`), so an
    /// answer can be closed to make room without threading the request through.
    pub static CONNECTION: ConnectionHandle;
}

/// A way to close one connection from elsewhere: the connection loop checks the flag on
/// every read and write, and is woken to see it.
#[derive(Clone, Default)]
pub struct ConnectionHandle(Arc<ConnectionState>);

#[derive(Default)]
struct ConnectionState {
    closed: AtomicBool,
    waker: Mutex<Option<Waker>>,
    /// Since when a write has waited for the client to read (ms since [`epoch`]); 0 when not.
    blocked_since: AtomicU64,
}

/// The instant the blocked-since stamps count from.
fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn stamp(at: Instant) -> u64 {
    at.duration_since(epoch()).as_millis() as u64 + 1
}

impl ConnectionHandle {
    /// Closes the connection: its next read or write fails.
    pub fn close(&self) {
        self.0.closed.store(true, Ordering::SeqCst);
        if let Some(waker) = self.lock().take() {
            waker.wake();
        }
    }

    pub fn is_closed(&self) -> bool {
        self.0.closed.load(Ordering::SeqCst)
    }

    /// A write waits for the client to read (the socket's buffer is full).
    pub fn write_blocked(&self) {
        let _ = self.0.blocked_since.compare_exchange(
            0,
            stamp(Instant::now()),
            Ordering::SeqCst,
            Ordering::SeqCst,
        );
    }

    /// A write went through.
    pub fn write_progressed(&self) {
        self.0.blocked_since.store(0, Ordering::SeqCst);
    }

    /// How long the client has left a write waiting, if it has.
    fn blocked_for(&self, now: Instant) -> Option<Duration> {
        match self.0.blocked_since.load(Ordering::SeqCst) {
            0 => None,
            since => Some(Duration::from_millis(stamp(now).saturating_sub(since))),
        }
    }

    /// Registers the task to wake when the connection is closed.
    pub fn wake_on_close(&self, waker: &Waker) {
        let mut slot = self.lock();
        if !slot.as_ref().is_some_and(|w| w.will_wake(waker)) {
            *slot = Some(waker.clone());
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Waker>> {
        self.0.waker.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The bytes all large answers may hold at once.
pub struct AnswerBudget {
    limit: usize,
    state: Mutex<Holders>,
    freed: Notify,
}

#[derive(Default)]
struct Holders {
    used: usize,
    next: u64,
    by_id: HashMap<u64, Holder>,
}

struct Holder {
    bytes: usize,
    /// Its connection, once the answer started to be written.
    connection: Option<ConnectionHandle>,
}

/// The budget was full for longer than a request may wait.
#[derive(Debug)]
pub struct Busy;

impl Default for AnswerBudget {
    fn default() -> Self {
        AnswerBudget::new(DEFAULT_BUDGET)
    }
}

impl AnswerBudget {
    pub fn new(limit: usize) -> Self {
        AnswerBudget {
            limit: limit.max(SMALL),
            state: Mutex::new(Holders::default()),
            freed: Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Holders> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Bytes held now, for tests and metrics.
    pub fn used(&self) -> usize {
        self.lock().used
    }

    /// Waits until `bytes` fit (an answer larger than the whole budget waits for all of
    /// it), closing stalled readers to make room. Small answers pass at once.
    pub async fn acquire(self: &Arc<Self>, bytes: usize) -> Result<Option<BudgetPermit>, Busy> {
        if bytes < SMALL {
            return Ok(None);
        }
        let want = bytes.min(self.limit);
        let deadline = Instant::now() + WAIT;
        loop {
            let freed = self.freed.notified();
            {
                let mut holders = self.lock();
                if holders.used + want <= self.limit {
                    holders.used += want;
                    holders.next += 1;
                    let id = holders.next;
                    let holder = Holder {
                        bytes: want,
                        connection: None,
                    };
                    holders.by_id.insert(id, holder);
                    return Ok(Some(BudgetPermit {
                        budget: Arc::clone(self),
                        id,
                    }));
                }
                close_longest_stalled(&mut holders);
            }
            // Stalled readers become closable over time, so look again now and then.
            tokio::select! {
                _ = freed => {}
                _ = tokio::time::sleep(STALLED / 4) => {}
                _ = tokio::time::sleep_until(deadline) => return Err(Busy),
            }
        }
    }
}

/// Closes the connection of the holder whose client has left a write waiting longest, if for
/// at least [`STALLED`]. Its bytes come back when the connection is gone.
fn close_longest_stalled(holders: &mut Holders) {
    let now = Instant::now();
    let stalled = holders
        .by_id
        .values_mut()
        .filter_map(|h| {
            let waited = h.connection.as_ref()?.blocked_for(now)?;
            (waited >= STALLED).then_some((waited, h))
        })
        .max_by_key(|(waited, _)| *waited);
    if let Some((waited, holder)) = stalled
        && let Some(connection) = holder.connection.take()
    {
        tracing::debug!(
            ?waited,
            held = holders.used,
            "closing a stalled reader to make room"
        );
        connection.close();
    }
}

/// One answer's share of the budget, given back when dropped (written out, or its
/// connection gone).
pub struct BudgetPermit {
    budget: Arc<AnswerBudget>,
    id: u64,
}

impl BudgetPermit {
    /// The answer starts to be written: its connection is noted, so it can be closed.
    fn writing(&self) {
        let mut holders = self.budget.lock();
        if let Some(holder) = holders.by_id.get_mut(&self.id)
            && holder.connection.is_none()
        {
            holder.connection = CONNECTION.try_with(Clone::clone).ok();
        }
    }
}

impl Drop for BudgetPermit {
    fn drop(&mut self) {
        let mut holders = self.budget.lock();
        if let Some(holder) = holders.by_id.remove(&self.id) {
            holders.used -= holder.bytes;
        }
        drop(holders);
        self.budget.freed.notify_waiters();
    }
}

/// A JSON answer made ahead of time, or made as its client reads it: `T`'s schema in the
/// spec, its bytes on the wire with Rocket.Chat's `Content-Type`. Bytes made ahead are
/// written in slices while they hold their share of the budget.
pub struct Answer<T> {
    body: AnswerBody,
    _schema: PhantomData<fn() -> T>,
}

enum AnswerBody {
    Made(Bytes, Option<BudgetPermit>),
    Streamed(poem::Body),
}

impl<T: ToJSON> Answer<T> {
    /// `value` as compact JSON.
    pub fn encode(value: &T) -> Bytes {
        let json = value.to_json().unwrap_or_default();
        Bytes::from(serde_json::to_vec(&json).unwrap_or_default())
    }

    pub fn new(bytes: Bytes, permit: Option<BudgetPermit>) -> Self {
        Answer {
            body: AnswerBody::Made(bytes, permit),
            _schema: PhantomData,
        }
    }

    /// An answer whose JSON comes from `chunks` as the client reads it (sent chunked).
    pub fn streamed(
        chunks: impl futures_core::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
    ) -> Self {
        Answer {
            body: AnswerBody::Streamed(poem::Body::from_bytes_stream(chunks)),
            _schema: PhantomData,
        }
    }
}

impl<T: Type> Payload for Answer<T> {
    const CONTENT_TYPE: &'static str = JSON;

    fn check_content_type(content_type: &str) -> bool {
        content_type.starts_with(JSON)
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Send> IntoResponse for Answer<T> {
    fn into_response(self) -> Response {
        let body = match self.body {
            AnswerBody::Streamed(body) => body,
            AnswerBody::Made(bytes, None) => poem::Body::from(bytes),
            AnswerBody::Made(bytes, Some(permit)) => {
                // The share of the budget goes with the bytes themselves: hyper queues
                // several slices ahead of the socket, and the share comes back only when
                // the last of them is written (or dropped with the connection).
                let permit = Arc::new(permit);
                let held = Bytes::from_owner(Held {
                    bytes,
                    _permit: Arc::clone(&permit),
                });
                poem::Body::from(http_body_util::combinators::BoxBody::new(Slices {
                    rest: held,
                    permit: Some(permit),
                }))
            }
        };
        Response::builder().content_type(JSON).body(body)
    }
}

/// An answer's bytes with their share of the budget.
struct Held {
    bytes: Bytes,
    _permit: Arc<BudgetPermit>,
}

impl AsRef<[u8]> for Held {
    fn as_ref(&self) -> &[u8] {
        &self.bytes
    }
}

impl<T: Type + ToJSON + Send> ApiResponse for Answer<T> {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![MetaResponse {
                description: "",
                status: Some(200),
                status_range: None,
                content: vec![MetaMediaType {
                    content_type: Self::CONTENT_TYPE,
                    schema: Self::schema_ref(),
                }],
                headers: vec![],
            }],
        }
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

/// An answer's bytes in slices of [`CHUNK`], with its exact length (so it goes out with a
/// `Content-Length`, as a plain answer does).
struct Slices {
    rest: Bytes,
    /// Until the first slice is taken, to note the connection.
    permit: Option<Arc<BudgetPermit>>,
}

impl http_body::Body for Slices {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, std::io::Error>>> {
        if self.rest.is_empty() {
            return Poll::Ready(None);
        }
        if let Some(permit) = self.permit.take() {
            permit.writing();
        }
        let take = self.rest.len().min(CHUNK);
        let slice = self.rest.split_to(take);
        Poll::Ready(Some(Ok(http_body::Frame::data(slice))))
    }

    fn is_end_stream(&self) -> bool {
        self.rest.is_empty()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(self.rest.len() as u64)
    }
}
