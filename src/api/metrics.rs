//! What an operator's Prometheus scrapes (on its own listener, `--metrics-listen`): requests
//! by route and status with their latencies, login failures, rate-limit refusals, the
//! answer budget, the store (engine, writer queue and commits, pool) and the process.

use std::sync::Mutex;
use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::service::Service;

/// A request's labels. `route` is the operation's path pattern, so the labels stay few
/// whatever paths clients send (an unknown one is `unmatched`).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: String,
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EngineLabels {
    engine: String,
}

/// Every metric, registered once per app.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    login_failures: Counter,
    rate_limited: Counter,
    answer_bytes: Gauge,
    store: Family<EngineLabels, Gauge>,
    writer_queue: Gauge,
    writer_commits: Counter<u64, AtomicU64>,
    pool_connections: Gauge,
    pool_idle: Gauge,
    database_round_trips: Counter<u64, AtomicU64>,
    database_conflicts: Counter<u64, AtomicU64>,
    process: ProcessGauges,
    /// The writer's commit count last seen, so the counter only moves forward.
    commits_seen: Mutex<u64>,
    /// The round trips and conflicts last seen, likewise.
    round_trips_seen: Mutex<(u64, u64)>,
}

struct ProcessGauges {
    resident_bytes: Gauge,
    cpu_seconds: Gauge<f64, AtomicU64>,
    open_fds: Gauge,
    threads: Gauge,
    start_time: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "rocketlite_http_requests",
            "Requests answered, by method, route and status",
            requests.clone(),
        );
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0005, 2.0, 16))
        });
        registry.register(
            "rocketlite_http_request_duration_seconds",
            "Time from a request's arrival to its answer's head, by method and route",
            latency.clone(),
        );
        let login_failures = Counter::default();
        registry.register(
            "rocketlite_login_failures",
            "Logins refused: wrong or unknown credentials, blocked, inactive",
            login_failures.clone(),
        );
        let rate_limited = Counter::default();
        registry.register(
            "rocketlite_rate_limited",
            "Requests refused by the REST rate limiter (429)",
            rate_limited.clone(),
        );
        let answer_bytes = Gauge::default();
        registry.register(
            "rocketlite_answer_budget_bytes",
            "Bytes of large answers held until their clients read them",
            answer_bytes.clone(),
        );
        let store = Family::<EngineLabels, Gauge>::default();
        registry.register(
            "rocketlite_store",
            "The storage engine in use (1)",
            store.clone(),
        );
        let writer_queue = Gauge::default();
        registry.register(
            "rocketlite_writer_queue",
            "redb: write requests waiting for the writer",
            writer_queue.clone(),
        );
        let writer_commits = Counter::default();
        registry.register(
            "rocketlite_writer_commits",
            "redb: transactions the writer committed",
            writer_commits.clone(),
        );
        let database_round_trips = Counter::default();
        registry.register(
            "rocketlite_database_round_trips",
            "PostgreSQL: statements, prepares, begins and commits sent (what requests cost the database)",
            database_round_trips.clone(),
        );
        let database_conflicts = Counter::default();
        registry.register(
            "rocketlite_database_conflicts",
            "PostgreSQL: write attempts that conflicted (serialization failure or deadlock) and were run again or given up",
            database_conflicts.clone(),
        );
        let pool_connections = Gauge::default();
        registry.register(
            "rocketlite_pool_connections",
            "PostgreSQL: connections in the pool",
            pool_connections.clone(),
        );
        let pool_idle = Gauge::default();
        registry.register(
            "rocketlite_pool_idle_connections",
            "PostgreSQL: idle connections in the pool",
            pool_idle.clone(),
        );
        let process = ProcessGauges {
            resident_bytes: Gauge::default(),
            cpu_seconds: Gauge::default(),
            open_fds: Gauge::default(),
            threads: Gauge::default(),
            start_time: Gauge::default(),
        };
        for (name, help, gauge) in [
            (
                "process_resident_memory_bytes",
                "Resident memory size in bytes",
                &process.resident_bytes,
            ),
            (
                "process_open_fds",
                "Open file descriptors",
                &process.open_fds,
            ),
            ("process_threads", "OS threads", &process.threads),
            (
                "process_start_time_seconds",
                "Start time of the process since the epoch, in seconds",
                &process.start_time,
            ),
        ] {
            registry.register(name, help, gauge.clone());
        }
        registry.register(
            "process_cpu_seconds",
            "User and system CPU time spent, in seconds",
            process.cpu_seconds.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            login_failures,
            rate_limited,
            answer_bytes,
            store,
            writer_queue,
            writer_commits,
            pool_connections,
            pool_idle,
            database_round_trips,
            database_conflicts,
            process,
            commits_seen: Mutex::new(0),
            round_trips_seen: Mutex::new((0, 0)),
        }
    }
}

impl Metrics {
    /// One answered request.
    pub fn request(&self, labels: RequestLabels, seconds: f64) {
        self.latency
            .get_or_create(&RouteLabels {
                method: labels.method.clone(),
                route: labels.route.clone(),
            })
            .observe(seconds);
        self.requests.get_or_create(&labels).inc();
    }

    pub fn login_failed(&self) {
        self.login_failures.inc();
    }

    pub fn rate_limited(&self) {
        self.rate_limited.inc();
    }

    /// The text exposition, with the sampled figures read now.
    pub fn render(&self, service: &Service) -> String {
        self.sample(service);
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }

    fn sample(&self, service: &Service) {
        self.answer_bytes.set(super::call::list_bytes_held() as i64);
        let store = service.store();
        self.store
            .get_or_create(&EngineLabels {
                engine: store.engine_name().into(),
            })
            .set(1);
        if let Some(stats) = store.writer_stats() {
            self.writer_queue.set(stats.queued());
            let commits = stats.commits();
            let mut seen = self.commits_seen.lock().unwrap_or_else(|p| p.into_inner());
            self.writer_commits.inc_by(commits.saturating_sub(*seen));
            *seen = commits;
        }
        if let Some((connections, idle)) = store.pool_state() {
            self.pool_connections.set(i64::from(connections));
            self.pool_idle.set(i64::from(idle));
            let now = (
                crate::store::database_round_trips(),
                crate::store::database_conflicts(),
            );
            let mut seen = self
                .round_trips_seen
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            self.database_round_trips
                .inc_by(now.0.saturating_sub(seen.0));
            self.database_conflicts.inc_by(now.1.saturating_sub(seen.1));
            *seen = now;
        }
        let process = crate::api::machine::process_figures();
        self.process
            .resident_bytes
            .set(process.resident_bytes as i64);
        self.process.cpu_seconds.set(process.cpu_seconds);
        self.process.open_fds.set(process.open_fds as i64);
        self.process.threads.set(process.threads as i64);
        self.process.start_time.set(process.start_time as i64);
    }
}
