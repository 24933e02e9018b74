//! Filesystem roots of a scan: directories walked as files, git repositories read through
//! their history.
//!
//! A root that is a repository (a work tree, a bare or mirror clone) is listed through its
//! object database first; it is then walked as files with the object database left out
//! (so `.git/config` and hooks are still read), and a file whose content is a blob already
//! listed is not scanned again (its findings are those of the blob, located at the commit
//! that introduced it). Repositories met inside a walked directory are read as history
//! too, after the walk.

use leakscope_sources::walk::{walk, WalkItem, WalkOptions};
pub use leakscope_sources::GitOptions;
use leakscope_sources::{Notice, NoticeKind};
use std::path::PathBuf;
use std::sync::Arc;

/// Blob contents a repository's history already holds, to recognise committed files.
#[cfg(feature = "git")]
pub type Committed = leakscope_sources::git::KnownBlobs;

/// Without git support no history is read, so no file is known to be committed.
#[cfg(not(feature = "git"))]
pub struct Committed;

#[cfg(not(feature = "git"))]
impl Committed {
    /// Always false: nothing was listed.
    pub fn contains_content(&self, _bytes: &[u8]) -> bool {
        false
    }
}

/// Where the roots' work goes: files with the history they belong to, store jobs (git
/// blobs), notices. Each returns false once the scan is stopping.
pub struct Emit<'a> {
    pub file: &'a (dyn Fn(WalkItem, Option<Arc<Committed>>) + Sync),
    pub job: &'a mut dyn FnMut(leakscope_sources::stores::StoreJob) -> bool,
    pub notice: &'a (dyn Fn(Notice) + Sync),
}

/// Walks the filesystem roots and lists the repositories among and under them.
pub fn run(roots: &[String], options: &WalkOptions, git: &GitOptions, emit: Emit<'_>) {
    let history = git.history && cfg!(feature = "git");
    let mut options = options.clone();
    options.git_repositories = history;
    let mut plain = Vec::new();
    let mut repositories = Vec::new();
    for root in roots {
        let path = PathBuf::from(root);
        if history && (git.staged || is_repository(&path)) {
            repositories.push((path, root.clone()));
        } else {
            plain.push(path);
        }
    }
    if !history && git.staged {
        (emit.notice)(Notice {
            path: String::new(),
            kind: NoticeKind::Error,
            message: "--staged needs git support (cargo feature `git`) and git history on".into(),
        });
        return;
    }
    let file = emit.file;
    let notice = emit.notice;
    let nested = walk_roots(&plain, &options, &|item| file(item, None), notice);
    let mut job = emit.job;
    for (path, display) in repositories {
        let committed = list(&path, &display, git, &mut job, notice);
        if git.staged {
            continue;
        }
        // A repository whose history cannot be read still has its work tree scanned.
        let inner = walk_roots(
            std::slice::from_ref(&path),
            &options,
            &|item| file(item, committed.clone()),
            notice,
        );
        for repo in inner.into_iter().filter(|r| *r != path) {
            let display = repo.display().to_string();
            list(&repo, &display, git, &mut job, notice);
        }
    }
    for repo in nested {
        let display = repo.display().to_string();
        list(&repo, &display, git, &mut job, notice);
    }
}

fn walk_roots(
    roots: &[PathBuf],
    options: &WalkOptions,
    file: &(dyn Fn(WalkItem) + Sync),
    notice: &(dyn Fn(Notice) + Sync),
) -> Vec<PathBuf> {
    if roots.is_empty() {
        return Vec::new();
    }
    match walk(roots, options, file, notice) {
        Ok(nested) => nested,
        Err(e) => {
            notice(Notice {
                path: String::new(),
                kind: NoticeKind::Error,
                message: e.to_string(),
            });
            Vec::new()
        }
    }
}

#[cfg(feature = "git")]
fn is_repository(path: &std::path::Path) -> bool {
    leakscope_sources::git::layout(path).is_some()
}

#[cfg(not(feature = "git"))]
fn is_repository(_path: &std::path::Path) -> bool {
    false
}

/// Lists one repository's blobs as jobs; returns what its history holds.
#[cfg(feature = "git")]
fn list(
    path: &std::path::Path,
    display: &str,
    git: &GitOptions,
    job: &mut dyn FnMut(leakscope_sources::stores::StoreJob) -> bool,
    notice: &(dyn Fn(Notice) + Sync),
) -> Option<Arc<Committed>> {
    use leakscope_sources::git;
    use leakscope_sources::stores::StoreJob;
    let result = git::list(
        path,
        display,
        git,
        &mut |blob| job(StoreJob::GitBlob(blob)),
        &mut |n| notice(n),
    );
    match result {
        Ok(listing) => {
            // Say what history was read: a user who expected files should see why the
            // locations start with `git:`, and one who expected history that it was read.
            notice(Notice {
                path: format!("git:{display}"),
                kind: NoticeKind::Info,
                message: format!(
                    "read as git history: {} commits, {} blobs to scan ({} in no commit)",
                    listing.commits, listing.blobs, listing.unreachable
                ),
            });
            Some(Arc::new(listing.known))
        }
        Err(e) => {
            notice(Notice {
                path: format!("git:{display}"),
                kind: NoticeKind::Error,
                message: e.to_string(),
            });
            None
        }
    }
}

#[cfg(not(feature = "git"))]
fn list(
    _path: &std::path::Path,
    _display: &str,
    _git: &GitOptions,
    _job: &mut dyn FnMut(leakscope_sources::stores::StoreJob) -> bool,
    _notice: &(dyn Fn(Notice) + Sync),
) -> Option<Arc<Committed>> {
    None
}
