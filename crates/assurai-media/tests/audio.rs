//! Audio normalisation: Korean speech from espeak-ng (committed fixtures), WAV variants, MP3,
//! AAC, FLAC and Vorbis in-process, hostile input. No test here needs ffmpeg, espeak-ng or sox.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use assurai_media::{
    AudioDecoder, AudioOptions, MediaError, NormalizedAudio, normalize_audio, normalize_audio_file,
};
use proptest::prelude::*;

/// A committed fixture (see `tests/data/make_media_fixtures.sh` for the command that made it).
pub(crate) fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// Korean speech from `espeak-ng -v ko`: 22 050 Hz mono 16-bit WAV.
pub(crate) fn korean_wav() -> PathBuf {
    fixture("korean.wav")
}

/// Options with no ffmpeg to fall back on.
fn no_ffmpeg() -> AudioOptions {
    let mut options = AudioOptions::default();
    options.programs.ffmpeg = PathBuf::from("/nonexistent/ffmpeg-for-test");
    options
}

fn read_back(audio: &NormalizedAudio) -> (hound::WavSpec, Vec<i16>) {
    let reader = hound::WavReader::new(std::io::Cursor::new(&audio.wav)).unwrap();
    let spec = reader.spec();
    let samples = reader.into_samples::<i16>().map(|s| s.unwrap()).collect();
    (spec, samples)
}

fn wav_bytes(
    spec: hound::WavSpec,
    write: impl FnOnce(&mut hound::WavWriter<std::io::Cursor<&mut Vec<u8>>>),
) -> Vec<u8> {
    let mut bytes = Vec::new();
    {
        let mut writer = hound::WavWriter::new(std::io::Cursor::new(&mut bytes), spec).unwrap();
        write(&mut writer);
        writer.finalize().unwrap();
    }
    bytes
}

fn spec(channels: u16, rate: u32, bits: u16, float: bool) -> hound::WavSpec {
    hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: bits,
        sample_format: if float {
            hound::SampleFormat::Float
        } else {
            hound::SampleFormat::Int
        },
    }
}

#[test]
fn korean_speech_is_resampled_to_16k_mono() {
    let path = korean_wav();
    let source = hound::WavReader::open(&path).unwrap();
    let (src_rate, src_len) = (source.spec().sample_rate, source.duration());
    assert_eq!(src_rate, 22_050);
    let audio = normalize_audio_file(&path, &AudioOptions::default()).unwrap();
    assert_eq!(
        audio.decoder,
        AudioDecoder::Wav {
            sample_rate: 22_050,
            channels: 1
        }
    );
    let (out_spec, samples) = read_back(&audio);
    assert_eq!(
        (
            out_spec.channels,
            out_spec.sample_rate,
            out_spec.bits_per_sample
        ),
        (1, 16_000, 16)
    );
    let expected_len = (u64::from(src_len) * 320).div_ceil(441);
    assert_eq!(samples.len() as u64, expected_len);
    let src_duration = f64::from(src_len) / f64::from(src_rate);
    assert!((audio.duration_s - src_duration).abs() < 1.0 / 16_000.0);
    assert!(!audio.is_silent);
    assert!(
        audio.voiced_s > 1.0 && audio.voiced_s <= audio.duration_s,
        "{audio:?}"
    );
    assert!(
        audio.peak_dbfs > -20.0 && audio.peak_dbfs <= 0.0,
        "{audio:?}"
    );
}

/// Our resampler against sox's very-high-quality `rate -v` on the same speech.
#[test]
fn korean_speech_matches_sox_reference() {
    let src = korean_wav();
    // `sox korean.wav -r 16000 -b 16 korean-sox-16k.wav rate -v`
    let reference = fixture("korean-sox-16k.wav");
    let ours = read_back(&normalize_audio_file(&src, &AudioOptions::default()).unwrap()).1;
    let theirs: Vec<i16> = hound::WavReader::open(reference)
        .unwrap()
        .into_samples::<i16>()
        .map(|s| s.unwrap())
        .collect();
    let n = ours.len().min(theirs.len());
    assert!(ours.len().abs_diff(theirs.len()) <= 1);
    let (mut err, mut energy) = (0f64, 0f64);
    for (a, b) in ours[..n].iter().zip(&theirs[..n]) {
        err += (f64::from(*a) - f64::from(*b)).powi(2);
        energy += f64::from(*b).powi(2);
    }
    let relative = (err / energy).sqrt();
    // The two filters differ only near the 8 kHz band edge (sox: 7.6–8 kHz transition too).
    assert!(relative < 0.03, "relative RMS difference {relative}");
}

