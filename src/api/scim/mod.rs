//! SCIM 2.0 (RFC 7643/7644) at `/scim/v2`, for identity providers (Okta, Microsoft Entra)
//! that provision and deprovision users. Its own protocol, beside Rocket.Chat's API: SCIM's
//! media type `application/scim+json`, its error schema, bearer tokens from
//! `rocketlite.scimTokens.create` (never the Rocket.Chat headers). Served: `Users` (list with
//! `filter`, get, create, replace, patch, delete, `/.search`) and the discovery endpoints;
//! no Groups, no bulk, no sorting, no ETags, as `ServiceProviderConfig` says.

mod filter;
mod user;

use std::sync::Arc;

use poem::http::{HeaderValue, Method, StatusCode, header};
use poem::web::Data;
use poem::{Body, IntoResponse, Request, Response, Route, handler};
use serde_json::{Value, json};

use super::ApiConfig;
use super::body::{MAX_BODY_BYTES, Unread, read_bounded};
use super::call::{HashGate, run_blocking};
use super::errors::{Operation, to_response};
use crate::model::UserId;
use crate::service::{FailureKind, ScimClient, Service, ServiceError};

use user::Selection;

const MEDIA_TYPE: &str = "application/scim+json";
const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const SEARCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
/// The most resources one list answers (`filter.maxResults`).
const MAX_RESULTS: usize = 200;
/// The schemas served at `/Schemas`: rocketlite's User (the attributes it stores) and the
/// three core discovery schemas, as `scim2-models` renders RFC 7643's definitions.
const SCHEMAS: &str = include_str!("schemas.json");

/// The SCIM routes, to be nested at `/scim/v2`.
pub fn routes() -> Route {
    Route::new().at("/*path", scim).at("/", scim)
}

/// A SCIM error (RFC 7644 §3.12).
#[derive(Debug)]
pub struct ScimError {
    status: StatusCode,
    scim_type: Option<&'static str>,
    detail: String,
}

impl ScimError {
    fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        ScimError {
            status,
            scim_type: None,
            detail: detail.into(),
        }
    }

    pub fn bad_request(scim_type: &'static str, detail: String) -> Self {
        ScimError {
            status: StatusCode::BAD_REQUEST,
            scim_type: Some(scim_type),
            detail,
        }
    }

    fn response(&self) -> Response {
        let mut body = json!({
            "schemas": [ERROR_SCHEMA],
            "status": self.status.as_u16().to_string(),
            "detail": self.detail,
        });
        if let Some(scim_type) = self.scim_type {
            body["scimType"] = json!(scim_type);
        }
        let mut resp = scim_json(self.status, &body);
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"rocketlite SCIM\""),
            );
        }
        resp
    }
}

impl From<ServiceError> for ScimError {
    fn from(e: ServiceError) -> Self {
        use ServiceError as E;
        // Refusals that Rocket.Chat words keep its words, from the one table of them.
        let words = |e: ServiceError| {
            let body = to_response(e, Operation::Scim).body();
            body["error"].as_str().unwrap_or_default().to_string()
        };
        match e {
            E::Unauthorized => ScimError::new(
                StatusCode::UNAUTHORIZED,
                "Authenticate with Authorization: Bearer <token from rocketlite.scimTokens.create>",
            ),
            E::UserNotFound => ScimError::new(StatusCode::NOT_FOUND, "User not found"),
            e @ E::ScimAdminProtected => ScimError::new(StatusCode::FORBIDDEN, words(e)),
            E::FieldUnavailable(value) => ScimError {
                status: StatusCode::CONFLICT,
                scim_type: Some("uniqueness"),
                detail: format!("{value} is already in use"),
            },
            E::LastAdmin => ScimError::new(StatusCode::CONFLICT, words(E::LastAdmin)),
            E::LastOwner(rooms) => ScimError::new(
                StatusCode::CONFLICT,
                format!(
                    "The user is the last active owner of {}, and --scim-relinquish is refuse: \
                     give those rooms another owner first",
                    rooms.join(", ")
                ),
            ),
            E::Store(cause) => match cause.kind() {
                FailureKind::Contended | FailureKind::Unavailable => ScimError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The database is busy or unavailable: nothing was written, try again",
                ),
                FailureKind::OutcomeUnknown => ScimError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The database connection was lost while committing: the change may have \
                     been written; read it back before trying again",
                ),
                FailureKind::Internal => {
                    tracing::error!(error = %cause, "store failure");
                    ScimError::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
                }
            },
            e => ScimError::bad_request("invalidValue", words(e)),
        }
    }
}

