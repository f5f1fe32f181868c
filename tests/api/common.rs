//! Helpers for the integration tests: an in-process app over a fresh store, JSON requests,
//! users, rooms and state snapshots.

#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use poem::endpoint::BoxEndpoint;
use poem::test::TestClient;
use poem::{EndpointExt, Response};
use rand::{SeedableRng, rngs::StdRng};
use rocketlite::api::ApiConfig;
use rocketlite::service::{AdminSeed, Clock, LoginLimits, Service};
use rocketlite::store::Store;
use serde_json::{Value, json};

pub const ADMIN_PASSWORD: &str = "admin-password";

/// A logged-in user: the two auth headers.
#[derive(Clone, Debug)]
pub struct Session {
    pub user_id: String,
    pub token: String,
}

/// A clock that starts at a fixed instant and advances 1 ms per reading.
pub fn test_clock() -> Clock {
    let now = Arc::new(AtomicI64::new(1_764_000_000_000));
    Arc::new(move || now.fetch_add(1, Ordering::SeqCst))
}

/// Whether the tests run on PostgreSQL: always in the PostgreSQL variant
/// (`tests/api_postgres.rs`), and in the redb one when `ROCKETLITE_TEST_ENGINE=postgres` asks
/// (`ROCKETLITE_TEST_ENGINE=postgres cargo test --test api suite::users`, say).
pub fn on_postgres() -> bool {
    crate::ON_POSTGRES || std::env::var("ROCKETLITE_TEST_ENGINE").as_deref() == Ok("postgres")
}

/// A fresh, empty store for one test: in memory, or a new PostgreSQL database when this
/// suite runs on PostgreSQL ([`on_postgres`]).
pub fn test_store() -> Store {
    if !on_postgres() {
        return Store::in_memory().unwrap();
    }
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    // Without PostgreSQL (said loudly by pg_server) the variant runs on redb again.
    let Some(server) = rocketlite_testkit::pg_server::server() else {
        return Store::in_memory().unwrap();
    };
    let name = format!("api_{}", NEXT.fetch_add(1, Ordering::SeqCst));
    Store::open_postgres(&server.fresh(&name), 4).unwrap()
}

/// A prepared service (permissions seeded, admin bootstrapped) over `store`.
pub fn service_over(store: Store) -> Arc<Service> {
    prepare(Service::new(
        store,
        test_clock(),
        Box::new(StdRng::seed_from_u64(42)),
    ))
}

/// Seeds permissions and bootstraps the admin.
fn prepare(service: Service) -> Arc<Service> {
    service.seed_permissions().unwrap();
    service
        .bootstrap_admin(&AdminSeed {
            username: "admin".into(),
            password: Some(ADMIN_PASSWORD.into()),
            email: Some("admin@example.org".into()),
            name: "Administrator".into(),
        })
        .unwrap();
    // As Rocket.Chat's own suites run (TEST_MODE): no rate limiter, but in its own tests.
    service
        .overwrite_settings(&[("API_Enable_Rate_Limiter".into(), "false".into())])
        .unwrap();
    Arc::new(service)
}

/// The app in process, its service, and the admin's session.
pub struct TestApp {
    pub client: TestClient<BoxEndpoint<'static, Response>>,
    pub service: Arc<Service>,
    pub admin: Session,
}

impl TestApp {
    /// A fresh app over an in-memory store.
    pub async fn new() -> Self {
        Self::over(service_over(test_store())).await
    }

    /// A fresh app over the file at `path`.
    pub async fn on_disk(path: &Path) -> Self {
        Self::over(service_over(Store::open(path).unwrap())).await
    }

    /// A fresh in-memory app with these login limits and HTTP settings.
    pub async fn with_settings(limits: LoginLimits, config: ApiConfig) -> Self {
        let service = Service::new(
            test_store(),
            test_clock(),
            Box::new(StdRng::seed_from_u64(42)),
        )
        .with_login_limits(limits);
        Self::over_with(prepare(service), config).await
    }

    /// A fresh in-memory app whose users.createToken accepts `secret`.
    pub async fn with_token_secret(secret: &str) -> Self {
        let service = Service::new(
            test_store(),
            test_clock(),
            Box::new(StdRng::seed_from_u64(42)),
        )
        .with_create_tokens_secret(Some(secret));
        Self::over(prepare(service)).await
    }

