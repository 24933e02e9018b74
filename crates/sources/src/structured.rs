//! Structured data: CSV/TSV, JSON, JSON Lines and SQLite, scanned field by field.
//!
//! A value's field name (column header, JSON key path, table column) is what tells a bare
//! `张三` or `460001234567890` apart from noise, so these formats are parsed rather than
//! scanned as flat text. Offsets and lines are recovered by locating each value in the
//! decoded text after the previous one; when a value cannot be found verbatim (escaped
//! quotes, `\u` escapes) the offset is left empty rather than guessed.

use crate::decode::Kind;
use crate::error::SourceError;
use crate::text::decode_all;
use crate::{emit_text, FieldAt, Notice, NoticeKind, RowCell, Sink};
use leakscope_core::buffer::emptied;
use leakscope_core::{write_record_key, ObjectPath, RecordUnit};
use std::borrow::Cow;
use std::path::Path;

mod json;

/// Decodes CSV, JSON or JSON Lines held in memory.
pub fn decode(
    path: &ObjectPath,
    kind: Kind,
    bytes: &[u8],
    sink: &mut dyn Sink,
) -> Result<(), SourceError> {
    let Some((text, encoding)) = decode_all(bytes) else {
        // A binary file with a text extension: scan its strings like any binary.
        return crate::text::stream_text(path, bytes, &mut std::io::empty(), sink).map(|_| ());
    };
    match kind {
        Kind::Csv(delimiter) => csv_text(path, &text, delimiter, sink),
        Kind::Json => match json::valid(&text) {
            Ok(()) => {
                let mut locator = Locator::new(&text);
                // Valid, so the walk cannot fail.
                let _ = json::walk(path, &text, None, &mut locator, sink);
                Ok(())
            }
            // `mongoexport` and many log shippers write one document per line into a
            // `.json` file: such a file is read as JSON Lines, each line its own record.
            // Only when the parse failed after the first line: a huge one-line file that
            // is corrupt is not parsed a second time.
            Err(e) if e.line() > 1 && one_document_per_line(&text) => {
                json_lines(path, &text, sink);
                Ok(())
            }
            Err(e) => {
                sink.notice(Notice {
                    path: path.to_string(),
                    kind: NoticeKind::Info,
                    message: format!("not valid JSON ({e}); scanned as text"),
                });
                emit_text(sink, path, encoding, &text);
                Ok(())
            }
        },
        Kind::Sql => {
            crate::sql::decode(path, &text, encoding, sink);
            Ok(())
        }
        Kind::JsonLines => {
            json_lines(path, &text, sink);
            Ok(())
        }
        _ => Err(SourceError::corrupt("structured data", "unsupported kind")),
    }
}

/// How many bytes after the cursor are compared directly before a substring search: a
/// delimiter and a quote in CSV, `", "` and a key's quote in JSON.
const NEAR: usize = 8;

/// Finds successive values in the decoded text to give them offsets and lines.
struct Locator<'t> {
    text: &'t str,
    cursor: usize,
    line: u64,
    line_pos: usize,
    /// Whether the text is all ASCII, once asked (see [`Locator::find`]).
    ascii: Option<bool>,
}

impl<'t> Locator<'t> {
    fn new(text: &'t str) -> Self {
        Locator {
            text,
            cursor: 0,
            line: 1,
            line_pos: 0,
            ascii: None,
        }
    }

    /// Moves to `pos` (not before the cursor) and returns the line there.
    fn line_at(&mut self, pos: usize) -> u64 {
        if pos >= self.line_pos {
            self.line += memchr::memchr_iter(b'\n', &self.text.as_bytes()[self.line_pos..pos])
                .count() as u64;
            self.line_pos = pos;
        }
        self.line
    }

    /// The first of the [`NEAR`] positions from the cursor where `matches` holds.
    fn near(&self, matches: impl Fn(usize) -> bool) -> Option<usize> {
        (self.cursor..self.cursor + NEAR).find(|&at| matches(at))
    }

    /// Skips past the quoted key `key` (`"key"`) at or after the cursor.
    fn find_key(&mut self, key: &str, horizon: usize) {
        let bytes = self.text.as_bytes();
        let quoted_at = |at: usize| {
            bytes.get(at) == Some(&b'"')
                && bytes.get(at + 1..at + 1 + key.len()) == Some(key.as_bytes())
                && bytes.get(at + 1 + key.len()) == Some(&b'"')
        };
        match self.near(quoted_at) {
            Some(at) => {
                self.cursor = at + key.len() + 2;
            }
            None => {
                self.find(&format!("\"{key}\""), horizon);
            }
        }
    }

    /// Finds `needle` at or after the cursor (within `horizon` bytes) and advances past it.
    fn find(&mut self, needle: &str, horizon: usize) -> Option<(u64, u64)> {
        if needle.is_empty() {
            return None;
        }
        // Values usually follow the cursor directly or after a delimiter and a quote; those
        // few places are checked before a substring search (whose set-up costs more than
        // comparing a short cell).
        let bytes = self.text.as_bytes();
        let near = self.near(|at| bytes.get(at..at + needle.len()) == Some(needle.as_bytes()));
        let p = match near {
            Some(p) => p,
            // A value beyond ASCII is not in an all-ASCII text: JSON written with every
            // such character escaped (`\u5f20`, Python's default) has none of its names
            // and addresses as they read, and each was a fruitless search of the horizon.
            None if !needle.is_ascii()
                && *self.ascii.get_or_insert_with(|| self.text.is_ascii()) =>
            {
                return None;
            }
            None => {
                let mut end = (self.cursor + horizon + needle.len()).min(self.text.len());
                while !self.text.is_char_boundary(end) {
                    end += 1;
                }
                let hay = &self.text[self.cursor..end];
                self.cursor + memchr::memmem::find(hay.as_bytes(), needle.as_bytes())?
            }
        };
        let line = self.line_at(p);
        self.cursor = p + needle.len();
        Some((line, p as u64))
    }
}

