//! One call for a whole evaluation: open the dataset, build the target and
//! judges, open (or resume) the store and run.

use std::num::{NonZeroU32, NonZeroUsize};
use std::path::PathBuf;
use std::sync::Arc;

use assurai_dataset::{Allocation, Dataset, Instance, Sampler, Shard, Validator};
use assurai_judge::Language;
use assurai_models::{GenerationSettings, Modality, ModelSpec, Registry, Transcriber};

use crate::setup::{
    Reliability, Target, build_judges, build_target, replay_target, replays_dataset,
};
use crate::{
    CancelToken, JudgeRegistry, JudgeSetup, JudgeSpec, Progress, RecordedResponses,
    RecordedTranscriber, RunOptions, RunSummary, Runner,
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
    /// Run every instance whatever its modality. Off (the default), a live target runs only the
    /// instances whose modality it produces ([`TargetModel::modality`](assurai_models::TargetModel::modality)):
    /// image, video and audio instances sent to a text model would be scored from text answers.
    /// Replayed targets always run every instance they have an output for.
    pub all_modalities: bool,
    /// Before the first instance, check every live server of the run with one request (see the
    /// module docs of the preflight: nothing listening, a rejected key, an unknown model, a
    /// context too small for the longest judge prompt) and stop with
    /// [`RunError::Preflight`] if one cannot serve the run. Off by default in the library; the
    /// `assurai` command line turns it on (`--no-preflight` turns it off).
    pub preflight: bool,
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
            all_modalities: false,
            preflight: false,
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
    /// Instances left out because the target does not produce their modality (see
    /// [`EvalConfig::all_modalities`]), and that modality.
    pub left_out: Option<(u64, Modality)>,
}

/// Runs a whole evaluation: reads the dataset once before the first model
/// call (validation, content hash, count and — for a replay of the dataset
/// — the index of the recorded responses; a stratified sample reads it a
/// second time), builds the target and judges from their specs, opens or
/// resumes the run directory and runs every instance not yet recorded,
/// streaming the dataset again (a sample is already in memory). Progress
/// goes to `on_progress` after every record.
///
/// # Errors
/// [`RunError::InvalidDataset`] (nothing runs) when validation finds an
/// error; [`RunError::Setup`] for a bad spec; store and dataset errors.
pub async fn evaluate(
    config: &EvalConfig,
    cancel: &CancelToken,
    on_progress: &mut (dyn FnMut(&Progress) + Send),
) -> Result<EvalOutcome> {
    let Planned {
        dataset,
        target_spec,
        judge_specs,
        target,
        selection,
        left_out: selection_left_out,
    } = plan(config)?;
    let judges = build_judges(
        &judge_specs,
        &config.judge_registry,
        &JudgeSetup {
            models: &config.registry,
            api_key_env: config.judge_api_key_env.as_deref(),
            language: config.language,
            reliability: &config.reliability,
            recorded: target.recorded.as_ref(),
        },
    )?;
    if config.preflight {
        let plan = crate::preflight::Plan {
            target: (!target.is_replay).then_some(&target_spec),
            target_key_env: config.api_key_env.as_deref(),
            judges: &config.judges,
            judge_key_env: config.judge_api_key_env.as_deref(),
            longest: selection.longest.as_ref(),
            max_tokens: config.settings.max_tokens,
            language: config.language,
            timeout: config.reliability.timeout,
        };
        for note in crate::preflight::preflight(&plan).await? {
            tracing::warn!("preflight: {note}");
        }
    }
    let manifest = Manifest::new(config.manifest_config())
        .with_dataset(
            config.dataset.display().to_string(),
            selection.content_hash.clone(),
        )
        .with_tool_version(env!("CARGO_PKG_VERSION"));
    let (store, resume) = ResultStore::open(&config.out, &manifest, StoreOptions::default())?;
    if resume.torn().is_some() {
        tracing::warn!(dir = %config.out.display(), "repaired a torn last line of results.jsonl");
    }
    if resume.n_completed() > 0 {
        tracing::info!(
            dir = %config.out.display(),
            records = resume.n_completed(),
            retry_errors = config.retry_errors,
            "resuming: keys already in the store are skipped"
        );
    }
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

    let total = selection.count;
    let summary = runner
        .run(
            selection.instances(&dataset, config)?,
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
        left_out: selection_left_out,
    })
}

