//! Domain types shared by every stage of leakscope.
//!
//! This crate does no IO. It defines what a finding is, where it was found, how a value is
//! masked for display, and how a value is turned into a keyed hash so that the same
//! identifier can be recognised across files, stores and scans without being stored.
//!
//! The raw matched text lives in [`RawValue`], which deliberately implements neither
//! `Serialize` nor a revealing `Debug`: code that wants the raw text has to call
//! [`RawValue::expose`], which makes every such place easy to find in review.

pub mod buffer;
pub mod commit;
pub mod detector;
pub mod finding;
pub mod hash;
pub mod location;
pub mod mask;
pub mod mix;
pub mod notice;
pub mod store_url;

pub use commit::CommitInfo;
pub use detector::{DetectorId, DetectorInfo, Guidance, Severity};
pub use finding::{Category, Confidence, Finding, ParseEnumError, RawValue};
pub use hash::{HashKey, HashKeyError, HashText, ValueHash, ValueHashError};
pub use location::{
    is_position_key, is_position_of, push_position, write_record_key, ObjectPath, RecordUnit,
};
pub use mask::{mask_value, MaskStyle};
pub use notice::NoticeKind;
pub use store_url::{s3_listed_key, StoreKind, StoreUrl, StoreUrlError};
