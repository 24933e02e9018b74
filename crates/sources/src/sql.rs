//! SQL dumps: the rows of `INSERT … VALUES` statements and PostgreSQL `COPY … FROM stdin`
//! blocks become records whose fields carry their column names.
//!
//! A dump is the most common shape of a leaked database. Read as flat text, a bare `'张伟'`
//! in a tuple has no label, so names, addresses and identifiers that need context go
//! unseen; read as rows, the column list (`name`, `id_no`, `imsi`) is the label. Everything
//! that is not a parsed row (schema, comments, statements this reader does not know, and a
//! statement it fails to parse) is still scanned as text: the rows' bytes are blanked out
//! of that text, so nothing is reported twice and offsets and lines stay those of the file.
//!
//! The reader is a small hand-written scanner, not a SQL parser: it knows string literals
//! (`'…'` with `''` and backslash escapes, `N'…'`, `E'…'`), quoted identifiers (`` ` ``,
//! `"`, `[…]`), numbers, `NULL` and nested parentheses, which is all a dump's rows hold.
//! Anything else ends the statement early, and its rest is left to the text scan.

use crate::{emit_text, Notice, NoticeKind, RowCell, Sink};
use leakscope_core::buffer::emptied;
use leakscope_core::{write_record_key, ObjectPath, RecordUnit};

/// Values longer than this are cut at a character boundary (a dump can hold whole files
/// in a column; the text scan still sees none of them twice, since their row is blanked).
const MAX_VALUE_BYTES: usize = 1 << 20;

/// One parsed row: its column names (empty when the statement names none), the byte
/// ranges of its values in the text, and the byte range of the whole row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Byte range of the row (from its `(` to its `)`, or the whole `COPY` line).
    pub span: std::ops::Range<usize>,
    /// Byte ranges of the values, quotes excluded.
    pub values: Vec<std::ops::Range<usize>>,
    /// Index into [`Dump::columns`] of the statement's column list.
    pub columns: usize,
}

/// The rows found in a dump and the column lists they refer to.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Dump {
    /// Column lists, one per statement (`table.column` names).
    pub columns: Vec<Vec<String>>,
    /// Rows in file order.
    pub rows: Vec<Row>,
    /// The columns of each table a `CREATE TABLE` defined, by its name without schema
    /// or quotes, lower-cased: an `INSERT` without a column list (mysqldump's default)
    /// takes its columns from there.
    tables: std::collections::HashMap<String, Vec<String>>,
    /// Column comments (MySQL's inline `COMMENT '…'`, PostgreSQL's `COMMENT ON COLUMN`),
    /// by table key and lower-cased column name.
    comments: std::collections::HashMap<(String, String), String>,
}

impl Dump {
    /// Records a statement's column list as `table.column` names (the table without its
    /// schema); returns its index.
    fn add_columns(&mut self, table: &str, columns: &[String]) -> usize {
        let short = table.rsplit('.').next().unwrap_or(table);
        let key = table_key(table);
        let named = columns
            .iter()
            .map(|c| {
                // Most dumps have no comments: no lookup key is built for them.
                let comment = (!self.comments.is_empty())
                    .then(|| self.comments.get(&(key.clone(), c.to_lowercase())))
                    .flatten();
                labelled(format!("{short}.{c}"), comment.map(String::as_str))
            })
            .collect();
        self.columns.push(named);
        self.columns.len() - 1
    }
}

/// Finds the rows of a dump. Never fails: what it cannot read is left out of the rows.
pub fn parse(text: &str) -> Dump {
    let mut dump = Dump::default();
    let b = text.as_bytes();
    let mut pos = 0;
    while pos < b.len() {
        let Some(at) = next_statement(b, pos) else {
            break;
        };
        pos = if keyword(b, at, b"insert") {
            insert(text, at, &mut dump)
        } else if keyword(b, at, b"create") {
            create_table(text, at, &mut dump)
        } else if keyword(b, at, b"comment") {
            comment_on_column(text, at, &mut dump)
        } else {
            copy(text, at, &mut dump)
        };
    }
    dump
}

