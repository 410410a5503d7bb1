//! ISO BMFF (MP4/MOV) demuxing with Mozilla's `mp4parse`: the first H.264 video track's size,
//! duration, rotation, decoder configuration and sample table (file offsets and presentation
//! times). Counts and sizes are checked against [`VideoLimits`] before any table is built.
//!
//! Nothing of mp4parse's API leaves this module.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use mp4parse::unstable::{CheckedInteger, create_sample_table};
use mp4parse::{CodecType, SampleEntry, TrackType, VideoCodecSpecific};

use crate::error::{MediaError, Result};
use crate::video::VideoLimits;

/// One coded picture: where it is in the file and when it is shown.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sample {
    pub(crate) offset: u64,
    pub(crate) size: u32,
    /// Presentation time in track ticks, edit list applied (the first frame is at about 0).
    pub(crate) pts: i64,
    /// A sync sample (`stss`): decoding can start here.
    pub(crate) sync: bool,
}

/// A demuxed H.264 track.
pub(crate) struct Track {
    pub(crate) width: u32,
    pub(crate) height: u32,
    /// Clockwise rotation to apply for display (0, 90, 180, 270).
    pub(crate) rotation: u32,
    pub(crate) timescale: u64,
    pub(crate) duration_s: f64,
    /// `avcC` bytes.
    pub(crate) avcc: Vec<u8>,
    /// In decode order.
    pub(crate) samples: Vec<Sample>,
    /// `mp4` or `mov`.
    pub(crate) format: &'static str,
}

/// Why the in-process path does not handle a file another decoder may handle.
#[derive(Debug)]
pub(crate) struct NotHere {
    /// The codec or container, as ffmpeg names it where possible (`hevc`, `vp9`, `webm`, …).
    pub(crate) what: String,
}

fn not_here(what: impl Into<String>) -> Result<std::result::Result<Track, NotHere>> {
    Ok(Err(NotHere { what: what.into() }))
}

/// The container named by the first bytes, when it is not ISO BMFF.
fn sniff_other(head: &[u8]) -> Option<&'static str> {
    let starts = |m: &[u8]| head.starts_with(m);
    if starts(&[0x1a, 0x45, 0xdf, 0xa3]) {
        Some("WebM/Matroska container")
    } else if starts(b"RIFF") && head.get(8..12) == Some(b"AVI ") {
        Some("AVI container")
    } else if starts(b"FLV") {
        Some("FLV container")
    } else if starts(&[0, 0, 1, 0xba])
        || head.first() == Some(&0x47) && head.len() >= 189 && head[188] == 0x47
    {
        Some("MPEG program/transport stream")
    } else if starts(&[0, 0, 0, 1]) || starts(&[0, 0, 1]) {
        Some("raw H.264/HEVC elementary stream")
    } else if starts(b"OggS") {
        Some("Ogg container")
    } else {
        None
    }
}

fn is_still_image(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("PNG")
    } else if head.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("JPEG")
    } else if head.starts_with(b"GIF8") {
        Some("GIF")
    } else if head.starts_with(b"RIFF") && head.get(8..12) == Some(b"WEBP") {
        Some("WebP")
    } else {
        None
    }
}

/// Whether the first box looks like ISO BMFF.
fn is_bmff(head: &[u8]) -> bool {
    matches!(
        head.get(4..8),
        Some(b"ftyp" | b"moov" | b"mdat" | b"free" | b"skip" | b"wide" | b"pnot" | b"styp")
    )
}

/// The sample-entry four-character codes in the file's `stsd` boxes, for naming a codec
/// mp4parse does not know (HEVC, ProRes, …).
fn stsd_fourccs(moov: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = moov[from..].windows(4).position(|w| w == b"stsd") {
        let at = from + i;
        // stsd: type(4) version/flags(4) count(4) then entry: size(4) fourcc(4).
        if let Some(cc) = moov.get(at + 16..at + 20)
            && cc.iter().all(|b| b.is_ascii_graphic() || *b == b' ')
        {
            out.push(String::from_utf8_lossy(cc).trim().to_owned());
        }
        from = at + 4;
    }
    out
}

fn codec_name(fourcc: &str) -> String {
    match fourcc {
        "hvc1" | "hev1" => "hevc".to_owned(),
        "av01" => "av1".to_owned(),
        "vp09" => "vp9".to_owned(),
        "vp08" => "vp8".to_owned(),
        "mp4v" => "mpeg4".to_owned(),
        "apch" | "apcn" | "apcs" | "apco" | "ap4h" => "prores".to_owned(),
        "jpeg" | "mjpa" => "mjpeg".to_owned(),
        other => format!("`{other}`"),
    }
}

