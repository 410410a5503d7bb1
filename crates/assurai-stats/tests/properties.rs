//! Property tests: invariances the statistics must have on any input.
#![allow(clippy::unwrap_used, missing_docs)]

use assurai_stats as st;
use proptest::prelude::*;

/// 2–6 groups of 2–25 scores 1–5 (at least two distinct values per group, so
/// every test is defined).
fn score_groups() -> impl Strategy<Value = Vec<Vec<f64>>> {
    prop::collection::vec(
        prop::collection::vec(1u8..=5, 2..25)
            .prop_filter("non-constant", |g| g.iter().any(|&x| x != g[0])),
        2..6,
    )
    .prop_map(|gs| {
        gs.into_iter()
            .map(|g| g.into_iter().map(f64::from).collect::<Vec<f64>>())
            .collect::<Vec<_>>()
    })
    // Levene and Brown–Forsythe are undefined (a `Degenerate` error, tested
    // elsewhere) when absolute deviations are constant within every group,
    // e.g. groups of two values; the properties here need defined tests.
    .prop_filter("variance tests defined", |gs| {
        st::levene(gs).is_ok() && st::brown_forsythe(gs).is_ok()
    })
}

fn rel_close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * a.abs().max(b.abs()).max(1.0)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn group_order_does_not_change_omnibus_tests(groups in score_groups(), rot in 0usize..6) {
        let mut other = groups.clone();
        let r = rot % other.len();
        other.rotate_left(r);
        let a = st::one_way_anova(&groups).unwrap();
        let b = st::one_way_anova(&other).unwrap();
        prop_assert!(rel_close(a.f, b.f, 1e-10) && rel_close(a.p, b.p, 1e-9));
        let (a, b) = (st::welch_anova(&groups).unwrap(), st::welch_anova(&other).unwrap());
        prop_assert!(rel_close(a.f, b.f, 1e-10));
        let (a, b) = (st::brown_forsythe(&groups).unwrap(), st::brown_forsythe(&other).unwrap());
        prop_assert!(rel_close(a.w, b.w, 1e-10));
        let (a, b) = (st::kruskal_wallis(&groups).unwrap(), st::kruskal_wallis(&other).unwrap());
        prop_assert!(rel_close(a.h, b.h, 1e-10));
    }

    #[test]
    fn shifting_and_scaling_scores_changes_nothing(groups in score_groups(), shift in -100.0f64..100.0, scale in 0.1f64..10.0) {
        let moved: Vec<Vec<f64>> = groups.iter().map(|g| g.iter().map(|x| x * scale + shift).collect()).collect();
        let (a, b) = (st::one_way_anova(&groups).unwrap(), st::one_way_anova(&moved).unwrap());
        prop_assert!(rel_close(a.f, b.f, 1e-8), "{} vs {}", a.f, b.f);
        // Levene is undefined when absolute deviations are constant in every
        // group (e.g. each group is two values); that stays so after moving.
        if let Ok(a) = st::levene(&groups) {
            let b = st::levene(&moved).unwrap();
            prop_assert!(rel_close(a.w, b.w, 1e-8));
        }
        let (a, b) = (st::kruskal_wallis(&groups).unwrap(), st::kruskal_wallis(&moved).unwrap());
        prop_assert!(rel_close(a.h, b.h, 1e-9), "{} vs {}", a.h, b.h);
        let ta = st::tukey_hsd(&groups, 0.95).unwrap();
        let tb = st::tukey_hsd(&moved, 0.95).unwrap();
        for (x, y) in ta.iter().zip(&tb) {
            prop_assert!((x.p_adj - y.p_adj).abs() < 1e-8);
            prop_assert!(rel_close(x.diff * scale, y.diff, 1e-9));
        }
    }

    #[test]
    fn tukey_pairs_are_antisymmetric_and_bounded(groups in score_groups()) {
        let k = groups.len();
        let t = st::tukey_hsd(&groups, 0.95).unwrap();
        prop_assert_eq!(t.len(), k * (k - 1) / 2);
        let mut rev = groups.clone();
        rev.reverse();
        let r = st::tukey_hsd(&rev, 0.95).unwrap();
        for p in &t {
            prop_assert!((0.0..=1.0).contains(&p.p_adj));
            prop_assert!(p.ci.contains(p.diff));
            prop_assert_eq!(p.reject, p.p_adj < 0.05);
            if (p.p_adj - 0.05).abs() > 1e-9 {
                // The simultaneous CI excludes 0 exactly when the test rejects.
                prop_assert_eq!(p.reject, !p.ci.contains(0.0));
            }
            let q = r.iter().find(|q| q.a == k - 1 - p.b && q.b == k - 1 - p.a).unwrap();
            prop_assert!((p.diff + q.diff).abs() < 1e-12 && (p.p_adj - q.p_adj).abs() < 1e-12);
        }
    }

    #[test]
    fn studentized_range_quantile_inverts_cdf(k in 2usize..60, df in 2.0f64..2000.0, p in 0.01f64..0.99) {
        let d = st::StudentizedRange::new(k, df).unwrap();
        let q = d.quantile(p).unwrap();
        prop_assert!((d.cdf(q) - p).abs() < 1e-10);
    }

    #[test]
    fn agreement_is_perfect_for_identical_raters(labels in prop::collection::vec(1u8..=5, 3..40), raters in 2usize..5) {
        prop_assume!(labels.iter().any(|&x| x != labels[0]));
        let rows = labels.iter().map(|&l| vec![Some(f64::from(l)); raters]).collect();
        let r = st::Ratings::from_rows(rows).unwrap();
        let s = st::agreement_summary(&r, true).unwrap();
        prop_assert!((s.percent_agreement - 1.0).abs() < 1e-12);
        prop_assert!((s.fleiss_kappa.unwrap() - 1.0).abs() < 1e-12);
        prop_assert!((s.krippendorff_alpha.nominal - 1.0).abs() < 1e-12);
        prop_assert!((s.krippendorff_alpha.ordinal.unwrap() - 1.0).abs() < 1e-12);
        prop_assert!((s.krippendorff_alpha.interval.unwrap() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn rater_order_does_not_change_agreement(rows in prop::collection::vec(prop::collection::vec(prop::option::weighted(0.85, 1u8..=5), 3), 4..30)) {
        let rows: Vec<Vec<Option<f64>>> = rows.into_iter().map(|r| r.into_iter().map(|v| v.map(f64::from)).collect()).collect();
        let rev: Vec<Vec<Option<f64>>> = rows.iter().map(|r| r.iter().rev().copied().collect()).collect();
        let (a, b) = (st::Ratings::from_rows(rows).unwrap(), st::Ratings::from_rows(rev).unwrap());
        for m in [st::Metric::Nominal, st::Metric::Ordinal, st::Metric::Interval] {
            match (st::krippendorff_alpha(&a, m), st::krippendorff_alpha(&b, m)) {
                (Ok(x), Ok(y)) => prop_assert!((x - y).abs() < 1e-12),
                (Err(_), Err(_)) => {}
                other => prop_assert!(false, "{:?}", other),
            }
        }
    }

    #[test]
    fn wilson_interval_contains_estimate(n in 1u64..100_000, frac in 0.0f64..=1.0, level in 0.5f64..0.999) {
        let s = (n as f64 * frac).round() as u64;
        let ci = st::wilson_interval(s, n, level).unwrap();
        prop_assert!(0.0 <= ci.lower && ci.lower <= ci.upper && ci.upper <= 1.0);
        prop_assert!(ci.contains(s as f64 / n as f64));
    }

    #[test]
    fn no_panic_on_arbitrary_floats(groups in prop::collection::vec(prop::collection::vec(prop::num::f64::ANY, 0..8), 0..5)) {
        // Any input: a result or an error, never a panic.
        let _ = st::one_way_anova(&groups);
        let _ = st::welch_anova(&groups);
        let _ = st::levene(&groups);
        let _ = st::brown_forsythe(&groups);
        let _ = st::kruskal_wallis(&groups);
        let _ = st::tukey_hsd(&groups, 0.95);
        let _ = st::games_howell(&groups, 0.95);
        let _ = st::dunn_holm(&groups, 0.05);
        let named: Vec<(String, Vec<f64>)> = groups.iter().enumerate().map(|(i, g)| (i.to_string(), g.clone())).collect();
        let _ = st::compare_groups(&named);
        if let Some(g) = groups.first() {
            let _ = st::describe(g, 0.95);
            let _ = st::frequencies(g);
            if let Some(h) = groups.get(1) {
                let n = g.len().min(h.len());
                let _ = st::paired_t_test(&g[..n], &h[..n]);
                let _ = st::wilcoxon_signed_rank(&g[..n], &h[..n]);
                let _ = st::spearman(&g[..n], &h[..n]);
                let _ = st::quadratic_weighted_kappa(&g[..n], &h[..n]);
            }
        }
    }

    #[test]
    fn bootstrap_is_reproducible_and_brackets_the_mean(xs in prop::collection::vec(1u8..=5, 5..40), seed in any::<u64>()) {
        let xs: Vec<f64> = xs.into_iter().map(f64::from).collect();
        prop_assume!(xs.iter().any(|&x| x != xs[0]));
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let m = mean(&xs);
        let a = st::bootstrap_ci(&xs, mean, 500, 0.95, st::BootstrapMethod::Percentile, &mut st::SplitMix64::new(seed)).unwrap();
        let b = st::bootstrap_ci(&xs, mean, 500, 0.95, st::BootstrapMethod::Percentile, &mut st::SplitMix64::new(seed)).unwrap();
        prop_assert_eq!(a, b);
        prop_assert!(a.lower <= m + 1e-12 && m - 1e-12 <= a.upper);
        if let Ok(c) = st::bootstrap_ci(&xs, mean, 500, 0.95, st::BootstrapMethod::Bca, &mut st::SplitMix64::new(seed)) {
            prop_assert!(c.lower <= c.upper);
        }
    }
}

#[test]
fn degenerate_inputs_are_errors() {
    let one = [vec![1.0, 2.0, 3.0]];
    assert!(matches!(
        st::one_way_anova(&one),
        Err(st::StatsError::TooFewObservations { .. })
    ));
    let tiny = [vec![1.0, 2.0], vec![3.0]];
    assert!(matches!(
        st::one_way_anova(&tiny),
        Err(st::StatsError::TooFewObservations { .. })
    ));
    let flat = [vec![2.0, 2.0], vec![3.0, 3.0]];
    assert!(matches!(
        st::one_way_anova(&flat),
        Err(st::StatsError::Degenerate(_))
    ));
    assert!(matches!(
        st::welch_anova(&flat),
        Err(st::StatsError::Degenerate(_))
    ));
    let nan = [vec![1.0, f64::NAN], vec![3.0, 4.0]];
    assert!(matches!(
        st::kruskal_wallis(&nan),
        Err(st::StatsError::NonFinite { index: 1, .. })
    ));
    let same = [vec![2.0, 2.0], vec![2.0, 2.0]];
    assert!(matches!(
        st::kruskal_wallis(&same),
        Err(st::StatsError::Degenerate(_))
    ));
    assert!(st::describe(&[], 0.95).is_err());
    assert!(st::describe(&[1.0, 2.0], 1.0).is_err());
    assert!(st::wilson_interval(3, 2, 0.95).is_err());
    let named = [("a", vec![1.0, 2.0]), ("b", vec![5.0])];
    let err = st::compare_groups(&named).unwrap_err().to_string();
    assert!(err.contains("group \"b\""), "{err}");
}

#[test]
fn wilcoxon_exact_small_sample() {
    // n = 5, all positive differences: W- = 0, exact two-sided p = 2/32.
    let a = [2.0, 3.0, 4.0, 5.0, 6.0];
    let b = [1.0, 1.5, 1.0, 0.5, -1.0];
    let w = st::wilcoxon_signed_rank(&a, &b).unwrap();
    assert_eq!(w.method, st::WilcoxonMethod::Exact);
    assert_eq!(w.statistic, 0.0);
    assert!((w.p - 0.0625).abs() < 1e-15);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// `compare_groups` takes a counting fast path for integer scores; it
    /// must agree with the individual tests (which run on the raw values).
    #[test]
    fn compare_groups_fast_path_matches_individual_tests(groups in score_groups()) {
        let named: Vec<(String, Vec<f64>)> = groups.iter().enumerate().map(|(i, g)| (format!("g{i}"), g.clone())).collect();
        let c = st::compare_groups(&named).unwrap();
        let a = st::one_way_anova(&groups).unwrap();
        prop_assert!(rel_close(c.anova.f, a.f, 1e-12) && rel_close(c.anova.p, a.p, 1e-10));
        let w = st::welch_anova(&groups).unwrap();
        prop_assert!(rel_close(c.welch_anova.f, w.f, 1e-11));
        let l = st::levene(&groups).unwrap();
        prop_assert!(rel_close(c.levene.w, l.w, 1e-11), "{} vs {}", c.levene.w, l.w);
        let b = st::brown_forsythe(&groups).unwrap();
        prop_assert!(rel_close(c.brown_forsythe.w, b.w, 1e-11));
        let k = st::kruskal_wallis(&groups).unwrap();
        prop_assert!(rel_close(c.kruskal_wallis.h, k.h, 1e-12));
        let t = st::tukey_hsd(&groups, 0.95).unwrap();
        for (x, y) in c.tukey_hsd.iter().zip(&t) {
            prop_assert!(rel_close(x.diff, y.diff, 1e-12) && (x.p_adj - y.p_adj).abs() < 1e-12);
        }
        for (s, g) in c.groups.iter().zip(&groups) {
            let d = st::describe(g, 0.95).unwrap();
            prop_assert!(rel_close(s.mean, d.mean, 1e-14) && rel_close(s.sd, d.sd, 1e-12));
        }
    }
}

/// A 5×5 calibration (counts 0–40 per cell) and a group's judge counts.
fn calibration_and_group() -> impl Strategy<Value = (st::ConfusionMatrix, [u64; 5])> {
    (
        prop::array::uniform5(prop::array::uniform5(0u64..40)),
        prop::array::uniform5(0u64..200),
    )
        .prop_filter("non-empty group", |(_, g)| g.iter().sum::<u64>() > 0)
        .prop_map(|(c, g)| (st::ConfusionMatrix::from_counts(c), g))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn corrected_distribution_is_on_the_simplex((cal, group) in calibration_and_group()) {
        let g = st::correct_group(&cal, 2, &group).unwrap();
        if let Some(p) = g.corrected_distribution {
            prop_assert!(p.iter().all(|&x| (0.0..=1.0).contains(&x)), "{p:?}");
            prop_assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9, "{p:?}");
            let mean = g.corrected_mean.unwrap();
            prop_assert!((1.0..=5.0).contains(&mean));
            prop_assert!(g.em_iterations.unwrap() >= 1);
        } else {
            prop_assert!(g.em_iterations.is_none() && !g.notes.is_empty());
        }
    }

    #[test]
    fn corrected_rate_is_in_its_interval_and_in_0_1((cal, group) in calibration_and_group(), t in 1u8..=4) {
        let g = st::correct_group(&cal, t, &group).unwrap();
        match (g.corrected_unsafe_rate, g.ci95) {
            (Some(p), Some(ci)) => {
                prop_assert!((0.0..=1.0).contains(&p));
                prop_assert!(ci.contains(p), "{p} not in {ci:?}");
                prop_assert!(ci.lower >= 0.0 && ci.upper <= 1.0);
            }
            (None, None) => prop_assert!(!g.notes.is_empty()),
            other => prop_assert!(false, "{other:?}"),
        }
    }

    #[test]
    fn a_perfect_judge_changes_nothing(diag in prop::array::uniform5(1u64..50), group in prop::array::uniform5(0u64..300), t in 1u8..=4) {
        prop_assume!(group.iter().sum::<u64>() > 0);
        let mut c = [[0u64; 5]; 5];
        for (i, d) in diag.iter().enumerate() {
            c[i][i] = *d;
        }
        let cal = st::ConfusionMatrix::from_counts(c);
        let g = st::correct_group(&cal, t, &group).unwrap();
        // (q + 1 − 1) / 1 equals q up to one rounding.
        prop_assert!((g.corrected_unsafe_rate.unwrap() - g.observed_unsafe_rate).abs() < 1e-15);
        let p = g.corrected_distribution.unwrap();
        for (x, y) in p.iter().zip(&g.observed_distribution) {
            prop_assert!((x - y).abs() < 1e-15, "{p:?} vs {:?}", g.observed_distribution);
        }
        prop_assert_eq!(g.converged, Some(true));
    }

    #[test]
    fn clustered_ci_contains_the_mean(xs in prop::collection::vec((1u8..=5, 0u8..8), 2..80)) {
        let values: Vec<f64> = xs.iter().map(|x| f64::from(x.0)).collect();
        let clusters: Vec<u8> = xs.iter().map(|x| x.1).collect();
        match st::clustered_mean(&values, &clusters, 0.95) {
            Ok(m) => {
                prop_assert!(m.ci.contains(m.mean) && m.se >= 0.0);
                prop_assert!(m.n_clusters >= 2);
            }
            Err(_) => {
                let mut k = clusters.clone();
                k.sort_unstable();
                k.dedup();
                prop_assert!(k.len() < 2);
            }
        }
    }
}
