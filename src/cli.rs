//! The command line and start-up: open the store, migrate, seed, bootstrap the admin, serve,
//! shut down gracefully.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use rand::TryRngCore;

use crate::api::ApiConfig;
use crate::net;
use crate::service::{
    AdminSeed, BootstrapOutcome, DefaultChannelOutcome, RocketCatOutcome, ScimRelinquish, Service,
    ServiceError, system_clock,
};
use crate::store::{Store, StoreError};

/// rocketlite: the Rocket.Chat REST API for user and room administration, on one redb file
/// (the default) or on PostgreSQL (`--database`).
#[derive(Parser, Debug)]
#[command(
    name = "rocketlite",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub serve: ServeConfig,
    /// Log lines as text (coloured on a terminal) or as one JSON object per line.
    #[arg(
        long,
        global = true,
        env = "ROCKETLITE_LOG_FORMAT",
        value_enum,
        default_value_t = LogFormat::Text
    )]
    pub log_format: LogFormat,
}

/// `--log-format`'s values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// What to do.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the server (the default).
    Serve(Box<ServeConfig>),
    /// Print the OpenAPI document to stdout.
    Openapi,
    /// Grant `access-permissions` to `admin` again, for when no active user can manage
    /// permissions any more. Run it while the server is stopped.
    RestorePermissions {
        /// Directory holding the database file.
        #[arg(long, env = "ROCKETLITE_DATA_DIR", default_value = "./data")]
        data_dir: PathBuf,
    },
    /// Make a consistent copy of the database in a data directory (redb) into another
    /// directory, whether or not the server is running; start a server on the copy with
    /// `--data-dir` to use it. For PostgreSQL, use pg_dump or pg_basebackup.
    Backup {
        /// Directory holding the database file.
        #[arg(long, env = "ROCKETLITE_DATA_DIR", default_value = "./data")]
        data_dir: PathBuf,
        /// Directory to write the copy into (created; it must not hold a database yet).
        #[arg(long)]
        to: PathBuf,
    },
    /// Give a user a new, generated password (printed once) and end every session of
    /// theirs; recorded in the audit trail. Run it while the server is stopped (redb).
    ResetPassword {
        /// The user's username.
        username: String,
        /// Directory holding the database file.
        #[arg(long, env = "ROCKETLITE_DATA_DIR", default_value = "./data")]
        data_dir: PathBuf,
        /// A PostgreSQL URL, if the data lives there.
        #[arg(long, env = "ROCKETLITE_DATABASE_URL", hide_env_values = true)]
        database: Option<String>,
    },
    /// Ask a running server whether it is ready (`GET /readyz`): exit status 0 if it is,
    /// 1 if not. For container health checks, which then need no HTTP client.
    Healthcheck {
        /// The readiness URL (plain http).
        #[arg(long, default_value = "http://127.0.0.1:3000/readyz")]
        url: String,
    },
    /// Copy every row from one database into an empty one: from a data directory (redb) to
    /// a postgres:// URL, or back. Stop the servers writing to the source first.
    Copy {
        /// The source: a data directory or a postgres:// URL.
        #[arg(long)]
        from: String,
        /// The target, which must hold no rows: a data directory or a postgres:// URL.
        #[arg(long)]
        to: String,
    },
}

/// `rocketlite copy`: reads the source in one snapshot, a row at a time, writes the target
/// in batches (so memory stays one batch however large the database), reporting progress
/// on stderr, then compares the digest of every table of the target with the source's.
/// Returns what was copied, for the operator.
pub fn copy(from: &str, to: &str) -> Result<String, StartError> {
    let source = open_location(from, false)?;
    let target = open_location(to, true)?;
    let mut progress = progress_printer("copy");
    let copied = source.copy_into(&target, &mut progress).map_err(|e| {
        StartError::Copy(match e {
            StoreError::NotEmpty => format!(
                "{} already holds data; copy writes only into a new, empty database",
                shown(to)
            ),
            e => format!(
                "copying into {} failed: {e}; it holds part of the copy: empty it (or \
                     make a new one) before trying again",
                shown(to)
            ),
        })
    })?;
    let read_back = target.digests().map_err(|e| read_failed(to, e))?;
    if read_back != copied {
        return Err(StartError::Copy(format!(
            "{} does not read back what was written; do not use it",
            shown(to)
        )));
    }
    let counts: Vec<String> = copied
        .iter()
        .map(|(table, digest)| format!("{} {table}", digest.rows))
        .collect();
    Ok(format!(
        "copied {} (and every permission, role, SCIM token and setting) from {} to {}; the \
         target reads back identical",
        counts.join(", "),
        shown(from),
        shown(to)
    ))
}

