//! `--format csv`: one row per finding under a header row; notices go to the summary.

use crate::{Printer, ReportFinding, ReportNotice, Summary};
use leakscope_core::DetectorInfo;
use std::io::{self, Write};

/// The columns of `--format csv`, in order.
pub const CSV_HEADER: [&str; 9] = [
    "detector",
    "category",
    "confidence",
    "path",
    "line",
    "offset",
    "field",
    "value",
    "value_hash",
];

pub(crate) struct CsvPrinter {
    pub(crate) out: ::csv::Writer<Box<dyn Write + Send>>,
    pub(crate) header: bool,
}

impl CsvPrinter {
    fn ensure_header(&mut self) -> io::Result<()> {
        if !self.header {
            self.out.write_record(CSV_HEADER)?;
            self.header = true;
        }
        Ok(())
    }
}

impl Printer for CsvPrinter {
    fn object(&mut self, _path: &str, findings: &[ReportFinding]) -> io::Result<()> {
        self.ensure_header()?;
        for f in findings {
            let opt = |v: Option<u64>| v.map(|x| x.to_string()).unwrap_or_default();
            self.out.write_record([
                f.detector.as_str(),
                f.category.as_str(),
                f.confidence.as_str(),
                &f.path,
                &opt(f.line),
                &opt(f.offset),
                f.field.as_deref().unwrap_or(""),
                &f.value,
                &f.value_hash.text(),
            ])?;
        }
        Ok(())
    }

    fn notice(&mut self, _n: &ReportNotice) -> io::Result<()> {
        // CSV carries findings only; notices go to the text summary on stderr.
        Ok(())
    }

    fn finish(&mut self, _s: &Summary, _detectors: &[DetectorInfo]) -> io::Result<()> {
        self.ensure_header()?;
        self.out.flush()
    }
}
