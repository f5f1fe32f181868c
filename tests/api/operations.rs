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
