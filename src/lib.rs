//! AssurAI for Rust: a safety evaluation toolkit for generative AI built on the
//! Korean multimodal AssurAI benchmark.
//!
//! This crate is a facade that re-exports the member crates, so one
//! dependency gives access to all of them, plus (behind the default `cli`
//! feature) the `assurai` command line. A library user who wants no
//! command-line dependencies depends on it with `default-features = false`:
//!
//! ```toml
//! [dependencies]
//! assurai = { version = "0.1", default-features = false }
//! ```
//!
//!
//! ```
//! use assurai::taxonomy::RiskFactor;
//!
//! assert_eq!(RiskFactor::ALL.len(), 35);
//! ```

pub use assurai_dataset as dataset;
pub use assurai_eval as eval;
pub use assurai_files as files;
pub use assurai_judge as judge;
pub use assurai_media as media;
pub use assurai_models as models;
pub use assurai_runner as runner;
pub use assurai_stats as stats;
pub use assurai_taxonomy as taxonomy;
