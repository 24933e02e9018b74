//! Office documents and PDF: the text a person would read, or cells with their headers.
//!
//! - docx/pptx: the XML parts are read from the zip with `quick-xml`; runs of text become
//!   lines per paragraph. Headers, footers, comments and notes are included: leaks hide
//!   there too.
//! - Spreadsheets (xlsx, xlsm, xlsb, xls, ods) go through `calamine`; the first non-empty
//!   row of each sheet is the header, and every cell below is scanned as a field under its
//!   header's name. Excel stores long numbers as floats, so an 18-digit ID typed as a
//!   number has already lost digits in the file; such columns are reported.
//! - PDF: the text layer via `pdf-extract`. Scanned images have no text layer; CJK text
//!   depends on the font's ToUnicode map.

use crate::decode::Kind;
use crate::error::{guard, SourceError};
use crate::{emit_text, FieldAt, Notice, NoticeKind, Sink};
use calamine::{Data, Reader};
use leakscope_core::ObjectPath;
use quick_xml::events::Event;
use std::io::{Cursor, Read};

/// Extracts and emits the text of a docx or pptx file as one text object.
pub fn office_text(
    path: &ObjectPath,
    kind: Kind,
    bytes: &[u8],
    sink: &mut dyn Sink,
) -> Result<(), SourceError> {
    let text = guard("office document", || {
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
            .map_err(|e| SourceError::corrupt("office document", e))?;
        let mut names: Vec<String> = archive
            .file_names()
            .filter(|n| match kind {
                Kind::Docx => {
                    n.starts_with("word/")
                        && n.ends_with(".xml")
                        && !n.contains("/_rels/")
                        && !n.ends_with("styles.xml")
                        && !n.ends_with("settings.xml")
                        && !n.ends_with("fontTable.xml")
                        && !n.ends_with("webSettings.xml")
                        && !n.contains("theme/")
                }
                _ => {
                    (n.starts_with("ppt/slides/slide") || n.starts_with("ppt/notesSlides/"))
                        && n.ends_with(".xml")
                }
            })
            .map(str::to_string)
            .collect();
        // Body first, then the other parts; slides in numeric order.
        names.sort_by_key(|n| (!n.ends_with("document.xml"), n.len(), n.clone()));
        let mut text = String::new();
        for name in names {
            let mut xml = Vec::new();
            let mut part = archive
                .by_name(&name)
                .map_err(|e| SourceError::corrupt("office document", e))?;
            part.by_ref().take(64 << 20).read_to_end(&mut xml)?;
            xml_text(&xml, &mut text)
                .map_err(|e| SourceError::corrupt("office document XML", format!("{name}: {e}")))?;
            text.push('\n');
        }
        Ok(text)
    })?;
    emit_text(sink, path, "UTF-8", &text);
    Ok(())
}

