//! Exports run directories to Inspect `.eval` logs (one per model), for
//! browsing with `inspect view`.
//!
//! ```text
//! cargo run -p assurai-eval --example export_inspect -- OUT_DIR RUN_DIR...
//! ```

#![allow(clippy::print_stdout)]

use std::path::{Path, PathBuf};

use assurai_eval::{InspectOptions, export_inspect_logs};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1).map(PathBuf::from);
    let out = args
        .next()
        .ok_or("usage: export_inspect OUT_DIR RUN_DIR...")?;
    let runs: Vec<PathBuf> = args.collect();
    let runs: Vec<&Path> = runs.iter().map(PathBuf::as_path).collect();
    for file in export_inspect_logs(&runs, &out, &InspectOptions::default())? {
        println!("{}", file.display());
    }
    Ok(())
}
