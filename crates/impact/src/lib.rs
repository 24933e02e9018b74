//! Impact: how many distinct people a set of findings exposes.
//!
//! Input is a stream of observations (store, record, detector, keyed hash) **grouped by
//! record** (the same row, document, CSV line or chat line). Raw values never appear: only
//! keyed hashes, so counting happens without the identifiers themselves.
//!
//! **Linking.** Identifiers that denote one person ([`ImpactConfig::linking`], from the
//! detectors' rule data: resident ID, passport, HK/TW ID, mobile, e-mail, IMSI, IMEI, bank
//! card in the built-in catalog) found in the same record are
//! joined into one person with a union-find, across records, files and stores: an ID
//! number, a phone and a name in one row count once, and the same phone in another store
//! joins that person again. Names, addresses, landlines, IP addresses and coordinates are
//! shared by many people (two 张伟 are not one person), so they never link; records that
//! expose only such weak identifiers are counted separately.
//!
//! **Exact or sketched.** Counting is exact while the number of distinct hashes and records
//! tracked stays under [`ImpactConfig::exact_limit`]. When the limit is passed,
//! HyperLogLog++ sketches (precision 14, standard error about 0.8%) are built from the exact
//! sets, which are then dropped, and fed from there on; the report says the numbers are
//! estimates with that error. A sketch depends only on the set of values inserted, not on
//! their order or repeats, so one built at the switch is the one that feeding it all along
//! would have given, and exact counting (most scans) never pays for the sketches. In sketch mode a
//! person is estimated by each record's strongest identifier, which over-counts people who
//! appear in different records under different identifiers.

use hyperloglogplus::{HyperLogLog, HyperLogLogPlus};
use leakscope_core::mix::MixState;
use serde::Serialize;
use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hash, Hasher};

/// Distinct hashes plus records counted exactly by default: about 4 million entries fit
/// in roughly 300 MB, so a report on ten million findings stays within its memory budget;
/// beyond that the sketches take over.
pub const DEFAULT_EXACT_LIMIT: usize = 4_000_000;

/// HyperLogLog precision: 2^14 registers, standard error 1.04/sqrt(16384) ≈ 0.81%.
pub const HLL_PRECISION: u8 = 14;

/// Settings.
#[derive(Debug, Clone)]
pub struct ImpactConfig {
    /// Most distinct hashes plus records tracked exactly before switching to sketches.
    pub exact_limit: usize,
    /// Detectors whose values identify one person, strongest first (the detectors with a
    /// `link_rank` in their rule data). Only these join records into people.
    pub linking: Vec<String>,
}

impl ImpactConfig {
    /// The default limit with the given linking detectors.
    pub fn new(linking: Vec<String>) -> Self {
        ImpactConfig {
            exact_limit: DEFAULT_EXACT_LIMIT,
            linking,
        }
    }
}

/// One finding as impact sees it.
#[derive(Debug, Clone, Copy)]
pub struct Observation<'a> {
    /// The store (scan target) it was found in.
    pub store: &'a str,
    /// The record key, unique across the scan.
    pub record: &'a str,
    /// What holds the record, for the drill-down: a file, an archive member, a table or a
    /// collection.
    pub place: &'a str,
    /// Detector id.
    pub detector: &'a str,
    /// Keyed hash of the normalised value, as its bytes (it is already a keyed hash: its
    /// text form would only be hashed again).
    pub value_hash: &'a [u8],
}

type Sketch = HyperLogLogPlus<u64, BuildHasherDefault<DefaultHasher>>;

fn sketch() -> Sketch {
    HyperLogLogPlus::new(
        HLL_PRECISION,
        BuildHasherDefault::<DefaultHasher>::default(),
    )
    .expect("precision 14 is valid")
}

/// A sketch fed every value of `values`.
fn sketch_of<'a>(values: impl IntoIterator<Item = &'a u64>) -> Sketch {
    let mut s = sketch();
    for v in values {
        s.insert(v);
    }
    s
}

/// The exact sets of values and people and the union-find's index. Their keys are node
/// numbers or come from keyed value hashes, which no input can aim, so one
/// multiplication spreads them (SipHash was a fifth of a summary's counting); a set's
/// contents, and so every count, do not depend on the hasher. Record keys are hashed
/// by `h64`, whose key is public, from names an input chooses: their sets keep the
/// standard randomly keyed hasher.
type Set<T> = HashSet<T, MixState>;

