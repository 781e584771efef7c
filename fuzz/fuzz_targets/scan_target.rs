#![no_main]
//! cargo +nightly fuzz run scan_target (see fuzz/README.md)

#[path = "../harness.rs"]
#[allow(dead_code)]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::target(data));
