//! Export of run directories to Inspect's `.eval` log format, so
//! `inspect view` can browse AssurAI runs.
//!
//! An `.eval` file is a ZIP archive (DEFLATE) holding `_journal/start.json`
//! (the eval spec and plan), one `samples/{id}_epoch_{n}.json` per record,
//! `summaries.json` (one summary per sample) and `header.json` (spec, plan,
//! results and stats). Field names follow inspect_ai's `log/_log.py` and
//! `log/_recorders/eval.py` (log format version 2). Each sample's score
//! `assurai_safety` has the 1–5 safety score as its value and the first
//! verdict's rationale as its explanation; blocked and unscored records get
//! Inspect's "unscored" value (NaN) with a reason, and errored records carry
//! an `error`.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use assurai_files::AtomicFile;
use serde_json::{Map, Value, json};
use zip::write::SimpleFileOptions;

use crate::error::{EvalError, Result};
use crate::record::{Record, Status};
use crate::report::index_runs;
use crate::store::Lines;

/// The score name used in exported logs.
pub const INSPECT_SCORER: &str = "assurai_safety";

/// Options for [`export_inspect_logs`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct InspectOptions {
    /// The task name written into each log (default `assurai`).
    pub task: String,
    /// The dataset name written into each log (default: the first run's
    /// dataset path, else `assurai`).
    pub dataset_name: Option<String>,
}

impl Default for InspectOptions {
    fn default() -> Self {
        Self {
            task: "assurai".into(),
            dataset_name: None,
        }
    }
}

fn zip_err(path: &Path, e: impl std::fmt::Display) -> EvalError {
    EvalError::io("cannot write", path, std::io::Error::other(e.to_string()))
}

/// One open `.eval` archive being written.
struct LogWriter {
    model: String,
    path: PathBuf,
    /// The archive, written in place of `path` (the one atomic write).
    zip: zip::ZipWriter<AtomicFile>,
    /// Sample summaries, spooled to a temporary file until the end.
    summaries: std::io::BufWriter<File>,
    summaries_path: PathBuf,
    n_samples: u64,
    /// Counts of scores 1–5 (the header's metrics).
    hist: [u64; 5],
}

impl LogWriter {
    fn start(&mut self, name: &str, large: bool) -> Result<()> {
        let options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(large);
        self.zip
            .start_file(name, options)
            .map_err(|e| zip_err(&self.path, e))
    }

    fn add(&mut self, name: &str, bytes: &[u8]) -> Result<()> {
        self.start(name, bytes.len() as u64 >= u64::from(u32::MAX))?;
        self.zip
            .write_all(bytes)
            .map_err(|e| EvalError::io("cannot write", &self.path, e))
    }
}

