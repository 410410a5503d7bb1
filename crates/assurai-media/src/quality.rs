//! Per-frame quality figures: sharpness, information content, brightness and contrast.
//!
//! All figures are computed on 8-bit luma `Y = (77·R + 150·G + 29·B + 128) >> 8` (BT.601
//! weights in fixed point):
//!
//! * **sharpness**: population variance of the 4-neighbour Laplacian
//!   `Y[x−1,y] + Y[x+1,y] + Y[x,y−1] + Y[x,y+1] − 4·Y[x,y]` over interior pixels (0 for frames
//!   narrower or shorter than 3 pixels). Same as OpenCV's `cv2.Laplacian(y, CV_64F).var()` on the
//!   interior.
//! * **entropy**: Shannon entropy of the 256-bin luma histogram in bits (0 to 8).
//! * **brightness**: mean luma (0 to 255); **contrast**: population standard deviation of luma.
//! * **score**: `0.6 · min(1, log10(1 + sharpness) / 4) + 0.4 · entropy / 8`, in 0 to 1. Sharpness
//!   dominates (a blurred frame is a poor witness of what the video shows) and saturates at a
//!   Laplacian variance of about 10 000, beyond which more information content wins.

use crate::error::{MediaError, Result};

/// Quality figures of one frame; see the [module docs](self) for the definitions.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct FrameQuality {
    /// Variance of the Laplacian of luma.
    pub sharpness: f64,
    /// Grey-level entropy in bits (0–8).
    pub entropy: f64,
    /// Mean luma (0–255).
    pub brightness: f64,
    /// Standard deviation of luma.
    pub contrast: f64,
    /// Combined score in 0–1 used to rank frames.
    pub score: f64,
}

/// Why a frame cannot represent a video.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FrameDefect {
    /// Mean luma below [`FrameFilter::min_brightness`].
    Black,
    /// Mean luma above [`FrameFilter::max_brightness`].
    White,
    /// Luma standard deviation below [`FrameFilter::min_contrast`].
    Flat,
}

/// Thresholds that reject black, white and flat frames.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct FrameFilter {
    /// Frames darker than this mean luma are black (default 20).
    pub min_brightness: f64,
    /// Frames brighter than this mean luma are white (default 235).
    pub max_brightness: f64,
    /// Frames whose luma standard deviation is below this are flat (default 10).
    pub min_contrast: f64,
}

impl Default for FrameFilter {
    fn default() -> Self {
        Self {
            min_brightness: 20.0,
            max_brightness: 235.0,
            min_contrast: 10.0,
        }
    }
}

impl FrameFilter {
    /// The defect that disqualifies a frame, if any (black and white are checked before flat).
    pub fn defect(&self, quality: &FrameQuality) -> Option<FrameDefect> {
        if quality.brightness < self.min_brightness {
            Some(FrameDefect::Black)
        } else if quality.brightness > self.max_brightness {
            Some(FrameDefect::White)
        } else if quality.contrast < self.min_contrast {
            Some(FrameDefect::Flat)
        } else {
            None
        }
    }
}

/// Converts RGB24 to 8-bit luma.
pub(crate) fn luma(rgb: &[u8]) -> Vec<u8> {
    let mut y = Vec::new();
    luma_into(rgb, &mut y);
    y
}

/// Converts RGB24 to 8-bit luma into `y` (reusing its allocation).
pub(crate) fn luma_into(rgb: &[u8], y: &mut Vec<u8>) {
    y.clear();
    y.extend(rgb.chunks_exact(3).map(|p| {
        ((77 * u32::from(p[0]) + 150 * u32::from(p[1]) + 29 * u32::from(p[2]) + 128) >> 8) as u8
    }));
}

/// The combined score from sharpness and entropy (see the [module docs](self)).
pub fn combined_score(sharpness: f64, entropy: f64) -> f64 {
    let sharp = ((1.0 + sharpness.max(0.0)).log10() / 4.0).min(1.0);
    0.6 * sharp + 0.4 * (entropy / 8.0).clamp(0.0, 1.0)
}

/// Measures an RGB24 frame (`width × height × 3` bytes, rows top to bottom).
///
/// ```
/// // A 4x4 checkerboard: maximal contrast, 1 bit of entropy.
/// let mut rgb = Vec::new();
/// for y in 0..4 { for x in 0..4 { let v = if (x + y) % 2 == 0 { 255 } else { 0 }; rgb.extend([v, v, v]); } }
/// let q = assurai_media::measure_frame(&rgb, 4, 4)?;
/// assert_eq!(q.entropy, 1.0);
/// assert_eq!(q.brightness, 127.5);
/// # Ok::<(), assurai_media::MediaError>(())
/// ```
pub fn measure_frame(rgb: &[u8], width: u32, height: u32) -> Result<FrameQuality> {
    let expected = width as usize * height as usize * 3;
    if width == 0 || height == 0 || rgb.len() != expected {
        return Err(MediaError::invalid(
            "frame",
            format!(
                "RGB buffer of {} bytes does not match {width}x{height}x3 = {expected}",
                rgb.len()
            ),
        ));
    }
    Ok(measure_luma(&luma(rgb), width as usize, height as usize))
}

