//! `assurai run`: evaluate a target model on a dataset with one or more judges.

use std::io::IsTerminal;
use std::num::{NonZeroU32, NonZeroUsize};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use assurai::dataset::{Dataset, Shard, ValidationReport};
use assurai::eval::MANIFEST_FILE;
use assurai::eval::{Report, ReportOptions};
use assurai::judge::Language;
use assurai::models::layers::CircuitBreaker;
use assurai::runner::{
    CancelToken, EvalConfig, EvalOutcome, Progress, RecordedResponses, RunError, evaluate,
    safe_file_name,
};

use super::common::{summary_table, usage};

/// Arguments of `assurai run`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    input: super::input::DatasetInput,
    /// The run directory: results.jsonl, manifest.json, media and the report.
    #[arg(long, value_name = "RUN_DIR")]
    out: PathBuf,
    /// The model under test: `openai:MODEL@BASE_URL` or `replay:PATH[#MODEL]`.
    #[arg(long, value_name = "SPEC")]
    target: String,
    /// A judge: `refusal`, `human`, `llm:MODEL@BASE_URL` or a guard model
    /// `guard:FAMILY:MODEL@BASE_URL` (FAMILY: kanana, kanana-siren, kanana-prompt, qwen3guard,
    /// llama-guard, wildguard, shieldgemma, shieldgemma2, granite-guardian, kt-safetyguard;
    /// options `?categories=FILE&rule=RULE`, see docs/judge.md); repeat for an ensemble.
    #[arg(long = "judge", value_name = "SPEC", default_value = "refusal")]
    judges: Vec<String>,
    /// Instances in flight at once: N, or `auto[:MAX]` (default MAX 64) to find the server's
    /// capacity by AIMD — grow while calls succeed, halve on 429/503/timeouts/overload, honour
    /// Retry-After; the target and the judges on one base URL share one limit.
    #[arg(long, default_value = "8", value_parser = parse_concurrency)]
    concurrency: ConcurrencyArg,
    /// Stop the run after N consecutive failures of one kind that waiting does not fix
    /// (connection refused, 401/403, 404), naming the fix; 0 never stops.
    #[arg(long, value_name = "N", default_value_t = 5)]
    circuit_breaker: u32,
    /// Exit 0 although up to this share (0–1) of the records are errors (default 0: any error
    /// record makes the exit code 1).
    #[arg(long, value_name = "R", default_value_t = 0.0)]
    max_error_rate: f64,
    /// At most N target requests per minute, e.g. `10/min` (the paper's video limit).
    #[arg(long, value_name = "N/min")]
    rate_limit: Option<String>,
    /// Retries of a failed call (429, 5xx, timeouts, resets).
    #[arg(long, default_value_t = 3)]
    max_retries: u32,
    /// Time limit of one call, in seconds.
    #[arg(long, default_value_t = 120.0)]
    timeout_s: f64,
    /// Run every instance this many times.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    epochs: u32,
    /// Run only N instances: the first N, or with --seed a stratified sample of N.
    #[arg(long)]
    limit: Option<u64>,
    /// Run only shard K of N (`K/N`, K from 0), partitioned by instance id.
    /// Without it, K comes from `JOB_COMPLETION_INDEX` (set by Kubernetes
    /// Indexed Jobs) when `--shards N` or `ASSURAI_SHARDS` gives N.
    #[arg(long, value_name = "K/N")]
    shard: Option<String>,
    /// The number of shards N when K comes from `JOB_COMPLETION_INDEX`.
    #[arg(long, value_name = "N", env = "ASSURAI_SHARDS")]
    shards: Option<u32>,
    /// Seed of the stratified sample (with --limit) and of the target's sampling.
    #[arg(long)]
    seed: Option<u64>,
    /// Sampling temperature sent to the target.
    #[arg(long)]
    temperature: Option<f32>,
    /// Output token limit sent to the target.
    #[arg(long)]
    max_tokens: Option<u32>,
    /// Re-run records that ended in an error.
    #[arg(long)]
    retry_errors: bool,
    /// Environment variable holding the target's API key. Without it a key is sent only to
    /// OpenAI's own API host (from OPENAI_API_KEY), never to another base URL.
    #[arg(long, value_name = "VAR")]
    api_key_env: Option<String>,
    /// Environment variable holding the LLM judge's API key (same rule as --api-key-env).
    #[arg(long, value_name = "VAR")]
    judge_api_key_env: Option<String>,
    /// Speech-to-text service for audio outputs: `openai:MODEL@BASE_URL` (an OpenAI-compatible
    /// /v1/audio/transcriptions endpoint, e.g. a local whisper server).
    #[arg(long, value_name = "SPEC")]
    transcriber: Option<String>,
    /// How many best distinct frames of a generated video the judges see (with their
    /// timestamps, in one request).
    #[arg(long, value_name = "K", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=16))]
    judge_frames: u32,
    /// Send generated speech itself (an `input_audio` part) to LLM judges besides its
    /// transcript; the judge must accept audio. Records say `judge_input`.
    #[arg(long)]
    judge_audio: bool,
    /// Language of the judge prompt.
    #[arg(long, value_enum, default_value_t = Lang::Ko)]
    judge_lang: Lang,
    /// Run every instance, also those whose modality the target does not produce (by default a
    /// text model runs only text instances, and says how many it left out).
    #[arg(long)]
    all_modalities: bool,
    /// Skip the preflight: by default one request to the target and to each judge before the
    /// first instance (and GET /models) stops the run at once, naming the fix, when a server is
    /// not there, rejects the key, does not know the model, or has a context too small for the
    /// longest judge prompt.
    #[arg(long)]
    no_preflight: bool,
    /// Keep every generation of the target and the LLM judges in DIR (crash-safe): a request
    /// already answered, by this run or an earlier one, is answered from DIR without a call.
    #[arg(long, value_name = "DIR")]
    cache: Option<PathBuf>,
    /// Print the summary as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// Print what the run would do — instances, calls and estimated tokens per role (from the
    /// servers' /tokenize when they answer) and with --price the cost — calling no model and
    /// writing nothing.
    #[arg(long)]
    dry_run: bool,
    /// With --dry-run: a role's price in USD per million input/output tokens, e.g.
    /// `target=0.15/0.60` or `judge=2.5/10` (roles target, judge, transcriber); repeatable.
    #[arg(long = "price", value_name = "ROLE=IN/OUT", requires = "dry_run")]
    prices: Vec<String>,
}

