//! [`Verdict`]: a judge's decision about one output — a [`SafetyScore`] or a typed reason why not.

use std::fmt;
use std::time::Duration;

use assurai_models::Usage;
use assurai_taxonomy::Modality;
use serde::{Deserialize, Serialize};

use crate::SafetyScore;

/// Why a verdict carries no score. A parse failure is never turned into a score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
#[non_exhaustive]
pub enum UnscoredReason {
    /// The judge's reply held no score in a form the parser accepts.
    ParseFailure {
        /// What the parser looked for and did not find.
        detail: String,
    },
    /// A guard model's reply is not in its family's output format (the raw reply is kept in
    /// [`Verdict::raw_reply`]).
    UnparseableGuardReply {
        /// What the guard's parser expected and got.
        detail: String,
    },
    /// The reply held several different scores (e.g. `score: 2` and later `score: 4`).
    Ambiguous {
        /// The conflicting values, as written.
        detail: String,
    },
    /// The reply's score is not an integer from 1 to 5 (`0`, `7`, `4.5` unless configured).
    OutOfRange {
        /// The value as written.
        value: String,
    },
    /// The judge model declined to evaluate.
    JudgeRefused {
        /// The judge's words, shortened.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
    },
    /// The target model's provider blocked the output: the paper's "safely blocked", kept apart
    /// from scored outputs.
    OutputBlocked {
        /// The provider's own words or code.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
    },
    /// This judge cannot evaluate this kind of output (e.g. images given to a text-only judge).
    ModalityUnsupported {
        /// The output's modality.
        modality: Modality,
    },
    /// No human score is recorded for the output (the human judge of a replayed dataset).
    NoHumanScores,
    /// Judging failed with an error (recorded, e.g. for one member of an ensemble).
    Error {
        /// The error's message.
        message: String,
    },
}

impl UnscoredReason {
    /// The snake_case name of the reason (`parse_failure`, `output_blocked`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::ParseFailure { .. } => "parse_failure",
            Self::UnparseableGuardReply { .. } => "unparseable_guard_reply",
            Self::Ambiguous { .. } => "ambiguous",
            Self::OutOfRange { .. } => "out_of_range",
            Self::JudgeRefused { .. } => "judge_refused",
            Self::OutputBlocked { .. } => "output_blocked",
            Self::ModalityUnsupported { .. } => "modality_unsupported",
            Self::NoHumanScores => "no_human_scores",
            Self::Error { .. } => "error",
        }
    }

    /// Whether the reason is a malformed judge reply (parse failure, ambiguous, out of range):
    /// the cases an [`LlmJudge`](crate) repair retry can fix.
    pub fn is_parse_problem(&self) -> bool {
        matches!(
            self,
            Self::ParseFailure { .. } | Self::Ambiguous { .. } | Self::OutOfRange { .. }
        )
    }
}

impl fmt::Display for UnscoredReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ParseFailure { detail } => write!(f, "parse failure: {detail}"),
            Self::UnparseableGuardReply { detail } => {
                write!(f, "unparseable guard reply: {detail}")
            }
            Self::Ambiguous { detail } => write!(f, "ambiguous: {detail}"),
            Self::OutOfRange { value } => write!(f, "score out of range: {value}"),
            Self::JudgeRefused { detail } => {
                f.write_str("judge refused")?;
                detail.iter().try_for_each(|d| write!(f, ": {d}"))
            }
            Self::OutputBlocked { detail } => {
                f.write_str("output blocked by the provider")?;
                detail.iter().try_for_each(|d| write!(f, ": {d}"))
            }
            Self::ModalityUnsupported { modality } => {
                write!(f, "modality `{modality}` not supported by this judge")
            }
            Self::NoHumanScores => f.write_str("no human scores are recorded for this output"),
            Self::Error { message } => write!(f, "error: {message}"),
        }
    }
}

/// The core of a verdict: a score or the reason there is none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The output was scored.
    Scored(SafetyScore),
    /// The output could not be scored.
    Unscored(UnscoredReason),
}

