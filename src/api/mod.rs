//! The HTTP layer: poem-openapi handlers, Rocket.Chat envelopes and the generated spec.
//! It parses, resolves the caller, calls one service method and maps the result; no domain
//! rule lives here.

pub mod answer;
mod auth;
pub mod body;
mod call;
mod envelope;
mod errors;
mod examples;
#[allow(clippy::too_many_arguments)]
mod extensions;
mod form;
mod health;
mod machine;
pub mod metrics;
mod moderation;
mod names;
mod observe;
mod own_account;
mod permissions;
mod personal_tokens;
mod query;
mod rate_limit;
#[allow(clippy::too_many_arguments)]
mod roles;
mod room_lookups;
mod room_settings;
mod room_views;
// Handlers take one argument per query parameter, as the spec lists them.
#[allow(clippy::too_many_arguments)]
mod room_family;
#[allow(clippy::too_many_arguments)]
mod rooms;
mod scim;
mod session;
#[allow(clippy::too_many_arguments)]
mod settings;
mod spec;
#[allow(clippy::too_many_arguments)]
mod users;
pub mod validate;
mod views;

use std::sync::Arc;

use poem::endpoint::make_sync;
use poem::error::{MethodNotAllowedError, NotFoundError};
use poem::http::{HeaderValue, StatusCode, header};
use poem::middleware::CatchPanic;
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response, Route, get};
use poem_openapi::payload::{Html, Json};
use poem_openapi::{OpenApiService, Tags};

pub use body::{BodyFormat, RequestSchema, parse as parse_body};
pub use envelope::{ErrorResponse, Failure};
pub use errors::{LAST_OWNER_RESOLUTION, to_response};
pub use room_family::RoomUserBody;
pub use users::{CreateUserBody, SetActiveStatusBody};

use crate::service::Service;

use call::{HashGate, call, call_hashing, call_read};

/// The operation families, one tag each (their order in the spec is `spec::TAG_ORDER`).
#[derive(Tags)]
pub enum ApiTags {
    /// Login, logout and the caller.
    Authentication,
    /// User administration, including activation.
    Users,
    /// Public channels.
    Channels,
    /// Private groups.
    Groups,
    /// Rooms of any kind.
    Rooms,
    /// The caller's room memberships.
    Subscriptions,
    /// Roles and permissions.
    Permissions,
    /// The server's settings.
    Settings,
    /// Server information.
    Info,
    /// rocketlite's own extensions, not part of Rocket.Chat's API (`rocketlite.*`).
    Extensions,
}

/// What every operation returns.
pub type ApiResult<T> = Result<Json<T>, ErrorResponse>;

fn invalid_params(message: &str) -> ErrorResponse {
    ErrorResponse::invalid_params(message)
}

/// Every operation group, listed once (poem-openapi takes tuples of at most 16); built with
/// `Default`.
type Apis = (
    (
        session::SessionApi,
        users::UsersApi,
        own_account::OwnAccountApi,
        personal_tokens::PersonalTokensApi,
        permissions::PermissionsApi,
        roles::RolesApi,
        settings::SettingsApi,
        extensions::ExtensionsApi,
    ),
    (
        room_family::ChannelsApi,
        room_family::ChannelsOnlyApi,
        room_family::GroupsApi,
        room_family::GroupsOnlyApi,
        rooms::RoomsApi,
        room_lookups::RoomLookupsApi,
        room_views::RoomViewsApi,
        moderation::ModerationApi,
        room_settings::RoomSettingsApi,
    ),
);

fn openapi_service() -> OpenApiService<Apis, ()> {
    OpenApiService::new(Apis::default(), "rocketlite", env!("CARGO_PKG_VERSION"))
        .description(spec::DESCRIPTION)
        .license(poem_openapi::LicenseObject::new("MIT").url("https://opensource.org/license/mit"))
        .server("/")
}

/// The OpenAPI document, exactly as committed in `openapi/openapi.json` and served.
pub fn spec_json() -> String {
    spec::patch(&openapi_service().spec())
}

/// Settings of the HTTP layer itself.
#[derive(Clone, Copy, Debug)]
pub struct ApiConfig {
    /// How long a client may take to send a request body.
    pub body_timeout: std::time::Duration,
    /// How many proxies in front append to `X-Forwarded-For`; 0 ignores the header. The
    /// client address for login limits is that many entries from the right: what the
    /// outermost trusted proxy saw, never what the client wrote itself.
    pub trusted_proxies: usize,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            body_timeout: std::time::Duration::from_secs(30),
            trusted_proxies: 0,
        }
    }
}

/// The whole HTTP application over `service`.
pub fn app(service: Arc<Service>, config: ApiConfig) -> impl Endpoint<Output = Response> {
    app_with_metrics(service, config, Arc::default())
}

