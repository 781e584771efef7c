#![no_main]
//! cargo +nightly fuzz run registry_file (see fuzz/README.md)

#[path = "../harness.rs"]
#[allow(dead_code)]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::registry_file(data));
