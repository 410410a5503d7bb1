//! `assurai dataset stats|sample|export-inspect`: coverage against the
//! paper's tables, seeded stratified samples and shards, Inspect export.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use assurai_dataset::{Allocation, CoverageRow, Dataset, Shard, inspect_sample};
use assurai_taxonomy::{Modality, RiskFactor};
use comfy_table::{Cell, CellAlignment, Table, presets::UTF8_FULL_CONDENSED};
use serde::Serialize;

use super::common::usage;
pub(crate) use super::input::DatasetInput as Source;

/// Arguments of `assurai dataset`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Sub,
}

#[derive(Debug, clap::Subcommand)]
enum Sub {
    /// Counts by factor × modality, prompt type, category and modality, next to the paper's Tables 10, 4 and 3.
    Stats(StatsArgs),
    /// Seeded stratified sample (factor × prompt type × modality) and/or one shard, as JSON Lines.
    Sample(SampleArgs),
    /// Write the dataset as Inspect dataset JSON Lines (input, target, choices, id, metadata).
    ExportInspect(ExportArgs),
    /// Convert a dataset (a preset's published files, the AssurAI release, a mapped file) to
    /// canonical JSON Lines, with its media copied or linked under the output's folder.
    Import(super::import::ImportArgs),
    /// List the presets: the datasets they read, their sources and licences.
    Presets(super::import::PresetsArgs),
}

#[derive(Debug, clap::Args)]
struct StatsArgs {
    #[command(flatten)]
    source: Source,
    /// Print JSON instead of tables.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
struct SampleArgs {
    #[command(flatten)]
    source: Source,
    /// Seed of the sample; the same seed and ids give the same sample.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Number of instances to sample; all (of the shard) when absent.
    #[arg(long)]
    limit: Option<u64>,
    /// How the sample is spread over the strata.
    #[arg(long, default_value = "proportional", value_parser = ["proportional", "equal"])]
    allocation: String,
    /// Only shard K of N (by a stable hash of the id), e.g. 0/4.
    #[arg(long, value_name = "K/N")]
    shard: Option<String>,
    /// Output file (default: standard output). Media paths stay relative to the input's folder.
    #[arg(short, long)]
    output: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct ExportArgs {
    #[command(flatten)]
    source: Source,
    /// Only shard K of N, e.g. 0/4.
    #[arg(long, value_name = "K/N")]
    shard: Option<String>,
    /// Output file (default: standard output).
    #[arg(short, long)]
    output: Option<PathBuf>,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Sub::Stats(a) => stats(a),
        Sub::Sample(a) => sample(a),
        Sub::ExportInspect(a) => export(a),
        Sub::Import(a) => super::import::import(a),
        Sub::Presets(a) => super::import::presets(a),
    }
}

/// Writes to standard output; a closed pipe (`| head`) is not an error.
pub(crate) fn emit(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

pub(crate) fn broken_pipe(e: &anyhow::Error) -> bool {
    e.downcast_ref::<std::io::Error>()
        .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
        || e.downcast_ref::<serde_json::Error>()
            .and_then(|e| e.io_error_kind())
            .is_some_and(|k| k == std::io::ErrorKind::BrokenPipe)
}

fn parse_shard(s: Option<&str>) -> Result<Option<Shard>, String> {
    s.map(|s| s.parse::<Shard>().map_err(|e| e.to_string()))
        .transpose()
}

fn writer(output: Option<&Path>) -> anyhow::Result<Box<dyn Write>> {
    Ok(match output {
        Some(p) => {
            Box::new(BufWriter::new(File::create(p).map_err(|e| {
                anyhow::anyhow!("cannot write {}: {e}", p.display())
            })?))
        }
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    })
}

#[derive(Serialize)]
struct StatsJson {
    instances: u64,
    readable: u64,
    errors: usize,
    by_factor: Vec<FactorRow>,
    by_prompt_type: Vec<CoverageRow>,
    by_category: Vec<CoverageRow>,
    by_modality: Vec<CoverageRow>,
    gaps: Vec<String>,
}

#[derive(Serialize)]
struct FactorRow {
    #[serde(flatten)]
    total: CoverageRow,
    cells: Vec<CoverageRow>,
}

fn stats(a: StatsArgs) -> anyhow::Result<ExitCode> {
    let ds = match a.source.open_or_exit() {
        Ok(d) => d,
        Err(code) => return Ok(code),
    };
    let report = ds.validate()?;
    let d = &report.distribution;
    let cells = d.factor_modality_rows();
    let by_factor: Vec<FactorRow> = d
        .factor_rows()
        .into_iter()
        .zip(RiskFactor::ALL)
        .map(|(total, f)| FactorRow {
            total,
            cells: cells
                .iter()
                .filter(|(cf, _, _)| *cf == f)
                .map(|(_, _, r)| r.clone())
                .collect(),
        })
        .collect();
    let gaps: Vec<String> = d
        .gaps()
        .into_iter()
        .map(|(f, m)| format!("{}/{}", f.id(), m.id()))
        .collect();
    if a.json {
        let out = StatsJson {
            instances: report.instances,
            readable: d.total(),
            errors: report.errors.len(),
            by_factor,
            by_prompt_type: d.prompt_type_rows(),
            by_category: d.category_rows(),
            by_modality: d.modality_rows(),
            gaps,
        };
        emit(&format!("{}\n", serde_json::to_string_pretty(&out)?))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut o = String::new();
    use std::fmt::Write as _;
    writeln!(
        o,
        "{}: {} records, {} readable instances{}",
        ds.path().display(),
        report.instances,
        d.total(),
        if report.errors.is_empty() {
            String::new()
        } else {
            format!(" ({} errors: run `assurai validate`)", report.errors.len())
        }
    )?;
    writeln!(
        o,
        "\nRisk factors × modality (this dataset / paper Table 10)"
    )?;
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED);
    let mut header = vec!["#".to_owned(), "risk factor".to_owned()];
    header.extend(Modality::ALL.iter().map(|m| m.id().to_owned()));
    header.extend([
        "total".to_owned(),
        "share".to_owned(),
        "paper share".to_owned(),
    ]);
    t.set_header(header);
    for (f, row) in RiskFactor::ALL.iter().zip(&by_factor) {
        let mut r = vec![Cell::new(f.number()), Cell::new(f.name())];
        for c in &row.cells {
            r.push(
                Cell::new(format!("{} / {}", c.count, c.paper_count))
                    .set_alignment(CellAlignment::Right),
            );
        }
        r.push(
            Cell::new(format!("{} / {}", row.total.count, row.total.paper_count))
                .set_alignment(CellAlignment::Right),
        );
        r.push(Cell::new(pct(row.total.share)).set_alignment(CellAlignment::Right));
        r.push(Cell::new(pct(row.total.paper_share)).set_alignment(CellAlignment::Right));
        t.add_row(r);
    }
    writeln!(o, "{t}")?;
    for (title, rows) in [
        ("Prompt types (paper Table 4)", d.prompt_type_rows()),
        ("Categories (sums of Table 10)", d.category_rows()),
        ("Modalities (paper Table 3)", d.modality_rows()),
    ] {
        writeln!(o, "\n{title}")?;
        writeln!(o, "{}", share_table(&rows))?;
    }
    if gaps.is_empty() {
        writeln!(o, "\nEvery Table 10 cell with paper instances is covered.")?;
    } else {
        writeln!(
            o,
            "\n{} of 140 Table 10 cells have paper instances but none here; first: {}",
            gaps.len(),
            gaps.iter().take(5).cloned().collect::<Vec<_>>().join(", ")
        )?;
    }
    emit(&o)?;
    Ok(ExitCode::SUCCESS)
}

fn pct(x: f64) -> String {
    super::common::pct(Some(x))
}

fn share_table(rows: &[CoverageRow]) -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED);
    t.set_header(["", "count", "share", "paper", "paper share"]);
    for r in rows {
        t.add_row([
            Cell::new(&r.name),
            Cell::new(r.count).set_alignment(CellAlignment::Right),
            Cell::new(pct(r.share)).set_alignment(CellAlignment::Right),
            Cell::new(r.paper_count).set_alignment(CellAlignment::Right),
            Cell::new(pct(r.paper_share)).set_alignment(CellAlignment::Right),
        ]);
    }
    t
}

