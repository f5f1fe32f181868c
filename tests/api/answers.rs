//! Large answers, over loopback against the real binary (issue 27's attacks): lists being
//! made do not hold up small requests, and clients that ask for every user and never read
//! cannot make the server hold more than its answer budget; once it is full, the reader
//! stalled longest is closed to make room, and others are still answered in full.

use rand::SeedableRng;
use rocketlite::service::{AdminSeed, Service, system_clock};
use rocketlite::store::Store;
use rocketlite_testkit::node;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::new_user;

/// Users enough that `users.list?count=0` is larger than the kernel's largest socket send
/// buffer (4 MiB), so an unread answer keeps a part of it in the server.
const USERS: usize = 24_000;
/// Unread answers whose server-held parts together exceed the 64 MiB budget.
const UNREAD: usize = 60;

fn seed(dir: &std::path::Path) {
    let store = Store::open(&dir.join("rocketlite.redb")).unwrap();
    let cheap = argon2::Params::new(8, 1, 1, None).unwrap();
    let service = Service::new(
        store,
        system_clock(),
        Box::new(rand::rngs::StdRng::seed_from_u64(9)),
    )
    .with_argon2_params(cheap);
    service.seed_permissions().unwrap();
    service
        .bootstrap_admin(&AdminSeed {
            username: "admin".into(),
            password: Some(node::ADMIN_PASS.into()),
            email: None,
            name: "Admin".into(),
        })
        .unwrap();
    for chunk in (0..USERS).collect::<Vec<_>>().chunks(4_000) {
        let batch = chunk
            .iter()
            .map(|i| {
                let mut user = new_user(&format!("reader{i:05}"), &["user"]);
                user.join_default_channels = false;
                user
            })
            .collect();
        service.import_users(batch).unwrap();
    }
}

/// Reads what the server sends until it closes; returns whether it began as a 200 and how
/// many bytes came.
async fn drain(mut stream: tokio::net::TcpStream) -> (bool, usize) {
    let mut buf = vec![0u8; 1 << 16];
    let (mut ok, mut total) = (false, 0);
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return (ok, total),
            Ok(n) => {
                if total == 0 {
                    ok = buf[..n].starts_with(b"HTTP/1.1 200");
                }
                total += n;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_answers_neither_starve_small_requests_nor_outgrow_the_budget() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap().to_string();
    tokio::task::block_in_place(|| seed(dir.path()));
    // An idle timeout of a day: any answer cut short was cut to make room.
    let (child, addr) = node::start(
        env!("CARGO_BIN_EXE_rocketlite"),
        &["--data-dir", &data, "--idle-timeout-secs", "86400"],
    );
    let mut child = node::KillOnDrop(child);
    let (user_id, token) = node::admin_headers(addr).await;
    let request = format!(
        "GET /api/v1/users.list?count=0 HTTP/1.1\r\nHost: x\r\nX-User-Id: {user_id}\r\n\
         X-Auth-Token: {token}\r\nConnection: close\r\n\r\n"
    );
    // The whole answer, read at once, is how long a complete one is.
    let (_, full) = {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream.write_all(request.as_bytes()).await.unwrap();
        drain(stream).await
    };
    assert!(
        full > 5 << 20,
        "the answer is larger than a socket buffer: {full}"
    );

    // Heavy reads do not starve the rest: with 16 lists being made at once, a small request
    // is answered before any of them (lists are made on threads of their own, at a lower
    // priority, not on the workers that accept connections and answer everything else).
    let finished = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut lists = Vec::new();
    for _ in 0..16 {
        let (request, finished) = (request.clone(), finished.clone());
        lists.push(tokio::spawn(async move {
            let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
            stream.write_all(request.as_bytes()).await.unwrap();
            let answer = drain(stream).await;
            finished.lock().unwrap().push("list");
            answer
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let info = rocketlite_testkit::http::request(addr, "GET", "/api/info", &[], "")
        .await
        .unwrap();
    finished.lock().unwrap().push("info");
    assert_eq!(info.0, 200);
    for list in lists {
        assert_eq!(list.await.unwrap(), (true, full));
    }
    let order = finished.lock().unwrap().clone();
    eprintln!(
        "16 lists of {:.1} MB and /api/info, in the order answered: {order:?}",
        full as f64 / 1e6
    );
    assert_eq!(
        order[0], "info",
        "a small request waited for the lists: {order:?}"
    );
    let mut unread = Vec::new();
    for _ in 0..UNREAD {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        let mut stream = socket.connect(addr).await.unwrap();
        stream.write_all(request.as_bytes()).await.unwrap();
        unread.push(stream);
    }
    // Another client, reading, is still answered in full: the budget made room for it.
    let fresh = {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream.write_all(request.as_bytes()).await.unwrap();
        drain(stream).await
    };
    assert_eq!(
        fresh,
        (true, full),
        "a reading client gets the whole answer"
    );
    let rss = node::rss_mib(child.0.id());
    // Now read what each unread client was sent: some answers were cut short, their
    // connections closed to make room; without the budget every 200 would come whole.
    let received: Vec<(bool, usize)> = futures_join(unread.into_iter().map(drain)).await;
    let cut = received.iter().filter(|&&(ok, n)| ok && n < full).count();
    eprintln!(
        "{UNREAD} unread answers of {:.1} MB: {cut} cut to make room; server RSS {rss:.0} MiB \
         while they were held",
        full as f64 / 1e6
    );
    assert!(cut > 0, "no stalled reader was closed: {received:?}");
    assert!(
        child.0.try_wait().unwrap().is_none(),
        "the server kept running"
    );
}

/// Runs the futures together, in order of their results.
async fn futures_join<T: Send + 'static, F: std::future::Future<Output = T> + Send + 'static>(
    futures: impl Iterator<Item = F>,
) -> Vec<T> {
    let tasks: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for task in tasks {
        out.push(task.await.unwrap());
    }
    out
}
