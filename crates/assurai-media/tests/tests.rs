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

// Audio normalisation: Korean speech from espeak-ng, WAV variants, other formats, hostile input.
mod audio;
// Image preparation: every format, odd sizes, alpha, CMYK, EXIF orientation, hostile input.
mod image;
// Frame-quality figures against numpy reference values (`tests/data/quality_reference.py`).
mod quality_reference;
// Representative frames from videos made with `ffmpeg` inside the test.
mod video;