/// The delimiter a `.csv` file really uses: exports from European spreadsheets use `;`,
/// database dumps `|` or a tab. When the first line holds none of the expected delimiter
/// but several of one of those, that one splits the rows; otherwise the expected one does.
fn sniff_delimiter(text: &str, expected: u8) -> u8 {
    let first = text.lines().next().unwrap_or("").as_bytes();
    if first.contains(&expected) {
        return expected;
    }
    [b';', b'|', b'\t', b',']
        .into_iter()
        .filter(|d| *d != expected)
        .map(|d| (first.iter().filter(|b| **b == d).count(), d))
        .filter(|(n, _)| *n >= 1)
        .max_by_key(|(n, _)| *n)
        .map_or(expected, |(_, d)| d)
}

fn csv_text(
    path: &ObjectPath,
    text: &str,
    delimiter: u8,
    sink: &mut dyn Sink,
) -> Result<(), SourceError> {
    let delimiter = sniff_delimiter(text, delimiter);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut header: Option<Vec<String>> = None;
    let mut locator = Locator::new(text);
    // Bytes, not strings: the text is UTF-8 already and a cell of a row without quotes is
    // taken from it directly, so the reader's check of every record is not needed.
    let mut record = csv::ByteRecord::new();
    // Columns where a spreadsheet program wrote long numbers in scientific notation.
    let mut damaged: Vec<String> = Vec::new();
    let mut last_line = 0u64;
    // The rows so far were lone cells, which the next row may show to be a title or a
    // preamble; how many such rows there were.
    let mut title_pending = false;
    let mut preamble_rows = 0usize;
    let path_text = path.to_string();
    let mut record_id = String::new();
    // The buffers of a row's cells, kept between rows (see `emptied`).
    let mut spare_values: Vec<Cell<'static, '_>> = Vec::new();
    let mut spare_cells: Vec<RowCell<'static>> = Vec::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let at = e
                    .position()
                    .map(|p| format!(" at line {}", p.line()))
                    .unwrap_or_default();
                sink.notice(Notice {
                    path: path.to_string(),
                    kind: NoticeKind::Error,
                    message: format!("CSV error{at}: {e}; the rest of the file was not read"),
                });
                break;
            }
        }
        let mut pos = record
            .position()
            .map(|p| (p.byte() as usize, p.line()))
            .unwrap_or((locator.cursor, 0));
        // With CRLF line ends (Windows and spreadsheet exports) the reader stops at the `\r`,
        // and the next record's position is the `\n` still on the line before: the record
        // starts after it. Left as it was, a file's first data row got the header's line,
        // and so the header's record id, and the two rows were linked as one record.
        while let Some(b) = text.as_bytes().get(pos.0) {
            match b {
                b'\n' => pos.1 += 1,
                b'\r' => {}
                _ => break,
            }
            pos.0 += 1;
        }
        if pos.0 > locator.cursor && pos.0 <= text.len() {
            locator.cursor = pos.0;
        }
        // Line ends the reader knows but that count no lines (a bare `\r`, old Mac files)
        // leave rows on one line: the record's byte offset tells them apart then.
        if pos.1 > last_line {
            write_record_key(&mut record_id, &path_text, RecordUnit::Line, pos.1);
        } else {
            write_record_key(&mut record_id, &path_text, RecordUnit::Byte, pos.0 as u64);
        }
        last_line = last_line.max(pos.1);
        // A lone title cell above the header (`2023年客户名单,,,` over `序号,姓名,电话`, a
        // spreadsheet saved as CSV) names no columns: the row after it does, when it holds
        // two or more names and no values. A payment app's bill puts a preamble of such
        // lines, padded to the table's width, above its header (`微信昵称：[…],,,,`): while
        // they last, the header is still to come.
        if std::mem::take(&mut title_pending) {
            let filled = filled_cells(&record);
            let padded_lone = filled <= 1 && record.len() >= 2 && preamble_rows < MAX_PREAMBLE;
            if (filled >= 2 || padded_lone)
                && !is_data_row(record.iter().map(|c| std::str::from_utf8(c).unwrap_or("")))
            {
                header = None;
            }
        }
        match &header {
            None => {
                let cells: Vec<Cow<'_, str>> = record.iter().map(String::from_utf8_lossy).collect();
                // A first row holding values (an export without a header) names no columns.
                let data = is_data_row(cells.iter().map(|c| c.as_ref()));
                let names: Vec<String> = if data {
                    Vec::new()
                } else {
                    cells.iter().map(|h| h.trim().to_string()).collect()
                };
                let filled = filled_cells(&record);
                title_pending = !data && (filled == 1 || (filled == 0 && record.len() >= 2));
                preamble_rows += usize::from(title_pending);
                // Header cells are scanned without a field name: a file without a header
                // row still has its first record checked.
                for cell in &cells {
                    let cell = cell.as_ref();
                    let at = locator.find(cell, 4096);
                    sink.field(
                        path,
                        FieldAt {
                            field: "",
                            line: at.map(|a| a.0),
                            offset: at.map(|a| a.1),
                            record: &record_id,
                        },
                        cell,
                    );
                }
                header = Some(names);
            }
            Some(names) => {
                // A record without quotes is its cells joined by the delimiter, on one line:
                // each cell's offset follows from the lengths before it, without a search.
                let mut plain = record
                    .position()
                    .is_some()
                    .then(|| unquoted_record(text, pos.0, delimiter, &record))
                    .flatten()
                    .map(|_| (locator.line_at(pos.0), pos.0));
                // The row's cells with their columns and places, then handed over whole.
                let mut values: Vec<Cell<'_, '_>> = emptied(std::mem::take(&mut spare_values));
                for (i, bytes) in record.iter().enumerate() {
                    let (at, cell) = match &mut plain {
                        Some((line, offset)) => {
                            let at = (*line, *offset as u64);
                            // The cell is the text between two delimiters, taken as it is.
                            let cell = text
                                .get(*offset..*offset + bytes.len())
                                .map_or_else(|| String::from_utf8_lossy(bytes), Cow::Borrowed);
                            *offset += bytes.len() + 1;
                            locator.cursor = *offset - 1;
                            (Some(at), cell)
                        }
                        None => (None, String::from_utf8_lossy(bytes)),
                    };
                    if crate::is_blank(&cell) {
                        continue;
                    }
                    let column = names.get(i).map(String::as_str).unwrap_or("");
                    if lost_digits(&cell) && !damaged.iter().any(|d| d == column) {
                        damaged.push(column.to_string());
                    }
                    let at = match plain {
                        Some(_) => at,
                        None => locator.find(&cell, 4096 + cell.len()),
                    };
                    values.push(Cell {
                        value: cell,
                        column,
                        at,
                    });
                }
                let mut cells: Vec<RowCell<'_>> = emptied(std::mem::take(&mut spare_cells));
                cells.extend(values.iter().map(|c| RowCell {
                    field: c.column,
                    value: &c.value,
                    line: c.at.map(|a| a.0),
                    offset: c.at.map(|a| a.1),
                }));
                sink.row(path, &record_id, &cells);
                spare_cells = emptied(cells);
                spare_values = emptied(values);
            }
        }
    }
    for column in damaged {
        let column = if column.is_empty() {
            "(unnamed)".to_string()
        } else {
            column
        };
        sink.notice(Notice {
            path: path.to_string(),
            kind: NoticeKind::Info,
            message: format!(
                "column `{column}` holds numbers of 15+ digits in scientific notation (`1.10105E+17`), as a spreadsheet program saves them: their last digits are lost, so identifiers there are damaged, not absent"
            ),
        });
    }
    Ok(())
}

