//! Prepares media produced by a model under test for a safety judge: images become resized
//! JPEGs with Base64 data URLs, videos become a few representative frames, speech becomes
//! 16 kHz mono WAV for a transcriber.
//!
//! The primary entry points are [`prepare_image`] (returning a [`PreparedImage`]),
//! [`select_frames`] (returning a [`FrameSelection`]) and [`normalize_audio`] (returning a
//! [`NormalizedAudio`]). All calls are synchronous and every input is treated as hostile:
//! decoding runs under explicit [`ImageLimits`], [`VideoLimits`] and [`AudioLimits`], and bad
//! input gives a [`MediaError`], never a panic.
//!
//! ```
//! # fn main() -> Result<(), assurai_media::MediaError> {
//! use assurai_media::{ImageOptions, prepare_image};
//!
//! // A 1x1 transparent GIF: flattened on white, encoded as JPEG.
//! let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";
//! let prepared = prepare_image(gif, &ImageOptions::default())?;
//! assert_eq!((prepared.width(), prepared.height()), (1, 1));
//! let url = prepared.data_url(); // for an OpenAI-compatible `image_url`
//! assert!(url.starts_with("data:image/jpeg;base64,"));
//! # Ok(()) }
//! ```
//!
//! Video in MP4/MOV with H.264 (Baseline, Main and High profile, B-frames included) and audio in
//! WAV, MP3, AAC/M4A, FLAC and Ogg Vorbis are decoded in-process. Other codecs and containers
//! (HEVC, VP9, AV1, WebM, MKV, Opus, …) are handed to the `ffmpeg` program when it is installed;
//! without it the error names the codec and how to install ffmpeg. [`FrameSelection::backend`]
//! and [`NormalizedAudio::decoder`] say which decoder read the input. How frames are scored is
//! documented in [`quality`].

mod audio;
mod audio_decode;
mod encode;
mod error;
mod ffmpeg;
mod h264;
mod image_prep;
mod mp4;
pub mod quality;
mod resample;
mod video;
mod video_inprocess;

pub use audio::{
    AudioDecoder, AudioLimits, AudioOptions, NormalizedAudio, normalize_audio, normalize_audio_file,
};
pub use encode::PreparedImage;
pub use error::{MediaError, Result};
pub use ffmpeg::{Programs, VideoInfo};
pub use image_prep::{ImageLimits, ImageOptions, prepare_image, prepare_image_file};
pub use quality::{FrameDefect, FrameFilter, FrameQuality, measure_frame};
pub use video::{
    BackendChoice, FrameOptions, FrameSelection, Sampling, SelectedFrame, VideoBackend,
    VideoLimits, probe_video, select_frames,
};

/// The README's examples, compiled as doc tests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
