"""Reference values for the judge-error correction (Rogan-Gladen, EM) and the
clustered standard error in assurai-stats.

    python3 -m venv bench/stats/.venv
    bench/stats/.venv/bin/pip install numpy scipy
    bench/stats/.venv/bin/python crates/assurai-stats/tests/data/make_correction.py \
        > crates/assurai-stats/tests/data/correction.json

The committed file was made with NumPy 2.4.6 and SciPy 1.17.1.

Independent of the Rust code:
- Se, Sp, the Rogan-Gladen estimate, its delta-method variance and interval
  are NumPy array arithmetic with z = scipy.stats.norm.ppf(0.975);
- the clustered SE is NumPy (np.bincount of the deviations) with
  t = scipy.stats.t.ppf(0.975, G - 1);
- the EM iteration is written out in plain Python floats in the order the
  issue states it (so the iteration count can be compared exactly), and its
  fixed point is checked against the maximum likelihood found by
  scipy.optimize.minimize (SLSQP on the simplex): "mle_scipy" is its p and
  "nll_scipy" its negative log-likelihood, which the EM estimate must not
  exceed (p itself need not be unique: when C has rank < 5 a whole segment
  of p maximises the likelihood, e.g. "unseen_judge_score");
- the bootstrap replays the same SplitMix64 draws as the Rust code and takes
  np.quantile (linear) of the replicates.
"""
import bisect
import json
import sys

import numpy as np
import scipy
from scipy import optimize, stats

EM_TOL = 1e-13
EM_MAX = 100_000
Z = float(stats.norm.ppf(0.975))


def rogan_gladen(conf, counts, t, q_var=None):
    """conf: 5x5 [judge][human]; counts: judge-score counts of the group."""
    conf = np.asarray(conf, dtype=float)
    counts = np.asarray(counts, dtype=float)
    n = counts.sum()
    q = counts[:t].sum() / n
    n1 = conf[:, :t].sum()
    n0 = conf[:, t:].sum()
    out = {"observed_unsafe_rate": q, "n_unsafe": n1, "n_safe": n0}
    if n1 == 0 or n0 == 0:
        out.update(sensitivity=None if n1 == 0 else conf[:t, :t].sum() / n1,
                   specificity=None if n0 == 0 else conf[t:, t:].sum() / n0,
                   corrected=None)
        return out
    se = conf[:t, :t].sum() / n1
    sp = conf[t:, t:].sum() / n0
    out.update(sensitivity=se, specificity=sp)
    j = se + sp - 1
    if j <= 0:
        out["corrected"] = None
        return out
    raw = (q + sp - 1) / j
    p = float(np.clip(raw, 0.0, 1.0))
    if q_var is None:
        q_var = q * (1 - q) / n
    var = (q_var + p**2 * se * (1 - se) / n1 + (1 - p) ** 2 * sp * (1 - sp) / n0) / j**2
    half = Z * np.sqrt(var)
    out.update(corrected=p, unclipped=raw, se=float(np.sqrt(var)),
               ci=[max(p - half, 0.0), min(p + half, 1.0)])
    return out


def em(conf, counts):
    conf = [[float(x) for x in row] for row in conf]
    tot = [sum(conf[j][h] for j in range(5)) for h in range(5)]
    if 0 in tot:
        return None
    c = [[conf[j][h] / tot[h] for h in range(5)] for j in range(5)]
    n = float(sum(counts))
    w = [x / n for x in counts]
    for j in range(5):
        if counts[j] > 0 and all(c[j][h] == 0.0 for h in range(5)):
            return None
    p = [0.2] * 5
    it = 0
    converged = False
    while it < EM_MAX:
        it += 1
        r = [0.0] * 5
        for j in range(5):
            if w[j] > 0.0:
                q = 0.0
                for h in range(5):
                    q += c[j][h] * p[h]
                r[j] = w[j] / q
        delta = 0.0
        for h in range(5):
            s = 0.0
            for j in range(5):
                s += c[j][h] * r[j]
            new = p[h] * s
            delta = max(delta, abs(new - p[h]))
            p[h] = new
        if delta < EM_TOL:
            converged = True
            break
    mean = 0.0
    for h in range(5):
        mean += (h + 1) * p[h]
    cm, cn = np.array(c), np.array(counts, dtype=float)
    mle = mle_scipy(cm, cn)
    # SLSQP meets sum(p) = 1 only to ~1e-9; the likelihood is compared on the simplex.
    mle = [x / sum(mle) for x in mle]
    return {"distribution": p, "mean": mean, "iterations": it, "converged": converged,
            "mle_scipy": mle, "nll_scipy": nll(cm, cn, np.array(mle))}


def nll(c, counts, p):
    """Negative log-likelihood of the judge counts (multinomial, no constant)."""
    mask = counts > 0
    return float(-(counts[mask] * np.log(np.maximum(c[mask] @ p, 1e-300))).sum())


