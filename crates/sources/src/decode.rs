//! Type sniffing and dispatch: which decoder handles an object.

use crate::archive::{self, Budget};
use crate::error::SourceError;
use crate::{document, mail, report_error, report_skip, structured, text, Limits, Sink};
use leakscope_core::ObjectPath;
use std::io::{Cursor, Read};
use std::path::Path;

/// What an object is, decided from its name and first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A zip archive (members are decoded recursively).
    Zip,
    /// A Word document (docx): zip of XML; the text of the body is scanned.
    Docx,
    /// A PowerPoint deck (pptx).
    Pptx,
    /// A spreadsheet calamine reads (xlsx, xlsm, xlsb, xls, ods): cells with their headers.
    Spreadsheet,
    /// A tar archive.
    Tar,
    /// gzip-compressed content.
    Gzip,
    /// bzip2-compressed content.
    Bzip2,
    /// xz-compressed content.
    Xz,
    /// zstd-compressed content.
    Zstd,
    /// A 7z archive.
    SevenZ,
    /// A PDF document (its text layer).
    Pdf,
    /// An OLE2 compound file other than a spreadsheet: legacy Word, PowerPoint, Outlook
    /// messages, WPS documents (the strings of its streams, UTF-16 first).
    Compound,
    /// An SQLite database file.
    Sqlite,
    /// A Parquet file (scanned with the `parquet` feature; otherwise its strings).
    Parquet,
    /// Delimited text with a header row.
    Csv(u8),
    /// A JSON document.
    Json,
    /// One JSON document per line.
    JsonLines,
    /// A SQL dump: `INSERT` rows and `COPY` blocks as records, the rest as text.
    Sql,
    /// One RFC 5322 message.
    Eml,
    /// A Unix mailbox of many messages.
    Mbox,
    /// An Outlook PST or OST mail store: recognised and skipped with a notice.
    Pst,
    /// Anything else: text in some encoding, or binary.
    Text,
}

/// Decides an object's kind from its name (the last path component) and first bytes.
pub fn sniff_kind(name: &str, head: &[u8]) -> Kind {
    let lower = name.to_ascii_lowercase();
    let ext = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return match ext {
            "docx" | "docm" | "dotx" => Kind::Docx,
            "pptx" | "pptm" => Kind::Pptx,
            "xlsx" | "xlsm" | "xlsb" | "ods" => Kind::Spreadsheet,
            _ => Kind::Zip,
        };
    }
    if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return match ext {
            "xls" => Kind::Spreadsheet,
            _ => Kind::Compound,
        };
    }
    if head.starts_with(&[0x1F, 0x8B]) {
        return Kind::Gzip;
    }
    if head.starts_with(b"BZh") && head.len() > 4 && head[3].is_ascii_digit() {
        return Kind::Bzip2;
    }
    if head.starts_with(&[0xFD, b'7', b'z', b'X', b'Z', 0]) {
        return Kind::Xz;
    }
    if head.starts_with(&[0x28, 0xB5, 0x2F, 0xFD]) {
        return Kind::Zstd;
    }
    if head.starts_with(&[b'7', b'z', 0xBC, 0xAF, 0x27, 0x1C]) {
        return Kind::SevenZ;
    }
    if head.starts_with(b"%PDF-") {
        return Kind::Pdf;
    }
    // The PST header: `!BDN`, a 4-byte CRC, then the client magic `SM` (whatever the name).
    if head.starts_with(b"!BDN") && head.get(8..10) == Some(b"SM") {
        return Kind::Pst;
    }
    if head.starts_with(b"SQLite format 3\0") {
        return Kind::Sqlite;
    }
    if head.starts_with(b"PAR1") {
        return Kind::Parquet;
    }
    if head.len() >= 262 && &head[257..262] == b"ustar" {
        return Kind::Tar;
    }
    match ext {
        "csv" => return Kind::Csv(b','),
        "tsv" | "tab" => return Kind::Csv(b'\t'),
        "json" => return Kind::Json,
        "jsonl" | "ndjson" => return Kind::JsonLines,
        "sql" => return Kind::Sql,
        "eml" => return Kind::Eml,
        "mbox" | "mbx" => return Kind::Mbox,
        _ => {}
    }
    if head.starts_with(b"From ")
        && looks_like_headers(
            &head[head
                .iter()
                .position(|b| *b == b'\n')
                .map_or(head.len(), |p| p + 1)..],
        )
    {
        return Kind::Mbox;
    }
    if looks_like_headers(head) {
        return Kind::Eml;
    }
    Kind::Text
}

