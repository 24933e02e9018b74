//! Fuzz target: one database row as the JSON text a PostgreSQL or MySQL server (or a
//! hostile one) sends for it, read into field leaves the way the SQL source does.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The driver hands rows over as text, so only valid UTF-8 arrives here.
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = leakscope_sources::stores::json_row::flatten_row(text, &["id".to_string()]);
    }
});
