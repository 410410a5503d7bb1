//! Sample frames from a video (in-process or with `ffmpeg`), measure them and select
//! representative ones.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::encode::{PreparedImage, check_encode_options, encode_rgb};
use crate::error::{MediaError, Result};
use crate::ffmpeg::{self, HOW_TO_GET_FFMPEG, Programs, VideoInfo};
use crate::image_prep::ImageOptions;
use crate::quality::{
    FrameDefect, FrameFilter, FrameQuality, luma_into, measure_luma, signature, signature_distance,
};

/// Which frames to sample from a video.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Sampling {
    /// About `frames` frames spread evenly over the duration (one every `duration / frames`
    /// seconds, starting with the first frame).
    Uniform {
        /// Number of frames (at least 1).
        frames: u32,
    },
    /// One frame every `seconds` seconds, starting with the first frame.
    Interval {
        /// Spacing in seconds (> 0).
        seconds: f64,
    },
    /// The first frame and every frame whose `ffmpeg` scene-change score exceeds `threshold`
    /// (0–1; 0.3 is a common choice).
    SceneChange {
        /// Scene score threshold in (0, 1).
        threshold: f64,
    },
}

impl Default for Sampling {
    fn default() -> Self {
        Self::Uniform { frames: 32 }
    }
}

/// Resource limits for untrusted videos, checked from `ffprobe`'s report before decoding.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct VideoLimits {
    /// Longest accepted duration in seconds (default 600).
    pub max_duration_s: f64,
    /// Widest accepted frame (default 7680).
    pub max_width: u32,
    /// Tallest accepted frame (default 4320).
    pub max_height: u32,
    /// At most this many sampled frames are measured; sampling stops there (default 1000).
    pub max_frames: usize,
}

impl Default for VideoLimits {
    fn default() -> Self {
        Self {
            max_duration_s: 600.0,
            max_width: 7680,
            max_height: 4320,
            max_frames: 1000,
        }
    }
}

/// How to choose representative frames.
///
/// ```
/// use assurai_media::{FrameOptions, Sampling};
/// let mut options = FrameOptions::default();
/// options.sampling = Sampling::Interval { seconds: 0.5 };
/// options.count = 3;
/// assert_eq!(options.image.max_side, 1024);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FrameOptions {
    /// Which frames to sample (default: 32 uniform frames).
    pub sampling: Sampling,
    /// How many frames to return, best first (default 1, at most 256).
    pub count: usize,
    /// Two frames whose 16×16 luma thumbnails differ by less than this mean absolute difference
    /// (0–1) are near-duplicates and only the better one is kept (default 0.05).
    pub min_difference: f64,
    /// Rejection thresholds for black, white and flat frames.
    pub filter: FrameFilter,
    /// Decoding limits.
    pub limits: VideoLimits,
    /// Output size and JPEG quality of the chosen frames.
    pub image: ImageOptions,
    /// Where `ffmpeg` and `ffprobe` are.
    pub programs: Programs,
    /// Decode only reference frames (`ffmpeg -skip_frame noref`; in-process: non-reference
    /// slices are not fed to the decoder) when the sampling step spans at least 4 frames:
    /// non-reference B-frames are the most heavily compressed and skipping them saves decoding
    /// time without leaving a sampling window empty (default true).
    pub skip_non_reference: bool,
    /// Which decoder to use (default [`BackendChoice::Auto`]: in-process for MP4/MOV with
    /// H.264, `ffmpeg` for anything else).
    pub backend: BackendChoice,
}

/// Which decoder [`select_frames`] uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum BackendChoice {
    /// In-process when the container and codec are supported (MP4/MOV with 8-bit 4:2:0
    /// H.264, B-frames included), otherwise the `ffmpeg` program; without `ffmpeg` the error
    /// names the codec and how to install it.
    #[default]
    Auto,
    /// In-process only: other codecs are [`MediaError::Unsupported`].
    InProcess,
    /// The `ffmpeg` and `ffprobe` programs only.
    Ffmpeg,
}

/// Which decoder produced a [`FrameSelection`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum VideoBackend {
    /// Demuxed (mp4parse) and decoded (OpenH264) inside the process.
    InProcess,
    /// Probed by `ffprobe` and decoded by `ffmpeg` child processes.
    Ffmpeg,
}

