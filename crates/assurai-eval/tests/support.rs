//! Helpers shared by the eval tests.

use assurai_eval::Record;
use assurai_taxonomy::{Modality, PromptType, RiskFactor};

/// A new record of a Q-Only text instance.
pub fn q_only_text(
    id: impl Into<String>,
    model: impl Into<String>,
    epoch: u32,
    factor: RiskFactor,
) -> Record {
    Record::new(id, model, epoch, factor, PromptType::QOnly, Modality::Text)
}
