//! `assurai media`: prepare images, representative video frames and audio for a judge.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use assurai_media::{
    AudioOptions, FrameOptions, ImageOptions, Sampling, normalize_audio_file, prepare_image_file,
    select_frames,
};
use serde::Serialize;

/// Arguments of `assurai media`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: MediaCommand,
}

#[derive(Debug, clap::Subcommand)]
enum MediaCommand {
    /// Decode an image (PNG, JPEG, WebP, GIF) under limits, resize it and write a JPEG.
    Image(ImageArgs),
    /// Pick the most representative frame(s) of a video and write JPEG(s) (MP4/MOV with H.264
    /// in-process; other codecs need ffmpeg).
    Frame(FrameArgs),
    /// Convert audio to 16 kHz mono 16-bit WAV for transcription and report silence.
    Audio(AudioArgs),
}

#[derive(Debug, clap::Args)]
struct ImageArgs {
    /// The image file.
    input: PathBuf,
    /// Where to write the JPEG.
    #[arg(long, short)]
    out: PathBuf,
    /// Longest side of the output in pixels (never upscaled).
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..=65535))]
    max_side: u32,
    /// JPEG quality, 1–100.
    #[arg(long, default_value_t = 85, value_parser = clap::value_parser!(u8).range(1..=100))]
    quality: u8,
    /// Print a JSON object instead of a sentence.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Strategy {
    /// `--frames` frames spread evenly over the video.
    Uniform,
    /// One frame every `--interval` seconds.
    Interval,
    /// The first frame and every scene cut above `--threshold`.
    Scene,
}

#[derive(Debug, clap::Args)]
struct FrameArgs {
    /// The video file.
    input: PathBuf,
    /// Where to write the best frame as JPEG; with `--count K > 1` the frames go to
    /// `NAME-1.jpg` … `NAME-K.jpg` beside it, best first.
    #[arg(long, short)]
    out: PathBuf,
    /// How to sample frames.
    #[arg(long, value_enum, default_value_t = Strategy::Uniform)]
    strategy: Strategy,
    /// Number of frames for `--strategy uniform`.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    frames: u32,
    /// Seconds between frames for `--strategy interval`.
    #[arg(long, default_value_t = 1.0)]
    interval: f64,
    /// Scene-change threshold (0–1) for `--strategy scene`.
    #[arg(long, default_value_t = 0.3)]
    threshold: f64,
    /// How many distinct frames to keep.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    count: u16,
    /// Longest side of the output in pixels.
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..=65535))]
    max_side: u32,
    /// JPEG quality, 1–100.
    #[arg(long, default_value_t = 85, value_parser = clap::value_parser!(u8).range(1..=100))]
    quality: u8,
    /// Longest video accepted, in seconds.
    #[arg(long, default_value_t = 600.0)]
    max_duration: f64,
    /// Print a JSON object instead of a sentence.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
struct AudioArgs {
    /// The audio file (WAV, MP3, AAC/M4A, FLAC, Ogg Vorbis in-process; others through ffmpeg).
    input: PathBuf,
    /// Where to write the 16 kHz mono WAV.
    #[arg(long, short)]
    out: PathBuf,
    /// Windows quieter than this (dBFS) count as silence.
    #[arg(long, default_value_t = -50.0, allow_negative_numbers = true)]
    silence_threshold: f64,
    /// Print a JSON object instead of a sentence.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        MediaCommand::Image(a) => image(a),
        MediaCommand::Frame(a) => frame(a),
        MediaCommand::Audio(a) => audio(a),
    }
}

