//! Convert speech to 16 kHz mono WAV for a transcription endpoint, skipping silent clips.
//!
//! `cargo run -p assurai-media --example normalize_audio -- speech.wav out.wav`

use std::io::Write as _;

use assurai_media::{AudioOptions, normalize_audio_file};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (input, output) = match (args.next(), args.next()) {
        (Some(i), Some(o)) => (i, o),
        _ => return Err("usage: normalize_audio IN OUT.wav".into()),
    };
    let audio = normalize_audio_file(&input, &AudioOptions::default())?;
    let mut out = std::io::stdout().lock();
    if audio.is_silent {
        writeln!(
            out,
            "{input}: silent ({:.2} s), nothing to transcribe",
            audio.duration_s
        )?;
        return Ok(());
    }
    audio.write_to(&output)?;
    writeln!(
        out,
        "{output}: {:.2} s at {} Hz, {:.2} s voiced, peak {:.1} dBFS",
        audio.duration_s, audio.sample_rate, audio.voiced_s, audio.peak_dbfs
    )?;
    Ok(())
}
