//! Git repositories as a source: every blob in the object database, once.
//!
//! A leaked repository holds more than its work tree: a credential committed and deleted
//! the next day, a branch that was force-pushed away, an object nobody references any
//! more. So a repository is read through its object database, not its files:
//!
//! 1. every object id in every pack and loose file is listed once, with its kind (this
//!    also reaches unreachable and dangling objects);
//! 2. every commit, reachable or not, is decoded and ordered parents-first;
//! 3. commit by commit, trees are walked, each tree id once; a blob met for the first time
//!    is attributed to that commit and that path, and becomes one [`GitBlob`] job;
//! 4. blobs no commit reaches are scanned last, named by their id.
//!
//! A blob is scanned once however many commits and paths hold it; its content identity is
//! its id, so a rescan of a grown repository reads only blobs it has not seen (the caller
//! asks the findings database before calling [`GitBlob::decode`]). Each blob is decoded
//! like a file of its name, so a zip committed years ago is opened like any zip.
//!
//! Reading is read-only and never runs git: no hooks, no filters, no configuration from the
//! repository beyond what locating objects needs.

use crate::archive::Budget;
use crate::error::SourceError;
use crate::{decode_bytes, report_skip, GitOptions, Limits, Notice, NoticeKind, Sink};
use gix::hash::ObjectId;
use leakscope_core::{CommitInfo, ObjectPath};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// How a directory holds a repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    /// A work tree with its `.git` directory (or `.git` file) inside.
    WorkTree,
    /// A bare or `--mirror` clone, or a `.git` directory named directly.
    Bare,
}

/// Whether `path` is a repository, and of which layout. Decided from the files alone.
pub fn layout(path: &Path) -> Option<Layout> {
    if !path.is_dir() {
        return None;
    }
    if path.join(".git").exists() {
        return Some(Layout::WorkTree);
    }
    let bare =
        path.join("HEAD").is_file() && path.join("objects").is_dir() && path.join("refs").is_dir();
    bare.then_some(Layout::Bare)
}

/// An open repository, shared by the lister and the workers that read its blobs.
pub struct Repo {
    /// The repository path as the user named it (it begins every location).
    display: String,
    shared: gix::ThreadSafeRepository,
    /// Distinguishes repositories in each worker's cache of thread-local handles.
    serial: usize,
}

impl Repo {
    /// The repository path as it appears in locations.
    pub fn display(&self) -> &str {
        &self.display
    }
}

thread_local! {
    /// Each worker keeps a handle (with its own pack cache) to the repository it read last.
    static LOCAL: RefCell<Option<(usize, gix::Repository)>> = const { RefCell::new(None) };
}

/// Bytes of decoded objects each handle caches: deltas against recently read bases are
/// then cheap, which is most of what a pack holds.
const OBJECT_CACHE_BYTES: usize = 64 << 20;

fn local_handle(shared: &gix::ThreadSafeRepository) -> gix::Repository {
    let mut repo = shared.to_thread_local();
    repo.object_cache_size_if_unset(OBJECT_CACHE_BYTES);
    repo
}

impl Repo {
    fn with_local<R>(&self, f: impl FnOnce(&gix::Repository) -> R) -> R {
        LOCAL.with(|cell| {
            let mut slot = cell.borrow_mut();
            if slot.as_ref().is_none_or(|(s, _)| *s != self.serial) {
                *slot = Some((self.serial, local_handle(&self.shared)));
            }
            let (_, repo) = slot.as_ref().expect("set above");
            f(repo)
        })
    }
}

/// Where a blob was found.
#[derive(Debug, Clone)]
pub enum Origin {
    /// Introduced by this commit (the first, parents-first, whose tree holds it).
    Commit(Arc<CommitInfo>),
    /// In no commit's tree: left by a reset, an amended commit, a dropped stash.
    Unreachable,
    /// Staged in the index, not yet committed.
    Staged,
}

/// One blob to scan.
pub struct GitBlob {
    repo: Arc<Repo>,
    /// The blob's id.
    pub id: ObjectId,
    /// Its size in bytes.
    pub size: u64,
    /// The path it had in the tree that introduced it; the id for an unreachable blob.
    pub path: String,
    /// The commit it is attributed to.
    pub origin: Origin,
}