/// Scans a dump: rows as records, the rest as text.
pub fn decode(path: &ObjectPath, text: &str, encoding: &'static str, sink: &mut dyn Sink) {
    let dump = parse(text);
    if dump.rows.is_empty() {
        return emit_text(sink, path, encoding, text);
    }
    // The text scan sees the file with every parsed row replaced by spaces (line breaks
    // kept), so offsets and lines of what it finds are those of the file.
    let mut rest = text.as_bytes().to_vec();
    for row in &dump.rows {
        for c in &mut rest[row.span.clone()] {
            if *c != b'\n' {
                *c = b' ';
            }
        }
    }
    let rest = String::from_utf8(rest).unwrap_or_default();
    emit_text(sink, path, encoding, &rest);

    let mut line = 1u64;
    let mut line_pos = 0usize;
    let mut record = String::new();
    let path_text = path.to_string();
    // A row's values (see `Part`) and the buffers of its cells, kept between rows.
    let mut parts: Vec<Part<'_>> = Vec::new();
    let mut row_buf = String::new();
    let mut spare_cells: Vec<RowCell<'static>> = Vec::new();
    let mut cut_reported = false;
    let mut last_line = 0u64;
    for row in &dump.rows {
        line +=
            memchr::memchr_iter(b'\n', &text.as_bytes()[line_pos..row.span.start]).count() as u64;
        line_pos = row.span.start;
        // mysqldump writes a whole table's rows on one line: the rows after the first on
        // a line are told apart by their byte offset, or they would read as one record.
        if line > last_line {
            write_record_key(&mut record, &path_text, RecordUnit::Line, line);
        } else {
            write_record_key(
                &mut record,
                &path_text,
                RecordUnit::Byte,
                row.span.start as u64,
            );
        }
        last_line = line;
        // Most rows are on one line: their values' lines need no counting then.
        let one_line = memchr::memchr(b'\n', &text.as_bytes()[row.span.clone()]).is_none();
        let columns = &dump.columns[row.columns];
        for (i, v) in row.values.iter().enumerate() {
            let raw = &text[v.clone()];
            if raw.len() > MAX_VALUE_BYTES && !cut_reported {
                // The row is blanked out of the text scan, so the rest of this value is
                // read by nobody: say so instead of missing it quietly.
                cut_reported = true;
                sink.notice(Notice {
                    path: path.to_string(),
                    kind: NoticeKind::Skip,
                    message: format!(
                        "a value longer than {} MiB at line {line} was scanned only up to that length",
                        MAX_VALUE_BYTES >> 20
                    ),
                });
            }
            let source = unescape(raw, v.start, &mut row_buf);
            let value = source.of(text, &row_buf);
            if crate::is_blank(value) || value.eq_ignore_ascii_case("null") || value == "\\N" {
                if let Source::Row(r) = source {
                    row_buf.truncate(r.start);
                }
                continue;
            }
            // An escaped value no longer matches the file byte for byte.
            let offset = (value.len() == raw.len()).then_some(v.start as u64);
            let value_line = if one_line {
                line
            } else {
                line + memchr::memchr_iter(b'\n', &text.as_bytes()[row.span.start..v.start]).count()
                    as u64
            };
            parts.push(Part {
                source,
                field: columns.get(i).map_or("", String::as_str),
                line: value_line,
                offset,
            });
        }
        let mut cells: Vec<RowCell<'_>> = emptied(std::mem::take(&mut spare_cells));
        cells.extend(parts.iter().map(|p| RowCell {
            field: p.field,
            value: p.source.of(text, &row_buf),
            line: Some(p.line),
            offset: p.offset,
        }));
        sink.row(path, &record, &cells);
        spare_cells = emptied(cells);
        parts.clear();
        row_buf.clear();
    }
}

