//! Building a run from parsed specs: the target (`openai:MODEL@URL`,
//! `replay:PATH[#MODEL]`, or any scheme of the models registry) and the
//! judges (`refusal`, `human`, `llm:MODEL@URL`, or any kind of the judge
//! registry). Each spec is parsed once and built from its parsed form.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use assurai_dataset::Dataset;
use assurai_judge::{Aggregation, EnsembleJudge};
use assurai_models::layers::{AdaptiveLimiter, CircuitBreaker, ModelBuilder, RetryPolicy};
use assurai_models::{ModelSpec, Registry, TargetModel};

use crate::{DatasetReplay, JudgeRegistry, JudgeSetup, JudgeSpec, RecordedResponses};
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
    /// Adaptive concurrency (`--concurrency auto[:MAX]`): at most this many calls in flight per
    /// server, the limit found by AIMD; the target and the judges on one base URL share one
    /// limiter.
    pub adaptive_max: Option<usize>,
    /// Stop calling after this many consecutive failures of one kind that waiting does not fix
    /// (connection refused, 401/403, 404); the breaker is shared by the target and the judges.
    pub circuit_breaker: Option<CircuitBreaker>,
    /// Keep every generation of the target and the LLM judges in this folder (the crash-safe
    /// on-disk [`Cache`](assurai_models::layers::Cache), outermost layer): a request already
    /// answered is answered from the folder without a call.
    pub cache: Option<std::path::PathBuf>,
    limiters: Limiters,
}

/// The adaptive limiters of a run, one per base URL.
#[derive(Debug, Clone, Default)]
struct Limiters(Arc<Mutex<HashMap<String, AdaptiveLimiter>>>);

impl PartialEq for Limiters {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Default for Reliability {
    fn default() -> Self {
        Self {
            max_retries: 3,
            timeout: Duration::from_secs(120),
            rate_limit: None,
            retry_on_blocked: 0,
            adaptive_max: None,
            circuit_breaker: None,
            cache: None,
            limiters: Limiters::default(),
        }
    }
}

impl Reliability {
    /// Wraps a live model in retry, timeout, rate-limit and blocked-output
    /// regeneration layers.
    pub fn wrap(&self, model: Arc<dyn TargetModel>) -> Arc<dyn TargetModel> {
        let id = model.id().to_owned();
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
        if let Some(max) = self.adaptive_max {
            b = b.adaptive_concurrency(self.limiter(&id, max));
        }
        if let Some(breaker) = &self.circuit_breaker {
            b = b.circuit_breaker(breaker.clone());
        }
        if let Some(dir) = &self.cache {
            b = b.cache(dir.clone());
        }
        b.build()
    }

    /// The limiter of the server a model id (`openai:MODEL@BASE_URL…`) names, shared by every
    /// model on that base URL.
    fn limiter(&self, id: &str, max: usize) -> AdaptiveLimiter {
        let server = id
            .parse::<ModelSpec>()
            .ok()
            .and_then(|s| s.model_and_url().1.map(str::to_owned))
            .map(|u| {
                u.split('?')
                    .next()
                    .unwrap_or(&u)
                    .trim_end_matches('/')
                    .to_owned()
            })
            .unwrap_or_else(|| id.to_owned());
        let mut map = self.lock_limiters();
        map.entry(server)
            .or_insert_with(|| AdaptiveLimiter::new(max))
            .clone()
    }

