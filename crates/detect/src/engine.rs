//! The engine: compiled rules plus the scanning stages.
//!
//! Compile once ([`Engine::new`]), scan many: an [`Engine`] is immutable and `Sync`; each
//! thread makes a [`Scanner`] (cheap, reusable buffers) and calls [`Scanner::scan`] for
//! every text. A scan runs four explicit stages:
//!
//! 1. **prefilter**: one Aho-Corasick pass finds literal and keyword triggers, and one
//!    byte pass finds digit clusters and their features. Each hit becomes a [`Candidate`]:
//!    a rule and a window of text.
//! 2. **confirm**: the rule's regex runs over the (merged) window; the value is the match
//!    or its `v` group, and the boundary rule is checked against the whole text.
//! 3. **validate**: the rule's validator (checksums, dates, region codes) accepts, rejects
//!    or narrows the value.
//! 4. **score**: context words, field names and negative words set the confidence; rules
//!    that require context drop matches without it; overlapping claims on one span are
//!    resolved.
//!
//! The engine does no IO and its errors come only from its configuration (rule files),
//! never from the bytes it scans.

use crate::fold::Folded;
use crate::rules::{RuleError, RuleFile, RuleSpec, TriggerSpec};
use crate::validators::{self, Check, Date, ValidationContext, Validator};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder};
use leakscope_core::{
    mask_value, Category, Confidence, Finding, HashKey, MaskStyle, RawValue, ValueHash,
};
use regex_automata::meta::{Cache, Regex};
use regex_automata::util::captures::Captures;
use regex_automata::Input;
use shapes::Shape;
use word_dfa::WordDfa;

mod shapes;
mod word_dfa;

/// Bytes before a match searched for context words.
pub const CONTEXT_BEFORE: usize = 64;
/// Bytes after a match searched for context words.
pub const CONTEXT_AFTER: usize = 16;
/// Bytes before a match searched for negative words (closer than positive context, since
/// a negative word further away usually labels something else).
pub const NEGATIVE_BEFORE: usize = 32;

/// Bytes before a match in which a negative-context word, followed only by separators and
/// the suffixes of a label (`订单编号：`, `运单号码`), labels the value itself.
pub const NEGATIVE_LABEL: usize = 16;

/// Bytes before a match searched for a rule's `reject_before` words.
pub const REJECT_BEFORE: usize = 16;

/// Engine settings chosen by the caller.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Key for the keyed hash of normalised values.
    pub hash_key: HashKey,
    /// "Today" for validators that reject future dates.
    pub today: Date,
    /// When set, only these detector ids run.
    pub only_detectors: Option<Vec<String>>,
    /// Detector ids that do not run.
    pub exclude_detectors: Vec<String>,
    /// When set, only rules of these categories run.
    pub categories: Option<Vec<Category>>,
    /// Findings below this confidence are dropped.
    pub min_confidence: Confidence,
}

impl EngineConfig {
    /// Every detector, every confidence, with the given key and date.
    pub fn new(hash_key: HashKey, today: Date) -> Self {
        EngineConfig {
            hash_key,
            today,
            only_detectors: None,
            exclude_detectors: Vec::new(),
            categories: None,
            min_confidence: Confidence::Low,
        }
    }
}

/// Which neighbours may not touch a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Boundary {
    None,
    Digit,
    Alnum,
    AlnumBefore,
    AlnumAfter,
    /// Not part of a longer dotted number (`1.2.3.4.5`, `v1.2.3.4`) and not the version of a
    /// product token (`okhttp/4.9.3.1`, `baiduboxapp/13.42.0.10` in a User-Agent).
    Dotted,
    /// Not one stretch of a longer run of separated groups: no separator with an
    /// alphanumeric beyond it after the value, and before it no group of the value's own
    /// size with a separator (`aa:` of seven pairs), nor a dot before dotted groups
    /// (`[.0201.0020.0002]`, a collation key). A label glued on (`mac:3c:22:…`) is no group.
    Joined,
    /// Not continued by another group: no alphanumeric next to the value, and no space or
    /// hyphen with a digit beyond it (`110101 19900307 1233 00` is a longer number).
    Grouped,
    /// Like [`Boundary::Grouped`] for spaces only: a hyphen and digits after the value may
    /// be its extension (`(010)62345678-8001`), a space and digits continue a longer
    /// number (`1101 0519 4912 3100 2X`).
    Spaced,
    Base64,
    /// Not the user part of a URL (`https://token@host` is a credential, not an address).
    Email,
    /// Not two numbers of a longer list: no alphanumeric next to the value, and no number
    /// with a fraction of three or more digits joined to it by a comma or semicolon
    /// (`0.1234, 0.5678, 0.9012` is a vector of readings or weights, not a place).
    Pair,
}

/// How a value is normalised before hashing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Normalize {
    Trim,
    Digits,
    Mobile,
    UpperAlnum,
    Lower,
    /// `latitude,longitude`, whatever labels and order the text used.
    Coordinates,
}

/// Conditions on the features of a digit cluster (see [`TriggerSpec`]).
#[derive(Debug, Clone, Default)]
struct TokenTrigger {
    run_mask: u64,
    zero_run_mask: u64,
    alnum_mask: u64,
    joined_min: u32,
    has_length_condition: bool,
    min_run: u32,
    min_dots: u32,
    min_decimals: u32,
    min_seps: u32,
    letter: bool,
    cjk_before: bool,
}

/// Features of one digit cluster. Lengths above 63 are recorded as 63.
#[derive(Debug, Clone, Copy, Default)]
struct ClusterFeatures {
    /// Bit `n` set: a maximal run of `n` digits exists.
    run_mask: u64,
    /// Bit `n` set: a maximal run of `n` digits that starts with `0` and is not glued to a
    /// letter before it exists (area codes, `010-…`).
    zero_run_mask: u64,
    /// Bit `n` set: a maximal run of `n` letters and digits exists.
    alnum_mask: u64,
    /// Most digits in a group joined by spaces, hyphens or parentheses, counting only
    /// groups that contain such a joiner.
    max_joined: u32,
    max_run: u32,
    dots: u32,
    /// Colons and hyphens between alphanumerics, counted apart: one kind joins the groups
    /// of a hardware address, while a timestamp (`2024-01-15 10:23:45`) has two of each.
    colons: u32,
    hyphens: u32,
    /// The longest run of digits right after a dot between alphanumerics.
    max_decimals: u32,
    letter: bool,
}

fn length_mask(lengths: &[u32]) -> u64 {
    lengths.iter().fold(0u64, |m, l| m | 1u64 << (*l).min(63))
}

impl TokenTrigger {
    fn fires(&self, f: &ClusterFeatures, cjk_before: bool) -> bool {
        let length_ok = !self.has_length_condition
            || f.run_mask & self.run_mask != 0
            || f.zero_run_mask & self.zero_run_mask != 0
            || f.alnum_mask & self.alnum_mask != 0
            || (self.joined_min > 0 && f.max_joined >= self.joined_min);
        length_ok
            && f.max_run >= self.min_run
            && f.dots >= self.min_dots
            && f.max_decimals >= self.min_decimals
            && f.colons.max(f.hyphens) >= self.min_seps
            && (!self.letter || f.letter)
            && (!self.cjk_before || cjk_before)
    }
}

/// Token rules indexed by the run lengths that fire them, so a digit cluster is offered
/// only to the rules its lengths can satisfy instead of to every token rule (dense text
/// has a digit cluster every few dozen bytes: timestamps, amounts, counters).
#[derive(Debug, Clone)]
struct TokenDispatch {
    /// Per length 0..=63: bit `i` set when token rule `i` fires on a digit run that long.
    by_run: [u64; 64],
    /// The same for digit runs starting with `0`.
    by_zero_run: [u64; 64],
    /// The same for letter-and-digit runs.
    by_alnum: [u64; 64],
    /// Per most digits in a joined group (see [`ClusterFeatures::max_joined`]): the rules
    /// whose `joined_min` it reaches.
    by_joined: [u64; 64],
    /// Token rules without a length condition: offered every cluster that has their
    /// separators (below).
    always: u64,
    /// Per count of dots (0..=7, more counted as 7): the rules whose `min_dots` it reaches.
    /// The same per count of colons or hyphens (`min_seps`) and per most decimals
    /// (`min_decimals`). A cluster is offered only to rules whose bits all three set:
    /// the address and coordinate rules, which have no length condition, are otherwise
    /// offered every timestamp and amount of a text.
    by_dots: [u64; 8],
    by_seps: [u64; 8],
    by_decimals: [u64; 8],
}

impl TokenDispatch {
    /// `None` when there are more token rules than bits: every rule is then tried.
    fn new(rules: &[CompiledRule], token_rules: &[u32]) -> Option<TokenDispatch> {
        if token_rules.len() > 64 {
            return None;
        }
        let mut d = TokenDispatch {
            by_run: [0; 64],
            by_zero_run: [0; 64],
            by_alnum: [0; 64],
            by_joined: [0; 64],
            always: 0,
            by_dots: [0; 8],
            by_seps: [0; 8],
            by_decimals: [0; 8],
        };
        for (i, &r) in token_rules.iter().enumerate() {
            let t = rules[r as usize]
                .token
                .as_ref()
                .expect("token rules have a trigger");
            let bit = 1u64 << i;
            // A joined length beyond the table (never seen in practice) is checked on
            // every cluster instead.
            if !t.has_length_condition || t.joined_min > 63 {
                d.always |= bit;
            }
            // A minimum beyond the table is met at its last entry: `fires` still decides.
            for count in 0..8u32 {
                let reached = |min: u32| min.min(7) <= count;
                let at = count as usize;
                d.by_dots[at] |= if reached(t.min_dots) { bit } else { 0 };
                d.by_seps[at] |= if reached(t.min_seps) { bit } else { 0 };
                d.by_decimals[at] |= if reached(t.min_decimals) { bit } else { 0 };
            }
            for len in 0..64 {
                if t.joined_min > 0 && t.joined_min as usize <= len {
                    d.by_joined[len] |= bit;
                }
                if t.run_mask & (1 << len) != 0 {
                    d.by_run[len] |= bit;
                }
                if t.zero_run_mask & (1 << len) != 0 {
                    d.by_zero_run[len] |= bit;
                }
                if t.alnum_mask & (1 << len) != 0 {
                    d.by_alnum[len] |= bit;
                }
            }
        }
        Some(d)
    }

    /// The token rules (bits over `Engine::token_rules`) worth testing for `f`.
    fn offered(&self, f: &ClusterFeatures) -> u64 {
        let gate = |table: &[u64; 8], n: u32| table[n.min(7) as usize];
        let separators = gate(&self.by_dots, f.dots)
            & gate(&self.by_seps, f.colons.max(f.hyphens))
            & gate(&self.by_decimals, f.max_decimals);
        if separators == 0 {
            return 0;
        }
        let mut bits = self.always | self.by_joined[f.max_joined.min(63) as usize];
        for (mask, table) in [
            (f.run_mask, &self.by_run),
            (f.zero_run_mask, &self.by_zero_run),
            (f.alnum_mask, &self.by_alnum),
        ] {
            let mut m = mask;
            while m != 0 {
                bits |= table[m.trailing_zeros() as usize];
                m &= m - 1;
            }
        }
        bits & separators
    }
}

/// How a rule's matches are found.
#[derive(Debug)]
enum Matcher {
    /// A regex; the value is group `v` when present.
    Regex {
        regex: Regex,
        value_group: Option<usize>,
    },
    /// A hand-written matcher of the rule's pattern (see [`shapes`]). The pattern is not
    /// compiled: the shape does every search, and compiling the Han patterns was most of
    /// the time a scan takes to start.
    Shape(Shape),
    /// A watch list: the trigger hit itself is the value.
    Words,
}

impl Matcher {
    /// Whether a match's value is a part of it (the pattern's `v` group).
    fn has_value(&self) -> bool {
        match self {
            Matcher::Regex { value_group, .. } => value_group.is_some(),
            Matcher::Shape(shape) => shape.has_value(),
            Matcher::Words => false,
        }
    }

    /// The leftmost match in `hay` from `from` and its value, `(start, end, value start,
    /// value end)`; the regex's cache and capture buffer are made on its first search.
    /// A watch list has no pattern to search: `None`.
    fn find(
        &self,
        hay: &str,
        from: usize,
        (cache, captures): (&mut Option<Cache>, &mut Option<Captures>),
    ) -> Option<(usize, usize, usize, usize)> {
        match self {
            Matcher::Shape(shape) => shape.find_value(hay.as_bytes(), from, hay.len()),
            Matcher::Regex { regex, value_group } => {
                let input = Input::new(hay).span(from..hay.len());
                let cache = cache.get_or_insert_with(|| regex.create_cache());
                let Some(g) = value_group else {
                    return regex
                        .search_with(cache, &input)
                        .map(|m| (m.start(), m.end(), m.start(), m.end()));
                };
                let caps = captures.get_or_insert_with(|| regex.create_captures());
                regex.search_captures_with(cache, &input, caps);
                caps.get_match().map(|m| match caps.get_group(*g) {
                    Some(v) => (m.start(), m.end(), v.start, v.end),
                    None => (m.start(), m.end(), m.start(), m.end()),
                })
            }
            Matcher::Words => None,
        }
    }
}

/// One compiled rule.
#[derive(Debug)]
struct CompiledRule {
    id: leakscope_core::DetectorId,
    /// The detector's number among the engine's distinct ids (variants share it).
    detector: u32,
    category: Category,
    matcher: Matcher,
    token: Option<TokenTrigger>,
    before: usize,
    after: usize,
    requires_any: Option<Required>,
    boundary: Boundary,
    validator: Option<Validator>,
    normalize: Normalize,
    mask: MaskStyle,
    confidence: Confidence,
    context_required: bool,
    negative_applies: bool,
    fields: Vec<FieldHint>,
    exclude_fields: Vec<String>,
    field_value: bool,
    /// Field-name words of the two halves of a value kept in two fields (see
    /// `RuleSpec::pair_fields`), lower-cased.
    pair_fields: Option<[Vec<String>; 2]>,
    /// Words naming an array that holds the pair, and the element of its first half (see
    /// `RuleSpec::pair_array`).
    pair_array: Option<(Vec<String>, u8)>,
    /// Detector ids whose findings trigger this rule (see `RuleSpec::near`).
    near: Vec<String>,
    /// Words that drop a match found just after them (see `RuleSpec::reject_before`).
    reject_before: Option<AhoCorasick>,
    priority: i32,
}