/// Where a row's value is: in the file's text (a literal without escapes), or unescaped
/// in the row's buffer, kept there with the row's other values until the row is handed
/// over.
enum Source {
    Text(std::ops::Range<usize>),
    Row(std::ops::Range<usize>),
}

impl Source {
    /// The value, from the file's `text` or the row's buffer.
    fn of<'a>(&self, text: &'a str, row: &'a str) -> &'a str {
        match self {
            Source::Text(r) => &text[r.clone()],
            Source::Row(r) => &row[r.clone()],
        }
    }
}

/// One value of a row on its way to the sink.
struct Part<'c> {
    source: Source,
    field: &'c str,
    line: u64,
    offset: Option<u64>,
}

/// The literal `raw`, which starts at `at` in the file, with its escapes resolved: the
/// file's own text when it has none, else appended to `row`. Cut to [`MAX_VALUE_BYTES`].
fn unescape(raw: &str, at: usize, row: &mut String) -> Source {
    if memchr::memchr2(b'\\', b'\'', raw.as_bytes()).is_none() {
        return Source::Text(at..at + cut(raw).len());
    }
    let start = row.len();
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('n') => row.push('\n'),
                Some('t') => row.push('\t'),
                Some('r') => row.push('\r'),
                Some('0') => {}
                Some(other) => row.push(other),
                None => {}
            },
            '\'' => {
                // A doubled quote inside a literal stands for one.
                row.push('\'');
                if chars.clone().next() == Some('\'') {
                    chars.next();
                }
            }
            _ => row.push(c),
        }
        if row.len() - start >= MAX_VALUE_BYTES {
            break;
        }
    }
    let end = start + cut(&row[start..]).len();
    row.truncate(end);
    Source::Row(start..end)
}

fn cut(s: &str) -> &str {
    if s.len() <= MAX_VALUE_BYTES {
        return s;
    }
    let mut end = MAX_VALUE_BYTES;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The next `INSERT`, `COPY`, `CREATE` or `COMMENT` keyword at the start of a statement
/// (the start of the text or of a line, or after `;`, spaces skipped), from `at`.
fn next_statement(b: &[u8], mut at: usize) -> Option<usize> {
    loop {
        while at < b.len() && b[at].is_ascii_whitespace() {
            at += 1;
        }
        if at >= b.len() {
            return None;
        }
        let statement = [&b"insert"[..], b"copy", b"create", b"comment"];
        if statement.iter().any(|w| keyword(b, at, w)) {
            return Some(at);
        }
        at += 1 + memchr::memchr2(b'\n', b';', &b[at..])?;
    }
}

/// True when `word` (lower case) is at `at`, case-insensitively, as a whole word.
fn keyword(b: &[u8], at: usize, word: &[u8]) -> bool {
    b.len() >= at + word.len()
        && b[at..at + word.len()].eq_ignore_ascii_case(word)
        && b.get(at + word.len()).is_none_or(|c| !is_ident_byte(*c))
}

fn is_ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80
}

/// Past white space and `/* … */` comments at `pos`. Called between every two tokens of
/// every row, where the common case is neither: that case is answered inline.
#[inline(always)]
fn skip_space(b: &[u8], pos: usize) -> usize {
    match b.get(pos) {
        Some(c) if !c.is_ascii_whitespace() && *c != b'/' => pos,
        _ => skip_space_and_comments(b, pos),
    }
}

fn skip_space_and_comments(b: &[u8], mut pos: usize) -> usize {
    loop {
        while pos < b.len() && b[pos].is_ascii_whitespace() {
            pos += 1;
        }
        // `/* … */` comments between tokens (MySQL dumps put hints there).
        if b.get(pos..pos + 2) == Some(b"/*") {
            match memchr::memmem::find(&b[pos + 2..], b"*/") {
                Some(end) => pos += 2 + end + 2,
                None => return b.len(),
            }
        } else {
            return pos;
        }
    }
}

