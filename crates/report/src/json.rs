//! `--format json`: one document with the summary, every finding and every notice.

use crate::{Collected, Printer, ReportFinding, ReportNotice, Summary};
use leakscope_core::DetectorInfo;
use std::io::{self, Write};

pub(crate) struct JsonPrinter {
    pub(crate) out: Box<dyn Write + Send>,
    pub(crate) all: Collected,
}

impl Printer for JsonPrinter {
    fn object(&mut self, _path: &str, findings: &[ReportFinding]) -> io::Result<()> {
        self.all.object(findings)
    }

    fn notice(&mut self, n: &ReportNotice) -> io::Result<()> {
        self.all.notice(n)
    }

    fn finish(&mut self, s: &Summary, _detectors: &[DetectorInfo]) -> io::Result<()> {
        let doc = serde_json::json!({
            "tool": "leakscope",
            "version": env!("CARGO_PKG_VERSION"),
            "summary": s,
            "findings": self.all.findings,
            "notices": self.all.notices,
        });
        serde_json::to_writer_pretty(&mut self.out, &doc)?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }
}