impl VideoBackend {
    /// `in-process` or `ffmpeg`, as recorded in a record's media notes.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InProcess => "in-process",
            Self::Ffmpeg => "ffmpeg",
        }
    }
}

impl Default for FrameOptions {
    fn default() -> Self {
        Self {
            sampling: Sampling::default(),
            count: 1,
            min_difference: 0.05,
            filter: FrameFilter::default(),
            limits: VideoLimits::default(),
            image: ImageOptions::default(),
            programs: Programs::default(),
            skip_non_reference: true,
            backend: BackendChoice::Auto,
        }
    }
}

/// One chosen frame: the prepared JPEG, where it is in the video and why it was chosen.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SelectedFrame {
    /// Presentation time of the frame in seconds.
    pub timestamp_s: f64,
    /// Its quality figures.
    pub quality: FrameQuality,
    /// The frame resized and encoded as JPEG.
    pub image: PreparedImage,
}

/// The result of [`select_frames`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct FrameSelection {
    /// The chosen frames, best score first; never empty; no two are near-duplicates.
    pub frames: Vec<SelectedFrame>,
    /// Frames sampled and measured.
    pub frames_considered: usize,
    /// Sampled frames rejected as black.
    pub rejected_black: usize,
    /// Sampled frames rejected as white.
    pub rejected_white: usize,
    /// Sampled frames rejected as flat.
    pub rejected_flat: usize,
    /// Whether sampling stopped at [`VideoLimits::max_frames`].
    pub truncated: bool,
    /// What the demuxer (or `ffprobe`) reported about the video.
    pub video: VideoInfo,
    /// Which decoder read the video.
    pub backend: VideoBackend,
}

impl FrameSelection {
    /// The best frame.
    pub fn best(&self) -> &SelectedFrame {
        // `select_frames` never returns an empty selection.
        &self.frames[0]
    }
}

/// Reads a video's size, duration and codec: in-process for MP4/MOV with H.264, with
/// `ffprobe` otherwise.
pub fn probe_video(path: impl AsRef<Path>, programs: &Programs) -> Result<VideoInfo> {
    let path = path.as_ref();
    check_file(path)?;
    match crate::mp4::open(path, &VideoLimits::default())? {
        Ok(track) => {
            let (w, h) = crate::h264::parse_avcc(&track.avcc)
                .ok()
                .and_then(|c| c.sps)
                .map_or((track.width, track.height), |s| (s.width, s.height));
            Ok(track_info_for(&track, w, h))
        }
        Err(_) => ffmpeg::probe(programs, path),
    }
}

/// The [`VideoInfo`] of a demuxed track whose coded (pre-rotation) size is `coded_w × coded_h`.
pub(crate) fn track_info_for(track: &crate::mp4::Track, coded_w: u32, coded_h: u32) -> VideoInfo {
    let (width, height) = if track.rotation % 180 == 90 {
        (coded_h, coded_w)
    } else {
        (coded_w, coded_h)
    };
    VideoInfo {
        width,
        height,
        duration_s: track.duration_s,
        frame_rate: Some(track.samples.len() as f64 / track.duration_s)
            .filter(|r| r.is_finite() && *r > 0.0),
        codec: "h264".to_owned(),
        format: track.format.to_owned(),
    }
}

fn check_file(path: &Path) -> Result<()> {
    let meta = std::fs::metadata(path).map_err(|source| MediaError::Io {
        path: path.to_owned(),
        source,
    })?;
    if !meta.is_file() {
        return Err(MediaError::invalid(
            &path.display().to_string(),
            "not a regular file",
        ));
    }
    if meta.len() == 0 {
        return Err(MediaError::invalid(
            &path.display().to_string(),
            "empty file (0 bytes), expected a video",
        ));
    }
    Ok(())
}