/// What both a run and a dry run decide before their first model call: the dataset, the parsed
/// target and judge specs, the target (built, or a replay of the dataset) and the one scan's
/// selection.
pub(crate) struct Planned {
    pub(crate) dataset: Arc<Dataset>,
    pub(crate) target_spec: ModelSpec,
    pub(crate) judge_specs: Vec<JudgeSpec>,
    pub(crate) target: Target,
    pub(crate) selection: Selection,
    /// Instances left out because the live target does not produce their modality.
    pub(crate) left_out: Option<(u64, Modality)>,
}

/// Opens the dataset, parses the specs (failing fast, before the dataset is read), builds the
/// target and scans the dataset once. No connection is made.
pub(crate) fn plan(config: &EvalConfig) -> Result<Planned> {
    let dataset = Arc::new(match &config.source {
        Some(ds) => ds.clone(),
        None => Dataset::open(&config.dataset).map_err(RunError::Dataset)?,
    });
    let target_spec: ModelSpec = config
        .target
        .parse()
        .map_err(|e| RunError::setup_from(format!("target {}", config.target), e))?;
    let mut judge_specs = Vec::new();
    for spec in &config.judges {
        let spec: JudgeSpec = spec.parse()?;
        config.judge_registry.check(&spec)?;
        judge_specs.push(spec);
    }
    // A target other than a replay of the dataset is built before the scan:
    // its modality selects the instances.
    let built = match replays_dataset(&target_spec, &dataset) {
        Some(_) => None,
        None => Some(build_target(
            &target_spec,
            &dataset,
            &config.registry,
            config.api_key_env.as_deref(),
            &config.reliability,
        )?),
    };
    let produces = built
        .as_ref()
        .filter(|t| !t.is_replay && !config.all_modalities)
        .map(|t| t.model.modality());
    let selection = select(&dataset, &target_spec, config, produces)?;
    let target = match (built, &selection.recorded) {
        (Some(target), _) => target,
        (None, Some(recorded)) => replay_target(Arc::clone(recorded)),
        (None, None) => {
            return Err(RunError::setup(format!(
                "{target_spec}: no recorded responses to replay"
            )));
        }
    };
    let left_out = produces
        .filter(|_| selection.left_out > 0)
        .map(|m| (selection.left_out, m));
    Ok(Planned {
        dataset,
        target_spec,
        judge_specs,
        target,
        selection,
        left_out,
    })
}

type InstanceIter =
    Box<dyn Iterator<Item = std::result::Result<Instance, assurai_dataset::DatasetError>> + Send>;

/// What one scan of the dataset selected for the run (also what a dry run counts).
pub(crate) struct Selection {
    pub(crate) content_hash: String,
    /// Instances to run (per epoch).
    pub(crate) count: u64,
    /// The seeded stratified sample, when one is drawn.
    sample: Option<Vec<Instance>>,
    /// The recorded responses of the replayed model, when the target replays
    /// the dataset (only of the instances the run will use).
    pub(crate) recorded: Option<Arc<RecordedResponses>>,
    /// The only modality to run (the live target's), or `None` for all.
    produces: Option<Modality>,
    /// Instances of the shard left out because their modality is not `produces`.
    pub(crate) left_out: u64,
    /// The selected instance with the longest prompt (for the preflight).
    longest: Option<Instance>,
}

impl Selection {
    /// The instances to run: the sample, or the dataset streamed again
    /// through the shard, the replayed model's responses and the limit.
    pub(crate) fn instances(
        self,
        dataset: &Arc<Dataset>,
        config: &EvalConfig,
    ) -> Result<InstanceIter> {
        if let Some(sample) = self.sample {
            return Ok(Box::new(sample.into_iter().map(Ok)));
        }
        let shard = config.shard;
        let recorded = self.recorded;
        let produces = self.produces;
        let it = dataset
            .records()
            .map_err(RunError::Dataset)?
            .map(|r| r.map(|r| r.instance))
            .filter(move |r| match r {
                Ok(i) => {
                    shard.is_none_or(|s| s.contains(&i.id))
                        && produces.is_none_or(|m| i.modality == m)
                        && recorded.as_ref().is_none_or(|rec| rec.has(&i.id))
                }
                Err(_) => true,
            });
        Ok(match config.limit {
            Some(n) => Box::new(it.take(usize::try_from(n).unwrap_or(usize::MAX))),
            None => Box::new(it),
        })
    }
}

