//! The finding: what was detected, how sure we are, and where it is within one text.

use crate::detector::DetectorId;
use crate::hash::ValueHash;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The broad class of a detector, as written in the public detector catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// Personal data about a natural person.
    Pii,
    /// Credentials: keys, tokens, passwords.
    Secret,
    /// Malicious code found by YARA rules.
    Implant,
    /// A user-defined rule (regex or watch list).
    Custom,
}

impl Category {
    /// The stable lowercase name used in every wire format.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Pii => "pii",
            Category::Secret => "secret",
            Category::Implant => "implant",
            Category::Custom => "custom",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error returned when a category or confidence name is not one of the known ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} `{value}` (expected one of: {expected})")]
pub struct ParseEnumError {
    /// Which enumeration was being parsed.
    pub kind: &'static str,
    /// The text that did not match.
    pub value: String,
    /// The accepted names, comma separated.
    pub expected: &'static str,
}

impl FromStr for Category {
    type Err = ParseEnumError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "pii" => Ok(Category::Pii),
            "secret" => Ok(Category::Secret),
            "implant" => Ok(Category::Implant),
            "custom" => Ok(Category::Custom),
            _ => Err(ParseEnumError {
                kind: "category",
                value: s.to_string(),
                expected: "pii, secret, implant, custom",
            }),
        }
    }
}

/// How strong the evidence for a finding is. Ordered: `Low < Medium < High`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Structurally valid but without supporting context, or with contrary context.
    Low,
    /// Structurally valid.
    Medium,
    /// Structurally valid and supported by context (a label, a field name, a checksum that
    /// leaves little room for chance).
    High,
}

impl Confidence {
    /// The stable lowercase name used in every wire format.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }

    /// One level up, saturating at `High`.
    pub fn raised(self) -> Self {
        match self {
            Confidence::Low => Confidence::Medium,
            _ => Confidence::High,
        }
    }

    /// One level down, saturating at `Low`.
    pub fn lowered(self) -> Self {
        match self {
            Confidence::High => Confidence::Medium,
            _ => Confidence::Low,
        }
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Confidence {
    type Err = ParseEnumError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "low" => Ok(Confidence::Low),
            "medium" => Ok(Confidence::Medium),
            "high" => Ok(Confidence::High),
            _ => Err(ParseEnumError {
                kind: "confidence",
                value: s.to_string(),
                expected: "low, medium, high",
            }),
        }
    }
}

/// The exact matched text. It has no `Serialize` implementation and its `Debug` output is
/// masked, so it cannot slip into a database row or a log line by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct RawValue(String);

impl RawValue {
    /// Wraps matched text.
    pub fn new(text: impl Into<String>) -> Self {
        RawValue(text.into())
    }

    /// Returns the raw text. Only the terminal printer (on explicit user request) and the
    /// detection engine's own normalisation may call this.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for RawValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RawValue({} chars, hidden)", self.0.chars().count())
    }
}

/// One detection inside one decoded text. Offsets are byte offsets into that UTF-8 text.
#[derive(Debug, Clone)]
pub struct Finding {
    /// Detector id from the catalog, or a user rule id.
    pub detector: DetectorId,
    /// The detector's category.
    pub category: Category,
    /// Evidence strength after context scoring.
    pub confidence: Confidence,
    /// Byte offset of the first byte of the value in the decoded text.
    pub start: usize,
    /// Byte offset one past the last byte of the value.
    pub end: usize,
    /// 1-based line number of `start`, when the input is line-oriented text.
    pub line: Option<u64>,
    /// Field, column or key name the value came from, when known. Shared: the findings
    /// of one column name it thousands of times.
    pub field: Option<std::sync::Arc<str>>,
    /// The value masked for display.
    pub masked: String,
    /// Keyed hash of the normalised value.
    pub value_hash: ValueHash,
    /// The raw matched text (see [`RawValue`]).
    pub raw: RawValue,
}
