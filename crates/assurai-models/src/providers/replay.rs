//! Replay: a [`TargetModel`] that returns recorded outputs instead of calling a model.

use std::collections::{BTreeSet, HashMap};
use std::io::BufRead as _;
use std::path::{Component, Path};
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::{Generation, GenerationRequest, ModelError, Output, TargetModel, Usage, VideoData};

/// One recorded output: which instance, which model, what it produced.
///
/// This is also the line format of replay JSONL files:
///
/// ```json
/// {"instance_id": "TXT-0001", "model": "exaone-3.5", "output": {"type": "text", "text": "..."}}
/// {"instance_id": "TXT-0002", "model": "exaone-3.5", "output": "plain text is fine too"}
/// {"instance_id": "IMG-0001", "model": "gemini", "output": {"type": "blocked", "reason": "safety"}}
/// ```
///
/// Optional fields: `usage` (`input_tokens`, `output_tokens`), `latency_ms`, `attempts`.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedOutput {
    /// The dataset instance id.
    pub instance_id: String,
    /// The model that produced it.
    pub model: String,
    /// What it produced.
    pub generation: Generation,
}

impl RecordedOutput {
    /// A recording.
    pub fn new(
        instance_id: impl Into<String>,
        model: impl Into<String>,
        generation: Generation,
    ) -> Self {
        Self {
            instance_id: instance_id.into(),
            model: model.into(),
            generation,
        }
    }
}

/// The JSONL line form.
#[derive(Deserialize, Serialize)]
struct RecordLine {
    instance_id: String,
    model: String,
    output: OutputOrText,
    #[serde(default)]
    usage: Usage,
    #[serde(default, with = "crate::serde_util::duration_ms")]
    latency_ms: Duration,
    #[serde(default)]
    attempts: Vec<crate::AttemptRecord>,
}

#[derive(Deserialize, Serialize)]
#[serde(untagged)]
enum OutputOrText {
    Text(String),
    Output(Output),
}

/// Returns recorded outputs keyed by (instance id, model), so already-collected generations can
/// be judged offline.
///
/// Requests must carry an [`instance_id`](GenerationRequest::instance_id); a missing recording
/// is [`ModelError::NotRecorded`]. When the same instance appears twice, the later entry wins.
///
/// ```
/// use assurai_models::providers::{RecordedOutput, ReplayModel};
/// use assurai_models::{Generation, GenerationRequest, Output, TargetModel};
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let replay = ReplayModel::from_entries(
///     "exaone",
///     [RecordedOutput::new("TXT-1", "exaone", Generation::new(Output::text("죄송합니다")))],
/// );
/// let g = replay.generate(&GenerationRequest::prompt("r1", "...").instance("TXT-1")).await?;
/// assert_eq!(g.output.as_text(), Some("죄송합니다"));
/// # Ok::<(), assurai_models::ModelError>(()) }).unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct ReplayModel {
    id: String,
    model: String,
    modality: assurai_taxonomy::Modality,
    outputs: HashMap<String, Generation>,
}

impl ReplayModel {
    /// Keeps the entries recorded for `model` (entries of other models are ignored).
    pub fn from_entries(
        model: impl Into<String>,
        entries: impl IntoIterator<Item = RecordedOutput>,
    ) -> Self {
        let model = model.into();
        let outputs: HashMap<String, Generation> = entries
            .into_iter()
            .filter(|e| e.model == model)
            .map(|e| (e.instance_id, e.generation))
            .collect();
        let modality = outputs
            .values()
            .find_map(|g| match g.output {
                Output::Text { .. } => Some(assurai_taxonomy::Modality::Text),
                Output::Image(_) => Some(assurai_taxonomy::Modality::Image),
                Output::Video(_) => Some(assurai_taxonomy::Modality::Video),
                Output::Audio(_) => Some(assurai_taxonomy::Modality::Audio),
                _ => None,
            })
            .unwrap_or_default();
        Self {
            id: format!("replay:{model}"),
            model,
            modality,
            outputs,
        }
    }

