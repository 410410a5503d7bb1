"""Reference values for the studentized range distribution.

Run with SciPy >= 1.17 (the committed file was made with SciPy 1.17.1):

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install scipy numpy
    /tmp/venv/bin/python make_studentized_range.py > studentized_range.json

`scipy.stats.studentized_range.cdf` integrates the double integral with
QUADPACK for df < 100000 but switches to the infinite-df formula for
df >= 100000, which is off by ~1.6e-5 at df = 1e5 and ~1.6e-6 at df = 1e6.
For those df the reference here is an independent
dense quadrature in NumPy (`cdf_nested`): composite 20-point Gauss-Legendre
with 120 panels for z in [-9, 9.5] (the infinite-df range cdf
W(x) = k * int phi(z) [Phi(z) - Phi(z - x)]^(k-1) dz) and 120 panels for s
within 14 standard deviations of 1 (int f_S(s) W(q s) ds, f_S from
`scipy.stats.chi`, normalised numerically because its log-gamma constant
loses ~5e-10 at df = 1e6); the script asserts that halving the panels
changes the value by less than 1e-13;
both values are recorded (`cdf` = reference, `scipy_public` = public API).
For k = 2 the closed form 1 - 2 P(T_df > q / sqrt 2) is recorded too.
For df < 1e5 the two agree to ~1e-14 and `cdf` is the public API value.
"""
import json
import sys

import numpy as np
import scipy
from scipy import stats
from scipy.special import ndtr
from scipy.stats import norm


def gauss_legendre_grid(lo, hi, panels, order=20):
    x, w = np.polynomial.legendre.leggauss(order)
    edges = np.linspace(lo, hi, panels + 1)
    mid, half = (edges[1:] + edges[:-1]) / 2, (edges[1:] - edges[:-1]) / 2
    return (mid[:, None] + half[:, None] * x).ravel(), (half[:, None] * w).ravel()


def cdf_dense(q, k, df, panels):
    """Dense composite Gauss-Legendre in NumPy (vectorised, float64)."""
    z, wz = gauss_legendre_grid(-9.0, 9.5, panels)
    sd = 1 / np.sqrt(2 * df)
    s, ws = gauss_legendre_grid(max(0.0, 1 - 14 * sd), 1 + 14 * sd, panels)
    x = q * s
    inner = ndtr(z)[None, :] - ndtr(z[None, :] - x[:, None])
    w_range = k * (np.clip(inner, 0, None) ** (k - 1) * (norm.pdf(z) * wz)[None, :]).sum(axis=1)
    logd = stats.chi.logpdf(s * np.sqrt(df), df)
    dens = np.exp(logd - logd.max())
    # chi.logpdf loses ~5e-10 to cancellation at df = 1e6: normalise numerically.
    return float((ws * dens * w_range).sum() / (ws * dens).sum())


def cdf_nested(q, k, df):
    a, b = cdf_dense(q, k, df, 60), cdf_dense(q, k, df, 120)
    assert abs(a - b) < 1e-13, (q, k, df, a, b)
    return b


def main():
    ks = [2, 3, 4, 5, 7, 10, 20, 35, 50, 100]
    dfs = [2, 3, 5, 10, 30, 136, 1000, 11445, 1e5, 1e6, float("inf")]
    probs = [0.05, 0.5, 0.95, 0.999]
    cases = []
    for k in ks:
        for df in dfs:
            # q values: quantiles of the infinite-df / moderate-df distribution
            # (cheap to get from the asymptotic form) spread over the body and tails.
            dfq = min(df, 1e4)
            for p in probs:
                q = float(stats.studentized_range.ppf(p, k, dfq)) if df > 2 or p < 0.999 else 30.0
                q = float(np.round(q, 3))
                public = float(stats.studentized_range.cdf(q, k, df))
                if np.isinf(df) or df < 1e5:
                    ref = public
                else:
                    ref = cdf_nested(q, k, df)
                case = {"k": k, "df": None if np.isinf(df) else df, "q": q, "cdf": ref,
                        "scipy_public": public}
                if k == 2:
                    case["closed_form"] = float(1 - 2 * stats.t.sf(q / np.sqrt(2), df))
                cases.append(case)
            print(f"k={k} df={df}", file=sys.stderr)
    quantiles = []
    for k, df, p in [(2, 4, 0.7), (6, 5, 0.7), (3, 10, 0.95), (4, 136, 0.95), (35, 11445, 0.95),
                     (10, 20, 0.99), (100, 1000, 0.95), (5, float("inf"), 0.95), (20, 60, 0.5)]:
        quantiles.append({"k": k, "df": None if np.isinf(df) else df, "p": p,
                          "q": float(stats.studentized_range.ppf(p, k, df))})
    json.dump({"generator": "make_studentized_range.py", "scipy": scipy.__version__,
               "cdf": cases, "quantile": quantiles}, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
