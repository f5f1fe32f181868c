//! Crash safety: the real binary is killed with SIGKILL at random moments while it writes;
//! after every kill the store opens, every acknowledged write is there, and nothing is
//! half-applied. On redb the file is what survives; on PostgreSQL the database, which is also
//! crashed and restarted under load while the node keeps running. Set ROCKETLITE_CRASH_SEED
//! to replay a run; ROCKETLITE_CRASH_ROUNDS sets the kills per engine (4 by default, 12 in
//! `.ci/run`).

// Test code states its expectations with `unwrap` (denied in the server's code).
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Child;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::{Rng, SeedableRng, rngs::StdRng};
use rocketlite::model::UserId;
use rocketlite::store::{Store, StoreError};
use rocketlite_testkit::{http, node, pg_server};
use serde_json::json;

/// What the clients know about one user they created.
#[derive(Clone, Debug)]
struct Known {
    id: String,
    /// The status of the last acknowledged change (true after creation).
    acked: bool,
    /// A change sent but not answered when the server died: it may or may not have landed.
    in_flight: Option<bool>,
}

/// Where the node keeps its data: a redb file in a directory, or a PostgreSQL database.
#[derive(Clone)]
enum Data {
    Redb(PathBuf),
    Postgres(String),
}

impl Data {
    fn open(&self) -> Store {
        match self {
            Data::Redb(dir) => {
                Store::open(&dir.join("rocketlite.redb")).expect("the file opens after a kill")
            }
            Data::Postgres(url) => Store::open_postgres(url, 2).expect("the database is there"),
        }
    }
}

fn start(data: &Data) -> (Child, SocketAddr) {
    let binary = env!("CARGO_BIN_EXE_rocketlite");
    match data {
        Data::Redb(dir) => node::start(binary, &["--data-dir", dir.to_str().unwrap()]),
        Data::Postgres(url) => node::start(binary, &["--database", url]),
    }
}

/// One client: creates users and toggles the ones it created, one request at a time, until
/// the server stops answering.
async fn writer(
    addr: SocketAddr,
    auth: (String, String),
    round: usize,
    client: usize,
    shared: Shared,
) {
    let Shared {
        known,
        toggles,
        failures,
        stop,
    } = shared;
    let headers = [
        ("X-User-Id", auth.0.as_str()),
        ("X-Auth-Token", auth.1.as_str()),
    ];
    let mut mine: Vec<usize> = Vec::new();
    // The database away: the answer says so, and the writer carries on.
    let failed = |resp: &serde_json::Value| {
        failures
            .lock()
            .unwrap()
            .push(resp["error"].as_str().unwrap_or_default().to_string());
        tokio::time::sleep(Duration::from_millis(20))
    };
    for step in 0.. {
        if stop.load(Ordering::Relaxed) {
            return;
        }
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
                Ok((500, resp)) => failed(&resp).await,
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
                    toggles.fetch_add(1, Ordering::Relaxed);
                    let mut known = known.lock().unwrap();
                    known[slot].acked = next;
                    known[slot].in_flight = None;
                }
                Ok((0 | 200, _)) => return,
                // Its outcome stays in flight: a lost commit may have landed.
                Ok((500, resp)) => failed(&resp).await,
                Ok((status, resp)) => panic!("setActiveStatus answered {status}: {resp}"),
                Err(_) => return,
            }
        }
    }
}

/// What the writers of one run share.
#[derive(Clone, Default)]
struct Shared {
    known: Arc<Mutex<Vec<Known>>>,
    /// Status changes acknowledged with 200.
    toggles: Arc<AtomicUsize>,
    /// The `error` of every 500 answer (the database was away).
    failures: Arc<Mutex<Vec<String>>>,
    /// Set to end the writers.
    stop: Arc<AtomicBool>,
}

