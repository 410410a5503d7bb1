//! The `assurai` command line: thin clap commands over the assurai-* crates.

#![allow(clippy::print_stdout, clippy::print_stderr)]

/// Prints a line to standard output. When the reader has gone away (`assurai … | head`), the
/// program ends quietly with success instead of panicking on the closed pipe.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut out = std::io::stdout().lock();
        if let Err(e) = writeln!(out, $($arg)*) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
        }
    }};
}

mod cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc instead of glibc's allocator: a run allocates and frees many small buffers per model
/// call (request and response bodies, prompts, records), and glibc's malloc/free took about a
/// sixth of the client's CPU per call (docs/benchmarks.md, "Client cost per call").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// AssurAI: safety evaluation of generative AI on the Korean multimodal AssurAI benchmark.
#[derive(Debug, Parser)]
#[command(name = "assurai", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// More log output on standard error (-v info, -vv debug, -vvv trace); `RUST_LOG` overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Only errors in the log output.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
}

/// Sends `tracing` events to standard error: the level from `-v`/`-q`
/// (default: warnings), or the filter in `RUST_LOG` when it is set. No event
/// carries an API key or an `Authorization` header at any level.
fn init_logging(verbose: u8, quiet: bool) {
    use std::io::IsTerminal;
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        _ => "trace",
    };
    let filter = match std::env::var("RUST_LOG") {
        Ok(v) if !v.trim().is_empty() => tracing_subscriber::EnvFilter::new(v),
        _ => tracing_subscriber::EnvFilter::new(level),
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a dataset: every problem with its line, id and field; exit 0 valid, 1 invalid or unreadable, 2 usage error.
    Validate(cmd::validate::Args),
    /// Dataset tools: coverage statistics, seeded stratified samples and shards, Inspect export.
    Dataset(cmd::dataset::Args),
    /// Print the risk taxonomy: 35 risk factors in 6 categories, or the 8 prompt types.
    Taxonomy(cmd::taxonomy::Args),
    /// Prepare media for a judge: image to JPEG, best video frame(s), audio to 16 kHz WAV.
    Media(cmd::media::Args),
    /// Evaluate a model: run a dataset through a target, prepare media, judge, store, report.
    Run(cmd::run::Args),
    /// Measure how well a judge agrees with the human scores recorded in a dataset.
    Calibrate(cmd::calibrate::Args),
    /// Run the whole pipeline offline on the shipped Korean sample and write runs/demo/report.html.
    Demo(cmd::demo::Args),
    /// Report one or more runs: statistics, Markdown, CSV, self-contained HTML, Inspect logs.
    Report(cmd::report::Args),
    /// Group statistics of scores in a CSV: descriptives, ANOVA, Welch, Levene, Brown–Forsythe, Kruskal–Wallis, Tukey HSD.
    Stats(cmd::stats::Args),
    /// Correct a judge's unsafe rates and 1–5 distributions for its measured error against human scores.
    Correct(cmd::correct::Args),
    /// Inter-annotator agreement from a CSV of labels: percent agreement, Fleiss' κ, Krippendorff's α.
    Agreement(cmd::agreement::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose, cli.quiet);
    let result = match cli.command {
        Command::Validate(args) => cmd::validate::run(args),
        Command::Dataset(args) => cmd::dataset::run(args),
        Command::Taxonomy(args) => cmd::taxonomy::run(args),
        Command::Media(args) => cmd::media::run(args),
        Command::Report(args) => cmd::report::run(args),
        Command::Run(args) => cmd::run::run(args),
        Command::Demo(args) => cmd::demo::run(args),
        Command::Calibrate(args) => cmd::calibrate::run(args),
        Command::Stats(args) => cmd::stats::run(args),
        Command::Agreement(args) => cmd::agreement::run(args),
        Command::Correct(args) => cmd::correct::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