fn scim_json(status: StatusCode, body: &Value) -> Response {
    Response::builder()
        .status(status)
        .content_type(MEDIA_TYPE)
        .body(body.to_string())
}

type ScimResult = Result<Response, ScimError>;

/// One handler for every SCIM path, so that unknown paths and methods get SCIM's errors
/// rather than Rocket.Chat's envelope.
#[handler]
async fn scim(
    req: &Request,
    body: Body,
    service: Data<&Arc<Service>>,
    gate: Data<&Arc<HashGate>>,
) -> Response {
    match serve(req, body, &service, &gate).await {
        Ok(resp) => resp,
        Err(e) => e.response(),
    }
}

async fn serve(req: &Request, body: Body, service: &Arc<Service>, gate: &HashGate) -> ScimResult {
    let client = authenticate(req, service)?;
    let path = req.raw_path_param("path").unwrap_or("");
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let base = base_url(req);
    let method = req.method().clone();
    let query = Query::of(req);
    let only_get = |method: &Method| match *method == Method::GET {
        true => Ok(()),
        false => Err(not_allowed()),
    };
    match segments.as_slice() {
        ["ServiceProviderConfig"] => {
            only_get(&method)?;
            Ok(scim_json(StatusCode::OK, &service_provider_config(&base)))
        }
        ["ResourceTypes"] => {
            only_get(&method)?;
            Ok(list(vec![user_resource_type(&base)], 1, 1))
        }
        ["ResourceTypes", "User"] => {
            only_get(&method)?;
            Ok(scim_json(StatusCode::OK, &user_resource_type(&base)))
        }
        ["Schemas"] => {
            only_get(&method)?;
            let all = schemas(&base);
            let total = all.len();
            Ok(list(all, 1, total))
        }
        ["Schemas", id] => {
            only_get(&method)?;
            let found = schemas(&base).into_iter().find(|s| s["id"] == *id);
            found
                .map(|s| scim_json(StatusCode::OK, &s))
                .ok_or_else(|| ScimError::new(StatusCode::NOT_FOUND, format!("No schema {id}")))
        }
        // Users are the only resources, so a search of all of them is a search of Users.
        [".search"] | ["Users", ".search"] if method == Method::POST => {
            let body = read_json(req, body).await?;
            list_users(service, client, Query::of_search(&body)?, &base).await
        }
        ["Users"] if method == Method::GET => list_users(service, client, query, &base).await,
        ["Users"] if method == Method::POST => {
            let body = read_json(req, body).await?;
            let new = user::new_user(&body)?;
            let _permit = gate.acquire_if(new.password.is_some()).await;
            let created = run_blocking(service, move |s| s.scim_create_user(&client, new)).await?;
            let resource = user::resource(&created, &base);
            let mut resp = scim_json(StatusCode::CREATED, &resource);
            let location = format!("{base}/Users/{}", created.user.id);
            if let Ok(location) = HeaderValue::from_str(&location) {
                resp.headers_mut().insert(header::LOCATION, location);
            }
            Ok(resp)
        }
        [".search"] | ["Users"] | ["Users", ".search"] => Err(not_allowed()),
        ["Users", id] => {
            let id = UserId(id.to_string());
            let selection = Selection::new(query.attributes.as_deref(), query.excluded.as_deref());
            let changes = match method {
                Method::GET => {
                    let found = service.scim_user(&client, &id)?;
                    let resource = selection.apply(user::resource(&found, &base));
                    return Ok(scim_json(StatusCode::OK, &resource));
                }
                Method::DELETE => {
                    let deletion = service.scim_user_deletion(&client, &id);
                    service.commit(deletion).await?;
                    return Ok(StatusCode::NO_CONTENT.into_response());
                }
                Method::PUT => user::replacement(&read_json(req, body).await?)?,
                Method::PATCH => user::patch(&read_json(req, body).await?)?,
                _ => return Err(not_allowed()),
            };
            let hashing = changes
                .iter()
                .any(|c| matches!(c, crate::service::ScimChange::Password(Some(_))));
            let _permit = gate.acquire_if(hashing).await;
            // Checked and hashed on the blocking pool; committed as users.setActiveStatus is.
            let change =
                run_blocking(service, move |s| s.scim_user_change(&client, &id, changes)).await?;
            let changed = service.commit(change).await?;
            let resource = selection.apply(user::resource(&changed, &base));
            Ok(scim_json(StatusCode::OK, &resource))
        }
        _ => Err(ScimError::new(
            StatusCode::NOT_FOUND,
            format!("No SCIM resource at {path}: rocketlite serves Users only"),
        )),
    }
}

