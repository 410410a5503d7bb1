//! Average ranks (ties share the mean rank), with a counting fast path for
//! small-integer data such as 1–5 scores.

/// Rank information for pooled data.
pub(crate) struct Ranked {
    /// Sum of ranks per input slice.
    pub(crate) rank_sums: Vec<f64>,
    /// Σ (t³ − t) over tie groups.
    pub(crate) tie_sum: f64,
}

/// Largest span of integer values handled by counting.
const COUNT_SPAN: f64 = 4096.0;

/// Average ranks of the pooled values of `groups`, summed per group.
pub(crate) fn rank_sums<G: AsRef<[f64]>>(groups: &[G]) -> Ranked {
    let (mut lo, mut hi, mut integral) = (f64::INFINITY, f64::NEG_INFINITY, true);
    for g in groups {
        for &x in g.as_ref() {
            lo = lo.min(x);
            hi = hi.max(x);
            integral &= x.fract() == 0.0;
        }
    }
    if integral && hi - lo <= COUNT_SPAN {
        counting(groups, lo, (hi - lo) as usize + 1)
    } else {
        sorting(groups)
    }
}

fn counting<G: AsRef<[f64]>>(groups: &[G], lo: f64, span: usize) -> Ranked {
    let k = groups.len();
    // counts[v * k + g]
    let mut counts = vec![0u64; span * k];
    for (gi, g) in groups.iter().enumerate() {
        for &x in g.as_ref() {
            counts[(x - lo) as usize * k + gi] += 1;
        }
    }
    let mut rank_sums = vec![0.0; k];
    let mut tie_sum = 0.0;
    let mut below = 0u64;
    for v in 0..span {
        let row = &counts[v * k..(v + 1) * k];
        let t: u64 = row.iter().sum();
        if t == 0 {
            continue;
        }
        let avg = below as f64 + (t as f64 + 1.0) / 2.0;
        for (rs, &c) in rank_sums.iter_mut().zip(row) {
            *rs += c as f64 * avg;
        }
        let tf = t as f64;
        tie_sum += tf * tf * tf - tf;
        below += t;
    }
    Ranked { rank_sums, tie_sum }
}

fn sorting<G: AsRef<[f64]>>(groups: &[G]) -> Ranked {
    let mut all: Vec<(f64, u32)> = groups
        .iter()
        .enumerate()
        .flat_map(|(gi, g)| g.as_ref().iter().map(move |&x| (x, gi as u32)))
        .collect();
    all.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let mut rank_sums = vec![0.0; groups.len()];
    let mut tie_sum = 0.0;
    let mut i = 0;
    while i < all.len() {
        let mut j = i + 1;
        while j < all.len() && all[j].0 == all[i].0 {
            j += 1;
        }
        let avg = (i + j + 1) as f64 / 2.0;
        for item in &all[i..j] {
            rank_sums[item.1 as usize] += avg;
        }
        let t = (j - i) as f64;
        tie_sum += t * t * t - t;
        i = j;
    }
    Ranked { rank_sums, tie_sum }
}

/// Average ranks (1-based) of `xs` in their own order.
pub(crate) fn average_ranks(xs: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..xs.len()).collect();
    idx.sort_unstable_by(|&a, &b| xs[a].total_cmp(&xs[b]));
    let mut ranks = vec![0.0; xs.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i + 1;
        while j < idx.len() && xs[idx[j]] == xs[idx[i]] {
            j += 1;
        }
        let avg = (i + j + 1) as f64 / 2.0;
        for &p in &idx[i..j] {
            ranks[p] = avg;
        }
        i = j;
    }
    ranks
}

/// Median of `xs` (not empty): counting for small integers, selection otherwise.
pub(crate) fn median(xs: &[f64]) -> f64 {
    let (mut lo, mut hi, mut integral) = (f64::INFINITY, f64::NEG_INFINITY, true);
    for &x in xs {
        lo = lo.min(x);
        hi = hi.max(x);
        integral &= x.fract() == 0.0;
    }
    let n = xs.len();
    if integral && hi - lo <= COUNT_SPAN {
        let mut counts = vec![0usize; (hi - lo) as usize + 1];
        for &x in xs {
            counts[(x - lo) as usize] += 1;
        }
        // Value at 0-based sorted position `pos`.
        let at = |pos: usize| {
            let mut seen = 0;
            for (v, &c) in counts.iter().enumerate() {
                seen += c;
                if seen > pos {
                    return lo + v as f64;
                }
            }
            hi
        };
        if n % 2 == 1 {
            at(n / 2)
        } else {
            0.5 * (at(n / 2 - 1) + at(n / 2))
        }
    } else {
        let mut v = xs.to_vec();
        let mid = n / 2;
        let (_, &mut m, _) = v.select_nth_unstable_by(mid, f64::total_cmp);
        if n % 2 == 1 {
            m
        } else {
            let below = v[..mid].iter().copied().fold(f64::NEG_INFINITY, f64::max);
            0.5 * (below + m)
        }
    }
}
