//! `assurai dataset import` (a dataset in canonical JSON Lines, media beside
//! it) and `assurai dataset presets` (what the presets read).

use std::collections::HashSet;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use assurai_dataset::{DatasetError, Preset};
use assurai_files::AtomicFile;
use serde::Serialize;

use super::common::usage;
use super::dataset::{broken_pipe, emit};
use super::input::DatasetInput;

/// Arguments of `assurai dataset import`.
#[derive(Debug, clap::Args)]
pub(crate) struct ImportArgs {
    #[command(flatten)]
    input: DatasetInput,
    /// The canonical JSON Lines file to write. Media are placed under its folder at the paths
    /// the instances name.
    #[arg(long, value_name = "DATASET.jsonl")]
    out: PathBuf,
    /// Hard-link media instead of copying them (falls back to a copy across file systems).
    #[arg(long)]
    link: bool,
}

/// Lists at most this many problems; the rest are counted.
const LISTED: usize = 20;

pub(crate) fn import(a: ImportArgs) -> anyhow::Result<ExitCode> {
    // Errors are counted here, so the reader must yield them.
    let skip = a.input.skip_invalid;
    let ds = match a.input.open() {
        Ok(d) => d.with_skip_invalid(false),
        Err(e) => return usage(e),
    };
    let out_dir = match a.out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&out_dir)
        .with_context(|| format!("cannot create {}", out_dir.display()))?;
    let same_dir = match (out_dir.canonicalize(), ds.dir().canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    };
    // Written next to the output and committed at the end (the one atomic write): a failed
    // import leaves any earlier output as it was.
    let result = (|| -> anyhow::Result<(Outcome, AtomicFile)> {
        let f = AtomicFile::create(&a.out)
            .with_context(|| format!("cannot write {}", a.out.display()))?;
        let mut w = BufWriter::with_capacity(1 << 20, f);
        let mut o = Outcome::default();
        let mut placed: HashSet<String> = HashSet::new();
        for r in ds.records()? {
            match r {
                Ok(rec) => {
                    let mut media_problem = None;
                    if !same_dir {
                        for (field, m) in rec.instance.media_refs() {
                            if placed.contains(&m.path) {
                                continue;
                            }
                            match ds.resolve_media(&m.path) {
                                Ok(src) => {
                                    place(&src, &out_dir.join(&m.path), a.link).with_context(
                                        || format!("cannot place media {}", m.path),
                                    )?;
                                    placed.insert(m.path.clone());
                                    o.media += 1;
                                }
                                Err(e) => {
                                    media_problem =
                                        Some(format!("line {}, field `{field}`: {e}", rec.line));
                                    break;
                                }
                            }
                        }
                    }
                    if let Some(p) = media_problem {
                        o.invalid(p);
                        continue;
                    }
                    serde_json::to_writer(&mut w, &rec.instance)?;
                    w.write_all(b"\n")?;
                    o.written += 1;
                }
                Err(e) => {
                    let whole_file = e.problems().first().is_none_or(|p| p.line.is_none());
                    if whole_file {
                        o.fatal.push(e.to_string());
                    } else {
                        o.invalid(e.to_string());
                    }
                }
            }
        }
        let f = w
            .into_inner()
            .map_err(std::io::IntoInnerError::into_error)?;
        Ok((o, f))
    })();
    // On an error the uncommitted file is dropped, which removes it.
    let (o, file) = result?;
    let path = ds.path().display().to_string();
    let failed = !o.fatal.is_empty() || (o.skipped > 0 && !skip) || o.written == 0;
    for f in &o.fatal {
        eprintln!("{path}: error: {f}");
    }
    for p in &o.listed {
        eprintln!("{path}: {}: {p}", if skip { "skipped" } else { "error" });
    }
    if o.skipped > o.listed.len() as u64 {
        eprintln!("… and {} more", o.skipped - o.listed.len() as u64);
    }
    if failed {
        drop(file);
        if o.fatal.is_empty() && o.skipped > 0 {
            eprintln!(
                "error: {} records cannot be mapped; nothing was written (fix them, or pass --skip-invalid to leave them out)",
                o.skipped
            );
        } else if o.fatal.is_empty() {
            eprintln!("error: {path} has no instances; nothing was written");
        }
        return Ok(ExitCode::FAILURE);
    }
    file.commit()
        .with_context(|| format!("cannot write {}", a.out.display()))?;
    eprintln!(
        "{} instances written to {}{}{}",
        o.written,
        a.out.display(),
        if o.media > 0 {
            format!(
                ", {} media files {}",
                o.media,
                if a.link { "linked" } else { "copied" }
            )
        } else {
            String::new()
        },
        if o.skipped > 0 {
            format!(", {} invalid records skipped", o.skipped)
        } else {
            String::new()
        }
    );
    Ok(ExitCode::SUCCESS)
}

