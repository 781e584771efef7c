#![no_main]
//! cargo +nightly fuzz run ports (see fuzz/README.md)

#[path = "../harness.rs"]
#[allow(dead_code)]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::ports(data));