/// The words a candidate window must contain before a rule's pattern runs (see
/// `TriggerSpec::requires_any`).
#[derive(Debug)]
struct Required {
    /// The words, matched as written (case and all).
    words: Vec<String>,
    /// Their own automaton: asked when the rule has no slot in the shared one.
    ac: AhoCorasick,
    /// The rule's bit in [`WordRoles::required_by`]: the words are then among the shared
    /// automaton's, and a window is answered from the text's word occurrences instead of
    /// a search of its bytes (a postal address's merged windows cover most of a dense
    /// text, so that search was a second pass over it).
    slot: Option<u8>,
}

impl Required {
    /// Whether `text[start..end]` contains one of the words.
    fn found(
        &self,
        hits: &WordHits,
        roles: &[WordRoles],
        text: &str,
        start: usize,
        end: usize,
    ) -> bool {
        let Some(slot) = self.slot else {
            return self.ac.is_match(&text[start..end]);
        };
        hits.starting_in(start, end).iter().any(|h| {
            h.end <= end && roles[h.word as usize].required_by & (1u64 << slot) != 0 && {
                // The shared automaton ignores ASCII case; these words do not.
                let found = &text[h.start..h.end];
                !found.bytes().any(|b| b.is_ascii_alphabetic())
                    || self.words.iter().any(|w| w == found)
            }
        })
    }
}

/// What a field name says, worked out once per distinct name and cached by the scanner:
/// a table column or JSON key repeats for every record, and tokenising it per cell was
/// the largest cost of scanning exports.
#[derive(Debug)]
struct FieldFacts {
    /// The field name itself, as findings report it: shared by every finding of the field
    /// instead of copied into each.
    name: std::sync::Arc<str>,
    /// What the rules read in the name, shared by names that differ only in an array
    /// index (see [`Scanner::facts`]).
    rules: std::sync::Arc<NameRules>,
}

impl std::ops::Deref for FieldFacts {
    type Target = NameRules;

    fn deref(&self) -> &NameRules {
        &self.rules
    }
}

/// What the rules read in a field name.
#[derive(Debug, PartialEq, Eq)]
struct NameRules {
    /// Per rule: the name says the value is this rule's kind of data.
    supports: Vec<bool>,
    /// The name holds a negative-context word (`order_no`, `sha`).
    negative: bool,
    /// Per rule: 1 or 2 when the name is the first or second half of a field pair.
    pair_role: Vec<u8>,
    /// The name supports no rule and is not negative (`A`, `col3`, `备注`): its values are
    /// searched by rules triggered by form context, like those of a field without a name.
    says_nothing: bool,
    /// The rules, in `Engine::field_rules` order, that this name lets match a whole value
    /// (`field_value` rules it supports): usually none, and then a cell costs nothing here.
    value_rules: Vec<u32>,
}

/// Field names remembered per scanner before the cache starts over (a JSON document with
/// ever-new keys must not grow it without bound).
const FIELD_CACHE_MAX: usize = 4096;

/// A field-name hint, pre-split for token matching.
#[derive(Debug, Clone)]
struct FieldHint {
    /// Lower-case tokens of an ASCII hint; empty for a non-ASCII hint.
    tokens: Vec<String>,
    /// The hint lower-cased, letters and digits only.
    compact: String,
}

/// A rule and a window of the scanned text in which its pattern should run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Candidate {
    /// Index of the rule in the engine.
    pub rule: u32,
    /// Window start (byte offset in the scanned text).
    pub start: usize,
    /// Window end.
    pub end: usize,
    /// Index of the segment (field value) the window lies in; 0 for free text.
    pub segment: u32,
}

/// One independent stretch of the scanned text: the whole of a free text, or one field
/// value of a record. Windows, context and boundaries never reach across segments, so a
/// record scanned in one pass finds exactly what scanning its values one by one would.
#[derive(Debug, Clone)]
struct Segment {
    /// Start and end in the text as given.
    orig_start: usize,
    orig_end: usize,
    /// Start and end in the folded text that is scanned.
    start: usize,
    end: usize,
    /// What the field name says, for field values.
    facts: Option<std::sync::Arc<FieldFacts>>,
}

/// One field of a record handed to [`Scanner::scan_record`].
#[derive(Debug, Clone, Copy)]
pub struct RecordField<'a> {
    /// Column, key path or header name; empty when the field has no name.
    pub name: &'a str,
    /// The value.
    pub value: &'a str,
}

/// A confirmed, validated match before it becomes a [`Finding`].
#[derive(Debug, Clone, Copy)]
struct Confirmed {
    rule: u32,
    segment: u32,
    start: usize,
    end: usize,
    confidence: Confidence,
    supported: bool,
    /// The rule's priority and whether it is a user's own detector, kept here so that
    /// resolving claims compares these fields instead of looking the rule up each time.
    priority: i32,
    custom: bool,
    /// The rule's detector number (see `CompiledRule::detector`).
    detector: u32,
}

/// Compiled rules. Immutable and shareable across threads.
#[derive(Debug)]
pub struct Engine {
    /// The required-word slot bit of the traditional marker characters (0: none).
    traditional_bit: u64,
    /// How many distinct detector ids the rules have.
    detectors: usize,
    rules: Vec<CompiledRule>,
    /// One automaton for every trigger, context, negative-context and required word
    /// (ASCII-case-insensitive), searched once per text for every occurrence (see
    /// [`WordHits`]).
    words: Option<WordDfa>,
    /// Per word of `words`: what it is to the stages.
    word_roles: Vec<WordRoles>,
    /// Per word, its `WordRoles::required_by`, packed densely for the word search.
    word_required: Vec<u64>,
    /// Per rule, the bit of its required words' slot (none: 0), packed likewise.
    rule_required: Vec<u64>,
    /// Per trigger word: the rules it triggers, each with the exact spelling required
    /// when the trigger is a case-sensitive literal.
    trigger_owners: Vec<Vec<(u32, Option<String>)>>,
    token_rules: Vec<u32>,
    /// Which token rules a cluster's features can fire (see [`TokenDispatch`]).
    token_dispatch: Option<TokenDispatch>,
    /// Token rules with required words: (their bit in the dispatch masks, their slot).
    token_required: Vec<(u32, u8)>,
    max_token_before: usize,
    /// Per context word: the rules it supports.
    context_rules: Vec<Vec<u32>>,
    negative_words: Vec<String>,
    /// The negative words and the words negative in field names only.
    negative_names: Vec<String>,
    field_rules: Vec<u32>,
    hash_key: HashKey,
    vctx: ValidationContext,
    min_confidence: Confidence,
    max_window: usize,
    /// Some rule joins two fields of a record (see `RuleSpec::pair_fields`).
    has_pair_rules: bool,
    /// Per rule: the rules its findings trigger (see `RuleSpec::near`); empty for most.
    anchored_by: Vec<Vec<u32>>,
    /// Some rule is triggered by other rules' findings.
    has_anchored_rules: bool,
    /// No word the rules look for in field names holds a digit, so names that differ only
    /// in an array index of two or more (`12.phone`, `13.phone`) read alike to every rule
    /// (see [`Scanner::facts`]).
    index_blind: bool,
}

/// Summary of one rule for listings (`leakscope detectors`).
#[derive(Debug, Clone)]
pub struct RuleInfo {
    /// Detector id.
    pub id: String,
    /// Category.
    pub category: Category,
}

impl Engine {
    /// The built-in catalog with the given configuration.
    pub fn builtin(config: &EngineConfig) -> Result<Engine, RuleError> {
        Engine::new(&RuleFile::builtin()?, config)
    }

    /// Compiles rule files. Every problem (bad regex, unknown validator, duplicate id) is
    /// reported as a located [`RuleError`].
    pub fn new(files: &[RuleFile], config: &EngineConfig) -> Result<Engine, RuleError> {
        let mut rules = Vec::new();
        let mut literal_pats: Vec<(String, u32)> = Vec::new();
        let mut keyword_pats: Vec<(String, u32)> = Vec::new();
        let mut context_pats: Vec<(String, u32)> = Vec::new();
        let mut negative_words: Vec<String> = Vec::new();
        let mut seen: Vec<(String, Option<String>)> = Vec::new();
        let mut negative_names: Vec<String> = Vec::new();
        for file in files {
            for w in &file.negative_context {
                if !negative_words.contains(w) {
                    negative_words.push(w.clone());
                }
            }
            for w in file
                .negative_context
                .iter()
                .chain(&file.negative_field_names)
            {
                if !negative_names.contains(w) {
                    negative_names.push(w.clone());
                }
            }
            for spec in &file.rules {
                let key = (spec.id.get_ref().clone(), spec.variant.clone());
                if seen.contains(&key) {
                    return Err(file.error_at(
                        spec,
                        "duplicate rule id (give each rule sharing an id a distinct `variant`)",
                    ));
                }
                seen.push(key);
                let rule = compile_rule(file, spec)?;
                if !enabled(&rule, config) {
                    continue;
                }
                let index = rules.len() as u32;
                // Text is matched after full-width forms are folded to ASCII, so trigger
                // words are folded the same way: a watch-list term written `１３８…` or
                // `ＢＬＵＥ` must still be found.
                let folded = |w: &String| w.chars().map(crate::fold::fold_char).collect::<String>();
                for l in &spec.trigger.literals {
                    literal_pats.push((folded(l), index));
                }
                for k in spec.trigger.keywords.iter().chain(&spec.words) {
                    keyword_pats.push((folded(k), index));
                }
                for c in &spec.context {
                    context_pats.push((c.clone(), index));
                }
                rules.push(rule);
            }
        }
        // A `near` id must name a rule of these files: a typo would quietly never trigger.
        for file in files {
            for spec in &file.rules {
                if let Some(unknown) = spec.near.iter().find(|n| !seen.iter().any(|s| &s.0 == *n)) {
                    return Err(file.error_at(
                        spec,
                        format!("`near` names `{unknown}`, which no rule file defines"),
                    ));
                }
            }
        }
        // Variants of one detector share a number, so that resolving claims can tell
        // which findings are the same detector's. A user's own rule never shares one with
        // a built-in rule, even under the same id: its claims stand beside theirs.
        let mut ids: Vec<(leakscope_core::DetectorId, bool)> = Vec::new();
        for rule in &mut rules {
            let key = (rule.id.clone(), rule.category == Category::Custom);
            let slot = match ids.iter().position(|id| *id == key) {
                Some(slot) => slot,
                None => {
                    ids.push(key);
                    ids.len() - 1
                }
            };
            rule.detector = slot as u32;
        }
        let (trigger_words, trigger_owners) = trigger_words(&literal_pats, &keyword_pats);
        let (context_words, context_rules) = context_words(&context_pats);
        // Required words join the shared automaton, one bit per rule, for as many rules
        // as a bit mask holds (an empty word, which every window contains, stays out).
        let mut required: Vec<(String, u8)> = Vec::new();
        let mut slots = 0u8;
        for rule in &mut rules {
            if let Some(req) = rule.requires_any.as_mut() {
                if slots < 64 && req.words.iter().all(|w| !w.is_empty()) {
                    required.extend(req.words.iter().map(|w| (w.clone(), slots)));
                    req.slot = Some(slots);
                    slots += 1;
                }
            }
        }
        // The traditional forms of common characters take a slot of their own: found
        // anywhere in a text, it is read as simplified (see `script`).
        let traditional_bit = if slots < 64 {
            required.extend(
                crate::script::traditional_forms(crate::script::MARKERS)
                    .into_iter()
                    .map(|c| (c.to_string(), slots)),
            );
            1u64 << slots
        } else {
            0
        };
        let (words, word_roles) =
            word_automaton(&trigger_words, &context_words, &negative_words, &required);
        let token_rules: Vec<u32> = rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.token.is_some())
            .map(|(i, _)| i as u32)
            .collect();
        let token_dispatch = TokenDispatch::new(&rules, &token_rules);
        let token_required: Vec<(u32, u8)> = token_rules
            .iter()
            .enumerate()
            .take(64)
            .filter_map(|(bit, &r)| {
                let slot = rules[r as usize].requires_any.as_ref()?.slot?;
                Some((bit as u32, slot))
            })
            .collect();
        let max_token_before = token_rules
            .iter()
            .map(|&i| rules[i as usize].before)
            .max()
            .unwrap_or(0);
        let field_rules: Vec<u32> = rules
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.fields.is_empty())
            .map(|(i, _)| i as u32)
            .collect();
        let max_window = rules.iter().map(|r| r.before + r.after).max().unwrap_or(0);
        let has_pair_rules = rules.iter().any(|r| r.pair_fields.is_some());
        // A `near` id that exists but is not enabled (`--detectors person_name`) never
        // triggers: the rule then finds only what its own trigger finds.
        let mut anchored_by: Vec<Vec<u32>> = vec![Vec::new(); rules.len()];
        for (a, anchored) in rules.iter().enumerate() {
            for (r, anchor) in rules.iter().enumerate() {
                if r != a && anchored.near.iter().any(|n| anchor.id == *n) {
                    anchored_by[r].push(a as u32);
                }
            }
        }
        let has_anchored_rules = anchored_by.iter().any(|v| !v.is_empty());
        // A negative word is looked for among a name's ASCII words as a prefix followed
        // only by digits (`md5` in `md5_2`), so only one of digits alone could tell two
        // indices apart; a non-ASCII one anywhere in the name, so any digit in it could.
        let index_blind = !rules.iter().any(CompiledRule::reads_digits_in_names)
            && !negative_names.iter().any(|w| {
                if w.is_ascii() {
                    !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit())
                } else {
                    w.bytes().any(|b| b.is_ascii_digit())
                }
            });
        let rule_required = rules
            .iter()
            .map(|r| {
                r.requires_any
                    .as_ref()
                    .and_then(|req| req.slot)
                    .map_or(0, |slot| 1u64 << slot)
            })
            .collect();
        Ok(Engine {
            traditional_bit,
            detectors: ids.len(),
            rules,
            words,
            word_required: word_roles.iter().map(|r| r.required_by).collect(),
            rule_required,
            word_roles,
            trigger_owners,
            token_rules,
            token_dispatch,
            token_required,
            max_token_before,
            context_rules,
            negative_words,
            negative_names,
            field_rules,
            hash_key: config.hash_key.clone(),
            vctx: ValidationContext {
                today: config.today,
            },
            min_confidence: config.min_confidence,
            max_window,
            has_pair_rules,
            anchored_by,
            has_anchored_rules,
            index_blind,
        })
    }

    /// The enabled rules, one entry per rule (ids repeat for variants).
    pub fn rules(&self) -> Vec<RuleInfo> {
        self.rules
            .iter()
            .map(|r| RuleInfo {
                id: r.id.to_string(),
                category: r.category,
            })
            .collect()
    }

    /// The largest window any rule searches around a trigger: the overlap a chunked
    /// reader must keep so that no match is lost at a chunk boundary.
    pub fn max_window(&self) -> usize {
        self.max_window
    }

    /// A scanner bound to this engine. Make one per thread and reuse it.
    pub fn scanner(&self) -> Scanner<'_> {
        // A rule's regex cache is made when the rule first runs: most rules never run in
        // a given scan, and making every cache was a few milliseconds per worker.
        let caches = std::iter::repeat_with(|| None)
            .take(self.rules.len())
            .collect();
        let captures = std::iter::repeat_with(|| None)
            .take(self.rules.len())
            .collect();
        Scanner {
            engine: self,
            folded: Folded::default(),
            candidates: Vec::new(),
            merge: MergeScratch::default(),
            found: Vec::new(),
            queued: Vec::new(),
            confirmed: Vec::new(),
            caches,
            captures,
            normalized: String::new(),
            field_cache: Default::default(),
            indexed_rules: Default::default(),
            record_facts: Vec::new(),
            hits: WordHits::default(),
            segments: Vec::new(),
            record_text: String::new(),
            reach: Vec::new(),
            inside: Vec::new(),
            keep_raw: true,
            values: true,
        }
    }

    /// What `field` says to each rule.
    fn name_rules(&self, field: &str) -> NameRules {
        // Read once for every rule: the rules asked for the name's words, lower case and
        // compact form anew each, three allocations a rule, and key paths that hold an
        // array index (`12.phone`) are new for every record of a JSON array.
        let read = ReadName::new(field);
        let supports: Vec<bool> = self.rules.iter().map(|r| r.field_matches(&read)).collect();
        let negative = self.field_is_negative(&read);
        let value_rules = self
            .field_rules
            .iter()
            .copied()
            .filter(|&r| self.rules[r as usize].field_value && supports[r as usize])
            .collect();
        NameRules {
            says_nothing: !negative && !supports.contains(&true),
            value_rules,
            supports,
            negative,
            pair_role: self.rules.iter().map(|r| r.pair_role(&read)).collect(),
        }
    }

    /// True when a field name says its values are not about a person (`order_no`,
    /// `trackingNumber`, `sha256`, `订单号`). ASCII words are compared with the name's
    /// words (so `sha` does not match `shanghai`), a word followed only by digits counts;
    /// other words are found anywhere in the name.
    fn field_is_negative(&self, read: &ReadName) -> bool {
        let tokens = &read.tokens;
        self.negative_names.iter().any(|w| {
            if !w.is_ascii() {
                return read.compact.contains(w.as_str());
            }
            if !w.bytes().all(|c| c.is_ascii_alphanumeric()) {
                return false;
            }
            tokens.iter().any(|t| {
                t.strip_prefix(w.as_str())
                    .is_some_and(|rest| rest.bytes().all(|c| c.is_ascii_digit()))
            })
        })
    }

    /// The negative-context words in force (for documentation and tests).
    pub fn negative_words(&self) -> &[String] {
        &self.negative_words
    }
}

