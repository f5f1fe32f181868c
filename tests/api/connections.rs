//! Slow and idle clients cannot starve the server: header, body and idle timeouts, a
//! connection cap below the file limit, and the soft file limit raised at start. These run
//! the real binary, under a lowered file limit for its own process.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Starts the binary under `ulimit` settings (a shell prefix) with short timeouts. Every
/// caller ends it with `stop`, which waits for it.
#[allow(clippy::zombie_processes)]
fn start(ulimit: &str, idle_secs: u32, dir: &std::path::Path) -> (Child, SocketAddr) {
    let bin = env!("CARGO_BIN_EXE_rocketlite");
    let mut child = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "{ulimit}; exec '{bin}' --listen 127.0.0.1:0 --data-dir '{}' \
             --header-timeout-secs 2 --body-timeout-secs 2 --idle-timeout-secs {idle_secs}",
            dir.display()
        ))
        .env("ADMIN_PASS", "pw")
        .env("RUST_LOG", "info")
        // Floods from one address here test connections, not the rate limiter.
        .env("OVERWRITE_SETTING_API_Enable_Rate_Limiter", "false")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut log = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        assert!(log.read_line(&mut line).unwrap() > 0, "server exited early");
        if let Some(addr) = line.split("listening on http://").nth(1) {
            let addr = addr.trim().parse().unwrap();
            std::thread::spawn(move || std::io::copy(&mut log, &mut std::io::sink()));
            return (child, addr);
        }
    }
}

/// CPU seconds (user + system) the process has used.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0
}

/// Whether the server closes `stream` within `limit` (reads hit EOF or an error).
fn closed_within(stream: &mut TcpStream, limit: Duration) -> bool {
    stream
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let start = Instant::now();
    let mut buf = [0u8; 4096];
    while start.elapsed() < limit {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue, // an answer (say, a 400 for a late body) before the close
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => continue,
            Err(_) => return true,
        }
    }
    false
}

fn info(addr: SocketAddr) -> bool {
    let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_secs(1)) else {
        return false;
    };
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let _ = s.write_all(b"GET /api/info HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out.starts_with("HTTP/1.1 200")
}

