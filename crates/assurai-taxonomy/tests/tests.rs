//! Integration tests of `assurai-taxonomy`.
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

// The taxonomy's data against the paper's tables (Table 10 as committed TSV).
mod reference_tables;
// Every accepted spelling parses back to its value; nothing else does.
mod spellings;