/// A `--from` / `--to` as the operator may see it (a URL loses its password).
fn shown(location: &str) -> String {
    match is_database_url(location) {
        true => crate::store::pg::redacted(location),
        false => location.to_string(),
    }
}

fn is_database_url(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

fn read_failed(location: &str, e: StoreError) -> StartError {
    StartError::Copy(format!("reading {} failed: {e}", shown(location)))
}

/// Opens a copy's source or target. A source directory must hold a database already (else
/// the copy would read an empty one it just created); a target directory is created.
fn open_location(location: &str, create: bool) -> Result<Store, StartError> {
    if is_database_url(location) {
        let flag = if create { "--to" } else { "--from" };
        return Store::open_postgres(location, 2)
            .map_err(|source| StartError::Location { flag, source });
    }
    let dir = std::path::Path::new(location);
    if !create && !dir.join(DB_FILE).exists() {
        return Err(StartError::Copy(format!(
            "{location} holds no rocketlite database ({DB_FILE})"
        )));
    }
    if create {
        create_private_dir(dir)?;
    }
    open_store(dir)
}

/// Creates `dir` (and its parents) readable by its owner only: the file inside holds
/// password hashes.
fn create_private_dir(dir: &std::path::Path) -> Result<(), StartError> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|source| StartError::DataDir {
            path: dir.to_path_buf(),
            source,
        })
}

/// `rocketlite restore-permissions`: what it did, for the operator.
pub fn restore_permissions(data_dir: &std::path::Path) -> Result<String, StartError> {
    let service = Service::new(
        open_store(data_dir)?,
        system_clock(),
        Box::new(rand::rngs::OsRng.unwrap_err()),
    );
    let changed = service
        .restore_permission_manager()
        .map_err(|e| StartError::Setup(e.to_string()))?;
    Ok(match changed {
        true => "granted access-permissions to the admin role".into(),
        false => "the admin role already holds access-permissions; nothing changed".into(),
    })
}

use crate::store::DB_FILE;

/// `rocketlite backup`: a consistent copy of `data_dir`'s database into `to`, made here when
/// no server holds the file, else by the server through its control socket. Progress goes
/// to stderr; returns what was copied, for the operator.
pub fn backup(data_dir: &std::path::Path, to: &std::path::Path) -> Result<String, StartError> {
    let source = data_dir.join(DB_FILE);
    if !source.exists() {
        return Err(StartError::Copy(format!(
            "{} holds no rocketlite database ({DB_FILE})",
            data_dir.display()
        )));
    }
    create_private_dir(to)?;
    let to = to.canonicalize().map_err(|source| StartError::DataDir {
        path: to.to_path_buf(),
        source,
    })?;
    let target = crate::control::target_file(&to);
    if target.exists() {
        return Err(StartError::Copy(format!(
            "{} holds a database already; back up into a new directory",
            to.display()
        )));
    }
    let mut rows = std::collections::BTreeMap::<String, u64>::new();
    let mut say = progress_printer("backup");
    let mut progress = |table: &str, copied: u64| {
        rows.insert(table.to_string(), copied);
        say(table, copied);
    };
    match Store::open(&source) {
        Ok(store) => store
            .backup_to(&target, &mut progress)
            .map_err(|e| StartError::Copy(format!("backing up failed: {e}")))?,
        Err(StoreError::AlreadyOpen) => {
            crate::control::request_backup(data_dir, &target, &mut progress)
                .map_err(|why| StartError::Copy(format!("backing up failed: {why}")))?
        }
        Err(source) => {
            return Err(StartError::Store {
                path: data_dir.to_path_buf(),
                source,
            });
        }
    }
    // The copy opens, as a server would open it.
    drop(open_store(&to)?);
    let total: u64 = rows.values().sum();
    Ok(format!(
        "backed up {total} rows of {} tables into {}; it opens with --data-dir {}",
        rows.len(),
        target.display(),
        to.display()
    ))
}

