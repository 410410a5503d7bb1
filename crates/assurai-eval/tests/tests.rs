//! Integration tests of `assurai-eval`.
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

mod corrected;
mod html;
mod inspect;
mod over_refusal;
mod props;
mod report;
mod store;
// Two writers never share a run directory.
mod store_lock;
// Helpers shared by the modules above.
mod support;
mod tokens;