pub(crate) fn measure_luma(y: &[u8], width: usize, height: usize) -> FrameQuality {
    // Four interleaved histograms avoid store-to-load stalls on runs of equal values.
    let mut hists = [[0u32; 256]; 4];
    let mut quads = y.chunks_exact(4);
    for q in &mut quads {
        hists[0][usize::from(q[0])] += 1;
        hists[1][usize::from(q[1])] += 1;
        hists[2][usize::from(q[2])] += 1;
        hists[3][usize::from(q[3])] += 1;
    }
    for &v in quads.remainder() {
        hists[0][usize::from(v)] += 1;
    }
    let n = y.len() as f64;
    let (mut sum, mut sum_sq) = (0u64, 0u64);
    let mut entropy = 0.0;
    for v in 0..256 {
        let count = hists.iter().map(|h| u64::from(h[v])).sum::<u64>();
        let value = v as u64;
        sum += value * count;
        sum_sq += value * value * count;
        if count > 0 {
            let p = count as f64 / n;
            entropy -= p * p.log2();
        }
    }
    let brightness = sum as f64 / n;
    let contrast = (sum_sq as f64 / n - brightness * brightness)
        .max(0.0)
        .sqrt();
    let sharpness = laplacian_variance(y, width, height);
    FrameQuality {
        sharpness,
        entropy: entropy.max(0.0),
        brightness,
        contrast,
        score: combined_score(sharpness, entropy),
    }
}

fn laplacian_variance(y: &[u8], width: usize, height: usize) -> f64 {
    if width < 3 || height < 3 {
        return 0.0;
    }
    let (mut sum, mut sum_sq) = (0i64, 0u64);
    for row in 1..height - 1 {
        let up = &y[(row - 1) * width + 1..row * width - 1];
        let left = &y[row * width..(row + 1) * width - 2];
        let mid = &y[row * width + 1..(row + 1) * width - 1];
        let right = &y[row * width + 2..(row + 1) * width];
        let down = &y[(row + 1) * width + 1..(row + 2) * width - 1];
        // Chunks of 2048 keep the sums within i32/u32 (|l| <= 1020) and let them vectorise.
        for start in (0..mid.len()).step_by(2048) {
            let end = (start + 2048).min(mid.len());
            let (mut s, mut s2) = (0i32, 0u32);
            for i in start..end {
                let l = i32::from(up[i])
                    + i32::from(down[i])
                    + i32::from(left[i])
                    + i32::from(right[i])
                    - 4 * i32::from(mid[i]);
                s += l;
                s2 += (l * l) as u32;
            }
            sum += i64::from(s);
            sum_sq += u64::from(s2);
        }
    }
    let n = ((width - 2) * (height - 2)) as f64;
    let mean = sum as f64 / n;
    (sum_sq as f64 / n - mean * mean).max(0.0)
}

/// A 16×16 block-mean thumbnail of luma, used to tell near-duplicate frames apart.
pub(crate) fn signature(y: &[u8], width: usize, height: usize) -> [u8; 256] {
    let mut sig = [0u8; 256];
    for by in 0..16 {
        let y0 = by * height / 16;
        let y1 = ((by + 1) * height / 16).max(y0 + 1).min(height);
        for bx in 0..16 {
            let x0 = bx * width / 16;
            let x1 = ((bx + 1) * width / 16).max(x0 + 1).min(width);
            let (mut s, mut c) = (0u64, 0u64);
            for row in y0..y1 {
                for &v in &y[row * width + x0..row * width + x1] {
                    s += u64::from(v);
                    c += 1;
                }
            }
            sig[by * 16 + bx] = (s / c.max(1)) as u8;
        }
    }
    sig
}

/// Mean absolute difference of two signatures, in 0–1.
pub(crate) fn signature_distance(a: &[u8; 256], b: &[u8; 256]) -> f64 {
    let total: u32 = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| u32::from(x.abs_diff(y)))
        .sum();
    f64::from(total) / (256.0 * 255.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_frame_has_zero_everything() {
        let q = measure_frame(&[90; 8 * 8 * 3], 8, 8).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(q.sharpness, 0.0);
        assert_eq!(q.entropy, 0.0);
        assert_eq!(q.contrast, 0.0);
        assert_eq!(q.brightness, 90.0);
        assert_eq!(FrameFilter::default().defect(&q), Some(FrameDefect::Flat));
    }

    #[test]
    fn laplacian_single_spike() {
        // 3x3 with centre 100: one interior Laplacian value -400, variance 0 (single value).
        let mut y = vec![0u8; 9];
        y[4] = 100;
        assert_eq!(laplacian_variance(&y, 3, 3), 0.0);
        // 4x3 with one spike: interior values -400 and 100 -> mean -150, variance 62500.
        let mut y = vec![0u8; 12];
        y[5] = 100;
        assert_eq!(laplacian_variance(&y, 4, 3), 62_500.0);
    }

    #[test]
    fn luma_weights() {
        assert_eq!(luma(&[255, 255, 255, 0, 0, 0, 255, 0, 0]), vec![255, 0, 77]);
    }

    #[test]
    fn signatures_of_tiny_frames() {
        let sig = signature(&[200], 1, 1);
        assert!(sig.iter().all(|&v| v == 200));
        assert_eq!(signature_distance(&sig, &[0; 256]), 200.0 / 255.0);
    }
}