/// `rocketlite healthcheck`: the answer of a plain-http GET of `url` if it was 200.
pub fn healthcheck(url: &str) -> Result<String, StartError> {
    use std::io::{Read, Write};
    let unhealthy = |why: String| StartError::Setup(format!("not ready: {why}"));
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| unhealthy(format!("{url} is not a plain http:// URL")))?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let addr = std::net::ToSocketAddrs::to_socket_addrs(host)
        .map_err(|e| unhealthy(format!("{host}: {e}")))?
        .next()
        .ok_or_else(|| unhealthy(format!("{host} has no address")))?;
    let timeout = Duration::from_secs(5);
    let mut stream = std::net::TcpStream::connect_timeout(&addr, timeout)
        .map_err(|e| unhealthy(format!("{addr}: {e}")))?;
    let _ = stream.set_read_timeout(Some(timeout));
    write!(
        stream,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| unhealthy(e.to_string()))?;
    let mut answer = String::new();
    stream
        .take(64 << 10)
        .read_to_string(&mut answer)
        .map_err(|e| unhealthy(e.to_string()))?;
    let body = answer.split_once("\r\n\r\n").map_or("", |(_, b)| b).trim();
    match answer.split(' ').nth(1) {
        Some("200") => Ok(format!("ready: {body}")),
        status => Err(unhealthy(format!(
            "{} {body}",
            status.unwrap_or("no answer")
        ))),
    }
}

/// Progress of a long copy on stderr: a line when a table is done, and one a second while
/// a large table goes on.
fn progress_printer(what: &'static str) -> impl FnMut(&str, u64) + Send {
    let mut current = (String::new(), 0u64);
    let mut last_said = std::time::Instant::now();
    move |table: &str, rows: u64| {
        if current.0 != table {
            if !current.0.is_empty() {
                eprintln!("rocketlite: {what}: {}: {} rows", current.0, current.1);
            }
            current.0 = table.to_string();
        }
        current.1 = rows;
        if last_said.elapsed() >= Duration::from_secs(1) {
            eprintln!("rocketlite: {what}: {table}: {rows} rows so far");
            last_said = std::time::Instant::now();
        }
    }
}

/// `rocketlite reset-password`: the new password, to print once.
pub fn reset_password(
    username: &str,
    data_dir: &std::path::Path,
    database: Option<&str>,
) -> Result<String, StartError> {
    let store = match database {
        Some(url) => Store::open_postgres(url, 2).map_err(StartError::Database)?,
        None => open_store(data_dir)?,
    };
    let service = Service::new(
        store,
        system_clock(),
        Box::new(rand::rngs::OsRng.unwrap_err()),
    );
    let (user, password) = service.reset_password(username).map_err(|e| match e {
        ServiceError::UserNotFound => StartError::Setup(format!("no user is named {username}")),
        e => StartError::Setup(e.to_string()),
    })?;
    let inactive = match user.active {
        true => "",
        false => " (the account is deactivated: reactivate it to log in)",
    };
    Ok(format!(
        "new password for {}: {password}\nIt is shown once. Every session of {} was ended; the \
         change is in the audit trail{inactive}.",
        user.username, user.username
    ))
}

/// Opens the database file in `data_dir`, with the operator's wording for why it could not.
fn open_store(data_dir: &std::path::Path) -> Result<Store, StartError> {
    Store::open(&data_dir.join(DB_FILE)).map_err(|source| match source {
        StoreError::AlreadyOpen => StartError::InUse(data_dir.to_path_buf()),
        source => StartError::Store {
            path: data_dir.to_path_buf(),
            source,
        },
    })
}

