//! Validate a dataset file and print every problem.
//!
//! ```sh
//! cargo run -p assurai-dataset --example validate -- examples/sample/sample.jsonl
//! ```

#![allow(clippy::print_stderr, clippy::print_stdout)]

use std::process::ExitCode;

use assurai_dataset::Dataset;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: validate DATASET");
        return ExitCode::from(2);
    };
    let report = match Dataset::open(&path).and_then(|ds| ds.validate()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    for e in &report.errors {
        eprintln!("error: {e}");
    }
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    eprintln!(
        "{} instances, {} errors, {} warnings, {} empty Table 10 cells",
        report.instances,
        report.errors.len(),
        report.warnings.len(),
        report.distribution.gaps().len()
    );
    if report.valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
