//! The instance schema: one test case of the benchmark.

use std::collections::BTreeMap;

use assurai_files::mime;
use assurai_taxonomy::{Modality, PromptType, RiskCategory, RiskFactor};
use serde::{Serialize, Serializer, ser::SerializeMap};
use serde_json::Value;

/// One benchmark instance: a prompt (or conversation) probing one risk
/// factor with one prompt type, for one output modality.
///
/// Build one with [`Instance::new`] and set the optional fields, or read
/// them with [`crate::Dataset`]. Serialises to the canonical JSON Lines form
/// described in `docs/dataset-format.md`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Instance {
    /// Stable, unique id.
    pub id: String,
    /// The risk factor the instance probes.
    pub risk_factor: RiskFactor,
    /// How the prompt is built.
    pub prompt_type: PromptType,
    /// The modality of the output under test.
    pub modality: Modality,
    /// The prompt or the conversation given to the model.
    #[serde(flatten)]
    pub input: Input,
    /// Options of a Multiple-Choice instance.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<Choice>,
    /// Reference outputs shown to a judge (the paper's "Output Candidate").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<Candidate>,
    /// Input media files, relative to the dataset's folder.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub media: Vec<MediaRef>,
    /// Independent human labels of the instance.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub annotations: Vec<Annotation>,
    /// Recorded outputs of named models with their human scores.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub responses: Vec<Response>,
    /// What a safe model should do: answer (`comply`, e.g. XSTest's safe
    /// prompts) or decline (`refuse`); `None` when the dataset does not say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<Expected>,
    /// Free JSON, kept as is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    /// Top-level fields this schema does not know, kept for round trips.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

impl Instance {
    /// A new instance with text modality and no optional parts.
    pub fn new(
        id: impl Into<String>,
        risk_factor: RiskFactor,
        prompt_type: PromptType,
        input: Input,
    ) -> Self {
        Self {
            id: id.into(),
            risk_factor,
            prompt_type,
            modality: Modality::Text,
            input,
            choices: Vec::new(),
            candidates: Vec::new(),
            media: Vec::new(),
            annotations: Vec::new(),
            responses: Vec::new(),
            expected: None,
            metadata: None,
            extra: BTreeMap::new(),
        }
    }

    /// The category of the instance's risk factor.
    pub fn category(&self) -> RiskCategory {
        self.risk_factor.category()
    }

    /// Every media reference in the instance: `media`, media parts of turns
    /// and media outputs of recorded responses, with their field paths.
    pub fn media_refs(&self) -> impl Iterator<Item = (String, &MediaRef)> {
        let own = self
            .media
            .iter()
            .enumerate()
            .map(|(i, m)| (format!("media[{i}]"), m));
        let parts = match &self.input {
            Input::Prompt(_) => &[][..],
            Input::Turns(t) => &t[..],
        }
        .iter()
        .enumerate()
        .flat_map(|(i, t)| {
            match &t.content {
                Content::Text(_) => &[][..],
                Content::Parts(p) => &p[..],
            }
            .iter()
            .enumerate()
            .filter_map(move |(j, p)| match p {
                Part::Media(m) => Some((format!("turns[{i}].content[{j}].path"), m)),
                Part::Text(_) => None,
            })
        });
        let outputs = self.responses.iter().enumerate().filter_map(|(i, r)| {
            r.output
                .media
                .as_ref()
                .map(|m| (format!("responses[{i}].output.media"), m))
        });
        own.chain(parts).chain(outputs)
    }

    /// All prompt text: the prompt, or the text of every turn, joined by
    /// newlines (media parts omitted).
    pub fn prompt_text(&self) -> String {
        match &self.input {
            Input::Prompt(p) => p.clone(),
            Input::Turns(turns) => turns
                .iter()
                .map(|t| t.content.text())
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }
}

/// The behaviour a safe model should show on an instance.
///
/// Should-comply instances (`"expected": "comply"`) measure over-refusal:
/// refusing them is a failure of helpfulness, never a safety win, so reports
/// keep them out of the safety mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Expected {
    /// A safe model answers (the prompt only looks risky).
    Comply,
    /// A safe model declines or deflects.
    Refuse,
}

impl Expected {
    /// `comply` or `refuse`.
    pub fn id(self) -> &'static str {
        match self {
            Self::Comply => "comply",
            Self::Refuse => "refuse",
        }
    }

    /// Parses `comply` or `refuse` (case and surrounding space ignored).
    pub fn from_id(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "comply" => Some(Self::Comply),
            "refuse" => Some(Self::Refuse),
            _ => None,
        }
    }
}

/// What the model is given: a single prompt or a conversation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Input {
    /// A single user prompt.
    Prompt(String),
    /// A conversation; the model answers after the last (user) turn.
    Turns(Vec<Turn>),
}

/// One turn of a conversation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Turn {
    /// Who speaks.
    pub role: Speaker,
    /// What is said.
    pub content: Content,
}

impl Turn {
    /// A turn with plain text content.
    pub fn text(role: Speaker, text: impl Into<String>) -> Self {
        Self {
            role,
            content: Content::Text(text.into()),
        }
    }

    /// A turn with mixed content parts.
    pub fn parts(role: Speaker, parts: Vec<Part>) -> Self {
        Self {
            role,
            content: Content::Parts(parts),
        }
    }
}

/// The speaker of a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Speaker {
    /// Instructions to the model, before the conversation.
    System,
    /// The person talking to the model.
    User,
    /// The model (an earlier answer).
    Assistant,
}

impl Speaker {
    /// `system`, `user` or `assistant`.
    pub fn id(self) -> &'static str {
        match self {
            Self::System => "system",
            Self::User => "user",
            Self::Assistant => "assistant",
        }
    }
}

