//! Representative frames from committed H.264 clips (High profile, B-frames), decoded in-process:
//! no test here needs ffmpeg.
#![allow(clippy::unwrap_used)]

use assurai_media::{
    BackendChoice, FrameOptions, MediaError, Programs, Sampling, VideoBackend, probe_video,
    select_frames,
};
use std::path::{Path, PathBuf};

/// A committed fixture (see `tests/data/make_media_fixtures.sh` for the command that made it).
pub(crate) fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// 6 s at 25 fps: black for the first 1.5 s, heavily blurred except during [3 s, 4 s).
pub(crate) fn sharp_second_clip() -> PathBuf {
    fixture("sharp-second.mp4")
}

/// 3 s of testsrc2 followed by 3 s of SMPTE bars.
pub(crate) fn two_scenes_clip() -> PathBuf {
    fixture("two-scenes.mp4")
}

/// 4 s of testsrc2, 320x240.
pub(crate) fn plain_clip() -> PathBuf {
    fixture("testsrc2.mp4")
}

fn black_clip() -> PathBuf {
    fixture("black.mp4")
}

/// Options that decode in-process only, with no ffmpeg to fall back on.
fn in_process() -> FrameOptions {
    let mut options = FrameOptions::default();
    options.backend = BackendChoice::InProcess;
    options.programs.ffmpeg = PathBuf::from("/nonexistent/ffmpeg-for-test");
    options.programs.ffprobe = PathBuf::from("/nonexistent/ffprobe-for-test");
    options
}

#[test]
fn best_frame_is_in_the_sharp_second_and_never_black() {
    let path = sharp_second_clip();
    for sampling in [
        Sampling::Uniform { frames: 32 },
        Sampling::Interval { seconds: 0.2 },
        Sampling::Interval { seconds: 0.04 },
    ] {
        let mut options = in_process();
        options.sampling = sampling;
        let selection = select_frames(&path, &options).unwrap();
        assert_eq!(selection.backend, VideoBackend::InProcess);
        let best = selection.best();
        assert!(
            (3.0..4.0).contains(&best.timestamp_s),
            "{sampling:?}: best at {} s ({:?})",
            best.timestamp_s,
            best.quality
        );
        assert!(selection.rejected_black >= 5, "{sampling:?}: {selection:?}");
        assert!(best.quality.brightness > 20.0);
        assert_eq!((best.image.width(), best.image.height()), (320, 240));
    }
}

#[test]
fn top_k_frames_are_never_black() {
    let path = sharp_second_clip();
    let mut options = in_process();
    options.sampling = Sampling::Interval { seconds: 0.25 };
    options.count = 12;
    let selection = select_frames(&path, &options).unwrap();
    assert!(selection.frames.len() >= 2);
    assert_eq!(selection.frames_considered, 24);
    for frame in &selection.frames {
        assert!(
            frame.timestamp_s >= 1.5,
            "black frame chosen at {}",
            frame.timestamp_s
        );
        assert!(frame.quality.brightness >= 20.0);
    }
    // Best first.
    for pair in selection.frames.windows(2) {
        assert!(pair[0].quality.score >= pair[1].quality.score);
    }
}

#[test]
fn uniform_and_interval_counts() {
    let path = plain_clip();
    let cases = [
        (Sampling::Uniform { frames: 8 }, 8),
        (Sampling::Uniform { frames: 1 }, 1),
        (Sampling::Interval { seconds: 1.0 }, 4),
        (Sampling::Interval { seconds: 0.5 }, 8),
    ];
    for ((sampling, expected), skip) in cases.into_iter().flat_map(|c| [(c, true), (c, false)]) {
        let mut options = in_process();
        options.sampling = sampling;
        options.skip_non_reference = skip;
        let selection = select_frames(&path, &options).unwrap();
        assert_eq!(
            selection.frames_considered, expected,
            "{sampling:?} skip {skip}"
        );
        assert!(!selection.truncated);
        assert!((0.0..4.0).contains(&selection.best().timestamp_s));
    }
}

