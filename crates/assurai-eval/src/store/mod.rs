//! The result store: an append-only JSON Lines file plus `manifest.json`
//! in a run directory, safe to kill at any instant and resumable.

mod reader;
mod resume;

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

pub(crate) use reader::{Lines, json_error};
pub use reader::{ReadStats, RecordReader};
pub use resume::{ResumeState, TornRepair};

use crate::error::{EvalError, Result};
use crate::manifest::Manifest;
use crate::record::Record;

/// The file name of the results inside a run directory.
pub const RESULTS_FILE: &str = "results.jsonl";

/// Where a torn last line is kept when it is cut off the results file.
pub const TORN_FILE: &str = "results.jsonl.torn";

/// The lock file that keeps two processes from writing one run directory.
pub const LOCK_FILE: &str = ".lock";

/// Options for [`ResultStore::open`].
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct StoreOptions {
    /// `fsync` the results file after every record (slower; survives power
    /// loss, not just process crashes). Off by default: every record is still
    /// written whole with one `write` call, which survives `kill -9`.
    pub fsync: bool,
}

impl StoreOptions {
    /// Sets [`StoreOptions::fsync`].
    pub fn fsync(mut self, on: bool) -> Self {
        self.fsync = on;
        self
    }
}

/// An open run directory that records are appended to.
///
/// [`ResultStore::open`] creates the directory (or resumes it): it writes
/// `manifest.json` atomically, refuses a directory whose manifest has a
/// different configuration hash, repairs a torn last line and returns a
/// [`ResumeState`] telling the runner which records are already done.
/// [`ResultStore::append`] is safe to call from many threads: each record is
/// serialised first, then written with one `write` under a lock.
///
/// ```
/// use assurai_eval::{Manifest, Record, ResultStore, StoreOptions};
/// use assurai_taxonomy::{Modality, PromptType, RiskFactor};
///
/// let dir = tempfile::tempdir().unwrap();
/// let manifest = Manifest::new(serde_json::json!({"target": "replay:x.jsonl"}));
/// let (store, resume) = ResultStore::open(dir.path(), &manifest, StoreOptions::default())?;
/// assert_eq!(resume.records_read(), 0);
///
/// let mut r = Record::new("i1", "m", 1, RiskFactor::Harassment, PromptType::QOnly, Modality::Text);
/// r.set_scored(4);
/// store.append(&r)?;
/// drop(store);
///
/// // Re-opening with the same configuration resumes: `i1` is done.
/// let (_store, resume) = ResultStore::open(dir.path(), &manifest, StoreOptions::default())?;
/// assert!(!resume.should_run("i1", "m", 1, false));
/// assert!(resume.should_run("i2", "m", 1, false));
/// # Ok::<(), assurai_eval::EvalError>(())
/// ```
#[derive(Debug)]
pub struct ResultStore {
    dir: PathBuf,
    path: PathBuf,
    file: Mutex<File>,
    fsync: bool,
    appended: AtomicU64,
    /// An exclusive lock on `RUN_DIR/.lock`, held while the store is open so
    /// that two processes never append to (or repair) the same results.
    _lock: File,
}

impl ResultStore {
    /// Opens (creating if needed) the run directory `dir` for `manifest`'s
    /// configuration. See the type's documentation.
    pub fn open(
        dir: &Path,
        manifest: &Manifest,
        options: StoreOptions,
    ) -> Result<(ResultStore, ResumeState)> {
        fs::create_dir_all(dir).map_err(|e| EvalError::io("cannot create", dir, e))?;
        let lock_path = dir.join(LOCK_FILE);
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| EvalError::io("cannot open", &lock_path, e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                return Err(EvalError::Locked {
                    dir: dir.to_path_buf(),
                });
            }
            Err(fs::TryLockError::Error(e)) => {
                return Err(EvalError::io("cannot lock", &lock_path, e));
            }
        }
        let path = dir.join(RESULTS_FILE);
        match Manifest::read(dir)? {
            Some(existing) => {
                if existing.config_hash != manifest.config_hash {
                    return Err(EvalError::ConfigMismatch {
                        dir: dir.to_path_buf(),
                        existing: short(&existing.config_hash),
                        requested: short(&manifest.config_hash),
                        differing: existing.differing_keys(manifest).join(", "),
                    });
                }
            }
            None => {
                if fs::metadata(&path).map(|m| m.len() > 0).unwrap_or(false) {
                    return Err(EvalError::InvalidManifest {
                        path: dir.join(crate::manifest::MANIFEST_FILE),
                        message: format!(
                            "missing, but {RESULTS_FILE} holds results: cannot tell which configuration \
                             produced them; use a new output directory"
                        ),
                    });
                }
                manifest.write_atomic(dir)?;
            }
        }
        let resume = resume::scan_and_repair(&path, &dir.join(TORN_FILE))?;
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| EvalError::io("cannot open for appending", &path, e))?;
        Ok((
            ResultStore {
                dir: dir.to_path_buf(),
                path,
                file: Mutex::new(file),
                fsync: options.fsync,
                appended: AtomicU64::new(0),
                _lock: lock,
            },
            resume,
        ))
    }

    /// Validates `record`, then appends it as one line written with a single
    /// `write` and flushed (and `fsync`ed when configured).
    pub fn append(&self, record: &Record) -> Result<()> {
        record.validate()?;
        let mut line = serde_json::to_vec(record).map_err(|e| EvalError::InvalidInput {
            instance_id: record.instance_id.clone(),
            model: record.model.clone(),
            epoch: record.epoch,
            field: "(record)",
            message: format!("cannot serialise: {e}"),
        })?;
        line.push(b'\n');
        // A poisoned lock only means another thread panicked between writes;
        // the file itself is still consistent (each write is whole).
        let mut file = self
            .file
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        file.write_all(&line)
            .and_then(|()| file.flush())
            .map_err(|e| EvalError::io("cannot append to", &self.path, e))?;
        if self.fsync {
            file.sync_data()
                .map_err(|e| EvalError::io("cannot fsync", &self.path, e))?;
        }
        drop(file);
        self.appended.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// `fsync`s the results file (e.g. before exiting after Ctrl-C).
    pub fn sync(&self) -> Result<()> {
        let file = self
            .file
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        file.sync_data()
            .map_err(|e| EvalError::io("cannot fsync", &self.path, e))
    }

    /// How many records this handle appended.
    pub fn appended(&self) -> u64 {
        self.appended.load(Ordering::Relaxed)
    }

    /// The run directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The results file (`RUN_DIR/results.jsonl`).
    pub fn results_path(&self) -> &Path {
        &self.path
    }
}

fn short(hash: &str) -> String {
    hash.chars().take(12).collect()
}
