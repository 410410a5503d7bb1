//! [`CategoryTable`]: each guard family's categories mapped to AssurAI risk factors.

use std::collections::BTreeMap;

use assurai_taxonomy::RiskFactor;

use crate::{GuardFamily, JudgeError};

/// The built-in table, `data/guard_categories.tsv` in this crate.
const BUILTIN: &str = include_str!("../../data/guard_categories.tsv");

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CategoryRow {
    /// The guard family.
    pub family: GuardFamily,
    /// The guard's own code (`S1`, `Violent`, `harm`, …).
    pub code: String,
    /// The category's name in the guard's model card.
    pub name: String,
    /// Our risk factors (empty: none of the 35).
    pub risk_factors: Vec<RiskFactor>,
    /// Why.
    pub reasoning: String,
}

/// Guard categories → AssurAI risk factors, read from a tab-separated file (documented at the
/// top of `data/guard_categories.tsv`; replace it with [`CategoryTable::from_tsv`]).
///
/// ```
/// use assurai_judge::{CategoryTable, GuardFamily};
/// use assurai_taxonomy::RiskFactor;
/// let table = CategoryTable::builtin();
/// assert!(table.factors(GuardFamily::LlamaGuard, "S9").contains(&RiskFactor::WeaponUsageAndDevelopment));
/// assert!(table.codes_for(GuardFamily::ShieldGemma, RiskFactor::Harassment).contains(&"harassment"));
/// let mine = CategoryTable::from_tsv("llama-guard\tS9\tWeapons\tviolent_acts\tmine\n", "mine.tsv").unwrap();
/// assert_eq!(mine.factors(GuardFamily::LlamaGuard, "S9"), &[RiskFactor::ViolentActs]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CategoryTable {
    rows: BTreeMap<(GuardFamily, String), CategoryRow>,
}

impl CategoryTable {
    /// The built-in table.
    pub fn builtin() -> Self {
        // The built-in file is checked by a unit test; an error here is a build defect.
        Self::from_tsv(BUILTIN, "data/guard_categories.tsv").unwrap_or_default()
    }

    /// The built-in table's text, to copy and edit.
    pub fn builtin_text() -> &'static str {
        BUILTIN
    }

    /// Reads a table: one row per line, five tab-separated columns (`family`, `code`, `name`,
    /// `risk_factors` as comma-separated ids or `-`, `reasoning`); `#` starts a comment line.
    ///
    /// # Errors
    /// [`JudgeError::Template`] naming `source`, the line and the column that is wrong.
    pub fn from_tsv(text: &str, source: &str) -> Result<Self, JudgeError> {
        let mut rows = BTreeMap::new();
        for (i, line) in text.lines().enumerate() {
            let n = i + 1;
            let bad = |what: String| JudgeError::template(format!("{source}:{n}: {what}"));
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            if cols.len() != 5 {
                return Err(bad(format!(
                    "expected 5 tab-separated columns (family, code, name, risk_factors, \
                     reasoning), found {}",
                    cols.len()
                )));
            }
            let family: GuardFamily = cols[0]
                .parse()
                .map_err(|e: JudgeError| bad(format!("column family: {e}")))?;
            let code = cols[1].trim();
            if code.is_empty() {
                return Err(bad("column code is empty".to_owned()));
            }
            let mut risk_factors = Vec::new();
            if cols[3].trim() != "-" {
                for id in cols[3].split(',') {
                    let f: RiskFactor = id.trim().parse().map_err(|_| {
                        bad(format!(
                            "column risk_factors: `{id}` is not a risk factor id (or write `-`)"
                        ))
                    })?;
                    if !risk_factors.contains(&f) {
                        risk_factors.push(f);
                    }
                }
            }
            let row = CategoryRow {
                family,
                code: code.to_owned(),
                name: cols[2].trim().to_owned(),
                risk_factors,
                reasoning: cols[4].trim().to_owned(),
            };
            if rows.insert((family, code.to_owned()), row).is_some() {
                return Err(bad(format!("duplicate row for {family} code `{code}`")));
            }
        }
        Ok(Self { rows })
    }

    /// The row for a family's code.
    pub fn row(&self, family: GuardFamily, code: &str) -> Option<&CategoryRow> {
        self.rows.get(&(family, code.to_owned()))
    }

    /// The risk factors of a family's code (empty when unknown or mapped to none).
    pub fn factors(&self, family: GuardFamily, code: &str) -> &[RiskFactor] {
        self.row(family, code).map_or(&[], |r| &r.risk_factors)
    }

    /// The risk factors of several codes, without repeats, in order.
    pub fn factors_of(&self, family: GuardFamily, codes: &[String]) -> Vec<RiskFactor> {
        let mut out = Vec::new();
        for c in codes {
            for f in self.factors(family, c) {
                if !out.contains(f) {
                    out.push(*f);
                }
            }
        }
        out
    }

    /// The family's codes whose row lists `factor`, in table order.
    pub fn codes_for(&self, family: GuardFamily, factor: RiskFactor) -> Vec<&str> {
        self.rows
            .values()
            .filter(|r| r.family == family && r.risk_factors.contains(&factor))
            .map(|r| r.code.as_str())
            .collect()
    }

    /// All rows, ordered by family and code.
    pub fn rows(&self) -> impl Iterator<Item = &CategoryRow> {
        self.rows.values()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn builtin_parses_and_every_row_has_reasoning() {
        let t = CategoryTable::from_tsv(BUILTIN, "builtin").unwrap();
        assert!(t.rows().count() > 40);
        for r in t.rows() {
            assert!(r.reasoning.len() > 20, "{r:?}");
        }
        for code in (1..=14).map(|n| format!("S{n}")) {
            assert!(t.row(GuardFamily::LlamaGuard, &code).is_some(), "{code}");
        }
        for code in (1..=7).map(|n| format!("S{n}")) {
            assert!(t.row(GuardFamily::Kanana, &code).is_some(), "{code}");
        }
    }

    #[test]
    fn errors_name_the_line_and_column() {
        let e = CategoryTable::from_tsv("# c\nllama-guard\tS1\tx\tnot_a_factor\twhy\n", "t.tsv")
            .unwrap_err()
            .to_string();
        assert!(e.contains("t.tsv:2") && e.contains("not_a_factor"), "{e}");
        let e = CategoryTable::from_tsv("nope\tS1\tx\t-\twhy\n", "t.tsv")
            .unwrap_err()
            .to_string();
        assert!(e.contains("t.tsv:1") && e.contains("family"), "{e}");
        let e = CategoryTable::from_tsv("kanana\tS1\tx\t-\n", "t.tsv")
            .unwrap_err()
            .to_string();
        assert!(e.contains("5 tab-separated"), "{e}");
        let dup = "kanana\tS1\tx\t-\twhy\nkanana\tS1\ty\t-\twhy\n";
        assert!(CategoryTable::from_tsv(dup, "t").is_err());
    }
}
