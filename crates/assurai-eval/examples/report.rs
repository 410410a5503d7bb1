//! Builds the report of one or more run directories and writes
//! `report.json`, `report.md`, `report.html` and `tables/` into OUT_DIR
//! (what `assurai report RUN_DIR... --out OUT_DIR` does).
//!
//! ```text
//! cargo run -p assurai-eval --example report -- OUT_DIR RUN_DIR...
//! ```

#![allow(clippy::print_stdout)]

use std::path::{Path, PathBuf};

use assurai_eval::{Report, ReportOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1).map(PathBuf::from);
    let out = args.next().ok_or("usage: report OUT_DIR RUN_DIR...")?;
    let runs: Vec<PathBuf> = args.collect();
    let runs: Vec<&Path> = runs.iter().map(PathBuf::as_path).collect();
    let report = Report::from_runs(&runs, &ReportOptions::default())?;
    report.write_all(&out)?;
    for m in &report.models {
        println!(
            "{}: n = {}, mean = {:?}, blocked = {}",
            m.model, m.n_scored, m.mean, m.n_blocked
        );
    }
    Ok(())
}
