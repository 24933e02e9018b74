//! Findings packed for the database before they reach its writer: their encoded chunks
//! (see [`crate::chunk`]) and their counts per detector.
//!
//! A scan's workers find the findings and its one collector thread writes them. When the
//! collector also encoded every finding and freed its strings, it took a third of a core
//! on dense data, beside workers that already use both cores. A worker that packs its
//! object's findings itself encodes them while they are still in its cache, frees them on
//! its own thread, and sends a few kilobytes per thousand findings instead of the
//! findings. A scan that stores nothing packs counts only.

use crate::chunk::{self, Encoder, FindingRef};
use crate::StoredFinding;
use leakscope_core::{Category, Confidence, DetectorId};
use std::borrow::Borrow;

/// How many findings of one detector, confidence and category a batch holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetectorCount {
    pub detector: DetectorId,
    pub category: Category,
    pub confidence: Confidence,
    pub n: u64,
}

/// Findings packed for the database: encoded chunks and counts (see the module
/// documentation). A batch holds the findings of one object, or a part of them.
#[derive(Debug, Default)]
pub struct FindingBatch {
    /// Each chunk with how many findings it holds.
    chunks: Vec<(u32, Vec<u8>)>,
    counts: Vec<DetectorCount>,
    findings: u64,
}

impl FindingBatch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts a finding that is not stored (a scan without a database counts only).
    pub fn count(&mut self, detector: &str, category: Category, confidence: Confidence) {
        self.findings += 1;
        // A handful of detectors per object: a linear search beats hashing the id.
        match self.counts.iter_mut().find(|c| {
            c.confidence == confidence && c.category == category && c.detector.as_str() == detector
        }) {
            Some(c) => c.n += 1,
            None => self.counts.push(DetectorCount {
                detector: DetectorId::from(detector),
                category,
                confidence,
                n: 1,
            }),
        }
    }

    /// Encodes `findings` (in chunks of at most [`chunk::MAX_FINDINGS`]) and counts them.
    pub fn pack<F: Borrow<StoredFinding>>(&mut self, encoder: &mut Encoder, findings: &[F]) {
        for f in findings {
            self.push(encoder, &FindingRef::of(f.borrow()));
        }
        self.seal(encoder);
    }

    /// Counts a finding and adds it to `encoder`'s chunk, which joins the batch when it is
    /// full. The batch is complete once [`FindingBatch::seal`] has added the last one.
    pub fn push(&mut self, encoder: &mut Encoder, f: &FindingRef<'_>) {
        self.count(f.detector, f.category, f.confidence);
        encoder.push(f);
        if encoder.len() >= chunk::MAX_FINDINGS {
            self.seal(encoder);
        }
    }

    /// Adds the chunk `encoder` holds, if any, to the batch.
    pub fn seal(&mut self, encoder: &mut Encoder) {
        if !encoder.is_empty() {
            let n = encoder.len() as u32;
            let mut data = Vec::new();
            encoder.finish(&mut data);
            self.chunks.push((n, data));
        }
    }

    /// The counts per detector, confidence and category.
    pub fn counts(&self) -> &[DetectorCount] {
        &self.counts
    }

    /// How many findings the batch holds (counted ones included).
    pub fn findings(&self) -> u64 {
        self.findings
    }

    /// Whether it holds no finding.
    pub fn is_empty(&self) -> bool {
        self.findings == 0
    }

    /// The encoded chunks, each with its number of findings.
    pub(crate) fn chunks(&self) -> impl Iterator<Item = (u32, &[u8])> {
        self.chunks.iter().map(|(n, data)| (*n, data.as_slice()))
    }
}
