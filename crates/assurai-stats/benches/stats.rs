//! The full `assurai stats` analysis (descriptives, ANOVA, Welch, Levene,
//! Brown–Forsythe, Kruskal–Wallis, Tukey HSD) over 35 groups of 1–5 scores,
//! at the paper's dataset size (11,480) and at 1,000,000 scores.
//!
//! `bench/stats/scipy_bench.py` times SciPy on the same data (same
//! generator) for the comparison in `docs/benchmarks.md`.
#![allow(missing_docs, clippy::unwrap_used, clippy::print_stderr)]

use assurai_stats::{
    ConfusionMatrix, RandomSource, SplitMix64, compare_groups, correct_group, score_counts,
};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

/// 35 groups of scores 1–5; group `g` skews towards 5 by `(g % 7) / 10`.
/// Mirrored exactly by `bench/stats/scipy_bench.py`.
fn scores(n: usize) -> Vec<(String, Vec<f64>)> {
    let mut rng = SplitMix64::new(2024);
    let mut groups: Vec<(String, Vec<f64>)> = (0..35)
        .map(|g| (format!("factor_{g:02}"), Vec::new()))
        .collect();
    for i in 0..n {
        let g = i % 35;
        let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let a = 1.0 + (g % 7) as f64 * 0.1;
        let score = 1.0 + (5.0 * u.powf(1.0 / a)).floor().min(4.0);
        groups[g].1.push(score);
    }
    groups
}

fn bench(c: &mut Criterion) {
    // The first call in a process also builds the k = 35 range-cdf table
    // (kept for the process); criterion below measures later calls.
    let data = scores(11_480);
    let t = std::time::Instant::now();
    compare_groups(&data).unwrap();
    eprintln!(
        "first call in process (cold table), n = 11480: {:?}",
        t.elapsed()
    );
    let mut group = c.benchmark_group("compare_groups_35");
    group.sample_size(20);
    for n in [11_480usize, 1_000_000] {
        let data = scores(n);
        group.bench_with_input(BenchmarkId::from_parameter(n), &data, |b, d| {
            b.iter(|| compare_groups(std::hint::black_box(d)).unwrap())
        });
    }
    group.finish();
}

/// A lenient judge's calibration (11,480 pairs, the dataset's size): human
/// score h judged h with probability 0.6, h + 1 with 0.25, h + 2 with 0.15
/// (capped at 5).
fn calibration() -> ConfusionMatrix {
    let mut rng = SplitMix64::new(7);
    let mut c = ConfusionMatrix::new();
    for i in 0..11_480u32 {
        let h = (i % 5) as u8 + 1;
        let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let up = if u < 0.6 {
            0
        } else if u < 0.85 {
            1
        } else {
            2
        };
        c.add(h, (h + up).min(5)).unwrap();
    }
    c
}

/// The whole `assurai correct` computation for 35 groups over 1,000,000
/// judge scores: count each group's scores, then the Rogan–Gladen rate with
/// its interval and the EM distribution per group.
fn bench_correction(c: &mut Criterion) {
    let cal = calibration();
    let groups: Vec<Vec<u8>> = scores(1_000_000)
        .into_iter()
        .map(|(_, g)| g.into_iter().map(|x| x as u8).collect())
        .collect();
    c.bench_function("correct_35_groups_1e6", |b| {
        b.iter(|| {
            for g in std::hint::black_box(&groups) {
                let counts = score_counts(g).unwrap();
                std::hint::black_box(correct_group(&cal, 2, &counts).unwrap());
            }
        })
    });
}

criterion_group!(benches, bench, bench_correction);
criterion_main!(benches);