#[test]
fn scene_change_sampling_finds_the_cut() {
    let path = two_scenes_clip();
    let mut options = in_process();
    options.sampling = Sampling::SceneChange { threshold: 0.3 };
    options.count = 2;
    let selection = select_frames(&path, &options).unwrap();
    assert!(
        (2..=6).contains(&selection.frames_considered),
        "{}",
        selection.frames_considered
    );
    assert_eq!(selection.frames.len(), 2);
    let mut times: Vec<f64> = selection.frames.iter().map(|f| f.timestamp_s).collect();
    times.sort_by(f64::total_cmp);
    assert!(
        times[0] < 3.0 && (3.0..3.1).contains(&times[1]),
        "{times:?}"
    );
}

#[test]
fn diverse_frames_come_from_both_scenes() {
    let path = two_scenes_clip();
    let mut options = in_process();
    options.sampling = Sampling::Uniform { frames: 12 };
    options.count = 2;
    options.min_difference = 0.15;
    let selection = select_frames(&path, &options).unwrap();
    let times: Vec<f64> = selection.frames.iter().map(|f| f.timestamp_s).collect();
    assert_eq!(times.len(), 2, "{times:?}");
    assert!(
        times.iter().any(|&t| t < 3.0) && times.iter().any(|&t| t >= 3.0),
        "{times:?}"
    );
}

#[test]
fn all_black_video_has_no_usable_frame() {
    let err = select_frames(black_clip(), &in_process()).unwrap_err();
    match err {
        MediaError::NoUsableFrame {
            considered, black, ..
        } => {
            assert!(considered > 0);
            assert_eq!(black, considered);
        }
        other => panic!("expected NoUsableFrame, got {other:?}"),
    }
}

#[test]
fn limits_are_enforced() {
    let path = plain_clip();
    let mut options = in_process();
    options.limits.max_duration_s = 2.0;
    assert!(matches!(
        select_frames(&path, &options),
        Err(MediaError::LimitExceeded { what, .. }) if what.contains("duration")
    ));
    let mut options = in_process();
    options.limits.max_width = 200;
    assert!(matches!(
        select_frames(&path, &options),
        Err(MediaError::LimitExceeded { what, .. }) if what.contains("width")
    ));
    let mut options = in_process();
    options.sampling = Sampling::Interval { seconds: 0.04 };
    options.limits.max_frames = 10;
    let selection = select_frames(&path, &options).unwrap();
    assert_eq!(selection.frames_considered, 10);
    assert!(selection.truncated);
}

#[test]
fn probe_reports_size_and_duration() {
    let mut programs = Programs::default();
    programs.ffprobe = PathBuf::from("/nonexistent/ffprobe-for-test");
    let info = probe_video(plain_clip(), &programs).unwrap();
    assert_eq!((info.width, info.height), (320, 240));
    assert!((info.duration_s - 4.0).abs() < 0.1, "{}", info.duration_s);
    assert_eq!(info.codec, "h264");
    assert_eq!(info.frame_rate, Some(25.0));
}

#[test]
fn hostile_files_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.mp4");
    std::fs::write(&text, "this is not a video\n").unwrap();
    let empty = dir.path().join("empty.mp4");
    std::fs::write(&empty, b"").unwrap();
    let truncated = dir.path().join("truncated.mp4");
    let whole = std::fs::read(plain_clip()).unwrap();
    std::fs::write(&truncated, &whole[..whole.len() / 3]).unwrap();
    let png = fixture("still.png");
    for path in [&text, &empty, &png, &dir.path().join("missing.mp4")] {
        let err = select_frames(path, &in_process()).unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains(path.file_name().unwrap().to_str().unwrap()),
            "{message}"
        );
        assert!(
            matches!(err, MediaError::InvalidInput { .. } | MediaError::Io { .. }),
            "{err:?}"
        );
    }
    // A truncated MP4 either still yields frames or fails cleanly; it never panics.
    match select_frames(&truncated, &in_process()) {
        Ok(selection) => assert!(!selection.frames.is_empty()),
        Err(err) => assert!(err.to_string().contains("truncated.mp4"), "{err}"),
    }
}

#[test]
fn missing_ffmpeg_is_named() {
    let mut options = FrameOptions::default();
    options.backend = BackendChoice::Ffmpeg;
    options.programs.ffprobe = PathBuf::from("/nonexistent/ffprobe-for-test");
    let err = select_frames(plain_clip(), &options).unwrap_err();
    assert!(matches!(err, MediaError::MissingProgram { .. }), "{err:?}");
    assert!(
        err.to_string().contains("/nonexistent/ffprobe-for-test"),
        "{err}"
    );
    assert!(err.to_string().contains("apt-get install ffmpeg"), "{err}");
}

