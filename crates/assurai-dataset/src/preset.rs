//! Presets: documented field mappings from the files that common safety
//! datasets publish to instances, kept as data under `presets/` (a user can
//! copy one and edit it).

use serde_json::{Map, Value};

use crate::{DatasetError, FieldMap};

/// The built-in presets: name and the JSON text of its file under
/// `crates/assurai-dataset/presets/`.
const BUILTIN: &[(&str, &str)] = &[
    ("kosbi", include_str!("../presets/kosbi.json")),
    ("square", include_str!("../presets/square.json")),
    ("kobbq", include_str!("../presets/kobbq.json")),
    ("xstest", include_str!("../presets/xstest.json")),
    ("harmbench", include_str!("../presets/harmbench.json")),
    ("advbench", include_str!("../presets/advbench.json")),
    ("beavertails", include_str!("../presets/beavertails.json")),
    (
        "do-not-answer",
        include_str!("../presets/do-not-answer.json"),
    ),
    ("sorry-bench", include_str!("../presets/sorry-bench.json")),
    (
        "wildguardtest",
        include_str!("../presets/wildguardtest.json"),
    ),
];

/// One row of a preset's table from the dataset's own category to a risk
/// factor, with the reason for the choice.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FactorRow {
    /// The dataset's category, spelled exactly as published.
    pub from: String,
    /// The risk factor id it maps to.
    pub to: String,
    /// Why this factor.
    pub why: String,
}

/// A documented mapping from a published dataset's files to instances.
///
/// ```
/// use assurai_dataset::Preset;
///
/// let p = Preset::builtin("xstest")?;
/// assert_eq!(p.title(), "XSTest");
/// assert!(p.columns().iter().any(|c| c == "label"));
/// assert!(Preset::builtin("nope").is_err());
/// # Ok::<(), assurai_dataset::DatasetError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Preset {
    name: String,
    title: String,
    source: String,
    licence: String,
    files: Vec<String>,
    notes: String,
    table: Vec<FactorRow>,
    map: FieldMap,
    text: String,
}

impl Preset {
    /// The names of the built-in presets.
    pub fn names() -> impl Iterator<Item = &'static str> {
        BUILTIN.iter().map(|(n, _)| *n)
    }

    /// A built-in preset by name.
    pub fn builtin(name: &str) -> Result<Self, DatasetError> {
        let key = name.trim().to_ascii_lowercase();
        match BUILTIN.iter().find(|(n, _)| *n == key) {
            Some((_, text)) => Self::from_json(text),
            None => Err(DatasetError::InvalidArgument(format!(
                "unknown preset `{name}`: expected one of {}",
                Self::names().collect::<Vec<_>>().join(", ")
            ))),
        }
    }

    /// Every built-in preset.
    pub fn all() -> Result<Vec<Self>, DatasetError> {
        BUILTIN.iter().map(|(_, t)| Self::from_json(t)).collect()
    }

    /// Reads a preset file: a field mapping (see [`FieldMap::from_json`])
    /// with a `preset` block (`name`, `title`, `source`, `licence`, `files`,
    /// `notes`) and a `risk_factor_table` of `{from, to, why}` rows, which
    /// becomes the mapping's `values.risk_factor`.
    pub fn from_json(text: &str) -> Result<Self, DatasetError> {
        let v: Value = serde_json::from_str(text)
            .map_err(|e| DatasetError::Mapping(format!("preset: not valid JSON: {e}")))?;
        let Value::Object(mut o) = v else {
            return Err(DatasetError::Mapping(
                "preset: expected a JSON object".into(),
            ));
        };
        let Some(Value::Object(meta)) = o.remove("preset") else {
            return Err(DatasetError::Mapping(
                "preset: missing the `preset` block (name, title, source, licence, files)".into(),
            ));
        };
        let s = |k: &str| -> Result<String, DatasetError> {
            match meta.get(k) {
                Some(Value::String(s)) => Ok(s.clone()),
                None => Ok(String::new()),
                Some(_) => Err(DatasetError::Mapping(format!(
                    "preset: `preset.{k}` must be a string"
                ))),
            }
        };
        let name = s("name")?;
        if name.is_empty() {
            return Err(DatasetError::Mapping(
                "preset: `preset.name` is required".into(),
            ));
        }
        let files = match meta.get("files") {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|f| f.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        };
        let mut table = Vec::new();
        if let Some(t) = o.remove("risk_factor_table") {
            let Value::Array(rows) = t else {
                return Err(DatasetError::Mapping(
                    "preset: `risk_factor_table` must be a list".into(),
                ));
            };
            for (i, row) in rows.into_iter().enumerate() {
                let get = |k: &str| row.get(k).and_then(Value::as_str).map(str::to_owned);
                match (get("from"), get("to"), get("why")) {
                    (Some(from), Some(to), Some(why)) => {
                        to.parse::<assurai_taxonomy::RiskFactor>().map_err(|e| {
                            DatasetError::Mapping(format!(
                                "preset: `risk_factor_table[{i}].to`: {e}"
                            ))
                        })?;
                        table.push(FactorRow { from, to, why });
                    }
                    _ => {
                        return Err(DatasetError::Mapping(format!(
                            "preset: `risk_factor_table[{i}]` needs `from`, `to` and `why` strings"
                        )));
                    }
                }
            }
            let values = o
                .entry("values")
                .or_insert_with(|| Value::Object(Map::new()));
            let Value::Object(values) = values else {
                return Err(DatasetError::Mapping(
                    "preset: `values` must be an object".into(),
                ));
            };
            let rf = values
                .entry("risk_factor")
                .or_insert_with(|| Value::Object(Map::new()));
            let Value::Object(rf) = rf else {
                return Err(DatasetError::Mapping(
                    "preset: `values.risk_factor` must be an object".into(),
                ));
            };
            for row in &table {
                rf.insert(row.from.clone(), Value::String(row.to.clone()));
            }
        }
        let map = FieldMap::from_value(Value::Object(o))?
            .named(&name)
            .schema_passthrough(false);
        Ok(Self {
            title: s("title")?,
            source: s("source")?,
            licence: s("licence")?,
            notes: s("notes")?,
            name,
            files,
            table,
            map,
            text: text.to_owned(),
        })
    }

    /// The preset's name (`--preset NAME`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The dataset's title.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// Where the dataset is published.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The dataset's licence.
    pub fn licence(&self) -> &str {
        &self.licence
    }

    /// The published files the preset reads.
    pub fn files(&self) -> &[String] {
        &self.files
    }

    /// What the preset does and leaves out.
    pub fn notes(&self) -> &str {
        &self.notes
    }

    /// The table from the dataset's categories to risk factors.
    pub fn factor_table(&self) -> &[FactorRow] {
        &self.table
    }

    /// The columns the preset reads from each record.
    pub fn columns(&self) -> Vec<String> {
        self.map.source_columns()
    }

    /// The columns a file must have (checked on its first record).
    pub fn required_columns(&self) -> &[String] {
        self.map.required_columns()
    }

    /// The preset's field mapping.
    pub fn mapping(&self) -> &FieldMap {
        &self.map
    }

    /// The preset file's text, to copy and edit.
    pub fn json(&self) -> &str {
        &self.text
    }
}
