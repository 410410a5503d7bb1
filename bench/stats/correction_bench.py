"""Time NumPy/SciPy on the same correction as `cargo bench -p assurai-stats
--bench stats -- correct_35` (the reference for docs/benchmarks.md).

Same data: the 35 groups of scores_1e6 from scipy_bench.py (SplitMix64 seed
2024) as uint8, and the same lenient calibration (SplitMix64 seed 7, 11,480
pairs). Same work per group: count the scores (np.bincount), the
Rogan-Gladen rate with its delta-method interval (z = norm.ppf(0.975)), and
the EM distribution (vectorised NumPy, same stopping rule) with its mean.

    bench/stats/.venv/bin/python bench/stats/correction_bench.py
"""
import time

import numpy as np
from scipy import stats

from scipy_bench import scores, splitmix64


def calibration():
    rng = splitmix64(7)
    conf = np.zeros((5, 5))
    for i in range(11_480):
        h = i % 5
        u = (next(rng) >> 11) / float(1 << 53)
        up = 0 if u < 0.6 else (1 if u < 0.85 else 2)
        conf[min(h + up, 4), h] += 1
    return conf


def correct(conf, x, t=2):
    counts = np.bincount(x, minlength=6)[1:].astype(float)
    n = counts.sum()
    q = counts[:t].sum() / n
    n1, n0 = conf[:, :t].sum(), conf[:, t:].sum()
    se, sp = conf[:t, :t].sum() / n1, conf[t:, t:].sum() / n0
    j = se + sp - 1
    p = min(max((q + sp - 1) / j, 0.0), 1.0)
    var = (q * (1 - q) / n + p**2 * se * (1 - se) / n1 + (1 - p) ** 2 * sp * (1 - sp) / n0) / j**2
    z = stats.norm.ppf(0.975)
    ci = (max(p - z * np.sqrt(var), 0.0), min(p + z * np.sqrt(var), 1.0))
    c = conf / conf.sum(axis=0)
    w = counts / n
    pd = np.full(5, 0.2)
    for _ in range(100_000):
        qj = c @ pd
        r = np.divide(w, qj, out=np.zeros(5), where=w > 0)
        new = pd * (c.T @ r)
        delta = np.abs(new - pd).max()
        pd = new
        if delta < 1e-13:
            break
    return p, ci, pd, (np.arange(1, 6) * pd).sum()


def main():
    conf = calibration()
    groups = [g.astype(np.uint8) for g in scores(1_000_000)]
    times = []
    for _ in range(20):
        t = time.perf_counter()
        for g in groups:
            correct(conf, g)
        times.append(time.perf_counter() - t)
    print(f"35 groups, 1,000,000 scores: median {np.median(times) * 1e3:.2f} ms over 20 runs "
          f"(min {min(times) * 1e3:.2f} ms)")


if __name__ == "__main__":
    main()
