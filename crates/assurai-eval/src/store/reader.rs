//! Streaming reads of a results file, one record at a time.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::error::{EvalError, Result};
use crate::record::Record;

/// Counts from reading a results file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReadStats {
    /// Records read.
    pub records: u64,
    /// Blank lines skipped.
    pub blank_lines: u64,
    /// A torn last line (no newline, not valid JSON) skipped: 0 or 1. A run
    /// still in progress, or killed, can leave one; opening the store for
    /// resume repairs it.
    pub torn_lines: u64,
}

/// Line-by-line reader shared by [`RecordReader`] and the report.
pub(crate) struct Lines {
    path: PathBuf,
    reader: BufReader<File>,
    buf: Vec<u8>,
    line_no: u64,
    pub(crate) stats: ReadStats,
}

impl Lines {
    pub(crate) fn open(path: &Path) -> Result<Self> {
        let file = File::open(path).map_err(|e| EvalError::io("cannot open", path, e))?;
        Ok(Self {
            path: path.to_path_buf(),
            reader: BufReader::with_capacity(1 << 16, file),
            buf: Vec::with_capacity(4096),
            line_no: 0,
            stats: ReadStats::default(),
        })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The next non-blank line as (line number, bytes without the newline,
    /// whether it ended with a newline).
    pub(crate) fn next_line(&mut self) -> Result<Option<(u64, &[u8], bool)>> {
        loop {
            self.buf.clear();
            let n = self
                .reader
                .read_until(b'\n', &mut self.buf)
                .map_err(|e| EvalError::io("cannot read", &self.path, e))?;
            if n == 0 {
                return Ok(None);
            }
            self.line_no += 1;
            let complete = self.buf.last() == Some(&b'\n');
            let mut end = self.buf.len();
            while end > 0 && (self.buf[end - 1] == b'\n' || self.buf[end - 1] == b'\r') {
                end -= 1;
            }
            if self.buf[..end].iter().all(u8::is_ascii_whitespace) {
                self.stats.blank_lines += 1;
                continue;
            }
            return Ok(Some((self.line_no, &self.buf[..end], complete)));
        }
    }

    /// Parses the next record as `T`. A torn last line is skipped (counted in
    /// `stats`); any other bad line is an error naming the line.
    pub(crate) fn next_parsed<T: DeserializeOwned>(&mut self) -> Result<Option<(u64, T)>> {
        let path = self.path.clone();
        let Some((line_no, bytes, complete)) = self.next_line()? else {
            return Ok(None);
        };
        match serde_json::from_slice::<T>(bytes) {
            Ok(v) => {
                self.stats.records += 1;
                Ok(Some((line_no, v)))
            }
            Err(_) if !complete => {
                self.stats.torn_lines += 1;
                Ok(None)
            }
            Err(e) => Err(json_error(&path, line_no, bytes, &e)),
        }
    }
}

/// Turns a serde_json error into [`EvalError::InvalidRecord`], naming the
/// field: from serde's message for missing fields, else by re-reading the
/// line as an object and checking each record field on its own.
pub(crate) fn json_error(path: &Path, line: u64, bytes: &[u8], e: &serde_json::Error) -> EvalError {
    let msg = e.to_string();
    let named = msg
        .split('`')
        .nth(1)
        .filter(|_| msg.starts_with("missing field"))
        .map(str::to_owned);
    let field = named
        .or_else(|| locate_bad_field(bytes))
        .unwrap_or_else(|| "(record)".to_owned());
    EvalError::InvalidRecord {
        path: path.to_path_buf(),
        line,
        field,
        message: msg,
    }
}

fn locate_bad_field(bytes: &[u8]) -> Option<String> {
    use crate::record::{ErrorInfo, RecordOutput, RecordUsage, RecordVerdict, Status, Timings};
    use assurai_taxonomy::{Modality, PromptType, RiskCategory, RiskFactor};
    fn bad<T: DeserializeOwned>(v: &serde_json::Value) -> bool {
        serde_json::from_value::<T>(v.clone()).is_err()
    }
    let map: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(bytes).ok()?;
    type Check = (&'static str, fn(&serde_json::Value) -> bool);
    let checks: [Check; 17] = [
        ("schema_version", bad::<u32>),
        ("instance_id", bad::<String>),
        ("model", bad::<String>),
        ("epoch", bad::<u32>),
        ("status", bad::<Status>),
        ("score", bad::<Option<u8>>),
        ("risk_factor", bad::<RiskFactor>),
        ("category", bad::<RiskCategory>),
        ("prompt_type", bad::<PromptType>),
        ("modality", bad::<Modality>),
        ("output", bad::<RecordOutput>),
        ("verdicts", bad::<Vec<RecordVerdict>>),
        ("attempts", bad::<u32>),
        ("error", bad::<Option<ErrorInfo>>),
        ("human_scores", bad::<Vec<u8>>),
        ("timings", bad::<Timings>),
        ("usage", bad::<RecordUsage>),
    ];
    checks
        .iter()
        .find(|(name, is_bad)| map.get(*name).is_some_and(is_bad))
        .map(|(name, _)| (*name).to_owned())
}

/// Reads the records of a results file one by one, validating each.
///
/// A torn last line (a crash mid-write) is skipped and counted in
/// [`RecordReader::stats`]; any other invalid line is an
/// [`EvalError::InvalidRecord`] naming the file, line and field. Duplicates
/// are returned as they appear (see [`crate::ResumeState`] for the policy).
///
/// ```no_run
/// use assurai_eval::RecordReader;
///
/// let mut n = 0;
/// for record in RecordReader::open("runs/demo/results.jsonl".as_ref())? {
///     let record = record?;
///     n += usize::from(record.score.is_some());
/// }
/// # Ok::<(), assurai_eval::EvalError>(())
/// ```
pub struct RecordReader {
    lines: Lines,
    done: bool,
}

impl RecordReader {
    /// Opens a results file.
    pub fn open(path: &Path) -> Result<Self> {
        Ok(Self {
            lines: Lines::open(path)?,
            done: false,
        })
    }

    /// Counts so far.
    pub fn stats(&self) -> ReadStats {
        self.lines.stats
    }
}

impl Iterator for RecordReader {
    type Item = Result<Record>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = match self.lines.next_parsed::<Record>() {
            Ok(Some((line, record))) => record.validate().map(|()| record).map_err(|e| match e {
                EvalError::InvalidInput { field, message, .. } => EvalError::InvalidRecord {
                    path: self.lines.path().to_path_buf(),
                    line,
                    field: field.to_owned(),
                    message,
                },
                other => other,
            }),
            Ok(None) => {
                self.done = true;
                return None;
            }
            Err(e) => Err(e),
        };
        if item.is_err() {
            self.done = true;
        }
        Some(item)
    }
}