fn h64<T: Hash + ?Sized>(v: &T) -> u64 {
    let mut h = DefaultHasher::new();
    v.hash(&mut h);
    h.finish()
}

/// The number a value is counted by. A keyed hash's bytes are already uniform and no input
/// can aim them, so the first eight of one serve as they are; other bytes are hashed.
fn value_key(value_hash: &[u8]) -> u64 {
    match value_hash.first_chunk::<8>() {
        Some(first) if value_hash.len() == leakscope_core::hash::HASH_BYTES => {
            u64::from_le_bytes(*first)
        }
        _ => h64(value_hash),
    }
}

/// Per-detector counters.
#[derive(Default)]
struct PerDetector {
    occurrences: u64,
    exact: Set<u64>,
    /// Built when counting stops being exact.
    sketch: Option<Sketch>,
    /// Where the detector ranks among the linking ones, and `h64` of its id (which
    /// separates its values from equal digits of other kinds): looked up once.
    link: Option<Option<(usize, u64)>>,
}

/// Entries by name in the order they were first met. Observations come in runs of one
/// detector and one store, so the entry used last is checked first: a comparison of the
/// name instead of a lookup per observation.
struct Registry<T> {
    entries: Vec<(String, T)>,
    index: HashMap<String, usize>,
    last: usize,
}

impl<T: Default> Registry<T> {
    fn new() -> Self {
        Registry {
            entries: Vec::new(),
            index: HashMap::new(),
            last: 0,
        }
    }

    /// The position of `name`'s entry, made if it is new and fewer than `max` entries
    /// are kept; `None` when it is new and `max` are kept.
    fn slot_within(&mut self, name: &str, max: usize) -> Option<usize> {
        if self.entries.get(self.last).is_some_and(|(n, _)| n == name) {
            return Some(self.last);
        }
        if !self.index.contains_key(name) && self.entries.len() >= max {
            return None;
        }
        Some(self.slot(name))
    }

    /// The position of `name`'s entry, made if it is new.
    fn slot(&mut self, name: &str) -> usize {
        if self.entries.get(self.last).is_some_and(|(n, _)| n == name) {
            return self.last;
        }
        let at = match self.index.get(name) {
            Some(&at) => at,
            None => {
                self.entries.push((name.to_string(), T::default()));
                self.index.insert(name.to_string(), self.entries.len() - 1);
                self.entries.len() - 1
            }
        };
        self.last = at;
        at
    }

    /// The positions of the entries in the order of their names.
    fn by_name(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.entries.len()).collect();
        order.sort_by(|&a, &b| self.entries[a].0.cmp(&self.entries[b].0));
        order
    }
}

/// Places (files, tables, collections) counted for the drill-down at most: beyond, new
/// places are not broken out (a dump of millions of small files).
pub const MAX_PLACES: usize = 100_000;

/// Places listed in a report, the most people first.
pub const PLACES_LISTED: usize = 500;

/// Per-place counters, exact mode only.
#[derive(Default)]
struct PerPlace {
    records: u64,
    nodes: Set<u32>,
}

/// Per-store counters.
#[derive(Default)]
struct PerStore {
    records: HashSet<u64>,
    nodes: Set<u32>,
    /// The representatives of its records' people (see [`ImpactCounter::representatives`]).
    representatives: Set<u64>,
    /// Built when counting stops being exact.
    records_sketch: Option<Sketch>,
    people_sketch: Option<Sketch>,
}

/// Accumulates observations and produces an [`ImpactReport`].
pub struct ImpactCounter {
    config: ImpactConfig,
    exact: bool,
    // Union-find over linking identifiers.
    node_of: HashMap<u64, u32, MixState>,
    parent: Vec<u32>,
    detectors: Registry<PerDetector>,
    stores: Registry<PerStore>,
    /// Whether the stores keep exact sets of their own: not while only one store has been
    /// seen, whose sets would be the counter's own (see [`ImpactCounter::split_stores`]).
    split: bool,
    records: HashSet<u64>,
    /// Per record with a linking identifier, its strongest one: what the people sketch
    /// counts, kept while counting is exact so that the sketch can be built at the switch.
    representatives: Set<u64>,
    records_sketch: Sketch,
    people_sketch: Sketch,
    weak_only_records: u64,
    /// The record being read, kept from one record to the next for its buffers.
    current: RecordAcc,
    /// Per place; consecutive records mostly share one, which is then found by one
    /// comparison of its name.
    places: Registry<PerPlace>,
}

