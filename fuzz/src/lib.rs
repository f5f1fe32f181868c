//! rocketlite's fuzzing support: the model, harness and target bodies live in the test kit
//! (`tests/kit`), shared with `cargo test`.

pub use rocketlite_testkit::{harness, model, targets};
