//! What an operator relies on, against the real binary: health probes (with PostgreSQL
//! stopped too), Prometheus metrics scraped and parsed, and JSON log lines parsed.

use std::net::SocketAddr;

use rocketlite_testkit::http::{exchange, request};
use rocketlite_testkit::{node, pg_server};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_rocketlite");

fn free_port() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

async fn get(addr: SocketAddr, path: &str) -> (u16, Value) {
    request(addr, "GET", path, &[], "").await.unwrap()
}

#[tokio::test]
async fn health_probes_answer_without_login_and_are_not_logged() {
    let dir = tempfile::tempdir().unwrap();
    let (child, addr, log) =
        node::start_logged(BIN, &["--data-dir", dir.path().to_str().unwrap()], &[]);
    let mut child = node::KillOnDrop(child);
    assert_eq!(get(addr, "/livez").await, (200, json!({"status": "ok"})));
    assert_eq!(get(addr, "/health").await, (200, json!({"status": "ok"})));
    let (status, body) = get(addr, "/readyz").await;
    assert_eq!(
        (status, &body["status"], &body["checks"]["store"]["status"]),
        (200, &json!("ok"), &json!("ok")),
        "{body}"
    );
    assert_eq!(body["checks"]["store"]["engine"], "redb");
    let answer = exchange(addr, "GET", "/readyz", &[], "").await.unwrap();
    assert_eq!(answer.header("content-type"), Some("application/json"));
    // An ordinary request is logged; the probes are not.
    get(addr, "/api/info").await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let lines = log.lock().unwrap().clone();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("/api/info") && l.contains("status=200")),
        "{lines:#?}"
    );
    assert!(
        !lines.iter().any(|l| ["/livez", "/readyz", "/health"]
            .iter()
            .any(|p| l.contains(&format!("route={p}")))),
        "{lines:#?}"
    );
    let _ = child.0.kill();
}