/// The observations of the record being read.
#[derive(Default)]
struct RecordAcc {
    /// Whether a record is being read.
    open: bool,
    /// Its name as observed and its `h64`: a record's observations name it alike, and
    /// one comparison replaces hashing it again for each.
    name: String,
    record: u64,
    place: String,
    /// Positions of its stores in the counter's registry.
    stores: Vec<usize>,
    strong: Vec<(usize, u64)>,
}

impl ImpactCounter {
    /// A counter with the given limits.
    pub fn new(config: ImpactConfig) -> Self {
        ImpactCounter {
            config,
            exact: true,
            node_of: HashMap::default(),
            parent: Vec::new(),
            detectors: Registry::new(),
            stores: Registry::new(),
            split: false,
            records: HashSet::new(),
            representatives: Set::default(),
            records_sketch: sketch(),
            people_sketch: sketch(),
            weak_only_records: 0,
            current: RecordAcc::default(),
            places: Registry::new(),
        }
    }

    /// Adds one observation. Observations of one record must be consecutive.
    pub fn add(&mut self, obs: Observation<'_>) {
        let same = self.current.open && self.current.name == obs.record;
        let record = if same {
            self.current.record
        } else {
            h64(obs.record)
        };
        if self.current.open && self.current.record != record {
            self.flush_record();
        }
        let value = value_key(obs.value_hash);
        let d = self.detectors.slot(obs.detector);
        let linking = &self.config.linking;
        let det = &mut self.detectors.entries[d].1;
        det.occurrences += 1;
        if self.exact {
            det.exact.insert(value);
        } else {
            det.sketch.get_or_insert_with(sketch).insert(&value);
        }
        let link = *det.link.get_or_insert_with(|| {
            let rank = linking.iter().position(|l| l == obs.detector)?;
            Some((rank, h64(obs.detector)))
        });
        let store = self.stores.slot(obs.store);
        let acc = &mut self.current;
        if !acc.open {
            acc.open = true;
            acc.name.clear();
            acc.name.push_str(obs.record);
            acc.record = record;
            acc.place.clear();
            acc.place.push_str(obs.place);
        }
        if !acc.stores.contains(&store) {
            acc.stores.push(store);
        }
        if let Some((rank, id)) = link {
            // Domain-separate by detector: equal digits of different kinds are different.
            acc.strong.push((rank, value ^ id));
        }
    }

    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let p = self.parent[x as usize];
            self.parent[x as usize] = self.parent[p as usize];
            x = p;
        }
        x
    }

    fn node(&mut self, key: u64) -> u32 {
        if let Some(n) = self.node_of.get(&key) {
            return *n;
        }
        let n = self.parent.len() as u32;
        self.parent.push(n);
        self.node_of.insert(key, n);
        n
    }

    fn flush_record(&mut self) {
        if !self.current.open {
            return;
        }
        // The buffers go back to `current` at the end, emptied.
        let mut acc = std::mem::take(&mut self.current);
        self.flush(&acc);
        acc.open = false;
        acc.stores.clear();
        acc.strong.clear();
        self.current = acc;
    }

    fn flush(&mut self, acc: &RecordAcc) {
        if self.exact && !self.split && self.stores.entries.len() > 1 {
            self.split_stores();
        }
        for &s in &acc.stores {
            let st = &mut self.stores.entries[s].1;
            if self.exact {
                if self.split {
                    st.records.insert(acc.record);
                }
            } else {
                st.records_sketch
                    .get_or_insert_with(sketch)
                    .insert(&acc.record);
            }
        }
        if self.exact {
            self.records.insert(acc.record);
        } else {
            self.records_sketch.insert(&acc.record);
        }
        let place = if self.exact {
            self.places.slot_within(&acc.place, MAX_PLACES)
        } else {
            None
        };
        if let Some(p) = place {
            self.places.entries[p].1.records += 1;
        }
        if acc.strong.is_empty() {
            self.weak_only_records += 1;
            return;
        }
        let representative = acc.strong.iter().min().map(|(_, k)| *k).expect("not empty");
        if !self.exact {
            self.people_sketch.insert(&representative);
            for &s in &acc.stores {
                self.stores.entries[s]
                    .1
                    .people_sketch
                    .get_or_insert_with(sketch)
                    .insert(&representative);
            }
            return;
        }
        self.representatives.insert(representative);
        if self.split {
            for &s in &acc.stores {
                self.stores.entries[s]
                    .1
                    .representatives
                    .insert(representative);
            }
        }
        let first = self.node(acc.strong[0].1);
        for (_, k) in &acc.strong[1..] {
            let n = self.node(*k);
            let (a, b) = (self.find(first), self.find(n));
            if a != b {
                self.parent[a as usize] = b;
            }
        }
        if self.split {
            for &s in &acc.stores {
                self.stores.entries[s].1.nodes.insert(first);
            }
        }
        if let Some(p) = place {
            self.places.entries[p].1.nodes.insert(first);
        }
        let tracked = self.node_of.len()
            + self.records.len()
            + self.representatives.len()
            + self
                .detectors
                .entries
                .iter()
                .map(|(_, d)| d.exact.len())
                .sum::<usize>();
        if tracked > self.config.exact_limit {
            self.drop_exact();
        }
    }

    /// Gives the first store the exact sets that the counter's own stood for while it was
    /// the only one: every record and representative so far is its, and every node (the
    /// nodes of a record all join its first, so they name the same people).
    fn split_stores(&mut self) {
        self.split = true;
        if let Some((_, first)) = self.stores.entries.first_mut() {
            first.records = self.records.clone();
            first.representatives = self.representatives.clone();
            first.nodes = (0..self.parent.len() as u32).collect();
        }
    }

    fn drop_exact(&mut self) {
        self.exact = false;
        self.node_of = HashMap::default();
        self.parent = Vec::new();
        // Each sketch starts from the exact set of what it would have been fed so far.
        self.records_sketch = sketch_of(&std::mem::take(&mut self.records));
        let representatives = std::mem::take(&mut self.representatives);
        self.people_sketch = sketch_of(&representatives);
        for (_, d) in &mut self.detectors.entries {
            d.sketch = Some(sketch_of(&std::mem::take(&mut d.exact)));
        }
        for (_, s) in &mut self.stores.entries {
            let records = std::mem::take(&mut s.records);
            let people = std::mem::take(&mut s.representatives);
            s.records_sketch = (!records.is_empty()).then(|| sketch_of(&records));
            s.people_sketch = (!people.is_empty()).then(|| sketch_of(&people));
            s.nodes = Set::default();
        }
        if !self.split {
            // The only store's sets were the counter's own, and so are its sketches.
            self.split = true;
            if let Some((_, only)) = self.stores.entries.first_mut() {
                only.records_sketch = Some(self.records_sketch.clone());
                only.people_sketch =
                    (!representatives.is_empty()).then(|| self.people_sketch.clone());
            }
        }
        // Per-place counts are exact or absent: sketches per file would cost more memory
        // than the exact sets they replace.
        self.places = Registry::new();
    }

    /// Finishes counting.
    pub fn finish(mut self) -> ImpactReport {
        self.flush_record();
        let exact = self.exact;
        let people = if exact {
            let n = self.parent.len() as u32;
            let mut roots = Set::default();
            for i in 0..n {
                roots.insert(self.find(i));
            }
            roots.len() as u64
        } else {
            self.people_sketch.count().round() as u64
        };
        let records = if exact {
            self.records.len() as u64
        } else {
            self.records_sketch.count().round() as u64
        };
        let mut by_store = Vec::new();
        for at in self.stores.by_name() {
            let (records, people) = if exact && !self.split {
                // The only store: the totals are its.
                (records, people)
            } else if exact {
                let nodes: Vec<u32> = self.stores.entries[at].1.nodes.iter().copied().collect();
                let mut roots = Set::default();
                for n in nodes {
                    roots.insert(self.find(n));
                }
                (
                    self.stores.entries[at].1.records.len() as u64,
                    roots.len() as u64,
                )
            } else {
                let st = &mut self.stores.entries[at].1;
                (
                    st.records_sketch
                        .as_mut()
                        .map_or(0, |s| s.count().round() as u64),
                    st.people_sketch
                        .as_mut()
                        .map_or(0, |s| s.count().round() as u64),
                )
            };
            by_store.push(StoreImpact {
                store: self.stores.entries[at].0.clone(),
                records_exposed: records,
                distinct_people: people,
            });
        }
        let places = std::mem::replace(&mut self.places, Registry::new());
        let mut by_place: Vec<PlaceImpact> = places
            .entries
            .into_iter()
            .map(|(place, p)| {
                let mut roots = Set::default();
                for n in p.nodes {
                    roots.insert(self.find(n));
                }
                PlaceImpact {
                    place,
                    records_exposed: p.records,
                    distinct_people: roots.len() as u64,
                }
            })
            .collect();
        by_place.sort_by(|a, b| {
            b.distinct_people
                .cmp(&a.distinct_people)
                .then(b.records_exposed.cmp(&a.records_exposed))
                .then(a.place.cmp(&b.place))
        });
        by_place.truncate(PLACES_LISTED);
        let order = self.detectors.by_name();
        let by_identifier = order
            .into_iter()
            .map(|at| {
                let (id, d) = &mut self.detectors.entries[at];
                IdentifierImpact {
                    detector: id.clone(),
                    occurrences: d.occurrences,
                    distinct: if exact {
                        d.exact.len() as u64
                    } else {
                        d.sketch.as_mut().map_or(0, |s| s.count().round() as u64)
                    },
                    links_people: self.config.linking.contains(id),
                }
            })
            .collect();
        ImpactReport {
            mode: if exact {
                "exact".into()
            } else {
                "estimated".into()
            },
            relative_error: if exact {
                0.0
            } else {
                1.04 / f64::from(1u32 << HLL_PRECISION).sqrt()
            },
            records_exposed: records,
            distinct_people: people,
            records_with_only_weak_identifiers: self.weak_only_records,
            by_identifier,
            by_store,
            by_place,
        }
    }
}