impl GitBlob {
    /// `git:<repo>@<commit>:<path>`; `unreachable` or `staged` stand for the commit when
    /// there is none.
    pub fn location(&self) -> String {
        let at = match &self.origin {
            Origin::Commit(c) => c.id.as_str(),
            Origin::Unreachable => "unreachable",
            Origin::Staged => "staged",
        };
        format!("git:{}@{at}:{}", self.repo.display, self.path)
    }

    /// The blob id is its content identity: the same blob is never read twice.
    pub fn content_hash(&self) -> String {
        format!("git-blob:{}", self.id)
    }

    /// The commit to print beside its findings.
    pub fn commit(&self) -> Option<&CommitInfo> {
        match &self.origin {
            Origin::Commit(c) => Some(c),
            _ => None,
        }
    }

    /// Reads the blob and decodes it like a file of its name.
    pub fn decode(&self, limits: &Limits, sink: &mut dyn Sink) {
        let path = ObjectPath::root(self.location());
        if self.size > limits.max_object_bytes {
            return report_skip(
                sink,
                &path,
                SourceError::TooLarge {
                    what: "blob",
                    size: self.size,
                    limit: limits.max_object_bytes,
                },
            );
        }
        let data = self.repo.with_local(|repo| {
            repo.find_object(self.id)
                .map(|mut o| std::mem::take(&mut o.data))
                .map_err(|e| SourceError::Git {
                    detail: format!("cannot read blob {}: {e}", self.id),
                })
        });
        match data {
            Ok(bytes) => {
                let name = self.path.rsplit('/').next().unwrap_or(&self.path);
                decode_bytes(
                    &path,
                    name,
                    &bytes,
                    limits,
                    &Budget::new(limits.max_total_bytes),
                    sink,
                )
            }
            Err(e) => crate::report_error(sink, &path, e),
        }
    }
}

/// What listing a repository found.
#[derive(Debug, Default)]
pub struct Listing {
    /// Every blob listed (and every blob of the excluded history with `since_commit`): a
    /// work-tree file with one of these ids is already scanned as history.
    pub known: KnownBlobs,
    /// Commits decoded.
    pub commits: usize,
    /// Blobs handed out.
    pub blobs: usize,
    /// Of those, blobs no commit reaches.
    pub unreachable: usize,
}

/// Blob ids of a repository, to recognise work-tree files that are committed as they are.
#[derive(Debug, Default)]
pub struct KnownBlobs {
    ids: HashSet<ObjectId>,
}

impl KnownBlobs {
    /// True when a file with these bytes is a blob already listed.
    pub fn contains_content(&self, bytes: &[u8]) -> bool {
        gix::objs::compute_hash(gix::hash::Kind::Sha1, gix::objs::Kind::Blob, bytes)
            .is_ok_and(|id| self.ids.contains(&id))
    }
}

fn git_error(what: &str, e: impl std::fmt::Display) -> SourceError {
    SourceError::Git {
        detail: format!("{what}: {e}"),
    }
}

/// A decoded commit, as the ordering and attribution need it.
struct Node {
    tree: ObjectId,
    parents: Vec<ObjectId>,
    seconds: i64,
}

/// Opens the repository at `path` and hands out a job per blob to scan. `job` returns
/// false to stop (the scan is interrupted). Objects that cannot be read are notices; only
/// a repository that cannot be opened at all is an error.
pub fn list(
    path: &Path,
    display: &str,
    options: &GitOptions,
    job: &mut dyn FnMut(GitBlob) -> bool,
    notice: &mut dyn FnMut(Notice),
) -> Result<Listing, SourceError> {
    static SERIAL: AtomicUsize = AtomicUsize::new(1);
    let shared = gix::open::Options::isolated()
        .open(path)
        .map_err(|e| git_error("cannot open repository", e))?;
    let repo = Arc::new(Repo {
        display: display.trim_end_matches('/').to_string(),
        shared,
        serial: SERIAL.fetch_add(1, Ordering::Relaxed),
    });
    let local = local_handle(&repo.shared);
    let mut lister = Lister {
        repo: &repo,
        local: &local,
        listing: Listing::default(),
        seen_trees: HashSet::new(),
        notice,
        job,
        stopped: false,
        damaged: false,
    };
    if options.staged {
        lister.staged()?;
    } else {
        lister.history(options)?;
    }
    Ok(lister.listing)
}

