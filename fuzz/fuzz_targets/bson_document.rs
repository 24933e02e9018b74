//! Fuzz target: one BSON document as a MongoDB server (or a hostile one) sends it, walked
//! field by field the way the MongoDB source does.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = leakscope_sources::stores::mongo::flatten_bytes(data, 1);
});
