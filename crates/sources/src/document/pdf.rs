//! PDF: the text layer, via `pdf-extract`.
//!
//! `pdf-extract` (over `lopdf`) inflates every stream it reads whole and without limits,
//! so a 1 MB file holding one Flate stream that inflates to a gibibyte would cost gigabytes.
//! Before the file is handed over, every Flate stream that is not an image is inflated
//! once into nothing, counting bytes against the object's budget and a per-stream cap;
//! a file with a stream over the cap is skipped with a notice naming the stream's offset.
//! Images are left alone: text extraction never inflates them. Scanned pages have no text
//! layer; CJK text depends on the font's ToUnicode map.

use crate::archive::{limit_error, Budget, Guard};
use crate::error::{guard, SourceError};
use crate::{emit_text, Limits, Notice, NoticeKind, Sink};
use leakscope_core::ObjectPath;
use std::io::{self, Read};

/// Largest inflated size of one non-image stream (page contents, fonts, object streams).
const MAX_STREAM_BYTES: u64 = 64 << 20;

/// How far before a `stream` keyword its dictionary is looked for.
const DICT_LOOKBACK: usize = 4096;

/// Extracts the PDF text layer and emits it as one text object.
pub fn pdf(
    path: &ObjectPath,
    bytes: &[u8],
    limits: &Limits,
    budget: &Budget,
    sink: &mut dyn Sink,
) -> Result<(), SourceError> {
    check_streams(bytes, limits, budget)?;
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

/// Inflates every Flate stream that is not an image, counting, and refuses the file when
/// one exceeds [`MAX_STREAM_BYTES`] or the object's budget runs out.
fn check_streams(bytes: &[u8], limits: &Limits, budget: &Budget) -> Result<(), SourceError> {
    let finder = memchr::memmem::Finder::new(b"stream");
    let mut at = 0;
    while let Some(found) = finder.find(&bytes[at..]) {
        let keyword = at + found;
        at = keyword + b"stream".len();
        if keyword >= 3 && &bytes[keyword - 3..keyword] == b"end" {
            continue;
        }
        let data = match bytes.get(at..) {
            Some(rest) if rest.starts_with(b"\r\n") => at + 2,
            Some(rest) if rest.starts_with(b"\n") || rest.starts_with(b"\r") => at + 1,
            _ => continue,
        };
        let dict = &bytes[keyword.saturating_sub(DICT_LOOKBACK)..keyword];
        let dict = match memchr::memmem::rfind(dict, b"obj") {
            Some(start) => &dict[start..],
            None => dict,
        };
        if memchr::memmem::find(dict, b"FlateDecode").is_none()
            || memchr::memmem::find(dict, b"/Image").is_some()
        {
            continue;
        }
        let compressed = bytes.len() - data;
        let inflater = flate2::read::ZlibDecoder::new(&bytes[data..]);
        let mut guarded = Guard::new(inflater, compressed as u64, limits, budget);
        let copied = io::copy(
            &mut (&mut guarded).take(MAX_STREAM_BYTES + 1),
            &mut io::sink(),
        );
        if let Err(e) = copied {
            // A damaged stream is the extractor's business; only a limit stops the file.
            if let Some(limit) = limit_error(&e) {
                return Err(limit);
            }
        }
        if guarded.produced() > MAX_STREAM_BYTES {
            return Err(SourceError::Inflation {
                what: "PDF stream",
                offset: keyword as u64,
                limit: MAX_STREAM_BYTES,
            });
        }
        at = data;
    }
    Ok(())
}