/// Reads a possibly qualified, possibly quoted name (`a`, `` `a`.`b` ``, `"a"."b"`,
/// `[a].[b]`); returns it unquoted and the position after it.
fn name(text: &str, mut pos: usize) -> Option<(String, usize)> {
    let b = text.as_bytes();
    let mut out = String::new();
    loop {
        pos = skip_space(b, pos);
        let close = match b.get(pos)? {
            b'`' => Some(b'`'),
            b'"' => Some(b'"'),
            b'[' => Some(b']'),
            _ => None,
        };
        match close {
            Some(q) => {
                let end = pos + 1 + memchr::memchr(q, &b[pos + 1..])?;
                out.push_str(&text[pos + 1..end]);
                pos = end + 1;
            }
            None => {
                let start = pos;
                while pos < b.len() && is_ident_byte(b[pos]) {
                    pos += 1;
                }
                if pos == start {
                    return None;
                }
                out.push_str(&text[start..pos]);
            }
        }
        if b.get(pos) == Some(&b'.') {
            out.push('.');
            pos += 1;
        } else {
            return Some((out, pos));
        }
    }
}

/// Reads `( name, name, … )` at `pos`.
fn column_list(text: &str, pos: usize) -> Option<(Vec<String>, usize)> {
    let b = text.as_bytes();
    let mut pos = skip_space(b, pos);
    if b.get(pos) != Some(&b'(') {
        return None;
    }
    pos += 1;
    let mut columns = Vec::new();
    loop {
        let (n, after) = name(text, pos)?;
        columns.push(n);
        pos = skip_space(b, after);
        match b.get(pos)? {
            b',' => pos += 1,
            b')' => return Some((columns, pos + 1)),
            _ => return None,
        }
    }
}

/// Parses one `INSERT [INTO] table [(columns)] VALUES (…), (…);` at `at`; returns where
/// to go on.
fn insert(text: &str, at: usize, dump: &mut Dump) -> usize {
    let b = text.as_bytes();
    let fail = at + 1;
    let mut pos = skip_space(b, at + "insert".len());
    for optional in [&b"ignore"[..], b"into"] {
        if keyword(b, pos, optional) {
            pos = skip_space(b, pos + optional.len());
        }
    }
    let Some((table, after)) = name(text, pos) else {
        return fail;
    };
    pos = skip_space(b, after);
    let columns = match column_list(text, pos) {
        Some((cols, after)) => {
            pos = skip_space(b, after);
            cols
        }
        None => dump
            .tables
            .get(&table_key(&table))
            .cloned()
            .unwrap_or_default(),
    };
    if keyword(b, pos, b"values") {
        pos += "values".len();
    } else if keyword(b, pos, b"value") {
        pos += "value".len();
    } else {
        return fail;
    }
    let list = dump.add_columns(&table, &columns);
    loop {
        pos = skip_space(b, pos);
        if b.get(pos) != Some(&b'(') {
            return pos.max(fail);
        }
        let Some((values, end)) = tuple(b, pos) else {
            return pos.max(fail);
        };
        dump.rows.push(Row {
            span: pos..end,
            values,
            columns: list,
        });
        pos = skip_space(b, end);
        match b.get(pos) {
            Some(b',') => pos += 1,
            _ => return pos,
        }
    }
}

/// How a table is looked up: its last name part, lower-cased (`` `shop`.`T_User` `` and
/// `t_user` are one table).
fn table_key(table: &str) -> String {
    table.rsplit('.').next().unwrap_or(table).to_lowercase()
}

/// Words that start a table element other than a column definition.
const NOT_COLUMNS: &[&[u8]] = &[
    b"primary",
    b"key",
    b"unique",
    b"index",
    b"constraint",
    b"foreign",
    b"fulltext",
    b"spatial",
    b"check",
    b"exclude",
    b"like",
    b"period",
];

