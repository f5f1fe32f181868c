//! A throwaway PostgreSQL server for the tests: `initdb` in a temp directory, `postgres` on a
//! free loopback port (as the `postgres` system user when the tests run as root, since
//! PostgreSQL refuses root), started once per test process and stopped by a watchdog when
//! the process ends. Without PostgreSQL's binaries, [`server`] says loudly that the
//! PostgreSQL variants are skipped and returns `None`, unless `ROCKETLITE_REQUIRE_POSTGRES`
//! is set (as `.ci/run` does): then it fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The running server.
pub struct PgServer {
    port: u16,
}

static SERVER: OnceLock<Option<PgServer>> = OnceLock::new();

/// The test process's server, started on first use; `None` when PostgreSQL is not installed.
pub fn server() -> Option<&'static PgServer> {
    SERVER
        .get_or_init(|| match start() {
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
        })
        .as_ref()
}

impl PgServer {
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

fn start() -> Result<PgServer, String> {
    let bin = bin_dir().ok_or("PostgreSQL's initdb and postgres were not found")?;
    let root = running_as_root();
    let dir = std::env::temp_dir().join(format!("rocketlite-pg-{}", std::process::id()));
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
    // The watchdog: PostgreSQL runs while this test process does, then stops and its
    // directory goes.
    let script = format!(
        "'{postgres}' -D '{data}' -p {port} -k '{dir}' -c listen_addresses=127.0.0.1 \
         -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
         -c max_connections=200 > '{dir}/log' 2>&1 & pg=$!; \
         while [ -d /proc/{test} ] && kill -0 $pg 2>/dev/null; do sleep 0.5; done; \
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
    let server = PgServer { port };
    let url = server.url("postgres");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let url = url.clone();
        let ready = std::thread::spawn(move || {
            postgres::Client::connect(&url, postgres::NoTls).is_ok()
        })
        .join()
        .unwrap_or(false);
        if ready {
            eprintln!("PostgreSQL test server on 127.0.0.1:{port} ({})", bin.display());
            return Ok(server);
        }
        if Instant::now() > deadline {
            let log = std::fs::read_to_string(dir.join("log")).unwrap_or_default();
            return Err(format!("postgres did not accept connections in 30 s: {log}"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