fn check_options(options: &FrameOptions) -> Result<()> {
    check_encode_options(options.image.max_side, options.image.quality)?;
    match options.sampling {
        Sampling::Uniform { frames: 0 } => {
            return Err(MediaError::option("frames", "0: expected at least 1"));
        }
        Sampling::Interval { seconds } if !(seconds.is_finite() && seconds > 0.0) => {
            return Err(MediaError::option(
                "interval",
                format!("{seconds}: expected a positive number of seconds"),
            ));
        }
        Sampling::SceneChange { threshold } if !(threshold > 0.0 && threshold < 1.0) => {
            return Err(MediaError::option(
                "threshold",
                format!("{threshold}: expected 0 < threshold < 1"),
            ));
        }
        _ => {}
    }
    let max_duration = options.limits.max_duration_s;
    if !(max_duration.is_finite() && max_duration > 0.0) {
        return Err(MediaError::option(
            "max_duration_s",
            format!("{max_duration}: expected a positive number of seconds"),
        ));
    }
    if options.count == 0 || options.count > 256 {
        return Err(MediaError::option(
            "count",
            format!("{}: expected 1..=256", options.count),
        ));
    }
    if !(0.0..=1.0).contains(&options.min_difference) {
        return Err(MediaError::option(
            "min_difference",
            format!("{}: expected 0..=1", options.min_difference),
        ));
    }
    Ok(())
}

/// The `ffmpeg` `select` filter expression for a sampling strategy.
///
/// Time-based strategies take the first frame of each window `[i·T, (i+1)·T)`, so the count is
/// `ceil(duration / T)` whatever the frame rate, without drift.
fn select_expr(sampling: Sampling, duration_s: f64) -> String {
    let every = |step: f64| {
        format!("isnan(prev_selected_t)+gt(floor(t/{step:.9})\\,floor(prev_selected_t/{step:.9}))")
    };
    match sampling {
        Sampling::Uniform { frames } => every(duration_s / f64::from(frames.max(1))),
        Sampling::Interval { seconds } => every(seconds),
        Sampling::SceneChange { threshold } => {
            format!("isnan(prev_selected_t)+gt(scene\\,{threshold:.6})")
        }
    }
}

struct Candidate {
    timestamp_s: f64,
    quality: FrameQuality,
    signature: [u8; 256],
    rgb: Vec<u8>,
}

/// Samples frames from the video at `path`, drops black, white and flat ones, and returns the
/// best [`FrameOptions::count`] frames that are not near-duplicates of each other, as prepared
/// JPEGs with their timestamps and quality figures.
///
/// Frames are ranked by [`FrameQuality::score`] (see [`crate::quality`]). Memory stays bounded:
/// only the best `max(8, 4 × count)` distinct frames are kept while the video streams through,
/// fewer for very large frames so the pool stays under 256 MiB (never fewer than `count`).
///
/// Errors: [`MediaError::MissingProgram`] without `ffmpeg`/`ffprobe`;
/// [`MediaError::InvalidInput`] for files that are not videos; [`MediaError::LimitExceeded`]
/// for videos longer or larger than [`VideoLimits`]; [`MediaError::NoUsableFrame`] when every
/// sampled frame is black, white or flat.
pub fn select_frames(path: impl AsRef<Path>, options: &FrameOptions) -> Result<FrameSelection> {
    let path = path.as_ref();
    let input = path.display().to_string();
    check_options(options)?;
    check_file(path)?;
    if options.backend == BackendChoice::Ffmpeg {
        return select_ffmpeg(path, options, &input);
    }
    match crate::mp4::open(path, &options.limits)? {
        Ok(track) => crate::video_inprocess::select(path, &track, options, &input),
        Err(not_here) if options.backend == BackendChoice::InProcess => {
            Err(MediaError::Unsupported {
                input,
                reason: format!("{} is not decoded in-process", not_here.what),
            })
        }
        Err(not_here) => match select_ffmpeg(path, options, &input) {
            Err(MediaError::MissingProgram { program }) => Err(MediaError::Unsupported {
                input,
                reason: format!(
                    "{} is not decoded in-process (only MP4/MOV with H.264 is) and the \
                     program `ffmpeg` was not found as `{program}`: {HOW_TO_GET_FFMPEG}",
                    not_here.what
                ),
            }),
            other => other,
        },
    }
}

