//! The real server on a loopback port, for the tests that race clients against it: its
//! configuration on either engine, a minimal logged-in client, and the invariant check.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use rocketlite::cli::{ScimPolicy, ServeConfig};
use rocketlite::model::RoomId;
use rocketlite::store::Store;
use serde_json::{Value, json};
use tokio::sync::oneshot;

use crate::common::ADMIN_PASSWORD;
use rocketlite_testkit::http::request;

/// A server on redb in `dir`, as the tests run it.
pub(crate) fn config(dir: &Path) -> ServeConfig {
    ServeConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        metrics_listen: None,
        data_dir: dir.to_path_buf(),
        database: None,
        database_timeout_secs: 30,
        database_pool_size: 4,
        admin_username: "admin".into(),
        admin_pass: Some(ADMIN_PASSWORD.into()),
        admin_email: None,
        admin_name: "Administrator".into(),
        login_max_failures_per_user: None,
        login_max_failures_per_ip: None,
        login_window_secs: None,
        trust_proxy: false,
        trusted_proxy_hops: 1,
        login_expiration_days: None,
        max_connections: 10_000,
        header_timeout_secs: 30,
        body_timeout_secs: 30,
        idle_timeout_secs: 60,
        no_default_channel: false,
        no_registration: false,
        create_tokens_secret: None,
        audit_retention_days: None,
        audit_max_entries: rocketlite::service::DEFAULT_AUDIT_MAX_ENTRIES,
        scim_relinquish: ScimPolicy::HandOver,
        // As Rocket.Chat's own suites run it; the limiter's tests turn it on.
        overwrite_settings: vec![("API_Enable_Rate_Limiter".into(), "false".into())],
    }
}

/// Where a test server keeps its data: a temp data directory, and on the PostgreSQL run of
/// the suite (`common::on_postgres`) a fresh database, which the server then uses instead.
pub(crate) struct ServerData {
    dir: tempfile::TempDir,
    database: Option<String>,
}

impl ServerData {
    pub fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let database = match crate::common::on_postgres() {
            // Without PostgreSQL (said loudly by pg_server) the variant runs on redb again.
            true => rocketlite_testkit::pg_server::server().map(|server| {
                server.fresh(&format!("loopback_{}", NEXT.fetch_add(1, Ordering::SeqCst)))
            }),
            false => None,
        };
        ServerData {
            dir: tempfile::tempdir().unwrap(),
            database,
        }
    }

    pub fn config(&self) -> ServeConfig {
        ServeConfig {
            database: self.database.clone(),
            ..config(self.dir.path())
        }
    }

    /// The store the server wrote, opened once it has stopped.
    pub fn open_store(&self) -> Store {
        match &self.database {
            Some(url) => Store::open_postgres(url, 2).unwrap(),
            None => Store::open(&self.dir.path().join("rocketlite.redb")).unwrap(),
        }
    }
}

/// Starts the real server on a loopback port; returns its address and the stop switch.
pub(crate) async fn start(
    data: &ServerData,
) -> (SocketAddr, oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    start_with(data.config()).await
}

/// Like [`start`], with the whole configuration.
pub(crate) async fn start_with(
    config: ServeConfig,
) -> (SocketAddr, oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let (ready_tx, ready_rx) = oneshot::channel();
    let handle = tokio::spawn(async move {
        rocketlite::cli::serve(
            config,
            async {
                stop_rx.await.ok();
            },
            move |addr| {
                ready_tx.send(addr).ok();
            },
        )
        .await
        .unwrap();
    });
    (ready_rx.await.unwrap(), stop_tx, handle)
}

#[derive(Clone)]
pub(crate) struct Client {
    pub addr: SocketAddr,
    pub user_id: String,
    pub token: String,
}

impl Client {
    pub async fn login(addr: SocketAddr, user: &str, password: &str) -> Client {
        let body = json!({"user": user, "password": password}).to_string();
        let (status, resp) = request(addr, "POST", "/api/v1/login", &[], &body)
            .await
            .unwrap();
        assert_eq!(status, 200, "{resp}");
        Client {
            addr,
            user_id: resp["data"]["userId"].as_str().unwrap().into(),
            token: resp["data"]["authToken"].as_str().unwrap().into(),
        }
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send("POST", path, &body.to_string()).await
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.send("GET", path, "").await
    }

    async fn send(&self, method: &str, path: &str, body: &str) -> (u16, Value) {
        let headers = [
            ("X-User-Id", self.user_id.as_str()),
            ("X-Auth-Token", self.token.as_str()),
        ];
        request(self.addr, method, path, &headers, body)
            .await
            .unwrap()
    }

    /// Creates a plain user with the password `pw`; returns its id.
    pub async fn create_user(&self, name: &str) -> String {
        self.create_user_with_roles(name, &["user"]).await
    }

