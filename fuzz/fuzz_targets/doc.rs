//! Fuzz target: `a.doc` through the decoder dispatch: a compound file's streams read
//! through `cfb` and their UTF-16 and ASCII strings extracted.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| leakscope_fuzz::decode_as("a.doc", data));
