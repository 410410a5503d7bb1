//! Integration tests of `assurai-judge`.
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

mod calibration;
mod golden;
mod guard;
mod llm_http;
mod parse_props;
// Parsing table: one line per judge reply and what it must parse to.
mod parse_table;
mod prompt;
mod refusal_set;
