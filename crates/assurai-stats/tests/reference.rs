//! Every statistic against reference values from SciPy, statsmodels and the
//! `krippendorff` package (`tests/data/reference.json`, made by
//! `tests/data/make_reference.py`). Tolerance: 1e-9 relative (absolute for
//! values near zero).
#![allow(clippy::unwrap_used, missing_docs)]

use assurai_stats as st;
use serde_json::Value;

fn data() -> Value {
    serde_json::from_str(include_str!("data/reference.json")).unwrap()
}

#[track_caller]
fn close(got: f64, want: &Value, what: &str) {
    close_tol(got, want, 1e-9, what);
}

#[track_caller]
fn close_tol(got: f64, want: &Value, tol: f64, what: &str) {
    let want = want
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: reference {want} is not a number"));
    let err = (got - want).abs();
    assert!(
        err <= tol * want.abs().max(1.0) || err <= tol * want.abs(),
        "{what}: got {got:e}, want {want:e}, error {err:e}"
    );
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn groups(v: &Value) -> Vec<Vec<f64>> {
    v.as_array().unwrap().iter().map(floats).collect()
}

#[test]
fn descriptive_matches_numpy_and_scipy() {
    for (name, case) in data()["groups"].as_object().unwrap() {
        for (g, e) in groups(&case["data"])
            .iter()
            .zip(case["expected"]["descriptive"].as_array().unwrap())
        {
            let s = st::describe(g, 0.95).unwrap();
            close(s.mean, &e["mean"], name);
            close(s.sd, &e["sd"], name);
            close(s.cv_percent.unwrap(), &e["cv_percent"], name);
            close(s.median, &e["median"], name);
            close(s.q1, &e["q1"], name);
            close(s.q3, &e["q3"], name);
            close(s.ci.lower, &e["ci95"][0], name);
            close(s.ci.upper, &e["ci95"][1], name);
        }
    }
}

#[test]
fn group_tests_match_scipy() {
    for (name, case) in data()["groups"].as_object().unwrap() {
        let g = groups(&case["data"]);
        let e = &case["expected"];
        let a = st::one_way_anova(&g).unwrap();
        close(a.f, &e["anova"]["f"], name);
        close(a.p, &e["anova"]["p"], name);
        close(a.df_between, &e["anova"]["df_between"], name);
        close(a.df_within, &e["anova"]["df_within"], name);
        close(a.eta_squared, &e["anova"]["eta_squared_formula"], name);
        let w = st::welch_anova(&g).unwrap();
        close(w.f, &e["welch_anova"]["f"], name);
        close(w.p, &e["welch_anova"]["p"], name);
        let l = st::levene(&g).unwrap();
        close(l.w, &e["levene"]["w"], name);
        close(l.p, &e["levene"]["p"], name);
        let bf = st::brown_forsythe(&g).unwrap();
        close(bf.w, &e["brown_forsythe"]["w"], name);
        close(bf.p, &e["brown_forsythe"]["p"], name);
        let kw = st::kruskal_wallis(&g).unwrap();
        close(kw.h, &e["kruskal_wallis"]["h"], name);
        close(kw.p, &e["kruskal_wallis"]["p"], name);
    }
}

#[test]
fn tukey_hsd_matches_scipy() {
    for (name, case) in data()["groups"].as_object().unwrap() {
        let g = groups(&case["data"]);
        let got = st::tukey_hsd(&g, 0.95).unwrap();
        let want = case["expected"]["tukey_hsd"].as_array().unwrap();
        assert_eq!(got.len(), want.len());
        for (p, e) in got.iter().zip(want) {
            let what = format!("{name} {}-{}", p.a, p.b);
            assert_eq!(
                (p.a as u64, p.b as u64),
                (e["a"].as_u64().unwrap(), e["b"].as_u64().unwrap())
            );
            close(p.diff, &e["diff"], &what);
            // p-values: the studentized range cdf is accurate to 1e-9 absolute.
            close_tol(p.p_adj, &e["p_adj"], 2e-9, &what);
            close(p.ci.lower, &e["ci95"][0], &what);
            close(p.ci.upper, &e["ci95"][1], &what);
        }
    }
}

#[test]
fn games_howell_matches_formula_on_scipy() {
    for (name, case) in data()["groups"].as_object().unwrap() {
        let g = groups(&case["data"]);
        let got = st::games_howell(&g, 0.95).unwrap();
        for (p, e) in got
            .iter()
            .zip(case["expected"]["games_howell_formula"].as_array().unwrap())
        {
            let what = format!("{name} {}-{}", p.a, p.b);
            close(p.df, &e["df"], &what);
            close_tol(p.p_adj, &e["p_adj"], 2e-9, &what);
            close(p.ci.lower, &e["ci95"][0], &what);
            close(p.ci.upper, &e["ci95"][1], &what);
        }
    }
}

#[test]
fn dunn_holm_matches_formula_and_statsmodels() {
    for (name, case) in data()["groups"].as_object().unwrap() {
        let g = groups(&case["data"]);
        let got = st::dunn_holm(&g, 0.05).unwrap();
        for (p, e) in got.iter().zip(
            case["expected"]["dunn_formula_holm_statsmodels"]
                .as_array()
                .unwrap(),
        ) {
            let what = format!("{name} {}-{}", p.a, p.b);
            close(p.z, &e["z"], &what);
            close(p.p, &e["p"], &what);
            close(p.p_adj, &e["p_adj"], &what);
        }
    }
}

#[test]
fn paired_tests_match_scipy() {
    for (i, c) in data()["paired"].as_array().unwrap().iter().enumerate() {
        let (a, b) = (floats(&c["a"]), floats(&c["b"]));
        let what = format!("paired case {i}");
        let t = st::paired_t_test(&a, &b).unwrap();
        close(t.t, &c["t"], &what);
        close(t.p, &c["t_p"], &what);
        let w = st::wilcoxon_signed_rank(&a, &b).unwrap();
        close(w.statistic, &c["w"], &what);
        close(w.p, &c["w_p"], &what);
        let method = if w.method == st::WilcoxonMethod::Exact {
            "exact"
        } else {
            "normal"
        };
        assert_eq!(method, c["w_method"], "{what}");
        if let Some(z) = w.z {
            // z of the smaller rank sum (<= 0), as SciPy reports it.
            close(z, &c["w_z"], &what);
        }
    }
}

fn ratings(rows: &Value) -> st::Ratings {
    let rows = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_array().unwrap().iter().map(Value::as_f64).collect())
        .collect();
    st::Ratings::from_rows(rows).unwrap()
}

