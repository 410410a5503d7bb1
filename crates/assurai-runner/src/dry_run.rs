//! [`dry_run`]: what a run would do — the instances, the calls per role and the tokens they
//! would use, and with prices their cost — without calling any model.
//!
//! The instances are those the run would take: the same dataset reading, shard, limit,
//! stratified sample and replay selection as [`evaluate`](crate::evaluate), and of those the
//! keys (instance × epoch) the run directory does not hold yet (errored ones too with
//! `retry_errors`), read without changing the directory.
//!
//! Calls: the target is called once per key, or once per user turn for a conversation of user
//! turns played turn by turn; each LLM or guard judge once per key (an upper bound: blocked and
//! failed outputs are not judged, and repair requests are not counted); the transcriber once
//! per spoken output. The refusal and human judges call no model.
//!
//! Input tokens come from the server's `POST /tokenize` when it answers (llama.cpp's server,
//! vLLM; see [`OpenAiTokenizer`](assurai_models::providers::OpenAiTokenizer)); otherwise, and
//! for servers without one (OpenAI's API), from [`estimate_tokens`]. The output of each call is
//! assumed to use its whole budget: the target's `max_tokens` (or
//! [`DEFAULT_OUTPUT_BUDGET`] when unset), [`DEFAULT_JUDGE_MAX_TOKENS`] for an LLM judge and
//! [`GUARD_OUTPUT_BUDGET`] for a guard. A judge's input is its prompt for the instance plus the
//! target's output budget (the output it will read); a conversation played turn by turn sends
//! the earlier replies again, each counted at the budget. Input images, audio and video, and
//! the images a judge sees, are not counted; speech sent to a transcriber is not tokens.

use std::fmt;
use std::str::FromStr;

use assurai_dataset::Instance;
use assurai_judge::{DEFAULT_JUDGE_MAX_TOKENS, JudgedOutput, PromptBuilder};
use assurai_models::providers::OpenAiTokenizer;
use assurai_models::{Message, Modality, ModelSpec, Role};

use crate::evaluate::{Planned, plan};
use crate::setup::with_key_env;
use crate::{EvalConfig, Result, RunError, convert};
use assurai_eval::{MANIFEST_FILE, Manifest, RESULTS_FILE, ResumeState};

/// The target output assumed per call when `max_tokens` is not set (the servers' own limits
/// vary, some have none).
pub const DEFAULT_OUTPUT_BUDGET: u32 = 512;

/// The output assumed per guard-judge call: the largest `max_tokens` a built-in guard family
/// asks for.
pub const GUARD_OUTPUT_BUDGET: u32 = 128;

/// A role that calls a model, as priced by `--price ROLE=IN/OUT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum CostRole {
    /// The model under test.
    Target,
    /// The judges (every LLM and guard judge is priced alike).
    Judge,
    /// The speech-to-text service.
    Transcriber,
}

impl CostRole {
    /// `target`, `judge` or `transcriber`.
    pub fn id(self) -> &'static str {
        match self {
            Self::Target => "target",
            Self::Judge => "judge",
            Self::Transcriber => "transcriber",
        }
    }
}

impl fmt::Display for CostRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl FromStr for CostRole {
    type Err = RunError;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "target" => Ok(Self::Target),
            "judge" => Ok(Self::Judge),
            "transcriber" => Ok(Self::Transcriber),
            other => Err(RunError::setup(format!(
                "unknown role {other:?}: expected target, judge or transcriber"
            ))),
        }
    }
}

/// A price in US dollars per million input and output tokens.
///
/// ```
/// use assurai_runner::{CostRole, Price};
/// let (role, price) = Price::parse_role("judge=2.5/10")?;
/// assert_eq!(role, CostRole::Judge);
/// // 2 M input and 0.1 M output tokens: 2 × 2.5 + 0.1 × 10 = 6 USD.
/// assert!((price.cost(2_000_000, 100_000) - 6.0).abs() < 1e-12);
/// assert!(Price::parse_role("judge=-1/2").is_err());
/// # Ok::<(), assurai_runner::RunError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Price {
    input: f64,
    output: f64,
}

