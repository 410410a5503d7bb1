//! The in-process video backend: MP4/MOV demuxed by mp4parse, H.264 decoded by OpenH264 in
//! display order, frames sampled exactly as the `ffmpeg` backend's `select` filter does, then
//! measured and chosen by the shared [`Selector`].

use std::collections::BTreeMap;
use std::io::{Read as _, Seek as _, SeekFrom};
use std::path::Path;

use crate::error::{MediaError, Result};
use crate::h264::{self, H264Decoder, Picture};
use crate::mp4::Track;
use crate::video::{
    FrameOptions, FrameSelection, Sampling, Selector, VideoBackend, check_limits, max_sampled,
    skip_non_reference, step_seconds, stop_is_truncation,
};

/// No coded picture of an accepted video is larger than this.
const MAX_SAMPLE_BYTES: u32 = 64 << 20;

/// Which decoded frames are sampled: the same rules as the `ffmpeg` backend's
/// `select` expressions (see `video::select_expr`).
struct Sampler {
    /// Time-based step, rounded to the 9 decimals the ffmpeg expression carries.
    step: Option<f64>,
    /// Scene-change threshold.
    threshold: Option<f64>,
    prev_selected: Option<f64>,
    /// Previous frame's luma plane and mean absolute frame difference, for scene scores.
    prev_y: Vec<u8>,
    prev_mafd: f64,
}

impl Sampler {
    fn new(sampling: Sampling, duration_s: f64) -> Self {
        let step = step_seconds(sampling, duration_s)
            .map(|s| format!("{s:.9}").parse::<f64>().unwrap_or(s));
        let threshold = match sampling {
            Sampling::SceneChange { threshold } => Some(
                format!("{threshold:.6}")
                    .parse::<f64>()
                    .unwrap_or(threshold),
            ),
            _ => None,
        };
        Self {
            step,
            threshold,
            prev_selected: None,
            prev_y: Vec::new(),
            prev_mafd: 0.0,
        }
    }

    /// ffmpeg's `scene` score (libavfilter `vf_select`): on the luma plane, the mean absolute
    /// difference to the previous frame, `min(mafd, |mafd − previous mafd|) / 100` clipped
    /// to [0, 1]; 0 for the first frame.
    fn scene_score(&mut self, pic: &Picture<'_>) -> f64 {
        let (w, h) = (pic.width, pic.height);
        let mut score = 0.0;
        if self.prev_y.len() == w * h {
            let mut sad = 0u64;
            for row in 0..h {
                let cur = &pic.y[row * pic.y_stride..row * pic.y_stride + w];
                let prev = &self.prev_y[row * w..(row + 1) * w];
                sad += cur
                    .iter()
                    .zip(prev)
                    .map(|(&a, &b)| u64::from(a.abs_diff(b)))
                    .sum::<u64>();
            }
            let mafd = sad as f64 / (w * h) as f64;
            let diff = (mafd - self.prev_mafd).abs();
            score = (mafd.min(diff) / 100.0).clamp(0.0, 1.0);
            self.prev_mafd = mafd;
        }
        self.prev_y.clear();
        for row in 0..h {
            self.prev_y
                .extend_from_slice(&pic.y[row * pic.y_stride..row * pic.y_stride + w]);
        }
        score
    }

    fn take(&mut self, t: f64, pic: &Picture<'_>) -> bool {
        let selected = if let Some(threshold) = self.threshold {
            let score = self.scene_score(pic);
            self.prev_selected.is_none() || score > threshold
        } else if let Some(step) = self.step {
            match self.prev_selected {
                None => true,
                Some(prev) => (t / step).floor() > (prev / step).floor(),
            }
        } else {
            true
        };
        if selected {
            self.prev_selected = Some(t);
        }
        selected
    }
}