#[test]
fn stereo_is_downmixed_by_averaging() {
    let rate = 44_100;
    let tone =
        |i: u32| (2.0 * std::f64::consts::PI * 440.0 * f64::from(i) / f64::from(rate)).sin() * 0.5;
    // Same tone in both channels: kept at the same level.
    let same = wav_bytes(spec(2, rate, 16, false), |w| {
        for i in 0..rate {
            let v = (tone(i) * 32767.0) as i16;
            w.write_sample(v).unwrap();
            w.write_sample(v).unwrap();
        }
    });
    let audio = normalize_audio(&same, &AudioOptions::default()).unwrap();
    assert_eq!(
        audio.decoder,
        AudioDecoder::Wav {
            sample_rate: rate,
            channels: 2
        }
    );
    assert!((audio.duration_s - 1.0).abs() < 1e-9);
    // 0.5 amplitude sine: peak -6.02 dBFS, RMS -9.03 dBFS.
    assert!((audio.peak_dbfs + 6.02).abs() < 0.1, "{audio:?}");
    assert!((audio.rms_dbfs + 9.03).abs() < 0.1, "{audio:?}");
    let (_, samples) = read_back(&audio);
    let crossings = samples
        .windows(2)
        .filter(|w| (w[0] < 0) != (w[1] < 0))
        .count();
    assert!(
        (878..=882).contains(&crossings),
        "{crossings} zero crossings for 440 Hz over 1 s"
    );
    // Opposite phase in the two channels: the mono mix is silent.
    let opposite = wav_bytes(spec(2, rate, 16, false), |w| {
        for i in 0..rate {
            let v = (tone(i) * 32767.0) as i16;
            w.write_sample(v).unwrap();
            w.write_sample(-v).unwrap();
        }
    });
    let audio = normalize_audio(&opposite, &AudioOptions::default()).unwrap();
    assert!(audio.is_silent, "{audio:?}");
    assert_eq!(audio.voiced_s, 0.0);
}

#[test]
fn sample_formats_agree() {
    let rate = 16_000;
    let level = 0.25f64;
    let value = |i: u32| {
        if (i / 40).is_multiple_of(2) {
            level
        } else {
            -level
        }
    };
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "8-bit",
            wav_bytes(spec(1, rate, 8, false), |w| {
                (0..rate).for_each(|i| w.write_sample((value(i) * 128.0) as i8).unwrap())
            }),
        ),
        (
            "16-bit",
            wav_bytes(spec(1, rate, 16, false), |w| {
                (0..rate).for_each(|i| w.write_sample((value(i) * 32768.0) as i16).unwrap())
            }),
        ),
        (
            "24-bit",
            wav_bytes(spec(1, rate, 24, false), |w| {
                (0..rate).for_each(|i| w.write_sample((value(i) * 8_388_608.0) as i32).unwrap())
            }),
        ),
        (
            "32-bit",
            wav_bytes(spec(1, rate, 32, false), |w| {
                (0..rate).for_each(|i| w.write_sample((value(i) * 2_147_483_648.0) as i32).unwrap())
            }),
        ),
        (
            "float",
            wav_bytes(spec(1, rate, 32, true), |w| {
                (0..rate).for_each(|i| w.write_sample(value(i) as f32).unwrap())
            }),
        ),
    ];
    for (name, bytes) in cases {
        let audio = normalize_audio(&bytes, &AudioOptions::default()).unwrap();
        let (_, samples) = read_back(&audio);
        // Same rate: samples pass through exactly.
        assert_eq!(samples[0], 8192, "{name}");
        assert_eq!(samples[40], -8192, "{name}");
        assert!((audio.peak_dbfs + 12.04).abs() < 0.01, "{name}: {audio:?}");
    }
}

#[test]
fn silence_threshold() {
    let rate = 8_000;
    let zeros = wav_bytes(spec(1, rate, 16, false), |w| {
        (0..rate).for_each(|_| w.write_sample(0i16).unwrap())
    });
    let audio = normalize_audio(&zeros, &AudioOptions::default()).unwrap();
    assert!(audio.is_silent && audio.peak_dbfs == f64::NEG_INFINITY);
    // Low-frequency hum at -60 dBFS is silent, at -30 dBFS it is not.
    let hum = |amplitude: f64| {
        wav_bytes(spec(1, rate, 16, false), |w| {
            for i in 0..rate {
                let v = amplitude
                    * (2.0 * std::f64::consts::PI * 100.0 * f64::from(i) / f64::from(rate)).sin();
                w.write_sample((v * 32768.0).round() as i16).unwrap();
            }
        })
    };
    assert!(
        normalize_audio(&hum(0.001), &AudioOptions::default())
            .unwrap()
            .is_silent
    );
    let loud = normalize_audio(&hum(0.0316), &AudioOptions::default()).unwrap();
    assert!(
        !loud.is_silent && (loud.voiced_s - 1.0).abs() < 0.03,
        "{loud:?}"
    );
    let mut strict = AudioOptions::default();
    strict.silence_threshold_dbfs = -20.0;
    assert!(normalize_audio(&hum(0.0316), &strict).unwrap().is_silent);
}