impl Price {
    /// A price of `input` and `output` USD per million tokens.
    ///
    /// # Errors
    /// [`RunError::Setup`] unless both are finite and not negative.
    pub fn new(input: f64, output: f64) -> Result<Self> {
        if !(input.is_finite() && output.is_finite() && input >= 0.0 && output >= 0.0) {
            return Err(RunError::setup(format!(
                "a price must be two non-negative numbers, got {input}/{output}"
            )));
        }
        Ok(Self { input, output })
    }

    /// USD per million input tokens.
    pub fn input_per_million(&self) -> f64 {
        self.input
    }

    /// USD per million output tokens.
    pub fn output_per_million(&self) -> f64 {
        self.output
    }

    /// The cost in USD of `input` and `output` tokens.
    pub fn cost(&self, input: u64, output: u64) -> f64 {
        (input as f64 * self.input + output as f64 * self.output) / 1e6
    }

    /// Parses `ROLE=IN/OUT` (e.g. `target=0.15/0.60`), as `--price` takes it.
    ///
    /// # Errors
    /// [`RunError::Setup`] naming what is wrong.
    pub fn parse_role(s: &str) -> Result<(CostRole, Price)> {
        let bad = |why: &str| {
            RunError::setup(format!(
                "--price {s:?}: {why}; expected ROLE=IN/OUT in USD per million tokens, \
                 e.g. target=0.15/0.60"
            ))
        };
        let (role, price) = s.split_once('=').ok_or_else(|| bad("no `=`"))?;
        let role: CostRole = role.parse().map_err(|_| bad("unknown role"))?;
        price
            .parse()
            .map(|p| (role, p))
            .map_err(|_| bad("bad price"))
    }
}

impl FromStr for Price {
    type Err = RunError;

    /// `IN/OUT`, e.g. `0.15/0.60`.
    fn from_str(s: &str) -> Result<Self> {
        let bad = || RunError::setup(format!("price {s:?}: expected IN/OUT, e.g. 0.15/0.60"));
        let (i, o) = s.split_once('/').ok_or_else(bad)?;
        let num = |v: &str| v.trim().parse::<f64>().map_err(|_| bad());
        Price::new(num(i)?, num(o)?)
    }
}

/// Options of [`dry_run`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DryRunOptions {
    /// Prices per role; a role without one has no cost.
    pub prices: Vec<(CostRole, Price)>,
    /// Ask the servers' `/tokenize` (default true); off, every count is the estimate.
    pub tokenize: bool,
}

impl Default for DryRunOptions {
    fn default() -> Self {
        Self {
            prices: Vec::new(),
            tokenize: true,
        }
    }
}

impl DryRunOptions {
    /// Adds (or replaces) the price of a role.
    pub fn price(mut self, role: CostRole, price: Price) -> Self {
        self.prices.retain(|(r, _)| *r != role);
        self.prices.push((role, price));
        self
    }

    /// Sets [`DryRunOptions::tokenize`].
    pub fn tokenize(mut self, on: bool) -> Self {
        self.tokenize = on;
        self
    }

    fn price_of(&self, role: CostRole) -> Option<Price> {
        self.prices
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, p)| *p)
    }
}

/// Where a role's input token counts came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenSource {
    /// Every count from the server's `/tokenize`.
    Tokenize,
    /// Every count from [`estimate_tokens`].
    Estimate,
    /// Some of each (the server stopped answering `/tokenize` mid-way).
    Mixed,
    /// Not counted (speech for a transcriber, a judge kind this crate does not know).
    None,
}

impl TokenSource {
    /// `tokenize`, `estimate`, `mixed` or `none`.
    pub fn id(self) -> &'static str {
        match self {
            Self::Tokenize => "tokenize",
            Self::Estimate => "estimate",
            Self::Mixed => "mixed",
            Self::None => "none",
        }
    }
}

