//! `assurai demo`: the whole pipeline offline on the shipped Korean sample.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use assurai::dataset::Dataset;
use assurai::eval::MANIFEST_FILE;
use assurai::eval::run::{EvalConfig, RecordedResponses};

use super::run::{check_dataset, execute, summary_table, write_report};

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

/// Removes a previous demo run of one model (only a folder that holds a
/// run manifest), so the demo always starts from scratch.
fn clear_previous(dir: &Path) -> anyhow::Result<()> {
    if dir.join(MANIFEST_FILE).is_file() {
        std::fs::remove_dir_all(dir).with_context(|| format!("cannot clear {}", dir.display()))?;
    }
    Ok(())
}

fn dir_name(model: &str) -> String {
    model
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    if !args.dataset.is_file() {
        anyhow::bail!(
            "{} not found: run the demo from the repository root, or pass --dataset",
            args.dataset.display()
        );
    }
    if !check_dataset(&args.dataset)? {
        return Ok(ExitCode::FAILURE);
    }
    let dataset = Arc::new(Dataset::open(&args.dataset)?);
    let models = RecordedResponses::models(&dataset)?;
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
    let mut dirs = Vec::new();
    for model in &models {
        let dir = args.out.join(dir_name(model));
        clear_previous(&dir)?;
        let mut config = EvalConfig::new(
            &args.dataset,
            &dir,
            format!("replay:{}#{model}", args.dataset.display()),
            vec!["refusal".into(), "human".into()],
        );
        config.concurrency = args.concurrency.max(1);
        let outcome = execute(&config)?;
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
        dirs.push(dir);
    }
    let refs: Vec<&Path> = dirs.iter().map(PathBuf::as_path).collect();
    let report = write_report(&refs, &args.out)?;
    outln!("{}", summary_table(&report));
    eprintln!(
        "report: {} (also report.md, report.json, tables/)",
        args.out.join("report.html").display()
    );
    Ok(ExitCode::SUCCESS)
}
