//! Throughput of image preparation and representative-frame selection.
//!
//! Inputs come from `bench/media/make_inputs.sh DIR`; point at them with
//! `ASSURAI_MEDIA_BENCH_DIR=DIR` (default `target/bench-media` under the workspace root).
//! `bench/media/run.sh` runs this next to the Pillow and numpy reference scripts.

use std::path::PathBuf;
use std::time::Duration;

use assurai_media::{FrameOptions, ImageOptions, prepare_image, select_frames};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn input_dir() -> PathBuf {
    std::env::var_os("ASSURAI_MEDIA_BENCH_DIR").map_or_else(
        || {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../target/bench-media"
            ))
        },
        PathBuf::from,
    )
}

fn image_prepare(c: &mut Criterion) {
    let path = input_dir().join("input-1920x1080.png");
    let png = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run bench/media/make_inputs.sh)", path.display()));
    let options = ImageOptions::default();
    let mut group = c.benchmark_group("image");
    group.throughput(Throughput::Elements(1));
    group.bench_function("prepare_1920x1080_png_to_1024_jpeg85_base64", |b| {
        b.iter(|| {
            let prepared = prepare_image(std::hint::black_box(&png), &options)
                .unwrap_or_else(|e| panic!("{e}"));
            std::hint::black_box(prepared.data_url())
        })
    });
    group.finish();
}

fn frame_selection(c: &mut Criterion) {
    let path = input_dir().join("clip-10s-720p.mp4");
    assert!(
        path.exists(),
        "{} missing (run bench/media/make_inputs.sh)",
        path.display()
    );
    let options = FrameOptions::default();
    let mut group = c.benchmark_group("video");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function("select_frame_10s_1280x720_h264_uniform32", |b| {
        b.iter(|| {
            let selection = select_frames(&path, &options).unwrap_or_else(|e| panic!("{e}"));
            std::hint::black_box(selection.best().image.data_url())
        })
    });
    group.finish();
}

criterion_group!(benches, image_prepare, frame_selection);
criterion_main!(benches);
