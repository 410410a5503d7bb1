//! Representative frames from videos made with `ffmpeg` inside the test.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use assurai_media::{FrameOptions, MediaError, Programs, Sampling, probe_video, select_frames};

/// Makes `name` once with `ffmpeg <args> <out>` in the target's temp dir (atomic rename, so
/// parallel test processes can share it).
fn clip(name: &str, args: &[&str]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("assurai-media-video");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    if path.exists() {
        return path;
    }
    let tmp = dir.join(format!("{}.{}.tmp.mp4", name, std::process::id()));
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y"])
        .args(args)
        .arg(&tmp)
        .status()
        .expect("ffmpeg is installed (Debian package ffmpeg)");
    assert!(status.success(), "ffmpeg failed making {name}");
    std::fs::rename(&tmp, &path).unwrap();
    path
}

const H264: [&str; 6] = ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-crf", "18"];

/// 6 s at 25 fps: black for the first 1.5 s, heavily blurred except during [3 s, 4 s).
fn sharp_second_clip() -> PathBuf {
    let mut args = vec![
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x240:rate=25:duration=6",
        "-vf",
        "boxblur=luma_radius=10:luma_power=3:enable='not(between(t,3,3.99))',\
         drawbox=color=black:t=fill:enable='lt(t,1.5)'",
    ];
    args.extend(H264);
    clip("sharp-second.mp4", &args)
}

/// 3 s of testsrc2 followed by 3 s of SMPTE bars.
fn two_scenes_clip() -> PathBuf {
    let mut args = vec![
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x240:rate=25:duration=3",
        "-f",
        "lavfi",
        "-i",
        "smptebars=size=320x240:rate=25:duration=3",
        "-filter_complex",
        "[0:v][1:v]concat=n=2:v=1[v]",
        "-map",
        "[v]",
    ];
    args.extend(H264);
    clip("two-scenes.mp4", &args)
}

fn plain_clip() -> PathBuf {
    let mut args = vec![
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x240:rate=25:duration=4",
    ];
    args.extend(H264);
    clip("testsrc2.mp4", &args)
}

fn black_clip() -> PathBuf {
    let mut args = vec![
        "-f",
        "lavfi",
        "-i",
        "color=c=black:size=64x48:rate=25:duration=2",
    ];
    args.extend(H264);
    clip("black.mp4", &args)
}

#[test]
fn best_frame_is_in_the_sharp_second_and_never_black() {
    let path = sharp_second_clip();
    for sampling in [
        Sampling::Uniform { frames: 32 },
        Sampling::Interval { seconds: 0.2 },
        Sampling::Interval { seconds: 0.04 },
    ] {
        let mut options = FrameOptions::default();
        options.sampling = sampling;
        let selection = select_frames(&path, &options).unwrap();
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
    let mut options = FrameOptions::default();
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
        let mut options = FrameOptions::default();
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
    let mut options = FrameOptions::default();
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
    let mut options = FrameOptions::default();
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
    let err = select_frames(black_clip(), &FrameOptions::default()).unwrap_err();
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
    let mut options = FrameOptions::default();
    options.limits.max_duration_s = 2.0;
    assert!(matches!(
        select_frames(&path, &options),
        Err(MediaError::LimitExceeded { what, .. }) if what.contains("duration")
    ));
    let mut options = FrameOptions::default();
    options.limits.max_width = 200;
    assert!(matches!(
        select_frames(&path, &options),
        Err(MediaError::LimitExceeded { what, .. }) if what.contains("width")
    ));
    let mut options = FrameOptions::default();
    options.sampling = Sampling::Interval { seconds: 0.04 };
    options.limits.max_frames = 10;
    let selection = select_frames(&path, &options).unwrap();
    assert_eq!(selection.frames_considered, 10);
    assert!(selection.truncated);
}

#[test]
fn probe_reports_size_and_duration() {
    let info = probe_video(plain_clip(), &Programs::default()).unwrap();
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
    let png = dir.path().join("still.png");
    let status = Command::new("ffmpeg")
        .args([
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=32x32",
            "-frames:v",
            "1",
        ])
        .arg(&png)
        .status()
        .unwrap();
    assert!(status.success());
    for path in [&text, &empty, &png, &dir.path().join("missing.mp4")] {
        let err = select_frames(path, &FrameOptions::default()).unwrap_err();
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
    match select_frames(&truncated, &FrameOptions::default()) {
        Ok(selection) => assert!(!selection.frames.is_empty()),
        Err(err) => assert!(err.to_string().contains("truncated.mp4"), "{err}"),
    }
}

#[test]
fn missing_ffmpeg_is_named() {
    let mut options = FrameOptions::default();
    options.programs.ffprobe = PathBuf::from("/nonexistent/ffprobe-for-test");
    let err = select_frames(plain_clip(), &options).unwrap_err();
    assert!(matches!(err, MediaError::MissingProgram { .. }), "{err:?}");
    assert!(
        err.to_string().contains("/nonexistent/ffprobe-for-test"),
        "{err}"
    );
    assert!(err.to_string().contains("apt-get install ffmpeg"), "{err}");
    let mut options = FrameOptions::default();
    options.programs.ffmpeg = PathBuf::from("/nonexistent/ffmpeg-for-test");
    let err = select_frames(plain_clip(), &options).unwrap_err();
    assert!(
        err.to_string().contains("/nonexistent/ffmpeg-for-test"),
        "{err}"
    );
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
        let mut options = FrameOptions::default();
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
        let mut options = FrameOptions::default();
        options.count = count;
        assert!(matches!(
            select_frames(&path, &options),
            Err(MediaError::InvalidOption { .. })
        ));
    }
    let mut options = FrameOptions::default();
    options.count = 0;
    assert!(matches!(
        select_frames(&path, &options),
        Err(MediaError::InvalidOption { .. })
    ));
}
