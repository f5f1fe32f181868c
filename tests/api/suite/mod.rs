//! The modules that run on both engines: `tests/api/main.rs` runs them on redb,
//! `tests/api_postgres.rs` on PostgreSQL. A new module listed here runs on both.

mod abuse;
mod active_status;
mod audit;
mod auth;
mod custom_fields;
mod default_channel;
mod expiry;
mod forms;
mod lifecycle;
mod lists;
mod login_forms;
pub mod loopback;
mod moderation;
mod names;
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
mod settings;
mod spec;
mod stale_callers;
mod status;
mod users;
mod validation;
