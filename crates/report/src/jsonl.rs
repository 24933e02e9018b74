//! `--format jsonl`: one JSON object per finding, notice and summary (the public contract
//! of `docs/output-formats.md`).

use crate::{Printer, ReportFinding, ReportNotice, Summary};
use leakscope_core::DetectorInfo;
use serde::Serialize;
use std::io::{self, Write};

pub(crate) struct JsonlPrinter {
    pub(crate) out: Box<dyn Write + Send>,
}

impl Printer for JsonlPrinter {
    fn object(&mut self, _path: &str, findings: &[ReportFinding]) -> io::Result<()> {
        for f in findings {
            serde_json::to_writer(&mut self.out, f)?;
            self.out.write_all(b"\n")?;
        }
        Ok(())
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