fn stop(mut child: Child) {
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

#[test]
fn more_idle_connections_than_the_file_limit_neither_spin_nor_stop_the_server() {
    let dir = tempfile::tempdir().unwrap();
    // A long idle timeout: answering while the sockets are held proves the cap and the
    // draining of silent connections, not the timeout.
    let (child, addr) = start("ulimit -n 256", 60, dir.path());
    let pid = child.id();
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    assert!(
        limits
            .lines()
            .any(|l| l.starts_with("Max open files") && l.contains(" 256 ")),
        "{limits}"
    );
    let mut idle = Vec::new();
    for _ in 0..300 {
        idle.push(TcpStream::connect(addr).unwrap());
        std::thread::sleep(Duration::from_millis(2)); // let the server take each one
    }
    let cpu_before = cpu_seconds(pid);
    std::thread::sleep(Duration::from_secs(2));
    let cpu = cpu_seconds(pid) - cpu_before;
    let answered = (0..5).filter(|_| info(addr)).count();
    eprintln!(
        "300 idle connections under a limit of 256 files: {cpu:.2} CPU s in 2 s; \
         {answered}/5 requests answered while they were held"
    );
    assert!(
        cpu < 1.0,
        "the server burns a core while connections wait: {cpu} s"
    );
    assert_eq!(
        answered, 5,
        "held idle connections stopped the server from answering"
    );
    // The silent connections closed to make room really were closed.
    std::thread::sleep(Duration::from_millis(300));
    let closed = idle
        .iter_mut()
        .map(|s| {
            s.set_nonblocking(true).unwrap();
            !matches!(s.read(&mut [0u8; 64]), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
        })
        .filter(|&closed| closed)
        .count();
    assert!(
        closed >= 5,
        "only {closed} idle connections were closed to make room"
    );
    stop(child);
}

#[test]
fn a_silent_connection_is_closed_after_the_idle_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let (child, addr) = start("true", 2, dir.path());
    let mut silent = TcpStream::connect(addr).unwrap();
    let start = Instant::now();
    assert!(closed_within(&mut silent, Duration::from_secs(10)));
    eprintln!("a silent connection was closed after {:?}", start.elapsed());
    assert!(info(addr));
    stop(child);
}

#[test]
fn dripping_headers_or_body_gets_the_connection_closed() {
    let dir = tempfile::tempdir().unwrap();
    let (child, addr) = start("true", 3, dir.path());
    let drip = |head: &'static [u8], then: &'static [u8]| {
        std::thread::spawn(move || {
            let mut s = TcpStream::connect(addr).unwrap();
            s.write_all(head).unwrap();
            let start = Instant::now();
            // One byte every 300 ms keeps the connection busy but never finishes.
            for byte in then.iter().cycle() {
                if s.write_all(&[*byte]).is_err() || start.elapsed() > Duration::from_secs(15) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(300));
            }
            (
                start.elapsed(),
                closed_within(&mut s, Duration::from_secs(1)),
            )
        })
    };
    let headers = drip(b"GET /api/info HTTP/1.1\r\n", b"X-Drip: aaaaaaaaaa\r\n");
    let body = drip(
        b"POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n",
        b" ",
    );
    for (what, handle) in [("headers", headers), ("body", body)] {
        let (elapsed, closed) = handle.join().unwrap();
        eprintln!("dripping {what}: cut off after {elapsed:?}");
        assert!(
            elapsed < Duration::from_secs(15) || closed,
            "dripping {what} was never cut off"
        );
    }
    assert!(info(addr));
    stop(child);
}

#[test]
fn the_soft_file_limit_is_raised_to_the_hard_one() {
    let dir = tempfile::tempdir().unwrap();
    let (child, _) = start("ulimit -S -n 256 && ulimit -H -n 4096", 3, dir.path());
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", child.id())).unwrap();
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap();
    let numbers: Vec<&str> = line.split_whitespace().skip(3).take(2).collect();
    assert_eq!(numbers, ["4096", "4096"], "{line}");
    stop(child);
}

#[test]
fn a_request_still_being_handled_is_never_cut_by_the_idle_timeout() {
    // 80 logins at once queue for the two hashing permits: most wait longer than the
    // one-second idle timeout while hyper keeps a read pending on their sockets (150 took
    // 267 s on a 2-core machine with both cores busy, past the 60 s the clients waited).
    let dir = tempfile::tempdir().unwrap();
    let (child, addr) = start("true", 1, dir.path());
    let start = Instant::now();
    let logins: Vec<_> = (0..80)
        .map(|_| {
            std::thread::spawn(move || {
                let mut s = TcpStream::connect(addr).unwrap();
                // Safety, not speed: on a busy machine the queue behind two hashing permits
                // may take minutes; only a connection closed without an answer fails. The
                // timeout guards against a hang alone.
                s.set_read_timeout(Some(Duration::from_secs(900))).unwrap();
                let body = r#"{"user":"admin","password":"pw"}"#;
                let request = format!(
                    "POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                s.write_all(request.as_bytes()).unwrap();
                let mut out = String::new();
                let _ = s.read_to_string(&mut out);
                out.starts_with("HTTP/1.1 200")
            })
        })
        .collect();
    let answered = logins
        .into_iter()
        .filter_map(|t| t.join().ok())
        .filter(|&ok| ok)
        .count();
    let elapsed = start.elapsed();
    eprintln!("80 queued logins with a 1 s idle timeout: {answered} answered in {elapsed:?}");
    assert!(
        elapsed > Duration::from_secs(1),
        "too fast to prove anything: {elapsed:?}"
    );
    assert_eq!(answered, 80, "requests in flight were cut off");
    stop(child);
}
