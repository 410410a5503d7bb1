//! Normalise audio for transcription: 16 kHz mono 16-bit WAV, duration and silence.

use std::io::{Cursor, Read as _, Write as _};
use std::path::Path;
use std::process::{Command, Stdio};

use crate::error::{MediaError, Result, read_limited};
use crate::ffmpeg::{self, HOW_TO_GET_FFMPEG, Programs};
use crate::resample::resample;

/// Resource limits for untrusted audio.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct AudioLimits {
    /// Largest accepted encoded input in bytes (default 256 MiB).
    pub max_bytes: u64,
    /// Longest accepted duration in seconds (default 900).
    pub max_duration_s: f64,
}

impl Default for AudioLimits {
    fn default() -> Self {
        Self {
            max_bytes: 256 << 20,
            max_duration_s: 900.0,
        }
    }
}

/// How to normalise audio.
///
/// ```
/// let options = assurai_media::AudioOptions::default();
/// assert_eq!(options.sample_rate, 16_000);
/// assert_eq!(options.silence_threshold_dbfs, -50.0);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct AudioOptions {
    /// Output sample rate in Hz (default 16 000).
    pub sample_rate: u32,
    /// A 20 ms window whose RMS level is below this (dB relative to full scale) is silent;
    /// audio with no louder window is reported as silent (default −50 dBFS).
    pub silence_threshold_dbfs: f64,
    /// Decoding limits.
    pub limits: AudioLimits,
    /// Where `ffmpeg` is, for formats not decoded in-process (Opus, WMA, …).
    pub programs: Programs,
}

impl Default for AudioOptions {
    fn default() -> Self {
        Self {
            sample_rate: 16_000,
            silence_threshold_dbfs: -50.0,
            limits: AudioLimits::default(),
            programs: Programs::default(),
        }
    }
}

/// How the input was decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AudioDecoder {
    /// Read as WAV in-process; source sample rate and channel count are known.
    Wav {
        /// The source sample rate in Hz.
        sample_rate: u32,
        /// The source channel count.
        channels: u16,
    },
    /// Decoded in-process (symphonia): MP3, AAC (ADTS or MP4/M4A), FLAC, Ogg Vorbis, or a WAV
    /// encoding hound does not read (ADPCM, µ-law, A-law); then downmixed and resampled like WAV.
    InProcess {
        /// The codec's short name, e.g. `mp3`, `aac`, `flac`, `vorbis`.
        codec: &'static str,
        /// The source sample rate in Hz.
        sample_rate: u32,
        /// The source channel count.
        channels: u16,
    },
    /// Decoded, downmixed and resampled by the `ffmpeg` program (formats not decoded
    /// in-process, such as Opus or WMA).
    Ffmpeg,
}

impl AudioDecoder {
    /// Which backend decoded the input: `in-process` or `ffmpeg`.
    pub fn backend(&self) -> &'static str {
        match self {
            Self::Ffmpeg => "ffmpeg",
            _ => "in-process",
        }
    }

    /// The source codec when it is known: `pcm` for WAV read by hound, symphonia's short name
    /// otherwise; `None` for ffmpeg.
    pub fn codec(&self) -> Option<&'static str> {
        match self {
            Self::Wav { .. } => Some("pcm"),
            Self::InProcess { codec, .. } => Some(codec),
            Self::Ffmpeg => None,
        }
    }
}

/// Mono 16-bit PCM WAV at [`AudioOptions::sample_rate`], with its duration and loudness.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct NormalizedAudio {
    /// The complete WAV file.
    pub wav: Vec<u8>,
    /// The output sample rate in Hz.
    pub sample_rate: u32,
    /// Duration in seconds.
    pub duration_s: f64,
    /// No 20 ms window reaches [`AudioOptions::silence_threshold_dbfs`]: do not send to a
    /// transcriber.
    pub is_silent: bool,
    /// Total duration of non-silent 20 ms windows in seconds.
    pub voiced_s: f64,
    /// Peak sample level in dBFS (−∞ for digital silence).
    pub peak_dbfs: f64,
    /// Overall RMS level in dBFS (−∞ for digital silence).
    pub rms_dbfs: f64,
    /// How the input was decoded.
    pub decoder: AudioDecoder,
}

impl std::fmt::Debug for NormalizedAudio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NormalizedAudio")
            .field("wav_bytes", &self.wav.len())
            .field("sample_rate", &self.sample_rate)
            .field("duration_s", &self.duration_s)
            .field("is_silent", &self.is_silent)
            .field("voiced_s", &self.voiced_s)
            .field("peak_dbfs", &self.peak_dbfs)
            .field("rms_dbfs", &self.rms_dbfs)
            .field("decoder", &self.decoder)
            .finish()
    }
}

