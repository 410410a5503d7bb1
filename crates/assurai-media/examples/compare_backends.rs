//! Runs frame selection with both backends on each video and prints what each chose.
//!
//! `cargo run --release -p assurai-media --example compare_backends -- clip.mp4 …` (the ffmpeg
//! column needs `ffmpeg` and `ffprobe`).

use std::io::Write as _;
use std::time::Instant;

use assurai_media::{BackendChoice, FrameOptions, Sampling, select_frames};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut out = std::io::stdout().lock();
    for path in std::env::args().skip(1) {
        for sampling in [
            Sampling::Uniform { frames: 32 },
            Sampling::Interval { seconds: 0.5 },
            Sampling::SceneChange { threshold: 0.3 },
        ] {
            for backend in [BackendChoice::InProcess, BackendChoice::Ffmpeg] {
                let mut options = FrameOptions::default();
                options.sampling = sampling;
                options.backend = backend;
                let start = Instant::now();
                let result = select_frames(&path, &options);
                let ms = start.elapsed().as_secs_f64() * 1e3;
                match result {
                    Ok(s) => writeln!(
                        out,
                        "{path} {sampling:?} {backend:?}: best {:.3} s sharpness {:.2} entropy {:.4} \
                         ({} considered, {} black) {}x{} in {ms:.0} ms",
                        s.best().timestamp_s,
                        s.best().quality.sharpness,
                        s.best().quality.entropy,
                        s.frames_considered,
                        s.rejected_black,
                        s.video.width,
                        s.video.height,
                    )?,
                    Err(e) => writeln!(out, "{path} {sampling:?} {backend:?}: error: {e}")?,
                }
            }
        }
    }
    Ok(())
}
