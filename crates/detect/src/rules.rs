//! Rule files: the detector catalog as data.
//!
//! Built-in rules are TOML files embedded in the binary; users may load more files of the
//! same format. A rule names a pattern, how candidates are found (its trigger), how a match
//! is checked (boundary, validator), how confidence is scored (context words, field names)
//! and carries `examples` and `negative_examples` that a test runs, so that a broken rule
//! fails CI instead of silently missing data.
//!
//! Parsing is separate from compiling: [`RuleFile::parse`] only checks the TOML shape and
//! reports a located error; [`crate::Engine`] compiles patterns and validators and reports
//! errors that name the file and rule.

use leakscope_core::Category;
use serde::Deserialize;
use std::ops::Range;

/// The built-in rule files, embedded at compile time: (file name, contents).
pub const BUILTIN_RULE_FILES: &[(&str, &str)] = &[
    ("builtin:pii.toml", include_str!("../rules/pii.toml")),
    (
        "builtin:secrets.toml",
        include_str!("../rules/secrets.toml"),
    ),
];

/// Version of the built-in detection code (validators, matchers, boundaries). Part of the
/// incremental-rescan key with the rule files' text: when either changes, previously
/// scanned objects are scanned again. Raise it with every change of what a rule finds.
pub const CATALOG_VERSION: &str = concat!("builtin-", env!("CARGO_PKG_VERSION"), "-r3");

/// One rule file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    /// Words that, found just before a match, make it less likely to be personal data
    /// (order numbers, waybills, hashes). Applied to rules that do not opt out.
    #[serde(default)]
    pub negative_context: Vec<String>,
    /// Words that say the same in a field's name only (`ddh`, the pinyin initials of 订单号):
    /// too short to mean anything in text, where they turn up inside other words.
    #[serde(default)]
    pub negative_field_names: Vec<String>,
    /// The rules.
    #[serde(default, rename = "rule")]
    pub rules: Vec<RuleSpec>,
    /// Where the file came from, for error messages (not part of the TOML).
    #[serde(skip)]
    pub origin: String,
    /// The file text, kept to turn byte spans into line numbers in errors.
    #[serde(skip)]
    pub source: String,
}