/// The most lone-cell lines above a CSV header that are read as its preamble (a payment
/// app's bill has about sixteen).
const MAX_PREAMBLE: usize = 32;

/// How many cells of a CSV row hold more than blanks.
fn filled_cells(record: &csv::ByteRecord) -> usize {
    record
        .iter()
        .filter(|c| c.iter().any(|b| !b.is_ascii_whitespace()))
        .count()
}

/// One cell of a CSV row on its way to the sink: its text (from the file, or from the
/// reader's record when quotes were undone), its column and its line and offset.
struct Cell<'r, 'c> {
    value: Cow<'r, str>,
    column: &'c str,
    at: Option<(u64, u64)>,
}

/// When the record at `start` is written without quotes (its cells joined by single
/// delimiters, then a line end or the end of the text), its length; otherwise `None`.
fn unquoted_record(
    text: &str,
    start: usize,
    delimiter: u8,
    record: &csv::ByteRecord,
) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut len = 0usize;
    for (i, cell) in record.iter().enumerate() {
        if i > 0 {
            if bytes.get(start + len) != Some(&delimiter) {
                return None;
            }
            len += 1;
        }
        len += cell.len();
    }
    let raw = bytes.get(start..start + len)?;
    let ends = matches!(bytes.get(start + len), None | Some(b'\n' | b'\r'));
    (ends && memchr::memchr(b'"', raw).is_none()).then_some(len)
}

/// True when a table's first row holds values rather than column names: a cell with a run
/// of six or more digits, or an e-mail address. Column names are words (`姓名`, `mobile`,
/// `id_card_2`); exports written without a header start with a record, and its ID number,
/// phone or address number gives it away. Treating such a row as a header would name each
/// column after one person's data and hide the form context the other rows need.
pub(crate) fn is_data_row<'a>(cells: impl IntoIterator<Item = &'a str>) -> bool {
    cells.into_iter().any(|cell| {
        let mut run = 0usize;
        let long_digits = cell.bytes().any(|b| {
            run = if b.is_ascii_digit() { run + 1 } else { 0 };
            run >= 6
        });
        long_digits || (cell.contains('@') && cell.contains('.'))
    })
}

