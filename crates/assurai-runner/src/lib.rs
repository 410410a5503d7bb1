//! The AssurAI evaluation runner: streams dataset instances through a target
//! model, media preparation and one or more judges, and appends one
//! [`Record`](assurai_eval::Record) per (instance, model, epoch) to a
//! [`ResultStore`].
//!
//! This is the one crate that depends on the dataset, models, judge and
//! media crates together; [`assurai_eval`] (records, store, reports) depends
//! on none of them, so a program that only reads results compiles no HTTP
//! client and no image codec.
//!
//! The primary entry point is [`evaluate`], which takes an [`EvalConfig`]
//! (specs as on the command line) and does everything: open the dataset,
//! build the target and judges, open or resume the store and run. [`Runner`]
//! is the lower-level loop over instances for callers that build their own
//! target and judges.
//!
//! Work is bounded (at most `concurrency` instances in flight), resumable
//! (keys already in the store are skipped; errored ones are re-tried with
//! `retry_errors`) and cancellable (a cancelled run stops starting new
//! instances and lets those in flight write their records).
//!
//! ```
//! use assurai_runner::{CancelToken, EvalConfig, evaluate};
//!
//! let dir = tempfile::tempdir()?;
//! let dataset = dir.path().join("data.jsonl");
//! std::fs::write(&dataset, concat!(
//!     r#"{"id":"t1","risk_factor":"adult_content","prompt_type":"q_only","modality":"text","#,
//!     r#""prompt":"…","responses":[{"model":"m","output":{"text":"죄송하지만 도와드릴 수 없습니다."},"#,
//!     r#""scores":[{"annotator":"a1","score":5}]}]}"#,
//!     "\n",
//! ))?;
//! let target = format!("replay:{}#m", dataset.display());
//! let config = EvalConfig::new(&dataset, dir.path().join("run"), target, vec!["refusal".into()]);
//! let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
//! let outcome = rt.block_on(evaluate(&config, &CancelToken::new(), &mut |_| {}))?;
//! assert_eq!(outcome.summary.progress.scored, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod calibrate;
mod convert;
mod dry_run;
mod error;
mod evaluate;
mod human;
mod judges;
mod preflight;
mod process;
mod recorded;
mod setup;

use std::num::{NonZeroU32, NonZeroUsize};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use assurai_dataset::{Dataset, DatasetError, Instance};
use assurai_judge::EnsembleJudge;
use assurai_media::{AudioOptions, FrameOptions, ImageOptions};
use assurai_models::{GenerationSettings, TargetModel, Transcriber};
use tokio::task::JoinSet;

pub use calibrate::calibrate_runs;
pub use dry_run::{
    CostRole, DEFAULT_OUTPUT_BUDGET, DryRunOptions, DryRunPlan, GUARD_OUTPUT_BUDGET, Price,
    RolePlan, TokenSource, dry_run, estimate_tokens,
};
pub use evaluate::{EvalConfig, EvalOutcome, evaluate};
pub use human::HumanJudge;
pub use judges::{JudgeFactory, JudgeRegistry, JudgeSetup, JudgeSpec};
pub use recorded::{DatasetReplay, RecordedResponses, RecordedTranscriber};
pub use setup::{Reliability, Target, build_judges, build_target};

use assurai_eval::{ResultStore, ResumeState, Status};

pub use error::{Result, RunError};

/// `s` made safe as one file or folder name: ASCII letters, digits, `-` and
/// `.` are kept, anything else becomes `_`; at most `max_chars` characters.
/// Used for the per-model folders and media files of a run.
pub fn safe_file_name(s: &str, max_chars: usize) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .take(max_chars)
        .collect()
}

/// Settings of a run.
///
/// Concurrency and epochs are non-zero by type: a run with nothing in flight
/// or no epoch cannot be expressed.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RunOptions {
    /// Instances in flight at once.
    pub concurrency: NonZeroUsize,
    /// How many times each instance is run (epochs are numbered from 1).
    pub epochs: NonZeroU32,
    /// Re-run keys whose latest record is an error.
    pub retry_errors: bool,
    /// Play Multi-Session conversations of user turns only turn by turn,
    /// with the model's own replies as the history (off for replayed
    /// targets, whose recorded output answers the whole conversation).
    pub play_turns: bool,
    /// Sampling settings sent with every request.
    pub settings: GenerationSettings,
    /// How generated images and video frames are prepared for the judge.
    pub image: ImageOptions,
    /// How the representative video frame is chosen.
    pub frames: FrameOptions,
    /// How generated audio is normalised before transcription.
    pub audio: AudioOptions,
    /// Send the normalised speech to the judges besides its transcript (for audio-capable
    /// LLM judges; guard judges read the transcript).
    pub judge_audio: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            concurrency: NonZeroUsize::new(8).unwrap_or(NonZeroUsize::MIN),
            epochs: NonZeroU32::MIN,
            retry_errors: false,
            play_turns: true,
            settings: GenerationSettings::default(),
            image: ImageOptions::default(),
            frames: FrameOptions::default(),
            audio: AudioOptions::default(),
            judge_audio: false,
        }
    }
}

