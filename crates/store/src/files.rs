//! The files the store keeps: private to the user who runs leakscope, created without
//! races, and the process that owns a running scan.
//!
//! A masked mobile number leaves 10^4 candidates, so the hash key together with the
//! keyed hashes in the database reveals it: both files and the directory that holds them
//! are readable by their owner only (0600 files, a 0700 directory when leakscope creates
//! it).

use crate::StoreError;
use std::io::Write;
use std::path::Path;

/// Creates `dir` and its missing parents, owner-only where leakscope creates them.
pub fn private_dir(dir: &Path) -> Result<(), StoreError> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|source| StoreError::Io {
        what: format!("creating {}", dir.display()),
        source,
    })
}

/// Creates `path` empty with owner-only permissions when it does not exist yet (SQLite
/// gives its `-wal` and `-shm` files the permissions of the database file).
pub fn private_file(path: &Path) -> Result<(), StoreError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(source) => Err(StoreError::Io {
            what: format!("creating {}", path.display()),
            source,
        }),
    }
}

/// Writes `bytes` to `path` only if `path` does not exist, atomically: readers see either
/// no file or the whole content, never an empty or partial one. The bytes go to a private
/// temporary file beside it, are synced, and the file is linked into place (a link, unlike
/// a rename, fails when the name is taken). Returns `false` when another process won.
pub fn create_atomically(path: &Path, bytes: &[u8]) -> Result<bool, StoreError> {
    let io = |what: String| move |source| StoreError::Io { what, source };
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut nonce = [0u8; 8];
    getrandom::fill(&mut nonce).map_err(|e| StoreError::Io {
        what: "reading the system random source".into(),
        source: std::io::Error::other(e.to_string()),
    })?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let tmp = dir.join(format!(
        ".{name}.{}-{:016x}",
        std::process::id(),
        u64::from_le_bytes(nonce)
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options
        .open(&tmp)
        .map_err(io(format!("creating {}", tmp.display())))
        .and_then(|mut f| {
            f.write_all(bytes)
                .and_then(|()| f.sync_all())
                .map_err(io(format!("writing {}", tmp.display())))
        })
        .and_then(|()| match std::fs::hard_link(&tmp, path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
            Err(source) => Err(StoreError::Io {
                what: format!("creating {}", path.display()),
                source,
            }),
        });
    let _ = std::fs::remove_file(&tmp);
    written
}

/// This process, as recorded in a running scan's row: its id and its start time, so a
/// recycled process id is not mistaken for the scan's owner.
pub fn this_process() -> String {
    let pid = std::process::id();
    match start_time(pid) {
        Some(t) => format!("{pid}:{t}"),
        None => pid.to_string(),
    }
}

/// Whether the process recorded by [`this_process`] is gone. `None` when this system
/// cannot tell (no `/proc`), so such scans are left as they are.
pub fn owner_is_gone(owner: &str) -> Option<bool> {
    if !Path::new("/proc/self/stat").exists() {
        return None;
    }
    let (pid, started) = match owner.split_once(':') {
        Some((p, t)) => (p.parse::<u32>().ok()?, Some(t)),
        None => (owner.parse::<u32>().ok()?, None),
    };
    Some(match start_time(pid) {
        None => true,
        Some(now) => started.is_some_and(|t| t != now),
    })
}

/// The start time of process `pid` (field 22 of `/proc/PID/stat`, in clock ticks).
fn start_time(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_a_finished_one_is_gone() {
        assert_eq!(owner_is_gone(&this_process()), Some(false));
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        assert_eq!(owner_is_gone(&format!("{pid}:1")), Some(true));
        let me = this_process();
        let pid = me.split(':').next().unwrap();
        assert_eq!(
            owner_is_gone(&format!("{pid}:0")),
            Some(true),
            "recycled id"
        );
    }

    #[test]
    fn atomic_creation_keeps_the_first_content() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k");
        assert!(create_atomically(&p, b"first").unwrap());
        assert!(!create_atomically(&p, b"second").unwrap());
        assert_eq!(std::fs::read(&p).unwrap(), b"first");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary left"
        );
    }
}
