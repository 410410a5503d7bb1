//! H.264 in-process: `avcC` and SPS parsing (sizes checked before the decoder allocates), AVCC →
//! Annex B conversion, and decoding with OpenH264 in display order (B-frames included).
//!
//! OpenH264 reorders B-frames itself when it is *not* flushed after every access unit: the
//! `openh264` crate's default (`Flush::Flush`) forces buffered pictures out early and breaks
//! streams with B-frames, so the decoder runs with `Flush::NoFlush` and is drained with
//! `flush_remaining` at the end of the stream. No OpenH264 type leaves this module.

use openh264::OpenH264API;
use openh264::decoder::{Decoder, DecoderConfig, Flush};
use openh264::formats::YUVSource as _;

/// The parts of a sequence parameter set that decide whether and how we decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sps {
    pub(crate) profile_idc: u8,
    pub(crate) chroma_format_idc: u32,
    pub(crate) bit_depth_luma: u32,
    pub(crate) bit_depth_chroma: u32,
    pub(crate) width: u32,
    pub(crate) height: u32,
}

/// Removes emulation-prevention bytes (`00 00 03` → `00 00`).
fn rbsp(nal: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(nal.len());
    let mut zeros = 0;
    for &b in nal {
        if zeros >= 2 && b == 3 {
            zeros = 0;
            continue;
        }
        zeros = if b == 0 { zeros + 1 } else { 0 };
        out.push(b);
    }
    out
}

struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Bits<'_> {
    fn bit(&mut self) -> Option<u32> {
        let byte = *self.data.get(self.pos / 8)?;
        let bit = (byte >> (7 - (self.pos % 8))) & 1;
        self.pos += 1;
        Some(u32::from(bit))
    }

    fn bits(&mut self, n: u32) -> Option<u32> {
        let mut v = 0;
        for _ in 0..n {
            v = (v << 1) | self.bit()?;
        }
        Some(v)
    }

    /// Unsigned Exp-Golomb, at most 32 bits of value.
    fn ue(&mut self) -> Option<u32> {
        let mut zeros = 0;
        while self.bit()? == 0 {
            zeros += 1;
            if zeros > 31 {
                return None;
            }
        }
        let rest = self.bits(zeros)?;
        Some(((1u64 << zeros) - 1 + u64::from(rest)).min(u64::from(u32::MAX)) as u32)
    }

    fn se(&mut self) -> Option<i64> {
        let k = i64::from(self.ue()?);
        Some(if k % 2 == 1 { (k + 1) / 2 } else { -(k / 2) })
    }
}

