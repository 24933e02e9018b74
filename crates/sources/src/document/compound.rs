//! Legacy Office files and other OLE2 compound files (doc, ppt, msg, wps, dps): the
//! readable strings of every stream, UTF-16 first.
//!
//! Word 97-2003 keeps a document's text in its `WordDocument` stream as UTF-16LE whenever
//! it holds a character outside one code page (Chinese text always), PowerPoint keeps
//! slide text in UTF-16 text atoms, and Outlook keeps a message's subject, body and
//! addresses in UTF-16 property streams. Read as bytes, none of that is text, not even
//! the digits of an ID. So each stream is read through `cfb`, and its UTF-16LE runs (and,
//! for text Word stored in 8 bits, the runs the binary-strings pass finds) become the
//! lines of one text object for the file.
//!
//! Streams are not compressed, but a crafted directory can point many streams at the
//! same sectors; the bytes read over all streams are capped at a small multiple of the
//! file's size (and the object limit), and a file over the cap is reported, not read on.

use crate::archive::Budget;
use crate::error::{guard, SourceError};
use crate::{emit_text, Limits, Sink};
use leakscope_core::ObjectPath;
use std::io::{Cursor, Read};

/// Fewest UTF-16 code units in a run kept as text: a short run is as likely to be two
/// numbers of a table read as characters.
const MIN_UTF16_RUN: usize = 4;

/// Streams may be read, all together, this many times the file's size.
const READ_FACTOR: u64 = 2;

/// The stream of an Outlook message's attachment that holds the attached file's bytes
/// (`PR_ATTACH_DATA_BIN`), inside its `__attach_version1.0_#…` storage.
const ATTACHMENT_DATA: &str = "__substg1.0_37010102";

/// The attachment's file name (`PR_ATTACH_LONG_FILENAME`, then the short one), UTF-16.
const ATTACHMENT_NAMES: [&str; 2] = ["__substg1.0_3707001F", "__substg1.0_3704001F"];

/// What a compound file holds for the scan: the strings of its streams, and the files
/// attached to an Outlook message (name, bytes).
struct Extracted {
    text: String,
    attachments: Vec<(String, Vec<u8>)>,
}

/// Extracts the strings of a compound file's streams and emits them as one text object;
/// the files attached to an Outlook message are decoded as members
/// (`mail.msg!/attachments/ids.xlsx`), since a spreadsheet or archive read as strings
/// shows nothing.
pub fn compound_text(
    path: &ObjectPath,
    bytes: &[u8],
    limits: &Limits,
    budget: &Budget,
    sink: &mut dyn Sink,
) -> Result<(), SourceError> {
    let extracted = guard("compound file", || extract(bytes, limits))?;
    emit_text(sink, path, "UTF-16LE", &extracted.text);
    // Named as a mail's attachments are (`inbox.mbox!/3/attachments/x.csv`).
    for (name, data) in extracted.attachments {
        let child = path.child(format!("attachments/{name}"));
        crate::decode_bytes(&child, &name, &data, limits, budget, sink);
    }
    Ok(())
}

/// Reads every stream and collects its strings, one run per line, and the attachments.
fn extract(bytes: &[u8], limits: &Limits) -> Result<Extracted, SourceError> {
    let corrupt = |e: std::io::Error| SourceError::corrupt("compound file", e);
    let mut file = cfb::CompoundFile::open(Cursor::new(bytes)).map_err(corrupt)?;
    let streams: Vec<std::path::PathBuf> = file
        .walk()
        .filter(|entry| entry.is_stream())
        .map(|entry| entry.path().to_path_buf())
        .collect();
    let cap = (bytes.len() as u64)
        .saturating_mul(READ_FACTOR)
        .min(limits.max_object_bytes);
    let mut read = 0u64;
    let mut out = Extracted {
        text: String::new(),
        attachments: Vec::new(),
    };
    let mut data = Vec::new();
    for name in &streams {
        data.clear();
        let stream = file.open_stream(name).map_err(corrupt)?;
        stream
            .take(cap - read + 1)
            .read_to_end(&mut data)
            .map_err(corrupt)?;
        read += data.len() as u64;
        if read > cap {
            return Err(SourceError::TooLarge {
                what: "compound file streams",
                size: read,
                limit: cap,
            });
        }
        if name.file_name().is_some_and(|n| n == ATTACHMENT_DATA) {
            let folder = name.parent().unwrap_or(name);
            let label = attachment_name(&mut file, folder)
                .unwrap_or_else(|| format!("attachment-{}", out.attachments.len() + 1));
            out.attachments.push((label, std::mem::take(&mut data)));
            continue;
        }
        utf16_runs(&data, &mut out.text);
        crate::text::binary_strings(&data, &mut out.text);
    }
    Ok(out)
}

/// The file name an Outlook attachment's storage gives it, if it gives one.
fn attachment_name(
    file: &mut cfb::CompoundFile<Cursor<&[u8]>>,
    folder: &std::path::Path,
) -> Option<String> {
    ATTACHMENT_NAMES.iter().find_map(|stream| {
        let mut bytes = Vec::new();
        file.open_stream(folder.join(stream))
            .ok()?
            .take(1024)
            .read_to_end(&mut bytes)
            .ok()?;
        let units: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|p| u16::from_le_bytes([p[0], p[1]]))
            .take_while(|u| *u != 0)
            .collect();
        let name = String::from_utf16_lossy(&units);
        // A member name, not a path: whatever a sender put there.
        let name = name
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        (!name.is_empty()).then_some(name)
    })
}

