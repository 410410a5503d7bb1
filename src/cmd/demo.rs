//! `assurai demo`: the whole pipeline offline on the shipped Korean sample.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use assurai::dataset::Dataset;

use super::common::summary_table;
use super::run::{concurrency, replay_models, scanned_models, write_report};

/// Arguments of `assurai demo`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The dataset whose recorded responses are replayed.
    #[arg(
        long,
        value_name = "PATH",
        default_value = "examples/sample/sample.jsonl"
    )]
    dataset: PathBuf,
    /// Where the runs (one folder per model) and the combined report go.
    #[arg(long, value_name = "DIR", default_value = "runs/demo")]
    out: PathBuf,
    /// Instances in flight at once.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    if !args.dataset.is_file() {
        anyhow::bail!(
            "{} not found: run the demo from the repository root, or pass --dataset",
            args.dataset.display()
        );
    }
    let ds = Dataset::open(&args.dataset)?;
    // One pass validates the dataset and lists its models (then each model's run scans once).
    let models = match scanned_models(&ds)? {
        Some(m) => m,
        None => return Ok(ExitCode::FAILURE),
    };
    if models.is_empty() {
        anyhow::bail!(
            "{} records no model responses to replay",
            args.dataset.display()
        );
    }
    eprintln!(
        "AssurAI demo: replaying {} recorded models of {}, judged by the refusal-pattern judge and the recorded human scores",
        models.len(),
        args.dataset.display()
    );
    let runs = replay_models(
        &ds,
        &models,
        &args.out,
        &["refusal".into(), "human".into()],
        true,
        |config| config.concurrency = concurrency(args.concurrency),
    )?;
    for (model, (_, outcome)) in models.iter().zip(&runs) {
        let p = &outcome.summary.progress;
        eprintln!(
            "  {model}: {} records (scored {}, blocked {}, unscored {}, errors {}) in {:.2} s",
            p.done,
            p.scored,
            p.blocked,
            p.unscored,
            p.errors,
            p.elapsed.as_secs_f64()
        );
    }
    let refs: Vec<&Path> = runs.iter().map(|(dir, _)| dir.as_path()).collect();
    let report = write_report(&refs, &args.out)?;
    outln!("{}", summary_table(&report));
    eprintln!(
        "report: {} (also report.md, report.json, tables/)",
        args.out.join("report.html").display()
    );
    Ok(ExitCode::SUCCESS)
}
