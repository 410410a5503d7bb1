//! The crate's error type.

/// Why a statistic could not be computed.
///
/// Every variant means "fix the input or the arguments": the functions in
/// this crate are pure and deterministic, so retrying never helps.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum StatsError {
    /// Too few observations (or groups, raters, items) for the statistic.
    #[error("{what}: need at least {needed}, got {got}")]
    TooFewObservations {
        /// What was counted, e.g. `"group \"a\""` or `"groups"`.
        what: String,
        /// The minimum required.
        needed: usize,
        /// What was supplied.
        got: usize,
    },
    /// A value is NaN or infinite.
    #[error("{what}: value at index {index} is not finite ({value})")]
    NonFinite {
        /// Which input holds the value.
        what: String,
        /// Position of the value in that input.
        index: usize,
        /// The offending value.
        value: f64,
    },
    /// A value is outside the range the statistic accepts (e.g. a score
    /// that is not 1–5).
    #[error("{what}: value at index {index} is {value}, expected {expected}")]
    OutOfRange {
        /// Which input holds the value.
        what: String,
        /// Position of the value in that input.
        index: usize,
        /// The offending value.
        value: f64,
        /// What is accepted.
        expected: &'static str,
    },
    /// The data make the statistic undefined, e.g. zero variance in every
    /// group, or all raters using a single category.
    #[error("degenerate input: {0}")]
    Degenerate(String),
    /// A parameter is outside its domain (confidence level, k, df, p).
    #[error("invalid argument {name} = {value}: {expected}")]
    InvalidArgument {
        /// The parameter's name.
        name: &'static str,
        /// The value given.
        value: f64,
        /// What is accepted.
        expected: &'static str,
    },
    /// Two inputs that must have the same length do not.
    #[error("length mismatch: {left} has {left_len} values, {right} has {right_len}")]
    LengthMismatch {
        /// Name of the first input.
        left: &'static str,
        /// Its length.
        left_len: usize,
        /// Name of the second input.
        right: &'static str,
        /// Its length.
        right_len: usize,
    },
}

/// Shorthand for `Result<T, StatsError>`.
pub type Result<T> = std::result::Result<T, StatsError>;

pub(crate) fn check_finite(what: &str, xs: &[f64]) -> Result<()> {
    match xs.iter().position(|x| !x.is_finite()) {
        None => Ok(()),
        Some(index) => Err(StatsError::NonFinite {
            what: what.to_owned(),
            index,
            value: xs[index],
        }),
    }
}

pub(crate) fn check_level(level: f64) -> Result<()> {
    if level > 0.0 && level < 1.0 {
        Ok(())
    } else {
        Err(StatsError::InvalidArgument {
            name: "level",
            value: level,
            expected: "a confidence level strictly between 0 and 1",
        })
    }
}

pub(crate) fn at_least(what: impl Into<String>, needed: usize, got: usize) -> Result<()> {
    if got >= needed {
        Ok(())
    } else {
        Err(StatsError::TooFewObservations {
            what: what.into(),
            needed,
            got,
        })
    }
}

pub(crate) fn same_len(
    left: &'static str,
    a: &[f64],
    right: &'static str,
    b: &[f64],
) -> Result<()> {
    if a.len() == b.len() {
        Ok(())
    } else {
        Err(StatsError::LengthMismatch {
            left,
            left_len: a.len(),
            right,
            right_len: b.len(),
        })
    }
}

pub(crate) fn same_len_usize(
    left: &'static str,
    left_len: usize,
    right: &'static str,
    right_len: usize,
) -> Result<()> {
    if left_len == right_len {
        Ok(())
    } else {
        Err(StatsError::LengthMismatch {
            left,
            left_len,
            right,
            right_len,
        })
    }
}