/// `--concurrency N` or `auto[:MAX]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConcurrencyArg {
    Fixed(u32),
    Auto(u32),
}

fn parse_concurrency(s: &str) -> Result<ConcurrencyArg, String> {
    let bad = || format!("expected N (1–4096), auto or auto:MAX, got {s:?}");
    let n = |v: &str| {
        v.trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=4096).contains(n))
            .ok_or_else(bad)
    };
    match s.trim() {
        "auto" => Ok(ConcurrencyArg::Auto(64)),
        t => match t.strip_prefix("auto:") {
            Some(max) => n(max).map(ConcurrencyArg::Auto),
            None => n(t).map(ConcurrencyArg::Fixed),
        },
    }
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Lang {
    Ko,
    En,
}

fn parse_rate(s: &str) -> anyhow::Result<(usize, Duration)> {
    let (n, unit) = s.split_once('/').unwrap_or((s, "min"));
    let n: usize =
        n.trim().parse().ok().filter(|n| *n > 0).with_context(|| {
            format!("--rate-limit {s:?}: expected N/min, N/s or N/h with N ≥ 1")
        })?;
    let period = match unit.trim() {
        "s" | "sec" | "second" => Duration::from_secs(1),
        "m" | "min" | "minute" => Duration::from_secs(60),
        "h" | "hour" => Duration::from_secs(3600),
        other => bail!("--rate-limit {s:?}: unknown period {other:?}; use N/s, N/min or N/h"),
    };
    Ok((n, period))
}

/// The shard to run: `--shard K/N`, or K from `JOB_COMPLETION_INDEX` (a
/// Kubernetes Indexed Job's pod index) with N from `--shards`/`ASSURAI_SHARDS`.
fn resolve_shard(flag: Option<&str>, shards: Option<u32>) -> Result<Option<Shard>, String> {
    const INDEX_VAR: &str = "JOB_COMPLETION_INDEX";
    if let Some(s) = flag {
        let shard = s
            .parse::<Shard>()
            .map_err(|e| format!("--shard {s:?}: {e}"))?;
        if shards.is_some_and(|n| n != shard.count()) {
            return Err(format!(
                "--shard {s:?} disagrees with --shards/ASSURAI_SHARDS {}",
                shards.unwrap_or_default()
            ));
        }
        return Ok(Some(shard));
    }
    let index = std::env::var(INDEX_VAR).ok();
    match (shards, index) {
        (None, None) => Ok(None),
        (None, Some(_)) => {
            eprintln!(
                "warning: {INDEX_VAR} is set but neither --shards nor ASSURAI_SHARDS is; \
                 running the whole dataset"
            );
            Ok(None)
        }
        (Some(n), None) => Err(format!(
            "--shards {n} needs {INDEX_VAR} (set by Kubernetes Indexed Jobs) or --shard K/N"
        )),
        (Some(n), Some(k)) => {
            let k: u32 = k
                .trim()
                .parse()
                .map_err(|_| format!("{INDEX_VAR}={k:?}: expected a non-negative integer"))?;
            Shard::new(k, n)
                .map(Some)
                .map_err(|e| format!("{INDEX_VAR}={k} with {n} shards: {e}"))
        }
    }
}

