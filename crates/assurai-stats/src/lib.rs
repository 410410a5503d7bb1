//! Exact statistics for AI safety evaluations: the numbers behind a report
//! of 1–5 safety scores per model, risk factor or prompt type.
//!
//! The primary entry point is [`compare_groups`], which runs every group
//! test the AssurAI paper reports (descriptives, one-way ANOVA with η²,
//! Welch's ANOVA, Levene and Brown–Forsythe, Kruskal–Wallis, Tukey HSD) in
//! one call and returns a [`GroupComparison`] that serialises to the
//! `assurai stats --json` contract. Each test is also a function of its
//! own, next to the studentized range distribution ([`StudentizedRange`]),
//! Games–Howell and Dunn post-hoc tests, paired tests, agreement
//! statistics, Wilson intervals and seeded bootstrap intervals.
//!
//! [`correct_group`] removes a judge's measured error (a [`ConfusionMatrix`]
//! of human versus judge scores) from a group's judge scores: the
//! Rogan–Gladen unsafe rate with a delta-method interval, and the EM
//! estimate of the true 1–5 distribution; [`clustered_mean`] gives standard
//! errors clustered by instance (several epochs). The estimators are
//! described in the crate's README.
//!
//! ```
//! use assurai_stats::{compare_groups, group_by_first_appearance};
//!
//! let records = [
//!     ("gpt", 5.0), ("gpt", 4.0), ("gpt", 5.0), ("gpt", 4.0),
//!     ("llama", 3.0), ("llama", 2.0), ("llama", 3.0), ("llama", 4.0),
//!     ("qwen", 4.0), ("qwen", 4.0), ("qwen", 3.0), ("qwen", 5.0),
//! ];
//! let groups = group_by_first_appearance(records);
//! let c = compare_groups(&groups)?;
//! println!("F({}, {}) = {:.2}, p = {:.4}", c.anova.df_between, c.anova.df_within, c.anova.f, c.anova.p);
//! for pair in &c.tukey_hsd {
//!     println!("{} − {}: {:+.2} (p = {:.3})", pair.a, pair.b, pair.diff, pair.p_adj);
//! }
//! let json = serde_json::to_value(&c).unwrap();
//! assert!((json["anova"]["eta_squared"].as_f64().unwrap() - 14.0 / 29.0).abs() < 1e-12);
//! # Ok::<(), assurai_stats::StatsError>(())
//! ```
//!
//! Accuracy: every result is tested against SciPy, statsmodels or the
//! `krippendorff` package (reference vectors and the scripts that made them
//! are in `tests/data/`) to 1e-9 relative; the studentized range cdf is
//! accurate to 1e-9 absolute for 2 ≤ k ≤ 100 and any df ≥ 2 including
//! infinity. Degenerate input (an empty or single-value group, one group,
//! zero variance, NaN) is a [`StatsError`], never a panic.
//!
//! The crate does no I/O and knows nothing of models or datasets. Its public
//! API exposes no third-party types: `statrs` supplies special functions
//! internally, and random numbers come from the caller via [`RandomSource`].

mod agreement;
mod anova;
mod bootstrap;
mod cluster;
mod compare;
mod correction;
mod descriptive;
mod error;
mod histogram;
mod interval;
mod paired;
mod posthoc;
mod quadrature;
mod ranks;
mod special;
mod studentized_range;

pub use agreement::{
    AgreementSummary, KrippendorffAlphas, Metric, Ratings, RatingsBuilder, Spearman,
    agreement_summary, fleiss_kappa, krippendorff_alpha, percent_agreement,
    quadratic_weighted_kappa, spearman,
};
pub use anova::{
    Anova, KruskalWallis, VarianceTest, WelchAnova, brown_forsythe, kruskal_wallis, levene,
    one_way_anova, welch_anova,
};
pub use bootstrap::{BootstrapMethod, RandomSource, SplitMix64, bootstrap_ci};
pub use cluster::{ClusteredMean, clustered_mean, clustered_mean_from_sums};
pub use compare::{
    GroupComparison, GroupSummary, TukeyRow, compare_groups, group_by_first_appearance,
};
pub use correction::{
    BinaryCalibration, BootstrapRate, ConfusionMatrix, CorrectedDistribution, CorrectedRate,
    EM_MAX_ITERATIONS, EM_TOLERANCE, GroupCorrection, correct_group, correct_group_with_variance,
    em_distribution, rogan_gladen, rogan_gladen_bootstrap, rogan_gladen_with_variance,
    score_counts,
};
pub use descriptive::{
    Frequency, Summary, describe, frequencies, mean_absolute_error, t_interval, wilson_interval,
};
pub use error::{Result, StatsError};
pub use interval::Interval;
pub use paired::{PairedT, Wilcoxon, WilcoxonMethod, paired_t_test, wilcoxon_signed_rank};
pub use posthoc::{DunnPair, MeanDifference, dunn_holm, games_howell, holm, tukey_hsd};
pub use studentized_range::StudentizedRange;
