//! Streaming readers for JSON Lines, JSON arrays and CSV.

use std::io::{self, BufRead};
use std::path::Path;
use std::str::FromStr;

use serde_json::{Map, Value};

use crate::convert::{Sink, instance_from_value};
use crate::mapping::Mapped;
use crate::release::{Converted, Release};
use crate::{DatasetError, FieldMap, Instance, Problem};

/// What is done to each parsed record before it is converted.
#[derive(Debug)]
pub(crate) enum Transform {
    /// A field mapping (or preset); `checked` once the first record's
    /// columns were checked.
    Map { map: FieldMap, checked: bool },
    /// The AssurAI release importer.
    Release(Box<Release>),
}

/// The outcome of transforming one record.
enum Step {
    /// The record, its problems and the fields whose conversion problems
    /// are already reported.
    Value(Value, Vec<Problem>, Vec<String>),
    Invalid(Vec<Problem>),
    /// Counted and reported once at the end of the stream.
    Deferred,
    /// The file is not what the transform expects: stop reading.
    Fatal(Problem),
}

impl Transform {
    fn apply(&mut self, value: Value, line: u64) -> Step {
        match self {
            Self::Map { map, checked } => {
                let first = !*checked;
                *checked = true;
                match map.apply_checked(value, line, first) {
                    Mapped::Value(v, p, r) => Step::Value(v, p, r),
                    Mapped::WrongFile(p) => Step::Fatal(p),
                }
            }
            Self::Release(r) => match r.convert(value, line) {
                Converted::Value(v, w) => Step::Value(v, w, Vec::new()),
                Converted::Invalid(p) => Step::Invalid(p),
                Converted::UnknownCode => Step::Deferred,
            },
        }
    }

    fn finish(&mut self) -> Vec<Problem> {
        match self {
            Self::Map { .. } => Vec::new(),
            Self::Release(r) => r.finish(),
        }
    }
}

/// A dataset file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// One JSON object per line (`.jsonl`, `.ndjson`).
    JsonLines,
    /// One JSON array of objects (`.json`).
    JsonArray,
    /// Comma-separated values with a header row (`.csv`); structured
    /// fields (turns, choices, …) hold JSON text.
    Csv,
    /// Tab-separated values with a header row (`.tsv`), read like CSV.
    Tsv,
    /// The published AssurAI release (`TTA01/AssurAI`): `assurai_index.jsonl`
    /// with its `Risk_NN/<modality>/` media, converted on the fly (see
    /// `docs/dataset-format.md`).
    AssuraiRelease,
}

impl Format {
    /// The format implied by a file extension; JSON Lines when unknown.
    pub fn from_path(path: &Path) -> Self {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("json") => Self::JsonArray,
            Some("csv") => Self::Csv,
            Some("tsv" | "tab") => Self::Tsv,
            _ => Self::JsonLines,
        }
    }

    /// `jsonl`, `json`, `csv`, `tsv` or `assurai-release`.
    pub fn id(self) -> &'static str {
        match self {
            Self::JsonLines => "jsonl",
            Self::JsonArray => "json",
            Self::Csv => "csv",
            Self::Tsv => "tsv",
            Self::AssuraiRelease => "assurai-release",
        }
    }
}

impl FromStr for Format {
    type Err = DatasetError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "jsonl" | "ndjson" | "json-lines" | "jsonlines" => Ok(Self::JsonLines),
            "json" => Ok(Self::JsonArray),
            "csv" => Ok(Self::Csv),
            "tsv" => Ok(Self::Tsv),
            "assurai-release" => Ok(Self::AssuraiRelease),
            other => Err(DatasetError::InvalidArgument(format!(
                "unknown format `{other}`: expected jsonl, json, csv, tsv or assurai-release"
            ))),
        }
    }
}

