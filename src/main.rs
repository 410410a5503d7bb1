//! The `assurai` command line: thin clap commands over the assurai-* crates.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// AssurAI: safety evaluation of generative AI on the Korean multimodal AssurAI benchmark.
#[derive(Debug, Parser)]
#[command(name = "assurai", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the risk taxonomy: 35 risk factors in 6 categories, or the 8 prompt types.
    Taxonomy(cmd::taxonomy::Args),
    /// Report one or more runs: statistics, Markdown, CSV, self-contained HTML, Inspect logs.
    Report(cmd::report::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Taxonomy(args) => cmd::taxonomy::run(args),
        Command::Report(args) => cmd::report::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