    /// A fresh in-memory app whose SCIM path follows `policy` for sole-owned rooms.
    pub async fn with_scim_policy(policy: rocketlite::service::ScimRelinquish) -> Self {
        let service = Service::new(
            test_store(),
            test_clock(),
            Box::new(StdRng::seed_from_u64(42)),
        )
        .with_scim_relinquish(policy);
        Self::over(prepare(service)).await
    }

    async fn over(service: Arc<Service>) -> Self {
        Self::over_with(service, ApiConfig::default()).await
    }

    async fn over_with(service: Arc<Service>, config: ApiConfig) -> Self {
        let client = TestClient::new(rocketlite::api::app(service.clone(), config).boxed());
        let mut app = TestApp {
            client,
            service,
            admin: Session {
                user_id: String::new(),
                token: String::new(),
            },
        };
        app.admin = app.login("admin", ADMIN_PASSWORD).await;
        app
    }

    /// Sends `body` as raw bytes, with optional auth headers and content type.
    pub async fn send_raw(
        &self,
        method: &str,
        path: &str,
        session: Option<&Session>,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> (u16, Value) {
        let mut req = match method {
            "GET" => self.client.get(path),
            _ => self.client.post(path),
        };
        if let Some(s) = session {
            req = req
                .header("X-User-Id", s.user_id.as_str())
                .header("X-Auth-Token", s.token.as_str());
        }
        if let Some(ct) = content_type {
            req = req.header("Content-Type", ct);
        }
        let resp = req.body(body).send().await.0;
        let status = resp.status().as_u16();
        let bytes = resp.into_body().into_bytes().await.unwrap();
        let json = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
        (status, json)
    }

    pub async fn post(&self, path: &str, session: Option<&Session>, body: Value) -> (u16, Value) {
        let bytes = serde_json::to_vec(&body).unwrap();
        self.send_raw("POST", path, session, Some("application/json"), bytes)
            .await
    }

    /// Posts `pairs` as an HTML form (`application/x-www-form-urlencoded`).
    pub async fn post_form(
        &self,
        path: &str,
        session: Option<&Session>,
        pairs: &[(&str, &str)],
    ) -> (u16, Value) {
        let mut form = form_urlencoded::Serializer::new(String::new());
        form.extend_pairs(pairs);
        let bytes = form.finish().into_bytes();
        let ct = Some("application/x-www-form-urlencoded");
        self.send_raw("POST", path, session, ct, bytes).await
    }

    pub async fn get(&self, path: &str, session: Option<&Session>) -> (u16, Value) {
        self.send_raw("GET", path, session, None, vec![]).await
    }

    pub async fn login(&self, user: &str, password: &str) -> Session {
        let (status, body) = self
            .post(
                "/api/v1/login",
                None,
                json!({"user": user, "password": password}),
            )
            .await;
        assert_eq!(status, 200, "login of {user} failed: {body}");
        Session {
            user_id: body["data"]["userId"].as_str().unwrap().into(),
            token: body["data"]["authToken"].as_str().unwrap().into(),
        }
    }

    /// Creates a user with `roles` through users.create and returns its id.
    pub async fn create_user_with_roles(&self, username: &str, roles: &[&str]) -> String {
        let (status, body) = self
            .post(
                "/api/v1/users.create",
                Some(&self.admin),
                json!({
                    "username": username,
                    "email": format!("{username}@example.org"),
                    "name": username,
                    "password": format!("{username}-password"),
                    "roles": roles,
                }),
            )
            .await;
        assert_eq!(status, 200, "users.create {username}: {body}");
        body["user"]["_id"].as_str().unwrap().into()
    }

    /// Creates a plain user and returns its id.
    pub async fn create_user(&self, username: &str) -> String {
        self.create_user_with_roles(username, &["user"]).await
    }

    /// Creates a user and logs it in.
    pub async fn user_session(&self, username: &str) -> Session {
        self.create_user(username).await;
        self.login(username, &format!("{username}-password")).await
    }

    /// Creates a channel (`c`) or group (`p`) as `by` with `members`; returns its id.
    pub async fn create_room(
        &self,
        kind: &str,
        name: &str,
        by: &Session,
        members: &[&str],
    ) -> String {
        let family = if kind == "c" { "channels" } else { "groups" };
        let key = if kind == "c" { "channel" } else { "group" };
        let (status, body) = self
            .post(
                &format!("/api/v1/{family}.create"),
                Some(by),
                json!({"name": name, "members": members}),
            )
            .await;
        assert_eq!(status, 200, "{family}.create {name}: {body}");
        body[key]["_id"].as_str().unwrap().into()
    }

    pub async fn set_active(
        &self,
        by: &Session,
        user_id: &str,
        active: bool,
        confirm: bool,
    ) -> (u16, Value) {
        self.post(
            "/api/v1/users.setActiveStatus",
            Some(by),
            json!({"userId": user_id, "activeStatus": active, "confirmRelinquish": confirm}),
        )
        .await
    }

    /// Usernames of the owners listed by channels.roles / groups.roles.
    pub async fn owners(&self, family: &str, room_id: &str) -> Vec<String> {
        let (status, body) = self
            .get(
                &format!("/api/v1/{family}.roles?roomId={room_id}"),
                Some(&self.admin),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["roles"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["roles"].as_array().unwrap().contains(&json!("owner")))
            .map(|r| r["u"]["username"].as_str().unwrap().to_string())
            .collect()
    }

    /// Creates a SCIM token as the admin; returns (token id, secret).
    pub async fn scim_token(&self, name: &str) -> (String, String) {
        let (status, body) = self
            .post(
                "/api/v1/rocketlite.scimTokens.create",
                Some(&self.admin),
                json!({ "name": name }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        (
            body["token"]["_id"].as_str().unwrap().into(),
            body["secret"].as_str().unwrap().into(),
        )
    }

    /// One SCIM request with `Authorization: Bearer <secret>`; returns the status, the
    /// Content-Type and the JSON body (`Null` when there is none).
    pub async fn scim(
        &self,
        method: &str,
        path: &str,
        secret: &str,
        body: Option<Value>,
    ) -> (u16, String, Value) {
        let method: poem::http::Method = method.parse().unwrap();
        let mut req = self
            .client
            .request(method, format!("/scim/v2{path}"))
            .header("Authorization", format!("Bearer {secret}"))
            .header("Content-Type", "application/scim+json");
        if let Some(body) = body {
            req = req.body(serde_json::to_vec(&body).unwrap());
        }
        let resp = req.send().await.0;
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let bytes = resp.into_body().into_bytes().await.unwrap();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, content_type, json)
    }

    /// Every stored row, for "nothing changed" assertions.
    pub fn snapshot(&self) -> Vec<String> {
        self.service.store().dump().unwrap()
    }
}

/// A new user `name` with these roles, password `NAME-password`, for service-level tests.
pub fn new_user(name: &str, roles: &[&str]) -> rocketlite::service::NewUser {
    rocketlite::service::NewUser {
        email: format!("{name}@example.org"),
        name: name.into(),
        password: format!("{name}-password"),
        username: name.into(),
        active: true,
        roles: roles.iter().map(|r| r.to_string()).collect(),
        verified: false,
        join_default_channels: true,
        custom_fields: None,
    }
}

/// Logs `user` in through the service and resolves the caller, as a request would.
pub fn service_login(service: &Service, user: &str, password: &str) -> rocketlite::service::Caller {
    let (user, token) = service
        .login(
            &rocketlite::service::LoginName::Username(user.into()),
            &rocketlite::service::Secret::Plain(password.into()),
            None,
        )
        .unwrap();
    service
        .authenticate(
            &user.id,
            rocketlite::model::LoginToken::from_client(token.expose().into()),
        )
        .unwrap()
}

/// The contract's 401 body.
pub fn not_logged_in() -> Value {
    json!({
        "success": false,
        "error": "You must be logged in to do this.",
        "status": "error",
        "message": "You must be logged in to do this."
    })
}

/// The contract's 403 body.
pub fn forbidden() -> Value {
    json!({
        "success": false,
        "error": "User does not have the permissions required for this action [error-unauthorized]"
    })
}

/// The contract's validation failure body for `message`.
pub fn invalid_params(message: &str) -> Value {
    json!({
        "success": false,
        "error": format!("{message} [invalid-params]"),
        "errorType": "invalid-params"
    })
}