def mle_scipy(c, counts):
    """Maximum likelihood of the judge counts under q = C p, p on the simplex."""
    res = optimize.minimize(lambda p: nll(c, counts, p), np.full(5, 0.2), method="SLSQP",
                            bounds=[(0.0, 1.0)] * 5,
                            constraints=[{"type": "eq", "fun": lambda p: p.sum() - 1.0}],
                            options={"ftol": 1e-15, "maxiter": 10_000})
    return [float(x) for x in res.x]


def conf_from(rng, human_counts, c_true):
    """Calibration counts [judge][human]: for each human score h, draw its
    judge scores from column h of c_true."""
    conf = np.zeros((5, 5), dtype=int)
    for h, n in enumerate(human_counts):
        if n:
            conf[:, h] = rng.multinomial(n, c_true[:, h])
    return conf.tolist()


def group(conf, counts, t=2, q_var=None):
    exp = rogan_gladen(conf, counts, t, q_var)
    exp["em"] = em(conf, counts)
    g = {"counts": [int(x) for x in counts], "threshold": t, "expected": exp}
    if q_var is not None:
        g["q_variance"] = q_var
    return g


def cases():
    rng = np.random.default_rng(20261201)
    out = []
    perfect = np.diag([20, 30, 25, 40, 50]).tolist()
    out.append({"name": "perfect_judge", "threshold": 2, "confusion": perfect,
                "groups": [group(perfect, c) for c in ([12, 30, 50, 80, 100], [0, 0, 3, 0, 9], [5, 0, 0, 0, 0])]})
    # A lenient judge: it moves unsafe outputs up by one or two points.
    lenient = np.array([
        [.60, .05, .00, .00, .00],
        [.20, .55, .05, .00, .00],
        [.10, .20, .60, .05, .00],
        [.05, .15, .25, .70, .10],
        [.05, .05, .10, .25, .90]])
    biased = conf_from(rng, [120, 150, 200, 400, 600], lenient)
    out.append({"name": "biased_judge", "threshold": 2, "confusion": biased,
                "groups": [group(biased, c) for c in ([40, 60, 120, 300, 480], [3, 7, 20, 60, 110], [200, 100, 50, 30, 20])]
                + [group(biased, [40, 60, 120, 300, 480], t=3)]
                + [group(biased, [40, 60, 120, 300, 480], q_var=2.5e-4)]})
    # No better than chance: judge unsafe equally often whatever the human says.
    chance = [[5, 5, 10, 10, 10], [5, 5, 10, 10, 10], [10, 10, 20, 20, 20],
              [10, 10, 20, 20, 20], [10, 10, 20, 20, 20]]
    worse = [[1, 2, 10, 10, 20], [2, 1, 10, 10, 20], [20, 20, 10, 5, 1],
             [10, 10, 5, 10, 2], [10, 10, 5, 5, 1]]
    out.append({"name": "youden_zero", "threshold": 2, "confusion": chance,
                "groups": [group(chance, [10, 20, 30, 40, 50])]})
    out.append({"name": "youden_negative", "threshold": 2, "confusion": worse,
                "groups": [group(worse, [10, 20, 30, 40, 50])]})
    # Empty classes: no human 3 (EM undefined, binary fine); no human-unsafe
    # pairs at all (both undefined); a judge score never seen in calibration.
    no3 = [[30, 5, 0, 0, 0], [5, 30, 0, 2, 0], [3, 3, 0, 5, 1], [1, 2, 0, 40, 5], [1, 0, 0, 3, 60]]
    nounsafe = [[0, 0, 1, 0, 0], [0, 0, 2, 1, 0], [0, 0, 20, 3, 1], [0, 0, 4, 30, 5], [0, 0, 1, 5, 50]]
    unseen = [[30, 5, 1, 0, 0], [5, 30, 2, 2, 0], [0, 0, 0, 0, 0], [1, 2, 20, 40, 5], [1, 0, 5, 3, 60]]
    out.append({"name": "empty_human_class", "threshold": 2, "confusion": no3,
                "groups": [group(no3, [10, 20, 30, 40, 50])]})
    out.append({"name": "no_human_unsafe", "threshold": 2, "confusion": nounsafe,
                "groups": [group(nounsafe, [1, 2, 30, 40, 50])]})
    out.append({"name": "unseen_judge_score", "threshold": 2, "confusion": unseen,
                "groups": [group(unseen, [10, 20, 3, 40, 50]), group(unseen, [10, 20, 0, 40, 50])]})
    # Clipping: q below the false-positive rate (p < 0), q above Se (p > 1).
    clip = [[40, 10, 2, 1, 1], [10, 30, 2, 2, 2], [5, 5, 50, 5, 2], [3, 3, 10, 60, 5], [2, 2, 6, 12, 90]]
    out.append({"name": "clipping", "threshold": 2, "confusion": clip,
                "groups": [group(clip, [0, 1, 50, 100, 200]), group(clip, [95, 90, 10, 3, 2]),
                           group(clip, [0, 0, 0, 0, 40]), group(clip, [40, 0, 0, 0, 0])]})
    # EM on the simplex boundary: the observed counts need fewer 3s than any
    # interior p gives, so the MLE puts p_3 (and p_1) at 0.
    boundary = [[50, 6, 4, 1, 0], [6, 40, 8, 2, 1], [2, 6, 30, 6, 2], [1, 6, 8, 45, 6], [1, 2, 10, 6, 91]]
    out.append({"name": "em_boundary", "threshold": 2, "confusion": boundary,
                "groups": [group(boundary, [2, 30, 1, 80, 120]), group(boundary, [0, 0, 0, 10, 200]),
                           group(boundary, [500, 0, 0, 0, 0])]})
    # 35 groups over 1,000,000 scores with one realistic calibration.
    big_cal = conf_from(rng, [900, 1100, 1800, 3500, 4180], lenient)
    sizes = rng.multinomial(1_000_000, np.full(35, 1 / 35))
    groups = []
    for g, size in enumerate(sizes):
        a = 1.0 + (g % 7) * 0.1
        truth = np.array([0.08, 0.10, 0.17, 0.30, 0.35]) ** (1 / a)
        truth /= truth.sum()
        counts = rng.multinomial(size, lenient @ truth)
        groups.append(group(big_cal, counts))
    out.append({"name": "factors_35_x_1e6", "threshold": 2, "confusion": big_cal, "groups": groups})
    return out


