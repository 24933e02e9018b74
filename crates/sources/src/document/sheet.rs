//! Spreadsheets (xlsx, xlsm, xlsb, xls, ods): every cell as a field under its header.
//!
//! The first non-empty row of each sheet is the header (or the first row of two or more
//! names after lone title or preamble cells), and every cell is scanned as a field under
//! its column's header (the header row too: a sheet without headers holds values there).
//! Excel stores long numbers as floats, so an 18-digit ID typed as a number has already
//! lost digits in the file; such columns are reported.
//!
//! Hostile sheets are the reason for the shape of this module. A sheet's size is whatever
//! its cell references say, so a 2 KB file with one cell at `XFD1048576` describes a grid
//! of 17 billion cells. Nothing here allocates a grid for xlsx and xlsb: their cells are
//! streamed one by one. ods and xls are only read as whole grids by `calamine`, so their
//! grids are measured before `calamine` sees them: an ods file's from its XML, an xls
//! file's from the cell records of its BIFF stream. Every zip part is inflated once
//! through the byte budget and ratio guard before `calamine` reads it, because `calamine`
//! inflates parts without limits.

use crate::archive::{limit_error, zip_part, Budget};
use crate::error::{guard, SourceError};
use crate::{FieldAt, Limits, Notice, NoticeKind, Sink};
use calamine::{Data, DataRef, Reader, Sheets};
use leakscope_core::ObjectPath;
use quick_xml::events::{BytesStart, Event};
use std::collections::BTreeMap;
use std::io::{self, BufReader, Cursor};

/// Largest part `calamine` holds in memory as a whole (shared strings, styles, the ods
/// content); worksheets of xlsx and xlsb are streamed and are not held to it.
const MAX_HELD_PART_BYTES: u64 = 128 << 20;

/// Largest grid (rows × columns of the used area, all sheets together) an ods or xls file
/// may describe: `calamine` allocates it whole, about 56 bytes a cell.
const MAX_GRID_CELLS: u64 = 4 << 20;

/// Emits every cell of every sheet as a field named by its column header.
pub fn spreadsheet(
    path: &ObjectPath,
    bytes: &[u8],
    limits: &Limits,
    budget: &Budget,
    sink: &mut dyn Sink,
) -> Result<(), SourceError> {
    let rebuilt;
    let mut workbook = if bytes.starts_with(b"PK") {
        check_zip_parts(bytes, limits, budget)?;
        guard("spreadsheet", || open_zip_workbook(bytes))?
    } else {
        // The legacy format: its workbook stream is read with the strict `cfb` crate and
        // measured, then handed to `calamine` in a freshly written compound file, since
        // calamine's own lenient reader sizes buffers from sector numbers in the file.
        let (stream, cells) = guard("spreadsheet", || xls_workbook_stream(bytes, limits))?;
        if cells > MAX_GRID_CELLS {
            return Err(SourceError::TooLarge {
                what: "xls sheet grid (cells)",
                size: cells,
                limit: MAX_GRID_CELLS,
            });
        }
        rebuilt = guard("spreadsheet", || compound_file_of(&stream))?;
        let xls = guard("spreadsheet", || {
            calamine::Xls::new(Cursor::new(rebuilt.as_slice())).map_err(workbook_error)
        })?;
        Sheets::Xls(xls)
    };
    for name in workbook.sheet_names() {
        let sheet_path = path.child(name.clone());
        let mut rows = SheetRows::new(&sheet_path);
        let result = guard("spreadsheet", || {
            read_sheet(&mut workbook, &name, &mut rows, sink)
        });
        rows.finish(sink);
        if let Err(e) = result {
            crate::report_error(sink, &sheet_path, e);
        }
    }
    Ok(())
}

