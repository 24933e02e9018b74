//! Fuzz target: the detection engine on arbitrary text, whole and as a field value.
#![no_main]

use leakscope_core::HashKey;
use leakscope_detect::{Date, Engine, EngineConfig, StreamScanner};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let config = EngineConfig::new(HashKey::insecure_test_key(), Date::new(2026, 1, 1).unwrap());
        Engine::builtin(&config).unwrap()
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut scanner = engine().scanner();
    let mut out = Vec::new();
    scanner.scan(&text, &mut out);
    for f in &out {
        assert!(f.start <= f.end && f.end <= text.len());
    }
    scanner.scan_field("身份证号", &text, &mut out);
    let mut stream = StreamScanner::new(&scanner);
    let mid = (text.len() / 2..text.len()).find(|i| text.is_char_boundary(*i)).unwrap_or(text.len());
    stream.push(&mut scanner, &text[..mid], &mut out);
    stream.push(&mut scanner, &text[mid..], &mut out);
    stream.finish(&mut scanner, &mut out);
});
