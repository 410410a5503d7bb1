//! [`Secret`]: a string that never shows itself in `Debug` or `Display` output.

use std::fmt;

/// A secret value such as an API key.
///
/// `Debug` prints `Secret([REDACTED])`; there is no `Display`. The value is only reachable through
/// [`Secret::expose`], which providers call when they build the HTTP request.
///
/// ```
/// use assurai_models::Secret;
/// let key = Secret::new("sk-very-secret");
/// assert_eq!(format!("{key:?}"), "Secret([REDACTED])");
/// assert_eq!(key.expose(), "sk-very-secret");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// Reads the secret from the environment variable `name`.
    ///
    /// Returns `None` when the variable is unset, empty or not valid Unicode.
    pub fn from_env(name: &str) -> Option<Self> {
        std::env::var(name)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .map(|v| Self(v.trim().to_owned()))
    }

    /// The secret value. Never log or print it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Replaces every occurrence of the secret in `text` with `[REDACTED]`.
    ///
    /// Providers pass server error messages through this before they become a
    /// [`ModelError`](crate::ModelError): some servers echo the key they rejected.
    pub fn redact(&self, text: &str) -> String {
        if self.0.len() < 4 || !text.contains(&self.0) {
            return text.to_owned();
        }
        text.replace(&self.0, "[REDACTED]")
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([REDACTED])")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}