impl Outcome {
    /// The score, if any.
    pub fn score(&self) -> Option<SafetyScore> {
        match self {
            Self::Scored(s) => Some(*s),
            Self::Unscored(_) => None,
        }
    }

    /// The reason, if unscored.
    pub fn unscored_reason(&self) -> Option<&UnscoredReason> {
        match self {
            Self::Scored(_) => None,
            Self::Unscored(r) => Some(r),
        }
    }
}

/// Serialised form of [`Outcome`]: `{"score": 4}` or `{"unscored": {"reason": ...}}`.
#[derive(Serialize, Deserialize)]
struct OutcomeWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    score: Option<SafetyScore>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    unscored: Option<UnscoredReason>,
}

impl Serialize for Outcome {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let wire = match self {
            Self::Scored(score) => OutcomeWire {
                score: Some(*score),
                unscored: None,
            },
            Self::Unscored(r) => OutcomeWire {
                score: None,
                unscored: Some(r.clone()),
            },
        };
        wire.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Outcome {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let wire = OutcomeWire::deserialize(d)?;
        match (wire.score, wire.unscored) {
            (Some(s), None) => Ok(Self::Scored(s)),
            (None, Some(r)) => Ok(Self::Unscored(r)),
            (Some(_), Some(_)) => Err(serde::de::Error::custom(
                "a verdict has either `score` or `unscored`, not both",
            )),
            (None, None) => Err(serde::de::Error::custom(
                "a verdict needs `score` (1-5) or `unscored` (with a reason)",
            )),
        }
    }
}

/// One call to a judge model, kept in the verdict whatever its result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JudgeAttempt {
    /// What this attempt's reply parsed to.
    #[serde(flatten)]
    pub outcome: Outcome,
    /// The judge model's raw reply.
    pub raw_reply: String,
    /// Tokens used by this call.
    #[serde(default)]
    pub usage: Usage,
    /// Wall time of this call.
    #[serde(rename = "latency_ms", default, with = "duration_ms")]
    pub latency: Duration,
}

impl JudgeAttempt {
    /// The attempt's score, if it parsed to one.
    pub fn score(&self) -> Option<SafetyScore> {
        self.outcome.score()
    }

    /// The kind of the attempt's unscored reason (`parse_failure`, …), if it had none.
    pub fn unscored_reason_kind(&self) -> Option<&'static str> {
        self.outcome.unscored_reason().map(UnscoredReason::kind)
    }
}

/// A judge's decision about one output.
///
/// ```
/// use assurai_judge::{SafetyScore, UnscoredReason, Verdict};
/// let v = Verdict::scored("my-judge", SafetyScore::SAFE).with_rationale("refuses and redirects");
/// assert_eq!(v.score(), Some(SafetyScore::SAFE));
/// let json = serde_json::to_string(&v).unwrap();
/// assert!(json.contains(r#""score":5"#));
///
/// let u = Verdict::unscored("my-judge", UnscoredReason::ParseFailure { detail: "no score".into() });
/// assert_eq!(u.score(), None);
/// assert_eq!(u.unscored_reason().map(|r| r.kind()), Some("parse_failure"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Verdict {
    /// The score, or why there is none.
    #[serde(flatten)]
    pub outcome: Outcome,
    /// The judge's explanation, if it gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rationale: Option<String>,
    /// The reply that produced the outcome (the last attempt's), for LLM judges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_reply: Option<String>,
    /// Tokens used over all attempts.
    #[serde(default)]
    pub usage: Usage,
    /// The id of the judge that decided ([`Judge::id`](crate::Judge::id)).
    pub judge_id: String,
    /// The version of the prompt template that produced it (e.g. `assurai-judge/1/en`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_version: Option<String>,
    /// Every call to a judge model, oldest first (two when a repair retry happened; failed
    /// transport tries as `error` entries).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attempts: Vec<JudgeAttempt>,
    /// Whether the judge says the answer is a refusal (an LLM judge's structured `refused`, a
    /// guard's refusal label); `None` when it did not say. Never turns an output into a block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<bool>,
    /// The risk factors the judge sees in the answer (an LLM judge's structured `risk_factors`,
    /// a guard's categories mapped by its table).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub risk_factors: Vec<assurai_taxonomy::RiskFactor>,
    /// What a guard-model judge said ([`GuardJudge`](crate::GuardJudge) only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guard: Option<crate::GuardReading>,
}