/// Opens a zip-based workbook: xlsx (and xlsm), xlsb or ods, whichever it is.
fn open_zip_workbook(bytes: &[u8]) -> Result<Sheets<Cursor<&[u8]>>, SourceError> {
    let xlsx = match calamine::Xlsx::new(Cursor::new(bytes)) {
        Ok(book) => return Ok(Sheets::Xlsx(book)),
        Err(e) => e,
    };
    if let Ok(book) = calamine::Xlsb::new(Cursor::new(bytes)) {
        return Ok(Sheets::Xlsb(book));
    }
    if let Ok(book) = calamine::Ods::new(Cursor::new(bytes)) {
        return Ok(Sheets::Ods(book));
    }
    Err(workbook_error(xlsx))
}

/// A workbook that does not open: encrypted, or damaged.
fn workbook_error(e: impl std::fmt::Display) -> SourceError {
    let text = e.to_string();
    if text.to_ascii_lowercase().contains("password") {
        SourceError::Encrypted {
            format: "spreadsheet",
        }
    } else {
        SourceError::corrupt("spreadsheet", text)
    }
}

/// A new compound file holding `stream` as its workbook stream.
fn compound_file_of(stream: &[u8]) -> Result<Vec<u8>, SourceError> {
    use std::io::Write;
    let io = |e: io::Error| SourceError::corrupt("xls", e);
    // Version 3 (512-byte sectors), which every xls reader knows.
    let mut file =
        cfb::CompoundFile::create_with_version(cfb::Version::V3, Cursor::new(Vec::new()))
            .map_err(io)?;
    file.create_stream("/Workbook")
        .and_then(|mut s| s.write_all(stream))
        .map_err(io)?;
    file.flush().map_err(io)?;
    Ok(file.into_inner().into_inner())
}

/// Feeds one sheet's cells to `rows`: streamed for xlsx and xlsb, from the grid otherwise.
fn read_sheet(
    workbook: &mut Sheets<Cursor<&[u8]>>,
    name: &str,
    rows: &mut SheetRows,
    sink: &mut dyn Sink,
) -> Result<(), SourceError> {
    let corrupt = |e: &dyn std::fmt::Display| SourceError::corrupt("spreadsheet sheet", e);
    match workbook {
        Sheets::Xlsx(book) => {
            let mut cells = book.worksheet_cells_reader(name).map_err(|e| corrupt(&e))?;
            while let Some(cell) = cells.next_cell().map_err(|e| corrupt(&e))? {
                let (row, col) = cell.get_position();
                rows.cell(row, col, ref_text(cell.get_value()), sink);
            }
        }
        Sheets::Xlsb(book) => {
            let mut cells = book.worksheet_cells_reader(name).map_err(|e| corrupt(&e))?;
            while let Some(cell) = cells.next_cell().map_err(|e| corrupt(&e))? {
                let (row, col) = cell.get_position();
                rows.cell(row, col, ref_text(cell.get_value()), sink);
            }
        }
        Sheets::Xls(_) | Sheets::Ods(_) => {
            let range = workbook.worksheet_range(name).map_err(|e| corrupt(&e))?;
            for (row, col, value) in range.used_cells() {
                let (row0, col0) = range.start().unwrap_or((0, 0));
                let (row, col) = (row0 + row as u32, col0 + col as u32);
                rows.cell(row, col, data_text(value), sink);
            }
        }
    }
    Ok(())
}

/// A cell's text, and whether it is a float of 16+ digits (already rounded in the file).
struct CellText {
    text: String,
    big_float: bool,
}

fn float_text(f: f64) -> CellText {
    let text = if f.fract() == 0.0 && f.abs() < 9.0e15 {
        format!("{}", f as i64)
    } else if f.abs() >= 9.0e15 {
        // Beyond 2^53 a double holds no exact integer: written out in full, the number
        // would end in invented zeros that a check digit could pass by chance, giving a
        // "valid" identifier that never existed. It reads as the spreadsheet shows it
        // (`6.22848040256489E18`), and the column's notice says why.
        format!("{f:E}")
    } else {
        f.to_string()
    };
    CellText {
        text,
        big_float: f.abs() >= 1e15,
    }
}

