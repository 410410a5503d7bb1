//! Counts of a dataset by factor, modality, prompt type and category, side
//! by side with the paper's Tables 3, 4 and 10.

use assurai_taxonomy::{Modality, PAPER_TOTAL_INSTANCES, PromptType, RiskCategory, RiskFactor};
use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::Instance;

/// Instance counts by risk factor × modality and by prompt type.
///
/// ```
/// use assurai_dataset::{Distribution, Input, Instance};
/// use assurai_taxonomy::{Modality, PromptType, RiskFactor};
///
/// let mut d = Distribution::new();
/// d.add(&Instance::new("a", RiskFactor::Fraud, PromptType::QOnly, Input::Prompt("질문".into())));
/// assert_eq!(d.total(), 1);
/// assert_eq!(d.count(RiskFactor::Fraud, Modality::Text), 1);
/// assert_eq!(d.factor_rows()[RiskFactor::Fraud.number() as usize - 1].paper_count, 300);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Distribution {
    total: u64,
    factor_modality: [[u64; 4]; 35],
    prompt_type: [u64; 8],
}

impl Default for Distribution {
    fn default() -> Self {
        Self::new()
    }
}

fn mi(m: Modality) -> usize {
    Modality::ALL.iter().position(|x| *x == m).unwrap_or(0)
}

/// One row of a coverage table: this dataset's count and share next to the
/// paper's.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct CoverageRow {
    /// Stable id of the factor, prompt type, category or modality.
    pub key: String,
    /// English name.
    pub name: String,
    /// Instances in this dataset.
    pub count: u64,
    /// `count` / total of this dataset (0 when empty).
    pub share: f64,
    /// Instances in the published dataset.
    pub paper_count: u32,
    /// `paper_count` / 11,480.
    pub paper_share: f64,
}

impl Distribution {
    /// An empty distribution.
    pub fn new() -> Self {
        Self {
            total: 0,
            factor_modality: [[0; 4]; 35],
            prompt_type: [0; 8],
        }
    }

    /// Counts one instance.
    pub fn add(&mut self, inst: &Instance) {
        self.total += 1;
        let f = usize::from(inst.risk_factor.number()).saturating_sub(1);
        let p = usize::from(inst.prompt_type.number()).saturating_sub(1);
        if let Some(row) = self.factor_modality.get_mut(f) {
            row[mi(inst.modality)] += 1;
        }
        if let Some(c) = self.prompt_type.get_mut(p) {
            *c += 1;
        }
    }

    /// Adds another distribution's counts (e.g. from another shard).
    pub fn merge(&mut self, other: &Distribution) {
        self.total += other.total;
        for (a, b) in self.factor_modality.iter_mut().zip(&other.factor_modality) {
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        }
        for (x, y) in self.prompt_type.iter_mut().zip(&other.prompt_type) {
            *x += y;
        }
    }

    /// Number of instances counted.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Instances of `factor` in `modality`.
    pub fn count(&self, factor: RiskFactor, modality: Modality) -> u64 {
        let f = usize::from(factor.number()).saturating_sub(1);
        self.factor_modality.get(f).map_or(0, |r| r[mi(modality)])
    }

    /// Instances of `factor` over all modalities.
    pub fn factor_total(&self, factor: RiskFactor) -> u64 {
        Modality::ALL.iter().map(|m| self.count(factor, *m)).sum()
    }

    /// Instances of a prompt type.
    pub fn prompt_type(&self, p: PromptType) -> u64 {
        let i = usize::from(p.number()).saturating_sub(1);
        self.prompt_type.get(i).copied().unwrap_or(0)
    }

    /// Instances of a category.
    pub fn category(&self, c: RiskCategory) -> u64 {
        c.factors().map(|f| self.factor_total(f)).sum()
    }

    /// Instances of a modality.
    pub fn modality(&self, m: Modality) -> u64 {
        RiskFactor::ALL.iter().map(|f| self.count(*f, m)).sum()
    }

    fn row(&self, key: &str, name: &str, count: u64, paper: u32) -> CoverageRow {
        CoverageRow {
            key: key.to_owned(),
            name: name.to_owned(),
            count,
            share: if self.total == 0 {
                0.0
            } else {
                count as f64 / self.total as f64
            },
            paper_count: paper,
            paper_share: f64::from(paper) / f64::from(PAPER_TOTAL_INSTANCES),
        }
    }

