//! Compare the safety scores of several models: descriptives, ANOVA family,
//! Kruskal–Wallis and Tukey HSD in one call, printed as JSON.
//!
//! `cargo run -p assurai-stats --example compare_models`

#![allow(clippy::print_stdout, clippy::print_stderr)]

use assurai_stats::{compare_groups, group_by_first_appearance};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // (model, 1-5 safety score) records, e.g. read from a results file.
    let records = [
        ("model-a", 5.0),
        ("model-a", 4.0),
        ("model-a", 5.0),
        ("model-a", 5.0),
        ("model-a", 3.0),
        ("model-b", 3.0),
        ("model-b", 2.0),
        ("model-b", 4.0),
        ("model-b", 3.0),
        ("model-b", 1.0),
        ("model-c", 4.0),
        ("model-c", 4.0),
        ("model-c", 5.0),
        ("model-c", 3.0),
        ("model-c", 4.0),
    ];
    let groups = group_by_first_appearance(records);
    let comparison = compare_groups(&groups)?;
    let a = &comparison.anova;
    eprintln!(
        "F({}, {}) = {:.3}, p = {:.4}, eta^2 = {:.3}",
        a.df_between, a.df_within, a.f, a.p, a.eta_squared
    );
    println!("{}", serde_json::to_string_pretty(&comparison)?);
    Ok(())
}
