"""Reference values for tests/calibration.rs, computed independently of assurai-stats.

Run: /path/to/python calibration_reference.py > calibration_reference.json
(needs numpy and scipy; produced with scipy 1.17.1).

Rows without a judge score are excluded from every statistic (and counted).
Human means are rounded to the nearest integer, halves downward, for the confusion
matrix, exact agreement and weighted kappa (Cohen's kappa with quadratic weights
(i - j)^2 from the joint and marginal distributions over the values that occur);
Spearman's rho, MAE and within-one use the unrounded means.
"""
import csv, json, math
import numpy as np
from scipy.stats import spearmanr

rows = list(csv.reader(open(__file__.replace("calibration_reference.py", "calibration_pairs.csv"))))[1:]
pairs = [(float(r[1]), float(r[2])) for r in rows if r[2] != ""]
unscored = [r for r in rows if r[2] == ""]
h = np.array([p[0] for p in pairs]); j = np.array([p[1] for p in pairs])
hr = np.array([math.ceil(a - 0.5) for a in h], dtype=float)
values = sorted(set(hr) | set(j))
idx = {v: i for i, v in enumerate(values)}
k = len(values)
obs = np.zeros((k, k))
for a, b in zip(hr, j):
    obs[idx[a], idx[b]] += 1
obs /= len(pairs)
exp = np.outer(obs.sum(1), obs.sum(0))
w = np.array([[(values[a] - values[b]) ** 2 for b in range(k)] for a in range(k)])
kappa = 1 - (w * obs).sum() / (w * exp).sum()
rho, p = spearmanr(h, j)
conf = [[0] * 5 for _ in range(5)]
for a, b in pairs:
    ha = math.ceil(a - 0.5)
    conf[ha - 1][int(b) - 1] += 1
print(json.dumps({
    "n": len(pairs),
    "n_unscored": len(unscored),
    "weighted_kappa": kappa,
    "spearman_rho": rho,
    "spearman_p": p,
    "mae": float(np.abs(h - j).mean()),
    "exact_agreement": float((hr == j).mean()),
    "within_one": float((np.abs(h - j) <= 1).mean()),
    "confusion": conf,
}, indent=2))
