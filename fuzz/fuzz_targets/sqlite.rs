//! Fuzz target: `a.sqlite` through the decoder dispatch (see the crate's `decode_as`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| leakscope_fuzz::decode_as("a.sqlite", data));
