//! Fuzz target: a hostile git repository on disk, read the way `scan` reads history.
//!
//! The input describes objects structurally (blobs, trees, commits, and objects of any kind
//! with any body); the harness writes them as loose objects under the ids their bytes give,
//! points `HEAD` and branches at them, then lists the history and decodes every blob handed
//! out. Objects refer to each other by index, so mutations reach the walker rather than dying
//! on a checksum: missing objects, a tree where a commit should be, names with slashes and
//! NULs, modes that are not modes, dates out of range, thousands of parents.
#![no_main]

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use sha1::{Digest, Sha1};
use std::io::Write;
use std::path::Path;

#[derive(Arbitrary, Debug)]
enum Object {
    Blob(Vec<u8>),
    Tree(Vec<Entry>),
    Commit {
        tree: u8,
        parents: Vec<u8>,
        author: String,
        seconds: i64,
        offset_minutes: i16,
        headers: Vec<u8>,
        message: Vec<u8>,
    },
    /// Any kind name (`blob`, `tree`, `commit`, `tag` or garbage) with any body.
    Raw { kind: u8, body: Vec<u8> },
}

#[derive(Arbitrary, Debug)]
struct Entry {
    mode: u8,
    name: Vec<u8>,
    target: u8,
}

#[derive(Arbitrary, Debug)]
struct Input {
    objects: Vec<Object>,
    head: u8,
    branches: Vec<(u8, u8)>,
}

const MODES: &[&str] = &["100644", "100755", "40000", "120000", "160000", "644", "1x0644"];
const KINDS: &[&str] = &["blob", "tree", "commit", "tag", "blobby", ""];

/// The id an object with these bytes gets, and the loose file it is written to.
fn write_loose(objects: &Path, kind: &str, body: &[u8]) -> [u8; 20] {
    let mut raw = format!("{kind} {}\0", body.len()).into_bytes();
    raw.extend_from_slice(body);
    let id: [u8; 20] = Sha1::digest(&raw).into();
    let hex = hex(&id);
    let dir = objects.join(&hex[..2]);
    let _ = std::fs::create_dir_all(&dir);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    let _ = z.write_all(&raw);
    if let Ok(bytes) = z.finish() {
        let _ = std::fs::write(dir.join(&hex[2..]), bytes);
    }
    id
}

fn hex(id: &[u8]) -> String {
    id.iter().map(|b| format!("{b:02x}")).collect()
}

/// Object `i` if it was written before, else an id that names nothing.
fn resolve(ids: &[[u8; 20]], i: u8) -> [u8; 20] {
    ids.get(usize::from(i)).copied().unwrap_or([i; 20])
}

fuzz_target!(|input: Input| {
    if input.objects.len() > 64 {
        return;
    }
    leakscope_fuzz::panics_unwind();
    let Ok(dir) = tempfile::tempdir() else { return };
    let git = dir.path().join(".git");
    let objects = git.join("objects");
    for d in [objects.as_path(), &git.join("refs/heads"), &git.join("refs/tags")] {
        let _ = std::fs::create_dir_all(d);
    }
    let _ = std::fs::write(git.join("config"), "[core]\n\trepositoryformatversion = 0\n\tbare = false\n");
    let _ = std::fs::write(git.join("HEAD"), "ref: refs/heads/main\n");
    let mut ids: Vec<[u8; 20]> = Vec::new();
    for object in &input.objects {
        let id = match object {
            Object::Blob(body) => write_loose(&objects, "blob", body),
            Object::Tree(entries) => {
                let mut body = Vec::new();
                for e in entries.iter().take(256) {
                    body.extend_from_slice(MODES[usize::from(e.mode) % MODES.len()].as_bytes());
                    body.push(b' ');
                    body.extend_from_slice(&e.name);
                    body.push(0);
                    body.extend_from_slice(&resolve(&ids, e.target));
                }
                write_loose(&objects, "tree", &body)
            }
            Object::Commit { tree, parents, author, seconds, offset_minutes, headers, message } => {
                let mut body = format!("tree {}\n", hex(&resolve(&ids, *tree)));
                for p in parents.iter().take(512) {
                    body.push_str(&format!("parent {}\n", hex(&resolve(&ids, *p))));
                }
                let sign = if *offset_minutes < 0 { '-' } else { '+' };
                let m = offset_minutes.unsigned_abs();
                let who = format!("{author} {seconds} {sign}{:02}{:02}", m / 60, m % 60);
                body.push_str(&format!("author {who}\ncommitter {who}\n"));
                let mut bytes = body.into_bytes();
                bytes.extend_from_slice(headers);
                bytes.push(b'\n');
                bytes.extend_from_slice(message);
                write_loose(&objects, "commit", &bytes)
            }
            Object::Raw { kind, body } => {
                write_loose(&objects, KINDS[usize::from(*kind) % KINDS.len()], body)
            }
        };
        ids.push(id);
    }
    if !ids.is_empty() {
        let head = resolve(&ids, input.head % ids.len() as u8);
        let _ = std::fs::write(git.join("refs/heads/main"), format!("{}\n", hex(&head)));
        for (i, (name, target)) in input.branches.iter().take(8).enumerate() {
            let target = resolve(&ids, *target);
            let kind = if name % 2 == 0 { "heads" } else { "tags" };
            let _ = std::fs::write(git.join(format!("refs/{kind}/b{i}")), format!("{}\n", hex(&target)));
        }
    }
    let limits = leakscope_fuzz::limits();
    let options = leakscope_sources::GitOptions::default();
    let _ = leakscope_sources::git::list(
        dir.path(),
        "fuzz",
        &options,
        &mut |blob| {
            let mut sink = leakscope_fuzz::Checked::default();
            blob.decode(&limits, &mut sink);
            true
        },
        &mut |notice| assert!(!notice.message.is_empty()),
    );
});
