//! `assurai run --dry-run [--price ROLE=IN/OUT]…`: the instances, calls per role, estimated
//! tokens and cost of a run, without calling any model (logic in `assurai_runner::dry_run`).

use std::process::ExitCode;

use anyhow::Context;
use assurai::runner::{DryRunOptions, DryRunPlan, EvalConfig, Price, RunError, dry_run};

/// Runs the dry run of `config` and prints it (a table, or JSON with `json`). Exit 0; a bad
/// `--price` is a usage error (exit 2).
pub(crate) fn run(config: &EvalConfig, prices: &[String], json: bool) -> anyhow::Result<ExitCode> {
    let mut options = DryRunOptions::default();
    for p in prices {
        match Price::parse_role(p) {
            Ok((role, price)) => options = options.price(role, price),
            Err(e) => return super::common::usage(e),
        }
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let plan = match rt.block_on(dry_run(config, &options)) {
        Ok(p) => p,
        Err(RunError::InvalidDataset { path, report }) => {
            super::run::print_problems(&path, &report);
            return Ok(ExitCode::FAILURE);
        }
        Err(e) => return Err(e).context("dry run"),
    };
    if json {
        outln!("{}", serde_json::to_string_pretty(&plan.to_json())?);
    } else {
        print_plan(&plan);
    }
    Ok(ExitCode::SUCCESS)
}

fn tokens(v: Option<u64>) -> String {
    v.map_or_else(|| "–".to_owned(), |n| n.to_string())
}

fn print_plan(plan: &DryRunPlan) {
    use comfy_table::{Cell, CellAlignment, Table, presets::UTF8_FULL_CONDENSED};
    eprintln!(
        "dry run of {}: {} instances × {} epoch{}; {} already present, {} to run{} — no model \
         was called",
        plan.model,
        plan.instances,
        plan.epochs,
        if plan.epochs == 1 { "" } else { "s" },
        plan.present,
        plan.to_run,
        if plan.retried_errors > 0 {
            format!(" ({} errors re-run)", plan.retried_errors)
        } else {
            String::new()
        }
    );
    if let Some((n, m)) = plan.left_out {
        eprintln!(
            "{n} instances left out: the target produces only {} outputs (--all-modalities runs \
             them)",
            m.id()
        );
    }
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "Role",
        "Model",
        "Calls",
        "Input tokens",
        "Output tokens",
        "Counted by",
        "Cost (USD)",
    ]);
    let right = |s: String| Cell::new(s).set_alignment(CellAlignment::Right);
    for r in &plan.roles {
        t.add_row(vec![
            Cell::new(r.role.id()),
            Cell::new(&r.model),
            right(r.calls.to_string()),
            right(tokens(r.input_tokens)),
            right(tokens(r.output_tokens)),
            Cell::new(r.source.id()),
            right(r.cost_usd.map_or_else(|| "–".into(), |c| format!("{c:.4}"))),
        ]);
    }
    outln!("{t}");
    if let Some(total) = plan.total_cost_usd {
        outln!("estimated cost: {total:.4} USD");
    }
    for r in &plan.roles {
        if let Some(e) = &r.tokenize_error {
            eprintln!(
                "note: {} {}: /tokenize not used ({e}); estimated",
                r.role, r.model
            );
        }
    }
    for n in &plan.notes {
        eprintln!("note: {n}");
    }
}
