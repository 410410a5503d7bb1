//! One call for a whole evaluation: open the dataset, build the target and
//! judges, open (or resume) the store and run.

use std::num::{NonZeroU32, NonZeroUsize};
use std::path::PathBuf;
use std::sync::Arc;

use assurai_dataset::{Allocation, Dataset, Instance, Shard};
use assurai_judge::Language;
use assurai_models::{GenerationSettings, ModelSpec, Registry, Transcriber};

use crate::setup::{Reliability, build_judges, build_target};
use crate::{
    CancelToken, JudgeRegistry, JudgeSetup, Progress, RecordedResponses, RecordedTranscriber,
    RunOptions, RunSummary, Runner,
};
use crate::{Result, RunError};
use assurai_eval::{Manifest, ResultStore, StoreOptions};

/// Everything that defines an evaluation run.
///
/// The fields that change results (dataset, target, judges, epochs,
/// sampling, generation settings, judge language) make up the manifest's
/// configuration: resuming with different values is refused. Concurrency,
/// retries, timeouts and rate limits do not.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct EvalConfig {
    /// The dataset file.
    pub dataset: PathBuf,
    /// The run directory (`results.jsonl`, `manifest.json`, media).
    pub out: PathBuf,
    /// The target spec, e.g. `openai:MODEL@URL` or `replay:PATH#MODEL`.
    pub target: String,
    /// Judge specs: `refusal`, `human`, `llm:MODEL@URL`.
    pub judges: Vec<String>,
    /// Environment variable holding the target's API key. `None` (the default): the models
    /// registry's rule — `OPENAI_API_KEY` for OpenAI's own API host only, no key for any other
    /// base URL.
    pub api_key_env: Option<String>,
    /// Environment variable holding the LLM judges' API key (`None`: as for the target).
    pub judge_api_key_env: Option<String>,
    /// Language of the judge prompt.
    pub language: Language,
    /// Epochs per instance.
    pub epochs: NonZeroU32,
    /// Run only the first N instances (after sharding), or with `sample`,
    /// a seeded stratified sample of N.
    pub limit: Option<u64>,
    /// With `limit`: draw a stratified sample (factor × prompt type ×
    /// modality, proportional) with this seed instead of taking the first N.
    pub sample_seed: Option<u64>,
    /// Run only this shard of the dataset.
    pub shard: Option<Shard>,
    /// Sampling settings sent to the target.
    pub settings: GenerationSettings,
    /// Instances in flight.
    pub concurrency: NonZeroUsize,
    /// Re-run errored records.
    pub retry_errors: bool,
    /// Retries, timeouts and rate limits of live models.
    pub reliability: Reliability,
    /// The speech-to-text service for audio outputs of a live target, e.g.
    /// `openai:whisper-1@http://127.0.0.1:8080/v1` (key rules as for targets).
    /// A replayed target uses the transcripts recorded with its responses.
    pub transcriber: Option<String>,
    /// Builds the target (and the models of LLM judges) from its spec; add
    /// a scheme to evaluate your own provider.
    pub registry: Registry,
    /// Builds each judge from its spec; add a kind to judge with your own.
    pub judge_registry: JudgeRegistry,
    /// How many best distinct frames of a video the judges see, in one request (1 as in the
    /// paper).
    pub judge_frames: NonZeroUsize,
    /// Send speech outputs' audio to the judges besides the transcript.
    pub judge_audio: bool,
    /// The dataset opened with its reading options (a preset, the AssurAI
    /// release format, a field mapping); `None` opens `dataset` as a plain
    /// file. Its format and preset are part of the manifest configuration.
    pub source: Option<Dataset>,
}

