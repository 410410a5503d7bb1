//! The published frameworks the risk factors were adapted from.

use crate::parse::taxonomy_value;

/// The framework a risk factor was curated and adapted from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum SourceFramework {
    /// AIR 2024 (Zeng et al., 2024): factors 1–30.
    Air2024,
    /// The MIT FutureTech AI risk repository (Slattery et al., 2024): factors 31–35.
    MitFutureTech,
}

impl SourceFramework {
    /// Both frameworks.
    pub const ALL: [SourceFramework; 2] = [Self::Air2024, Self::MitFutureTech];

    /// Stable id: `air_2024` or `mit_futuretech`.
    pub fn id(self) -> &'static str {
        match self {
            Self::Air2024 => "air_2024",
            Self::MitFutureTech => "mit_futuretech",
        }
    }

    /// The name as printed in the paper's Table 10: `AIR 2024` or `MIT FutureTech`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Air2024 => "AIR 2024",
            Self::MitFutureTech => "MIT FutureTech",
        }
    }

    fn spellings(self) -> impl Iterator<Item = &'static str> {
        [self.id(), self.name()].into_iter()
    }
}

taxonomy_value!(SourceFramework, "source framework");