#[test]
fn compressed_formats_decode_in_process() {
    let src = korean_wav();
    let src_duration = {
        let r = hound::WavReader::open(&src).unwrap();
        f64::from(r.duration()) / f64::from(r.spec().sample_rate)
    };
    let reference = normalize_audio_file(&src, &AudioOptions::default()).unwrap();
    let cases = [
        ("korean.mp3", "mp3", 22_050, 1),
        ("korean.ogg", "vorbis", 22_050, 1),
        ("korean.flac", "flac", 22_050, 1),
        ("korean-stereo-48k.m4a", "aac", 48_000, 2),
        ("korean.aac", "aac", 22_050, 1),
    ];
    for (name, codec, rate, channels) in cases {
        let audio = normalize_audio_file(fixture(name), &no_ffmpeg()).unwrap();
        assert_eq!(
            audio.decoder,
            AudioDecoder::InProcess {
                codec,
                sample_rate: rate,
                channels
            },
            "{name}"
        );
        assert_eq!(audio.decoder.backend(), "in-process");
        assert!(!audio.is_silent, "{name}");
        // Encoder delay and padding may add up to a few frames.
        assert!(
            (audio.duration_s - src_duration).abs() < 0.1,
            "{name}: {} vs {src_duration}",
            audio.duration_s
        );
        let (spec, _) = read_back(&audio);
        assert_eq!((spec.channels, spec.sample_rate), (1, 16_000));
        // Lossy codecs keep the level within a dB; ffmpeg's mono → stereo upmix of the M4A
        // put the voice at −3 dB in each channel.
        let upmix = if channels == 2 { -3.01 } else { 0.0 };
        assert!(
            (audio.rms_dbfs - reference.rms_dbfs - upmix).abs() < 1.0,
            "{name}: {audio:?} vs {reference:?}"
        );
    }
    // FLAC is lossless: the same samples as the WAV.
    let flac = normalize_audio_file(fixture("korean.flac"), &no_ffmpeg()).unwrap();
    assert_eq!(read_back(&flac).1, read_back(&reference).1);
}

#[test]
fn other_codecs_without_ffmpeg_say_what_and_how() {
    let err = normalize_audio_file(fixture("korean.opus"), &no_ffmpeg()).unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, MediaError::Unsupported { .. }), "{err:?}");
    for needle in [
        "korean.opus",
        "not decoded in-process",
        "apt-get install ffmpeg",
    ] {
        assert!(message.contains(needle), "{needle}: {message}");
    }
}

#[test]
fn hostile_audio_is_a_clear_error() {
    let good = std::fs::read(korean_wav()).unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", vec![]),
        ("text", b"definitely not audio, just words".to_vec()),
        ("truncated wav", good[..good.len() / 2].to_vec()),
        ("wav header only", good[..30].to_vec()),
    ];
    for (name, bytes) in cases {
        match normalize_audio(&bytes, &no_ffmpeg()) {
            Err(e @ MediaError::InvalidInput { .. }) => {
                assert!(e.to_string().starts_with("audio bytes ("), "{name}: {e}");
            }
            other => panic!("{name}: expected InvalidInput, got {other:?}"),
        }
    }
    let mut short = AudioOptions::default();
    short.limits.max_duration_s = 1.0;
    assert!(matches!(
        normalize_audio(&good, &short),
        Err(MediaError::LimitExceeded { what, .. }) if what.contains("duration")
    ));
    let mp3 = fixture("korean.mp3");
    assert!(matches!(
        normalize_audio_file(&mp3, &short),
        Err(MediaError::LimitExceeded { what, .. }) if what.contains("duration")
    ));
    let mut tiny = AudioOptions::default();
    tiny.limits.max_bytes = 100;
    assert!(matches!(
        normalize_audio(&good, &tiny),
        Err(MediaError::LimitExceeded { .. })
    ));
    // Truncated and corrupted compressed audio: a clear error or fewer samples, never a panic.
    let whole = std::fs::read(&mp3).unwrap();
    for cut in [3, 100, 417, whole.len() / 2] {
        match normalize_audio(&whole[..cut], &no_ffmpeg()) {
            Ok(audio) => assert!(audio.duration_s < 6.0),
            Err(e) => assert!(e.is_input_error(), "cut {cut}: {e:?}"),
        }
    }
    for name in [
        "korean.ogg",
        "korean.flac",
        "korean-stereo-48k.m4a",
        "korean.aac",
    ] {
        let mut bytes = std::fs::read(fixture(name)).unwrap();
        for j in (64..bytes.len()).step_by(97) {
            bytes[j] ^= 0xa5;
        }
        match normalize_audio(&bytes, &no_ffmpeg()) {
            Ok(audio) => assert!(audio.duration_s < 6.0, "{name}"),
            Err(e) => assert!(e.is_input_error(), "{name}: {e:?}"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Arbitrary bytes behind a RIFF/WAVE tag never panic in the in-process WAV path.
    #[test]
    fn arbitrary_wav_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        let mut bytes = b"RIFF\x00\x10\x00\x00WAVE".to_vec();
        bytes.extend(body);
        let mut options = AudioOptions::default();
        options.programs.ffmpeg = PathBuf::from("/nonexistent/ffmpeg-for-test");
        if let Ok(audio) = normalize_audio(&bytes, &options) {
            prop_assert!(audio.duration_s >= 0.0);
            prop_assert_eq!(audio.sample_rate, 16_000);
        }
    }
}
