#![no_main]
//! Fuzz target `rate`: see `fuzz/checks.rs`.

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::rate_stream(data));
