//! The load benchmark: `cargo bench --bench load [-- --engine redb|postgres]`. It seeds
//! databases through the service layer, starts the release binary on a loopback port for each,
//! drives it with many keep-alive connections, and prints one table. Every ratio is between
//! figures measured in this run. `BENCH_SECS` sets each load phase's length (default 4),
//! `BENCH_CONNS` the connections (default 64), `BENCH_SCALE_USERS` the large database
//! (default 1,000,000 on redb, 100,000 on PostgreSQL); `BENCH_ONLY=unread` runs only the
//! unread-answers phase, `BENCH_ONLY=idle` only the idle sweep, `BENCH_ONLY=small` only the small database's rows (read, write,
//! heavy) and the anchors.
//!
//! `--engine postgres` (or `BENCH_ENGINE=postgres`) runs the same phases with the server on a
//! PostgreSQL server of its own (the test kit's, with PostgreSQL's durable defaults), then
//! measures that server itself with `pgbench -S` and `pgbench -N` at the same number of
//! connections: the anchors of the PostgreSQL column.

// Test code states its expectations with `unwrap` (denied in the server's code).
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::{SeedableRng, rngs::StdRng};
use rocketlite::model::{RoomKind, UserId};
use rocketlite::service::{AdminSeed, ImportRoom, NewUser, Service, system_clock};
use rocketlite::store::Store;
use rocketlite_testkit::pg_server;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const ADMIN_PASS: &str = "bench-admin-password";
const PASSWORD: &str = "bench-password";

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A keep-alive HTTP/1.1 connection.
struct Conn {
    stream: BufReader<TcpStream>,
}

impl Conn {
    async fn open(addr: SocketAddr) -> Conn {
        let stream = TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).unwrap();
        Conn {
            stream: BufReader::new(stream),
        }
    }

    /// Sends a request and returns the status and body.
    async fn call(&mut self, request: &[u8]) -> (u16, Vec<u8>) {
        self.stream
            .get_mut()
            .write_all(request)
            .await
            .expect("write");
        let mut status = 0;
        let mut length = 0;
        let mut chunked = false;
        let mut line = String::new();
        loop {
            line.clear();
            self.stream.read_line(&mut line).await.expect("read head");
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if status == 0 {
                status = line
                    .split(' ')
                    .nth(1)
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
            } else if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap_or(0);
                }
                chunked |= name.eq_ignore_ascii_case("transfer-encoding")
                    && value.trim().eq_ignore_ascii_case("chunked");
            }
        }
        if !chunked {
            let mut body = vec![0; length];
            self.stream.read_exact(&mut body).await.expect("read body");
            return (status, body);
        }
        // A walked list: chunks until one of size 0.
        let mut body = Vec::new();
        loop {
            line.clear();
            self.stream
                .read_line(&mut line)
                .await
                .expect("read chunk size");
            let size = usize::from_str_radix(line.trim(), 16).expect("chunk size");
            let mut chunk = vec![0; size + 2];
            self.stream
                .read_exact(&mut chunk)
                .await
                .expect("read chunk");
            if size == 0 {
                return (status, body);
            }
            body.extend_from_slice(&chunk[..size]);
        }
    }
}

fn request(method: &str, path: &str, auth: Option<&(String, String)>, body: &str) -> Vec<u8> {
    let mut r = format!(
        "{method} {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some((user, token)) = auth {
        r.push_str(&format!("X-User-Id: {user}\r\nX-Auth-Token: {token}\r\n"));
    }
    r.push_str("\r\n");
    r.push_str(body);
    r.into_bytes()
}

/// Throughput and latencies of one load phase.
struct Load {
    requests: u64,
    rps: f64,
    p50_us: u64,
    p99_us: u64,
}

/// Runs `conns` connections for `secs`; connection `i` sends `make(i, n)` as its n-th request.
async fn load(
    addr: SocketAddr,
    conns: usize,
    secs: f64,
    make: Arc<dyn Fn(usize, u64) -> Vec<u8> + Send + Sync>,
) -> Load {
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let mut tasks = Vec::new();
    for i in 0..conns {
        let make = Arc::clone(&make);
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::open(addr).await;
            let mut latencies = Vec::new();
            let mut n = 0;
            while Instant::now() < deadline {
                let req = make(i, n);
                let start = Instant::now();
                let (status, body) = conn.call(&req).await;
                assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
                latencies.push(start.elapsed().as_micros() as u64);
                n += 1;
            }
            latencies
        }));
    }
    let started = Instant::now();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort_unstable();
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)];
    Load {
        requests: all.len() as u64,
        rps: all.len() as f64 / elapsed,
        p50_us: pct(0.5),
        p99_us: pct(0.99),
    }
}

/// What a seeded data directory holds.
struct Seeded {
    /// Plain users, for reads and status toggles.
    users: Vec<UserId>,
    /// Sole owners of 1,000 and 10,000 rooms of 10 members.
    heavy: Vec<(usize, UserId)>,
    /// Users whose passwords are hashed at full cost, for the login flood.
    flood_users: Vec<String>,
}

