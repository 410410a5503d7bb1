//! Report numbers checked against assurai-stats directly, plus dedupe,
//! overlap, torn lines, examples and renderers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::Path;

use assurai_eval::{
    EvalError, Manifest, RESULTS_FILE, Record, RecordVerdict, Report, ReportOptions, ResultStore,
    StoreOptions,
};
use assurai_taxonomy::{Modality, PromptType, RiskFactor};

use crate::support::q_only_text;

const EPS: f64 = 1e-12;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= EPS * (1.0 + b.abs())
}

/// Deterministic scores for instance `i` of model `m` (0 = blocked,
/// 6 = unscored, 7 = error).
fn outcome(m: usize, i: usize) -> u8 {
    let x = (i * 7 + m * 13 + (i * i) % 11) % 23;
    match x {
        0 | 1 => 0,
        2 => 6,
        3 if m == 1 => 7,
        _ => (1 + (x + m) % 5) as u8,
    }
}

/// The second judge of the ensemble: agrees on 1, 2 and 5, shifts the rest.
fn second_judge(s: f64) -> f64 {
    if s == 3.0 || s == 4.0 { s + 1.0 } else { s }
}

fn factor(i: usize) -> RiskFactor {
    RiskFactor::ALL[i % 5]
}

fn prompt_type(i: usize) -> PromptType {
    PromptType::ALL[i % 3]
}

fn write_run(dir: &Path, model: &str, m: usize, n: usize) {
    let manifest = Manifest::new(serde_json::json!({"target": model}));
    let (store, _) = ResultStore::open(dir, &manifest, StoreOptions::default()).unwrap();
    for i in 0..n {
        let mut r = Record::new(
            format!("i{i:03}"),
            model,
            1,
            factor(i),
            prompt_type(i),
            if i % 4 == 0 {
                Modality::Image
            } else {
                Modality::Text
            },
        );
        match outcome(m, i) {
            0 => r.set_blocked(),
            6 => r.set_unscored("no verdict"),
            7 => r.set_error("timeout", "slow"),
            s => {
                r.set_scored(s);
                r.verdicts.push(RecordVerdict {
                    judge: "refusal".into(),
                    score: Some(s),
                    rationale: Some(format!("because {s}")),
                    ..RecordVerdict::default()
                });
                if i % 3 == 0 {
                    r.human_scores = vec![s, 5];
                }
                if i % 2 == 0 {
                    r.verdicts.push(RecordVerdict {
                        judge: "second".into(),
                        score: Some(second_judge(f64::from(s)) as u8),
                        ..RecordVerdict::default()
                    });
                }
            }
        }
        r.output.text = Some(format!("output {i}"));
        store.append(&r).unwrap();
    }
}

fn scores(m: usize, n: usize, keep: impl Fn(usize) -> bool) -> Vec<f64> {
    (0..n)
        .filter(|&i| keep(i))
        .map(|i| outcome(m, i))
        .filter(|s| (1..=5).contains(s))
        .map(f64::from)
        .collect()
}

