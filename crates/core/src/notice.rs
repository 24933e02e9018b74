//! How serious a notice about one object is: the type that crosses from the decoders to
//! the printers and the findings database.

/// How serious a notice is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// Part of the input could not be read; the exit code reports it.
    Error,
    /// Deliberately not scanned (limits, encryption, unsupported type).
    Skip,
    /// Scanned, with a remark (binary content scanned as printable strings).
    Info,
}

impl NoticeKind {
    /// The lower-case name used in output records and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Error => "error",
            NoticeKind::Skip => "skip",
            NoticeKind::Info => "info",
        }
    }
}
