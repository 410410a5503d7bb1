//! `assurai calibrate`: how well a judge agrees with the human scores
//! recorded in a dataset (weighted κ, Spearman ρ, MAE, confusion matrix).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use assurai::judge::{Calibration, Language};
use assurai::runner::{HumanJudge, calibrate_runs, safe_file_name};

use super::common::usage;
use super::run::{check_dataset, concurrency, replay_models, scanned_models};

/// Arguments of `assurai calibrate`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// A dataset whose recorded responses carry human scores (e.g. the AssurAI release with
    /// --format assurai-release).
    #[command(flatten)]
    input: super::input::DatasetInput,
    /// The judge to calibrate: `refusal`, `llm:MODEL@BASE_URL` or `guard:FAMILY:MODEL@BASE_URL`.
    #[arg(long, value_name = "SPEC")]
    judge: String,
    /// Only the responses of this model (repeatable); default: every recorded model.
    #[arg(long = "model", value_name = "NAME")]
    models: Vec<String>,
    /// Where the judged runs are kept (one folder per model; resumable).
    #[arg(long, value_name = "DIR", default_value = "runs/calibrate")]
    out: PathBuf,
    /// Environment variable holding the LLM judge's API key. Without it a key is sent only to
    /// OpenAI's own API host (from OPENAI_API_KEY), never to another base URL.
    #[arg(long, value_name = "VAR")]
    judge_api_key_env: Option<String>,
    /// Language of the judge prompt.
    #[arg(long, default_value = "ko", value_parser = ["ko", "en"])]
    judge_lang: String,
    /// Outputs judged at once.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Skip the preflight of the judge (one request before the first output: nothing
    /// listening, a rejected key, an unknown model, a context too small for the longest judge
    /// prompt stop at once, naming the fix).
    #[arg(long)]
    no_preflight: bool,
    /// Keep every judge answer in DIR (crash-safe): an output already judged is judged from DIR
    /// without a call.
    #[arg(long, value_name = "DIR")]
    cache: Option<PathBuf>,
    /// Print the calibration as JSON.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.judge.trim().eq_ignore_ascii_case(HumanJudge::ID) {
        return usage("--judge human would compare the human scores with themselves");
    }
    let ds = match args.input.open() {
        Ok(d) => d,
        Err(e) => return usage(e),
    };
    // With --skip-invalid the skipped records are listed first (as `run` does); otherwise one
    // pass validates the dataset and lists its models.
    if args.input.skip_invalid && !check_dataset(&ds, true)? {
        return Ok(ExitCode::FAILURE);
    }
    let recorded = match scanned_models(&ds)? {
        Some(m) => m,
        None => return Ok(ExitCode::FAILURE),
    };
    let models: Vec<String> = if args.models.is_empty() {
        recorded
    } else {
        for m in &args.models {
            if !recorded.contains(m) {
                anyhow::bail!(
                    "the dataset records no responses of model {m:?}; it has: {}",
                    recorded.join(", ")
                );
            }
        }
        args.models.clone()
    };
    if models.is_empty() {
        anyhow::bail!(
            "{} records no model responses to calibrate on",
            args.input.path().display()
        );
    }
    let language = if args.judge_lang == "en" {
        Language::English
    } else {
        Language::Korean
    };
    // One preflight: every model's run uses the same judge.
    let preflight = std::cell::Cell::new(!args.no_preflight);
    let runs = replay_models(
        &ds,
        &models,
        &args.out.join(safe_file_name(&args.judge, 60)),
        std::slice::from_ref(&args.judge),
        false,
        |config| {
            config.judge_api_key_env = args.judge_api_key_env.clone();
            config.language = language;
            config.concurrency = concurrency(args.concurrency);
            config.preflight = preflight.replace(false);
            // Running the command again re-judges the outputs whose judge call failed.
            config.retry_errors = true;
            config.reliability.cache = args.cache.clone();
        },
    )?;
    let refs: Vec<&Path> = runs.iter().map(|(dir, _)| dir.as_path()).collect();
    let judge_id = if args.judge.trim().eq_ignore_ascii_case("refusal") {
        "refusal".to_string()
    } else {
        args.judge.trim().to_string()
    };
    let cal = calibrate_runs(&refs, &judge_id)?;
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&cal)?);
    } else {
        outln!("{}", human(&args.judge, &models, &cal));
    }
    if cal.n_errors > 0 {
        eprintln!(
            "{} outputs were not judged: the judge call failed (see the error records in {}); \
             run the same command again to retry them",
            cal.n_errors,
            args.out.display()
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

fn opt(v: Option<f64>) -> String {
    super::common::num(v, 3)
}

fn human(judge: &str, models: &[String], c: &Calibration) -> String {
    let mut s = format!(
        "Judge {judge} against the recorded human scores of {} ({} outputs scored, {} unscored, {} judge errors)\n\n",
        models.join(", "),
        c.n,
        c.n_unscored,
        c.n_errors
    );
    s += &format!(
        "  quadratic-weighted κ  {}\n  Spearman ρ            {} (p = {})\n  mean absolute error   {}\n  exact agreement       {}\n  within one point      {}\n\n",
        opt(c.weighted_kappa),
        opt(c.spearman_rho),
        opt(c.spearman_p),
        opt(c.mae),
        opt(c.exact_agreement),
        opt(c.within_one)
    );
    s += "  confusion (rows: human 1–5, columns: judge 1–5)\n";
    for (i, row) in c.confusion.iter().enumerate() {
        let cells: Vec<String> = row.iter().map(|n| format!("{n:>4}")).collect();
        s += &format!("  {} |{}\n", i + 1, cells.join(""));
    }
    for (reason, n) in &c.unscored_reasons {
        s += &format!("  unscored ({reason}): {n}\n");
    }
    s
}
