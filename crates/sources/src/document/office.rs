//! Word and PowerPoint files (docx, pptx): the text a person would read.
//!
//! The XML parts are streamed out of the zip through a [`Guard`] (the same byte budget and
//! ratio limit as archive members) into `quick-xml`, and the text goes to the sink in
//! chunks as it is read: a part that inflates to gigabytes costs neither memory nor a
//! silent cut, it stops with a located notice once a limit is reached. Headers, footers,
//! comments and notes are included: leaks hide there too.

use crate::archive::{limit_error, zip_part, Budget};
use crate::decode::Kind;
use crate::error::{guard, SourceError};
use crate::{report_error, Limits, Sink};
use leakscope_core::ObjectPath;
use quick_xml::events::Event;
use std::io::{BufReader, Cursor};

/// Text is handed to the sink in pieces of about this size, at paragraph ends.
const CHUNK_BYTES: usize = 1 << 20;

/// True for the parts of a document whose text is scanned.
fn is_text_part(kind: Kind, name: &str) -> bool {
    match kind {
        Kind::Docx => {
            name.starts_with("word/")
                && name.ends_with(".xml")
                && !name.contains("/_rels/")
                && !name.ends_with("styles.xml")
                && !name.ends_with("settings.xml")
                && !name.ends_with("fontTable.xml")
                && !name.ends_with("webSettings.xml")
                && !name.contains("theme/")
        }
        _ => {
            (name.starts_with("ppt/slides/slide") || name.starts_with("ppt/notesSlides/"))
                && name.ends_with(".xml")
        }
    }
}

/// Streams the text of a docx or pptx file to the sink as one text object. A part that
/// cannot be read is reported on the document and the other parts are still scanned; a
/// spent byte budget ends the document.
pub fn office_text(
    path: &ObjectPath,
    kind: Kind,
    bytes: &[u8],
    limits: &Limits,
    budget: &Budget,
    sink: &mut dyn Sink,
) -> Result<(), SourceError> {
    let mut archive = guard("office document", || {
        zip::ZipArchive::new(Cursor::new(bytes))
            .map_err(|e| SourceError::corrupt("office document", e))
    })?;
    let mut names: Vec<String> = archive
        .file_names()
        .filter(|n| is_text_part(kind, n))
        .map(str::to_string)
        .collect();
    // Body first, then the other parts; slides in numeric order.
    names.sort_by_key(|n| (!n.ends_with("document.xml"), n.len(), n.clone()));
    let mut out = TextOut {
        sink,
        path,
        buf: String::new(),
        begun: false,
    };
    let mut result = Ok(());
    for name in names {
        let part = guard("office document", || {
            let index = archive
                .index_for_name(&name)
                .ok_or_else(|| SourceError::corrupt("office document", "part vanished"))?;
            let reader = BufReader::new(zip_part(&mut archive, index, limits, budget)?);
            xml_text(reader, &mut out).map_err(|e| part_error(&name, e))
        });
        out.buf.push('\n');
        match part {
            Ok(()) => {}
            Err(e @ (SourceError::TotalBudget { .. } | SourceError::Encrypted { .. })) => {
                result = Err(e);
                break;
            }
            Err(e) => report_error(out.sink, path, e),
        }
    }
    out.finish();
    result
}

/// Turns a part's XML error into a source error naming the part, keeping the typed limit
/// errors of the guard underneath.
fn part_error(part: &str, e: quick_xml::Error) -> SourceError {
    if let quick_xml::Error::Io(io) = &e {
        if let Some(limit) = limit_error(io) {
            return match limit {
                SourceError::Ratio { limit, produced } => SourceError::Corrupt {
                    format: "office document",
                    detail: format!(
                        "part {part}: compression ratio over {limit}:1 after {produced} bytes (possible decompression bomb); the rest of the part was not read"
                    ),
                },
                other => other,
            };
        }
    }
    SourceError::corrupt("office document XML", format!("{part}: {e}"))
}

/// Collects document text and hands it to the sink in chunks.
struct TextOut<'a> {
    sink: &'a mut dyn Sink,
    path: &'a ObjectPath,
    buf: String,
    begun: bool,
}

impl TextOut<'_> {
    fn push(&mut self, s: &str) {
        self.buf.push_str(s);
        // One text run can be huge (a crafted part); the sink streams across chunks.
        if self.buf.len() >= CHUNK_BYTES {
            self.flush();
        }
    }

    fn push_char(&mut self, c: char) {
        self.buf.push(c);
    }

    /// At a paragraph end: passes the text on once enough has gathered.
    fn paragraph_end(&mut self) {
        self.buf.push('\n');
        if self.buf.len() >= CHUNK_BYTES {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if !self.begun {
            self.sink.begin_text(self.path, "UTF-8");
            self.begun = true;
        }
        if !self.buf.is_empty() {
            self.sink.text_chunk(&self.buf);
            self.buf.clear();
        }
    }

    fn finish(mut self) {
        self.flush();
        self.sink.end_text();
    }
}

/// Streams the character data of a WordprocessingML or DrawingML part: text runs, with a
/// newline after each paragraph and a tab for tab elements.
fn xml_text(xml: impl std::io::BufRead, out: &mut TextOut<'_>) -> Result<(), quick_xml::Error> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut in_text = false;
    loop {
        match reader.read_event_into(&mut buf)? {
            Event::Start(e) => {
                in_text = matches!(e.local_name().as_ref(), b"t");
            }
            Event::Empty(e) => match e.local_name().as_ref() {
                b"tab" => out.push_char('\t'),
                b"br" | b"cr" => out.push_char('\n'),
                _ => {}
            },
            Event::End(e) => {
                match e.local_name().as_ref() {
                    b"p" => out.paragraph_end(),
                    b"tc" => out.push_char('\t'),
                    _ => {}
                }
                in_text = false;
            }
            Event::Text(t) if in_text => {
                let raw = t.into_inner();
                let s = String::from_utf8_lossy(&raw);
                match quick_xml::escape::unescape(&s) {
                    Ok(u) => out.push(&u),
                    Err(_) => out.push(&s),
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
                    out.push_char(c);
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FieldAt, Notice};

    #[derive(Default)]
    struct Collect {
        text: String,
        chunks: usize,
    }

    impl Sink for Collect {
        fn begin_text(&mut self, _: &ObjectPath, _: &'static str) {}
        fn text_chunk(&mut self, chunk: &str) {
            self.text.push_str(chunk);
            self.chunks += 1;
        }
        fn end_text(&mut self) {}
        fn field(&mut self, _: &ObjectPath, _: FieldAt<'_>, _: &str) {}
        fn notice(&mut self, _: Notice) {}
    }

    #[test]
    fn xml_runs_and_paragraphs() {
        let xml = br#"<w:document><w:body><w:p><w:r><w:t>&#22995;&#21517;&#65306;</w:t></w:r><w:r><w:t xml:space="preserve">Zhang &amp; Li</w:t></w:r></w:p><w:p><w:r><w:t>x</w:t></w:r></w:p></w:body></w:document>"#;
        let mut sink = Collect::default();
        let path = ObjectPath::root("a.docx");
        let mut out = TextOut {
            sink: &mut sink,
            path: &path,
            buf: String::new(),
            begun: false,
        };
        xml_text(&xml[..], &mut out).unwrap();
        out.finish();
        assert_eq!(sink.text, "姓名：Zhang & Li\nx\n");
    }
}