/// Resource limits for untrusted input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Longest record accepted, in bytes (default 4 MiB). Longer records are
    /// skipped without being held in memory and reported as errors.
    pub max_record_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_record_bytes: 4 << 20,
        }
    }
}

impl Limits {
    /// Sets [`Limits::max_record_bytes`].
    pub fn max_record_bytes(mut self, n: usize) -> Self {
        self.max_record_bytes = n;
        self
    }
}

/// One instance and the line where its record starts.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Record {
    /// 1-based line of the record in the file.
    pub line: u64,
    /// The instance.
    pub instance: Instance,
}

/// A record after conversion, with all its problems (used by the validator).
#[derive(Debug)]
pub(crate) struct Checked {
    pub(crate) line: u64,
    pub(crate) instance: Option<Instance>,
    pub(crate) problems: Vec<Problem>,
    /// Whether this is a record (not a summary of the whole file).
    pub(crate) record: bool,
}

enum Raw {
    /// A record the fast path converted with no problem.
    Instance(u64, Instance),
    Value(u64, Value),
    Bad(Problem),
}

enum Source<R> {
    Lines(LineSource<R>),
    Array(ArraySource<R>),
    Csv(CsvSource<R>),
}

/// A streaming reader: an iterator of `Result<Record, DatasetError>`.
///
/// Records with errors come out as [`DatasetError::Record`] and reading goes
/// on with the next record (except after a structural error in a JSON array,
/// which ends the stream). Memory stays bounded by [`Limits`] whatever the
/// file size.
///
/// ```
/// use assurai_dataset::{Format, Reader};
///
/// let data = "{\"id\": \"a\", \"risk_factor\": 3, \"prompt_type\": \"q_only\", \"prompt\": \"질문\"}\n\
///             {\"id\": \"b\", \"risk_factor\": \"nope\", \"prompt_type\": \"q_only\", \"prompt\": \"질문\"}\n";
/// let results: Vec<_> = Reader::new(data.as_bytes(), Format::JsonLines).collect();
/// assert_eq!(results.len(), 2);
/// assert_eq!(results[0].as_ref().unwrap().instance.id, "a");
/// assert_eq!(results[1].as_ref().unwrap_err().line(), Some(2));
/// ```
pub struct Reader<R> {
    source: Source<R>,
    transform: Option<Transform>,
    limits: Limits,
    /// Whether records may take the fast path (no mapping to apply first).
    fast: bool,
    /// A fatal problem ended the stream.
    stopped: bool,
    /// Records with errors are left out of the iterator.
    skip_invalid: bool,
    /// The end-of-stream summary was given.
    finished: bool,
}

