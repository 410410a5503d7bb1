//! Scanning a results file before appending: torn-line repair and the set of
//! completed and errored keys.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::{self, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{EvalError, Result};
use crate::fingerprint::key_fp;
use crate::record::{RecordKey, Status};

/// What a resumed run already holds, from scanning `results.jsonl` on open.
///
/// Duplicates (the same (instance, model, epoch) written twice, e.g. an
/// errored record retried with `--retry-errors`) are resolved **last wins**:
/// the later line is the record's current state, matching the report.
///
/// Keys are held as 128-bit fingerprints (16 bytes each), plus the full key
/// of each key whose latest record is an error.
#[derive(Debug, Default)]
pub struct ResumeState {
    latest: HashMap<u128, Status>,
    errored: HashMap<u128, RecordKey>,
    records_read: u64,
    duplicates: u64,
    torn: Option<TornRepair>,
}

/// A torn last line found and repaired on open.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TornRepair {
    /// Byte offset in `results.jsonl` where the torn line started.
    pub offset: u64,
    /// Length of the fragment in bytes.
    pub len: u64,
    /// Where the fragment was saved (`results.jsonl.torn`, appended), or
    /// `None` when the line was a whole record missing only its newline and
    /// was completed in place.
    pub saved_to: Option<PathBuf>,
}

impl ResumeState {
    /// Whether the runner should (re)run this key: not yet recorded, or its
    /// latest record is an error and `retry_errors` is set.
    pub fn should_run(
        &self,
        instance_id: &str,
        model: &str,
        epoch: u32,
        retry_errors: bool,
    ) -> bool {
        match self.latest.get(&key_fp(instance_id, model, epoch)) {
            None => true,
            Some(Status::Error) => retry_errors,
            Some(_) => false,
        }
    }

    /// The latest status recorded for a key, if any.
    pub fn status(&self, key: &RecordKey) -> Option<Status> {
        self.latest
            .get(&key_fp(&key.instance_id, &key.model, key.epoch))
            .copied()
    }

    /// Keys whose latest record is an error (re-run with `--retry-errors`).
    pub fn errored(&self) -> impl Iterator<Item = &RecordKey> {
        self.errored.values()
    }

    /// Number of keys whose latest record is not an error (skipped on resume).
    pub fn n_completed(&self) -> usize {
        self.latest.len() - self.errored.len()
    }

    /// Number of errored keys.
    pub fn n_errored(&self) -> usize {
        self.errored.len()
    }

    /// Lines read (records, duplicates included).
    pub fn records_read(&self) -> u64 {
        self.records_read
    }

    /// Lines whose key had already appeared earlier in the file.
    pub fn duplicates(&self) -> u64 {
        self.duplicates
    }

    /// The torn last line that was repaired, if any.
    pub fn torn(&self) -> Option<&TornRepair> {
        self.torn.as_ref()
    }
}

/// The fields a resume needs; everything else is skipped unparsed.
#[derive(Deserialize)]
struct KeyView<'a> {
    #[serde(borrow)]
    instance_id: Cow<'a, str>,
    #[serde(borrow)]
    model: Cow<'a, str>,
    epoch: u32,
    status: Status,
}

impl ResumeState {
    /// What a run resuming `results` would skip, read without changing anything (no lock, no
    /// repair): a torn last line is left out, as the repair would cut it off. For a dry run.
    ///
    /// # Errors
    /// [`EvalError::CorruptStore`] for a bad line before the last, or an I/O error.
    pub fn read(results: &Path) -> Result<ResumeState> {
        scan(results, None)
    }
}

pub(super) fn scan_and_repair(path: &Path, torn_path: &Path) -> Result<ResumeState> {
    scan(path, Some(torn_path))
}

/// Scans `path`; with `repair` (the torn-line file), repairs a torn last line as well.
fn scan(path: &Path, repair: Option<&Path>) -> Result<ResumeState> {
    let mut state = ResumeState::default();
    let file = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(state),
        Err(e) => return Err(EvalError::io("cannot open", path, e)),
    };
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let mut line = Vec::with_capacity(1024);
    let mut offset: u64 = 0;
    let mut line_no: u64 = 0;
    loop {
        line.clear();
        let n = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| EvalError::io("cannot read", path, e))?;
        if n == 0 {
            break;
        }
        line_no += 1;
        let start = offset;
        offset += n as u64;
        let complete = line.last() == Some(&b'\n');
        let body = trim_line(&line);
        if body.iter().all(u8::is_ascii_whitespace) {
            if !complete && repair.is_some() {
                // Trailing whitespace without a newline: cut it off.
                truncate(path, start)?;
            }
            continue;
        }
        match serde_json::from_slice::<KeyView<'_>>(body) {
            Ok(view) => {
                if !complete && repair.is_some() {
                    // A whole record that lost only its newline: complete it.
                    let mut f = OpenOptions::new()
                        .append(true)
                        .open(path)
                        .map_err(|e| EvalError::io("cannot open for repair", path, e))?;
                    f.write_all(b"\n")
                        .map_err(|e| EvalError::io("cannot repair", path, e))?;
                    state.torn = Some(TornRepair {
                        offset: start,
                        len: n as u64,
                        saved_to: None,
                    });
                }
                state.records_read += 1;
                let fp = key_fp(&view.instance_id, &view.model, view.epoch);
                if state.latest.insert(fp, view.status).is_some() {
                    state.duplicates += 1;
                }
                if view.status == Status::Error {
                    state.errored.insert(
                        fp,
                        RecordKey {
                            instance_id: view.instance_id.into_owned(),
                            model: view.model.into_owned(),
                            epoch: view.epoch,
                        },
                    );
                } else {
                    state.errored.remove(&fp);
                }
            }
            Err(_) if !complete => {
                let Some(torn_path) = repair else {
                    // Read only: the repair would cut this line off.
                    break;
                };
                // The last line was cut by a crash: keep a copy, cut it off.
                let mut t = OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(torn_path)
                    .map_err(|e| EvalError::io("cannot write", torn_path, e))?;
                t.write_all(&line)
                    .and_then(|()| t.write_all(b"\n"))
                    .map_err(|e| EvalError::io("cannot write", torn_path, e))?;
                truncate(path, start)?;
                state.torn = Some(TornRepair {
                    offset: start,
                    len: n as u64,
                    saved_to: Some(torn_path.to_path_buf()),
                });
            }
            Err(e) => {
                return Err(EvalError::CorruptStore {
                    path: path.to_path_buf(),
                    message: format!(
                        "line {line_no} is not a valid record ({e}); only the last line can be \
                         repaired automatically: fix or remove this line"
                    ),
                });
            }
        }
    }
    Ok(state)
}

fn trim_line(line: &[u8]) -> &[u8] {
    let mut end = line.len();
    while end > 0 && (line[end - 1] == b'\n' || line[end - 1] == b'\r') {
        end -= 1;
    }
    &line[..end]
}

fn truncate(path: &Path, len: u64) -> Result<()> {
    let f = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| EvalError::io("cannot open for repair", path, e))?;
    f.set_len(len)
        .and_then(|()| f.sync_all())
        .map_err(|e| EvalError::io("cannot truncate", path, e))
}
