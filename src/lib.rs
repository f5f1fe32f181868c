//! rocketlite: the Rocket.Chat REST API for user and room administration, on one redb file
//! by default or on PostgreSQL.
//!
//! Layers call only downward: [`api`] (HTTP) -> [`service`] (rules) -> [`store`] (the
//! storage seam and its engines, redb and PostgreSQL), with [`model`] shared by all three.

// Handlers return `Result<_, ErrorResponse>`: the error is the Rocket.Chat envelope itself,
// built once per refused request, so its size does not matter.
#![allow(clippy::result_large_err)]

pub mod api;
pub mod cli;
pub mod control;
pub mod model;
pub mod net;
pub mod service;
pub mod store;

/// The Rocket.Chat API version whose shapes rocketlite follows.
pub const RC_API_VERSION: &str = "8.8.1";
/// The oldest Rocket.Chat desktop app that release supports (its `minimumClientVersions`).
pub const RC_MINIMUM_DESKTOP: &str = "3.9.6";
/// The oldest Rocket.Chat mobile app that release supports.
pub const RC_MINIMUM_MOBILE: &str = "4.39.0";