/// With PostgreSQL stopped, the node still lives (`/livez` 200) but is not ready (`/readyz`
/// and `/health` 503, within their deadline), and it is ready again once PostgreSQL is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_follows_postgresql() {
    let Some(server) = pg_server::own_server("health", true) else {
        return; // said loudly by pg_server
    };
    let url = server.fresh("health");
    let (child, addr) = node::start(BIN, &["--database", &url]);
    let mut child = node::KillOnDrop(child);
    assert_eq!(get(addr, "/readyz").await.0, 200);
    tokio::task::block_in_place(|| server.crash());
    let (status, body) = get(addr, "/readyz").await;
    assert_eq!(
        (status, &body["status"], &body["checks"]["store"]["status"]),
        (503, &json!("unavailable"), &json!("unavailable")),
        "{body}"
    );
    assert_eq!(body["checks"]["store"]["engine"], "postgresql");
    assert_eq!(
        get(addr, "/health").await,
        (503, json!({"status": "unavailable"}))
    );
    assert_eq!(get(addr, "/livez").await, (200, json!({"status": "ok"})));
    tokio::task::block_in_place(|| server.restart());
    // Back: the probe reads again (a hang guard, not a timing claim).
    let mut ready = false;
    for _ in 0..600 {
        if get(addr, "/readyz").await.0 == 200 {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(ready, "not ready after PostgreSQL came back");
    let _ = child.0.kill();
}

/// One sample of the text exposition: its name, its labels, its value.
type Sample = (String, Vec<(String, String)>, f64);

/// One sample line of the text exposition.
fn parse_sample(line: &str) -> Sample {
    let (head, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("{line}"));
    let value: f64 = value.parse().unwrap_or_else(|_| panic!("value of {line}"));
    let (name, labels) = match head.split_once('{') {
        None => (head.to_string(), Vec::new()),
        Some((name, rest)) => {
            let body = rest.strip_suffix('}').unwrap_or_else(|| panic!("{line}"));
            let labels = body
                .split("\",")
                .filter(|pair| !pair.is_empty())
                .map(|pair| {
                    let (k, v) = pair.split_once("=\"").unwrap_or_else(|| panic!("{line}"));
                    (k.to_string(), v.trim_end_matches('"').to_string())
                })
                .collect();
            (name.to_string(), labels)
        }
    };
    (name, labels, value)
}

fn sample(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    samples
        .iter()
        .find(|(n, l, _)| {
            n == name
                && labels
                    .iter()
                    .all(|(k, v)| l.iter().any(|(lk, lv)| lk == k && lv == v))
        })
        .map(|(_, _, v)| *v)
}

#[tokio::test]
async fn metrics_are_served_on_their_own_listener_and_parse() {
    let dir = tempfile::tempdir().unwrap();
    let metrics_addr = free_port();
    let (child, addr) = node::start_with_env(
        BIN,
        &[
            "--data-dir",
            dir.path().to_str().unwrap(),
            "--metrics-listen",
            &metrics_addr.to_string(),
        ],
        &[
            ("OVERWRITE_SETTING_API_Enable_Rate_Limiter", "true"),
            (
                "OVERWRITE_SETTING_API_Enable_Rate_Limiter_Limit_Calls_Default",
                "2",
            ),
        ],
    );
    let mut child = node::KillOnDrop(child);
    for _ in 0..3 {
        get(addr, "/api/info").await;
    }
    // Two failed logins, then the limiter refuses the third call.
    for _ in 0..3 {
        let body = json!({"user": "nobody", "password": "x"}).to_string();
        request(addr, "POST", "/api/v1/login", &[], &body)
            .await
            .unwrap();
    }
    // The API's own listener has no metrics.
    assert_eq!(get(addr, "/metrics").await.0, 404);
    let answer = exchange(metrics_addr, "GET", "/metrics", &[], "")
        .await
        .unwrap();
    assert_eq!(answer.status, 200);
    let text = answer.body.as_str().unwrap().to_string();
    let samples: Vec<_> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(parse_sample)
        .collect();
    let count = |name, labels: &[(&str, &str)]| sample(&samples, name, labels).unwrap_or(0.0);
    assert_eq!(
        count(
            "rocketlite_http_requests_total",
            &[("method", "GET"), ("route", "/api/info"), ("status", "200")]
        ),
        3.0,
        "{text}"
    );
    assert_eq!(
        count(
            "rocketlite_http_request_duration_seconds_count",
            &[("method", "GET"), ("route", "/api/info")]
        ),
        3.0
    );
    assert_eq!(count("rocketlite_login_failures_total", &[]), 2.0, "{text}");
    assert_eq!(count("rocketlite_rate_limited_total", &[]), 1.0, "{text}");
    assert_eq!(
        count(
            "rocketlite_http_requests_total",
            &[("route", "/api/v1/login"), ("status", "429")]
        ),
        1.0
    );
    assert_eq!(count("rocketlite_store", &[("engine", "redb")]), 1.0);
    assert!(
        count("rocketlite_writer_commits_total", &[]) >= 1.0,
        "{text}"
    );
    assert!(count("process_resident_memory_bytes", &[]) > 1e6, "{text}");
    assert!(count("process_open_fds", &[]) > 3.0);
    let _ = child.0.kill();
}

#[tokio::test]
async fn json_logs_name_every_request_and_failed_login_and_never_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let (child, addr, log) = node::start_logged(
        BIN,
        &[
            "--data-dir",
            dir.path().to_str().unwrap(),
            "--log-format",
            "json",
        ],
        &[],
    );
    let mut child = node::KillOnDrop(child);
    let (user_id, token) = node::admin_headers(addr).await;
    let headers = [
        ("X-User-Id", user_id.as_str()),
        ("X-Auth-Token", token.as_str()),
    ];
    let (status, _) = request(addr, "GET", "/api/v1/me", &headers, "")
        .await
        .unwrap();
    assert_eq!(status, 200);
    let body = json!({"user": "mallory", "password": "guess-one-2"}).to_string();
    request(addr, "POST", "/api/v1/login", &[], &body)
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let lines = log.lock().unwrap().clone();
    let parsed: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}")))
        .collect();
    let message = |v: &Value| v["fields"]["message"].as_str().unwrap_or("").to_string();
    // The start-up lines: version, storage, listen address, docs.
    for wanted in [
        "starting",
        "storage: redb at",
        "listening on http://",
        "/docs/",
    ] {
        assert!(
            parsed.iter().any(|v| message(v).contains(wanted)),
            "{wanted}: {lines:#?}"
        );
    }
    let me = parsed
        .iter()
        .find(|v| v["fields"]["route"] == "/api/v1/me")
        .unwrap_or_else(|| panic!("{lines:#?}"));
    assert_eq!(me["fields"]["method"], "GET");
    assert_eq!(me["fields"]["status"], 200);
    assert_eq!(me["fields"]["client"], "127.0.0.1");
    assert!(me["fields"]["ms"].is_number());
    let failed = parsed
        .iter()
        .find(|v| message(v) == "failed login")
        .unwrap_or_else(|| panic!("{lines:#?}"));
    assert_eq!(failed["fields"]["username"], "\"mallory\"");
    assert_eq!(failed["fields"]["client"], "127.0.0.1");
    let all = lines.join("\n");
    for secret in [token.as_str(), node::ADMIN_PASS, "guess-one-2"] {
        assert!(!all.contains(secret), "a secret was logged");
    }
    let _ = child.0.kill();
}