struct Lister<'a> {
    repo: &'a Arc<Repo>,
    local: &'a gix::Repository,
    listing: Listing,
    seen_trees: HashSet<ObjectId>,
    notice: &'a mut dyn FnMut(Notice),
    job: &'a mut dyn FnMut(GitBlob) -> bool,
    stopped: bool,
    /// Some object could not be read.
    damaged: bool,
}

impl Lister<'_> {
    fn warn(&mut self, kind: NoticeKind, message: String) {
        self.damaged |= kind == NoticeKind::Error;
        (self.notice)(Notice {
            path: format!("git:{}", self.repo.display),
            kind,
            message,
        });
    }

    fn emit(&mut self, id: ObjectId, size: u64, path: String, origin: Origin) {
        if self.stopped {
            return;
        }
        self.listing.blobs += 1;
        if matches!(origin, Origin::Unreachable) {
            self.listing.unreachable += 1;
        }
        let blob = GitBlob {
            repo: Arc::clone(self.repo),
            id,
            size,
            path,
            origin,
        };
        if !(self.job)(blob) {
            self.stopped = true;
        }
    }

    /// Every object id with its kind, from every pack and loose object.
    fn inventory(&mut self) -> Result<(Vec<ObjectId>, HashMap<ObjectId, u64>), SourceError> {
        use gix::odb::store::iter::Ordering as PackOrder;
        let iter = self
            .local
            .objects
            .iter()
            .map_err(|e| git_error("cannot list objects", e))?
            .with_ordering(PackOrder::PackAscendingOffsetThenLooseLexicographical);
        let mut commits = Vec::new();
        let mut blobs = HashMap::new();
        let mut seen = HashSet::new();
        let mut unreadable = 0u64;
        for id in iter {
            let Ok(id) = id else {
                unreadable += 1;
                continue;
            };
            if !seen.insert(id) {
                continue;
            }
            match self.local.find_header(id) {
                Ok(h) => match h.kind() {
                    gix::objs::Kind::Commit => commits.push(id),
                    gix::objs::Kind::Blob => {
                        blobs.insert(id, h.size());
                    }
                    _ => {}
                },
                Err(_) => unreadable += 1,
            }
        }
        if unreadable > 0 {
            self.warn(
                NoticeKind::Error,
                format!("{unreadable} objects in the object database could not be read"),
            );
        }
        Ok((commits, blobs))
    }

    fn history(&mut self, options: &GitOptions) -> Result<(), SourceError> {
        let (commit_ids, blob_sizes) = self.inventory()?;
        let mut nodes: HashMap<ObjectId, Node> = HashMap::with_capacity(commit_ids.len());
        for id in &commit_ids {
            match self.node(*id) {
                Ok(n) => {
                    nodes.insert(*id, n);
                }
                Err(e) => self.warn(NoticeKind::Error, e.to_string()),
            }
        }
        self.listing.commits = nodes.len();
        // Which commits are scanned: those reachable from the named revisions, or all.
        // With `since_commit` and no refs that is what `HEAD` added: the question a CI job
        // on a branch asks.
        let mut selected: Option<HashSet<ObjectId>> = None;
        let mut refs = options.refs.clone();
        if refs.is_empty() && options.since_commit.is_some() {
            refs.push("HEAD".into());
        }
        if !refs.is_empty() {
            let mut tips = Vec::new();
            for r in &refs {
                tips.push(self.resolve(r)?);
            }
            selected = Some(ancestors(&nodes, &tips));
        }
        // Blobs of the excluded history count as seen before anything is handed out.
        let excluded = match &options.since_commit {
            Some(rev) => ancestors(&nodes, &[self.resolve(rev)?]),
            None => HashSet::new(),
        };
        let order = parents_first(&nodes);
        let mut seen_blobs: HashSet<ObjectId> = HashSet::new();
        for pass_excluded in [true, false] {
            for id in &order {
                if excluded.contains(id) != pass_excluded {
                    continue;
                }
                if selected.as_ref().is_some_and(|s| !s.contains(id)) {
                    continue;
                }
                if self.stopped {
                    return Ok(());
                }
                let node = &nodes[id];
                let mut info: Option<Arc<CommitInfo>> = None;
                let mut found = Vec::new();
                self.walk_tree(node.tree, &mut seen_blobs, &mut found);
                if pass_excluded {
                    continue;
                }
                for (blob, path) in found {
                    let info = match &info {
                        Some(i) => Arc::clone(i),
                        None => {
                            let i = Arc::new(self.commit_info(*id));
                            info = Some(Arc::clone(&i));
                            i
                        }
                    };
                    let size = blob_sizes.get(&blob).copied().unwrap_or(0);
                    self.emit(blob, size, path, Origin::Commit(info));
                }
            }
        }
        if selected.is_none() && options.since_commit.is_none() {
            let mut rest: Vec<(&ObjectId, &u64)> = blob_sizes
                .iter()
                .filter(|(id, _)| !seen_blobs.contains(*id))
                .collect();
            rest.sort();
            for (id, size) in rest {
                seen_blobs.insert(*id);
                self.emit(*id, *size, id.to_string(), Origin::Unreachable);
            }
        }
        // In a damaged repository a blob may be listed and yet not be readable: its
        // work tree is then scanned whole rather than trusting the history for any file.
        if !self.damaged {
            self.listing.known = KnownBlobs { ids: seen_blobs };
        }
        Ok(())
    }

    fn resolve(&self, rev: &str) -> Result<ObjectId, SourceError> {
        let id = self
            .local
            .rev_parse_single(rev)
            .map_err(|e| git_error(&format!("cannot resolve `{rev}`"), e))?;
        let commit = id
            .object()
            .and_then(|o| o.peel_to_commit())
            .map_err(|e| git_error(&format!("`{rev}` is not a commit"), e))?;
        Ok(commit.id)
    }

    fn node(&self, id: ObjectId) -> Result<Node, SourceError> {
        let commit = self
            .local
            .find_commit(id)
            .map_err(|e| git_error(&format!("cannot read commit {id}"), e))?;
        let decoded = commit
            .decode()
            .map_err(|e| git_error(&format!("corrupt commit {id}"), e))?;
        Ok(Node {
            tree: decoded.tree(),
            parents: decoded.parents().collect(),
            seconds: decoded.time().map_or(0, |t| t.seconds),
        })
    }

    fn commit_info(&self, id: ObjectId) -> CommitInfo {
        let mut info = CommitInfo {
            id: id.to_string(),
            author: String::new(),
            date: String::new(),
            summary: String::new(),
        };
        let Ok(commit) = self.local.find_commit(id) else {
            return info;
        };
        let Ok(decoded) = commit.decode() else {
            return info;
        };
        if let Ok(author) = decoded.author() {
            info.author = format!("{} <{}>", author.name, author.email);
            if let Ok(time) = author.time() {
                info.date = time
                    .format(gix::date::time::format::ISO8601_STRICT)
                    .unwrap_or_default();
            }
        }
        info.summary = decoded.message().summary().to_string();
        info
    }

    /// Walks a tree, each tree id once per repository, collecting blobs met for the first
    /// time with their paths.
    fn walk_tree(
        &mut self,
        root: ObjectId,
        seen_blobs: &mut HashSet<ObjectId>,
        found: &mut Vec<(ObjectId, String)>,
    ) {
        // An explicit stack: a hostile repository can nest trees deeper than the call stack.
        let mut stack: Vec<(ObjectId, String)> = vec![(root, String::new())];
        while let Some((tree_id, dir)) = stack.pop() {
            if !self.seen_trees.insert(tree_id) {
                continue;
            }
            let tree = match self.local.find_tree(tree_id) {
                Ok(t) => t,
                Err(e) => {
                    self.warn(
                        NoticeKind::Error,
                        format!("cannot read tree {tree_id}: {e}"),
                    );
                    continue;
                }
            };
            let decoded = match tree.decode() {
                Ok(d) => d,
                Err(e) => {
                    self.warn(NoticeKind::Error, format!("corrupt tree {tree_id}: {e}"));
                    continue;
                }
            };
            for entry in &decoded.entries {
                let name = path_text(entry.filename.as_ref());
                let path = if dir.is_empty() {
                    name.into_owned()
                } else {
                    format!("{dir}/{name}")
                };
                if entry.mode.is_tree() {
                    stack.push((entry.oid.to_owned(), path));
                } else if entry.mode.is_blob() && seen_blobs.insert(entry.oid.to_owned()) {
                    found.push((entry.oid.to_owned(), path));
                }
                // Symbolic links hold a path, and submodules a commit of another
                // repository: neither is content of this one.
            }
        }
    }

    /// Blobs staged in the index whose content `HEAD` does not have.
    fn staged(&mut self) -> Result<(), SourceError> {
        let mut head_blobs = HashSet::new();
        if let Ok(tree) = self.local.head_tree_id() {
            self.walk_tree(tree.detach(), &mut head_blobs, &mut Vec::new());
        }
        let index = self
            .local
            .index_or_empty()
            .map_err(|e| git_error("cannot read the index", e))?;
        let mut staged = Vec::new();
        for entry in index.entries() {
            if !entry.mode.is_submodule() && !head_blobs.contains(&entry.id) {
                let path = entry.path(&index).to_string();
                staged.push((entry.id, path));
            }
        }
        for (id, path) in staged {
            let size = self.local.find_header(id).map_or(0, |h| h.size());
            head_blobs.insert(id);
            self.emit(id, size, path, Origin::Staged);
        }
        self.listing.known = KnownBlobs { ids: head_blobs };
        Ok(())
    }
}

