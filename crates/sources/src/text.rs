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
            let mut out = String::new();
            decode_piece(&mut decoder, &head[bom..], false, &mut out, sink);
            let mut buf = vec![0u8; FIRST_READ_BYTES];
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
            result?;
        }
        TextKind::Binary => {
            sink.begin_text(path, "binary-strings");
            let mut strings = Strings::default();
            let mut out = String::new();
            strings.feed(head, &mut out);
            flush(&mut out, sink);
            let mut buf = vec![0u8; FIRST_READ_BYTES];
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
    if b == b'\t' || (0x20..0x7F).contains(&b) {
        return 1;
    }
    let len = match b {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return 0,
    };
    match bytes.get(i..i + len) {
        Some(seq)
            if seq[1..].iter().all(|c| c & 0xC0 == 0x80) && std::str::from_utf8(seq).is_ok() =>
        {
            len
        }
        _ => 0,
    }
}

/// Extracts printable runs (ASCII and valid UTF-8 text) from binary content across chunk
/// boundaries, one run per output line.
#[derive(Default)]
struct Strings {
    run: Vec<u8>,
}

impl Strings {
    fn feed(&mut self, bytes: &[u8], out: &mut String) {
        // Runs are tracked as ranges of `bytes` and copied only when they are long enough
        // to keep (most runs in binary content are a few bytes), or carried over to the
        // next chunk in `self.run`.
        let mut start = 0;
        let mut i = 0;
        while i < bytes.len() {
            let step = text_step(bytes, i);
            if step == 0 {
                self.end_run(&bytes[start..i], out);
                i += 1;
                start = i;
            } else {
                i += step;
                if self.run.len() + (i - start) >= 1 << 16 {
                    self.end_run(&bytes[start..i], out);
                    start = i;
                }
            }
        }
        self.run.extend_from_slice(&bytes[start..]);
    }

    /// Ends the run made of what was carried over and `tail`.
    fn end_run(&mut self, tail: &[u8], out: &mut String) {
        if self.run.is_empty() {
            if tail.len() >= MIN_STRING {
                // Only whole valid characters make up a run, so this always succeeds.
                if let Ok(text) = std::str::from_utf8(tail) {
                    out.push_str(text);
                    out.push('\n');
                }
            }
        } else {
            self.run.extend_from_slice(tail);
            self.emit(out);
        }
    }

    fn emit(&mut self, out: &mut String) {
        if self.run.len() >= MIN_STRING {
            // Only whole valid characters were pushed, so this always succeeds.
            if let Ok(text) = std::str::from_utf8(&self.run) {
                out.push_str(text);
                out.push('\n');
            }
        }
        self.run.clear();
    }

    fn finish(&mut self, out: &mut String) {
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
