//! Draw a seeded stratified sample from one shard of a dataset and print it
//! as JSON Lines.
//!
//! ```sh
//! cargo run -p assurai-dataset --example sample_shard -- examples/sample/sample.jsonl 10 0/2
//! ```

#![allow(clippy::print_stderr, clippy::print_stdout)]

use std::process::ExitCode;

use assurai_dataset::{Allocation, Dataset, Shard};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [path, n, shard] = args.as_slice() else {
        eprintln!("usage: sample_shard DATASET N K/N");
        return ExitCode::from(2);
    };
    let run = || -> Result<(), Box<dyn std::error::Error>> {
        let shard: Shard = shard.parse()?;
        let sample = Dataset::open(path)?.sample(42, n.parse()?, Allocation::Equal, Some(shard))?;
        for inst in sample {
            println!("{}", serde_json::to_string(&inst)?);
        }
        Ok(())
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
