//! Fuzz target: every decoder, reached by sniffing (magic bytes) or by file name (the
//! first input byte picks a name, so CSV, JSON, mail and friends are reached too).
#![no_main]

const NAMES: &[&str] = &[
    "a.txt", "a.csv", "a.tsv", "a.json", "a.jsonl", "a.eml", "a.mbox", "a.docx", "a.pptx", "a.xlsx", "a.xls", "a.doc", "a.ods",
    "a.gz", "a.tgz", "a.zip", "a.bin", "a.sql",
];

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    leakscope_fuzz::decode_as(NAMES[usize::from(pick) % NAMES.len()], rest);
});
