//! End-to-end tests of `assurai media image|frame|audio` on committed fixtures (no ffmpeg,
//! espeak-ng or sox needed).
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use crate::proof_support::assurai_output as assurai;

fn run_ok(args: &[&str]) -> String {
    let out = assurai(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A committed media fixture of assurai-media (`crates/assurai-media/tests/data/`, made by
/// `make_media_fixtures.sh` there): no test here needs ffmpeg or espeak-ng.
fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("crates/assurai-media/tests/data")
        .join(name)
}

/// A silent 1-second 44.1 kHz stereo 16-bit WAV.
fn silent_wav() -> Vec<u8> {
    let data_len: u32 = 44_100 * 4;
    let mut wav = Vec::new();
    wav.extend(b"RIFF");
    wav.extend((36 + data_len).to_le_bytes());
    wav.extend(b"WAVEfmt ");
    wav.extend(16u32.to_le_bytes());
    wav.extend(1u16.to_le_bytes());
    wav.extend(2u16.to_le_bytes());
    wav.extend(44_100u32.to_le_bytes());
    wav.extend((44_100u32 * 4).to_le_bytes());
    wav.extend(4u16.to_le_bytes());
    wav.extend(16u16.to_le_bytes());
    wav.extend(b"data");
    wav.extend(data_len.to_le_bytes());
    wav.resize(wav.len() + data_len as usize, 0);
    wav
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn image_to_jpeg_with_json() {
    let dir = tempfile::tempdir().unwrap();
    let png = fixture("grid-1280x720.png");
    let out = dir.path().join("out.jpg");
    let stdout = run_ok(&[
        "media",
        "image",
        s(&png),
        "--out",
        s(&out),
        "--max-side",
        "640",
        "--json",
    ]);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["width"], 640);
    assert_eq!(json["height"], 360);
    assert_eq!(json["source_width"], 1280);
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(json["bytes"], bytes.len());
    assert_eq!(&bytes[..2], &[0xFF, 0xD8]);
    let text = run_ok(&["media", "image", s(&png), "--out", s(&out)]);
    assert!(
        text.starts_with("wrote ") && text.contains("1024x576"),
        "{text}"
    );
}

#[test]
fn frame_json_contract() {
    let dir = tempfile::tempdir().unwrap();
    // 6 s, H.264 High with B-frames, black for the first 1.5 s: decoded in-process.
    let video = fixture("sharp-second.mp4");
    let out = dir.path().join("frame.jpg");
    let stdout = run_ok(&["media", "frame", s(&video), "--out", s(&out), "--json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    for key in ["timestamp_s", "sharpness", "entropy", "frames_considered"] {
        assert!(json.get(key).is_some(), "missing {key}: {json}");
    }
    assert!(json["timestamp_s"].as_f64().unwrap() >= 1.5, "{json}");
    assert_eq!(json["frames_considered"], 32);
    assert!(json["rejected_black"].as_u64().unwrap() >= 7, "{json}");
    assert_eq!(json["backend"], "in-process");
    assert!(out.exists());

    let stdout = run_ok(&[
        "media",
        "frame",
        s(&video),
        "--out",
        s(&out),
        "--strategy",
        "interval",
        "--interval",
        "0.5",
        "--count",
        "3",
        "--json",
    ]);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["frames_considered"], 12);
    let frames = json["frames"].as_array().unwrap();
    assert!(!frames.is_empty() && frames.len() <= 3);
    for (i, f) in frames.iter().enumerate() {
        let path = PathBuf::from(f["out"].as_str().unwrap());
        assert!(path.ends_with(format!("frame-{}.jpg", i + 1)), "{path:?}");
        assert!(path.exists());
    }
}

#[test]
fn audio_to_16k_wav() {
    let dir = tempfile::tempdir().unwrap();
    // Korean speech from `espeak-ng -v ko`.
    let wav = fixture("korean.wav");
    let out = dir.path().join("out.wav");
    let stdout = run_ok(&["media", "audio", s(&wav), "--out", s(&out), "--json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["sample_rate"], 16_000);
    assert_eq!(json["is_silent"], false);
    assert!(json["duration_s"].as_f64().unwrap() > 0.5);
    let header = std::fs::read(&out).unwrap();
    assert_eq!(&header[..4], b"RIFF");
    assert_eq!(
        u32::from_le_bytes(header[24..28].try_into().unwrap()),
        16_000
    );
    assert_eq!(u16::from_le_bytes(header[22..24].try_into().unwrap()), 1);

    let silent = dir.path().join("silent.wav");
    std::fs::write(&silent, silent_wav()).unwrap();
    let stdout = run_ok(&["media", "audio", s(&silent), "--out", s(&out), "--json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["is_silent"], true);
    assert!(json["peak_dbfs"].is_null());
}

/// Compressed speech decodes in-process: no ffmpeg needed for MP3, AAC/M4A, FLAC, Vorbis.
#[test]
fn compressed_speech_to_16k_wav() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.wav");
    for name in [
        "korean.mp3",
        "korean-stereo-48k.m4a",
        "korean.flac",
        "korean.ogg",
    ] {
        let input = fixture(name);
        let stdout = run_ok(&["media", "audio", s(&input), "--out", s(&out), "--json"]);
        let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(json["sample_rate"], 16_000, "{name}");
        assert_eq!(json["is_silent"], false, "{name}");
        assert_eq!(json["backend"], "in-process", "{name}");
        assert!(json["duration_s"].as_f64().unwrap() > 4.0, "{name}: {json}");
        let text = run_ok(&["media", "audio", s(&input), "--out", s(&out)]);
        assert!(text.starts_with("wrote "), "{text}");
    }
}

#[test]
fn bad_input_exits_1_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.png");
    std::fs::write(&text, "not an image").unwrap();
    let empty = dir.path().join("empty.mp4");
    std::fs::write(&empty, b"").unwrap();
    let out = dir.path().join("out");
    let cases: [(&[&str], &str); 4] = [
        (
            &["media", "image", s(&text), "--out", s(&out)],
            "unrecognised image format",
        ),
        (
            &["media", "frame", s(&empty), "--out", s(&out)],
            "empty file",
        ),
        (&["media", "frame", s(&text), "--out", s(&out)], "notes.png"),
        (&["media", "audio", s(&text), "--out", s(&out)], "notes.png"),
    ];
    for (args, needle) in cases {
        let result = assurai(args);
        assert_eq!(result.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&result.stderr);
        assert!(
            stderr.starts_with("error: ") && stderr.contains(needle),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    assert!(!out.exists());
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["media", "image", "x.png"][..],
        &[
            "media",
            "image",
            "x.png",
            "--out",
            "y.jpg",
            "--quality",
            "0",
        ],
        &[
            "media",
            "frame",
            "x.mp4",
            "--out",
            "y.jpg",
            "--strategy",
            "random",
        ],
        &["media", "frame", "x.mp4", "--out", "y.jpg", "--count", "0"],
    ] {
        assert_eq!(assurai(args).status.code(), Some(2), "{args:?}");
    }
    let help = run_ok(&["media", "--help"]);
    assert!(help.contains("image") && help.contains("frame") && help.contains("audio"));
}
