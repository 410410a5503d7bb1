//! The dataset-opening options shared by every command that reads a
//! dataset: `--dataset PATH` (or the path as an argument), `--format`,
//! `--preset`, `--map`, `--prompt-type-codes`, `--skip-invalid`.

use std::path::{Path, PathBuf};

use assurai_dataset::{Dataset, FieldMap, Format, Limits, Preset, PromptTypeCodes};

/// Where a dataset is and how to read it.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct DatasetInput {
    /// Dataset file: JSON Lines (.jsonl), a JSON array (.json), CSV (.csv) or TSV (.tsv); the
    /// AssurAI release folder (or its assurai_index.jsonl) with --format assurai-release.
    #[arg(value_name = "PATH", required_unless_present = "dataset")]
    path: Option<PathBuf>,
    /// The dataset, as an option (same as the PATH argument).
    #[arg(long = "dataset", value_name = "PATH", conflicts_with = "path")]
    dataset: Option<PathBuf>,
    /// File format; by default taken from the extension (JSON Lines otherwise).
    /// `assurai-release` reads the published AssurAI release (TTA01/AssurAI).
    #[arg(long, value_parser = ["jsonl", "json", "csv", "tsv", "assurai-release"])]
    format: Option<String>,
    /// Read a published safety dataset through a preset: a built-in name (`assurai dataset
    /// presets` lists them) or a preset file (a copied and edited one).
    #[arg(long, value_name = "NAME|FILE", conflicts_with_all = ["format", "map"])]
    preset: Option<String>,
    /// Field mapping (JSON) for datasets in a foreign schema; see docs/dataset-format.md.
    #[arg(long, value_name = "MAP.json")]
    map: Option<PathBuf>,
    /// With --format assurai-release: the table of prompt-type codes in release ids, a JSON
    /// object of code → prompt type (replaces the built-in table).
    #[arg(long, value_name = "FILE")]
    prompt_type_codes: Option<PathBuf>,
    /// Leave out records that cannot be read or mapped (they are counted and listed) instead
    /// of refusing the dataset.
    #[arg(long)]
    pub(crate) skip_invalid: bool,
    /// Longest record accepted, in bytes.
    #[arg(long, default_value_t = 4 << 20, value_name = "BYTES")]
    max_record_bytes: usize,
}

impl DatasetInput {
    /// The path given.
    pub(crate) fn path(&self) -> &Path {
        self.dataset
            .as_deref()
            .or(self.path.as_deref())
            .unwrap_or(Path::new(""))
    }

    /// Opens the dataset, or prints why not and gives the exit code: 1 when
    /// the dataset file itself cannot be read (invalid input), 2 for a
    /// usage error (a bad flag value, preset or mapping).
    pub(crate) fn open_or_exit(&self) -> Result<Dataset, std::process::ExitCode> {
        self.open().map_err(|e| {
            eprintln!("error: {e}");
            let unreadable = std::fs::metadata(self.path()).is_err()
                || (self.path().is_file() && std::fs::File::open(self.path()).is_err());
            std::process::ExitCode::from(if unreadable { 1 } else { 2 })
        })
    }

    /// Opens the dataset; `Err` is a message for exit code 2.
    pub(crate) fn open(&self) -> Result<Dataset, String> {
        let path = self.path();
        let format = self
            .format
            .as_deref()
            .map(|f| f.parse::<Format>().map_err(|e| e.to_string()))
            .transpose()?;
        if self.prompt_type_codes.is_some() && format != Some(Format::AssuraiRelease) {
            return Err("--prompt-type-codes needs --format assurai-release".into());
        }
        let mut ds = if format == Some(Format::AssuraiRelease) {
            if self.map.is_some() {
                return Err("--map cannot be combined with --format assurai-release".into());
            }
            let mut ds = Dataset::open_release(path).map_err(|e| e.to_string())?;
            if let Some(f) = &self.prompt_type_codes {
                let text = std::fs::read_to_string(f)
                    .map_err(|e| format!("cannot read {}: {e}", f.display()))?;
                let codes = PromptTypeCodes::from_json(&text)
                    .map_err(|e| format!("{}: {e}", f.display()))?;
                ds = ds.with_prompt_type_codes(codes);
            }
            ds
        } else {
            let mut ds = Dataset::open(path).map_err(|e| e.to_string())?;
            if let Some(f) = format {
                ds = ds.with_format(f);
            }
            ds
        };
        if let Some(m) = &self.map {
            let text = std::fs::read_to_string(m)
                .map_err(|e| format!("cannot read {}: {e}", m.display()))?;
            let map = FieldMap::from_json(&text).map_err(|e| format!("{}: {e}", m.display()))?;
            ds = ds.with_mapping(map);
        }
        if let Some(p) = &self.preset {
            ds = ds.with_preset(&load_preset(p)?);
        }
        Ok(ds
            .with_limits(Limits::default().max_record_bytes(self.max_record_bytes))
            .with_skip_invalid(self.skip_invalid))
    }
}

/// A built-in preset by name, or a preset file.
pub(crate) fn load_preset(p: &str) -> Result<Preset, String> {
    let as_file = Path::new(p);
    if Preset::names().any(|n| n == p.trim().to_ascii_lowercase()) || !as_file.is_file() {
        return Preset::builtin(p).map_err(|e| e.to_string());
    }
    let text = std::fs::read_to_string(as_file).map_err(|e| format!("cannot read {p}: {e}"))?;
    Preset::from_json(&text).map_err(|e| format!("{p}: {e}"))
}