/// A tree entry's name as text. Git stores bytes: UTF-8 nearly always, but a repository
/// committed from a Chinese Windows machine can hold GBK names, which are decoded as such
/// rather than turned into replacement characters.
fn path_text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => encoding_rs::GB18030
            .decode_without_bom_handling_and_without_replacement(bytes)
            .unwrap_or_else(|| String::from_utf8_lossy(bytes)),
    }
}

/// The commits reachable from `tips`, tips included.
fn ancestors(nodes: &HashMap<ObjectId, Node>, tips: &[ObjectId]) -> HashSet<ObjectId> {
    let mut out = HashSet::new();
    let mut stack: Vec<ObjectId> = tips.to_vec();
    while let Some(id) = stack.pop() {
        if !out.insert(id) {
            continue;
        }
        if let Some(n) = nodes.get(&id) {
            stack.extend(n.parents.iter().copied());
        }
    }
    out
}

/// Every commit, each after all of its parents; among unrelated commits the older first.
/// A blob is then attributed to the earliest commit that holds it.
fn parents_first(nodes: &HashMap<ObjectId, Node>) -> Vec<ObjectId> {
    let mut starts: Vec<(&ObjectId, &Node)> = nodes.iter().collect();
    starts.sort_by_key(|(id, n)| (n.seconds, **id));
    let mut done: HashSet<ObjectId> = HashSet::with_capacity(nodes.len());
    let mut order = Vec::with_capacity(nodes.len());
    for (start, _) in starts {
        // Iterative post-order: a commit is pushed out once all of its parents are.
        let mut stack: Vec<(ObjectId, bool)> = vec![(*start, false)];
        while let Some((id, expanded)) = stack.pop() {
            if done.contains(&id) {
                continue;
            }
            if expanded {
                done.insert(id);
                order.push(id);
                continue;
            }
            stack.push((id, true));
            if let Some(n) = nodes.get(&id) {
                for p in &n.parents {
                    if !done.contains(p) && nodes.contains_key(p) {
                        stack.push((*p, false));
                    }
                }
            }
        }
    }
    order
}
