//! The in-process video and audio paths on arbitrary bytes: MP4/MOV demuxing (mp4parse),
//! avcC/SPS parsing, H.264 decoding (OpenH264) and frame selection; and symphonia's audio
//! probing and decoding (WAV, MP3, AAC/M4A, FLAC, Ogg Vorbis) with downmix and resampling.
//! The first byte chooses the path; ffmpeg is never used (its path is set to nothing).
#![no_main]

use std::path::PathBuf;

use assurai_media::{AudioOptions, BackendChoice, FrameOptions, normalize_audio, select_frames};
use libfuzzer_sys::fuzz_target;

fn scratch() -> PathBuf {
    std::env::temp_dir().join(format!("assurai-fuzz-media-{}.mp4", std::process::id()))
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    if selector % 2 == 0 {
        let path = scratch();
        if std::fs::write(&path, body).is_err() {
            return;
        }
        let mut options = FrameOptions::default();
        options.backend = BackendChoice::InProcess;
        options.programs.ffmpeg = PathBuf::from("/nonexistent/ffmpeg");
        options.programs.ffprobe = PathBuf::from("/nonexistent/ffprobe");
        // Keep each run short: small frames, few samples.
        options.limits.max_width = 1024;
        options.limits.max_height = 1024;
        options.limits.max_duration_s = 60.0;
        let _ = select_frames(&path, &options);
    } else {
        let mut options = AudioOptions::default();
        options.programs.ffmpeg = PathBuf::from("/nonexistent/ffmpeg");
        options.limits.max_duration_s = 60.0;
        let _ = normalize_audio(body, &options);
    }
});
