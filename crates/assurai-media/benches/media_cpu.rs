//! Wall-clock and CPU time (including `ffmpeg` child processes) of image preparation and frame
//! selection, for comparison with `bench/media/*.py`, which report the same two figures. CPU time
//! is robust to other load on the machine; wall time is what a caller waits.
//!
//! `cargo bench -p assurai-media --bench media_cpu` with the inputs of
//! `bench/media/make_inputs.sh` in `ASSURAI_MEDIA_BENCH_DIR` (default `target/bench-media`).
#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::path::PathBuf;
use std::time::Instant;

use assurai_media::{FrameOptions, ImageOptions, prepare_image, select_frames};

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
    let options = FrameOptions::default();
    let mut chosen = 0.0;
    measure("frame selection 10 s 1280x720 H.264, uniform 32", 8, || {
        let selection = select_frames(&clip, &options).unwrap();
        chosen = selection.best().timestamp_s;
        std::hint::black_box(selection.best().image.data_url());
    });
    println!("rust chosen frame: {chosen:.2} s");
}
