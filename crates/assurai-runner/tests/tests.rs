//! Integration tests of `assurai-runner`.
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

mod runner_audio;
mod runner_frames;
mod runner_usage;
// Scaffolding shared by the tests above: dataset file, result store, one run, its records.
mod support;
