//! Field mappings: read foreign datasets (such as the published
//! `assurai_index.jsonl`) without editing them, like Inspect's `FieldSpec`.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::convert::KNOWN_FIELDS;
use crate::derive::{Derive, shorten, text_of};
use crate::{DatasetError, Problem};

/// What to do with source fields that no mapping entry names and that are
/// not fields of the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Unmapped {
    /// Move them into the instance's `metadata` object (the default).
    #[default]
    Metadata,
    /// Keep them as unknown top-level fields (validation warns once per name).
    Keep,
    /// Drop them.
    Drop,
}

/// Maps foreign field names and value spellings onto the schema.
///
/// A mapping is a JSON object (see `docs/dataset-format.md`):
///
/// ```
/// use assurai_dataset::FieldMap;
///
/// let map = FieldMap::from_json(r#"{
///   "fields": {"id": "uid", "prompt": "question", "risk_factor": "meta.risk"},
///   "values": {"prompt_type": {"객관식 문항": "multiple_choice"}},
///   "defaults": {"prompt_type": "q_only"}
/// }"#)?;
/// let record = serde_json::json!({"uid": 7, "question": "안녕하세요?", "meta": {"risk": 21}, "source": "x"});
/// let mapped = map.apply(record, 1);
/// assert_eq!(mapped["id"], 7);
/// assert_eq!(mapped["risk_factor"], 21);
/// assert_eq!(mapped["prompt_type"], "q_only");
/// assert_eq!(mapped["metadata"]["source"], "x");
/// # Ok::<(), assurai_dataset::DatasetError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FieldMap {
    fields: Vec<(String, Vec<String>)>,
    values: BTreeMap<String, BTreeMap<String, Value>>,
    defaults: BTreeMap<String, Value>,
    unmapped: Unmapped,
    derive: Vec<Derive>,
    require: Vec<String>,
    strict: bool,
    passthrough: bool,
    name: Option<String>,
}

/// The outcome of mapping one record with its checks.
pub(crate) enum Mapped {
    /// The mapped record, the problems found (errors make it invalid) and
    /// the schema fields whose value was rejected (their conversion
    /// problems would only repeat it).
    Value(Value, Vec<Problem>, Vec<String>),
    /// The file does not have the columns the mapping needs: stop reading.
    WrongFile(Problem),
}

impl Default for FieldMap {
    fn default() -> Self {
        Self {
            fields: Vec::new(),
            values: BTreeMap::new(),
            defaults: BTreeMap::new(),
            unmapped: Unmapped::default(),
            derive: Vec::new(),
            require: Vec::new(),
            strict: false,
            passthrough: true,
            name: None,
        }
    }
}

/// Special source name: the record's line number.
const LINE: &str = "$line";

