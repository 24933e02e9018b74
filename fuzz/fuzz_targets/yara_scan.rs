//! Fuzz target: YARA in a scan. Every decoder hands each object's raw bytes to a sink that
//! runs the built-in rules over them, as `--yara builtin` does: hostile archives, documents
//! and mail reach the rules member by member.
#![no_main]

use leakscope_core::{HashKey, ObjectPath};
use leakscope_detect::yara::{YaraRules, YaraSource, BUILTIN, BUILTIN_ORIGIN};
use leakscope_sources::{Budget, FieldAt, Notice, Sink};
use std::sync::OnceLock;

const NAMES: &[&str] = &["a.bin", "a.zip", "a.eml", "a.php", "a.docx", "a.gz", "a.jsp"];

struct Rules<'a> {
    rules: &'a YaraRules,
    raw_objects: usize,
}

impl Sink for Rules<'_> {
    fn begin_text(&mut self, _: &ObjectPath, _: &'static str) {}
    fn text_chunk(&mut self, _: &str) {}
    fn end_text(&mut self) {}
    fn field(&mut self, _: &ObjectPath, _: FieldAt<'_>, _: &str) {}
    fn notice(&mut self, notice: Notice) {
        assert!(!notice.path.is_empty() && !notice.message.is_empty());
    }
    fn wants_raw(&self) -> bool {
        true
    }
    fn raw(&mut self, _: &ObjectPath, bytes: &[u8]) {
        self.raw_objects += 1;
        let mut out = Vec::new();
        let _ = self.rules.scan(bytes, &mut out);
        for f in &out {
            assert!(f.end >= f.start && f.end <= bytes.len(), "a match lies inside the object");
        }
    }
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    static RULES: OnceLock<YaraRules> = OnceLock::new();
    let rules = RULES.get_or_init(|| {
        let source = YaraSource { origin: BUILTIN_ORIGIN.into(), text: BUILTIN.into() };
        YaraRules::compile(&[source], HashKey::insecure_test_key()).expect("built-in rules compile")
    });
    let Some((&pick, rest)) = data.split_first() else { return };
    let name = NAMES[usize::from(pick) % NAMES.len()];
    let limits = leakscope_fuzz::limits();
    let budget = Budget::new(limits.max_total_bytes);
    let mut sink = Rules { rules, raw_objects: 0 };
    leakscope_sources::decode_bytes(&ObjectPath::root(name), name, rest, &limits, &budget, &mut sink);
});