/// BT.601 limited-range I420 → RGB24 with each chroma sample covering its 2 × 2 block, as
/// ffmpeg's unscaled `yuv420p → rgb24` conversion does.
fn yuv_to_rgb(pic: &Picture<'_>, rgb: &mut [u8]) {
    #[inline(always)]
    fn clip(v: i32) -> u8 {
        (v >> 8).clamp(0, 255) as u8
    }
    #[inline(always)]
    fn pixel(y: u8, r: i32, g: i32, b: i32, px: &mut [u8]) {
        let c = 298 * (i32::from(y) - 16) + 128;
        px[0] = clip(c + r);
        px[1] = clip(c + g);
        px[2] = clip(c + b);
    }
    let w = pic.width;
    let cw = w.div_ceil(2);
    for row in 0..pic.height {
        let y_row = &pic.y[row * pic.y_stride..row * pic.y_stride + w];
        let c = (row / 2) * pic.uv_stride;
        let u_row = &pic.u[c..c + cw];
        let v_row = &pic.v[c..c + cw];
        let out = &mut rgb[row * w * 3..(row + 1) * w * 3];
        // One chroma sample per pair of pixels.
        let pairs = y_row
            .chunks_exact(2)
            .zip(out.chunks_exact_mut(6))
            .zip(u_row.iter().zip(v_row));
        for ((ys, px), (&u, &v)) in pairs {
            let (d, e) = (i32::from(u) - 128, i32::from(v) - 128);
            let (r, g, b) = (409 * e, -100 * d - 208 * e, 516 * d);
            pixel(ys[0], r, g, b, &mut px[..3]);
            pixel(ys[1], r, g, b, &mut px[3..]);
        }
        if w % 2 == 1 {
            let (d, e) = (
                i32::from(u_row[cw - 1]) - 128,
                i32::from(v_row[cw - 1]) - 128,
            );
            pixel(
                y_row[w - 1],
                409 * e,
                -100 * d - 208 * e,
                516 * d,
                &mut out[(w - 1) * 3..],
            );
        }
    }
}

/// Rotates an RGB24 image clockwise by `degrees` (90, 180, 270) into `out`.
fn rotate(rgb: &[u8], width: usize, height: usize, degrees: u32, out: &mut Vec<u8>) {
    out.clear();
    out.resize(rgb.len(), 0);
    for y in 0..height {
        for x in 0..width {
            let (dx, dy, dw) = match degrees {
                90 => (height - 1 - y, x, height),
                180 => (width - 1 - x, height - 1 - y, width),
                _ => (y, width - 1 - x, height),
            };
            let s = (y * width + x) * 3;
            let d = (dy * dw + dx) * 3;
            out[d..d + 3].copy_from_slice(&rgb[s..s + 3]);
        }
    }
}

struct State<'a> {
    selector: Selector<'a>,
    sampler: Sampler,
    /// Presentation times of pictures fed but not yet output (a multiset).
    pending: BTreeMap<i64, u32>,
    /// Seconds per tick.
    tick: f64,
    coded: (usize, usize),
    rotation: u32,
    rgb: Vec<u8>,
    rotated: Vec<u8>,
    max_frames: usize,
    done: bool,
    truncated: bool,
    truncate_at_stop: bool,
    odd_pictures: usize,
    /// Hold the first sampled frame back instead of measuring it (a later part of a split
    /// video: whether it is sampled depends on the part before).
    defer_first: bool,
    deferred: Option<(f64, Vec<u8>)>,
    /// Time of the last picture out (display order).
    last_t: Option<f64>,
}