fn new_user(name: String, roles: &[&str]) -> NewUser {
    NewUser {
        email: format!("{name}@example.org"),
        name: name.clone(),
        password: PASSWORD.into(),
        username: name,
        active: true,
        roles: roles.iter().map(|r| r.to_string()).collect(),
        verified: false,
        join_default_channels: false,
        custom_fields: None,
    }
}

/// The storage engine under test.
enum Engine {
    Redb,
    Postgres(pg_server::PgServer),
}

impl Engine {
    /// From `--engine NAME` or `BENCH_ENGINE` (default redb).
    fn from_args() -> Engine {
        let args: Vec<String> = std::env::args().collect();
        let name = args
            .windows(2)
            .find(|pair| pair[0] == "--engine")
            .map(|pair| pair[1].clone())
            .or_else(|| std::env::var("BENCH_ENGINE").ok())
            .unwrap_or_else(|| "redb".into());
        match name.as_str() {
            "redb" => Engine::Redb,
            "postgres" | "postgresql" => Engine::Postgres(
                pg_server::own_server("bench", true).expect("PostgreSQL's binaries are needed"),
            ),
            other => panic!("--engine is redb or postgres, not {other}"),
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Engine::Redb => "redb",
            Engine::Postgres(_) => "PostgreSQL",
        }
    }

    /// A new, empty place for one phase's data.
    fn place(&self, name: &str) -> Place {
        match self {
            Engine::Redb => Place::Dir(tempfile::tempdir().unwrap()),
            Engine::Postgres(server) => Place::Database(server.fresh(name)),
        }
    }
}

/// Where one phase's data lives: a data directory, or a PostgreSQL database.
enum Place {
    Dir(tempfile::TempDir),
    Database(String),
}

impl Place {
    fn open(&self) -> Store {
        match self {
            Place::Dir(dir) => Store::open(&dir.path().join("rocketlite.redb")).unwrap(),
            Place::Database(url) => Store::open_postgres(url, 4).unwrap(),
        }
    }

    /// The server's flags for this place.
    fn server_args(&self) -> Vec<String> {
        match self {
            Place::Dir(dir) => vec!["--data-dir".into(), dir.path().display().to_string()],
            Place::Database(url) => vec!["--database".into(), url.clone()],
        }
    }
}

/// A service over a new store at `place` with the admin, hashing at a cheap cost, for seeding.
fn seeding_service(place: &Place, seed: u64) -> Service {
    let store = place.open();
    let cheap = argon2::Params::new(8, 1, 1, None).unwrap();
    let service = Service::new(store, system_clock(), Box::new(StdRng::seed_from_u64(seed)))
        .with_argon2_params(cheap);
    service.seed_permissions().unwrap();
    service
        .bootstrap_admin(&AdminSeed {
            username: "admin".into(),
            password: Some(ADMIN_PASS.into()),
            email: None,
            name: "Admin".into(),
        })
        .unwrap();
    service
}

/// Seeds `dir` through the service layer: `users` plain users, `rooms` filler rooms of 10,
/// the heavy owners' rooms, and the flood users.
fn seed(place: &Place, users: usize, rooms: usize, heavy: &[usize]) -> Seeded {
    let service = seeding_service(place, 1);
    let mut ids = Vec::with_capacity(users);
    for chunk in (0..users).collect::<Vec<_>>().chunks(50_000) {
        let batch = chunk
            .iter()
            .map(|i| new_user(format!("user{i}"), &["user"]))
            .collect();
        ids.extend(service.import_users(batch).unwrap());
    }
    // Room members come from the first half of the users; the write phase toggles users of
    // the second half, who are in no room, so it measures commits, and `heavy` measures the
    // room work.
    let member_pool = &ids[..(ids.len() / 2).min(100_000)];
    let mut room_no = 0;
    let mut make_rooms = |owner: &UserId, count: usize, service: &Service| {
        for chunk in (0..count).collect::<Vec<_>>().chunks(5_000) {
            let batch = chunk
                .iter()
                .map(|_| {
                    room_no += 1;
                    let members = (1..10)
                        .map(|j| member_pool[(room_no * 7 + j * 13) % member_pool.len()].clone())
                        .collect();
                    ImportRoom {
                        kind: RoomKind::Channel,
                        name: format!("room{room_no}"),
                        creator: owner.clone(),
                        members,
                    }
                })
                .collect();
            service.import_rooms(batch).unwrap();
        }
    };
    for (i, chunk) in (0..rooms).collect::<Vec<_>>().chunks(10).enumerate() {
        // Filler rooms, each owned by a different plain user.
        let owner = ids[(i * 31) % ids.len()].clone();
        make_rooms(&owner, chunk.len(), &service);
    }
    let mut heavy_owners = Vec::new();
    for (n, &k) in heavy.iter().enumerate() {
        let owner = service
            .import_users(vec![new_user(format!("heavy{n}"), &["user"])])
            .unwrap()
            .remove(0);
        make_rooms(&owner, k, &service);
        heavy_owners.push((k, owner));
    }
    // Full-cost hashes, as real accounts have.
    let full = Service::new(
        service.into_store(),
        system_clock(),
        Box::new(StdRng::seed_from_u64(2)),
    );
    let flood_users: Vec<String> = (0..8).map(|i| format!("flood{i}")).collect();
    full.import_users(
        flood_users
            .iter()
            .map(|n| new_user(n.clone(), &["user"]))
            .collect(),
    )
    .unwrap();
    Seeded {
        users: ids,
        heavy: heavy_owners,
        flood_users,
    }
}