    pub async fn create_user_with_roles(&self, name: &str, roles: &[&str]) -> String {
        let (status, body) = self
            .post("/api/v1/users.create", json!({"username": name, "email": format!("{name}@example.org"), "name": name, "password": "pw", "roles": roles}))
            .await;
        assert_eq!(status, 200, "{body}");
        body["user"]["_id"].as_str().unwrap().into()
    }
}

/// The contract invariant over the stored file: a room with an active member has an active
/// owner (every room here started with one).
pub(crate) fn assert_every_room_has_an_active_owner(store: &Store, rooms: &[String]) {
    let rooms: Vec<RoomId> = rooms.iter().map(|r| RoomId(r.clone())).collect();
    rocketlite_testkit::invariant::assert_rooms_owned(store, rooms);
}

/// `n` users `{user_prefix}0..` and 4 rooms `{room_prefix}0..3` holding all of them, each
/// created by user r, who then makes user r + n/2 a co-owner. Returns (user ids, room ids).
pub(crate) async fn co_owned_rooms(
    admin: &Client,
    user_prefix: &str,
    room_prefix: &str,
    n: usize,
) -> (Vec<String>, Vec<String>) {
    let names: Vec<String> = (0..n).map(|i| format!("{user_prefix}{i}")).collect();
    let mut users = Vec::new();
    for name in &names {
        users.push(admin.create_user(name).await);
    }
    let mut rooms = Vec::new();
    for r in 0..4 {
        let creator = Client::login(admin.addr, &names[r], "pw").await;
        let (status, body) = creator
            .post(
                "/api/v1/channels.create",
                json!({"name": format!("{room_prefix}{r}"), "members": names}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let room = body["channel"]["_id"].as_str().unwrap().to_string();
        let co_owner = &users[(r + n / 2) % n];
        let (status, body) = creator
            .post(
                "/api/v1/channels.addOwner",
                json!({"roomId": room, "userId": co_owner}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        rooms.push(room);
    }
    (users, rooms)
}

/// A race's clock and tally. It runs for at least [`Race::MIN`], then on until every wanted
/// outcome has happened at least once or [`Race::MAX`] has passed. Races assert safety (the
/// invariants afterwards) and never fail because a busy machine served fewer requests: what
/// happened, and any wanted outcome that did not, is reported as counts.
pub(crate) struct Race {
    start: tokio::time::Instant,
    wanted: Vec<String>,
    tally: std::sync::Mutex<std::collections::BTreeMap<String, usize>>,
}

impl Race {
    /// The shortest race: `ROCKETLITE_RACE_SECS` (`.ci/run` sets a longer one), by default
    /// 2 s on redb and 4 s on PostgreSQL, where a request costs several round trips.
    fn min() -> std::time::Duration {
        let default = if crate::common::on_postgres() { 4 } else { 2 };
        std::time::Duration::from_secs(seconds_from_env("ROCKETLITE_RACE_SECS", default))
    }

    /// How long a race may go on waiting for an outcome it wants (`ROCKETLITE_RACE_MAX_SECS`).
    fn max() -> std::time::Duration {
        std::time::Duration::from_secs(seconds_from_env("ROCKETLITE_RACE_MAX_SECS", 30))
            .max(Self::min())
    }

    /// A race that wants each of `wanted` (tally keys) to happen.
    pub fn new(wanted: &[&str]) -> std::sync::Arc<Race> {
        std::sync::Arc::new(Race {
            start: tokio::time::Instant::now(),
            wanted: wanted.iter().map(|k| k.to_string()).collect(),
            tally: Default::default(),
        })
    }

    /// Whether the racing clients should go on.
    pub fn running(&self) -> bool {
        let elapsed = self.start.elapsed();
        if elapsed < Self::min() {
            return true;
        }
        if elapsed >= Self::max() {
            return false;
        }
        let tally = self.tally.lock().unwrap();
        self.wanted.iter().any(|k| !tally.contains_key(k))
    }

    /// Counts one outcome.
    pub fn count(&self, key: impl Into<String>) {
        *self.tally.lock().unwrap().entry(key.into()).or_default() += 1;
    }

    /// Prints what happened (and what never did) under `name`; returns the tally.
    pub fn report(&self, name: &str) -> std::collections::BTreeMap<String, usize> {
        let tally = self.tally.lock().unwrap().clone();
        eprintln!("{name}, {:?}: {tally:?}", self.start.elapsed());
        let missing: Vec<&String> = self
            .wanted
            .iter()
            .filter(|k| !tally.contains_key(*k))
            .collect();
        if !missing.is_empty() {
            eprintln!(
                "{name}: LIVENESS: never happened within {:?}: {missing:?}",
                Self::max()
            );
        }
        tally
    }
}

fn seconds_from_env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
