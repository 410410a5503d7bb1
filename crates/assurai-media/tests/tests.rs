//! Integration tests of `assurai-media`.
//!
//! One test binary per crate (ripgrep's `autotests = false` layout): each
//! file beside this one is a module. A new test file must be listed here.

#![allow(
    missing_docs,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr
)]

// Audio normalisation: Korean speech fixtures, WAV variants, MP3/AAC/FLAC/Vorbis in-process,
// hostile input.
mod audio;
// In-process decoders against the ffmpeg backend (needs ffmpeg: scripts/setup-system.sh).
mod backends;
// Image preparation: every format, odd sizes, alpha, CMYK, EXIF orientation, hostile input.
mod image;
// Frame-quality figures against numpy reference values (`tests/data/quality_reference.py`).
mod quality_reference;
// Representative frames from committed H.264 clips, decoded in-process.
mod video;