/// The planned calls of one model in one role.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RolePlan {
    /// The role.
    pub role: CostRole,
    /// The model's spec (the judge's id for judges).
    pub model: String,
    /// Calls the run would make.
    pub calls: u64,
    /// Input tokens of those calls (`None` when not counted).
    pub input_tokens: Option<u64>,
    /// Output tokens, at the assumed budget (`None` when not counted).
    pub output_tokens: Option<u64>,
    /// Where the input counts came from.
    pub source: TokenSource,
    /// Why `/tokenize` was not used, when it was tried and failed.
    pub tokenize_error: Option<String>,
    /// Cost in USD, with a price for the role and counted tokens.
    pub cost_usd: Option<f64>,
}

/// What [`dry_run`] found.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DryRunPlan {
    /// The model name the records would carry.
    pub model: String,
    /// Instances the run selects.
    pub instances: u64,
    /// Epochs per instance.
    pub epochs: u32,
    /// Instances left out because the target does not produce their modality, and that
    /// modality (as the run leaves them out; see `EvalConfig::all_modalities`).
    pub left_out: Option<(u64, Modality)>,
    /// Keys (instance × epoch) already in the run directory and skipped.
    pub present: u64,
    /// Of the keys to run, errored ones run again (`retry_errors`).
    pub retried_errors: u64,
    /// Keys (instance × epoch) the run would evaluate.
    pub to_run: u64,
    /// One entry per role and model: the target, each judge, the transcriber.
    pub roles: Vec<RolePlan>,
    /// The sum of the priced roles' costs (`None` without any price).
    pub total_cost_usd: Option<f64>,
    /// The assumptions made.
    pub notes: Vec<String>,
}

impl DryRunPlan {
    /// The plan as JSON (the keys of `assurai run --dry-run --json`, documented in
    /// `docs/results-format.md`).
    pub fn to_json(&self) -> serde_json::Value {
        let roles: Vec<serde_json::Value> = self
            .roles
            .iter()
            .map(|r| {
                serde_json::json!({
                    "role": r.role.id(),
                    "model": r.model,
                    "calls": r.calls,
                    "input_tokens": r.input_tokens,
                    "output_tokens": r.output_tokens,
                    "source": r.source.id(),
                    "tokenize_error": r.tokenize_error,
                    "cost_usd": r.cost_usd,
                })
            })
            .collect();
        serde_json::json!({
            "model": self.model,
            "instances": self.instances,
            "epochs": self.epochs,
            "left_out": self.left_out.map(|(n, m)| serde_json::json!({
                "instances": n,
                "produces": m.id(),
            })),
            "present": self.present,
            "retried_errors": self.retried_errors,
            "to_run": self.to_run,
            "roles": roles,
            "total_cost_usd": self.total_cost_usd,
            "notes": self.notes,
        })
    }
}

/// A documented estimate of the tokens of a conversation, for servers without `/tokenize`:
/// per message 4 tokens (the chat template's role markers), plus one token per 4 ASCII
/// characters (rounded up, per message), plus one token per other character. Modern
/// tokenizers make about one token of a Hangul syllable or less, so for Korean this errs on the
/// high side.
///
/// ```
/// use assurai_models::{Message, Role};
/// // "Hello, world" is 12 ASCII characters (3 tokens), "안녕하세요" 5 syllables: 4 + 3 + 5.
/// let m = [Message::text(Role::User, "Hello, world안녕하세요")];
/// assert_eq!(assurai_runner::estimate_tokens(&m), 12);
/// ```
pub fn estimate_tokens(messages: &[Message]) -> u64 {
    messages
        .iter()
        .map(|m| {
            let text = m.joined_text();
            let ascii = text.chars().filter(char::is_ascii).count() as u64;
            let other = text.chars().count() as u64 - ascii;
            4 + ascii.div_ceil(4) + other
        })
        .sum()
}

/// One server's token counter: its `/tokenize` until it fails, then the estimate.
struct Counter {
    tokenizer: Option<OpenAiTokenizer>,
    error: Option<String>,
    tokenized: u64,
    estimated: u64,
}

