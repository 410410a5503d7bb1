//! One (instance, epoch): target → media preparation → judges → record.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use assurai_dataset::Instance;
use assurai_files::mime;
use assurai_judge::{JudgedImage, JudgedOutput, SafetyScore, UnscoredReason, Verdict};
use assurai_media::MediaError;
use assurai_models::{
    AudioData, Generation, GenerationRequest, ImageData, Media, Message, ModelError, Output, Role,
    TranscriptionRequest, VideoData,
};

use crate::{Context, RunError, convert};
use assurai_eval::{Record, RecordVerdict};

/// What the judges are given, plus what the record keeps of the output.
struct Prepared {
    judged: JudgedOutput,
    /// Why the output cannot be judged (e.g. silent audio), if so.
    unscorable: Option<&'static str>,
}

impl Prepared {
    fn judged(judged: JudgedOutput) -> Self {
        Self {
            judged,
            unscorable: None,
        }
    }

    fn unscorable(judged: JudgedOutput, reason: &'static str) -> Self {
        Self {
            judged,
            unscorable: Some(reason),
        }
    }
}

/// Why one stage of one instance failed: becomes the record's `error`
/// (`kind` from [`StageError::kind`], `message` from `Display`).
#[derive(Debug, thiserror::Error)]
enum StageError {
    /// The instance cannot be sent (an input media file is unreadable).
    #[error(transparent)]
    Input(RunError),
    /// The target model (or the transcriber) failed.
    #[error(transparent)]
    Model(ModelError),
    /// Generated media cannot be prepared for the judges.
    #[error(transparent)]
    Media(MediaError),
    /// The media preparation task panicked.
    #[error("media preparation failed: {0}")]
    MediaTask(tokio::task::JoinError),
    /// Saving generated media under the run directory failed.
    #[error("{action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A judge failed (its message, as the ensemble recorded it).
    #[error("{0}")]
    Judge(String),
    /// The target produced an output kind this runner does not know.
    #[error("the target produced an output kind this runner does not know")]
    Unsupported,
}

impl From<MediaError> for StageError {
    fn from(e: MediaError) -> Self {
        Self::Media(e)
    }
}

impl StageError {
    /// The record's `error.kind`.
    fn kind(&self) -> &'static str {
        match self {
            Self::Input(_) => "input",
            Self::Model(e) => e.kind().as_str(),
            Self::Media(_) | Self::MediaTask(_) => "media",
            Self::Io { .. } => "io",
            Self::Judge(_) => "judge",
            Self::Unsupported => "unsupported",
        }
    }
}

/// The target's answer: the generation, the whole conversation the model
/// saw (with its own replies, for the judge) and the attempts it took.
struct Generated {
    generation: Generation,
    conversation: Vec<Message>,
    attempts: u32,
}

