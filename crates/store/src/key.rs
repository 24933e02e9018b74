//! The per-installation hash key: created once, stored with owner-only permissions.

use crate::StoreError;
use leakscope_core::HashKey;
use std::io::Write;
use std::path::Path;

/// Loads the key at `path`, creating it from the operating system's random source when it
/// does not exist. On Unix the file is created with mode 0600.
pub fn load_or_create(path: &Path) -> Result<HashKey, StoreError> {
    match std::fs::read_to_string(path) {
        Ok(text) => HashKey::from_hex(&text).map_err(|e| StoreError::BadKey {
            path: path.display().to_string(),
            message: e.to_string(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
                    what: format!("creating {}", dir.display()),
                    source,
                })?;
            }
            let mut bytes = [0u8; 32];
            getrandom::fill(&mut bytes).map_err(|e| StoreError::Io {
                what: "reading the system random source".into(),
                source: std::io::Error::other(e.to_string()),
            })?;
            let key = HashKey::from_bytes(bytes);
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            match options.open(path) {
                Ok(mut f) => {
                    f.write_all(key.to_hex().as_bytes())
                        .map_err(|source| StoreError::Io {
                            what: format!("writing {}", path.display()),
                            source,
                        })?;
                    Ok(key)
                }
                // Another process created it first: use theirs, so both agree.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => load_or_create(path),
                Err(source) => Err(StoreError::Io {
                    what: format!("creating {}", path.display()),
                    source,
                }),
            }
        }
        Err(source) => Err(StoreError::Io {
            what: format!("reading {}", path.display()),
            source,
        }),
    }
}