impl Counter {
    fn new(spec: Option<&ModelSpec>, key_env: Option<&str>, use_tokenize: bool) -> Self {
        let (tokenizer, error) = match spec.filter(|_| use_tokenize) {
            None => (None, None),
            Some(spec) => {
                // Only servers the spec names: OpenAI's API has no /tokenize.
                if spec
                    .model_and_url()
                    .1
                    .is_none_or(assurai_models::providers::is_openai_host)
                {
                    (None, None)
                } else {
                    match assurai_models::tokenizer_from_model_spec(&with_key_env(
                        spec.clone(),
                        key_env,
                    )) {
                        Ok(t) => (Some(t), None),
                        Err(e) => (None, Some(e.to_string())),
                    }
                }
            }
        };
        Self {
            tokenizer,
            error,
            tokenized: 0,
            estimated: 0,
        }
    }

    async fn count(&mut self, messages: &[Message]) -> u64 {
        if let Some(t) = &self.tokenizer {
            match t.count(messages).await {
                Ok(n) => {
                    self.tokenized += 1;
                    return n.tokens;
                }
                Err(e) => {
                    tracing::info!(url = %t.url(), error = %e, "no /tokenize: estimating token counts");
                    self.error = Some(format!("{}: {e}", t.url()));
                    self.tokenizer = None;
                }
            }
        }
        self.estimated += 1;
        estimate_tokens(messages)
    }

    fn source(&self) -> TokenSource {
        match (self.tokenized, self.estimated) {
            (0, _) => TokenSource::Estimate,
            (_, 0) => TokenSource::Tokenize,
            _ => TokenSource::Mixed,
        }
    }
}

/// What a judge spec calls.
enum JudgeKind {
    /// An LLM judge: the judge prompt.
    Llm,
    /// A guard model: the conversation and the output.
    Guard,
    /// A judge that calls no model (refusal, human).
    Offline,
    /// A judge kind registered by a library user: calls counted, tokens not.
    Other,
}

struct JudgePlan {
    id: String,
    kind: JudgeKind,
    counter: Counter,
    calls: u64,
    input: u64,
    output: u64,
}

