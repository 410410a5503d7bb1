//! Derived source fields: the small, data-driven steps a preset needs before
//! its field mapping (a template, a split, the first flagged key of an
//! object, choices from a list, candidates from columns).
//!
//! Every step writes one new source field and never overwrites one: the first
//! step that produces a field wins, so alternatives are written as several
//! steps with `when` conditions.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::DatasetError;
use crate::convert::label_for;

/// One derivation step.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Derive {
    /// The source field written.
    set: String,
    /// Only when every named field has one of the listed spellings.
    when: Vec<(String, Vec<String>)>,
    op: Op,
}

#[derive(Debug, Clone, PartialEq)]
enum Op {
    /// `{field}` placeholders (`{$line}` for the line number).
    Template(Vec<Piece>),
    /// Part `index` of `field` split at `sep`.
    Split {
        field: String,
        sep: String,
        index: usize,
    },
    /// The first key (in key order) of an object whose value is `true`.
    FirstTrueKey(String),
    /// Multiple-Choice options from a list (JSON array or a Python-style
    /// list literal); an option equal to `safe_equals`'s value is safe.
    Choices {
        field: String,
        safe_equals: Option<String>,
    },
    /// Candidates `{label, text}` from columns.
    Candidates(Vec<CandidateSpec>),
}

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(String),
    Field(String),
}

#[derive(Debug, Clone, PartialEq)]
struct CandidateSpec {
    text: String,
    label: Option<String>,
    fixed_label: Option<String>,
    labels: BTreeMap<String, String>,
}

/// A problem a step found in a record: the source field and what is wrong.
pub(crate) struct StepError {
    pub(crate) field: String,
    pub(crate) message: String,
}

fn bad(msg: impl Into<String>) -> DatasetError {
    DatasetError::Mapping(msg.into())
}

fn str_field(o: &Map<String, Value>, key: &str, ctx: &str) -> Result<Option<String>, DatasetError> {
    match o.get(key) {
        None => Ok(None),
        Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
        Some(_) => Err(bad(format!("{ctx}: `{key}` must be a non-empty string"))),
    }
}

impl Derive {
    /// Reads one step of a mapping's `derive` list.
    pub(crate) fn from_value(v: Value, i: usize) -> Result<Self, DatasetError> {
        let ctx = format!("`derive[{i}]`");
        let Value::Object(o) = v else {
            return Err(bad(format!("{ctx} must be an object")));
        };
        let set = str_field(&o, "set", &ctx)?
            .ok_or_else(|| bad(format!("{ctx}: missing `set` (the field it writes)")))?;
        let mut when = Vec::new();
        if let Some(w) = o.get("when") {
            let Value::Object(w) = w else {
                return Err(bad(format!(
                    "{ctx}: `when` must be an object of field → spellings"
                )));
            };
            for (field, spellings) in w {
                let list = match spellings {
                    Value::String(s) => vec![s.clone()],
                    Value::Array(a) => a
                        .iter()
                        .map(text_of)
                        .collect::<Option<Vec<_>>>()
                        .ok_or_else(|| {
                            bad(format!(
                                "{ctx}: `when.{field}` must list strings or numbers"
                            ))
                        })?,
                    _ => {
                        return Err(bad(format!(
                            "{ctx}: `when.{field}` must be a string or a list"
                        )));
                    }
                };
                when.push((field.clone(), list));
            }
        }
        let ops = [
            "template",
            "split",
            "first_true_key",
            "choices",
            "candidates",
        ];
        let given: Vec<&str> = ops.iter().copied().filter(|k| o.contains_key(*k)).collect();
        let [kind] = given[..] else {
            return Err(bad(format!(
                "{ctx}: give exactly one of {}",
                ops.join(", ")
            )));
        };
        for k in o.keys() {
            let known = ["set", "when", "sep", "index", "safe_equals"];
            if !known.contains(&k.as_str()) && !ops.contains(&k.as_str()) {
                return Err(bad(format!("{ctx}: unknown key `{k}`")));
            }
        }
        let op = match kind {
            "template" => {
                let t = str_field(&o, "template", &ctx)?
                    .ok_or_else(|| bad(format!("{ctx}: `template` is empty")))?;
                Op::Template(parse_template(&t).map_err(|e| bad(format!("{ctx}: {e}")))?)
            }
            "split" => Op::Split {
                field: str_field(&o, "split", &ctx)?.unwrap_or_default(),
                sep: str_field(&o, "sep", &ctx)?
                    .ok_or_else(|| bad(format!("{ctx}: `split` needs `sep`")))?,
                index: match o.get("index") {
                    None => 0,
                    Some(v) => v
                        .as_u64()
                        .and_then(|n| usize::try_from(n).ok())
                        .ok_or_else(|| bad(format!("{ctx}: `index` must be a whole number")))?,
                },
            },
            "first_true_key" => {
                Op::FirstTrueKey(str_field(&o, "first_true_key", &ctx)?.unwrap_or_default())
            }
            "choices" => Op::Choices {
                field: str_field(&o, "choices", &ctx)?.unwrap_or_default(),
                safe_equals: str_field(&o, "safe_equals", &ctx)?,
            },
            _ => {
                let Some(Value::Array(items)) = o.get("candidates") else {
                    return Err(bad(format!("{ctx}: `candidates` must be a list")));
                };
                let mut specs = Vec::new();
                for (j, item) in items.iter().enumerate() {
                    let c = format!("{ctx}.candidates[{j}]");
                    let Value::Object(io) = item else {
                        return Err(bad(format!("{c} must be an object")));
                    };
                    let mut labels = BTreeMap::new();
                    if let Some(l) = io.get("labels") {
                        let Value::Object(l) = l else {
                            return Err(bad(format!("{c}: `labels` must be an object")));
                        };
                        for (k, v) in l {
                            let v = v.as_str().ok_or_else(|| {
                                bad(format!("{c}: `labels.{k}` must be a string"))
                            })?;
                            labels.insert(k.clone(), v.to_owned());
                        }
                    }
                    specs.push(CandidateSpec {
                        text: str_field(io, "text", &c)?
                            .ok_or_else(|| bad(format!("{c}: missing `text` (a column)")))?,
                        label: str_field(io, "label", &c)?,
                        fixed_label: str_field(io, "fixed_label", &c)?,
                        labels,
                    });
                }
                Op::Candidates(specs)
            }
        };
        Ok(Self { set, when, op })
    }

