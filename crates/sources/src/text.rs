//! Text decoding: encodings, binary detection and streaming.
//!
//! The engine scans UTF-8. This module decides how the bytes of an object are turned into
//! UTF-8: a byte-order mark wins; otherwise a NUL-byte pattern identifies UTF-16 without a
//! BOM (Windows exports); otherwise valid UTF-8 is kept; otherwise `chardetng` guesses,
//! with the `.cn` hint so GBK/GB18030 and Big5 are preferred for legacy Chinese data.
//! Content with NUL bytes that is not UTF-16 is binary: its printable strings (runs of
//! at least [`MIN_STRING`] bytes of text) are scanned instead, as `strings(1)` would show.
//!
//! Decoding is streaming: [`stream_text`] reads a bounded chunk at a time and hands whole
//! characters to the sink, so a 10 GB log needs the same memory as a 10 KB one. Offsets in
//! findings refer to the decoded UTF-8 text.

use crate::{Notice, NoticeKind, Sink, SourceError};
use encoding_rs::{Decoder, Encoding, UTF_16BE, UTF_16LE, UTF_8};
use leakscope_core::ObjectPath;
use std::io::Read;

mod classify;

use classify::CharStarts;

/// Bytes read per step when streaming.
pub const CHUNK_BYTES: usize = 1 << 20;

/// Bytes examined to choose an encoding.
pub const SNIFF_BYTES: usize = 64 << 10;

/// Shortest printable run kept from binary content.
pub const MIN_STRING: usize = 6;

/// What the first bytes of an object say about its text encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// Text in this encoding; `bom` bytes at the start are skipped.
    Text {
        encoding: &'static Encoding,
        bom: usize,
    },
    /// Binary content: only printable strings are scanned.
    Binary,
}

/// Chooses how to decode an object from its first bytes (up to [`SNIFF_BYTES`]).
pub fn sniff(head: &[u8]) -> TextKind {
    if let Some((enc, bom)) = Encoding::for_bom(head) {
        return TextKind::Text { encoding: enc, bom };
    }
    let sample = &head[..head.len().min(SNIFF_BYTES)];
    if let Some(enc) = utf16_without_bom(sample) {
        return TextKind::Text {
            encoding: enc,
            bom: 0,
        };
    }
    let nuls = memchr::memchr_iter(0, &sample[..sample.len().min(8192)]).count();
    if nuls > 0 {
        return TextKind::Binary;
    }
    if valid_utf8_prefix(sample) {
        return TextKind::Text {
            encoding: UTF_8,
            bom: 0,
        };
    }
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    det.feed(sample, sample.len() < SNIFF_BYTES);
    let enc = det.guess(Some(b"cn"), chardetng::Utf8Detection::Allow);
    TextKind::Text {
        encoding: enc,
        bom: 0,
    }
}

/// True when `bytes` is UTF-8, allowing a character cut off at the end of the sample.
fn valid_utf8_prefix(bytes: &[u8]) -> bool {
    match std::str::from_utf8(bytes) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && bytes.len() - e.valid_up_to() < 4,
    }
}

