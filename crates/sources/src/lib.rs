//! Sources and decoders: from files, archives and documents to text and fields.
//!
//! This crate turns bytes into what the detection engine scans, and says where each piece
//! came from. It never runs detection itself: it pushes decoded content into a [`Sink`]
//! (ripgrep's push model), so the same decoders serve the CLI, tests and benchmarks.
//!
//! - [`decode`] sniffs an object's type from its name and first bytes and dispatches to a
//!   decoder: archives and compressors ([`archive`]), office documents and PDF
//!   ([`document`]), CSV, JSON and SQLite ([`structured`]), mail ([`mail`]) or text
//!   ([`text`]).
//! - [`walk`] lists the files under the paths a user names, in parallel.
//! - `git` (feature `git`) reads a repository's object database: history, deleted and
//!   dangling objects, each blob once.
//! - [`stores`] reads live data stores (S3, MongoDB, PostgreSQL, MySQL, Redis).
//!
//! **Bad input is normal input.** Every decoder works under [`Limits`] (nesting depth,
//! object size, total decompressed bytes, compression ratio, member count); a corrupt,
//! truncated or oversized object produces a located [`Notice`] and decoding moves on to the
//! next object. Third-party parsers that are known to panic on hostile input run behind
//! `catch_unwind`, and a panic becomes a notice too.

pub mod archive;
pub mod decode;
pub mod document;
pub mod error;
#[cfg(feature = "git")]
pub mod git;
pub mod mail;
pub mod sql;
pub mod stores;
pub mod structured;
pub mod text;
pub mod walk;

pub use archive::Budget;
pub use decode::{decode_bytes, decode_file, decode_file_bytes, decode_reader, Kind};
pub use error::SourceError;
use leakscope_core::ObjectPath;

/// Resource limits applied while decoding untrusted objects.
#[derive(Debug, Clone)]
pub struct Limits {
    /// How many containers deep decoding goes (`a.zip!/b.zip!/c.txt` is depth 2).
    pub max_depth: usize,
    /// Largest object held in memory at once (containers that need random access, and
    /// structured files). Larger text is streamed instead; larger archives are skipped.
    pub max_object_bytes: u64,
    /// Most bytes decompressed from one top-level object, all members together.
    pub max_total_bytes: u64,
    /// Largest ratio of decompressed to compressed size tolerated for one member once it
    /// exceeds [`Limits::ratio_grace_bytes`]: the zip-bomb guard.
    pub max_ratio: u64,
    /// Decompressed bytes allowed before the ratio check starts.
    pub ratio_grace_bytes: u64,
    /// Most members read from one archive.
    pub max_members: usize,
    /// Largest CSV or JSON file parsed as structured data; larger ones are scanned as text.
    pub max_structured_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 10,
            max_object_bytes: 256 << 20,
            max_total_bytes: 16 << 30,
            max_ratio: 200,
            ratio_grace_bytes: 16 << 20,
            max_members: 200_000,
            max_structured_bytes: 64 << 20,
        }
    }
}

/// How git repositories are read (by `git`, with the `git` feature; the command line
/// carries it whether or not the feature is built).
#[derive(Debug, Clone)]
pub struct GitOptions {
    /// Read the object database (history, deleted and dangling objects). Off, a
    /// repository's work tree is scanned as plain files and its `.git` directory skipped.
    pub history: bool,
    /// Only commits reachable from these revisions (ref names, commit ids). Empty means
    /// every commit in the object database and every blob, reachable or not.
    pub refs: Vec<String>,
    /// Only blobs that are not already in this revision's history (of those reachable from
    /// `refs`, or from `HEAD` when no refs are named).
    pub since_commit: Option<String>,
    /// Only what is staged in the index and not in `HEAD` (a pre-commit hook).
    pub staged: bool,
}

impl Default for GitOptions {
    fn default() -> Self {
        GitOptions {
            history: true,
            refs: Vec::new(),
            since_commit: None,
            staged: false,
        }
    }
}

/// Where a field value sits, for structured content.
#[derive(Debug, Clone, Copy)]
pub struct FieldAt<'a> {
    /// Column, key path or header name.
    pub field: &'a str,
    /// 1-based line of the value in the decoded text, when the content is text.
    pub line: Option<u64>,
    /// Byte offset of the value in the decoded text, when it could be located.
    pub offset: Option<u64>,
    /// Identifies the record (row, document, line) the value belongs to, unique within
    /// the whole scan (it starts with the object's path: `a.csv#line 12`,
    /// `db.sqlite#people/17`), so identifiers found together can be linked to one person.
    pub record: &'a str,
}

pub use leakscope_core::NoticeKind;

/// A located remark about one object.
#[derive(Debug, Clone)]
pub struct Notice {
    /// The object, in the same form as finding paths.
    pub path: String,
    /// Error, skip or info.
    pub kind: NoticeKind,
    /// What happened, in a sentence.
    pub message: String,
}

