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

    /// A standby of this server, copied with `pg_basebackup`, on `port` (a free one if
    /// `None`); returns once it streams from this server.
    pub fn standby(&self, name: &str, port: Option<u16>) -> PgServer {
        let (bin, root, dir, data) = server_dir(name).unwrap();
        let basebackup = tool("pg_basebackup").expect("pg_basebackup beside postgres");
        let out = as_postgres(&basebackup, root)
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", "rocketlite"])
            .arg("-D")
            .arg(&data)
            .args(["-X", "stream", "-R", "-c", "fast"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "pg_basebackup: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = port.unwrap_or_else(free_port);
        let standby = launch(name, &bin, root, dir, &data, port, Kind::Primary).unwrap();
        self.wait_for_standby("state = 'streaming'", &standby);
        standby
    }

    /// Waits until this primary counts `standby` as synchronous (`synchronous_standby_names`
    /// is `'*'` unless changed).
    pub fn wait_synchronous(&self, standby: &PgServer) {
        self.wait_for_standby("sync_state IN ('sync', 'quorum')", standby);
    }

    fn wait_for_standby(&self, condition: &str, standby: &PgServer) {
        let sql = format!("SELECT count(*) FROM pg_stat_replication WHERE {condition}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.query_i64(&sql) == 0 {
            assert!(
                Instant::now() < deadline,
                "no standby with {condition}: {}",
                std::fs::read_to_string(standby.dir.join("log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Kills this server and its backends with SIGKILL, as the loss of its machine would;
    /// returns once it refuses connections. Its directory goes.
    pub fn kill(self) {
        std::fs::write(self.dir.join("kill"), b"").unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.accepts_connections() {
            assert!(Instant::now() < deadline, "postgres did not die");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Promotes this standby and waits until it accepts writes.
    pub fn promote(&self) {
        self.execute("SELECT pg_promote(true, 60)");
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.query_i64("SELECT pg_is_in_recovery()::int::bigint") == 1 {
            assert!(Instant::now() < deadline, "the standby was not promoted");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Runs `sql` (statements, no results) on the `postgres` database as the superuser.
    pub fn execute(&self, sql: &str) {
        let sql = sql.to_string();
        with_client(self.url("postgres"), move |client| {
            client.batch_execute(&sql).unwrap()
        })
        .expect("connects");
    }

    /// Runs `sql` (statements, no results) on database `db` as the superuser.
    pub fn execute_on(&self, db: &str, sql: &str) {
        let sql = sql.to_string();
        with_client(self.url(db), move |client| client.batch_execute(&sql).unwrap())
            .expect("connects");
    }

    /// The one integer `sql` answers, on the `postgres` database.
    fn query_i64(&self, sql: &str) -> i64 {
        let sql = sql.to_string();
        with_client(self.url("postgres"), move |client| {
            client.query_one(&sql, &[]).unwrap().get::<_, i64>(0)
        })
        .expect("connects")
    }

    fn accepts_connections(&self) -> bool {
        with_client(self.url("postgres"), |_| ()).is_some()
    }

    /// The URL of database `db`.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://rocketlite@127.0.0.1:{}/{db}", self.port)
    }

    /// The URL of an empty database `name`: created, or emptied if it exists. Callers use
    /// distinct names for tests that run at once.
    pub fn fresh(&self, name: &str) -> String {
        let target = self.url(name);
        let name = name.to_string();
        let emptied = target.clone();
        with_client(self.url("postgres"), move |client| {
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
            let mut client = postgres::Client::connect(&emptied, postgres::NoTls).unwrap();
            client
                .batch_execute(
                    "DROP SCHEMA public CASCADE; CREATE SCHEMA public; \
                     GRANT ALL ON SCHEMA public TO public;",
                )
                .unwrap();
        })
        .expect("connects");
        target
    }
}

/// Runs `f` with a client connected to `url`, on a plain thread (the blocking client may not
/// run on a Tokio worker); `None` when it cannot connect.
fn with_client<R: Send + 'static>(
    url: String,
    f: impl FnOnce(&mut postgres::Client) -> R + Send + 'static,
) -> Option<R> {
    std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&url, postgres::NoTls).ok()?;
        Some(f(&mut client))
    })
    .join()
    .unwrap()
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

/// How a server is set up.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// No fsync, no synchronous commit: for tests that never crash it.
    Fast,
    /// PostgreSQL's durable defaults.
    Durable,
    /// Durable, and a primary of streaming replication whose commits wait for a standby.
    Primary,
}

/// Replication settings of [`primary`], written into `postgresql.conf` (not given on the
/// command line) so that `ALTER SYSTEM` can change them and standbys copy them.
const REPLICATION_CONF: &str = "
wal_level = replica
max_wal_senders = 8
wal_keep_size = '256MB'
hot_standby = on
synchronous_commit = on
synchronous_standby_names = '*'
";

fn start(name: &str, durable: bool) -> Result<PgServer, String> {
    let kind = match durable {
        true => Kind::Durable,
        false => Kind::Fast,
    };
    let (bin, root, dir, data) = server_dir(name)?;
    initdb(&bin, root, &data)?;
    launch(name, &bin, root, dir, &data, free_port(), kind)
}

/// A durable server set up as the primary of streaming replication: its commits wait until
/// a synchronous standby ([`PgServer::standby`]) has them. `None` (said loudly) without
/// PostgreSQL's binaries.
pub fn primary(name: &str) -> Option<PgServer> {
    or_skip((|| {
        let (bin, root, dir, data) = server_dir(name)?;
        initdb(&bin, root, &data)?;
        let conf = data.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf).map_err(|e| e.to_string())?;
        text.push_str(REPLICATION_CONF);
        std::fs::write(&conf, text).map_err(|e| e.to_string())?;
        launch(name, &bin, root, dir, &data, free_port(), Kind::Primary)
    })())
}

/// The binaries, whether we are root, and a new private directory with its `data` path.
fn server_dir(name: &str) -> Result<(PathBuf, bool, PathBuf, PathBuf), String> {
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
    Ok((bin, root, dir, data))
}

fn initdb(bin: &Path, root: bool, data: &Path) -> Result<(), String> {
    let out = as_postgres(&bin.join("initdb"), root)
        .arg("-D")
        .arg(data)
        .args(["-U", "rocketlite", "--auth=trust", "-E", "UTF8", "--no-sync"])
        .stdout(Stdio::null())
        .output()
        .map_err(|e| format!("initdb: {e}"))?;
    match out.status.success() {
        true => Ok(()),
        false => Err(format!(
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )),
    }
}

/// Starts `postgres` on `data` under a watchdog shell: PostgreSQL runs while this test
/// process does, is stopped at once (`immediate`) while a file `down` exists and started
/// again when it goes; a file `kill` kills it and its backends with SIGKILL for good. When
/// the test process ends it stops and its directory goes.
fn launch(
    name: &str,
    bin: &Path,
    root: bool,
    dir: PathBuf,
    data: &Path,
    port: u16,
    kind: Kind,
) -> Result<PgServer, String> {
    let fast = match kind {
        Kind::Fast => "-c fsync=off -c synchronous_commit=off -c full_page_writes=off",
        Kind::Durable | Kind::Primary => "",
    };
    let script = format!(
        "run() {{ '{postgres}' -D '{data}' -p {port} -k '{dir}' -c listen_addresses=127.0.0.1 \
         {fast} -c max_connections=200 >> '{dir}/log' 2>&1 & pg=$!; }}; run; \
         while [ -d /proc/{test} ]; do \
           if [ -f '{dir}/kill' ]; then \
             pkill -KILL -P $pg; kill -KILL $pg; wait $pg; rm -rf '{dir}'; exit 0; \
           elif [ -f '{dir}/down' ]; then \
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
