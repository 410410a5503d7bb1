//! Distribution functions used by the tests, built on `libm` (erfc, from
//! musl: accurate to an ulp; `statrs`'s erfc is only good to ~1e-10) and
//! `statrs` (regularised incomplete beta and gamma), kept private so neither
//! crate shows in the public API.
//!
//! Survival functions are computed directly (not as `1 - cdf`) so that small
//! p-values keep their relative accuracy.

use statrs::function::{beta::beta_reg, erf, gamma::gamma_ur};

use libm::erfc;

/// Standard normal cdf.
pub(crate) fn norm_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

/// Standard normal survival function.
pub(crate) fn norm_sf(x: f64) -> f64 {
    0.5 * erfc(x / std::f64::consts::SQRT_2)
}

/// Standard normal density.
pub(crate) fn norm_pdf(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// Standard normal quantile, `p` in (0, 1): `statrs`'s inverse erfc as a
/// start, polished by Newton steps on the accurate tail probability.
pub(crate) fn norm_ppf(p: f64) -> f64 {
    let mut x = -std::f64::consts::SQRT_2 * erf::erfc_inv(2.0 * p);
    for _ in 0..3 {
        if !x.is_finite() {
            break;
        }
        let pdf = norm_pdf(x);
        if pdf <= 0.0 {
            break;
        }
        let err = if p < 0.5 {
            norm_cdf(x) - p
        } else {
            (1.0 - p) - norm_sf(x)
        };
        x -= err / pdf;
    }
    x
}

/// Student t survival function `P(T > t)`.
pub(crate) fn t_sf(t: f64, df: f64) -> f64 {
    if df.is_infinite() {
        return norm_sf(t);
    }
    let ib = 0.5 * beta_reg(df / 2.0, 0.5, df / (df + t * t));
    if t > 0.0 { ib } else { 1.0 - ib }
}

/// Student t cdf.
pub(crate) fn t_cdf(t: f64, df: f64) -> f64 {
    t_sf(-t, df)
}

/// Two-sided p-value of a t statistic.
pub(crate) fn t_two_sided(t: f64, df: f64) -> f64 {
    if df.is_infinite() {
        return 2.0 * norm_sf(t.abs());
    }
    beta_reg(df / 2.0, 0.5, df / (df + t * t)).min(1.0)
}

/// Student t quantile for `p` in (0, 1): a starting value from `statrs`
/// refined by Newton steps on the cdf for full double precision.
pub(crate) fn t_ppf(p: f64, df: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    if df.is_infinite() || df > 1e12 {
        return norm_ppf(p);
    }
    let Ok(dist) = StudentsT::new(0.0, 1.0, df) else {
        return f64::NAN;
    };
    let mut x = dist.inverse_cdf(p);
    // Newton on the tail probability nearer to zero for accuracy.
    let ln_norm = statrs::function::gamma::ln_gamma((df + 1.0) / 2.0)
        - statrs::function::gamma::ln_gamma(df / 2.0)
        - 0.5 * (df * std::f64::consts::PI).ln();
    for _ in 0..4 {
        if !x.is_finite() {
            break;
        }
        let pdf = (ln_norm - (df + 1.0) / 2.0 * (x * x / df).ln_1p()).exp();
        if pdf <= 0.0 {
            break;
        }
        let err = if p < 0.5 {
            t_cdf(x, df) - p
        } else {
            (1.0 - p) - t_sf(x, df)
        };
        let step = err / pdf;
        x -= step;
        if step.abs() <= 1e-15 * x.abs().max(1e-300) {
            break;
        }
    }
    x
}

/// F distribution survival function `P(F > f)`.
pub(crate) fn f_sf(f: f64, d1: f64, d2: f64) -> f64 {
    if f.is_nan() {
        return f64::NAN;
    }
    if f <= 0.0 {
        return 1.0;
    }
    if f.is_infinite() {
        return 0.0;
    }
    beta_reg(d2 / 2.0, d1 / 2.0, d2 / (d2 + d1 * f))
}

/// Chi-squared survival function.
pub(crate) fn chi2_sf(x: f64, df: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 1.0;
    }
    if x.is_infinite() {
        return 0.0;
    }
    gamma_ur(df / 2.0, x / 2.0)
}

/// Two-sided normal p-value.
pub(crate) fn norm_two_sided(z: f64) -> f64 {
    (2.0 * norm_sf(z.abs())).min(1.0)
}

pub(crate) use statrs::function::gamma::ln_gamma;