/// What a UTF-16 code unit becomes in a run: the character, a line break for Word's
/// paragraph and cell marks, or `None` when it ends the run. Letters, digits and
/// punctuation of the scripts the detectors read count; control codes, private use,
/// surrogates and the rarely used blocks (where binary data read as UTF-16 mostly lands)
/// do not.
fn utf16_char(unit: u16) -> Option<char> {
    match unit {
        0x0D | 0x0B | 0x07 => Some('\n'),
        0x09 | 0x0A | 0x20..=0x7E | 0xA0..=0x024F | 0x2010..=0x203A => char::from_u32(unit.into()),
        0x3000..=0x303F | 0x4E00..=0x9FFF | 0xFF01..=0xFF5E => char::from_u32(unit.into()),
        _ => None,
    }
}

/// Appends the runs of UTF-16LE text in `data` (at even offsets) to `out`, a line each.
fn utf16_runs(data: &[u8], out: &mut String) {
    let mut run = String::new();
    let mut units = 0usize;
    let mut flush = |run: &mut String, units: &mut usize| {
        if *units >= MIN_UTF16_RUN && run.chars().any(|c| !c.is_whitespace()) {
            out.push_str(run.trim_end());
            out.push('\n');
        }
        run.clear();
        *units = 0;
    };
    for pair in data.chunks_exact(2) {
        match utf16_char(u16::from_le_bytes([pair[0], pair[1]])) {
            Some(c) => {
                run.push(c);
                units += 1;
            }
            None => flush(&mut run, &mut units),
        }
    }
    flush(&mut run, &mut units);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn utf16(text: &str) -> Vec<u8> {
        text.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    /// A compound file with the given streams, as Word or Outlook would write one.
    fn compound(streams: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
        for (name, data) in streams {
            file.create_stream(name).unwrap().write_all(data).unwrap();
        }
        file.flush().unwrap();
        file.into_inner().into_inner()
    }

    #[test]
    fn utf16_text_and_ascii_runs_come_out_as_lines() {
        let mut body = vec![0u8, 1, 2, 3];
        body.extend(utf16("客户王芳\r身份证号码110101199003071233\r"));
        body.extend([0xFF, 0xFE, 0x00, 0xD8]);
        body.extend(b"\x00\x01mobile 13812345678\x00");
        let bytes = compound(&[("WordDocument", body), ("Other", utf16("ab"))]);
        let text = extract(&bytes, &Limits::default()).unwrap().text;
        assert!(
            text.contains("客户王芳\n身份证号码110101199003071233\n"),
            "{text}"
        );
        assert!(text.contains("mobile 13812345678\n"), "{text}");
        assert!(
            !text.contains("ab\n"),
            "a run shorter than four units is dropped"
        );
    }

    #[test]
    fn binary_noise_and_corrupt_files_do_not_stop_anything() {
        assert!(extract(
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1garbage",
            &Limits::default()
        )
        .is_err());
        let noise: Vec<u8> = (0..4096u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let bytes = compound(&[("Data", noise)]);
        assert!(extract(&bytes, &Limits::default()).is_ok());
    }

    #[test]
    fn outlook_attachments_are_decoded_as_members() {
        let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
        file.create_stream("__substg1.0_1000001F")
            .unwrap()
            .write_all(&utf16("见附件，请核对名单"))
            .unwrap();
        file.create_storage("__attach_version1.0_#00000000")
            .unwrap();
        file.create_stream("__attach_version1.0_#00000000/__substg1.0_3707001F")
            .unwrap()
            .write_all(&utf16("..\\名单.csv\0"))
            .unwrap();
        file.create_stream("__attach_version1.0_#00000000/__substg1.0_37010102")
            .unwrap()
            .write_all("姓名,手机\n王芳,13812345678\n".as_bytes())
            .unwrap();
        file.flush().unwrap();
        let bytes = file.into_inner().into_inner();
        let extracted = extract(&bytes, &Limits::default()).unwrap();
        assert!(extracted.text.contains("见附件，请核对名单"));
        assert!(
            !extracted.text.contains("13812345678"),
            "attachment bytes are not strings"
        );
        assert_eq!(extracted.attachments.len(), 1);
        assert_eq!(extracted.attachments[0].0, "名单.csv");

        let mut sink = crate::structured::test_sink::Cells::default();
        let limits = Limits::default();
        let budget = Budget::new(limits.max_total_bytes);
        compound_text(
            &ObjectPath::root("m.msg"),
            &bytes,
            &limits,
            &budget,
            &mut sink,
        )
        .unwrap();
        let cell = sink.0.iter().find(|c| c.value == "13812345678").unwrap();
        assert_eq!(
            (cell.path.as_str(), cell.field.as_str()),
            ("m.msg!/attachments/名单.csv", "手机")
        );
    }

    #[test]
    fn streams_read_past_the_cap_are_refused() {
        let bytes = compound(&[("A", vec![b'a'; 8192]), ("B", vec![b'b'; 8192])]);
        let limits = Limits {
            max_object_bytes: 10_000,
            ..Limits::default()
        };
        assert!(matches!(
            extract(&bytes, &limits),
            Err(SourceError::TooLarge { .. })
        ));
    }
}
