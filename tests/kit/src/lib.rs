//! rocketlite's test kit: the reference model of its rules, the harness that drives the real
//! service with the model's operations and checks it after every step, the bodies of the fuzz
//! targets, and a minimal HTTP client for tests against a real server.
//!
//! Used by the server's tests (`tests/model.rs`, `tests/fuzz_corpora.rs`, the crash and API
//! suites) and by `fuzz/`. The harness opens whatever `Store` it is given, so the same model
//! can be run against every storage engine.

pub mod harness;
pub mod http;
pub mod invariant;
pub mod model;
pub mod node;
pub mod pg_server;
pub mod targets;
