//! The integration suite: the whole app in process, one module per endpoint family. The
//! modules in `suite/` run here on redb (in memory) and again in `tests/api_postgres.rs` on
//! PostgreSQL; the ones beside this file are about redb's file, the binary and its command
//! line, and run here alone.

// Test code states its expectations with `unwrap` (denied in the server's code).
#![allow(clippy::unwrap_used)]

/// Whether this build of the suite runs on PostgreSQL (`tests/api_postgres.rs` says yes;
/// `ROCKETLITE_TEST_ENGINE=postgres` chooses it at run time, `common::on_postgres`).
const ON_POSTGRES: bool = false;

mod common;
mod suite;

mod answers;
mod connections;
mod first_start;
mod operations;
mod server;
mod storage;
