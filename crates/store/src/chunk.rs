//! The compact encoding of a batch of findings, stored as one row of `finding_chunks`.
//!
//! A dense object yields about ten thousand findings per megabyte. Written as one SQLite
//! row each, with eight text columns, they cost the writer thread about as much CPU as the
//! workers spend finding them. A chunk holds up to [`MAX_FINDINGS`] findings of one blob
//! in one value: the strings that repeat within it (members, detector ids, field names,
//! the object part of record names) are written once in a table at the start, and each
//! finding is a handful of varints and its three short strings of its own (the rest of
//! its record name, its masked value and its keyed hash).
//!
//! Layout, all integers as LEB128 varints:
//! `version (1)`, `finding count`, `table size`, then the table's strings, then for each
//! finding: `member`, `detector` (table indexes), `category` and `confidence` (codes; in
//! version 3 the confidence byte's bits 4 and 8 say whether a line and an offset follow,
//! each as the zigzag-coded difference from the previous finding's in the chunk; before,
//! `line + 1` and `offset + 1`, 0 for none), `field + 1` (0: none), a record tag (0: none,
//! 1: key only, 2: base and key, 3: base and the key `line N` of the finding's own line)
//! with `base` (a table index) for tags 2 and 3 and the key string for tags 1 and 2, then
//! the masked value and the hash. A string is its length and bytes.
//! The hash is its 16 digest bytes since version 2; version 1, still read, wrote it as its
//! 35-character text (`k1:` and hexadecimal), a third of a dense finding's bytes. Tag 3
//! is new in version 3: most findings are in a line or row named by that line, and the
//! key spelt out again was a fifth of their bytes; and positions as differences, which
//! take one or two bytes where an offset into a large file took four. Versions 1 and 2 are
//! still read.
//!
//! Decoding never trusts the bytes: a database file can be damaged or crafted, and every
//! inconsistency is a [`ChunkError`], never a panic.

use crate::StoredFinding;
use leakscope_core::{is_position_of, push_position, Category, Confidence, RecordUnit, ValueHash};
use std::collections::HashMap;

/// Findings per chunk, at most: a scan's partial batches are this size already, and a
/// bounded chunk keeps a reader's memory bounded.
pub const MAX_FINDINGS: usize = 8192;

/// The encoding's version byte, as written.
const VERSION: u8 = 3;

/// The version before the record tag 3: still decoded.
const VERSION_SPELT_KEYS: u8 = 2;

/// The first version, with hashes as text: still decoded.
const VERSION_TEXT_HASH: u8 = 1;

