//! Crash safety: the real binary is killed with SIGKILL at random moments while it writes;
//! after every kill the file opens, every acknowledged write is there, and nothing is
//! half-applied. Set ROCKETLITE_CRASH_SEED to replay a run, ROCKETLITE_CRASH_ROUNDS for more.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::{Rng, SeedableRng, rngs::StdRng};
use rocketlite::model::UserId;
use rocketlite::store::{Store, StoreError};
use rocketlite_testkit::http;
use serde_json::json;

/// Status changes acknowledged with 200 over the whole run.
static TOGGLES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// What the clients know about one user they created.
#[derive(Clone, Debug)]
struct Known {
    id: String,
    /// The status of the last acknowledged change (true after creation).
    acked: bool,
    /// A change sent but not answered when the server died: it may or may not have landed.
    in_flight: Option<bool>,
}

// The caller kills and waits for the child.
#[allow(clippy::zombie_processes)]
fn start(dir: &Path) -> (Child, SocketAddr) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rocketlite"))
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .env("ADMIN_PASS", "crash-admin")
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "server exited before listening"
        );
        if let Some(addr) = line.split("listening on http://").nth(1) {
            let addr = addr.trim().parse().unwrap();
            // Keep draining stderr (the log) so the server never blocks on a full pipe.
            std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
            return (child, addr);
        }
    }
}

async fn admin_headers(addr: SocketAddr) -> (String, String) {
    let body = json!({"user": "admin", "password": "crash-admin"}).to_string();
    let (status, resp) = http::request(addr, "POST", "/api/v1/login", &[], &body)
        .await
        .unwrap();
    assert_eq!(status, 200, "{resp}");
    (
        resp["data"]["userId"].as_str().unwrap().into(),
        resp["data"]["authToken"].as_str().unwrap().into(),
    )
}

/// One client: creates users and toggles the ones it created, one request at a time, until
/// the server stops answering.
async fn writer(
    addr: SocketAddr,
    auth: (String, String),
    round: usize,
    client: usize,
    known: Arc<Mutex<Vec<Known>>>,
) {
    let headers = [
        ("X-User-Id", auth.0.as_str()),
        ("X-Auth-Token", auth.1.as_str()),
    ];
    let mut mine: Vec<usize> = Vec::new();
    for step in 0.. {
        if step % 3 == 0 || mine.is_empty() {
            let name = format!("c{round}x{client}x{step}");
            let body = json!({"username": name, "email": format!("{name}@example.org"), "name": name, "password": "pw"});
            match http::request(
                addr,
                "POST",
                "/api/v1/users.create",
                &headers,
                &body.to_string(),
            )
            .await
            {
                // A body cut short by the kill is no acknowledgement.
                Ok((200, resp)) if resp["user"]["_id"].is_string() => {
                    let mut known = known.lock().unwrap();
                    known.push(Known {
                        id: resp["user"]["_id"].as_str().unwrap().into(),
                        acked: true,
                        in_flight: None,
                    });
                    mine.push(known.len() - 1);
                }
                Ok((0 | 200, _)) => return,
                Ok((status, resp)) => panic!("users.create answered {status}: {resp}"),
                // Unacknowledged creations are allowed to be missing or present.
                Err(_) => return,
            }
        } else {
            let slot = mine[step % mine.len()];
            let (id, next) = {
                let mut known = known.lock().unwrap();
                let k = &mut known[slot];
                k.in_flight = Some(!k.acked);
                (k.id.clone(), !k.acked)
            };
            let body = json!({"userId": id, "activeStatus": next});
            match http::request(
                addr,
                "POST",
                "/api/v1/users.setActiveStatus",
                &headers,
                &body.to_string(),
            )
            .await
            {
                Ok((200, resp)) if resp["success"] == true => {
                    TOGGLES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let mut known = known.lock().unwrap();
                    known[slot].acked = next;
                    known[slot].in_flight = None;
                }
                Ok((0 | 200, _)) => return,
                Ok((status, resp)) => panic!("setActiveStatus answered {status}: {resp}"),
                Err(_) => return,
            }
        }
    }
}

/// Every acknowledged user exists with an allowed status, and the file is consistent.
fn check(path: &Path, known: &[Known]) {
    let store = Store::open(path).expect("the file opens after a kill");
    store
        .read(|tx| {
            for k in known {
                let user = tx
                    .user(&UserId(k.id.clone()))?
                    .unwrap_or_else(|| panic!("acknowledged user {} lost", k.id));
                let allowed = user.active == k.acked || Some(user.active) == k.in_flight;
                assert!(
                    allowed,
                    "user {} is active={} but acked={} in_flight={:?}",
                    k.id, user.active, k.acked, k.in_flight
                );
            }
            // Nothing half-applied: every record and its indexes agree.
            let (users, total) = tx.users_page(0, usize::MAX)?;
            assert_eq!(
                users.len() as u64,
                total,
                "username index and records disagree"
            );
            for user in &users {
                assert_eq!(
                    tx.user_id_by_username(&user.username)?,
                    Some(user.id.clone())
                );
                for email in &user.emails {
                    assert_eq!(tx.user_id_by_email(&email.address)?, Some(user.id.clone()));
                }
                if !user.active {
                    assert!(
                        tx.token_hashes_of(&user.id)?.is_empty(),
                        "inactive {} holds a token",
                        user.id
                    );
                }
            }
            Ok::<_, StoreError>(())
        })
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_sigkill() {
    let seed = std::env::var("ROCKETLITE_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| rand::rng().random::<u64>());
    let rounds: usize = std::env::var("ROCKETLITE_CRASH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(12);
    eprintln!("crash test: seed {seed}, {rounds} rounds");
    let mut rng = StdRng::seed_from_u64(seed);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rocketlite.redb");
    let known = Arc::new(Mutex::new(Vec::<Known>::new()));
    for round in 0..rounds {
        let (mut child, addr) = start(dir.path());
        let auth = admin_headers(addr).await;
        let writers: Vec<_> = (0..3)
            .map(|client| tokio::spawn(writer(addr, auth.clone(), round, client, known.clone())))
            .collect();
        tokio::time::sleep(Duration::from_millis(rng.random_range(150..900))).await;
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        for w in writers {
            w.await.unwrap();
        }
        let snapshot = known.lock().unwrap().clone();
        check(&path, &snapshot);
        // Changes in flight at the kill are settled by what the file holds now.
        let store = Store::open(&path).unwrap();
        for k in known.lock().unwrap().iter_mut() {
            let user = store
                .read(|tx| tx.user(&UserId(k.id.clone())))
                .unwrap()
                .unwrap();
            k.acked = user.active;
            k.in_flight = None;
        }
    }
    let total = known.lock().unwrap().len();
    let toggles = TOGGLES.load(std::sync::atomic::Ordering::Relaxed);
    eprintln!(
        "crash test: {rounds} kills, {total} acknowledged users and {toggles} acknowledged status changes, all checked after each kill"
    );
    assert!(total > rounds, "the writers made progress");
}