fn sample(a: SampleArgs) -> anyhow::Result<ExitCode> {
    let ds = match a.source.open_or_exit() {
        Ok(d) => d,
        Err(code) => return Ok(code),
    };
    let shard = match parse_shard(a.shard.as_deref()) {
        Ok(s) => s,
        Err(e) => return usage(e),
    };
    let allocation: Allocation = a.allocation.parse()?;
    let instances = match a.limit {
        Some(n) => ds.sample(a.seed, n, allocation, shard)?,
        None => {
            let mut out = Vec::new();
            for r in ds.records()? {
                let r = r?;
                if shard.is_none_or(|s| s.contains(&r.instance.id)) {
                    out.push(r.instance);
                }
            }
            out
        }
    };
    warn_media_paths(
        &ds,
        a.output.as_deref(),
        instances.iter().any(|i| i.media_refs().next().is_some()),
    );
    let write = || -> anyhow::Result<()> {
        let mut w = writer(a.output.as_deref())?;
        for i in &instances {
            serde_json::to_writer(&mut w, i)?;
            w.write_all(b"\n")?;
        }
        w.flush()?;
        Ok(())
    };
    match write() {
        Err(e) if broken_pipe(&e) => return Ok(ExitCode::SUCCESS),
        r => r?,
    }
    eprintln!("{} instances written", instances.len());
    Ok(ExitCode::SUCCESS)
}

fn warn_media_paths(ds: &Dataset, output: Option<&Path>, has_media: bool) {
    let Some(out) = output else { return };
    let out_dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let same = match (out_dir.canonicalize(), ds.dir().canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if has_media && !same {
        eprintln!(
            "warning: media paths stay relative to {}; write the output there or copy the media",
            ds.dir().display()
        );
    }
}

fn export(a: ExportArgs) -> anyhow::Result<ExitCode> {
    let ds = match a.source.open_or_exit() {
        Ok(d) => d,
        Err(code) => return Ok(code),
    };
    let shard = match parse_shard(a.shard.as_deref()) {
        Ok(s) => s,
        Err(e) => return usage(e),
    };
    let mut n = 0u64;
    let mut write = || -> anyhow::Result<ExitCode> {
        let mut w = writer(a.output.as_deref())?;
        for r in ds.records()? {
            let r = match r {
                Ok(r) => r,
                Err(e) => {
                    w.flush()?;
                    eprintln!("error: {e}");
                    return Ok(ExitCode::FAILURE);
                }
            };
            if shard.is_some_and(|s| !s.contains(&r.instance.id)) {
                continue;
            }
            serde_json::to_writer(&mut w, &inspect_sample(&r.instance))?;
            w.write_all(b"\n")?;
            n += 1;
        }
        w.flush()?;
        Ok(ExitCode::SUCCESS)
    };
    let code = match write() {
        Err(e) if broken_pipe(&e) => return Ok(ExitCode::SUCCESS),
        r => r?,
    };
    if code == ExitCode::SUCCESS {
        eprintln!("{n} samples written");
    }
    Ok(code)
}
