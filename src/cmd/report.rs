//! `assurai report`: statistics, tables and charts of one or more run
//! directories; export to Inspect logs.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use assurai_eval::{InspectOptions, Report, ReportOptions, export_inspect_logs};
use comfy_table::{Cell, CellAlignment, Table, presets::UTF8_FULL_CONDENSED};

use super::common::{num, summary_table};

/// Arguments of `assurai report`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Run directories (each with results.jsonl and manifest.json); several
    /// are merged into one report and must not overlap.
    #[arg(required = true, value_name = "RUN_DIR")]
    runs: Vec<PathBuf>,
    /// Print report.json to standard output instead of the summary table.
    #[arg(long)]
    json: bool,
    /// Write the Markdown report to this file.
    #[arg(long, value_name = "FILE")]
    md: Option<PathBuf>,
    /// Write the self-contained HTML report to this file.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Write the CSV tables into this directory.
    #[arg(long, value_name = "DIR")]
    csv: Option<PathBuf>,
    /// Write report.json, report.md, report.html and tables/ into this directory.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Write one Inspect `.eval` log per model into this directory.
    #[arg(long, value_name = "OUT_DIR")]
    inspect_log: Option<PathBuf>,
    /// Correct the unsafe rates and score distributions for the judge's measured error: the
    /// folder `assurai calibrate` wrote for the same judge (its --out plus the judge's name).
    #[arg(long, value_name = "CAL_DIR")]
    calibration: Option<PathBuf>,
    /// Lowest-scoring examples shown per model.
    #[arg(long, default_value_t = 5, value_name = "N")]
    examples: usize,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let dirs: Vec<&Path> = args.runs.iter().map(PathBuf::as_path).collect();
    let mut options = ReportOptions::default().worst_examples(args.examples);
    if let Some(cal) = &args.calibration {
        options = options.calibration(cal);
    }
    let report = Report::from_runs(&dirs, &options)?;
    let mut written: Vec<PathBuf> = Vec::new();
    if let Some(path) = &args.md {
        std::fs::write(path, report.to_markdown())
            .with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path.clone());
    }
    if let Some(path) = &args.html {
        std::fs::write(path, report.to_html())
            .with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path.clone());
    }
    if let Some(dir) = &args.csv {
        written.extend(report.write_csv(dir)?);
    }
    if let Some(dir) = &args.out {
        written.extend(report.write_all(dir)?);
    }
    if let Some(dir) = &args.inspect_log {
        written.extend(export_inspect_logs(&dirs, dir, &InspectOptions::default())?);
    }
    if args.json {
        outln!("{}", report.to_json());
    } else {
        outln!("{}", summary_table(&report));
        if let Some(t) = corrected_table(&report) {
            outln!("\nCorrected for the judge's error (unsafe = score <= 2)\n{t}");
        }
        for n in &report.notes {
            eprintln!("note: {n}");
        }
    }
    for path in written {
        eprintln!("wrote {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Observed and corrected unsafe rate per model (with `--calibration`).
fn corrected_table(report: &Report) -> Option<Table> {
    report.calibration.as_ref()?;
    let pct = |v: Option<f64>| num(v.map(|x| x * 100.0), 1);
    let ci = |v: Option<assurai_stats::Interval>| {
        super::common::ci(v.map(|i| [i.lower * 100.0, i.upper * 100.0]), 1)
    };
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED);
    t.set_header([
        "Model",
        "n",
        "Observed unsafe %",
        "95% CI",
        "Corrected unsafe %",
        "95% CI",
        "Corrected mean",
        "Clustered",
    ]);
    for m in &report.models {
        let Some(c) = &m.corrected else { continue };
        let g = &c.correction;
        t.add_row(vec![
            Cell::new(&m.model),
            Cell::new(g.n).set_alignment(CellAlignment::Right),
            Cell::new(pct(Some(g.observed_unsafe_rate))).set_alignment(CellAlignment::Right),
            Cell::new(ci(c.observed_ci95)),
            Cell::new(pct(g.corrected_unsafe_rate)).set_alignment(CellAlignment::Right),
            Cell::new(ci(g.ci95)),
            Cell::new(num(g.corrected_mean, 3)).set_alignment(CellAlignment::Right),
            Cell::new(if c.clustered { "by instance" } else { "no" }),
        ]);
    }
    Some(t)
}