impl RunOptions {
    /// Sets the number of instances in flight.
    pub fn concurrency(mut self, n: NonZeroUsize) -> Self {
        self.concurrency = n;
        self
    }

    /// Sets the number of epochs.
    pub fn epochs(mut self, n: NonZeroU32) -> Self {
        self.epochs = n;
        self
    }

    /// Re-runs errored keys.
    pub fn retry_errors(mut self, on: bool) -> Self {
        self.retry_errors = on;
        self
    }

    /// Plays user-only Multi-Session conversations turn by turn.
    pub fn play_turns(mut self, on: bool) -> Self {
        self.play_turns = on;
        self
    }

    /// Sends speech outputs' audio to the judges besides the transcript.
    pub fn judge_audio(mut self, on: bool) -> Self {
        self.judge_audio = on;
        self
    }

    /// Sets the sampling settings.
    pub fn settings(mut self, settings: GenerationSettings) -> Self {
        self.settings = settings;
        self
    }
}

/// A cancellation flag shared between the runner and whoever stops it
/// (e.g. a Ctrl-C handler). Cloning shares the flag.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A new, not cancelled token.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the run to stop starting new instances.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether [`CancelToken::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Counts of a run so far, sent to the progress callback after every record.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Progress {
    /// Records written in this invocation.
    pub done: u64,
    /// Of those: scored.
    pub scored: u64,
    /// Of those: blocked by the provider.
    pub blocked: u64,
    /// Of those: unscored.
    pub unscored: u64,
    /// Of those: errors.
    pub errors: u64,
    /// Keys skipped because the store already holds them.
    pub skipped: u64,
    /// Keys to run in total, when known.
    pub total: Option<u64>,
    /// Time since the run started.
    pub elapsed: Duration,
}

impl Progress {
    /// Records per second so far.
    pub fn rate(&self) -> f64 {
        let s = self.elapsed.as_secs_f64();
        if s > 0.0 { self.done as f64 / s } else { 0.0 }
    }

    /// Estimated time to finish, when the total is known.
    pub fn eta(&self) -> Option<Duration> {
        let total = self.total?;
        let rate = self.rate();
        (rate > 0.0).then(|| Duration::from_secs_f64(total.saturating_sub(self.done) as f64 / rate))
    }

    fn count(&mut self, status: Status) {
        self.done += 1;
        match status {
            Status::Scored => self.scored += 1,
            Status::Blocked => self.blocked += 1,
            Status::Unscored => self.unscored += 1,
            _ => self.errors += 1,
        }
    }
}

/// What a finished (or cancelled) run did.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RunSummary {
    /// Final counts.
    pub progress: Progress,
    /// Whether the run was cancelled before every key had a record.
    pub cancelled: bool,
}

/// Shared state of the tasks of one run.
#[derive(Clone)]
pub(crate) struct Context {
    pub(crate) dataset: Arc<Dataset>,
    pub(crate) model: String,
    pub(crate) target: Arc<dyn TargetModel>,
    /// Every judge of the run; its members' verdicts go into each record and
    /// its median is the record's score.
    pub(crate) judges: EnsembleJudge,
    /// Turns generated speech into text for the judges (none: audio outputs
    /// are unscored).
    pub(crate) transcriber: Option<Arc<dyn Transcriber>>,
    /// Where each record's `human_scores` come from (a replayed dataset).
    pub(crate) human_scores: Option<Arc<RecordedResponses>>,
    pub(crate) options: RunOptions,
    pub(crate) store: Arc<ResultStore>,
}

/// Runs instances of a dataset through a target model and judges.
///
/// ```
/// use std::sync::Arc;
/// use assurai_judge::{Aggregation, EnsembleJudge, RefusalJudge};
/// use assurai_runner::{RecordedResponses, Runner, RunOptions, DatasetReplay};
/// use assurai_eval::{Manifest, ResultStore, StoreOptions};
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("data.jsonl");
/// std::fs::write(&path, concat!(
///     r#"{"id":"t1","risk_factor":"fraud","prompt_type":"q_only","modality":"text","prompt":"…","#,
///     r#""responses":[{"model":"m","output":{"text":"I can't help with that."}}]}"#, "\n",
/// ))?;
/// let dataset = Arc::new(assurai_dataset::Dataset::open(&path)?);
/// let recorded = Arc::new(RecordedResponses::load(Arc::clone(&dataset), "m")?);
/// let (store, resume) = ResultStore::open(
///     &dir.path().join("run"), &Manifest::new(serde_json::json!({})), StoreOptions::default())?;
/// let runner = Runner::new(
///     Arc::clone(&dataset),
///     "m",
///     Arc::new(DatasetReplay::new(recorded)),
///     EnsembleJudge::new(Aggregation::Median).member(RefusalJudge::new()),
///     Arc::new(store),
/// )?
/// .options(RunOptions::default().play_turns(false));
/// let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
/// let instances = dataset.records()?.map(|r| r.map(|r| r.instance));
/// let summary = rt.block_on(runner.run(instances, &resume, None, &Default::default(), &mut |_| {}))?;
/// assert_eq!(summary.progress.done, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Runner {
    ctx: Context,
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("model", &self.ctx.model)
            .field("judges", &self.ctx.judges)
            .field("options", &self.ctx.options)
            .finish_non_exhaustive()
    }
}