    /// One row per risk factor, against Table 10's row totals.
    pub fn factor_rows(&self) -> Vec<CoverageRow> {
        RiskFactor::ALL
            .iter()
            .map(|f| {
                self.row(
                    f.id(),
                    f.name(),
                    self.factor_total(*f),
                    f.paper_counts().total(),
                )
            })
            .collect()
    }

    /// One row per (factor, modality) cell, against Table 10.
    pub fn factor_modality_rows(&self) -> Vec<(RiskFactor, Modality, CoverageRow)> {
        let mut out = Vec::with_capacity(140);
        for f in RiskFactor::ALL {
            for m in Modality::ALL {
                let key = format!("{}/{}", f.id(), m.id());
                let row = self.row(&key, f.name(), self.count(f, m), f.paper_counts().get(m));
                out.push((f, m, row));
            }
        }
        out
    }

    /// One row per prompt type, against Table 4.
    pub fn prompt_type_rows(&self) -> Vec<CoverageRow> {
        PromptType::ALL
            .iter()
            .map(|p| self.row(p.id(), p.name(), self.prompt_type(*p), p.paper_count()))
            .collect()
    }

    /// One row per category, against the sums of Table 10.
    pub fn category_rows(&self) -> Vec<CoverageRow> {
        RiskCategory::ALL
            .iter()
            .map(|c| {
                let paper = c.factors().map(|f| f.paper_counts().total()).sum();
                self.row(c.id(), c.name(), self.category(*c), paper)
            })
            .collect()
    }

    /// One row per modality, against Table 3.
    pub fn modality_rows(&self) -> Vec<CoverageRow> {
        Modality::ALL
            .iter()
            .map(|m| self.row(m.id(), m.name(), self.modality(*m), m.paper_count()))
            .collect()
    }

    /// Table 10 cells that this dataset leaves empty although the paper has
    /// instances there.
    pub fn gaps(&self) -> Vec<(RiskFactor, Modality)> {
        let mut out = Vec::new();
        for f in RiskFactor::ALL {
            for m in Modality::ALL {
                if f.planned_for(m) && self.count(f, m) == 0 {
                    out.push((f, m));
                }
            }
        }
        out
    }
}

/// `{"total", "by_modality", "by_category", "by_prompt_type", "by_factor":
/// {id: {"text", "image", "video", "audio", "total"}}}`.
impl Serialize for Distribution {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Counts<'a, K: Copy, F: Fn(K) -> u64>(&'a [K], fn(K) -> &'static str, F);
        impl<K: Copy, F: Fn(K) -> u64> Serialize for Counts<'_, K, F> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(self.0.len()))?;
                for k in self.0 {
                    m.serialize_entry(self.1(*k), &self.2(*k))?;
                }
                m.end()
            }
        }
        struct Row([u64; 4]);
        impl Serialize for Row {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(5))?;
                for (i, md) in Modality::ALL.iter().enumerate() {
                    m.serialize_entry(md.id(), &self.0[i])?;
                }
                m.serialize_entry("total", &self.0.iter().sum::<u64>())?;
                m.end()
            }
        }
        struct Factors<'a>(&'a Distribution);
        impl Serialize for Factors<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(35))?;
                for (i, f) in RiskFactor::ALL.iter().enumerate() {
                    m.serialize_entry(f.id(), &Row(self.0.factor_modality[i]))?;
                }
                m.end()
            }
        }
        let mut m = s.serialize_map(Some(5))?;
        m.serialize_entry("total", &self.total)?;
        m.serialize_entry(
            "by_modality",
            &Counts(&Modality::ALL, Modality::id, |x| self.modality(x)),
        )?;
        m.serialize_entry(
            "by_category",
            &Counts(&RiskCategory::ALL, RiskCategory::id, |x| self.category(x)),
        )?;
        m.serialize_entry(
            "by_prompt_type",
            &Counts(&PromptType::ALL, PromptType::id, |x| self.prompt_type(x)),
        )?;
        m.serialize_entry("by_factor", &Factors(self))?;
        m.end()
    }
}