    /// The source fields this step reads (for the wrong-dataset check).
    pub(crate) fn reads(&self) -> Vec<&str> {
        match &self.op {
            Op::Template(p) => p
                .iter()
                .filter_map(|p| match p {
                    Piece::Field(f) if f != "$line" => Some(f.as_str()),
                    _ => None,
                })
                .collect(),
            Op::Split { field, .. } | Op::FirstTrueKey(field) => vec![field],
            Op::Choices { field, .. } => vec![field],
            Op::Candidates(c) => c.iter().map(|c| c.text.as_str()).collect(),
        }
    }

    /// Runs the step on one record.
    pub(crate) fn apply(&self, src: &mut Map<String, Value>, line: u64) -> Result<(), StepError> {
        if src.contains_key(&self.set) {
            return Ok(());
        }
        for (field, spellings) in &self.when {
            let Some(v) = src.get(field).and_then(text_of) else {
                return Ok(());
            };
            if !spellings.iter().any(|s| s.trim() == v.trim()) {
                return Ok(());
            }
        }
        let value = match &self.op {
            Op::Template(pieces) => {
                let mut out = String::new();
                for p in pieces {
                    match p {
                        Piece::Text(t) => out.push_str(t),
                        Piece::Field(f) if f == "$line" => out.push_str(&line.to_string()),
                        Piece::Field(f) => match src.get(f).and_then(text_of) {
                            Some(t) if !t.is_empty() => out.push_str(&t),
                            _ => return Ok(()),
                        },
                    }
                }
                Value::String(out)
            }
            Op::Split { field, sep, index } => {
                let Some(t) = src.get(field).and_then(text_of) else {
                    return Ok(());
                };
                match t.split(sep.as_str()).nth(*index) {
                    Some(part) => Value::String(part.to_owned()),
                    None => {
                        return Err(StepError {
                            field: field.clone(),
                            message: format!(
                                "value `{}` has no part {} when split at `{sep}`",
                                shorten(&t),
                                index + 1
                            ),
                        });
                    }
                }
            }
            Op::FirstTrueKey(field) => {
                let Some(v) = src.get(field) else {
                    return Ok(());
                };
                let Value::Object(o) = v else {
                    return Err(StepError {
                        field: field.clone(),
                        message: format!(
                            "expected an object of flags, found `{}`",
                            shorten(&v.to_string())
                        ),
                    });
                };
                match o.iter().find(|(_, v)| flag(v)) {
                    Some((k, _)) => Value::String(k.clone()),
                    None => return Ok(()),
                }
            }
            Op::Choices { field, safe_equals } => {
                let Some(v) = src.get(field) else {
                    return Ok(());
                };
                let items = list_of(v).ok_or_else(|| StepError {
                    field: field.clone(),
                    message: format!(
                        "expected a list of options (JSON array or ['a', 'b']), found `{}`",
                        shorten(&text_of(v).unwrap_or_default())
                    ),
                })?;
                let safe = safe_equals
                    .as_ref()
                    .and_then(|f| src.get(f))
                    .and_then(text_of);
                let choices = items
                    .into_iter()
                    .enumerate()
                    .map(|(i, text)| {
                        let is_safe = safe.as_deref().is_some_and(|s| s.trim() == text.trim());
                        let mut c = Map::new();
                        c.insert("label".into(), Value::String(label_for(i)));
                        c.insert("text".into(), Value::String(text));
                        c.insert("safe".into(), Value::Bool(is_safe));
                        Value::Object(c)
                    })
                    .collect();
                Value::Array(choices)
            }
            Op::Candidates(specs) => {
                let mut out = Vec::new();
                for spec in specs {
                    let Some(text) = src.get(&spec.text).and_then(text_of) else {
                        continue;
                    };
                    if text.trim().is_empty() {
                        continue;
                    }
                    let label = match (&spec.fixed_label, &spec.label) {
                        (Some(l), _) => l.clone(),
                        (None, Some(col)) => match src.get(col).and_then(text_of) {
                            Some(raw) => spec
                                .labels
                                .get(raw.trim())
                                .cloned()
                                .unwrap_or_else(|| raw.trim().to_owned()),
                            None => spec.text.clone(),
                        },
                        (None, None) => spec.text.clone(),
                    };
                    let mut c = Map::new();
                    c.insert("label".into(), Value::String(label));
                    c.insert("text".into(), Value::String(text));
                    out.push(Value::Object(c));
                }
                if out.is_empty() {
                    return Ok(());
                }
                Value::Array(out)
            }
        };
        src.insert(self.set.clone(), value);
        Ok(())
    }
}

