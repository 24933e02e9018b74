//! Fuzz target: `leakscope.toml` parsing, including the line number of an error.
#![no_main]

#[allow(dead_code)]
#[path = "../../crates/cli/src/config.rs"]
mod config;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = config::Config::parse(text, std::path::Path::new("leakscope.toml"));
});
