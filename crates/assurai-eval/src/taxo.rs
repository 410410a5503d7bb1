//! Fast deserialisation of taxonomy ids: an exact id is matched against a
//! table first; anything else falls back to the taxonomy's lenient parser.
//! (Reports parse millions of these; the lenient parser allocates.)

use std::str::FromStr;

use assurai_taxonomy::{Modality, PromptType, RiskCategory, RiskFactor};
use serde::Deserializer;

pub(crate) trait TaxonomyId: Copy + FromStr + 'static {
    fn all() -> &'static [Self];
    fn id(self) -> &'static str;
}

macro_rules! taxonomy_id {
    ($($t:ty),*) => {$(
        impl TaxonomyId for $t {
            fn all() -> &'static [Self] {
                &<$t>::ALL
            }
            fn id(self) -> &'static str {
                <$t>::id(self)
            }
        }
    )*};
}

taxonomy_id!(RiskFactor, RiskCategory, PromptType, Modality);

struct Visitor<T>(std::marker::PhantomData<T>);

impl<T> serde::de::Visitor<'_> for Visitor<T>
where
    T: TaxonomyId,
    <T as FromStr>::Err: std::fmt::Display,
{
    type Value = T;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a taxonomy id, name or number")
    }

    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<T, E> {
        match T::all().iter().find(|v| v.id() == s) {
            Some(v) => Ok(*v),
            None => s.parse::<T>().map_err(E::custom),
        }
    }

    fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<T, E> {
        n.to_string().parse::<T>().map_err(E::custom)
    }

    fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<T, E> {
        n.to_string().parse::<T>().map_err(E::custom)
    }
}

/// `deserialize_with` for taxonomy fields: exact ids fast, else lenient.
pub(crate) fn de<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: TaxonomyId,
    <T as FromStr>::Err: std::fmt::Display,
{
    d.deserialize_any(Visitor(std::marker::PhantomData))
}
