//! rocketlite's fuzzing support: the reference model, the harness that checks the service
//! against it, and the bodies of the fuzz targets.

pub mod harness;
pub mod model;
pub mod targets;