/// Parses an SPS NAL unit (with its one-byte header).
pub(crate) fn parse_sps(nal: &[u8]) -> Option<Sps> {
    if nal.first()? & 0x1f != 7 {
        return None;
    }
    let data = rbsp(&nal[1..]);
    let mut r = Bits {
        data: &data,
        pos: 0,
    };
    let profile_idc = r.bits(8)? as u8;
    let _constraints = r.bits(8)?;
    let _level = r.bits(8)?;
    let _sps_id = r.ue()?;
    let (mut chroma_format_idc, mut bit_depth_luma, mut bit_depth_chroma) = (1, 8, 8);
    if matches!(
        profile_idc,
        100 | 110 | 122 | 244 | 44 | 83 | 86 | 118 | 128 | 138 | 139 | 134 | 135
    ) {
        chroma_format_idc = r.ue()?;
        if chroma_format_idc > 3 {
            return None;
        }
        if chroma_format_idc == 3 {
            let _separate_colour_plane = r.bit()?;
        }
        bit_depth_luma = r.ue()?.checked_add(8)?;
        bit_depth_chroma = r.ue()?.checked_add(8)?;
        let _qpprime = r.bit()?;
        if r.bit()? == 1 {
            let lists = if chroma_format_idc == 3 { 12 } else { 8 };
            for i in 0..lists {
                if r.bit()? == 1 {
                    let size = if i < 6 { 16 } else { 64 };
                    let (mut last, mut next) = (8i64, 8i64);
                    for _ in 0..size {
                        if next != 0 {
                            next = (last + r.se()? + 256).rem_euclid(256);
                        }
                        if next != 0 {
                            last = next;
                        }
                    }
                }
            }
        }
    }
    let _log2_max_frame_num = r.ue()?;
    match r.ue()? {
        0 => {
            let _log2_max_poc_lsb = r.ue()?;
        }
        1 => {
            let _delta_always_zero = r.bit()?;
            let _offset_non_ref = r.se()?;
            let _offset_top_bottom = r.se()?;
            let cycle = r.ue()?;
            if cycle > 255 {
                return None;
            }
            for _ in 0..cycle {
                r.se()?;
            }
        }
        2 => {}
        _ => return None,
    }
    let _max_num_ref_frames = r.ue()?;
    let _gaps = r.bit()?;
    let width_mbs = u64::from(r.ue()?) + 1;
    let height_map_units = u64::from(r.ue()?) + 1;
    let frame_mbs_only = u64::from(r.bit()?);
    if frame_mbs_only == 0 {
        let _mb_adaptive = r.bit()?;
    }
    let _direct_8x8 = r.bit()?;
    let height_mbs = height_map_units * (2 - frame_mbs_only);
    let (mut width, mut height) = (width_mbs * 16, height_mbs * 16);
    if r.bit()? == 1 {
        let (left, right, top, bottom) = (r.ue()?, r.ue()?, r.ue()?, r.ue()?);
        let (unit_x, unit_y) = match chroma_format_idc {
            1 => (2, 2 * (2 - frame_mbs_only)),
            2 => (2, 2 - frame_mbs_only),
            _ => (1, 2 - frame_mbs_only),
        };
        let crop_x = unit_x * (u64::from(left) + u64::from(right));
        let crop_y = unit_y * (u64::from(top) + u64::from(bottom));
        width = width.checked_sub(crop_x).filter(|&w| w > 0)?;
        height = height.checked_sub(crop_y).filter(|&h| h > 0)?;
    }
    Some(Sps {
        profile_idc,
        chroma_format_idc,
        bit_depth_luma,
        bit_depth_chroma,
        width: u32::try_from(width).ok()?,
        height: u32::try_from(height).ok()?,
    })
}

impl Sps {
    /// Why OpenH264 cannot decode this stream, if it cannot.
    pub(crate) fn unsupported(&self) -> Option<String> {
        if self.chroma_format_idc != 1 {
            let name = match self.chroma_format_idc {
                0 => "4:0:0 (monochrome)",
                2 => "4:2:2",
                _ => "4:4:4",
            };
            return Some(format!("H.264 with {name} chroma"));
        }
        if self.bit_depth_luma != 8 || self.bit_depth_chroma != 8 {
            return Some(format!("{}-bit H.264", self.bit_depth_luma));
        }
        None
    }
}

/// The decoder configuration record of an `avc1`/`avc3` sample entry.
pub(crate) struct AvcConfig {
    /// Bytes in each NAL length prefix (1, 2 or 4).
    pub(crate) length_size: usize,
    /// SPS and PPS NAL units.
    pub(crate) parameter_sets: Vec<Vec<u8>>,
    /// The first SPS, parsed.
    pub(crate) sps: Option<Sps>,
}

