//! Health for orchestrators and load balancers, with Rocket.Chat's paths and shapes:
//! `/livez` (the process serves), `/readyz` and `/health` (the store answers a read within
//! a short deadline; 503 otherwise, as when PostgreSQL is down). No login, no rate limit, no
//! line in the request log.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use poem::http::StatusCode;
use poem::web::Data;
use poem::{IntoResponse, Response, handler};
use serde_json::{Value, json};

use crate::service::Service;

/// How long the store has to answer a readiness read.
const DEADLINE: Duration = Duration::from_secs(2);

/// The paths answered here, which the request log leaves out.
pub const PATHS: [&str; 3] = ["/livez", "/readyz", "/health"];

/// At most one readiness read in flight: while the store hangs, probes do not pile up
/// blocked threads behind it.
#[derive(Default)]
pub struct Probe {
    in_flight: Arc<AtomicBool>,
}

fn json_answer(status: StatusCode, body: Value) -> Response {
    let mut resp = body
        .to_string()
        .with_content_type("application/json")
        .into_response();
    resp.set_status(status);
    resp
}

/// Whether the store answered a read within the deadline, and the check's details.
async fn store_check(service: &Arc<Service>, probe: &Probe) -> (bool, Value) {
    let engine = service.store().engine_name();
    if probe.in_flight.swap(true, Ordering::SeqCst) {
        return (
            false,
            json!({"status": "unavailable", "engine": engine, "error": "an earlier read has not come back"}),
        );
    }
    let started = Instant::now();
    let (service, in_flight) = (Arc::clone(service), Arc::clone(&probe.in_flight));
    let read = tokio::task::spawn_blocking(move || {
        let outcome = service.check_store();
        in_flight.store(false, Ordering::SeqCst);
        outcome
    });
    match tokio::time::timeout(DEADLINE, read).await {
        Ok(Ok(Ok(()))) => {
            let ms = started.elapsed().as_secs_f64() * 1e3;
            (
                true,
                json!({"status": "ok", "engine": engine, "latency": (ms * 100.0).round() / 100.0, "unit": "ms"}),
            )
        }
        Ok(Ok(Err(e))) => (
            false,
            json!({"status": "unavailable", "engine": engine, "error": e.to_string()}),
        ),
        Ok(Err(_)) | Err(_) => (
            false,
            json!({"status": "unavailable", "engine": engine, "error": format!("no answer within {DEADLINE:?}")}),
        ),
    }
}

/// `/livez`: the process accepts and answers requests.
#[handler]
pub fn livez() -> Response {
    json_answer(StatusCode::OK, json!({"status": "ok"}))
}

/// `/readyz`: ready for traffic when the store answers.
#[handler]
pub async fn readyz(service: Data<&Arc<Service>>, probe: Data<&Arc<Probe>>) -> Response {
    let (ok, store) = store_check(&service, &probe).await;
    let body = json!({"status": if ok { "ok" } else { "unavailable" }, "checks": {"store": store}});
    if !ok {
        tracing::warn!(details = %body, "readiness check failed");
    }
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    json_answer(status, body)
}

/// `/health`: Rocket.Chat's older probe, `{"status":"ok"}`; here it checks the store too.
#[handler]
pub async fn health(service: Data<&Arc<Service>>, probe: Data<&Arc<Probe>>) -> Response {
    let (ok, _) = store_check(&service, &probe).await;
    match ok {
        true => json_answer(StatusCode::OK, json!({"status": "ok"})),
        false => json_answer(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"status": "unavailable"}),
        ),
    }
}