/// Computes what the run `config` would do, without calling any model: see the module
/// documentation for what is counted and assumed. The run directory is only read.
///
/// # Errors
/// As [`evaluate`](crate::evaluate) before its first model call: an invalid dataset, a bad
/// spec, an unreadable run directory, or one holding another configuration.
pub async fn dry_run(config: &EvalConfig, options: &DryRunOptions) -> Result<DryRunPlan> {
    let Planned {
        dataset,
        target_spec,
        judge_specs,
        target,
        selection,
        left_out,
    } = plan(config)?;
    let resume = read_resume(config, &selection.content_hash)?;
    let instances = selection.count;

    let budget = u64::from(config.settings.max_tokens.unwrap_or(DEFAULT_OUTPUT_BUDGET));
    let mut notes = Vec::new();
    if config.settings.max_tokens.is_none() {
        notes.push(format!(
            "the target's output is assumed to be {DEFAULT_OUTPUT_BUDGET} tokens per call \
             (no max_tokens set)"
        ));
    } else {
        notes.push(format!(
            "the target's output is assumed to use its whole budget: {budget} tokens per call"
        ));
    }
    let mut target_counter = Counter::new(
        (!target.is_replay).then_some(&target_spec),
        config.api_key_env.as_deref(),
        options.tokenize,
    );
    let mut judges: Vec<JudgePlan> = judge_specs
        .iter()
        .map(|s| {
            let (kind, spec) = match s.kind() {
                "llm" => (
                    JudgeKind::Llm,
                    s.model_spec().map(|m| m.clone().with_scheme("openai")),
                ),
                "guard" => (JudgeKind::Guard, s.model_spec().and_then(guard_model)),
                "refusal" | "human" => (JudgeKind::Offline, None),
                _ => (JudgeKind::Other, None),
            };
            JudgePlan {
                id: s.as_str().to_owned(),
                kind,
                counter: Counter::new(
                    spec.as_ref(),
                    config.judge_api_key_env.as_deref(),
                    options.tokenize,
                ),
                calls: 0,
                input: 0,
                output: 0,
            }
        })
        .collect();
    let speaks = !target.is_replay
        && target.model.modality() == Modality::Audio
        && config.transcriber.is_some();
    let prompts = PromptBuilder::new(config.language);
    let play_turns = !target.is_replay;

    let (mut present, mut retried, mut to_run) = (0u64, 0u64, 0u64);
    let (mut target_calls, mut target_in, mut target_out) = (0u64, 0u64, 0u64);
    let mut transcriber_calls = 0u64;
    for item in selection.instances(&dataset, config)? {
        let instance = item.map_err(RunError::Dataset)?;
        let mut keys = 0u64;
        for epoch in 1..=config.epochs.get() {
            let key = assurai_eval::RecordKey {
                instance_id: instance.id.clone(),
                model: target.name.clone(),
                epoch,
            };
            if !resume.should_run(&instance.id, &target.name, epoch, config.retry_errors) {
                present += 1;
                continue;
            }
            if resume.status(&key) == Some(assurai_eval::Status::Error) {
                retried += 1;
            }
            keys += 1;
        }
        if keys == 0 {
            continue;
        }
        to_run += keys;
        let messages = convert::text_messages(&instance);
        let turn_by_turn = play_turns && convert::plays_turn_by_turn(&instance);
        // Earlier replies the model sees again (turn by turn), each at the budget.
        let replies = if turn_by_turn {
            messages.iter().filter(|m| m.role == Role::User).count() as u64 - 1
        } else {
            0
        };
        if !target.is_replay {
            let (calls, input) =
                target_input(&mut target_counter, &messages, turn_by_turn, budget).await;
            target_calls += calls * keys;
            target_in += input * keys;
            target_out += calls * budget * keys;
        }
        if speaks && instance.modality == Modality::Audio {
            transcriber_calls += keys;
        }
        for j in &mut judges {
            let (input, output) = match j.kind {
                JudgeKind::Offline => continue,
                JudgeKind::Other => (0, 0),
                JudgeKind::Llm => {
                    let prompt = judge_prompt(&prompts, &instance, &messages)?;
                    (
                        j.counter.count(&prompt).await + budget * (1 + replies),
                        u64::from(DEFAULT_JUDGE_MAX_TOKENS),
                    )
                }
                JudgeKind::Guard => (
                    j.counter.count(&messages).await + budget * (1 + replies),
                    u64::from(GUARD_OUTPUT_BUDGET),
                ),
            };
            j.calls += keys;
            j.input += input * keys;
            j.output += output * keys;
        }
    }

    let mut roles = Vec::new();
    let target_price = options.price_of(CostRole::Target);
    roles.push(if target.is_replay {
        notes.push("the target replays recorded outputs: no target calls".into());
        RolePlan {
            role: CostRole::Target,
            model: config.target.clone(),
            calls: 0,
            input_tokens: Some(0),
            output_tokens: Some(0),
            source: TokenSource::None,
            tokenize_error: None,
            cost_usd: target_price.map(|_| 0.0),
        }
    } else {
        RolePlan {
            role: CostRole::Target,
            model: config.target.clone(),
            calls: target_calls,
            input_tokens: Some(target_in),
            output_tokens: Some(target_out),
            source: target_counter.source(),
            tokenize_error: target_counter.error.clone(),
            cost_usd: target_price.map(|p| p.cost(target_in, target_out)),
        }
    });
    let judge_price = options.price_of(CostRole::Judge);
    for j in judges {
        let counted = matches!(j.kind, JudgeKind::Llm | JudgeKind::Guard);
        let source = match j.kind {
            JudgeKind::Llm | JudgeKind::Guard => j.counter.source(),
            _ => TokenSource::None,
        };
        if matches!(j.kind, JudgeKind::Other) {
            notes.push(format!(
                "judge {}: a kind this tool does not know; its calls are counted (one per \
                 output), its tokens are not",
                j.id
            ));
        }
        let tokens = |n: u64| match j.kind {
            JudgeKind::Other => None,
            _ => Some(n),
        };
        roles.push(RolePlan {
            role: CostRole::Judge,
            model: j.id,
            calls: j.calls,
            input_tokens: tokens(j.input),
            output_tokens: tokens(j.output),
            source,
            tokenize_error: j.counter.error.clone().filter(|_| counted),
            cost_usd: judge_price.and_then(|p| {
                (!matches!(j.kind, JudgeKind::Other)).then(|| p.cost(j.input, j.output))
            }),
        });
    }
    if let Some(spec) = config.transcriber.as_ref().filter(|_| !target.is_replay) {
        if transcriber_calls > 0 {
            notes.push(
                "the transcriber's tokens are not estimated (speech is billed by duration or \
                 audio tokens)"
                    .into(),
            );
        }
        roles.push(RolePlan {
            role: CostRole::Transcriber,
            model: spec.clone(),
            calls: transcriber_calls,
            input_tokens: None,
            output_tokens: None,
            source: TokenSource::None,
            tokenize_error: None,
            cost_usd: None,
        });
    }
    if matches!(target.model.modality(), Modality::Image | Modality::Video) {
        notes.push("images the judges see are not counted in their input tokens".into());
    }
    notes.push(
        "judge calls are an upper bound: every output is assumed judged once (blocked or \
         failed outputs are not judged; repair requests are not counted)"
            .into(),
    );
    let costs: Vec<f64> = roles.iter().filter_map(|r| r.cost_usd).collect();
    let total_cost_usd = (!costs.is_empty()).then(|| costs.iter().sum());
    Ok(DryRunPlan {
        model: target.name,
        instances,
        epochs: config.epochs.get(),
        left_out,
        present,
        retried_errors: retried,
        to_run,
        roles,
        total_cost_usd,
        notes,
    })
}