/// One pass over the dataset: validation, content hash, the list of
/// recorded models, the count of instances the configuration selects
/// (shard, then limit) and, for a replay of the dataset, the index of the
/// replayed model's responses. With a seeded sample, a second pass draws
/// it; the replay index then holds the sample's responses only.
///
/// A target that replays the dataset's recorded responses runs only the
/// instances that have a response of its model.
///
/// With `produces`, only the instances of that modality are selected (the
/// others of the shard are counted as left out) before the limit or the
/// sample apply.
pub(crate) fn select(
    dataset: &Arc<Dataset>,
    spec: &ModelSpec,
    config: &EvalConfig,
    produces: Option<Modality>,
) -> Result<Selection> {
    let replay = replays_dataset(spec, dataset);
    let shard = config.shard;
    let limit = config.limit;
    let mut sampler = config
        .limit
        .zip(config.sample_seed)
        .map(|(n, seed)| Sampler::new(seed, n, Allocation::Proportional));
    // An unnamed replayed model is the first one seen (checked to be the
    // only one below).
    let mut index = replay.map(|m| RecordedResponses::empty(Arc::clone(dataset), m.unwrap_or("")));
    let mut models: Vec<String> = Vec::new();
    let mut count = 0u64;
    let mut left_out = 0u64;
    let mut longest: Option<(usize, Instance)> = None;
    let scan = dataset
        .scan(Validator::new(), |inst| {
            for r in &inst.responses {
                if !models.contains(&r.model) {
                    models.push(r.model.clone());
                }
            }
            if !shard.is_none_or(|s| s.contains(&inst.id)) {
                return;
            }
            if produces.is_some_and(|m| inst.modality != m) {
                left_out += 1;
                return;
            }
            if config.preflight {
                let len = prompt_len(inst);
                if longest.as_ref().is_none_or(|(n, _)| len > *n) {
                    longest = Some((len, inst.clone()));
                }
            }
            if let Some(s) = &mut sampler {
                s.count(inst);
            } else if limit.is_none_or(|n| count < n)
                && index.as_mut().is_none_or(|ix| ix.add(inst))
            {
                count += 1;
            }
        })
        .map_err(RunError::Dataset)?;
    // With `with_skip_invalid` the caller has accepted records with errors
    // (they are left out here and in the run).
    if !scan.report.valid && !dataset.skips_invalid() {
        return Err(RunError::InvalidDataset {
            path: dataset.path().to_path_buf(),
            report: Box::new(scan.report),
        });
    }
    tracing::debug!(
        instances = scan.report.instances,
        selected = count,
        "dataset read once: validated, hashed and counted"
    );
    let listed = || {
        if models.is_empty() {
            "none".to_string()
        } else {
            models.join(", ")
        }
    };
    if let Some(named) = replay {
        match named {
            None if models.len() != 1 => {
                return Err(RunError::setup(format!(
                    "{spec}: name the model to replay with #MODEL; the dataset records: {}",
                    listed()
                )));
            }
            Some(m) if !models.iter().any(|x| x == m) => {
                return Err(RunError::setup(format!(
                    "{spec}: the dataset records no responses of model {m:?}; it has: {}",
                    listed()
                )));
            }
            _ => {}
        }
    }
    let mut sample = None;
    if let Some(mut sampler) = sampler {
        for r in dataset.records().map_err(RunError::Dataset)? {
            let inst = r.map_err(RunError::Dataset)?.instance;
            if shard.is_none_or(|s| s.contains(&inst.id))
                && produces.is_none_or(|m| inst.modality == m)
            {
                sampler.offer(inst);
            }
        }
        let mut drawn = sampler.finish();
        if let Some(ix) = index.as_mut() {
            drawn.retain(|i| ix.add(i));
        }
        count = drawn.len() as u64;
        sample = Some(drawn);
    }
    Ok(Selection {
        content_hash: scan.content_hash,
        count,
        sample,
        recorded: index.map(Arc::new),
        produces,
        left_out,
        longest: longest.map(|(_, i)| i),
    })
}

/// The length in bytes of an instance's prompt text (all turns).
fn prompt_len(inst: &Instance) -> usize {
    match &inst.input {
        assurai_dataset::Input::Prompt(p) => p.len(),
        assurai_dataset::Input::Turns(t) => t.iter().map(|t| t.content.text().len()).sum(),
    }
}
