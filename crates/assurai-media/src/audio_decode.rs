//! In-process audio decoding with symphonia: WAV, MP3, AAC (ADTS and MP4/M4A), FLAC, Ogg Vorbis.
//!
//! Nothing of symphonia's API leaves this module: the caller gets mono `f32` samples, the source
//! rate and channel count, and the codec's short name.

use std::io::Cursor;

use symphonia::core::codecs::CodecParameters;
use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::{MediaSourceStream, MediaSourceStreamOptions};
use symphonia::core::meta::MetadataOptions;

use crate::error::{MediaError, Result};

/// Mono samples decoded in-process.
pub(crate) struct Decoded {
    pub(crate) mono: Vec<f32>,
    pub(crate) sample_rate: u32,
    pub(crate) channels: u16,
    pub(crate) codec: &'static str,
}

/// Why the in-process path did not decode the input, when another decoder may.
pub(crate) enum NotHere {
    /// The container was not recognised at all.
    UnknownFormat(String),
    /// The container was recognised but its codec is not built in.
    UnsupportedCodec(String),
}

/// Decodes `bytes` to mono f32 (channel average) at the source rate.
///
/// `Ok(Err(NotHere))` means "not decodable here, another backend may try"; `Err` is a final
/// error about the input (limits, corrupt data).
pub(crate) fn decode(
    bytes: &[u8],
    max_duration_s: f64,
    input: &str,
) -> Result<std::result::Result<Decoded, NotHere>> {
    let source = Cursor::new(bytes);
    let mss = MediaSourceStream::new(Box::new(source), MediaSourceStreamOptions::default());
    let mut format = match symphonia::default::get_probe().probe(
        &Hint::new(),
        mss,
        FormatOptions::default(),
        MetadataOptions::default(),
    ) {
        Ok(f) => f,
        Err(SymError::Unsupported(what)) => {
            return Ok(Err(NotHere::UnknownFormat(what.to_owned())));
        }
        Err(SymError::LimitError(what)) => {
            return Err(MediaError::invalid(
                input,
                format!("audio container above a decoder limit: {what}"),
            ));
        }
        Err(e) => return Ok(Err(NotHere::UnknownFormat(e.to_string()))),
    };
    let Some(track) = format.default_track(TrackType::Audio).cloned() else {
        return Err(MediaError::invalid(
            input,
            "no audio track found, expected audio",
        ));
    };
    let Some(CodecParameters::Audio(params)) = track.codec_params.clone() else {
        return Err(MediaError::invalid(
            input,
            "audio track without codec parameters",
        ));
    };
    let registry = symphonia::default::get_codecs();
    let Some(registered) = registry.get_audio_decoder(params.codec) else {
        return Ok(Err(NotHere::UnsupportedCodec(format!(
            "audio codec {}",
            params.codec
        ))));
    };
    let codec = registered.codec.info.short_name;
    // Refuse declared durations above the limit before decoding anything.
    if let (Some(frames), Some(rate)) = (track.num_frames, params.sample_rate)
        && rate > 0
    {
        let declared_s = frames as f64 / f64::from(rate);
        if declared_s > max_duration_s {
            return Err(MediaError::limit(
                input,
                "audio duration (seconds)",
                declared_s.ceil() as u64,
                max_duration_s.floor() as u64,
            ));
        }
    }
    let mut decoder = match registry.make_audio_decoder(&params, &AudioDecoderOptions::default()) {
        Ok(d) => d,
        Err(SymError::Unsupported(what)) => {
            return Ok(Err(NotHere::UnsupportedCodec(format!("{codec}: {what}"))));
        }
        Err(e) => {
            return Err(MediaError::invalid(
                input,
                format!("cannot decode {codec} audio: {e}"),
            ));
        }
    };
    let mut mono: Vec<f32> = Vec::new();
    let mut interleaved: Vec<f32> = Vec::new();
    let mut rate = 0u32;
    let mut channels = 0usize;
    let mut bad_packets = 0usize;
    let mut good_packets = 0usize;
    let mut first_error: Option<String> = None;
    loop {
        let packet = match format.next_packet() {
            Ok(Some(p)) => p,
            Ok(None) => break,
            // A truncated file ends where its data ends.
            Err(SymError::IoError(_)) => break,
            Err(SymError::ResetRequired) => break,
            Err(e) => {
                first_error.get_or_insert_with(|| e.to_string());
                break;
            }
        };
        if packet.track_id != track.id {
            continue;
        }
        let buf = match decoder.decode(&packet) {
            Ok(buf) => buf,
            Err(SymError::DecodeError(e)) => {
                bad_packets += 1;
                first_error.get_or_insert_with(|| e.to_owned());
                continue;
            }
            Err(SymError::IoError(e)) => {
                bad_packets += 1;
                first_error.get_or_insert_with(|| e.to_string());
                continue;
            }
            Err(e) => {
                first_error.get_or_insert_with(|| e.to_string());
                break;
            }
        };
        let spec = buf.spec();
        let (r, c) = (spec.rate(), spec.channels().count());
        if r == 0 || c == 0 {
            return Err(MediaError::invalid(input, "audio with 0 Hz or 0 channels"));
        }
        if rate == 0 {
            (rate, channels) = (r, c);
        } else if (rate, channels) != (r, c) {
            return Err(MediaError::Unsupported {
                input: input.to_owned(),
                reason: format!(
                    "the stream changes from {rate} Hz × {channels} channels to {r} Hz × {c}"
                ),
            });
        }
        good_packets += 1;
        buf.copy_to_vec_interleaved(&mut interleaved);
        let scale = 1.0 / channels as f32;
        mono.extend(interleaved.chunks_exact(channels).map(|frame| {
            let v = frame.iter().sum::<f32>() * scale;
            if v.is_finite() {
                v.clamp(-1.0, 1.0)
            } else {
                0.0
            }
        }));
        if mono.len() as f64 > max_duration_s * f64::from(rate) + f64::from(rate) {
            return Err(MediaError::limit(
                input,
                "audio duration (seconds)",
                (mono.len() as f64 / f64::from(rate)).ceil() as u64,
                max_duration_s.floor() as u64,
            ));
        }
    }
    if good_packets == 0 {
        let why = first_error.unwrap_or_else(|| "no audio packets".to_owned());
        return Err(MediaError::invalid(
            input,
            format!("not decodable {codec} audio ({why})"),
        ));
    }
    // Isolated corrupt packets are skipped (as ffmpeg does); a stream that is mostly corrupt
    // is not audio worth transcribing.
    if bad_packets > good_packets {
        return Err(MediaError::invalid(
            input,
            format!(
                "{bad_packets} of {} {codec} packets are corrupt ({})",
                bad_packets + good_packets,
                first_error.unwrap_or_default()
            ),
        ));
    }
    if mono.len() as f64 > max_duration_s * f64::from(rate) {
        return Err(MediaError::limit(
            input,
            "audio duration (seconds)",
            (mono.len() as f64 / f64::from(rate)).ceil() as u64,
            max_duration_s.floor() as u64,
        ));
    }
    Ok(Ok(Decoded {
        mono,
        sample_rate: rate,
        channels: u16::try_from(channels).unwrap_or(u16::MAX),
        codec,
    }))
}
