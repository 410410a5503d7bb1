//! `assurai agreement`: agreement among annotators (percent agreement,
//! Fleiss' κ, Krippendorff's α) from a long-format CSV of labels.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use assurai_stats::{AgreementSummary, RatingsBuilder, agreement_summary};
use comfy_table::{Cell, CellAlignment, Table, presets::UTF8_FULL_CONDENSED};

use super::stats::CsvTable;

/// Arguments of `assurai agreement`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// CSV file with a header row and one label per line.
    file: PathBuf,
    /// Column identifying the rated item.
    #[arg(long)]
    item_col: String,
    /// Column identifying the rater (annotator).
    #[arg(long)]
    rater_col: String,
    /// Column holding the label: numbers (e.g. 1–5 scores) for all three α
    /// metrics; any other text is treated as unordered categories
    /// (ordinal and interval α are then null).
    #[arg(long)]
    label_col: String,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut table = CsvTable::open(
        &args.file,
        &[&args.item_col, &args.rater_col, &args.label_col],
    )?;
    let (ii, ri, li) = (table.columns[0], table.columns[1], table.columns[2]);
    let mut records: Vec<(String, String, String, u64)> = Vec::new();
    for row in table.rows()? {
        let row = row?;
        let label = row.get(li);
        if label.is_empty() {
            bail!(
                "{}:{}: column {:?}: empty label (leave the line out for a missing rating)",
                args.file.display(),
                row.line,
                args.label_col
            );
        }
        records.push((
            row.get(ii).to_owned(),
            row.get(ri).to_owned(),
            label.to_owned(),
            row.line,
        ));
    }
    if records.is_empty() {
        bail!("{}: no data rows after the header", args.file.display());
    }
    let numeric = records
        .iter()
        .all(|r| r.2.parse::<f64>().is_ok_and(f64::is_finite));
    let mut codes: Vec<String> = Vec::new();
    let mut builder = RatingsBuilder::new();
    for (item, rater, label, line) in &records {
        let value = if numeric {
            label.parse::<f64>().unwrap_or(f64::NAN)
        } else {
            match codes.iter().position(|c| c == label) {
                Some(i) => i as f64,
                None => {
                    codes.push(label.clone());
                    (codes.len() - 1) as f64
                }
            }
        };
        builder.add(item, rater, value).map_err(|_| {
            anyhow::anyhow!(
                "{}:{line}: column {:?}: rater {rater:?} already labelled item {item:?}",
                args.file.display(),
                args.rater_col
            )
        })?;
    }
    let summary = agreement_summary(&builder.build(), numeric)
        .with_context(|| format!("{}", args.file.display()))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        println!("{}", human(&summary));
    }
    Ok(ExitCode::SUCCESS)
}

fn human(s: &AgreementSummary) -> String {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_header(["Statistic", "Value"]);
    let opt = |v: Option<f64>, why: &str| v.map_or(format!("– ({why})"), |v| format!("{v:.4}"));
    let rows = [
        ("Items", s.n_items.to_string()),
        ("Raters", s.n_raters.to_string()),
        ("Percent agreement", format!("{:.4}", s.percent_agreement)),
        ("Fleiss' κ", opt(s.fleiss_kappa, "raters per item differ")),
        (
            "Krippendorff's α (nominal)",
            format!("{:.4}", s.krippendorff_alpha.nominal),
        ),
        (
            "Krippendorff's α (ordinal)",
            opt(s.krippendorff_alpha.ordinal, "labels are not numbers"),
        ),
        (
            "Krippendorff's α (interval)",
            opt(s.krippendorff_alpha.interval, "labels are not numbers"),
        ),
    ];
    for (k, v) in rows {
        t.add_row([
            Cell::new(k),
            Cell::new(v).set_alignment(CellAlignment::Right),
        ]);
    }
    t.to_string()
}