/// True when the bytes start with RFC 5322 header lines typical of a stored message.
fn looks_like_headers(head: &[u8]) -> bool {
    const NAMES: &[&[u8]] = &[
        b"Return-Path:",
        b"Received:",
        b"From:",
        b"MIME-Version:",
        b"Delivered-To:",
        b"Message-ID:",
        b"Date:",
        b"To:",
        b"Subject:",
        b"X-",
    ];
    let mut hits = 0;
    for line in head.split(|b| *b == b'\n').take(12) {
        if NAMES
            .iter()
            .any(|n| line.len() >= n.len() && line[..n.len()].eq_ignore_ascii_case(n))
        {
            hits += 1;
        }
    }
    hits >= 3
}

/// Decodes one file from disk. `display` is the path as the user gave it.
pub fn decode_file(fs_path: &Path, display: &str, limits: &Limits, sink: &mut dyn Sink) {
    let path = ObjectPath::root(display);
    let mut file = match std::fs::File::open(fs_path) {
        Ok(f) => f,
        Err(e) => return report_error(sink, &path, SourceError::Io(e)),
    };
    let size = file.metadata().map(|m| m.len()).ok();
    if sink.wants_raw() && size.is_some_and(|n| n <= limits.max_object_bytes) {
        // YARA rules need the whole object: read it once and decode from memory.
        let mut bytes = Vec::new();
        return match file.read_to_end(&mut bytes) {
            Ok(_) => decode_file_bytes(fs_path, display, &bytes, limits, sink),
            Err(e) => report_error(sink, &path, SourceError::Io(e)),
        };
    }
    if sink.wants_raw() {
        raw_too_large(sink, &path, size, limits);
    }
    let budget = Budget::new(limits.max_total_bytes);
    // SQLite is opened by path (read-only), so it needs no copy in memory.
    let mut head = Vec::new();
    if let Err(e) = (&mut file)
        .take(text::SNIFF_BYTES as u64)
        .read_to_end(&mut head)
    {
        return report_error(sink, &path, SourceError::Io(e));
    }
    let Some(name) = sqlite_by_path_or_name(fs_path, display, &path, &head, sink) else {
        return;
    };
    decode_with_head(&path, &name, head, &mut file, size, limits, &budget, sink);
}

/// SQLite files are opened by path, read-only (SQLite reads files, and this avoids a
/// copy): scans one and returns `None`; for anything else returns the file name that
/// decoding dispatches on.
fn sqlite_by_path_or_name(
    fs_path: &Path,
    display: &str,
    path: &ObjectPath,
    head: &[u8],
    sink: &mut dyn Sink,
) -> Option<String> {
    if sniff_kind(display, head) == Kind::Sqlite {
        if let Err(e) = structured::sqlite_file(path, fs_path, sink) {
            report_error(sink, path, e);
        }
        return None;
    }
    Some(
        fs_path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    )
}

/// Decodes a file whose bytes are already in memory (read once for hashing and decoding).
/// SQLite files are still opened by path, read-only.
pub fn decode_file_bytes(
    fs_path: &Path,
    display: &str,
    bytes: &[u8],
    limits: &Limits,
    sink: &mut dyn Sink,
) {
    let path = ObjectPath::root(display);
    let head = &bytes[..bytes.len().min(text::SNIFF_BYTES)];
    if sink.wants_raw() && sniff_kind(display, head) == Kind::Sqlite {
        // Opened by path below, so it never passes `decode_bytes`, which hands out bytes.
        sink.raw(&path, bytes);
    }
    let Some(name) = sqlite_by_path_or_name(fs_path, display, &path, head, sink) else {
        return;
    };
    decode_bytes(
        &path,
        &name,
        bytes,
        limits,
        &Budget::new(limits.max_total_bytes),
        sink,
    );
}

