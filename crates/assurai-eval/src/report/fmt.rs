//! Number formatting shared by the renderers.

pub(crate) fn num(v: Option<f64>, digits: usize) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{x:.digits$}"),
        _ => "–".to_owned(),
    }
}

pub(crate) fn ci(v: Option<[f64; 2]>, digits: usize) -> String {
    match v {
        Some([lo, hi]) if lo.is_finite() && hi.is_finite() => {
            format!("[{lo:.digits$}, {hi:.digits$}]")
        }
        _ => "–".to_owned(),
    }
}

pub(crate) fn pct(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{:.1}%", 100.0 * x),
        _ => "–".to_owned(),
    }
}

pub(crate) fn p_value(p: f64) -> String {
    if !p.is_finite() {
        "–".to_owned()
    } else if p < 1e-4 {
        format!("{p:.2e}")
    } else {
        format!("{p:.4}")
    }
}