/// Parses an `avcC` record (ISO/IEC 14496-15 § 5.3.3.1).
pub(crate) fn parse_avcc(avcc: &[u8]) -> Result<AvcConfig, String> {
    let bad = || "malformed avcC decoder configuration".to_owned();
    if avcc.len() < 7 || avcc[0] != 1 {
        return Err(bad());
    }
    let length_size = usize::from(avcc[4] & 3) + 1;
    if length_size == 3 {
        return Err(bad());
    }
    let mut pos = 5;
    let mut parameter_sets = Vec::new();
    let mut sps = None;
    for kind in [7u8, 8] {
        let count = if kind == 7 {
            usize::from(avcc[pos] & 0x1f)
        } else {
            usize::from(*avcc.get(pos).ok_or_else(bad)?)
        };
        pos += 1;
        for _ in 0..count {
            let len = usize::from(u16::from_be_bytes([
                *avcc.get(pos).ok_or_else(bad)?,
                *avcc.get(pos + 1).ok_or_else(bad)?,
            ]));
            pos += 2;
            let nal = avcc.get(pos..pos + len).ok_or_else(bad)?;
            pos += len;
            if nal.is_empty() {
                return Err(bad());
            }
            if kind == 7 && sps.is_none() {
                sps = Some(parse_sps(nal).ok_or_else(|| "unreadable SPS in avcC".to_owned())?);
            }
            parameter_sets.push(nal.to_vec());
        }
    }
    Ok(AvcConfig {
        length_size,
        parameter_sets,
        sps,
    })
}

/// Whether a sample (length-prefixed NAL units, possibly cut short) holds an IDR slice before
/// any other slice.
pub(crate) fn starts_idr(sample: &[u8], length_size: usize) -> bool {
    let mut rest = sample;
    while rest.len() > length_size {
        let (prefix, tail) = rest.split_at(length_size);
        let len = prefix
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        let Some(&header) = tail.first() else {
            return false;
        };
        match header & 0x1f {
            5 => return true,
            1 => return false,
            _ => {}
        }
        if len == 0 || len > tail.len() {
            return false;
        }
        rest = &tail[len..];
    }
    false
}

/// A decoded picture in I420, borrowed from the decoder until the next call.
pub(crate) struct Picture<'a> {
    pub(crate) width: usize,
    pub(crate) height: usize,
    pub(crate) y: &'a [u8],
    pub(crate) u: &'a [u8],
    pub(crate) v: &'a [u8],
    pub(crate) y_stride: usize,
    pub(crate) uv_stride: usize,
}

impl Picture<'_> {
    /// Whether the planes really hold `width × height` I420 pixels at these strides.
    fn is_consistent(&self) -> bool {
        let (cw, ch) = (self.width.div_ceil(2), self.height.div_ceil(2));
        self.width > 0
            && self.height > 0
            && self.y_stride >= self.width
            && self.uv_stride >= cw
            && self.y.len() >= self.y_stride * (self.height - 1) + self.width
            && self.u.len() >= self.uv_stride * (ch - 1) + cw
            && self.v.len() >= self.uv_stride * (ch - 1) + cw
    }
}

fn picture<'a>(yuv: &'a openh264::decoder::DecodedYUV<'_>) -> Option<Picture<'a>> {
    let (width, height) = yuv.dimensions();
    let (y_stride, uv_stride, _) = yuv.strides();
    let p = Picture {
        width,
        height,
        y: yuv.y(),
        u: yuv.u(),
        v: yuv.v(),
        y_stride,
        uv_stride,
    };
    p.is_consistent().then_some(p)
}

/// An OpenH264 decoder fed with MP4 samples.
pub(crate) struct H264Decoder {
    decoder: Decoder,
    length_size: usize,
    annexb: Vec<u8>,
}

impl H264Decoder {
    /// A decoder primed with the stream's parameter sets.
    pub(crate) fn new(config: &AvcConfig) -> Result<Self, String> {
        let mut decoder = Decoder::with_api_config(
            OpenH264API::from_source(),
            DecoderConfig::new().flush_after_decode(Flush::NoFlush),
        )
        .map_err(|e| format!("cannot start the H.264 decoder: {e}"))?;
        let mut annexb = Vec::new();
        for nal in &config.parameter_sets {
            annexb.extend_from_slice(&[0, 0, 0, 1]);
            annexb.extend_from_slice(nal);
        }
        if !annexb.is_empty() {
            decoder
                .decode(&annexb)
                .map_err(|e| format!("bad H.264 parameter sets: {e}"))?;
        }
        Ok(Self {
            decoder,
            length_size: config.length_size,
            annexb,
        })
    }