fn not_allowed() -> ScimError {
    ScimError::new(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed here")
}

/// The client behind `Authorization: Bearer <secret>`.
fn authenticate(req: &Request, service: &Service) -> Result<ScimClient, ScimError> {
    let secret = req
        .header(header::AUTHORIZATION)
        .and_then(|h| {
            let (scheme, secret) = h.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| secret.trim())
        })
        .ok_or(ServiceError::Unauthorized)?;
    Ok(service.scim_authenticate(secret)?)
}

/// The SCIM root as the client reached it, for `meta.location`. The scheme is https only
/// when a trusted proxy says so.
fn base_url(req: &Request) -> String {
    let trusted = req
        .data::<ApiConfig>()
        .is_some_and(|config| config.trusted_proxies > 0);
    let https = trusted
        && req
            .header("x-forwarded-proto")
            .is_some_and(|p| p.eq_ignore_ascii_case("https"));
    let host = req
        .header(header::HOST)
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c))
        })
        .unwrap_or("localhost");
    let scheme = if https { "https" } else { "http" };
    format!("{scheme}://{host}/scim/v2")
}

async fn read_json(req: &Request, body: Body) -> Result<Value, ScimError> {
    let syntax = |detail: &str| ScimError::bad_request("invalidSyntax", detail.into());
    let bytes = read_bounded(req, body).await.map_err(|e| match e {
        Unread::Late => syntax("the body was not received in time"),
        Unread::TooLarge => ScimError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("bodies are limited to {MAX_BODY_BYTES} bytes"),
        ),
        Unread::Broken => syntax("the body could not be read"),
    })?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(value @ Value::Object(_)) => Ok(value),
        _ => Err(ScimError::bad_request(
            "invalidSyntax",
            "the body must be a JSON object".into(),
        )),
    }
}

/// A list's parameters, from the query string or a `/.search` body.
#[derive(Default)]
struct Query {
    filter: Option<String>,
    start_index: Option<i64>,
    count: Option<i64>,
    attributes: Option<String>,
    excluded: Option<String>,
}