/// The target failed after `attempts` attempts.
struct TargetFailed {
    error: ModelError,
    attempts: u32,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn fail(mut record: Record, error: &StageError, started: Instant) -> Record {
    // A server may echo a whole request (a Base64 image) in its error: keep a few KiB.
    let message =
        assurai_models::cap_message(error.to_string(), assurai_models::MAX_ERROR_MESSAGE_BYTES);
    record.set_error(error.kind(), message);
    finish(record, started)
}

/// The note appended to an output cut off by the token limit, so the judge
/// knows the text is incomplete.
pub(crate) const TRUNCATED_NOTE: &str = "\n\n[assurai: this output was cut off by the token limit (finish_reason: length); it is incomplete]";

/// Runs one instance for one epoch. Never fails: problems become an
/// `error` record that a resumed run with `--retry-errors` re-tries.
pub(super) async fn process(ctx: &Context, instance: &Instance, epoch: u32) -> Record {
    let started = Instant::now();
    let mut record = Record::new(
        instance.id.clone(),
        ctx.model.clone(),
        epoch,
        instance.risk_factor,
        instance.prompt_type,
        instance.modality,
    );
    record.prompt = Some(instance.prompt_text());
    if let Some(e) = instance.expected {
        // Should-comply instances feed the report's over-refusal rate.
        record.extra.insert("expected".into(), e.id().into());
    }
    if let Some(rec) = &ctx.human_scores {
        record.human_scores = rec.human_scores(&instance.id).to_vec();
    }
    record.timings.started_at = Some(assurai_eval::now_rfc3339_millis());

    let messages = match convert::messages(instance, &ctx.dataset) {
        Ok(m) => m,
        Err(e) => return fail(record, &StageError::Input(e), started),
    };

    // 1. The target.
    let t0 = Instant::now();
    // Every call the server saw, retries included, also when all of them failed.
    let (generated, calls) =
        assurai_models::layers::count_calls(generate(ctx, instance, epoch, messages)).await;
    let wall = t0.elapsed();
    record.timings.target_ms = Some(ms(wall));
    let Generated {
        generation,
        conversation,
        attempts,
    } = match generated {
        Ok(g) => g,
        Err(TargetFailed { error, attempts }) => {
            record.attempts = attempts.max(calls);
            return fail(record, &StageError::Model(error), started);
        }
    };
    record.attempts = attempts.max(calls);
    // Time in the model, without backoff, Retry-After and queueing waits
    // (recorded apart as target_wait_ms).
    let in_model = generation.latency
        + generation
            .attempts
            .iter()
            .map(|a| a.latency)
            .sum::<Duration>();
    if !in_model.is_zero() && in_model < wall {
        record.timings.target_ms = Some(ms(in_model));
        record
            .timings
            .extra
            .insert("target_wait_ms".into(), ms(wall - in_model).into());
    }
    if let Some(reason) = &generation.finish_reason {
        record
            .output
            .extra
            .insert("finish_reason".into(), reason.clone().into());
    }
    let truncated = generation.is_truncated();
    if truncated {
        record.output.extra.insert("truncated".into(), true.into());
    }
    record.usage.target_input_tokens = generation.usage.input_tokens;
    record.usage.target_output_tokens = generation.usage.output_tokens;

    if let Output::Blocked(b) = &generation.output {
        record.output.text = b.detail.clone();
        record.extra.insert(
            "block_reason".into(),
            serde_json::Value::String(b.reason.as_str().into()),
        );
        record.set_blocked();
        return finish(record, started);
    }

    // 2. Media preparation.
    let t1 = Instant::now();
    let prepared = prepare(ctx, instance, epoch, generation.output, &mut record).await;
    record.timings.media_ms = Some(ms(t1.elapsed()));
    let prepared = match prepared {
        Ok(p) => p,
        Err(e) => return fail(record, &e, started),
    };
    if let Some(reason) = prepared.unscorable {
        record.set_unscored(reason);
        return finish(record, started);
    }

    // 3. The judges: every member concurrently, each verdict recorded, the
    // ensemble's median the record's score.
    let t2 = Instant::now();
    let judged_output = match prepared.judged {
        JudgedOutput::Text { text } if truncated => JudgedOutput::text(text + TRUNCATED_NOTE),
        other => other,
    };
    let input = convert::judge_input(instance, &conversation, judged_output);
    let (judged, judge_calls) =
        assurai_models::layers::count_calls(ctx.judges.judge_all(&input)).await;
    if judge_calls > 0 {
        record
            .extra
            .insert("judge_attempts".into(), judge_calls.into());
    }
    record.timings.judge_ms = Some(ms(t2.elapsed()));
    let judged = match judged {
        Ok(j) => j,
        Err(e) => return fail(record, &StageError::Judge(e.to_string()), started),
    };
    record
        .verdicts
        .extend(judged.members.iter().map(record_verdict));
    judge_usage(&judged.members, &mut record.usage);
    // A judge that failed makes the record an error (re-tried with
    // --retry-errors), whatever the other judges said.
    let failed = judged
        .members
        .iter()
        .find_map(|m| match m.unscored_reason() {
            Some(UnscoredReason::Error { message }) => Some(message.clone()),
            _ => None,
        });
    if let Some(message) = failed {
        return fail(record, &StageError::Judge(message), started);
    }
    match judged.verdict.score() {
        Some(score) => record.set_scored(score.get()),
        None => {
            let reason = record
                .verdicts
                .iter()
                .find_map(|v| v.unscored_reason.clone())
                .unwrap_or_else(|| "no_score".into());
            record.set_unscored(reason);
        }
    }
    finish(record, started)
}

fn finish(mut record: Record, started: Instant) -> Record {
    record.timings.total_ms = Some(ms(started.elapsed()));
    record
}

/// Calls the target: one request, or a user-only Multi-Session conversation
/// played turn by turn. Returns the generation and the whole conversation
/// the model saw (with its own replies), for the judge.
async fn generate(
    ctx: &Context,
    instance: &Instance,
    epoch: u32,
    messages: Vec<Message>,
) -> Result<Generated, TargetFailed> {
    let request_id = format!("{}#{}", instance.id, epoch);
    let request = |msgs: Vec<Message>, turn: Option<usize>| {
        let id = match turn {
            Some(t) => format!("{request_id}/turn{t}"),
            None => request_id.clone(),
        };
        let mut r = GenerationRequest::new(id)
            .instance(instance.id.clone())
            .settings(ctx.options.settings.clone());
        r.messages = msgs;
        r
    };
    if !(ctx.options.play_turns && convert::plays_turn_by_turn(instance)) {
        let req = request(messages.clone(), None);
        tracing::debug!(request = %req.request_id, model = %ctx.model, "target request");
        return match ctx.target.generate(&req).await {
            Ok(generation) => Ok(Generated {
                attempts: u32::try_from(generation.attempt_count()).unwrap_or(u32::MAX),
                generation,
                conversation: messages,
            }),
            Err(error) => Err(TargetFailed { error, attempts: 1 }),
        };
    }
    let mut history: Vec<Message> = Vec::new();
    let mut last: Option<Generation> = None;
    let mut attempts = 0u32;
    // The tokens of every turn: known only when every turn reported them.
    let mut usage: Option<assurai_models::Usage> = None;
    let user_turns = messages.iter().filter(|m| m.role == Role::User).count();
    let mut seen_users = 0;
    for msg in messages {
        let is_user = msg.role == Role::User;
        history.push(msg);
        if !is_user {
            continue;
        }
        seen_users += 1;
        let req = request(history.clone(), Some(seen_users));
        tracing::debug!(request = %req.request_id, model = %ctx.model, "target request (turn by turn)");
        let g = ctx
            .target
            .generate(&req)
            .await
            .map_err(|error| TargetFailed {
                error,
                attempts: attempts + 1,
            })?;
        attempts += u32::try_from(g.attempt_count()).unwrap_or(1);
        let mut g = g;
        g.usage = match usage {
            None => g.usage,
            Some(u) => sum_turns(u, g.usage),
        };
        usage = Some(g.usage);
        if seen_users < user_turns {
            match g.output.as_text() {
                Some(text) => history.push(Message::text(Role::Assistant, text)),
                // Blocked (or non-text) mid-conversation: that is the outcome.
                None => {
                    return Ok(Generated {
                        generation: g,
                        conversation: history,
                        attempts,
                    });
                }
            }
        }
        last = Some(g);
    }
    match last {
        Some(generation) => Ok(Generated {
            generation,
            conversation: history,
            attempts,
        }),
        None => Err(TargetFailed {
            error: ModelError::BadRequest {
                status: None,
                message: "conversation has no user turn".into(),
            },
            attempts,
        }),
    }
}

/// The usage of two turns: each count summed, unknown when either turn did not report it.
fn sum_turns(a: assurai_models::Usage, b: assurai_models::Usage) -> assurai_models::Usage {
    let both = |x: Option<u64>, y: Option<u64>| Some(x?.saturating_add(y?));
    assurai_models::Usage {
        input_tokens: both(a.input_tokens, b.input_tokens),
        output_tokens: both(a.output_tokens, b.output_tokens),
    }
}

/// A file name for a record's media: the instance id made safe, plus the
/// epoch, under `media/<model>/`.
fn media_path(ctx: &Context, instance: &Instance, epoch: u32, suffix: &str) -> (PathBuf, String) {
    let hash = assurai_dataset::stable_hash(instance.id.as_bytes()) & 0xffff_ffff;
    let rel = format!(
        "media/{}/{}-{hash:08x}_e{epoch}{suffix}",
        super::safe_file_name(&ctx.model, 80),
        super::safe_file_name(&instance.id, 80)
    );
    (ctx.store.dir().join(&rel), rel)
}

/// The file suffix media of this MIME type is saved with (`.png`, `.wav`, …): the one MIME
/// table's extension; `.mp4` for a video type it does not know, `.bin` for anything else.
fn suffix_for(mime_type: &str) -> String {
    match mime::extension(mime_type) {
        Some(ext) => format!(".{ext}"),
        None if mime::kind(mime_type) == Some(mime::Kind::Video) => ".mp4".to_owned(),
        None => ".bin".to_owned(),
    }
}

/// Saves media with the workspace's one atomic write (temporary file, fsync, rename), so a crash
/// never leaves a half-written media file. Blocking: called only inside [`blocking`].
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), StageError> {
    assurai_files::write_atomic(path, bytes).map_err(|source| StageError::Io {
        action: "cannot write",
        path: path.to_path_buf(),
        source,
    })
}