/// Impact within one place: a file, an archive member, a table or a collection.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PlaceImpact {
    /// The place.
    pub place: String,
    /// Records with personal data in it.
    pub records_exposed: u64,
    /// Distinct people with a record in it.
    pub distinct_people: u64,
}

/// Distinct values of one identifier type.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct IdentifierImpact {
    /// Detector id.
    pub detector: String,
    /// Findings.
    pub occurrences: u64,
    /// Distinct values (by keyed hash).
    pub distinct: u64,
    /// Whether this identifier links records to one person.
    pub links_people: bool,
}

/// Impact within one store.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StoreImpact {
    /// The store (scan target).
    pub store: String,
    /// Records with personal data.
    pub records_exposed: u64,
    /// Distinct people (linked by strong identifiers).
    pub distinct_people: u64,
}

/// The result.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ImpactReport {
    /// `exact` or `estimated`.
    pub mode: String,
    /// Standard error of estimated counts (0 when exact).
    pub relative_error: f64,
    /// Records (rows, documents, lines) exposing personal data.
    pub records_exposed: u64,
    /// Distinct people, linked across records and stores.
    pub distinct_people: u64,
    /// Records whose only personal data is names, addresses or other shared identifiers.
    pub records_with_only_weak_identifiers: u64,
    /// Per identifier type.
    pub by_identifier: Vec<IdentifierImpact>,
    /// Per store.
    pub by_store: Vec<StoreImpact>,
    /// The places exposing the most people (exact counts only; empty when estimated).
    pub by_place: Vec<PlaceImpact>,
}

impl ImpactReport {
    /// Distinct values per identifier type, as `(detector, distinct)` pairs.
    pub fn distinct_by_identifier(&self) -> Vec<(String, u64)> {
        self.by_identifier
            .iter()
            .map(|d| (d.detector.clone(), d.distinct))
            .collect()
    }
}

#[cfg(test)]
mod tests;