/// `n` instances in flight, at least one.
pub(crate) fn concurrency(n: usize) -> NonZeroUsize {
    NonZeroUsize::new(n).unwrap_or(NonZeroUsize::MIN)
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let shard = match resolve_shard(args.shard.as_deref(), args.shards) {
        Ok(s) => s,
        Err(e) => return usage(e),
    };
    let rate = match &args.rate_limit {
        Some(r) => match parse_rate(r) {
            Ok(r) => Some(r),
            Err(e) => return usage(e),
        },
        None => None,
    };
    if !(args.timeout_s.is_finite() && args.timeout_s > 0.0) {
        return usage("--timeout-s must be a positive number of seconds");
    }
    if !(args.max_error_rate.is_finite() && (0.0..=1.0).contains(&args.max_error_rate)) {
        return usage("--max-error-rate must be a share between 0 and 1");
    }
    let ds = match args.input.open() {
        Ok(d) => d,
        Err(e) => return usage(e),
    };
    let mut config = EvalConfig::new(
        args.input.path(),
        &args.out,
        &args.target,
        args.judges.clone(),
    );
    config.source = Some(ds.clone());
    config.api_key_env = args.api_key_env.clone();
    config.judge_api_key_env = args.judge_api_key_env.clone();
    config.language = match args.judge_lang {
        Lang::Ko => Language::Korean,
        Lang::En => Language::English,
    };
    config.epochs = NonZeroU32::new(args.epochs).unwrap_or(NonZeroU32::MIN);
    config.limit = args.limit;
    config.sample_seed = args.limit.and(args.seed);
    config.shard = shard;
    config.settings.seed = args.seed;
    config.settings.temperature = args.temperature;
    config.settings.max_tokens = args.max_tokens;
    match args.concurrency {
        ConcurrencyArg::Fixed(n) => config.concurrency = concurrency(n as usize),
        ConcurrencyArg::Auto(max) => {
            // As many instances in flight as the limit may grow to; the limiter decides.
            config.concurrency = concurrency(max as usize);
            config.reliability.adaptive_max = Some(max as usize);
        }
    }
    if args.circuit_breaker > 0 {
        config.reliability.circuit_breaker = Some(CircuitBreaker::new(args.circuit_breaker));
    }
    config.retry_errors = args.retry_errors;
    config.reliability.max_retries = args.max_retries;
    config.reliability.timeout = Duration::from_secs_f64(args.timeout_s);
    config.reliability.rate_limit = rate;
    config.transcriber = args.transcriber.clone();
    config.all_modalities = args.all_modalities;
    config.preflight = !args.no_preflight;
    config.reliability.cache = args.cache.clone();
    config.judge_frames = std::num::NonZeroUsize::new(args.judge_frames as usize)
        .unwrap_or(std::num::NonZeroUsize::MIN);
    config.judge_audio = args.judge_audio;

    // Without --skip-invalid the dataset is validated by the same pass that
    // hashes and counts it; skipping invalid records needs the report first.
    if args.input.skip_invalid && !check_dataset(&ds, true)? {
        return Ok(ExitCode::FAILURE);
    }
    if args.dry_run {
        return super::dry_run::run(&config, &args.prices, args.json);
    }
    // The dataset is validated by the same pass that hashes and counts it.
    let outcome = match execute(&config) {
        Ok(o) => o,
        Err(e) => {
            if let Some(RunError::InvalidDataset { path, report }) = e.downcast_ref::<RunError>() {
                print_problems(path, report);
                return Ok(ExitCode::FAILURE);
            }
            return Err(e);
        }
    };
    let report = write_report(&[args.out.as_path()], &args.out)?;
    if let Some((n, modality)) = outcome.left_out {
        eprintln!(
            "left out {n} instances whose modality is not {modality} (the target produces only \
             {modality}; their answers would be scored from the wrong kind of output): add \
             --all-modalities to run them anyway"
        );
    }
    print_summary(&outcome, &report, args.json)?;
    if let Some(reason) = config
        .reliability
        .circuit_breaker
        .as_ref()
        .and_then(CircuitBreaker::open_reason)
    {
        eprintln!("stopped: {reason}");
        eprintln!(
            "fix that, then run the same command with --retry-errors to resume and re-run \
             the failed records"
        );
        return Ok(ExitCode::FAILURE);
    }
    if outcome.summary.cancelled {
        eprintln!(
            "interrupted: {} records written; run the same command again to resume",
            outcome.summary.progress.done
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(error_exit(
        &report,
        &outcome,
        args.max_error_rate,
        args.retry_errors,
    ))
}

/// Exit 0 only when no record (of this run or an earlier one in the same
/// directory) is an error, or their share is within `--max-error-rate`;
/// otherwise say how many and how to re-run them, and exit 1.
fn error_exit(report: &Report, outcome: &EvalOutcome, max_rate: f64, retried: bool) -> ExitCode {
    let total: u64 = report.models.iter().map(|m| m.n_total).sum();
    let errors: u64 = report.models.iter().map(|m| m.n_error).sum();
    let p = &outcome.summary.progress;
    if p.skipped > 0 && !retried {
        let present_errors = errors.saturating_sub(p.errors);
        if present_errors > 0 {
            eprintln!(
                "{} records were already present, {present_errors} of them errors: add \
                 --retry-errors to re-run them",
                p.skipped
            );
        }
    }
    if errors == 0 {
        return ExitCode::SUCCESS;
    }
    let rate = errors as f64 / total.max(1) as f64;
    let command: Vec<String> = std::env::args()
        .filter(|a| a != "--retry-errors")
        .chain(std::iter::once("--retry-errors".to_owned()))
        .collect();
    eprintln!(
        "{errors} of {total} records are errors ({:.1}%); re-run them with:\n  {}",
        rate * 100.0,
        command.join(" ")
    );
    if rate <= max_rate {
        eprintln!("within --max-error-rate {max_rate}: exit 0");
        return ExitCode::SUCCESS;
    }
    ExitCode::FAILURE
}

/// Validates the dataset before any model call; prints the problems. With
/// `skip_invalid`, records with errors are counted, listed and left out (a
/// problem of the whole file still stops the run).
pub(crate) fn check_dataset(ds: &Dataset, skip_invalid: bool) -> anyhow::Result<bool> {
    let path = ds.path();
    let report = ds
        .validate()
        .with_context(|| format!("cannot read {}", path.display()))?;
    if report.valid {
        return Ok(true);
    }
    let whole_file = report
        .errors
        .iter()
        .any(|p| p.line.is_none() && !p.message.starts_with("… and "));
    let usable = report.distribution.total();
    if skip_invalid && !whole_file && usable > 0 {
        let skipped = report.instances.saturating_sub(usable);
        eprintln!(
            "warning: skipping {skipped} invalid records of {} (--skip-invalid); running {usable}. The first problems:",
            path.display()
        );
        for p in report.errors.iter().take(10) {
            eprintln!("  skipped: {p}");
        }
        return Ok(true);
    }
    print_problems(path, &report);
    Ok(false)
}

/// The dataset's recorded models from the one validating scan
/// ([`RecordedResponses::scan_models`]); `None` (problems printed) when the dataset is invalid.
pub(crate) fn scanned_models(ds: &Dataset) -> anyhow::Result<Option<Vec<String>>> {
    match RecordedResponses::scan_models(ds) {
        Ok(models) => Ok(Some(models)),
        Err(RunError::InvalidDataset { path, report }) => {
            print_problems(&path, &report);
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// Prints why a dataset is invalid: the first problems and where to see all.
pub(crate) fn print_problems(path: &Path, report: &ValidationReport) {
    eprintln!(
        "error: {} is not a valid dataset ({} errors); nothing was run. The first ones:",
        path.display(),
        report.errors.len()
    );
    for p in report.errors.iter().take(10) {
        eprintln!("  {p}");
    }
    eprintln!(
        "run `assurai validate {}` for the full list",
        path.display()
    );
}

/// Replays the dataset's recorded responses of each model, judged by `judges`, into one run
/// directory per model under `base` (`base/<model>`, the name made file-safe). With `fresh`, a
/// previous run in such a folder (one holding a run manifest) is removed first; otherwise the
/// run resumes. `configure` adjusts each model's configuration before it runs.
pub(crate) fn replay_models(
    dataset: &Dataset,
    models: &[String],
    base: &Path,
    judges: &[String],
    fresh: bool,
    configure: impl Fn(&mut EvalConfig),
) -> anyhow::Result<Vec<(PathBuf, EvalOutcome)>> {
    let mut runs = Vec::new();
    for model in models {
        let dir = base.join(safe_file_name(model, 60));
        if fresh && dir.join(MANIFEST_FILE).is_file() {
            std::fs::remove_dir_all(&dir)
                .with_context(|| format!("cannot clear {}", dir.display()))?;
        }
        let mut config = EvalConfig::new(
            dataset.path(),
            &dir,
            format!("replay:{}#{model}", dataset.path().display()),
            judges.to_vec(),
        );
        config.source = Some(dataset.clone());
        configure(&mut config);
        let outcome = execute(&config).with_context(|| format!("replaying {model}"))?;
        runs.push((dir, outcome));
    }
    Ok(runs)
}

/// Runs the evaluation on a Tokio runtime with Ctrl-C handling and a
/// progress display (a bar on a terminal, plain lines otherwise).
pub(crate) fn execute(config: &EvalConfig) -> anyhow::Result<EvalOutcome> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(async {
        let cancel = CancelToken::new();
        let on_signal = cancel.clone();
        tokio::spawn(async move {
            if stop_signal().await.is_ok() {
                eprintln!("\nstopping: finishing the records in flight (Ctrl-C again to abort)");
                on_signal.cancel();
                if stop_signal().await.is_ok() {
                    std::process::exit(130);
                }
            }
        });
        if let Some(breaker) = config.reliability.circuit_breaker.clone() {
            // Stop taking new instances as soon as the breaker opens.
            let stop = cancel.clone();
            tokio::spawn(async move {
                breaker.opened().await;
                stop.cancel();
            });
        }
        let mut display = ProgressDisplay::new(&config.out);
        let outcome = evaluate(config, &cancel, &mut |p| display.update(p)).await;
        display.finish();
        Ok(outcome?)
    })
}

/// Waits for Ctrl-C (SIGINT) or, on Unix, SIGTERM (what Kubernetes sends
/// before killing an evicted pod): either stops the run the same way.
async fn stop_signal() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r,
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}

struct ProgressDisplay {
    bar: Option<indicatif::ProgressBar>,
    last_line: Instant,
    label: String,
}

impl ProgressDisplay {
    fn new(out: &Path) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg} (eta {eta})",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar
        });
        Self {
            bar,
            last_line: Instant::now(),
            label: out.display().to_string(),
        }
    }

    fn update(&mut self, p: &Progress) {
        let msg = format!(
            "scored {} · blocked {} · unscored {} · errors {} · {:.1}/s",
            p.scored,
            p.blocked,
            p.unscored,
            p.errors,
            p.rate()
        );
        match &self.bar {
            Some(bar) => {
                if let Some(total) = p.total {
                    bar.set_length(total.saturating_sub(p.skipped));
                }
                bar.set_position(p.done);
                bar.set_message(msg);
            }
            None => {
                let last = p.total.is_some_and(|t| p.done + p.skipped >= t);
                if last || self.last_line.elapsed() >= Duration::from_secs(2) {
                    self.last_line = Instant::now();
                    let total = p
                        .total
                        .map(|t| format!("/{}", t.saturating_sub(p.skipped)))
                        .unwrap_or_default();
                    eprintln!("{}: {}{total} done, {msg}", self.label, p.done);
                }
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Builds the report of run directories and writes every report file into `out`.
pub(crate) fn write_report(runs: &[&Path], out: &Path) -> anyhow::Result<Report> {
    let report = Report::from_runs(runs, &ReportOptions::default())
        .with_context(|| format!("cannot build the report of {}", out.display()))?;
    report
        .write_all(out)
        .with_context(|| format!("cannot write the report into {}", out.display()))?;
    Ok(report)
}

/// Prints the per-model summary table (or JSON) of a report.
pub(crate) fn print_summary(
    outcome: &EvalOutcome,
    report: &Report,
    json: bool,
) -> anyhow::Result<()> {
    let p = &outcome.summary.progress;
    if json {
        let models = serde_json::to_value(&report.models)?;
        let v = serde_json::json!({
            "model": outcome.model,
            "written": p.done,
            "skipped": p.skipped,
            "scored": p.scored,
            "blocked": p.blocked,
            "unscored": p.unscored,
            "errors": p.errors,
            "cancelled": outcome.summary.cancelled,
            "elapsed_s": p.elapsed.as_secs_f64(),
            "models": models,
        });
        outln!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    eprintln!(
        "{}: {} records written, {} already present; {:.1} s",
        outcome.model,
        p.done,
        p.skipped,
        p.elapsed.as_secs_f64()
    );
    outln!("{}", summary_table(report));
    Ok(())
}
