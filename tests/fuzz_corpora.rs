//! Replays every committed fuzz corpus file through its target, so a crash found once by
//! `cargo fuzz` stays fixed. The targets live in the test kit (`tests/kit/src/targets.rs`).

// Test code states its expectations with `unwrap` (denied in the server's code).
#![allow(clippy::unwrap_used)]

use rocketlite_testkit::targets;

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "the {target} corpus is empty");
    for file in &files {
        let data = std::fs::read(file).unwrap();
        let outcome = std::panic::catch_unwind(|| run(&data));
        assert!(outcome.is_ok(), "{target} fails on {}", file.display());
    }
    eprintln!("{target}: replayed {} corpus files", files.len());
}

#[test]
fn validator_corpus_replays_cleanly() {
    replay("validator", targets::validator);
}

#[test]
fn codec_corpus_replays_cleanly() {
    replay("codec", targets::codec);
}

#[test]
fn operations_corpus_replays_cleanly() {
    replay("operations", targets::operations);
}

#[test]
fn scim_corpus_replays_cleanly() {
    replay("scim", targets::scim);
}
