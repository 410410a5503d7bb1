//! [`GuardFamily`]: which guard model, and what it can judge.

use std::fmt;
use std::str::FromStr;

use crate::JudgeError;

/// A guard-model family: its prompt convention, request details and output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum GuardFamily {
    /// Kakao Kanana Safeguard 8B: harmful content (`<SAFE>` / `<UNSAFE-S1>`…`S7`).
    Kanana,
    /// Kakao Kanana Safeguard-Siren 8B: legal and policy risks of a user prompt (`I1`…`I4`).
    KananaSiren,
    /// Kakao Kanana Safeguard-Prompt 2.1B: prompt attacks (`A1` injection, `A2` leaking).
    KananaPrompt,
    /// Qwen3Guard-Gen: `Safety: Safe|Unsafe|Controversial`, `Categories: …`, `Refusal: Yes|No`.
    Qwen3Guard,
    /// Meta Llama Guard 3 and 4: `safe` or `unsafe` + `S1,S10`; Llama Guard 4 sees images.
    LlamaGuard,
    /// AllenAI WildGuard: harmful request / response refusal / harmful response, yes or no.
    WildGuard,
    /// Google ShieldGemma (text): P("Yes") for one policy per call.
    ShieldGemma,
    /// Google ShieldGemma 2 (images): P("Yes") for one image policy per call.
    ShieldGemma2,
    /// IBM Granite Guardian 3.x: `Yes`/`No` or `<score> yes </score>` for one risk per call.
    GraniteGuardian,
    /// KT SafetyGuard (Content Binary Guard): P(`<UNSAFE>`) from the first token's logprobs.
    KtSafetyGuard,
}

/// What a family classifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum GuardScope {
    /// The model's answer in the context of the conversation.
    ResponseInContext,
    /// The model's answer alone (the prompt is not sent).
    ResponseOnly,
    /// The user prompt only (the answer is not sent): the verdict is about the prompt.
    PromptOnly,
}

impl GuardFamily {
    /// Every family, in spec-name order.
    pub const ALL: [GuardFamily; 10] = [
        Self::Kanana,
        Self::KananaSiren,
        Self::KananaPrompt,
        Self::Qwen3Guard,
        Self::LlamaGuard,
        Self::WildGuard,
        Self::ShieldGemma,
        Self::ShieldGemma2,
        Self::GraniteGuardian,
        Self::KtSafetyGuard,
    ];

    /// The name in `guard:FAMILY:MODEL@URL` specs and in records (`kanana`, `llama-guard`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Kanana => "kanana",
            Self::KananaSiren => "kanana-siren",
            Self::KananaPrompt => "kanana-prompt",
            Self::Qwen3Guard => "qwen3guard",
            Self::LlamaGuard => "llama-guard",
            Self::WildGuard => "wildguard",
            Self::ShieldGemma => "shieldgemma",
            Self::ShieldGemma2 => "shieldgemma2",
            Self::GraniteGuardian => "granite-guardian",
            Self::KtSafetyGuard => "kt-safetyguard",
        }
    }

    /// What the family classifies.
    pub fn scope(self) -> GuardScope {
        match self {
            Self::KananaSiren | Self::KananaPrompt => GuardScope::PromptOnly,
            Self::KtSafetyGuard | Self::ShieldGemma2 => GuardScope::ResponseOnly,
            _ => GuardScope::ResponseInContext,
        }
    }

    /// Whether the whole conversation is sent (`true`) or only the last exchange.
    pub fn multi_turn(self) -> bool {
        matches!(
            self,
            Self::Qwen3Guard | Self::LlamaGuard | Self::GraniteGuardian
        )
    }

    /// Whether the family judges image outputs (the prepared image itself is sent).
    pub fn sees_images(self, model: &str) -> bool {
        match self {
            Self::ShieldGemma2 => true,
            Self::LlamaGuard => is_llama_guard_4(model),
            _ => false,
        }
    }

    /// Whether the family judges text outputs.
    pub fn sees_text(self) -> bool {
        self != Self::ShieldGemma2
    }
}

/// Whether a Llama Guard model name is version 4 (multimodal): `Llama-Guard-4-12B`,
/// `llama-guard4`, …
pub(crate) fn is_llama_guard_4(model: &str) -> bool {
    let m: String = model
        .to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    m.contains("llamaguard4")
}

impl fmt::Display for GuardFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for GuardFamily {
    type Err = JudgeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|f| f.as_str()).collect();
                JudgeError::template(format!(
                    "unknown guard family {s:?}: expected one of {}",
                    names.join(", ")
                ))
            })
    }
}
