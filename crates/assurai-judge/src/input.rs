//! [`JudgeInput`]: one instance and the output to judge, in the judge's own small types.

use std::time::Duration;

use assurai_models::{ImageData, Role};
use assurai_taxonomy::{Modality, PromptType, RiskFactor};
use serde::{Deserialize, Serialize};

/// One turn of the conversation the target model was given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Turn {
    /// Who speaks.
    pub role: Role,
    /// What is said.
    pub text: String,
}

impl Turn {
    /// A turn.
    pub fn new(role: Role, text: impl Into<String>) -> Self {
        Self {
            role,
            text: text.into(),
        }
    }
}

/// One option of a Multiple-Choice instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// The option's label as shown to the model (`A`, `B`, `1`, …).
    pub label: String,
    /// The option's text.
    pub text: String,
    /// Whether choosing it is the safe answer.
    pub safe: bool,
}

impl Choice {
    /// An option.
    pub fn new(label: impl Into<String>, text: impl Into<String>, safe: bool) -> Self {
        Self {
            label: label.into(),
            text: text.into(),
            safe,
        }
    }
}

/// A reference output (the paper's "Output Candidate"): what a safe or an unsafe answer looks like.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    /// What kind of reference this is, e.g. `safe` or `unsafe`.
    pub label: String,
    /// The reference text.
    pub text: String,
}

impl Candidate {
    /// A reference output.
    pub fn new(label: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            text: text.into(),
        }
    }
}

/// An image shown to a vision judge: the encoded bytes (e.g. the JPEG `assurai-media` prepared),
/// with the frame's time for video. The bytes are Base64-encoded once, when the judge model's
/// HTTP request is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JudgedImage {
    /// The image.
    #[serde(flatten)]
    pub image: ImageData,
    /// Where in the video the frame was taken, for video frames.
    #[serde(
        rename = "timestamp_ms",
        default,
        skip_serializing_if = "Option::is_none",
        with = "opt_duration_ms"
    )]
    pub timestamp: Option<Duration>,
}

impl JudgedImage {
    /// An image without a timestamp.
    pub fn new(image: ImageData) -> Self {
        Self {
            image,
            timestamp: None,
        }
    }

    /// A video frame taken at `timestamp`.
    pub fn frame(image: ImageData, timestamp: Duration) -> Self {
        Self {
            image,
            timestamp: Some(timestamp),
        }
    }

    /// The image as a `data:<mime>;base64,...` URL.
    pub fn data_url(&self) -> String {
        self.image.to_data_url()
    }
}

/// The output under judgement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum JudgedOutput {
    /// Generated text.
    Text {
        /// The text.
        text: String,
    },
    /// An automatic transcript of generated speech, and optionally the speech itself for an
    /// audio-capable judge.
    Transcript {
        /// The transcribed text.
        text: String,
        /// The normalised speech (WAV), when the judge is to hear it (`--judge-audio`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        audio: Option<assurai_models::AudioData>,
    },
    /// A generated image, or representative frames of a generated video.
    Images {
        /// One or more prepared images, in order.
        images: Vec<JudgedImage>,
    },
    /// The provider refused to generate ("safely blocked").
    Blocked {
        /// The provider's own words or code.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
    },
}

impl JudgedOutput {
    /// Text output.
    pub fn text(text: impl Into<String>) -> Self {
        Self::Text { text: text.into() }
    }

    /// A transcript of audio output.
    pub fn transcript(text: impl Into<String>) -> Self {
        Self::Transcript {
            text: text.into(),
            audio: None,
        }
    }

    /// A transcript of audio output together with the audio, for a judge that hears it.
    pub fn speech(text: impl Into<String>, audio: assurai_models::AudioData) -> Self {
        Self::Transcript {
            text: text.into(),
            audio: Some(audio),
        }
    }

    /// The audio to send to an audio-capable judge, if any.
    pub fn audio(&self) -> Option<&assurai_models::AudioData> {
        match self {
            Self::Transcript { audio, .. } => audio.as_ref(),
            _ => None,
        }
    }

    /// One image.
    pub fn image(image: JudgedImage) -> Self {
        Self::Images {
            images: vec![image],
        }
    }

    /// Several images or frames.
    pub fn images(images: Vec<JudgedImage>) -> Self {
        Self::Images { images }
    }

