//! Driving the `ffmpeg` and `ffprobe` programs as child processes.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::error::{MediaError, Result};

/// How to get `ffmpeg`, for error messages about formats not decoded in-process.
pub(crate) const HOW_TO_GET_FFMPEG: &str = "install it (Debian/Ubuntu: `apt-get install ffmpeg`; \
     macOS: `brew install ffmpeg`) or set its path in the options (`programs.ffmpeg`)";

/// Where to find the `ffmpeg` and `ffprobe` programs (default: on `PATH`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Programs {
    /// The `ffmpeg` program (default `ffmpeg`).
    pub ffmpeg: PathBuf,
    /// The `ffprobe` program (default `ffprobe`).
    pub ffprobe: PathBuf,
}

impl Default for Programs {
    fn default() -> Self {
        Self {
            ffmpeg: PathBuf::from("ffmpeg"),
            ffprobe: PathBuf::from("ffprobe"),
        }
    }
}

/// Starts `program`, mapping "not found" to [`MediaError::MissingProgram`].
pub(crate) fn spawn(program: &Path, cmd: &mut Command) -> Result<Child> {
    cmd.spawn().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied => {
            MediaError::MissingProgram {
                program: program.display().to_string(),
            }
        }
        _ => MediaError::Io {
            path: program.to_owned(),
            source: e,
        },
    })
}

/// The last few meaningful lines of a program's stderr, for error messages.
pub(crate) fn tail_lines(stderr: &str, keep: usize) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.contains("Parsed_showinfo"))
        .collect();
    let start = lines.len().saturating_sub(keep);
    let text = lines[start..].join(" | ");
    if text.is_empty() {
        "no message".to_owned()
    } else {
        text
    }
}

/// What `ffprobe` reports about a video's first video stream.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct VideoInfo {
    /// Frame width in pixels.
    pub width: u32,
    /// Frame height in pixels.
    pub height: u32,
    /// Duration in seconds.
    pub duration_s: f64,
    /// Average frame rate, when known.
    pub frame_rate: Option<f64>,
    /// The codec name, e.g. `h264`.
    pub codec: String,
    /// The container format name(s), e.g. `mov,mp4,m4a,3gp,3g2,mj2`.
    pub format: String,
}

/// Runs `ffprobe` on `path` and reads its first video stream's properties.
pub(crate) fn probe(programs: &Programs, path: &Path) -> Result<VideoInfo> {
    let input = path.display().to_string();
    let mut cmd = Command::new(&programs.ffprobe);
    cmd.args(["-v", "error", "-select_streams", "v:0", "-show_entries"])
        .arg("stream=width,height,codec_name,avg_frame_rate,duration:stream_tags=rotate:stream_side_data=rotation:format=duration,format_name")
        .args(["-of", "json", "--"])
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = spawn(&programs.ffprobe, &mut cmd)?;
    let out = child.wait_with_output().map_err(|source| MediaError::Io {
        path: path.to_owned(),
        source,
    })?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(MediaError::invalid(
            &input,
            format!("not a readable video: {}", tail_lines(&stderr, 2)),
        ));
    }
    parse_probe(&out.stdout, &input)
}

pub(crate) fn parse_probe(json: &[u8], input: &str) -> Result<VideoInfo> {
    let value: serde_json::Value = serde_json::from_slice(json)
        .map_err(|e| MediaError::invalid(input, format!("unreadable ffprobe output: {e}")))?;
    let format = value["format"]["format_name"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    let Some(stream) = value["streams"].as_array().and_then(|s| s.first()) else {
        return Err(MediaError::invalid(
            input,
            "no video stream found, expected a video",
        ));
    };
    if format.starts_with("image2") || format.ends_with("_pipe") {
        return Err(MediaError::invalid(
            input,
            format!("a still image ({format}), expected a video"),
        ));
    }
    let dim = |key: &str| {
        stream[key]
            .as_u64()
            .and_then(|v| u32::try_from(v).ok())
            .filter(|&v| v > 0)
    };
    let (Some(width), Some(height)) = (dim("width"), dim("height")) else {
        return Err(MediaError::invalid(input, "video stream has no frame size"));
    };
    // ffmpeg auto-rotates frames of videos filmed upright on phones: swap the frame size too.
    let rotation = stream["side_data_list"]
        .as_array()
        .and_then(|list| list.iter().find_map(|d| d["rotation"].as_i64()))
        .or_else(|| {
            stream["tags"]["rotate"]
                .as_str()
                .and_then(|r| r.parse::<i64>().ok())
        })
        .unwrap_or(0);
    let (width, height) = if rotation.rem_euclid(180) == 90 {
        (height, width)
    } else {
        (width, height)
    };
    let number = |v: &serde_json::Value| v.as_str().and_then(|s| s.parse::<f64>().ok());
    let duration_s = number(&stream["duration"])
        .or_else(|| number(&value["format"]["duration"]))
        .filter(|d| d.is_finite() && *d > 0.0)
        .ok_or_else(|| MediaError::invalid(input, "video has no known duration"))?;
    let frame_rate = stream["avg_frame_rate"].as_str().and_then(|r| {
        let (num, den) = r.split_once('/')?;
        let (num, den) = (num.parse::<f64>().ok()?, den.parse::<f64>().ok()?);
        (den > 0.0 && num > 0.0).then_some(num / den)
    });
    Ok(VideoInfo {
        width,
        height,
        duration_s,
        frame_rate,
        codec: stream["codec_name"]
            .as_str()
            .unwrap_or("unknown")
            .to_owned(),
        format,
    })
}

/// Reads exactly `buf.len()` bytes, or returns `Ok(false)` on a clean end of stream.
pub(crate) fn read_frame(reader: &mut impl std::io::Read, buf: &mut [u8]) -> std::io::Result<bool> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => {
                return if filled == 0 {
                    Ok(false)
                } else {
                    Err(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "partial frame at end of stream",
                    ))
                };
            }
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