/// A chunk that cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("damaged findings chunk: {0}")]
pub struct ChunkError(&'static str);

/// The stored code of a category.
pub fn category_code(c: Category) -> u8 {
    match c {
        Category::Pii => 1,
        Category::Secret => 2,
        Category::Implant => 3,
        Category::Custom => 4,
    }
}

fn category_of(code: u64) -> Result<Category, ChunkError> {
    Ok(match code {
        1 => Category::Pii,
        2 => Category::Secret,
        3 => Category::Implant,
        4 => Category::Custom,
        _ => return Err(ChunkError("unknown category")),
    })
}

fn confidence_code(c: Confidence) -> u8 {
    match c {
        Confidence::Low => 1,
        Confidence::Medium => 2,
        Confidence::High => 3,
    }
}

fn confidence_of(code: u64) -> Result<Confidence, ChunkError> {
    Ok(match code {
        1 => Confidence::Low,
        2 => Confidence::Medium,
        3 => Confidence::High,
        _ => return Err(ChunkError("unknown confidence")),
    })
}

/// Encodes findings into chunks one finding at a time, reusing its buffers from one chunk
/// to the next.
#[derive(Default)]
pub struct Encoder {
    table: Vec<u8>,
    body: Vec<u8>,
    /// Strings of the chunk being encoded, with their index and where their bytes start
    /// in the table. Short keys hashed millions of times: foldhash,
    /// not the default SipHash (the keys are our own masked strings, not an attack surface
    /// for collisions; a chunk holds at most a few thousand).
    index: HashMap<Box<str>, (u32, usize), foldhash::fast::RandomState>,
    strings: u32,
    /// Findings in the chunk being encoded.
    findings: usize,
    /// The last string interned in each slot of a finding (member, detector, field,
    /// record base).
    recent: [Recent; 4],
    /// The last line and offset written in the chunk (0 before the first).
    last_line: u64,
    last_offset: u64,
}

impl Encoder {
    /// Encodes up to [`MAX_FINDINGS`] findings as one chunk into `out` (cleared first).
    pub fn encode<F: std::borrow::Borrow<StoredFinding>>(
        &mut self,
        findings: &[F],
        out: &mut Vec<u8>,
    ) {
        debug_assert!(findings.len() <= MAX_FINDINGS);
        for f in findings {
            self.push(&FindingRef::of(f.borrow()));
        }
        self.finish(out);
    }

    /// How many findings the chunk being encoded holds.
    pub fn len(&self) -> usize {
        self.findings
    }

    /// Whether the chunk being encoded holds no finding.
    pub fn is_empty(&self) -> bool {
        self.findings == 0
    }

    /// Adds a finding to the chunk being encoded (at most [`MAX_FINDINGS`] per chunk). A
    /// scan's worker encodes its findings this way straight from the parts it holds,
    /// without building a [`StoredFinding`] for each.
    pub fn push(&mut self, f: &FindingRef<'_>) {
        debug_assert!(self.findings < MAX_FINDINGS);
        self.findings += 1;
        let member = self.intern_recent(0, f.member);
        let detector = self.intern_recent(1, f.detector);
        put_varint(&mut self.body, member as u64);
        put_varint(&mut self.body, detector as u64);
        self.body.push(category_code(f.category));
        // The confidence byte says which positions follow; each is its difference from
        // the previous finding's in the chunk (most are a few lines or bytes on).
        self.body.push(
            confidence_code(f.confidence)
                | if f.line.is_some() { HAS_LINE } else { 0 }
                | if f.offset.is_some() { HAS_OFFSET } else { 0 },
        );
        if let Some(line) = f.line {
            put_varint(&mut self.body, zigzag(line.wrapping_sub(self.last_line)));
            self.last_line = line;
        }
        if let Some(offset) = f.offset {
            put_varint(
                &mut self.body,
                zigzag(offset.wrapping_sub(self.last_offset)),
            );
            self.last_offset = offset;
        }
        let field = f.field.map_or(0, |t| self.intern_recent(2, t) as u64 + 1);
        put_varint(&mut self.body, field);
        // The base names the object (the same for every finding of a text file); the key
        // is the line or row, most often the finding's own line.
        let own_line = match f.record_key {
            Some(RecordKey::Line(n)) => f.line == Some(n),
            Some(RecordKey::Text(key)) => f
                .line
                .is_some_and(|line| is_position_of(key, RecordUnit::Line, line)),
            None => false,
        };
        match (f.record_base, f.record_key) {
            (_, None) => self.body.push(0),
            (None, Some(key)) => {
                self.body.push(1);
                put_key(&mut self.body, key);
            }
            (Some(base), Some(key)) => {
                let base = self.intern_recent(3, base);
                self.body.push(if own_line { 3 } else { 2 });
                put_varint(&mut self.body, base as u64);
                if !own_line {
                    put_key(&mut self.body, key);
                }
            }
        }
        put_str(&mut self.body, f.masked);
        self.body.extend_from_slice(&f.value_hash.to_bytes());
    }

    /// Writes the chunk being encoded into `out` (cleared first) and starts the next.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        out.clear();
        out.push(VERSION);
        put_varint(out, self.findings as u64);
        put_varint(out, self.strings as u64);
        out.extend_from_slice(&self.table);
        out.extend_from_slice(&self.body);
        self.table.clear();
        self.body.clear();
        self.index.clear();
        self.strings = 0;
        self.findings = 0;
        self.recent = [Recent::NONE; 4];
        self.last_line = 0;
        self.last_offset = 0;
    }

    /// The index of `s`, which the findings of a chunk mostly repeat slot by slot (the
    /// detector of a run of phone numbers, the file of a text's lines): a string equal to
    /// the last one in its slot has its index without a hash lookup. Strings are compared
    /// by content, since a finding's parts may be freed once it is encoded.
    fn intern_recent(&mut self, slot: usize, s: &str) -> u32 {
        let r = self.recent[slot];
        if r.known && r.len == s.len() && &self.table[r.at..r.at + r.len] == s.as_bytes() {
            return r.index;
        }
        let (index, at) = self.intern(s);
        self.recent[slot] = Recent {
            at,
            len: s.len(),
            index,
            known: true,
        };
        index
    }

    /// The index of `s` in the table, and where its bytes start there.
    fn intern(&mut self, s: &str) -> (u32, usize) {
        if let Some(&(i, at)) = self.index.get(s) {
            return (i, at);
        }
        let i = self.strings;
        self.strings += 1;
        put_varint(&mut self.table, s.len() as u64);
        let at = self.table.len();
        self.table.extend_from_slice(s.as_bytes());
        self.index.insert(s.into(), (i, at));
        (i, at)
    }
}