/// True for a number a spreadsheet program wrote in scientific notation with an exponent
/// of 14 or more (`1.10105E+17`): the long integer it stood for has lost its last digits.
fn lost_digits(cell: &str) -> bool {
    // Most cells start with a letter or a Han character: no trim for them. One that
    // starts with a digit has a one-digit integer part, so `.` or the exponent follows it
    // (an ID number or a phone number is turned away at its second digit).
    let bytes = cell.as_bytes();
    match bytes.first() {
        Some(b) if b.is_ascii_digit() => {
            if !matches!(bytes.get(1), Some(b'.' | b'E' | b'e')) {
                return false;
            }
        }
        Some(&b) if crate::may_start_with_space(b) => {}
        _ => return false,
    }
    let cell = cell.trim();
    // The shortest such number is `1E14`, and it starts with a digit.
    if cell.len() < 4 || !cell.as_bytes()[0].is_ascii_digit() {
        return false;
    }
    let Some((mantissa, exponent)) = cell.split_once(['E', 'e']) else {
        return false;
    };
    let exponent = exponent.strip_prefix('+').unwrap_or(exponent);
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    int.len() == 1
        && int.bytes().all(|c| c.is_ascii_digit())
        && frac.bytes().all(|c| c.is_ascii_digit())
        && exponent.len() == 2
        && exponent.bytes().all(|c| c.is_ascii_digit())
        && exponent >= "14"
}

/// Whether a text that is not one JSON value holds one object or array per line: its first
/// two non-empty lines each parse alone as one.
fn one_document_per_line(text: &str) -> bool {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let mut documents = 0;
    for line in lines.by_ref().take(2) {
        let document =
            (line.starts_with('{') || line.starts_with('[')) && json::valid(line).is_ok();
        if !document {
            return false;
        }
        documents += 1;
    }
    documents == 2
}

fn json_lines(path: &ObjectPath, text: &str, sink: &mut dyn Sink) {
    let mut offset = 0usize;
    let path_text = path.to_string();
    let mut record = String::new();
    let mut file_ascii = None;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let line_no = i as u64 + 1;
        let trimmed = line.trim();
        if !trimmed.is_empty() {
            write_record_key(&mut record, &path_text, RecordUnit::Line, line_no);
            match json::valid(trimmed) {
                Ok(()) => {
                    // Locate values within this line only; offsets stay whole-file.
                    let mut locator = Locator {
                        text,
                        cursor: offset,
                        line: line_no,
                        line_pos: offset,
                        // Whether the file is all ASCII is worked out once for all lines.
                        ascii: file_ascii,
                    };
                    // Valid, so the walk cannot fail.
                    let _ = json::walk(path, trimmed, Some(&record), &mut locator, sink);
                    file_ascii = locator.ascii;
                }
                Err(_) => {
                    // Not JSON: the line is still scanned, as plain text.
                    sink.field(
                        path,
                        FieldAt {
                            field: "",
                            line: Some(line_no),
                            offset: Some(offset as u64),
                            record: &record,
                        },
                        line.trim_end_matches(['\r', '\n']),
                    );
                }
            }
        }
        offset += line.len();
    }
}

/// Scans every table of an SQLite database file, opened read-only and immutable: SQLite
/// takes no locks and creates no `-wal` or `-shm` file beside the evidence, and a file on
/// read-only media opens like any other.
pub fn sqlite_file(
    path: &ObjectPath,
    fs_path: &Path,
    sink: &mut dyn Sink,
) -> Result<(), SourceError> {
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
        | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX
        | rusqlite::OpenFlags::SQLITE_OPEN_URI;
    let conn = rusqlite::Connection::open_with_flags(immutable_uri(fs_path), flags)
        .map_err(|e| SourceError::corrupt("sqlite", e))?;
    sqlite_tables(path, &conn, sink)
}

/// The `file:` URI that opens `fs_path` read-only and immutable. Characters with a meaning
/// in URIs are percent-encoded, so any file name opens the file it names.
fn immutable_uri(fs_path: &Path) -> String {
    let absolute = std::path::absolute(fs_path).unwrap_or_else(|_| fs_path.to_path_buf());
    let mut uri = String::from("file:");
    for &b in absolute.as_os_str().as_encoded_bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri.push_str("?mode=ro&immutable=1");
    uri
}

/// Scans an SQLite database held in memory (an archive member, a mail attachment). The
/// bytes are handed to SQLite as an in-memory, read-only database: nothing is written to
/// disk, so a killed scan leaves no copy of the evidence in a temporary directory.
pub fn sqlite_bytes(
    path: &ObjectPath,
    bytes: &[u8],
    sink: &mut dyn Sink,
) -> Result<(), SourceError> {
    let corrupt = |e: rusqlite::Error| SourceError::corrupt("sqlite", e);
    let mut conn = rusqlite::Connection::open_in_memory().map_err(corrupt)?;
    conn.deserialize_read_exact(rusqlite::MAIN_DB, bytes, bytes.len(), true)
        .map_err(corrupt)?;
    sqlite_tables(path, &conn, sink)
}

fn sqlite_tables(
    path: &ObjectPath,
    conn: &rusqlite::Connection,
    sink: &mut dyn Sink,
) -> Result<(), SourceError> {
    let corrupt = |e: rusqlite::Error| SourceError::corrupt("sqlite", e);
    // The schema of a hostile file is not trusted: no functions from views or triggers,
    // and virtual tables (whose modules parse shadow data) are not read.
    conn.pragma_update(None, "trusted_schema", false)
        .map_err(corrupt)?;
    let tables: Vec<String> = {
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND coalesce(sql, '') NOT LIKE 'CREATE VIRTUAL%' ORDER BY name")
            .map_err(corrupt)?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(corrupt)?;
        rows.collect::<Result<_, _>>().map_err(corrupt)?
    };
    for table in tables {
        if let Err(e) = sqlite_table(path, conn, &table, sink) {
            crate::report_error(sink, &path.child(table.clone()), e);
        }
    }
    Ok(())
}