/// Decodes an object given as a reader (an archive member, a stream, stdin).
pub fn decode_reader(
    path: &ObjectPath,
    name: &str,
    reader: &mut dyn Read,
    size: Option<u64>,
    limits: &Limits,
    budget: &Budget,
    sink: &mut dyn Sink,
) {
    if sink.wants_raw() {
        if size.is_some_and(|n| n > limits.max_object_bytes) {
            raw_too_large(sink, path, size, limits);
            return stream_reader(path, name, reader, size, limits, budget, sink);
        }
        // The size may be unknown (a compressed stream, standard input) or wrong: read at
        // most one byte past the limit, and decode whatever was read in every case.
        let limit = limits.max_object_bytes;
        let mut bytes = Vec::new();
        match reader.take(limit + 1).read_to_end(&mut bytes) {
            Ok(_) if bytes.len() as u64 <= limit => {
                return decode_bytes(path, name, &bytes, limits, budget, sink);
            }
            Ok(_) => {
                raw_too_large(sink, path, None, limits);
                let mut rest = Cursor::new(bytes).chain(reader);
                return stream_reader(path, name, &mut rest, None, limits, budget, sink);
            }
            Err(e) => {
                // What was read before the break is still decoded, as when streaming.
                if !archive::is_caught(&e) {
                    report_error(sink, path, SourceError::Io(e));
                }
                let mut read = Cursor::new(bytes);
                return stream_reader(path, name, &mut read, None, limits, budget, sink);
            }
        }
    }
    stream_reader(path, name, reader, size, limits, budget, sink);
}

/// Archives and compressed streams: their members are handed out one by one, so the
/// container's own bytes are not (a rule would match a stored member twice, and
/// compressed bytes hide what rules look for).
fn is_archive(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Zip | Kind::Tar | Kind::Gzip | Kind::Bzip2 | Kind::Xz | Kind::Zstd | Kind::SevenZ
    )
}

/// Says that an object was too large to hold for YARA rules (it is still decoded).
fn raw_too_large(sink: &mut dyn Sink, path: &ObjectPath, size: Option<u64>, limits: &Limits) {
    let size = size.map_or("more than the limit of".to_string(), |n| {
        format!("{n} bytes, over")
    });
    sink.notice(crate::Notice {
        path: path.to_string(),
        kind: crate::NoticeKind::Info,
        message: format!(
            "{size} {} bytes: YARA rules were not run on it",
            limits.max_object_bytes
        ),
    });
}

/// Decodes an object from a reader without handing out its raw bytes.
fn stream_reader(
    path: &ObjectPath,
    name: &str,
    reader: &mut dyn Read,
    size: Option<u64>,
    limits: &Limits,
    budget: &Budget,
    sink: &mut dyn Sink,
) {
    let mut head = Vec::new();
    if let Err(e) = reader.take(text::SNIFF_BYTES as u64).read_to_end(&mut head) {
        // What was decoded before the break is still scanned. An error the container
        // catches (a bad CRC, a cut stream) is reported there, once, with its own words.
        if !archive::is_caught(&e) {
            report_error(sink, path, SourceError::Io(e));
        }
        return decode_with_head(
            path,
            name,
            head,
            &mut std::io::empty(),
            size,
            limits,
            budget,
            sink,
        );
    }
    decode_with_head(path, name, head, reader, size, limits, budget, sink);
}