/// Parses `CREATE [TEMPORARY] TABLE [IF NOT EXISTS] name ( definitions … )` at `at` and
/// remembers the names of its columns; returns where to go on. Definitions are skipped
/// to the next top-level comma with their strings (`DEFAULT 'a,b'`, `COMMENT '…'`) and
/// parentheses (`decimal(10,6)`); keys and constraints are not columns.
fn create_table(text: &str, at: usize, dump: &mut Dump) -> usize {
    let b = text.as_bytes();
    let fail = at + 1;
    let mut pos = skip_space(b, at + "create".len());
    if keyword(b, pos, b"temporary") {
        pos = skip_space(b, pos + "temporary".len());
    }
    if !keyword(b, pos, b"table") {
        return fail;
    }
    pos = skip_space(b, pos + "table".len());
    for word in [&b"if"[..], b"not", b"exists"] {
        if keyword(b, pos, word) {
            pos = skip_space(b, pos + word.len());
        }
    }
    let Some((table, after)) = name(text, pos) else {
        return fail;
    };
    pos = skip_space(b, after);
    if b.get(pos) != Some(&b'(') {
        return fail;
    }
    pos += 1;
    let mut columns = Vec::new();
    loop {
        pos = skip_space(b, pos);
        let column = if NOT_COLUMNS.iter().any(|w| keyword(b, pos, w)) {
            None
        } else {
            match name(text, pos) {
                Some((column, after)) => {
                    pos = after;
                    Some(column)
                }
                None => return fail,
            }
        };
        let Some((end, after, comment)) = skip_definition(b, pos) else {
            return fail;
        };
        if let Some(column) = column {
            if let Some(r) = comment {
                dump.comments.insert(
                    (table_key(&table), column.to_lowercase()),
                    text[r].replace("''", "'"),
                );
            }
            columns.push(column);
        }
        if end == b',' {
            pos = after;
        } else {
            dump.tables.insert(table_key(&table), columns);
            return after;
        }
    }
}

/// Parses PostgreSQL's `COMMENT ON COLUMN [schema.]table.column IS '…';` at `at` and
/// remembers the comment; returns where to go on.
fn comment_on_column(text: &str, at: usize, dump: &mut Dump) -> usize {
    let b = text.as_bytes();
    let fail = at + 1;
    let mut pos = skip_space(b, at + "comment".len());
    for word in [&b"on"[..], b"column"] {
        if !keyword(b, pos, word) {
            return fail;
        }
        pos = skip_space(b, pos + word.len());
    }
    let Some((qualified, after)) = name(text, pos) else {
        return fail;
    };
    let Some((table, column)) = qualified.rsplit_once('.') else {
        return fail;
    };
    pos = skip_space(b, after);
    if !keyword(b, pos, b"is") {
        return fail;
    }
    pos = skip_space(b, pos + 2);
    if b.get(pos) != Some(&b'\'') {
        return fail;
    }
    let start = pos + 1;
    let mut k = start;
    let end = loop {
        let Some(q) = memchr::memchr(b'\'', &b[k..]).map(|q| k + q) else {
            return fail;
        };
        if b.get(q + 1) == Some(&b'\'') {
            k = q + 2;
        } else {
            break q;
        }
    };
    dump.comments.insert(
        (table_key(table), column.to_lowercase()),
        text[start..end].replace("''", "'"),
    );
    end + 1
}

/// A column's name as its field name: with its comment after it when the comment is
/// written in Chinese (`xm` with `COMMENT '姓名'` reads `xm 姓名`), since schemas of
/// Chinese systems name columns by pinyin initials (`xm`, `sfzhm`, `lxdh`, `jtzz`) and say
/// in the comment what they hold. Other comments say less than the name; they are left out.
fn labelled(column: String, comment: Option<&str>) -> String {
    match comment.map(str::trim) {
        Some(c)
            if !c.is_ascii()
                && c.chars().count() <= 16
                && !c.contains(|ch: char| ch.is_control() || ch == '\\') =>
        {
            format!("{column} {c}")
        }
        _ => column,
    }
}