/// Everything `serve` needs; each flag also reads an environment variable.
#[derive(Args, Debug, Clone)]
pub struct ServeConfig {
    /// Address and port to listen on.
    #[arg(long, env = "ROCKETLITE_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,
    /// Serve Prometheus metrics at http://ADDR/metrics, a listener of its own (off unless
    /// set; keep it off the public network).
    #[arg(long, env = "ROCKETLITE_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
    /// Directory holding the database file (`rocketlite.redb`); created if missing.
    #[arg(long, env = "ROCKETLITE_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// A PostgreSQL URL (`postgres://user:password@host:port/db`): the data lives there
    /// instead of in --data-dir, which then holds no database.
    #[arg(long, env = "ROCKETLITE_DATABASE_URL", hide_env_values = true)]
    pub database: Option<String>,
    /// With --database: connections in the pool.
    #[arg(long, env = "ROCKETLITE_DATABASE_POOL_SIZE", default_value_t = 16)]
    pub database_pool_size: u32,
    /// With --database: seconds any statement, a commit included, may wait on PostgreSQL
    /// (for a lock, for a synchronous standby that went away); then the request fails with
    /// a clear 500 or 503 instead of waiting forever.
    #[arg(
        long,
        env = "ROCKETLITE_DATABASE_TIMEOUT_SECS",
        default_value_t = 30,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub database_timeout_secs: u64,
    /// Username of the admin created on first start.
    #[arg(long, env = "ADMIN_USERNAME", default_value = "admin")]
    pub admin_username: String,
    /// Password of the admin created on first start; generated and printed once if unset.
    #[arg(long, env = "ADMIN_PASS", hide_env_values = true)]
    pub admin_pass: Option<String>,
    /// Email address of the admin created on first start.
    #[arg(long, env = "ADMIN_EMAIL")]
    pub admin_email: Option<String>,
    /// Display name of the admin created on first start.
    #[arg(long, env = "ADMIN_NAME", default_value = "Administrator")]
    pub admin_name: String,
    /// Failed logins for one username, within the window, before it is blocked: sets the
    /// setting Block_Multiple_Failed_Logins_Attempts_Until_Block_by_User at start (default 10).
    #[arg(long, env = "ROCKETLITE_LOGIN_MAX_FAILURES_PER_USER")]
    pub login_max_failures_per_user: Option<usize>,
    /// Failed logins from one client address, within the window, before it is blocked: sets
    /// Block_Multiple_Failed_Logins_Attempts_Until_Block_By_Ip at start (default 50).
    #[arg(long, env = "ROCKETLITE_LOGIN_MAX_FAILURES_PER_IP")]
    pub login_max_failures_per_ip: Option<usize>,
    /// The login-blocking window, in seconds, rounded up to whole minutes: sets both
    /// Block_Multiple_Failed_Logins_Time_To_Unblock_*_In_Minutes at start (default 5 min).
    #[arg(long, env = "ROCKETLITE_LOGIN_WINDOW_SECS")]
    pub login_window_secs: Option<u64>,
    /// Days a login token stays valid: sets the setting Accounts_LoginExpiration at start
    /// (an alias of OVERWRITE_SETTING_Accounts_LoginExpiration; default 90). Expired tokens
    /// answer 401 and are pruned.
    #[arg(
        long,
        env = "ROCKETLITE_LOGIN_EXPIRATION_DAYS",
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    pub login_expiration_days: Option<u32>,
    /// Connections served at once; more wait in the kernel's backlog. Capped below the
    /// open-file limit, whose soft value is raised to the hard one at start.
    #[arg(long, env = "ROCKETLITE_MAX_CONNECTIONS", default_value_t = 10_000)]
    pub max_connections: usize,
    /// Seconds a client may take to send a request's headers; also how long a kept-alive
    /// connection may wait for its next request.
    #[arg(long, env = "ROCKETLITE_HEADER_TIMEOUT_SECS", default_value_t = 30)]
    pub header_timeout_secs: u64,
    /// Seconds a client may take to send a request's body.
    #[arg(long, env = "ROCKETLITE_BODY_TIMEOUT_SECS", default_value_t = 30)]
    pub body_timeout_secs: u64,
    /// Seconds a connection may go without the client sending or reading anything.
    #[arg(long, env = "ROCKETLITE_IDLE_TIMEOUT_SECS", default_value_t = 60)]
    pub idle_timeout_secs: u64,
    /// Read the client address from `X-Forwarded-For` (set it only behind a proxy that
    /// appends to that header).
    #[arg(long, env = "ROCKETLITE_TRUST_PROXY")]
    pub trust_proxy: bool,
    /// With --trust-proxy: how many proxies append to `X-Forwarded-For`. The client address
    /// is that many entries from the right (Rocket.Chat's HTTP_FORWARDED_COUNT).
    #[arg(
        long,
        env = "ROCKETLITE_TRUSTED_PROXY_HOPS",
        default_value_t = 1,
        value_parser = clap::value_parser!(u8).range(1..)
    )]
    pub trusted_proxy_hops: u8,
    /// Do not create the default channel `general` (`_id` `GENERAL`; public, joined by every
    /// new user).
    #[arg(long, env = "ROCKETLITE_NO_DEFAULT_CHANNEL")]
    pub no_default_channel: bool,
    /// Turn self-service sign-up (`users.register`) off: sets the setting
    /// Accounts_RegistrationForm to `Disabled` at start (an alias of
    /// OVERWRITE_SETTING_Accounts_RegistrationForm=Disabled).
    #[arg(long, env = "ROCKETLITE_NO_REGISTRATION")]
    pub no_registration: bool,
    /// The secret `users.createToken` requires, under Rocket.Chat's variable name; without
    /// it `users.createToken` refuses every call.
    #[arg(long, env = "CREATE_TOKENS_FOR_USERS_SECRET", hide_env_values = true)]
    pub create_tokens_secret: Option<String>,
    /// Remove audit-trail entries older than this many days, in the background (default:
    /// keep them forever).
    #[arg(long, env = "ROCKETLITE_AUDIT_RETENTION_DAYS", value_parser = clap::value_parser!(u32).range(1..))]
    pub audit_retention_days: Option<u32>,
    /// Keep at most this many audit-trail entries, removing the oldest beyond it every
    /// minute; 0 keeps every entry.
    #[arg(long, env = "ROCKETLITE_AUDIT_MAX_ENTRIES", default_value_t = crate::service::DEFAULT_AUDIT_MAX_ENTRIES)]
    pub audit_max_entries: u64,
    /// What a SCIM deactivation or deletion does with a room the user is the last active
    /// owner of: `hand-over` to its earliest-joined active member (as `confirmRelinquish`),
    /// or `refuse` the change with a 409.
    #[arg(long, env = "ROCKETLITE_SCIM_RELINQUISH", value_enum, default_value_t = ScimPolicy::HandOver)]
    pub scim_relinquish: ScimPolicy,
    /// Settings forced at start besides the `OVERWRITE_SETTING_<id>` environment variables
    /// (for embedders and tests; not a flag).
    #[arg(skip)]
    pub overwrite_settings: Vec<(String, String)>,
}

