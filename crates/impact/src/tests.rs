//! Impact tests: known people counts, linking across records and stores, sketch mode.

use super::*;

fn obs<'a>(store: &'a str, record: &'a str, detector: &'a str, value: &'a str) -> Observation<'a> {
    Observation {
        store,
        record,
        // The record's file: what precedes `#` in these fixtures.
        place: record.split('#').next().unwrap_or(record),
        detector,
        value_hash: value.as_bytes(),
    }
}

/// The default limit with the built-in catalog's linking detectors.
fn config() -> ImpactConfig {
    let catalog = leakscope_detect::catalog::builtin().expect("built-in rules parse");
    ImpactConfig::new(leakscope_detect::catalog::linking(&catalog))
}

#[test]
fn one_row_is_one_person_and_links_cross_stores() {
    let mut c = ImpactCounter::new(config());
    // Store A: row 1 has ID, phone and name of person P; row 2 has another person Q.
    c.add(obs("A", "a#1", "cn_resident_id", "id-P"));
    c.add(obs("A", "a#1", "cn_mobile", "m-P"));
    c.add(obs("A", "a#1", "person_name", "n-zhang"));
    c.add(obs("A", "a#2", "cn_resident_id", "id-Q"));
    c.add(obs("A", "a#2", "person_name", "n-zhang"));
    // Store B: a chat line with P's phone only, and one with a new person R's e-mail.
    c.add(obs("B", "b#1", "cn_mobile", "m-P"));
    c.add(obs("B", "b#2", "email", "e-R"));
    // A line with only a name: not a person by itself.
    c.add(obs("B", "b#3", "person_name", "n-li"));
    let r = c.finish();
    assert_eq!(r.mode, "exact");
    assert_eq!(r.records_exposed, 5);
    assert_eq!(r.distinct_people, 3, "P (in both stores), Q and R");
    assert_eq!(r.records_with_only_weak_identifiers, 1);
    let a = r.by_store.iter().find(|s| s.store == "A").unwrap();
    let b = r.by_store.iter().find(|s| s.store == "B").unwrap();
    assert_eq!((a.records_exposed, a.distinct_people), (2, 2));
    assert_eq!((b.records_exposed, b.distinct_people), (3, 2));
    // The drill-down by place (here each store is one file) agrees.
    let places: Vec<(&str, u64, u64)> = r
        .by_place
        .iter()
        .map(|p| (p.place.as_str(), p.records_exposed, p.distinct_people))
        .collect();
    assert_eq!(places, [("b", 3, 2), ("a", 2, 2)]);
    let names = r
        .by_identifier
        .iter()
        .find(|d| d.detector == "person_name")
        .unwrap();
    assert_eq!(
        (names.occurrences, names.distinct, names.links_people),
        (3, 2, false)
    );
}

#[test]
fn a_single_store_counts_what_the_whole_scan_counts() {
    let mut c = ImpactCounter::new(config());
    c.add(obs("A", "a#1", "cn_resident_id", "id-P"));
    c.add(obs("A", "a#1", "cn_mobile", "m-P"));
    c.add(obs("A", "a#2", "cn_mobile", "m-P"));
    c.add(obs("A", "a#3", "email", "e-R"));
    c.add(obs("A", "a#4", "person_name", "n-li"));
    let r = c.finish();
    assert_eq!((r.records_exposed, r.distinct_people), (4, 2));
    let a = &r.by_store[0];
    assert_eq!(
        (a.store.as_str(), a.records_exposed, a.distinct_people),
        ("A", 4, 2)
    );
}

#[test]
fn shared_names_never_merge_people() {
    let mut c = ImpactCounter::new(config());
    for i in 0..100 {
        let rec = format!("r{i}");
        let id = format!("id{i}");
        c.add(obs("S", &rec, "person_name", "n-zhangwei"));
        c.add(obs("S", &rec, "cn_resident_id", &id));
    }
    assert_eq!(c.finish().distinct_people, 100);
}

