//! `leakscope bench`: throughput measurements with a built-in corpus generator.
//!
//! Figures go to `docs/benchmarks.md`; they are measured here, never asserted by tests.

use anyhow::{Context, Result};
use leakscope_detect::{Engine, RuleFile};
use leakscope_generate::corpus::Generator;
use rayon::prelude::*;
use std::time::Instant;

/// Size of the pieces the corpus is cut into, as a reader would hand them to the engine.
const CHUNK: usize = 1 << 20;

/// Splits text into chunks of about `CHUNK` bytes at character boundaries.
fn chunks(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let mut cut = CHUNK.min(rest.len());
        while !rest.is_char_boundary(cut) {
            cut += 1;
        }
        out.push(&rest[..cut]);
        rest = &rest[cut..];
    }
    out
}

/// Timed repetitions per measurement; the median is reported.
const REPEAT: usize = 3;

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn mbps(bytes: usize, secs: f64) -> f64 {
    bytes as f64 / 1e6 / secs
}

/// Measures the engine on `mib` MiB of generated text: one core, all cores, and a raw
/// multi-pattern regex pass over the same patterns without validation.
pub fn engine(
    engine: &Engine,
    mib: usize,
    seed: u64,
    raw_sample_chunks: usize,
    sparse: bool,
) -> Result<()> {
    let profile = if sparse { "sparse" } else { "dense" };
    eprintln!("generating {mib} MiB of mixed text ({profile} profile) …");
    let text = if sparse {
        Generator::new(seed).sparse_text(mib << 20)
    } else {
        Generator::new(seed).text(mib << 20)
    };
    let pieces = chunks(&text);
    let total = text.len();

    // Warm up: lazy DFAs and caches are built on first use, per thread.
    let mut scanner = engine.scanner();
    let mut findings = Vec::new();
    for p in pieces.iter().take(2) {
        scanner.scan(p, &mut findings);
    }

    // The prefilter stage alone, for the share of time it takes.
    let t = Instant::now();
    let mut candidates = 0usize;
    for p in &pieces {
        candidates += scanner.candidates(p).len();
    }
    let prefilter = t.elapsed().as_secs_f64();

    let mut one_runs = Vec::new();
    let mut count = 0usize;
    for _ in 0..REPEAT {
        let t = Instant::now();
        count = 0;
        for p in &pieces {
            findings.clear();
            scanner.scan(p, &mut findings);
            count += findings.len();
        }
        one_runs.push(t.elapsed().as_secs_f64());
    }
    let one = median(&mut one_runs);

    let mut all_runs = Vec::new();
    let mut count_all = 0usize;
    for _ in 0..REPEAT {
        let t = Instant::now();
        count_all = pieces
            .par_iter()
            .map_init(
                || (engine.scanner(), Vec::new()),
                |(s, out), p| {
                    out.clear();
                    s.scan(p, out);
                    out.len()
                },
            )
            .sum();
        all_runs.push(t.elapsed().as_secs_f64());
    }
    let all = median(&mut all_runs);

    let patterns: Vec<String> = RuleFile::builtin()?
        .into_iter()
        .flat_map(|f| f.rules.into_iter())
        .filter_map(|r| r.pattern)
        .collect();
    let raw = regex_automata::meta::Regex::new_many(&patterns)
        .context("compiling the raw multi-pattern regex")?;
    // The raw pass is far slower than the engine (one automaton for every pattern, with
    // Unicode classes, cannot stay in the lazy DFA), so it runs on a sample of the chunks.
    let raw_pieces = &pieces[..pieces.len().min(raw_sample_chunks)];
    let raw_bytes: usize = raw_pieces.iter().map(|p| p.len()).sum();
    let t = Instant::now();
    let mut raw_matches = 0usize;
    for p in raw_pieces {
        raw_matches += raw.find_iter(p.as_bytes()).count();
    }
    let raw_secs = t.elapsed().as_secs_f64().max(1e-9);

    println!(
        "corpus:           {:.1} MB ({} chunks of {} KiB), seed {seed}",
        total as f64 / 1e6,
        pieces.len(),
        CHUNK >> 10
    );
    println!(
        "engine, 1 core:   {:>8.1} MB/s  ({count} findings)",
        mbps(total, one)
    );
    println!(
        "engine, {} cores: {:>8.1} MB/s  ({count_all} findings)",
        rayon::current_num_threads(),
        mbps(total, all)
    );
    println!(
        "raw regex pass:   {:>8.1} MB/s  ({raw_matches} unvalidated matches in the first {:.1} MB, 1 core)",
        mbps(raw_bytes, raw_secs),
        raw_bytes as f64 / 1e6
    );
    println!(
        "prefilter only:   {:>8.1} MB/s  ({candidates} candidate windows, 1 core)",
        mbps(total, prefilter)
    );
    println!(
        "engine / raw:     {:>8.2}",
        mbps(total, one) / mbps(raw_bytes, raw_secs)
    );
    Ok(())
}

