//! `assurai correct`: a judge's unsafe rates and score distributions
//! corrected for the judge's measured error against human scores
//! (Rogan–Gladen and EM; all numbers come from `assurai-stats`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use assurai_stats::{
    ConfusionMatrix, GroupCorrection, Interval, SplitMix64, correct_group, rogan_gladen_bootstrap,
};
use comfy_table::{Cell, CellAlignment, Table, presets::UTF8_FULL_CONDENSED};
use serde::Serialize;

use super::common::{num, pct};
use super::stats::{CsvRow, CsvTable};

/// Arguments of `assurai correct`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// CSV of calibration pairs: one output per line with its human score and the judge's score (integers 1–5).
    #[arg(long, value_name = "CAL.csv")]
    calibration: PathBuf,
    /// Column of CAL.csv holding the human score.
    #[arg(long, value_name = "H")]
    human_col: String,
    /// Column of CAL.csv holding the judge's score.
    #[arg(long, value_name = "J")]
    judge_col: String,
    /// CSV of the judge's scores to correct (integers 1–5).
    #[arg(long, value_name = "EVAL.csv")]
    eval: PathBuf,
    /// Column of EVAL.csv holding the judge's score.
    #[arg(long, value_name = "S")]
    score_col: String,
    /// Column of EVAL.csv naming the group (model, risk factor, …); default: one group, "all".
    #[arg(long, value_name = "G")]
    group_col: Option<String>,
    /// Unsafe means score <= T.
    #[arg(long, value_name = "T", default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=4))]
    threshold: u8,
    /// Also a percentile bootstrap interval of the corrected unsafe rate from this many resamples
    /// (calibration pairs and each group resampled independently).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(2..=1_000_000))]
    bootstrap: Option<u64>,
    /// Seed of the bootstrap.
    #[arg(long, value_name = "SEED", default_value_t = 0, requires = "bootstrap")]
    seed: u64,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Output {
    threshold: u8,
    calibration: CalibrationOut,
    groups: Vec<GroupOut>,
}

#[derive(Serialize)]
struct CalibrationOut {
    n: u64,
    sensitivity: Option<f64>,
    specificity: Option<f64>,
    n_unsafe: u64,
    n_safe: u64,
    /// 5×5 counts, `[judge − 1][human − 1]`.
    confusion: ConfusionMatrix,
}

#[derive(Serialize)]
struct GroupOut {
    group: String,
    #[serde(flatten)]
    correction: GroupCorrection,
    #[serde(skip_serializing_if = "Option::is_none")]
    bootstrap_ci95: Option<Option<Interval>>,
}

/// An integer score 1–5 from column `i`; the error names file, line and column.
fn score(row: &CsvRow<'_>, i: usize, name: &str, path: &Path) -> anyhow::Result<u8> {
    let text = row.get(i);
    match text.parse::<u8>() {
        Ok(s @ 1..=5) => Ok(s),
        _ => bail!(
            "{}:{}: column {name:?}: expected an integer score from 1 to 5, got {text:?}",
            path.display(),
            row.line
        ),
    }
}

fn read_calibration(args: &Args) -> anyhow::Result<ConfusionMatrix> {
    let path = &args.calibration;
    let mut table = CsvTable::open(path, &[&args.human_col, &args.judge_col])?;
    let (hi, ji) = (table.columns[0], table.columns[1]);
    let mut cal = ConfusionMatrix::new();
    for row in table.rows()? {
        let row = row?;
        let h = score(&row, hi, &args.human_col, path)?;
        let j = score(&row, ji, &args.judge_col, path)?;
        cal.add(h, j)
            .with_context(|| format!("{}:{}", path.display(), row.line))?;
    }
    if cal.n() == 0 {
        bail!("{}: no calibration pairs after the header", path.display());
    }
    Ok(cal)
}