fn enabled(rule: &CompiledRule, config: &EngineConfig) -> bool {
    if let Some(only) = &config.only_detectors {
        if !only.iter().any(|d| rule.id == *d) {
            return false;
        }
    }
    if config.exclude_detectors.iter().any(|d| rule.id == *d) {
        return false;
    }
    if let Some(cats) = &config.categories {
        if !cats.contains(&rule.category) {
            return false;
        }
    }
    true
}

/// The distinct trigger words (lower-cased) and, per word, the rules it triggers. Literal
/// and keyword triggers share one pass over the text; a case-sensitive literal is checked
/// against the matched bytes afterwards.
#[allow(clippy::type_complexity)]
fn trigger_words(
    literals: &[(String, u32)],
    keywords: &[(String, u32)],
) -> (Vec<String>, Vec<Vec<(u32, Option<String>)>>) {
    let mut words: Vec<String> = Vec::new();
    let mut owners: Vec<Vec<(u32, Option<String>)>> = Vec::new();
    let entries = literals
        .iter()
        .map(|(w, r)| (w, *r, Some(w.clone())))
        .chain(keywords.iter().map(|(w, r)| (w, *r, None)));
    for (w, r, exact) in entries {
        let slot = word_slot(&mut words, &mut owners, w);
        if !owners[slot].contains(&(r, exact.clone())) {
            owners[slot].push((r, exact));
        }
    }
    (words, owners)
}

/// The distinct context words (lower-cased) and, per word, the rules it supports.
fn context_words(pats: &[(String, u32)]) -> (Vec<String>, Vec<Vec<u32>>) {
    let mut words: Vec<String> = Vec::new();
    let mut owners: Vec<Vec<u32>> = Vec::new();
    for (p, r) in pats {
        let slot = word_slot(&mut words, &mut owners, p);
        if !owners[slot].contains(r) {
            owners[slot].push(*r)
        }
    }
    (words, owners)
}

/// The index of `word`, lower-cased (every word table is matched ignoring ASCII case),
/// in `words`; a new word is added, with a default entry in `items` beside it.
fn word_slot<T: Default>(words: &mut Vec<String>, items: &mut Vec<T>, word: &str) -> usize {
    let key = word.to_ascii_lowercase();
    match words.iter().position(|w| *w == key) {
        Some(i) => i,
        None => {
            words.push(key);
            items.push(T::default());
            words.len() - 1
        }
    }
}

/// One DFA over the trigger, context, negative-context and required words, each distinct word
/// once with its roles. It is searched for every occurrence (standard semantics,
/// overlapping), once per text: the trigger stage and each value's context lookups then
/// pick, from those occurrences, exactly what their own non-overlapping searches would
/// have found (see [`WordHits`]), where three automata used to run, the context ones
/// over a window around every value (as many bytes again as the text, in dense data).
fn word_automaton(
    triggers: &[String],
    context: &[String],
    negative: &[String],
    required: &[(String, u8)],
) -> (Option<WordDfa>, Vec<WordRoles>) {
    let mut words: Vec<String> = Vec::new();
    let mut roles: Vec<WordRoles> = Vec::new();
    for (i, w) in triggers.iter().enumerate() {
        let at = word_slot(&mut words, &mut roles, w);
        roles[at].trigger = Some(i as u32);
    }
    for (i, w) in context.iter().enumerate() {
        let at = word_slot(&mut words, &mut roles, w);
        roles[at].context = Some(i as u32);
    }
    for w in negative {
        let at = word_slot(&mut words, &mut roles, w);
        roles[at].negative = true;
    }
    for (w, slot) in required {
        let at = word_slot(&mut words, &mut roles, w);
        roles[at].required_by |= 1u64 << slot;
    }
    if words.is_empty() {
        return (None, roles);
    }
    let dfa = WordDfa::new(&words).expect("trigger, context and negative words are plain literals");
    (Some(dfa), roles)
}

/// What one word of the shared automaton is to the stages (a word can be several).
#[derive(Debug, Clone, Copy, Default)]
struct WordRoles {
    /// Index into `Engine::trigger_owners`.
    trigger: Option<u32>,
    /// Index into `Engine::context_rules`.
    context: Option<u32>,
    /// A negative-context word.
    negative: bool,
    /// Bit `n` set: a required word of the rule in slot `n` (see [`Required::slot`]).
    required_by: u64,
}

/// One occurrence of a word of the shared automaton in the scanned text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Hit {
    start: usize,
    end: usize,
    word: u32,
}

/// Every occurrence of every word in the scanned text, sorted by start and, at one start,
/// longest first. The stages ask for what a non-overlapping search of some part of the
/// text would report, and get exactly that: the occurrences inside the part, chosen
/// leftmost-longest (triggers, context) or earliest-ending (negative words, as the
/// standard search reports them).
#[derive(Debug, Default)]
struct WordHits {
    hits: Vec<Hit>,
    /// Where the last lookup started. Lookups mostly move forward by a little (each rule's
    /// values are accepted in text order), so the next one gallops from here instead of
    /// searching the whole list: binary searches of a text's tens of thousands of hits
    /// were most of the cost of accepting a value.
    cursor: std::cell::Cell<usize>,
    /// The word automaton's scratch list (see [`WordDfa::each`]).
    later: Vec<(usize, usize, u32)>,
    /// The slots of the required words found (see [`Required::slot`]), one bit each.
    required: u64,
}

impl WordHits {
    /// Finds every occurrence in `text` of the words of `words` (built by
    /// [`word_automaton`]).
    fn find(&mut self, words: Option<&WordDfa>, required_by: &[u64], text: &str) {
        self.hits.clear();
        self.cursor.set(0);
        self.required = 0;
        let Some(words) = words else {
            return;
        };
        // Occurrences come by end. Words are short, so each one belongs only a few places
        // back in start order: an insertion costs about what a push does, where sorting
        // the list was a third of the search's cost.
        let key = |h: &Hit| (h.start, std::cmp::Reverse(h.end));
        let hits = &mut self.hits;
        let required = &mut self.required;
        words.each(text.as_bytes(), &mut self.later, |start, end, word| {
            *required |= required_by[word as usize];
            let hit = Hit { start, end, word };
            let mut at = hits.len();
            while at > 0 && key(&hits[at - 1]) > key(&hit) {
                at -= 1;
            }
            hits.insert(at, hit);
        });
    }

    /// The occurrences starting in `from..to`.
    fn starting_in(&self, from: usize, to: usize) -> &[Hit] {
        let a = gallop(&self.hits, self.cursor.get(), from);
        self.cursor.set(a);
        let b = gallop(&self.hits, a, to);
        &self.hits[a..b]
    }

    /// What a leftmost-longest, non-overlapping search of `from..to` for the words that
    /// `keep` accepts reports, in order.
    fn leftmost_longest<'h>(
        &'h self,
        from: usize,
        to: usize,
        keep: impl Fn(&Hit) -> bool + 'h,
    ) -> impl Iterator<Item = &'h Hit> + 'h {
        let mut last_end = from;
        self.starting_in(from, to).iter().filter(move |h| {
            // At one start the longest comes first; once taken, the shorter ones there
            // start before its end.
            let take = h.start >= last_end && h.end <= to && keep(h);
            if take {
                last_end = h.end;
            }
            take
        })
    }

    /// What a standard (earliest-ending), non-overlapping search of `from..to` for the
    /// words that `keep` accepts reports, in order. Windows are a few dozen bytes, so the
    /// few occurrences in one are simply scanned again for each report.
    fn earliest_ending<'h>(
        &'h self,
        from: usize,
        to: usize,
        keep: impl Fn(&Hit) -> bool + 'h,
    ) -> impl Iterator<Item = &'h Hit> + 'h {
        let inside = self.starting_in(from, to);
        let mut last_end = from;
        std::iter::from_fn(move || {
            let next = inside
                .iter()
                .filter(|h| h.start >= last_end && h.end <= to && keep(h))
                .min_by_key(|h| h.end)?;
            last_end = next.end;
            Some(next)
        })
    }
}

/// The first index of `hits` (sorted by start) whose hit starts at or after `key`, searched
/// from `hint` outward in doubling steps and then by bisection: a few comparisons when
/// the answer is near the hint, a binary search's worth when it is not.
fn gallop(hits: &[Hit], hint: usize, key: usize) -> usize {
    let hint = hint.min(hits.len());
    let (lo, hi) = if hint == hits.len() || hits[hint].start >= key {
        // The answer is at or before the hint.
        let mut step = 1;
        let mut hi = hint;
        loop {
            let lo = hi.saturating_sub(step);
            if lo == 0 || hits[lo].start < key {
                break (lo, hi);
            }
            hi = lo;
            step *= 2;
        }
    } else {
        // After it.
        let mut step = 1;
        let mut lo = hint + 1;
        loop {
            let hi = (lo + step).min(hits.len());
            if hi == hits.len() || hits[hi].start >= key {
                break (lo, hi);
            }
            lo = hi + 1;
            step *= 2;
        }
    };
    lo + hits[lo..hi].partition_point(|h| h.start < key)
}