/// Collects a child's stderr on a thread, passing each `pts_time:` of a `showinfo` line to `tx`.
pub(crate) fn spawn_stderr_reader(
    mut stderr: std::process::ChildStderr,
    tx: std::sync::mpsc::Sender<f64>,
) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut kept = String::new();
        let mut pending = Vec::new();
        let mut chunk = [0u8; 8192];
        loop {
            let n = match stderr.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            pending.extend_from_slice(&chunk[..n]);
            while let Some(pos) = pending.iter().position(|&b| b == b'\n' || b == b'\r') {
                let line: Vec<u8> = pending.drain(..=pos).collect();
                let line = String::from_utf8_lossy(&line);
                handle_line(&line, &tx, &mut kept);
            }
        }
        let rest = String::from_utf8_lossy(&pending).into_owned();
        handle_line(&rest, &tx, &mut kept);
        kept
    })
}

fn handle_line(line: &str, tx: &std::sync::mpsc::Sender<f64>, kept: &mut String) {
    if line.contains("Parsed_showinfo") {
        if let Some(t) = showinfo_pts_time(line) {
            // The receiver may have stopped early (frame limit); that is fine.
            let _ = tx.send(t);
        }
    } else if !line.trim().is_empty() && kept.len() < 16 * 1024 {
        kept.push_str(line.trim_end());
        kept.push('\n');
    }
}

/// The `pts_time:` value of a `showinfo` frame line (`n: 3 pts: 3 pts_time:0.12 ...`).
pub(crate) fn showinfo_pts_time(line: &str) -> Option<f64> {
    if !line.contains(" n:") {
        return None;
    }
    let rest = &line[line.find("pts_time:")? + "pts_time:".len()..];
    let token = rest.split_whitespace().next()?;
    token.parse::<f64>().ok().filter(|t| t.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pts_time_lines() {
        let line = "[Parsed_showinfo_1 @ 0x55d] n:   3 pts:  12288 pts_time:0.96    duration:512 pos: 1234 fmt:yuv420p";
        assert_eq!(showinfo_pts_time(line), Some(0.96));
        assert_eq!(
            showinfo_pts_time("[Parsed_showinfo_1 @ 0x55d]   color_range:tv"),
            None
        );
        assert_eq!(
            showinfo_pts_time("[Parsed_showinfo_1 @ 0x55d] n: 0 pts_time:NOPTS"),
            None
        );
    }

    #[test]
    fn probe_json() {
        let json = br#"{"streams":[{"codec_name":"h264","width":1280,"height":720,"avg_frame_rate":"25/1","duration":"10.000000"}],"format":{"format_name":"mov,mp4","duration":"10.0"}}"#;
        let info = parse_probe(json, "x.mp4").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (info.width, info.height, info.frame_rate),
            (1280, 720, Some(25.0))
        );
        assert_eq!(info.duration_s, 10.0);
        let still = br#"{"streams":[{"codec_name":"png","width":10,"height":10,"avg_frame_rate":"0/0"}],"format":{"format_name":"png_pipe","duration":"0.04"}}"#;
        assert!(parse_probe(still, "x.png").is_err());
        assert!(parse_probe(br#"{"streams":[],"format":{}}"#, "x").is_err());
        assert!(parse_probe(b"garbage", "x").is_err());
    }
}