    fn lock_limiters(&self) -> std::sync::MutexGuard<'_, HashMap<String, AdaptiveLimiter>> {
        self.limiters.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The adaptive limiters in use, by base URL, with their current limits.
    pub fn adaptive_limits(&self) -> Vec<(String, usize)> {
        let mut v: Vec<(String, usize)> = self
            .lock_limiters()
            .iter()
            .map(|(k, l)| (k.clone(), l.limit()))
            .collect();
        v.sort();
        v
    }
}

/// A target model ready to run, with its name in the records.
#[derive(Clone)]
#[non_exhaustive]
pub struct Target {
    /// The model's name as written into each record's `model`.
    pub name: String,
    /// The model, wrapped in the reliability layers when it is live.
    pub model: Arc<dyn TargetModel>,
    /// The recorded responses, when the target replays the dataset itself.
    pub recorded: Option<Arc<RecordedResponses>>,
    /// Whether the target replays recorded outputs (no live calls).
    pub is_replay: bool,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("name", &self.name)
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

/// Adds option `key_env=VAR` to a spec when the variable is set and the spec
/// names no variable itself, so a key is sent only when there is one (local
/// servers need none).
pub(crate) fn with_key_env(spec: ModelSpec, var: Option<&str>) -> ModelSpec {
    match var {
        Some(var)
            if spec.option("key_env").is_none()
                && std::env::var(var).is_ok_and(|v| !v.trim().is_empty()) =>
        {
            spec.with_option("key_env", var)
        }
        _ => spec,
    }
}

/// `replay:PATH[#MODEL]` split into the path and the model.
fn replay_parts(spec: &ModelSpec) -> (&str, Option<&str>) {
    match spec.target().rsplit_once('#') {
        Some((p, m)) => (p, Some(m)),
        None => (spec.target(), None),
    }
}

/// When `spec` replays `dataset` itself (`replay:DATASET[#MODEL]`): the
/// model it names, if it names one.
pub(crate) fn replays_dataset<'a>(
    spec: &'a ModelSpec,
    dataset: &Dataset,
) -> Option<Option<&'a str>> {
    if spec.scheme() != "replay" {
        return None;
    }
    let (path, model) = replay_parts(spec);
    same_file(Path::new(path), dataset.path()).then_some(model)
}

/// The target replaying these recorded responses of the dataset.
pub(crate) fn replay_target(recorded: Arc<RecordedResponses>) -> Target {
    Target {
        name: recorded.model().to_string(),
        model: Arc::new(DatasetReplay::new(Arc::clone(&recorded))),
        recorded: Some(recorded),
        is_replay: true,
    }
}

/// Builds the target of a run from its parsed spec.
///
/// `replay:PATH[#MODEL]` where PATH is the run's dataset replays the
/// dataset's recorded `responses` of MODEL (which may be left out when the
/// dataset records exactly one model); any other `replay:` path is a JSON
/// Lines file of recorded outputs read by the models crate. Other schemes go
/// through `registry`; the API key comes from the environment variable
/// `api_key_env` when it is set.
pub fn build_target(
    spec: &ModelSpec,
    dataset: &Arc<Dataset>,
    registry: &Registry,
    api_key_env: Option<&str>,
    reliability: &Reliability,
) -> Result<Target> {
    if spec.scheme() == "replay" {
        let (path, model) = replay_parts(spec);
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
            return Ok(replay_target(recorded));
        }
        let target = registry
            .build_spec(spec)
            .map_err(|e| RunError::setup_from(format!("target {spec}"), e))?;
        let name = model
            .map(str::to_string)
            .unwrap_or_else(|| target.id().trim_start_matches("replay:").to_string());
        return Ok(Target {
            name,
            model: target,
            recorded: None,
            is_replay: true,
        });
    }
    let target = registry
        .build_spec(&with_key_env(spec.clone(), api_key_env))
        .map_err(|e| RunError::setup_from(format!("target {spec}"), e))?;
    let (name, _) = spec.model_and_url();
    Ok(Target {
        name: name.to_string(),
        model: reliability.wrap(target),
        recorded: None,
        is_replay: false,
    })
}

/// Builds the judges of a run from their parsed specs through `registry` (see
/// [`JudgeRegistry::with_builtins`] for the built-in kinds), as one
/// [`EnsembleJudge`] whose members run concurrently and whose median scores
/// each record.
pub fn build_judges(
    specs: &[JudgeSpec],
    registry: &JudgeRegistry,
    setup: &JudgeSetup<'_>,
) -> Result<EnsembleJudge> {
    if specs.is_empty() {
        return Err(RunError::setup(
            "give at least one judge: refusal, human, llm:MODEL@URL or guard:FAMILY:MODEL@URL",
        ));
    }
    let mut ensemble = EnsembleJudge::new(Aggregation::Median);
    for spec in specs {
        ensemble = ensemble.shared_member(registry.build(spec, setup)?);
    }
    Ok(ensemble)
}