#[test]
fn agreement_matches_krippendorff_and_statsmodels() {
    for (i, c) in data()["agreement"].as_array().unwrap().iter().enumerate() {
        let r = ratings(&c["rows"]);
        let what = format!("agreement case {i}");
        let s = st::agreement_summary(&r, true).unwrap();
        close(s.percent_agreement, &c["percent_agreement_formula"], &what);
        close(s.krippendorff_alpha.nominal, &c["alpha_nominal"], &what);
        close(
            s.krippendorff_alpha.ordinal.unwrap(),
            &c["alpha_ordinal"],
            &what,
        );
        close(
            s.krippendorff_alpha.interval.unwrap(),
            &c["alpha_interval"],
            &what,
        );
        match (s.fleiss_kappa, c["fleiss_kappa"].as_f64()) {
            (Some(got), Some(_)) => close(got, &c["fleiss_kappa"], &what),
            (None, None) => {}
            other => panic!("{what}: fleiss {other:?}"),
        }
    }
}

#[test]
fn judge_agreement_matches_statsmodels_and_scipy() {
    let j = &data()["judge"];
    let (judge, mean, rounded) = (
        floats(&j["judge"]),
        floats(&j["human_mean"]),
        floats(&j["human_rounded"]),
    );
    close(
        st::quadratic_weighted_kappa(&judge, &rounded).unwrap(),
        &j["qwk_rounded"],
        "qwk",
    );
    let s = st::spearman(&judge, &mean).unwrap();
    close(s.rho, &j["spearman_rho"], "rho");
    close(s.p, &j["spearman_p"], "spearman p");
    close(
        st::mean_absolute_error(&judge, &mean).unwrap(),
        &j["mae"],
        "mae",
    );
}

#[test]
fn wilson_matches_statsmodels() {
    for c in data()["wilson"].as_array().unwrap() {
        let ci = st::wilson_interval(
            c["successes"].as_u64().unwrap(),
            c["n"].as_u64().unwrap(),
            c["level"].as_f64().unwrap(),
        )
        .unwrap();
        close(ci.lower, &c["ci"][0], "wilson lower");
        close(ci.upper, &c["ci"][1], "wilson upper");
    }
}

#[test]
fn t_interval_uses_exact_quantiles() {
    // t.ppf via the t-interval of a sample with mean 0 and se 1.
    for c in data()["t_quantiles"].as_array().unwrap() {
        let (p, df) = (c["p"].as_f64().unwrap(), c["df"].as_f64().unwrap());
        let level = 2.0 * p - 1.0;
        if level <= 0.0 {
            continue;
        }
        // A sample of n = df + 1 points with mean 0 and sd = sqrt(n): se = 1.
        let n = df as usize + 1;
        let half = (n as f64).sqrt() * ((n - 1) as f64 / n as f64).sqrt();
        let mut xs = vec![0.0; n];
        // Two-point spread: values ±c with the sign alternating (odd n gets a 0).
        let m = n / 2 * 2;
        let c_ = half * (n as f64).sqrt() / (m as f64).sqrt();
        for (i, x) in xs.iter_mut().take(m).enumerate() {
            *x = if i % 2 == 0 { c_ } else { -c_ };
        }
        let s = st::describe(&xs, level).unwrap();
        close_tol(
            s.ci.upper / s.se,
            &c["t_ppf"],
            1e-9,
            &format!("t.ppf({p}, {df})"),
        );
    }
}

#[test]
fn bootstrap_matches_scipy_on_identical_resamples() {
    let d: Value = serde_json::from_str(include_str!("data/bootstrap.json")).unwrap();
    for c in d["cases"].as_array().unwrap() {
        let data = floats(&c["data"]);
        let stat: fn(&[f64]) -> f64 = match c["statistic"].as_str().unwrap() {
            "mean" => |x| x.iter().sum::<f64>() / x.len() as f64,
            _ => |x| {
                let m = x.iter().sum::<f64>() / x.len() as f64;
                (x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (x.len() - 1) as f64).sqrt()
            },
        };
        let seed = c["seed"].as_u64().unwrap();
        let b = c["resamples"].as_u64().unwrap() as usize;
        let level = c["level"].as_f64().unwrap();
        let what = format!("{} seed {seed}", c["name"]);
        for (method, key) in [
            (st::BootstrapMethod::Percentile, "percentile"),
            (st::BootstrapMethod::Bca, "bca"),
        ] {
            let ci = st::bootstrap_ci(
                &data,
                stat,
                b,
                level,
                method,
                &mut st::SplitMix64::new(seed),
            )
            .unwrap();
            close(ci.lower, &c[key][0], &what);
            close(ci.upper, &c[key][1], &what);
        }
    }
}
