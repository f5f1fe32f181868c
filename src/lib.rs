//! rocketlite: the Rocket.Chat REST API for user and room administration, on one redb file.
//!
//! Layers call only downward: [`api`] (HTTP) -> [`service`] (rules) -> [`store`] (redb), with
//! [`model`] shared by all three.

pub mod api;
pub mod cli;
pub mod model;
pub mod service;
pub mod store;

/// The Rocket.Chat API version whose shapes rocketlite follows.
pub const RC_API_VERSION: &str = "7.0.0";