/// The last string interned in one slot of a finding: where its bytes are in the table,
/// its length, and its index.
#[derive(Clone, Copy)]
struct Recent {
    at: usize,
    len: usize,
    index: u32,
    /// False until a string was interned in the slot.
    known: bool,
}

impl Recent {
    /// No string yet.
    const NONE: Recent = Recent {
        at: 0,
        len: 0,
        index: 0,
        known: false,
    };
}

impl Default for Recent {
    fn default() -> Self {
        Recent::NONE
    }
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_varint(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

/// Bits of a version 3 confidence byte: a line follows, an offset follows.
const HAS_LINE: u8 = 4;
const HAS_OFFSET: u8 = 8;

/// A difference of positions (taken modulo 2^64) as an unsigned number that is small when
/// the difference is small either way: 0, -1, 1, -2, 2… become 0, 1, 2, 3, 4…
fn zigzag(d: u64) -> u64 {
    let d = d as i64;
    ((d << 1) ^ (d >> 63)) as u64
}

/// The difference [`zigzag`] wrote.
fn unzigzag(z: u64) -> u64 {
    ((z >> 1) as i64 ^ -((z & 1) as i64)) as u64
}

/// Writes a record key as a string.
fn put_key(out: &mut Vec<u8>, key: RecordKey<'_>) {
    match key {
        RecordKey::Text(key) => put_str(out, key),
        // Only a key read from a chunk, written again for another line: rare.
        RecordKey::Line(line) => {
            let mut key = String::new();
            push_position(&mut key, RecordUnit::Line, line);
            put_str(out, &key);
        }
    }
}

/// The part of a record name after its object's, as a chunk holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKey<'a> {
    /// Spelt out.
    Text(&'a str),
    /// `line N` (see `leakscope_core::push_position`), the finding's own line.
    Line(u64),
}

/// A finding as borrowed parts: read from a chunk, borrowing its strings from the chunk's
/// bytes (readers that filter or count look at it without allocating), or given to the
/// [`Encoder`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FindingRef<'a> {
    pub member: &'a str,
    pub detector: &'a str,
    pub category: Category,
    pub confidence: Confidence,
    pub line: Option<u64>,
    pub offset: Option<u64>,
    pub field: Option<&'a str>,
    /// The record name in two parts, joined by `#` when both are present.
    pub record_base: Option<&'a str>,
    pub record_key: Option<RecordKey<'a>>,
    pub masked: &'a str,
    pub value_hash: ValueHash,
}

impl<'a> FindingRef<'a> {
    /// The parts of a stored finding (its record name split at its last `#`).
    pub fn of(f: &'a StoredFinding) -> Self {
        let (record_base, record_key) = split_record(f.record.as_deref());
        FindingRef {
            member: &f.member,
            detector: &f.detector,
            category: f.category,
            confidence: f.confidence,
            line: f.line,
            offset: f.offset,
            field: f.field.as_deref(),
            record_base,
            record_key,
            masked: &f.masked,
            value_hash: f.value_hash,
        }
    }

    /// The record name as it was written.
    pub fn record(&self) -> Option<String> {
        let mut out = String::new();
        self.write_record(&mut out).then_some(out)
    }

    /// Appends the record name to `out` and says whether there is one (readers that see
    /// millions of findings reuse one buffer).
    pub fn write_record(&self, out: &mut String) -> bool {
        let Some(key) = self.record_key else {
            return false;
        };
        if let Some(base) = self.record_base {
            out.push_str(base);
            out.push('#');
        }
        match key {
            RecordKey::Text(key) => out.push_str(key),
            RecordKey::Line(line) => push_position(out, RecordUnit::Line, line),
        }
        true
    }