/// Decodes an object held in memory.
pub fn decode_bytes(
    path: &ObjectPath,
    name: &str,
    bytes: &[u8],
    limits: &Limits,
    budget: &Budget,
    sink: &mut dyn Sink,
) {
    if sink.wants_raw()
        && !is_archive(sniff_kind(
            name,
            &bytes[..bytes.len().min(text::SNIFF_BYTES)],
        ))
    {
        sink.raw(path, bytes);
    }
    // An object read whole is decoded from these bytes as they are; reading them again
    // into a buffer of its own was a copy of every export and archive (and, growing, of
    // twice its size in fresh pages).
    let kind = sniff_kind(name, &bytes[..bytes.len().min(text::SNIFF_BYTES)]);
    let size = bytes.len() as u64;
    // What `decode_with_head` would read whole, within the same limits; anything else
    // (a stream, an object over a limit, a container too deep) goes the usual way.
    let whole = match kind {
        _ if streamed(kind) => false,
        Kind::Csv(_) | Kind::Json | Kind::JsonLines | Kind::Sql => {
            size <= limits.max_structured_bytes.min(limits.max_object_bytes)
        }
        _ => size <= limits.max_object_bytes && path.depth() < limits.max_depth,
    };
    if whole {
        let result = decode_whole(path, kind, bytes, limits, budget, sink);
        return report_result(sink, path, result);
    }
    let mut cursor = Cursor::new(bytes);
    stream_reader(path, name, &mut cursor, Some(size), limits, budget, sink);
}

#[allow(clippy::too_many_arguments)]
fn decode_with_head(
    path: &ObjectPath,
    name: &str,
    head: Vec<u8>,
    rest: &mut dyn Read,
    size: Option<u64>,
    limits: &Limits,
    budget: &Budget,
    sink: &mut dyn Sink,
) {
    let kind = sniff_kind(name, &head);
    let is_container = !matches!(
        kind,
        Kind::Text | Kind::Csv(_) | Kind::Json | Kind::JsonLines | Kind::Sql
    );
    if is_container && path.depth() >= limits.max_depth {
        return report_skip(
            sink,
            path,
            SourceError::Depth {
                limit: limits.max_depth,
            },
        );
    }
    let result = match kind {
        // No maintained crate reads PST well enough to trust with evidence yet: say so
        // plainly instead of scanning its compressed, encoded pages as noise.
        Kind::Pst => Err(SourceError::Unsupported {
            what: "Outlook PST/OST mail store",
            hint:
                "export it to mbox or eml (for example with readpst from pst-utils) and scan those",
        }),
        Kind::Text => text::stream_text(path, &head, rest, sink).map(|_| ()),
        Kind::Gzip | Kind::Bzip2 | Kind::Xz | Kind::Zstd => archive::decompress(
            path,
            name,
            kind,
            Cursor::new(head).chain(rest),
            limits,
            budget,
            sink,
        ),
        Kind::Tar => archive::tar(path, Cursor::new(head).chain(rest), limits, budget, sink),
        Kind::Csv(_) | Kind::Json | Kind::JsonLines | Kind::Sql => match size {
            Some(n) if n > limits.max_structured_bytes => {
                // Too large to parse as a whole: still scanned, as streamed text.
                text::stream_text(path, &head, rest, sink).map(|_| ())
            }
            _ => read_all(head, rest, limits)
                .and_then(|bytes| decode_whole(path, kind, &bytes, limits, budget, sink)),
        },
        _ => read_all(head, rest, limits)
            .and_then(|bytes| decode_whole(path, kind, &bytes, limits, budget, sink)),
    };
    report_result(sink, path, result);
}

/// Kinds that are never read whole: text and compressed streams and tar archives are
/// streamed, and PST is refused.
fn streamed(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Text | Kind::Gzip | Kind::Bzip2 | Kind::Xz | Kind::Zstd | Kind::Tar | Kind::Pst
    )
}