/// Receives decoded content. Implemented by the scanner in the CLI and by tests.
pub trait Sink {
    /// A text object begins. Its content follows in [`Sink::text_chunk`] calls; offsets
    /// and lines of findings are relative to the concatenated chunks.
    fn begin_text(&mut self, path: &ObjectPath, encoding: &'static str);
    /// The next piece of the current text object (always whole characters).
    fn text_chunk(&mut self, chunk: &str);
    /// The current text object is complete.
    fn end_text(&mut self);
    /// One field value of a structured object.
    fn field(&mut self, path: &ObjectPath, at: FieldAt<'_>, value: &str);
    /// Something the user should know about an object.
    fn notice(&mut self, notice: Notice);
    /// A whole record of a data store (a row, a document, a hash), named `record` (its
    /// collection or table and key): each field with a value is a cell whose path is
    /// `record/field`. By default each goes to [`Sink::field`]; a sink that scans records
    /// whole takes them as they are, without a path and a call per cell.
    fn record(&mut self, record: &str, fields: &stores::Fields) {
        record_cells(self, record, fields);
    }
    /// The cells of one row of a table in a file (a CSV line), all with the record id
    /// `record`. By default each goes to [`Sink::field`]; a sink that scans records whole
    /// takes the row as it is, without a call per cell.
    fn row(&mut self, path: &ObjectPath, record: &str, cells: &[RowCell<'_>]) {
        row_cells(self, path, record, cells);
    }
    /// Whether the sink wants each object's raw bytes (for YARA rules). Decoders then hold
    /// every object up to [`Limits::max_object_bytes`] in memory once.
    fn wants_raw(&self) -> bool {
        false
    }
    /// The raw bytes of an object (a file, an archive or document member, an attachment, a
    /// blob), before it is decoded. Called once per object when [`Sink::wants_raw`].
    fn raw(&mut self, path: &ObjectPath, bytes: &[u8]) {
        let _ = (path, bytes);
    }
}

/// A record's cells, each to [`Sink::field`] with its path `record/field` (what
/// [`Sink::record`] does unless a sink takes records whole).
pub fn record_cells<S: Sink + ?Sized>(sink: &mut S, record: &str, fields: &stores::Fields) {
    // A cell's path is the record's, `/` and its field, written into one buffer: formatting
    // both anew for every cell was an eighth of a database scan's time.
    let mut text = String::with_capacity(record.len() + 32);
    let mut path = ObjectPath::root(String::new());
    for (field, value) in fields.iter() {
        if value.is_empty() {
            continue;
        }
        text.clear();
        text.push_str(record);
        text.push('/');
        text.push_str(field);
        path.set_root(&text);
        let at = FieldAt {
            field,
            line: None,
            offset: None,
            record,
        };
        sink.field(&path, at, value);
    }
}

/// One cell of a row handed over whole (see [`Sink::row`]).
#[derive(Debug, Clone, Copy)]
pub struct RowCell<'a> {
    /// Column name (empty when the table has no header).
    pub field: &'a str,
    /// The cell's text.
    pub value: &'a str,
    /// 1-based line of the value in the decoded text, when known.
    pub line: Option<u64>,
    /// Byte offset of the value in the decoded text, when known.
    pub offset: Option<u64>,
}

/// A row's cells, each to [`Sink::field`] (what [`Sink::row`] does unless a sink takes
/// rows whole).
pub fn row_cells<S: Sink + ?Sized>(
    sink: &mut S,
    path: &ObjectPath,
    record: &str,
    cells: &[RowCell<'_>],
) {
    for c in cells {
        let at = FieldAt {
            field: c.field,
            line: c.line,
            offset: c.offset,
            record,
        };
        sink.field(path, at, c.value);
    }
}

/// Convenience: emits a whole text in one chunk.
pub fn emit_text(sink: &mut dyn Sink, path: &ObjectPath, encoding: &'static str, text: &str) {
    sink.begin_text(path, encoding);
    if !text.is_empty() {
        sink.text_chunk(text);
    }
    sink.end_text();
}

/// Whether a value holds only white space (checked without trimming when it starts with
/// a printable ASCII character, as nearly every cell of an export does).
pub(crate) fn is_blank(value: &str) -> bool {
    match value.as_bytes().first() {
        Some(&b) if !may_start_with_space(b) => false,
        _ => value.trim().is_empty(),
    }
}

/// Whether a text whose first byte is `b` may start with white space as [`str::trim`]
/// sees it: ASCII white space (the vertical tab too), or the lead byte of a Unicode
/// space (U+0085 and U+00A0, U+1680, U+2000 to U+205F, U+3000). A cell that starts with
/// a Han character or a letter needs no trim to tell.
pub(crate) fn may_start_with_space(b: u8) -> bool {
    matches!(b, b'\t'..=b'\r' | b' ' | 0xC2 | 0xE1 | 0xE2 | 0xE3)
}

/// Reports an error notice for `path`.
pub fn report_error(sink: &mut dyn Sink, path: &ObjectPath, err: impl std::fmt::Display) {
    sink.notice(Notice {
        path: path.to_string(),
        kind: NoticeKind::Error,
        message: err.to_string(),
    });
}

/// Reports a skip notice for `path`.
pub fn report_skip(sink: &mut dyn Sink, path: &ObjectPath, why: impl std::fmt::Display) {
    sink.notice(Notice {
        path: path.to_string(),
        kind: NoticeKind::Skip,
        message: why.to_string(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_unicode_space_starts_with_a_byte_that_may_start_one() {
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let mut bytes = [0u8; 4];
            let lead = c.encode_utf8(&mut bytes).as_bytes()[0];
            if c.is_whitespace() {
                assert!(may_start_with_space(lead), "{c:?}");
            }
        }
        for blank in ["", " ", "\u{3000}", "\u{0b}", "\t\n", "\u{a0}\u{2009}"] {
            assert!(is_blank(blank), "{blank:?}");
        }
        for full in ["a", "王", " 1", "\u{3000}x", "\u{e000}", "é"] {
            assert!(!is_blank(full), "{full:?}");
        }
    }
}
