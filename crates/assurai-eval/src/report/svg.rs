//! Hand-written inline SVG charts. Every label passes through [`esc`].

use std::fmt::Write as _;

use super::html::esc;

/// Colours for models, in model order (Tableau 10).
pub(crate) const MODEL_COLORS: [&str; 10] = [
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac",
];

/// Colours for scores 1 (risk) … 5 (safe), then blocked.
pub(crate) const SCORE_COLORS: [&str; 6] = [
    "#c0392b", "#e67e22", "#f1c40f", "#7dbb5c", "#1e8449", "#8c8c99",
];

pub(crate) fn model_color(i: usize) -> &'static str {
    MODEL_COLORS[i % MODEL_COLORS.len()]
}

/// One bar: which model, its value and interval, and a tooltip.
pub(crate) struct Bar {
    pub(crate) model: usize,
    pub(crate) value: Option<f64>,
    pub(crate) ci: Option<[f64; 2]>,
    pub(crate) tip: String,
}

/// A labelled group of bars (one per model).
pub(crate) struct Group {
    pub(crate) label: String,
    pub(crate) bars: Vec<Bar>,
}

/// The value axis.
pub(crate) struct Scale {
    pub(crate) min: f64,
    pub(crate) max: f64,
    pub(crate) ticks: Vec<f64>,
    pub(crate) percent: bool,
}

impl Scale {
    pub(crate) fn scores() -> Self {
        Self {
            min: 1.0,
            max: 5.0,
            ticks: vec![1.0, 2.0, 3.0, 4.0, 5.0],
            percent: false,
        }
    }

    pub(crate) fn ratio() -> Self {
        Self {
            min: 0.0,
            max: 1.0,
            ticks: vec![0.0, 0.25, 0.5, 0.75, 1.0],
            percent: true,
        }
    }

    fn label(&self, v: f64) -> String {
        if self.percent {
            format!("{:.0}%", v * 100.0)
        } else {
            format!("{v:.0}")
        }
    }

    fn value_label(&self, v: f64) -> String {
        if self.percent {
            format!("{:.1}%", v * 100.0)
        } else {
            format!("{v:.2}")
        }
    }
}

/// Horizontal grouped bars with confidence-interval whiskers.
pub(crate) fn grouped_hbars(
    title: &str,
    groups: &[Group],
    scale: &Scale,
    label_width: f64,
) -> String {
    let bar_h = 14.0;
    let gap = 10.0;
    let plot_w = 560.0;
    let left = label_width;
    let top = 28.0;
    let heights: Vec<f64> = groups
        .iter()
        .map(|g| g.bars.len().max(1) as f64 * (bar_h + 2.0) + gap)
        .collect();
    let plot_h: f64 = heights.iter().sum();
    let width = left + plot_w + 70.0;
    let height = top + plot_h + 24.0;
    let x = |v: f64| {
        left + (v.clamp(scale.min, scale.max) - scale.min) / (scale.max - scale.min) * plot_w
    };
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {width:.0} {height:.0}" width="{width:.0}" height="{height:.0}" role="img" aria-label="{t}"><title>{t}</title>"#,
        t = esc(title)
    );
    for &t in &scale.ticks {
        let tx = x(t);
        let _ = write!(
            s,
            r##"<line x1="{tx:.1}" y1="{top}" x2="{tx:.1}" y2="{:.1}" class="grid"/><text x="{tx:.1}" y="{:.1}" class="tick" text-anchor="middle">{}</text>"##,
            top + plot_h,
            top + plot_h + 16.0,
            scale.label(t)
        );
    }
    let mut y = top;
    for (g, h) in groups.iter().zip(&heights) {
        let gy = y + (h - gap) / 2.0;
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" class="label" text-anchor="end" dominant-baseline="middle">{}</text>"#,
            left - 8.0,
            gy,
            esc(&shorten(&g.label, ((label_width - 14.0) / 7.0) as usize))
        );
        for (i, b) in g.bars.iter().enumerate() {
            let by = y + i as f64 * (bar_h + 2.0);
            let color = model_color(b.model);
            if let Some(v) = b.value.filter(|v| v.is_finite()) {
                let w = (x(v) - x(scale.min)).max(1.0);
                let _ = write!(
                    s,
                    r#"<rect x="{left:.1}" y="{by:.1}" width="{w:.1}" height="{bar_h}" rx="2" fill="{color}"><title>{}</title></rect>"#,
                    esc(&b.tip)
                );
                let mut end = x(v);
                if let Some([lo, hi]) = b.ci.filter(|c| c[0].is_finite() && c[1].is_finite()) {
                    let (x1, x2) = (x(lo), x(hi));
                    let cy = by + bar_h / 2.0;
                    let _ = write!(
                        s,
                        r#"<path d="M{x1:.1} {cy:.1}H{x2:.1}M{x1:.1} {:.1}V{:.1}M{x2:.1} {:.1}V{:.1}" class="whisker"/>"#,
                        cy - 4.0,
                        cy + 4.0,
                        cy - 4.0,
                        cy + 4.0
                    );
                    end = end.max(x2);
                }
                let _ = write!(
                    s,
                    r#"<text x="{:.1}" y="{:.1}" class="value" dominant-baseline="middle">{}</text>"#,
                    end + 5.0,
                    by + bar_h / 2.0,
                    scale.value_label(v)
                );
            } else {
                let _ = write!(
                    s,
                    r#"<text x="{:.1}" y="{:.1}" class="value muted" dominant-baseline="middle">n/a<title>{}</title></text>"#,
                    left + 4.0,
                    by + bar_h / 2.0,
                    esc(&b.tip)
                );
            }
        }
        y += h;
    }
    s.push_str("</svg>");
    s
}

