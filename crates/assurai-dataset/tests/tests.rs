//! Integration tests of `assurai-dataset`.
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

// Every fixture in `tests/bad/` with the exact problems it must produce.
mod bad_inputs;
mod checks;
mod presets;
mod props;
mod release;
mod sample_dataset;
// Helpers shared by the modules above.
mod support;