/// `--scim-relinquish`'s values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ScimPolicy {
    HandOver,
    Refuse,
}

impl From<ScimPolicy> for ScimRelinquish {
    fn from(policy: ScimPolicy) -> Self {
        match policy {
            ScimPolicy::HandOver => ScimRelinquish::HandOver,
            ScimPolicy::Refuse => ScimRelinquish::Refuse,
        }
    }
}

impl ServeConfig {
    /// The flags that duplicate a setting, as the `OVERWRITE_SETTING_*` pairs they stand for.
    fn setting_aliases(&self) -> Vec<(String, String)> {
        let mut pairs = Vec::new();
        if let Some(days) = self.login_expiration_days {
            pairs.push(("Accounts_LoginExpiration".into(), days.to_string()));
        }
        if self.no_registration {
            pairs.push(("Accounts_RegistrationForm".into(), "Disabled".into()));
        }
        let block = |suffix: &str| format!("Block_Multiple_Failed_Logins_{suffix}");
        if let Some(n) = self.login_max_failures_per_user {
            pairs.push((block("Attempts_Until_Block_by_User"), n.to_string()));
        }
        if let Some(n) = self.login_max_failures_per_ip {
            pairs.push((block("Attempts_Until_Block_By_Ip"), n.to_string()));
        }
        if let Some(secs) = self.login_window_secs {
            let minutes = secs.div_ceil(60).max(1).to_string();
            pairs.push((block("Time_To_Unblock_By_User_In_Minutes"), minutes.clone()));
            pairs.push((block("Time_To_Unblock_By_Ip_In_Minutes"), minutes));
        }
        pairs
    }