impl State<'_> {
    fn push(&mut self, pts: i64) {
        *self.pending.entry(pts).or_insert(0) += 1;
    }

    fn remove(&mut self, pts: i64) {
        if let Some(n) = self.pending.get_mut(&pts) {
            *n -= 1;
            if *n == 0 {
                self.pending.remove(&pts);
            }
        }
    }

    fn picture(&mut self, pic: Picture<'_>) {
        // Pictures come out in display order: each takes the earliest pending time.
        let Some((&pts, _)) = self.pending.iter().next() else {
            self.odd_pictures += 1;
            return;
        };
        self.remove(pts);
        if self.done {
            return;
        }
        if (pic.width, pic.height) != self.coded {
            self.odd_pictures += 1;
            return;
        }
        // As ffmpeg computes a frame's time: pts × (1 / timescale), in double precision.
        let t = pts as f64 * self.tick;
        self.last_t = Some(t);
        if !self.sampler.take(t, &pic) {
            return;
        }
        yuv_to_rgb(&pic, &mut self.rgb);
        if self.rotation != 0 {
            rotate(
                &self.rgb,
                self.coded.0,
                self.coded.1,
                self.rotation,
                &mut self.rotated,
            );
            std::mem::swap(&mut self.rgb, &mut self.rotated);
        }
        if self.defer_first && self.deferred.is_none() {
            self.deferred = Some((t, self.rgb.clone()));
            return;
        }
        self.selector.offer(&self.rgb, t);
        if self.selector.considered >= self.max_frames {
            self.done = true;
            self.truncated = self.truncate_at_stop;
        }
    }
}

/// What decoding one run of samples gave.
struct Part<'a> {
    selector: Selector<'a>,
    deferred: Option<(f64, Vec<u8>)>,
    last_t: Option<f64>,
    truncated: bool,
    decoded: usize,
    errors: usize,
    first_error: Option<String>,
}

struct Job<'a> {
    path: &'a Path,
    input: &'a str,
    track: &'a Track,
    config: &'a h264::AvcConfig,
    sps: h264::Sps,
    options: &'a FrameOptions,
    info: &'a crate::ffmpeg::VideoInfo,
    skip: bool,
}

