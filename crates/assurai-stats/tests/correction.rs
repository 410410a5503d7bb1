//! The judge-error correction (Rogan–Gladen, EM) and the clustered standard
//! error against `tests/data/correction.json`, made by
//! `tests/data/make_correction.py` (NumPy/SciPy). Tolerance: 1e-9 relative
//! (absolute for values near zero); EM iteration counts exactly.
#![allow(clippy::unwrap_used, missing_docs)]

use assurai_stats as st;
use serde_json::Value;

fn data() -> Value {
    serde_json::from_str(include_str!("data/correction.json")).unwrap()
}

#[track_caller]
fn close(got: f64, want: &Value, what: &str) {
    let want = want
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: reference {want} is not a number"));
    let err = (got - want).abs();
    assert!(
        err <= 1e-9 * want.abs().max(1.0),
        "{what}: got {got:e}, want {want:e}, error {err:e}"
    );
}

fn confusion(v: &Value) -> st::ConfusionMatrix {
    let mut c = [[0u64; 5]; 5];
    for (j, row) in v.as_array().unwrap().iter().enumerate() {
        for (h, x) in row.as_array().unwrap().iter().enumerate() {
            c[j][h] = x.as_u64().unwrap();
        }
    }
    st::ConfusionMatrix::from_counts(c)
}

fn counts(v: &Value) -> [u64; 5] {
    let a = v.as_array().unwrap();
    std::array::from_fn(|i| a[i].as_u64().unwrap())
}

/// Negative log-likelihood of judge counts under q = C·p.
fn nll(cal: &st::ConfusionMatrix, counts: &[u64; 5], p: &[f64; 5]) -> f64 {
    let c = cal.judge_given_human().unwrap();
    (0..5)
        .filter(|&j| counts[j] > 0)
        .map(|j| {
            let q: f64 = (0..5).map(|h| c[j][h] * p[h]).sum();
            -(counts[j] as f64) * q.max(1e-300).ln()
        })
        .sum()
}

#[test]
fn z_is_the_exact_normal_quantile() {
    // The delta-method interval's half-width over its SE is Φ⁻¹(0.975).
    let d = data();
    let c = &d["cases"][1];
    let cal = confusion(&c["confusion"]).binary(2).unwrap();
    let r = st::rogan_gladen(&cal, 100, 1000, 0.95).unwrap();
    close((r.ci.upper - r.corrected) / r.se, &d["z975"], "z");
}

#[test]
fn corrections_match_numpy() {
    let d = data();
    let mut n_groups = 0;
    for case in d["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let cal = confusion(&case["confusion"]);
        for (gi, g) in case["groups"].as_array().unwrap().iter().enumerate() {
            n_groups += 1;
            let e = &g["expected"];
            let obs = counts(&g["counts"]);
            let threshold = g["threshold"].as_u64().unwrap() as u8;
            let what = format!("{name} group {gi}");
            let got = match g.get("q_variance") {
                Some(v) => {
                    st::correct_group_with_variance(&cal, threshold, &obs, v.as_f64().unwrap())
                }
                None => st::correct_group(&cal, threshold, &obs),
            }
            .unwrap();
            let bin = cal.binary(threshold).unwrap();
            close(got.observed_unsafe_rate, &e["observed_unsafe_rate"], &what);
            match (bin.sensitivity, e["sensitivity"].as_f64()) {
                (Some(s), Some(_)) => close(s, &e["sensitivity"], &what),
                (None, None) => {}
                other => panic!("{what}: sensitivity {other:?}"),
            }
            match (got.corrected_unsafe_rate, e["corrected"].as_f64()) {
                (Some(p), Some(_)) => {
                    close(p, &e["corrected"], &what);
                    let ci = got.ci95.unwrap();
                    close(ci.lower, &e["ci"][0], &what);
                    close(ci.upper, &e["ci"][1], &what);
                    let r = match g.get("q_variance") {
                        Some(v) => st::rogan_gladen_with_variance(
                            &bin,
                            got.observed_unsafe_rate,
                            got.n,
                            v.as_f64().unwrap(),
                            0.95,
                        ),
                        None => st::rogan_gladen(
                            &bin,
                            obs[..usize::from(threshold)].iter().sum(),
                            got.n,
                            0.95,
                        ),
                    }
                    .unwrap();
                    close(r.unclipped, &e["unclipped"], &what);
                    close(r.se, &e["se"], &what);
                    assert_eq!(
                        r.clipped(),
                        got.notes.iter().any(|n| n.contains("clipped")),
                        "{what}"
                    );
                }
                (None, None) => assert!(
                    got.ci95.is_none()
                        && got
                            .notes
                            .iter()
                            .any(|n| n.starts_with("corrected unsafe rate undefined")),
                    "{what}: {:?}",
                    got.notes
                ),
                other => panic!("{what}: corrected {other:?}"),
            }
            match (&got.corrected_distribution, e["em"].is_null()) {
                (Some(p), false) => {
                    let em = &e["em"];
                    for h in 0..5 {
                        close(p[h], &em["distribution"][h], &what);
                    }
                    close(got.corrected_mean.unwrap(), &em["mean"], &what);
                    assert_eq!(
                        got.em_iterations.unwrap(),
                        em["iterations"].as_u64().unwrap(),
                        "{what}"
                    );
                    assert_eq!(got.converged, em["converged"].as_bool(), "{what}");
                    // EM reaches SciPy's maximum of the likelihood.
                    let want = em["nll_scipy"].as_f64().unwrap();
                    let mine = nll(&cal, &obs, p);
                    assert!(
                        mine <= want + 1e-9 * want.abs().max(1.0),
                        "{what}: EM nll {mine} > SciPy's {want}"
                    );
                }
                (None, true) => assert!(
                    got.em_iterations.is_none()
                        && got
                            .notes
                            .iter()
                            .any(|n| n.starts_with("corrected distribution undefined")),
                    "{what}: {:?}",
                    got.notes
                ),
                other => panic!("{what}: distribution {other:?}"),
            }
        }
    }
    assert!(n_groups > 40, "only {n_groups} groups in the reference");
}