    /// The owned form.
    pub fn to_stored(&self) -> StoredFinding {
        StoredFinding {
            member: self.member.to_string(),
            detector: self.detector.into(),
            category: self.category,
            confidence: self.confidence,
            line: self.line,
            offset: self.offset,
            field: self.field.map(Into::into),
            record: self.record().map(Into::into),
            masked: self.masked.to_string(),
            value_hash: self.value_hash,
        }
    }
}

/// A record name in the two parts a chunk keeps: the object part before the last `#`,
/// and the rest (a name without `#` is all key).
pub fn split_record(record: Option<&str>) -> (Option<&str>, Option<RecordKey<'_>>) {
    match record {
        None => (None, None),
        Some(r) => match r.rfind('#') {
            Some(cut) => (Some(&r[..cut]), Some(RecordKey::Text(&r[cut + 1..]))),
            None => (None, Some(RecordKey::Text(r))),
        },
    }
}

/// Calls `f` with each finding of a chunk, in order. Stops early, without error, when `f`
/// returns false.
pub fn for_each<'a>(
    data: &'a [u8],
    mut f: impl FnMut(FindingRef<'a>) -> bool,
) -> Result<(), ChunkError> {
    let mut r = Reader { data, at: 0 };
    let version = r.byte()?;
    if !matches!(version, VERSION | VERSION_SPELT_KEYS | VERSION_TEXT_HASH) {
        return Err(ChunkError("unknown version"));
    }
    let count = r.varint()?;
    let strings = r.varint()?;
    // Each string takes at least one byte, each finding at least nine: counts beyond what
    // the bytes could hold are damage, caught before anything is allocated for them.
    if strings > data.len() as u64 || count > data.len() as u64 {
        return Err(ChunkError("counts larger than the chunk"));
    }
    let mut table = Vec::with_capacity(strings as usize);
    for _ in 0..strings {
        table.push(r.str()?);
    }
    let at = |i: u64| -> Result<&'a str, ChunkError> {
        table
            .get(i as usize)
            .copied()
            .ok_or(ChunkError("string index out of range"))
    };
    let (mut last_line, mut last_offset) = (0u64, 0u64);
    for _ in 0..count {
        let member = at(r.varint()?)?;
        let detector = at(r.varint()?)?;
        let category = category_of(r.byte()? as u64)?;
        let (confidence, line, offset) = if version >= VERSION {
            let byte = r.byte()?;
            if byte & !(HAS_LINE | HAS_OFFSET | 3) != 0 {
                return Err(ChunkError("unknown confidence flags"));
            }
            let confidence = confidence_of((byte & 3) as u64)?;
            let mut position = |present: bool, last: &mut u64| -> Result<_, ChunkError> {
                if !present {
                    return Ok(None);
                }
                *last = last.wrapping_add(unzigzag(r.varint()?));
                Ok(Some(*last))
            };
            let line = position(byte & HAS_LINE != 0, &mut last_line)?;
            let offset = position(byte & HAS_OFFSET != 0, &mut last_offset)?;
            (confidence, line, offset)
        } else {
            let confidence = confidence_of(r.byte()? as u64)?;
            let line = r.varint()?.checked_sub(1);
            let offset = r.varint()?.checked_sub(1);
            (confidence, line, offset)
        };
        let field = match r.varint()? {
            0 => None,
            i => Some(at(i - 1)?),
        };
        let (record_base, record_key) = match r.byte()? {
            0 => (None, None),
            1 => (None, Some(RecordKey::Text(r.str()?))),
            2 => {
                let base = at(r.varint()?)?;
                (Some(base), Some(RecordKey::Text(r.str()?)))
            }
            3 if version >= VERSION => {
                let base = at(r.varint()?)?;
                let line = line.ok_or(ChunkError("a line's record without a line"))?;
                (Some(base), Some(RecordKey::Line(line)))
            }
            _ => return Err(ChunkError("unknown record tag")),
        };
        let masked = r.str()?;
        let value_hash = if version == VERSION_TEXT_HASH {
            ValueHash::parse(r.str()?).map_err(|_| ChunkError("malformed hash"))?
        } else {
            ValueHash::from_bytes(r.array()?)
        };
        let keep_going = f(FindingRef {
            member,
            detector,
            category,
            confidence,
            line,
            offset,
            field,
            record_base,
            record_key,
            masked,
            value_hash,
        });
        if !keep_going {
            return Ok(());
        }
    }
    if r.at != data.len() {
        return Err(ChunkError("trailing bytes"));
    }
    Ok(())
}