#[test]
fn numbers_match_assurai_stats() {
    let root = tempfile::tempdir().unwrap();
    let n = 120;
    let names = ["alpha", "beta", "gamma"];
    let dirs: Vec<_> = names.iter().map(|m| root.path().join(m)).collect();
    for (m, (name, dir)) in names.iter().zip(&dirs).enumerate() {
        write_run(dir, name, m, n);
    }
    let dir_refs: Vec<&Path> = dirs.iter().map(|d| d.as_path()).collect();
    let report = Report::from_runs(&dir_refs, &ReportOptions::default()).unwrap();
    assert_eq!(report.models.len(), 3);
    let mut samples = Vec::new();
    for (m, row) in report.models.iter().enumerate() {
        assert_eq!(row.model, names[m]);
        let xs = scores(m, n, |_| true);
        let s = assurai_stats::describe(&xs, 0.95).unwrap();
        assert_eq!(row.n_scored as usize, xs.len());
        assert!(close(row.mean.unwrap(), s.mean));
        assert!(close(row.sd.unwrap(), s.sd));
        assert!(close(row.cv_percent.unwrap(), s.cv_percent.unwrap()));
        assert!(close(row.ci95.unwrap()[0], s.ci.lower));
        assert!(close(row.ci95.unwrap()[1], s.ci.upper));
        let blocked = (0..n).filter(|&i| outcome(m, i) == 0).count() as u64;
        assert_eq!(row.n_blocked, blocked);
        let w = assurai_stats::wilson_interval(blocked, blocked + xs.len() as u64, 0.95).unwrap();
        assert!(close(row.blocked_ci95.unwrap()[0], w.lower));
        assert!(close(row.blocked_ci95.unwrap()[1], w.upper));
        assert!(close(
            row.blocked_ratio.unwrap(),
            blocked as f64 / (blocked as f64 + xs.len() as f64)
        ));
        let unscored = (0..n).filter(|&i| outcome(m, i) == 6).count() as u64;
        assert_eq!(row.n_unscored, unscored);
        assert_eq!(
            row.unscored_reasons.get("no verdict").copied().unwrap_or(0),
            unscored
        );
        let errors = (0..n).filter(|&i| outcome(m, i) == 7).count() as u64;
        assert_eq!(row.n_error, errors);
        assert_eq!(row.n_total, n as u64);
        for k in 1..=5u8 {
            let c = xs.iter().filter(|&&x| x == f64::from(k)).count() as u64;
            assert_eq!(row.distribution[usize::from(k - 1)], c);
        }
        samples.push(xs);
    }
    // Per prompt type and per risk factor rows.
    for row in &report.by_prompt_type {
        let m = names.iter().position(|x| *x == row.model).unwrap();
        let p = PromptType::ALL
            .iter()
            .position(|p| p.id() == row.id)
            .unwrap();
        let xs = scores(m, n, |i| i % 3 == p);
        let s = assurai_stats::describe(&xs, 0.95).unwrap();
        assert_eq!(row.n as usize, xs.len());
        assert!(close(row.mean.unwrap(), s.mean));
        assert!(close(row.ci95.unwrap()[1], s.ci.upper));
    }
    assert_eq!(report.by_prompt_type.len(), 9);
    assert_eq!(report.by_risk_factor.len(), 15);
    assert_eq!(report.by_modality.len(), 6);
    for row in &report.by_modality {
        let m = names.iter().position(|x| *x == row.model).unwrap();
        let image = row.id == "image";
        let xs = scores(m, n, |i| (i % 4 == 0) == image);
        let s = assurai_stats::describe(&xs, 0.95).unwrap();
        assert!(close(row.sd.unwrap(), s.sd));
    }
    // Between-model comparison: the same object as `assurai stats --json`.
    let c = report
        .comparison
        .as_ref()
        .expect("comparison with 3 models");
    // The report folds scores into histograms, so its samples are in score
    // order; sorted input gives bit-identical sums.
    let named: Vec<(&str, Vec<f64>)> = names
        .iter()
        .copied()
        .zip(samples.iter().cloned())
        .map(|(n, mut xs)| {
            xs.sort_by(f64::total_cmp);
            (n, xs)
        })
        .collect();
    let direct = assurai_stats::compare_groups(&named).unwrap();
    assert_eq!(
        serde_json::to_value(c).unwrap(),
        serde_json::to_value(&direct).unwrap()
    );
    assert_eq!(c.tukey_hsd.len(), 3);
    let a = assurai_stats::one_way_anova(&samples).unwrap();
    assert!(close(c.anova.f, a.f) && close(c.anova.p, a.p));
    // Paired comparisons on instances both models scored.
    assert_eq!(report.paired.len(), 3);
    let p = &report.paired[0];
    let (xs, ys): (Vec<f64>, Vec<f64>) = (0..n)
        .filter_map(|i| {
            let (x, y) = (outcome(0, i), outcome(1, i));
            ((1..=5).contains(&x) && (1..=5).contains(&y)).then(|| (f64::from(x), f64::from(y)))
        })
        .unzip();
    assert_eq!(p.n_shared as usize, xs.len());
    let t = assurai_stats::paired_t_test(&xs, &ys).unwrap();
    assert_eq!(p.paired_t, Some(t));
    let w = assurai_stats::wilcoxon_signed_rank(&xs, &ys).unwrap();
    assert_eq!(p.wilcoxon, Some(w));
    assert!(close(p.mean_diff.unwrap(), t.mean_diff));
    assert_eq!(p.a_higher + p.b_higher + p.ties, p.n_shared);
    // Judge vs human.
    assert_eq!(report.agreement.len(), 3);
    let judge: Vec<f64> = (0..n)
        .filter(|i| i % 3 == 0 && (1..=5).contains(&outcome(0, *i)))
        .map(|i| f64::from(outcome(0, i)))
        .collect();
    let human: Vec<f64> = judge.iter().map(|s| (s + 5.0) / 2.0).collect();
    let mae = assurai_stats::mean_absolute_error(&judge, &human).unwrap();
    let ag = &report.agreement[0];
    assert_eq!(ag.n as usize, judge.len());
    assert!(close(ag.mean_absolute_error.unwrap(), mae));
    let qwk = assurai_stats::quadratic_weighted_kappa(&judge, &human).unwrap();
    assert!(close(ag.quadratic_weighted_kappa.unwrap(), qwk));
    let rho = assurai_stats::spearman(&judge, &human).unwrap();
    assert!(close(ag.spearman_rho.unwrap(), rho.rho));
    // Ensemble agreement: records i % 2 == 0 carry a second judge.
    let ja = &report.judge_agreement[0];
    assert_eq!(ja.judges, vec!["refusal".to_owned(), "second".to_owned()]);
    let rows: Vec<Vec<Option<f64>>> = (0..n)
        .filter(|i| i % 2 == 0 && (1..=5).contains(&outcome(0, *i)))
        .map(|i| {
            let s = f64::from(outcome(0, i));
            vec![Some(s), Some(second_judge(s))]
        })
        .collect();
    assert_eq!(ja.n_items as usize, rows.len());
    let direct =
        assurai_stats::agreement_summary(&assurai_stats::Ratings::from_rows(rows).unwrap(), true)
            .unwrap();
    assert_eq!(ja.summary.as_ref(), Some(&direct));

    // The JSON contract keys.
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    for key in [
        "model",
        "n_scored",
        "mean",
        "sd",
        "cv_percent",
        "ci95",
        "n_blocked",
        "blocked_ratio",
        "n_unscored",
        "n_error",
    ] {
        assert!(json["models"][0].get(key).is_some(), "models[].{key}");
    }
    for (table, key) in [
        ("by_prompt_type", "prompt_type"),
        ("by_risk_factor", "risk_factor"),
        ("by_modality", "modality"),
        ("by_category", "category"),
    ] {
        for k in ["model", key, "n", "mean", "sd", "ci95"] {
            assert!(json[table][0].get(k).is_some(), "{table}[].{k}");
        }
    }
    for k in [
        "groups",
        "anova",
        "welch_anova",
        "levene",
        "brown_forsythe",
        "kruskal_wallis",
        "tukey_hsd",
    ] {
        assert!(json["comparison"].get(k).is_some(), "comparison.{k}");
    }
    assert_eq!(json["comparison"]["anova"]["df_between"], 2.0);
}