/// One rule as written in a rule file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// The detector id reported in findings. Several rules may share an id when each has a
    /// distinct `variant` (one detector found by several patterns).
    pub id: toml::Spanned<String>,
    /// Distinguishes rules sharing an id.
    #[serde(default)]
    pub variant: Option<String>,
    /// `pii`, `secret`, `implant` or `custom` (the default for user rules).
    #[serde(default)]
    pub category: Option<String>,
    /// One sentence saying what the detector finds.
    #[serde(default)]
    pub description: String,
    /// The name people see (`Resident ID number`). Detector-level fields (`name`,
    /// `severity`, `link_rank`, `what`, `why`, `action`) are written once per id, on any one
    /// of its rules; see [`crate::catalog`].
    #[serde(default)]
    pub name: Option<String>,
    /// How serious one finding is: `critical`, `high`, `medium` or `low`.
    #[serde(default)]
    pub severity: Option<String>,
    /// For detectors whose values identify one person: rank among them, 1 strongest.
    #[serde(default)]
    pub link_rank: Option<u8>,
    /// Remediation: what the value is, for people.
    #[serde(default)]
    pub what: Option<String>,
    /// Remediation: why its exposure matters.
    #[serde(default)]
    pub why: Option<String>,
    /// Remediation: what to do.
    #[serde(default)]
    pub action: Option<String>,
    /// Regular expression (Rust `regex` syntax). A capture group named `v` marks the value
    /// inside a larger match; otherwise the whole match is the value.
    #[serde(default)]
    pub pattern: Option<String>,
    /// A hand-written matcher that implements `pattern` exactly (`resident_id`, `mobile`,
    /// `bank_card`, `ipv4`, `digits15`, `digits18`, `address`, `building`, `name_form`,
    /// `gps`): the engine checks that the pattern is the one the matcher implements, and
    /// uses the matcher instead of a regex search per candidate window.
    #[serde(default)]
    pub shape: Option<String>,
    /// Watch-list words: each occurrence is a finding (case-insensitive). Used instead of a
    /// pattern for dictionary rules such as organisation or project names.
    #[serde(default)]
    pub words: Vec<String>,
    /// How candidates are found.
    #[serde(default)]
    pub trigger: TriggerSpec,
    /// Bytes of text around a trigger hit searched by the pattern: `[before, after]`.
    #[serde(default)]
    pub window: Option<[usize; 2]>,
    /// What may not touch the value on either side: `digit`, `alnum`, `dotted`, `base64`,
    /// `none`.
    #[serde(default)]
    pub boundary: Option<String>,
    /// Name of a built-in validator.
    #[serde(default)]
    pub validator: Option<String>,
    /// How the value is normalised before hashing: `digits`, `mobile`, `upper_alnum`,
    /// `lower`, `trim`.
    #[serde(default)]
    pub normalize: Option<String>,
    /// How the value is masked: `ends`, `first_char`, `email`, `block`, `uri`, `coordinates`.
    #[serde(default)]
    pub mask: Option<String>,
    /// Confidence of a valid match before context: `low`, `medium`, `high`.
    #[serde(default)]
    pub confidence: Option<String>,
    /// Words that raise confidence when found shortly before (or just after) the value.
    #[serde(default)]
    pub context: Vec<String>,
    /// When true, a match without a context word or matching field name is dropped.
    #[serde(default)]
    pub context_required: bool,
    /// When true, the file's `negative_context` words do not lower this rule.
    #[serde(default)]
    pub ignore_negative_context: bool,
    /// Field, column or key names (case-insensitive substrings) that mark a value as this
    /// kind of data.
    #[serde(default)]
    pub fields: Vec<String>,
    /// Field-name tokens that veto a `fields` match (`product` in `product_name`), looked for
    /// in the last two steps of a key path (`product.name`, not `user.profile.name`).
    #[serde(default)]
    pub exclude_fields: Vec<String>,
    /// When true and the field name matches `fields`, the whole field value is checked
    /// with the validator even if the pattern does not match it.
    #[serde(default)]
    pub field_value: bool,
    /// Two lists of field-name words (`[["lat", "latitude"], ["lng", "longitude"]]`): in a
    /// record, a field named by a word of the first list and one named by a word of the
    /// second are joined as `first,second` and checked by the validator as one value (a
    /// coordinate pair kept in two columns or keys). A name matches when its last word
    /// (after separators and camelCase humps) is in the list, or, for non-ASCII words,
    /// when it contains one.
    #[serde(default)]
    pub pair_fields: Vec<Vec<String>>,
    /// A two-element array that holds the pair of `pair_fields`, named by one of these
    /// words (its elements `coordinates[0]`, `coordinates[1]` in JSON, `loc.0`, `loc.1` in
    /// MongoDB), with the first half at element `first_at` (GeoJSON and MongoDB write
    /// `[longitude, latitude]`: `first_at = 1`).
    #[serde(default)]
    pub pair_array: Option<PairArraySpec>,
    /// Words that, found in the 16 bytes before a match, say it is something else and drop
    /// it (`version`, `build` before a dotted number that looks like an IPv4 address).
    /// Stronger than the file's `negative_context`, which only lowers confidence.
    #[serde(default)]
    pub reject_before: Vec<String>,
    /// Detector ids whose findings (of medium confidence or more) are this rule's trigger:
    /// its pattern runs in the window around each such finding and, in a record, over every
    /// field that has no name. This is form context: a name beside an ID number or a phone
    /// number in a chat line, or in the cell before it in a row without a header. Such a
    /// rule may have no trigger of its own.
    #[serde(default)]
    pub near: Vec<String>,
    /// Among findings with exactly the same span, the higher priority wins.
    #[serde(default)]
    pub priority: i32,
    /// Texts in which the rule must find something.
    #[serde(default)]
    pub examples: Vec<String>,
    /// Texts in which the rule must find nothing.
    #[serde(default)]
    pub negative_examples: Vec<String>,
    /// Field/value pairs in which the rule must find something.
    #[serde(default)]
    pub field_examples: Vec<FieldExample>,
    /// Field/value pairs in which the rule must find nothing.
    #[serde(default)]
    pub negative_field_examples: Vec<FieldExample>,
    /// Whole records (lists of field/value pairs) in which the rule must find something.
    #[serde(default)]
    pub record_examples: Vec<Vec<FieldExample>>,
    /// Whole records in which the rule must find nothing.
    #[serde(default)]
    pub negative_record_examples: Vec<Vec<FieldExample>>,
}

/// Where an array holds a rule's field pair (see `RuleSpec::pair_array`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairArraySpec {
    /// Words naming the array (its name's last word before the index).
    pub names: Vec<String>,
    /// The element holding the first half: 0 or 1.
    pub first_at: u8,
}

/// A structured example: a value under a field name.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldExample {
    /// The field or column name.
    pub field: String,
    /// The cell value.
    pub value: String,
}

