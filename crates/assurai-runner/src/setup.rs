//! Building a run from spec strings: the target (`openai:MODEL@URL`,
//! `replay:PATH[#MODEL]`, or any scheme of the models registry) and the
//! judges (`refusal`, `human`, `llm:MODEL@URL`).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use assurai_dataset::Dataset;
use assurai_judge::{Language, LlmJudge, RefusalJudge};
use assurai_models::layers::{ModelBuilder, RetryPolicy};
use assurai_models::{ModelSpec, Registry, TargetModel};

use crate::{DatasetReplay, RecordedResponses, RunJudge};
use crate::{Result, RunError};

/// Reliability settings wrapped around live models (target and LLM judges).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Reliability {
    /// Retries after the first attempt for retryable errors.
    pub max_retries: u32,
    /// Time limit of one attempt.
    pub timeout: Duration,
    /// At most this many requests per period, shared by all tasks.
    pub rate_limit: Option<(usize, Duration)>,
    /// Regenerate a blocked output up to this many times (the paper: 3 for images).
    pub retry_on_blocked: u32,
}

impl Default for Reliability {
    fn default() -> Self {
        Self {
            max_retries: 3,
            timeout: Duration::from_secs(120),
            rate_limit: None,
            retry_on_blocked: 0,
        }
    }
}

impl Reliability {
    fn wrap(&self, model: Arc<dyn TargetModel>) -> Arc<dyn TargetModel> {
        let mut b = ModelBuilder::from_arc(model)
            .retry(
                RetryPolicy::new()
                    .max_attempts(self.max_retries.saturating_add(1))
                    // A truncated or garbled body is usually a transient proxy fault.
                    .retry_malformed(true),
            )
            .timeout(self.timeout);
        if let Some((n, period)) = self.rate_limit {
            b = b.rate_limit(n, period);
        }
        if self.retry_on_blocked > 0 {
            b = b.retry_on_blocked(self.retry_on_blocked);
        }
        b.build()
    }
}

