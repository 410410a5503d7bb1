//! Recorded responses of a dataset: replayed as a target model, and the
//! source of the human scores and transcripts recorded with them.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use assurai_dataset::{Dataset, Instance, MediaKind};
use assurai_files::mime;
use assurai_models::{
    BlockReason, Blocked, Generation, GenerationRequest, Media, ModelError, Output, TargetModel,
    Transcriber, Transcript, TranscriptionRequest, Video, VideoData, async_trait,
};
use assurai_taxonomy::Modality;

use crate::{Result, RunError};

/// One recorded output of one model for one instance, media kept as a path.
#[derive(Debug, Clone)]
struct Recorded {
    text: Option<String>,
    media: Option<(String, MediaKind)>,
    transcript: Option<String>,
    blocked: bool,
    scores: Vec<u8>,
}

/// The recorded responses of one model in a dataset, indexed by instance id.
///
/// Built by one streaming pass over the dataset; media files stay on disk
/// and are read when an output is replayed.
#[derive(Debug, Clone)]
pub struct RecordedResponses {
    model: String,
    dataset: Arc<Dataset>,
    by_instance: HashMap<String, Recorded>,
}

impl RecordedResponses {
    /// Indexes the responses of `model` in `dataset`.
    pub fn load(dataset: Arc<Dataset>, model: &str) -> Result<Self> {
        let mut index = Self::empty(Arc::clone(&dataset), model);
        let records = dataset.records().map_err(RunError::Dataset)?;
        for rec in records {
            index.add(&rec.map_err(RunError::Dataset)?.instance);
        }
        Ok(index)
    }

    /// An empty index of `model`'s responses (an empty name: the model of
    /// the first response [`add`](Self::add) sees).
    pub(crate) fn empty(dataset: Arc<Dataset>, model: &str) -> Self {
        Self {
            model: model.to_string(),
            dataset,
            by_instance: HashMap::new(),
        }
    }

    /// Indexes the instance's response of this model; whether it has one.
    pub(crate) fn add(&mut self, inst: &Instance) -> bool {
        if self.model.is_empty()
            && let Some(first) = inst.responses.first()
        {
            self.model = first.model.clone();
        }
        let Some(r) = inst.responses.iter().find(|r| r.model == self.model) else {
            return false;
        };
        self.by_instance.insert(
            inst.id.clone(),
            Recorded {
                text: r.output.text.clone(),
                media: r.output.media.as_ref().map(|m| (m.path.clone(), m.kind)),
                transcript: r.output.transcript.clone(),
                blocked: r.blocked,
                scores: r.scores.iter().map(|a| a.score).collect(),
            },
        );
        true
    }

    /// The names of every model with recorded responses in the dataset, in
    /// order of first appearance.
    pub fn models(dataset: &Dataset) -> Result<Vec<String>> {
        let mut models: Vec<String> = Vec::new();
        let records = dataset.records().map_err(RunError::Dataset)?;
        for rec in records {
            let rec = rec.map_err(RunError::Dataset)?;
            for r in &rec.instance.responses {
                if !models.contains(&r.model) {
                    models.push(r.model.clone());
                }
            }
        }
        Ok(models)
    }

    /// The names of every model with recorded responses, in order of first appearance, from the
    /// one [`Dataset::scan`] pass that also validates the dataset (as `evaluate` does before it
    /// runs), so a command that replays each model needs no separate validation pass.
    ///
    /// # Errors
    /// [`RunError::InvalidDataset`] with the report when the dataset has errors (unless it skips
    /// invalid records); [`RunError::Dataset`] when it cannot be read.
    pub fn scan_models(dataset: &Dataset) -> Result<Vec<String>> {
        let mut models: Vec<String> = Vec::new();
        let scan = dataset
            .scan(assurai_dataset::Validator::new(), |inst| {
                for r in &inst.responses {
                    if !models.contains(&r.model) {
                        models.push(r.model.clone());
                    }
                }
            })
            .map_err(RunError::Dataset)?;
        if !scan.report.valid && !dataset.skips_invalid() {
            return Err(RunError::InvalidDataset {
                path: dataset.path().to_path_buf(),
                report: Box::new(scan.report),
            });
        }
        Ok(models)
    }

    /// The model whose responses these are.
    pub fn model(&self) -> &str {
        &self.model
    }

    /// How many instances have a recorded response of this model.
    pub fn len(&self) -> usize {
        self.by_instance.len()
    }

    /// Whether no instance has a recorded response of this model.
    pub fn is_empty(&self) -> bool {
        self.by_instance.is_empty()
    }

    /// Whether this model has a recorded response to the instance.
    pub fn has(&self, instance_id: &str) -> bool {
        self.by_instance.contains_key(instance_id)
    }

    /// The human scores recorded with this model's response to an instance.
    pub fn human_scores(&self, instance_id: &str) -> &[u8] {
        self.by_instance
            .get(instance_id)
            .map(|r| r.scores.as_slice())
            .unwrap_or(&[])
    }

    /// The transcript recorded with this model's spoken response.
    pub fn transcript(&self, instance_id: &str) -> Option<&str> {
        self.by_instance
            .get(instance_id)
            .and_then(|r| r.transcript.as_deref())
    }

    fn not_recorded(&self, instance_id: &str) -> ModelError {
        ModelError::NotRecorded {
            instance_id: instance_id.to_string(),
            model: self.model.clone(),
        }
    }