/// Judge scores counted per group, in order of first appearance.
fn read_groups(args: &Args) -> anyhow::Result<Vec<(String, [u64; 5])>> {
    let path = &args.eval;
    let mut names: Vec<&str> = vec![&args.score_col];
    if let Some(g) = &args.group_col {
        names.push(g);
    }
    let mut table = CsvTable::open(path, &names)?;
    let si = table.columns[0];
    let gi = table.columns.get(1).copied();
    let mut groups: Vec<(String, [u64; 5])> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for row in table.rows()? {
        let row = row?;
        let s = score(&row, si, &args.score_col, path)?;
        let group = match (gi, &args.group_col) {
            (Some(gi), Some(col)) => {
                let g = row.get(gi);
                if g.is_empty() {
                    bail!(
                        "{}:{}: column {col:?}: empty group name",
                        path.display(),
                        row.line
                    );
                }
                g.to_owned()
            }
            _ => "all".to_owned(),
        };
        let i = *index.entry(group.clone()).or_insert_with(|| {
            groups.push((group, [0; 5]));
            groups.len() - 1
        });
        groups[i].1[usize::from(s - 1)] += 1;
    }
    if groups.is_empty() {
        bail!("{}: no scores after the header", path.display());
    }
    Ok(groups)
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let cal = read_calibration(&args)?;
    let groups = read_groups(&args)?;
    let bin = cal.binary(args.threshold)?;
    let mut out = Output {
        threshold: args.threshold,
        calibration: CalibrationOut {
            n: cal.n(),
            sensitivity: bin.sensitivity,
            specificity: bin.specificity,
            n_unsafe: bin.n_unsafe,
            n_safe: bin.n_safe,
            confusion: cal,
        },
        groups: Vec::with_capacity(groups.len()),
    };
    let mut rng = SplitMix64::new(args.seed);
    for (name, counts) in groups {
        let mut correction = correct_group(&cal, args.threshold, &counts)
            .with_context(|| format!("group {name:?}"))?;
        let bootstrap_ci95 = match args.bootstrap {
            None => None,
            Some(b) => {
                let unsafe_count = counts[..usize::from(args.threshold)].iter().sum();
                let r = rogan_gladen_bootstrap(
                    &cal,
                    args.threshold,
                    unsafe_count,
                    correction.n,
                    usize::try_from(b).unwrap_or(usize::MAX),
                    0.95,
                    &mut rng,
                )
                .with_context(|| format!("group {name:?}"))?;
                correction.notes.push(format!(
                    "bootstrap_ci95: percentile interval of {} resamples (seed {}), {} undefined and left out",
                    r.resamples, args.seed, r.undefined
                ));
                Some(r.ci)
            }
        };
        out.groups.push(GroupOut {
            group: name,
            correction,
            bootstrap_ci95,
        });
    }
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        outln!("{}", human(&out));
    }
    Ok(ExitCode::SUCCESS)
}

fn ci(v: Option<Interval>) -> String {
    v.map_or_else(
        || "–".to_owned(),
        |i| format!("[{:.1}%, {:.1}%]", 100.0 * i.lower, 100.0 * i.upper),
    )
}

fn human(o: &Output) -> String {
    let c = &o.calibration;
    let mut s = format!(
        "Calibration: {} pairs ({} human-unsafe, {} human-safe at score <= {}), sensitivity {}, specificity {}\n",
        c.n,
        c.n_unsafe,
        c.n_safe,
        o.threshold,
        pct(c.sensitivity),
        pct(c.specificity)
    );
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED);
    let boot = o.groups.iter().any(|g| g.bootstrap_ci95.is_some());
    let mut header = vec![
        "Group",
        "n",
        "Observed unsafe",
        "Corrected unsafe",
        "95% CI (delta)",
    ];
    if boot {
        header.push("95% CI (bootstrap)");
    }
    header.extend(["Observed mean", "Corrected mean", "Corrected 1–5"]);
    t.set_header(header);
    let right = |s: String| Cell::new(s).set_alignment(CellAlignment::Right);
    for g in &o.groups {
        let r = &g.correction;
        let observed_mean: f64 = r
            .observed_distribution
            .iter()
            .enumerate()
            .map(|(h, p)| (h + 1) as f64 * p)
            .sum();
        let mut row = vec![
            Cell::new(&g.group),
            right(r.n.to_string()),
            right(pct(Some(r.observed_unsafe_rate))),
            right(pct(r.corrected_unsafe_rate)),
            right(ci(r.ci95)),
        ];
        if boot {
            row.push(right(ci(g.bootstrap_ci95.flatten())));
        }
        row.extend([
            right(format!("{observed_mean:.3}")),
            right(num(r.corrected_mean, 3)),
            Cell::new(r.corrected_distribution.map_or("–".into(), |p| {
                p.iter()
                    .map(|x| format!("{:.3}", x))
                    .collect::<Vec<_>>()
                    .join(" ")
            })),
        ]);
        t.add_row(row);
    }
    s += &t.to_string();
    for g in &o.groups {
        for n in &g.correction.notes {
            s += &format!("\nnote ({}): {n}", g.group);
        }
    }
    s
}