impl Verdict {
    /// A verdict with the given outcome and nothing else.
    pub fn new(judge_id: impl Into<String>, outcome: Outcome) -> Self {
        Self {
            outcome,
            rationale: None,
            raw_reply: None,
            usage: Usage::default(),
            judge_id: judge_id.into(),
            template_version: None,
            attempts: Vec::new(),
            refused: None,
            risk_factors: Vec::new(),
            guard: None,
        }
    }

    /// How many calls to the judge's server failed in transport (retried or not): the
    /// attempts that ended in an `error`.
    pub fn transport_failures(&self) -> usize {
        self.attempts
            .iter()
            .filter(|a| matches!(a.outcome, Outcome::Unscored(UnscoredReason::Error { .. })))
            .count()
    }

    /// A scored verdict.
    pub fn scored(judge_id: impl Into<String>, score: SafetyScore) -> Self {
        Self::new(judge_id, Outcome::Scored(score))
    }

    /// An unscored verdict.
    pub fn unscored(judge_id: impl Into<String>, reason: UnscoredReason) -> Self {
        Self::new(judge_id, Outcome::Unscored(reason))
    }

    /// Sets the rationale.
    pub fn with_rationale(mut self, rationale: impl Into<String>) -> Self {
        self.rationale = Some(rationale.into());
        self
    }

    /// Sets the template version.
    pub fn with_template_version(mut self, version: impl Into<String>) -> Self {
        self.template_version = Some(version.into());
        self
    }

    /// The score, if the output was scored.
    pub fn score(&self) -> Option<SafetyScore> {
        self.outcome.score()
    }

    /// Whether the output was scored.
    pub fn is_scored(&self) -> bool {
        matches!(self.outcome, Outcome::Scored(_))
    }

    /// Why the output was not scored, if it was not.
    pub fn unscored_reason(&self) -> Option<&UnscoredReason> {
        self.outcome.unscored_reason()
    }
}

mod duration_ms {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_millis(u64::deserialize(d)?))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn round_trips() {
        let mut v = Verdict::scored("j", SafetyScore::MOSTLY_SAFE).with_template_version("t/1");
        v.attempts.push(JudgeAttempt {
            outcome: Outcome::Unscored(UnscoredReason::ParseFailure {
                detail: "no score".into(),
            }),
            raw_reply: "hmm".into(),
            usage: Usage::new(10, 2),
            latency: Duration::from_millis(12),
        });
        v.usage = Usage::new(20, 4);
        let json = serde_json::to_value(&v).unwrap();
        assert_eq!(json["score"], 4);
        assert_eq!(json["attempts"][0]["unscored"]["reason"], "parse_failure");
        assert_eq!(json["attempts"][0]["latency_ms"], 12);
        let back: Verdict = serde_json::from_value(json).unwrap();
        assert_eq!(back, v);

        let u = Verdict::unscored(
            "j",
            UnscoredReason::ModalityUnsupported {
                modality: Modality::Video,
            },
        );
        let json = serde_json::to_string(&u).unwrap();
        assert!(
            json.contains(r#""unscored":{"reason":"modality_unsupported","modality":"video"}"#)
        );
        assert_eq!(serde_json::from_str::<Verdict>(&json).unwrap(), u);
    }

    #[test]
    fn rejects_bad_wire() {
        for bad in [
            r#"{"judge_id":"j"}"#,
            r#"{"judge_id":"j","score":9}"#,
            r#"{"judge_id":"j","score":4,"unscored":{"reason":"ambiguous","detail":"x"}}"#,
        ] {
            assert!(serde_json::from_str::<Verdict>(bad).is_err(), "{bad}");
        }
    }
}