/// Checks a video's size and duration against the limits, before decoding.
pub(crate) fn check_limits(info: &VideoInfo, limits: &VideoLimits, input: &str) -> Result<()> {
    if info.width > limits.max_width {
        return Err(MediaError::limit(
            input,
            "video width (pixels)",
            info.width.into(),
            limits.max_width.into(),
        ));
    }
    if info.height > limits.max_height {
        return Err(MediaError::limit(
            input,
            "video height (pixels)",
            info.height.into(),
            limits.max_height.into(),
        ));
    }
    if info.duration_s > limits.max_duration_s {
        return Err(MediaError::limit(
            input,
            "video duration (seconds)",
            info.duration_s.ceil() as u64,
            limits.max_duration_s.floor() as u64,
        ));
    }
    Ok(())
}

/// How many sampled frames to measure at most.
pub(crate) fn max_sampled(options: &FrameOptions) -> usize {
    match options.sampling {
        Sampling::Uniform { frames } => options.limits.max_frames.min(frames as usize),
        _ => options.limits.max_frames,
    }
}

/// Whether stopping at [`max_sampled`] frames is a truncation (rather than the normal end of
/// uniform sampling).
pub(crate) fn stop_is_truncation(options: &FrameOptions) -> bool {
    match options.sampling {
        Sampling::Uniform { frames } => options.limits.max_frames < frames as usize,
        _ => true,
    }
}

/// The sampling step in seconds for time-based strategies.
pub(crate) fn step_seconds(sampling: Sampling, duration_s: f64) -> Option<f64> {
    match sampling {
        Sampling::Uniform { frames } => Some(duration_s / f64::from(frames)),
        Sampling::Interval { seconds } => Some(seconds),
        Sampling::SceneChange { .. } => None,
    }
}

/// Whether to decode reference frames only.
pub(crate) fn skip_non_reference(options: &FrameOptions, info: &VideoInfo) -> bool {
    options.skip_non_reference
        && matches!(
            (step_seconds(options.sampling, info.duration_s), info.frame_rate),
            (Some(step), Some(fps)) if step * fps >= 4.0
        )
}

/// Measures sampled frames, keeps the best distinct ones and builds the selection; shared by
/// both backends so that filtering, scoring and the choice are the same.
pub(crate) struct Selector<'a> {
    options: &'a FrameOptions,
    width: usize,
    height: usize,
    pool_size: usize,
    pool: Vec<Candidate>,
    y: Vec<u8>,
    pub(crate) considered: usize,
    black: usize,
    white: usize,
    flat: usize,
}

/// The pool of kept frames stays under this many bytes.
const POOL_BUDGET_BYTES: usize = 256 << 20;

/// Pool size for `count` frames of `w × h`, with `share` of the byte budget.
fn pool_size(count: usize, w: usize, h: usize, share: usize) -> usize {
    let by_budget = POOL_BUDGET_BYTES / share.max(1) / (w * h * 3).max(1);
    (4 * count).max(8).min(by_budget).max(count)
}

/// Whether `parts` selectors side by side keep the same pool size as one (the byte budget
/// does not bind), so that splitting the work changes nothing.
pub(crate) fn pool_fits(options: &FrameOptions, width: u32, height: u32, parts: usize) -> bool {
    let (w, h) = (width as usize, height as usize);
    pool_size(options.count, w, h, parts) == pool_size(options.count, w, h, 1)
}

impl<'a> Selector<'a> {
    pub(crate) fn new(options: &'a FrameOptions, width: u32, height: u32) -> Self {
        let (w, h) = (width as usize, height as usize);
        let pool_size = pool_size(options.count, w, h, 1);
        Self {
            options,
            width: w,
            height: h,
            pool_size,
            pool: Vec::with_capacity(pool_size.min(64) + 1),
            y: Vec::with_capacity(w * h),
            considered: 0,
            black: 0,
            white: 0,
            flat: 0,
        }
    }