/// Skips the rest of one table element from `pos` to the next comma or closing
/// parenthesis at depth zero; returns that byte, the position after it, and the range
/// of the element's `COMMENT '…'` text, if it has one.
fn skip_definition(
    b: &[u8],
    mut pos: usize,
) -> Option<(u8, usize, Option<std::ops::Range<usize>>)> {
    let mut depth = 0usize;
    let mut comment = None;
    while let Some(&c) = b.get(pos) {
        match c {
            b'\'' | b'"' | b'`' => {
                // A quoted string or name; a backslash escapes the next byte, a doubled
                // quote is one quote.
                let start = pos + 1;
                let mut k = start;
                loop {
                    let q = k + memchr::memchr2(c, b'\\', b.get(k..)?)?;
                    if b[q] == b'\\' || b.get(q + 1) == Some(&c) {
                        k = q + 2;
                    } else {
                        if c == b'\'' && depth == 0 && after_comment_keyword(b, start - 1) {
                            comment = Some(start..q);
                        }
                        pos = q + 1;
                        break;
                    }
                }
                continue;
            }
            b'(' => depth += 1,
            b')' if depth == 0 => return Some((c, pos + 1, comment)),
            b')' => depth -= 1,
            b',' if depth == 0 => return Some((c, pos + 1, comment)),
            b';' => return None,
            _ => {}
        }
        pos += 1;
    }
    None
}

/// True when the string starting at `quote` follows the keyword `COMMENT` (spaces and an
/// `=` may stand between them).
fn after_comment_keyword(b: &[u8], quote: usize) -> bool {
    let mut end = quote;
    while end > 0 && (b[end - 1].is_ascii_whitespace() || b[end - 1] == b'=') {
        end -= 1;
    }
    end >= 7 && keyword(b, end - 7, b"comment") && (end == 7 || !is_ident_byte(b[end - 8]))
}

/// Reads one `( value, value, … )` at `pos` (which holds `(`): the value ranges and the
/// position after `)`.
fn tuple(b: &[u8], mut pos: usize) -> Option<(Vec<std::ops::Range<usize>>, usize)> {
    pos += 1;
    let mut values = Vec::new();
    loop {
        pos = skip_space(b, pos);
        let c = *b.get(pos)?;
        // `N'…'` and `E'…'` literals: the prefix is not part of the value.
        let prefixed =
            matches!(c | 0x20, b'n' | b'e' | b'x' | b'b') && b.get(pos + 1) == Some(&b'\'');
        if prefixed {
            pos += 1;
        }
        if b[pos] == b'\'' {
            let start = pos + 1;
            let mut k = start;
            loop {
                let q = k + memchr::memchr2(b'\'', b'\\', b.get(k..)?)?;
                // A backslash escapes the next byte; a doubled quote is one quote.
                if b[q] == b'\\' || b.get(q + 1) == Some(&b'\'') {
                    k = q + 2;
                } else {
                    values.push(start..q);
                    pos = q + 1;
                    break;
                }
            }
        } else {
            // A number, NULL, a keyword or a function call: up to the next top-level `,`
            // or `)`.
            let start = pos;
            let mut depth = 0usize;
            while let Some(&c) = b.get(pos) {
                match c {
                    b'(' => depth += 1,
                    b')' if depth == 0 => break,
                    b')' => depth -= 1,
                    b',' if depth == 0 => break,
                    b'\'' | b';' | b'\n' => return None,
                    _ => {}
                }
                pos += 1;
            }
            let mut end = pos;
            while end > start && b[end - 1].is_ascii_whitespace() {
                end -= 1;
            }
            values.push(start..end);
        }
        pos = skip_space(b, pos);
        match b.get(pos)? {
            b',' => pos += 1,
            b')' => return Some((values, pos + 1)),
            _ => return None,
        }
    }
}

