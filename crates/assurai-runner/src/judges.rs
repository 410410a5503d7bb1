//! [`JudgeRegistry`]: build judges from spec strings (`refusal`, `human`,
//! `llm:MODEL@URL`, or a kind a library user registers), the judge-side twin
//! of the models crate's [`Registry`].

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use assurai_judge::{GuardJudge, Judge, Language, LlmJudge, RefusalJudge};
use assurai_models::{ModelSpec, Registry, TargetModel};

use crate::setup::{Reliability, with_key_env};
use crate::{HumanJudge, RecordedResponses, Result, RunError};

/// A parsed judge spec: a bare kind (`refusal`, `human`) or
/// `KIND:TARGET[?key=value…]` (`llm:MODEL@URL`), whose model part is a
/// [`ModelSpec`] with the kind as its scheme.
///
/// ```
/// use assurai_runner::JudgeSpec;
/// let spec: JudgeSpec = "llm:judge-7b@http://127.0.0.1:8080/v1".parse()?;
/// assert_eq!(spec.kind(), "llm");
/// assert_eq!(spec.model_spec().map(|m| m.model_and_url().0), Some("judge-7b"));
/// let bare: JudgeSpec = " Refusal ".parse()?;
/// assert_eq!((bare.kind(), bare.as_str()), ("refusal", "Refusal"));
/// # Ok::<(), assurai_runner::RunError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JudgeSpec {
    raw: String,
    kind: String,
    model: Option<ModelSpec>,
}

impl std::str::FromStr for JudgeSpec {
    type Err = RunError;

    fn from_str(s: &str) -> Result<Self> {
        let raw = s.trim();
        if raw.is_empty() {
            return Err(RunError::setup(
                "empty judge spec: expected refusal, human, llm:MODEL@URL or guard:FAMILY:MODEL@URL",
            ));
        }
        if !raw.contains(':') {
            return Ok(Self {
                raw: raw.to_owned(),
                kind: raw.to_ascii_lowercase(),
                model: None,
            });
        }
        let model: ModelSpec = raw
            .parse()
            .map_err(|e| RunError::setup_from(format!("judge {raw}"), e))?;
        Ok(Self {
            raw: raw.to_owned(),
            kind: model.scheme().to_owned(),
            model: Some(model),
        })
    }
}

impl fmt::Display for JudgeSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl JudgeSpec {
    /// The judge kind, lower-cased: the registry key (`refusal`, `llm`, …).
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// The spec as written (trimmed): the judge's id in the records.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The `KIND:TARGET?…` part as a model spec, when the spec has one.
    pub fn model_spec(&self) -> Option<&ModelSpec> {
        self.model.as_ref()
    }
}

/// What a judge factory may need from the run being set up.
#[non_exhaustive]
pub struct JudgeSetup<'a> {
    /// The models registry of the run (LLM and guard judges build their
    /// model through it).
    pub models: &'a Registry,
    /// Environment variable holding the judges' API key (unset: no key).
    pub api_key_env: Option<&'a str>,
    /// Language of the judge prompt.
    pub language: Language,
    /// Retries, timeouts and rate limits for live judge models.
    pub reliability: &'a Reliability,
    /// The recorded responses the target replays, if it replays the dataset.
    pub recorded: Option<&'a Arc<RecordedResponses>>,
}

impl fmt::Debug for JudgeSetup<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JudgeSetup")
            .field("api_key_env", &self.api_key_env)
            .field("language", &self.language)
            .finish_non_exhaustive()
    }
}

impl JudgeSetup<'_> {
    /// Builds a live model for a judge: the API key variable is added when
    /// it is set, the model comes from the run's registry and is wrapped in
    /// the run's reliability layers.
    ///
    /// # Errors
    /// [`RunError::Setup`] naming `what` when the registry cannot build it.
    pub fn live_model(&self, spec: &ModelSpec, what: &str) -> Result<Arc<dyn TargetModel>> {
        let spec = with_key_env(spec.clone(), self.api_key_env);
        let model = self
            .models
            .build_spec(&spec)
            .map_err(|e| RunError::setup_from(what.to_owned(), e))?;
        Ok(self.reliability.wrap(model))
    }
}

/// Builds a judge from its parsed spec.
pub type JudgeFactory = dyn Fn(&JudgeSpec, &JudgeSetup<'_>) -> Result<Arc<dyn Judge>> + Send + Sync;

/// Maps judge kinds to factories, as the models [`Registry`] maps schemes to
/// model factories: [`evaluate`](crate::evaluate) builds each `--judge`
/// through the registry of its [`EvalConfig`](crate::EvalConfig), so a
/// library user adds a judge kind without touching this crate.
///
/// Built in ([`JudgeRegistry::with_builtins`]): `refusal` (the offline
/// refusal-pattern judge), `human` (the recorded human scores of a replayed
/// dataset, [`HumanJudge`]), `llm:MODEL@URL[?key_env=VAR]` (an LLM judge
/// on an OpenAI-compatible server) and `guard:FAMILY:MODEL@URL[?…]` (a guard
/// model, [`GuardJudge`]).
///
/// ```
/// use std::sync::Arc;
/// use assurai_judge::{Aggregation, EnsembleJudge, Judge, RefusalJudge};
/// use assurai_runner::JudgeRegistry;
///
/// let mut judges = JudgeRegistry::with_builtins();
/// // `twice`: two refusal judges as one ensemble (a stand-in for a real new kind).
/// judges.register("twice", |spec, _setup| {
///     let e = EnsembleJudge::new(Aggregation::Median)
///         .member(RefusalJudge::new())
///         .member(RefusalJudge::new())
///         .with_id(spec.as_str());
///     Ok(Arc::new(e) as Arc<dyn Judge>)
/// });
/// assert_eq!(judges.kinds(), ["guard", "human", "llm", "refusal", "twice"]);
/// ```
#[derive(Clone, Default)]
pub struct JudgeRegistry {
    factories: HashMap<String, Arc<JudgeFactory>>,
}

impl fmt::Debug for JudgeRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JudgeRegistry")
            .field("kinds", &self.kinds())
            .finish()
    }
}

