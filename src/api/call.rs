//! The bridge from a handler to one use case: reads run inline on the async worker; writes
//! either await the store (`call_async`) or go to tokio's blocking pool with password
//! hashing (they wait on the disk, or on argon2), hashing behind a few permits. The only
//! Tokio plumbing between HTTP and the service.

use std::sync::Arc;

use poem_openapi::payload::Json;
use tokio::sync::Semaphore;

use super::ApiResult;
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