/// A flag value: `true`, `1`, `"true"`, `"1"`.
fn flag(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|x| x != 0.0),
        Value::String(s) => matches!(s.trim().to_ascii_lowercase().as_str(), "true" | "1"),
        _ => false,
    }
}

/// The text form of a scalar value (`None` for null, arrays and objects).
pub(crate) fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(match n.as_f64() {
            // CSV exports of integer columns often read `1.0`.
            Some(f) if f.fract() == 0.0 && f.abs() < 1e15 && !n.is_i64() && !n.is_u64() => {
                format!("{}", f as i64)
            }
            _ => n.to_string(),
        }),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

pub(crate) fn shorten(s: &str) -> String {
    if s.chars().count() > 60 {
        let cut: String = s.chars().take(60).collect();
        format!("{cut}…")
    } else {
        s.to_owned()
    }
}

fn list_of(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::Array(a) => a.iter().map(text_of).collect(),
        Value::String(s) => parse_list_literal(s),
        _ => None,
    }
}

/// Parses a list of strings written as JSON (`["a", "b"]`) or as a Python
/// literal (`['a', "b's"]`), the form pandas writes into CSV and TSV cells.
pub(crate) fn parse_list_literal(s: &str) -> Option<Vec<String>> {
    let t = s.trim();
    if let Ok(Value::Array(a)) = serde_json::from_str::<Value>(t) {
        return a.iter().map(text_of).collect();
    }
    let inner = t.strip_prefix('[')?.strip_suffix(']')?;
    let mut out = Vec::new();
    let mut chars = inner.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(q) = chars.next() else { break };
        if q != '\'' && q != '"' {
            return None;
        }
        let mut item = String::new();
        loop {
            match chars.next()? {
                '\\' => match chars.next()? {
                    'n' => item.push('\n'),
                    't' => item.push('\t'),
                    c => item.push(c),
                },
                c if c == q => break,
                c => item.push(c),
            }
        }
        out.push(item);
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        match chars.next() {
            None => break,
            Some(',') => {}
            Some(_) => return None,
        }
    }
    Some(out)
}

fn parse_template(t: &str) -> Result<Vec<Piece>, String> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut chars = t.chars();
    while let Some(c) = chars.next() {
        match c {
            '{' => {
                let mut name = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(c) => name.push(c),
                        None => return Err(format!("unclosed `{{` in template `{t}`")),
                    }
                }
                if name.is_empty() {
                    return Err(format!("empty `{{}}` in template `{t}`"));
                }
                if !text.is_empty() {
                    out.push(Piece::Text(std::mem::take(&mut text)));
                }
                out.push(Piece::Field(name));
            }
            c => text.push(c),
        }
    }
    if !text.is_empty() {
        out.push(Piece::Text(text));
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::parse_list_literal;

    #[test]
    fn list_literals() {
        assert_eq!(
            parse_list_literal("['손자', '할머니', '알 수 없음']").unwrap(),
            ["손자", "할머니", "알 수 없음"]
        );
        assert_eq!(
            parse_list_literal(r#"["a", 'b\'s']"#).unwrap(),
            ["a", "b's"]
        );
        assert_eq!(parse_list_literal("[]").unwrap(), Vec::<String>::new());
        assert!(parse_list_literal("['a' 'b']").is_none());
        assert!(parse_list_literal("['a").is_none());
        assert!(parse_list_literal("plain").is_none());
    }
}
