//! The connection loop: hyper serving the poem app, with the limits a public server needs.
//! poem's own server has none of them (no header timeout, no connection cap, and it retries
//! a failing `accept` at once, spinning a core at the file limit), so rocketlite runs this:
//!
//! - at most `max_connections` at once: at the cap, the connection that has waited longest on a
//!   silent client is closed to make room (as nginx drains idle keep-alives), and if none is
//!   silent, new ones wait in the kernel's backlog;
//! - a request's headers must arrive within `header_timeout` (hyper's own timer), which also
//!   closes a kept-alive connection that sends no next request;
//! - a connection on which the client sends or reads nothing for `idle_timeout` is closed;
//! - `accept` errors (a full file table) back off from 5 ms up to 1 s instead of spinning.
//!
//! The body's own deadline is the HTTP layer's (`api::body`), where a request is known.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use poem::{Endpoint, Response};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::{Instant, Sleep};

use crate::api::answer::{CONNECTION, ConnectionHandle};

/// The connection limits; see the module comment.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_connections: usize,
    pub header_timeout: Duration,
    pub idle_timeout: Duration,
}

/// How long in-flight requests may finish after shutdown begins.
const GRACE: Duration = Duration::from_secs(10);

/// Serves `app` on `listener` until `shutdown` completes, then lets open connections finish
/// their requests (up to 10 s).
pub async fn serve<E>(
    listener: TcpListener,
    app: E,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) where
    E: Endpoint<Output = Response> + 'static,
{
    let app = Arc::new(app);
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let waiting = Arc::new(Waiting::default());
    let graceful = GracefulShutdown::new();
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let mut backoff = AcceptBackoff::default();
    let mut connections = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    'accept: loop {
        while connections.try_join_next().is_some() {} // reap finished connections
        // At the cap, close the connection waiting longest on a silent client; if none is
        // silent now, look again whenever one starts waiting or a slot frees up.
        let permit = loop {
            if let Ok(permit) = Arc::clone(&permits).try_acquire_owned() {
                break permit;
            }
            waiting.close_longest();
            tokio::select! {
                _ = &mut shutdown => break 'accept,
                permit = Arc::clone(&permits).acquire_owned() => break permit.expect("never closed"),
                _ = waiting.started.notified() => {}
            }
        };
        let (stream, peer) = tokio::select! {
            _ = &mut shutdown => break 'accept,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => {
                    backoff.reset();
                    accepted
                }
                Err(e) => {
                    backoff.wait(&e).await;
                    continue;
                }
            },
        };
        let local = stream.local_addr().unwrap_or(peer);
        let _ = stream.set_nodelay(true);
        let busy = Arc::new(Busy::default());
        let handle = ConnectionHandle::default();
        let io = TokioIo::new(IdleTimeout::new(
            stream,
            limits.idle_timeout,
            Arc::clone(&waiting),
            Arc::clone(&busy),
            handle.clone(),
        ));
        let service = hyper::service::service_fn({
            let app = Arc::clone(&app);
            move |req| {
                let app = Arc::clone(&app);
                let working = Busy::start(&busy);
                async move {
                    let _working = working;
                    let req = poem::Request::from((
                        req,
                        poem::web::LocalAddr(local.into()),
                        poem::web::RemoteAddr(peer.into()),
                        poem::http::uri::Scheme::HTTP,
                    ));
                    let resp: hyper::Response<_> = app.get_response(req).await.into();
                    Ok::<_, Infallible>(resp)
                }
            }
        });
        let connection = graceful.watch(builder.serve_connection(io, service).into_owned());
        // The task knows its connection, so a large answer can have it closed to make room
        // (`api::answer`).
        connections.spawn(CONNECTION.scope(handle, async move {
            let _ = connection.await;
            drop(permit);
        }));
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(GRACE) => {
            tracing::warn!("connections still open after the grace period; closing them");
        }
    }
    // Whatever is left goes now, so nothing holds the app (and the database) after we return;
    // a task blocked on a database that stopped answering cannot be stopped, so it is left
    // to the runtime's bounded shutdown after a last grace period.
    if tokio::time::timeout(GRACE, connections.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("a request still waits on the database; stopping without it");
    }
}

