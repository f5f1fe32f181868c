//! The integration suite of `tests/api/` once more, with every in-process app over a fresh
//! PostgreSQL database on the throwaway server instead of redb in memory: the same tests,
//! the same exact bodies and full-dump comparisons, on the second engine, and the loopback
//! races (`races`, `stale_callers`) with the server on PostgreSQL. Left out: the modules
//! about redb's file and the binary's command line (`server`, `storage`, `connections`). Without PostgreSQL's
//! binaries it says so loudly and runs on redb again; `.ci/run` makes that a failure.

// Test code states its expectations with `unwrap` (denied in the server's code).
#![allow(clippy::unwrap_used)]

/// Read by `common::test_store`.
const ON_POSTGRES: bool = true;

#[path = "api/abuse.rs"]
mod abuse;
#[path = "api/active_status.rs"]
mod active_status;
#[path = "api/audit.rs"]
mod audit;
#[path = "api/auth.rs"]
mod auth;
#[path = "api/common.rs"]
mod common;
#[path = "api/custom_fields.rs"]
mod custom_fields;
#[path = "api/default_channel.rs"]
mod default_channel;
#[path = "api/expiry.rs"]
mod expiry;
#[path = "api/forms.rs"]
mod forms;
#[path = "api/lifecycle.rs"]
mod lifecycle;
#[path = "api/lists.rs"]
mod lists;
#[path = "api/login_forms.rs"]
mod login_forms;
#[path = "api/loopback.rs"]
mod loopback;
#[path = "api/moderation.rs"]
mod moderation;
#[path = "api/names.rs"]
mod names;
#[path = "api/own_account.rs"]
mod own_account;
#[path = "api/permissions.rs"]
mod permissions;
#[path = "api/personal_tokens.rs"]
mod personal_tokens;
#[path = "api/plan.rs"]
mod plan;
#[path = "api/races.rs"]
mod races;
#[path = "api/rate_limit.rs"]
mod rate_limit;
#[path = "api/register.rs"]
mod register;
#[path = "api/roles.rs"]
mod roles;
#[path = "api/room_admin.rs"]
mod room_admin;
#[path = "api/room_views.rs"]
mod room_views;
#[path = "api/rooms.rs"]
mod rooms;
#[path = "api/scim.rs"]
mod scim;
#[path = "api/settings.rs"]
mod settings;
#[path = "api/spec.rs"]
mod spec;
#[path = "api/stale_callers.rs"]
mod stale_callers;
#[path = "api/status.rs"]
mod status;
#[path = "api/users.rs"]
mod users;
#[path = "api/validation.rs"]
mod validation;