/// Seeds `dir` for the idle sweep: `idle` guests, a pause, then `fresh` guests. Returns the
/// instant (ms since the epoch) in the middle of the pause (everyone created before it is
/// idle for any cutoff placed there) and the fresh guests' ids.
fn seed_idle(place: &Place, idle: usize, fresh: usize) -> (i64, Vec<UserId>) {
    let service = seeding_service(place, 3);
    let guests = |from: usize, to: usize| {
        (from..to)
            .map(|i| new_user(format!("guest{i}"), &["guest"]))
            .collect::<Vec<_>>()
    };
    for start in (0..idle).step_by(50_000) {
        service
            .import_users(guests(start, (start + 50_000).min(idle)))
            .unwrap();
    }
    std::thread::sleep(Duration::from_millis(500));
    let middle = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    std::thread::sleep(Duration::from_millis(500));
    let mut fresh_ids = Vec::with_capacity(fresh);
    for start in (idle..idle + fresh).step_by(50_000) {
        let end = (start + 50_000).min(idle + fresh);
        fresh_ids.extend(service.import_users(guests(start, end)).unwrap());
    }
    (middle, fresh_ids)
}

/// The release binary, running on a data directory.
struct Server {
    child: Child,
    addr: SocketAddr,
    /// Its Prometheus listener, for the PostgreSQL round-trip counter.
    metrics_addr: SocketAddr,
    /// Whether it runs on PostgreSQL (redb has no round trips to count).
    on_postgres: bool,
    started_to_first_answer: Duration,
    admin: (String, String),
}

impl Server {
    async fn start(place: &Place) -> Server {
        Server::start_with(place, &[]).await
    }

    /// Like [`Server::start`], with more environment variables (settings).
    async fn start_with(place: &Place, env: &[(&str, &str)]) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let metrics_port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let metrics_addr: SocketAddr = format!("127.0.0.1:{metrics_port}").parse().unwrap();
        let started = Instant::now();
        let child = Command::new(env!("CARGO_BIN_EXE_rocketlite"))
            .args(["--listen", &addr.to_string()])
            .args(["--metrics-listen", &metrics_addr.to_string()])
            .args(place.server_args())
            // The rows measure the server's own costs, as Rocket.Chat's suites run it; the
            // limiter has its own row.
            .env("OVERWRITE_SETTING_API_Enable_Rate_Limiter", "false")
            .envs(env.iter().copied())
            .env(
                "RUST_LOG",
                std::env::var("BENCH_SERVER_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdout(Stdio::inherit())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let first_answer = loop {
            if let Ok(mut conn) =
                tokio::time::timeout(Duration::from_millis(50), Conn::open_checked(addr))
                    .await
                    .unwrap_or(None)
                    .ok_or(())
            {
                let (status, _) = conn.call(&request("GET", "/api/info", None, "")).await;
                if status == 200 {
                    break started.elapsed();
                }
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        };
        let mut conn = Conn::open(addr).await;
        let body = format!(r#"{{"user":"admin","password":"{ADMIN_PASS}"}}"#);
        let (status, resp) = conn
            .call(&request("POST", "/api/v1/login", None, &body))
            .await;
        assert_eq!(status, 200);
        let resp: serde_json::Value = serde_json::from_slice(&resp).unwrap();
        let admin = (
            resp["data"]["userId"].as_str().unwrap().to_string(),
            resp["data"]["authToken"].as_str().unwrap().to_string(),
        );
        Server {
            child,
            addr,
            metrics_addr,
            on_postgres: matches!(place, Place::Database(_)),
            started_to_first_answer: first_answer,
            admin,
        }
    }

    /// PostgreSQL round trips and conflicted write attempts so far
    /// (`rocketlite_database_round_trips_total`, `…_conflicts_total`); `None` on redb.
    async fn round_trips(&self) -> Option<(u64, u64)> {
        if !self.on_postgres {
            return None;
        }
        let mut conn = Conn::open(self.metrics_addr).await;
        let (_, body) = conn.call(&request("GET", "/metrics", None, "")).await;
        let text = String::from_utf8_lossy(&body);
        let counter = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().parse().ok())
        };
        Some((
            counter("rocketlite_database_round_trips_total ")?,
            counter("rocketlite_database_conflicts_total ").unwrap_or(0),
        ))
    }

    /// Round trips (and conflicts) per request over `requests` requests since `before`.
    async fn trips_per_request(&self, before: Option<(u64, u64)>, requests: u64) -> Option<String> {
        let (before, after) = (before?, self.round_trips().await?);
        let per = |a: u64, b: u64| (a - b) as f64 / requests.max(1) as f64;
        Some(format!(
            "{:.1} round trips, {:.2} conflicts per request",
            per(after.0, before.0),
            per(after.1, before.1)
        ))
    }

