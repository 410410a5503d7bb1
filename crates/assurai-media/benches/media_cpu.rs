//! Wall-clock and CPU time (including `ffmpeg` child processes) of image preparation, frame
//! selection (in-process and with ffmpeg) and audio normalisation (in-process against the
//! `ffmpeg` program doing the same decode + resample), for comparison with `bench/media/*.py`, which report the same two figures. CPU time
//! is robust to other load on the machine; wall time is what a caller waits.
//!
//! `cargo bench -p assurai-media --bench media_cpu` with the inputs of
//! `bench/media/make_inputs.sh` in `ASSURAI_MEDIA_BENCH_DIR` (default `target/bench-media`).
#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::path::PathBuf;
use std::time::Instant;

use assurai_media::{
    AudioOptions, BackendChoice, FrameOptions, ImageOptions, normalize_audio_file, prepare_image,
    select_frames,
};

/// CPU seconds of this process plus its waited-for children (Linux `/proc/self/stat`).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    // Fields after the parenthesised command name; utime is field 14 overall.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields[11..15]
        .iter()
        .map(|f| f.parse::<f64>().unwrap())
        .sum();
    ticks / 100.0 // USER_HZ is 100 on Linux
}

fn measure(name: &str, runs: usize, mut f: impl FnMut()) {
    f(); // warm-up
    let (cpu0, t0) = (cpu_seconds(), Instant::now());
    for _ in 0..runs {
        f();
    }
    let wall = t0.elapsed().as_secs_f64() / runs as f64;
    let cpu = (cpu_seconds() - cpu0) / runs as f64;
    println!(
        "rust {name}: wall {:.2} ms/run, cpu {:.2} ms/run ({runs} runs)",
        wall * 1e3,
        cpu * 1e3
    );
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench --list` support
    }
    let dir = std::env::var_os("ASSURAI_MEDIA_BENCH_DIR").map_or_else(
        || {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../target/bench-media"
            ))
        },
        PathBuf::from,
    );
    let png = std::fs::read(dir.join("input-1920x1080.png")).unwrap();
    let options = ImageOptions::default();
    measure(
        "image prepare 1920x1080 PNG -> 1024 JPEG 85 -> data URL",
        60,
        || {
            let prepared = prepare_image(&png, &options).unwrap();
            std::hint::black_box(prepared.data_url());
        },
    );
    let clip = dir.join("clip-10s-720p.mp4");
    let only = std::env::var("ASSURAI_MEDIA_BENCH_ONLY").unwrap_or_default();
    let rounds: usize = std::env::var("ASSURAI_MEDIA_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(2);
    let mp3 = dir.join("speech-60s.mp3");
    // Interleaved rounds so both sides see the same machine load.
    for round in 1..=rounds {
        println!("rust round {round}");
        for (name, backend) in [
            ("in-process", BackendChoice::InProcess),
            ("ffmpeg", BackendChoice::Ffmpeg),
        ] {
            if !only.is_empty() && only != name {
                continue;
            }
            let mut options = FrameOptions::default();
            options.backend = backend;
            let mut chosen = 0.0;
            measure(
                &format!("frame selection 10 s 1280x720 H.264, uniform 32, {name}"),
                6,
                || {
                    let selection = select_frames(&clip, &options).unwrap();
                    chosen = selection.best().timestamp_s;
                    std::hint::black_box(selection.best().image.data_url());
                },
            );
            println!("rust chosen frame ({name}): {chosen:.2} s");
        }
        if only.is_empty() || only == "audio" {
            let options = AudioOptions::default();
            measure("audio 60 s MP3 -> 16 kHz mono WAV, in-process", 6, || {
                let audio = normalize_audio_file(&mp3, &options).unwrap();
                std::hint::black_box(audio.wav.len());
            });
            let out = std::env::temp_dir().join(format!("bench-{}.wav", std::process::id()));
            measure(
                "audio 60 s MP3 -> 16 kHz mono WAV, `ffmpeg -i x.mp3 -ar 16000 -ac 1 out.wav`",
                6,
                || {
                    let status = std::process::Command::new("ffmpeg")
                        .args(["-nostdin", "-loglevel", "error", "-y", "-i"])
                        .arg(&mp3)
                        .args(["-ar", "16000", "-ac", "1"])
                        .arg(&out)
                        .status()
                        .unwrap();
                    assert!(status.success());
                },
            );
            let _ = std::fs::remove_file(&out);
        }
    }
}
