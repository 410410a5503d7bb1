"""Reference values for assurai-stats (everything but the studentized range,
see make_studentized_range.py).

    python3 -m venv /tmp/venv
    /tmp/venv/bin/pip install scipy statsmodels krippendorff numpy
    /tmp/venv/bin/python make_reference.py > reference.json

The committed file was made with SciPy 1.17.1, statsmodels 0.15.0,
krippendorff 0.9.0 and NumPy 2.4. Library calls are used wherever a library
has the statistic; where none does, the formula is written out below on top of
SciPy's distributions (eta squared, Games-Howell, Dunn's z, percent agreement)
and named as such in the output.
"""
import json
import sys

import krippendorff
import numpy as np
import scipy
import statsmodels
from scipy import stats
from statsmodels.stats.inter_rater import aggregate_raters, cohens_kappa, fleiss_kappa
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint


def scores(rng, n, probs):
    """n scores 1-5, redrawn until not constant (Welch needs variance > 0)."""
    while True:
        x = (rng.choice(5, size=n, p=probs) + 1).astype(float)
        if x.var() > 0:
            return x


def datasets():
    rng = np.random.default_rng(20250101)
    out = {}
    # Continuous, unequal sizes.
    out["continuous_3"] = [list(rng.normal(10, 2, 12)), list(rng.normal(11, 3, 9)), list(rng.normal(9, 1, 15))]
    # The paper's design: 4 models x 35 prompts, 1-5 scores -> F(3, 136).
    p = [[.05, .05, .1, .3, .5], [.1, .15, .25, .3, .2], [.05, .1, .2, .35, .3], [.2, .2, .2, .2, .2]]
    out["paper_4x35"] = [list(scores(rng, 35, q)) for q in p]
    # Unequal sizes and variances, some tiny groups.
    sizes = [2, 3, 5, 8, 13, 21, 34]
    out["unequal_7"] = [list(scores(rng, n, p[i % 4])) for i, n in enumerate(sizes)]
    # 35 risk factors.
    out["factors_35"] = [list(scores(rng, int(rng.integers(8, 30)), p[i % 4])) for i in range(35)]
    # Large means (1e5): a one-pass sum of squares would lose ~1e-6 here.
    # (At 1e9 the means themselves are only representable to 1.2e-7.)
    out["offset_3"] = [list(1e5 + rng.normal(0, 1, 10)) for _ in range(3)]
    return out


def group_tests(groups):
    g = [np.asarray(x) for x in groups]
    k, n_total = len(g), sum(len(x) for x in g)
    desc = []
    for x in g:
        m, sd = x.mean(), x.std(ddof=1)
        lo, hi = stats.t.interval(0.95, len(x) - 1, loc=m, scale=sd / np.sqrt(len(x)))
        desc.append({"n": len(x), "mean": m, "sd": sd, "cv_percent": 100 * sd / m, "ci95": [lo, hi],
                     "median": np.median(x), "q1": np.percentile(x, 25), "q3": np.percentile(x, 75)})
    a = stats.f_oneway(*g)
    grand = np.concatenate(g).mean()
    ssb = sum(len(x) * (x.mean() - grand) ** 2 for x in g)
    sst = ((np.concatenate(g) - grand) ** 2).sum()
    w = stats.f_oneway(*g, equal_var=False)
    lev = stats.levene(*g, center="mean")
    bf = stats.levene(*g, center="median")
    kw = stats.kruskal(*g)
    res = {
        "descriptive": desc,
        "anova": {"f": a.statistic, "p": a.pvalue, "df_between": k - 1, "df_within": n_total - k,
                  "eta_squared_formula": ssb / sst},
        "welch_anova": {"f": w.statistic, "p": w.pvalue},
        "levene": {"w": lev.statistic, "p": lev.pvalue},
        "brown_forsythe": {"w": bf.statistic, "p": bf.pvalue},
        "kruskal_wallis": {"h": kw.statistic, "p": kw.pvalue},
    }
    th = stats.tukey_hsd(*g)
    ci = th.confidence_interval(0.95)
    res["tukey_hsd"] = [{"a": i, "b": j, "diff": g[i].mean() - g[j].mean(), "p_adj": th.pvalue[i, j],
                         "ci95": [ci.low[i, j], ci.high[i, j]]}
                        for i in range(k) for j in range(i + 1, k)]
    # Games-Howell by formula on scipy.stats.studentized_range.
    gh = []
    for i in range(k):
        for j in range(i + 1, k):
            vi, vj = g[i].var(ddof=1) / len(g[i]), g[j].var(ddof=1) / len(g[j])
            df = (vi + vj) ** 2 / (vi ** 2 / (len(g[i]) - 1) + vj ** 2 / (len(g[j]) - 1))
            se = np.sqrt((vi + vj) / 2)
            d = g[i].mean() - g[j].mean()
            crit = stats.studentized_range.ppf(0.95, k, df)
            gh.append({"a": i, "b": j, "diff": d, "df": df,
                       "p_adj": stats.studentized_range.sf(abs(d) / se, k, df),
                       "ci95": [d - crit * se, d + crit * se]})
    res["games_howell_formula"] = gh
    # Dunn's z (tie-corrected) by formula; Holm from statsmodels.
    allv = np.concatenate(g)
    ranks = stats.rankdata(allv)
    _, t = np.unique(allv, return_counts=True)
    var = n_total * (n_total + 1) / 12 - (t ** 3 - t).sum() / (12 * (n_total - 1))
    idx = np.cumsum([0] + [len(x) for x in g])
    mr = [ranks[idx[i]:idx[i + 1]].mean() for i in range(k)]
    pairs, pv = [], []
    for i in range(k):
        for j in range(i + 1, k):
            z = (mr[i] - mr[j]) / np.sqrt(var * (1 / len(g[i]) + 1 / len(g[j])))
            pairs.append({"a": i, "b": j, "z": z, "p": 2 * stats.norm.sf(abs(z))})
            pv.append(2 * stats.norm.sf(abs(z)))
    holm = multipletests(pv, method="holm")[1]
    for pr, h in zip(pairs, holm):
        pr["p_adj"] = h
    res["dunn_formula_holm_statsmodels"] = pairs
    return res