fn plain(text: String) -> CellText {
    CellText {
        text,
        big_float: false,
    }
}

fn data_text(cell: &Data) -> CellText {
    match cell {
        Data::Empty => plain(String::new()),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => plain(s.clone()),
        Data::Float(f) => float_text(*f),
        Data::Int(i) => plain(i.to_string()),
        Data::Bool(b) => plain(b.to_string()),
        Data::DateTime(d) => plain(d.to_string()),
        Data::Error(e) => plain(format!("{e:?}")),
    }
}

fn ref_text(cell: &DataRef<'_>) -> CellText {
    match cell {
        DataRef::Empty => plain(String::new()),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => plain(s.clone()),
        DataRef::SharedString(s) => plain((*s).to_string()),
        DataRef::Float(f) => float_text(*f),
        DataRef::Int(i) => plain(i.to_string()),
        DataRef::Bool(b) => plain(b.to_string()),
        DataRef::DateTime(d) => plain(d.to_string()),
        DataRef::Error(e) => plain(format!("{e:?}")),
    }
}

/// Gathers one sheet's cells a row at a time: the first non-empty row names the columns,
/// unless it is a title: lone cells above a row of two or more headers (`2023年客户回访名单`
/// over `序号 | 姓名 | 联系方式`, a payment bill's preamble), as office exports put them.
struct SheetRows {
    sheet_path: ObjectPath,
    header: Option<BTreeMap<u32, String>>,
    /// First rows of one cell each (a title, a bill's preamble), held until a later row
    /// says whether they stand above the header or are the header and records of a
    /// one-column sheet; at most [`MAX_PREAMBLE`].
    title: Vec<(u32, Vec<(u32, CellText)>)>,
    row: u32,
    cells: Vec<(u32, CellText)>,
    float_id_columns: Vec<String>,
}

impl SheetRows {
    fn new(sheet_path: &ObjectPath) -> Self {
        SheetRows {
            sheet_path: sheet_path.clone(),
            header: None,
            title: Vec::new(),
            row: 0,
            cells: Vec::new(),
            float_id_columns: Vec::new(),
        }
    }

    fn cell(&mut self, row: u32, col: u32, value: CellText, sink: &mut dyn Sink) {
        if value.text.is_empty() {
            return;
        }
        if row != self.row {
            self.flush_row(sink);
            self.row = row;
        }
        self.cells.push((col, value));
    }

    fn flush_row(&mut self, sink: &mut dyn Sink) {
        if self.cells.is_empty() {
            return;
        }
        // The row's buffer is handed back emptied, so it keeps its room between rows.
        let mut cells = std::mem::take(&mut self.cells);
        if self.header.is_none() {
            let data = crate::structured::is_data_row(cells.iter().map(|(_, v)| v.text.as_str()));
            if cells.len() == 1 && !data && self.title.len() < MAX_PREAMBLE {
                self.title.push((self.row, cells));
                return;
            }
            if self.title.is_empty() {
                // A sheet that starts with a record has no header: its columns go by letter.
                self.header = Some(if data {
                    BTreeMap::new()
                } else {
                    header_of(&cells)
                });
            } else if cells.len() >= 2 && !data {
                // The lone cells were a title or a preamble: their text goes by its
                // column's letter, and this row names the columns.
                self.header = Some(BTreeMap::new());
                self.release_title(sink);
                self.header = Some(header_of(&cells));
            } else {
                // The first lone cell was the header of a one-column sheet, or of a sheet
                // whose next row is already a record.
                self.header = Some(header_of(&self.title[0].1));
                self.release_title(sink);
            }
        }
        self.emit(self.row, &mut cells, sink);
        self.cells = cells;
    }

    /// Hands the held lone-cell rows to the sink, in order, under the header now known.
    fn release_title(&mut self, sink: &mut dyn Sink) {
        for (row, mut cells) in std::mem::take(&mut self.title) {
            self.emit(row, &mut cells, sink);
        }
    }