/// Requests a connection is handling right now, and whether one finished since the stream
/// last looked. While any runs, the connection is not idle, whatever hyper reads meanwhile
/// (it keeps a read pending to notice a client hanging up).
#[derive(Default)]
struct Busy {
    running: std::sync::atomic::AtomicUsize,
    finished: AtomicBool,
}

/// Marks one request as running until dropped.
struct Working(Arc<Busy>);

impl Busy {
    fn start(busy: &Arc<Busy>) -> Working {
        busy.running.fetch_add(1, Ordering::SeqCst);
        Working(Arc::clone(busy))
    }

    fn is_running(&self) -> bool {
        self.running.load(Ordering::SeqCst) > 0
    }
}

impl Drop for Working {
    fn drop(&mut self) {
        self.0.running.fetch_sub(1, Ordering::SeqCst);
        self.0.finished.store(true, Ordering::SeqCst);
    }
}

/// Exponential backoff for a failing `accept`, logged once per streak.
#[derive(Default)]
struct AcceptBackoff {
    delay: Option<Duration>,
}

impl AcceptBackoff {
    fn reset(&mut self) {
        self.delay = None;
    }

    async fn wait(&mut self, error: &io::Error) {
        // A peer that gave up before we accepted it is not our problem; try the next.
        if matches!(
            error.kind(),
            io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
        ) {
            return;
        }
        let delay = match self.delay {
            None => {
                tracing::warn!(%error, "accept failed (file limit?); backing off");
                Duration::from_millis(5)
            }
            Some(d) => (d * 2).min(Duration::from_secs(1)),
        };
        self.delay = Some(delay);
        tokio::time::sleep(delay).await;
    }
}

/// The connections whose server side is waiting to read from a silent client, in the order
/// they started waiting: the first is the one to close when the cap is reached.
#[derive(Default)]
struct Waiting {
    inner: Mutex<WaitingInner>,
    /// Signalled when a connection starts waiting, for an accept loop held at the cap.
    started: tokio::sync::Notify,
}

#[derive(Default)]
struct WaitingInner {
    next: u64,
    by_age: BTreeMap<u64, ConnectionHandle>,
}

impl Waiting {
    fn lock(&self) -> std::sync::MutexGuard<'_, WaitingInner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts (or refreshes the waker of) a wait; returns its place in line.
    fn wait(&self, place: Option<u64>, connection: &ConnectionHandle, waker: &Waker) -> u64 {
        connection.wake_on_close(waker);
        let mut inner = self.lock();
        let new = place.is_none();
        let place = place.unwrap_or_else(|| {
            inner.next += 1;
            inner.next
        });
        inner.by_age.insert(place, connection.clone());
        drop(inner);
        if new {
            self.started.notify_one();
        }
        place
    }

    fn done(&self, place: u64) {
        self.lock().by_age.remove(&place);
    }

    /// Closes the connection that has waited longest, if any.
    fn close_longest(&self) {
        if let Some((_, connection)) = self.lock().by_age.pop_first() {
            connection.close();
        }
    }
}

/// A TCP stream that fails a read or write after `timeout` without progress, so a client
/// that goes silent (or stops reading our answer) cannot hold its connection forever, and
/// that can be closed early when the server needs its slot (see [`Waiting`]).
/// The clock runs only while the server waits on the client, never while a request is being
/// handled ([`Busy`]).
struct IdleTimeout {
    stream: TcpStream,
    timeout: Duration,
    deadline: Pin<Box<Sleep>>,
    waiting: Arc<Waiting>,
    /// Our place among the waiting connections while a read is pending.
    place: Option<u64>,
    /// Closed by the server to make room: for another connection, or for another answer.
    connection: ConnectionHandle,
    busy: Arc<Busy>,
}