/// Decodes an object of a kind read whole (not one of the [`streamed`] kinds) from its
/// bytes.
fn decode_whole(
    path: &ObjectPath,
    kind: Kind,
    bytes: &[u8],
    limits: &Limits,
    budget: &Budget,
    sink: &mut dyn Sink,
) -> Result<(), SourceError> {
    match kind {
        Kind::Csv(_) | Kind::Json | Kind::JsonLines | Kind::Sql => {
            structured::decode(path, kind, bytes, sink)
        }
        Kind::Zip => archive::zip(path, bytes, limits, budget, sink),
        Kind::SevenZ => archive::seven_z(path, bytes, limits, budget, sink),
        Kind::Docx | Kind::Pptx => document::office_text(path, kind, bytes, limits, budget, sink),
        Kind::Spreadsheet => document::spreadsheet(path, bytes, limits, budget, sink),
        Kind::Pdf => document::pdf(path, bytes, limits, budget, sink),
        Kind::Compound => document::compound_text(path, bytes, limits, budget, sink),
        Kind::Sqlite => structured::sqlite_bytes(path, bytes, sink),
        #[cfg(feature = "parquet")]
        Kind::Parquet => structured::parquet(path, bytes, sink),
        #[cfg(not(feature = "parquet"))]
        Kind::Parquet => {
            sink.notice(crate::Notice {
                path: path.to_string(),
                kind: crate::NoticeKind::Info,
                message:
                    "Parquet support is not built in (cargo feature `parquet`); scanned its strings"
                        .into(),
            });
            text::stream_text(path, bytes, &mut std::io::empty(), sink).map(|_| ())
        }
        Kind::Eml => mail::eml(path, bytes, limits, budget, sink),
        Kind::Mbox => mail::mbox(path, bytes, limits, budget, sink),
        Kind::Text | Kind::Gzip | Kind::Bzip2 | Kind::Xz | Kind::Zstd | Kind::Tar | Kind::Pst => {
            unreachable!("streamed kinds are handled by decode_with_head")
        }
    }
}

/// Reports a decoder's failure as a skip (limits, encryption, what is not supported) or an
/// error notice.
fn report_result(sink: &mut dyn Sink, path: &ObjectPath, result: Result<(), SourceError>) {
    if let Err(e) = result {
        match e {
            SourceError::Io(ref io) if archive::is_caught(io) => {}
            SourceError::TooLarge { .. }
            | SourceError::Inflation { .. }
            | SourceError::Depth { .. }
            | SourceError::Encrypted { .. }
            | SourceError::Unsupported { .. } => report_skip(sink, path, e),
            other => report_error(sink, path, other),
        }
    }
}

/// Reads an object fully into memory, refusing objects over the size limit.
fn read_all(head: Vec<u8>, rest: &mut dyn Read, limits: &Limits) -> Result<Vec<u8>, SourceError> {
    let mut bytes = head;
    let limit = limits.max_object_bytes;
    rest.take(limit + 1 - (bytes.len() as u64).min(limit))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(SourceError::TooLarge {
            what: "object",
            size: bytes.len() as u64,
            limit,
        });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_magic_and_name() {
        assert_eq!(sniff_kind("a.bin", b"PK\x03\x04rest"), Kind::Zip);
        assert_eq!(sniff_kind("Report.DOCX", b"PK\x03\x04rest"), Kind::Docx);
        assert_eq!(sniff_kind("x", &[0x1F, 0x8B, 8, 0]), Kind::Gzip);
        assert_eq!(sniff_kind("x", b"%PDF-1.7"), Kind::Pdf);
        assert_eq!(sniff_kind("x.csv", b"a,b\n1,2"), Kind::Csv(b','));
        assert_eq!(sniff_kind("x.txt", b"hello"), Kind::Text);
        assert_eq!(
            sniff_kind("Mailbox.PST", b"!BDN\x1d\x01\x00\x00SM\x17\x00"),
            Kind::Pst
        );
        assert_eq!(
            sniff_kind("exchange.bak", b"!BDN\x1d\x01\x00\x00SM\x17\x00"),
            Kind::Pst
        );
        assert_eq!(sniff_kind("notes.txt", b"!BDN is a word"), Kind::Text);
        let mail = b"Received: from x\nFrom: a@b.cn\nTo: c@d.cn\nSubject: hi\n\nbody";
        assert_eq!(sniff_kind("msg", mail), Kind::Eml);
        let mut mbox = b"From a@b.cn Mon Jan  1 00:00:00 2024\n".to_vec();
        mbox.extend_from_slice(mail);
        assert_eq!(sniff_kind("inbox", &mbox), Kind::Mbox);
    }
}
