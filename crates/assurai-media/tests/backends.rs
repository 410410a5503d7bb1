//! The in-process decoders against the `ffmpeg` backend on the same inputs.
//!
//! These tests need the `ffmpeg` and `ffprobe` programs: `scripts/test.sh` installs them with
//! `scripts/setup-system.sh` (Debian package `ffmpeg`) and `.ci/run` does the same. Without them
//! the tests fail with that instruction; they never skip.

use std::path::PathBuf;

use assurai_media::{
    AudioDecoder, AudioOptions, BackendChoice, FrameOptions, Programs, Sampling, VideoBackend,
    normalize_audio_file, select_frames,
};

use crate::video::fixture;

/// `ffmpeg`/`ffprobe` from `ASSURAI_FFMPEG`/`ASSURAI_FFPROBE`, or on `PATH`.
fn programs() -> Programs {
    let find = |var: &str, name: &str| -> PathBuf {
        if let Some(p) = std::env::var_os(var) {
            return PathBuf::from(p);
        }
        std::env::var_os("PATH")
            .into_iter()
            .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
            .unwrap_or_else(|| {
                panic!(
                    "the backend-equivalence tests need `{name}`, which is not on PATH \
                     (nor set in {var}): run `bash scripts/setup-system.sh` \
                     (Debian/Ubuntu: `apt-get install ffmpeg`)"
                )
            })
    };
    let mut programs = Programs::default();
    programs.ffmpeg = find("ASSURAI_FFMPEG", "ffmpeg");
    programs.ffprobe = find("ASSURAI_FFPROBE", "ffprobe");
    programs
}

/// Both backends choose the same best frame (within one sampling step) with the same counts,
/// for every sampling strategy, on every committed H.264 clip (High profile, B-frames).
#[test]
fn both_backends_choose_the_same_frame() {
    let programs = programs();
    let clips = [
        "sharp-second.mp4",
        "two-scenes.mp4",
        "testsrc2.mp4",
        "testsrc2-rotated.mp4",
    ];
    let strategies = [
        Sampling::Uniform { frames: 32 },
        Sampling::Uniform { frames: 5 },
        Sampling::Interval { seconds: 0.5 },
        // Not every frame (0.04 s): among 25 near-identical sharp frames the two decoders'
        // rounding may rank a different one first (seen: 3.16 s against 3.40 s).
        Sampling::Interval { seconds: 0.2 },
        Sampling::SceneChange { threshold: 0.3 },
    ];
    let (mut cases, mut same) = (0, 0);
    for clip in clips {
        for sampling in strategies {
            for skip in [true, false] {
                let run = |backend| {
                    let mut options = FrameOptions::default();
                    options.sampling = sampling;
                    options.backend = backend;
                    options.skip_non_reference = skip;
                    options.programs = programs.clone();
                    select_frames(fixture(clip), &options)
                        .unwrap_or_else(|e| panic!("{clip} {sampling:?} {backend:?}: {e}"))
                };
                let ours = run(BackendChoice::InProcess);
                let theirs = run(BackendChoice::Ffmpeg);
                assert_eq!(ours.backend, VideoBackend::InProcess);
                assert_eq!(theirs.backend, VideoBackend::Ffmpeg);
                let case = format!("{clip} {sampling:?} skip {skip}");
                assert_eq!(
                    (ours.video.width, ours.video.height),
                    (theirs.video.width, theirs.video.height),
                    "{case}"
                );
                assert!(
                    (ours.video.duration_s - theirs.video.duration_s).abs() < 0.05,
                    "{case}"
                );
                assert_eq!(ours.frames_considered, theirs.frames_considered, "{case}");
                assert_eq!(ours.rejected_black, theirs.rejected_black, "{case}");
                let step = match sampling {
                    Sampling::Uniform { frames } => ours.video.duration_s / f64::from(frames),
                    Sampling::Interval { seconds } => seconds,
                    _ => 0.04,
                };
                let (a, b) = (ours.best(), theirs.best());
                // Within one sampling step: the same or a neighbouring sampling window (two
                // decoders may rank two near-equal frames differently).
                let window = |t: f64| (t / step + 1e-9).floor();
                assert!(
                    (window(a.timestamp_s) - window(b.timestamp_s)).abs() <= 1.0,
                    "{case}: in-process {} s, ffmpeg {} s",
                    a.timestamp_s,
                    b.timestamp_s
                );
                cases += 1;
                if (a.timestamp_s - b.timestamp_s).abs() > 1e-3 {
                    continue;
                }
                same += 1;
                // Same picture, decoded twice: the figures agree closely.
                let rel = (a.quality.sharpness - b.quality.sharpness).abs()
                    / b.quality.sharpness.max(10.0);
                assert!(
                    rel < 0.05,
                    "{case}: sharpness {:?} vs {:?}",
                    a.quality,
                    b.quality
                );
                assert!(
                    (a.quality.brightness - b.quality.brightness).abs() < 2.0,
                    "{case}: {:?} vs {:?}",
                    a.quality,
                    b.quality
                );
            }
        }
    }
    // Most choices are the very same frame.
    assert!(same * 4 >= cases * 3, "{same} of {cases} choices identical");
}

/// Codecs and containers not decoded in-process go to ffmpeg when it is there.
#[test]
fn ffmpeg_decodes_what_is_not_decoded_in_process() {
    let programs = programs();
    let mut options = FrameOptions::default();
    options.programs = programs.clone();
    let selection = select_frames(fixture("testsrc2-vp9.webm"), &options).unwrap();
    assert_eq!(selection.backend, VideoBackend::Ffmpeg);
    assert_eq!((selection.video.width, selection.video.height), (64, 48));
    let mut audio_options = AudioOptions::default();
    audio_options.programs = programs;
    let audio = normalize_audio_file(fixture("korean.opus"), &audio_options).unwrap();
    assert_eq!(audio.decoder, AudioDecoder::Ffmpeg);
    assert!(!audio.is_silent);
}

/// In-process audio decoding against ffmpeg's decoder + resampler on the same files: same
/// length (within encoder padding) and levels.
#[test]
fn audio_backends_agree() {
    let programs = programs();
    for name in [
        "korean.mp3",
        "korean.ogg",
        "korean.flac",
        "korean-stereo-48k.m4a",
    ] {
        let ours = normalize_audio_file(fixture(name), &AudioOptions::default()).unwrap();
        assert_eq!(ours.decoder.backend(), "in-process", "{name}");
        // Force ffmpeg by giving it bytes it alone reads: pipe the file through ffmpeg directly.
        let out = std::process::Command::new(&programs.ffmpeg)
            .args(["-hide_banner", "-loglevel", "error", "-i"])
            .arg(fixture(name))
            .args(["-ac", "1", "-ar", "16000", "-f", "s16le", "pipe:1"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{name}");
        let theirs: Vec<f64> = out
            .stdout
            .chunks_exact(2)
            .map(|b| f64::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0)
            .collect();
        let their_s = theirs.len() as f64 / 16_000.0;
        assert!(
            (ours.duration_s - their_s).abs() < 0.06,
            "{name}: {} vs {their_s}",
            ours.duration_s
        );
        let rms = (theirs.iter().map(|v| v * v).sum::<f64>() / theirs.len() as f64).sqrt();
        let their_dbfs = 20.0 * rms.log10();
        assert!(
            (ours.rms_dbfs - their_dbfs).abs() < 0.5,
            "{name}: {} vs {their_dbfs} dBFS",
            ours.rms_dbfs
        );
    }
}
