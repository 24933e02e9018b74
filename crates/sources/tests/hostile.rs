//! Hostile input: the decode fuzz target's body on stable, over random bytes and over
//! mutated valid containers and documents. Nothing may panic; limits must hold.

use leakscope_core::ObjectPath;
use leakscope_sources::{decode_bytes, Budget, FieldAt, Limits, Notice, NoticeKind, Sink};
use proptest::prelude::*;
use std::io::Write;

#[derive(Default)]
struct Collect {
    text: usize,
    fields: usize,
    errors: usize,
    open: bool,
}

impl Sink for Collect {
    fn begin_text(&mut self, _: &ObjectPath, _: &'static str) {
        assert!(!self.open, "text objects do not nest");
        self.open = true;
    }
    fn text_chunk(&mut self, chunk: &str) {
        assert!(self.open);
        self.text += chunk.len();
    }
    fn end_text(&mut self) {
        assert!(self.open);
        self.open = false;
    }
    fn field(&mut self, _: &ObjectPath, _: FieldAt<'_>, _: &str) {
        self.fields += 1;
    }
    fn notice(&mut self, n: Notice) {
        assert!(!n.path.is_empty() && !n.message.is_empty());
        if n.kind == NoticeKind::Error {
            eprintln!("error notice: {} {}", n.path, n.message);
            self.errors += 1;
        }
    }
}

const NAMES: &[&str] = &[
    "a.txt", "a.csv", "a.tsv", "a.json", "a.jsonl", "a.eml", "a.mbox", "a.docx", "a.pptx",
    "a.xlsx", "a.gz", "a.zip", "a.bin",
];

fn limits() -> Limits {
    Limits {
        max_object_bytes: 4 << 20,
        max_total_bytes: 32 << 20,
        ratio_grace_bytes: 1 << 20,
        ..Limits::default()
    }
}

fn decode(name: &str, bytes: &[u8]) -> Collect {
    let mut sink = Collect::default();
    let limits = limits();
    decode_bytes(
        &ObjectPath::root(name),
        name,
        bytes,
        &limits,
        &Budget::new(limits.max_total_bytes),
        &mut sink,
    );
    assert!(!sink.open, "every text object is closed");
    sink
}

fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut z = zip::ZipWriter::new(&mut out);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (n, d) in members {
        z.start_file(*n, opts).unwrap();
        z.write_all(d).unwrap();
    }
    z.finish().unwrap();
    out.into_inner()
}

fn gzip_of(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    let csv = "姓名,手机\n张三,13812345678\n".as_bytes().to_vec();
    let docx = zip_of(&[("word/document.xml", b"<w:document><w:body><w:p><w:r><w:t>hi 13812345678</w:t></w:r></w:p></w:body></w:document>")]);
    vec![
        ("a.zip", zip_of(&[("x.csv", &csv), ("y.txt", b"hello")])),
        ("a.gz", gzip_of(&csv)),
        ("a.docx", docx),
        (
            "a.json",
            r#"{"users":[{"phone":"13812345678","name":"张三"}]}"#
                .as_bytes()
                .to_vec(),
        ),
        ("a.jsonl", b"{\"a\":1}\n{\"b\":\"13812345678\"}\n".to_vec()),
        ("a.csv", csv),
        (
            "a.eml",
            b"From: a@b.cn\r\nTo: c@d.cn\r\nSubject: x\r\n\r\nbody 13812345678\r\n".to_vec(),
        ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_under_any_name(name in proptest::sample::select(NAMES), bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        decode(name, &bytes);
    }

    #[test]
    fn mutated_valid_objects(seed in 0usize..7, flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..12), cut in any::<usize>()) {
        let (name, mut bytes) = seeds().swap_remove(seed);
        for (pos, val) in flips {
            let n = bytes.len();
            bytes[pos % n] = val;
        }
        let keep = cut % (bytes.len() + 1);
        bytes.truncate(keep.max(bytes.len() / 2));
        decode(name, &bytes);
    }
}

#[test]
fn seeds_decode_cleanly() {
    for (name, bytes) in seeds() {
        let s = decode(name, &bytes);
        assert_eq!(s.errors, 0, "{name}");
        assert!(s.text + s.fields > 0, "{name} produced nothing");
    }
}

#[test]
fn gzip_bomb_is_stopped_by_the_ratio_guard() {
    let bomb = gzip_of(&vec![0u8; 48 << 20]);
    assert!(bomb.len() < 200_000);
    let s = decode("a.gz", &bomb);
    assert_eq!(s.errors, 1);
    assert!(s.text < 48 << 20, "decoding stopped early");
}

#[test]
fn total_budget_caps_nested_members() {
    // Many highly compressible members: each is under the ratio grace, all together over
    // the total budget.
    let member = vec![b'a'; 900 << 10];
    let members: Vec<(String, Vec<u8>)> = (0..60)
        .map(|i| (format!("m{i}.txt"), member.clone()))
        .collect();
    let refs: Vec<(&str, &[u8])> = members
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    let z = zip_of(&refs);
    let s = decode("a.zip", &z);
    assert!(s.errors >= 1, "budget exceeded is reported");
    assert!(s.text <= 33 << 20);
}

#[test]
fn deeply_nested_json_falls_back_to_text() {
    let s = decode("a.json", "[".repeat(50_000).as_bytes());
    assert_eq!(s.errors, 0);
    assert!(s.text > 0);
}
