//! The leakscope detection engine.
//!
//! Bytes in, findings out, and nothing else: this crate does no IO, starts no threads and
//! knows nothing of files, databases or the command line. The catalog of detectors is data
//! (TOML rule files embedded from `rules/`, plus any the user loads); validators are pure
//! functions with test vectors; the [`Engine`] compiles rules once and hands out per-thread
//! [`Scanner`]s that run the prefilter ▶ confirm ▶ validate ▶ score stages.
//!
//! ```
//! use leakscope_core::HashKey;
//! use leakscope_detect::{Date, Engine, EngineConfig};
//!
//! let config = EngineConfig::new(HashKey::insecure_test_key(), Date::new(2026, 1, 1).unwrap());
//! let engine = Engine::builtin(&config).unwrap();
//! let mut scanner = engine.scanner();
//! let mut findings = Vec::new();
//! scanner.scan("身份证号：11010519491231002X", &mut findings);
//! assert_eq!(findings[0].detector, "cn_resident_id");
//! assert_eq!(findings[0].masked, "1101**********002X");
//! ```

pub mod catalog;
mod charset;
mod digits;
pub mod engine;
pub mod examples;
pub mod fold;
pub mod redact;
pub mod rules;
pub mod script;
pub mod stream;
pub mod validators;

pub use engine::{Candidate, Engine, EngineConfig, RecordField, RuleInfo, Scanner};
pub use examples::{check_examples, ExampleFailure, ExampleReport};
pub use redact::Redactor;
pub use rules::{RuleError, RuleFile, RuleSpec, CATALOG_VERSION};
#[cfg(feature = "yara")]
pub mod yara;
pub use stream::StreamScanner;
pub use validators::Date;