#[derive(Default)]
struct Outcome {
    written: u64,
    media: u64,
    skipped: u64,
    listed: Vec<String>,
    fatal: Vec<String>,
}

impl Outcome {
    fn invalid(&mut self, problem: String) {
        self.skipped += 1;
        if self.listed.len() < LISTED {
            self.listed.push(problem);
        }
    }
}

/// Copies or hard-links `src` to `dst` (a file already there is replaced).
fn place(src: &Path, dst: &Path, link: bool) -> std::io::Result<()> {
    if let Some(parent) = dst.parent() {
        std::fs::create_dir_all(parent)?;
    }
    if dst.exists() {
        std::fs::remove_file(dst)?;
    }
    if link && std::fs::hard_link(src, dst).is_ok() {
        return Ok(());
    }
    std::fs::copy(src, dst).map(|_| ())
}

/// Arguments of `assurai dataset presets`.
#[derive(Debug, clap::Args)]
pub(crate) struct PresetsArgs {
    /// Print the presets as JSON: name, title, source, licence, files, columns, notes, factor table.
    #[arg(long)]
    json: bool,
    /// Print one preset's file (to copy, edit and pass as --preset FILE).
    #[arg(long, value_name = "NAME", conflicts_with = "json")]
    show: Option<String>,
}

#[derive(Serialize)]
struct PresetJson<'a> {
    name: &'a str,
    title: &'a str,
    source: &'a str,
    licence: &'a str,
    files: &'a [String],
    required_columns: &'a [String],
    columns: Vec<String>,
    notes: &'a str,
    risk_factor_table: Vec<RowJson<'a>>,
}

#[derive(Serialize)]
struct RowJson<'a> {
    from: &'a str,
    to: &'a str,
    why: &'a str,
}

pub(crate) fn presets(a: PresetsArgs) -> anyhow::Result<ExitCode> {
    if let Some(name) = &a.show {
        let p = match Preset::builtin(name) {
            Ok(p) => p,
            Err(e) => return usage(e),
        };
        emit(p.json())?;
        return Ok(ExitCode::SUCCESS);
    }
    let all = Preset::all().map_err(|e: DatasetError| anyhow::anyhow!(e))?;
    let text = if a.json {
        let rows: Vec<PresetJson<'_>> = all
            .iter()
            .map(|p| PresetJson {
                name: p.name(),
                title: p.title(),
                source: p.source(),
                licence: p.licence(),
                files: p.files(),
                required_columns: p.required_columns(),
                columns: p.columns(),
                notes: p.notes(),
                risk_factor_table: p
                    .factor_table()
                    .iter()
                    .map(|r| RowJson {
                        from: &r.from,
                        to: &r.to,
                        why: &r.why,
                    })
                    .collect(),
            })
            .collect();
        format!("{}\n", serde_json::to_string_pretty(&rows)?)
    } else {
        let mut o = String::new();
        for p in &all {
            o.push_str(&format!(
                "{}  {}\n  source:  {}\n  licence: {}\n  files:   {}\n  columns: {}\n",
                p.name(),
                p.title(),
                p.source(),
                p.licence(),
                p.files().join(", "),
                p.required_columns().join(", "),
            ));
        }
        o.push_str(
            "\nUse: assurai dataset import --dataset FILE --preset NAME --out DATASET.jsonl\n\
             Copy one: assurai dataset presets --show NAME > my-preset.json (then --preset my-preset.json)\n",
        );
        o
    };
    match emit(&text) {
        Err(e) if broken_pipe(&e) => Ok(ExitCode::SUCCESS),
        r => r.map(|()| ExitCode::SUCCESS),
    }
}
