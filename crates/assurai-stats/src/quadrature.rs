//! Gauss–Legendre nodes and weights, computed once by Newton iteration on
//! the Legendre polynomial (Golub-free, ~1e-16 accurate for the small orders
//! used here).

use std::sync::OnceLock;

/// Number of nodes of the rule used by every composite integral here.
pub(crate) const GL_N: usize = 16;

/// Nodes (on [-1, 1]) and weights of the `GL_N`-point rule.
pub(crate) fn gauss_legendre() -> &'static ([f64; GL_N], [f64; GL_N]) {
    static RULE: OnceLock<([f64; GL_N], [f64; GL_N])> = OnceLock::new();
    RULE.get_or_init(|| compute(GL_N))
}

fn compute<const N: usize>(n: usize) -> ([f64; N], [f64; N]) {
    let mut x = [0.0; N];
    let mut w = [0.0; N];
    let nf = n as f64;
    for i in 0..n.div_ceil(2) {
        // Initial guess (Tricomi), then Newton on P_n.
        let mut z = (std::f64::consts::PI * (i as f64 + 0.75) / (nf + 0.5)).cos();
        let mut dp = 0.0;
        for _ in 0..100 {
            let (mut p0, mut p1) = (1.0, z);
            for j in 2..=n {
                let jf = j as f64;
                let p2 = ((2.0 * jf - 1.0) * z * p1 - (jf - 1.0) * p0) / jf;
                p0 = p1;
                p1 = p2;
            }
            dp = nf * (z * p1 - p0) / (z * z - 1.0);
            let dz = p1 / dp;
            z -= dz;
            if dz.abs() < 1e-16 {
                break;
            }
        }
        let wi = 2.0 / ((1.0 - z * z) * dp * dp);
        x[i] = -z;
        x[n - 1 - i] = z;
        w[i] = wi;
        w[n - 1 - i] = wi;
    }
    (x, w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integrates_polynomials_exactly() {
        let (x, w) = gauss_legendre();
        let sum_w: f64 = w.iter().sum();
        assert!((sum_w - 2.0).abs() < 1e-14);
        // ∫_{-1}^{1} x^30 dx = 2/31 (degree 2N-1 = 31 is exact).
        let s: f64 = x.iter().zip(w).map(|(x, w)| w * x.powi(30)).sum();
        assert!((s - 2.0 / 31.0).abs() < 1e-14, "{s}");
    }
}
