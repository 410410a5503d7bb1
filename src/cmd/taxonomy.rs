//! `assurai taxonomy`: the 35 risk factors by category, or the 8 prompt types.

use std::process::ExitCode;

use assurai_taxonomy::{Modality, PromptType, RiskCategory, RiskFactor};
use comfy_table::{Cell, CellAlignment, Table, presets::UTF8_FULL_CONDENSED};
use serde::Serialize;

/// Arguments of `assurai taxonomy`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Print the 8 prompt types (paper Tables 2 and 4) instead of the risk factors.
    #[arg(long)]
    prompt_types: bool,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// One risk factor in the `--json` contract.
#[derive(Serialize)]
struct FactorJson {
    number: u8,
    id: &'static str,
    name: &'static str,
    name_ko: &'static str,
    category: &'static str,
    source: &'static str,
    definition: &'static str,
    definition_ko: &'static str,
    counts: CountsJson,
}

#[derive(Serialize)]
struct CountsJson {
    total: u32,
    text: u32,
    image: u32,
    video: u32,
    audio: u32,
}

/// One prompt type in the `--prompt-types --json` contract.
#[derive(Serialize)]
struct PromptTypeJson {
    id: &'static str,
    name: &'static str,
    name_ko: &'static str,
    description: &'static str,
    count: u32,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let out = match (args.prompt_types, args.json) {
        (false, true) => serde_json::to_string_pretty(&factors_json())?,
        (true, true) => serde_json::to_string_pretty(&prompt_types_json())?,
        (false, false) => factor_table(),
        (true, false) => prompt_type_table(),
    };
    outln!("{out}");
    Ok(ExitCode::SUCCESS)
}

fn factors_json() -> Vec<FactorJson> {
    RiskFactor::ALL
        .iter()
        .map(|&f| {
            let c = f.paper_counts();
            FactorJson {
                number: f.number(),
                id: f.id(),
                name: f.name(),
                name_ko: f.name_ko(),
                category: f.category().id(),
                source: f.source().name(),
                definition: f.definition(),
                definition_ko: f.definition_ko(),
                counts: CountsJson {
                    total: c.total(),
                    text: c.text,
                    image: c.image,
                    video: c.video,
                    audio: c.audio,
                },
            }
        })
        .collect()
}

fn prompt_types_json() -> Vec<PromptTypeJson> {
    PromptType::ALL
        .iter()
        .map(|&p| PromptTypeJson {
            id: p.id(),
            name: p.name(),
            name_ko: p.name_ko(),
            description: p.description(),
            count: p.paper_count(),
        })
        .collect()
}

fn right(v: impl ToString) -> Cell {
    Cell::new(v).set_alignment(CellAlignment::Right)
}

fn factor_table() -> String {
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED);
    let mut header = vec!["#", "Risk factor", "위험 요인", "Source"];
    header.extend(Modality::ALL.iter().map(|m| m.name()));
    header.push("Total");
    table.set_header(header);
    for cat in RiskCategory::ALL {
        let mut row = vec![
            Cell::new(""),
            Cell::new(format!("{} ({})", cat.name(), cat.id())),
            Cell::new(cat.name_ko()),
            Cell::new(""),
        ];
        let sums = cat.factors().fold([0u32; 4], |mut acc, f| {
            for (i, m) in Modality::ALL.iter().enumerate() {
                acc[i] += f.paper_counts().get(*m);
            }
            acc
        });
        row.extend(sums.iter().map(right));
        row.push(right(sums.iter().sum::<u32>()));
        table.add_row(row);
        for f in cat.factors() {
            let c = f.paper_counts();
            let mut row = vec![
                right(f.number()),
                Cell::new(format!("  {}", f.name())),
                Cell::new(f.name_ko()),
                Cell::new(f.source().name()),
            ];
            row.extend(Modality::ALL.iter().map(|m| right(c.get(*m))));
            row.push(right(c.total()));
            table.add_row(row);
        }
    }
    let t = assurai_taxonomy::table10_totals();
    let mut row = vec![
        Cell::new(""),
        Cell::new("Total"),
        Cell::new("합계"),
        Cell::new(""),
    ];
    row.extend(Modality::ALL.iter().map(|m| right(t.get(*m))));
    row.push(right(t.total()));
    table.add_row(row);
    table.to_string()
}

fn prompt_type_table() -> String {
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED);
    table.set_header(vec![
        "#",
        "Prompt type",
        "유형",
        "id",
        "Instances",
        "Share",
        "Description",
    ]);
    for p in PromptType::ALL {
        table.add_row(vec![
            right(p.number()),
            Cell::new(p.name()),
            Cell::new(p.name_ko()),
            Cell::new(p.id()),
            right(p.paper_count()),
            right(format!("{:.1}%", p.paper_share() * 100.0)),
            Cell::new(p.description()),
        ]);
    }
    table.to_string()
}
