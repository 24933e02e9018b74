//! Streaming: scanning a long text in chunks with a stated overlap.
//!
//! A [`StreamScanner`] accepts the text piece by piece. It keeps the last
//! [`StreamScanner::overlap`] bytes of what it has seen and scans them again together with
//! the next piece, and it only reports a finding once it lies wholly before that carried
//! tail (or at the end of input). A value that straddles a chunk boundary is therefore
//! found in the later scan and reported exactly once, and memory stays bounded by the
//! chunk size plus the overlap, whatever the input size.
//!
//! Limit: a single value longer than the overlap (a PEM block of more than 16 KiB) cannot
//! be matched across a boundary.

use crate::engine::{Scanner, CONTEXT_BEFORE};
use leakscope_core::Finding;

/// Chunked scanning state for one text. It does not hold the [`Scanner`]: each call takes
/// it, so one scanner can serve a stream and other scans in between.
pub struct StreamScanner {
    overlap: usize,
    buffer: String,
    /// Offset of `buffer[0]` in the whole text.
    base: usize,
    /// Lines (newlines) before `buffer[0]`.
    base_lines: u64,
    /// Findings starting before this whole-text offset were already reported.
    reported_until: usize,
    /// Findings dropped for an inline ignore, each counted once.
    ignored: u64,
}

impl StreamScanner {
    /// Starts a stream for texts scanned with `scanner`'s engine. The overlap is the
    /// engine's largest rule window plus the context distance, so no match and no context
    /// word is lost at a boundary.
    pub fn new(scanner: &Scanner<'_>) -> Self {
        let overlap = scanner.engine().max_window() + CONTEXT_BEFORE + 64;
        StreamScanner {
            overlap,
            buffer: String::new(),
            base: 0,
            base_lines: 0,
            reported_until: 0,
            ignored: 0,
        }
    }

    /// Starts the next text, keeping the buffer's memory: a worker scans object after
    /// object with one stream instead of growing a chunk-sized buffer for each.
    pub fn restart(&mut self) {
        self.buffer.clear();
        self.base = 0;
        self.base_lines = 0;
        self.reported_until = 0;
        self.ignored = 0;
    }

    /// Bytes re-scanned from each previous chunk.
    pub fn overlap(&self) -> usize {
        self.overlap
    }

    /// Adds the next piece of text and appends the findings that are now final to `out`,
    /// with offsets and line numbers relative to the whole text.
    pub fn push(&mut self, scanner: &mut Scanner<'_>, chunk: &str, out: &mut Vec<Finding>) {
        self.buffer.push_str(chunk);
        // Scan once a chunk's worth beyond the overlap has accumulated, so that small
        // pieces are batched and each byte is scanned about once.
        if self.buffer.len() < self.overlap * 2 + MIN_SCAN {
            return;
        }
        self.scan_buffer(scanner, false, out);
    }

    /// Ends the text and appends the remaining findings. Returns how many findings of the
    /// whole text were dropped because their line says `leakscope:ignore`. The stream is
    /// ready for the next text afterwards (see [`StreamScanner::restart`]).
    pub fn finish(&mut self, scanner: &mut Scanner<'_>, out: &mut Vec<Finding>) -> u64 {
        self.scan_buffer(scanner, true, out);
        let ignored = self.ignored;
        self.restart();
        ignored
    }

    fn scan_buffer(&mut self, scanner: &mut Scanner<'_>, last: bool, out: &mut Vec<Finding>) {
        // The findings land after what `out` holds already and are sifted in place: no
        // second list of a chunk's findings is filled and copied.
        let first = out.len();
        scanner.scan(&self.buffer, out);
        // Findings starting at or after `limit` might still grow with the next chunk (or
        // need context from it); they are left for the next scan.
        let limit = if last {
            self.buffer.len()
        } else {
            floor_char(&self.buffer, self.buffer.len() - self.overlap)
        };
        // One fast search decides whether any line of the buffer is marked; most have none.
        let marked =
            memchr::memmem::find(self.buffer.as_bytes(), IGNORE_MARKER.as_bytes()).is_some();
        let mut kept = first;
        for i in first..out.len() {
            let f = &mut out[i];
            let global = self.base + f.start;
            if global < self.reported_until || (f.start >= limit && !last) {
                continue;
            }
            // Counted here, where a finding becomes final, so a finding seen by two
            // overlapping scans is counted once.
            if marked && on_marked_line(&self.buffer, f.start) {
                self.ignored += 1;
                continue;
            }
            f.start += self.base;
            f.end += self.base;
            f.line = f.line.map(|l| l + self.base_lines);
            // Nearly every finding stays where it is: a swap with itself still copies it.
            if kept != i {
                out.swap(kept, i);
            }
            kept += 1;
        }
        out.truncate(kept);
        if last {
            return;
        }
        self.reported_until = self.base + limit;
        // Keep enough before `limit` for boundary and context checks of the next scan.
        let keep_from = floor_char(&self.buffer, limit.saturating_sub(CONTEXT_BEFORE));
        self.base_lines +=
            memchr::memchr_iter(b'\n', &self.buffer.as_bytes()[..keep_from]).count() as u64;
        self.base += keep_from;
        self.buffer.drain(..keep_from);
    }
}

/// Written on a line (in a comment, usually), drops the findings of that line in a text
/// stream: the way to mark a test fixture or a documented example in place, as other secret
/// scanners' inline allow comments do. Only the text of scanned objects honours it; the
/// masking of names and messages (`Scanner::scan` through the redactor) never does.
pub const IGNORE_MARKER: &str = "leakscope:ignore";

/// Whether the line holding byte `start` of `text` carries [`IGNORE_MARKER`].
fn on_marked_line(text: &str, start: usize) -> bool {
    let bytes = text.as_bytes();
    let start = start.min(bytes.len());
    let line_start = memchr::memrchr(b'\n', &bytes[..start]).map_or(0, |p| p + 1);
    let line_end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |p| start + p);
    memchr::memmem::find(&bytes[line_start..line_end], IGNORE_MARKER.as_bytes()).is_some()
}

/// Least number of new bytes gathered before a scan (besides the overlap).
const MIN_SCAN: usize = 256 << 10;

fn floor_char(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}
