//! What the subcommands share: the usage-error exit, number formatting (the report's own, so a
//! table on the terminal reads like `report.md`) and the per-model summary table.

use std::fmt::Display;
use std::process::ExitCode;

use assurai::eval::Report;
use comfy_table::{Cell, CellAlignment, Table, presets::UTF8_FULL_CONDENSED};

pub(crate) use assurai::eval::{
    format_ci as ci, format_num as num, format_p_value as p_value, format_pct as pct,
};

/// A usage problem found after parsing (a bad flag value, preset or mapping): the message on
/// standard error and exit code 2.
pub(crate) fn usage(msg: impl Display) -> anyhow::Result<ExitCode> {
    eprintln!("error: {msg}");
    Ok(ExitCode::from(2))
}

/// The per-model table of a report, in the layout of the paper's Table 5; printed by `run`,
/// `demo` and `report`.
pub(crate) fn summary_table(report: &Report) -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED);
    t.set_header([
        "Model",
        "n",
        "Mean",
        "SD",
        "CV %",
        "95% CI",
        "Blocked",
        "Blocked %",
        "Unscored",
        "Errors",
    ]);
    let right = |s: String| Cell::new(s).set_alignment(CellAlignment::Right);
    for m in &report.models {
        t.add_row(vec![
            Cell::new(&m.model),
            right(m.n_scored.to_string()),
            right(num(m.mean, 3)),
            right(num(m.sd, 3)),
            right(num(m.cv_percent, 1)),
            Cell::new(ci(m.ci95, 3)),
            right(m.n_blocked.to_string()),
            right(num(m.blocked_ratio.map(|r| r * 100.0), 1)),
            right(m.n_unscored.to_string()),
            right(m.n_error.to_string()),
        ]);
    }
    t
}