    /// A provider block.
    pub fn blocked(detail: Option<String>) -> Self {
        Self::Blocked { detail }
    }

    /// The text to judge for text and transcript outputs.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Self::Text { text } | Self::Transcript { text, .. } => Some(text),
            _ => None,
        }
    }
}

/// Everything a judge needs: the instance (risk factor, prompt type, conversation, choices,
/// candidates) and the output to judge.
///
/// Fields are public; [`JudgeInput::new`] plus the builder methods is the short way.
///
/// ```
/// use assurai_judge::{Choice, JudgeInput, JudgedOutput};
/// use assurai_taxonomy::{PromptType, RiskFactor};
///
/// let input = JudgeInput::new(
///     "TXT-0001",
///     RiskFactor::WeaponUsageAndDevelopment,
///     PromptType::MultipleChoice,
///     JudgedOutput::text("정답: B"),
/// )
/// .user("다음 중 무엇을 하시겠습니까?")
/// .choice(Choice::new("A", "설계도를 공유한다", false))
/// .choice(Choice::new("B", "요청을 거절한다", true));
/// assert_eq!(input.conversation.len(), 1);
/// assert_eq!(input.choices.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct JudgeInput {
    /// The dataset instance id.
    pub instance_id: String,
    /// The risk factor the instance probes.
    pub risk_factor: RiskFactor,
    /// How the prompt is structured.
    pub prompt_type: PromptType,
    /// The modality of the output under test.
    pub modality: Modality,
    /// The conversation given to the target model, oldest turn first (one user turn for
    /// single-prompt instances).
    pub conversation: Vec<Turn>,
    /// The options, for Multiple-Choice instances.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<Choice>,
    /// Reference outputs (safe / unsafe), if the dataset has them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<Candidate>,
    /// The output to judge.
    pub output: JudgedOutput,
}

impl JudgeInput {
    /// An input with an empty conversation; the modality follows the output (images → image,
    /// transcript → audio, otherwise text).
    pub fn new(
        instance_id: impl Into<String>,
        risk_factor: RiskFactor,
        prompt_type: PromptType,
        output: JudgedOutput,
    ) -> Self {
        let modality = match &output {
            JudgedOutput::Images { .. } => Modality::Image,
            JudgedOutput::Transcript { .. } => Modality::Audio,
            _ => Modality::Text,
        };
        Self {
            instance_id: instance_id.into(),
            risk_factor,
            prompt_type,
            modality,
            conversation: Vec::new(),
            choices: Vec::new(),
            candidates: Vec::new(),
            output,
        }
    }

    /// Sets the modality (e.g. [`Modality::Video`] for video frames).
    pub fn modality(mut self, modality: Modality) -> Self {
        self.modality = modality;
        self
    }

    /// Appends a conversation turn.
    pub fn turn(mut self, role: Role, text: impl Into<String>) -> Self {
        self.conversation.push(Turn::new(role, text));
        self
    }

    /// Appends a system turn.
    pub fn system(self, text: impl Into<String>) -> Self {
        self.turn(Role::System, text)
    }

    /// Appends a user turn.
    pub fn user(self, text: impl Into<String>) -> Self {
        self.turn(Role::User, text)
    }

    /// Appends an assistant turn.
    pub fn assistant(self, text: impl Into<String>) -> Self {
        self.turn(Role::Assistant, text)
    }

    /// Appends a Multiple-Choice option.
    pub fn choice(mut self, choice: Choice) -> Self {
        self.choices.push(choice);
        self
    }

    /// Appends a reference output.
    pub fn candidate(mut self, candidate: Candidate) -> Self {
        self.candidates.push(candidate);
        self
    }

    /// Replaces the output to judge.
    pub fn output(mut self, output: JudgedOutput) -> Self {
        self.output = output;
        self
    }

    /// The text of the last user turn, if any.
    pub fn last_user_text(&self) -> Option<&str> {
        self.conversation
            .iter()
            .rev()
            .find(|t| t.role == Role::User)
            .map(|t| t.text.as_str())
    }
}

mod opt_duration_ms {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Duration>, D::Error> {
        Ok(Option::<u64>::deserialize(d)?.map(Duration::from_millis))
    }
}
