//! Fuzz target: `a.xlsx` through the decoder dispatch (see the crate's `decode_as`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| leakscope_fuzz::decode_as("a.xlsx", data));