def clustered_cases():
    rng = np.random.default_rng(7)
    out = []
    for name, sizes in (("unequal_small", [1, 2, 3, 5, 8, 13]),
                        ("unequal_40", list(rng.integers(1, 12, 40))),
                        ("two_clusters", [3, 9])):
        ids = np.repeat(np.arange(len(sizes)), sizes)
        effect = rng.normal(0, 0.8, len(sizes))
        x = np.clip(np.round(3.5 + effect[ids] + rng.normal(0, 0.7, len(ids))), 1, 5)
        g = len(sizes)
        xbar = x.mean()
        e = np.bincount(ids, weights=x - xbar, minlength=g)
        se = np.sqrt(g / (g - 1) * (e**2).sum()) / len(x)
        t = stats.t.ppf(0.975, g - 1)
        # Labels shuffled so clusters are not contiguous.
        perm = rng.permutation(len(x))
        out.append({"name": name, "values": x[perm].tolist(), "clusters": ids[perm].tolist(),
                    "mean": xbar, "se": se, "n_clusters": g, "ci95": [xbar - t * se, xbar + t * se]})
    return out


MASK = (1 << 64) - 1


def splitmix64(seed):
    state = seed
    while True:
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        yield z ^ (z >> 31)


def bootstrap(conf, t, unsafe, n, b, seed, level=0.95):
    rng = splitmix64(seed)
    ends, kinds, total = [], [], 0
    for j in range(5):
        for h in range(5):
            c = conf[j][h]
            if c == 0:
                continue
            total += c
            ends.append(total)
            kinds.append((0 if j < t else 1) if h < t else (2 if j < t else 3))
    reps, undefined = [], 0
    for _ in range(b):
        tally = [0, 0, 0, 0]
        for _ in range(total):
            i = (next(rng) * total) >> 64
            tally[kinds[bisect.bisect_right(ends, i)]] += 1
        u = sum(1 for _ in range(n) if ((next(rng) * n) >> 64) < unsafe)
        n1, n0 = tally[0] + tally[1], tally[2] + tally[3]
        if n1 == 0 or n0 == 0:
            undefined += 1
            continue
        se, sp = tally[0] / n1, tally[3] / n0
        j = se + sp - 1
        if j <= 0:
            undefined += 1
            continue
        reps.append(min(max((u / n + sp - 1) / j, 0.0), 1.0))
    alpha = (1 - level) / 2
    lo, hi = np.quantile(np.array(reps), [alpha, 1 - alpha])
    return {"ci": [float(lo), float(hi)], "undefined": undefined}


def bootstrap_cases():
    small = [[8, 2, 1, 0, 0], [3, 6, 1, 1, 0], [1, 2, 9, 2, 1], [0, 1, 3, 10, 3], [0, 1, 2, 4, 15]]
    weak = [[2, 1, 1, 1, 1], [1, 1, 1, 1, 1], [1, 1, 2, 1, 1], [1, 1, 1, 2, 1], [1, 1, 1, 1, 3]]
    out = []
    for name, conf, unsafe, n, b, seed in (("small", small, 17, 80, 400, 11),
                                           ("weak_judge", weak, 9, 40, 300, 3)):
        out.append({"name": name, "confusion": conf, "threshold": 2, "unsafe": unsafe, "n": n,
                    "resamples": b, "seed": seed, "expected": bootstrap(conf, 2, unsafe, n, b, seed)})
    return out


def main():
    doc = {
        "generator": f"make_correction.py, NumPy {np.__version__}, SciPy {scipy.__version__}",
        "z975": Z,
        "em_tolerance": EM_TOL,
        "em_max_iterations": EM_MAX,
        "cases": cases(),
        "clustered": clustered_cases(),
        "bootstrap": bootstrap_cases(),
    }
    json.dump(doc, sys.stdout, indent=1, default=float)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
