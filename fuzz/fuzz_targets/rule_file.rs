//! Fuzz target: user rule files (TOML parsing, the detector catalog built from them, and
//! rule compilation).
#![no_main]

use leakscope_core::HashKey;
use leakscope_detect::{Date, Engine, EngineConfig, RuleFile};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(file) = RuleFile::parse("fuzz.toml", text) {
        let _ = leakscope_detect::catalog::catalog(std::slice::from_ref(&file));
        let config = EngineConfig::new(HashKey::insecure_test_key(), Date::new(2026, 1, 1).unwrap());
        let _ = Engine::new(&[file], &config);
    }
});