    /// The `ADMIN_*` values, an empty one counting as unset (as Rocket.Chat reads them, and as
    /// a compose template with an unset variable passes them).
    fn admin_seed(&self) -> AdminSeed {
        let set = |v: &Option<String>| v.clone().filter(|v| !v.is_empty());
        let or_default = |v: &str, default: &str| match v {
            "" => default.to_string(),
            v => v.to_string(),
        };
        AdminSeed {
            username: or_default(&self.admin_username, "admin"),
            password: set(&self.admin_pass),
            email: set(&self.admin_email),
            name: or_default(&self.admin_name, "Administrator"),
        }
    }
}

/// Why start-up failed, worded for the operator.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot create --data-dir {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "--data-dir {0} is in use by another rocketlite process; stop it or choose another directory"
    )]
    InUse(PathBuf),
    #[error("cannot open the database in --data-dir {path}: {source}")]
    Store { path: PathBuf, source: StoreError },
    #[error("cannot use --database: {0}")]
    Database(StoreError),
    #[error("cannot use {flag}: {source}")]
    Location {
        flag: &'static str,
        source: StoreError,
    },
    #[error("copy: {0}")]
    Copy(String),
    #[error("first-start setup failed: {0}")]
    Setup(String),
    #[error("cannot listen on --listen {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// Opens the store in the data directory and prepares it: migrations, permission seeds and
/// the first admin. Returns the ready service.
pub fn open_service(config: &ServeConfig) -> Result<Arc<Service>, StartError> {
    create_private_dir(&config.data_dir)?;
    let store = match &config.database {
        Some(url) => Store::open_postgres_with_deadline(
            url,
            config.database_pool_size,
            Duration::from_secs(config.database_timeout_secs),
        )
        .map_err(StartError::Database)?,
        None => open_store(&config.data_dir)?,
    };
    let service = Service::new(
        store,
        system_clock(),
        Box::new(rand::rngs::OsRng.unwrap_err()),
    )
    .with_create_tokens_secret(config.create_tokens_secret.as_deref())
    .with_scim_relinquish(config.scim_relinquish.into());
    let setup = |e: ServiceError| StartError::Setup(e.to_string());
    service.seed_permissions().map_err(setup)?;
    service.reload_settings().map_err(setup)?;
    let mut overwrites = overwrite_settings_from_env();
    overwrites.extend(config.overwrite_settings.iter().cloned());
    overwrites.extend(config.setting_aliases());
    if !overwrites.is_empty() {
        let unknown = service
            .overwrite_settings(&overwrites)
            .map_err(|e| StartError::Setup(format!("OVERWRITE_SETTING_*: {e}")))?;
        for id in unknown {
            tracing::warn!(%id, "OVERWRITE_SETTING_{id} names a setting rocketlite does not serve; ignored");
        }
    }
    let admin_setup = |e: ServiceError| match e {
        ServiceError::InvalidUsername(name) => StartError::Setup(format!(
            "ADMIN_USERNAME '{name}' is not a valid username \
             (letters, digits, '-', '_' and '.'; at most {} characters)",
            crate::service::limits::USERNAME
        )),
        ServiceError::InvalidEmail(email) => StartError::Setup(format!(
            "ADMIN_EMAIL '{email}' is not a valid email address"
        )),
        ServiceError::FieldUnavailable(name) => StartError::Setup(format!(
            "ADMIN_USERNAME '{name}' is taken by a user who is not an admin"
        )),
        other => setup(other),
    };
    match service
        .bootstrap_admin(&config.admin_seed())
        .map_err(admin_setup)?
    {
        BootstrapOutcome::Existing => {}
        BootstrapOutcome::Created { username } => {
            tracing::info!(%username, "created the admin from ADMIN_PASS");
        }
        BootstrapOutcome::CreatedWithPassword { username, password } => {
            // Printed once, on purpose: this is the only place the password ever appears.
            println!(
                "Created admin user '{username}' with password: {password}\n\
                 Log in: curl -s http://{}/api/v1/login -H 'Content-Type: application/json' \
                 -d '{{\"user\":\"{username}\",\"password\":\"{password}\"}}'",
                config.listen
            );
        }
    }
    if !config.no_default_channel {
        match service.ensure_default_channel().map_err(setup)? {
            DefaultChannelOutcome::Created { owner } => {
                tracing::info!(%owner, "created the default channel #general");
            }
            DefaultChannelOutcome::NameTaken => {
                tracing::info!("a room is named general already; no default channel created");
            }
            DefaultChannelOutcome::NoAdmin => {
                tracing::warn!("no active admin to own the default channel; not created yet");
            }
            DefaultChannelOutcome::AlreadyDone => {}
        }
    }
    match service.ensure_rocket_cat().map_err(setup)? {
        RocketCatOutcome::Created => tracing::info!("created the bot user rocket.cat"),
        RocketCatOutcome::NameTaken => {
            tracing::info!("the name or id rocket.cat is taken; no bot user created")
        }
        RocketCatOutcome::Present => {}
    }
    Ok(Arc::new(service))
}

