"""Reference BCa and percentile intervals for `bootstrap_ci`.

The resamples are drawn exactly as the Rust code draws them (SplitMix64 with
the given seed; index = (u64 * n) >> 64), so the bootstrap replicates are
identical; the interval is then SciPy 1.17's own BCa formula
(`scipy.stats._resampling._bca_interval`) and `scipy.stats.quantile`
(linear), as `scipy.stats.bootstrap` uses them.

    /work/venv-stats/bin/python make_bootstrap.py > bootstrap.json
"""
import json
import sys

import numpy as np
import scipy
from scipy import stats
from scipy.stats._resampling import _bca_interval

MASK = (1 << 64) - 1


def splitmix64(seed):
    state = seed
    while True:
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        yield z ^ (z >> 31)


def replicates(data, stat, b, seed):
    rng = splitmix64(seed)
    n = len(data)
    out = np.empty(b)
    for i in range(b):
        idx = [(next(rng) * n) >> 64 for _ in range(n)]
        out[i] = stat(data[idx])
    return out


def main():
    rng = np.random.default_rng(3)
    cases = []
    for name, data, stat, sp in [
        ("mean_scores", (rng.choice(5, 40, p=[.1, .1, .2, .3, .3]) + 1).astype(float), np.mean, "mean"),
        ("sd_normal", rng.normal(3, 1, 25), lambda x: np.std(x, ddof=1), "sd"),
    ]:
        for seed, b, level in [(42, 2000, 0.95), (7, 999, 0.9)]:
            reps = replicates(data, stat, b, seed)
            alpha = (1 - level) / 2
            if sp == "mean":
                f = lambda x, axis=-1: np.mean(x, axis=axis)
            else:
                f = lambda x, axis=-1: np.std(x, ddof=1, axis=axis)
            a1, a2, _ = _bca_interval((data,), f, -1, alpha, reps[None, :], None, np)
            bca = stats.quantile(reps, np.array([a1[0], a2[0]]))
            pct = stats.quantile(reps, np.array([alpha, 1 - alpha]))
            cases.append({"name": name, "statistic": sp, "data": list(data), "seed": seed, "resamples": b,
                          "level": level, "bca": [float(bca[0]), float(bca[1])],
                          "percentile": [float(pct[0]), float(pct[1])]})
    json.dump({"generator": "make_bootstrap.py", "scipy": scipy.__version__, "cases": cases},
              sys.stdout, indent=1, allow_nan=False)


if __name__ == "__main__":
    main()