/// Every acknowledged user exists with an allowed status, and the store is consistent.
fn check(store: &Store, known: &[Known]) {
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

/// `rounds` times: a node on `data` with three writers, killed at a random moment; then
/// every acknowledged write is checked. Returns the acknowledged users and status changes.
async fn sigkill_rounds(data: &Data, rng: &mut StdRng, rounds: usize) -> (usize, usize) {
    let shared = Shared::default();
    for round in 0..rounds {
        let (mut child, addr) = start(data);
        let auth = node::admin_headers(addr).await;
        let writers: Vec<_> = (0..3)
            .map(|client| tokio::spawn(writer(addr, auth.clone(), round, client, shared.clone())))
            .collect();
        tokio::time::sleep(Duration::from_millis(rng.random_range(150..900))).await;
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        for w in writers {
            w.await.unwrap();
        }
        let store = data.open();
        check(&store, &shared.known.lock().unwrap());
        // Changes in flight at the kill are settled by what the store holds now.
        settle(&store, &mut shared.known.lock().unwrap());
    }
    assert_eq!(shared.failures.lock().unwrap().len(), 0, "no 500 answers");
    let total = shared.known.lock().unwrap().len();
    (total, shared.toggles.load(Ordering::Relaxed))
}

/// Takes what the store holds as acknowledged, once no request is in flight.
fn settle(store: &Store, known: &mut [Known]) {
    for k in known.iter_mut() {
        let user = store
            .read(|tx| tx.user(&UserId(k.id.clone())))
            .unwrap()
            .unwrap();
        k.acked = user.active;
        k.in_flight = None;
    }
}

/// Progress is reported, not asserted: a busy machine may serve few writes between kills, and
/// the safety checks after each kill are what this test proves.
fn report_progress(acknowledged: usize, rounds: usize) {
    if acknowledged <= rounds {
        eprintln!(
            "crash test: LIVENESS: only {acknowledged} writes acknowledged in {rounds} rounds"
        );
    }
}

/// How long a test waits for something that should happen at once before calling it a hang.
const HANG_GUARD: Duration = Duration::from_secs(300);

fn seed_and_rounds() -> (StdRng, usize) {
    let seed = std::env::var("ROCKETLITE_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| rand::rng().random::<u64>());
    let rounds: usize = std::env::var("ROCKETLITE_CRASH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4);
    eprintln!("crash test: seed {seed}, {rounds} rounds");
    (StdRng::seed_from_u64(seed), rounds)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_sigkill() {
    let (mut rng, rounds) = seed_and_rounds();
    let dir = tempfile::tempdir().unwrap();
    let data = Data::Redb(dir.path().to_path_buf());
    let (total, toggles) = sigkill_rounds(&data, &mut rng, rounds).await;
    eprintln!(
        "crash test (redb): {rounds} kills, {total} acknowledged users and {toggles} acknowledged status changes, all checked after each kill"
    );
    report_progress(total, rounds);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_acknowledged_writes_survive_sigkill_of_the_node() {
    let Some(server) = pg_server::server() else {
        return; // said loudly by pg_server
    };
    let (mut rng, rounds) = seed_and_rounds();
    let data = Data::Postgres(server.fresh("crash_sigkill"));
    let (total, toggles) = sigkill_rounds(&data, &mut rng, rounds).await;
    eprintln!(
        "crash test (PostgreSQL): {rounds} node kills, {total} acknowledged users and {toggles} acknowledged status changes, all checked after each kill"
    );
    report_progress(total, rounds);
}

/// PostgreSQL crashes (immediate shutdown) under load and comes back 6 s later, longer than
/// the pool waits for a connection (5 s). Meanwhile the node answers each write with a clear
/// 500 and keeps running; once the database is back it serves again by itself, and every
/// write it acknowledged before, during or after is in the database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_restart_under_load_gives_clear_errors_and_the_node_recovers_by_itself() {
    let Some(server) = pg_server::own_server("restart", true) else {
        return; // said loudly by pg_server
    };
    let data = Data::Postgres(server.fresh("restart"));
    let (child, addr) = start(&data);
    let mut child = node::KillOnDrop(child);
    let auth = node::admin_headers(addr).await;
    let shared = Shared::default();
    let writers: Vec<_> = (0..3)
        .map(|client| tokio::spawn(writer(addr, auth.clone(), 0, client, shared.clone())))
        .collect();
    tokio::time::sleep(Duration::from_millis(700)).await;
    let before = shared.toggles.load(Ordering::Relaxed);
    tokio::task::block_in_place(|| server.crash());
    tokio::time::sleep(Duration::from_secs(6)).await;
    let failed_while_down = shared.failures.lock().unwrap().len();
    let acked_while_down = shared.toggles.load(Ordering::Relaxed) - before;
    tokio::task::block_in_place(|| server.restart());
    let restarted = std::time::Instant::now();
    let at_restart = shared.toggles.load(Ordering::Relaxed);
    while shared.toggles.load(Ordering::Relaxed) == at_restart {
        // A hang guard, not a timing claim: recovery normally takes well under a second.
        assert!(
            restarted.elapsed() < HANG_GUARD,
            "the node did not recover within {HANG_GUARD:?} of the database's return"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let recovered_in = restarted.elapsed();
    tokio::time::sleep(Duration::from_millis(700)).await;
    shared.stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.await.unwrap();
    }
    assert!(
        child.0.try_wait().unwrap().is_none(),
        "the node kept running throughout"
    );
    drop(child);

    let failures = shared.failures.lock().unwrap().clone();
    assert!(
        failed_while_down > 0,
        "writes failed while the database was down"
    );
    for failure in &failures {
        assert!(
            node::DATABASE_AWAY_ERRORS.contains(&failure.as_str()),
            "unclear error: {failure:?}"
        );
    }
    check(&data.open(), &shared.known.lock().unwrap());
    eprintln!(
        "PostgreSQL restart under load: {before} status changes acknowledged before the crash, \
         {acked_while_down} more while it went down, {failed_while_down} clear 500 answers while it was down \
         ({} in all), first acknowledged write {:.0} ms after the restart, {} acknowledged in all",
        failures.len(),
        recovered_in.as_secs_f64() * 1e3,
        shared.toggles.load(Ordering::Relaxed)
    );
}