/// Rocket.Chat's `OVERWRITE_SETTING_<id>=<value>` environment variables: forced at every
/// start, whatever the database holds.
fn overwrite_settings_from_env() -> Vec<(String, String)> {
    std::env::vars()
        .filter_map(|(name, value)| {
            let id = name.strip_prefix("OVERWRITE_SETTING_")?;
            Some((id.to_string(), value))
        })
        .collect()
}

/// Serves until `shutdown` completes, then lets in-flight requests finish and closes the
/// database. `on_ready` receives the bound address (useful with port 0).
pub async fn serve(
    config: ServeConfig,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    on_ready: impl FnOnce(SocketAddr),
) -> Result<(), StartError> {
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        "rocketlite {} starting",
        env!("CARGO_PKG_VERSION")
    );
    match &config.database {
        Some(url) => tracing::info!("storage: PostgreSQL at {}", crate::store::pg::redacted(url)),
        None => tracing::info!(
            "storage: redb at {}",
            config.data_dir.join(DB_FILE).display()
        ),
    }
    let service = open_service(&config)?;
    let listen_error = |source| StartError::Listen {
        addr: config.listen,
        source,
    };
    let file_limit = net::raise_file_limit();
    let limits = net::Limits {
        max_connections: net::connection_cap(config.max_connections, file_limit),
        header_timeout: Duration::from_secs(config.header_timeout_secs.max(1)),
        idle_timeout: Duration::from_secs(config.idle_timeout_secs.max(1)),
    };
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(listen_error)?;
    let local = listener.local_addr().unwrap_or(config.listen);
    tracing::info!(
        max_connections = limits.max_connections,
        open_file_limit = file_limit,
        "connection limits"
    );
    tracing::info!("listening on http://{local}");
    tracing::info!("API docs (Swagger UI) at http://{local}/docs/");
    let metrics = Arc::new(crate::api::metrics::Metrics::default());
    let metrics_server = match config.metrics_listen {
        Some(addr) => {
            Some(serve_metrics(addr, Arc::clone(&service), Arc::clone(&metrics), limits).await?)
        }
        None => None,
    };
    // redb: the control socket, through which `rocketlite backup` reaches this process.
    let (control_stop, control_stopped) = tokio::sync::oneshot::channel::<()>();
    let control = config.database.is_none().then(|| {
        let (dir, service) = (config.data_dir.clone(), Arc::clone(&service));
        tokio::spawn(async move {
            let stopped = async {
                let _ = control_stopped.await;
            };
            if let Err(e) = crate::control::serve(dir, service, stopped).await {
                tracing::warn!(error = %e, "no control socket: `rocketlite backup` cannot reach this server");
            }
        })
    });
    on_ready(local);
    // Expired login tokens every ten minutes (Meteor's own interval); audit-trail entries
    // beyond the bound or the retention every minute, so the trail cannot outgrow its bound
    // by more than a minute of changes.
    let sweeper = tokio::spawn(sweep(
        Arc::clone(&service),
        "expired login tokens",
        Duration::from_secs(600),
        |s, batch| s.prune_expired_tokens(batch),
    ));
    // Settings changed on another node of the same database take effect here within a second.
    let settings_reloader = tokio::spawn({
        let service = Arc::clone(&service);
        async move {
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                let service = Arc::clone(&service);
                if let Ok(Err(e)) =
                    tokio::task::spawn_blocking(move || service.reload_settings()).await
                {
                    tracing::warn!(error = %e, "reading the settings failed");
                }
            }
        }
    });
    let (days, max) = (
        config.audit_retention_days,
        Some(config.audit_max_entries).filter(|&n| n > 0),
    );
    let audit_sweeper = (days.is_some() || max.is_some()).then(|| {
        tokio::spawn(sweep(
            Arc::clone(&service),
            "old audit-trail entries",
            Duration::from_secs(60),
            move |s, batch| s.prune_audit(days, max, batch),
        ))
    });
    net::serve(
        listener,
        crate::api::app_with_metrics(
            Arc::clone(&service),
            ApiConfig {
                body_timeout: Duration::from_secs(config.body_timeout_secs.max(1)),
                trusted_proxies: match config.trust_proxy {
                    true => usize::from(config.trusted_proxy_hops),
                    false => 0,
                },
            },
            metrics,
        ),
        limits,
        shutdown,
    )
    .await;
    let _ = control_stop.send(());
    if let Some(control) = control {
        let _ = control.await;
    }
    if let Some((stop, server)) = metrics_server {
        let _ = stop.send(());
        let _ = server.await;
    }
    sweeper.abort();
    let _ = sweeper.await;
    settings_reloader.abort();
    let _ = settings_reloader.await;
    if let Some(audit_sweeper) = audit_sweeper {
        audit_sweeper.abort();
        let _ = audit_sweeper.await;
    }
    drop(service);
    tracing::info!("stopped; database closed");
    Ok(())
}

