#![no_main]
//! Fuzz target `invoice`: see `fuzz/checks.rs`.

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::invoice_request(data));