#[test]
fn chains_link_transitively() {
    let mut c = ImpactCounter::new(config());
    c.add(obs("S", "r1", "cn_resident_id", "id1"));
    c.add(obs("S", "r1", "cn_mobile", "m1"));
    c.add(obs("S", "r2", "cn_mobile", "m1"));
    c.add(obs("S", "r2", "email", "e1"));
    c.add(obs("S", "r3", "email", "e1"));
    c.add(obs("S", "r3", "bank_card", "c1"));
    assert_eq!(c.finish().distinct_people, 1);
}

#[test]
fn sketches_stay_within_the_stated_error() {
    let n = 200_000u64;
    let mut c = ImpactCounter::new(ImpactConfig {
        exact_limit: 10_000,
        linking: config().linking,
    });
    for i in 0..n {
        let rec = format!("rec{i}");
        let id = format!("id{i}");
        let phone = format!("m{i}");
        c.add(obs("S", &rec, "cn_resident_id", &id));
        c.add(obs("S", &rec, "cn_mobile", &phone));
    }
    let r = c.finish();
    assert_eq!(r.mode, "estimated");
    assert!(r.relative_error > 0.007 && r.relative_error < 0.009);
    let within = |x: u64| ((x as f64 - n as f64) / n as f64).abs() < 4.0 * r.relative_error;
    assert!(within(r.distinct_people), "{}", r.distinct_people);
    assert!(within(r.records_exposed), "{}", r.records_exposed);
    let ids = r
        .by_identifier
        .iter()
        .find(|d| d.detector == "cn_resident_id")
        .unwrap();
    assert!(within(ids.distinct), "{}", ids.distinct);
    assert_eq!(ids.occurrences, n);
}

/// Sketches are built from the exact sets when counting switches to them: where the
/// switch happens changes no estimate, since a sketch depends only on what it was fed.
#[test]
fn the_switch_to_sketches_is_invisible_in_the_estimates() {
    let report = |exact_limit: usize, stores: u64| {
        let mut c = ImpactCounter::new(ImpactConfig {
            exact_limit,
            linking: config().linking,
        });
        for i in 0..30_000u64 {
            // One or two stores, repeated values, and records with only a name.
            let store = if i % 3 == 0 && stores == 2 { "B" } else { "A" };
            let rec = format!("{store}#rec{i}");
            let id = format!("id{}", i % 20_000);
            c.add(obs(store, &rec, "person_name", "n-zhang"));
            if i % 5 != 0 {
                c.add(obs(store, &rec, "cn_resident_id", &id));
                c.add(obs(store, &rec, "cn_mobile", &format!("m{}", i % 7_000)));
            }
        }
        c.finish()
    };
    for stores in [1, 2] {
        let early = report(0, stores);
        assert_eq!(early.mode, "estimated");
        for limit in [1_000, 25_000] {
            assert_eq!(report(limit, stores), early, "switch after {limit} entries");
        }
    }
    // A single store's estimates are the scan's.
    let one = report(1_000, 1);
    let store = &one.by_store[0];
    assert_eq!(
        (store.records_exposed, store.distinct_people),
        (one.records_exposed, one.distinct_people)
    );
}

/// Places past [`MAX_PLACES`] are not broken out, but a place already counted still is,
/// whenever its records come.
#[test]
fn places_past_the_cap_are_not_broken_out() {
    let mut c = ImpactCounter::new(config());
    let names: Vec<String> = (0..=MAX_PLACES).map(|i| format!("f{i}#1")).collect();
    for (i, name) in names.iter().enumerate() {
        c.add(obs("S", name, "cn_mobile", &format!("m{i}")));
    }
    // The first place again, after the cap was reached: still its own entry. The place
    // past the cap gets the most people, so it would be listed first if it were kept.
    c.add(obs("S", "f0#2", "cn_mobile", "m-again"));
    let past = format!("f{MAX_PLACES}");
    for k in 2..6 {
        c.add(obs(
            "S",
            &format!("{past}#{k}"),
            "cn_mobile",
            &format!("p{k}"),
        ));
    }
    let r = c.finish();
    assert_eq!(r.records_exposed, MAX_PLACES as u64 + 6);
    let first = r.by_place.iter().find(|p| p.place == "f0").unwrap();
    assert_eq!((first.records_exposed, first.distinct_people), (2, 2));
    assert_eq!(r.by_place[0].place, "f0");
    assert!(!r.by_place.iter().any(|p| p.place == past));
}
