//! `assurai validate`: check a dataset and report every problem.

use std::process::ExitCode;

use assurai_dataset::{Problem, Validator};
use assurai_taxonomy::{Modality, PromptType, RiskFactor};

use super::dataset::Source;

/// Arguments of `assurai validate`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    source: Source,
    /// Print the report as JSON: {"instances", "valid", "errors", "warnings", "distribution"}.
    #[arg(long)]
    json: bool,
    /// List at most this many errors and this many warnings.
    #[arg(long, default_value_t = 10_000)]
    max_problems: usize,
}

/// Exit 0 valid (warnings allowed), 1 invalid, 2 unreadable file or usage error.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let ds = match args.source.open() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let report = ds.validate_with(Validator::new().max_problems(args.max_problems))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        let show = |kind: &str, p: &Problem| match p.line {
            Some(_) => println!("{}:{p}: {kind}", ds.path().display()),
            None => println!("{}: {kind}: {}", ds.path().display(), p.message),
        };
        for p in &report.errors {
            show("error", p);
        }
        for p in &report.warnings {
            show("warning", p);
        }
        let d = &report.distribution;
        let factors = RiskFactor::ALL
            .iter()
            .filter(|f| d.factor_total(**f) > 0)
            .count();
        let types = PromptType::ALL
            .iter()
            .filter(|p| d.prompt_type(**p) > 0)
            .count();
        let mods: Vec<&str> = Modality::ALL
            .iter()
            .filter(|m| d.modality(**m) > 0)
            .map(|m| m.id())
            .collect();
        println!(
            "{}: {} — {} instances, {} errors, {} warnings; covers {factors}/35 risk factors, {types}/8 prompt types, modalities: {}",
            ds.path().display(),
            if report.valid { "valid" } else { "INVALID" },
            report.instances,
            report.errors.len(),
            report.warnings.len(),
            if mods.is_empty() {
                "none".to_owned()
            } else {
                mods.join(", ")
            },
        );
    }
    Ok(if report.valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