/// Normalises encoded audio held in memory. WAV (PCM 8/16/24/32-bit integer or 32-bit float,
/// any channel count; ADPCM, µ-law, A-law), MP3, AAC (ADTS, MP4/M4A), FLAC and Ogg Vorbis are
/// decoded in-process: channels are averaged and the signal is resampled with a windowed-sinc
/// filter. Anything else is handed to `ffmpeg` through a pipe when it is installed; without it
/// the error names the codec and how to install ffmpeg.
///
/// ```
/// # fn main() -> Result<(), assurai_media::MediaError> {
/// // A 44.1 kHz stereo WAV header with 0.1 s of silence.
/// let mut wav = Vec::new();
/// let data_len: u32 = 4410 * 4;
/// wav.extend(b"RIFF"); wav.extend((36 + data_len).to_le_bytes()); wav.extend(b"WAVEfmt ");
/// wav.extend(16u32.to_le_bytes()); wav.extend(1u16.to_le_bytes()); wav.extend(2u16.to_le_bytes());
/// wav.extend(44_100u32.to_le_bytes()); wav.extend((44_100u32 * 4).to_le_bytes());
/// wav.extend(4u16.to_le_bytes()); wav.extend(16u16.to_le_bytes());
/// wav.extend(b"data"); wav.extend(data_len.to_le_bytes()); wav.resize(wav.len() + data_len as usize, 0);
/// let audio = assurai_media::normalize_audio(&wav, &Default::default())?;
/// assert_eq!(audio.duration_s, 0.1);
/// assert!(audio.is_silent);
/// # Ok(()) }
/// ```
pub fn normalize_audio(bytes: &[u8], options: &AudioOptions) -> Result<NormalizedAudio> {
    let input = format!("audio bytes ({} bytes)", bytes.len());
    normalize_named(bytes, options, &input)
}

/// Normalises an audio file; see [`normalize_audio`].
pub fn normalize_audio_file(
    path: impl AsRef<Path>,
    options: &AudioOptions,
) -> Result<NormalizedAudio> {
    let path = path.as_ref();
    let bytes = read_limited(path, options.limits.max_bytes, "file size (bytes)")?;
    normalize_named(&bytes, options, &path.display().to_string())
}

