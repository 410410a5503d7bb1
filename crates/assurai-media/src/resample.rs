//! Band-limited sample-rate conversion (windowed sinc, Kaiser window).
//!
//! Output sample `n` sits at input position `t = n · in_rate / out_rate` and is
//! `Σ x[k] · h(t − k)` with `h(τ) = c · sinc(c · τ) · kaiser(τ / half_width)`, cut-off
//! `c = 0.95 · min(1, out_rate / in_rate)` (the pass band ends at `c` times the input Nyquist
//! frequency), 24 zero crossings on each side and Kaiser β = 9. The filter is tabulated per phase
//! of the rational ratio (at most 2048 phases; finer ratios use the nearest of 2048 phases, a
//! timing error below 1/4096 of an input sample) and each phase is normalised to unit DC gain.

const ZERO_CROSSINGS: f64 = 24.0;
const BETA: f64 = 9.0;
const ROLLOFF: f64 = 0.95;
/// At most this many filter phases are tabulated.
const MAX_PHASES: u64 = 2048;

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Zeroth-order modified Bessel function of the first kind (power series).
fn bessel_i0(x: f64) -> f64 {
    let (mut sum, mut term, half) = (1.0, 1.0, x / 2.0);
    for k in 1..64 {
        let k = f64::from(k);
        term *= (half / k) * (half / k);
        sum += term;
        if term < sum * 1e-17 {
            break;
        }
    }
    sum
}

fn kernel(tau: f64, cutoff: f64, half_width: f64, i0_beta: f64) -> f64 {
    let r = tau / half_width;
    if r.abs() >= 1.0 {
        return 0.0;
    }
    let x = cutoff * tau;
    let sinc = if x.abs() < 1e-12 {
        1.0
    } else {
        (std::f64::consts::PI * x).sin() / (std::f64::consts::PI * x)
    };
    cutoff * sinc * bessel_i0(BETA * (1.0 - r * r).sqrt()) / i0_beta
}

/// Resamples mono `input` from `in_rate` to `out_rate` Hz. Rates must be non-zero.
pub(crate) fn resample(input: &[f32], in_rate: u32, out_rate: u32) -> Vec<f32> {
    if in_rate == out_rate || input.is_empty() {
        return input.to_vec();
    }
    let (in_rate, out_rate) = (u64::from(in_rate), u64::from(out_rate));
    let g = gcd(in_rate, out_rate);
    let (up, down) = (out_rate / g, in_rate / g);
    let cutoff = ROLLOFF * (out_rate as f64 / in_rate as f64).min(1.0);
    let half_width = ZERO_CROSSINGS / cutoff;
    let taps_each_side = half_width.ceil() as i64;
    let width = (2 * taps_each_side) as usize;
    let i0_beta = bessel_i0(BETA);
    let out_len = (input.len() as u64 * up).div_ceil(down) as usize;

    // Tap j of phase p weighs input k = floor(t) - taps_each_side + 1 + j, at tau = t - k.
    let phase_taps = |frac: f64| -> Vec<f32> {
        let mut taps: Vec<f64> = (0..width)
            .map(|j| {
                let k = -taps_each_side + 1 + j as i64;
                kernel(frac - k as f64, cutoff, half_width, i0_beta)
            })
            .collect();
        let sum: f64 = taps.iter().sum();
        if sum.abs() > 1e-12 {
            taps.iter_mut().for_each(|t| *t /= sum);
        }
        taps.into_iter().map(|t| t as f32).collect()
    };
    let phases = up.min(MAX_PHASES);
    let table: Vec<Vec<f32>> = (0..phases)
        .map(|p| phase_taps(p as f64 / phases as f64))
        .collect();

    let n_in = input.len() as i64;
    let mut out = Vec::with_capacity(out_len);
    for n in 0..out_len as u64 {
        let pos = n * down;
        let mut base = (pos / up) as i64;
        // Exact when up <= MAX_PHASES; otherwise the nearest tabulated phase.
        let mut phase = ((pos % up) * phases + up / 2) / up;
        if phase == phases {
            base += 1;
            phase = 0;
        }
        let taps = &table[phase as usize];
        let first = base - taps_each_side + 1;
        let mut acc = 0.0f32;
        if first >= 0 && first + width as i64 <= n_in {
            let window = &input[first as usize..first as usize + width];
            acc = window.iter().zip(taps).map(|(x, h)| x * h).sum();
        } else {
            for (j, h) in taps.iter().enumerate() {
                let k = first + j as i64;
                if (0..n_in).contains(&k) {
                    acc += input[k as usize] * h;
                }
            }
        }
        out.push(acc);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq: f64, rate: u32, secs: f64) -> Vec<f32> {
        let n = (f64::from(rate) * secs) as usize;
        (0..n)
            .map(|i| {
                (2.0 * std::f64::consts::PI * freq * i as f64 / f64::from(rate)).sin() as f32 * 0.5
            })
            .collect()
    }

    fn rms(x: &[f32]) -> f64 {
        (x.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>() / x.len() as f64).sqrt()
    }

    #[test]
    fn lengths() {
        assert_eq!(resample(&vec![0.0; 44_100], 44_100, 16_000).len(), 16_000);
        assert_eq!(resample(&vec![0.0; 48_000], 48_000, 16_000).len(), 16_000);
        assert_eq!(resample(&vec![0.0; 8_000], 8_000, 16_000).len(), 16_000);
        assert_eq!(resample(&[0.0; 3], 44_100, 16_000).len(), 2);
    }

    #[test]
    fn passband_tone_is_kept_and_matches_analytic() {
        for rate in [8_000, 22_050, 44_100, 48_000, 44_101] {
            let x = sine(1_000.0, rate, 1.0);
            let y = resample(&x, rate, 16_000);
            // Compare the middle against the analytic 1 kHz tone at 16 kHz.
            let expected = sine(1_000.0, 16_000, 1.0);
            let err: f64 = y[2_000..14_000]
                .iter()
                .zip(&expected[2_000..14_000])
                .map(|(a, b)| f64::from((a - b).abs()))
                .fold(0.0, f64::max);
            assert!(err < 2e-3, "rate {rate}: max error {err}");
        }
    }

    #[test]
    fn tone_above_new_nyquist_is_removed() {
        let x = sine(10_000.0, 44_100, 1.0);
        let y = resample(&x, 44_100, 16_000);
        assert!(
            rms(&y[1_000..15_000]) < 1e-3,
            "alias rms {}",
            rms(&y[1_000..15_000])
        );
    }

    #[test]
    fn dc_gain_is_one() {
        let y = resample(&vec![0.25; 4_410], 44_100, 16_000);
        assert!(y[100..1_500].iter().all(|&v| (v - 0.25).abs() < 1e-6));
    }
}