fn sqlite_table(
    path: &ObjectPath,
    conn: &rusqlite::Connection,
    table: &str,
    sink: &mut dyn Sink,
) -> Result<(), SourceError> {
    let corrupt = |e: rusqlite::Error| SourceError::corrupt("sqlite", e);
    let quoted = format!("\"{}\"", table.replace('"', "\"\""));
    // WITHOUT ROWID tables have no rowid; fall back to the row's position.
    let (mut stmt, has_rowid) = match conn.prepare(&format!("SELECT rowid, * FROM {quoted}")) {
        Ok(s) => (s, true),
        Err(_) => (
            conn.prepare(&format!("SELECT * FROM {quoted}"))
                .map_err(corrupt)?,
            false,
        ),
    };
    let names: Vec<String> = stmt.column_names().iter().map(|s| s.to_string()).collect();
    let first = usize::from(has_rowid);
    let mut rows = stmt.query([]).map_err(corrupt)?;
    let mut n = 0u64;
    while let Some(row) = rows.next().map_err(corrupt)? {
        n += 1;
        let key = if has_rowid {
            row.get::<_, i64>(0)
                .map(|v| v.to_string())
                .unwrap_or_else(|_| n.to_string())
        } else {
            format!("#{n}")
        };
        let row_key = format!("{table}/{key}");
        let record = format!("{path}#{row_key}");
        for (i, column) in names.iter().enumerate().skip(first) {
            let value = match row.get_ref(i).map_err(corrupt)? {
                rusqlite::types::ValueRef::Null => continue,
                rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                rusqlite::types::ValueRef::Real(v) => v.to_string(),
                rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                rusqlite::types::ValueRef::Blob(b) => match decode_all(b) {
                    Some((t, _)) => t,
                    None => continue,
                },
            };
            let cell_path = path.child(format!("{row_key}/{column}"));
            sink.field(
                &cell_path,
                FieldAt {
                    field: column,
                    line: None,
                    offset: None,
                    record: &record,
                },
                &value,
            );
        }
    }
    Ok(())
}

/// Scans a Parquet file row by row; each column value is a field named by its column.
/// Only built with the `parquet` feature.
#[cfg(feature = "parquet")]
pub fn parquet(path: &ObjectPath, bytes: &[u8], sink: &mut dyn Sink) -> Result<(), SourceError> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let rows = crate::error::guard("parquet", || {
        let reader = SerializedFileReader::new(bytes::Bytes::copy_from_slice(bytes))
            .map_err(|e| SourceError::corrupt("parquet", e))?;
        let iter = reader
            .get_row_iter(None)
            .map_err(|e| SourceError::corrupt("parquet", e))?;
        let mut rows = Vec::new();
        for (i, row) in iter.enumerate() {
            let row =
                row.map_err(|e| SourceError::corrupt("parquet", format!("row {}: {e}", i + 1)))?;
            let cells: Vec<(String, String)> = row
                .get_column_iter()
                .filter_map(|(name, field)| match field {
                    parquet::record::Field::Null => None,
                    parquet::record::Field::Str(s) => Some((name.clone(), s.clone())),
                    other => Some((name.clone(), other.to_string())),
                })
                .collect();
            rows.push(cells);
        }
        Ok(rows)
    })?;
    for (i, cells) in rows.iter().enumerate() {
        let record = format!("{path}#row {}", i + 1);
        let row_path = path.child(format!("row/{}", i + 1));
        for (name, value) in cells {
            sink.field(
                &row_path,
                FieldAt {
                    field: name,
                    line: None,
                    offset: None,
                    record: &record,
                },
                value,
            );
        }
    }
    Ok(())
}

/// A sink for the decoders' tests that keeps every cell.
#[cfg(test)]
pub(crate) mod test_sink {
    use crate::{FieldAt, Notice, ObjectPath, Sink};

    /// One cell handed to the sink.
    #[derive(Debug)]
    pub(crate) struct Cell {
        pub(crate) path: String,
        pub(crate) field: String,
        pub(crate) record: String,
        pub(crate) line: Option<u64>,
        pub(crate) offset: Option<u64>,
        pub(crate) value: String,
    }

    /// Keeps the cells; a notice fails the test.
    #[derive(Debug, Default)]
    pub(crate) struct Cells(pub(crate) Vec<Cell>);

    impl Sink for Cells {
        fn begin_text(&mut self, _: &ObjectPath, _: &'static str) {}
        fn text_chunk(&mut self, _: &str) {}
        fn end_text(&mut self) {}
        fn field(&mut self, path: &ObjectPath, at: FieldAt<'_>, value: &str) {
            self.0.push(Cell {
                path: path.to_string(),
                field: at.field.to_string(),
                record: at.record.to_string(),
                line: at.line,
                offset: at.offset,
                value: value.to_string(),
            });
        }
        fn notice(&mut self, n: Notice) {
            panic!("unexpected notice {n:?}");
        }
    }
}

#[cfg(test)]
mod header_tests {
    use super::test_sink::Cells;
    use super::{csv_text, is_data_row, lost_digits};
    use crate::ObjectPath;

