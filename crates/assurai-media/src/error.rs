//! The crate's single error type.

use std::path::PathBuf;

/// Everything that can go wrong while preparing media, grouped by what the caller can do.
///
/// * Fix the input: [`InvalidInput`](Self::InvalidInput), [`LimitExceeded`](Self::LimitExceeded),
///   [`NoUsableFrame`](Self::NoUsableFrame).
/// * Fix the call: [`InvalidOption`](Self::InvalidOption).
/// * Unsupported here: [`Unsupported`](Self::Unsupported).
/// * Fix the environment: [`MissingProgram`](Self::MissingProgram),
///   [`ToolFailed`](Self::ToolFailed), [`Io`](Self::Io).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MediaError {
    /// The input is not a well-formed file of a supported kind (truncated, empty, wrong format).
    #[error("{input}: {reason}")]
    InvalidInput {
        /// The file path, or a description of in-memory input such as `image bytes (12 bytes)`.
        input: String,
        /// What was wrong and what was expected.
        reason: String,
    },
    /// The input is larger than a configured resource limit (dimensions, pixels, bytes, duration,
    /// frames). Nothing of that size was allocated.
    #[error("{input}: {what} is {actual}, above the limit of {limit}")]
    LimitExceeded {
        /// The file path or a description of in-memory input.
        input: String,
        /// Which quantity, e.g. `image width (pixels)`.
        what: &'static str,
        /// The value found in the input.
        actual: u64,
        /// The configured limit.
        limit: u64,
    },
    /// Every sampled video frame was black, white or flat, so no frame can represent the video.
    #[error(
        "{input}: no usable frame among {considered} sampled frames \
         ({black} black, {white} white, {flat} flat)"
    )]
    NoUsableFrame {
        /// The video path.
        input: String,
        /// Frames sampled and measured.
        considered: usize,
        /// Frames rejected as too dark.
        black: usize,
        /// Frames rejected as too bright.
        white: usize,
        /// Frames rejected for too little contrast.
        flat: usize,
    },
    /// An option value is out of range (for example JPEG quality 0).
    #[error("invalid option {option}: {reason}")]
    InvalidOption {
        /// The option's name.
        option: &'static str,
        /// The accepted range or values.
        reason: String,
    },
    /// The input is recognised but uses a feature this crate does not handle.
    #[error("{input}: unsupported: {reason}")]
    Unsupported {
        /// The file path or a description of in-memory input.
        input: String,
        /// What is not supported.
        reason: String,
    },
    /// A required external program (`ffmpeg` or `ffprobe`) could not be started.
    #[error(
        "the program `{program}` was not found: install it (Debian/Ubuntu: `apt-get install ffmpeg`) \
         or set its path in the options"
    )]
    MissingProgram {
        /// The program name or path that was tried.
        program: String,
    },
    /// An external program ran but failed.
    #[error("{program} failed on {input} ({status}): {message}")]
    ToolFailed {
        /// The program that failed.
        program: String,
        /// The file path or a description of the input.
        input: String,
        /// Exit status as text.
        status: String,
        /// The program's last error lines.
        message: String,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
}

impl MediaError {
    pub(crate) fn invalid(input: &str, reason: impl Into<String>) -> Self {
        Self::InvalidInput {
            input: input.to_owned(),
            reason: reason.into(),
        }
    }

    pub(crate) fn limit(input: &str, what: &'static str, actual: u64, limit: u64) -> Self {
        Self::LimitExceeded {
            input: input.to_owned(),
            what,
            actual,
            limit,
        }
    }

    pub(crate) fn option(option: &'static str, reason: impl Into<String>) -> Self {
        Self::InvalidOption {
            option,
            reason: reason.into(),
        }
    }

    /// Whether the error is about the input itself (the caller should record the media as
    /// unusable rather than retry).
    pub fn is_input_error(&self) -> bool {
        matches!(
            self,
            Self::InvalidInput { .. }
                | Self::LimitExceeded { .. }
                | Self::NoUsableFrame { .. }
                | Self::Unsupported { .. }
        )
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = MediaError> = std::result::Result<T, E>;

/// Reads a whole file, refusing files above `max_bytes` before reading them.
pub(crate) fn read_limited(
    path: &std::path::Path,
    max_bytes: u64,
    what: &'static str,
) -> Result<Vec<u8>> {
    let io_err = |source| MediaError::Io {
        path: path.to_owned(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io_err)?;
    if meta.is_dir() {
        return Err(MediaError::invalid(
            &path.display().to_string(),
            "is a directory, expected a file",
        ));
    }
    if meta.len() > max_bytes {
        return Err(MediaError::limit(
            &path.display().to_string(),
            what,
            meta.len(),
            max_bytes,
        ));
    }
    std::fs::read(path).map_err(io_err)
}
