//! [`Validator`]: every problem of a dataset, in one pass.

use std::collections::{BTreeSet, HashSet};
use std::hash::{BuildHasherDefault, DefaultHasher, Hasher};
use std::io::BufRead;
use std::path::Path;

use serde::Serialize;

use crate::check::{MediaRoot, check_instance};
use crate::convert::Sink;
use crate::read::Checked;
use crate::{Distribution, Problem, Reader};

/// The outcome of a validation; serialises as the `assurai validate --json`
/// contract: `{"instances", "valid", "errors", "warnings", "distribution"}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ValidationReport {
    /// Records read (valid or not; blank lines excluded).
    pub instances: u64,
    /// Whether the dataset is usable: at least one instance and no error.
    pub valid: bool,
    /// Errors in file order (at most the validator's limit, then a note).
    pub errors: Vec<Problem>,
    /// Warnings in file order (same limit).
    pub warnings: Vec<Problem>,
    /// Counts of the instances that could be read.
    pub distribution: Distribution,
}

/// Checks a dataset and collects every problem with its line, id and field.
///
/// Checks: syntax, required fields and types, taxonomy values, duplicate
/// ids, empty prompts, prompt-type structure, roles, scores, media paths
/// (never absolute, never `..`, no symlink out of the dataset folder, the
/// file exists), and warnings for modalities Table 10 does not plan and
/// prompts without Hangul.
///
/// Memory grows only with the number of distinct ids (8 bytes each) and the
/// listed problems (capped by [`Validator::max_problems`]).
///
/// ```
/// use assurai_dataset::{Format, Reader, Validator};
///
/// let data = r#"{"id": "a", "risk_factor": 21, "prompt_type": "q_only", "prompt": ""}
/// {"id": "b", "risk_factor": 99, "prompt_type": "q_only", "prompt": "질문"}
/// {"id": "a", "risk_factor": "fraud", "prompt_type": "q_only", "prompt": "질문"}
/// "#;
/// let report = Validator::new().validate(Reader::new(data.as_bytes(), Format::JsonLines));
/// assert!(!report.valid);
/// let found: Vec<_> = report.errors.iter().map(|e| (e.line, e.field.as_deref())).collect();
/// assert_eq!(found, [(Some(1), Some("prompt")), (Some(2), Some("risk_factor")), (Some(3), Some("id"))]);
/// ```
#[derive(Debug)]
pub struct Validator {
    media: Option<MediaRoot>,
    max_problems: usize,
    ids: HashSet<u64, BuildHasherDefault<IdHasher>>,
    unknown_fields: BTreeSet<String>,
    instances: u64,
    errors: Vec<Problem>,
    warnings: Vec<Problem>,
    hidden_errors: u64,
    hidden_warnings: u64,
    distribution: Distribution,
}

/// The ids are already hashed; this hasher passes the hash through.
#[derive(Debug, Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

impl Default for Validator {
    fn default() -> Self {
        Self::new()
    }
}

impl Validator {
    /// A validator that checks media paths syntactically only.
    pub fn new() -> Self {
        Self {
            media: None,
            max_problems: 10_000,
            ids: HashSet::default(),
            unknown_fields: BTreeSet::new(),
            instances: 0,
            errors: Vec::new(),
            warnings: Vec::new(),
            hidden_errors: 0,
            hidden_warnings: 0,
            distribution: Distribution::new(),
        }
    }

    /// Also checks that media files exist inside `dir` (the dataset's
    /// folder) and that no symlink leads out of it.
    pub fn with_media_dir(mut self, dir: &Path) -> Self {
        self.media = Some(MediaRoot::new(dir));
        self
    }

    /// Lists at most `n` errors and `n` warnings (default 10,000); the rest
    /// are counted in a final note.
    pub fn max_problems(mut self, n: usize) -> Self {
        self.max_problems = n.max(1);
        self
    }

    /// Reads and checks every record of `reader`.
    pub fn validate<R: BufRead>(mut self, mut reader: Reader<R>) -> ValidationReport {
        while let Some(c) = reader.next_checked() {
            self.push(c);
        }
        self.finish()
    }

    /// Like [`Validator::validate`], but parses JSON on a second thread
    /// while this one checks (same report, bounded memory). Worth it only
    /// with a free core: on a saturated 2-core machine it measured no faster
    /// (see `docs/benchmarks.md`).
    pub fn validate_pipelined<R: BufRead + Send>(mut self, reader: Reader<R>) -> ValidationReport {
        reader.for_each_checked_pipelined(|c| self.push(c));
        self.finish()
    }

    pub(crate) fn push(&mut self, c: Checked) {
        let Checked {
            line,
            instance,
            mut problems,
            record,
        } = c;
        if record {
            self.instances += 1;
        }
        if let Some(inst) = &instance {
            let mut sink = Sink::new(line, &mut problems);
            check_instance(inst, &mut sink);
            if let Some(root) = &self.media {
                for (field, m) in inst.media_refs() {
                    if crate::check::check_relative(&m.path).is_ok()
                        && let Err(e) = root.resolve_message(&m.path)
                    {
                        sink.error(&field, e);
                    }
                }
            }
            let mut h = DefaultHasher::new();
            h.write(inst.id.as_bytes());
            let key = h.finish();
            if !self.ids.insert(key) {
                sink.error(
                    "id",
                    format!("duplicate id `{}`: ids must be unique", inst.id),
                );
            }
            for k in inst.extra.keys() {
                if self.unknown_fields.len() < 1000 && self.unknown_fields.insert(k.clone()) {
                    sink.warn(
                        k,
                        format!(
                            "unknown field `{k}` (first seen here); it is kept but not used — \
                             put free data under `metadata` or map it with --map"
                        ),
                    );
                }
            }
            let id = inst.id.as_str();
            for p in &mut problems {
                if p.id.is_none() {
                    p.id = Some(id.to_owned());
                }
            }
            if !problems.iter().any(Problem::is_error) {
                self.distribution.add(inst);
            }
        }
        for p in problems {
            let (list, hidden) = if p.is_error() {
                (&mut self.errors, &mut self.hidden_errors)
            } else {
                (&mut self.warnings, &mut self.hidden_warnings)
            };
            if list.len() < self.max_problems {
                list.push(p);
            } else {
                *hidden += 1;
            }
        }
    }

    /// The report.
    pub fn finish(mut self) -> ValidationReport {
        if self.instances == 0 && self.errors.is_empty() {
            self.errors.push(Problem::error(
                None,
                None,
                "the dataset has no instances (empty file or only blank lines)",
            ));
        }
        if self.hidden_errors > 0 {
            self.errors.push(Problem::error(
                None,
                None,
                format!("… and {} more errors not listed", self.hidden_errors),
            ));
        }
        if self.hidden_warnings > 0 {
            self.warnings.push(Problem::warning(
                None,
                None,
                format!("… and {} more warnings not listed", self.hidden_warnings),
            ));
        }
        ValidationReport {
            instances: self.instances,
            valid: self.errors.is_empty(),
            errors: self.errors,
            warnings: self.warnings,
            distribution: self.distribution,
        }
    }
}
