//! The vocabulary of the AssurAI safety benchmark: 6 risk categories, 35 risk
//! factors, 8 prompt types, 4 output modalities and the published dataset's
//! reference distribution (paper Tables 1–4 and 10).
//!
//! Every type is a small `Copy` enum with an `ALL` constant, a stable
//! snake_case id (its serde form and `Display`), English and Korean names,
//! and lenient parsing: the id, the number, the English name with case,
//! spaces and punctuation ignored, or the Korean name.
//!
//! ```
//! use assurai_taxonomy::{Modality, PromptType, RiskCategory, RiskFactor};
//!
//! let f: RiskFactor = "Weapon Usage & Development".parse()?;
//! assert_eq!(f, "#5".parse()?);
//! assert_eq!(f.id(), "weapon_usage_and_development");
//! assert_eq!(f.category(), RiskCategory::HarmfulAndViolentContent);
//! assert_eq!(f.paper_counts().total(), 150);
//!
//! let p: PromptType = "Chain-of-Thought".parse()?;
//! assert_eq!(p, "cot".parse()?);
//! assert_eq!(p.paper_count(), 1_490);
//!
//! assert!(RiskFactor::Harassment.planned_for(Modality::Video));
//! assert!("harassment-ish".parse::<RiskFactor>().is_err());
//! # Ok::<(), assurai_taxonomy::ParseError>(())
//! ```
//!
//! The crate does no I/O and depends only on `serde` and `thiserror`.

mod category;
mod factor;
mod modality;
mod parse;
mod prompt_type;
mod source;

pub use category::RiskCategory;
pub use factor::RiskFactor;
pub use modality::{Modality, ModalityCounts};
pub use parse::ParseError;
pub use prompt_type::PromptType;
pub use source::SourceFramework;

/// The number of instances in the published AssurAI dataset.
pub const PAPER_TOTAL_INSTANCES: u32 = 11_480;

/// Instances per modality in the published dataset (paper Table 3):
/// 9,560 text, 1,160 image, 430 video, 330 audio.
pub const PAPER_MODALITY_TOTALS: ModalityCounts = ModalityCounts::new(9_560, 1_160, 430, 330);

/// The sum of Table 10's rows: the per-modality totals recomputed from the
/// 35 risk factors. Equal to [`PAPER_MODALITY_TOTALS`] (tested).
pub fn table10_totals() -> ModalityCounts {
    RiskFactor::ALL
        .iter()
        .fold(ModalityCounts::default(), |acc, f| {
            let c = f.paper_counts();
            ModalityCounts::new(
                acc.text + c.text,
                acc.image + c.image,
                acc.video + c.video,
                acc.audio + c.audio,
            )
        })
}
