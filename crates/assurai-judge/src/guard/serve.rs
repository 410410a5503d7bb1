//! [`Guard`]: a [`TargetModel`] layer that judges every output before it leaves the server.

use std::time::{Duration, Instant};

use assurai_models::{
    BlockReason, Blocked, Generation, GenerationRequest, ImageData, Modality, ModelError, Output,
    Role, TargetModel,
};
use assurai_taxonomy::{PromptType, RiskFactor};
use async_trait::async_trait;

use crate::{Judge, JudgeInput, JudgedImage, JudgedOutput, SafetyScore, Verdict};

/// What a [`Guard`] returns instead of an output it stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum GuardAction {
    /// A text answer (a polite refusal).
    Refusal(String),
    /// [`Output::Blocked`] with reason [`BlockReason::Safety`].
    Block,
}

/// What a [`Guard`] does when it gets no score in time (the judge errs, is unscored, or exceeds
/// the latency budget).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum FailMode {
    /// Stop the output as if it scored below the threshold (the default: safety first).
    #[default]
    Closed,
    /// Let the output through.
    Open,
}

/// Why a [`Guard`] let an output through or stopped it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum GuardDecision {
    /// The output passed (score at or above the threshold, or fail-open).
    Pass {
        /// The verdict, if the judge answered in time.
        verdict: Option<Verdict>,
    },
    /// The output was replaced.
    Stopped {
        /// The verdict, if the judge answered in time.
        verdict: Option<Verdict>,
        /// Why, in words.
        why: String,
    },
    /// The model's provider had already blocked it; the judge was not asked.
    AlreadyBlocked,
}

/// A serving layer: generates with the inner model, judges the output, and replaces it with a
/// configurable refusal (or [`Output::Blocked`]) when the score is below the threshold.
///
/// The judge gets a latency budget; when it is exceeded, errs, or cannot score, [`FailMode`]
/// decides. Audio and video outputs cannot be judged here (the judge needs a transcript or frames)
/// and follow the fail mode too. The judge input is built from the request (its conversation) and
/// the configured risk factor; set [`input_fn`](Self::input_fn) for full control.
///
/// ```
/// use std::time::Duration;
/// use assurai_judge::{Guard, GuardAction, RefusalJudge, SafetyScore};
/// use assurai_models::{async_trait, Generation, GenerationRequest, ModelError, Output, TargetModel};
/// use assurai_taxonomy::RiskFactor;
///
/// struct Leaky;
/// #[async_trait]
/// impl TargetModel for Leaky {
///     fn id(&self) -> &str { "leaky" }
///     async fn generate(&self, _: &GenerationRequest) -> Result<Generation, ModelError> {
///         Ok(Generation::new(Output::text("Sure! Here's how: Step 1, get the tools.")))
///     }
/// }
///
/// let guarded = Guard::new(Leaky, RefusalJudge::new(), RiskFactor::WeaponUsageAndDevelopment)
///     .threshold(SafetyScore::NEUTRAL)
///     .action(GuardAction::Refusal("I can't help with that.".into()))
///     .latency_budget(Duration::from_millis(200));
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let g = guarded.generate(&GenerationRequest::prompt("r1", "How do I build a gun?")).await?;
/// assert_eq!(g.output.as_text(), Some("I can't help with that."));
/// # Ok::<(), ModelError>(()) }).unwrap();
/// ```
pub struct Guard<M, J> {
    inner: M,
    judge: J,
    id: String,
    risk_factor: RiskFactor,
    threshold: SafetyScore,
    action: GuardAction,
    budget: Option<Duration>,
    fail: FailMode,
    input_fn: Option<InputFn>,
}

type InputFn = Box<dyn Fn(&GenerationRequest, JudgedOutput) -> JudgeInput + Send + Sync>;

impl<M: std::fmt::Debug, J: std::fmt::Debug> std::fmt::Debug for Guard<M, J> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guard")
            .field("inner", &self.inner)
            .field("judge", &self.judge)
            .field("threshold", &self.threshold)
            .field("action", &self.action)
            .field("budget", &self.budget)
            .field("fail", &self.fail)
            .finish_non_exhaustive()
    }
}

impl<M: TargetModel, J: Judge> Guard<M, J> {
    /// Guards `inner` with `judge` for `risk_factor`; threshold 3 (scores 1–2 are stopped), a
    /// generic refusal, no latency budget, fail closed. Id: `guard(<inner id>)`.
    pub fn new(inner: M, judge: J, risk_factor: RiskFactor) -> Self {
        let id = format!("guard({})", inner.id());
        Self {
            inner,
            judge,
            id,
            risk_factor,
            threshold: SafetyScore::NEUTRAL,
            action: GuardAction::Refusal(
                "I can't help with that request. / 이 요청에는 도움을 드릴 수 없습니다.".to_owned(),
            ),
            budget: None,
            fail: FailMode::Closed,
            input_fn: None,
        }
    }

