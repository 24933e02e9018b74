//! `--format jsonl`: one JSON object per finding, notice and summary (the public contract
//! of `docs/output-formats.md`).

use crate::{Printer, ReportFinding, ReportNotice, Summary};
use leakscope_core::DetectorInfo;
use serde::Serialize;
use std::io::{self, Write};

pub(crate) struct JsonlPrinter {
    pub(crate) out: Box<dyn Write + Send>,
    /// An object's lines, written out at once: the serializer's many small writes land
    /// in a plain vector instead of each going through the boxed writer, which was half
    /// the cost of printing a finding.
    pub(crate) buf: Vec<u8>,
}

impl JsonlPrinter {
    pub(crate) fn new(out: Box<dyn Write + Send>) -> JsonlPrinter {
        JsonlPrinter {
            out,
            buf: Vec::new(),
        }
    }
}

impl Printer for JsonlPrinter {
    fn object(&mut self, _path: &str, findings: &[ReportFinding]) -> io::Result<()> {
        self.buf.clear();
        for f in findings {
            serde_json::to_writer(&mut self.buf, f)?;
            self.buf.push(b'\n');
        }
        self.out.write_all(&self.buf)
    }

    fn notice(&mut self, n: &ReportNotice) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, n)?;
        self.out.write_all(b"\n")
    }

    fn finish(&mut self, s: &Summary, _detectors: &[DetectorInfo]) -> io::Result<()> {
        #[derive(Serialize)]
        struct Tagged<'a> {
            #[serde(rename = "type")]
            kind: &'static str,
            #[serde(flatten)]
            summary: &'a Summary,
        }
        serde_json::to_writer(
            &mut self.out,
            &Tagged {
                kind: "summary",
                summary: s,
            },
        )?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }
}