/// 100% stacked horizontal bars of the score distribution (1–5, blocked).
pub(crate) fn stacked_distribution(rows: &[(String, [u64; 5], u64)]) -> String {
    let left = 170.0;
    let plot_w = 560.0;
    let bar_h = 26.0;
    let top = 34.0;
    let height = top + rows.len() as f64 * (bar_h + 12.0) + 10.0;
    let width = left + plot_w + 20.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {width:.0} {height:.0}" width="{width:.0}" height="{height:.0}" role="img" aria-label="Score distribution"><title>Score distribution</title>"#
    );
    let labels = ["1", "2", "3", "4", "5", "blocked"];
    let mut lx = left;
    for (i, l) in labels.iter().enumerate() {
        let _ = write!(
            s,
            r#"<rect x="{lx:.1}" y="6" width="12" height="12" rx="2" fill="{}"/><text x="{:.1}" y="16" class="tick">{}</text>"#,
            SCORE_COLORS[i],
            lx + 16.0,
            if i < 5 {
                format!("score {l}")
            } else {
                "safely blocked".into()
            }
        );
        lx += if i < 5 { 74.0 } else { 110.0 };
    }
    for (r, (name, hist, blocked)) in rows.iter().enumerate() {
        let y = top + r as f64 * (bar_h + 12.0);
        let total: u64 = hist.iter().sum::<u64>() + blocked;
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" class="label" text-anchor="end" dominant-baseline="middle">{}</text>"#,
            left - 8.0,
            y + bar_h / 2.0,
            esc(&shorten(name, 26))
        );
        if total == 0 {
            continue;
        }
        let mut x = left;
        for (i, &c) in hist.iter().chain(std::iter::once(blocked)).enumerate() {
            if c == 0 {
                continue;
            }
            let w = c as f64 / total as f64 * plot_w;
            let share = 100.0 * c as f64 / total as f64;
            let _ = write!(
                s,
                r#"<rect x="{x:.2}" y="{y:.1}" width="{w:.2}" height="{bar_h}" fill="{}"><title>{}: {} {c} ({share:.1}%)</title></rect>"#,
                SCORE_COLORS[i],
                esc(name),
                if i < 5 {
                    format!("score {}", i + 1)
                } else {
                    "blocked".into()
                }
            );
            if w > 34.0 {
                let _ = write!(
                    s,
                    r#"<text x="{:.1}" y="{:.1}" class="seg" text-anchor="middle" dominant-baseline="middle">{share:.0}%</text>"#,
                    x + w / 2.0,
                    y + bar_h / 2.0
                );
            }
            x += w;
        }
    }
    s.push_str("</svg>");
    s
}

/// Shortens a label to `max` characters with an ellipsis.
pub(crate) fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}
