//! Typed errors of the sources crate.

use std::io;

/// Why an object could not be decoded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// Reading failed.
    #[error("read error: {0}")]
    Io(#[from] io::Error),
    /// The object is larger than a limit allows.
    #[error("{what} is {size} bytes, over the limit of {limit} bytes")]
    TooLarge {
        what: &'static str,
        size: u64,
        limit: u64,
    },
    /// One compressed piece of a document inflates beyond what it may hold in memory.
    #[error("{what} at byte {offset} inflates to more than {limit} bytes; not scanned")]
    Inflation {
        what: &'static str,
        offset: u64,
        limit: u64,
    },
    /// Decompression produced far more output than input: a likely zip bomb.
    #[error("compression ratio over {limit}:1 after {produced} bytes (possible decompression bomb); stopped")]
    Ratio { limit: u64, produced: u64 },
    /// The total decompressed size of one top-level object exceeded its budget.
    #[error("decompressed more than {limit} bytes from one object; stopped")]
    TotalBudget { limit: u64 },
    /// Containers nested deeper than allowed.
    #[error("nested deeper than {limit} containers; not opened")]
    Depth { limit: usize },
    /// The container or document format is damaged.
    #[error("corrupt {format}: {detail}")]
    Corrupt {
        format: &'static str,
        detail: String,
    },
    /// A third-party parser panicked on this input.
    #[error("the {format} parser failed on malformed input: {detail}")]
    ParserPanic {
        format: &'static str,
        detail: String,
    },
    /// A git repository or one of its objects could not be read.
    #[error("git: {detail}")]
    Git { detail: String },
    /// A format recognised but not read.
    #[error("{what}: not read by leakscope; {hint}")]
    Unsupported {
        what: &'static str,
        hint: &'static str,
    },
    /// Encrypted content that cannot be read without a password.
    #[error("{format} is encrypted; not scanned")]
    Encrypted { format: &'static str },
}

impl SourceError {
    /// A corrupt-format error from any displayable cause.
    pub fn corrupt(format: &'static str, detail: impl std::fmt::Display) -> Self {
        SourceError::Corrupt {
            format,
            detail: detail.to_string(),
        }
    }
}

/// Runs a third-party parser, turning a panic into [`SourceError::ParserPanic`].
pub fn guard<T>(
    format: &'static str,
    f: impl FnOnce() -> Result<T, SourceError>,
) -> Result<T, SourceError> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => {
            let detail = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".to_string());
            Err(SourceError::ParserPanic { format, detail })
        }
    }
}