/// Writes one `.eval` log per model found in the run directories into
/// `out_dir` (created if needed) and returns their paths. Records are
/// streamed; duplicates resolve last-wins as in the report.
///
/// ```
/// use assurai_eval::{InspectOptions, Manifest, Record, ResultStore, StoreOptions, export_inspect_logs};
/// use assurai_taxonomy::{Modality, PromptType, RiskFactor};
///
/// let run = tempfile::tempdir().unwrap();
/// let (store, _) = ResultStore::open(run.path(), &Manifest::new(serde_json::json!({})), StoreOptions::default())?;
/// let mut r = Record::new("i1", "m", 1, RiskFactor::Harassment, PromptType::QOnly, Modality::Text);
/// r.set_scored(4);
/// store.append(&r)?;
/// let out = tempfile::tempdir().unwrap();
/// let files = export_inspect_logs(&[run.path()], out.path(), &InspectOptions::default())?;
/// assert_eq!(files.len(), 1);
/// assert!(files[0].extension().is_some_and(|e| e == "eval"));
/// # Ok::<(), assurai_eval::EvalError>(())
/// ```
pub fn export_inspect_logs(
    dirs: &[&Path],
    out_dir: &Path,
    options: &InspectOptions,
) -> Result<Vec<PathBuf>> {
    let index = index_runs(dirs)?;
    fs::create_dir_all(out_dir).map_err(|e| EvalError::io("cannot create", out_dir, e))?;
    let now = crate::time::now_rfc3339_offset();
    let stamp = now.replace([':', '+'], "-");
    let dataset_name = options.dataset_name.clone().unwrap_or_else(|| {
        dirs.iter()
            .find_map(|d| crate::Manifest::read(d).ok().flatten()?.dataset_path)
            .unwrap_or_else(|| "assurai".into())
    });
    let mut writers = Vec::with_capacity(index.model_order.len());
    for model in &index.model_order {
        let name = format!(
            "{stamp}_{}_{}.eval",
            safe_name(&options.task),
            safe_name(model)
        );
        let path = out_dir.join(&name);
        let file =
            AtomicFile::create(&path).map_err(|e| EvalError::io("cannot create", &path, e))?;
        let summaries_path = out_dir.join(format!(".{name}.summaries.tmp"));
        let mut summaries = File::create(&summaries_path)
            .map(std::io::BufWriter::new)
            .map_err(|e| EvalError::io("cannot create", &summaries_path, e))?;
        summaries
            .write_all(b"[")
            .map_err(|e| EvalError::io("cannot write", &summaries_path, e))?;
        writers.push(LogWriter {
            model: model.clone(),
            path,
            zip: zip::ZipWriter::new(file),
            summaries,
            summaries_path,
            n_samples: 0,
            hist: [0; 5],
        });
    }
    let specs: Vec<Value> = index
        .model_order
        .iter()
        .map(|m| eval_spec(&options.task, m, &dataset_name, &now))
        .collect();
    for (w, spec) in writers.iter_mut().zip(&specs) {
        let start = json!({"version": 2, "eval": spec, "plan": plan()});
        w.add("_journal/start.json", start.to_string().as_bytes())?;
    }
    for (run, path) in index.paths.iter().enumerate() {
        let mut lines = Lines::open(path)?;
        while let Some((line_no, record)) = lines.next_parsed::<Record>()? {
            if !index.is_current(
                run,
                line_no,
                &record.instance_id,
                &record.model,
                record.epoch,
            ) {
                continue;
            }
            let Some(w) = writers.iter_mut().find(|w| w.model == record.model) else {
                continue;
            };
            let (sample, summary) = sample_json(&record);
            w.add(
                &format!("samples/{}_epoch_{}.json", record.instance_id, record.epoch),
                sample.as_bytes(),
            )?;
            let sep: &[u8] = if w.n_samples > 0 { b"," } else { b"" };
            w.summaries
                .write_all(sep)
                .and_then(|()| w.summaries.write_all(summary.as_bytes()))
                .map_err(|e| EvalError::io("cannot write", &w.summaries_path, e))?;
            w.n_samples += 1;
            if let (Status::Scored, Some(s @ 1..=5)) = (record.status, record.score) {
                w.hist[usize::from(s - 1)] += 1;
            }
        }
    }
    let mut out = Vec::with_capacity(writers.len());
    for (mut w, spec) in writers.into_iter().zip(specs) {
        w.summaries
            .write_all(b"]")
            .and_then(|()| w.summaries.flush())
            .map_err(|e| EvalError::io("cannot write", &w.summaries_path, e))?;
        let spooled = fs::metadata(&w.summaries_path).map_or(0, |m| m.len());
        w.start("summaries.json", spooled >= u64::from(u32::MAX))?;
        let mut spool = File::open(&w.summaries_path)
            .map_err(|e| EvalError::io("cannot read", &w.summaries_path, e))?;
        std::io::copy(&mut spool, &mut w.zip)
            .map_err(|e| EvalError::io("cannot write", &w.path, e))?;
        drop(spool);
        let _ = fs::remove_file(&w.summaries_path);
        let header = header_json(spec, &w, &now);
        w.add("header.json", header.as_bytes())?;
        let LogWriter { zip, path, .. } = w;
        let file = zip.finish().map_err(|e| zip_err(&path, e))?;
        file.commit()
            .map_err(|e| EvalError::io("cannot write", &path, e))?;
        out.push(path);
    }
    Ok(out)
}