/// Serves `GET /metrics` (Prometheus' text format) on a listener of its own, until told to
/// stop; returns the stop switch and the server's task.
async fn serve_metrics(
    addr: SocketAddr,
    service: Arc<Service>,
    metrics: Arc<crate::api::metrics::Metrics>,
    limits: net::Limits,
) -> Result<
    (
        tokio::sync::oneshot::Sender<()>,
        tokio::task::JoinHandle<()>,
    ),
    StartError,
> {
    use poem::EndpointExt;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Listen { addr, source })?;
    let local = listener.local_addr().unwrap_or(addr);
    tracing::info!("metrics at http://{local}/metrics");
    let app = poem::Route::new()
        .at(
            "/metrics",
            poem::get(poem::endpoint::make_sync(move |_| {
                use poem::IntoResponse;
                metrics
                    .render(&service)
                    .with_content_type("text/plain; version=0.0.4; charset=utf-8")
                    .into_response()
            })),
        )
        .map_to_response();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(net::serve(listener, app, limits, async {
        let _ = stopped.await;
    }));
    Ok((stop, server))
}

/// Runs `prune` now and every `every`, in batches of at most `BATCH` removals (more batches
/// while one comes back full), so a sweep never holds the writer for long. `what` names the
/// records in the log.
async fn sweep(
    service: Arc<Service>,
    what: &'static str,
    every: Duration,
    prune: impl Fn(&Service, usize) -> crate::service::ServiceResult<usize> + Clone + Send + 'static,
) {
    const BATCH: usize = 1000;
    loop {
        loop {
            let (service, prune) = (Arc::clone(&service), prune.clone());
            let pruned = tokio::task::spawn_blocking(move || prune(&service, BATCH));
            match pruned.await.unwrap_or(Ok(0)) {
                Ok(n) if n == BATCH => continue,
                Ok(0) => break,
                Ok(n) => {
                    tracing::info!(removed = n, "pruned {what}");
                    break;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "pruning {what} failed");
                    break;
                }
            }
        }
        tokio::time::sleep(every).await;
    }
}

/// A future that completes on SIGINT or SIGTERM. The handlers are installed right away, not
/// when the future is first polled, so a signal sent as soon as the server says it is
/// listening still shuts it down gracefully.
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).expect("installing a SIGTERM handler");
    let mut int = signal(SignalKind::interrupt()).expect("installing a SIGINT handler");
    async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    }
}
