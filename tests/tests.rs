//! End-to-end tests of the `assurai` command line and the proofs (crash, faults, security, shards, fuzz).
//!
//! One test binary per crate (ripgrep's `autotests = false` layout): each
//! file beside this one is a module. A new test file must be listed here.

#![allow(
    missing_docs,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr
)]

mod cli_agreement;
// `assurai calibrate`: a judge against the human scores recorded in the sample.
mod cli_calibrate;
// `assurai correct`, `stats --cluster-col`, `report --calibration`: the judge-error correction.
mod cli_correct;
mod cli_dataset;
// The README's first command: `assurai demo` on the shipped sample.
mod cli_demo;
// End-to-end tests of `assurai media image|frame|audio`.
mod cli_media;
// The preflight of `assurai run` and `assurai calibrate` against llama.cpp-like servers.
mod cli_preflight;
mod cli_presets;
mod cli_report;
mod cli_run;
mod cli_stats;
// End-to-end tests of `assurai taxonomy` and the CLI conventions.
mod cli_taxonomy;
mod cli_tokens;
mod guarded_proxy;
#[path = "../examples/guarded_proxy.rs"]
mod guarded_proxy_example;
mod proof_adaptive;
mod proof_crash;
mod proof_faults;
mod proof_fuzz;
mod proof_security;
mod proof_shard;
mod proof_support;