    /// The cells of `text` read as `a.csv`.
    fn cells_of(text: &str) -> Cells {
        let mut sink = Cells::default();
        csv_text(&ObjectPath::root("a.csv"), text, b',', &mut sink).unwrap();
        sink
    }

    /// Every cell's offset and line point at its text, in rows with and without quotes
    /// (whose offsets are computed from the cell lengths) and after rows that span lines.
    #[test]
    fn cells_are_located_in_rows_with_and_without_quotes() {
        for text in [
            "name,phone,note\n张三,13812345678,ok\n\"李四\",13912345678,\"two\nlines\"\n王五,,13712345678\n,,\n赵六,1,11\n",
            "name;phone\r\n张三;13812345678\r\n\"a;b\";\"x\"\"y\"\r\n李四;13912345678\r\n",
            "a,b\n1,11\n11,1\n 1 ,1\n",
        ] {
            for cell in &cells_of(text).0 {
                // A value with an escaped quote is not in the text as it is written.
                if cell.value.contains('"') {
                    continue;
                }
                let at = cell.offset.expect("every other cell is found") as usize;
                assert_eq!(&text[at..at + cell.value.len()], cell.value, "{text:?}");
                let line = text[..at].matches('\n').count() as u64 + 1;
                assert_eq!(cell.line, Some(line), "{:?} in {text:?}", cell.value);
            }
        }
    }

    /// A lone title cell above the header names no column; a lone first cell above a
    /// record, or above a single column, is the header as any first row is.
    #[test]
    fn a_title_row_gives_way_to_the_header_below_it() {
        let fields = |text: &str| -> Vec<(String, String)> {
            cells_of(text)
                .0
                .iter()
                .map(|c| (c.field.clone(), c.value.clone()))
                .collect()
        };
        let titled = fields("2023年客户名单,,\n序号,姓名,电话\n1,王芳,13812345678\n");
        assert!(
            titled.contains(&("姓名".into(), "王芳".into())),
            "{titled:?}"
        );
        assert!(
            titled.contains(&("电话".into(), "13812345678".into())),
            "{titled:?}"
        );
        let one_column = fields("姓名\n王芳\n李建国\n");
        assert!(
            one_column.contains(&("姓名".into(), "李建国".into())),
            "{one_column:?}"
        );
        let lone_header = fields("姓名\n王芳,13812345678\n");
        assert!(
            lone_header.contains(&("姓名".into(), "王芳".into())),
            "{lone_header:?}"
        );
        // A bill's preamble, padded to the table's width, blank lines included.
        let bill = fields(
            "微信支付账单明细,,,\n微信昵称：[小王],,,\n,,,\n----明细列表----,,,\n\
             交易时间,交易对方,交易单号,商户单号\n2023-01-02 12:00:00,美团,4200001,6250941006528599\n",
        );
        assert!(
            bill.contains(&("商户单号".into(), "6250941006528599".into())),
            "{bill:?}"
        );
    }

    #[test]
    fn each_row_is_its_own_record_whatever_the_line_ends() {
        for text in [
            "曾用名,电话\n张三,13812345678\n\n李四,13912345678\n",
            "曾用名,电话\r\n张三,13812345678\r\n\r\n李四,13912345678\r\n",
            "曾用名,电话\r张三,13812345678\r\r李四,13912345678\r",
        ] {
            let sink = cells_of(text);
            let records: Vec<&str> = sink.0.iter().map(|c| c.record.as_str()).collect();
            let lines: Vec<Option<u64>> = sink.0.iter().map(|c| c.line).collect();
            if text.contains('\n') {
                assert_eq!(
                    records,
                    [
                        "a.csv#line 1",
                        "a.csv#line 1",
                        "a.csv#line 2",
                        "a.csv#line 2",
                        "a.csv#line 4",
                        "a.csv#line 4"
                    ],
                    "{text:?}"
                );
                assert_eq!(lines, [1, 1, 2, 2, 4, 4].map(Some), "{text:?}");
                // Header cells go out unnamed; the rows' cells under their column.
                let first = &sink.0[2];
                assert_eq!(
                    (
                        first.path.as_str(),
                        first.field.as_str(),
                        first.value.as_str()
                    ),
                    ("a.csv", "曾用名", "张三")
                );
                assert_eq!(sink.0[0].field, "");
            } else {
                // Bare `\r` line ends count no lines, but the rows stay apart.
                assert_eq!(records[0], records[1]);
                assert_eq!(records[2], records[3]);
                assert_ne!(records[1], records[2]);
                assert_ne!(records[3], records[4]);
            }
        }
    }

    #[test]
    fn the_delimiter_a_file_uses_splits_its_rows() {
        assert_eq!(
            super::sniff_delimiter("姓名;身份证;手机\n孙七;1;2\n", b','),
            b';'
        );
        assert_eq!(super::sniff_delimiter("a|b|c\n", b','), b'|');
        assert_eq!(super::sniff_delimiter("a,b;c\n", b','), b',');
        assert_eq!(super::sniff_delimiter("单列\n", b','), b',');
        assert_eq!(super::sniff_delimiter("a\tb\n", b'\t'), b'\t');
        let mut sink = Cells::default();
        csv_text(
            &ObjectPath::root("a.csv"),
            "姓名;手机\n孙七;13500001111\n",
            b',',
            &mut sink,
        )
        .unwrap();
        let named: Vec<(&str, &str)> = sink
            .0
            .iter()
            .map(|c| (c.field.as_str(), c.value.as_str()))
            .filter(|(f, _)| !f.is_empty())
            .collect();
        assert_eq!(named, [("姓名", "孙七"), ("手机", "13500001111")]);
    }