    fn replay(&self, instance_id: &str) -> std::result::Result<Output, ModelError> {
        let rec = self
            .by_instance
            .get(instance_id)
            .ok_or_else(|| self.not_recorded(instance_id))?;
        if rec.blocked {
            return Ok(Output::Blocked(Blocked::new(
                BlockReason::ContentPolicy,
                rec.text.clone(),
            )));
        }
        if let Some((path, kind)) = &rec.media {
            let full = self
                .dataset
                .resolve_media(path)
                .map_err(|e| ModelError::Io {
                    path: path.clone(),
                    source: std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()),
                })?;
            let bytes = std::fs::read(&full).map_err(|source| ModelError::Io {
                path: path.clone(),
                source,
            })?;
            let mime = mime_for(path, *kind).to_string();
            return Ok(match kind {
                MediaKind::Image => Output::Image(Media::new(mime, bytes)),
                MediaKind::Audio => Output::Audio(Media::new(mime, bytes)),
                MediaKind::Video => Output::Video(Video {
                    mime,
                    data: VideoData::Bytes { bytes },
                }),
                _ => {
                    return Err(ModelError::Unsupported {
                        message: format!("recorded output {path} has an unsupported media kind"),
                    });
                }
            });
        }
        Ok(Output::text(rec.text.clone().unwrap_or_default()))
    }
}

/// The MIME type of a recorded media file from its extension; without a known one, MP4 for a
/// video, WAV for audio, bytes of no known type otherwise.
fn mime_for(path: &str, kind: MediaKind) -> &'static str {
    mime::from_path(path).unwrap_or(match kind {
        MediaKind::Video => mime::MP4,
        MediaKind::Audio => mime::WAV,
        _ => mime::OCTET_STREAM,
    })
}

/// A [`TargetModel`] that answers with the dataset's recorded responses of
/// one model, so collected outputs can be judged offline.
#[derive(Debug, Clone)]
pub struct DatasetReplay {
    responses: Arc<RecordedResponses>,
}

impl DatasetReplay {
    /// Replays these recorded responses.
    pub fn new(responses: Arc<RecordedResponses>) -> Self {
        Self { responses }
    }
}

#[async_trait]
impl TargetModel for DatasetReplay {
    fn id(&self) -> &str {
        self.responses.model()
    }

    fn modality(&self) -> Modality {
        Modality::Text
    }

    async fn generate(
        &self,
        request: &GenerationRequest,
    ) -> std::result::Result<Generation, ModelError> {
        let start = Instant::now();
        let id = request
            .instance_id
            .as_deref()
            .ok_or_else(|| ModelError::BadRequest {
                status: None,
                message: "replay needs the request's instance id".into(),
            })?;
        let output = self.responses.replay(id)?;
        Ok(Generation::new(output).with_latency(start.elapsed()))
    }
}

/// A [`Transcriber`] that answers with the transcript recorded with the
/// replayed response to the request's instance
/// ([`TranscriptionRequest::instance_id`]); the audio itself is not read.
///
/// No recorded transcript is [`ModelError::NotRecorded`], which the runner
/// records as an unscored `no_transcript` output.
#[derive(Debug, Clone)]
pub struct RecordedTranscriber {
    responses: Arc<RecordedResponses>,
}

impl RecordedTranscriber {
    /// Answers with the transcripts recorded in these responses.
    pub fn new(responses: Arc<RecordedResponses>) -> Self {
        Self { responses }
    }
}

#[async_trait]
impl Transcriber for RecordedTranscriber {
    fn id(&self) -> &str {
        "recorded"
    }

    async fn transcribe(
        &self,
        request: &TranscriptionRequest,
    ) -> std::result::Result<Transcript, ModelError> {
        let id = request.instance_id.as_deref().unwrap_or_default();
        match self.responses.transcript(id) {
            Some(text) => Ok(Transcript::new(text)),
            None => Err(self.responses.not_recorded(id)),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn scan_models_lists_the_models_and_refuses_an_invalid_dataset() {
        let sample = Dataset::open(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/sample/sample.jsonl"
        ))
        .unwrap();
        // The one validating pass lists the same models as the plain listing.
        let scanned = RecordedResponses::scan_models(&sample).unwrap();
        assert!(!scanned.is_empty());
        assert_eq!(scanned, RecordedResponses::models(&sample).unwrap());

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.jsonl");
        std::fs::write(
            &path,
            concat!(
                r#"{"id":"a","risk_factor":"harassment","prompt_type":"q_only","prompt":"p","responses":[{"model":"m","output":"x"}]}"#,
                "\n",
                r#"{"id":"b","risk_factor":"no_such_factor","prompt_type":"q_only","prompt":"p"}"#,
                "\n"
            ),
        )
        .unwrap();
        let bad = Dataset::open(&path).unwrap();
        match RecordedResponses::scan_models(&bad) {
            Err(RunError::InvalidDataset { report, .. }) => {
                assert!(!report.valid);
                assert!(
                    report.errors.iter().any(|p| p.line == Some(2)),
                    "{report:?}"
                );
            }
            other => panic!("expected InvalidDataset, got {other:?}"),
        }
        // Skipping invalid records, the valid ones' models are listed.
        let skipping = bad.with_skip_invalid(true);
        assert_eq!(
            RecordedResponses::scan_models(&skipping).unwrap(),
            vec!["m".to_owned()]
        );
    }
}
