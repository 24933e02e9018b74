//! Directory walking: which files under the user's paths are scanned.
//!
//! Everything is scanned by default, hidden files and ignored files included: a leak does
//! not respect `.gitignore`. Users can opt into honouring ignore files, and narrow the
//! walk with include and exclude globs and a maximum file size.

use crate::{Notice, NoticeKind};
use globset::{Glob, GlobSet, GlobSetBuilder};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

/// Walk settings.
#[derive(Debug, Clone, Default)]
pub struct WalkOptions {
    /// Honour `.gitignore`, `.ignore` and global git excludes.
    pub respect_ignore_files: bool,
    /// Only files matching one of these globs (relative paths) are scanned, when non-empty.
    pub include: Vec<String>,
    /// Files or directories matching one of these globs are skipped.
    pub exclude: Vec<String>,
    /// Files larger than this are skipped with a notice.
    pub max_file_size: Option<u64>,
    /// Follow symbolic links.
    pub follow_links: bool,
    /// Leave the object databases of git repositories (and what only repeats history: refs,
    /// reflogs, the index) out of the walk and return the repositories instead, so their
    /// history is read as blobs, not as compressed object files. A git directory's
    /// `config` (a remote's token) and `hooks` are still walked as files.
    pub git_repositories: bool,
}

/// A file to scan.
#[derive(Debug, Clone)]
pub struct WalkItem {
    /// Where it is on disk.
    pub fs_path: PathBuf,
    /// The path as shown to the user (as given on the command line, joined).
    pub display: String,
    /// Size in bytes.
    pub size: u64,
    /// Modification time in nanoseconds since the Unix epoch (0 when unknown).
    pub mtime_ns: i64,
}

/// A glob option that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("invalid glob `{glob}`: {source}")]
pub struct GlobError {
    glob: String,
    source: globset::Error,
}

fn build_set(globs: &[String]) -> Result<Option<GlobSet>, GlobError> {
    if globs.is_empty() {
        return Ok(None);
    }
    let mut b = GlobSetBuilder::new();
    for g in globs {
        // A bare pattern matches at any depth, as users expect from `--exclude '*.log'`.
        let pattern = if g.contains('/') {
            g.clone()
        } else {
            format!("**/{g}")
        };
        b.add(Glob::new(&pattern).map_err(|source| GlobError {
            glob: g.clone(),
            source,
        })?);
    }
    b.build().map(Some).map_err(|source| GlobError {
        glob: globs.join(","),
        source,
    })
}

impl WalkOptions {
    /// Checks the include and exclude globs, so a bad one is a usage error before any
    /// work starts rather than a failure in the middle of a scan.
    pub fn check(&self) -> Result<(), GlobError> {
        build_set(&self.include)?;
        build_set(&self.exclude)?;
        Ok(())
    }
}

/// Entries of a git directory that are not scanned as files when its history is read:
/// the object database (read as history instead), and what only repeats history (refs,
/// reflogs with every committer's address, the index). `config` (a remote URL with a
/// token in it), `hooks` (a planted hook) and `info` are still scanned.
const GIT_DIR_INTERNALS: &[&str] = &[
    "objects",
    "refs",
    "logs",
    "index",
    "HEAD",
    "ORIG_HEAD",
    "FETCH_HEAD",
    "MERGE_HEAD",
    "packed-refs",
    "COMMIT_EDITMSG",
    "shallow",
    "modules",
    "lfs",
];

/// What the walk does with an entry of a git directory whose history is read.
enum GitEntry {
    /// Not a git directory's internals: walked as usual.
    Other,
    /// Left out (it repeats history).
    Internal,
    /// The object database of the repository at this path (its work tree, or the git
    /// directory itself for a bare clone).
    Objects(PathBuf),
}