#[test]
fn one_model_has_no_comparison_and_blocked_is_excluded_from_the_mean() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = Manifest::new(serde_json::json!({}));
    let (store, _) = ResultStore::open(dir.path(), &manifest, StoreOptions::default()).unwrap();
    for (i, s) in [Some(5u8), Some(3), None, Some(4)].into_iter().enumerate() {
        let mut r = q_only_text(format!("i{i}"), "solo", 1, RiskFactor::Harassment);
        match s {
            Some(s) => r.set_scored(s),
            None => r.set_blocked(),
        }
        store.append(&r).unwrap();
    }
    drop(store);
    let report = Report::from_runs(&[dir.path()], &ReportOptions::default()).unwrap();
    assert!(report.comparison.is_none());
    assert!(report.paired.is_empty());
    let m = &report.models[0];
    assert_eq!(m.mean, Some(4.0));
    assert_eq!(m.n_blocked, 1);
    assert_eq!(m.blocked_ratio, Some(0.25));
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert!(json["comparison"].is_null());
}

fn raw_line(id: &str, model: &str, score: u8) -> String {
    let mut r = q_only_text(id, model, 1, RiskFactor::Harassment);
    r.set_scored(score);
    serde_json::to_string(&r).unwrap()
}

#[test]
fn duplicates_last_wins_and_torn_tail_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    Manifest::new(serde_json::json!({}))
        .write_atomic(dir.path())
        .unwrap();
    let body = format!(
        "{}\n{}\n{}\n{{\"instance_id\":\"c\",\"mo",
        raw_line("a", "m", 1),
        raw_line("b", "m", 2),
        raw_line("a", "m", 5),
    );
    fs::write(dir.path().join(RESULTS_FILE), body).unwrap();
    let report = Report::from_runs(&[dir.path()], &ReportOptions::default()).unwrap();
    assert_eq!(report.models[0].n_scored, 2);
    assert_eq!(report.models[0].mean, Some(3.5));
    assert_eq!(report.runs[0].superseded, 1);
    assert_eq!(report.runs[0].torn_lines, 1);
    assert_eq!(report.runs[0].lines, 3);
}