fn compile_rule(file: &RuleFile, spec: &RuleSpec) -> Result<CompiledRule, RuleError> {
    let id = spec.id.get_ref().clone();
    if id.is_empty()
        || !id.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-' || b == b'.'
        })
    {
        return Err(file.error_at(
            spec,
            "id must be non-empty lower-case letters, digits, `_`, `-` or `.`",
        ));
    }
    let category = file.category_of(spec)?;
    let matcher = match (&spec.pattern, spec.words.is_empty()) {
        (Some(p), true) => match &spec.shape {
            Some(name) => {
                let shape = Shape::by_name(name)
                    .ok_or_else(|| file.error_at(spec, format!("unknown shape `{name}`")))?;
                // The pattern stays the definition: a shape stands in for exactly one (its
                // property tests compare it with that pattern compiled).
                if shape.pattern() != p {
                    return Err(file.error_at(
                        spec,
                        format!(
                            "shape `{name}` implements the pattern '{}', not this rule's",
                            shape.pattern()
                        ),
                    ));
                }
                Matcher::Shape(shape)
            }
            None => {
                let regex =
                    Regex::new(p).map_err(|e| file.error_at(spec, format!("bad pattern: {e}")))?;
                let value_group = regex
                    .group_info()
                    .to_index(regex_automata::PatternID::ZERO, "v");
                Matcher::Regex { regex, value_group }
            }
        },
        (None, false) => Matcher::Words,
        (Some(_), false) => {
            return Err(file.error_at(spec, "give either `pattern` or `words`, not both"))
        }
        (None, true) => {
            return Err(file.error_at(spec, "a rule needs a `pattern` or a `words` list"))
        }
    };
    let t = &spec.trigger;
    let token = t.is_token().then(|| TokenTrigger {
        run_mask: length_mask(&t.run_len),
        zero_run_mask: length_mask(&t.zero_run_len),
        alnum_mask: length_mask(&t.alnum_len),
        joined_min: t.joined_min.unwrap_or(0),
        has_length_condition: !t.run_len.is_empty()
            || !t.zero_run_len.is_empty()
            || !t.alnum_len.is_empty()
            || t.joined_min.is_some(),
        min_run: t.min_run.unwrap_or(0),
        min_dots: t.min_dots.unwrap_or(0),
        min_decimals: t.min_decimals.unwrap_or(0),
        min_seps: t.min_seps.unwrap_or(0),
        letter: t.letter,
        cjk_before: t.cjk_before,
    });
    if token.is_none()
        && t.literals.is_empty()
        && t.keywords.is_empty()
        && spec.words.is_empty()
        && spec.near.is_empty()
    {
        return Err(file.error_at(
            spec,
            "trigger needs `literals`, `keywords`, a token condition (`run_len`, `alnum_len`, `joined_min`, `min_run`, …) or `near` detectors",
        ));
    }
    check_trigger_words(file, spec, t)?;
    let [before, after] = spec.window.unwrap_or(if matches!(matcher, Matcher::Words) {
        [0, 0]
    } else {
        [0, 256]
    });
    if before + after > 65536 {
        return Err(file.error_at(spec, "window is larger than 64 KiB"));
    }
    let boundary = match spec.boundary.as_deref().unwrap_or(if matches!(matcher, Matcher::Words) { "alnum" } else { "none" }) {
        "none" => Boundary::None,
        "digit" => Boundary::Digit,
        "alnum" => Boundary::Alnum,
        "alnum_before" => Boundary::AlnumBefore,
        "alnum_after" => Boundary::AlnumAfter,
        "dotted" => Boundary::Dotted,
        "joined" => Boundary::Joined,
        "grouped" => Boundary::Grouped,
        "spaced" => Boundary::Spaced,
        "base64" => Boundary::Base64,
        "email" => Boundary::Email,
        "pair" => Boundary::Pair,
        other => return Err(file.error_at(spec, format!("unknown boundary `{other}` (none, digit, alnum, alnum_before, alnum_after, dotted, joined, grouped, spaced, base64, email, pair)"))),
    };
    let validator = match &spec.validator {
        None => None,
        Some(name) => Some(validators::by_name(name).ok_or_else(|| {
            file.error_at(
                spec,
                format!(
                    "unknown validator `{name}` (known: {})",
                    validators::VALIDATOR_NAMES.join(", ")
                ),
            )
        })?),
    };
    let normalize = match spec.normalize.as_deref().unwrap_or("trim") {
        "trim" => Normalize::Trim,
        "digits" => Normalize::Digits,
        "mobile" => Normalize::Mobile,
        "upper_alnum" => Normalize::UpperAlnum,
        "lower" => Normalize::Lower,
        "coordinates" => Normalize::Coordinates,
        other => {
            return Err(file.error_at(
                spec,
                format!("unknown normalize `{other}` (trim, digits, mobile, upper_alnum, lower, coordinates)"),
            ))
        }
    };
    let mask = match &spec.mask {
        None => MaskStyle::Ends,
        Some(m) => MaskStyle::from_name(m).ok_or_else(|| {
            file.error_at(
                spec,
                format!("unknown mask `{m}` (ends, first_char, email, block, uri, coordinates)"),
            )
        })?,
    };
    let confidence = match &spec.confidence {
        None => Confidence::Medium,
        Some(c) => c
            .parse()
            .map_err(|e: leakscope_core::ParseEnumError| file.error_at(spec, e.to_string()))?,
    };
    if spec.field_value && spec.fields.is_empty() {
        return Err(file.error_at(spec, "`field_value = true` needs a `fields` list"));
    }
    Ok(CompiledRule {
        id: id.into(),
        category,
        matcher,
        token,
        before,
        after,
        requires_any: if t.requires_any.is_empty() {
            None
        } else {
            Some(Required {
                words: t.requires_any.clone(),
                ac: AhoCorasick::new(&t.requires_any)
                    .map_err(|e| file.error_at(spec, format!("bad requires_any: {e}")))?,
                slot: None,
            })
        },
        boundary,
        validator,
        normalize,
        mask,
        confidence,
        context_required: spec.context_required,
        negative_applies: !spec.ignore_negative_context && category == Category::Pii,
        fields: spec.fields.iter().map(|f| field_hint(f)).collect(),
        exclude_fields: spec
            .exclude_fields
            .iter()
            .map(|f| f.to_lowercase())
            .collect(),
        field_value: spec.field_value,
        pair_fields: match spec.pair_fields.as_slice() {
            [] => None,
            [a, b] => Some([
                a.iter().map(|w| w.to_lowercase()).collect(),
                b.iter().map(|w| w.to_lowercase()).collect(),
            ]),
            _ => return Err(file.error_at(spec, "`pair_fields` needs exactly two lists")),
        },
        pair_array: match &spec.pair_array {
            None => None,
            Some(_) if spec.pair_fields.is_empty() => {
                return Err(file.error_at(spec, "`pair_array` needs `pair_fields`"))
            }
            Some(a) if a.first_at > 1 => {
                return Err(file.error_at(spec, "`pair_array.first_at` is 0 or 1"))
            }
            Some(a) => Some((
                a.names.iter().map(|w| w.to_ascii_lowercase()).collect(),
                a.first_at,
            )),
        },
        near: spec.near.clone(),
        reject_before: if spec.reject_before.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .build(&spec.reject_before)
                    .map_err(|e| file.error_at(spec, format!("bad reject_before: {e}")))?,
            )
        },
        priority: spec.priority,
        detector: 0,
    })
}

fn check_trigger_words(file: &RuleFile, spec: &RuleSpec, t: &TriggerSpec) -> Result<(), RuleError> {
    for w in t
        .literals
        .iter()
        .chain(&t.keywords)
        .chain(&spec.words)
        .chain(&spec.context)
    {
        if w.is_empty() {
            return Err(file.error_at(spec, "empty trigger, context or watch-list word"));
        }
    }
    Ok(())
}

fn field_hint(hint: &str) -> FieldHint {
    if hint.is_ascii() {
        FieldHint {
            tokens: field_tokens(hint),
            compact: compact(hint),
        }
    } else {
        FieldHint {
            tokens: Vec::new(),
            compact: compact(hint),
        }
    }
}

fn compact(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// A field name as the rules read it: its words (see [`field_tokens`]) and its compact
/// form (letters and digits only, lower case). Words of other scripts are looked for in
/// the compact form, so a form's spaced-out label (`姓 名`, `住　址`) reads as the word.
struct ReadName {
    tokens: Vec<String>,
    /// Where the words of the key path's last two steps start in `tokens` (`profile`,
    /// `name` of `user.profile.name`): what a rule's `exclude_fields` veto looks at. A step
    /// further up names what holds the record, not the value (a user's profile holds the
    /// person's name), while the one just above still says whose it is (`product.name`).
    veto_from: usize,
    compact: String,
}

impl ReadName {
    fn new(text: &str) -> Self {
        let tokens = field_tokens(text);
        // A dot separates words, so the words of the path's tail are the last of the
        // name's words.
        let veto_from = text.rmatch_indices('.').nth(1).map_or(0, |(dot, _)| {
            tokens.len() - field_tokens(&text[dot + 1..]).len()
        });
        ReadName {
            tokens,
            veto_from,
            compact: compact(text),
        }
    }

    /// The words a rule's `exclude_fields` veto looks at (see [`ReadName::veto_from`]).
    fn veto_words(&self) -> &[String] {
        &self.tokens[self.veto_from..]
    }
}

/// `field` with every array index of two or more (a run of ASCII digits between two
/// characters that are neither letters nor digits, or the ends) written as `2`; `None`
/// when it has none. Such a run is a word of its own to the rules, and when no word they
/// look for holds a digit, no answer about the name depends on which number it is, except
/// the last word's being `0` or `1`, which are kept.
fn index_key(field: &str) -> Option<String> {
    // A run is a word of its own when neither neighbour is a letter or a digit.
    let apart = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
    crate::digits::rewrite_digit_runs(field, |start, end| {
        let run = &field[start..end];
        let separated =
            apart(field[..start].chars().next_back()) && apart(field[end..].chars().next());
        (separated && !matches!(run, "0" | "1" | "2")).then_some(std::borrow::Cow::Borrowed("2"))
    })
}

/// Splits a field name into lower-case tokens at separators and camelCase humps
/// (`customerName`, `customer_name` and `Customer Name` all give `customer`, `name`).
fn field_tokens(field: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in field.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                tokens.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            tokens.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        tokens.push(cur);
    }
    tokens
}

impl CompiledRule {
    /// Whether every match of the rule holds a Han character (see [`Shape::needs_han`]).
    fn needs_han(&self) -> bool {
        matches!(&self.matcher, Matcher::Shape(s) if s.needs_han())
    }

    /// Whether `field` names the first (1) or second (2) half of this rule's field pair.
    fn pair_role(&self, read: &ReadName) -> u8 {
        let Some(halves) = &self.pair_fields else {
            return 0;
        };
        let (last, tokens) = match read.tokens.split_last() {
            Some((last, rest)) => (last.as_str(), rest),
            None => ("", &read.tokens[..]),
        };
        if let Some((names, first_at)) = &self.pair_array {
            // `coordinates[1]`, `loc.0`: an element of a two-element array the rule names.
            let index = match last {
                "0" => Some(0),
                "1" => Some(1),
                _ => None,
            };
            let named = tokens.last().is_some_and(|t| names.contains(t));
            if let (Some(i), true) = (index, named) {
                return if i == *first_at { 1 } else { 2 };
            }
        }
        let named = |words: &Vec<String>| {
            words.iter().any(|w| {
                if w.is_ascii() {
                    *w == last
                } else {
                    read.compact.contains(w.as_str())
                }
            })
        };
        if named(&halves[0]) {
            1
        } else if named(&halves[1]) {
            2
        } else {
            0
        }
    }

    /// Whether a word this rule looks for in field names holds a digit.
    fn reads_digits_in_names(&self) -> bool {
        let digit = |w: &String| w.bytes().any(|b| b.is_ascii_digit());
        self.fields
            .iter()
            .any(|h| digit(&h.compact) || h.tokens.iter().any(digit))
            || self.exclude_fields.iter().any(digit)
            || self.pair_fields.iter().flatten().flatten().any(digit)
            || self
                .pair_array
                .as_ref()
                .is_some_and(|(names, _)| names.iter().any(digit))
    }

    /// True when a field name says the value is this rule's kind of data.
    fn field_matches(&self, read: &ReadName) -> bool {
        let tokens = &read.tokens;
        if read
            .veto_words()
            .iter()
            .any(|t| self.exclude_fields.contains(t))
        {
            return false;
        }
        self.fields.iter().any(|h| {
            if h.tokens.is_empty() {
                read.compact.contains(&h.compact)
            } else {
                read.compact == h.compact
                    || tokens
                        .windows(h.tokens.len())
                        .any(|w| w == h.tokens.as_slice())
            }
        })
    }
}

/// How the segments of one engine call relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// The fields of one record: a finding in one field may start a search in the others
    /// (a name beside an ID number in another column), and two fields may pair up.
    Record,
    /// Unrelated texts scanned together only to share one pass: each is scanned as alone.
    Each,
}

/// Per-thread scanning state bound to one [`Engine`].
pub struct Scanner<'e> {
    engine: &'e Engine,
    folded: Folded,
    candidates: Vec<Candidate>,
    /// Buffers for merging candidate windows.
    merge: MergeScratch,
    confirmed: Vec<Confirmed>,
    /// One regex cache per rule, so searches never touch the regex's shared pool; made
    /// when the rule's regex first runs (`None` until then, and for the other rules).
    caches: Vec<Option<Cache>>,
    /// One capture buffer per rule whose value is the `v` group, made likewise.
    captures: Vec<Option<Captures>>,
    /// Reused buffer for the normalised value that is hashed.
    normalized: String,
    /// Reused buffer of the (segment, rule) pairs a pattern found in a record.
    found: Vec<(u32, u32)>,
    /// Anchored rules queued over a whole record (see `anchored_matches`).
    queued: Vec<u32>,
    /// Facts per field name seen (see [`FieldFacts`]).
    field_cache: std::collections::HashMap<Box<str>, std::sync::Arc<FieldFacts>>,
    /// The rules' reading of names with an array index, by the name with each index of
    /// two or more written as `2` (see [`Scanner::facts`]).
    indexed_rules: std::collections::HashMap<Box<str>, std::sync::Arc<NameRules>>,
    /// The facts of the previous record's fields by position: the rows of one table name
    /// their columns alike, so a comparison replaces a hash lookup per cell.
    record_facts: Vec<(Box<str>, std::sync::Arc<FieldFacts>)>,
    /// The occurrences of every trigger, context and negative word in the current text.
    hits: WordHits,
    /// The segments of the current scan.
    segments: Vec<Segment>,
    /// Reused buffer holding a record's values joined by line breaks.
    record_text: String,
    /// Per detector, the furthest end of a kept claim (see [`resolve`]).
    reach: Vec<usize>,
    /// Which claims [`resolve`] drops as held inside another of their detector.
    inside: Vec<bool>,
    /// Whether findings carry their raw text (see [`Scanner::set_keep_raw`]).
    keep_raw: bool,
    /// Whether findings carry their masked value and keyed hash (see
    /// [`Scanner::set_values`]).
    values: bool,
}