    /// Feeds one sample (length-prefixed NAL units) and passes the picture that comes out, if
    /// any (display order), to `each`. `check_sps` vets every in-band SPS before the decoder
    /// sees it; `skip_non_reference` drops non-reference slices. Returns whether a picture was
    /// decoded from this sample (false when every slice was skipped).
    pub(crate) fn feed(
        &mut self,
        sample: &[u8],
        skip_non_reference: bool,
        check_sps: &mut dyn FnMut(&[u8]) -> Result<(), String>,
        each: impl FnOnce(Picture<'_>),
    ) -> Result<bool, String> {
        self.annexb.clear();
        let mut rest = sample;
        let mut slices = 0;
        while !rest.is_empty() {
            if rest.len() < self.length_size {
                return Err("NAL length prefix cut off".to_owned());
            }
            let (prefix, tail) = rest.split_at(self.length_size);
            let len = prefix
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            if len == 0 || len > tail.len() {
                return Err(format!(
                    "NAL unit of {len} bytes in a sample with {} bytes left",
                    tail.len()
                ));
            }
            let (nal, tail) = tail.split_at(len);
            rest = tail;
            let kind = nal[0] & 0x1f;
            let nal_ref_idc = (nal[0] >> 5) & 3;
            match kind {
                7 => check_sps(nal)?,
                1 if skip_non_reference && nal_ref_idc == 0 => continue,
                // Access-unit delimiters, SEI, end of sequence/stream and filler carry nothing
                // a picture needs.
                6 | 9 | 10 | 11 | 12 => continue,
                1 | 5 => slices += 1,
                _ => {}
            }
            self.annexb.extend_from_slice(&[0, 0, 0, 1]);
            self.annexb.extend_from_slice(nal);
        }
        if self.annexb.is_empty() {
            return Ok(false);
        }
        let out = self
            .decoder
            .decode(&self.annexb)
            .map_err(|e| format!("H.264 decoding failed: {e}"))?;
        if let Some(p) = out.as_ref().and_then(picture) {
            each(p);
        }
        Ok(slices > 0)
    }

    /// Drains the pictures still held for reordering, in display order.
    pub(crate) fn drain(&mut self, mut each: impl FnMut(Picture<'_>)) -> Result<(), String> {
        let frames = self
            .decoder
            .flush_remaining()
            .map_err(|e| format!("H.264 decoding failed at the end of the stream: {e}"))?;
        for yuv in &frames {
            if let Some(p) = picture(yuv) {
                each(p);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sps_of_x264_720p() {
        // The SPS of the benchmark clip: x264 High profile, 1280x720, 25 fps.
        let sps = [
            0x67, 0x64, 0x00, 0x1f, 0xac, 0xd9, 0x40, 0x50, 0x05, 0xbb, 0x01, 0x10, 0x00, 0x00,
            0x03, 0x00, 0x10, 0x00, 0x00, 0x03, 0x03, 0x20, 0xf1, 0x83, 0x19, 0x60,
        ];
        let parsed = parse_sps(&sps).unwrap_or_else(|| panic!("parse"));
        assert_eq!(parsed.profile_idc, 100);
        assert_eq!((parsed.width, parsed.height), (1280, 720));
        assert_eq!(parsed.unsupported(), None);
    }

    #[test]
    fn garbage_is_not_an_sps() {
        assert_eq!(parse_sps(&[]), None);
        assert_eq!(parse_sps(&[0x67]), None);
        assert_eq!(parse_sps(&[0x67, 0x64, 0, 0x1f, 0, 0, 0, 0]), None);
        assert!(parse_avcc(&[1, 2, 3]).is_err());
    }
}
