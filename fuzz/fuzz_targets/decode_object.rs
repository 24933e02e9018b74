//! Fuzz target: every decoder, reached by sniffing (magic bytes) or by file name (the
//! first input byte picks a name, so CSV, JSON, mail and friends are reached too).
#![no_main]

use leakscope_core::ObjectPath;
use leakscope_sources::{Budget, FieldAt, Limits, Notice, Sink};
use libfuzzer_sys::fuzz_target;

struct Null;

impl Sink for Null {
    fn begin_text(&mut self, _: &ObjectPath, _: &'static str) {}
    fn text_chunk(&mut self, _: &str) {}
    fn end_text(&mut self) {}
    fn field(&mut self, _: &ObjectPath, _: FieldAt<'_>, _: &str) {}
    fn notice(&mut self, _: Notice) {}
}

const NAMES: &[&str] = &[
    "a.txt", "a.csv", "a.tsv", "a.json", "a.jsonl", "a.eml", "a.mbox", "a.docx", "a.pptx", "a.xlsx", "a.xls", "a.ods",
    "a.gz", "a.tgz", "a.zip", "a.bin",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let name = NAMES[usize::from(pick) % NAMES.len()];
    let limits = Limits { max_object_bytes: 8 << 20, max_total_bytes: 64 << 20, ratio_grace_bytes: 1 << 20, ..Limits::default() };
    let budget = Budget::new(limits.max_total_bytes);
    leakscope_sources::decode_bytes(&ObjectPath::root(name), name, rest, &limits, &budget, &mut Null);
});