fn normalize_named(bytes: &[u8], options: &AudioOptions, input: &str) -> Result<NormalizedAudio> {
    if !(1_000..=384_000).contains(&options.sample_rate) {
        return Err(MediaError::option(
            "sample_rate",
            format!("{}: expected 1000..=384000 Hz", options.sample_rate),
        ));
    }
    if !options.silence_threshold_dbfs.is_finite() || options.silence_threshold_dbfs > 0.0 {
        return Err(MediaError::option(
            "silence_threshold_dbfs",
            format!(
                "{}: expected a finite level <= 0 dBFS",
                options.silence_threshold_dbfs
            ),
        ));
    }
    let max_duration = options.limits.max_duration_s;
    if !(max_duration.is_finite() && max_duration > 0.0) {
        return Err(MediaError::option(
            "max_duration_s",
            format!("{max_duration}: expected a positive number of seconds"),
        ));
    }
    if bytes.is_empty() {
        return Err(MediaError::invalid(
            input,
            "empty input (0 bytes), expected audio",
        ));
    }
    let len = bytes.len() as u64;
    if len > options.limits.max_bytes {
        return Err(MediaError::limit(
            input,
            "file size (bytes)",
            len,
            options.limits.max_bytes,
        ));
    }
    let is_wav = bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WAVE";
    if is_wav {
        match decode_wav(bytes, options, input) {
            Ok((samples, rate, channels)) => {
                let mono = resample(&samples, rate, options.sample_rate);
                let decoder = AudioDecoder::Wav {
                    sample_rate: rate,
                    channels,
                };
                return finish(&mono, options, decoder);
            }
            // Compressed WAV codecs (ADPCM, µ-law, …) go to symphonia, then ffmpeg.
            Err(MediaError::Unsupported { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    let not_here = match crate::audio_decode::decode(bytes, options.limits.max_duration_s, input)? {
        Ok(decoded) => {
            let mono = resample(&decoded.mono, decoded.sample_rate, options.sample_rate);
            let decoder = AudioDecoder::InProcess {
                codec: decoded.codec,
                sample_rate: decoded.sample_rate,
                channels: decoded.channels,
            };
            return finish(&mono, options, decoder);
        }
        Err(not_here) => not_here,
    };
    // Not decodable in-process: ffmpeg, when it is there.
    match decode_ffmpeg(bytes, options, input) {
        Ok(mono) => finish(&mono, options, AudioDecoder::Ffmpeg),
        Err(MediaError::MissingProgram { program }) => Err(match not_here {
            crate::audio_decode::NotHere::UnknownFormat(detail) => MediaError::invalid(
                input,
                format!(
                    "not a recognised audio format ({detail}; decoded in-process: WAV, MP3, \
                     AAC/M4A, FLAC, Ogg Vorbis; anything else needs the program `ffmpeg`, not \
                     found as `{program}`: {HOW_TO_GET_FFMPEG})"
                ),
            ),
            crate::audio_decode::NotHere::UnsupportedCodec(codec) => MediaError::Unsupported {
                input: input.to_owned(),
                reason: format!(
                    "{codec} is not decoded in-process and the program `ffmpeg` was not found \
                     as `{program}`: {HOW_TO_GET_FFMPEG}"
                ),
            },
        }),
        Err(e) => Err(e),
    }
}

/// Decodes WAV to mono f32 by averaging channels; returns samples, rate and channel count.
fn decode_wav(bytes: &[u8], options: &AudioOptions, input: &str) -> Result<(Vec<f32>, u32, u16)> {
    let reader = hound::WavReader::new(Cursor::new(bytes)).map_err(|e| wav_error(e, input))?;
    let spec = reader.spec();
    if spec.channels == 0 || spec.sample_rate == 0 {
        return Err(MediaError::invalid(
            input,
            "WAV header declares 0 channels or 0 Hz",
        ));
    }
    let frames = u64::from(reader.duration());
    let declared_s = frames as f64 / f64::from(spec.sample_rate);
    if declared_s > options.limits.max_duration_s {
        return Err(MediaError::limit(
            input,
            "audio duration (seconds)",
            declared_s.ceil() as u64,
            options.limits.max_duration_s.floor() as u64,
        ));
    }
    let channels = usize::from(spec.channels);
    // The header's length is checked against the limit above; the data itself bounds it again.
    let capacity = (frames as usize).min(bytes.len() / channels.max(1));
    let mut mono = Vec::with_capacity(capacity);
    let mut acc = 0.0f32;
    let mut in_frame = 0usize;
    let scale = 1.0 / channels as f32;
    let mut push = |v: f32| {
        acc += v;
        in_frame += 1;
        if in_frame == channels {
            mono.push(acc * scale);
            acc = 0.0;
            in_frame = 0;
        }
    };
    match spec.sample_format {
        hound::SampleFormat::Float => {
            if spec.bits_per_sample != 32 {
                return Err(MediaError::Unsupported {
                    input: input.to_owned(),
                    reason: format!("{}-bit float WAV", spec.bits_per_sample),
                });
            }
            for s in reader.into_samples::<f32>() {
                let v = s.map_err(|e| wav_error(e, input))?;
                push(if v.is_finite() {
                    v.clamp(-1.0, 1.0)
                } else {
                    0.0
                });
            }
        }
        hound::SampleFormat::Int => {
            let bits = spec.bits_per_sample;
            if !(1..=32).contains(&bits) {
                return Err(MediaError::invalid(
                    input,
                    format!("{bits}-bit integer WAV"),
                ));
            }
            let full = (1u64 << (bits - 1)) as f32;
            for s in reader.into_samples::<i32>() {
                let v = s.map_err(|e| wav_error(e, input))?;
                push(v as f32 / full);
            }
        }
    }
    Ok((mono, spec.sample_rate, spec.channels))
}

fn wav_error(err: hound::Error, input: &str) -> MediaError {
    match err {
        hound::Error::Unsupported => MediaError::Unsupported {
            input: input.to_owned(),
            reason: "WAV encoding not handled in-process".to_owned(),
        },
        hound::Error::IoError(e) => MediaError::invalid(input, format!("truncated WAV: {e}")),
        other => MediaError::invalid(input, format!("malformed WAV: {other}")),
    }
}

/// Lets `ffmpeg` decode, downmix and resample to mono f32 at the target rate.
fn decode_ffmpeg(bytes: &[u8], options: &AudioOptions, input: &str) -> Result<Vec<f32>> {
    let program = &options.programs.ffmpeg;
    let max_samples =
        (options.limits.max_duration_s * f64::from(options.sample_rate)).ceil() as usize;
    let mut cmd = Command::new(program);
    cmd.args([
        "-hide_banner",
        "-nostats",
        "-loglevel",
        "error",
        "-i",
        "pipe:0",
        "-vn",
        "-sn",
    ])
    .args(["-ac", "1", "-ar", &options.sample_rate.to_string()])
    .args(["-f", "f32le", "-acodec", "pcm_f32le", "pipe:1"])
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = ffmpeg::spawn(program, &mut cmd)?;
    let mut stdin = child.stdin.take();
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let (samples, too_long, err_text) = std::thread::scope(|scope| {
        scope.spawn(move || {
            if let Some(mut stdin) = stdin.take() {
                // ffmpeg may stop reading early (bad input): a broken pipe is reported below.
                let _ = stdin.write_all(bytes);
            }
        });
        let err_reader = scope.spawn(move || {
            let mut text = String::new();
            if let Some(mut e) = stderr.take() {
                let _ = e.by_ref().take(64 * 1024).read_to_string(&mut text);
            }
            text
        });
        let mut samples = Vec::new();
        let mut too_long = false;
        if let Some(out) = stdout.as_mut() {
            let mut chunk = vec![0u8; 64 * 1024];
            let mut carry: Vec<u8> = Vec::new();
            loop {
                let n = match out.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                carry.extend_from_slice(&chunk[..n]);
                let whole = carry.len() / 4 * 4;
                samples.extend(carry[..whole].chunks_exact(4).map(|b| {
                    let v = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                    if v.is_finite() {
                        v.clamp(-1.0, 1.0)
                    } else {
                        0.0
                    }
                }));
                carry.drain(..whole);
                if samples.len() > max_samples {
                    too_long = true;
                    let _ = child.kill();
                    break;
                }
            }
        }
        drop(stdout);
        (samples, too_long, err_reader.join().unwrap_or_default())
    });
    let status = child.wait().map_err(|source| MediaError::Io {
        path: program.clone(),
        source,
    })?;
    if too_long {
        return Err(MediaError::limit(
            input,
            "audio duration (seconds)",
            (samples.len() as f64 / f64::from(options.sample_rate)).ceil() as u64,
            options.limits.max_duration_s.floor() as u64,
        ));
    }
    if !status.success() {
        return Err(MediaError::invalid(
            input,
            format!(
                "not decodable audio (ffmpeg: {})",
                ffmpeg::tail_lines(&err_text, 2)
            ),
        ));
    }
    Ok(samples)
}

fn dbfs(level: f64) -> f64 {
    if level > 0.0 {
        20.0 * level.log10()
    } else {
        f64::NEG_INFINITY
    }
}

fn finish(mono: &[f32], options: &AudioOptions, decoder: AudioDecoder) -> Result<NormalizedAudio> {
    let rate = options.sample_rate;
    let pcm: Vec<i16> = mono
        .iter()
        .map(|&v| (f64::from(v) * 32_768.0).round().clamp(-32_768.0, 32_767.0) as i16)
        .collect();
    let window = (rate as usize / 50).max(1);
    let threshold = options.silence_threshold_dbfs;
    let (mut voiced_windows, mut peak, mut total_sq) = (0usize, 0f64, 0f64);
    for chunk in pcm.chunks(window) {
        let sq: f64 = chunk
            .iter()
            .map(|&s| (f64::from(s) / 32_768.0).powi(2))
            .sum();
        total_sq += sq;
        let chunk_peak = chunk
            .iter()
            .map(|&s| (f64::from(s) / 32_768.0).abs())
            .fold(0.0, f64::max);
        peak = peak.max(chunk_peak);
        if dbfs((sq / chunk.len() as f64).sqrt()) >= threshold {
            voiced_windows += 1;
        }
    }
    let rms = if pcm.is_empty() {
        0.0
    } else {
        (total_sq / pcm.len() as f64).sqrt()
    };
    let mut wav = Vec::with_capacity(44 + pcm.len() * 2);
    {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let io_err = |e: hound::Error| MediaError::Io {
            path: "<in-memory WAV>".into(),
            source: std::io::Error::other(e.to_string()),
        };
        let mut writer = hound::WavWriter::new(Cursor::new(&mut wav), spec).map_err(io_err)?;
        let mut w16 = writer.get_i16_writer(pcm.len() as u32);
        for &s in &pcm {
            w16.write_sample(s);
        }
        w16.flush().map_err(io_err)?;
        writer.finalize().map_err(io_err)?;
    }
    let duration_s = pcm.len() as f64 / f64::from(rate);
    Ok(NormalizedAudio {
        wav,
        sample_rate: rate,
        duration_s,
        is_silent: voiced_windows == 0,
        voiced_s: (voiced_windows as f64 * window as f64 / f64::from(rate)).min(duration_s),
        peak_dbfs: dbfs(peak),
        rms_dbfs: dbfs(rms),
        decoder,
    })
}

impl NormalizedAudio {
    /// Writes the WAV to a file.
    pub fn write_to(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        std::fs::write(path, &self.wav).map_err(|source| MediaError::Io {
            path: path.to_owned(),
            source,
        })
    }
}