/// Prints a line to stdout; a closed pipe (`assurai media ... | head`) is not an error.
fn say(line: std::fmt::Arguments<'_>) -> anyhow::Result<()> {
    use std::io::Write as _;
    match writeln!(std::io::stdout().lock(), "{line}") {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

/// `--json` contract of `assurai media image`.
#[derive(Serialize)]
struct ImageJson {
    out: String,
    width: u32,
    height: u32,
    source_width: u32,
    source_height: u32,
    bytes: usize,
}

fn image(args: ImageArgs) -> anyhow::Result<ExitCode> {
    let mut options = ImageOptions::default();
    options.max_side = args.max_side;
    options.quality = args.quality;
    let prepared = prepare_image_file(&args.input, &options)?;
    write(&args.out, prepared.jpeg())?;
    if args.json {
        let json = ImageJson {
            out: args.out.display().to_string(),
            width: prepared.width(),
            height: prepared.height(),
            source_width: prepared.source_width(),
            source_height: prepared.source_height(),
            bytes: prepared.jpeg().len(),
        };
        say(format_args!("{}", serde_json::to_string_pretty(&json)?))?;
    } else {
        say(format_args!(
            "wrote {} ({}x{}, {} bytes) from {}x{}",
            args.out.display(),
            prepared.width(),
            prepared.height(),
            prepared.jpeg().len(),
            prepared.source_width(),
            prepared.source_height()
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// One frame in the `--json` contract of `assurai media frame`.
#[derive(Serialize)]
struct FrameJson {
    out: String,
    timestamp_s: f64,
    sharpness: f64,
    entropy: f64,
    brightness: f64,
    contrast: f64,
    score: f64,
    width: u32,
    height: u32,
}

/// `--json` contract of `assurai media frame`: the best frame's figures at the top level
/// (`timestamp_s`, `sharpness`, `entropy`, `frames_considered`, …) and every kept frame in
/// `frames`.
#[derive(Serialize)]
struct SelectionJson {
    #[serde(flatten)]
    best: FrameJson,
    frames_considered: usize,
    rejected_black: usize,
    rejected_white: usize,
    rejected_flat: usize,
    truncated: bool,
    duration_s: f64,
    /// `in-process` or `ffmpeg`.
    backend: &'static str,
    frames: Vec<FrameJson>,
}

/// `out` for count 1; `stem-i.ext` beside it otherwise.
fn frame_path(out: &Path, index: usize, count: usize) -> PathBuf {
    if count == 1 {
        return out.to_owned();
    }
    let stem = out
        .file_stem()
        .map_or_else(|| "frame".into(), |s| s.to_string_lossy().into_owned());
    let ext = out
        .extension()
        .map_or_else(|| "jpg".into(), |s| s.to_string_lossy().into_owned());
    out.with_file_name(format!("{stem}-{}.{ext}", index + 1))
}

fn frame(args: FrameArgs) -> anyhow::Result<ExitCode> {
    let mut options = FrameOptions::default();
    options.sampling = match args.strategy {
        Strategy::Uniform => Sampling::Uniform {
            frames: args.frames,
        },
        Strategy::Interval => Sampling::Interval {
            seconds: args.interval,
        },
        Strategy::Scene => Sampling::SceneChange {
            threshold: args.threshold,
        },
    };
    options.count = args.count.into();
    options.image.max_side = args.max_side;
    options.image.quality = args.quality;
    options.limits.max_duration_s = args.max_duration;
    let selection = select_frames(&args.input, &options)?;
    let count = selection.frames.len();
    let mut frames = Vec::with_capacity(count);
    for (i, f) in selection.frames.iter().enumerate() {
        let path = frame_path(&args.out, i, options.count);
        write(&path, f.image.jpeg())?;
        frames.push(FrameJson {
            out: path.display().to_string(),
            timestamp_s: f.timestamp_s,
            sharpness: f.quality.sharpness,
            entropy: f.quality.entropy,
            brightness: f.quality.brightness,
            contrast: f.quality.contrast,
            score: f.quality.score,
            width: f.image.width(),
            height: f.image.height(),
        });
    }
    if args.json {
        let best = frames.first().map(|f| FrameJson {
            out: f.out.clone(),
            ..*f
        });
        let Some(best) = best else {
            anyhow::bail!("no frame selected");
        };
        let json = SelectionJson {
            best,
            frames_considered: selection.frames_considered,
            rejected_black: selection.rejected_black,
            rejected_white: selection.rejected_white,
            rejected_flat: selection.rejected_flat,
            truncated: selection.truncated,
            duration_s: selection.video.duration_s,
            backend: selection.backend.as_str(),
            frames,
        };
        say(format_args!("{}", serde_json::to_string_pretty(&json)?))?;
    } else {
        for f in &frames {
            say(format_args!(
                "wrote {}: frame at {:.3} s (sharpness {:.1}, entropy {:.2} bits, score {:.3})",
                f.out, f.timestamp_s, f.sharpness, f.entropy, f.score
            ))?;
        }
        say(format_args!(
            "{} frames considered ({} black, {} white, {} flat rejected){}",
            selection.frames_considered,
            selection.rejected_black,
            selection.rejected_white,
            selection.rejected_flat,
            if selection.truncated {
                "; sampling stopped at the frame limit"
            } else {
                ""
            }
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `--json` contract of `assurai media audio` (`peak_dbfs`/`rms_dbfs` are `null` for digital
/// silence).
#[derive(Serialize)]
struct AudioJson {
    out: String,
    sample_rate: u32,
    duration_s: f64,
    is_silent: bool,
    voiced_s: f64,
    peak_dbfs: Option<f64>,
    rms_dbfs: Option<f64>,
    /// `in-process` or `ffmpeg`.
    backend: &'static str,
}

fn audio(args: AudioArgs) -> anyhow::Result<ExitCode> {
    let mut options = AudioOptions::default();
    options.silence_threshold_dbfs = args.silence_threshold;
    let audio = normalize_audio_file(&args.input, &options)?;
    write(&args.out, &audio.wav)?;
    let finite = |v: f64| v.is_finite().then_some(v);
    if args.json {
        let json = AudioJson {
            out: args.out.display().to_string(),
            sample_rate: audio.sample_rate,
            duration_s: audio.duration_s,
            is_silent: audio.is_silent,
            voiced_s: audio.voiced_s,
            peak_dbfs: finite(audio.peak_dbfs),
            rms_dbfs: finite(audio.rms_dbfs),
            backend: audio.decoder.backend(),
        };
        say(format_args!("{}", serde_json::to_string_pretty(&json)?))?;
    } else {
        say(format_args!(
            "wrote {}: {} Hz mono 16-bit, {:.3} s{}",
            args.out.display(),
            audio.sample_rate,
            audio.duration_s,
            if audio.is_silent {
                ", silent (do not transcribe)"
            } else {
                ""
            }
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::frame_path;
    use std::path::Path;

    #[test]
    fn frame_paths() {
        assert_eq!(frame_path(Path::new("a/b.jpg"), 0, 1), Path::new("a/b.jpg"));
        assert_eq!(
            frame_path(Path::new("a/b.jpg"), 1, 3),
            Path::new("a/b-2.jpg")
        );
        assert_eq!(frame_path(Path::new("b"), 0, 2), Path::new("b-1.jpg"));
    }
}