impl<R> std::fmt::Debug for Reader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reader")
            .field("transform", &self.transform)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl<R: BufRead> Reader<R> {
    /// Reads `input` in `format` with default limits and no mapping.
    pub fn new(input: R, format: Format) -> Self {
        Self::with_options(input, format, None, Limits::default())
    }

    /// Reads `input` in `format`, mapping each record with `mapping`.
    ///
    /// [`Format::AssuraiRelease`] converts release records with the built-in
    /// prompt-type codes and looks for media in the current folder; use
    /// [`crate::Dataset::open_release`] to set both.
    pub fn with_options(
        input: R,
        format: Format,
        mapping: Option<FieldMap>,
        limits: Limits,
    ) -> Self {
        let transform = match format {
            Format::AssuraiRelease => Some(Transform::Release(Box::new(Release::new(
                crate::PromptTypeCodes::default(),
                Path::new("."),
            )))),
            _ => mapping.map(|map| Transform::Map {
                map,
                checked: false,
            }),
        };
        Self::with_transform(input, format, transform, limits)
    }

    pub(crate) fn with_transform(
        input: R,
        format: Format,
        transform: Option<Transform>,
        limits: Limits,
    ) -> Self {
        let fast = transform.is_none();
        let source = match format {
            Format::JsonLines | Format::AssuraiRelease => Source::Lines(LineSource {
                input,
                line: 0,
                buf: Vec::new(),
                failed: false,
            }),
            Format::JsonArray => Source::Array(ArraySource {
                input,
                line: 1,
                col: 1,
                state: ArrayState::Start,
                buf: Vec::new(),
            }),
            Format::Csv => Source::Csv(CsvSource::new(input, b',', fast)),
            Format::Tsv => Source::Csv(CsvSource::new(input, b'\t', fast)),
        };
        Self {
            source,
            transform,
            limits,
            fast,
            stopped: false,
            skip_invalid: false,
            finished: false,
        }
    }

    /// Leaves records with errors out of the iterator (a problem of the
    /// whole file, such as a preset applied to the wrong file, still comes
    /// out as an error).
    pub fn skipping_invalid(mut self, skip: bool) -> Self {
        self.skip_invalid = skip;
        self
    }

    fn next_raw(&mut self) -> Option<Raw> {
        let max = self.limits.max_record_bytes;
        let fast = self.fast;
        match &mut self.source {
            Source::Lines(s) => s.next(max, fast),
            Source::Array(s) => s.next(max, fast),
            Source::Csv(s) => s.next(max),
        }
    }

    /// Bytes of the record last returned by `next_raw` (an estimate of the
    /// memory its parsed form holds).
    fn last_record_bytes(&self) -> usize {
        match &self.source {
            Source::Lines(s) => s.buf.len(),
            Source::Array(s) => s.buf.len(),
            Source::Csv(s) => s.record.as_slice().len(),
        }
    }

    /// The next record with every problem found while reading it, then
    /// (once) a summary of problems found across records.
    pub(crate) fn next_checked(&mut self) -> Option<Checked> {
        loop {
            if self.finished {
                return None;
            }
            let raw = if self.stopped { None } else { self.next_raw() };
            let Some(raw) = raw else {
                self.finished = true;
                return summary(self.transform.as_mut());
            };
            match check_raw(raw, self.transform.as_mut()) {
                Checked2::Record(c) => return Some(c),
                Checked2::Deferred => {}
                Checked2::Fatal(c) => {
                    self.stopped = true;
                    return Some(c);
                }
            }
        }
    }

    /// Calls `f` with every checked record, parsing JSON on a second thread
    /// while `f` runs (records travel in batches of at most 256 records or
    /// 1 MiB of input, two batches queued, so memory stays bounded).
    pub(crate) fn for_each_checked_pipelined(self, mut f: impl FnMut(Checked))
    where
        R: Send,
    {
        let Reader {
            source,
            mut transform,
            limits,
            fast,
            ..
        } = self;
        let mut raw_reader = Reader {
            source,
            transform: None,
            limits,
            fast,
            stopped: false,
            skip_invalid: false,
            finished: false,
        };
        std::thread::scope(|scope| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Raw>>(2);
            scope.spawn(move || {
                loop {
                    let mut batch = Vec::with_capacity(256);
                    let mut bytes = 0usize;
                    let mut done = false;
                    while batch.len() < 256 && bytes < (1 << 20) {
                        match raw_reader.next_raw() {
                            Some(r) => {
                                bytes += raw_reader.last_record_bytes().max(1);
                                batch.push(r);
                            }
                            None => {
                                done = true;
                                break;
                            }
                        }
                    }
                    if (!batch.is_empty() && tx.send(batch).is_err()) || done {
                        return;
                    }
                }
            });
            'batches: for batch in rx {
                for raw in batch {
                    match check_raw(raw, transform.as_mut()) {
                        Checked2::Record(c) => f(c),
                        Checked2::Deferred => {}
                        Checked2::Fatal(c) => {
                            f(c);
                            break 'batches;
                        }
                    }
                }
            }
        });
        if let Some(c) = summary(transform.as_mut()) {
            f(c);
        }
    }
}

enum Checked2 {
    Record(Checked),
    Deferred,
    Fatal(Checked),
}