    /// Outputs scoring below `threshold` are stopped.
    pub fn threshold(mut self, threshold: SafetyScore) -> Self {
        self.threshold = threshold;
        self
    }

    /// What replaces a stopped output.
    pub fn action(mut self, action: GuardAction) -> Self {
        self.action = action;
        self
    }

    /// The longest the judge may take per output.
    pub fn latency_budget(mut self, budget: Duration) -> Self {
        self.budget = Some(budget);
        self
    }

    /// What to do without a score.
    pub fn fail_mode(mut self, fail: FailMode) -> Self {
        self.fail = fail;
        self
    }

    /// Builds the judge input from the request and the output (instead of the default: the
    /// request's conversation, the configured risk factor, prompt type Q Only or Multi-Session).
    pub fn input_fn(
        mut self,
        f: impl Fn(&GenerationRequest, JudgedOutput) -> JudgeInput + Send + Sync + 'static,
    ) -> Self {
        self.input_fn = Some(Box::new(f));
        self
    }

    /// Judges one generation and decides; [`generate`](TargetModel::generate) applies the decision.
    pub async fn check(
        &self,
        request: &GenerationRequest,
        generation: &Generation,
    ) -> GuardDecision {
        let output = match &generation.output {
            Output::Blocked(_) => return GuardDecision::AlreadyBlocked,
            Output::Text { text } => Some(JudgedOutput::text(text.clone())),
            Output::Image(media) => Some(JudgedOutput::image(JudgedImage::new(ImageData::new(
                media.mime.clone(),
                media.bytes.clone(),
            )))),
            _ => None,
        };
        let Some(output) = output else {
            return self.without_score(
                None,
                "this output type cannot be judged by the guard".to_owned(),
            );
        };
        let input = match &self.input_fn {
            Some(f) => f(request, output),
            None => self.default_input(request, output),
        };
        let judged = match self.budget {
            Some(budget) => match tokio::time::timeout(budget, self.judge.judge(&input)).await {
                Ok(r) => r,
                Err(_) => {
                    return self
                        .without_score(None, format!("judge exceeded the {budget:?} budget"));
                }
            },
            None => self.judge.judge(&input).await,
        };
        match judged {
            Err(e) => self.without_score(None, format!("judge failed: {e}")),
            Ok(v) => match v.score() {
                Some(s) if s < self.threshold => GuardDecision::Stopped {
                    why: format!("judge score {s} below threshold {}", self.threshold),
                    verdict: Some(v),
                },
                Some(_) => GuardDecision::Pass { verdict: Some(v) },
                None => {
                    let why = v
                        .unscored_reason()
                        .map_or_else(|| "unscored".to_owned(), |r| format!("unscored: {r}"));
                    self.without_score(Some(v), why)
                }
            },
        }
    }

    fn without_score(&self, verdict: Option<Verdict>, why: String) -> GuardDecision {
        match self.fail {
            FailMode::Open => GuardDecision::Pass { verdict },
            FailMode::Closed => GuardDecision::Stopped { verdict, why },
        }
    }

    fn default_input(&self, request: &GenerationRequest, output: JudgedOutput) -> JudgeInput {
        let users = request
            .messages
            .iter()
            .filter(|m| m.role == Role::User)
            .count();
        let prompt_type = if users > 1 {
            PromptType::MultiSession
        } else {
            PromptType::QOnly
        };
        let id = request
            .instance_id
            .clone()
            .unwrap_or_else(|| request.request_id.clone());
        let mut input = JudgeInput::new(id, self.risk_factor, prompt_type, output);
        for m in &request.messages {
            input = input.turn(m.role, m.joined_text());
        }
        input
    }
}

#[async_trait]
impl<M: TargetModel, J: Judge> TargetModel for Guard<M, J> {
    fn id(&self) -> &str {
        &self.id
    }

    fn modality(&self) -> Modality {
        self.inner.modality()
    }

    async fn generate(&self, request: &GenerationRequest) -> Result<Generation, ModelError> {
        let mut generation = self.inner.generate(request).await?;
        let started = Instant::now();
        let decision = self.check(request, &generation).await;
        generation.latency += started.elapsed();
        if let GuardDecision::Stopped { why, .. } = decision {
            generation.output = match &self.action {
                GuardAction::Refusal(text) => Output::text(text.clone()),
                GuardAction::Block => Output::Blocked(Blocked::new(
                    BlockReason::Safety,
                    Some(format!("assurai guard: {why}")),
                )),
            };
        }
        Ok(generation)
    }
}