    /// Hands the cells of sheet row `row` (0-based) to the sink, each under its header,
    /// and leaves `cells` empty.
    fn emit(&mut self, row: u32, cells: &mut Vec<(u32, CellText)>, sink: &mut dyn Sink) {
        let header = self.header.get_or_insert_with(BTreeMap::new);
        let line = u64::from(row) + 1;
        let record = format!("{}#row {line}", self.sheet_path);
        for (col, value) in cells.drain(..) {
            let column = match header.get(&col).filter(|h| !h.is_empty()) {
                Some(h) => h.clone(),
                None => column_letter(col as usize),
            };
            if value.big_float && !self.float_id_columns.contains(&column) {
                self.float_id_columns.push(column.clone());
            }
            sink.field(
                &self.sheet_path,
                FieldAt {
                    field: &column,
                    line: Some(line),
                    offset: None,
                    record: &record,
                },
                &value.text,
            );
        }
    }

    fn finish(mut self, sink: &mut dyn Sink) {
        self.flush_row(sink);
        // A sheet of lone cells only: the first is its header, as any first row is.
        if let Some((_, first)) = self.title.first() {
            self.header = Some(header_of(first));
            self.release_title(sink);
        }
        for column in self.float_id_columns {
            sink.notice(Notice {
                path: self.sheet_path.to_string(),
                kind: NoticeKind::Info,
                message: format!("column `{column}` stores numbers of 16+ digits as floating point; their last digits are already lost in the file, so identifiers there cannot be validated"),
            });
        }
    }
}

/// The most lone-cell rows held above a header (a title, a payment bill's preamble of
/// about sixteen lines): past them, the first is the header of a one-column sheet.
const MAX_PREAMBLE: usize = 32;

/// The column names a header row gives, by column index.
fn header_of(cells: &[(u32, CellText)]) -> BTreeMap<u32, String> {
    cells.iter().map(|(c, v)| (*c, v.text.clone())).collect()
}

