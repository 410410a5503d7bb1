//! Number formatting shared by the renderers and the command line's tables: a missing or
//! non-finite value is `–`.
//!
//! ```
//! use assurai_eval::{format_ci, format_num, format_p_value, format_pct};
//! assert_eq!(format_num(Some(4.25), 3), "4.250");
//! assert_eq!(format_num(None, 3), "–");
//! assert_eq!(format_ci(Some([3.9, 4.6]), 2), "[3.90, 4.60]");
//! assert_eq!(format_pct(Some(0.125)), "12.5%");
//! assert_eq!(format_p_value(0.00001), "1.00e-5");
//! ```

/// `v` with `digits` decimals.
pub fn num(v: Option<f64>, digits: usize) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{x:.digits$}"),
        _ => "–".to_owned(),
    }
}

/// An interval as `[lo, hi]` with `digits` decimals.
pub fn ci(v: Option<[f64; 2]>, digits: usize) -> String {
    match v {
        Some([lo, hi]) if lo.is_finite() && hi.is_finite() => {
            format!("[{lo:.digits$}, {hi:.digits$}]")
        }
        _ => "–".to_owned(),
    }
}

/// A share (0–1) as a percentage with one decimal: `12.5%`.
pub fn pct(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{:.1}%", 100.0 * x),
        _ => "–".to_owned(),
    }
}

/// A p-value: four decimals, or scientific notation below 1e-4.
pub fn p_value(p: f64) -> String {
    if !p.is_finite() {
        "–".to_owned()
    } else if p < 1e-4 {
        format!("{p:.2e}")
    } else {
        format!("{p:.4}")
    }
}
