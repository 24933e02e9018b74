-- leakscope findings database, schema version 6 (version 1 lacked scans.owner; version 2
-- had no `failed` scan status; version 3 had no `rules` and no objects.origin; version 4
-- stored one row per finding, with every string in full; version 5 had no rules.info).
-- Raw identifier values are never stored: findings keep the masked value and a keyed hash.
-- Contents are content-addressed (blobs), so the same bytes seen at two paths or in two
-- scans are scanned once; objects record where and when a blob was seen.

CREATE TABLE IF NOT EXISTS scans (
    id              INTEGER PRIMARY KEY,
    started_at      TEXT    NOT NULL,
    finished_at     TEXT,
    -- `failed`: every root failed (a mistyped path); such a scan is never the default.
    status          TEXT    NOT NULL CHECK (status IN ('running', 'completed', 'interrupted', 'failed')),
    targets         TEXT    NOT NULL,
    ruleset         TEXT    NOT NULL,
    objects_scanned INTEGER NOT NULL DEFAULT 0,
    objects_skipped INTEGER NOT NULL DEFAULT 0,
    bytes_scanned   INTEGER NOT NULL DEFAULT 0,
    findings        INTEGER NOT NULL DEFAULT 0,
    errors          INTEGER NOT NULL DEFAULT 0,
    -- The process running the scan (`pid:start time`), so a scan whose process died
    -- without finishing is marked interrupted instead of running forever.
    owner           TEXT
) STRICT;

CREATE TABLE IF NOT EXISTS blobs (
    id           INTEGER PRIMARY KEY,
    content_hash TEXT    NOT NULL,
    ruleset      TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    scanned_at   TEXT    NOT NULL,
    UNIQUE (content_hash, ruleset)
) STRICT;

CREATE TABLE IF NOT EXISTS objects (
    id       INTEGER PRIMARY KEY,
    scan_id  INTEGER NOT NULL REFERENCES scans (id),
    blob_id  INTEGER NOT NULL REFERENCES blobs (id),
    location TEXT    NOT NULL,
    size     INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    status   TEXT    NOT NULL CHECK (status IN ('scanned', 'unchanged')),
    origin   TEXT
) STRICT;
-- `origin`: for a git blob, the commit that introduced it as JSON (id, author masked, date,
-- summary), so findings read back from the database keep it.
CREATE INDEX IF NOT EXISTS objects_by_scan ON objects (scan_id);
CREATE INDEX IF NOT EXISTS objects_by_location ON objects (location);

-- The findings of a blob, in chunks of up to 8,192 in the compact encoding of `chunk.rs`
-- (each repeated string once per chunk, a few bytes per finding besides its masked value
-- and hash), numbered from 0 in the order they were found. One row per finding cost the
-- single writer thread as much CPU as the workers spent finding them.
-- A rowid table with a covering index, not WITHOUT ROWID: keys of an index B-tree whose
-- rows spill onto overflow pages are read whole when compared, so every lookup of a chunk
-- would read hundreds of kilobytes. Listings read the index, and a chunk's bytes are read
-- by rowid only when its findings are.
CREATE TABLE IF NOT EXISTS finding_chunks (
    id      INTEGER PRIMARY KEY,
    blob_id INTEGER NOT NULL REFERENCES blobs (id),
    seq     INTEGER NOT NULL,
    n       INTEGER NOT NULL,
    data    BLOB    NOT NULL
) STRICT;
CREATE UNIQUE INDEX IF NOT EXISTS finding_chunks_by_blob ON finding_chunks (blob_id, seq, n);

-- Per-blob finding counts, written with the blob, so a rescan of unchanged objects reads
-- a few rows per object instead of counting its findings.
CREATE TABLE IF NOT EXISTS blob_counts (
    blob_id    INTEGER NOT NULL REFERENCES blobs (id),
    detector   TEXT    NOT NULL,
    category   TEXT    NOT NULL,
    confidence TEXT    NOT NULL,
    n          INTEGER NOT NULL,
    PRIMARY KEY (blob_id, detector, confidence)
) STRICT, WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS notices (
    id       INTEGER PRIMARY KEY,
    scan_id  INTEGER NOT NULL REFERENCES scans (id),
    location TEXT    NOT NULL,
    kind     TEXT    NOT NULL,
    message  TEXT    NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS notices_by_scan ON notices (scan_id);

-- One row per audited target and audit run. Evidence is stored as printed, after the
-- engine masked any identifier in it; `classification` is the JSON summary of a sampled
-- scan of an exposed store (`scan_id` points at that scan's findings).
CREATE TABLE IF NOT EXISTS exposures (
    id             INTEGER PRIMARY KEY,
    audited_at     TEXT    NOT NULL,
    target         TEXT    NOT NULL,
    service        TEXT    NOT NULL,
    exposed        INTEGER CHECK (exposed IN (0, 1)),
    evidence       TEXT    NOT NULL,
    scan_id        INTEGER REFERENCES scans (id),
    classification TEXT
) STRICT;
CREATE INDEX IF NOT EXISTS exposures_by_target ON exposures (target);

-- What each detector a scan ran says about itself (`info`: JSON with its display name,
-- severity, link rank and guidance), so reports and the dashboard can rank and explain a
-- YARA rule or watch-list long after the rule file is gone. Versions before 6 recorded
-- only YARA rules and watch-lists, without `info`.
CREATE TABLE IF NOT EXISTS rules (
    detector    TEXT PRIMARY KEY,
    category    TEXT NOT NULL,
    description TEXT NOT NULL,
    info        TEXT
) STRICT;