/// The column letters of a 0-based column index (0 is `A`, 26 is `AA`).
fn column_letter(mut index: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// Inflates every part of a zip-based workbook once, through the byte budget and the
/// ratio guard, and measures what `calamine` would hold: parts it keeps whole must stay
/// under [`MAX_HELD_PART_BYTES`], and an ods grid under [`MAX_GRID_CELLS`].
fn check_zip_parts(bytes: &[u8], limits: &Limits, budget: &Budget) -> Result<(), SourceError> {
    guard("spreadsheet", || {
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
            .map_err(|e| SourceError::corrupt("spreadsheet", e))?;
        for i in 0..archive.len() {
            let name = archive.name_for_index(i).unwrap_or_default().to_string();
            let streamed = name.starts_with("xl/worksheets/");
            let mut part = CountedRead {
                inner: zip_part(&mut archive, i, limits, budget).map_err(|e| match e {
                    SourceError::Encrypted { .. } => SourceError::Encrypted {
                        format: "spreadsheet",
                    },
                    other => other,
                })?,
                count: 0,
            };
            if name == "content.xml" {
                let cells =
                    ods_grid_cells(BufReader::new(&mut part)).map_err(|e| read_error(&name, e))?;
                if cells > MAX_GRID_CELLS {
                    return Err(SourceError::TooLarge {
                        what: "ods sheet grid (cells)",
                        size: cells,
                        limit: MAX_GRID_CELLS,
                    });
                }
            }
            io::copy(&mut part, &mut io::sink()).map_err(|e| read_error(&name, e))?;
            let held = part.count;
            if !streamed && held > MAX_HELD_PART_BYTES {
                return Err(SourceError::TooLarge {
                    what: "spreadsheet part",
                    size: held,
                    limit: MAX_HELD_PART_BYTES,
                });
            }
        }
        Ok(())
    })
}

/// Counts the bytes read through it.
struct CountedRead<R> {
    inner: R,
    count: u64,
}

impl<R: io::Read> io::Read for CountedRead<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

fn read_error(part: &str, e: io::Error) -> SourceError {
    limit_error(&e).unwrap_or_else(|| SourceError::corrupt("spreadsheet", format!("{part}: {e}")))
}

/// The number of cells the used areas of an ods file's tables span, as `calamine` would
/// allocate them: rows and columns repeated by `number-rows-repeated` and
/// `number-columns-repeated` count as many times as they repeat, from the first to the
/// last non-empty row and up to the furthest non-empty column.
fn ods_grid_cells(xml: impl std::io::BufRead) -> io::Result<u64> {
    fn repeats(e: &BytesStart<'_>, key: &[u8]) -> u64 {
        e.attributes()
            .flatten()
            .find(|a| a.key.local_name().as_ref() == key)
            .and_then(|a| std::str::from_utf8(&a.value).ok()?.parse::<u64>().ok())
            .unwrap_or(1)
            .max(1)
    }
    fn is_cell(e: &BytesStart<'_>) -> bool {
        matches!(
            e.local_name().as_ref(),
            b"table-cell" | b"covered-table-cell"
        )
    }
    fn has_value(e: &BytesStart<'_>) -> bool {
        e.attributes()
            .flatten()
            .any(|a| a.key.local_name().as_ref() == b"value-type")
    }
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut total: u64 = 0;
    // Per table: next row index, first and last non-empty row, widest non-empty column.
    let (mut row, mut first, mut last_end, mut width) = (0u64, None::<u64>, 0u64, 0u64);
    // Per row: its repeat count, next column, and its furthest non-empty column.
    let (mut row_repeats, mut col, mut row_width) = (1u64, 0u64, 0u64);
    loop {
        let event = reader.read_event_into(&mut buf).map_err(|e| match e {
            quick_xml::Error::Io(io) => io::Error::new(io.kind(), io.to_string()),
            other => io::Error::other(other.to_string()),
        })?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) if is_cell(e) => {
                // A cell with content (a start tag) or a value type is not empty.
                let filled = matches!(event, Event::Start(_)) || has_value(e);
                col = col.saturating_add(repeats(e, b"number-columns-repeated"));
                if filled {
                    row_width = col;
                }
            }
            Event::Start(e) if e.local_name().as_ref() == b"table-row" => {
                row_repeats = repeats(&e, b"number-rows-repeated");
                col = 0;
                row_width = 0;
            }
            Event::End(e) if e.local_name().as_ref() == b"table-row" => {
                if row_width > 0 {
                    first.get_or_insert(row);
                    last_end = row.saturating_add(row_repeats);
                    width = width.max(row_width);
                }
                row = row.saturating_add(row_repeats);
            }
            Event::End(e) if e.local_name().as_ref() == b"table" => {
                if let Some(first) = first {
                    total = total.saturating_add((last_end - first).saturating_mul(width));
                }
                (row, first, last_end, width) = (0, None, 0, 0);
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(total)
}

/// An xls file's workbook stream (with its DIMENSIONS records zeroed, see below), and the
/// number of cells the used areas of its sheets span, as `calamine` would allocate them: the bounding box of each sheet's cell records in the BIFF8 workbook
/// stream (BOF of a worksheet to its EOF), summed over sheets.
fn xls_workbook_stream(bytes: &[u8], limits: &Limits) -> Result<(Vec<u8>, u64), SourceError> {
    use std::io::Read;
    // `calamine` reads damaged compound files that `cfb` refuses; since such a file's grid
    // cannot be measured, it is not handed over.
    let mut file =
        cfb::CompoundFile::open(Cursor::new(bytes)).map_err(|e| SourceError::corrupt("xls", e))?;
    let mut stream = Vec::new();
    let name = ["/Workbook", "/Book"]
        .into_iter()
        .find(|n| file.is_stream(n))
        .ok_or_else(|| SourceError::corrupt("xls", "no Workbook stream"))?;
    file.open_stream(name)
        .map_err(|e| SourceError::corrupt("xls", e))?
        .take(limits.max_object_bytes)
        .read_to_end(&mut stream)
        .map_err(|e| SourceError::corrupt("xls", e))?;
    let u16_at = |d: &[u8], i: usize| {
        d.get(i..i + 2)
            .map(|b| u64::from(u16::from_le_bytes([b[0], b[1]])))
    };
    let mut total: u64 = 0;
    // Per sheet: rows and columns seen, as (min, max).
    let mut rows: Option<(u64, u64)> = None;
    let mut cols: Option<(u64, u64)> = None;
    let widen = |span: &mut Option<(u64, u64)>, lo: u64, hi: u64| {
        *span = Some(match *span {
            Some((a, b)) => (a.min(lo), b.max(hi)),
            None => (lo, hi),
        });
    };
    let mut at = 0;
    while let (Some(kind), Some(len)) = (u16_at(&stream, at), u16_at(&stream, at + 2)) {
        let body = at + 4..(at + 4 + len as usize).min(stream.len());
        at += 4 + len as usize;
        if kind == 0x0200 {
            // DIMENSIONS: calamine reserves its declared area (up to 2^32 rows) before
            // reading a cell. It is only a hint: zeroed, it declares one cell.
            if let Some(d) = stream.get_mut(body) {
                d.fill(0);
            }
            continue;
        }
        let data = stream.get(body).unwrap_or(&[]);
        match kind {
            // NUMBER, RK, LABELSST, LABEL, BOOLERR, FORMULA, BLANK: row, then column.
            0x0203 | 0x027E | 0x00FD | 0x0204 | 0x0205 | 0x0006 | 0x0201 => {
                if let (Some(r), Some(c)) = (u16_at(data, 0), u16_at(data, 2)) {
                    widen(&mut rows, r, r);
                    widen(&mut cols, c, c);
                }
            }
            // MULRK, MULBLANK: row, first column, ..., last column.
            0x00BD | 0x00BE => {
                if let (Some(r), Some(first), Some(last)) = (
                    u16_at(data, 0),
                    u16_at(data, 2),
                    data.len().checked_sub(2).and_then(|i| u16_at(data, i)),
                ) {
                    widen(&mut rows, r, r);
                    widen(&mut cols, first.min(last), first.max(last));
                }
            }
            // EOF: a sheet (or the workbook globals) ends.
            0x000A => {
                if let (Some((r0, r1)), Some((c0, c1))) = (rows.take(), cols.take()) {
                    total = total.saturating_add((r1 - r0 + 1) * (c1 - c0 + 1));
                }
            }
            _ => {}
        }
    }
    if let (Some((r0, r1)), Some((c0, c1))) = (rows, cols) {
        total = total.saturating_add((r1 - r0 + 1) * (c1 - c0 + 1));
    }
    Ok((stream, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
    }

    #[test]
    fn ods_grids_count_repeats_inside_the_used_area() {
        let xml = br#"<office:body><table:table>
            <table:table-row><table:table-cell office:value-type="string"><text:p>a</text:p></table:table-cell><table:table-cell table:number-columns-repeated="16000"/></table:table-row>
            <table:table-row table:number-rows-repeated="1000"><table:table-cell table:number-columns-repeated="3"/></table:table-row>
            <table:table-row><table:table-cell table:number-columns-repeated="2"/><table:table-cell office:value-type="float"/></table:table-row>
            <table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>
        </table:table></office:body>"#;
        // 1002 rows from the first to the last non-empty row, 3 columns wide.
        assert_eq!(ods_grid_cells(&xml[..]).unwrap(), 1002 * 3);
        let bomb = br#"<table:table><table:table-row table:number-rows-repeated="1048576"><table:table-cell office:value-type="float" table:number-columns-repeated="16384"/></table:table-row></table:table>"#;
        assert_eq!(ods_grid_cells(&bomb[..]).unwrap(), 1_048_576 * 16_384);
    }
}
