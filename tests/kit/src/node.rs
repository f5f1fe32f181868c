//! A rocketlite node as a real process: started from the built binary on a free loopback
//! port, with the bootstrap admin's password set, for the tests that kill it or its database.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

use serde_json::json;

/// The two `error`s of a 500 while the node's database is away: the only failures the
/// tests that crash, restart or fail over PostgreSQL accept.
pub const DATABASE_AWAY_ERRORS: [&str; 2] = [
    "The database is unavailable: nothing was written, try again",
    "The database connection was lost while committing: the change may have been written; \
     read it back before trying again",
];

/// The bootstrap admin's password on every node started here.
pub const ADMIN_PASS: &str = "node-admin-password";

/// Starts `binary` (the test's `env!("CARGO_BIN_EXE_rocketlite")`) with `args` on a free
/// port; returns once it listens. The caller kills and waits for the child.
pub fn start(binary: &str, args: &[&str]) -> (Child, SocketAddr) {
    start_with_env(binary, args, &[])
}

/// Like [`start`], with more environment variables.
pub fn start_with_env(binary: &str, args: &[&str], env: &[(&str, &str)]) -> (Child, SocketAddr) {
    let (child, addr, _) = start_logged(binary, args, env);
    (child, addr)
}

/// The lines a node has logged so far.
pub type Log = std::sync::Arc<std::sync::Mutex<Vec<String>>>;

/// Like [`start_with_env`], keeping every line the node logs (stderr).
#[allow(clippy::zombie_processes)]
pub fn start_logged(
    binary: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> (Child, SocketAddr, Log) {
    let mut child = Command::new(binary)
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .env("ADMIN_PASS", ADMIN_PASS)
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "info")
        // Many clients from one address, as Rocket.Chat's own suites run it: no rate limiter
        // unless a test asks for it.
        .env("OVERWRITE_SETTING_API_Enable_Rate_Limiter", "false")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stderr.take().unwrap());
    let log = Log::default();
    let mut line = String::new();
    loop {
        line.clear();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "server exited before listening:\n{}",
            log.lock().unwrap().join("\n")
        );
        log.lock().unwrap().push(line.trim_end().to_string());
        if let Some(rest) = line.split("listening on http://").nth(1) {
            // The address, in a text line or inside a JSON one.
            let addr: String = rest
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':')
                .collect();
            let addr = addr.parse().unwrap();
            // Keep reading stderr (the log) so the server never blocks on a full pipe.
            let kept = log.clone();
            std::thread::spawn(move || {
                for line in out.lines().map_while(Result::ok) {
                    kept.lock().unwrap().push(line);
                }
            });
            return (child, addr, log);
        }
    }
}

/// The admin's `X-User-Id` and `X-Auth-Token` on the node at `addr`.
pub async fn admin_headers(addr: SocketAddr) -> (String, String) {
    let body = json!({"user": "admin", "password": ADMIN_PASS}).to_string();
    let (status, resp) = crate::http::request(addr, "POST", "/api/v1/login", &[], &body)
        .await
        .unwrap();
    assert_eq!(status, 200, "{resp}");
    (
        resp["data"]["userId"].as_str().unwrap().into(),
        resp["data"]["authToken"].as_str().unwrap().into(),
    )
}

/// Kills the node when dropped, so a failing test leaves no server behind.
pub struct KillOnDrop(pub std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The resident memory of process `pid`, in MiB (0 if it is gone).
pub fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kib| kib.parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}
