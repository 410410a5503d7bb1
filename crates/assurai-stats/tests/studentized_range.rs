//! The studentized range distribution against SciPy reference values
//! (`tests/data/studentized_range.json`, made by
//! `tests/data/make_studentized_range.py`).
#![allow(clippy::unwrap_used, clippy::print_stderr, missing_docs)]

use assurai_stats::StudentizedRange;
use serde_json::Value;

fn data() -> Value {
    serde_json::from_str(include_str!("data/studentized_range.json")).unwrap()
}

fn df_of(v: &Value) -> f64 {
    v["df"].as_f64().unwrap_or(f64::INFINITY)
}

#[test]
fn cdf_matches_scipy_to_1e9_absolute() {
    let d = data();
    let cases = d["cdf"].as_array().unwrap();
    assert!(cases.len() > 400);
    let mut worst = (0.0_f64, String::new());
    let mut dist: Option<StudentizedRange> = None;
    for c in cases {
        let (k, df, q) = (
            c["k"].as_u64().unwrap() as usize,
            df_of(c),
            c["q"].as_f64().unwrap(),
        );
        let want = c["cdf"].as_f64().unwrap();
        let dd = match &dist {
            Some(x) if x.k() == k => x.with_df(df).unwrap(),
            _ => StudentizedRange::new(k, df).unwrap(),
        };
        let got = dd.cdf(q);
        let err = (got - want).abs();
        if err > worst.0 {
            worst = (err, format!("k={k} df={df} q={q}: got {got}, want {want}"));
        }
        assert!(
            err < 1e-9,
            "k={k} df={df} q={q}: got {got}, want {want}, err {err:e}"
        );
        assert!((dd.sf(q) - (1.0 - want)).abs() < 1e-9);
        dist = Some(dd);
    }
    eprintln!("worst cdf error {:e} at {}", worst.0, worst.1);
}

#[test]
fn quantile_matches_scipy() {
    let d = data();
    for c in d["quantile"].as_array().unwrap() {
        let (k, df, p) = (
            c["k"].as_u64().unwrap() as usize,
            df_of(c),
            c["p"].as_f64().unwrap(),
        );
        let want = c["q"].as_f64().unwrap();
        let got = StudentizedRange::new(k, df).unwrap().quantile(p).unwrap();
        assert!(
            (got - want).abs() < 1e-8 * want,
            "k={k} df={df} p={p}: {got} vs {want}"
        );
    }
}

#[test]
fn r_known_values() {
    // R's ptukey/qtukey values quoted to 7 digits (R itself is accurate to ~1e-6 here).
    let cases = [(4.0, 6, 5.0, 0.8017144), (4.0, 2, 4.0, 0.9525787)];
    for (q, k, df, p) in cases {
        let got = StudentizedRange::new(k, df).unwrap().cdf(q);
        assert!((got - p).abs() < 1e-6, "ptukey({q},{k},{df}) = {got}");
    }
    let cases = [(0.7, 6, 5.0, 3.414964), (0.7, 2, 4.0, 1.682303)];
    for (p, k, df, q) in cases {
        let got = StudentizedRange::new(k, df).unwrap().quantile(p).unwrap();
        assert!((got - q).abs() < 2e-6, "qtukey({p},{k},{df}) = {got}");
    }
}

#[test]
fn two_means_reduce_to_student_t() {
    // Q(k = 2) = √2 |T_df|: P(Q <= q) = 1 − 2 P(T > q/√2). Values of
    // 2·t.sf(q/√2, df) from scipy.stats.t (see make_reference.py).
    let d = data();
    for c in d["cdf"].as_array().unwrap().iter().filter(|c| c["k"] == 2) {
        let (df, q) = (df_of(c), c["q"].as_f64().unwrap());
        let got = StudentizedRange::new(2, df).unwrap().cdf(q);
        assert!((got - c["cdf"].as_f64().unwrap()).abs() < 1e-10);
    }
}

#[test]
fn cdf_is_monotone_and_bounded() {
    for &(k, df) in &[(2, 2.0), (10, 3.0), (35, 11445.0), (100, f64::INFINITY)] {
        let d = StudentizedRange::new(k, df).unwrap();
        let mut prev = 0.0;
        for i in 0..400 {
            let p = d.cdf(i as f64 * 0.05);
            assert!((0.0..=1.0).contains(&p));
            assert!(p >= prev - 1e-13, "k={k} df={df} q={}", i as f64 * 0.05);
            prev = p;
        }
    }
}

#[test]
fn invalid_parameters_are_errors() {
    assert!(StudentizedRange::new(1, 10.0).is_err());
    assert!(StudentizedRange::new(3, 0.5).is_err());
    assert!(StudentizedRange::new(3, f64::NAN).is_err());
    let d = StudentizedRange::new(3, 10.0).unwrap();
    assert!(d.quantile(0.0).is_err());
    assert!(d.quantile(1.0).is_err());
    assert!(d.quantile(f64::NAN).is_err());
    assert!(d.cdf(f64::NAN).is_nan());
    assert_eq!(d.cdf(-1.0), 0.0);
}