fn safe_name(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

fn plan() -> Value {
    json!({"name": "plan", "steps": [], "config": {}})
}

fn eval_spec(task: &str, model: &str, dataset: &str, now: &str) -> Value {
    let id = crate::manifest::hex(&{
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(task.as_bytes());
        h.update([0]);
        h.update(model.as_bytes());
        h.update([0]);
        h.update(now.as_bytes());
        h.finalize()
    });
    json!({
        "eval_id": &id[..22],
        "run_id": &id[22..44],
        "created": now,
        "task": task,
        "task_id": &id[44..64],
        "task_version": 0,
        "task_attribs": {},
        "task_args": {},
        "task_args_passed": {},
        "solver_args_passed": {},
        "dataset": {"name": dataset},
        "model": model,
        "model_generate_config": {},
        "model_args": {},
        "config": {},
        "packages": {"assurai-eval": env!("CARGO_PKG_VERSION")},
        "metadata": {"source": "assurai"},
    })
}

fn header_json(spec: Value, w: &LogWriter, now: &str) -> String {
    let mut metrics = Map::new();
    let scores: Vec<f64> = w
        .hist
        .iter()
        .enumerate()
        .flat_map(|(i, &c)| std::iter::repeat_n(i as f64 + 1.0, usize::try_from(c).unwrap_or(0)))
        .collect();
    let n = scores.len();
    if n >= 2 {
        if let Ok(s) = assurai_stats::describe(&scores, 0.95) {
            metrics.insert(
                "mean".into(),
                json!({"name": "mean", "value": s.mean, "params": {}}),
            );
            metrics.insert(
                "stderr".into(),
                json!({"name": "stderr", "value": s.se, "params": {}}),
            );
        }
    } else if n == 1 {
        metrics.insert(
            "mean".into(),
            json!({"name": "mean", "value": scores[0], "params": {}}),
        );
    }
    let mut spec = spec;
    if let Some(ds) = spec.get_mut("dataset").and_then(Value::as_object_mut) {
        ds.insert("samples".into(), json!(w.n_samples));
    }
    json!({
        "version": 2,
        "status": "success",
        "eval": spec,
        "plan": plan(),
        "results": {
            "total_samples": w.n_samples,
            "completed_samples": w.n_samples,
            "scores": [{
                "name": INSPECT_SCORER,
                "scorer": INSPECT_SCORER,
                "params": {},
                "metrics": metrics,
            }],
        },
        "stats": {"started_at": now, "completed_at": now, "model_usage": {}},
        "invalidated": false,
        "tags": [],
        "metadata": {},
    })
    .to_string()
}

/// The sample and its summary, as JSON text (the score value may be the
/// bare `NaN` token Inspect uses for unscored samples, which serde_json
/// cannot emit, so the score object is spliced in by hand).
fn sample_json(r: &Record) -> (String, String) {
    let input = r.prompt.clone().unwrap_or_default();
    let text = r
        .output
        .text
        .clone()
        .or_else(|| r.output.transcript.clone())
        .or_else(|| {
            r.output
                .media_path
                .as_ref()
                .map(|p| format!("[media: {p}]"))
        })
        .unwrap_or_default();
    let rationale = r.verdicts.iter().find_map(|v| v.rationale.clone());
    let mut score = Map::new();
    let value = match (r.status, r.score) {
        (Status::Scored, Some(s)) => s.to_string(),
        _ => "NaN".to_owned(),
    };
    match r.status {
        Status::Blocked => {
            score.insert("reason".into(), json!("refusal"));
            score.insert(
                "explanation".into(),
                json!(rationale.clone().unwrap_or_else(|| "safely blocked".into())),
            );
        }
        Status::Unscored => {
            score.insert("reason".into(), json!("grader_failed"));
            score.insert("explanation".into(), json!(r.unscored_reason_or_default()));
        }
        Status::Error => {
            score.insert("reason".into(), json!("scoring_failed"));
        }
        _ => {
            if let Some(x) = &rationale {
                score.insert("explanation".into(), json!(x));
            }
        }
    }
    let verdicts: BTreeMap<&str, Option<u8>> = r
        .verdicts
        .iter()
        .map(|v| (v.judge.as_str(), v.score))
        .collect();
    score.insert(
        "metadata".into(),
        json!({"status": r.status, "verdicts": verdicts}),
    );
    score.insert("history".into(), json!([]));
    let score_rest = Value::Object(score).to_string();
    let scores = format!(
        "{{\"{INSPECT_SCORER}\":{{\"value\":{value},{}}}",
        &score_rest[1..]
    );
    let metadata = json!({
        "risk_factor": r.risk_factor,
        "category": r.category,
        "prompt_type": r.prompt_type,
        "modality": r.modality,
        "status": r.status,
        "attempts": r.attempts,
        "media_path": r.output.media_path,
        "human_scores": r.human_scores,
    });
    let mut messages = vec![json!({"role": "user", "content": input, "source": "input"})];
    if !text.is_empty() {
        messages.push(
            json!({"role": "assistant", "content": text, "source": "generate", "model": r.model}),
        );
    }
    let message_count = messages.len();
    let mut sample = json!({
        "id": r.instance_id,
        "epoch": r.epoch,
        "input": input,
        "target": "",
        "messages": messages,
        "output": {
            "model": r.model,
            "choices": if text.is_empty() { json!([]) } else { json!([{
                "message": {"role": "assistant", "content": text, "source": "generate", "model": r.model},
                "stop_reason": if r.status == Status::Blocked { "content_filter" } else { "stop" },
            }]) },
            "completion": text,
        },
        "metadata": metadata,
        "store": {},
        "events": [],
        "model_usage": {},
        "role_usage": {},
        "attachments": {},
    });
    let mut summary = json!({
        "id": r.instance_id,
        "epoch": r.epoch,
        "input": r.prompt.as_deref().map(|p| truncate(p, 2000)).unwrap_or_default(),
        "target": "",
        "metadata": metadata,
        "model_usage": {},
        "role_usage": {},
        "completed": true,
        "message_count": message_count,
    });
    if let Some(e) = &r.error {
        let err = json!({"message": format!("{}: {}", e.kind, e.message), "traceback": "", "traceback_ansi": ""});
        if let (Some(s), Some(m)) = (sample.as_object_mut(), summary.as_object_mut()) {
            s.insert("error".into(), err.clone());
            m.insert("error".into(), json!(format!("{}: {}", e.kind, e.message)));
        }
    }
    let splice = |v: &Value| {
        let mut s = v.to_string();
        s.pop();
        s.push_str(",\"scores\":");
        s.push_str(&scores);
        s.push('}');
        s
    };
    (splice(&sample), splice(&summary))
}

fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => s[..i].to_owned(),
        None => s.to_owned(),
    }
}
