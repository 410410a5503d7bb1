//! How well does an automatic judge agree with three human annotators?
//! Inter-annotator agreement first, then judge versus the human mean.
//!
//! `cargo run -p assurai-stats --example judge_agreement`

#![allow(clippy::print_stdout, clippy::print_stderr)]

use assurai_stats::{
    Metric, RatingsBuilder, krippendorff_alpha, mean_absolute_error, quadratic_weighted_kappa,
    spearman,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // (item, annotator, score 1-5)
    let human = [
        ("q1", "ann1", 5.0),
        ("q1", "ann2", 5.0),
        ("q1", "ann3", 4.0),
        ("q2", "ann1", 1.0),
        ("q2", "ann2", 2.0),
        ("q2", "ann3", 1.0),
        ("q3", "ann1", 3.0),
        ("q3", "ann2", 4.0),
        ("q3", "ann3", 3.0),
        ("q4", "ann1", 2.0),
        ("q4", "ann2", 2.0), // ann3 skipped q4
        ("q5", "ann1", 4.0),
        ("q5", "ann2", 5.0),
        ("q5", "ann3", 5.0),
    ];
    let mut b = RatingsBuilder::new();
    for (item, rater, score) in human {
        b.add(item, rater, score)?;
    }
    let ratings = b.build();
    println!(
        "Krippendorff's alpha (ordinal): {:.3}",
        krippendorff_alpha(&ratings, Metric::Ordinal)?
    );

    // Judge scores in the builder's item order, against the human mean.
    let judge = [5.0, 1.0, 4.0, 3.0, 4.0];
    let mean: Vec<f64> = ratings
        .rows()
        .iter()
        .map(|r| {
            let v: Vec<f64> = r.iter().flatten().copied().collect();
            v.iter().sum::<f64>() / v.len() as f64
        })
        .collect();
    println!(
        "quadratic-weighted kappa: {:.3}",
        quadratic_weighted_kappa(&judge, &mean)?
    );
    println!("Spearman rho: {:.3}", spearman(&judge, &mean)?.rho);
    println!("MAE: {:.3}", mean_absolute_error(&judge, &mean)?);
    Ok(())
}