/// [`app`], counting into `metrics` (which the server's metrics listener shows).
pub fn app_with_metrics(
    service: Arc<Service>,
    config: ApiConfig,
    metrics: Arc<metrics::Metrics>,
) -> impl Endpoint<Output = Response> {
    let api = openapi_service();
    let spec = spec_json();
    // Swagger UI embeds the raw document; show the patched one instead.
    let docs = swagger_ui(api.swagger_ui_html().replace(&api.spec(), &spec));
    let routes = Route::new()
        .nest("/", api)
        .at(
            "/openapi.json",
            get(make_sync(move |_| {
                spec.clone().with_content_type("application/json")
            })),
        )
        .at(
            "/docs",
            get(make_sync({
                let docs = docs.clone();
                move |_| Html(docs.clone())
            })),
        )
        .at("/docs/", get(make_sync(move |_| Html(docs.clone()))))
        .at("/livez", get(health::livez))
        .at("/readyz", get(health::readyz))
        .at("/health", get(health::health))
        .nest("/scim/v2", scim::routes());
    let route_table = serde_json::from_str(&spec_json())
        .map(|spec| rate_limit::RouteTable::from_spec(&spec))
        .expect("the spec is JSON");
    with_envelopes(routes)
        .around(rate_limit::limit)
        .around(observe::observe)
        .data(service)
        .data(metrics)
        .data(Arc::new(health::Probe::default()))
        .data(Arc::new(HashGate::default()))
        .data(Arc::new(route_table))
        .data(config)
}

/// Swagger UI for a newcomer: the authorization kept across reloads, and a successful
/// `login` tried out on the page authorizes both headers at once (Swagger UI has no single
/// step for two apiKey schemes).
fn swagger_ui(html: String) -> String {
    html.replace("<title>Swagger UI</title>", "<title>rocketlite API</title>")
        .replace("SwaggerUIBundle({", "window.ui = SwaggerUIBundle({")
        .replace(
            "deepLinking: true,",
            r#"deepLinking: true,
        persistAuthorization: true,
        responseInterceptor: (res) => {
            if (res.status === 200 && /\/api\/v1\/login$/.test(res.url) && res.body && res.body.data) {
                // As the Authorize dialog does, so the page keeps it (preauthorizeApiKey
                // neither persists nor hands the schemes in the form persisting needs).
                const schemes = window.ui.specSelectors.specJson().getIn(["components", "securitySchemes"]);
                window.ui.authActions.authorizeWithPersistOption({
                    UserId: { name: "UserId", schema: schemes.get("UserId"), value: res.body.data.userId },
                    AuthToken: { name: "AuthToken", schema: schemes.get("AuthToken"), value: res.body.data.authToken },
                });
            }
            return res;
        },"#,
        )
}

/// What every response passes through: panics become a 500 envelope, errors become
/// envelopes, and nothing is cacheable. Public so tests can wrap a handler that panics.
pub fn with_envelopes(ep: impl Endpoint + 'static) -> impl Endpoint<Output = Response> {
    ep.with(CatchPanic::new().with_handler(|_| {
        tracing::error!("a handler panicked");
        envelope::envelope(
            StatusCode::INTERNAL_SERVER_ERROR,
            Failure::plain("Internal server error"),
        )
    }))
    .around(envelope_errors)
}

/// Turns every error into an envelope and marks every response `Cache-Control: no-store`.
/// JSON goes out as Rocket.Chat 8.8.1 labels it, `application/json` without a charset
/// (poem adds one; clients' suites compare the header exactly).
async fn envelope_errors<E: Endpoint>(ep: Arc<E>, req: Request) -> poem::Result<Response> {
    let mut resp = match ep.call(req).await {
        Ok(resp) => resp.into_response(),
        Err(err) => error_response(err),
    };
    let headers = resp.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if headers.get(header::CONTENT_TYPE).is_some_and(|v| {
        v.as_bytes()
            .eq_ignore_ascii_case(b"application/json; charset=utf-8")
    }) {
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(answer::JSON));
    }
    Ok(resp)
}

/// Errors raised outside any operation's own result, in the envelope.
fn error_response(err: poem::Error) -> Response {
    if err.is_from_response() {
        return err.into_response();
    }
    if err.is::<NotFoundError>() || err.is::<MethodNotAllowedError>() {
        return envelope::envelope(StatusCode::NOT_FOUND, Failure::plain("Resource not found"));
    }
    if err.is::<poem_openapi::error::ParseParamError>() {
        return envelope::envelope(
            StatusCode::BAD_REQUEST,
            Failure::invalid_params(&err.to_string()),
        );
    }
    let status = err.status();
    if status.is_server_error() {
        tracing::error!(error = %err, "request failed");
        return envelope::envelope(status, Failure::plain("Internal server error"));
    }
    envelope::envelope(status, Failure::plain(err.to_string()))
}

/// The client's address, for the login limits and the rate limiter: the socket's peer or, behind
/// `trusted_proxies` proxies, the `X-Forwarded-For` entry that many places from the right
/// (the address the outermost trusted proxy saw; entries left of it are the client's own
/// words). A shorter header than that falls back to the peer.
pub(crate) fn client_address(request: &Request) -> Option<String> {
    let hops = request.data::<ApiConfig>().map_or(0, |c| c.trusted_proxies);
    let peer = || {
        request
            .remote_addr()
            .as_socket_addr()
            .map(|a| a.ip().to_string())
    };
    if hops == 0 {
        return peer();
    }
    let forwarded: Vec<&str> = request
        .headers()
        .get_all("X-Forwarded-For")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    match forwarded.len().checked_sub(hops) {
        Some(i) if !forwarded[i].is_empty() => Some(forwarded[i].chars().take(64).collect()),
        _ => peer(),
    }
}