#[test]
fn overlapping_runs_are_refused_and_bad_lines_named() {
    let root = tempfile::tempdir().unwrap();
    let (a, b) = (root.path().join("a"), root.path().join("b"));
    for d in [&a, &b] {
        fs::create_dir_all(d).unwrap();
        fs::write(d.join(RESULTS_FILE), format!("{}\n", raw_line("x", "m", 3))).unwrap();
    }
    let err =
        Report::from_runs(&[a.as_path(), b.as_path()], &ReportOptions::default()).unwrap_err();
    assert!(matches!(err, EvalError::Overlap { .. }), "{err}");
    assert!(err.to_string().contains("appears in both"));

    fs::write(
        b.join(RESULTS_FILE),
        format!("{}\n{{\"instance_id\": 5}}\n", raw_line("y", "m", 3)),
    )
    .unwrap();
    let err = Report::from_runs(&[b.as_path()], &ReportOptions::default()).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains(":2:"), "{msg}");
    let bad_score = raw_line("z", "m", 3).replace("\"score\":3", "\"score\":9");
    fs::write(b.join(RESULTS_FILE), format!("{bad_score}\n")).unwrap();
    let err = Report::from_runs(&[b.as_path()], &ReportOptions::default()).unwrap_err();
    assert!(
        matches!(&err, EvalError::InvalidRecord { field, line: 1, .. } if field == "score"),
        "{err}"
    );
    let missing = root.path().join("missing");
    assert!(Report::from_runs(&[missing.as_path()], &ReportOptions::default()).is_err());
}

#[test]
fn worst_examples_are_the_lowest_scores_in_a_stable_order() {
    let dir = tempfile::tempdir().unwrap();
    write_run(dir.path(), "m", 0, 60);
    let report =
        Report::from_runs(&[dir.path()], &ReportOptions::default().worst_examples(4)).unwrap();
    let ex = &report.worst_examples;
    assert_eq!(ex.len(), 4);
    let mut expected: Vec<(u8, String)> = (0..60)
        .filter(|&i| (1..=5).contains(&outcome(0, i)))
        .map(|i| (outcome(0, i), format!("i{i:03}")))
        .collect();
    expected.sort();
    let got: Vec<(u8, String)> = ex
        .iter()
        .map(|e| (e.score, e.instance_id.clone()))
        .collect();
    assert_eq!(got, expected[..4].to_vec());
    assert!(ex[0].rationale.as_deref().unwrap().starts_with("because"));
}

#[test]
fn markdown_and_csv_escape_and_cover_every_table() {
    let root = tempfile::tempdir().unwrap();
    let (a, b) = (root.path().join("a"), root.path().join("b"));
    write_run(&a, "m|<a>", 0, 50);
    write_run(&b, "other", 1, 50);
    let report = Report::from_runs(&[a.as_path(), b.as_path()], &ReportOptions::default()).unwrap();
    let md = report.to_markdown();
    assert!(
        md.contains("m\\|&lt;a&gt;"),
        "model name escaped in Markdown"
    );
    for heading in [
        "## Models",
        "## Between-model comparison",
        "## By prompt type",
        "## By risk factor",
        "## By modality",
        "## Judge versus human scores",
    ] {
        assert!(md.contains(heading), "{heading}");
    }
    let files = report.write_csv(&root.path().join("csv")).unwrap();
    let names: Vec<String> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for n in [
        "models.csv",
        "by_prompt_type.csv",
        "by_risk_factor.csv",
        "by_category.csv",
        "by_modality.csv",
        "paired.csv",
    ] {
        assert!(names.contains(&n.to_owned()), "{n}");
    }
    let models = fs::read_to_string(root.path().join("csv/models.csv")).unwrap();
    assert!(models.starts_with("model,n_scored,mean"));
    assert_eq!(models.lines().count(), 3);
    let by_pt = fs::read_to_string(root.path().join("csv/by_prompt_type.csv")).unwrap();
    assert!(by_pt.starts_with("model,prompt_type,name,n"));
}

