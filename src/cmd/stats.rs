//! `assurai stats`: the paper's group statistics (Tables 5 and 6 plus Tukey
//! HSD) over a CSV of scores. All numbers come from `assurai-stats`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use assurai_stats::{ClusteredMean, GroupComparison, clustered_mean, compare_groups};
use comfy_table::{Cell, CellAlignment, Table, presets::UTF8_FULL_CONDENSED};

use super::common::p_value;

/// Arguments of `assurai stats`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// CSV file with a header row.
    file: PathBuf,
    /// Column holding the group (model, risk factor, prompt type, ...); one group per distinct value.
    #[arg(long)]
    group_col: String,
    /// Column holding the numeric score.
    #[arg(long)]
    score_col: String,
    /// Column naming the cluster of each score (e.g. the instance id when a run has several
    /// epochs): adds standard errors and 95% intervals clustered by it.
    #[arg(long, value_name = "C")]
    cluster_col: Option<String>,
    /// Print one JSON object instead of tables.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut names = vec![args.group_col.as_str(), args.score_col.as_str()];
    if let Some(c) = &args.cluster_col {
        names.push(c);
    }
    let mut table = CsvTable::open(&args.file, &names)?;
    let (gi, si) = (table.columns[0], table.columns[1]);
    let ci = table.columns.get(2).copied();
    // Groups in order of first appearance, with the first line of each.
    let mut groups: Vec<(String, Vec<f64>, u64)> = Vec::new();
    // The cluster label of each score, per group (with --cluster-col).
    let mut clusters: Vec<Vec<String>> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for row in table.rows()? {
        let row = row?;
        let group = row.get(gi).to_owned();
        let score = row.number(si, &args.score_col)?;
        let i = *index.entry(group.clone()).or_insert_with(|| {
            groups.push((group, Vec::new(), row.line));
            clusters.push(Vec::new());
            groups.len() - 1
        });
        groups[i].1.push(score);
        if let (Some(ci), Some(col)) = (ci, &args.cluster_col) {
            let c = row.get(ci);
            if c.is_empty() {
                bail!(
                    "{}:{}: column {col:?}: empty cluster label",
                    args.file.display(),
                    row.line
                );
            }
            clusters[i].push(c.to_owned());
        }
    }
    if groups.is_empty() {
        bail!("{}: no data rows after the header", args.file.display());
    }
    for (name, scores, line) in &groups {
        if scores.len() < 2 {
            bail!(
                "{}:{line}: column {:?}: group {name:?} has {} score (every group needs at least 2)",
                args.file.display(),
                args.group_col,
                scores.len()
            );
        }
    }
    if groups.len() < 2 {
        bail!(
            "{}: column {:?} has a single group {:?}: comparing groups needs at least 2",
            args.file.display(),
            args.group_col,
            groups[0].0
        );
    }
    let named: Vec<(&str, &[f64])> = groups
        .iter()
        .map(|(n, s, _)| (n.as_str(), s.as_slice()))
        .collect();
    let result = compare_groups(&named).with_context(|| format!("{}", args.file.display()))?;
    let clustered: Option<Vec<Option<ClusteredMean>>> = args.cluster_col.as_ref().map(|_| {
        groups
            .iter()
            .zip(&clusters)
            .map(|((_, scores, _), labels)| clustered_mean(scores, labels, 0.95).ok())
            .collect()
    });
    if args.json {
        let mut value = serde_json::to_value(&result)?;
        if let (Some(cl), Some(rows)) = (
            &clustered,
            value.get_mut("groups").and_then(|g| g.as_array_mut()),
        ) {
            for (row, c) in rows.iter_mut().zip(cl) {
                if let Some(obj) = row.as_object_mut() {
                    obj.insert("cluster_se".into(), serde_json::json!(c.map(|c| c.se)));
                    obj.insert(
                        "cluster_ci95".into(),
                        serde_json::json!(c.map(|c| [c.ci.lower, c.ci.upper])),
                    );
                    obj.insert(
                        "n_clusters".into(),
                        serde_json::json!(c.map(|c| c.n_clusters)),
                    );
                }
            }
        }
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        println!("{}", human(&result));
        if let (Some(cl), Some(col)) = (&clustered, &args.cluster_col) {
            println!("\n{}", clustered_table(&result, cl, col));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn clustered_table(c: &GroupComparison, clustered: &[Option<ClusteredMean>], col: &str) -> String {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED).set_header([
        "Group",
        "N",
        "Clusters",
        "Mean",
        "Clustered SE",
        "95% CI",
    ]);
    for (g, m) in c.groups.iter().zip(clustered) {
        let (k, se, ci) = m.map_or(("< 2".into(), "–".into(), "–".into()), |m| {
            (
                m.n_clusters.to_string(),
                format!("{:.4}", m.se),
                format!("[{:.3}, {:.3}]", m.ci.lower, m.ci.upper),
            )
        });
        t.add_row([
            Cell::new(&g.group),
            num(g.n.to_string()),
            num(k),
            num(format!("{:.3}", g.mean)),
            num(se),
            num(ci),
        ]);
    }
    format!("Standard errors clustered by {col:?} (t on clusters − 1 df)\n{t}")
}

fn human(c: &GroupComparison) -> String {
    let mut t5 = Table::new();
    t5.load_style(UTF8_FULL_CONDENSED)
        .set_header(["Group", "N", "Mean", "SD", "CV (%)", "95% CI"]);
    for g in &c.groups {
        t5.add_row([
            Cell::new(&g.group),
            num(g.n.to_string()),
            num(format!("{:.3}", g.mean)),
            num(format!("{:.3}", g.sd)),
            num(super::common::num(g.cv_percent, 2)),
            num(format!("[{:.3}, {:.3}]", g.ci95.lower, g.ci95.upper)),
        ]);
    }
    let mut t6 = Table::new();
    t6.load_style(UTF8_FULL_CONDENSED)
        .set_header(["Test", "Statistic", "df", "p", "Effect size"]);
    let a = &c.anova;
    t6.add_row([
        Cell::new("One-way ANOVA"),
        num(format!("F = {:.4}", a.f)),
        num(format!("({}, {})", a.df_between, a.df_within)),
        num(p_value(a.p)),
        num(format!(
            "η² = {:.4}, ω² = {:.4}",
            a.eta_squared,
            a.omega_squared()
        )),
    ]);
    let w = &c.welch_anova;
    t6.add_row([
        Cell::new("Welch's ANOVA"),
        num(format!("F = {:.4}", w.f)),
        num(format!("({}, {:.2})", w.df_between, w.df_within)),
        num(p_value(w.p)),
        Cell::new(""),
    ]);
    let dfs = format!("({}, {})", a.df_between, a.df_within);
    for (name, v) in [
        ("Levene (mean)", &c.levene),
        ("Brown–Forsythe (median)", &c.brown_forsythe),
    ] {
        t6.add_row([
            Cell::new(name),
            num(format!("W = {:.4}", v.w)),
            num(dfs.clone()),
            num(p_value(v.p)),
            Cell::new(""),
        ]);
    }
    let k = &c.kruskal_wallis;
    let n_total: usize = c.groups.iter().map(|g| g.n).sum();
    t6.add_row([
        Cell::new("Kruskal–Wallis"),
        num(format!("H = {:.4}", k.h)),
        num(format!("{}", k.df)),
        num(p_value(k.p)),
        num(format!("ε² = {:.4}", k.epsilon_squared(n_total))),
    ]);
    let mut tk = Table::new();
    tk.load_style(UTF8_FULL_CONDENSED).set_header([
        "A",
        "B",
        "Mean diff (A − B)",
        "95% CI",
        "p adj",
        "Reject",
    ]);
    for r in &c.tukey_hsd {
        tk.add_row([
            Cell::new(&r.a),
            Cell::new(&r.b),
            num(format!("{:+.4}", r.diff)),
            num(format!("[{:.4}, {:.4}]", r.ci95.lower, r.ci95.upper)),
            num(p_value(r.p_adj)),
            Cell::new(if r.reject { "yes" } else { "no" }),
        ]);
    }
    format!(
        "Descriptive statistics by group\n{t5}\n\nTests across groups\n{t6}\n\nTukey HSD (family-wise 95%)\n{tk}"
    )
}

fn num(s: String) -> Cell {
    Cell::new(s).set_alignment(CellAlignment::Right)
}

/// A CSV file with a header, and the indices of the requested columns.
pub(crate) struct CsvTable {
    path: PathBuf,
    reader: csv::Reader<std::fs::File>,
    pub(crate) columns: Vec<usize>,
}

/// One data row with its 1-based line number.
pub(crate) struct CsvRow<'a> {
    path: &'a Path,
    record: csv::StringRecord,
    pub(crate) line: u64,
}

