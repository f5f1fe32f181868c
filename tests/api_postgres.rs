//! The integration suite of `tests/api/suite/` once more, with every in-process app over a
//! fresh PostgreSQL database on the throwaway server instead of redb in memory: the same
//! tests, the same exact bodies and full-dump comparisons, on the second engine, and the
//! loopback races (`races`, `stale_callers`) with the server on PostgreSQL. The modules about
//! redb's file and the binary's command line stay in `tests/api/` and run there alone.
//! Without PostgreSQL's binaries it says so loudly and runs on redb again; `.ci/run` makes
//! that a failure.

// Test code states its expectations with `unwrap` (denied in the server's code).
#![allow(clippy::unwrap_used)]

/// Read by `common::test_store`.
const ON_POSTGRES: bool = true;

#[path = "api/common.rs"]
mod common;
#[path = "api/suite/mod.rs"]
mod suite;