/// Runs the binary with `args` to its end; (success, stdout, stderr).
fn run(args: &[&str]) -> (bool, String, String) {
    let out = std::process::Command::new(BIN)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// `rocketlite backup` while writers run (through the running server's control socket) and
/// while the server is stopped: each copy opens with `--data-dir`, serves, and holds every
/// user acknowledged before the backup began; the originals are untouched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backups_are_consistent_while_writers_run_and_when_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (child, addr) = node::start(BIN, &["--data-dir", data.to_str().unwrap()]);
    let mut child = node::KillOnDrop(child);
    let admin = node::admin_headers(addr).await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let writer = {
        let (stop, acked, admin) = (stop.clone(), acked.clone(), admin.clone());
        tokio::spawn(async move {
            let headers = [
                ("X-User-Id", admin.0.as_str()),
                ("X-Auth-Token", admin.1.as_str()),
            ];
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let name = format!("w{n}");
                let body = json!({"username": name, "email": format!("{name}@example.org"), "name": name, "password": "pw"});
                let (status, _) = request(
                    addr,
                    "POST",
                    "/api/v1/users.create",
                    &headers,
                    &body.to_string(),
                )
                .await
                .unwrap();
                if status == 200 {
                    acked.lock().unwrap().push(name);
                }
                n += 1;
            }
        })
    };
    // Some writes before the backup begins.
    while acked.lock().unwrap().len() < 5 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let before = acked.lock().unwrap().clone();
    let online = dir.path().join("online");
    let (ok, out, err) = tokio::task::block_in_place(|| {
        run(&[
            "backup",
            "--data-dir",
            data.to_str().unwrap(),
            "--to",
            online.to_str().unwrap(),
        ])
    });
    assert!(ok, "{out}\n{err}");
    assert!(
        out.contains("backed up") && out.contains("it opens"),
        "{out}"
    );
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    writer.await.unwrap();
    let after = acked.lock().unwrap().clone();
    let _ = child.0.kill();
    let _ = child.0.wait();

    // Stopped: a backup made here.
    let offline = dir.path().join("offline");
    let (ok, out, err) = run(&[
        "backup",
        "--data-dir",
        data.to_str().unwrap(),
        "--to",
        offline.to_str().unwrap(),
    ]);
    assert!(ok, "{out}\n{err}");
    // Into a directory that holds a database already: refused.
    let (ok, _, err) = run(&[
        "backup",
        "--data-dir",
        data.to_str().unwrap(),
        "--to",
        offline.to_str().unwrap(),
    ]);
    assert!(!ok && err.contains("holds a database already"), "{err}");

    for (copy, expected) in [(&online, &before[..]), (&offline, &after[..])] {
        let (child, addr) = node::start(BIN, &["--data-dir", copy.to_str().unwrap()]);
        let mut child = node::KillOnDrop(child);
        let admin = node::admin_headers(addr).await;
        let headers = [
            ("X-User-Id", admin.0.as_str()),
            ("X-Auth-Token", admin.1.as_str()),
        ];
        let (status, body) = request(addr, "GET", "/api/v1/users.list?count=0", &headers, "")
            .await
            .unwrap();
        assert_eq!(status, 200, "{body}");
        let names: Vec<&str> = body["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["username"].as_str().unwrap())
            .collect();
        for name in expected {
            assert!(
                names.contains(&name.as_str()),
                "{name} missing from {}",
                copy.display()
            );
        }
        let _ = child.0.kill();
        let _ = child.0.wait();
        // The copy's indexes agree with its records.
        let store = rocketlite::store::Store::open(&copy.join("rocketlite.redb")).unwrap();
        rocketlite_testkit::invariant::assert_rooms_owned(&store, vec![]);
        let users = store.read(|tx| tx.users_page(0, usize::MAX)).unwrap().0;
        for user in users {
            let by_name = store
                .read(|tx| tx.user_id_by_username(&user.username))
                .unwrap();
            assert_eq!(by_name, Some(user.id.clone()));
        }
    }
}