impl CsvTable {
    /// Open `path` and find `names` in its header (exact match after trimming).
    pub(crate) fn open(path: &Path, names: &[&str]) -> anyhow::Result<Self> {
        let file =
            std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(file);
        let header = reader
            .headers()
            .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), csv_error(&e)))?
            .clone();
        if header.is_empty() || (header.len() == 1 && header[0].trim().is_empty()) {
            bail!(
                "{}: empty file: expected a header row naming the columns",
                path.display()
            );
        }
        let mut columns = Vec::with_capacity(names.len());
        for name in names {
            match header.iter().position(|h| h.trim() == *name) {
                Some(i) => columns.push(i),
                None => bail!(
                    "{}:1: no column named {name:?} (the header has: {})",
                    path.display(),
                    header
                        .iter()
                        .map(|h| format!("{h:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }
        }
        Ok(Self {
            path: path.to_owned(),
            reader,
            columns,
        })
    }

    /// The data rows; each error names the file and line.
    pub(crate) fn rows(
        &mut self,
    ) -> anyhow::Result<impl Iterator<Item = anyhow::Result<CsvRow<'_>>>> {
        let path = self.path.as_path();
        Ok(self.reader.records().map(move |r| match r {
            Ok(record) => {
                let line = record.position().map_or(0, csv::Position::line);
                Ok(CsvRow { path, record, line })
            }
            Err(e) => Err(anyhow::anyhow!("{}: {}", path.display(), csv_error(&e))),
        }))
    }
}

impl CsvRow<'_> {
    /// The trimmed text of column `i`.
    pub(crate) fn get(&self, i: usize) -> &str {
        self.record.get(i).map_or("", str::trim)
    }

    /// Column `i` as a finite number; the error names file, line and column.
    pub(crate) fn number(&self, i: usize, name: &str) -> anyhow::Result<f64> {
        let text = self.get(i);
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => bail!(
                "{}:{}: column {name:?}: expected a finite number, got {text:?}",
                self.path.display(),
                self.line
            ),
        }
    }
}

fn csv_error(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => format!(
            "line {}: expected {expected_len} fields like the header, found {len}",
            pos.as_ref().map_or(0, csv::Position::line)
        ),
        csv::ErrorKind::Utf8 { pos, err } => format!(
            "line {}: field {}: invalid UTF-8",
            pos.as_ref().map_or(0, csv::Position::line),
            err.field() + 1
        ),
        _ => e.to_string(),
    }
}