/// The model of a guard spec (`guard:FAMILY:MODEL@URL`) as an `openai:MODEL@URL` spec.
fn guard_model(spec: &ModelSpec) -> Option<ModelSpec> {
    let (_, rest) = spec.target().split_once(':')?;
    format!("openai:{rest}").parse().ok()
}

/// The target's calls for one key and their input tokens.
async fn target_input(
    counter: &mut Counter,
    messages: &[Message],
    turn_by_turn: bool,
    budget: u64,
) -> (u64, u64) {
    if !turn_by_turn {
        return (1, counter.count(messages).await);
    }
    // Call k sends the first k user turns and the k − 1 replies before them.
    let (mut calls, mut input, mut history) = (0u64, 0u64, 0u64);
    for m in messages {
        history += counter.count(std::slice::from_ref(m)).await;
        if m.role == Role::User {
            input += history + calls * budget;
            calls += 1;
        }
    }
    (calls, input)
}

/// The judge prompt for an instance (system and user message), with an empty output: the
/// output's tokens are added at the budget.
fn judge_prompt(
    prompts: &PromptBuilder,
    instance: &Instance,
    messages: &[Message],
) -> Result<Vec<Message>> {
    let input = convert::judge_input(instance, messages, JudgedOutput::text(String::new()));
    let p = prompts
        .render(&input)
        .map_err(|e| RunError::setup_from(format!("judge prompt for {}", instance.id), e))?;
    Ok(vec![
        Message::text(Role::System, p.system),
        Message::text(Role::User, p.user),
    ])
}

/// The resume state of the run directory, read only; refuses a directory holding another
/// configuration, as the run would.
fn read_resume(config: &EvalConfig, content_hash: &str) -> Result<ResumeState> {
    let dir = &config.out;
    let Some(existing) = Manifest::read(dir)? else {
        if dir.join(RESULTS_FILE).is_file() {
            return Err(RunError::setup(format!(
                "{} holds {RESULTS_FILE} without {MANIFEST_FILE}: the run would refuse it; use a \
                 new output directory",
                dir.display()
            )));
        }
        return Ok(ResumeState::default());
    };
    let manifest = Manifest::new(config.manifest_config()).with_dataset(
        config.dataset.display().to_string(),
        content_hash.to_owned(),
    );
    if existing.config_hash != manifest.config_hash {
        return Err(RunError::setup(format!(
            "{} holds a run of another configuration (differing: {}): the run would refuse it",
            dir.display(),
            existing.differing_keys(&manifest).join(", ")
        )));
    }
    Ok(ResumeState::read(&dir.join(RESULTS_FILE))?)
}