/// Runs media preparation and media writes on tokio's blocking pool, never on an async worker.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StageError> + Send + 'static,
) -> Result<T, StageError> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r,
        Err(e) => Err(StageError::MediaTask(e)),
    }
}

/// Saves `bytes` at `path` on the blocking pool and hands them back.
async fn save(path: PathBuf, bytes: Vec<u8>) -> Result<Vec<u8>, StageError> {
    blocking(move || write_file(&path, &bytes).map(|()| bytes)).await
}

/// Saves the output's media under the run directory and prepares what the
/// judges see: text as is; an image as a resized JPEG; a video as its
/// representative frame; speech as a transcript.
async fn prepare(
    ctx: &Context,
    instance: &Instance,
    epoch: u32,
    output: Output,
    record: &mut Record,
) -> Result<Prepared, StageError> {
    let ok = |judged| Ok(Prepared::judged(judged));
    match output {
        Output::Text { text } => {
            record.output.text = Some(text.clone());
            ok(JudgedOutput::text(text))
        }
        Output::Image(Media { mime, bytes }) => {
            let (path, rel) = media_path(ctx, instance, epoch, &suffix_for(&mime));
            let bytes = save(path, bytes).await?;
            record.output.media_path = Some(rel);
            let options = ctx.options.image;
            let (jpath, jrel) = media_path(ctx, instance, epoch, ".judged.jpg");
            let prepared = blocking(move || {
                let prepared = assurai_media::prepare_image(&bytes, &options)?;
                write_file(&jpath, prepared.jpeg())?;
                Ok(prepared)
            })
            .await?;
            tracing::debug!(instance = %instance.id, jpeg_bytes = prepared.jpeg().len(), "image prepared for the judges");
            record.extra.insert("judged_image".into(), jrel.into());
            ok(JudgedOutput::image(JudgedImage::new(ImageData::new(
                mime::JPEG,
                prepared.into_jpeg(),
            ))))
        }
        Output::Video(video) => {
            let path = match video.data {
                VideoData::Bytes { bytes } => {
                    let (path, rel) = media_path(ctx, instance, epoch, &suffix_for(&video.mime));
                    save(path.clone(), bytes).await?;
                    record.output.media_path = Some(rel);
                    path
                }
                VideoData::File { path } => {
                    record.output.media_path = Some(path.display().to_string());
                    path
                }
            };
            let options = ctx.options.frames.clone();
            let (jpath, jrel) = media_path(ctx, instance, epoch, ".frame.jpg");
            let (selection, fallback) = blocking(move || {
                let chosen = match assurai_media::select_frames(&path, &options) {
                    // Every sampled frame is black, white or flat: such a video
                    // is still an output to judge, so take its best frame anyway.
                    Err(assurai_media::MediaError::NoUsableFrame { .. }) => {
                        let mut relaxed = options;
                        relaxed.filter.min_brightness = 0.0;
                        relaxed.filter.max_brightness = 255.0;
                        relaxed.filter.min_contrast = 0.0;
                        assurai_media::select_frames(&path, &relaxed).map(|s| (s, true))
                    }
                    other => other.map(|s| (s, false)),
                }?;
                write_file(&jpath, chosen.0.best().image.jpeg())?;
                Ok(chosen)
            })
            .await?;
            let best = selection.best();
            tracing::debug!(
                instance = %instance.id,
                timestamp_s = best.timestamp_s,
                frames_considered = selection.frames_considered,
                all_frames_defective = fallback,
                "video: representative frame chosen"
            );
            record.extra.insert("judged_image".into(), jrel.into());
            record.extra.insert(
                "frame".into(),
                serde_json::json!({
                    "timestamp_s": best.timestamp_s,
                    "sharpness": best.quality.sharpness,
                    "entropy": best.quality.entropy,
                    "score": best.quality.score,
                    "frames_considered": selection.frames_considered,
                    "all_frames_defective": fallback,
                    "backend": selection.backend.as_str(),
                }),
            );
            // The k best distinct frames (`--judge-frames`, best first), in one request.
            let k = ctx.options.frames.count.max(1);
            let selection = if selection.frames.len() > 1 && k > 1 {
                let mut judged = vec![serde_json::json!({
                    "timestamp_s": best.timestamp_s, "path": record.extra["judged_image"].clone()})];
                let mut writes = Vec::new();
                for (i, f) in selection.frames.iter().enumerate().take(k).skip(1) {
                    let (p, rel) =
                        media_path(ctx, instance, epoch, &format!(".frame{}.jpg", i + 1));
                    writes.push((i, p));
                    judged.push(serde_json::json!({"timestamp_s": f.timestamp_s, "path": rel}));
                }
                let selection = blocking(move || {
                    for (i, p) in &writes {
                        write_file(p, selection.frames[*i].image.jpeg())?;
                    }
                    Ok(selection)
                })
                .await?;
                record.extra.insert("judged_frames".into(), judged.into());
                selection
            } else {
                selection
            };
            let frames = selection
                .frames
                .iter()
                .take(k)
                .map(|f| {
                    JudgedImage::frame(
                        ImageData::new(mime::JPEG, f.image.jpeg()),
                        Duration::from_secs_f64(f.timestamp_s),
                    )
                })
                .collect();
            ok(JudgedOutput::images(frames))
        }
        Output::Audio(Media { mime, bytes }) => {
            let (path, rel) = media_path(ctx, instance, epoch, &suffix_for(&mime));
            let bytes = save(path, bytes).await?;
            record.output.media_path = Some(rel);
            let options = ctx.options.audio.clone();
            let audio =
                blocking(move || Ok(assurai_media::normalize_audio(&bytes, &options)?)).await?;
            record.extra.insert(
                "audio".into(),
                serde_json::json!({
                    "duration_s": audio.duration_s,
                    "is_silent": audio.is_silent,
                    "backend": audio.decoder.backend(),
                }),
            );
            tracing::debug!(
                instance = %instance.id,
                duration_s = audio.duration_s,
                silent = audio.is_silent,
                "audio normalised"
            );
            if audio.is_silent {
                return Ok(Prepared::unscorable(
                    JudgedOutput::transcript(String::new()),
                    "silent_audio",
                ));
            }
            let Some(transcriber) = &ctx.transcriber else {
                return Ok(Prepared::unscorable(
                    JudgedOutput::transcript(String::new()),
                    "no_transcriber",
                ));
            };
            let wav = ctx.options.judge_audio.then(|| audio.wav.clone());
            let request = TranscriptionRequest::new(Media::new(mime::WAV, audio.wav))
                .language("ko")
                .instance(instance.id.clone());
            let transcript = match transcriber.transcribe(&request).await {
                Ok(t) => t,
                // A recorded transcriber without a transcript for this output.
                Err(ModelError::NotRecorded { .. }) => {
                    return Ok(Prepared::unscorable(
                        JudgedOutput::transcript(String::new()),
                        "no_transcript",
                    ));
                }
                Err(e) => return Err(StageError::Model(e)),
            };
            record.usage.transcriber_input_tokens = transcript.usage.input_tokens;
            record.usage.transcriber_output_tokens = transcript.usage.output_tokens;
            let transcript = transcript.text;
            record.output.transcript = Some(transcript.clone());
            // The record says what the judges were given.
            let (seen, output) = match wav {
                Some(wav) => (
                    "transcript+audio",
                    JudgedOutput::speech(transcript, AudioData::new(mime::WAV, wav)),
                ),
                None => ("transcript", JudgedOutput::transcript(transcript)),
            };
            record.extra.insert("judge_input".into(), seen.into());
            ok(output)
        }
        // Blocked outputs are recorded before preparation; kept total all the same.
        Output::Blocked(_) => Ok(Prepared::unscorable(
            JudgedOutput::blocked(None),
            "output_blocked",
        )),
        _ => Err(StageError::Unsupported),
    }
}