impl IdleTimeout {
    fn new(
        stream: TcpStream,
        timeout: Duration,
        waiting: Arc<Waiting>,
        busy: Arc<Busy>,
        connection: ConnectionHandle,
    ) -> Self {
        IdleTimeout {
            stream,
            timeout,
            deadline: Box::pin(tokio::time::sleep(timeout)),
            waiting,
            place: None,
            connection,
            busy,
        }
    }

    /// After a pending read or write: has the client been silent too long? Never while a
    /// request runs; the clock restarts when one finishes.
    fn expired(&mut self, cx: &mut Context<'_>) -> bool {
        if self.busy.finished.swap(false, Ordering::SeqCst) {
            self.progressed();
        }
        if self.busy.is_running() {
            return false;
        }
        self.deadline.as_mut().poll(cx).is_ready()
    }

    fn progressed(&mut self) {
        let next = Instant::now() + self.timeout;
        self.deadline.as_mut().reset(next);
    }

    fn stop_waiting(&mut self) {
        if let Some(place) = self.place.take() {
            self.waiting.done(place);
        }
    }

    fn timed_out() -> io::Error {
        io::Error::new(io::ErrorKind::TimedOut, "connection idle too long")
    }
}

impl Drop for IdleTimeout {
    fn drop(&mut self) {
        self.stop_waiting();
    }
}

impl AsyncRead for IdleTimeout {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.connection.is_closed() {
            return Poll::Ready(Err(Self::timed_out()));
        }
        match Pin::new(&mut self.stream).poll_read(cx, buf) {
            Poll::Ready(result) => {
                self.stop_waiting();
                self.progressed();
                Poll::Ready(result)
            }
            Poll::Pending if self.expired(cx) => Poll::Ready(Err(Self::timed_out())),
            // A connection with a request in flight is never the one closed to make room.
            Poll::Pending if self.busy.is_running() => {
                self.stop_waiting();
                Poll::Pending
            }
            Poll::Pending => {
                let this = &mut *self;
                this.place = Some(this.waiting.wait(this.place, &this.connection, cx.waker()));
                Poll::Pending
            }
        }
    }
}

impl AsyncWrite for IdleTimeout {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.connection.is_closed() {
            return Poll::Ready(Err(Self::timed_out()));
        }
        match Pin::new(&mut self.stream).poll_write(cx, buf) {
            Poll::Ready(result) => {
                self.progressed();
                self.connection.write_progressed();
                Poll::Ready(result)
            }
            Poll::Pending if self.expired(cx) => Poll::Ready(Err(Self::timed_out())),
            Poll::Pending => {
                // A client that stops reading may be closed to make room for other answers.
                self.connection.write_blocked();
                self.connection.wake_on_close(cx.waker());
                Poll::Pending
            }
        }
    }

    /// Vectored, so hyper queues an answer's slices as they are (its other strategy copies
    /// them into a buffer of its own, beside the answer budget's count).
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.connection.is_closed() {
            return Poll::Ready(Err(Self::timed_out()));
        }
        match Pin::new(&mut self.stream).poll_write_vectored(cx, bufs) {
            Poll::Ready(result) => {
                self.progressed();
                self.connection.write_progressed();
                Poll::Ready(result)
            }
            Poll::Pending if self.expired(cx) => Poll::Ready(Err(Self::timed_out())),
            Poll::Pending => {
                self.connection.write_blocked();
                self.connection.wake_on_close(cx.waker());
                Poll::Pending
            }
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// Raises the soft limit on open files to the hard one (systemd starts services with a soft
/// 1024), and returns the limit now in force, for sizing the connection cap.
pub fn raise_file_limit() -> Option<u64> {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => Some(limit),
        Err(e) => {
            tracing::warn!(error = %e, "cannot raise the open-file limit");
            None
        }
    }
}

/// The connection cap for a file limit: leave room for the database, logs and the listener.
pub fn connection_cap(configured: usize, file_limit: Option<u64>) -> usize {
    const RESERVED_FILES: u64 = 64;
    match file_limit {
        Some(limit) => configured.min(limit.saturating_sub(RESERVED_FILES).max(1) as usize),
        None => configured,
    }
}