/// Parses `COPY table (columns) FROM stdin;` and its tab-separated lines up to `\.`.
fn copy(text: &str, at: usize, dump: &mut Dump) -> usize {
    let b = text.as_bytes();
    let fail = at + 1;
    let Some((table, after)) = name(text, at + "copy".len()) else {
        return fail;
    };
    let (columns, after) = match column_list(text, after) {
        Some(found) => found,
        None => (Vec::new(), after),
    };
    let pos = skip_space(b, after);
    if !keyword(b, pos, b"from") {
        return fail;
    }
    let pos = skip_space(b, pos + 4);
    if !keyword(b, pos, b"stdin") {
        return fail;
    }
    let Some(eol) = memchr::memchr(b'\n', &b[pos..]) else {
        return b.len();
    };
    let list = dump.add_columns(&table, &columns);
    let mut line_start = pos + eol + 1;
    while line_start < b.len() {
        let line_end = memchr::memchr(b'\n', &b[line_start..]).map_or(b.len(), |e| line_start + e);
        let line = &b[line_start..line_end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line == b"\\." {
            return line_end;
        }
        let mut values = Vec::new();
        let mut start = line_start;
        for field in line.split(|c| *c == b'\t') {
            values.push(start..start + field.len());
            start += field.len() + 1;
        }
        dump.rows.push(Row {
            span: line_start..line_start + line.len(),
            values,
            columns: list,
        });
        line_start = line_end + 1;
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(text: &str) -> Vec<Vec<(String, String)>> {
        let dump = parse(text);
        dump.rows
            .iter()
            .map(|r| {
                r.values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        (
                            dump.columns[r.columns].get(i).cloned().unwrap_or_default(),
                            text[v.clone()].to_string(),
                        )
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn insert_rows_with_columns_quotes_and_escapes() {
        let text = "-- dump\nCREATE TABLE t (a int);\nINSERT INTO `db`.`users` (`id`, `name`, note) VALUES (1,'张伟','it''s'),(2, N'李娜', 'a\\'b'), (3, NULL, NOW());\n";
        let rows = cells(text);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0][1], ("users.name".into(), "张伟".into()));
        assert_eq!(rows[0][2].1, "it''s");
        assert_eq!(rows[1][1].1, "李娜");
        assert_eq!(rows[2][2].1, "NOW()");
        // Unescaped values go after the row's earlier ones; plain ones stay in the text.
        let mut row = String::from("earlier");
        let text = "x it''s a\\'b plain";
        let it = unescape("it''s", 2, &mut row);
        let ab = unescape("a\\'b", 8, &mut row);
        let plain = unescape("plain", 13, &mut row);
        assert_eq!(it.of(text, &row), "it's");
        assert_eq!(ab.of(text, &row), "a'b");
        assert!(matches!(plain, Source::Text(_)));
        assert_eq!(plain.of(text, &row), "plain");
        assert_eq!(row, "earlierit'sa'b");
    }

    #[test]
    fn insert_without_columns_and_copy_blocks() {
        let text = "insert into t values ('13812345678');\nCOPY public.people (id, phone) FROM stdin;\n1\t13912345678\n2\t\\N\n\\.\nSELECT 1;\n";
        let rows = cells(text);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0][0], (String::new(), "13812345678".into()));
        assert_eq!(rows[1][1], ("people.phone".into(), "13912345678".into()));
        assert_eq!(rows[2][1].1, "\\N");
    }

    #[test]
    fn inserts_without_columns_take_them_from_create_table() {
        let text = "CREATE TABLE IF NOT EXISTS `shop`.`T_User` (\n  `id` int(11) NOT NULL AUTO_INCREMENT,\n  `real_name` varchar(32) DEFAULT 'a,b' COMMENT '姓名(真实)',\n  \"mobile\" varchar(11),\n  lat decimal(10,6),\n  PRIMARY KEY (`id`),\n  KEY `idx_m` (`mobile`),\n  CONSTRAINT c1 CHECK (id > 0)\n) ENGINE=InnoDB COMMENT='用户';\nINSERT INTO `t_user` VALUES (1,'王芳','13812345678',32.061234);\nINSERT INTO other VALUES ('x');\n";
        let rows = cells(text);
        assert_eq!(
            rows[0],
            vec![
                ("t_user.id".into(), "1".into()),
                ("t_user.real_name 姓名(真实)".into(), "王芳".into()),
                ("t_user.mobile".into(), "13812345678".into()),
                ("t_user.lat".into(), "32.061234".into()),
            ]
        );
        assert_eq!(rows[1][0], (String::new(), "x".into()));
        // A definition this reader cannot follow leaves the table unknown, not wrong.
        let broken = "CREATE TABLE t (a int, 'b' int);\nINSERT INTO t VALUES (1);\n";
        assert_eq!(cells(broken)[0][0].0, "");
    }

    #[test]
    fn postgres_column_comments_label_copy_columns() {
        let text = "CREATE TABLE public.ry (id integer, xm text, lxdh text);\nCOMMENT ON COLUMN public.ry.xm IS '姓名';\nCOMMENT ON COLUMN public.ry.lxdh IS '联系''电话';\nCOPY public.ry (id, xm, lxdh) FROM stdin;\n1\t王芳\t13812345678\n\\.\n";
        let rows = cells(text);
        assert_eq!(
            rows[0],
            vec![
                ("ry.id".into(), "1".into()),
                ("ry.xm 姓名".into(), "王芳".into()),
                ("ry.lxdh 联系'电话".into(), "13812345678".into()),
            ]
        );
    }

    #[test]
    fn rows_on_one_line_are_records_of_their_own() {
        let text = "INSERT INTO t (a, b) VALUES ('x1','y1'),('x2','y2');\nINSERT INTO t (a, b) VALUES ('x3','y3');\n";
        let mut sink = crate::structured::test_sink::Cells::default();
        decode(&ObjectPath::root("d.sql"), text, "UTF-8", &mut sink);
        let records: Vec<&str> = sink.0.iter().map(|c| c.record.as_str()).collect();
        assert_eq!(
            records,
            [
                "d.sql#line 1",
                "d.sql#line 1",
                "d.sql#byte 40",
                "d.sql#byte 40",
                "d.sql#line 2",
                "d.sql#line 2"
            ]
        );
    }

    #[test]
    fn broken_statements_are_left_to_the_text_scan() {
        for text in [
            "INSERT INTO t (a VALUES (1);",
            "INSERT INTO t VALUES ('unterminated",
            "INSERT INTO t VALUES (1, 2",
            "INSERT",
            "COPY t FROM stdin;",
            "INSERT INTO t (a) VALUES (1 'x');",
        ] {
            let dump = parse(text);
            assert!(dump.rows.is_empty(), "{text}");
        }
        // Random statements built from the dump's own tokens: every row and value range
        // lies inside the text, on character boundaries.
        const TOKENS: &[&str] = &[
            "INSERT INTO ",
            "insert ",
            "t",
            " (a, b)",
            " VALUES ",
            "(",
            ")",
            "'",
            "''",
            "\\",
            ",",
            ";",
            "\n",
            "COPY t (a) FROM stdin;\n",
            "\t",
            "\\.\n",
            "张",
            "1",
            "NULL",
            "N'",
            "/*",
            "*/",
            "`",
            "[x]",
        ];
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..20_000 {
            let mut text = String::new();
            for _ in 0..(seed % 24) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.push_str(TOKENS[(seed % TOKENS.len() as u64) as usize]);
            }
            let dump = parse(&text);
            for row in &dump.rows {
                assert!(row.span.end <= text.len() && row.columns < dump.columns.len());
                for v in &row.values {
                    assert!(v.start <= v.end && v.end <= text.len(), "{text:?}");
                    assert!(text.is_char_boundary(v.start) && text.is_char_boundary(v.end));
                }
            }
        }
        // Every prefix of a good dump parses without panicking.
        let good = "INSERT INTO t (a, b) VALUES ('x\\'y', 2), ('张三', NULL);\nCOPY t (a) FROM stdin;\nv\n\\.\n";
        for end in 0..=good.len() {
            if good.is_char_boundary(end) {
                let _ = parse(&good[..end]);
            }
        }
    }
}