    #[test]
    fn numbers_that_lost_digits_are_told_from_others() {
        for damaged in [
            "1.10105E+17",
            "4.40304e+17",
            "1E14",
            "9.9E+18",
            " 1.1E+17 ",
            "\u{3000}2.2E+17",
        ] {
            assert!(lost_digits(damaged), "{damaged:?}");
        }
        for other in [
            "",
            "1",
            "1.5",
            "3.5E+02",
            "12E+17",
            "1.1E+7",
            "510107197806135206",
            "E+17",
            "王",
            "a1.1E+17",
            "1.1E+1x",
            " ",
        ] {
            assert!(!lost_digits(other), "{other:?}");
        }
    }

    #[test]
    fn first_rows_of_values_are_not_headers() {
        assert!(is_data_row(["王芳", "11010519491231002X", "13812345678"]));
        assert!(is_data_row(["Li Wei", "li.wei@example.com"]));
        assert!(!is_data_row(["姓名", "身份证号", "手机"]));
        assert!(!is_data_row(["name", "id_card_2", "phone", "created_2024"]));
    }
}

#[cfg(test)]
mod json_tests {
    use super::test_sink::Cells;
    use super::{decode, one_document_per_line};
    use crate::decode::Kind;
    use crate::ObjectPath;

    /// The cells a `.json` file named `name` hands over.
    fn decode_json(name: &str, text: &str) -> Cells {
        let mut sink = Cells::default();
        decode(
            &ObjectPath::root(name),
            Kind::Json,
            text.as_bytes(),
            &mut sink,
        )
        .unwrap();
        sink
    }

    #[test]
    fn a_json_file_of_one_document_per_line_is_read_as_json_lines() {
        // What `mongoexport` writes by default, under a `.json` name.
        let text = "{\"_id\":{\"$oid\":\"65a1\"},\"user\":{\"name\":\"王芳\"}}\n\
                    {\"_id\":{\"$oid\":\"65a2\"},\"user\":{\"name\":\"李四\"}}\n";
        let sink = decode_json("u.json", text);
        let names: Vec<(&str, &str, &str)> = sink
            .0
            .iter()
            .filter(|c| c.field == "user.name")
            .map(|c| (c.field.as_str(), c.record.as_str(), c.value.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("user.name", "u.json#line 1", "王芳"),
                ("user.name", "u.json#line 2", "李四")
            ]
        );
    }

    #[test]
    fn values_escaped_in_an_ascii_document_are_read_and_the_rest_located() {
        // As Python writes JSON by default: every character beyond ASCII escaped.
        let text = "{\"name\":\"\\u738b\\u82b3\",\n\"phone\":\"13812345678\",\n\"city\":\"\\u5317\\u4eac\"}";
        let sink = decode_json("d.json", text);
        let cells: Vec<(&str, &str, Option<u64>)> = sink
            .0
            .iter()
            .map(|c| (c.field.as_str(), c.value.as_str(), c.line))
            .collect();
        assert_eq!(
            cells,
            [
                ("name", "王芳", None),
                ("phone", "13812345678", Some(2)),
                ("city", "北京", None),
            ]
        );
    }

    #[test]
    fn a_json_document_hands_over_every_string_and_number_with_its_key_path_and_record() {
        let text = "{\"org\":\"acme\",\"users\":[{\"name\":\"王芳\",\"age\":-31,\"score\":24.5,\
                    \"ok\":true,\"note\":null,\"tags\":[\"a\\\"b\",7]},\n{\"name\":\"name\",\
                    \"name\":\"李四\",\"big\":18446744073709551615,\"e\":1e21}]}";
        let sink = decode_json("d.json", text);
        let cells: Vec<(&str, &str, &str, Option<u64>)> = sink
            .0
            .iter()
            .map(|c| {
                (
                    c.field.as_str(),
                    c.record.as_str(),
                    c.value.as_str(),
                    c.line,
                )
            })
            .collect();
        assert_eq!(
            cells,
            [
                ("org", "d.json", "acme", Some(1)),
                ("users[0].name", "d.json#[0]", "王芳", Some(1)),
                ("users[0].age", "d.json#[0]", "-31", Some(1)),
                ("users[0].score", "d.json#[0]", "24.5", Some(1)),
                ("users[0].tags[0]", "d.json#[0]", "a\"b", None),
                ("users[0].tags[1]", "d.json#[0]", "7", Some(1)),
                // A repeated key: both values are data.
                ("users[1].name", "d.json#[1]", "name", Some(2)),
                ("users[1].name", "d.json#[1]", "李四", Some(2)),
                (
                    "users[1].big",
                    "d.json#[1]",
                    "18446744073709551615",
                    Some(2)
                ),
                ("users[1].e", "d.json#[1]", "1e+21", None),
            ]
        );
    }

