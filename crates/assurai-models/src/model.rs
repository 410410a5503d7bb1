//! The [`TargetModel`] and [`Transcriber`] traits.

use std::sync::Arc;
use std::time::Duration;

use assurai_taxonomy::Modality;
use async_trait::async_trait;

use crate::{Generation, GenerationRequest, Media, ModelError};

/// A generative model under evaluation.
///
/// One required method does the work; everything else has defaults. The trait is object safe
/// (`Arc<dyn TargetModel>` is how the registry hands out models) and is implemented for `&T`,
/// `Box<T>` and `Arc<T>`. Layers such as [`Retry`](crate::layers::Retry) wrap a `TargetModel` and
/// are themselves `TargetModel`s.
///
/// ```
/// use assurai_models::{async_trait, Generation, GenerationRequest, ModelError, Output, TargetModel};
///
/// struct Echo;
///
/// #[async_trait]
/// impl TargetModel for Echo {
///     fn id(&self) -> &str { "echo" }
///     async fn generate(&self, req: &GenerationRequest) -> Result<Generation, ModelError> {
///         Ok(Generation::new(Output::text(req.last_user_text().unwrap_or_default())))
///     }
/// }
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let g = Echo.generate(&GenerationRequest::prompt("r1", "hello")).await?;
/// assert_eq!(g.output.as_text(), Some("hello"));
/// # Ok::<(), ModelError>(()) }).unwrap();
/// ```
#[async_trait]
pub trait TargetModel: Send + Sync {
    /// A stable identifier of the model (e.g. `openai:gpt-4o-mini@https://api.openai.com/v1`);
    /// used in result files and as the cache namespace.
    fn id(&self) -> &str;

    /// The kind of output this model produces. Defaults to text.
    fn modality(&self) -> Modality {
        Modality::Text
    }

    /// Generates one output for the request.
    ///
    /// A provider refusing to generate returns `Ok` with
    /// [`Output::Blocked`](crate::Output::Blocked); errors are for failures.
    async fn generate(&self, request: &GenerationRequest) -> Result<Generation, ModelError>;
}

#[async_trait]
impl<T: TargetModel + ?Sized> TargetModel for &T {
    fn id(&self) -> &str {
        (**self).id()
    }
    fn modality(&self) -> Modality {
        (**self).modality()
    }
    async fn generate(&self, request: &GenerationRequest) -> Result<Generation, ModelError> {
        (**self).generate(request).await
    }
}

#[async_trait]
impl<T: TargetModel + ?Sized> TargetModel for Box<T> {
    fn id(&self) -> &str {
        (**self).id()
    }
    fn modality(&self) -> Modality {
        (**self).modality()
    }
    async fn generate(&self, request: &GenerationRequest) -> Result<Generation, ModelError> {
        (**self).generate(request).await
    }
}

#[async_trait]
impl<T: TargetModel + ?Sized> TargetModel for Arc<T> {
    fn id(&self) -> &str {
        (**self).id()
    }
    fn modality(&self) -> Modality {
        (**self).modality()
    }
    async fn generate(&self, request: &GenerationRequest) -> Result<Generation, ModelError> {
        (**self).generate(request).await
    }
}

/// Speech to be transcribed, with optional hints.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TranscriptionRequest {
    /// The audio (e.g. `audio/wav` bytes from `assurai-media`).
    pub audio: Media,
    /// ISO-639-1 language hint such as `ko`.
    pub language: Option<String>,
    /// Optional text to guide the transcription (names, spelling).
    pub prompt: Option<String>,
    /// The dataset instance the audio answers, when known (lets a recorded transcriber look up
    /// its transcript, as [`GenerationRequest::instance_id`] does for replayed outputs).
    pub instance_id: Option<String>,
}

impl TranscriptionRequest {
    /// A request for the given audio.
    pub fn new(audio: Media) -> Self {
        Self {
            audio,
            language: None,
            prompt: None,
            instance_id: None,
        }
    }

    /// Sets the dataset instance id.
    pub fn instance(mut self, instance_id: impl Into<String>) -> Self {
        self.instance_id = Some(instance_id.into());
        self
    }

    /// Sets the language hint.
    pub fn language(mut self, language: impl Into<String>) -> Self {
        self.language = Some(language.into());
        self
    }

    /// Sets the guiding prompt.
    pub fn prompt(mut self, prompt: impl Into<String>) -> Self {
        self.prompt = Some(prompt.into());
        self
    }
}

/// The text of transcribed speech.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Transcript {
    /// The transcribed text.
    pub text: String,
    /// The language the provider detected, if it said.
    pub language: Option<String>,
    /// The audio's duration, if the provider said.
    pub duration: Option<Duration>,
    /// Wall time of the call.
    pub latency: Duration,
    /// Tokens the provider reports for the call (`usage.input_tokens`/`output_tokens` of
    /// token-billed transcription models); unknown when it reports none or bills by duration.
    pub usage: crate::Usage,
}

impl Transcript {
    /// A transcript with only its text (for `Transcriber` implementations outside this crate).
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            language: None,
            duration: None,
            latency: Duration::ZERO,
            usage: crate::Usage::default(),
        }
    }
}

/// Speech-to-text: how the audio track turns a generated clip into text for the judge.
///
/// Implemented by [`OpenAiTranscriber`](crate::providers::OpenAiTranscriber) and for `&T`,
/// `Box<T>`, `Arc<T>`.
#[async_trait]
pub trait Transcriber: Send + Sync {
    /// A stable identifier of the transcription model.
    fn id(&self) -> &str;

    /// Transcribes the audio.
    async fn transcribe(&self, request: &TranscriptionRequest) -> Result<Transcript, ModelError>;
}

#[async_trait]
impl<T: Transcriber + ?Sized> Transcriber for &T {
    fn id(&self) -> &str {
        (**self).id()
    }
    async fn transcribe(&self, request: &TranscriptionRequest) -> Result<Transcript, ModelError> {
        (**self).transcribe(request).await
    }
}

#[async_trait]
impl<T: Transcriber + ?Sized> Transcriber for Box<T> {
    fn id(&self) -> &str {
        (**self).id()
    }
    async fn transcribe(&self, request: &TranscriptionRequest) -> Result<Transcript, ModelError> {
        (**self).transcribe(request).await
    }
}

#[async_trait]
impl<T: Transcriber + ?Sized> Transcriber for Arc<T> {
    fn id(&self) -> &str {
        (**self).id()
    }
    async fn transcribe(&self, request: &TranscriptionRequest) -> Result<Transcript, ModelError> {
        (**self).transcribe(request).await
    }
}