/// Fills a findings database with `findings` synthetic findings in one completed scan, as
/// a scan of a large leak would leave it: files of records, three identifiers per record
/// (resident ID, mobile, name), one person in ten appearing in a second file.
pub fn store(db: &std::path::Path, findings: u64, seed: u64) -> Result<()> {
    use leakscope_core::{Category, Confidence, HashKey};
    use leakscope_store::{Store, StoredFinding};
    let store = Store::open(db)?;
    let scan = store.begin_scan("[\"synthetic\"]", "bench")?;
    let key = HashKey::insecure_test_key();
    let mut rng = leakscope_generate::corpus::Rng::new(seed);
    let per_file = 30_000u64;
    let files = findings.div_ceil(per_file);
    let t = Instant::now();
    let mut written = 0u64;
    for file in 0..files {
        store.begin_batch()?;
        let location = format!("synthetic/part-{:03}/records-{file:06}.csv", file / 1000);
        let mut batch = Vec::with_capacity(per_file as usize);
        let mut row = 0u64;
        while (batch.len() as u64) < per_file && written + (batch.len() as u64) < findings {
            row += 1;
            let person = if rng.below(10) == 0 {
                rng.below(findings / 3 + 1)
            } else {
                file * per_file + row
            };
            // One key shared by the row's findings, as a scan's sink shares it.
            let record: std::sync::Arc<str> = format!("{location}#line {}", row + 1).into();
            for (detector, masked) in [
                ("cn_resident_id", "1101**********002X"),
                ("cn_mobile", "138****5678"),
                ("person_name", "张*"),
            ] {
                batch.push(StoredFinding {
                    member: String::new(),
                    detector: detector.into(),
                    category: Category::Pii,
                    confidence: Confidence::High,
                    line: Some(row + 1),
                    offset: Some(row * 64),
                    field: Some(detector.into()),
                    record: Some(record.clone()),
                    masked: masked.into(),
                    value_hash: key.hash(detector, &format!("{person}")),
                });
            }
        }
        let n = batch.len() as u64;
        let blob = store.insert_blob(&format!("synthetic-{file}"), "bench", n * 64, &batch)?;
        store.add_object(scan, blob, &location, n * 64, 0, false, None)?;
        store.commit_batch()?;
        written += n;
    }
    store.finish_scan(
        scan,
        leakscope_store::ScanOutcome::Completed,
        files,
        0,
        written * 64,
        written,
        0,
    )?;
    println!(
        "wrote {written} findings in {files} objects to {} in {:.1}s (scan {scan})",
        db.display(),
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Writes `count` citizen-record-like rows: the shape of the household-register and
/// chat-log dumps behind this project (name, resident ID, mobile, address, bank card, a
/// free-text note and a timestamp), about 250 bytes each.
pub fn records(count: u64, format: &str, seed: u64) -> Result<()> {
    use std::io::Write;
    let mut g = leakscope_generate::corpus::Generator::new(seed);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
    if !matches!(format, "csv" | "jsonl") {
        anyhow::bail!("unknown format `{format}` (csv, jsonl)");
    }
    if format == "csv" {
        writeln!(out, "id,name,idcard,mobile,address,card,note,created")?;
    }
    for id in 1..=count {
        let (name, idcard, mobile, address, card) = (
            g.name(),
            g.resident_id(),
            g.mobile(),
            g.address(),
            g.bank_card(),
        );
        // Notes are ordinary text without identifiers, as most of a real record is.
        let note = "registered at the front desk; membership level standard; no remarks";
        let created = format!("2024-{:02}-{:02}T08:00:00Z", 1 + id % 12, 1 + id % 28);
        if format == "csv" {
            writeln!(
                out,
                "{id},{name},{idcard},{mobile},{address},{card},{note},{created}"
            )?;
        } else {
            let row = serde_json::json!({
                "_id": id, "name": name, "idcard": idcard, "mobile": mobile,
                "address": address, "card": card, "note": note, "created": created,
            });
            serde_json::to_writer(&mut out, &row)?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    Ok(())
}

/// Reads a store through the same listers and decoders as `scan`, counting records and
/// bytes but running no detection.
pub fn read(url: &str, options: &leakscope_sources::stores::StoreOptions) -> Result<i32> {
    use leakscope_sources::stores::{self, StoreJob};
    use leakscope_sources::{FieldAt, Limits, Notice, Sink};

    /// Counts what a scan's engine would have been given.
    #[derive(Default)]
    struct Counter {
        fields: u64,
        bytes: u64,
        errors: u64,
    }
    impl Sink for Counter {
        fn begin_text(&mut self, _: &leakscope_core::ObjectPath, _: &'static str) {}
        fn text_chunk(&mut self, chunk: &str) {
            self.bytes += chunk.len() as u64;
        }
        fn end_text(&mut self) {}
        fn field(&mut self, _: &leakscope_core::ObjectPath, _: FieldAt<'_>, value: &str) {
            self.fields += 1;
            self.bytes += value.len() as u64;
        }
        fn notice(&mut self, n: Notice) {
            if n.kind == leakscope_sources::NoticeKind::Error {
                self.errors += 1;
                eprintln!("error: {}: {}", n.path, n.message);
            }
        }
    }

    let started = Instant::now();
    let limits = Limits::default();
    let mut counter = Counter::default();
    let mut records = 0u64;
    let mut objects = 0u64;
    let mut lister_errors = 0u64;
    stores::list(
        url,
        options,
        &mut |job| {
            match &job {
                StoreJob::Records(batch) => records += batch.records.len() as u64,
                #[allow(unreachable_patterns)]
                _ => objects += 1,
            }
            job.decode(&limits, &mut counter);
            true
        },
        &mut |n| {
            if n.kind == leakscope_sources::NoticeKind::Error {
                lister_errors += 1;
            }
            eprintln!("{}: {}: {}", n.kind.as_str(), n.path, n.message);
        },
    );
    counter.errors += lister_errors;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "read {records} records and {objects} objects, {} fields, {:.1} MB of values in {secs:.2}s: {:.0} records/s, {:.1} MB/s{}",
        counter.fields,
        counter.bytes as f64 / 1e6,
        records as f64 / secs,
        mbps(counter.bytes as usize, secs),
        if counter.errors > 0 { format!(" ({} errors)", counter.errors) } else { String::new() }
    );
    Ok(if counter.errors > 0 { 2 } else { 0 })
}