impl FieldMap {
    /// An empty mapping (records are read as they are).
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads a mapping from its JSON form: `fields` (schema field → source
    /// field, dots for nested fields, `$line` for the line number),
    /// `values` (schema field → {source spelling → value}), `defaults`
    /// (schema field → value when missing) and `unmapped`
    /// (`metadata` | `keep` | `drop`).
    ///
    /// Three keys serve presets: `derive` (steps that compute new source
    /// fields: `template`, `split`, `first_true_key`, `choices`,
    /// `candidates`), `require` (columns the file must have; checked on its
    /// first record) and `strict` (a spelling missing from a `values` table is
    /// an error instead of being passed on).
    pub fn from_json(text: &str) -> Result<Self, DatasetError> {
        let v: Value = serde_json::from_str(text)
            .map_err(|e| DatasetError::Mapping(format!("not valid JSON: {e}")))?;
        Self::from_value(v)
    }

    pub(crate) fn from_value(v: Value) -> Result<Self, DatasetError> {
        let Value::Object(mut o) = v else {
            return Err(DatasetError::Mapping("expected a JSON object".into()));
        };
        let mut map = Self::new();
        if let Some(f) = o.remove("fields") {
            let Value::Object(f) = f else {
                return Err(DatasetError::Mapping("`fields` must be an object".into()));
            };
            for (target, source) in f {
                let Value::String(source) = source else {
                    return Err(DatasetError::Mapping(format!(
                        "`fields.{target}` must be a string (the source field name)"
                    )));
                };
                map = map.field(&target, &source)?;
            }
        }
        if let Some(vals) = o.remove("values") {
            let Value::Object(vals) = vals else {
                return Err(DatasetError::Mapping("`values` must be an object".into()));
            };
            for (target, table) in vals {
                let Value::Object(table) = table else {
                    return Err(DatasetError::Mapping(format!(
                        "`values.{target}` must be an object of spelling → value"
                    )));
                };
                check_target(&target)?;
                for (from, to) in table {
                    map = map.value(&target, &from, to);
                }
            }
        }
        if let Some(d) = o.remove("defaults") {
            let Value::Object(d) = d else {
                return Err(DatasetError::Mapping("`defaults` must be an object".into()));
            };
            for (target, v) in d {
                check_target(&target)?;
                map.defaults.insert(target, v);
            }
        }
        if let Some(u) = o.remove("unmapped") {
            map.unmapped = match u.as_str() {
                Some("metadata") => Unmapped::Metadata,
                Some("keep") => Unmapped::Keep,
                Some("drop") => Unmapped::Drop,
                _ => {
                    return Err(DatasetError::Mapping(
                        "`unmapped` must be \"metadata\", \"keep\" or \"drop\"".into(),
                    ));
                }
            };
        }
        if let Some(d) = o.remove("derive") {
            let Value::Array(steps) = d else {
                return Err(DatasetError::Mapping(
                    "`derive` must be a list of steps".into(),
                ));
            };
            for (i, step) in steps.into_iter().enumerate() {
                map.derive.push(Derive::from_value(step, i)?);
            }
        }
        if let Some(r) = o.remove("require") {
            let cols = match r {
                Value::Array(a) => a
                    .into_iter()
                    .map(|c| match c {
                        Value::String(s) => Some(s),
                        _ => None,
                    })
                    .collect::<Option<Vec<_>>>(),
                _ => None,
            };
            map.require = cols.ok_or_else(|| {
                DatasetError::Mapping("`require` must be a list of column names".into())
            })?;
        }
        if let Some(st) = o.remove("strict") {
            map.strict = st
                .as_bool()
                .ok_or_else(|| DatasetError::Mapping("`strict` must be true or false".into()))?;
        }
        if let Some(k) = o.keys().next() {
            return Err(DatasetError::Mapping(format!(
                "unknown key `{k}`: expected fields, values, defaults, unmapped, derive, require, strict"
            )));
        }
        Ok(map)
    }

    /// Names the mapping in messages (a preset's name).
    pub(crate) fn named(mut self, name: &str) -> Self {
        self.name = Some(name.to_owned());
        self
    }

    /// Whether unmapped source fields that happen to carry a schema name
    /// (`category`, `choices`, …) are read as those schema fields (the
    /// default for `--map`; presets turn it off, since their columns are the
    /// foreign dataset's).
    pub(crate) fn schema_passthrough(mut self, on: bool) -> Self {
        self.passthrough = on;
        self
    }

    /// The columns the mapping requires.
    pub(crate) fn required_columns(&self) -> &[String] {
        &self.require
    }

    /// Reads the schema field `target` from the source field `source`
    /// (`a.b` for nested objects, `$line` for the line number).
    pub fn field(mut self, target: &str, source: &str) -> Result<Self, DatasetError> {
        check_target(target)?;
        if source.is_empty() {
            return Err(DatasetError::Mapping(format!(
                "`fields.{target}`: the source field name is empty"
            )));
        }
        let path = if source == LINE {
            vec![LINE.to_owned()]
        } else {
            source.split('.').map(str::to_owned).collect()
        };
        self.fields.push((target.to_owned(), path));
        Ok(self)
    }

    /// Replaces the spelling `from` of `target` by `to` (exact match after
    /// trimming).
    pub fn value(mut self, target: &str, from: &str, to: Value) -> Self {
        self.values
            .entry(target.to_owned())
            .or_default()
            .insert(from.trim().to_owned(), to);
        self
    }

    /// Uses `value` for `target` when the record has none.
    pub fn default_value(mut self, target: &str, value: Value) -> Self {
        self.defaults.insert(target.to_owned(), value);
        self
    }

    /// Sets what happens to source fields the mapping does not name.
    pub fn unmapped(mut self, policy: Unmapped) -> Self {
        self.unmapped = policy;
        self
    }

    /// Applies the mapping to one record read from `line`.
    pub fn apply(&self, record: Value, line: u64) -> Value {
        let mut problems = Vec::new();
        self.apply_inner(record, line, &mut problems)
    }

    /// Applies the mapping with its checks: derivation problems, unknown
    /// spellings when strict, and (with `check_columns`, for a file's first
    /// record) the required columns.
    pub(crate) fn apply_checked(&self, record: Value, line: u64, check_columns: bool) -> Mapped {
        if check_columns
            && !self.require.is_empty()
            && let Value::Object(o) = &record
        {
            let missing: Vec<&str> = self
                .require
                .iter()
                .filter(|c| !o.contains_key(c.as_str()))
                .map(String::as_str)
                .collect();
            if !missing.is_empty() {
                let what = match &self.name {
                    Some(n) => format!("preset `{n}`"),
                    None => "the mapping".to_owned(),
                };
                let mut found: Vec<&str> = o.keys().map(String::as_str).collect();
                found.truncate(20);
                return Mapped::WrongFile(Problem::error(
                    None,
                    None,
                    format!(
                        "{what} expects the columns {}; this file's first record (line {line}) lacks {} \
                         (it has: {}) — is this the dataset the preset is for?",
                        self.require.join(", "),
                        missing.join(", "),
                        if found.is_empty() {
                            "none".to_owned()
                        } else {
                            found.join(", ")
                        }
                    ),
                ));
            }
        }
        let mut problems = Vec::new();
        let before = problems.len();
        let v = self.apply_inner(record, line, &mut problems);
        let rejected = problems[before..]
            .iter()
            .filter_map(|p| p.id.clone())
            .collect();
        for p in &mut problems {
            p.id = None;
        }
        Mapped::Value(v, problems, rejected)
    }

    fn apply_inner(&self, record: Value, line: u64, problems: &mut Vec<Problem>) -> Value {
        let Value::Object(mut src) = record else {
            return record;
        };
        for step in &self.derive {
            if let Err(e) = step.apply(&mut src, line) {
                problems.push(Problem::error(Some(line), Some(&e.field), e.message));
            }
        }
        let mut out = Map::new();
        for (target, path) in &self.fields {
            let v = if path.len() == 1 && path[0] == LINE {
                Some(Value::from(line))
            } else {
                lookup(&src, path)
            };
            if let Some(v) = v {
                out.insert(target.clone(), v);
            }
        }
        // Remove the top-level sources that were consumed.
        for (_, path) in &self.fields {
            if path.len() == 1 {
                src.remove(&path[0]);
            }
        }
        let mut meta = match out.remove("metadata") {
            Some(Value::Object(m)) => Some(m),
            Some(other) => {
                out.insert("metadata".into(), other);
                None
            }
            None => None,
        };
        for (k, v) in src {
            let nested_source = self.fields.iter().any(|(_, p)| p.len() > 1 && p[0] == k);
            if out.contains_key(&k) || nested_source {
                continue;
            }
            if self.passthrough && KNOWN_FIELDS.contains(&k.as_str()) {
                if k == "metadata"
                    && let Value::Object(m) = v
                {
                    meta.get_or_insert_with(Map::new).extend(m);
                    continue;
                }
                out.insert(k, v);
                continue;
            }
            match self.unmapped {
                Unmapped::Metadata => {
                    meta.get_or_insert_with(Map::new).insert(k, v);
                }
                Unmapped::Keep => {
                    out.insert(k, v);
                }
                Unmapped::Drop => {}
            }
        }
        if let Some(m) = meta {
            out.insert("metadata".into(), Value::Object(m));
        }
        for (target, table) in &self.values {
            if let Some(v) = out.get_mut(target) {
                let key = match text_of(v) {
                    Some(t) => t.trim().to_owned(),
                    None => continue,
                };
                if let Some(to) = table.get(&key) {
                    *v = to.clone();
                } else if self.strict {
                    let source = self
                        .fields
                        .iter()
                        .find(|(t, _)| t == target)
                        .map_or_else(|| target.clone(), |(_, p)| p.join("."));
                    let mut known: Vec<&str> = table.keys().map(String::as_str).collect();
                    let more = known.len().saturating_sub(12);
                    known.truncate(12);
                    let mut p = Problem::error(
                        Some(line),
                        Some(&source),
                        format!(
                            "value `{}` is not in the {}table for `{target}`; known: {}{} \
                             (copy the preset and add a row)",
                            shorten(&key),
                            self.name
                                .as_ref()
                                .map(|n| format!("preset `{n}`'s "))
                                .unwrap_or_default(),
                            known.join(", "),
                            if more > 0 {
                                format!(" and {more} more")
                            } else {
                                String::new()
                            }
                        ),
                    );
                    // Carries the rejected target to `apply_checked`.
                    p.id = Some(target.clone());
                    problems.push(p);
                }
            }
        }
        for (target, v) in &self.defaults {
            let missing = out
                .get(target)
                .is_none_or(|x| x.is_null() || x.as_str().is_some_and(|s| s.trim().is_empty()));
            if missing {
                out.insert(target.clone(), v.clone());
            }
        }
        Value::Object(out)
    }

    /// Whether the mapping changes nothing.
    pub fn is_identity(&self) -> bool {
        self.fields.is_empty()
            && self.values.is_empty()
            && self.defaults.is_empty()
            && self.derive.is_empty()
    }

    /// The source columns the mapping reads (mapped fields, derivation
    /// inputs), for listing a preset's expected layout.
    pub(crate) fn source_columns(&self) -> Vec<String> {
        let mut cols: Vec<String> = self
            .fields
            .iter()
            .filter(|(_, p)| p[0] != LINE && !p[0].starts_with('_'))
            .map(|(_, p)| p[0].clone())
            .collect();
        for d in &self.derive {
            cols.extend(d.reads().into_iter().map(str::to_owned));
        }
        cols.sort();
        cols.dedup();
        cols
    }
}

fn lookup(src: &Map<String, Value>, path: &[String]) -> Option<Value> {
    let (first, rest) = path.split_first()?;
    let mut cur = src.get(first)?;
    for seg in rest {
        cur = match cur {
            Value::Object(o) => o.get(seg)?,
            Value::Array(a) => a.get(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur.clone())
}

fn check_target(target: &str) -> Result<(), DatasetError> {
    if KNOWN_FIELDS.contains(&target) {
        Ok(())
    } else {
        Err(DatasetError::Mapping(format!(
            "`{target}` is not a schema field: expected one of {}",
            KNOWN_FIELDS.join(", ")
        )))
    }
}