impl Query {
    fn of(req: &Request) -> Self {
        let mut q = Query::default();
        let pairs = form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes());
        for (key, value) in pairs {
            let value = value.into_owned();
            match key.to_ascii_lowercase().as_str() {
                "filter" => q.filter = Some(value),
                // A number that is not one counts as absent, as RFC 7644 §3.4.2.4 allows.
                "startindex" => q.start_index = value.parse().ok(),
                "count" => q.count = value.parse().ok(),
                "attributes" => q.attributes = Some(value),
                "excludedattributes" => q.excluded = Some(value),
                _ => {}
            }
        }
        q
    }

    fn of_search(body: &Value) -> Result<Self, ScimError> {
        let field = |name: &str| user::field(body, name);
        if let Some(schemas) = field("schemas")
            && !schemas
                .as_array()
                .is_some_and(|s| s.iter().any(|s| s == SEARCH_SCHEMA))
        {
            return Err(ScimError::bad_request(
                "invalidSyntax",
                "schemas must list the SearchRequest schema".into(),
            ));
        }
        let names = |name: &str| match field(name) {
            Some(Value::Array(items)) => Some(
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            Some(Value::String(s)) => Some(s.clone()),
            _ => None,
        };
        Ok(Query {
            filter: field("filter").and_then(Value::as_str).map(str::to_string),
            start_index: field("startIndex").and_then(Value::as_i64),
            count: field("count").and_then(Value::as_i64),
            attributes: names("attributes"),
            excluded: names("excludedAttributes"),
        })
    }
}

/// A list may scan every user: it runs off the async workers.
async fn list_users(
    service: &Arc<Service>,
    client: ScimClient,
    query: Query,
    base: &str,
) -> ScimResult {
    let filter = query
        .filter
        .as_deref()
        .map(filter::parse)
        .transpose()
        .map_err(|e| ScimError::bad_request("invalidFilter", e.0))?;
    // RFC 7644 §3.4.2.4: below 1 means 1; a negative count means 0.
    let start = query.start_index.unwrap_or(1).max(1) as usize;
    let count = query
        .count
        .unwrap_or(MAX_RESULTS as i64)
        .clamp(0, MAX_RESULTS as i64) as usize;
    let (users, total) = run_blocking(service, move |s| {
        s.scim_users(&client, filter.as_ref(), start, count)
    })
    .await?;
    let selection = Selection::new(query.attributes.as_deref(), query.excluded.as_deref());
    let resources = users
        .iter()
        .map(|u| selection.apply(user::resource(u, base)))
        .collect();
    Ok(list(resources, start, total))
}

/// A ListResponse of `resources`, the page at `start` of `total`.
fn list(resources: Vec<Value>, start: usize, total: usize) -> Response {
    scim_json(
        StatusCode::OK,
        &json!({
            "schemas": [LIST_SCHEMA],
            "totalResults": total,
            "startIndex": start,
            "itemsPerPage": resources.len(),
            "Resources": resources,
        }),
    )
}

fn service_provider_config(base: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "patch": { "supported": true },
        "bulk": { "supported": false, "maxOperations": 0, "maxPayloadSize": 0 },
        "filter": { "supported": true, "maxResults": MAX_RESULTS },
        "changePassword": { "supported": true },
        "sort": { "supported": false },
        "etag": { "supported": false },
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "Bearer token",
            "description": "A token an admin creates with POST /api/v1/rocketlite.scimTokens.create, sent as Authorization: Bearer <token>.",
            "primary": true,
        }],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": format!("{base}/ServiceProviderConfig"),
        },
    })
}

fn user_resource_type(base: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
        "id": "User",
        "name": "User",
        "endpoint": "/Users",
        "description": "A rocketlite (Rocket.Chat) user account",
        "schema": user::USER_SCHEMA,
        "schemaExtensions": [],
        "meta": {
            "resourceType": "ResourceType",
            "location": format!("{base}/ResourceTypes/User"),
        },
    })
}

fn schemas(base: &str) -> Vec<Value> {
    let mut schemas: Vec<Value> = serde_json::from_str(SCHEMAS).expect("schemas.json is JSON");
    for schema in &mut schemas {
        let id = schema["id"].as_str().unwrap_or_default().to_string();
        schema["meta"] = json!({
            "resourceType": "Schema",
            "location": format!("{base}/Schemas/{id}"),
        });
    }
    schemas
}
