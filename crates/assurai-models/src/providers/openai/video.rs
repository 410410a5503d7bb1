//! The `/videos` job API: create, poll, download.

use std::path::PathBuf;
use std::time::Duration;

use assurai_taxonomy::Modality;
use async_trait::async_trait;
use reqwest::multipart::Form;
use serde_json::Value;
use tokio::time::Instant;

use super::{Endpoint, OpenAiConfig, content_type};
use crate::providers::block;
use crate::{
    Blocked, Generation, GenerationRequest, ModelError, Output, TargetModel, Video, VideoData,
};

/// An OpenAI-compatible video generator using the job API: `POST {base}/videos` creates a job,
/// `GET {base}/videos/{id}` is polled until `completed` or `failed`, and
/// `GET {base}/videos/{id}/content` downloads the MP4.
///
/// A job that fails with a moderation or content-policy code becomes [`Output::Blocked`]. Put a
/// [`RateLimit`](crate::layers::RateLimit) layer around it for providers that cap generations per
/// minute (the paper's Veo 2.0 runs used 10 per minute).
#[derive(Debug)]
pub struct OpenAiVideo {
    id: String,
    model: String,
    seconds: Option<String>,
    size: Option<String>,
    poll_interval: Duration,
    max_wait: Duration,
    output_dir: Option<PathBuf>,
    endpoint: Endpoint,
}

impl OpenAiVideo {
    /// Builds the provider: polls every 5 s for at most 10 minutes, keeps the video in memory.
    ///
    /// # Errors
    /// [`ModelError::Config`] for a bad base URL or header.
    pub fn new(config: OpenAiConfig) -> Result<Self, ModelError> {
        Ok(Self {
            id: config.default_id("openai-video"),
            model: config.model.clone(),
            seconds: None,
            size: None,
            poll_interval: Duration::from_secs(5),
            max_wait: Duration::from_secs(600),
            output_dir: None,
            endpoint: Endpoint::new(&config)?,
        })
    }

    /// Requests a clip length in seconds.
    pub fn seconds(mut self, seconds: u32) -> Self {
        self.seconds = Some(seconds.to_string());
        self
    }

    /// Requests a size such as `1280x720`.
    pub fn size(mut self, size: impl Into<String>) -> Self {
        self.size = Some(size.into());
        self
    }

    /// Sets how often the job status is polled.
    pub fn poll_interval(mut self, every: Duration) -> Self {
        self.poll_interval = every;
        self
    }

    /// Sets how long to wait for a job before giving up with [`ModelError::Timeout`].
    pub fn max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }

    /// Writes downloaded videos to `dir/<job id>.mp4` and returns [`VideoData::File`] instead of
    /// keeping the bytes in memory.
    pub fn output_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.output_dir = Some(dir.into());
        self
    }

    fn job_failed(&self, v: &Value) -> Result<Blocked, ModelError> {
        let err = v.get("error").cloned().unwrap_or(Value::Null);
        if let Some(b) = block::from_error_value(&err) {
            return Ok(b);
        }
        let msg = crate::providers::http::error_message(
            serde_json::json!({ "error": err }).to_string().as_bytes(),
            self.endpoint.secrets(),
        );
        Err(ModelError::Transient {
            status: None,
            message: format!("video job failed: {msg}"),
        })
    }
}

fn safe_job_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 200
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
        && id != "."
        && id != ".."
}

#[async_trait]
impl TargetModel for OpenAiVideo {
    fn id(&self) -> &str {
        &self.id
    }

    fn modality(&self) -> Modality {
        Modality::Video
    }

    async fn generate(&self, request: &GenerationRequest) -> Result<Generation, ModelError> {
        let start = Instant::now();
        if request.has_images() {
            return Err(ModelError::unsupported(
                "video generation does not take image input",
            ));
        }
        let prompt = request
            .last_user_text()
            .ok_or_else(|| ModelError::BadRequest {
                status: None,
                message: "video generation needs a user message with the prompt".to_owned(),
            })?;
        let mut form = Form::new()
            .text("model", self.model.clone())
            .text("prompt", prompt);
        if let Some(s) = &self.seconds {
            form = form.text("seconds", s.clone());
        }
        if let Some(s) = &self.size {
            form = form.text("size", s.clone());
        }
        let r = self
            .endpoint
            .send_read(self.endpoint.post("/videos").multipart(form))
            .await?;
        let r = match self.endpoint.check(r)? {
            Ok(r) => r,
            Err(b) => return Ok(Generation::new(Output::Blocked(b)).with_latency(start.elapsed())),
        };
        let mut job: Value = serde_json::from_slice(&r.body).map_err(|e| {
            self.endpoint
                .malformed(&format!("video job is not valid JSON ({e})"), &r.body)
        })?;
        let job_id = job
            .get("id")
            .and_then(Value::as_str)
            .filter(|id| safe_job_id(id))
            .ok_or_else(|| {
                self.endpoint
                    .malformed("video job has no usable `id`", &r.body)
            })?
            .to_owned();
        loop {
            match job.get("status").and_then(Value::as_str).unwrap_or("") {
                "completed" | "succeeded" => break,
                "failed" | "cancelled" | "canceled" => {
                    let b = self.job_failed(&job)?;
                    return Ok(Generation::new(Output::Blocked(b)).with_latency(start.elapsed()));
                }
                _ => {}
            }
            if start.elapsed() + self.poll_interval > self.max_wait {
                return Err(ModelError::Timeout {
                    after: self.max_wait,
                });
            }
            tokio::time::sleep(self.poll_interval).await;
            let url = self.endpoint.url(&format!("/videos/{job_id}"));
            let p = self.endpoint.send_read(self.endpoint.get_url(&url)).await?;
            if !(200..300).contains(&p.status) {
                return Err(self.endpoint.status_error(&p));
            }
            job = serde_json::from_slice(&p.body).map_err(|e| {
                self.endpoint.malformed(
                    &format!("video job status is not valid JSON ({e})"),
                    &p.body,
                )
            })?;
        }
        let url = self.endpoint.url(&format!("/videos/{job_id}/content"));
        let d = self.endpoint.send_read(self.endpoint.get_url(&url)).await?;
        if !(200..300).contains(&d.status) {
            return Err(self.endpoint.status_error(&d));
        }
        if d.body.is_empty() {
            return Err(ModelError::malformed("downloaded video is empty"));
        }
        let mime = content_type(&d.headers)
            .filter(|m| crate::mime::kind(m) == Some(crate::mime::Kind::Video))
            .unwrap_or_else(|| crate::mime::MP4.to_owned());
        let data = match &self.output_dir {
            Some(dir) => {
                let path = dir.join(format!("{job_id}.mp4"));
                crate::fsutil::write_atomic(&path, d.body).await?;
                VideoData::File { path }
            }
            None => VideoData::Bytes { bytes: d.body },
        };
        Ok(Generation::new(Output::Video(Video { mime, data })).with_latency(start.elapsed()))
    }
}
