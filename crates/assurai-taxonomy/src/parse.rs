//! Lenient spelling rules shared by every taxonomy type.

use std::fmt;

/// Error returned when a string or number names no taxonomy value.
///
/// The message names the kind of value, repeats the input and lists what
/// would have been accepted, so a dataset author can fix the field at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    kind: &'static str,
    input: String,
    expected: String,
}

impl ParseError {
    pub(crate) fn new(kind: &'static str, input: &str, expected: String) -> Self {
        // Keep error messages bounded even for hostile input.
        let mut shown: String = input.chars().take(80).collect();
        if input.chars().nth(80).is_some() {
            shown.push('…');
        }
        let input = shown;
        Self {
            kind,
            input,
            expected,
        }
    }

    /// What kind of value was being parsed, e.g. `"risk factor"`.
    pub fn kind(&self) -> &'static str {
        self.kind
    }

    /// The input that was rejected (truncated to 80 characters).
    pub fn input(&self) -> &str {
        &self.input
    }

    /// A human-readable description of the accepted spellings.
    pub fn expected(&self) -> &str {
        &self.expected
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown {} `{}`: expected {}",
            self.kind, self.input, self.expected
        )
    }
}

impl std::error::Error for ParseError {}

/// Folds a spelling to its comparison key: lower case, `&` read as `and`,
/// and everything that is not a letter or digit (spaces, `_`, `-`, `/`, `,`,
/// `·`, …) dropped. Hangul is kept as is.
pub(crate) fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.trim().chars() {
        if c == '&' {
            out.push_str("and");
        } else if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// Parses `8`, `#8`, ` 08 ` as a number; `None` when it is not a number.
pub(crate) fn number(s: &str) -> Option<u64> {
    let t = s.trim();
    let t = t.strip_prefix('#').unwrap_or(t).trim();
    if t.is_empty() || t.len() > 4 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

/// Implements `FromStr`, `Display`, `Serialize` and a lenient `Deserialize`
/// (string or integer) for a taxonomy enum that has `ALL`, `id()`,
/// `from_number()` and a `SPELLINGS` table.
macro_rules! taxonomy_value {
    ($ty:ident, $kind:literal) => {
        impl ::std::str::FromStr for $ty {
            type Err = $crate::ParseError;

            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                if let Some(n) = $crate::parse::number(s) {
                    return Self::from_number(n).ok_or_else(|| Self::parse_error(s));
                }
                // Fast path: the canonical id, as written by this crate.
                if let Some(v) = Self::from_id(s) {
                    return Ok(v);
                }
                let key = $crate::parse::fold(s);
                if key.is_empty() {
                    return Err(Self::parse_error(s));
                }
                // Every accepted spelling, folded once per process.
                static TABLE: ::std::sync::OnceLock<Vec<(String, $ty)>> =
                    ::std::sync::OnceLock::new();
                TABLE
                    .get_or_init(|| {
                        Self::ALL
                            .iter()
                            .flat_map(|&v| {
                                v.spellings().map(move |sp| ($crate::parse::fold(sp), v))
                            })
                            .collect()
                    })
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, v)| *v)
                    .ok_or_else(|| Self::parse_error(s))
            }
        }

        impl $ty {
            /// The value's number: its 1-based position in `ALL`, which is the
            /// paper's numbering (factors 1–35, categories 1–6, prompt types 1–8
            /// in the order of Table 2).
            pub fn number(self) -> u8 {
                let i = Self::ALL.iter().position(|v| *v == self).unwrap_or(0);
                u8::try_from(i + 1).unwrap_or(u8::MAX)
            }

            /// The value whose canonical id (its serde form and `Display`) is exactly `id`: no
            /// other spelling, no number, no folding. The fast path of `FromStr`, for readers that
            /// accept only the canonical form.
            pub fn from_id(id: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.id() == id)
            }

            /// The value with this number (see [`Self::number`]).
            pub fn from_number(n: u64) -> Option<Self> {
                let i = usize::try_from(n.checked_sub(1)?).ok()?;
                Self::ALL.get(i).copied()
            }

            fn parse_error(s: &str) -> $crate::ParseError {
                let ids: Vec<&str> = Self::ALL.iter().map(|v| v.id()).collect();
                $crate::ParseError::new(
                    $kind,
                    s,
                    format!(
                        "a number 1–{}, an id ({}), or the English or Korean name",
                        Self::ALL.len(),
                        ids.join(", ")
                    ),
                )
            }
        }

        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.id())
            }
        }

        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(
                &self,
                s: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.id())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                d: D,
            ) -> ::std::result::Result<Self, D::Error> {
                struct V;
                impl ::serde::de::Visitor<'_> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        write!(f, "a {} (id, number, English or Korean name)", $kind)
                    }
                    fn visit_str<E: ::serde::de::Error>(
                        self,
                        v: &str,
                    ) -> ::std::result::Result<$ty, E> {
                        v.parse().map_err(E::custom)
                    }
                    fn visit_u64<E: ::serde::de::Error>(
                        self,
                        v: u64,
                    ) -> ::std::result::Result<$ty, E> {
                        $ty::from_number(v)
                            .ok_or_else(|| E::custom($ty::parse_error(&v.to_string())))
                    }
                    fn visit_i64<E: ::serde::de::Error>(
                        self,
                        v: i64,
                    ) -> ::std::result::Result<$ty, E> {
                        u64::try_from(v)
                            .ok()
                            .and_then($ty::from_number)
                            .ok_or_else(|| E::custom($ty::parse_error(&v.to_string())))
                    }
                }
                d.deserialize_any(V)
            }
        }
    };
}
pub(crate) use taxonomy_value;
