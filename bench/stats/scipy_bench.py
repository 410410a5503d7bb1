"""Time SciPy on the same analysis as `cargo bench -p assurai-stats --bench stats`.

Same data: 35 groups of 1-5 scores from SplitMix64(2024), group g skewed
towards 5 by (g % 7) / 10, at n = 11,480 and n = 1,000,000 (mirrors
`scores()` in crates/assurai-stats/benches/stats.rs). Same calls: per-group
mean/SD/t-interval, f_oneway (classic and Welch), levene (mean and median),
kruskal, tukey_hsd (with its 95% confidence intervals).

    /work/venv-stats/bin/python bench/stats/scipy_bench.py            # both sizes
    /work/venv-stats/bin/python bench/stats/scipy_bench.py 11480      # one size

Prints the median wall time of `repeats` runs per size (tukey_hsd at
n = 11,480 takes seconds per run, so repeats are few there).
"""
import sys
import time

import numpy as np
from scipy import stats

MASK = (1 << 64) - 1


def splitmix64(seed):
    state = seed
    while True:
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        yield z ^ (z >> 31)


def scores(n):
    rng = splitmix64(2024)
    groups = [[] for _ in range(35)]
    for i in range(n):
        g = i % 35
        u = (next(rng) >> 11) / float(1 << 53)
        a = 1.0 + (g % 7) * 0.1
        groups[g].append(1.0 + min(np.floor(5.0 * u ** (1.0 / a)), 4.0))
    return [np.asarray(x) for x in groups]


def analysis(groups):
    for x in groups:
        m, sd = x.mean(), x.std(ddof=1)
        stats.t.interval(0.95, len(x) - 1, loc=m, scale=sd / np.sqrt(len(x)))
    stats.f_oneway(*groups)
    stats.f_oneway(*groups, equal_var=False)
    stats.levene(*groups, center="mean")
    stats.levene(*groups, center="median")
    stats.kruskal(*groups)
    res = stats.tukey_hsd(*groups)
    res.confidence_interval(0.95)


def main():
    sizes = [int(a) for a in sys.argv[1:]] or [11_480, 1_000_000]
    for n in sizes:
        groups = scores(n)
        repeats = 3 if n < 100_000 else 10
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            analysis(groups)
            times.append(time.perf_counter() - t)
        print(f"n={n}: median {np.median(times) * 1e3:.1f} ms over {repeats} runs "
              f"(min {min(times) * 1e3:.1f} ms)")


if __name__ == "__main__":
    main()
