//! What an operator sees of every request: one log line (method, route, status, duration,
//! client address; never a header or a body, so never a token or a password) and the
//! request metrics. Health probes are neither logged nor counted.

use std::sync::Arc;
use std::time::Instant;

use poem::{Endpoint, IntoResponse, Request, Response};

use super::metrics::{Metrics, RequestLabels};
use super::rate_limit::RouteTable;

/// The paths outside `/api/v1` that are routes of their own.
const OTHER_ROUTES: [&str; 4] = ["/api/info", "/openapi.json", "/docs", "/docs/"];

/// The route a request took, as a label that stays one of few whatever paths clients send.
fn route(table: Option<&RouteTable>, req: &Request) -> String {
    let path = req.uri().path();
    if let Some(pattern) = table.and_then(|t| t.pattern(req.method(), path)) {
        return pattern;
    }
    if OTHER_ROUTES.contains(&path) {
        return path.to_string();
    }
    if path.starts_with("/scim/v2/") || path == "/scim/v2" {
        return "/scim/v2".into();
    }
    "unmatched".into()
}

pub async fn observe<E: Endpoint>(ep: Arc<E>, req: Request) -> poem::Result<Response> {
    let path = req.uri().path();
    if super::health::PATHS.contains(&path) {
        return ep.call(req).await.map(IntoResponse::into_response);
    }
    let started = Instant::now();
    let method = req.method().to_string();
    let route = route(req.data::<Arc<RouteTable>>().map(Arc::as_ref), &req);
    let client = super::client_address(&req).unwrap_or_else(|| "-".into());
    let metrics = req.data::<Arc<Metrics>>().cloned();
    let resp = ep.call(req).await?.into_response();
    let status = resp.status().as_u16();
    let seconds = started.elapsed().as_secs_f64();
    tracing::info!(
        target: "rocketlite::request",
        %method,
        %route,
        status,
        ms = (seconds * 1e4).round() / 10.0,
        %client,
        "request"
    );
    if let Some(metrics) = metrics {
        metrics.request(
            RequestLabels {
                method,
                route,
                status,
            },
            seconds,
        );
    }
    Ok(resp)
}
