//! Guard models as judges ([`GuardJudge`]) and the serving layer ([`Guard`]).
//!
//! A guard model is a safety classifier served behind an OpenAI-compatible server (vLLM, Ollama,
//! SGLang): Kanana Safeguard, Qwen3Guard, Llama Guard 3/4, WildGuard, ShieldGemma (1 and 2),
//! Granite Guardian and KT's SafetyGuard. Each family has its own prompt convention, request
//! details and output format; one file per family in this module holds them, with a strict
//! parser of exactly that output. Anything else is an unscored verdict (reason
//! `unparseable_guard_reply`) with the raw reply kept.
//!
//! The guard's own categories are mapped to the 35 AssurAI risk factors by a [`CategoryTable`]
//! (a documented data file, `data/guard_categories.tsv`, that a user can replace), and the guard's
//! label becomes a 1–5 score by a [`ScoreRule`].

mod backend;
mod family;
mod granite;
mod judge;
mod kanana;
mod kt;
mod llama_guard;
mod qwen3guard;
mod reading;
mod reply;
mod serve;
mod shieldgemma;
mod spec;
mod table;
mod wildguard;

pub use backend::GuardBackend;
pub use family::{GuardFamily, GuardScope};
pub use judge::{GuardJudge, GuardOutcome};
pub use reading::{GuardLabel, GuardReading, ScoreRule};
pub use serve::{FailMode, Guard, GuardAction, GuardDecision};
pub use table::{CategoryRow, CategoryTable};