#[test]
fn em_boundary_case_has_zeros_where_scipy_has_them() {
    let d = data();
    let case = d["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "em_boundary")
        .unwrap();
    let cal = confusion(&case["confusion"]);
    let g = &case["groups"][0];
    let got = st::em_distribution(&cal, &counts(&g["counts"])).unwrap();
    let scipy = &g["expected"]["em"]["mle_scipy"];
    for h in 0..5 {
        let s = scipy[h].as_f64().unwrap();
        assert!((got.distribution[h] - s).abs() < 1e-6, "p[{h}]");
    }
    assert!(got.distribution[0] < 1e-12 && got.distribution[2] < 1e-12);
}

#[test]
fn large_case_covers_a_million_scores() {
    let d = data();
    let case = d["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "factors_35_x_1e6")
        .unwrap();
    let groups = case["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 35);
    let n: u64 = groups
        .iter()
        .map(|g| counts(&g["counts"]).iter().sum::<u64>())
        .sum();
    assert_eq!(n, 1_000_000);
}

#[test]
fn clustered_se_matches_numpy() {
    for c in data()["clustered"].as_array().unwrap() {
        let what = c["name"].as_str().unwrap();
        let x: Vec<f64> = c["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let k: Vec<u64> = c["clusters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        let m = st::clustered_mean(&x, &k, 0.95).unwrap();
        assert_eq!(m.n_clusters, c["n_clusters"].as_u64().unwrap(), "{what}");
        close(m.mean, &c["mean"], what);
        close(m.se, &c["se"], what);
        close(m.ci.lower, &c["ci95"][0], what);
        close(m.ci.upper, &c["ci95"][1], what);
        // The streaming form from per-cluster sums agrees.
        let g = m.n_clusters as usize;
        let mut sums = vec![(0u64, 0.0f64); g];
        for (&xi, &ki) in x.iter().zip(&k) {
            sums[ki as usize].0 += 1;
            sums[ki as usize].1 += xi;
        }
        let s = st::clustered_mean_from_sums(&sums, 0.95).unwrap();
        close(s.se, &c["se"], what);
        close(s.ci.upper, &c["ci95"][1], what);
    }
}

#[test]
fn bootstrap_matches_python_on_identical_draws() {
    for c in data()["bootstrap"].as_array().unwrap() {
        let what = c["name"].as_str().unwrap();
        let cal = confusion(&c["confusion"]);
        let b = st::rogan_gladen_bootstrap(
            &cal,
            c["threshold"].as_u64().unwrap() as u8,
            c["unsafe"].as_u64().unwrap(),
            c["n"].as_u64().unwrap(),
            c["resamples"].as_u64().unwrap() as usize,
            0.95,
            &mut st::SplitMix64::new(c["seed"].as_u64().unwrap()),
        )
        .unwrap();
        let ci = b.ci.unwrap();
        close(ci.lower, &c["expected"]["ci"][0], what);
        close(ci.upper, &c["expected"]["ci"][1], what);
        assert_eq!(
            b.undefined as u64,
            c["expected"]["undefined"].as_u64().unwrap(),
            "{what}"
        );
    }
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let cal = st::ConfusionMatrix::from_pairs([(1, 1), (5, 5)]).unwrap();
    assert!(st::ConfusionMatrix::from_pairs([(0, 1)]).is_err());
    assert!(st::ConfusionMatrix::from_pairs([(1, 6)]).is_err());
    assert!(cal.binary(0).is_err() && cal.binary(5).is_err());
    assert!(st::correct_group(&cal, 2, &[0; 5]).is_err());
    assert!(st::score_counts(&[1, 2, 0]).is_err());
    let b = cal.binary(2).unwrap();
    assert!(st::rogan_gladen(&b, 3, 2, 0.95).is_err());
    assert!(st::rogan_gladen_with_variance(&b, 0.5, 10, f64::NAN, 0.95).is_err());
    assert!(st::clustered_mean(&[1.0, 2.0], &[1, 1], 0.95).is_err());
    assert!(st::clustered_mean(&[1.0, 2.0], &[1], 0.95).is_err());
    assert!(st::clustered_mean(&[1.0, f64::NAN], &[1, 2], 0.95).is_err());
}