/// Opens `path` as MP4/MOV with an H.264 video track.
///
/// `Ok(Err(NotHere))`: a container or codec this path does not decode (another backend may).
/// `Err`: the file is unreadable, malformed or above a limit.
pub(crate) fn open(
    path: &Path,
    limits: &VideoLimits,
) -> Result<std::result::Result<Track, NotHere>> {
    let input = path.display().to_string();
    let io_err = |source| MediaError::Io {
        path: path.to_owned(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io_err)?;
    let file_len = file.metadata().map_err(io_err)?.len();
    let mut head = [0u8; 192];
    let n = read_up_to(&mut file, &mut head).map_err(io_err)?;
    let head = &head[..n];
    if let Some(kind) = is_still_image(head) {
        return Err(MediaError::invalid(
            &input,
            format!("a still image ({kind}), expected a video"),
        ));
    }
    if !is_bmff(head) {
        return match sniff_other(head) {
            Some(kind) => not_here(kind),
            None => Err(MediaError::invalid(
                &input,
                "not a video: no MP4/MOV box structure and no other known container",
            )),
        };
    }
    file.seek(SeekFrom::Start(0)).map_err(io_err)?;
    let mut reader = std::io::BufReader::with_capacity(64 * 1024, &mut file);
    let context = match mp4parse::read_mp4(&mut reader) {
        Ok(c) => c,
        Err(mp4parse::Error::MoovMissing) => {
            return Err(MediaError::invalid(
                &input,
                "MP4 without a movie box (moov): truncated or not finished",
            ));
        }
        Err(mp4parse::Error::UnexpectedEOF) => {
            return Err(MediaError::invalid(
                &input,
                "truncated MP4 (unexpected end of file)",
            ));
        }
        Err(mp4parse::Error::OutOfMemory) => {
            return Err(MediaError::invalid(&input, "MP4 tables too large to hold"));
        }
        Err(mp4parse::Error::Unsupported(what)) => return not_here(format!("MP4 feature: {what}")),
        Err(e) => return Err(MediaError::invalid(&input, format!("malformed MP4: {e}"))),
    };
    let Some(track) = context
        .tracks
        .iter()
        .find(|t| matches!(t.track_type, TrackType::Video))
    else {
        return Err(MediaError::invalid(
            &input,
            "no video stream found, expected a video",
        ));
    };
    let entry = track
        .stsd
        .as_ref()
        .and_then(|stsd| stsd.descriptions.iter().next());
    let (width, height, avcc) = match entry {
        Some(SampleEntry::Video(v)) => match (&v.codec_type, &v.codec_specific) {
            (CodecType::H264, VideoCodecSpecific::AVCConfig(avcc)) => {
                (u32::from(v.width), u32::from(v.height), avcc.to_vec())
            }
            (CodecType::VP9, _) => return not_here("vp9"),
            (CodecType::VP8, _) => return not_here("vp8"),
            (CodecType::AV1, _) => return not_here("av1"),
            (CodecType::MP4V, _) => return not_here("mpeg4"),
            (CodecType::EncryptedVideo, _) => return not_here("encrypted video"),
            (other, _) => return not_here(format!("{other:?}").to_lowercase()),
        },
        _ => {
            // mp4parse leaves codecs it does not know (HEVC, ProRes, …) as unknown entries:
            // name them from the sample entry's four-character code.
            let mut moov = Vec::new();
            file.seek(SeekFrom::Start(0)).map_err(io_err)?;
            (&mut file)
                .take(16 << 20)
                .read_to_end(&mut moov)
                .map_err(io_err)?;
            let names: Vec<String> = stsd_fourccs(&moov)
                .iter()
                .filter(|cc| {
                    !matches!(
                        cc.as_str(),
                        "mp4a"
                            | "ac-3"
                            | "ec-3"
                            | "Opus"
                            | "fLaC"
                            | "alac"
                            | "tx3g"
                            | "text"
                            | "tmcd"
                    )
                })
                .map(|cc| codec_name(cc))
                .collect();
            return not_here(
                names
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "an unknown codec".to_owned()),
            );
        }
    };
    match crate::h264::parse_avcc(&avcc) {
        Err(e) => return Err(MediaError::invalid(&input, e)),
        Ok(config) => {
            if let Some(why) = config.sps.and_then(|s| s.unsupported()) {
                return not_here(why);
            }
        }
    }
    let format = brand(head);
    let timescale = track.timescale.map_or(0, |t| t.0);
    if timescale == 0 {
        return Err(MediaError::invalid(
            &input,
            "video track without a timescale",
        ));
    }
    // Count the samples the tables describe before building the table.
    let (Some(stsc), Some(stco), Some(stsz)) = (&track.stsc, &track.stco, &track.stsz) else {
        return Err(MediaError::invalid(
            &input,
            "video track without a sample table",
        ));
    };
    let chunks = stco.offsets.len() as u64;
    let entries: Vec<_> = stsc.samples.iter().collect();
    let mut total: u64 = 0;
    for (i, e) in entries.iter().enumerate() {
        let first = u64::from(e.first_chunk.max(1));
        let next = entries
            .get(i + 1)
            .map_or(chunks + 1, |n| u64::from(n.first_chunk).min(chunks + 1));
        total = total.saturating_add(
            next.saturating_sub(first)
                .saturating_mul(u64::from(e.samples_per_chunk)),
        );
    }
    if stsz.sample_size == 0 {
        total = total.min(stsz.sample_sizes.len() as u64);
    }
    if total == 0 {
        // Fragmented MP4 (samples in moof boxes) has empty tables here.
        return not_here("fragmented MP4");
    }
    // A frame rate above 1000 fps over the longest accepted duration is not a real video.
    let max_samples = (limits.max_duration_s * 1000.0).ceil() as u64;
    if total > max_samples {
        return Err(MediaError::limit(
            &input,
            "video frame count",
            total,
            max_samples,
        ));
    }
    let media_time = track
        .media_time
        .map_or(0, |t| i64::try_from(t.0).unwrap_or(i64::MAX));
    let Some(table) = create_sample_table(track, CheckedInteger(0)) else {
        return Err(MediaError::invalid(
            &input,
            "inconsistent MP4 sample tables",
        ));
    };
    let mut samples = Vec::with_capacity(table.len());
    let mut last_end = 0i64;
    for s in table.iter() {
        let (start, end) = (s.start_offset.0, s.end_offset.0);
        let size = end.checked_sub(start).and_then(|n| u32::try_from(n).ok());
        let Some(size) = size.filter(|&n| n > 0) else {
            return Err(MediaError::invalid(&input, "MP4 sample with a bad size"));
        };
        if end > file_len {
            // Truncated file: decode what is there.
            break;
        }
        last_end = last_end.max(s.end_composition.0 - media_time);
        samples.push(Sample {
            offset: start,
            size,
            pts: s.start_composition.0.saturating_sub(media_time),
            sync: s.sync,
        });
    }
    if samples.is_empty() {
        return Err(MediaError::invalid(
            &input,
            "truncated MP4: no complete video frame in the file",
        ));
    }
    let scale = timescale as f64;
    let declared = track
        .edited_duration
        .zip(context.timescale)
        .filter(|(_, ts)| ts.0 > 0)
        .map(|(d, ts)| d.0 as f64 / ts.0 as f64)
        .filter(|d| *d > 0.0)
        .or_else(|| {
            track
                .duration
                .map(|d| d.0 as f64 / scale)
                .filter(|d| *d > 0.0)
        });
    let duration_s = declared.unwrap_or(last_end as f64 / scale);
    if !(duration_s.is_finite() && duration_s > 0.0) {
        return Err(MediaError::invalid(&input, "video has no known duration"));
    }
    let rotation = track.tkhd.as_ref().map_or(0, |t| {
        let m = &t.matrix;
        match (m.a.signum(), m.b.signum(), m.c.signum(), m.d.signum()) {
            (0, 1, -1, 0) => 90,
            (-1, 0, 0, -1) => 180,
            (0, -1, 1, 0) => 270,
            _ => 0,
        }
    });
    Ok(Ok(Track {
        width,
        height,
        rotation,
        timescale,
        duration_s,
        avcc,
        samples,
        format,
    }))
}

fn brand(head: &[u8]) -> &'static str {
    if head.get(4..8) == Some(b"ftyp") && head.get(8..12) == Some(b"qt  ") {
        "mov"
    } else {
        "mp4"
    }
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}