struct Reader<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8, ChunkError> {
        let b = *self.data.get(self.at).ok_or(ChunkError("truncated"))?;
        self.at += 1;
        Ok(b)
    }

    fn varint(&mut self) -> Result<u64, ChunkError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= ((b & 0x7f) as u64) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(ChunkError("varint too long"))
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], ChunkError> {
        let bytes = self
            .data
            .get(self.at..self.at + N)
            .ok_or(ChunkError("truncated hash"))?;
        self.at += N;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    fn str(&mut self) -> Result<&'a str, ChunkError> {
        let len = self.varint()?;
        let end = self
            .at
            .checked_add(usize::try_from(len).map_err(|_| ChunkError("string too long"))?)
            .filter(|&e| e <= self.data.len())
            .ok_or(ChunkError("truncated string"))?;
        let s = std::str::from_utf8(&self.data[self.at..end])
            .map_err(|_| ChunkError("string not UTF-8"))?;
        self.at = end;
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every finding of a chunk, owned.
    fn decoded(data: &[u8]) -> Vec<StoredFinding> {
        let mut got = Vec::new();
        for_each(data, |f| {
            got.push(f.to_stored());
            true
        })
        .unwrap();
        got
    }

    fn sample(i: u64) -> StoredFinding {
        StoredFinding {
            member: if i.is_multiple_of(3) {
                String::new()
            } else {
                "!/名单/a.csv".into()
            },
            detector: ["cn_mobile", "person_name", "aws_access_key_id"][i as usize % 3].into(),
            category: [
                Category::Pii,
                Category::Secret,
                Category::Implant,
                Category::Custom,
            ][i as usize % 4],
            confidence: [Confidence::Low, Confidence::Medium, Confidence::High][i as usize % 3],
            line: (!i.is_multiple_of(5)).then_some(i * 1000),
            offset: (!i.is_multiple_of(7)).then_some(u64::MAX - i),
            field: i.is_multiple_of(2).then(|| "手机".into()),
            record: match i % 4 {
                0 => None,
                1 => Some(format!("/data/x#y.csv#line {i}").into()),
                2 => Some(format!("row {i}").into()),
                _ => Some("#".into()),
            },
            masked: format!("138****{i:04}"),
            value_hash: ValueHash::from_bytes((i as u128 * 0x9e37_79b9_7f4a_7c15).to_le_bytes()),
        }
    }

    #[test]
    fn findings_round_trip() {
        let findings: Vec<StoredFinding> = (0..500).map(sample).collect();
        let mut enc = Encoder::default();
        let mut out = Vec::new();
        enc.encode(&findings, &mut out);
        let back = decoded(&out);
        assert_eq!(back, findings);
        // The encoder's buffers are reused: a second, smaller chunk is independent.
        enc.encode(&findings[..3], &mut out);
        let mut n = 0;
        for_each(&out, |_| {
            n += 1;
            true
        })
        .unwrap();
        assert_eq!(n, 3);
    }

    /// A scan's worker frees a finding's parts once it is pushed, and the next finding's
    /// strings may take the very same addresses with other text: the encoder must tell
    /// them apart by content.
    #[test]
    fn parts_freed_after_their_push_are_told_apart_by_content() {
        let mut enc = Encoder::default();
        let mut kept = Vec::new();
        for i in 0..300 {
            let mut f = sample(i);
            f.member = format!("!/m{}.csv", i % 7);
            f.record = Some(format!("/data/p{}.csv#row {i}", i % 5).into());
            enc.push(&FindingRef::of(&f));
            kept.push(f.clone());
            // `f` is dropped here: its strings' memory is free for the next finding.
        }
        assert_eq!(enc.len(), 300);
        let mut out = Vec::new();
        enc.finish(&mut out);
        let back = decoded(&out);
        assert_eq!(back, kept);
        assert!(enc.is_empty());
        // The encoder starts the next chunk afresh.
        enc.push(&FindingRef::of(&kept[1]));
        enc.finish(&mut out);
        let again = decoded(&out);
        assert_eq!(again, [kept[1].clone()]);
    }

    #[test]
    fn a_chunk_written_by_hand_from_the_layout_decodes() {
        // The fuzz target's seed, written from the layout in the module documentation.
        let data = include_bytes!("../../../fuzz/seeds/findings_chunk/two-findings");
        let got = decoded(data);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].detector, "cn_mobile");
        assert_eq!(got[0].line, Some(3));
        assert_eq!(got[0].offset, None);
        assert_eq!(got[0].record.as_deref(), Some("/d/a.txt#line 3"));
        assert_eq!(got[0].confidence, Confidence::High);
        assert_eq!(got[1].offset, Some(10));
        assert_eq!(got[1].record.as_deref(), Some("users/7"));
        assert_eq!(got[1].confidence, Confidence::Medium);
    }

    #[test]
    fn chunks_of_every_version_read_as_the_current_form() {
        // The same two findings with hashes as text (version 1), as bytes (version 2),
        // and with the first one's record key `line 3` given by its line (version 3), all
        // written by hand from the layout: an older database reads back unchanged, and
        // each version is smaller than the one before.
        let read = decoded;
        let v1 = include_bytes!("../../../fuzz/seeds/findings_chunk/two-findings");
        let v2 = include_bytes!("../../../fuzz/seeds/findings_chunk/two-findings-v2");
        let v3 = include_bytes!("../../../fuzz/seeds/findings_chunk/two-findings-v3");
        assert_eq!(
            (v1[0], v2[0], v3[0]),
            (VERSION_TEXT_HASH, VERSION_SPELT_KEYS, VERSION)
        );
        let old = read(v1);
        assert_eq!(old, read(v2));
        assert_eq!(old, read(v3));
        assert_eq!(
            old[1].value_hash.to_string(),
            format!("k1:{}", "b".repeat(32))
        );
        let mut again = Vec::new();
        Encoder::default().encode(&old, &mut again);
        assert_eq!(&again[..], &v3[..]);
        assert!(v3.len() < v2.len() && v2.len() < v1.len());
    }

    /// Positions are written as differences from the previous finding's: any sequence
    /// of lines and offsets, the largest and going back included, reads back as written.
    #[test]
    fn positions_of_any_size_and_order_read_back() {
        let values = [
            Some(0),
            Some(u64::MAX),
            Some(5),
            None,
            Some(u64::MAX - 1),
            Some(1 << 63),
            Some(3),
            Some(3),
            None,
            Some(u64::MAX),
        ];
        let findings: Vec<StoredFinding> = values
            .iter()
            .zip(values.iter().rev())
            .enumerate()
            .map(|(i, (&line, &offset))| {
                let mut f = sample(i as u64);
                f.line = line;
                f.offset = offset;
                f.record = None;
                f
            })
            .collect();
        let mut out = Vec::new();
        Encoder::default().encode(&findings, &mut out);
        assert_eq!(decoded(&out), findings);
        for d in [0u64, 1, 2, u64::MAX, 1 << 63, (1 << 63) - 1, 12345] {
            assert_eq!(unzigzag(zigzag(d)), d);
        }
        assert_eq!(zigzag(3u64.wrapping_sub(5)), 3);
    }

    /// Tag 3 stands for exactly the key `line N` of the finding's line: any other key,
    /// and a finding without a line, keep their key spelt out, and a version 2 chunk may
    /// not use the tag.
    #[test]
    fn only_a_findings_own_line_key_is_left_out() {
        let keys = [
            "line 7", "line 07", "line 8", "line 7 ", "byte 7", "line", "row 7",
        ];
        let findings: Vec<StoredFinding> = keys
            .iter()
            .flat_map(|k| {
                [Some(7), None].map(|line| {
                    let mut f = sample(1);
                    f.line = line;
                    f.record = Some(format!("/d/a.csv#{k}").into());
                    f
                })
            })
            .collect();
        let mut out = Vec::new();
        Encoder::default().encode(&findings, &mut out);
        let back = decoded(&out);
        assert_eq!(back, findings);
        let spelt_out = |data: &[u8]| data.windows(6).filter(|w| w == b"line 7").count();
        // Only the first finding (key `line 7`, line 7) leaves its key out.
        assert_eq!(spelt_out(&out), 3);
        let mut v2 = out.clone();
        v2[0] = VERSION_SPELT_KEYS;
        assert!(for_each(&v2, |_| true).is_err());
    }

    #[test]
    fn every_truncation_and_flipped_byte_is_an_error_or_a_finding_never_a_panic() {
        let findings: Vec<StoredFinding> = (0..20).map(sample).collect();
        let mut out = Vec::new();
        Encoder::default().encode(&findings, &mut out);
        for cut in 0..out.len() {
            assert!(for_each(&out[..cut], |_| true).is_err(), "cut at {cut}");
        }
        for i in 0..out.len() {
            let mut bad = out.clone();
            bad[i] ^= 0xa5;
            let _ = for_each(&bad, |_| true);
        }
        let mut huge = vec![VERSION];
        huge.extend([0xff; 9]);
        huge.push(0x01);
        assert!(for_each(&huge, |_| true).is_err());
    }
}