impl<'e> Scanner<'e> {
    /// The engine this scanner uses.
    pub fn engine(&self) -> &'e Engine {
        self.engine
    }

    /// Whether findings carry their raw text (on by default). A scan that neither filters
    /// by value nor shows values turns it off, and each finding's `raw` is then empty:
    /// one copy of the value fewer per finding.
    pub fn set_keep_raw(&mut self, keep: bool) {
        self.keep_raw = keep;
    }

    /// Whether findings carry their masked value, keyed hash and field name (on by
    /// default). A scan that neither prints, stores nor filters its findings only counts
    /// them: it turns this off, and each finding's `masked` is then empty, its `field`
    /// `None` and its `value_hash`
    /// [`ValueHash::NOT_COMPUTED`](leakscope_core::ValueHash::NOT_COMPUTED). Detection is
    /// the same either way; only what no one reads is not built (a mask and a keyed hash
    /// were a fifth of the cost of a finding).
    pub fn set_values(&mut self, values: bool) {
        self.values = values;
    }

    /// Scans free text. Findings are appended to `out` in order of position, with byte
    /// offsets and 1-based line numbers relative to `text`.
    pub fn scan(&mut self, text: &str, out: &mut Vec<Finding>) {
        self.segments.clear();
        self.push_segment(None, 0, text.len());
        self.scan_segments(text, out, None, Scope::Record);
    }

    /// Scans the value of a named field (a CSV column, JSON key, database column). The field
    /// name is context: it raises confidence, satisfies rules that need context, and lets
    /// rules with `field_value = true` check the whole value.
    pub fn scan_field(&mut self, field: &str, value: &str, out: &mut Vec<Finding>) {
        self.segments.clear();
        self.push_segment(Some(field), 0, value.len());
        self.scan_segments(value, out, None, Scope::Record);
    }

    /// Scans a whole record (a row, a document, a batch of cells) in one pass. Findings are
    /// those that [`Scanner::scan_field`] would give for each value (and [`Scanner::scan`]
    /// for values without a name), with offsets and lines relative to their value, plus
    /// values that rules with `pair_fields` join from two fields of the record (a
    /// coordinate in two columns); `fields_of` receives, for each finding appended to
    /// `out`, the index of its field in `fields`.
    pub fn scan_record(
        &mut self,
        fields: &[RecordField<'_>],
        out: &mut Vec<Finding>,
        fields_of: &mut Vec<u32>,
    ) {
        let text = self.join_segments(fields.iter().enumerate().map(|(i, f)| (i, f.name, f.value)));
        self.scan_segments(&text, out, Some(fields_of), Scope::Record);
        self.record_text = text;
    }

    /// Scans several unrelated texts (the keys of a batch of rows) in one pass. Findings
    /// are exactly those that [`Scanner::scan`] gives for each text alone, with offsets
    /// and lines relative to their text; `texts_of` receives, for each finding appended
    /// to `out`, the index of its text. One pass instead of one per text saves the fixed
    /// cost of a scan, which dominates for short texts.
    pub fn scan_each(&mut self, texts: &[&str], out: &mut Vec<Finding>, texts_of: &mut Vec<u32>) {
        let text = self.join_segments(texts.iter().enumerate().map(|(i, t)| (i, "", *t)));
        self.scan_segments(&text, out, Some(texts_of), Scope::Each);
        self.record_text = text;
    }

    /// Joins `(position, field name, value)` parts by line breaks into the reused record
    /// text, one segment per part (with the field's facts when it has a name).
    fn join_segments<'a>(
        &mut self,
        parts: impl Iterator<Item = (usize, &'a str, &'a str)>,
    ) -> String {
        let mut text = std::mem::take(&mut self.record_text);
        text.clear();
        self.segments.clear();
        for (i, name, value) in parts {
            if i > 0 {
                // A line break ends every token and is outside every pattern's value, so
                // nothing is matched across two parts.
                text.push('\n');
            }
            let start = text.len();
            text.push_str(value);
            let facts = (!name.is_empty()).then(|| self.record_field_facts(i, name));
            self.segments.push(Segment {
                orig_start: start,
                orig_end: text.len(),
                start,
                end: text.len(),
                facts,
            });
        }
        text
    }

    /// The prefilter stage alone: every candidate window, sorted and merged per rule.
    /// Exposed so tests and benchmarks can observe the stage boundary.
    pub fn candidates(&mut self, text: &str) -> Vec<Candidate> {
        let folded = self.folded.fold(text);
        let segments = [Segment {
            orig_start: 0,
            orig_end: text.len(),
            start: 0,
            end: folded.len(),
            facts: None,
        }];
        let mut cands = Vec::new();
        collect_candidates(self.engine, &folded, &segments, &mut cands, &mut self.hits);
        merge_candidates(&mut cands, &mut self.merge, self.engine.rules.len());
        cands
    }

    /// Values kept in two fields of one record (latitude and longitude columns), joined
    /// and validated as one value. The finding is placed at the first field's value.
    fn pair_findings(
        &mut self,
        text: &str,
        out: &mut Vec<Finding>,
        first: usize,
        mut fields_of: Option<&mut Vec<u32>>,
    ) {
        let engine = self.engine;
        // This scan's findings and their fields: the last `found` entries of both lists.
        let found = out.len() - first;
        for (r, rule) in engine.rules.iter().enumerate() {
            // A pair is reported one level above the rule's confidence (see below).
            if rule.pair_fields.is_none() || rule.confidence.raised() < engine.min_confidence {
                continue;
            }
            let role_of = |seg: &Segment| seg.facts.as_ref().map_or(0, |f| f.pair_role[r]);
            let first_half = self.segments.iter().position(|s| role_of(s) == 1);
            let second_half = self.segments.iter().position(|s| role_of(s) == 2);
            let (Some(a), Some(b)) = (first_half, second_half) else {
                continue;
            };
            let (sa, sb) = (&self.segments[a], &self.segments[b]);
            let va = text[sa.orig_start..sa.orig_end].trim();
            let vb = text[sb.orig_start..sb.orig_end].trim();
            if va.is_empty() || vb.is_empty() || va.len() > 64 || vb.len() > 64 {
                continue;
            }
            let joined = format!("{va},{vb}");
            // Checked and hashed as the per-field scan would see it: full-width forms folded.
            let folded: String = joined.chars().map(crate::fold::fold_char).collect();
            let ok = match rule.validator {
                None => true,
                Some(v) => matches!(v(&folded, &engine.vctx), Check::Accept),
            };
            // A value already found in the first field (both halves in one cell) is not
            // reported twice.
            let already = fields_of.as_deref().is_some_and(|owners| {
                out[first..first + found]
                    .iter()
                    .zip(&owners[owners.len().saturating_sub(out.len() - first)..])
                    .any(|(f, o)| *o as usize == a && f.detector == rule.id)
            });
            if !ok || already {
                continue;
            }
            let value = &text[sa.orig_start..sa.orig_end];
            let lead = value.len() - value.trim_start().len();
            let line = 1 + count_newlines(&value.as_bytes()[..lead]);
            let (masked, value_hash) = value_forms(
                self.values,
                engine,
                rule,
                &folded,
                &joined,
                &mut self.normalized,
            );
            out.push(Finding {
                detector: rule.id.clone(),
                category: rule.category,
                // Two fields named for the kind of data are the strongest field evidence.
                confidence: rule.confidence.raised(),
                start: lead,
                end: lead + va.len(),
                line: Some(line),
                field: sa
                    .facts
                    .as_ref()
                    .filter(|_| self.values)
                    .map(|f| f.name.clone()),
                masked,
                value_hash,
                raw: RawValue::new(if self.keep_raw { joined } else { String::new() }),
            });
            if let Some(owners) = fields_of.as_deref_mut() {
                owners.push(a as u32);
            }
        }
    }

    /// Runs the rules that other rules' findings trigger (see `RuleSpec::near`): around
    /// each finding of medium confidence or more within its field, and over the fields of
    /// a record that holds one whose names say nothing (no name, `A`, `col3`). Matches join `self.confirmed`.
    fn anchored_matches(&mut self, text: &str, scope: Scope) {
        let engine = self.engine;
        self.candidates.clear();
        let record = scope == Scope::Record && self.segments.len() > 1;
        // Anchored rules whose record-wide candidates are already queued (the list is
        // kept between records: a fresh one was an allocation per record).
        let mut record_queued = std::mem::take(&mut self.queued);
        record_queued.clear();
        for c in &self.confirmed {
            if c.confidence < Confidence::Medium {
                continue;
            }
            for &a in &engine.anchored_by[c.rule as usize] {
                let rule = &engine.rules[a as usize];
                let seg = &self.segments[c.segment as usize];
                // A name is not looked for around an ID number that fills its field: the
                // window is that number, ASCII, where no Han pattern can match.
                let needs_han = rule.needs_han();
                let start = floor_char(text, c.start.saturating_sub(rule.before).max(seg.start));
                let end = ceil_char(text, (c.end + rule.after).min(seg.end));
                if !(needs_han && text.as_bytes()[start..end].is_ascii()) {
                    self.candidates.push(Candidate {
                        rule: a,
                        start,
                        end,
                        segment: c.segment,
                    });
                }
                if record && !record_queued.contains(&a) {
                    record_queued.push(a);
                    for (i, s) in self.segments.iter().enumerate() {
                        let open = s.facts.as_ref().is_none_or(|f| f.says_nothing);
                        let searched =
                            || !(needs_han && text.as_bytes()[s.start..s.end].is_ascii());
                        if open && i != c.segment as usize && s.end > s.start && searched() {
                            self.candidates.push(Candidate {
                                rule: a,
                                start: s.start,
                                end: s.end,
                                segment: i as u32,
                            });
                        }
                    }
                }
            }
        }
        self.queued = record_queued;
        if self.candidates.is_empty() {
            return;
        }
        self.confirm_candidates(text);
    }

    /// Merges the queued candidate windows and runs each through confirmation, adding the
    /// values kept to `self.confirmed`.
    fn confirm_candidates(&mut self, text: &str) {
        merge_candidates(
            &mut self.candidates,
            &mut self.merge,
            self.engine.rules.len(),
        );
        for cand in &self.candidates {
            let r = cand.rule as usize;
            confirm(
                self.engine,
                &self.hits,
                text,
                *cand,
                &self.segments[cand.segment as usize],
                (&mut self.caches[r], &mut self.captures[r]),
                &mut self.confirmed,
            );
        }
    }

    /// The cached facts of a field name. The key paths of a JSON array of records hold
    /// each element's index (`12.phone`), so every record's names are new; when no rule
    /// reads digits in names (`Engine::index_blind`), the rules read such a name exactly
    /// as the same name with the index written as `2`, and that reading is shared. Indices
    /// 0 and 1 are kept: they tell the halves of a coordinate pair (`coordinates.1`).
    fn facts(&mut self, field: &str) -> std::sync::Arc<FieldFacts> {
        if let Some(f) = self.field_cache.get(field) {
            return f.clone();
        }
        if self.field_cache.len() >= FIELD_CACHE_MAX {
            self.field_cache.clear();
        }
        let engine = self.engine;
        let shared = engine.index_blind.then(|| index_key(field)).flatten();
        let rules = match shared {
            Some(key) => match self.indexed_rules.get(key.as_str()) {
                Some(rules) => rules.clone(),
                None => {
                    if self.indexed_rules.len() >= FIELD_CACHE_MAX {
                        self.indexed_rules.clear();
                    }
                    let rules = std::sync::Arc::new(engine.name_rules(field));
                    self.indexed_rules.insert(key.into(), rules.clone());
                    rules
                }
            },
            None => std::sync::Arc::new(engine.name_rules(field)),
        };
        let facts = std::sync::Arc::new(FieldFacts {
            name: field.into(),
            rules,
        });
        self.field_cache.insert(field.into(), facts.clone());
        facts
    }

    /// The facts of the field at `position` of a record, from the previous record's when
    /// it had the same name there.
    fn record_field_facts(&mut self, position: usize, name: &str) -> std::sync::Arc<FieldFacts> {
        if let Some((known, facts)) = self.record_facts.get(position) {
            if **known == *name {
                return facts.clone();
            }
        }
        let facts = self.facts(name);
        if position < self.record_facts.len() {
            self.record_facts[position] = (name.into(), facts.clone());
        } else if position == self.record_facts.len() && position < FIELD_CACHE_MAX {
            self.record_facts.push((name.into(), facts.clone()));
        }
        facts
    }

    fn push_segment(&mut self, field: Option<&str>, start: usize, end: usize) {
        let facts = field.map(|f| self.facts(f));
        self.segments.push(Segment {
            orig_start: start,
            orig_end: end,
            start,
            end,
            facts,
        });
    }

    /// Runs the stages over `text`, whose segments are in `self.segments`.
    /// Reads `text` (a traditional Chinese text, folded) as simplified and finds its words
    /// and candidates again. Kept out of line: it runs for few texts, and inlined it
    /// changed how the compiler laid out the scan of every other text.
    #[cold]
    #[inline(never)]
    fn read_as_simplified(&mut self, text: &mut String) {
        crate::script::simplify_in_place(text);
        self.candidates.clear();
        collect_candidates(
            self.engine,
            text,
            &self.segments,
            &mut self.candidates,
            &mut self.hits,
        );
    }

    fn scan_segments(
        &mut self,
        text: &str,
        out: &mut Vec<Finding>,
        mut fields_of: Option<&mut Vec<u32>>,
        scope: Scope,
    ) {
        let engine = self.engine;
        let mut folded = self.folded.fold(text);
        if !self.folded.is_identity() {
            for seg in &mut self.segments {
                seg.start = self.folded.to_folded(seg.orig_start);
                seg.end = self.folded.to_folded(seg.orig_end);
            }
        }
        self.candidates.clear();
        self.confirmed.clear();
        collect_candidates(
            engine,
            &folded,
            &self.segments,
            &mut self.candidates,
            &mut self.hits,
        );
        // A traditional character among the words found: the text is read as simplified,
        // character for character and byte for byte, so segments and offsets stay (see
        // `script`), and its words are found again.
        if self.hits.required & engine.traditional_bit != 0 {
            self.read_as_simplified(folded.to_mut());
        }
        let scan_text: &str = &folded;
        self.confirm_candidates(scan_text);
        if self
            .segments
            .iter()
            .any(|s| s.facts.as_ref().is_some_and(|f| !f.value_rules.is_empty()))
        {
            // Which (segment, rule) pairs a pattern already found, so a whole-value match
            // does not repeat them; sorted once instead of searched per field.
            let found = &mut self.found;
            found.clear();
            found.extend(self.confirmed.iter().map(|c| (c.segment, c.rule)));
            found.sort_unstable();
            for (i, seg) in self.segments.iter().enumerate() {
                field_value_matches(
                    engine,
                    &self.hits,
                    scan_text,
                    i as u32,
                    seg,
                    found,
                    &mut self.confirmed,
                );
            }
        }
        if engine.has_anchored_rules {
            self.anchored_matches(scan_text, scope);
        }
        resolve(
            &mut self.confirmed,
            engine.detectors,
            &mut self.reach,
            &mut self.inside,
        );
        let first = out.len();
        let mut line = 1u64;
        let mut line_pos = 0usize;
        let mut current = u32::MAX;
        for c in &self.confirmed {
            let rule = &engine.rules[c.rule as usize];
            if c.confidence < engine.min_confidence {
                continue;
            }
            let seg = &self.segments[c.segment as usize];
            if c.segment != current {
                current = c.segment;
                line = 1;
                line_pos = seg.orig_start;
            }
            let start = self.folded.to_original(c.start);
            let end = self.folded.to_original(c.end);
            // As written, full-width digits and all; a percent-encoded value decoded.
            let raw = if self.folded.decoded_within(c.start, c.end) {
                &scan_text[c.start..c.end]
            } else {
                &text[start..end]
            };
            let (masked, value_hash) = value_forms(
                self.values,
                engine,
                rule,
                &scan_text[c.start..c.end],
                raw,
                &mut self.normalized,
            );
            line += count_newlines(&text.as_bytes()[line_pos..start]);
            line_pos = start;
            // A shared name, but its count is shared too: each copy is an atomic update.
            let field = seg
                .facts
                .as_ref()
                .filter(|_| self.values)
                .map(|f| f.name.clone());
            out.push(Finding {
                detector: rule.id.clone(),
                category: rule.category,
                confidence: c.confidence,
                start: start - seg.orig_start,
                end: end - seg.orig_start,
                line: Some(line),
                field,
                masked,
                value_hash,
                raw: RawValue::new(if self.keep_raw { raw } else { "" }),
            });
            if let Some(owners) = fields_of.as_deref_mut() {
                owners.push(c.segment);
            }
        }
        debug_assert!(
            fields_of.is_some() || out[first..].windows(2).all(|w| w[0].start <= w[1].start)
        );
        if scope == Scope::Record && self.segments.len() > 1 && engine.has_pair_rules {
            self.pair_findings(text, out, first, fields_of);
        }
    }
}

