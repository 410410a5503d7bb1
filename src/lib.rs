//! AssurAI for Rust: a safety evaluation toolkit for generative AI built on the
//! Korean multimodal AssurAI benchmark.
//!
//! This crate is the `assurai` command line plus a facade that re-exports the
//! member crates, so one dependency gives access to all of them:
//!
//! ```
//! use assurai::taxonomy::RiskFactor;
//!
//! assert_eq!(RiskFactor::ALL.len(), 35);
//! ```

pub use assurai_taxonomy as taxonomy;