/// The content of a turn: a string, or text and media parts.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Content {
    /// Plain text.
    Text(String),
    /// Text and media parts in order.
    Parts(Vec<Part>),
}

impl Content {
    /// The text of the content (text parts joined by newlines).
    pub fn text(&self) -> String {
        match self {
            Self::Text(t) => t.clone(),
            Self::Parts(p) => p
                .iter()
                .filter_map(|p| match p {
                    Part::Text(t) => Some(t.as_str()),
                    Part::Media(_) => None,
                })
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }
}

/// One part of a turn's content.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    /// `{"type": "text", "text": …}`
    Text(String),
    /// `{"type": "image" | "audio" | "video", "path": …}`
    Media(MediaRef),
}

impl Serialize for Part {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        match self {
            Self::Text(t) => {
                m.serialize_entry("type", "text")?;
                m.serialize_entry("text", t)?;
            }
            Self::Media(r) => {
                m.serialize_entry("type", r.kind.id())?;
                m.serialize_entry("path", &r.path)?;
            }
        }
        m.end()
    }
}

/// The kind of a media file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum MediaKind {
    /// A still image.
    Image,
    /// A sound or speech recording.
    Audio,
    /// A video clip.
    Video,
}

impl MediaKind {
    /// `image`, `audio` or `video`.
    pub fn id(self) -> &'static str {
        match self {
            Self::Image => "image",
            Self::Audio => "audio",
            Self::Video => "video",
        }
    }

    /// Parses `image`, `audio` or `video`.
    pub fn from_id(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "image" => Some(Self::Image),
            "audio" => Some(Self::Audio),
            "video" => Some(Self::Video),
            _ => None,
        }
    }

    /// Guesses the kind from a file extension (`png`, `wav`, `mp4`, …).
    ///
    /// The extensions are those of the one MIME table (`assurai_files::mime`).
    pub fn from_path(path: &str) -> Option<Self> {
        match mime::kind(mime::from_path(path)?)? {
            mime::Kind::Image => Some(Self::Image),
            mime::Kind::Audio => Some(Self::Audio),
            mime::Kind::Video => Some(Self::Video),
            _ => None,
        }
    }

    /// The output modality this media kind belongs to.
    pub fn modality(self) -> Modality {
        match self {
            Self::Image => Modality::Image,
            Self::Audio => Modality::Audio,
            Self::Video => Modality::Video,
        }
    }
}

/// A media file, relative to the dataset's folder (`/` separators).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub struct MediaRef {
    /// Relative path; never absolute, never with `..`.
    pub path: String,
    /// The kind of the file.
    #[serde(rename = "type")]
    pub kind: MediaKind,
}

impl MediaRef {
    /// A reference to a file of the given kind.
    pub fn new(path: impl Into<String>, kind: MediaKind) -> Self {
        Self {
            path: path.into(),
            kind,
        }
    }
}

/// One option of a Multiple-Choice instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Choice {
    /// Label shown to the model, e.g. `A`.
    pub label: String,
    /// The option's text.
    pub text: String,
    /// Whether picking this option is a safe answer.
    pub safe: bool,
}

impl Choice {
    /// A new option.
    pub fn new(label: impl Into<String>, text: impl Into<String>, safe: bool) -> Self {
        Self {
            label: label.into(),
            text: text.into(),
            safe,
        }
    }
}

/// A reference output shown to a judge: what a safe or an unsafe answer
/// looks like.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Candidate {
    /// `safe`, `unsafe` or another label.
    pub label: String,
    /// The reference text.
    pub text: String,
}

impl Candidate {
    /// A new candidate.
    pub fn new(label: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            text: text.into(),
        }
    }

    /// Whether the label says this is a safe reference.
    pub fn is_safe(&self) -> bool {
        self.label.eq_ignore_ascii_case("safe")
    }
}

/// One human label: who gave it and the 1–5 score (1 = risk … 5 = safe).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Annotation {
    /// Annotator id (pseudonymous).
    pub annotator: String,
    /// Score 1–5.
    pub score: u8,
    /// Other fields of the label (rationale, time, …), kept as is.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

impl Annotation {
    /// A label without extra fields.
    pub fn new(annotator: impl Into<String>, score: u8) -> Self {
        Self {
            annotator: annotator.into(),
            score,
            extra: BTreeMap::new(),
        }
    }
}

/// A recorded output of a named model, with human scores of that output.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Response {
    /// Model name.
    pub model: String,
    /// What the model produced.
    pub output: RecordedOutput,
    /// The provider refused or filtered the request (no content produced).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub blocked: bool,
    /// Human scores of this output (1 = risk … 5 = safe).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scores: Vec<Annotation>,
    /// Other fields, kept as is.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

impl Response {
    /// A recorded output without scores.
    pub fn new(model: impl Into<String>, output: RecordedOutput) -> Self {
        Self {
            model: model.into(),
            output,
            blocked: false,
            scores: Vec::new(),
            extra: BTreeMap::new(),
        }
    }
}

/// A recorded model output: text, a media file, or both (e.g. speech and its
/// transcript).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct RecordedOutput {
    /// Text output (or the refusal message of a blocked request).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// A generated media file, relative to the dataset's folder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media: Option<MediaRef>,
    /// Transcript of generated speech.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transcript: Option<String>,
}

impl RecordedOutput {
    /// A text output.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: Some(text.into()),
            ..Self::default()
        }
    }

    /// A media output.
    pub fn media(media: MediaRef) -> Self {
        Self {
            media: Some(media),
            ..Self::default()
        }
    }

    /// Whether the output carries neither text nor media.
    pub fn is_empty(&self) -> bool {
        self.text.as_deref().is_none_or(|t| t.trim().is_empty()) && self.media.is_none()
    }
}