/// A finding's masked value (of `shown`, the value as written) and the keyed hash of
/// `matched` normalised (into the reused `normalized`); when findings carry neither (see
/// [`Scanner::set_values`]), an empty mask and no hash.
fn value_forms(
    values: bool,
    engine: &Engine,
    rule: &CompiledRule,
    matched: &str,
    shown: &str,
    normalized: &mut String,
) -> (String, ValueHash) {
    if !values {
        return (String::new(), ValueHash::NOT_COMPUTED);
    }
    normalize_into(rule.normalize, matched, normalized);
    (
        mask_value(shown, rule.mask),
        engine.hash_key.hash(&rule.id, normalized),
    )
}

fn count_newlines(bytes: &[u8]) -> u64 {
    // Between two findings of a record's field there are a few dozen bytes: a plain loop
    // over them costs less than setting up the library's search.
    if bytes.len() < 256 {
        return bytes.iter().filter(|&&b| b == b'\n').count() as u64;
    }
    memchr::memchr_iter(b'\n', bytes).count() as u64
}

/// Prefilter: literal and keyword hits plus digit clusters, as candidate windows. Finds
/// the occurrences of every word first (`hits`), for this stage and the context lookups.
fn collect_candidates(
    engine: &Engine,
    text: &str,
    segments: &[Segment],
    out: &mut Vec<Candidate>,
    hits: &mut WordHits,
) {
    let bytes = text.as_bytes();
    hits.find(engine.words.as_ref(), &engine.word_required, text);
    // The required words present anywhere in the text, one bit per rule's slot: a rule
    // whose words are all absent needs no window at all (the export's address column
    // without a label beside it), so its candidates are not made, sorted and turned
    // away one by one.
    let present = hits.required;
    {
        // Triggers as a non-overlapping leftmost-longest search reports them, which keeps
        // the literal prefilters in play; a trigger hidden inside a longer one (`secret`
        // inside `aws_secret`) belongs to a rule that the longer trigger's rule outranks
        // anyway.
        let mut segs = SegmentCursor::new(segments);
        let roles = &engine.word_roles;
        for m in hits.leftmost_longest(0, text.len(), |h| roles[h.word as usize].trigger.is_some())
        {
            let Some((si, seg)) = segs.containing(m.start, m.end) else {
                continue;
            };
            let Some(trigger) = roles[m.word as usize].trigger else {
                continue;
            };
            for (r, exact) in &engine.trigger_owners[trigger as usize] {
                if exact
                    .as_deref()
                    .is_some_and(|e| e.as_bytes() != &bytes[m.start..m.end])
                {
                    continue;
                }
                let r = *r;
                let rule = &engine.rules[r as usize];
                let needs = engine.rule_required[r as usize];
                if needs != 0 && present & needs == 0 {
                    continue;
                }
                if let Matcher::Words = rule.matcher {
                    out.push(Candidate {
                        rule: r,
                        start: m.start,
                        end: m.end,
                        segment: si,
                    });
                    continue;
                }
                let start = floor_char(text, m.start.saturating_sub(rule.before).max(seg.start));
                let end = ceil_char(text, (m.end + rule.after).min(seg.end));
                out.push(Candidate {
                    rule: r,
                    start,
                    end,
                    segment: si,
                });
            }
        }
    }
    if !engine.token_rules.is_empty() {
        // The token rules (by their dispatch bit) whose required words appear nowhere in
        // the text, dropped from every cluster's offer with one mask.
        let mut allowed = u64::MAX;
        for &(bit, slot) in &engine.token_required {
            if present & (1u64 << slot) == 0 {
                allowed &= !(1u64 << bit);
            }
        }
        scan_clusters(engine, bytes, text, segments, out, allowed);
    }
}

/// The digit-cluster pass. A cluster starts at the letters and digits just before a digit
/// and runs over letters, digits and single joiners (space between digits; `-`, `(`, `)`
/// between alphanumerics; `.` and `:` between alphanumerics; `·` before an alphanumeric).
/// Bit `n` of `allowed` clear: the `n`th token rule cannot match in this text.
fn scan_clusters(
    engine: &Engine,
    bytes: &[u8],
    text: &str,
    segments: &[Segment],
    out: &mut Vec<Candidate>,
    allowed: u64,
) {
    let n = bytes.len();
    let mut segs = SegmentCursor::new(segments);
    let mut i = 0usize;
    while i < n {
        match next_digit(bytes, i) {
            Some(p) => i = p,
            None => break,
        }
        let Some((si, seg)) = segs.containing(i, i + 1) else {
            i += 1;
            continue;
        };
        let mut s = i;
        while s > seg.start && i - s < 16 && bytes[s - 1].is_ascii_alphanumeric() {
            s -= 1;
        }
        let mut f = ClusterFeatures::default();
        // Current run lengths; `joined` counts digits of the current joined group and
        // `joiners` how many joiners it has.
        let (mut run, mut joined, mut joiners, mut alnum) = (0u32, 0u32, 0u32, 0u32);
        let mut zero_start = false;
        let end_run = |f: &mut ClusterFeatures, run: &mut u32, zero_start: bool| {
            if *run > 0 {
                f.run_mask |= 1u64 << (*run).min(63);
                if zero_start {
                    f.zero_run_mask |= 1u64 << (*run).min(63);
                }
                f.max_run = f.max_run.max(*run);
                *run = 0;
            }
        };
        let end_alnum = |f: &mut ClusterFeatures, alnum: &mut u32| {
            if *alnum > 0 {
                f.alnum_mask |= 1u64 << (*alnum).min(63);
                *alnum = 0;
            }
        };
        let end_joined = |f: &mut ClusterFeatures, joined: &mut u32, joiners: &mut u32| {
            if *joiners > 0 {
                f.max_joined = f.max_joined.max(*joined);
            }
            *joined = 0;
            *joiners = 0;
        };
        let mut j = s;
        let n = seg.end;
        while j < n {
            let c = bytes[j];
            if c.is_ascii_digit() {
                // A whole run at once: the run before it, if any, was ended by the byte
                // that precedes this one.
                zero_start = c == b'0' && (j == 0 || !bytes[j - 1].is_ascii_alphabetic());
                let from = j;
                j = skip_digits(bytes, j + 1, n);
                let len = (j - from) as u32;
                // A run right after a dot of this cluster holds a number's decimals (a dot
                // inside the cluster is one the loop took as a joiner).
                if from > s && bytes[from - 1] == b'.' {
                    f.max_decimals = f.max_decimals.max(len);
                }
                run += len;
                joined += len;
                alnum += len;
                continue;
            }
            if c.is_ascii_alphabetic() {
                f.letter = true;
                end_run(&mut f, &mut run, zero_start);
                end_joined(&mut f, &mut joined, &mut joiners);
                let from = j;
                j = skip_letters(bytes, j + 1, n);
                alnum += (j - from) as u32;
                continue;
            }
            let prev = bytes[j - 1];
            let next = bytes.get(j + 1).copied().unwrap_or(0);
            match c {
                b' ' if prev.is_ascii_digit() && next.is_ascii_digit() => {
                    end_run(&mut f, &mut run, zero_start);
                    end_alnum(&mut f, &mut alnum);
                    joiners += 1;
                    j += 1;
                }
                b'-' | b'(' | b')'
                    if (prev.is_ascii_alphanumeric() || prev == b')')
                        && (next.is_ascii_alphanumeric() || next == b'(') =>
                {
                    if c == b'-' {
                        f.hyphens += 1;
                    }
                    end_run(&mut f, &mut run, zero_start);
                    end_alnum(&mut f, &mut alnum);
                    joiners += 1;
                    j += 1;
                }
                b'.' | b':' if prev.is_ascii_alphanumeric() && next.is_ascii_alphanumeric() => {
                    if c == b'.' {
                        f.dots += 1;
                    } else {
                        f.colons += 1;
                    }
                    end_run(&mut f, &mut run, zero_start);
                    end_alnum(&mut f, &mut alnum);
                    end_joined(&mut f, &mut joined, &mut joiners);
                    j += 1;
                }
                0xC2 if next == 0xB7 && bytes.get(j + 2).is_some_and(u8::is_ascii_alphanumeric) => {
                    end_run(&mut f, &mut run, zero_start);
                    end_alnum(&mut f, &mut alnum);
                    joiners += 1;
                    j += 2;
                }
                _ => break,
            }
        }
        end_run(&mut f, &mut run, zero_start);
        end_alnum(&mut f, &mut alnum);
        end_joined(&mut f, &mut joined, &mut joiners);
        let (sep, groups) = letter_groups_before(bytes, s, seg.start);
        match sep {
            b':' => f.colons += groups,
            b'-' => f.hyphens += groups,
            b'.' => f.dots += groups,
            _ => {}
        }
        let e = j;
        let look_from = s
            .saturating_sub(engine.max_token_before.min(8))
            .max(seg.start);
        let cjk_before = bytes[look_from..s].iter().any(|b| *b >= 0x80);
        let mut offer = |r: u32| {
            let rule = &engine.rules[r as usize];
            if rule.token.as_ref().is_some_and(|t| t.fires(&f, cjk_before)) {
                let start = floor_char(text, s.saturating_sub(rule.before).max(seg.start));
                let end = ceil_char(text, (e + rule.after).min(seg.end));
                out.push(Candidate {
                    rule: r,
                    start,
                    end,
                    segment: si,
                });
            }
        };
        match &engine.token_dispatch {
            // At most 64 token rules, one bit each: only the rules whose bits the
            // cluster's features set are visited (two or three of the twenty, usually).
            Some(dispatch) => {
                let mut offered = dispatch.offered(&f) & allowed;
                while offered != 0 {
                    offer(engine.token_rules[offered.trailing_zeros() as usize]);
                    offered &= offered - 1;
                }
            }
            None => engine
                .token_rules
                .iter()
                .enumerate()
                .filter(|(bit, _)| *bit >= 64 || allowed & (1u64 << bit) != 0)
                .for_each(|(_, &r)| offer(r)),
        }
        i = e.max(i + 1);
    }
}

/// Groups of hexadecimal letters, each followed by one joiner, that end right before a
/// cluster starting at `s` (the `AB:CD:EF:` of `AB:CD:EF:12:34:56`, the `abcd.` of
/// `abcd.ef12.3456`): returns the joiner and how many such groups there are. A hardware
/// address whose first groups hold no digit would otherwise show its trigger too few
/// separators, since a cluster starts at the letters just before its first digit. Only
/// groups of the sizes hardware addresses use count (two letters before `:` or `-`, four
/// before `.`), and one kind of joiner, at most five groups.
fn letter_groups_before(bytes: &[u8], s: usize, floor: usize) -> (u8, u32) {
    let hex_letter = |b: u8| matches!(b | 0x20, b'a'..=b'f');
    let Some(&sep) = s.checked_sub(1).filter(|&p| p >= floor).map(|p| &bytes[p]) else {
        return (0, 0);
    };
    let size = match sep {
        b':' | b'-' => 2,
        b'.' => 4,
        _ => return (0, 0),
    };
    let mut groups = 0u32;
    let mut at = s;
    while groups < 5 && at > floor + size && bytes[at - 1] == sep {
        let group = &bytes[at - 1 - size..at - 1];
        if !group.iter().all(|&b| hex_letter(b)) {
            break;
        }
        // The group must start the token: `xAB:` is not a pair.
        let before = at - 1 - size;
        if before > floor && bytes[before - 1].is_ascii_alphanumeric() {
            break;
        }
        groups += 1;
        at = before;
    }
    (sep, groups)
}

/// Finds the segment of positions visited in increasing order, in amortised constant time.
struct SegmentCursor<'s> {
    segments: &'s [Segment],
    next: usize,
}

impl<'s> SegmentCursor<'s> {
    fn new(segments: &'s [Segment]) -> Self {
        SegmentCursor { segments, next: 0 }
    }

    /// The segment holding the whole span `start..end`, if one does (a span in the line
    /// break between two fields, or across it, belongs to none).
    fn containing(&mut self, start: usize, end: usize) -> Option<(u32, &'s Segment)> {
        while self.next < self.segments.len() && self.segments[self.next].end < end {
            if self.segments[self.next].end >= start && self.segments[self.next].start <= start {
                // The span starts in this segment but runs past its end.
                return None;
            }
            self.next += 1;
        }
        let seg = self.segments.get(self.next)?;
        (seg.start <= start).then_some((self.next as u32, seg))
    }
}