/// How candidate positions for a rule are found before its pattern runs.
///
/// Two mechanisms exist. Literal triggers (`literals`, case-sensitive; `keywords`,
/// ASCII-case-insensitive) are found by one Aho-Corasick pass for all rules. Token
/// triggers fire on "digit clusters": runs of letters and digits joined by single
/// separators, summarised by the features below. A token rule fires when one of its
/// length conditions (`run_len`, `alnum_len`, `joined_min`) holds, or it has none, and
/// every filter (`min_run`, `min_dots`, `min_decimals`, `min_seps`, `letter`,
/// `cjk_before`) holds. Exact
/// lengths keep the confirm stage away from the timestamps, hashes and hex ids that fill
/// real data.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriggerSpec {
    /// Case-sensitive literal strings.
    #[serde(default)]
    pub literals: Vec<String>,
    /// ASCII-case-insensitive keywords.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Fires when the cluster has a maximal run of consecutive digits of one of these
    /// lengths.
    #[serde(default)]
    pub run_len: Vec<u32>,
    /// Fires when the cluster has a maximal run of digits starting with `0` (and not right
    /// after a letter) of one of these lengths.
    #[serde(default)]
    pub zero_run_len: Vec<u32>,
    /// Fires when the cluster has a maximal run of letters and digits of one of these
    /// lengths.
    #[serde(default)]
    pub alnum_len: Vec<u32>,
    /// Fires when a group of digits joined by spaces, hyphens or parentheses (with at
    /// least one such joiner) holds at least this many digits.
    #[serde(default)]
    pub joined_min: Option<u32>,
    /// Filter: the longest run of consecutive digits is at least this long.
    #[serde(default)]
    pub min_run: Option<u32>,
    /// Filter: at least this many dots between alphanumerics.
    #[serde(default)]
    pub min_dots: Option<u32>,
    /// Filter: a dot between alphanumerics is followed by at least this many digits (the
    /// decimals of a coordinate).
    #[serde(default)]
    pub min_decimals: Option<u32>,
    /// Filter: at least this many colons, or this many hyphens, between alphanumerics (one
    /// kind of separator: a timestamp's two hyphens and two colons are not four).
    #[serde(default)]
    pub min_seps: Option<u32>,
    /// The cluster contains at least one ASCII letter.
    #[serde(default)]
    pub letter: bool,
    /// A non-ASCII character appears within the window before the cluster.
    #[serde(default)]
    pub cjk_before: bool,
    /// The window must contain one of these strings before the pattern is run (a cheap
    /// confirmation for frequent triggers).
    #[serde(default)]
    pub requires_any: Vec<String>,
}

impl TriggerSpec {
    /// True when the rule uses token (digit cluster) triggering.
    pub fn is_token(&self) -> bool {
        self.min_run.is_some()
            || self.min_dots.is_some()
            || self.min_decimals.is_some()
            || self.min_seps.is_some()
            || !self.run_len.is_empty()
            || !self.zero_run_len.is_empty()
            || !self.alnum_len.is_empty()
            || self.joined_min.is_some()
    }
}

/// A rule file that could not be loaded, with its location.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}:{line}: {message}")]
pub struct RuleError {
    /// The file (or `builtin:NAME`).
    pub origin: String,
    /// 1-based line of the offending rule or syntax error (0 when unknown).
    pub line: usize,
    /// What is wrong, naming the rule id and field when known.
    pub message: String,
}

impl RuleFile {
    /// Parses rule file text. `origin` names the file in error messages.
    pub fn parse(origin: &str, text: &str) -> Result<RuleFile, RuleError> {
        let mut file: RuleFile = toml::from_str(text).map_err(|e| RuleError {
            origin: origin.to_string(),
            line: e.span().map_or(0, |s| line_of(text, s)),
            message: e.message().trim().to_string(),
        })?;
        file.origin = origin.to_string();
        file.source = text.to_string();
        Ok(file)
    }

    /// Parses every built-in rule file. Their validity is checked by tests, so an error
    /// here is a build defect.
    pub fn builtin() -> Result<Vec<RuleFile>, RuleError> {
        BUILTIN_RULE_FILES
            .iter()
            .map(|(name, text)| RuleFile::parse(name, text))
            .collect()
    }

    /// A located error about the rule `spec` in this file.
    pub fn error_at(&self, spec: &RuleSpec, message: impl Into<String>) -> RuleError {
        RuleError {
            origin: self.origin.clone(),
            line: line_of(&self.source, spec.id.span()),
            message: format!("rule `{}`: {}", spec.id.get_ref(), message.into()),
        }
    }

    /// The category a rule gets: its own, or `custom` for user rules.
    pub fn category_of(&self, spec: &RuleSpec) -> Result<Category, RuleError> {
        match &spec.category {
            None => Ok(Category::Custom),
            Some(c) => c
                .parse()
                .map_err(|e: leakscope_core::ParseEnumError| self.error_at(spec, e.to_string())),
        }
    }
}

fn line_of(text: &str, span: Range<usize>) -> usize {
    let end = span.start.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_are_located() {
        let err = RuleFile::parse("mine.toml", "[[rule]]\nid = \"a\"\npattern = \n").unwrap_err();
        assert_eq!(err.origin, "mine.toml");
        assert_eq!(err.line, 3);
    }

    #[test]
    fn unknown_fields_are_rejected_with_line() {
        let err = RuleFile::parse("x.toml", "[[rule]]\nid = \"a\"\npatern = \"b\"\n").unwrap_err();
        assert!(err.message.contains("patern"), "{}", err.message);
        assert_eq!(err.line, 3);
    }

    #[test]
    fn builtin_files_parse() {
        let files = RuleFile::builtin().unwrap();
        assert!(files.iter().map(|f| f.rules.len()).sum::<usize>() >= 28);
    }
}
