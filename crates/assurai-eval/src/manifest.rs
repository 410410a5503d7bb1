//! `manifest.json`: what a run directory's results were produced with.

use std::fs;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{EvalError, Result};
use crate::record::Extra;

/// The manifest schema version this crate writes.
pub const MANIFEST_SCHEMA_VERSION: u32 = 1;

/// The file name of the manifest inside a run directory.
pub const MANIFEST_FILE: &str = "manifest.json";

/// The run's configuration, dataset and tool versions, written atomically
/// beside `results.jsonl`. Never holds secrets: the caller puts only
/// non-secret settings into [`Manifest::config`] (API keys are referred to by
/// the *name* of their environment variable, never their value).
///
/// ```
/// use assurai_eval::Manifest;
///
/// let m = Manifest::new(serde_json::json!({"target": "replay:outputs.jsonl", "epochs": 1}));
/// assert_eq!(m.config_hash.len(), 64);
/// // Key order does not matter; the dataset's hash does.
/// let same = Manifest::new(serde_json::json!({"epochs": 1, "target": "replay:outputs.jsonl"}));
/// assert_eq!(same.config_hash, m.config_hash);
/// let other = same.with_dataset("examples/sample/dataset.jsonl", "ab12");
/// assert_ne!(other.config_hash, m.config_hash);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Manifest schema version ([`MANIFEST_SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// Record schema version of `results.jsonl` ([`crate::RECORD_SCHEMA_VERSION`]).
    pub record_schema_version: u32,
    /// The tool that wrote the run, e.g. `assurai 0.1.0`.
    pub tool_version: String,
    /// The dataset's path as given to the run, if any.
    #[serde(default)]
    pub dataset_path: Option<String>,
    /// SHA-256 (hex) of the dataset file's bytes, if any.
    #[serde(default)]
    pub dataset_sha256: Option<String>,
    /// The run configuration (targets, judges, epochs, sampling…), without secrets.
    pub config: serde_json::Value,
    /// SHA-256 (hex) of the canonical JSON of `config` plus the dataset hash:
    /// two runs may share a directory only when these are equal.
    pub config_hash: String,
    /// Unknown fields, preserved.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Manifest {
    /// A manifest for `config`, stamped with this crate's version.
    pub fn new(config: serde_json::Value) -> Self {
        let mut m = Self {
            schema_version: MANIFEST_SCHEMA_VERSION,
            record_schema_version: crate::record::RECORD_SCHEMA_VERSION,
            tool_version: format!("assurai-eval {}", env!("CARGO_PKG_VERSION")),
            dataset_path: None,
            dataset_sha256: None,
            config,
            config_hash: String::new(),
            extra: Extra::new(),
        };
        m.config_hash = m.compute_config_hash();
        m
    }

    /// Sets the dataset path and hash (and updates the config hash).
    pub fn with_dataset(mut self, path: impl Into<String>, sha256: impl Into<String>) -> Self {
        self.dataset_path = Some(path.into());
        self.dataset_sha256 = Some(sha256.into());
        self.config_hash = self.compute_config_hash();
        self
    }

    /// Sets the tool version string (e.g. the binary's `assurai 0.1.0`).
    pub fn with_tool_version(mut self, version: impl Into<String>) -> Self {
        self.tool_version = version.into();
        self
    }

    /// The hash of the canonical JSON (object keys sorted, no whitespace) of
    /// the configuration and the dataset hash.
    pub fn compute_config_hash(&self) -> String {
        let mut canon = String::new();
        canonical_json(&self.config, &mut canon);
        let mut h = Sha256::new();
        h.update(canon.as_bytes());
        h.update(b"\0dataset:");
        h.update(self.dataset_sha256.as_deref().unwrap_or("").as_bytes());
        hex(&h.finalize())
    }

    /// The top-level configuration keys whose values differ between two
    /// manifests (plus `dataset_sha256` when the datasets differ).
    pub fn differing_keys(&self, other: &Manifest) -> Vec<String> {
        let mut keys = Vec::new();
        if self.dataset_sha256 != other.dataset_sha256 {
            keys.push("dataset_sha256".to_owned());
        }
        match (self.config.as_object(), other.config.as_object()) {
            (Some(a), Some(b)) => {
                let mut names: Vec<&String> = a.keys().chain(b.keys()).collect();
                names.sort();
                names.dedup();
                for k in names {
                    if a.get(k) != b.get(k) {
                        keys.push(k.clone());
                    }
                }
            }
            _ => {
                if self.config != other.config {
                    keys.push("config".to_owned());
                }
            }
        }
        keys
    }

    /// Reads `dir/manifest.json`; `Ok(None)` when it does not exist.
    pub fn read(dir: &Path) -> Result<Option<Manifest>> {
        let path = dir.join(MANIFEST_FILE);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(EvalError::io("cannot read", path, e)),
        };
        let m: Manifest =
            serde_json::from_slice(&bytes).map_err(|e| EvalError::InvalidManifest {
                path: path.clone(),
                message: format!("not a valid manifest: {e}"),
            })?;
        if m.schema_version == 0 || m.schema_version > MANIFEST_SCHEMA_VERSION {
            return Err(EvalError::InvalidManifest {
                path,
                message: format!(
                    "manifest schema version {} is not supported (this tool reads 1..={MANIFEST_SCHEMA_VERSION})",
                    m.schema_version
                ),
            });
        }
        Ok(Some(m))
    }

    /// Writes `dir/manifest.json` atomically with the workspace's one atomic
    /// write ([`assurai_files::write_atomic`]: a temporary file in the same
    /// directory, flushed to disk, renamed over the old one, the directory
    /// flushed).
    pub fn write_atomic(&self, dir: &Path) -> Result<()> {
        let path = dir.join(MANIFEST_FILE);
        let mut bytes =
            serde_json::to_vec_pretty(self).map_err(|e| EvalError::InvalidManifest {
                path: path.clone(),
                message: format!("cannot serialise: {e}"),
            })?;
        bytes.push(b'\n');
        assurai_files::write_atomic(&path, &bytes)
            .map_err(|e| EvalError::io("cannot write", &path, e))
    }
}

/// Writes `v` as JSON with object keys sorted at every level, so the hash
/// does not depend on insertion order (serde_json's `preserve_order`).
fn canonical_json(v: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match v {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                canonical_json(v, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical_json(v, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// SHA-256 (hex) of a file's bytes, read in chunks (for `dataset_sha256`).
pub fn sha256_file(path: &Path) -> Result<String> {
    use std::io::Read;
    let mut f = fs::File::open(path).map_err(|e| EvalError::io("cannot open", path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f
            .read(&mut buf)
            .map_err(|e| EvalError::io("cannot read", path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}