    fn rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let kib: f64 = status
            .lines()
            .find(|l| l.starts_with("VmRSS:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap();
        kib / 1024.0
    }

    /// Time for one deactivation with confirmRelinquish.
    async fn deactivate(&self, user: &UserId) -> Duration {
        let mut conn = Conn::open(self.addr).await;
        let body =
            format!(r#"{{"userId":"{user}","activeStatus":false,"confirmRelinquish":true}}"#);
        let req = request(
            "POST",
            "/api/v1/users.setActiveStatus",
            Some(&self.admin),
            &body,
        );
        let start = Instant::now();
        let (status, resp) = conn.call(&req).await;
        let took = start.elapsed();
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&resp));
        took
    }

    async fn stop(mut self) {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        self.child.wait().unwrap();
    }
}

impl Conn {
    async fn open_checked(addr: SocketAddr) -> Option<Conn> {
        let stream = TcpStream::connect(addr).await.ok()?;
        stream.set_nodelay(true).ok()?;
        Some(Conn {
            stream: BufReader::new(stream),
        })
    }
}

/// What one login flood measured.
struct Flood {
    base_p99_us: u64,
    flooded_p99_us: u64,
    logins_per_s: f64,
    rss_mib: f64,
}

/// users.info p99 over `readers` connections alone, then again while 16 connections log in
/// as fast as they can; the server's RSS right after.
async fn login_flood(server: &Server, readers: usize, secs: f64, small: &Seeded) -> Flood {
    let base = load(
        server.addr,
        readers,
        secs,
        read_load(&server.admin, &small.users),
    )
    .await;
    let flood_users = small.flood_users.clone();
    let flooders = tokio::spawn({
        let addr = server.addr;
        async move {
            load(
                addr,
                16,
                secs + 1.0,
                Arc::new(move |i, _| {
                    let body = format!(
                        r#"{{"user":"{}","password":"{PASSWORD}"}}"#,
                        flood_users[i % flood_users.len()]
                    );
                    request("POST", "/api/v1/login", None, &body)
                }),
            )
            .await
        }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let flooded = load(
        server.addr,
        readers,
        secs,
        read_load(&server.admin, &small.users),
    )
    .await;
    let logins = flooders.await.unwrap();
    Flood {
        base_p99_us: base.p99_us,
        flooded_p99_us: flooded.p99_us,
        logins_per_s: logins.rps,
        rss_mib: server.rss_mib(),
    }
}

/// Logs `user` in; its headers.
async fn login_as(addr: SocketAddr, user: &str, password: &str) -> (String, String) {
    let mut conn = Conn::open(addr).await;
    let body = format!(r#"{{"user":"{user}","password":"{password}"}}"#);
    let (status, resp) = conn
        .call(&request("POST", "/api/v1/login", None, &body))
        .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&resp));
    let resp: serde_json::Value = serde_json::from_slice(&resp).unwrap();
    (
        resp["data"]["userId"].as_str().unwrap().to_string(),
        resp["data"]["authToken"].as_str().unwrap().to_string(),
    )
}

/// The latency of `req` over one connection, called one after another for `secs`, and
/// `probe` run between calls (for RSS); returns (p50, max) in ms.
async fn sequential_latency(
    addr: SocketAddr,
    secs: f64,
    make: &dyn Fn(u64) -> Vec<u8>,
    mut probe: impl FnMut(),
) -> (f64, f64) {
    let mut conn = Conn::open(addr).await;
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let mut times = Vec::new();
    let mut n = 0;
    while Instant::now() < deadline {
        let start = Instant::now();
        let (status, body) = conn.call(&make(n)).await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        times.push(start.elapsed().as_secs_f64() * 1e3);
        probe();
        n += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], times[times.len() - 1])
}

/// What the unread-answers attack measured.
struct Unread {
    answer_bytes: usize,
    rss_before: f64,
    rss_peak: f64,
    rss_after: f64,
    info_p50_ms: f64,
    info_max_ms: f64,
}

/// Issue 27's attack: `clients` connections each ask for every user (`count=0`) and never
/// read the answer (a small receive window, as over a slow link, so the kernel cannot take
/// it off the server's hands); meanwhile `/api/info` is timed and RSS watched; then the
/// clients go and RSS is read again.
async fn unread_lists(server: &Server, clients: usize, secs: f64) -> Unread {
    let list = request("GET", "/api/v1/users.list?count=0", Some(&server.admin), "");
    let (status, body) = Conn::open(server.addr).await.call(&list).await;
    assert_eq!(status, 200);
    let rss_before = server.rss_mib();
    let mut held = Vec::with_capacity(clients);
    for _ in 0..clients {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        let mut stream = socket.connect(server.addr).await.unwrap();
        stream.write_all(&list).await.unwrap();
        held.push(stream);
    }
    let mut rss_peak = rss_before;
    let info = request("GET", "/api/info", None, "");
    let (info_p50_ms, info_max_ms) =
        sequential_latency(server.addr, secs, &|_| info.clone(), || {
            rss_peak = rss_peak.max(server.rss_mib())
        })
        .await;
    drop(held);
    tokio::time::sleep(Duration::from_secs(2)).await;
    Unread {
        answer_bytes: body.len(),
        rss_before,
        rss_peak,
        rss_after: server.rss_mib(),
        info_p50_ms,
        info_max_ms,
    }
}

