//! The per-installation hash key: created once, atomically, with owner-only permissions.

use crate::StoreError;
use leakscope_core::HashKey;
use std::path::Path;

/// Loads the key at `path`, creating it from the operating system's random source when it
/// does not exist. On Unix the file is created with mode 0600 (see [`crate::files`]).
pub fn load_or_create(path: &Path) -> Result<HashKey, StoreError> {
    match std::fs::read_to_string(path) {
        Ok(text) => HashKey::from_hex(&text).map_err(|e| StoreError::BadKey {
            path: path.display().to_string(),
            message: e.to_string(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent() {
                crate::files::private_dir(dir)?;
            }
            let mut bytes = [0u8; 32];
            getrandom::fill(&mut bytes).map_err(|e| StoreError::Io {
                what: "reading the system random source".into(),
                source: std::io::Error::other(e.to_string()),
            })?;
            let key = HashKey::from_bytes(bytes);
            // Two first runs may race: the key appears whole or not at all, and the loser
            // uses the winner's key, so both hash alike.
            if crate::files::create_atomically(path, key.to_hex().as_bytes())? {
                Ok(key)
            } else {
                load_or_create(path)
            }
        }
        Err(source) => Err(StoreError::Io {
            what: format!("reading {}", path.display()),
            source,
        }),
    }
}