/// VP9 in WebM is not decoded in-process: without ffmpeg the error names the codec or
/// container and says how to get ffmpeg; H.264 in MP4 needs no ffmpeg at all.
#[test]
fn other_codecs_without_ffmpeg_say_what_and_how() {
    let mut options = FrameOptions::default();
    options.programs.ffmpeg = PathBuf::from("/nonexistent/ffmpeg-for-test");
    options.programs.ffprobe = PathBuf::from("/nonexistent/ffprobe-for-test");
    let webm = fixture("testsrc2-vp9.webm");
    let err = select_frames(&webm, &options).unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, MediaError::Unsupported { .. }), "{err:?}");
    for needle in [
        "testsrc2-vp9.webm",
        "WebM",
        "not decoded in-process",
        "apt-get install ffmpeg",
    ] {
        assert!(message.contains(needle), "{needle}: {message}");
    }
    // Auto picks the in-process decoder for H.264 in MP4 with B-frames.
    let selection = select_frames(plain_clip(), &options).unwrap();
    assert_eq!(selection.backend, VideoBackend::InProcess);
    assert_eq!(selection.backend.as_str(), "in-process");
    options.backend = BackendChoice::InProcess;
    assert!(matches!(
        select_frames(&webm, &options),
        Err(MediaError::Unsupported { .. })
    ));
}

/// A display matrix rotating by 90 degrees turns 320x240 frames into 240x320.
#[test]
fn rotated_video_is_shown_upright() {
    let selection = select_frames(fixture("testsrc2-rotated.mp4"), &in_process()).unwrap();
    assert_eq!((selection.video.width, selection.video.height), (240, 320));
    let best = selection.best();
    assert_eq!((best.image.width(), best.image.height()), (240, 320));
}

/// Hostile MP4 structures: cut-off tables, garbage after a valid header, a huge declared
/// sample count; each is a `MediaError` naming the file, never a panic.
#[test]
fn corrupted_mp4_is_a_clear_error() {
    let whole = std::fs::read(plain_clip()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut cases: Vec<(String, Vec<u8>)> = Vec::new();
    for cut in [12, 40, 100, 1000, whole.len() / 2, whole.len() - 10] {
        cases.push((format!("cut-{cut}.mp4"), whole[..cut].to_vec()));
    }
    // Flip bytes throughout the file (moov at the end for ffmpeg's default muxing).
    for (i, stride) in [7usize, 13, 101, 997].into_iter().enumerate() {
        let mut bytes = whole.clone();
        for j in (0..bytes.len()).step_by(stride) {
            bytes[j] ^= 0x5a;
        }
        cases.push((format!("flipped-{i}.mp4"), bytes));
    }
    for (name, bytes) in cases {
        let path = dir.path().join(&name);
        std::fs::write(&path, &bytes).unwrap();
        match select_frames(&path, &in_process()) {
            Ok(selection) => assert!(!selection.frames.is_empty()),
            Err(err) => assert!(err.to_string().contains(&name), "{name}: {err}"),
        }
    }
}

#[test]
fn invalid_options_are_rejected() {
    let path = plain_clip();
    let bad = [
        Sampling::Uniform { frames: 0 },
        Sampling::Interval { seconds: 0.0 },
        Sampling::Interval { seconds: f64::NAN },
        Sampling::SceneChange { threshold: 1.5 },
    ];
    for sampling in bad {
        let mut options = in_process();
        options.sampling = sampling;
        assert!(
            matches!(
                select_frames(&path, &options),
                Err(MediaError::InvalidOption { .. })
            ),
            "{sampling:?}"
        );
    }
    for count in [0, 257, usize::MAX] {
        let mut options = in_process();
        options.count = count;
        assert!(matches!(
            select_frames(&path, &options),
            Err(MediaError::InvalidOption { .. })
        ));
    }
    let mut options = in_process();
    options.count = 0;
    assert!(matches!(
        select_frames(&path, &options),
        Err(MediaError::InvalidOption { .. })
    ));
}
