"""Reference for the assurai-eval report benchmark: the same core numbers
computed the way a Python user would (pandas + scipy) from results.jsonl.

Per model: n, mean, SD, CV, 95% t-CI of scored records, blocked ratio with
Wilson CI, unscored and error counts; the same per prompt type, risk factor,
category and modality; between models: one-way ANOVA, Welch is not in scipy
(skipped), Levene, Brown-Forsythe, Kruskal-Wallis, Tukey HSD; paired t and
Wilcoxon on shared instances. Writes report.json-like output to stdout.

    python pandas_report.py RUN_DIR/results.jsonl
"""
import json
import sys

import numpy as np
import pandas as pd
from scipy import stats

COLS = ["instance_id", "model", "epoch", "status", "score", "risk_factor",
        "category", "prompt_type", "modality"]


def load(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                rows.append([r.get(c) for c in COLS])
    df = pd.DataFrame(rows, columns=COLS)
    # last wins, like the report
    return df.drop_duplicates(["instance_id", "model", "epoch"], keep="last")


def describe(x):
    n = len(x)
    if n < 2:
        return {"n": n}
    m, sd = x.mean(), x.std(ddof=1)
    h = stats.t.ppf(0.975, n - 1) * sd / np.sqrt(n)
    return {"n": n, "mean": m, "sd": sd, "cv_percent": 100 * sd / m, "ci95": [m - h, m + h]}


def wilson(k, n, z=1.959963984540054):
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z / d * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return [max(0.0, c - h), min(1.0, c + h)]


def main(path):
    df = load(path)
    scored = df[df.status == "scored"]
    out = {"models": [], "groups": {}}
    for model, g in df.groupby("model", sort=False):
        s = scored[scored.model == model].score.astype(float)
        b = int((g.status == "blocked").sum())
        row = {"model": model, **describe(s), "n_blocked": b,
               "blocked_ci95": wilson(b, b + len(s)),
               "n_unscored": int((g.status == "unscored").sum()),
               "n_error": int((g.status == "error").sum())}
        out["models"].append(row)
    for key in ["prompt_type", "risk_factor", "category", "modality"]:
        out["groups"][key] = [
            {"model": m, key: k, **describe(g.score.astype(float))}
            for (m, k), g in scored.groupby(["model", key], sort=False)
        ]
    samples = [g.score.astype(float).to_numpy() for _, g in scored.groupby("model", sort=False)]
    if len(samples) >= 2:
        out["anova"] = stats.f_oneway(*samples).pvalue
        out["levene"] = stats.levene(*samples, center="mean").pvalue
        out["brown_forsythe"] = stats.levene(*samples, center="median").pvalue
        out["kruskal"] = stats.kruskal(*samples).pvalue
        out["tukey"] = stats.tukey_hsd(*samples).pvalue.tolist()
        wide = scored.pivot_table(index=["instance_id", "epoch"], columns="model",
                                  values="score", aggfunc="last").dropna()
        a, b = wide.iloc[:, 0].to_numpy(float), wide.iloc[:, 1].to_numpy(float)
        out["paired_t"] = stats.ttest_rel(a, b).pvalue
        out["wilcoxon"] = stats.wilcoxon(a, b).pvalue
    json.dump(out, sys.stdout, default=float)


if __name__ == "__main__":
    main(sys.argv[1])
