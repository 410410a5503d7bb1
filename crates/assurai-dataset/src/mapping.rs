//! Field mappings: read foreign datasets (such as the published
//! `assurai_index.jsonl`) without editing them, like Inspect's `FieldSpec`.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::DatasetError;
use crate::convert::KNOWN_FIELDS;

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
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldMap {
    fields: Vec<(String, Vec<String>)>,
    values: BTreeMap<String, BTreeMap<String, Value>>,
    defaults: BTreeMap<String, Value>,
    unmapped: Unmapped,
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
    pub fn from_json(text: &str) -> Result<Self, DatasetError> {
        let v: Value = serde_json::from_str(text)
            .map_err(|e| DatasetError::Mapping(format!("not valid JSON: {e}")))?;
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
        if let Some(k) = o.keys().next() {
            return Err(DatasetError::Mapping(format!(
                "unknown key `{k}`: expected fields, values, defaults, unmapped"
            )));
        }
        Ok(map)
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
        let Value::Object(mut src) = record else {
            return record;
        };
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
            if KNOWN_FIELDS.contains(&k.as_str()) {
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
                let key = match v {
                    Value::String(s) => s.trim().to_owned(),
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    _ => continue,
                };
                if let Some(to) = table.get(&key) {
                    *v = to.clone();
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
        self.fields.is_empty() && self.values.is_empty() && self.defaults.is_empty()
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
