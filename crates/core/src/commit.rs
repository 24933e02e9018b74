//! The commit a piece of git history is attributed to.

use serde::{Deserialize, Serialize};

/// The commit that first introduced a blob: printed beside every finding located in git
/// history, so a responder sees who committed the data and when without opening the
/// repository. The author is masked like any other text before it leaves a scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitInfo {
    /// The full commit id (hex).
    pub id: String,
    /// `Name <email>` as the commit records it.
    pub author: String,
    /// The author date, ISO 8601 with the author's offset.
    pub date: String,
    /// The first line of the commit message.
    pub summary: String,
}
