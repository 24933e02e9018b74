//! Synthetic data for leakscope: the bundled example, the data the end-to-end tests and
//! benchmarks scan, and the labelled accuracy corpus's building blocks.
//!
//! Everything is deterministic (the same seed gives the same bytes) and made up: the
//! identifiers pass their checksums but belong to nobody. Kept apart from the binary so the
//! command line stays glue and the generators can be reused by any benchmark.

pub mod corpus;
pub mod example;

pub use example::{generate, GenerateError};