impl EvalConfig {
    /// A configuration with defaults: one epoch, concurrency 8, Korean judge
    /// prompt, no sampling.
    pub fn new(
        dataset: impl Into<PathBuf>,
        out: impl Into<PathBuf>,
        target: impl Into<String>,
        judges: Vec<String>,
    ) -> Self {
        Self {
            dataset: dataset.into(),
            out: out.into(),
            target: target.into(),
            judges,
            api_key_env: None,
            judge_api_key_env: None,
            language: Language::Korean,
            epochs: NonZeroU32::MIN,
            limit: None,
            sample_seed: None,
            shard: None,
            settings: GenerationSettings::default(),
            concurrency: NonZeroUsize::new(8).unwrap_or(NonZeroUsize::MIN),
            retry_errors: false,
            reliability: Reliability::default(),
            transcriber: None,
            registry: Registry::with_builtins(),
            judge_registry: JudgeRegistry::with_builtins(),
            judge_frames: NonZeroUsize::MIN,
            judge_audio: false,
            source: None,
        }
    }

    /// The configuration recorded in `manifest.json` (never a secret: API
    /// keys are read from the environment and only variable names appear).
    pub fn manifest_config(&self) -> serde_json::Value {
        // The dataset is identified by its content hash (in the manifest and
        // the config hash), not by its path, so a run resumes from any
        // working directory.
        let mut config = serde_json::json!({
            "target": self.target,
            "judges": self.judges,
            "judge_language": match self.language { Language::English => "en", _ => "ko" },
            "epochs": self.epochs,
            "limit": self.limit,
            "sample_seed": self.sample_seed,
            "shard": self.shard.map(|s| format!("{}/{}", s.index(), s.count())),
            "settings": self.settings,
            "transcriber": self.transcriber,
        });
        // Only when not the default, so earlier run directories keep their configuration hash.
        if let Some(map) = config.as_object_mut() {
            if self.judge_frames.get() > 1 {
                map.insert("judge_frames".into(), self.judge_frames.get().into());
            }
            if self.judge_audio {
                map.insert("judge_audio".into(), true.into());
            }
            // How the file is read changes the instances; a plain file adds nothing.
            if let Some(ds) = &self.source
                && (ds.preset().is_some() || ds.format() == assurai_dataset::Format::AssuraiRelease)
            {
                map.insert(
                    "dataset_reading".into(),
                    serde_json::json!({"format": ds.format().id(), "preset": ds.preset()}),
                );
            }
        }
        config
    }
}

/// The result of [`evaluate`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct EvalOutcome {
    /// The model name written into the records.
    pub model: String,
    /// Counts of this invocation.
    pub summary: RunSummary,
    /// Records already in the store when the run started (resumed).
    pub resumed: usize,
    /// Whether a torn last line was repaired on open.
    pub repaired_torn_line: bool,
}

