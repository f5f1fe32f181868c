#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rocketlite_fuzz::targets::scim(data));