    /// Measures one sampled RGB24 frame of the selector's size.
    pub(crate) fn offer(&mut self, rgb: &[u8], timestamp_s: f64) {
        self.considered += 1;
        luma_into(rgb, &mut self.y);
        let quality = measure_luma(&self.y, self.width, self.height);
        match self.options.filter.defect(&quality) {
            Some(FrameDefect::Black) => self.black += 1,
            Some(FrameDefect::White) => self.white += 1,
            Some(_) => self.flat += 1,
            None => {
                let signature = signature(&self.y, self.width, self.height);
                offer(
                    &mut self.pool,
                    self.pool_size,
                    self.options.min_difference,
                    timestamp_s,
                    quality,
                    signature,
                    rgb,
                );
            }
        }
    }

    /// Takes over another selector's counts and kept frames (from a later part of the video).
    /// The best frame overall is kept whatever the order frames are offered in.
    pub(crate) fn absorb(&mut self, other: Selector<'_>) {
        self.considered += other.considered;
        self.black += other.black;
        self.white += other.white;
        self.flat += other.flat;
        for c in other.pool {
            offer(
                &mut self.pool,
                self.pool_size,
                self.options.min_difference,
                c.timestamp_s,
                c.quality,
                c.signature,
                &c.rgb,
            );
        }
    }