/// A judge's verdict as written into a record: the score or the reason's
/// kind, the rationale (or the reason in words; a failed judge's message as
/// is), the prompt version, and how many judge calls it took when more than
/// one.
///
/// What a judge said beyond its score: a guard's reading (`guard`), the judge's own refusal
/// and risk-factor claims, the raw reply of an unscored verdict, and the transport failures
/// its calls met (retried or not).
fn judge_claims(v: &Verdict, extra: &mut assurai_eval::Extra) {
    if let Some(g) = &v.guard
        && let Ok(value) = serde_json::to_value(g)
    {
        extra.insert("guard".into(), value);
    }
    if let Some(r) = v.refused {
        extra.insert("refused".into(), r.into());
    }
    if !v.risk_factors.is_empty() {
        let ids: Vec<serde_json::Value> = v.risk_factors.iter().map(|f| f.id().into()).collect();
        extra.insert("risk_factors".into(), ids.into());
    }
    if !v.is_scored()
        && let Some(raw) = &v.raw_reply
    {
        let cut: String = raw.chars().take(2000).collect();
        extra.insert("raw_reply".into(), cut.into());
    }
    let failures: Vec<serde_json::Value> = v
        .attempts
        .iter()
        .filter_map(|a| match &a.outcome {
            assurai_judge::Outcome::Unscored(UnscoredReason::Error { message }) => {
                Some(message.chars().take(300).collect::<String>().into())
            }
            _ => None,
        })
        .collect();
    if !failures.is_empty() {
        extra.insert("transport_failures".into(), failures.into());
    }
}

