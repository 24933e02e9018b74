//! What a detector is, for people: its display name, how serious its findings are, whether
//! its values identify one person, and what to do about them.
//!
//! Confidence says how sure a finding is; severity says how much harm its exposure does. A
//! certain IPv4 address matters less than a probable private key, so output is ranked by
//! severity first. Every detector (built-in rule, user rule, watch-list, YARA rule) carries
//! one [`DetectorInfo`], written once in its rule data and read by every later stage.

use crate::finding::{Category, ParseEnumError};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How much harm the exposure of one finding does. Ordered: `Low < … < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Little harm alone (infrastructure addresses, organisation codes).
    Low,
    /// Personal data that harms in combination (names, landlines, plates).
    Medium,
    /// Data that reaches or locates a person, or a credential of limited reach.
    High,
    /// Identity documents, payment cards, working credentials and implants.
    Critical,
}

impl Severity {
    /// Every severity, most severe first: the order output is ranked in.
    pub const DESCENDING: [Severity; 4] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
    ];

    /// The stable lowercase name used in every wire format.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// The GitHub code-scanning `security-severity` score: GitHub maps scores over 9.0 to
    /// critical, 7.0 to 8.9 to high, 4.0 to 6.9 to medium and below to low.
    pub fn security_score(self) -> &'static str {
        match self {
            Severity::Critical => "9.5",
            Severity::High => "8.0",
            Severity::Medium => "5.5",
            Severity::Low => "2.0",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = ParseEnumError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            _ => Err(ParseEnumError {
                kind: "severity",
                value: s.to_string(),
                expected: "critical, high, medium, low",
            }),
        }
    }
}

/// What to tell the owner of exposed data: what the value is, why its exposure matters,
/// and what to do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guidance {
    /// What the identifier or artefact is.
    pub what: String,
    /// Why its exposure matters.
    pub why: String,
    /// What to do now.
    pub action: String,
}

/// Everything later stages know about a detector, from its rule data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetectorInfo {
    /// The detector id reported in findings.
    pub id: String,
    /// The name shown to people (`Resident ID number` for `cn_resident_id`).
    pub name: String,
    /// The detector's category.
    pub category: Category,
    /// How serious one finding is.
    pub severity: Severity,
    /// When the detector's values identify one person: its rank among such detectors,
    /// 1 being the strongest (a resident ID outranks a mobile number). Impact links the
    /// identifiers of one record into one person only through these detectors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_rank: Option<u8>,
    /// One sentence saying what the detector finds.
    pub description: String,
    /// What to do about a finding.
    pub guidance: Guidance,
}

impl DetectorInfo {
    /// Whether the detector's values identify one person.
    pub fn links_people(&self) -> bool {
        self.link_rank.is_some()
    }

    /// The display name, or the id when the rule gave none.
    pub fn label(&self) -> &str {
        if self.name.is_empty() {
            &self.id
        } else {
            &self.name
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_order_and_round_trip() {
        assert!(Severity::Critical > Severity::High && Severity::Medium > Severity::Low);
        for s in Severity::DESCENDING {
            assert_eq!(s.as_str().parse::<Severity>().unwrap(), s);
        }
        assert!("severe".parse::<Severity>().is_err());
        let scores: Vec<f64> = Severity::DESCENDING
            .iter()
            .map(|s| s.security_score().parse().unwrap())
            .collect();
        assert!(scores[0] > 9.0 && (7.0..9.0).contains(&scores[1]));
        assert!((4.0..7.0).contains(&scores[2]) && scores[3] < 4.0);
    }
}

/// A detector's id: a built-in rule's (`cn_resident_id`), a user rule's, a watch-list's or
/// a YARA rule's name. One copy is shared by the rule and every finding it makes, so a
/// finding costs no allocation for its detector (dense data has one every hundred bytes).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DetectorId(std::sync::Arc<str>);

impl DetectorId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for DetectorId {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for DetectorId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for DetectorId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<&str> for DetectorId {
    fn from(id: &str) -> Self {
        DetectorId(id.into())
    }
}

impl From<String> for DetectorId {
    fn from(id: String) -> Self {
        DetectorId(id.into())
    }
}

impl PartialEq<str> for DetectorId {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for DetectorId {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for DetectorId {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl fmt::Display for DetectorId {
    /// Honours width and alignment (`{:<24}`), as the text format's columns need.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

impl fmt::Debug for DetectorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl Serialize for DetectorId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for DetectorId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(DetectorId::from)
    }
}