    pub(crate) fn finish(
        self,
        info: VideoInfo,
        truncated: bool,
        backend: VideoBackend,
        input: String,
    ) -> Result<FrameSelection> {
        if self.pool.is_empty() {
            return Err(MediaError::NoUsableFrame {
                input,
                considered: self.considered,
                black: self.black,
                white: self.white,
                flat: self.flat,
            });
        }
        let options = self.options;
        // The pool holds no near-duplicates of a better frame, sorted best first.
        let frames = self
            .pool
            .into_iter()
            .take(options.count)
            .map(|c| {
                let image = encode_rgb(
                    c.rgb,
                    info.width,
                    info.height,
                    options.image.max_side,
                    options.image.quality,
                )?;
                Ok(SelectedFrame {
                    timestamp_s: c.timestamp_s,
                    quality: c.quality,
                    image,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(FrameSelection {
            frames,
            frames_considered: self.considered,
            rejected_black: self.black,
            rejected_white: self.white,
            rejected_flat: self.flat,
            truncated,
            video: info,
            backend,
        })
    }
}

/// The `ffmpeg` backend: `ffprobe`, then a `select` filter and a raw RGB24 pipe.
fn select_ffmpeg(path: &Path, options: &FrameOptions, input: &str) -> Result<FrameSelection> {
    let input = input.to_owned();
    let info = ffmpeg::probe(&options.programs, path)?;
    let limits = &options.limits;
    check_limits(&info, limits, &input)?;
    let max_frames = max_sampled(options);

    let filter = format!(
        "select='{}',showinfo=checksum=0",
        select_expr(options.sampling, info.duration_s)
    );
    let skip = skip_non_reference(options, &info);
    let mut cmd = Command::new(&options.programs.ffmpeg);
    cmd.args(["-hide_banner", "-nostdin", "-nostats", "-loglevel", "info"]);
    if skip {
        cmd.args(["-skip_frame", "noref"]);
    }
    cmd.arg("-i")
        .arg(path)
        .args(["-t", &format!("{:.3}", limits.max_duration_s)])
        .args(["-map", "0:v:0", "-an", "-sn", "-vf", &filter])
        .args([
            "-fps_mode",
            "passthrough",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
        ])
        // Force the probed size so a stream that changes resolution cannot break framing.
        .args(["-s", &format!("{}x{}", info.width, info.height), "pipe:1"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = ffmpeg::spawn(&options.programs.ffmpeg, &mut cmd)?;
    let (tx, rx) = std::sync::mpsc::channel();
    let stderr_thread = child
        .stderr
        .take()
        .map(|s| ffmpeg::spawn_stderr_reader(s, tx));
    let mut stdout = child
        .stdout
        .take()
        .ok_or_else(|| MediaError::invalid(&input, "ffmpeg produced no output pipe"))?;

    let (w, h) = (info.width as usize, info.height as usize);
    let mut selector = Selector::new(options, info.width, info.height);
    let mut buf = vec![0u8; w * h * 3];
    let mut truncated = false;
    let mut read_error = None;
    loop {
        if selector.considered >= max_frames {
            // Reaching the requested number of uniform frames is the normal end.
            truncated = stop_is_truncation(options);
            break;
        }
        match ffmpeg::read_frame(&mut stdout, &mut buf) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                read_error = Some(e);
                break;
            }
        }
        // showinfo logs a frame before ffmpeg writes it, so its time is available (or the
        // stream has ended abnormally and the channel is closed).
        let Ok(timestamp_s) = rx.recv() else {
            read_error = Some(std::io::Error::other("frame without a timestamp"));
            break;
        };
        selector.offer(&buf, timestamp_s);
    }
    drop(stdout);
    if truncated || read_error.is_some() {
        // Stop decoding what we will not read.
        let _ = child.kill();
    }
    let status = child.wait().map_err(|source| MediaError::Io {
        path: options.programs.ffmpeg.clone(),
        source,
    })?;
    let stderr = stderr_thread
        .and_then(|t| t.join().ok())
        .unwrap_or_default();
    if !truncated && (!status.success() || read_error.is_some()) && selector.considered == 0 {
        return Err(MediaError::ToolFailed {
            program: options.programs.ffmpeg.display().to_string(),
            input,
            status: status.to_string(),
            message: ffmpeg::tail_lines(&stderr, 3),
        });
    }
    selector.finish(info, truncated, VideoBackend::Ffmpeg, input)
}

/// Offers a usable frame to the bounded pool (sorted by score, best first, no near-duplicates).
fn offer(
    pool: &mut Vec<Candidate>,
    pool_size: usize,
    min_difference: f64,
    timestamp_s: f64,
    quality: FrameQuality,
    signature: [u8; 256],
    rgb: &[u8],
) {
    if let Some(i) = pool
        .iter()
        .position(|c| signature_distance(&c.signature, &signature) < min_difference)
    {
        if pool[i].quality.score >= quality.score {
            return;
        }
        pool.remove(i);
    } else if pool.len() >= pool_size
        && pool
            .last()
            .is_some_and(|c| c.quality.score >= quality.score)
    {
        return;
    }
    let at = pool.partition_point(|c| c.quality.score >= quality.score);
    pool.insert(
        at,
        Candidate {
            timestamp_s,
            quality,
            signature,
            rgb: rgb.to_vec(),
        },
    );
    // A better frame may now shadow later near-duplicates of it.
    let mut i = at + 1;
    while i < pool.len() {
        if signature_distance(&pool[i].signature, &pool[at].signature) < min_difference {
            pool.remove(i);
        } else {
            i += 1;
        }
    }
    pool.truncate(pool_size);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(score: f64) -> FrameQuality {
        FrameQuality {
            sharpness: 0.0,
            entropy: 0.0,
            brightness: 100.0,
            contrast: 50.0,
            score,
        }
    }

    #[test]
    fn pool_keeps_best_distinct() {
        let mut pool = Vec::new();
        let a = [10u8; 256];
        let b = [200u8; 256];
        offer(&mut pool, 2, 0.05, 0.0, q(0.5), a, &[]);
        offer(&mut pool, 2, 0.05, 1.0, q(0.6), a, &[]); // replaces its near-duplicate
        offer(&mut pool, 2, 0.05, 2.0, q(0.4), a, &[]); // worse duplicate: dropped
        offer(&mut pool, 2, 0.05, 3.0, q(0.3), b, &[]);
        let times: Vec<f64> = pool.iter().map(|c| c.timestamp_s).collect();
        assert_eq!(times, vec![1.0, 3.0]);
        let mut c = [100u8; 256];
        c[0] = 0;
        offer(&mut pool, 2, 0.05, 4.0, q(0.9), c, &[]); // distinct and best: evicts the worst
        let times: Vec<f64> = pool.iter().map(|c| c.timestamp_s).collect();
        assert_eq!(times, vec![4.0, 1.0]);
    }

    #[test]
    fn select_expressions() {
        assert_eq!(
            select_expr(Sampling::Uniform { frames: 4 }, 10.0),
            "isnan(prev_selected_t)+gt(floor(t/2.500000000)\\,floor(prev_selected_t/2.500000000))"
        );
        assert!(
            select_expr(Sampling::SceneChange { threshold: 0.3 }, 1.0)
                .contains("gt(scene\\,0.300000)")
        );
    }
}