#[test]
fn merged_runs_of_different_datasets_are_noted() {
    let root = tempfile::tempdir().unwrap();
    let mut dirs = Vec::new();
    for (model, sha) in [("a", "1111aaaa2222bbbb"), ("b", "3333cccc4444dddd")] {
        let dir = root.path().join(model);
        let manifest = Manifest::new(serde_json::json!({"m": model})).with_dataset("d.jsonl", sha);
        let (store, _) = ResultStore::open(&dir, &manifest, StoreOptions::default()).unwrap();
        for i in 0..3u8 {
            let mut r = q_only_text(format!("i{i}"), model, 1, RiskFactor::Harassment);
            r.set_scored(i + 2);
            store.append(&r).unwrap();
        }
        dirs.push(dir);
    }
    let refs: Vec<&Path> = dirs.iter().map(|d| d.as_path()).collect();
    let report = Report::from_runs(&refs, &ReportOptions::default()).unwrap();
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("2 different datasets")),
        "{:?}",
        report.notes
    );
    assert_eq!(
        report.runs[1].dataset_sha256.as_deref(),
        Some("3333cccc4444dddd")
    );
    // One verdict per record: no judge-ensemble agreement.
    assert!(report.judge_agreement.is_empty());
}

#[test]
fn guard_judges_unsafe_rate_own_factor_and_agreement_with_an_llm_judge() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("run");
    let manifest = Manifest::new(serde_json::json!({"target": "m"}));
    let (store, _) = ResultStore::open(&dir, &manifest, StoreOptions::default()).unwrap();
    let guard = "guard:llama-guard:meta-llama/Llama-Guard-3-8B@http://127.0.0.1:8000/v1";
    let n = 40;
    let (mut unsafe_n, mut read, mut categorized, mut own) = (0u64, 0u64, 0u64, 0u64);
    for i in 0..n {
        let f = if i % 2 == 0 {
            RiskFactor::WeaponUsageAndDevelopment
        } else {
            RiskFactor::HateSpeech
        };
        let mut r = Record::new(
            format!("g{i:03}"),
            "m",
            1,
            f,
            PromptType::QOnly,
            Modality::Text,
        );
        let llm = if i % 5 == 0 { 1 } else { 4 };
        r.set_scored(llm);
        r.verdicts.push(RecordVerdict {
            judge: "llm:judge".into(),
            score: Some(llm),
            ..RecordVerdict::default()
        });
        let mut v = RecordVerdict {
            judge: guard.into(),
            ..RecordVerdict::default()
        };
        if i % 9 == 8 {
            v.unscored_reason = Some("parse_failure: unparseable_guard_reply: got \"Safe\"".into());
        } else {
            read += 1;
            // Every 5th output is unsafe, S9 (weapons): the own factor for even i only.
            let g = if i % 5 == 0 {
                unsafe_n += 1;
                categorized += 1;
                if i % 2 == 0 {
                    own += 1;
                }
                serde_json::json!({"family": "llama-guard", "label": "unsafe", "categories": ["S9"],
                    "risk_factors": ["weapon_usage_and_development", "military_and_warfare"],
                    "refusal": null, "p_unsafe": null})
            } else {
                serde_json::json!({"family": "llama-guard", "label": "safe", "categories": [],
                    "risk_factors": [], "refusal": null, "p_unsafe": null})
            };
            v.score = Some(if i % 5 == 0 { 1 } else { 4 });
            v.extra.insert("guard".into(), g);
        }
        r.verdicts.push(v);
        store.append(&r).unwrap();
    }
    drop(store);
    let report = Report::from_runs(&[dir.as_path()], &ReportOptions::default()).unwrap();
    assert_eq!(report.guards.len(), 1);
    let g = &report.guards[0];
    assert_eq!((g.model.as_str(), g.judge.as_str()), ("m", guard));
    assert_eq!((g.n, g.unsafe_count, g.unparseable), (read, unsafe_n, 4));
    assert!(close(g.unsafe_rate.unwrap(), unsafe_n as f64 / read as f64));
    let w = assurai_stats::wilson_interval(unsafe_n, read, 0.95).unwrap();
    assert_eq!(g.unsafe_ci95, Some([w.lower, w.upper]));
    assert_eq!((g.categorized, g.own_factor), (categorized, own));
    assert!(close(
        g.own_factor_rate.unwrap(),
        own as f64 / categorized as f64
    ));
    // The guard and the LLM judge agree wherever both scored: the ensemble agreement covers them.
    let ja = &report.judge_agreement[0];
    assert_eq!(ja.judges, vec!["llm:judge".to_owned(), guard.to_owned()]);
    assert_eq!(ja.n_items, read);
    let s = ja.summary.as_ref().unwrap();
    assert!(close(s.percent_agreement, 1.0), "{s:?}");
    let md = report.to_markdown();
    assert!(md.contains("## Guard judges"), "{md}");
    assert!(
        md.contains(&format!("| m | {guard} | {read} | {unsafe_n} |")),
        "{md}"
    );
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(json["guards"][0]["own_factor"], own);
}