/// Decodes `samples` (starting at an IDR picture, or at the start) with a decoder of its own.
fn run_part<'a>(
    job: &Job<'a>,
    samples: &[crate::mp4::Sample],
    defer_first: bool,
) -> Result<Part<'a>> {
    let (path, input, options) = (job.path, job.input, job.options);
    let mut decoder = H264Decoder::new(job.config).map_err(|e| MediaError::invalid(input, e))?;
    let (cw, ch) = (job.sps.width as usize, job.sps.height as usize);
    let mut state = State {
        selector: Selector::new(options, job.info.width, job.info.height),
        sampler: Sampler::new(options.sampling, job.info.duration_s),
        pending: BTreeMap::new(),
        tick: 1.0 / job.track.timescale as f64,
        coded: (cw, ch),
        rotation: job.track.rotation,
        rgb: vec![0u8; cw * ch * 3],
        rotated: Vec::new(),
        max_frames: max_sampled(options),
        done: false,
        truncated: false,
        truncate_at_stop: stop_is_truncation(options),
        odd_pictures: 0,
        defer_first,
        deferred: None,
        last_t: None,
    };
    let first_sps = job.sps;
    let mut check_sps = |nal: &[u8]| -> std::result::Result<(), String> {
        match h264::parse_sps(nal) {
            Some(s) if (s.width, s.height) == (first_sps.width, first_sps.height) => {
                s.unsupported().map_or(Ok(()), Err)
            }
            Some(s) => Err(format!(
                "the stream changes resolution from {}x{} to {}x{}",
                first_sps.width, first_sps.height, s.width, s.height
            )),
            None => Err("unreadable in-band SPS".to_owned()),
        }
    };
    let io = |source| MediaError::Io {
        path: path.to_owned(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut buf = Vec::new();
    let mut position = u64::MAX;
    let (mut decoded, mut errors) = (0usize, 0usize);
    let mut first_error: Option<String> = None;
    let max_s = options.limits.max_duration_s;
    for sample in samples {
        if state.done {
            break;
        }
        if sample.size > MAX_SAMPLE_BYTES {
            return Err(MediaError::limit(
                input,
                "video frame size (bytes)",
                sample.size.into(),
                MAX_SAMPLE_BYTES.into(),
            ));
        }
        if sample.pts as f64 * state.tick > max_s {
            continue;
        }
        if position != sample.offset {
            file.seek(SeekFrom::Start(sample.offset)).map_err(io)?;
        }
        buf.resize(sample.size as usize, 0);
        if file.read_exact(&mut buf).is_err() {
            // Truncated file: keep what was decoded.
            break;
        }
        position = sample.offset + u64::from(sample.size);
        state.push(sample.pts);
        match decoder.feed(&buf, job.skip, &mut check_sps, |p| state.picture(p)) {
            Ok(true) => decoded += 1,
            Ok(false) => state.remove(sample.pts),
            Err(e)
                if e.starts_with("the stream changes")
                    || e.contains("H.264 with")
                    || e.contains("-bit H.264") =>
            {
                return Err(MediaError::Unsupported {
                    input: input.to_owned(),
                    reason: e,
                });
            }
            Err(e) => {
                state.remove(sample.pts);
                errors += 1;
                first_error.get_or_insert(e);
            }
        }
    }
    if !state.done {
        decoder
            .drain(|p| state.picture(p))
            .map_err(|e| MediaError::invalid(input, e))?;
    }
    Ok(Part {
        selector: state.selector,
        deferred: state.deferred,
        last_t: state.last_t,
        truncated: state.truncated,
        decoded,
        errors,
        first_error,
    })
}

/// Where to cut the samples (decode order) so that each part starts with an IDR picture and
/// the parts are about equally long; one part when that is not possible or not worth it.
fn plan_parts(job: &Job<'_>) -> Vec<usize> {
    let samples = &job.track.samples;
    let options = job.options;
    let parts = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(4);
    // Scene scores compare consecutive frames; a frame limit must stop in time order; a
    // pool limited by the byte budget would shrink: decode in one part then.
    let time_based = step_seconds(options.sampling, job.info.duration_s).is_some();
    let expected = match options.sampling {
        Sampling::Uniform { frames } => frames as f64,
        Sampling::Interval { seconds } => job.info.duration_s / seconds + 1.0,
        _ => f64::INFINITY,
    };
    if parts < 2
        || !time_based
        || expected >= options.limits.max_frames as f64
        || samples.len() < 50
        || !crate::video::pool_fits(options, job.info.width, job.info.height, parts)
    {
        return vec![0];
    }
    let is_idr = |i: usize| -> bool {
        let s = samples[i];
        let Ok(mut f) = std::fs::File::open(job.path) else {
            return false;
        };
        let mut head = vec![0u8; (s.size as usize).min(4096)];
        if f.seek(SeekFrom::Start(s.offset)).is_err() || f.read_exact(&mut head).is_err() {
            return false;
        }
        h264::starts_idr(&head, job.config.length_size)
    };
    let mut cuts = vec![0];
    for k in 1..parts {
        let ideal = samples.len() * k / parts;
        let last = *cuts.last().unwrap_or(&0);
        // The sync sample nearest the ideal cut, at least 25 samples from the previous cut.
        let best = samples
            .iter()
            .enumerate()
            .filter(|(i, s)| s.sync && *i >= last + 25 && *i + 25 <= samples.len())
            .min_by_key(|(i, _)| i.abs_diff(ideal))
            .map(|(i, _)| i);
        if let Some(i) = best
            && i.abs_diff(ideal) <= samples.len() / parts / 2
            && is_idr(i)
        {
            cuts.push(i);
        }
    }
    cuts.dedup();
    cuts
}

/// Samples, measures and chooses frames of an MP4/MOV H.264 track. Long time-sampled videos
/// are cut at IDR pictures and the parts decoded on separate threads, then merged exactly as
/// one pass would have sampled them.
pub(crate) fn select(
    path: &Path,
    track: &Track,
    options: &FrameOptions,
    input: &str,
) -> Result<FrameSelection> {
    let config = h264::parse_avcc(&track.avcc).map_err(|e| MediaError::invalid(input, e))?;
    let Some(sps) = config.sps else {
        return Err(MediaError::invalid(input, "H.264 track without an SPS"));
    };
    // The coded size comes from the SPS, the decoder's truth; limits are checked on it
    // before the decoder allocates anything.
    let info = crate::video::track_info_for(track, sps.width, sps.height);
    check_limits(&info, &options.limits, input)?;
    let skip = skip_non_reference(options, &info);
    let job = Job {
        path,
        input,
        track,
        config: &config,
        sps,
        options,
        info: &info,
        skip,
    };
    let cuts = plan_parts(&job);
    let ranges: Vec<std::ops::Range<usize>> = cuts
        .iter()
        .enumerate()
        .map(|(k, &start)| start..cuts.get(k + 1).copied().unwrap_or(track.samples.len()))
        .collect();
    let parts: Vec<Result<Part<'_>>> = if ranges.len() == 1 {
        vec![run_part(&job, &track.samples, false)]
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = ranges
                .iter()
                .enumerate()
                .map(|(k, r)| {
                    let job = &job;
                    let samples = &track.samples[r.clone()];
                    scope.spawn(move || run_part(job, samples, k > 0))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(MediaError::invalid(input, "video decoding thread failed"))
                    })
                })
                .collect()
        })
    };
    let step = step_seconds(options.sampling, info.duration_s)
        .map(|s| format!("{s:.9}").parse::<f64>().unwrap_or(s));
    let mut merged: Option<Part<'_>> = None;
    for part in parts {
        let part = part?;
        let Some(acc) = merged.as_mut() else {
            merged = Some(part);
            continue;
        };
        // The first sampled frame of a later part is sampled in one pass only if it opens a
        // new sampling window after the last frame of the part before.
        if let Some((t, rgb)) = &part.deferred {
            let opens_window = match (step, acc.last_t) {
                (Some(step), Some(prev)) => (t / step).floor() > (prev / step).floor(),
                _ => true,
            };
            if opens_window {
                acc.selector.offer(rgb, *t);
            }
        }
        acc.selector.absorb(part.selector);
        acc.last_t = part.last_t.or(acc.last_t);
        acc.decoded += part.decoded;
        acc.errors += part.errors;
        acc.truncated |= part.truncated;
        if acc.first_error.is_none() {
            acc.first_error = part.first_error;
        }
    }
    let Some(part) = merged else {
        return Err(MediaError::invalid(input, "no video samples"));
    };
    if part.selector.considered == 0 {
        let why = part
            .first_error
            .unwrap_or_else(|| "no picture came out of the decoder".to_owned());
        return Err(MediaError::invalid(
            input,
            format!(
                "no decodable video frame ({} decoded, {} failed: {why})",
                part.decoded, part.errors
            ),
        ));
    }
    part.selector.finish(
        info.clone(),
        part.truncated,
        VideoBackend::InProcess,
        input.to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_moves_corners() {
        // 2x1 image: red, green.
        let rgb = [255, 0, 0, 0, 255, 0];
        let mut out = Vec::new();
        rotate(&rgb, 2, 1, 90, &mut out);
        // Clockwise: a 1x2 image with red on top.
        assert_eq!(out, vec![255, 0, 0, 0, 255, 0]);
        rotate(&rgb, 2, 1, 180, &mut out);
        assert_eq!(out, vec![0, 255, 0, 255, 0, 0]);
        rotate(&rgb, 2, 1, 270, &mut out);
        assert_eq!(out, vec![0, 255, 0, 255, 0, 0]);
    }

    #[test]
    fn limited_range_conversion() {
        let y = [16u8, 235];
        let (u, v) = ([128u8], [128u8]);
        let pic = Picture {
            width: 2,
            height: 1,
            y: &y,
            u: &u,
            v: &v,
            y_stride: 2,
            uv_stride: 1,
        };
        let mut rgb = [0u8; 6];
        yuv_to_rgb(&pic, &mut rgb);
        assert_eq!(rgb, [0, 0, 0, 255, 255, 255]);
        // Odd width: the last pixel takes the last chroma sample.
        let y = [235u8, 235, 16];
        let (u, v) = ([128u8, 128], [128u8, 128]);
        let pic = Picture {
            width: 3,
            height: 1,
            y: &y,
            u: &u,
            v: &v,
            y_stride: 3,
            uv_stride: 2,
        };
        let mut rgb = [1u8; 9];
        yuv_to_rgb(&pic, &mut rgb);
        assert_eq!(rgb, [255, 255, 255, 255, 255, 255, 0, 0, 0]);
    }
}
