//! A throwaway PostgreSQL server for the tests: `initdb` in a temp directory, `postgres` on a
//! free loopback port (as the `postgres` system user when the tests run as root, since
//! PostgreSQL refuses root), started once per test process and stopped by a watchdog when
//! the process ends. [`own_server`] starts another one that its test may crash and restart.
//! Without PostgreSQL's binaries, [`server`] says loudly that the
//! PostgreSQL variants are skipped and returns `None`, unless `ROCKETLITE_REQUIRE_POSTGRES`
//! is set (as `.ci/run` does): then it fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// A running server.
pub struct PgServer {
    port: u16,
    /// Its temp directory; the watchdog stops PostgreSQL while a file `down` is in it.
    dir: PathBuf,
}

static SERVER: OnceLock<Option<PgServer>> = OnceLock::new();

/// The test process's shared server (fast: no fsync), started on first use; `None` when
/// PostgreSQL is not installed.
pub fn server() -> Option<&'static PgServer> {
    SERVER
        .get_or_init(|| or_skip(start("shared", false)))
        .as_ref()
}

/// A server of the caller's own, which it may crash and restart without disturbing other
/// tests. `durable`: PostgreSQL's defaults (fsync, synchronous commit), as in production.
pub fn own_server(name: &str, durable: bool) -> Option<PgServer> {
    or_skip(start(name, durable))
}

/// A server, or `None` said loudly; a failure when `ROCKETLITE_REQUIRE_POSTGRES` is set.
fn or_skip(started: Result<PgServer, String>) -> Option<PgServer> {
    match started {
        Ok(server) => Some(server),
        Err(why) if std::env::var_os("ROCKETLITE_REQUIRE_POSTGRES").is_some() => {
            panic!("ROCKETLITE_REQUIRE_POSTGRES is set, but: {why}")
        }
        Err(why) => {
            // Straight to stderr, past the test harness's capture: a skip must be seen.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "\n!!!! PostgreSQL variants SKIPPED: {why}\n"
            );
            None
        }
    }
}

/// One of PostgreSQL's programs (`pgbench`, `psql`…), beside `postgres` itself.
pub fn tool(name: &str) -> Option<PathBuf> {
    let postgres = bin_dir()?.join("postgres").canonicalize().ok()?;
    let path = postgres.parent()?.join(name);
    path.is_file().then_some(path)
}

impl PgServer {
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops PostgreSQL at once, as a crash would (`immediate` shutdown: no checkpoint, the
    /// next start replays the WAL); it stays down until [`PgServer::restart`].
    pub fn crash(&self) {
        std::fs::write(self.dir.join("down"), b"").unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.accepts_connections() {
            assert!(Instant::now() < deadline, "postgres did not stop");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts PostgreSQL again after [`PgServer::crash`] and waits until it accepts connections.
    pub fn restart(&self) {
        std::fs::remove_file(self.dir.join("down")).unwrap();
        wait_until_ready(self).unwrap();
    }

    fn accepts_connections(&self) -> bool {
        let url = self.url("postgres");
        std::thread::spawn(move || postgres::Client::connect(&url, postgres::NoTls).is_ok())
            .join()
            .unwrap_or(false)
    }

    /// The URL of database `db`.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://rocketlite@127.0.0.1:{}/{db}", self.port)
    }

    /// The URL of an empty database `name`: created, or emptied if it exists. Callers use
    /// distinct names for tests that run at once.
    pub fn fresh(&self, name: &str) -> String {
        let admin = self.url("postgres");
        let target = self.url(name);
        let name = name.to_string();
        let name_copy = name.clone();
        // The blocking client may not run on a Tokio worker: a plain thread it is.
        std::thread::spawn(move || {
            let mut client = postgres::Client::connect(&admin, postgres::NoTls).unwrap();
            let exists = !client
                .query("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
                .unwrap()
                .is_empty();
            if !exists {
                client
                    .batch_execute(&format!("CREATE DATABASE \"{name}\""))
                    .unwrap();
                return;
            }
            let mut client = postgres::Client::connect(&target, postgres::NoTls).unwrap();
            client
                .batch_execute(
                    "DROP SCHEMA public CASCADE; CREATE SCHEMA public; \
                     GRANT ALL ON SCHEMA public TO public;",
                )
                .unwrap();
        })
        .join()
        .unwrap();
        self.url(&name_copy)
    }
}

/// Where `initdb` and `postgres` are: `ROCKETLITE_PG_BIN`, `PATH`, or Debian's
/// `/usr/lib/postgresql/<version>/bin` (newest first).
fn bin_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("ROCKETLITE_PG_BIN") {
        return Some(PathBuf::from(dir));
    }
    let has = |dir: &Path| dir.join("initdb").is_file() && dir.join("postgres").is_file();
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if has(&dir) {
                return Some(dir);
            }
        }
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|dir| has(dir))
        .collect();
    versions.sort();
    versions.pop()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// `program args…`, as the `postgres` user when we are root.
fn as_postgres(program: &Path, root: bool) -> Command {
    match root {
        true => {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", "postgres", "--"]).arg(program);
            cmd
        }
        false => Command::new(program),
    }
}

fn start(name: &str, durable: bool) -> Result<PgServer, String> {
    let bin = bin_dir().ok_or("PostgreSQL's initdb and postgres were not found")?;
    let root = running_as_root();
    let dir = std::env::temp_dir().join(format!("rocketlite-pg-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    if root {
        let status = Command::new("chown")
            .arg("postgres:")
            .arg(&dir)
            .status()
            .map_err(|e| e.to_string())?;
        if !status.success() {
            return Err("cannot give the temp directory to the postgres user".into());
        }
    }
    let data = dir.join("data");
    let out = as_postgres(&bin.join("initdb"), root)
        .arg("-D")
        .arg(&data)
        .args(["-U", "rocketlite", "--auth=trust", "-E", "UTF8", "--no-sync"])
        .stdout(Stdio::null())
        .output()
        .map_err(|e| format!("initdb: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let port = free_port();
    let fast = match durable {
        true => "",
        false => "-c fsync=off -c synchronous_commit=off -c full_page_writes=off",
    };
    // The watchdog: PostgreSQL runs while this test process does (stopped at once while a
    // file `down` exists, started again when it goes), then stops and its directory goes.
    let script = format!(
        "run() {{ '{postgres}' -D '{data}' -p {port} -k '{dir}' -c listen_addresses=127.0.0.1 \
         {fast} -c max_connections=200 >> '{dir}/log' 2>&1 & pg=$!; }}; run; \
         while [ -d /proc/{test} ]; do \
           if [ -f '{dir}/down' ]; then \
             if kill -0 $pg 2>/dev/null; then kill -QUIT $pg; wait $pg; fi; \
           elif ! kill -0 $pg 2>/dev/null; then run; fi; \
           sleep 0.1; \
         done; \
         kill -INT $pg 2>/dev/null; wait $pg; rm -rf '{dir}'",
        postgres = bin.join("postgres").display(),
        data = data.display(),
        dir = dir.display(),
        test = std::process::id(),
    );
    as_postgres(Path::new("sh"), root)
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start postgres: {e}"))?;
    let server = PgServer { port, dir };
    wait_until_ready(&server)?;
    eprintln!(
        "PostgreSQL test server {name} on 127.0.0.1:{port} ({})",
        bin.display()
    );
    Ok(server)
}

fn wait_until_ready(server: &PgServer) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !server.accepts_connections() {
        if Instant::now() > deadline {
            let log = std::fs::read_to_string(server.dir.join("log")).unwrap_or_default();
            return Err(format!("postgres did not accept connections in 30 s: {log}"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}