fn summary(transform: Option<&mut Transform>) -> Option<Checked> {
    let problems = transform?.finish();
    (!problems.is_empty()).then_some(Checked {
        line: 0,
        instance: None,
        problems,
        record: false,
    })
}

fn check_raw(raw: Raw, transform: Option<&mut Transform>) -> Checked2 {
    let record = |line, instance, problems| Checked {
        line,
        instance,
        problems,
        record: true,
    };
    match raw {
        Raw::Bad(p) => Checked2::Record(record(p.line.unwrap_or(0), None, vec![p])),
        Raw::Instance(line, instance) => Checked2::Record(record(line, Some(instance), Vec::new())),
        Raw::Value(line, value) => {
            let (value, mut problems, rejected) = match transform {
                None => (value, Vec::new(), Vec::new()),
                Some(t) => match t.apply(value, line) {
                    Step::Value(v, p, r) => (v, p, r),
                    Step::Invalid(p) => return Checked2::Record(record(line, None, p)),
                    Step::Deferred => return Checked2::Deferred,
                    Step::Fatal(p) => {
                        return Checked2::Fatal(Checked {
                            line,
                            instance: None,
                            problems: vec![p],
                            record: false,
                        });
                    }
                },
            };
            let errors_before = problems.iter().any(Problem::is_error);
            let before = problems.len();
            let mut sink = Sink::new(line, &mut problems);
            let instance = instance_from_value(value, &mut sink);
            let instance = if errors_before { None } else { instance };
            if !rejected.is_empty() {
                let id = problems[before..].iter().find_map(|p| p.id.clone());
                let mut i = 0;
                problems.retain(|p| {
                    i += 1;
                    i <= before || !p.field.as_ref().is_some_and(|f| rejected.contains(f))
                });
                for p in &mut problems[..before] {
                    if p.id.is_none() {
                        p.id.clone_from(&id);
                    }
                }
            }
            Checked2::Record(record(line, instance, problems))
        }
    }
}

impl<R: BufRead> Iterator for Reader<R> {
    type Item = Result<Record, DatasetError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let c = self.next_checked()?;
            return Some(match c.instance {
                Some(instance) => Ok(Record {
                    line: c.line,
                    instance,
                }),
                None if self.skip_invalid && c.record => continue,
                None => Err(DatasetError::Record {
                    problems: c.problems.into_iter().filter(Problem::is_error).collect(),
                }),
            });
        }
    }
}

fn io_problem(line: u64, e: &io::Error) -> Problem {
    Problem::error(Some(line), None, format!("read error: {e}"))
}

fn too_long(line: u64, len: usize, max: usize) -> Problem {
    Problem::error(
        Some(line),
        None,
        format!("record is {len} bytes long, more than the limit of {max} bytes; skipped"),
    )
}

/// Parses one record's text; `line`/`col` locate its first byte. With
/// `fast`, a record in the canonical form skips the `Value` tree; any other
/// record is parsed again below, so its problems are reported as always.
fn parse_record(text: &[u8], line: u64, col: u64, fast: bool) -> Raw {
    if fast && let Some(instance) = crate::fast::instance_from_slice(text) {
        return Raw::Instance(line, instance);
    }
    // serde_json checks UTF-8 inside strings itself; a separate pass is only
    // needed to explain a failure well.
    let err = match serde_json::from_slice::<Value>(text) {
        Ok(v) => return Raw::Value(line, v),
        Err(e) => e,
    };
    if let Err(u) = std::str::from_utf8(text) {
        let before = &text[..u.valid_up_to()];
        let nl = before.iter().filter(|b| **b == b'\n').count() as u64;
        let column = match before.iter().rposition(|b| *b == b'\n') {
            Some(p) => before.len() - p,
            None => before.len() + col as usize,
        };
        let mut p = Problem::error(
            Some(line + nl),
            None,
            "invalid UTF-8: the file must be UTF-8 encoded",
        );
        p.column = Some(column as u64);
        return Raw::Bad(p);
    }
    let el = err.line() as u64;
    let ec = err.column() as u64;
    let column = if el <= 1 { ec + col - 1 } else { ec };
    let mut p = Problem::error(
        Some(line + el.saturating_sub(1)),
        None,
        format!("JSON syntax error: {err}").replace(
            &format!(" at line {} column {}", err.line(), err.column()),
            "",
        ),
    );
    p.column = Some(column.max(1));
    Raw::Bad(p)
}

