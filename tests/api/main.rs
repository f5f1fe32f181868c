//! The integration suite: the whole app in process, one module per endpoint family.

// Test code states its expectations with `unwrap` (denied in the server's code).
#![allow(clippy::unwrap_used)]

/// Whether this build of the suite runs on PostgreSQL (`tests/api_postgres.rs` says yes).
#[allow(dead_code)]
const ON_POSTGRES: bool = false;

mod common;

mod abuse;
mod active_status;
mod answers;
mod audit;
mod auth;
mod connections;
mod custom_fields;
mod default_channel;
mod expiry;
mod first_start;
mod forms;
mod lifecycle;
mod lists;
mod login_forms;
mod loopback;
mod moderation;
mod names;
mod operations;
mod own_account;
mod permissions;
mod personal_tokens;
mod plan;
mod races;
mod rate_limit;
mod register;
mod roles;
mod room_admin;
mod room_views;
mod rooms;
mod scim;
mod server;
mod settings;
mod spec;
mod stale_callers;
mod status;
mod storage;
mod users;
mod validation;