/// Bytes tested eight at a time: a lane's high bit is set where a byte is not what the
/// caller looks for. Each lane's sum stays below 256, so no carry crosses into the next.
const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
const HIGHS: u64 = 0x8080_8080_8080_8080;
const ONES: u64 = 0x0101_0101_0101_0101;

/// The end of the run of ASCII digits at `j` (at most `n`). Runs of identifiers are 11
/// to 19 digits long: a word at a time instead of a byte.
fn skip_digits(bytes: &[u8], mut j: usize, n: usize) -> usize {
    while j + 8 <= n {
        let word = u64::from_le_bytes(bytes[j..j + 8].try_into().expect("eight bytes"));
        let x = word ^ (ONES * 0x30);
        // A digit becomes 0..=9; anything else is 10 or more, or has its high bit.
        let other = ((x & LOW7).wrapping_add(ONES * 0x76) | x) & HIGHS;
        if other != 0 {
            return j + (other.trailing_zeros() / 8) as usize;
        }
        j += 8;
    }
    while j < n && bytes[j].is_ascii_digit() {
        j += 1;
    }
    j
}

/// The end of the run of ASCII letters at `j` (at most `n`), a word at a time.
fn skip_letters(bytes: &[u8], mut j: usize, n: usize) -> usize {
    while j + 8 <= n {
        let word = u64::from_le_bytes(bytes[j..j + 8].try_into().expect("eight bytes"));
        // Lower-cased (`| 0x20`), a letter is 0x61..=0x7A and has no high bit.
        let lower = word | (ONES * 0x20);
        let low = lower & LOW7;
        let from_a = low.wrapping_add(ONES * 0x1F);
        let past_z = low.wrapping_add(ONES * 0x05);
        let letter = from_a & !past_z & !lower & HIGHS;
        let other = !letter & HIGHS;
        if other != 0 {
            return j + (other.trailing_zeros() / 8) as usize;
        }
        j += 8;
    }
    while j < n && bytes[j].is_ascii_alphabetic() {
        j += 1;
    }
    j
}

/// Position of the next ASCII digit at or after `from`. Skips eight bytes at a time with
/// a SWAR test, since most bytes of real text (CJK above all) are not digits.
fn next_digit(bytes: &[u8], mut from: usize) -> Option<usize> {
    while from + 8 <= bytes.len() {
        let word = u64::from_le_bytes(bytes[from..from + 8].try_into().expect("eight bytes"));
        // Digits become 0x00..=0x09; "has a byte below 10" is exact for a bound <= 128.
        let x = word ^ (ONES * 0x30);
        if x.wrapping_sub(ONES * 10) & !x & HIGHS != 0 {
            break;
        }
        from += 8;
    }
    bytes[from..]
        .iter()
        .position(u8::is_ascii_digit)
        .map(|p| from + p)
}

/// Reused buffers of [`merge_candidates`].
#[derive(Debug, Default)]
struct MergeScratch {
    /// Candidates grouped by rule.
    grouped: Vec<Candidate>,
    /// Per rule: where its group starts in `grouped`.
    offsets: Vec<usize>,
}

/// Up to this many windows, sorting them beats grouping them by rule.
const SMALL_MERGE: usize = 32;

/// Orders candidates by rule and window and merges overlapping windows of the same rule,
/// so each rule's pattern runs at most once over any byte.
///
/// The prefilter emits each rule's windows in order of position from each of its passes
/// (trigger words, then digit clusters), so a counting sort by rule leaves every group
/// sorted or made of two sorted runs: a full comparison sort of all candidates, once a
/// twentieth of the engine's time on dense text, is needed only for the rare group that
/// is out of order.
fn merge_candidates(cands: &mut Vec<Candidate>, scratch: &mut MergeScratch, rules: usize) {
    if cands.len() < 2 {
        return;
    }
    // A record's few windows are sorted outright: by rule, then start, exactly the order
    // the grouping below produces, without its pass over every rule.
    if cands.len() <= SMALL_MERGE {
        cands.sort_unstable();
        let mut kept = 0;
        for i in 0..cands.len() {
            let c = cands[i];
            if kept > 0 && cands[kept - 1].rule == c.rule && c.start <= cands[kept - 1].end {
                cands[kept - 1].end = cands[kept - 1].end.max(c.end);
            } else {
                cands[kept] = c;
                kept += 1;
            }
        }
        cands.truncate(kept);
        return;
    }
    let MergeScratch { grouped, offsets } = scratch;
    offsets.clear();
    offsets.resize(rules + 1, 0);
    for c in cands.iter() {
        offsets[c.rule as usize + 1] += 1;
    }
    for r in 0..rules {
        offsets[r + 1] += offsets[r];
    }
    grouped.clear();
    grouped.resize(
        cands.len(),
        Candidate {
            rule: 0,
            start: 0,
            end: 0,
            segment: 0,
        },
    );
    // `offsets[r]` is used as the next free slot of group `r`, so after the pass it holds
    // where group `r + 1` starts; the group bounds are recovered from that shift below.
    for c in cands.iter() {
        let slot = &mut offsets[c.rule as usize];
        grouped[*slot] = *c;
        *slot += 1;
    }
    let mut from = 0usize;
    for &to in offsets.iter().take(rules) {
        let group = &mut grouped[from..to];
        if !group.is_sorted() {
            // The stable sort finds the group's two sorted runs and merges them in one
            // linear pass; quicksort would compare its way through them again.
            group.sort();
        }
        from = to;
    }
    cands.clear();
    for c in grouped.iter() {
        match cands.last_mut() {
            Some(last) if last.rule == c.rule && c.start <= last.end => {
                last.end = last.end.max(c.end);
            }
            _ => cands.push(*c),
        }
    }
}