/// Appends the character data of a WordprocessingML or DrawingML part: text runs, with a
/// newline after each paragraph and a tab for tab elements.
fn xml_text(xml: &[u8], out: &mut String) -> Result<(), quick_xml::Error> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut in_text = false;
    loop {
        match reader.read_event_into(&mut buf)? {
            Event::Start(e) => {
                in_text = matches!(e.local_name().as_ref(), b"t");
            }
            Event::Empty(e) => match e.local_name().as_ref() {
                b"tab" => out.push('\t'),
                b"br" | b"cr" => out.push('\n'),
                _ => {}
            },
            Event::End(e) => {
                match e.local_name().as_ref() {
                    b"p" => out.push('\n'),
                    b"tc" => out.push('\t'),
                    _ => {}
                }
                in_text = false;
            }
            Event::Text(t) if in_text => {
                let raw = t.into_inner();
                let s = String::from_utf8_lossy(&raw);
                match quick_xml::escape::unescape(&s) {
                    Ok(u) => out.push_str(&u),
                    Err(_) => out.push_str(&s),
                }
            }
            Event::GeneralRef(r) if in_text => {
                let name = String::from_utf8_lossy(&r);
                let resolved = match name.as_ref() {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    n if n.starts_with("#x") => u32::from_str_radix(&n[2..], 16)
                        .ok()
                        .and_then(char::from_u32),
                    n if n.starts_with('#') => n[1..].parse().ok().and_then(char::from_u32),
                    _ => None,
                };
                if let Some(c) = resolved {
                    out.push(c);
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(())
}

/// Emits every cell of every sheet as a field named by its column header.
pub fn spreadsheet(
    path: &ObjectPath,
    bytes: &[u8],
    sink: &mut dyn Sink,
) -> Result<(), SourceError> {
    let sheets = guard("spreadsheet", || {
        let mut workbook = calamine::open_workbook_auto_from_rs(Cursor::new(bytes.to_vec()))
            .map_err(|e| SourceError::corrupt("spreadsheet", e))?;
        let mut out = Vec::new();
        for name in workbook.sheet_names() {
            match workbook.worksheet_range(&name) {
                Ok(range) => out.push((name, Ok(range))),
                Err(e) => out.push((name, Err(SourceError::corrupt("spreadsheet sheet", e)))),
            }
        }
        Ok(out)
    })?;
    for (name, range) in sheets {
        let sheet_path = path.child(name.clone());
        let range = match range {
            Ok(r) => r,
            Err(e) => {
                crate::report_error(sink, &sheet_path, e);
                continue;
            }
        };
        let (row0, col0) = range.start().unwrap_or((0, 0));
        let mut header: Option<Vec<String>> = None;
        let mut float_id_columns: Vec<String> = Vec::new();
        for (r, row) in range.rows().enumerate() {
            let line = u64::from(row0) + r as u64 + 1;
            if header.is_none() {
                if row.iter().all(|c| matches!(c, Data::Empty)) {
                    continue;
                }
                header = Some(row.iter().map(cell_text).collect());
                // The header row itself may hold values (a sheet without headers).
            }
            let head = header.as_ref().expect("set above");
            let record = format!("{sheet_path}#row {line}");
            for (c, cell) in row.iter().enumerate() {
                let value = cell_text(cell);
                if value.is_empty() {
                    continue;
                }
                let column = match head.get(c).filter(|h| !h.is_empty()) {
                    Some(h) => h.clone(),
                    None => column_letter(u32::from(col0 as u16) as usize + c),
                };
                if let Data::Float(f) = cell {
                    if f.abs() >= 1e15 && !float_id_columns.contains(&column) {
                        float_id_columns.push(column.clone());
                    }
                }
                sink.field(
                    &sheet_path,
                    FieldAt {
                        field: &column,
                        line: Some(line),
                        offset: None,
                        record: &record,
                    },
                    &value,
                );
            }
        }
        for column in float_id_columns {
            sink.notice(Notice {
                path: sheet_path.to_string(),
                kind: NoticeKind::Info,
                message: format!("column `{column}` stores numbers of 16+ digits as floating point; their last digits are already lost in the file, so identifiers there cannot be validated"),
            });
        }
    }
    Ok(())
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => d.to_string(),
        Data::Error(e) => format!("{e:?}"),
    }
}

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

/// Extracts the PDF text layer and emits it as one text object.
pub fn pdf(path: &ObjectPath, bytes: &[u8], sink: &mut dyn Sink) -> Result<(), SourceError> {
    let text = guard("pdf", || {
        pdf_extract::extract_text_from_mem(bytes).map_err(|e| {
            let msg = e.to_string();
            if msg.to_ascii_lowercase().contains("encrypt") {
                SourceError::Encrypted { format: "pdf" }
            } else {
                SourceError::corrupt("pdf", msg)
            }
        })
    })?;
    if text.trim().is_empty() {
        sink.notice(Notice {
            path: path.to_string(),
            kind: NoticeKind::Info,
            message: "PDF has no text layer (scanned pages?); nothing to scan".to_string(),
        });
    }
    emit_text(sink, path, "UTF-8", &text);
    Ok(())
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
    fn xml_runs_and_paragraphs() {
        let xml = br#"<w:document><w:body><w:p><w:r><w:t>&#22995;&#21517;&#65306;</w:t></w:r><w:r><w:t xml:space="preserve">Zhang &amp; Li</w:t></w:r></w:p><w:p><w:r><w:t>x</w:t></w:r></w:p></w:body></w:document>"#;
        let mut out = String::new();
        xml_text(xml, &mut out).unwrap();
        assert_eq!(out, "姓名：Zhang & Li\nx\n");
    }
}