/// UTF-16 without a BOM shows as NUL bytes in every other position for mostly-ASCII text.
fn utf16_without_bom(sample: &[u8]) -> Option<&'static Encoding> {
    let n = sample.len().min(4096) & !1;
    if n < 16 {
        return None;
    }
    let (mut even, mut odd) = (0usize, 0usize);
    for pair in sample[..n].chunks_exact(2) {
        even += usize::from(pair[0] == 0);
        odd += usize::from(pair[1] == 0);
    }
    let pairs = n / 2;
    if odd * 10 >= pairs * 4 && even * 20 < pairs {
        Some(UTF_16LE)
    } else if even * 10 >= pairs * 4 && odd * 20 < pairs {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// Decodes a whole in-memory object to UTF-8 (for structured parsers). Returns the text
/// and the encoding name, or `None` for binary content.
pub fn decode_all(bytes: &[u8]) -> Option<(String, &'static str)> {
    match sniff(bytes) {
        TextKind::Binary => None,
        TextKind::Text { encoding, bom } => {
            let (text, _) = encoding.decode_without_bom_handling(&bytes[bom..]);
            Some((text.into_owned(), encoding.name()))
        }
    }
}

/// Streams `head` followed by the rest of `reader` into the sink as one text object,
/// decoding it (or extracting printable strings from binary content) chunk by chunk.
pub fn stream_text(
    path: &ObjectPath,
    head: &[u8],
    reader: &mut dyn Read,
    sink: &mut dyn Sink,
) -> Result<u64, SourceError> {
    let kind = sniff(head);
    let mut total = head.len() as u64;
    match kind {
        TextKind::Text { encoding, bom } => {
            sink.begin_text(path, encoding.name());
            let mut decoder = encoding.new_decoder_without_bom_handling();
            let Spare {
                read: mut buf,
                text: mut out,
            } = Spare::take();
            decode_piece(&mut decoder, &head[bom..], false, &mut out, sink);
            let result = loop {
                match read_some(reader, &mut buf) {
                    Ok(0) => break Ok(()),
                    Ok(n) => {
                        total += n as u64;
                        decode_piece(&mut decoder, &buf[..n], false, &mut out, sink);
                        grow(&mut buf, n);
                    }
                    Err(e) => break Err(e),
                }
            };
            decode_piece(&mut decoder, &[], true, &mut out, sink);
            sink.end_text();
            Spare {
                read: buf,
                text: out,
            }
            .put_back();
            result?;
        }
        TextKind::Binary => {
            sink.begin_text(path, "binary-strings");
            let mut strings = Strings::default();
            let Spare {
                read: mut buf,
                text: mut out,
            } = Spare::take();
            strings.feed(head, &mut out);
            flush(&mut out, sink);
            let result = loop {
                match read_some(reader, &mut buf) {
                    Ok(0) => break Ok(()),
                    Ok(n) => {
                        total += n as u64;
                        strings.feed(&buf[..n], &mut out);
                        flush(&mut out, sink);
                        grow(&mut buf, n);
                    }
                    Err(e) => break Err(e),
                }
            };
            strings.finish(&mut out);
            flush(&mut out, sink);
            sink.end_text();
            Spare {
                read: buf,
                text: out,
            }
            .put_back();
            sink.notice(Notice {
                path: path.to_string(),
                kind: NoticeKind::Info,
                message: "binary content: scanned its printable strings".to_string(),
            });
            result?;
        }
    }
    Ok(total)
}

/// A worker's read and decode buffers, kept between the objects it streams: a fresh
/// megabyte for each object was memory the kernel had to fault in and zero again, a few
/// percent of a scan of many files. An object streamed inside another (an archive
/// member) finds none kept and makes its own.
#[derive(Default)]
struct Spare {
    read: Vec<u8>,
    text: String,
}

thread_local! {
    static SPARE: std::cell::RefCell<Spare> = std::cell::RefCell::new(Spare::default());
}

impl Spare {
    /// The kept buffers (fresh ones inside another object): the text empty, the read
    /// buffer at least [`FIRST_READ_BYTES`] long.
    fn take() -> Spare {
        let mut spare = SPARE.with(|s| std::mem::take(&mut *s.borrow_mut()));
        spare.text.clear();
        if spare.read.len() < FIRST_READ_BYTES {
            spare.read.resize(FIRST_READ_BYTES, 0);
        }
        spare
    }

    /// Keeps the buffers for the thread's next object (the larger, if one is kept already).
    fn put_back(self) {
        SPARE.with(|s| {
            let mut kept = s.borrow_mut();
            if self.read.capacity() > kept.read.capacity() {
                kept.read = self.read;
            }
            if self.text.capacity() > kept.text.capacity() {
                kept.text = self.text;
            }
        });
    }
}

/// The first read of an object's rest. Most objects are small (a blob, an archive member),
/// and a buffer of a whole chunk zeroed for each of them costs more than reading them.
const FIRST_READ_BYTES: usize = 16 << 10;

/// Doubles the read buffer, up to [`CHUNK_BYTES`], after a read that filled it.
fn grow(buf: &mut Vec<u8>, filled: usize) {
    if filled == buf.len() && buf.len() < CHUNK_BYTES {
        buf.resize((buf.len() * 2).min(CHUNK_BYTES), 0);
    }
}

fn read_some(reader: &mut dyn Read, buf: &mut [u8]) -> std::io::Result<usize> {
    loop {
        match reader.read(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            r => return r,
        }
    }
}

fn flush(out: &mut String, sink: &mut dyn Sink) {
    if !out.is_empty() {
        sink.text_chunk(out);
        out.clear();
    }
}

fn decode_piece(
    decoder: &mut Decoder,
    mut input: &[u8],
    last: bool,
    out: &mut String,
    sink: &mut dyn Sink,
) {
    loop {
        let needed = decoder
            .max_utf8_buffer_length(input.len())
            .unwrap_or(CHUNK_BYTES * 4);
        out.reserve(needed.min(CHUNK_BYTES * 4));
        let (result, read, _) = decoder.decode_to_string(input, out, last);
        input = &input[read..];
        flush(out, sink);
        if result == encoding_rs::CoderResult::InputEmpty {
            break;
        }
    }
}

/// How many bytes of text start at `bytes[i]`: 1 for printable ASCII or a tab, 2 to 4 for a
/// valid UTF-8 character, 0 for a byte that is not text. A multi-byte character continues a
/// run only when it is valid: random bytes then break runs instead of being decoded, and a
/// number is never stitched together across a byte that is not text.
fn text_step(bytes: &[u8], i: usize) -> usize {
    let b = bytes[i];
    if is_ascii_text(b) {
        return 1;
    }
    let len = utf8_len(b);
    if len == 1 {
        return 0;
    }
    match bytes.get(i..i + len) {
        Some(seq)
            if seq[1..].iter().all(|c| c & 0xC0 == 0x80) && std::str::from_utf8(seq).is_ok() =>
        {
            len
        }
        _ => 0,
    }
}

/// A run of text longer than this is cut into lines of about this length, so a huge
/// printable stretch inside binary content never becomes one unbounded line.
const MAX_RUN: usize = 1 << 16;

/// Printable ASCII or a tab: one byte of text.
fn is_ascii_text(b: u8) -> bool {
    b == b'\t' || (0x20..0x7F).contains(&b)
}

/// Appends a run of whole characters of text to `out`, when it is long enough to keep, as
/// lines of at most [`MAX_RUN`] bytes cut at character boundaries.
fn push_run(mut run: &[u8], out: &mut String) {
    if run.len() < MIN_STRING {
        return;
    }
    while !run.is_empty() {
        let mut cut = run.len().min(MAX_RUN);
        while cut < run.len() && run[cut] & 0xC0 == 0x80 {
            cut -= 1;
        }
        // Only whole valid characters make up a run, so this always succeeds.
        if let Ok(text) = std::str::from_utf8(&run[..cut]) {
            out.push_str(text);
            out.push('\n');
        }
        run = &run[cut..];
    }
}

/// How many bytes the UTF-8 character led by `lead` has (1 for anything that does not
/// lead a longer one).
fn utf8_len(lead: u8) -> usize {
    match lead {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => 1,
    }
}

/// Whether `tail` is the start of a multi-byte character that the end of the piece cut:
/// a lead byte, fewer bytes than it needs, and only continuation bytes after it.
fn cut_character(tail: &[u8]) -> bool {
    let len = utf8_len(tail[0]);
    len > 1 && tail.len() < len && tail[1..].iter().all(|c| c & 0xC0 == 0x80)
}

/// Appends the printable runs (ASCII and valid UTF-8 text, at least [`MIN_STRING`] bytes)
/// of binary content held whole to `out`, one run per line.
pub(crate) fn binary_strings(bytes: &[u8], out: &mut String) {
    let mut strings = Strings::default();
    strings.feed(bytes, out);
    strings.finish(out);
}

/// Extracts printable runs (ASCII and valid UTF-8 text) from binary content across chunk
/// boundaries, one run per output line.
#[derive(Default)]
struct Strings {
    run: Vec<u8>,
    /// How many bytes at the end of `run` are the start of a character cut by the end of
    /// the last piece fed.
    pending: usize,
}

impl Strings {
    fn feed(&mut self, bytes: &[u8], out: &mut String) {
        // Runs are tracked as ranges of `bytes` and copied only when they are long enough
        // to keep (most runs in binary content are a few bytes), or carried over to the
        // next chunk in `self.run`.
        let Some(mut i) = self.complete_pending(bytes, out) else {
            return;
        };
        if !self.run.is_empty() {
            match self.precise(bytes, i, i, true, out) {
                Some(at) => i = at,
                None => return,
            }
        }
        let (i, start) = self.blocks(bytes, i, out);
        self.precise(bytes, i, start, false, out);
    }

    /// Scans whole blocks of 64 bytes from `base` while no run is carried in `self.run`,
    /// and returns where the character-by-character scan goes on and where its open run
    /// starts.
    ///
    /// Random binary is text and not text in no pattern, so a branch per byte on that
    /// question is mispredicted about every other byte, and stepping from character to
    /// character makes every byte wait for the one before. Here each byte's character
    /// length is computed independently of the others into bit masks (UTF-8 lead bytes
    /// are never continuation bytes, so every valid character's lead is a character
    /// start), the bytes a valid character covers are the text, and only the edges of
    /// text runs are visited.
    fn blocks(&mut self, bytes: &[u8], mut base: usize, out: &mut String) -> (usize, usize) {
        debug_assert!(self.run.is_empty() && self.pending == 0);
        let mut open = base;
        // Text bits of the next block set by characters that started in this one.
        let mut spill = 0u64;
        // Whether the last byte of the previous block was text (a run is open).
        let mut text_before = 0u64;
        // Each block reads three bytes past its end, where a character may continue.
        while base + 64 + 3 <= bytes.len() {
            let window = &bytes[base..base + 64 + 3];
            let CharStarts {
                one,
                two,
                three,
                four,
            } = classify::block(window.try_into().expect("a block and its lookahead"));
            let multi = two | three | four;
            let longer = three | four;
            let text = one | multi | multi << 1 | longer << 2 | four << 3 | spill;
            spill = multi >> 63 | longer >> 62 | four >> 61;
            let shifted = text << 1 | text_before;
            let mut edges = (text & !shifted) | (!text & shifted);
            while edges != 0 {
                let k = edges.trailing_zeros() as usize;
                edges &= edges - 1;
                let at = base + k;
                if text >> k & 1 == 1 {
                    open = at;
                } else if at - open >= MIN_STRING {
                    self.end_run(&bytes[open..at], out);
                }
            }
            text_before = text >> 63;
            base += 64;
        }
        // Bytes of the next block that a character of the last one covers are part of the
        // open run; the character scan goes on after them.
        let next = base + spill.trailing_ones() as usize;
        (next, if text_before == 1 { open } else { next })
    }

    /// Scans `bytes` from `i` one character at a time, the current run starting at `start`
    /// (after what `self.run` carries). With `until_closed`, stops after the first run ends
    /// and returns where to go on (no run is open there); otherwise, and when the piece
    /// ends first, carries the open run over to the next piece and returns `None`.
    fn precise(
        &mut self,
        bytes: &[u8],
        mut i: usize,
        mut start: usize,
        until_closed: bool,
        out: &mut String,
    ) -> Option<usize> {
        let n = bytes.len();
        while i < n {
            match text_step(bytes, i) {
                0 if cut_character(&bytes[i..]) => {
                    // A character cut by the end of this piece: kept pending until the
                    // next piece says whether it is whole and valid.
                    self.run.extend_from_slice(&bytes[start..]);
                    self.pending = n - i;
                    return None;
                }
                0 => {
                    self.end_run(&bytes[start..i], out);
                    i += 1;
                    start = i;
                    if until_closed {
                        return Some(i);
                    }
                }
                step => {
                    i += step;
                    if self.run.len() + (i - start) >= MAX_RUN {
                        self.end_run(&bytes[start..i], out);
                        start = i;
                    }
                }
            }
        }
        self.run.extend_from_slice(&bytes[start..]);
        None
    }

    /// Completes a character cut by the end of the previous piece with the first bytes of
    /// `bytes`. Returns where scanning of `bytes` resumes, or `None` when all of `bytes`
    /// went into a character that is still cut.
    fn complete_pending(&mut self, bytes: &[u8], out: &mut String) -> Option<usize> {
        if self.pending == 0 {
            return Some(0);
        }
        let lead_at = self.run.len() - self.pending;
        let need = utf8_len(self.run[lead_at]) - self.pending;
        let take = need.min(bytes.len());
        self.run.extend_from_slice(&bytes[..take]);
        if take < need && cut_character(&self.run[lead_at..]) {
            self.pending += take;
            return None;
        }
        self.pending = 0;
        if take == need && text_step(&self.run, lead_at) == self.run.len() - lead_at {
            return Some(take);
        }
        // Not a valid character: its lead byte is not text and neither are the continuation
        // bytes carried with it, so the run ends before it and `bytes` is read from its start.
        self.run.truncate(lead_at);
        self.emit(out);
        Some(0)
    }

    /// Ends the run made of what was carried over and `tail`.
    fn end_run(&mut self, tail: &[u8], out: &mut String) {
        if self.run.is_empty() {
            push_run(tail, out);
        } else {
            self.run.extend_from_slice(tail);
            self.emit(out);
        }
    }

    fn emit(&mut self, out: &mut String) {
        push_run(&self.run, out);
        self.run.clear();
    }

    fn finish(&mut self, out: &mut String) {
        // A character still cut at the end of the content is not text.
        self.run.truncate(self.run.len() - self.pending);
        self.pending = 0;
        self.emit(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_keep_utf8_text_and_never_join_across_binary_bytes() {
        let mut bytes = b"\x00\x01".to_vec();
        bytes.extend_from_slice("身份证 11010519491231002X".as_bytes());
        bytes.extend_from_slice(b"\x00\xff\xfe138\xff12345678\x00\xc3(\xe6\x89");
        let mut s = Strings::default();
        let mut out = String::new();
        s.feed(&bytes[..20], &mut out);
        s.feed(&bytes[20..], &mut out);
        s.finish(&mut out);
        assert!(out.contains("身份证 11010519491231002X"), "{out:?}");
        assert!(!out.contains("13812345678"), "{out:?}");
    }

    /// The strings of `bytes` by the plain definition: maximal runs of whole characters of
    /// text, those of at least [`MIN_STRING`] bytes, one per line.
    fn reference_strings(bytes: &[u8]) -> String {
        let mut out = String::new();
        let mut run = String::new();
        let mut i = 0;
        while i < bytes.len() {
            match text_step(bytes, i) {
                0 => {
                    if run.len() >= MIN_STRING {
                        out.push_str(&run);
                        out.push('\n');
                    }
                    run.clear();
                    i += 1;
                }
                step => {
                    run.push_str(std::str::from_utf8(&bytes[i..i + step]).unwrap());
                    i += step;
                }
            }
        }
        if run.len() >= MIN_STRING {
            out.push_str(&run);
            out.push('\n');
        }
        out
    }

    use proptest::strategy::Strategy;

    proptest::proptest! {
        #[test]
        fn strings_match_the_plain_definition_however_the_bytes_are_cut(
            parts in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::collection::vec(proptest::num::u8::ANY, 0..40),
                    "[a-z0-9 ]{0,12}".prop_map(String::into_bytes),
                    "[身份证号码\\u{1F600}]{0,4}".prop_map(String::into_bytes),
                    "[a-z\u{e9}中]{60,90}".prop_map(String::into_bytes),
                ],
                0..40,
            ),
            cuts in proptest::collection::vec(0usize..400, 0..4),
        ) {
            let bytes: Vec<u8> = parts.concat();
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(bytes.len())).collect();
            cuts.sort_unstable();
            let mut s = Strings::default();
            let mut out = String::new();
            let mut from = 0;
            for c in cuts.into_iter().chain([bytes.len()]) {
                s.feed(&bytes[from..c], &mut out);
                from = c;
            }
            s.finish(&mut out);
            proptest::prop_assert_eq!(out, reference_strings(&bytes));
        }
    }

    #[test]
    fn the_branch_free_character_length_agrees_with_the_plain_one() {
        let tails = [
            0x00u8, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xE4,
        ];
        for b0 in 0..=255u8 {
            for b1 in 0..=255u8 {
                for &b2 in &tails {
                    for &b3 in &tails {
                        let w = [b0, b1, b2, b3];
                        assert_eq!(classify::char_len(&w), text_step(&w, 0), "{w:x?}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_long_run_inside_binary_becomes_lines_cut_at_character_boundaries() {
        let text = "中a".repeat(50_000);
        let mut bytes = vec![0u8, 1, 2];
        bytes.extend_from_slice(text.as_bytes());
        bytes.extend_from_slice(&[0xFF, 0]);
        let mut s = Strings::default();
        let mut out = String::new();
        s.feed(&bytes, &mut out);
        s.finish(&mut out);
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines.len() > 1, "{}", lines.len());
        assert!(
            lines.iter().all(|l| l.len() <= MAX_RUN),
            "a line is too long"
        );
        assert_eq!(lines.concat(), text);
    }

    #[test]
    fn sniffs_encodings() {
        assert_eq!(
            sniff("手机号码".as_bytes()),
            TextKind::Text {
                encoding: UTF_8,
                bom: 0
            }
        );
        let (gbk, _, _) = encoding_rs::GBK
            .encode("身份证号码：11010519491231002X，姓名张三，住址北京市朝阳区建国路88号");
        match sniff(&gbk) {
            TextKind::Text { encoding, .. } => assert!(
                encoding == encoding_rs::GBK || encoding == encoding_rs::GB18030,
                "{}",
                encoding.name()
            ),
            other => panic!("{other:?}"),
        }
        let mut le = vec![0xFF, 0xFE];
        for u in "name,phone\r\n".encode_utf16() {
            le.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(
            sniff(&le),
            TextKind::Text {
                encoding: UTF_16LE,
                bom: 2
            }
        );
        assert_eq!(
            sniff(&le[2..]),
            TextKind::Text {
                encoding: UTF_16LE,
                bom: 0
            }
        );
        assert_eq!(
            sniff(b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00"),
            TextKind::Binary
        );
    }

    #[test]
    fn utf8_cut_at_sample_end_is_still_utf8() {
        let s = "中".repeat(30000);
        let cut = &s.as_bytes()[..SNIFF_BYTES];
        assert!(valid_utf8_prefix(cut));
    }
}