    /// Reads a JSONL file of [`RecordedOutput`] lines and keeps those of `model`. With `model`
    /// `None` the file must hold exactly one model. Relative video paths are resolved against the
    /// file's folder and may not leave it.
    ///
    /// # Errors
    /// [`ModelError::Io`] when the file cannot be read; [`ModelError::Config`] with the file, line
    /// and problem for a bad line, an unsafe path or an ambiguous model.
    pub fn from_jsonl(path: impl AsRef<Path>, model: Option<&str>) -> Result<Self, ModelError> {
        let path = path.as_ref();
        let shown = path.display().to_string();
        let file = std::fs::File::open(path).map_err(|e| ModelError::io(&shown, e))?;
        let base = path.parent().unwrap_or_else(|| Path::new("."));
        let mut entries = Vec::new();
        let mut models = BTreeSet::new();
        for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
            let line_no = i + 1;
            let line = line.map_err(|e| ModelError::io(format!("{shown}:{line_no}"), e))?;
            if line.trim().is_empty() {
                continue;
            }
            let rec: RecordLine = serde_json::from_str(&line).map_err(|e| {
                ModelError::config(format!(
                    "{shown}:{line_no}: expected a recorded output {{\"instance_id\", \"model\", \"output\"}}: {e}"
                ))
            })?;
            let mut output = match rec.output {
                OutputOrText::Text(text) => Output::Text { text },
                OutputOrText::Output(o) => o,
            };
            if let Output::Video(v) = &mut output
                && let VideoData::File { path: p } = &mut v.data
            {
                if p.is_absolute()
                    || p.components()
                        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
                {
                    return Err(ModelError::config(format!(
                        "{shown}:{line_no}: field output.path: {} must be a relative path inside the file's folder",
                        p.display()
                    )));
                }
                *p = base.join(&*p);
            }
            models.insert(rec.model.clone());
            let mut generation = Generation::new(output)
                .with_usage(rec.usage)
                .with_latency(rec.latency_ms);
            generation.attempts = rec.attempts;
            entries.push(RecordedOutput::new(rec.instance_id, rec.model, generation));
        }
        let model = match model {
            Some(m) => m.to_owned(),
            None if models.len() == 1 => models.into_iter().next().unwrap_or_default(),
            None => {
                return Err(ModelError::config(format!(
                    "{shown}: holds {} models ({}); name one with replay:PATH#MODEL",
                    models.len(),
                    models.into_iter().collect::<Vec<_>>().join(", ")
                )));
            }
        };
        Ok(Self::from_entries(model, entries))
    }

    /// Overrides the output modality (default: that of the first recorded non-blocked output).
    pub fn with_modality(mut self, modality: assurai_taxonomy::Modality) -> Self {
        self.modality = modality;
        self
    }

    /// The recorded model name.
    pub fn model(&self) -> &str {
        &self.model
    }

    /// How many instances have a recording.
    pub fn len(&self) -> usize {
        self.outputs.len()
    }

    /// Whether there are no recordings.
    pub fn is_empty(&self) -> bool {
        self.outputs.is_empty()
    }
}

/// Serialises recordings as JSONL lines readable by [`ReplayModel::from_jsonl`].
///
/// # Errors
/// Never in practice; serde_json errors are reported as [`ModelError::MalformedResponse`].
pub fn to_jsonl_line(record: &RecordedOutput) -> Result<String, ModelError> {
    let line = RecordLine {
        instance_id: record.instance_id.clone(),
        model: record.model.clone(),
        output: OutputOrText::Output(record.generation.output.clone()),
        usage: record.generation.usage,
        latency_ms: record.generation.latency,
        attempts: record.generation.attempts.clone(),
    };
    serde_json::to_string(&line).map_err(|e| ModelError::malformed(e.to_string()))
}

#[async_trait]
impl TargetModel for ReplayModel {
    fn id(&self) -> &str {
        &self.id
    }

    fn modality(&self) -> assurai_taxonomy::Modality {
        self.modality
    }

    async fn generate(&self, request: &GenerationRequest) -> Result<Generation, ModelError> {
        let instance = request
            .instance_id
            .as_deref()
            .ok_or_else(|| ModelError::BadRequest {
                status: None,
                message: "replay needs the request's instance_id".to_owned(),
            })?;
        self.outputs
            .get(instance)
            .cloned()
            .ok_or_else(|| ModelError::NotRecorded {
                instance_id: instance.to_owned(),
                model: self.model.clone(),
            })
    }
}
