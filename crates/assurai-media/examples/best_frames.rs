//! Pick the three most representative, distinct frames of a video and save them.
//!
//! `cargo run -p assurai-media --example best_frames -- clip.mp4` (needs `ffmpeg`).

use std::io::Write as _;

use assurai_media::{FrameOptions, Sampling, select_frames};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: best_frames VIDEO")?;
    let mut options = FrameOptions::default();
    options.sampling = Sampling::Interval { seconds: 0.5 };
    options.count = 3;
    let selection = select_frames(&path, &options)?;
    let mut out = std::io::stdout().lock();
    for (i, frame) in selection.frames.iter().enumerate() {
        let name = format!("frame-{}.jpg", i + 1);
        frame.image.write_to(&name)?;
        writeln!(
            out,
            "{name}: {:.2} s, sharpness {:.0}, entropy {:.2} bits, score {:.3}",
            frame.timestamp_s, frame.quality.sharpness, frame.quality.entropy, frame.quality.score
        )?;
    }
    writeln!(
        out,
        "{} frames considered, {} black / {} white / {} flat rejected",
        selection.frames_considered,
        selection.rejected_black,
        selection.rejected_white,
        selection.rejected_flat
    )?;
    Ok(())
}