fn git_entry(path: &Path) -> GitEntry {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return GitEntry::Other;
    };
    if !GIT_DIR_INTERNALS.contains(&name) {
        return GitEntry::Other;
    }
    let Some(git_dir) = path.parent() else {
        return GitEntry::Other;
    };
    let is_git_dir = git_dir.join("HEAD").is_file()
        && git_dir.join("refs").is_dir()
        && git_dir.join("objects").is_dir();
    if !is_git_dir {
        return GitEntry::Other;
    }
    if name != "objects" {
        return GitEntry::Internal;
    }
    GitEntry::Objects(match git_dir.file_name() {
        Some(n) if n == ".git" => git_dir.parent().unwrap_or(git_dir).to_path_buf(),
        _ => git_dir.to_path_buf(),
    })
}

/// Walks `roots`, calling `file` for every file to scan and `notice` for every problem
/// (unreadable directories, skipped large files). Returns the git repositories whose object
/// databases were left out (with [`WalkOptions::git_repositories`]); an error only for bad
/// globs.
pub fn walk(
    roots: &[PathBuf],
    options: &WalkOptions,
    file: impl Fn(WalkItem) + Sync,
    notice: impl Fn(Notice) + Sync,
) -> Result<Vec<PathBuf>, GlobError> {
    let include = build_set(&options.include)?;
    let exclude = build_set(&options.exclude)?;
    let repositories = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    for root in roots {
        let mut builder = ignore::WalkBuilder::new(root);
        builder
            .hidden(false)
            .parents(options.respect_ignore_files)
            .ignore(options.respect_ignore_files)
            .git_ignore(options.respect_ignore_files)
            .git_global(options.respect_ignore_files)
            .git_exclude(options.respect_ignore_files)
            .require_git(false)
            .follow_links(options.follow_links);
        let exclude_dirs = exclude.clone();
        let root_for_filter = root.clone();
        let git_repositories = options.git_repositories;
        let found = std::sync::Arc::clone(&repositories);
        builder.filter_entry(move |e| {
            if git_repositories {
                match git_entry(e.path()) {
                    GitEntry::Other => {}
                    GitEntry::Internal => return false,
                    GitEntry::Objects(repo) => {
                        if let Ok(mut found) = found.lock() {
                            found.push(repo);
                        }
                        return false;
                    }
                }
            }
            match &exclude_dirs {
                Some(set) => !set.is_match(relative(&root_for_filter, e.path())),
                None => true,
            }
        });
        builder.build_parallel().run(|| {
            Box::new(|entry| {
                visit(root, entry, options, include.as_ref(), &file, &notice);
                ignore::WalkState::Continue
            })
        });
    }
    let mut found = repositories.lock().map(|f| f.clone()).unwrap_or_default();
    found.sort();
    found.dedup();
    Ok(found)
}

fn visit(
    root: &Path,
    entry: Result<ignore::DirEntry, ignore::Error>,
    options: &WalkOptions,
    include: Option<&GlobSet>,
    file: &(impl Fn(WalkItem) + Sync),
    notice: &(impl Fn(Notice) + Sync),
) {
    let entry = match entry {
        Ok(e) => e,
        Err(err) => {
            notice(Notice {
                path: root.display().to_string(),
                kind: NoticeKind::Error,
                message: format!("walk error: {err}"),
            });
            return;
        }
    };
    if !entry.file_type().is_some_and(|t| t.is_file()) {
        return;
    }
    let path = entry.path();
    if let Some(set) = include {
        if !set.is_match(relative(root, path)) {
            return;
        }
    }
    let display = path.display().to_string();
    let meta = match entry.metadata() {
        Ok(m) => m,
        Err(err) => {
            notice(Notice {
                path: display,
                kind: NoticeKind::Error,
                message: format!("cannot stat: {err}"),
            });
            return;
        }
    };
    if let Some(max) = options.max_file_size {
        if meta.len() > max {
            notice(Notice {
                path: display,
                kind: NoticeKind::Skip,
                message: format!("{} bytes, over --max-file-size {max}", meta.len()),
            });
            return;
        }
    }
    let mtime_ns = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos().min(i64::MAX as u128) as i64);
    file(WalkItem {
        fs_path: path.to_path_buf(),
        display,
        size: meta.len(),
        mtime_ns,
    });
}

fn relative<'a>(root: &Path, path: &'a Path) -> &'a Path {
    path.strip_prefix(root).unwrap_or(path)
}