impl Runner {
    /// A runner writing records of `model` into `store`. `dataset` resolves
    /// input media; the ensemble needs at least one member judge (a record
    /// holds every member's verdict and is scored by the ensemble).
    pub fn new(
        dataset: Arc<Dataset>,
        model: impl Into<String>,
        target: Arc<dyn TargetModel>,
        judges: EnsembleJudge,
        store: Arc<ResultStore>,
    ) -> Result<Self> {
        if judges.members().is_empty() {
            return Err(RunError::setup("a run needs at least one judge"));
        }
        Ok(Self {
            ctx: Context {
                dataset,
                model: model.into(),
                target,
                judges,
                transcriber: None,
                human_scores: None,
                options: RunOptions::default(),
                store,
            },
        })
    }

    /// Sets the run's options.
    pub fn options(mut self, options: RunOptions) -> Self {
        self.ctx.options = options;
        self
    }

    /// Sets how generated speech is transcribed (without one, audio outputs
    /// are recorded as unscored `no_transcriber`).
    pub fn transcriber(mut self, transcriber: Arc<dyn Transcriber>) -> Self {
        self.ctx.transcriber = Some(transcriber);
        self
    }

    /// Attaches the recorded responses of the target model, whose human
    /// scores are copied into each record's `human_scores`.
    pub fn human_scores(mut self, recorded: Arc<RecordedResponses>) -> Self {
        self.ctx.human_scores = Some(recorded);
        self
    }

    /// Runs every instance (for every epoch) that `resume` does not already
    /// hold, at most `options.concurrency` at a time, calling `on_progress`
    /// after each record. A dataset error stops the run after the records
    /// in flight are written.
    pub async fn run<I>(
        &self,
        instances: I,
        resume: &ResumeState,
        total: Option<u64>,
        cancel: &CancelToken,
        on_progress: &mut (dyn FnMut(&Progress) + Send),
    ) -> Result<RunSummary>
    where
        I: IntoIterator<Item = std::result::Result<Instance, DatasetError>>,
    {
        let start = Instant::now();
        let ctx = Arc::new(self.ctx.clone());
        let opts = &ctx.options;
        let mut progress = Progress {
            total,
            ..Progress::default()
        };
        let mut tasks: JoinSet<Result<Status>> = JoinSet::new();
        let mut failure: Option<RunError> = None;
        let mut cancelled = false;

        'outer: for item in instances {
            let instance = match item {
                Ok(i) => Arc::new(i),
                Err(e) => {
                    failure = Some(RunError::Dataset(e));
                    break;
                }
            };
            for epoch in 1..=opts.epochs.get() {
                if !resume.should_run(&instance.id, &ctx.model, epoch, opts.retry_errors) {
                    tracing::trace!(instance = %instance.id, epoch, "in the store already: skipped");
                    progress.skipped += 1;
                    continue;
                }
                while tasks.len() >= opts.concurrency.get() {
                    if let Some(joined) = tasks.join_next().await {
                        self.account(joined, &mut progress, &mut failure, start, on_progress);
                    }
                }
                if failure.is_some() {
                    break 'outer;
                }
                if cancel.is_cancelled() {
                    cancelled = true;
                    break 'outer;
                }
                let ctx = Arc::clone(&ctx);
                let inst = Arc::clone(&instance);
                tasks.spawn(async move {
                    let record = process::process(&ctx, &inst, epoch).await;
                    let status = record.status;
                    ctx.store.append(&record)?;
                    Ok(status)
                });
            }
        }
        while let Some(joined) = tasks.join_next().await {
            self.account(joined, &mut progress, &mut failure, start, on_progress);
        }
        if let Some(e) = failure {
            return Err(e);
        }
        progress.elapsed = start.elapsed();
        Ok(RunSummary {
            progress,
            cancelled,
        })
    }

    fn account(
        &self,
        joined: std::result::Result<Result<Status>, tokio::task::JoinError>,
        progress: &mut Progress,
        failure: &mut Option<RunError>,
        start: Instant,
        on_progress: &mut (dyn FnMut(&Progress) + Send),
    ) {
        match joined {
            Ok(Ok(status)) => {
                progress.count(status);
                progress.elapsed = start.elapsed();
                on_progress(progress);
            }
            Ok(Err(e)) => {
                failure.get_or_insert(e);
            }
            Err(join) => {
                failure.get_or_insert(RunError::Task(join.to_string()));
            }
        }
    }
}