struct LineSource<R> {
    input: R,
    line: u64,
    buf: Vec<u8>,
    failed: bool,
}

impl<R: BufRead> LineSource<R> {
    fn next(&mut self, max: usize, fast: bool) -> Option<Raw> {
        loop {
            if self.failed {
                return None;
            }
            self.buf.clear();
            let (len, over) = match read_line_limited(&mut self.input, &mut self.buf, max) {
                Ok(Some(x)) => x,
                Ok(None) => return None,
                Err(e) => {
                    self.failed = true;
                    return Some(Raw::Bad(io_problem(self.line + 1, &e)));
                }
            };
            self.line += 1;
            if over {
                return Some(Raw::Bad(too_long(self.line, len, max)));
            }
            let mut bytes = &self.buf[..];
            if self.line == 1 {
                bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            }
            let lead = bytes.iter().take_while(|b| b.is_ascii_whitespace()).count();
            let trimmed = bytes[lead..].trim_ascii_end();
            if trimmed.is_empty() {
                continue;
            }
            return Some(parse_record(trimmed, self.line, lead as u64 + 1, fast));
        }
    }
}

/// Reads up to and including the next `\n`. Returns the line's length and
/// whether it exceeded `max` (then `buf` holds nothing of it).
fn read_line_limited<R: BufRead>(
    r: &mut R,
    buf: &mut Vec<u8>,
    max: usize,
) -> io::Result<Option<(usize, bool)>> {
    let mut total = 0usize;
    let mut over = false;
    loop {
        let avail = match r.fill_buf() {
            Ok(a) => a,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            return Ok((total > 0).then_some((total, over)));
        }
        let (take, done) = match find_newline(avail) {
            Some(p) => (p + 1, true),
            None => (avail.len(), false),
        };
        if !over {
            if buf.len() + take > max.saturating_add(2) {
                over = true;
                buf.clear();
            } else {
                buf.extend_from_slice(&avail[..take]);
            }
        }
        total += take;
        r.consume(take);
        if done {
            let content = if over {
                total.saturating_sub(1)
            } else {
                buf.trim_ascii_end().len()
            };
            over = over || content > max;
            return Ok(Some((total, over)));
        }
    }
}