    /// An array of a few plain values is a tuple in the record of what holds it (a
    /// GeoJSON point's coordinates stay together); a longer one is a list, one record per
    /// element, as an array of objects is.
    #[test]
    fn short_arrays_of_plain_values_are_tuples_and_long_ones_lists() {
        let records = |text: &str| -> Vec<(String, String)> {
            decode_json("d.json", text)
                .0
                .iter()
                .map(|c| (c.field.clone(), c.record.clone()))
                .collect()
        };
        let pair = |f: &str, r: &str| (f.to_string(), r.to_string());
        assert_eq!(
            records("{\"loc\":{\"type\":\"Point\",\"coordinates\":[121.4737,31.2304]}}"),
            [
                pair("loc.type", "d.json"),
                pair("loc.coordinates[0]", "d.json"),
                pair("loc.coordinates[1]", "d.json"),
            ]
        );
        assert_eq!(
            records(
                "[\"13812345678\",\"13912345678\",\"13712345678\",\"13612345678\",{\"a\":\"x\"}]"
            ),
            [
                pair("[0]", "d.json#[0]"),
                pair("[1]", "d.json#[1]"),
                pair("[2]", "d.json#[2]"),
                pair("[3]", "d.json#[3]"),
                pair("[4].a", "d.json#[4]"),
            ]
        );
        assert_eq!(
            records("[1,{\"a\":\"x\"}]"),
            [pair("[0]", "d.json#[0]"), pair("[1].a", "d.json#[1]")]
        );
    }

    #[test]
    fn only_documents_on_each_of_the_first_lines_make_json_lines() {
        assert!(one_document_per_line("{\"a\":1}\n\n[2]\n"));
        assert!(!one_document_per_line("{\"a\":1}\n"));
        assert!(!one_document_per_line("{\"a\":1}\nplain words\n"));
        assert!(!one_document_per_line("{\"a\":\n1}\n{\"b\":2}\n"));
        assert!(!one_document_per_line("1\n2\n"));
    }
}

#[cfg(all(test, feature = "parquet"))]
mod parquet_tests {
    use super::*;
    use parquet::data_type::{ByteArray, ByteArrayType};
    use parquet::file::writer::SerializedFileWriter;
    use std::sync::Arc;
    use test_sink::Cells;

    /// (path, field, value) of each cell.
    fn fields(sink: &Cells) -> Vec<(String, String, String)> {
        sink.0
            .iter()
            .map(|c| (c.path.clone(), c.field.clone(), c.value.clone()))
            .collect()
    }

    /// A two-row file of names and ID numbers, its pages compressed with `codec`.
    fn people(codec: parquet::basic::Compression) -> Vec<u8> {
        let schema = Arc::new(parquet::schema::parser::parse_message_type("message people { REQUIRED BYTE_ARRAY name (UTF8); REQUIRED BYTE_ARRAY id_card (UTF8); }").unwrap());
        let properties = Arc::new(
            parquet::file::properties::WriterProperties::builder()
                .set_compression(codec)
                .build(),
        );
        let mut buf = Vec::new();
        {
            let mut w = SerializedFileWriter::new(&mut buf, schema, properties).unwrap();
            let mut rg = w.next_row_group().unwrap();
            for values in [
                vec!["张三", "李四"],
                vec!["11010519491231002X", "110105491231002"],
            ] {
                let mut col = rg.next_column().unwrap().unwrap();
                let data: Vec<ByteArray> = values.iter().map(|v| ByteArray::from(*v)).collect();
                col.typed::<ByteArrayType>()
                    .write_batch(&data, None, None)
                    .unwrap();
                col.close().unwrap();
            }
            rg.close().unwrap();
            w.close().unwrap();
        }
        buf
    }

    #[test]
    fn every_codec_real_parquet_uses_reads() {
        use parquet::basic::{BrotliLevel, Compression, GzipLevel, ZstdLevel};
        for codec in [
            Compression::UNCOMPRESSED,
            Compression::SNAPPY,
            Compression::GZIP(GzipLevel::default()),
            Compression::ZSTD(ZstdLevel::default()),
            Compression::LZ4,
            Compression::LZ4_RAW,
            Compression::BROTLI(BrotliLevel::default()),
        ] {
            let mut sink = Cells::default();
            parquet(&ObjectPath::root("p.parquet"), &people(codec), &mut sink)
                .unwrap_or_else(|e| panic!("{codec:?}: {e}"));
            let cells = fields(&sink);
            assert!(
                cells.contains(&("p.parquet!/row/2".into(), "name".into(), "李四".into())),
                "{codec:?}: {cells:?}"
            );
        }
    }

    #[test]
    fn parquet_rows_become_fields() {
        let buf = people(parquet::basic::Compression::SNAPPY);
        let mut sink = Cells::default();
        parquet(&ObjectPath::root("p.parquet"), &buf, &mut sink).unwrap();
        let cells = fields(&sink);
        assert!(
            cells.contains(&(
                "p.parquet!/row/1".into(),
                "id_card".into(),
                "11010519491231002X".into()
            )),
            "{cells:?}"
        );
        assert!(cells.contains(&("p.parquet!/row/2".into(), "name".into(), "李四".into())));
        let truncated = &buf[..buf.len() / 2];
        assert!(parquet(
            &ObjectPath::root("p.parquet"),
            truncated,
            &mut Cells::default()
        )
        .is_err());
    }
}