/// Runs a whole evaluation: validates nothing (validate the dataset first
/// with `assurai_dataset`), builds the target and judges from their specs,
/// opens or resumes the run directory and runs every instance not yet
/// recorded. Progress goes to `on_progress` after every record.
pub async fn evaluate(
    config: &EvalConfig,
    cancel: &CancelToken,
    on_progress: &mut (dyn FnMut(&Progress) + Send),
) -> Result<EvalOutcome> {
    let dataset = Arc::new(match &config.source {
        Some(ds) => ds.clone(),
        None => Dataset::open(&config.dataset).map_err(RunError::Dataset)?,
    });
    let target_spec: ModelSpec = config
        .target
        .parse()
        .map_err(|e| RunError::setup_from(format!("target {}", config.target), e))?;
    let target = build_target(
        &target_spec,
        &dataset,
        &config.registry,
        config.api_key_env.as_deref(),
        &config.reliability,
    )?;
    let judges = build_judges(
        &config.judges,
        &config.judge_registry,
        &JudgeSetup {
            models: &config.registry,
            api_key_env: config.judge_api_key_env.as_deref(),
            language: config.language,
            reliability: &config.reliability,
            recorded: target.recorded.as_ref(),
        },
    )?;
    let hash = dataset.content_hash().map_err(RunError::Dataset)?;
    let manifest = Manifest::new(config.manifest_config())
        .with_dataset(config.dataset.display().to_string(), hash)
        .with_tool_version(env!("CARGO_PKG_VERSION"));
    let (store, resume) = ResultStore::open(&config.out, &manifest, StoreOptions::default())?;
    let store = Arc::new(store);

    let options = RunOptions::default()
        .concurrency(config.concurrency)
        .epochs(config.epochs)
        .retry_errors(config.retry_errors)
        .play_turns(!target.is_replay)
        .settings(config.settings.clone());
    let mut options = options;
    options.frames.count = config.judge_frames.get();
    options.judge_audio = config.judge_audio;
    // A replayed target's speech comes with its recorded transcripts.
    let transcriber: Option<Arc<dyn Transcriber>> = match (&target.recorded, &config.transcriber) {
        (Some(r), _) => Some(Arc::new(RecordedTranscriber::new(Arc::clone(r)))),
        (None, Some(spec)) => Some(
            assurai_models::transcriber_from_spec(spec)
                .map_err(|e| RunError::setup_from(format!("transcriber {spec}"), e))?,
        ),
        (None, None) => None,
    };
    let mut runner = Runner::new(
        Arc::clone(&dataset),
        target.name.clone(),
        Arc::clone(&target.model),
        judges,
        Arc::clone(&store),
    )?
    .options(options);
    if let Some(t) = transcriber {
        runner = runner.transcriber(t);
    }
    if let Some(r) = &target.recorded {
        runner = runner.human_scores(Arc::clone(r));
    }

    let instances = selected_instances(&dataset, config, target.recorded.clone())?;
    let total = instances.1;
    let summary = runner
        .run(
            instances.0,
            &resume,
            Some(total * u64::from(config.epochs.get())),
            cancel,
            on_progress,
        )
        .await?;
    store.sync()?;
    Ok(EvalOutcome {
        model: target.name,
        summary,
        resumed: resume.n_completed(),
        repaired_torn_line: resume.torn().is_some(),
    })
}

type InstanceIter =
    Box<dyn Iterator<Item = std::result::Result<Instance, assurai_dataset::DatasetError>> + Send>;

/// The instances a configuration selects (shard, then limit or sample) and
/// how many there are. Streams unless a sample is drawn.
///
/// A target that replays the dataset's recorded responses runs only the
/// instances that have a response of its model.
fn selected_instances(
    dataset: &Arc<Dataset>,
    config: &EvalConfig,
    recorded: Option<Arc<RecordedResponses>>,
) -> Result<(InstanceIter, u64)> {
    let ds_err = RunError::Dataset;
    if let (Some(n), Some(seed)) = (config.limit, config.sample_seed) {
        let sample = dataset
            .sample(seed, n, Allocation::Proportional, config.shard)
            .map_err(ds_err)?;
        let sample: Vec<Instance> = sample
            .into_iter()
            .filter(|i| recorded.as_ref().is_none_or(|rec| rec.has(&i.id)))
            .collect();
        let len = sample.len() as u64;
        return Ok((Box::new(sample.into_iter().map(Ok)), len));
    }
    let shard = config.shard;
    let stream = || -> Result<InstanceIter> {
        let recorded = recorded.clone();
        let records = dataset.records().map_err(ds_err)?;
        let it = records
            .map(|r| r.map(|r| r.instance))
            .filter(move |r| match r {
                Ok(i) => {
                    shard.is_none_or(|s| s.contains(&i.id))
                        && recorded.as_ref().is_none_or(|rec| rec.has(&i.id))
                }
                Err(_) => true,
            });
        Ok(match config.limit {
            Some(n) => Box::new(it.take(usize::try_from(n).unwrap_or(usize::MAX))),
            None => Box::new(it),
        })
    };
    // Count in a first streaming pass (cheap next to model calls).
    let mut total = 0u64;
    for r in stream()? {
        r.map_err(ds_err)?;
        total += 1;
    }
    Ok((stream()?, total))
}