/// Issue 27's heavy legal reads: `/api/info` and a small write, each timed alone and then
/// while 16 connections of one plain user read every user (`count=0`) as fast as they can.
/// Returns ((info alone, info under load), (write alone, write under load)) p50 in ms.
async fn heavy_reads(
    server: &Server,
    reader: &(String, String),
    secs: f64,
) -> ((f64, f64), (f64, f64)) {
    let info = request("GET", "/api/info", None, "");
    let admin = server.admin.clone();
    let write = move |n: u64| {
        let body = format!(
            r#"{{"userId":"{}","data":{{"name":"Admin {}"}}}}"#,
            admin.0,
            n % 2
        );
        request("POST", "/api/v1/users.update", Some(&admin), &body)
    };
    let info_alone = sequential_latency(server.addr, secs, &|_| info.clone(), || {})
        .await
        .0;
    let write_alone = sequential_latency(server.addr, secs, &write, || {}).await.0;
    let list = request("GET", "/api/v1/users.list?count=0", Some(reader), "");
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readers: Vec<_> = (0..16)
        .map(|_| {
            let (list, stop, addr) = (list.clone(), Arc::clone(&stop), server.addr);
            tokio::spawn(async move {
                let mut conn = Conn::open(addr).await;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let (status, _) = conn.call(&list).await;
                    assert_eq!(status, 200);
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let info_loaded = sequential_latency(server.addr, secs, &|_| info.clone(), || {})
        .await
        .0;
    let write_loaded = sequential_latency(server.addr, secs, &write, || {}).await.0;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for r in readers {
        r.await.unwrap();
    }
    ((info_alone, info_loaded), (write_alone, write_loaded))
}

/// With the rate limiter on: one plain user creating channels as fast as it can for `secs`;
/// (created, refused with 429).
async fn channel_flood(server: &Server, user: &(String, String), secs: f64) -> (usize, usize) {
    let mut conn = Conn::open(server.addr).await;
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let (mut created, mut refused) = (0, 0);
    let mut n = 0;
    while Instant::now() < deadline {
        let body = format!(r#"{{"name":"flood-{n}"}}"#);
        let (status, resp) = conn
            .call(&request(
                "POST",
                "/api/v1/channels.create",
                Some(user),
                &body,
            ))
            .await;
        match status {
            200 => created += 1,
            429 => refused += 1,
            _ => panic!("{status}: {}", String::from_utf8_lossy(&resp)),
        }
        n += 1;
    }
    (created, refused)
}

fn read_load(
    admin: &(String, String),
    users: &[UserId],
) -> Arc<dyn Fn(usize, u64) -> Vec<u8> + Send + Sync> {
    let (admin, users) = (admin.clone(), users.to_vec());
    Arc::new(move |i, n| {
        let user = &users[(i * 7919 + n as usize * 104_729) % users.len()];
        request(
            "GET",
            &format!("/api/v1/users.info?userId={user}"),
            Some(&admin),
            "",
        )
    })
}

/// What one connection's small admin writes met while the sole owner of 2,000 rooms was
/// deactivated on another.
struct Stall {
    worst: Duration,
    writes: usize,
    heavy: Duration,
}

/// Deactivates the third heavy owner (2,000 rooms) while another connection deactivates
/// users of the second half, who are in no room, one after another until it is done.
async fn stall_during_heavy(server: &Server, seeded: &Seeded) -> Stall {
    let done = std::sync::atomic::AtomicBool::new(false);
    let bystanders = &seeded.users[seeded.users.len() / 2..];
    let small_writes = async {
        let (mut worst, mut writes) = (Duration::ZERO, 0);
        // Every write starts before the deactivation is known to be over; the first one
        // races its start.
        while !done.load(std::sync::atomic::Ordering::Relaxed) {
            let took = server
                .deactivate(&bystanders[writes % bystanders.len()])
                .await;
            worst = worst.max(took);
            writes += 1;
        }
        (worst, writes)
    };
    let heavy = async {
        let took = server.deactivate(&seeded.heavy[2].1).await;
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        took
    };
    let ((worst, writes), heavy) = tokio::join!(small_writes, heavy);
    Stall {
        worst,
        writes,
        heavy,
    }
}

/// The idle sweep: 100,000 guests, of whom the 10,000 oldest are idle, deactivated by one
/// users.deactivateIdle, beside single calls (and, given the `write` row's rate, what 64
/// connections of them would take).
async fn idle_phase(
    engine: &Engine,
    write_rps: Option<f64>,
    row: &mut impl FnMut(&str, String, &str),
) {
    let idle_place = engine.place("bench_idle");
    let (middle, fresh) = seed_idle(&idle_place, 10_000, 90_000);
    let server = Server::start(&idle_place).await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let days = (now - middle) as f64 / 86_400_000.0;
    let mut conn = Conn::open(server.addr).await;
    let body = format!(r#"{{"daysIdle":{days},"role":"guest"}}"#);
    let req = request(
        "POST",
        "/api/v1/users.deactivateIdle",
        Some(&server.admin),
        &body,
    );
    let trips = server.round_trips().await;
    let start = Instant::now();
    let (status, resp) = conn.call(&req).await;
    let idle_time = start.elapsed();
    let resp = String::from_utf8_lossy(&resp);
    assert_eq!(status, 200, "{resp}");
    assert!(
        resp.contains(r#""count":10000"#),
        "the 10,000 oldest, and only they: {resp}"
    );
    if let Some(cell) = server.trips_per_request(trips, 1).await {
        row("idle 10,000 of 100,000: PostgreSQL", cell, "");
    }
    // What an admin script does instead: one setActiveStatus after another. 500 of them,
    // timed, stand for 10,000; beside it, 10,000 at the `write` row's concurrent rate.
    let sample = 500;
    let start = Instant::now();
    for user in &fresh[..sample] {
        server.deactivate(user).await;
    }
    let sequential = start.elapsed().as_secs_f64() * (10_000 / sample) as f64;
    let idle_s = idle_time.as_secs_f64();
    let concurrent = write_rps.map_or(String::new(), |rps| {
        let concurrent = 10_000.0 / rps;
        format!(
            " ({concurrent:.1} s = {:.1} x at 64 conns)",
            concurrent / idle_s
        )
    });
    row(
        "idle: 10,000 of 100,000 in one call",
        format!(
            "{:.0} ms; 10,000 single calls {:.1} s = {:.0} x{concurrent}",
            idle_s * 1e3,
            sequential,
            sequential / idle_s,
        ),
        ">= 20 x",
    );
    server.stop().await;
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let secs = env_or("BENCH_SECS", 4) as f64;
    let conns = env_or("BENCH_CONNS", 64) as usize;
    let engine = Engine::from_args();
    let scale_default = match engine {
        Engine::Redb => 1_000_000,
        Engine::Postgres(_) => 100_000,
    };
    let scale_users = env_or("BENCH_SCALE_USERS", scale_default) as usize;
    let mut rows: Vec<(String, String, String)> = Vec::new();
    let mut row = |name: &str, value: String, target: &str| {
        println!("{name:<34} {value:<28} {target}");
        rows.push((name.into(), value, target.into()));
    };
    println!(
        "rocketlite load benchmark on {}: {conns} connections, {secs} s per phase\n",
        engine.name()
    );

    // `BENCH_ONLY=unread` runs only the unread-answers phase, `BENCH_ONLY=idle` the sweep.
    match std::env::var("BENCH_ONLY").as_deref() {
        Ok("unread") => return unread_phase(&engine, secs, &mut row).await,
        Ok("idle") => return idle_phase(&engine, None, &mut row).await,
        _ => {}
    }

    // --- small database: 10,000 users, heavy owners of 1,000, 10,000 and 2,000 rooms.
    let small_place = engine.place("bench_small");
    let t = Instant::now();
    let small = seed(&small_place, 10_000, 0, &[1_000, 10_000, 2_000]);
    eprintln!(
        "seeded the small database in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let server = Server::start(&small_place).await;

    let ceiling = load(
        server.addr,
        conns,
        secs,
        Arc::new(|_, _| request("GET", "/api/info", None, "")),
    )
    .await;
    row(
        "ceiling GET /api/info",
        format!("{:.0} req/s", ceiling.rps),
        "reference",
    );
    let trips = server.round_trips().await;
    let read = load(
        server.addr,
        conns,
        secs,
        read_load(&server.admin, &small.users),
    )
    .await;
    if let Some(cell) = server.trips_per_request(trips, read.requests).await {
        row("read: PostgreSQL", cell, "pgbench -S: 1 statement");
    }
    row(
        "read users.info",
        format!(
            "{:.0} req/s = {:.2} x ceiling",
            read.rps,
            read.rps / ceiling.rps
        ),
        ">= 0.8 x ceiling",
    );
    row(
        "read latency",
        format!("p50 {} us, p99 {} us", read.p50_us, read.p99_us),
        "",
    );

    let toggles = {
        let (admin, users) = (
            server.admin.clone(),
            small.users[small.users.len() / 2..].to_vec(),
        );
        Arc::new(move |i: usize, n: u64| {
            // Each connection owns a slice of users and walks it, alternating the status.
            let per = users.len() / 64;
            let user = &users[(i % 64) * per + (n as usize / 2) % per];
            let active = n % 2 == 1;
            let body = format!(r#"{{"userId":"{user}","activeStatus":{active}}}"#);
            request("POST", "/api/v1/users.setActiveStatus", Some(&admin), &body)
        })
    };
    let trips = server.round_trips().await;
    let write = load(server.addr, conns, secs, toggles).await;
    if let Some(cell) = server.trips_per_request(trips, write.requests).await {
        row(
            "write: PostgreSQL",
            cell,
            "pgbench -N: 5 (BEGIN, 3 statements, END)",
        );
    }
    row(
        "write users.setActiveStatus",
        format!(
            "{:.0} req/s = {:.3} x read",
            write.rps,
            write.rps / read.rps
        ),
        ">= 0.5 x read",
    );
    row(
        "write latency",
        format!("p50 {} us, p99 {} us", write.p50_us, write.p99_us),
        "",
    );

    let trips = server.round_trips().await;
    let heavy_1k = server.deactivate(&small.heavy[0].1).await;
    if let Some(cell) = server.trips_per_request(trips, 1).await {
        row("heavy 1,000 rooms: PostgreSQL", cell, "");
    }
    let trips = server.round_trips().await;
    let heavy_10k = server.deactivate(&small.heavy[1].1).await;
    if let Some(cell) = server.trips_per_request(trips, 1).await {
        row("heavy 10,000 rooms: PostgreSQL", cell, "");
    }
    row(
        "heavy 1,000 rooms",
        format!("{:.1} ms", heavy_1k.as_secs_f64() * 1e3),
        "",
    );
    row(
        "heavy 10,000 rooms",
        format!(
            "{:.1} ms, {:.1} x the 1,000",
            heavy_10k.as_secs_f64() * 1e3,
            heavy_10k.as_secs_f64() / heavy_1k.as_secs_f64()
        ),
        "< 150 ms, ratio <= 11",
    );
    let stall = stall_during_heavy(&server, &small).await;
    row(
        "small writes during 2,000 rooms",
        format!(
            "worst {:.1} ms of {} writes; the deactivation {:.0} ms",
            stall.worst.as_secs_f64() * 1e3,
            stall.writes,
            stall.heavy.as_secs_f64() * 1e3
        ),
        "< 250 ms; < 1 s",
    );

    // `BENCH_ONLY=small`: the rows above and the anchors, nothing else.
    if std::env::var("BENCH_ONLY").as_deref() == Ok("small") {
        server.stop().await;
        anchors(&engine, conns, secs, read.rps, write.rps, &mut row);
        return;
    }

    // Login flood: users.info p99 alone, then with 16 more connections logging in; at half
    // the connections (a baseline p99 near 1 ms) and at all of them (near 3 ms).
    for readers in [conns / 2, conns] {
        let flood = login_flood(&server, readers, secs, &small).await;
        row(
            &format!("login flood, {readers} readers: p99"),
            format!(
                "{} us vs {} us = {:.2} x",
                flood.flooded_p99_us,
                flood.base_p99_us,
                flood.flooded_p99_us as f64 / flood.base_p99_us as f64
            ),
            "<= 3 x",
        );
        row(
            &format!("login flood, {readers} readers: logins"),
            format!(
                "{:.0} logins/s, server RSS {:.0} MiB",
                flood.logins_per_s, flood.rss_mib
            ),
            "RSS < 128 MiB",
        );
    }
    // Heavy legal reads by one plain user (issue 27, item 9).
    let reader = login_as(server.addr, "user1", PASSWORD).await;
    let ((info_alone, info_loaded), (write_alone, write_loaded)) =
        heavy_reads(&server, &reader, secs / 2.0).await;
    row(
        "16 x users.list?count=0: /api/info",
        format!("p50 {info_loaded:.1} ms (alone {info_alone:.1} ms)"),
        "stays in ms",
    );
    row(
        "16 x users.list?count=0: a write",
        format!("p50 {write_loaded:.1} ms (alone {write_alone:.1} ms)"),
        "stays in ms",
    );
    server.stop().await;

    unread_phase(&engine, secs, &mut row).await;

    // --- the rate limiter on, as by default.
    let server = Server::start_with(
        &small_place,
        &[("OVERWRITE_SETTING_API_Enable_Rate_Limiter", "true")],
    )
    .await;
    let limited_read = load(
        server.addr,
        conns,
        secs,
        read_load(&server.admin, &small.users),
    )
    .await;
    row(
        "limiter on: read (admin, not counted)",
        format!(
            "{:.0} req/s = {:.2} x read with it off",
            limited_read.rps,
            limited_read.rps / read.rps
        ),
        "no regression beyond noise",
    );
    let flooder = login_as(server.addr, "user2", PASSWORD).await;
    let (created, refused) = channel_flood(&server, &flooder, secs).await;
    row(
        "limiter on: one user's channels.create",
        format!("{created} created, {refused} refused (429) in {secs} s"),
        "10 a minute",
    );
    server.stop().await;

    idle_phase(&engine, Some(write.rps), &mut row).await;

    // --- large database.
    let big_place = engine.place("bench_big");
    let t = Instant::now();
    let big = seed(&big_place, scale_users, scale_users / 10, &[10_000]);
    eprintln!(
        "seeded {scale_users} users and {} rooms in {:.1} s",
        scale_users / 10,
        t.elapsed().as_secs_f64()
    );
    let server = Server::start(&big_place).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle_rss = server.rss_mib();
    row(
        &format!("scale {scale_users} users: start"),
        format!(
            "{:.0} ms to first answer",
            server.started_to_first_answer.as_secs_f64() * 1e3
        ),
        "<= 1 s",
    );
    row("scale: idle RSS", format!("{idle_rss:.1} MiB"), "< 100 MiB");
    let big_read = load(
        server.addr,
        conns,
        secs,
        read_load(&server.admin, &big.users),
    )
    .await;
    row(
        "scale: read",
        format!(
            "{:.0} req/s = {:.2} x small read",
            big_read.rps,
            big_read.rps / read.rps
        ),
        ">= 0.85 x",
    );
    let big_heavy = server.deactivate(&big.heavy[0].1).await;
    row(
        "scale: heavy 10,000 rooms",
        format!(
            "{:.1} ms = {:.2} x small heavy",
            big_heavy.as_secs_f64() * 1e3,
            big_heavy.as_secs_f64() / heavy_10k.as_secs_f64()
        ),
        "<= 1.5 x",
    );
    server.stop().await;

    anchors(&engine, conns, secs, read.rps, write.rps, &mut row);
}

/// PostgreSQL's own figures on the same server, the anchors of the PostgreSQL column.
fn anchors(
    engine: &Engine,
    conns: usize,
    secs: f64,
    read_rps: f64,
    write_rps: f64,
    row: &mut impl FnMut(&str, String, &str),
) {
    if let Engine::Postgres(server) = engine {
        let (select_only, simple_update) = pgbench(server, conns, secs);
        row(
            "pgbench -S (select-only)",
            format!("{select_only:.0} tps"),
            "anchor for read",
        );
        row(
            "read / pgbench -S",
            format!("{:.2}", read_rps / select_only),
            ">= 0.5",
        );
        row(
            "pgbench -N (simple-update)",
            format!("{simple_update:.0} tps"),
            "anchor for write",
        );
        row(
            "write / pgbench -N",
            format!("{:.2}", write_rps / simple_update),
            ">= 0.5",
        );
    }
}

/// Unread answers (issue 27, item 1): 3,500 users make a ~1 MB users.list?count=0, which
/// 600 clients ask for and never read.
async fn unread_phase(engine: &Engine, secs: f64, row: &mut impl FnMut(&str, String, &str)) {
    let users = env_or("BENCH_UNREAD_USERS", 3_500) as usize;
    let clients = env_or("BENCH_UNREAD_CLIENTS", 600) as usize;
    let place = engine.place("bench_unread");
    seed(&place, users, 0, &[]);
    seed_audit(&place, 64_000);
    let server = Server::start(&place).await;
    let unread = unread_lists(&server, clients, secs.max(5.0)).await;
    row(
        &format!("{clients} unread count=0 answers: RSS"),
        format!(
            "{:.0} KB each; {:.0} -> peak {:.0} MiB, {:.0} MiB after",
            unread.answer_bytes as f64 / 1e3,
            unread.rss_before,
            unread.rss_peak,
            unread.rss_after
        ),
        "< 300 MiB",
    );
    row(
        &format!("{clients} unread count=0 answers: /api/info"),
        format!(
            "p50 {:.1} ms, max {:.0} ms",
            unread.info_p50_ms, unread.info_max_ms
        ),
        "< 1 s",
    );
    // Four clients reading a 64,000-entry audit trail whole, at once.
    let audit = request(
        "GET",
        "/api/v1/rocketlite.audit?count=0",
        Some(&server.admin),
        "",
    );
    let before = server.rss_mib();
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let (audit, addr) = (audit.clone(), server.addr);
            tokio::spawn(async move { Conn::open(addr).await.call(&audit).await })
        })
        .collect();
    let mut peak = before;
    let mut bytes = 0;
    for reader in readers {
        while !reader.is_finished() {
            peak = peak.max(server.rss_mib());
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let (status, body) = reader.await.unwrap();
        assert_eq!(status, 200);
        bytes = body.len();
    }
    row(
        "4 x rocketlite.audit?count=0 (64,000)",
        format!(
            "{:.1} MB each; RSS {before:.0} -> peak {peak:.0} MiB",
            bytes as f64 / 1e6
        ),
        "bounded",
    );
    server.stop().await;
}

/// Appends `n` audit entries to the store at `place`, as many changes would.
fn seed_audit(place: &Place, n: u64) {
    let store = place.open();
    store
        .write(move |tx| {
            for i in 0..n {
                tx.append_audit(rocketlite::model::AuditEntry {
                    seq: 0,
                    at: i as i64,
                    actor: rocketlite::model::Actor::Server,
                    action: "room.role.add".into(),
                    user_id: Some(UserId(format!("user{i}"))),
                    room_id: None,
                    before: serde_json::json!({"roles": []}),
                    after: serde_json::json!({"roles": ["moderator"]}),
                })?;
            }
            Ok::<_, rocketlite::store::StoreError>(())
        })
        .unwrap();
}

/// `pgbench -S` and `pgbench -N` against `server` with `conns` clients for `secs` each
/// (scale 10, initialised first); their transactions per second.
fn pgbench(server: &pg_server::PgServer, conns: usize, secs: f64) -> (f64, f64) {
    let bin = pg_server::tool("pgbench").expect("pgbench beside postgres");
    let url = server.fresh("pgbench");
    let init = Command::new(&bin)
        .args(["-i", "-q", "-s", "10", &url])
        .output()
        .unwrap();
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    let tps = |mode: &str| {
        let out = Command::new(&bin)
            .args([mode, "-n", "-c", &conns.to_string(), "-j", "2"])
            .args(["-T", &(secs.ceil() as u64).to_string(), &url])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        text.lines()
            .find_map(|line| line.strip_prefix("tps = "))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse::<f64>().ok())
            .unwrap_or_else(|| {
                panic!(
                    "pgbench {mode}: {text} {}",
                    String::from_utf8_lossy(&out.stderr)
                )
            })
    };
    (tps("-S"), tps("-N"))
}