/// The index of the first `\n` in `s`, eight bytes at a time.
fn find_newline(s: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    const NL: u64 = u64::from_ne_bytes([b'\n'; 8]);
    let mut chunks = s.chunks_exact(8);
    let mut at = 0;
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let x = u64::from_le_bytes(w) ^ NL;
        // The lowest set bit marks the first zero byte exactly (borrows
        // only run towards higher bytes).
        let z = x.wrapping_sub(ONES) & !x & HIGHS;
        if z != 0 {
            return Some(at + (z.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|b| *b == b'\n')
        .map(|p| at + p)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ArrayState {
    Start,
    First,
    Next,
    Done,
}

struct ArraySource<R> {
    input: R,
    line: u64,
    col: u64,
    state: ArrayState,
    buf: Vec<u8>,
}

impl<R: BufRead> ArraySource<R> {
    fn peek(&mut self) -> io::Result<Option<u8>> {
        loop {
            match self.input.fill_buf() {
                Ok(b) => return Ok(b.first().copied()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    fn bump(&mut self, b: u8) {
        self.input.consume(1);
        if b == b'\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
    }

    fn skip_ws(&mut self) -> io::Result<Option<u8>> {
        loop {
            match self.peek()? {
                Some(b) if b.is_ascii_whitespace() => self.bump(b),
                other => return Ok(other),
            }
        }
    }

    fn fail(&mut self, message: impl Into<String>) -> Option<Raw> {
        self.state = ArrayState::Done;
        let mut p = Problem::error(Some(self.line), None, message);
        p.column = Some(self.col);
        Some(Raw::Bad(p))
    }

    fn next(&mut self, max: usize, fast: bool) -> Option<Raw> {
        match self.step(max, fast) {
            Ok(r) => r,
            Err(e) => {
                self.state = ArrayState::Done;
                Some(Raw::Bad(io_problem(self.line, &e)))
            }
        }
    }

    fn step(&mut self, max: usize, fast: bool) -> io::Result<Option<Raw>> {
        if self.state == ArrayState::Done {
            return Ok(None);
        }
        if self.state == ArrayState::Start {
            // Skip a UTF-8 byte order mark.
            if self.input.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
                self.input.consume(3);
            }
            match self.skip_ws()? {
                None => {
                    self.state = ArrayState::Done;
                    return Ok(None);
                }
                Some(b'[') => {
                    self.bump(b'[');
                    self.state = ArrayState::First;
                }
                Some(_) => {
                    return Ok(self.fail(
                        "expected `[`: a .json dataset is one JSON array of objects (use --format jsonl for JSON Lines)",
                    ));
                }
            }
        }
        match self.skip_ws()? {
            None => {
                return Ok(
                    self.fail("unexpected end of file: the JSON array is not closed with `]`")
                );
            }
            Some(b']') => {
                self.bump(b']');
                self.state = ArrayState::Done;
                return Ok(match self.skip_ws()? {
                    None => None,
                    Some(_) => self.fail("unexpected characters after the closing `]`"),
                });
            }
            Some(b',') if self.state == ArrayState::Next => {
                self.bump(b',');
                match self.skip_ws()? {
                    Some(b']') | None => {
                        return Ok(self.fail("expected a value after `,` (trailing comma?)"));
                    }
                    Some(_) => {}
                }
            }
            Some(_) if self.state == ArrayState::Next => {
                return Ok(self.fail("expected `,` or `]` between array elements"));
            }
            Some(_) => {}
        }
        self.state = ArrayState::Next;
        let (line, col) = (self.line, self.col);
        self.buf.clear();
        let mut depth = 0u32;
        let mut in_string = false;
        let mut escape = false;
        let mut len = 0usize;
        loop {
            let chunk = loop {
                match self.input.fill_buf() {
                    Ok(b) => break b,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            };
            if chunk.is_empty() {
                return Ok(
                    self.fail("unexpected end of file inside an array element (truncated file?)")
                );
            }
            let mut used = 0;
            let mut end = false;
            for &b in chunk {
                if !in_string && depth == 0 && (b == b',' || b == b']') {
                    end = true;
                    break;
                }
                used += 1;
                if in_string {
                    if escape {
                        escape = false;
                    } else if b == b'\\' {
                        escape = true;
                    } else if b == b'"' {
                        in_string = false;
                    }
                } else {
                    match b {
                        b'"' => in_string = true,
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => depth = depth.saturating_sub(1),
                        _ => {}
                    }
                }
                if b == b'\n' {
                    self.line += 1;
                    self.col = 1;
                } else {
                    self.col += 1;
                }
            }
            if len + used <= max {
                self.buf.extend_from_slice(&chunk[..used]);
            }
            len += used;
            self.input.consume(used);
            if end {
                break;
            }
        }
        if len > max {
            return Ok(Some(Raw::Bad(too_long(line, len, max))));
        }
        Ok(Some(parse_record(
            self.buf.trim_ascii_end(),
            line,
            col,
            fast,
        )))
    }
}

/// Schema fields whose CSV cells hold JSON text.
const JSON_CELLS: &[&str] = &[
    "turns",
    "choices",
    "candidates",
    "media",
    "annotations",
    "responses",
    "metadata",
];

struct CsvSource<R> {
    reader: csv::Reader<R>,
    headers: Option<Vec<String>>,
    record: csv::ByteRecord,
    failed: bool,
    /// Schema-named cells must hold JSON (off under a mapping: the columns
    /// are then the foreign dataset's).
    strict_json: bool,
}

impl<R: BufRead> CsvSource<R> {
    fn new(input: R, delimiter: u8, strict_json: bool) -> Self {
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(input);
        Self {
            reader,
            headers: None,
            record: csv::ByteRecord::new(),
            failed: false,
            strict_json,
        }
    }

    fn next(&mut self, max: usize) -> Option<Raw> {
        loop {
            if self.failed {
                return None;
            }
            let line = self.reader.position().line() + 1;
            match self.reader.read_byte_record(&mut self.record) {
                Ok(false) => return None,
                Ok(true) => {}
                Err(e) => {
                    let line = e.position().map_or(line, |p| p.line());
                    if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                        self.failed = true;
                    }
                    return Some(Raw::Bad(Problem::error(
                        Some(line),
                        None,
                        format!("CSV error: {e}"),
                    )));
                }
            }
            let line = self.record.position().map_or(line, |p| p.line());
            let Some(headers) = &self.headers else {
                let mut hs = Vec::with_capacity(self.record.len());
                for (i, h) in self.record.iter().enumerate() {
                    let h = if i == 0 {
                        h.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(h)
                    } else {
                        h
                    };
                    match std::str::from_utf8(h) {
                        Ok(s) => hs.push(s.trim().to_owned()),
                        Err(_) => {
                            self.failed = true;
                            return Some(Raw::Bad(Problem::error(
                                Some(line),
                                None,
                                format!("invalid UTF-8 in header column {}", i + 1),
                            )));
                        }
                    }
                }
                self.headers = Some(hs);
                continue;
            };
            if self.record.iter().all(|c| c.trim_ascii().is_empty()) {
                continue;
            }
            let size = self.record.as_slice().len();
            if size > max {
                return Some(Raw::Bad(too_long(line, size, max)));
            }
            let mut obj = Map::new();
            for (i, cell) in self.record.iter().enumerate() {
                let name = headers
                    .get(i)
                    .cloned()
                    .unwrap_or_else(|| format!("column{}", i + 1));
                let Ok(text) = std::str::from_utf8(cell) else {
                    return Some(Raw::Bad(Problem::error(
                        Some(line),
                        Some(&name),
                        "invalid UTF-8: the file must be UTF-8 encoded",
                    )));
                };
                let text = text.trim();
                if text.is_empty() {
                    continue;
                }
                let json_like = text.starts_with('[') || text.starts_with('{');
                let value = if json_like {
                    match serde_json::from_str::<Value>(text) {
                        Ok(v) => v,
                        Err(e) if self.strict_json && JSON_CELLS.contains(&name.as_str()) => {
                            return Some(Raw::Bad(Problem::error(
                                Some(line),
                                Some(&name),
                                format!("the cell must hold JSON: {e}"),
                            )));
                        }
                        Err(_) => Value::String(text.to_owned()),
                    }
                } else {
                    Value::String(text.to_owned())
                };
                obj.insert(name, value);
            }
            return Some(Raw::Value(line, Value::Object(obj)));
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::find_newline;

    proptest! {
        #[test]
        fn find_newline_finds_the_first(bytes in prop::collection::vec(prop::sample::select(vec![b'\n', b'a', 0x0b, 0x09, 0x8a, 0xff, 0x00]), 0..40)) {
            prop_assert_eq!(find_newline(&bytes), bytes.iter().position(|b| *b == b'\n'));
        }
    }
}
