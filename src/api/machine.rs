//! Facts about the running process and its machine, for `/api/info`'s `build`.

use std::sync::OnceLock;

use super::session::BuildInfo;

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