/// The judges' token usage over every call that answered: each count summed over the calls
/// that reported it (unknown when none did), and the answered calls that reported no usage
/// counted apart, so that a missing count is never taken for 0 tokens. Calls that failed in
/// transport (no reply) have no usage to report and are left out.
fn judge_usage(members: &[Verdict], usage: &mut assurai_eval::RecordUsage) {
    let (mut input, mut output, mut without) = (None::<u64>, None::<u64>, 0u32);
    let add = |sum: &mut Option<u64>, n: u64| *sum = Some(sum.unwrap_or(0).saturating_add(n));
    for a in members.iter().flat_map(|m| &m.attempts) {
        let failed = matches!(
            a.outcome,
            assurai_judge::Outcome::Unscored(UnscoredReason::Error { .. })
        ) && a.raw_reply.is_empty();
        if failed {
            continue;
        }
        if let Some(n) = a.usage.input_tokens {
            add(&mut input, n);
        }
        if let Some(n) = a.usage.output_tokens {
            add(&mut output, n);
        }
        if a.usage.input_tokens.is_none() || a.usage.output_tokens.is_none() {
            without = without.saturating_add(1);
        }
    }
    // Judges that record no attempts (custom ones) report their usage on the verdict only.
    for m in members.iter().filter(|m| m.attempts.is_empty()) {
        if let Some(n) = m.usage.input_tokens {
            add(&mut input, n);
        }
        if let Some(n) = m.usage.output_tokens {
            add(&mut output, n);
        }
    }
    usage.judge_input_tokens = input;
    usage.judge_output_tokens = output;
    usage.judge_calls_without_usage = (without > 0).then_some(without);
}

/// One function rather than `From<&Verdict> for RecordVerdict`: both types
/// belong to other crates (judge and eval, which do not depend on each
/// other), so the orphan rule leaves the mapping to this crate.
fn record_verdict(v: &Verdict) -> RecordVerdict {
    let mut extra = assurai_eval::Extra::new();
    if v.attempts.len() > 1 {
        extra.insert("judge_attempts".into(), v.attempts.len().into());
    }
    judge_claims(v, &mut extra);
    RecordVerdict {
        judge: v.judge_id.clone(),
        score: v.score().map(SafetyScore::get),
        unscored_reason: v.unscored_reason().map(|r| r.kind().to_string()),
        rationale: v.rationale.clone().or_else(|| {
            v.unscored_reason().map(|r| match r {
                UnscoredReason::Error { message } => message.clone(),
                other => other.to_string(),
            })
        }),
        prompt_version: v.template_version.clone(),
        extra,
    }
}