def paired():
    rng = np.random.default_rng(7)
    out = []
    a = rng.normal(3.5, 1, 20)
    b = a + rng.normal(0.3, 0.5, 20)
    w = stats.wilcoxon(a, b)  # exact (no ties, n <= 50)
    t = stats.ttest_rel(a, b)
    out.append({"a": list(a), "b": list(b), "t": t.statistic, "t_p": t.pvalue, "w": w.statistic,
                "w_p": w.pvalue, "w_method": "exact"})
    a = scores(rng, 80, [.1, .1, .2, .3, .3])
    b = scores(rng, 80, [.2, .2, .2, .2, .2])
    w = stats.wilcoxon(a, b, method="asymptotic")
    t = stats.ttest_rel(a, b)
    out.append({"a": list(a), "b": list(b), "t": t.statistic, "t_p": t.pvalue, "w": w.statistic,
                "w_p": w.pvalue, "w_z": w.zstatistic, "w_method": "normal"})
    a = rng.normal(0, 1, 8)
    b = a + rng.normal(0.8, 1, 8)
    w = stats.wilcoxon(a, b)
    t = stats.ttest_rel(a, b)
    out.append({"a": list(a), "b": list(b), "t": t.statistic, "t_p": t.pvalue, "w": w.statistic,
                "w_p": w.pvalue, "w_method": "exact"})
    return out


def agreement():
    rng = np.random.default_rng(11)
    cases = []
    # items x raters, scores 1-5 around a latent item score; with missing cells.
    for n_items, n_raters, missing in [(30, 3, 0.0), (50, 4, 0.2), (12, 5, 0.1), (200, 3, 0.0)]:
        latent = rng.integers(1, 6, n_items)
        m = np.clip(latent[:, None] + rng.integers(-1, 2, (n_items, n_raters)), 1, 5).astype(float)
        mask = rng.random((n_items, n_raters)) < missing
        m[mask] = np.nan
        rows = [[None if np.isnan(v) else float(v) for v in r] for r in m]
        case = {"rows": rows}
        rel = m.T  # raters x items
        for lvl in ["nominal", "ordinal", "interval"]:
            case[f"alpha_{lvl}"] = krippendorff.alpha(reliability_data=rel, level_of_measurement=lvl)
        # percent agreement by formula: mean over items with >= 2 ratings of agreeing pairs.
        pa = []
        for r in m:
            v = r[~np.isnan(r)]
            if len(v) >= 2:
                _, c = np.unique(v, return_counts=True)
                pa.append((c * (c - 1)).sum() / (len(v) * (len(v) - 1)))
        case["percent_agreement_formula"] = float(np.mean(pa))
        if not mask.any():
            table, _ = aggregate_raters(m.astype(int))
            case["fleiss_kappa"] = fleiss_kappa(table, method="fleiss")
        else:
            case["fleiss_kappa"] = None
        cases.append(case)
    # Judge vs human: integer judge scores vs rounded human mean (statsmodels
    # QWK on a full 5x5 table), Spearman vs the (non-integer) human mean.
    human = np.clip(rng.integers(1, 6, 150)[:, None] + rng.integers(-1, 2, (150, 3)), 1, 5)
    hmean = human.mean(axis=1)
    judge = np.clip(np.rint(hmean + rng.normal(0, 0.8, 150)), 1, 5)
    hround = np.clip(np.floor(hmean + 0.5), 1, 5)
    table = np.zeros((5, 5))
    for x, y in zip(judge.astype(int), hround.astype(int)):
        table[x - 1, y - 1] += 1
    sp = stats.spearmanr(judge, hmean)
    judge_cases = {"judge": list(judge), "human_mean": list(hmean), "human_rounded": list(hround),
                   "qwk_rounded": cohens_kappa(table, wt="quadratic").kappa,
                   "spearman_rho": sp.statistic, "spearman_p": sp.pvalue,
                   "mae": float(np.abs(judge - hmean).mean())}
    return cases, judge_cases


def wilson():
    out = []
    for s, n, lvl in [(0, 10, .95), (1, 10, .95), (12, 140, .95), (70, 140, .9), (140, 140, .99), (3, 11480, .95)]:
        lo, hi = proportion_confint(s, n, alpha=1 - lvl, method="wilson")
        out.append({"successes": s, "n": n, "level": lvl, "ci": [lo, hi]})
    return out


def distributions():
    out = []
    for p, df in [(0.975, 1), (0.975, 2), (0.975, 4), (0.975, 30), (0.995, 136), (0.6, 11479), (0.9999, 7), (0.025, 3)]:
        out.append({"p": p, "df": df, "t_ppf": stats.t.ppf(p, df)})
    return out


def main():
    ds = datasets()
    agree, judge = agreement()
    out = {
        "generator": "make_reference.py",
        "versions": {"scipy": scipy.__version__, "statsmodels": statsmodels.__version__,
                     "numpy": np.__version__},
        "groups": {name: {"data": g, "expected": group_tests(g)} for name, g in ds.items()},
        "paired": paired(),
        "agreement": agree,
        "judge": judge,
        "wilson": wilson(),
        "t_quantiles": distributions(),
    }
    json.dump(out, sys.stdout, indent=1, default=float, allow_nan=False)


if __name__ == "__main__":
    main()