impl JudgeRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// A registry with the built-in kinds `refusal`, `human` and `llm`.
    pub fn with_builtins() -> Self {
        let mut r = Self::new();
        r.register("refusal", |spec, _| {
            no_target(spec)?;
            Ok(Arc::new(RefusalJudge::new()))
        });
        r.register("human", |spec, setup| {
            no_target(spec)?;
            match setup.recorded {
                Some(recorded) => Ok(Arc::new(HumanJudge::new(Arc::clone(recorded)))),
                None => Err(RunError::setup(
                    "the human judge needs recorded human scores: use it with a target \
                     replay:DATASET#MODEL that replays the dataset's responses",
                )),
            }
        });
        r.register("llm", |spec, setup| {
            let Some(model) = spec.model_spec() else {
                return Err(RunError::setup(format!(
                    "judge {spec}: expected llm:MODEL@URL"
                )));
            };
            // `llm:X` is the `openai` chat model X of the models registry.
            let model = setup.live_model(
                &model.clone().with_scheme("openai"),
                &format!("judge {spec}"),
            )?;
            Ok(Arc::new(
                LlmJudge::new(model, setup.language)
                    .id(spec.as_str())
                    // A cached judge answers only a prompt it has seen.
                    .stable_prompts(setup.reliability.cache.is_some()),
            ))
        });
        r.register("guard", |spec, setup| {
            let Some(model) = spec.model_spec() else {
                return Err(RunError::setup(format!(
                    "judge {spec}: expected guard:FAMILY:MODEL@URL"
                )));
            };
            let with_key = with_key_env(model.clone(), setup.api_key_env);
            let judge = GuardJudge::from_spec(with_key.as_str())
                .map_err(|e| RunError::setup_from(format!("judge {spec}"), e))?
                .with_id(spec.as_str())
                .retries(
                    setup.reliability.max_retries,
                    std::time::Duration::from_millis(500),
                )
                .timeout(setup.reliability.timeout);
            Ok(Arc::new(judge))
        });
        r
    }

    /// Adds or replaces the factory for `kind` (case-insensitive).
    pub fn register<F>(&mut self, kind: &str, factory: F) -> &mut Self
    where
        F: Fn(&JudgeSpec, &JudgeSetup<'_>) -> Result<Arc<dyn Judge>> + Send + Sync + 'static,
    {
        self.factories
            .insert(kind.to_ascii_lowercase(), Arc::new(factory));
        self
    }

    /// The registered kinds, sorted.
    pub fn kinds(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.factories.keys().map(String::as_str).collect();
        v.sort_unstable();
        v
    }

    /// Builds the judge of a parsed spec.
    ///
    /// # Errors
    /// [`RunError::Setup`] for an unknown kind, or whatever the factory returns.
    pub fn build(&self, spec: &JudgeSpec, setup: &JudgeSetup<'_>) -> Result<Arc<dyn Judge>> {
        match self.factories.get(spec.kind()) {
            Some(factory) => factory(spec, setup),
            None => Err(self.unknown(spec)),
        }
    }

    /// Fails for a spec whose kind is not registered (before any work
    /// that building the judge would wait for, such as reading the dataset).
    ///
    /// # Errors
    /// [`RunError::Setup`] naming the known kinds.
    pub fn check(&self, spec: &JudgeSpec) -> Result<()> {
        match self.factories.contains_key(spec.kind()) {
            true => Ok(()),
            false => Err(self.unknown(spec)),
        }
    }

    fn unknown(&self, spec: &JudgeSpec) -> RunError {
        RunError::setup(format!(
            "unknown judge {:?}: expected refusal, human, llm:MODEL@URL or guard:FAMILY:MODEL@URL{}",
            spec.as_str(),
            self.others()
        ))
    }

    /// The registered kinds beyond the built-in ones, for error messages.
    fn others(&self) -> String {
        let extra: Vec<&str> = self
            .kinds()
            .into_iter()
            .filter(|k| !matches!(*k, "refusal" | "human" | "llm" | "guard"))
            .collect();
        if extra.is_empty() {
            String::new()
        } else {
            format!(" (also registered: {})", extra.join(", "))
        }
    }
}

/// Fails for `refusal:…`/`human:…`: those kinds take no target.
fn no_target(spec: &JudgeSpec) -> Result<()> {
    match spec.model_spec() {
        None => Ok(()),
        Some(_) => Err(RunError::setup(format!(
            "unknown judge {:?}: expected refusal, human or llm:MODEL@URL",
            spec.as_str()
        ))),
    }
}