/// A target model ready to run, with its name in the records.
#[derive(Clone)]
#[non_exhaustive]
pub struct Target {
    /// The model's name as written into each record's `model`.
    pub model: String,
    /// The model, wrapped in the reliability layers.
    pub target: Arc<dyn TargetModel>,
    /// The recorded responses, when the target replays the dataset itself.
    pub recorded: Option<Arc<RecordedResponses>>,
    /// Whether the target replays recorded outputs (no live calls).
    pub is_replay: bool,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("model", &self.model)
            .field("is_replay", &self.is_replay)
            .finish_non_exhaustive()
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// Adds `key_env=VAR` to a spec when the variable is set, so a key is sent
/// only when there is one (local servers need none).
fn with_key_env(spec: &str, var: Option<&str>) -> String {
    match var {
        Some(var)
            if !spec.contains("key_env=")
                && std::env::var(var).is_ok_and(|v| !v.trim().is_empty()) =>
        {
            let sep = if spec.contains('?') { '&' } else { '?' };
            format!("{spec}{sep}key_env={var}")
        }
        _ => spec.to_string(),
    }
}

/// Builds the target of a run from its spec.
///
/// `replay:PATH[#MODEL]` where PATH is the run's dataset replays the
/// dataset's recorded `responses` of MODEL (which may be left out when the
/// dataset records exactly one model); any other `replay:` path is a JSON
/// Lines file of recorded outputs read by the models crate. Other schemes go
/// through the models [`Registry`]; the API key comes from the environment
/// variable `api_key_env` when it is set.
pub fn build_target(
    spec: &str,
    dataset: &Arc<Dataset>,
    api_key_env: Option<&str>,
    reliability: &Reliability,
) -> Result<Target> {
    let parsed: ModelSpec = spec.parse().map_err(|e: assurai_models::ModelError| {
        RunError::setup_from(format!("target {spec}"), e)
    })?;
    if parsed.scheme().eq_ignore_ascii_case("replay") {
        let (path, model) = match parsed.target().rsplit_once('#') {
            Some((p, m)) => (p, Some(m)),
            None => (parsed.target(), None),
        };
        if same_file(Path::new(path), dataset.path()) {
            // One pass indexes the named model; the list of recorded models
            // (another pass) is only needed to choose one or to explain an error.
            let recorded_models = || -> Result<String> {
                let models = RecordedResponses::models(dataset)?;
                Ok(if models.is_empty() {
                    "none".to_string()
                } else {
                    models.join(", ")
                })
            };
            let model = match model {
                Some(m) => m.to_string(),
                None => match RecordedResponses::models(dataset)?.as_slice() {
                    [only] => only.clone(),
                    _ => {
                        return Err(RunError::setup(format!(
                            "{spec}: name the model to replay with #MODEL; the dataset records: {}",
                            recorded_models()?
                        )));
                    }
                },
            };
            let recorded = Arc::new(RecordedResponses::load(Arc::clone(dataset), &model)?);
            if recorded.is_empty() {
                return Err(RunError::setup(format!(
                    "{spec}: the dataset records no responses of model {model:?}; it has: {}",
                    recorded_models()?
                )));
            }
            return Ok(Target {
                model,
                target: Arc::new(DatasetReplay::new(Arc::clone(&recorded))),
                recorded: Some(recorded),
                is_replay: true,
            });
        }
        let target = Registry::with_builtins()
            .build(spec)
            .map_err(|e| RunError::setup_from(format!("target {spec}"), e))?;
        let model = model
            .map(str::to_string)
            .unwrap_or_else(|| target.id().trim_start_matches("replay:").to_string());
        return Ok(Target {
            model,
            target,
            recorded: None,
            is_replay: true,
        });
    }
    let target = Registry::with_builtins()
        .build(&with_key_env(spec, api_key_env))
        .map_err(|e| RunError::setup_from(format!("target {spec}"), e))?;
    let (model, _) = parsed.model_and_url();
    Ok(Target {
        model: model.to_string(),
        target: reliability.wrap(target),
        recorded: None,
        is_replay: false,
    })
}

/// Builds the judges of a run from their specs: `refusal` (the offline
/// refusal-pattern judge), `human` (the mean recorded human score of a
/// replayed response; needs a dataset replay target), `llm:MODEL@URL`
/// (an LLM judge on an OpenAI-compatible server; key from `api_key_env`).
pub fn build_judges(
    specs: &[String],
    target: &Target,
    api_key_env: Option<&str>,
    language: Language,
    reliability: &Reliability,
) -> Result<Vec<RunJudge>> {
    if specs.is_empty() {
        return Err(RunError::setup(
            "give at least one judge: refusal, human or llm:MODEL@URL",
        ));
    }
    specs
        .iter()
        .map(|spec| {
            let s = spec.trim();
            if s.eq_ignore_ascii_case("refusal") {
                return Ok(RunJudge::Judge(Arc::new(RefusalJudge::new())));
            }
            if s.eq_ignore_ascii_case("human") {
                return match &target.recorded {
                    Some(r) => Ok(RunJudge::Human(Arc::clone(r))),
                    None => Err(RunError::setup(
                        "the human judge needs recorded human scores: use it with a target \
                         replay:DATASET#MODEL that replays the dataset's responses",
                    )),
                };
            }
            if let Some(rest) = s.strip_prefix("llm:") {
                let model_spec = with_key_env(&format!("openai:{rest}"), api_key_env);
                let model = Registry::with_builtins()
                    .build(&model_spec)
                    .map_err(|e| RunError::setup_from(format!("judge {s}"), e))?;
                let judge = LlmJudge::new(reliability.wrap(model), language).id(s.to_string());
                return Ok(RunJudge::Judge(Arc::new(judge)));
            }
            Err(RunError::setup(format!(
                "unknown judge {s:?}: expected refusal, human or llm:MODEL@URL"
            )))
        })
        .collect()
}