/// `rocketlite reset-password`: refused while the server holds the file; with it stopped,
/// a new password printed once, the old sessions ended, the change audited.
#[tokio::test]
async fn a_lost_admin_password_is_reset_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let (child, addr) = node::start(BIN, &["--data-dir", data]);
    let mut child = node::KillOnDrop(child);
    let (user_id, token) = node::admin_headers(addr).await;
    let (ok, _, err) = run(&["reset-password", "admin", "--data-dir", data]);
    assert!(!ok && err.contains("in use"), "{err}");
    let _ = child.0.kill();
    let _ = child.0.wait();
    let (ok, _, err) = run(&["reset-password", "nobody", "--data-dir", data]);
    assert!(!ok && err.contains("no user is named nobody"), "{err}");
    let (ok, out, err) = run(&["reset-password", "admin", "--data-dir", data]);
    assert!(ok, "{err}");
    let password = out
        .split("new password for admin: ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("{out}"))
        .to_string();
    assert!(password.len() >= 20, "{password}");
    let (child, addr) = node::start(BIN, &["--data-dir", data]);
    let mut child = node::KillOnDrop(child);
    let headers = [
        ("X-User-Id", user_id.as_str()),
        ("X-Auth-Token", token.as_str()),
    ];
    let (status, _) = request(addr, "GET", "/api/v1/me", &headers, "")
        .await
        .unwrap();
    assert_eq!(status, 401, "the old session ended");
    let body = json!({"user": "admin", "password": node::ADMIN_PASS}).to_string();
    assert_eq!(
        request(addr, "POST", "/api/v1/login", &[], &body)
            .await
            .unwrap()
            .0,
        401
    );
    let body = json!({"user": "admin", "password": password}).to_string();
    assert_eq!(
        request(addr, "POST", "/api/v1/login", &[], &body)
            .await
            .unwrap()
            .0,
        200
    );
    let _ = child.0.kill();
    let _ = child.0.wait();
    let store = rocketlite::store::Store::open(&dir.path().join("rocketlite.redb")).unwrap();
    let trail = store.read(|tx| tx.audit_entries()).unwrap();
    let reset = trail
        .iter()
        .find(|e| e.action == "user.update" && e.after == json!({"password": "(reset)"}))
        .expect("the reset is in the audit trail");
    assert_eq!(reset.actor, rocketlite::model::Actor::Server);
}

/// `copy` into a PostgreSQL database that does not exist says so, naming the flag.
#[test]
fn copy_names_the_real_cause_when_the_target_database_is_missing() {
    let Some(server) = pg_server::server() else {
        return; // said loudly by pg_server
    };
    let dir = tempfile::tempdir().unwrap();
    rocketlite::store::Store::open(&dir.path().join("rocketlite.redb")).unwrap();
    let url = server
        .fresh("copy_source")
        .replace("copy_source", "no_such_database");
    let (ok, _, err) = run(&["copy", "--from", dir.path().to_str().unwrap(), "--to", &url]);
    assert!(!ok);
    assert!(
        err.contains("cannot use --to") && err.contains("does not exist"),
        "{err}"
    );
}

/// `copy` of a database larger than a batch: progress on stderr, the target reads back
/// identical, and the process's peak memory is reported (it holds a batch, not the data).
#[test]
fn copy_streams_a_large_database_with_progress() {
    let Some(server) = pg_server::server() else {
        return; // said loudly by pg_server
    };
    use rand::SeedableRng;
    const USERS: usize = 20_000;
    let dir = tempfile::tempdir().unwrap();
    {
        let store = rocketlite::store::Store::open(&dir.path().join("rocketlite.redb")).unwrap();
        let service = rocketlite::service::Service::new(
            store,
            rocketlite::service::system_clock(),
            Box::new(rand::rngs::StdRng::seed_from_u64(5)),
        )
        .with_argon2_params(argon2::Params::new(8, 1, 1, None).unwrap());
        service.seed_permissions().unwrap();
        for chunk in (0..USERS).collect::<Vec<_>>().chunks(5_000) {
            let batch = chunk
                .iter()
                .map(|i| {
                    let mut user = crate::common::new_user(&format!("copied{i:05}"), &["user"]);
                    user.join_default_channels = false;
                    user
                })
                .collect();
            service.import_users(batch).unwrap();
        }
    }
    let url = server.fresh("copy_large");
    let mut child = std::process::Command::new(BIN)
        .args(["copy", "--from", dir.path().to_str().unwrap(), "--to", &url])
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut peak_kib = 0u64;
    while child.try_wait().unwrap().is_none() {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        if let Some(kib) = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
        {
            peak_kib = peak_kib.max(kib);
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains(&format!("{USERS} users")) && stdout.contains("reads back identical"),
        "{stdout}"
    );
    assert!(
        stderr.contains("rocketlite: copy: users: 20000 rows"),
        "{stderr}"
    );
    eprintln!(
        "copy of {USERS} users to PostgreSQL: peak RSS {:.0} MiB",
        peak_kib as f64 / 1024.0
    );
}
