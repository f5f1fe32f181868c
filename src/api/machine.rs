//! Facts about the running process and its machine, for `/api/info`'s `build`.

use std::sync::OnceLock;

use poem_openapi::Object;

/// When the process started (the first time anyone asked), as ISO 8601.
fn started() -> &'static str {
    static STARTED: OnceLock<String> = OnceLock::new();
    STARTED.get_or_init(|| {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        crate::model::iso8601(now)
    })
}

/// `MemTotal` and `MemAvailable` from `/proc/meminfo`, in bytes; zeros where it is missing.
fn memory() -> (u64, u64) {
    let text = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kib| kib.parse::<u64>().ok())
            .map_or(0, |kib| kib * 1024)
    };
    (field("MemTotal:"), field("MemAvailable:"))
}
/// The running binary and its machine (Rocket.Chat fills these at build time).
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct BuildInfo {
    /// When this process started.
    pub date: String,
    /// rocketlite's own version, where Rocket.Chat names its Node.js.
    pub node_version: String,
    pub arch: String,
    pub platform: String,
    pub os_release: String,
    /// Bytes.
    pub total_memory: u64,
    /// Bytes.
    pub free_memory: u64,
    pub cpus: u64,
}

pub fn build_info() -> BuildInfo {
    let (total, free) = memory();
    BuildInfo {
        date: started().to_string(),
        node_version: concat!("rocketlite ", env!("CARGO_PKG_VERSION")).into(),
        arch: std::env::consts::ARCH.into(),
        platform: std::env::consts::OS.into(),
        os_release: std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|s| s.trim().to_string())
            .unwrap_or_default(),
        total_memory: total,
        free_memory: free,
        cpus: std::thread::available_parallelism().map_or(1, |n| n.get() as u64),
    }
}

/// This process's figures, for the metrics: zeros where `/proc` says nothing.
pub struct ProcessFigures {
    pub resident_bytes: u64,
    pub cpu_seconds: f64,
    pub open_fds: u64,
    pub threads: u64,
    /// Seconds since the epoch.
    pub start_time: u64,
}

pub fn process_figures() -> ProcessFigures {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // `/proc/self/stat`: utime and stime (fields 14 and 15) and starttime (22), in clock
    // ticks (100 per second on Linux), after the command name in parentheses.
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    const TICKS: f64 = 100.0;
    let boot = std::fs::read_to_string("/proc/stat")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("btime "))
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(0);
    ProcessFigures {
        resident_bytes: field("VmRSS:") * 1024,
        cpu_seconds: (tick(11) + tick(12)) as f64 / TICKS,
        open_fds: std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count() as u64),
        threads: field("Threads:"),
        start_time: boot + tick(19) / TICKS as u64,
    }
}
