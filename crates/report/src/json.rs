//! `--format json`: one document with the summary, every finding and every notice.
//!
//! The summary comes first in the document but is known only at the end, so the findings
//! are kept until then: as the text they will be printed as, not as a tree of JSON
//! values (building one for a scan's findings at the end took gigabytes for a few
//! hundred thousand findings, about five kilobytes each, and most of the scan's time).
//! Beyond [`SPILL_BYTES`] of it, the text goes to an anonymous temporary file, so memory
//! stays bounded however many findings the document will hold.

use crate::{Printer, ReportFinding, ReportNotice, Summary};
use leakscope_core::DetectorInfo;
use serde::Serialize;
use std::io::{self, Seek, Write};

/// How much printed findings text is held in memory before it moves to a temporary file.
const SPILL_BYTES: usize = 16 << 20;

pub(crate) struct JsonPrinter {
    out: Box<dyn Write + Send>,
    /// The latest findings, each printed and indented as the document holds it, with
    /// the separators between them; the earlier ones are in `spilled`.
    findings: Vec<u8>,
    /// Where printed findings go once `findings` holds `spill_at` bytes.
    spilled: Option<std::fs::File>,
    spill_at: usize,
    /// Whether any finding was printed.
    any: bool,
    notices: Vec<ReportNotice>,
    /// One value's printed form, before it is indented.
    scratch: Vec<u8>,
}

impl JsonPrinter {
    pub(crate) fn new(out: Box<dyn Write + Send>) -> JsonPrinter {
        JsonPrinter::spilling_at(out, SPILL_BYTES)
    }

    /// A printer that moves its findings text to a file beyond `spill_at` bytes.
    pub(crate) fn spilling_at(out: Box<dyn Write + Send>, spill_at: usize) -> JsonPrinter {
        JsonPrinter {
            out,
            findings: Vec::new(),
            spilled: None,
            spill_at,
            any: false,
            notices: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// Moves the held findings text to the temporary file.
    fn spill(&mut self) -> io::Result<()> {
        let file = match &mut self.spilled {
            Some(file) => file,
            None => self.spilled.insert(tempfile::tempfile()?),
        };
        file.write_all(&self.findings)?;
        self.findings.clear();
        Ok(())
    }
}

/// Appends `value` printed with two-space indentation, as it reads at `depth` levels
/// inside a document so printed. JSON strings hold no raw line breaks, so every line
/// break of the printed value starts one of its lines.
fn indented(
    value: &impl Serialize,
    depth: usize,
    scratch: &mut Vec<u8>,
    out: &mut Vec<u8>,
) -> io::Result<()> {
    scratch.clear();
    serde_json::to_writer_pretty(&mut *scratch, value)?;
    let mut lines = scratch.split(|&b| b == b'\n');
    if let Some(first) = lines.next() {
        out.extend_from_slice(first);
    }
    for line in lines {
        out.push(b'\n');
        out.extend(std::iter::repeat_n(b' ', depth * 2));
        out.extend_from_slice(line);
    }
    Ok(())
}

/// Appends `value` to a list of elements printed as the document's top-level lists hold
/// them, after a separator unless it is the first.
fn push_element(
    list: &mut Vec<u8>,
    first: bool,
    value: &impl Serialize,
    scratch: &mut Vec<u8>,
) -> io::Result<()> {
    if !first {
        list.extend_from_slice(b",\n    ");
    }
    indented(value, 2, scratch, list)
}

/// Writes a list of printed elements (those moved to `spilled`, then `items`) as a
/// document holds it at `depth`: `[]`, or one element per line.
fn write_list(
    out: &mut dyn Write,
    spilled: Option<&mut std::fs::File>,
    items: &[u8],
    depth: usize,
) -> io::Result<()> {
    if spilled.is_none() && items.is_empty() {
        return out.write_all(b"[]");
    }
    let pad = |n: usize| vec![b' '; n * 2];
    out.write_all(b"[\n")?;
    out.write_all(&pad(depth + 1))?;
    if let Some(file) = spilled {
        file.rewind()?;
        io::copy(file, out)?;
    }
    out.write_all(items)?;
    out.write_all(b"\n")?;
    out.write_all(&pad(depth))?;
    out.write_all(b"]")
}

impl Printer for JsonPrinter {
    fn object(&mut self, _path: &str, findings: &[ReportFinding]) -> io::Result<()> {
        for f in findings {
            push_element(&mut self.findings, !self.any, f, &mut self.scratch)?;
            self.any = true;
        }
        if self.findings.len() >= self.spill_at {
            self.spill()?;
        }
        Ok(())
    }

    fn notice(&mut self, n: &ReportNotice) -> io::Result<()> {
        self.notices.push(n.clone());
        Ok(())
    }

    fn finish(&mut self, s: &Summary, _detectors: &[DetectorInfo]) -> io::Result<()> {
        let mut head = Vec::new();
        head.extend_from_slice(b"{\n  \"tool\": \"leakscope\",\n  \"version\": ");
        serde_json::to_writer(&mut head, env!("CARGO_PKG_VERSION"))?;
        head.extend_from_slice(b",\n  \"summary\": ");
        indented(s, 1, &mut self.scratch, &mut head)?;
        head.extend_from_slice(b",\n  \"findings\": ");
        self.out.write_all(&head)?;
        write_list(&mut self.out, self.spilled.as_mut(), &self.findings, 1)?;
        let mut notices = Vec::new();
        for (i, n) in self.notices.iter().enumerate() {
            push_element(&mut notices, i == 0, n, &mut self.scratch)?;
        }
        self.out.write_all(b",\n  \"notices\": ")?;
        write_list(&mut self.out, None, &notices, 1)?;
        self.out.write_all(b"\n}\n")?;
        self.out.flush()
    }
}
