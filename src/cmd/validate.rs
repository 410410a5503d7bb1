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

/// Exit 0 valid (warnings allowed), 1 invalid or unreadable, 2 usage error.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let ds = match args.source.open_or_exit() {
        Ok(d) => d,
        Err(code) => return Ok(code),
    };
    let report = ds.validate_with(Validator::new().max_problems(args.max_problems))?;
    let mut o = String::new();
    if args.json {
        o = serde_json::to_string_pretty(&report)?;
        o.push('\n');
    } else {
        let path = ds.path().display();
        for (kind, p) in report
            .errors
            .iter()
            .map(|p| ("error", p))
            .chain(report.warnings.iter().map(|p| ("warning", p)))
        {
            o.push_str(&problem_line(&path.to_string(), kind, p));
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
        o.push_str(&format!(
            "{path}: {} — {} instances, {} errors, {} warnings; covers {factors}/35 risk factors, {types}/8 prompt types, modalities: {}\n",
            if report.valid { "valid" } else { "INVALID" },
            report.instances,
            report.errors.len(),
            report.warnings.len(),
            if mods.is_empty() {
                "none".to_owned()
            } else {
                mods.join(", ")
            },
        ));
    }
    super::dataset::emit(&o)?;
    Ok(if report.valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `file:line:column: error: id `x`, field `f`: message` (compiler style).
fn problem_line(path: &str, kind: &str, p: &Problem) -> String {
    let mut s = path.to_owned();
    if let Some(l) = p.line {
        s.push_str(&format!(":{l}"));
        if let Some(c) = p.column {
            s.push_str(&format!(":{c}"));
        }
    }
    s.push_str(&format!(": {kind}: "));
    if let Some(id) = &p.id {
        s.push_str(&format!("id `{id}`, "));
    }
    if let Some(f) = &p.field {
        s.push_str(&format!("field `{f}`: "));
    }
    s.push_str(&p.message);
    s.push('\n');
    s
}
