//! Integration tests of `assurai-files`.
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

// The atomic write: whole files or none, no temporary file left behind.
mod atomic_write;
// The MIME table's lookups agree with each other over arbitrary input.
mod mime_table;
