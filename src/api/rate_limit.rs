//! Rocket.Chat's REST rate limiter at the door of every `/api/v1` operation: calls of one
//! route (its path pattern and method) from one client address, counted per window
//! (`API_Enable_Rate_Limiter_Limit_Calls_Default` calls per
//! `API_Enable_Rate_Limiter_Limit_Time_Default` ms, 10 per minute by default; some routes
//! have their own), answered 429 past the limit, with `X-RateLimit-*` headers on every
//! counted answer. Holders of `api-bypass-rate-limit` (admins, bots, apps) are not counted.
//! `API_Enable_Rate_Limiter` turns it off. The counting itself is the service's
//! (`Service::count_call`); this module knows routes, addresses and headers.

use std::collections::HashSet;
use std::sync::Arc;

use poem::http::{HeaderValue, Method};
use poem::{Endpoint, IntoResponse, Request, Response};

use super::envelope::ErrorResponse;
use crate::model::{LoginToken, UserId};
use crate::service::{Caller, RateDecision, Service, SettingValues};

/// The caller the limiter resolved from the request's headers, so the operation's `Auth`
/// does not read it again.
#[derive(Clone)]
pub struct ResolvedCaller(pub Caller);

/// The operations a limiter counts, by method and path pattern (`/api/v1/settings/{_id}`).
pub struct RouteTable {
    exact: HashSet<(Method, String)>,
    patterns: Vec<(Method, Vec<String>)>,
}

impl RouteTable {
    /// Every `/api/v1` operation of the spec.
    pub fn from_spec(spec: &serde_json::Value) -> Self {
        let mut table = RouteTable {
            exact: HashSet::new(),
            patterns: Vec::new(),
        };
        let paths = spec["paths"].as_object().into_iter().flatten();
        for (path, item) in paths.filter(|(p, _)| p.starts_with("/api/v1/")) {
            for method in item.as_object().into_iter().flat_map(|m| m.keys()) {
                let Ok(method) = method.to_uppercase().parse::<Method>() else {
                    continue;
                };
                match path.contains('{') {
                    false => drop(table.exact.insert((method, path.clone()))),
                    true => table
                        .patterns
                        .push((method, path.split('/').map(str::to_string).collect())),
                }
            }
        }
        table
    }

    /// The path pattern of the operation a request calls (`/api/v1/settings/{_id}`).
    pub fn pattern(&self, method: &Method, path: &str) -> Option<String> {
        if self.exact.contains(&(method.clone(), path.to_string())) {
            return Some(path.to_string());
        }
        let segments: Vec<&str> = path.split('/').collect();
        self.patterns
            .iter()
            .find(|(m, pattern)| {
                m == method
                    && pattern.len() == segments.len()
                    && pattern
                        .iter()
                        .zip(&segments)
                        .all(|(p, s)| p == s || (p.starts_with('{') && !s.is_empty()))
            })
            .map(|(_, pattern)| pattern.join("/"))
    }

    /// The route a request calls, as Rocket.Chat names its limiter: the pattern followed by
    /// the method in lower case (`/api/v1/loginpost`).
    fn route(&self, method: &Method, path: &str) -> Option<String> {
        let pattern = self.pattern(method, path)?;
        Some(format!("{pattern}{}", method.as_str().to_lowercase()))
    }
}

/// The calls a route allows per window: its own where Rocket.Chat gives it one
/// (`rateLimiterOptions`), else the default.
fn allowance(route: &str, settings: &SettingValues) -> (u64, i64) {
    let calls = |id| settings.number(id).max(1) as u64;
    let window = settings
        .number("API_Enable_Rate_Limiter_Limit_Time_Default")
        .max(1);
    match route {
        "/api/v1/users.registerpost" => (calls("Rate_Limiter_Limit_RegisterUser"), window),
        "/api/v1/users.setStatuspost" => (5, 60_000),
        _ => (calls("API_Enable_Rate_Limiter_Limit_Calls_Default"), window),
    }
}

/// The middleware: resolves the caller, counts the call, refuses past the limit, and says
/// where the caller stands on every counted answer.
pub async fn limit<E: Endpoint>(ep: Arc<E>, mut req: Request) -> poem::Result<Response> {
    let Some(service) = req.data::<Arc<Service>>().cloned() else {
        return ep.call(req).await.map(IntoResponse::into_response);
    };
    let settings = service.settings();
    let route = req
        .data::<Arc<RouteTable>>()
        .and_then(|table| table.route(req.method(), req.uri().path()));
    let Some(route) = route.filter(|_| settings.flag("API_Enable_Rate_Limiter")) else {
        return ep.call(req).await.map(IntoResponse::into_response);
    };
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    if let (Some(user_id), Some(token)) = (header("X-User-Id"), header("X-Auth-Token"))
        && let Ok((caller, bypass)) =
            service.caller_for_rate_limit(&UserId(user_id), LoginToken::from_client(token))
    {
        req.extensions_mut().insert(ResolvedCaller(caller));
        if bypass {
            return ep.call(req).await.map(IntoResponse::into_response);
        }
    }
    let (calls, window) = allowance(&route, &settings);
    let address = super::client_address(&req).unwrap_or_default();
    let decision = service.count_call(&route, &address, calls, window);
    let mut resp = match decision.allowed {
        true => ep.call(req).await?.into_response(),
        false => {
            if let Some(metrics) = req.data::<Arc<super::metrics::Metrics>>() {
                metrics.rate_limited();
            }
            let seconds = (decision.wait_ms.max(0) as u64).div_ceil(1000);
            ErrorResponse::too_many_requests(seconds).into_response()
        }
    };
    add_headers(&mut resp, &decision);
    Ok(resp)
}

fn add_headers(resp: &mut Response, decision: &RateDecision) {
    let headers = resp.headers_mut();
    for (name, value) in [
        ("x-ratelimit-limit", decision.limit as i64),
        ("x-ratelimit-remaining", decision.remaining as i64),
        ("x-ratelimit-reset", decision.reset_at),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value.to_string()) {
            headers.insert(name, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_named_by_pattern_and_method() {
        let spec = serde_json::json!({"paths": {
            "/api/v1/login": {"post": {}},
            "/api/v1/settings/{_id}": {"get": {}, "post": {}},
            "/api/info": {"get": {}},
        }});
        let table = RouteTable::from_spec(&spec);
        assert_eq!(
            table.route(&Method::POST, "/api/v1/login").as_deref(),
            Some("/api/v1/loginpost")
        );
        assert_eq!(
            table
                .route(&Method::GET, "/api/v1/settings/API_Enable_Rate_Limiter")
                .as_deref(),
            Some("/api/v1/settings/{_id}get")
        );
        assert_eq!(table.route(&Method::GET, "/api/v1/login"), None);
        assert_eq!(table.route(&Method::GET, "/api/info"), None);
        assert_eq!(table.route(&Method::GET, "/api/v1/settings/"), None);
        assert_eq!(table.route(&Method::GET, "/api/v1/settings/a/b"), None);
    }
}
