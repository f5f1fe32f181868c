//! The integration suite: the whole app in process, one module per endpoint family.

mod common;

#[path = "api/abuse.rs"]
mod abuse;
#[path = "api/active_status.rs"]
mod active_status;
#[path = "api/auth.rs"]
mod auth;
#[path = "api/connections.rs"]
mod connections;
#[path = "api/expiry.rs"]
mod expiry;
#[path = "api/permissions.rs"]
mod permissions;
#[path = "api/rooms.rs"]
mod rooms;
#[path = "api/server.rs"]
mod server;
#[path = "api/spec.rs"]
mod spec;
#[path = "api/stale_callers.rs"]
mod stale_callers;
#[path = "api/storage.rs"]
mod storage;
#[path = "api/users.rs"]
mod users;
#[path = "api/validation.rs"]
mod validation;