fn floor_char(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char(text: &str, mut i: usize) -> usize {
    while i < text.len() && !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// Confirm, validate and score within one candidate window.
fn confirm(
    engine: &Engine,
    hits: &WordHits,
    text: &str,
    cand: Candidate,
    seg: &Segment,
    (cache, captures): (&mut Option<Cache>, &mut Option<Captures>),
    out: &mut Vec<Confirmed>,
) {
    let rule = &engine.rules[cand.rule as usize];
    if rule
        .requires_any
        .as_ref()
        .is_some_and(|req| !req.found(hits, &engine.word_roles, text, cand.start, cand.end))
    {
        return;
    }
    match &rule.matcher {
        Matcher::Words => {
            if boundary_ok(rule.boundary, text, cand.start, cand.end) {
                accept(
                    engine,
                    hits,
                    rule,
                    cand,
                    text,
                    (cand.start, cand.end),
                    seg,
                    out,
                );
            }
        }
        Matcher::Regex { .. } | Matcher::Shape(_) => {
            // The haystack is the segment up to the window's end, so anchors and word
            // boundaries see a field value's edges as the edges of the text.
            let base = seg.start;
            let hay = &text[base..cand.end];
            let has_value = rule.matcher.has_value();
            let mut pos = cand.start;
            while pos < cand.end {
                let Some((m_start, m_end, v_start, v_end)) =
                    rule.matcher.find(hay, pos - base, (cache, captures))
                else {
                    break;
                };
                let (m_start, m_end, v_start, v_end) =
                    (m_start + base, m_end + base, v_start + base, v_end + base);
                let ok = v_end > v_start
                    && boundary_ok(rule.boundary, text, v_start, v_end)
                    && accept(engine, hits, rule, cand, text, (v_start, v_end), seg, out);
                pos = if m_end == m_start {
                    ceil_char(text, m_end + 1)
                } else if ok {
                    m_end
                } else if !has_value {
                    next_start(rule.boundary, text, m_start)
                } else {
                    // After a rejected match, retry one character later so an overlapping
                    // valid value is not hidden behind an invalid one.
                    ceil_char(text, m_start + 1)
                };
            }
        }
    }
}

/// Where to search again after the match at `rejected` failed. The next match must start
/// later; a start whose preceding byte violates the rule's boundary can never be accepted,
/// so those positions are skipped (a rejected 18-digit run is not searched again from each
/// of its digits).
fn next_start(boundary: Boundary, text: &str, rejected: usize) -> usize {
    let b = text.as_bytes();
    let pos = ceil_char(text, rejected + 1);
    // Each predicate gets a loop of its own (a function pointer was a call per byte).
    fn skip(b: &[u8], mut pos: usize, blocks: impl Fn(u8) -> bool) -> usize {
        while pos < b.len() && blocks(b[pos - 1]) {
            pos += 1;
        }
        pos
    }
    match boundary {
        Boundary::Digit => skip(b, pos, |c| c.is_ascii_digit()),
        Boundary::Alnum
        | Boundary::AlnumBefore
        | Boundary::Dotted
        | Boundary::Joined
        | Boundary::Grouped
        | Boundary::Spaced
        | Boundary::Pair => skip(b, pos, |c| c.is_ascii_alphanumeric()),
        Boundary::Base64 => skip(b, pos, |c| {
            c.is_ascii_alphanumeric() || c == b'/' || c == b'+'
        }),
        // The rest of a rejected address's local part is no address either
        // (`oreply@github.com` of `noreply@github.com`).
        Boundary::Email => skip(b, pos, |c| {
            c.is_ascii_alphanumeric() || b"._%+-".contains(&c)
        }),
        Boundary::None | Boundary::AlnumAfter => pos,
    }
}

/// Validates and scores one value; pushes it and returns true when it is kept.
#[allow(clippy::too_many_arguments)]
fn accept(
    engine: &Engine,
    hits: &WordHits,
    rule: &CompiledRule,
    cand: Candidate,
    text: &str,
    (start, end): (usize, usize),
    seg: &Segment,
    out: &mut Vec<Confirmed>,
) -> bool {
    let index = cand.rule;
    let field = seg.facts.as_deref();
    let (start, end) = match rule.validator {
        None => (start, end),
        Some(v) => match v(&text[start..end], &engine.vctx) {
            Check::Reject => return false,
            Check::Accept => (start, end),
            Check::Narrow(a, b) => {
                if b <= a || !text.is_char_boundary(start + a) || !text.is_char_boundary(start + b)
                {
                    return false;
                }
                (start + a, start + b)
            }
        },
    };
    if let Some(ac) = &rule.reject_before {
        let from = floor_char(text, start.saturating_sub(REJECT_BEFORE).max(seg.start));
        // A word counts where a word starts: `ver ` rejects `ver 10.1.2.3` but not
        // `server 10.1.2.3`, nor `mem` in `remember`.
        let b = text.as_bytes();
        let at_word_start = |m: aho_corasick::Match| starts_word(b, from + m.start());
        let before = &text[from..start];
        if ac.is_match(before) && ac.find_overlapping_iter(before).any(at_word_start) {
            return false;
        }
    }
    let field_support = field.is_some_and(|f| f.supports[index as usize]);
    // A field named for the rule already supports the value; the context-word search, a
    // fifth of the cost of accepting a value, is skipped for the cells of exports.
    let supported = field_support || has_context(engine, hits, index, text, seg, start, end);
    if rule.context_required && !supported {
        return false;
    }
    // A field named for something else (`order_no`, `waybill`) holds order and tracking
    // numbers: a look-alike there without any support is not a person's identifier.
    if rule.negative_applies && !supported && seg.facts.as_ref().is_some_and(|f| f.negative) {
        return false;
    }
    let negative = if rule.negative_applies {
        negative_context(engine, hits, text, seg, start)
    } else {
        Negative::None
    };
    // So does a value right after such a word in text (`订单号：6222…`, `sha=5100…`): the
    // word labels it, and outweighs a context word further away (the `IMEI:` of the line
    // before); only the field's name says more. Further away the word may label a
    // neighbour, and only lowers the confidence.
    if negative == Negative::Label && !field_support {
        return false;
    }
    let mut confidence = rule.confidence;
    if supported {
        confidence = confidence.raised();
    }
    let negative_field = seg.facts.as_ref().is_some_and(|f| f.negative);
    if rule.negative_applies && (negative_field || negative != Negative::None) {
        confidence = confidence.lowered();
    }
    out.push(Confirmed {
        rule: index,
        segment: cand.segment,
        start,
        end,
        confidence,
        supported,
        priority: rule.priority,
        custom: rule.category == Category::Custom,
        detector: rule.detector,
    });
    true
}

/// Whether a context word of `rule` is within [`CONTEXT_BEFORE`] bytes before the value
/// or [`CONTEXT_AFTER`] after it, inside its segment: a leftmost-longest search of each
/// window, answered from the text's word occurrences.
#[allow(clippy::too_many_arguments)]
fn has_context(
    engine: &Engine,
    hits: &WordHits,
    rule: u32,
    text: &str,
    seg: &Segment,
    start: usize,
    end: usize,
) -> bool {
    let roles = &engine.word_roles;
    let before = floor_char(text, start.saturating_sub(CONTEXT_BEFORE).max(seg.start))..start;
    let after = end..ceil_char(text, (end + CONTEXT_AFTER).min(seg.end));
    [before, after].into_iter().any(|window| {
        hits.leftmost_longest(window.start, window.end, |h| {
            roles[h.word as usize].context.is_some()
        })
        .any(|m| {
            roles[m.word as usize]
                .context
                .is_some_and(|c| engine.context_rules[c as usize].contains(&rule))
        })
    })
}

/// What the negative-context words just before a value say about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Negative {
    /// None within [`NEGATIVE_BEFORE`] bytes.
    None,
    /// One is near: the text around is about orders, hashes or versions.
    Near,
    /// One ends within [`NEGATIVE_LABEL`] bytes with only the rest of a label after it
    /// (see [`only_label_suffix`]): it labels the value itself.
    Label,
}

/// One search of the negative-context words before `start` (within the segment).
fn negative_context(
    engine: &Engine,
    hits: &WordHits,
    text: &str,
    seg: &Segment,
    start: usize,
) -> Negative {
    let from = floor_char(text, start.saturating_sub(NEGATIVE_BEFORE).max(seg.start));
    let roles = &engine.word_roles;
    let bytes = text.as_bytes();
    let mut found = Negative::None;
    for m in hits.earliest_ending(from, start, |h| {
        roles[h.word as usize].negative && starts_word(bytes, h.start)
    }) {
        let between = &text[m.end..start];
        if between.len() <= NEGATIVE_LABEL && only_label_suffix(between) {
            return Negative::Label;
        }
        found = Negative::Near;
    }
    found
}

/// Whether a word found at `at` starts a word of the text: an English word inside another
/// (`lsh` in `Welsh`, `order` in `suborder`) says nothing, while a word after a separator,
/// a digit, a Chinese character or a lower-case letter it capitalises (`userOrderNo`) does.
fn starts_word(bytes: &[u8], at: usize) -> bool {
    let (Some(&first), Some(&before)) = (bytes.get(at), at.checked_sub(1).map(|i| &bytes[i]))
    else {
        return true;
    };
    !first.is_ascii_alphabetic()
        || !before.is_ascii_alphabetic()
        || (first.is_ascii_uppercase() && before.is_ascii_lowercase())
}

/// Whether `between`, the text from a negative word to a value, only finishes the word's
/// label: separators, the Chinese suffixes of a number's label (`订单编号：`, `运单号码`,
/// `发票代码`), and the English ones (`order_no=`, `txn_id=`, `tracking number:`,
/// `elapsed_ns=`, `序列号 SN`).
fn only_label_suffix(between: &str) -> bool {
    const SUFFIXES: &[&str] = &[
        "id", "ids", "no", "nr", "num", "number", "ns", "us", "ms", "s", "sn",
    ];
    let suffix = |w: &str| w.is_empty() || SUFFIXES.iter().any(|s| s.eq_ignore_ascii_case(w));
    between.chars().all(|c| {
        c.is_ascii_alphanumeric()
            || c.is_whitespace()
            || c.is_ascii_punctuation()
            || "：号编码代".contains(c)
    }) && between
        .split(|c: char| !c.is_ascii_alphanumeric())
        .all(suffix)
}

/// Rules with `field_value = true` check a whole field value whose name matches.
#[allow(clippy::too_many_arguments)]
fn field_value_matches(
    engine: &Engine,
    hits: &WordHits,
    text: &str,
    segment: u32,
    seg: &Segment,
    found: &[(u32, u32)],
    out: &mut Vec<Confirmed>,
) {
    let Some(field) = seg.facts.as_deref().filter(|f| !f.value_rules.is_empty()) else {
        return;
    };
    let value = &text[seg.start..seg.end];
    let trimmed = value.trim();
    if trimmed.is_empty() || trimmed.len() > 512 {
        return;
    }
    let start = seg.start + (value.len() - value.trim_start().len());
    let end = start + trimmed.len();
    for &r in &field.value_rules {
        let rule = &engine.rules[r as usize];
        if found.binary_search(&(segment, r)).is_ok() {
            continue;
        }
        let cand = Candidate {
            rule: r,
            start,
            end,
            segment,
        };
        accept(engine, hits, rule, cand, text, (start, end), seg, out);
    }
}

/// Sorts confirmed matches by position and resolves claims on the same span: the match
/// with context support wins, then higher confidence, then higher rule priority. A user's
/// own (`custom`) detector answers a different question (is this watched term here?), so
/// its claim stands beside a built-in one on the same span instead of competing with it.
///
/// Then a claim held inside a longer one of the same detector is dropped (an address's
/// variant that stops at the road, inside the one that goes on to the house number; a name
/// inside a longer name), since both name one value; claims of different detectors may
/// overlap. `reach` and `inside` are scratch buffers.
fn resolve(
    confirmed: &mut Vec<Confirmed>,
    detectors: usize,
    reach: &mut Vec<usize>,
    inside: &mut Vec<bool>,
) {
    let rank = |c: &Confirmed| (c.supported, c.confidence, c.priority);
    confirmed.sort_by(|a, b| {
        (a.start, a.end, a.custom)
            .cmp(&(b.start, b.end, b.custom))
            .then_with(|| rank(b).cmp(&rank(a)))
    });
    confirmed.dedup_by(|later, kept| {
        later.start == kept.start && later.end == kept.end && later.custom == kept.custom
    });
    // Most texts hold no overlapping claims at all: one comparison per claim says so.
    let mut furthest = 0usize;
    if confirmed.iter().all(|c| {
        let clear = c.start >= furthest;
        furthest = furthest.max(c.end);
        clear
    }) {
        return;
    }
    // In (start, end) order every claim before this one starts no later, so it is held
    // inside an earlier kept claim of its detector when that claim reaches as far; a
    // longer claim with the same start comes after it, among the few that share it.
    reach.clear();
    reach.resize(detectors, 0);
    inside.clear();
    for (i, c) in confirmed.iter().enumerate() {
        let d = c.detector as usize;
        let held = reach[d] >= c.end
            || confirmed[i + 1..]
                .iter()
                .take_while(|o| o.start == c.start)
                .any(|o| o.detector == c.detector);
        inside.push(held);
        if !held {
            reach[d] = reach[d].max(c.end);
        }
    }
    let mut flags = inside.iter();
    confirmed.retain(|_| !flags.next().copied().unwrap_or(false));
}

/// Whether the address-shaped `text[start..end]` is a git remote in scp's form
/// (`git@github.com:acme/repo.git`): a host, not an address. The user of such remotes is
/// `git`, or the path after the colon names a repository (`.git`); anything else after a
/// colon is kept, since `mail@example.com:Passw0rd` is how combo lists pair an address
/// with its password.
fn git_remote(text: &str, start: usize, end: usize) -> bool {
    let Some(path) = text[end..].strip_prefix(':') else {
        return false;
    };
    let path = &path[..path
        .find(|c: char| c.is_whitespace() || "\"'<>()[]{},;".contains(c))
        .unwrap_or(path.len())];
    if path.is_empty() {
        return false;
    }
    let local = text[start..end].split('@').next().unwrap_or("");
    local.eq_ignore_ascii_case("git") || path.ends_with(".git") || path.ends_with(".git/")
}

/// True when `start..end` lies inside a longer token of hexadecimal digits of at least 16
/// characters with a letter on each side of the value (`…3fa1101051949123100217c9…`): a
/// hash, trace id or key, whose digit runs are not identifiers.
fn inside_hex_token(b: &[u8], start: usize, end: usize) -> bool {
    let hex = |c: &u8| c.is_ascii_hexdigit();
    let letter_before = start > 0 && b[start - 1].is_ascii_alphabetic() && hex(&b[start - 1]);
    let letter_after = b
        .get(end)
        .is_some_and(|c| c.is_ascii_alphabetic() && hex(c));
    if !letter_before || !letter_after {
        return false;
    }
    let mut s = start;
    while s > 0 && hex(&b[s - 1]) {
        s -= 1;
    }
    let mut e = end;
    while e < b.len() && hex(&b[e]) {
        e += 1;
    }
    // The token must end where hex digits end, not run on into other letters.
    let glued_before = s > 0 && b[s - 1].is_ascii_alphanumeric();
    let glued_after = b.get(e).is_some_and(u8::is_ascii_alphanumeric);
    !glued_before && !glued_after && e - s >= 16
}

fn boundary_ok(boundary: Boundary, text: &str, start: usize, end: usize) -> bool {
    let b = text.as_bytes();
    let before = start.checked_sub(1).map(|i| b[i]);
    let after = b.get(end).copied();
    let is = |c: Option<u8>, f: fn(&u8) -> bool| c.as_ref().is_some_and(f);
    match boundary {
        Boundary::None => true,
        Boundary::Digit => {
            !is(before, u8::is_ascii_digit)
                && !is(after, u8::is_ascii_digit)
                && !inside_hex_token(b, start, end)
        }
        Boundary::Alnum => {
            !is(before, u8::is_ascii_alphanumeric) && !is(after, u8::is_ascii_alphanumeric)
        }
        Boundary::AlnumBefore => !is(before, u8::is_ascii_alphanumeric),
        Boundary::AlnumAfter => !is(after, u8::is_ascii_alphanumeric),
        Boundary::Dotted => {
            let dot_digit_after =
                after == Some(b'.') && b.get(end + 1).is_some_and(u8::is_ascii_digit);
            let digit_dot_before =
                before == Some(b'.') && start >= 2 && b[start - 2].is_ascii_alphanumeric();
            // A slash right after a word (not the `//` of a URL) ends a product's name.
            let product_before =
                before == Some(b'/') && start >= 2 && b[start - 2].is_ascii_alphanumeric();
            !is(before, u8::is_ascii_alphanumeric)
                && !is(after, u8::is_ascii_alphanumeric)
                && !dot_digit_after
                && !digit_dot_before
                && !product_before
        }
        Boundary::Joined => {
            let sep = |c: Option<u8>| matches!(c, Some(b'.' | b':' | b'-'));
            let joined_after = sep(after) && b.get(end + 1).is_some_and(u8::is_ascii_alphanumeric);
            // A separator before the value means `start >= 1`.
            let joined_before = sep(before) && {
                let value = &b[start..end];
                let group = value.iter().take_while(|c| c.is_ascii_hexdigit()).count();
                let previous = b[..start - 1]
                    .iter()
                    .rev()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .count();
                let previous_is_group = previous > 0
                    && previous == group
                    && b[start - 1 - previous..start - 1]
                        .iter()
                        .all(u8::is_ascii_hexdigit);
                previous_is_group || (before == Some(b'.') && value.get(group) == Some(&b'.'))
            };
            !is(before, u8::is_ascii_alphanumeric)
                && !is(after, u8::is_ascii_alphanumeric)
                && !joined_after
                && !joined_before
        }
        Boundary::Spaced => {
            !is(before, u8::is_ascii_alphanumeric)
                && !is(after, u8::is_ascii_alphanumeric)
                && !continued_by_digits(b, start, end, b" ")
        }
        Boundary::Grouped => {
            !is(before, u8::is_ascii_alphanumeric)
                && !is(after, u8::is_ascii_alphanumeric)
                && !continued_by_digits(b, start, end, b" -")
        }
        Boundary::Email => {
            // The token the value sits in starts after the last space, quote or bracket;
            // a scheme (`://`) in it before the value makes the value a URL's user part.
            let from = floor_char(text, start.saturating_sub(256));
            // The separator may be more than one byte (U+0085 and U+3000 are whitespace).
            let token = text[from..start]
                .char_indices()
                .rev()
                .find(|(_, c)| c.is_whitespace() || "\"'<>()[]{},;".contains(*c))
                .map_or(from, |(i, c)| from + i + c.len_utf8());
            !text[token..start].contains("://") && !git_remote(text, start, end)
        }
        Boundary::Pair => {
            !is(before, u8::is_ascii_alphanumeric)
                && !is(after, u8::is_ascii_alphanumeric)
                && !listed_fraction_after(b, end)
                && !listed_fraction_before(b, start)
        }
        Boundary::Base64 => {
            // Padding `=` may only follow a value, so it counts as part of one after it.
            fn b64(c: &u8) -> bool {
                c.is_ascii_alphanumeric() || *c == b'/' || *c == b'+'
            }
            fn b64_pad(c: &u8) -> bool {
                b64(c) || *c == b'='
            }
            !is(before, b64) && !is(after, b64_pad)
        }
    }
}

/// Whether one of the `joiners` joins the value at `start..end` to a digit on either side:
/// the value is a group of a longer number (`… 1233 00`, `1101 0519 …`).
fn continued_by_digits(b: &[u8], start: usize, end: usize, joiners: &[u8]) -> bool {
    let after = b.get(end).is_some_and(|c| joiners.contains(c))
        && b.get(end + 1).is_some_and(u8::is_ascii_digit);
    let before = start >= 2 && joiners.contains(&b[start - 1]) && b[start - 2].is_ascii_digit();
    after || before
}

/// How many digits of a fraction a number must have to make the numbers beside it a list
/// (a reading or a weight); an altitude or a speed after a pair has one or two.
const LIST_DECIMALS: usize = 3;

/// Whether a comma or semicolon after `end` (blanks around it, on the line) is followed
/// by a number with a fraction of [`LIST_DECIMALS`] or more digits.
fn listed_fraction_after(b: &[u8], end: usize) -> bool {
    let blank = |i: usize| matches!(b.get(i), Some(b' ' | b'\t'));
    let mut i = end;
    while blank(i) {
        i += 1;
    }
    if !matches!(b.get(i), Some(b',' | b';')) {
        return false;
    }
    i += 1;
    while blank(i) {
        i += 1;
    }
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    let int = b[i.min(b.len())..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    i += int;
    if int == 0 || b.get(i) != Some(&b'.') {
        return false;
    }
    b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count() >= LIST_DECIMALS
}

/// Whether a number with a fraction of [`LIST_DECIMALS`] or more digits ends right
/// before `start`, joined to it by a comma or semicolon (blanks around it, on the line).
fn listed_fraction_before(b: &[u8], start: usize) -> bool {
    let blank = |i: usize| matches!(b[i], b' ' | b'\t');
    let mut i = start;
    while i > 0 && blank(i - 1) {
        i -= 1;
    }
    if i == 0 || !matches!(b[i - 1], b',' | b';') {
        return false;
    }
    i -= 1;
    while i > 0 && blank(i - 1) {
        i -= 1;
    }
    let decimals = b[..i]
        .iter()
        .rev()
        .take_while(|c| c.is_ascii_digit())
        .count();
    i -= decimals;
    decimals >= LIST_DECIMALS && i >= 2 && b[i - 1] == b'.' && b[i - 2].is_ascii_digit()
}

/// Writes the form of `value` that is hashed into `out` (cleared first).
fn normalize_into(kind: Normalize, value: &str, out: &mut String) {
    out.clear();
    match kind {
        Normalize::Trim => out.push_str(value.trim()),
        Normalize::Digits => out.extend(value.chars().filter(char::is_ascii_digit)),
        Normalize::Mobile => {
            out.extend(value.chars().filter(char::is_ascii_digit));
            let l = out.len();
            if l > 11 {
                out.drain(..l - 11);
            }
        }
        Normalize::UpperAlnum => out.extend(
            value
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_uppercase()),
        ),
        Normalize::Coordinates => match validators::coordinates(value) {
            Some(pair) => {
                use std::fmt::Write;
                let _ = write!(out, "{pair}");
            }
            None => out.push_str(value.trim()),
        },
        Normalize::Lower => {
            let v = value.trim();
            if v.is_ascii() {
                out.push_str(v);
                out.make_ascii_lowercase();
            } else {
                out.push_str(&v.to_lowercase());
            }
        }
    }
}

#[cfg(test)]
mod tests;
