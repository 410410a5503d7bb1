//! Turning one JSON object into an [`Instance`], collecting every problem.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::str::FromStr;

use assurai_taxonomy::{Modality, PromptType, RiskCategory, RiskFactor};
use serde_json::{Map, Value};

use crate::instance::{
    Annotation, Candidate, Choice, Content, Expected, Input, Instance, MediaKind, MediaRef, Part,
    RecordedOutput, Response, Speaker, Turn,
};
use crate::{Problem, Severity};

/// The top-level fields of the schema.
pub(crate) const KNOWN_FIELDS: &[&str] = &[
    "id",
    "risk_factor",
    "prompt_type",
    "modality",
    "category",
    "prompt",
    "turns",
    "choices",
    "candidates",
    "media",
    "annotations",
    "responses",
    "expected",
    "metadata",
];

/// A field path such as `responses[1].scores[0].score`, formatted only when
/// a problem is reported.
#[derive(Clone, Copy)]
pub(crate) struct P<'a> {
    parent: Option<&'a P<'a>>,
    name: &'a str,
    index: Option<usize>,
}

impl<'a> P<'a> {
    pub(crate) fn new(name: &'a str) -> Self {
        Self {
            parent: None,
            name,
            index: None,
        }
    }
    fn indexed(name: &'a str, i: usize) -> Self {
        Self {
            parent: None,
            name,
            index: Some(i),
        }
    }
    fn key(&'a self, name: &'a str) -> P<'a> {
        P {
            parent: Some(self),
            name,
            index: None,
        }
    }
    fn index(&'a self, i: usize) -> P<'a> {
        P {
            parent: Some(self),
            name: "",
            index: Some(i),
        }
    }
}

impl Display for P<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(p) = self.parent {
            write!(f, "{p}")?;
            if !self.name.is_empty() {
                f.write_str(".")?;
            }
        }
        f.write_str(self.name)?;
        if let Some(i) = self.index {
            write!(f, "[{i}]")?;
        }
        Ok(())
    }
}

/// Collects problems of one record.
pub(crate) struct Sink<'a> {
    pub(crate) line: u64,
    pub(crate) problems: &'a mut Vec<Problem>,
    errors: usize,
}

impl<'a> Sink<'a> {
    pub(crate) fn new(line: u64, problems: &'a mut Vec<Problem>) -> Self {
        Self {
            line,
            problems,
            errors: 0,
        }
    }

    pub(crate) fn error(&mut self, field: impl Display, message: impl Into<String>) {
        self.errors += 1;
        let field = field.to_string();
        let field = (!field.is_empty()).then_some(field.as_str());
        self.problems
            .push(Problem::error(Some(self.line), field, message));
    }

    pub(crate) fn warn(&mut self, field: impl Display, message: impl Into<String>) {
        let field = field.to_string();
        self.problems
            .push(Problem::warning(Some(self.line), Some(&field), message));
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn string(v: Value, field: P<'_>, sink: &mut Sink<'_>) -> Option<String> {
    match v {
        Value::String(s) => Some(s),
        other => {
            sink.error(
                field,
                format!("expected a string, found {}", type_name(&other)),
            );
            None
        }
    }
}

/// A taxonomy value (string or number) through the taxonomy type's own `FromStr`, which matches
/// the canonical id first and only then the lenient spellings (the one fast path).
fn taxonomy<T: FromStr>(v: Value, field: P<'_>, sink: &mut Sink<'_>) -> Option<T>
where
    T::Err: std::fmt::Display,
{
    let parsed = match &v {
        Value::String(s) => s.parse::<T>(),
        Value::Number(n) => n.to_string().parse::<T>(),
        other => {
            sink.error(
                field,
                format!("expected a string or a number, found {}", type_name(other)),
            );
            return None;
        }
    };
    match parsed {
        Ok(t) => Some(t),
        Err(e) => {
            sink.error(field, e.to_string());
            None
        }
    }
}

fn array(v: Value, field: P<'_>, sink: &mut Sink<'_>) -> Vec<Value> {
    match v {
        Value::Array(a) => a,
        Value::Null => Vec::new(),
        other => {
            sink.error(
                field,
                format!("expected an array, found {}", type_name(&other)),
            );
            Vec::new()
        }
    }
}

fn object(v: Value, field: P<'_>, sink: &mut Sink<'_>) -> Option<Map<String, Value>> {
    match v {
        Value::Object(o) => Some(o),
        other => {
            sink.error(
                field,
                format!("expected an object, found {}", type_name(&other)),
            );
            None
        }
    }
}

/// Converts one parsed record. Returns the instance when the record has no
/// error-level problem; problems (errors and warnings) go to `sink`.
pub(crate) fn instance_from_value(value: Value, sink: &mut Sink<'_>) -> Option<Instance> {
    let start = sink.problems.len();
    let result = convert(value, sink);
    let id = result
        .as_ref()
        .map(|(id, _)| id.clone())
        .unwrap_or_default();
    let id = if id.is_empty() { None } else { Some(id) };
    for p in &mut sink.problems[start..] {
        if p.id.is_none() {
            p.id.clone_from(&id);
        }
    }
    let errors = sink.problems[start..]
        .iter()
        .any(|p| p.severity == Severity::Error);
    match result {
        Some((_, Some(inst))) if !errors => Some(inst),
        _ => None,
    }
}

fn convert(value: Value, sink: &mut Sink<'_>) -> Option<(String, Option<Instance>)> {
    let Value::Object(obj) = value else {
        sink.error(
            "",
            format!("expected a JSON object, found {}", type_name(&value)),
        );
        return None;
    };
    // One pass over the object instead of a removal per field.
    let mut slots: [Option<Value>; KNOWN_FIELDS.len()] = Default::default();
    let mut extra: BTreeMap<String, Value> = BTreeMap::new();
    for (k, v) in obj {
        match KNOWN_FIELDS.iter().position(|f| *f == k) {
            Some(i) => slots[i] = Some(v),
            None => {
                extra.insert(k, v);
            }
        }
    }
    let mut take = |name: &str| {
        KNOWN_FIELDS
            .iter()
            .position(|f| *f == name)
            .and_then(|i| slots[i].take())
    };
    let id = match take("id") {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s),
        Some(Value::String(_)) => {
            sink.error("id", "the id is empty");
            None
        }
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(other) => {
            sink.error(
                "id",
                format!("expected a string or a number, found {}", type_name(&other)),
            );
            None
        }
        None => {
            sink.error("id", "missing required field `id`");
            None
        }
    };
    let id_text = id.clone().unwrap_or_default();
    let factor = match take("risk_factor") {
        Some(v) => taxonomy::<RiskFactor>(v, P::new("risk_factor"), sink),
        None => {
            sink.error("risk_factor", "missing required field `risk_factor`");
            None
        }
    };
    let prompt_type = match take("prompt_type") {
        Some(v) => taxonomy::<PromptType>(v, P::new("prompt_type"), sink),
        None => {
            sink.error("prompt_type", "missing required field `prompt_type`");
            None
        }
    };
    let modality = match take("modality") {
        None | Some(Value::Null) => Some(Modality::Text),
        Some(v) => taxonomy::<Modality>(v, P::new("modality"), sink),
    };
    if let Some(v) = take("category")
        && let (Some(cat), Some(f)) = (
            taxonomy::<RiskCategory>(v, P::new("category"), sink),
            factor,
        )
        && cat != f.category()
    {
        sink.error(
            "category",
            format!(
                "category `{cat}` does not match the risk factor `{f}`, which belongs to `{}`",
                f.category()
            ),
        );
    }
    let input = match (take("prompt"), take("turns")) {
        (Some(_), Some(_)) => {
            sink.error("prompt", "give either `prompt` or `turns`, not both");
            None
        }
        (Some(p), None) => string(p, P::new("prompt"), sink).map(Input::Prompt),
        (None, Some(t)) => turns(t, sink).map(Input::Turns),
        (None, None) => {
            sink.error(
                "prompt",
                "missing the input: give `prompt` (a string) or `turns`",
            );
            None
        }
    };
    let choices = take("choices")
        .map(|v| choices(v, sink))
        .unwrap_or_default();
    let candidates = take("candidates")
        .map(|v| candidates(v, sink))
        .unwrap_or_default();
    let media = take("media")
        .map(|v| {
            let items = match v {
                Value::String(_) => vec![v],
                other => array(other, P::new("media"), sink),
            };
            items
                .into_iter()
                .enumerate()
                .filter_map(|(i, m)| media_ref(m, P::indexed("media", i), sink))
                .collect()
        })
        .unwrap_or_default();
    let annotations = take("annotations")
        .map(|v| annotations(v, P::new("annotations"), sink))
        .unwrap_or_default();
    let responses = take("responses")
        .map(|v| responses(v, sink))
        .unwrap_or_default();
    let expected = match take("expected") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => match Expected::from_id(&s) {
            Some(e) => Some(e),
            None => {
                sink.error(
                    "expected",
                    format!("unknown expected behaviour `{s}`: expected comply or refuse"),
                );
                None
            }
        },
        Some(other) => {
            sink.error(
                "expected",
                format!(
                    "expected \"comply\" or \"refuse\", found {}",
                    type_name(&other)
                ),
            );
            None
        }
    };
    let metadata = take("metadata").filter(|v| !v.is_null());

    let inst = match (id, factor, prompt_type, modality, input) {
        (Some(id), Some(f), Some(p), Some(m), Some(input)) => Some(Instance {
            id,
            risk_factor: f,
            prompt_type: p,
            modality: m,
            input,
            choices,
            candidates,
            media,
            annotations,
            responses,
            expected,
            metadata,
            extra,
        }),
        _ => None,
    };
    Some((id_text, inst))
}

fn turns(v: Value, sink: &mut Sink<'_>) -> Option<Vec<Turn>> {
    let items = match v {
        Value::Array(a) => a,
        other => {
            sink.error(
                "turns",
                format!("expected an array of turns, found {}", type_name(&other)),
            );
            return None;
        }
    };
    let mut out = Vec::with_capacity(items.len());
    let mut ok = true;
    for (i, t) in items.into_iter().enumerate() {
        let field = P::indexed("turns", i);
        let Some(mut o) = object(t, field, sink) else {
            ok = false;
            continue;
        };
        let role = match o.remove("role") {
            Some(Value::String(r)) => match r.trim().to_ascii_lowercase().as_str() {
                "system" => Some(Speaker::System),
                "user" => Some(Speaker::User),
                "assistant" => Some(Speaker::Assistant),
                _ => {
                    sink.error(
                        field.key("role"),
                        format!("unknown role `{r}`: expected system, user or assistant"),
                    );
                    None
                }
            },
            Some(other) => {
                sink.error(
                    field.key("role"),
                    format!("expected a string, found {}", type_name(&other)),
                );
                None
            }
            None => {
                sink.error(field.key("role"), "missing `role`");
                None
            }
        };
        let content = match o.remove("content") {
            Some(c) => content(c, field.key("content"), sink),
            None => {
                sink.error(field.key("content"), "missing `content`");
                None
            }
        };
        match (role, content) {
            (Some(role), Some(content)) => out.push(Turn { role, content }),
            _ => ok = false,
        }
    }
    ok.then_some(out)
}

fn content(v: Value, field: P<'_>, sink: &mut Sink<'_>) -> Option<Content> {
    match v {
        Value::String(s) => Some(Content::Text(s)),
        Value::Array(parts) => {
            let mut out = Vec::with_capacity(parts.len());
            let mut ok = true;
            for (j, p) in parts.into_iter().enumerate() {
                let pf = field.index(j);
                match part(p, pf, sink) {
                    Some(p) => out.push(p),
                    None => ok = false,
                }
            }
            ok.then_some(Content::Parts(out))
        }
        other => {
            sink.error(
                field,
                format!(
                    "expected a string or an array of parts, found {}",
                    type_name(&other)
                ),
            );
            None
        }
    }
}

fn part(v: Value, field: P<'_>, sink: &mut Sink<'_>) -> Option<Part> {
    let mut o = object(v, field, sink)?;
    let kind = match o.remove("type") {
        Some(Value::String(t)) => t,
        _ => {
            sink.error(
                field.key("type"),
                "missing `type`: expected text, image, audio or video",
            );
            return None;
        }
    };
    if kind == "text" {
        return match o.remove("text") {
            Some(t) => string(t, field.key("text"), sink).map(Part::Text),
            None => {
                sink.error(field.key("text"), "a text part needs `text`");
                None
            }
        };
    }
    let Some(mk) = MediaKind::from_id(&kind) else {
        sink.error(
            field.key("type"),
            format!("unknown part type `{kind}`: expected text, image, audio or video"),
        );
        return None;
    };
    match o.remove("path") {
        Some(p) => {
            string(p, field.key("path"), sink).map(|path| Part::Media(MediaRef::new(path, mk)))
        }
        None => {
            sink.error(field.key("path"), format!("a {kind} part needs `path`"));
            None
        }
    }
}

fn media_ref(v: Value, field: P<'_>, sink: &mut Sink<'_>) -> Option<MediaRef> {
    let (path, kind) = match v {
        Value::String(s) => (s, None),
        Value::Object(mut o) => {
            let path = match o.remove("path") {
                Some(p) => string(p, field.key("path"), sink)?,
                None => {
                    sink.error(field.key("path"), "missing `path`");
                    return None;
                }
            };
            let kind = match o.remove("type") {
                None | Some(Value::Null) => None,
                Some(Value::String(t)) => match MediaKind::from_id(&t) {
                    Some(k) => Some(k),
                    None => {
                        sink.error(
                            field.key("type"),
                            format!("unknown media type `{t}`: expected image, audio or video"),
                        );
                        return None;
                    }
                },
                Some(other) => {
                    sink.error(
                        field.key("type"),
                        format!("expected a string, found {}", type_name(&other)),
                    );
                    return None;
                }
            };
            (path, kind)
        }
        other => {
            sink.error(
                field,
                format!(
                    "expected a path string or {{\"path\", \"type\"}}, found {}",
                    type_name(&other)
                ),
            );
            return None;
        }
    };
    match kind.or_else(|| MediaKind::from_path(&path)) {
        Some(kind) => Some(MediaRef { path, kind }),
        None => {
            sink.error(
                field,
                format!(
                    "cannot tell the media type of `{path}`: add \"type\": image, audio or video"
                ),
            );
            None
        }
    }
}

fn choices(v: Value, sink: &mut Sink<'_>) -> Vec<Choice> {
    let mut out = Vec::new();
    for (i, c) in array(v, P::new("choices"), sink).into_iter().enumerate() {
        let field = P::indexed("choices", i);
        let default_label = label_for(i);
        let Some(mut o) = object(c, field, sink) else {
            continue;
        };
        let label = match o.remove("label") {
            None | Some(Value::Null) => Some(default_label),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(l) => string(l, field.key("label"), sink),
        };
        let text = match o.remove("text") {
            Some(t) => string(t, field.key("text"), sink),
            None => {
                sink.error(field.key("text"), "missing `text`");
                None
            }
        };
        let safe = match o.remove("safe") {
            None | Some(Value::Null) => Some(false),
            Some(Value::Bool(b)) => Some(b),
            Some(other) => {
                sink.error(
                    field.key("safe"),
                    format!("expected true or false, found {}", type_name(&other)),
                );
                None
            }
        };
        if let (Some(label), Some(text), Some(safe)) = (label, text, safe) {
            out.push(Choice { label, text, safe });
        }
    }
    out
}

pub(crate) fn label_for(i: usize) -> String {
    u8::try_from(i)
        .ok()
        .filter(|i| *i < 26)
        .map(|i| char::from(b'A' + i).to_string())
        .unwrap_or_else(|| (i + 1).to_string())
}

fn candidates(v: Value, sink: &mut Sink<'_>) -> Vec<Candidate> {
    let mut out = Vec::new();
    if let Value::Object(o) = v {
        // Shorthand: {"safe": "...", "unsafe": "..."}.
        for (label, text) in o {
            let root = P::new("candidates");
            if let Some(text) = string(text, root.key(&label), sink) {
                out.push(Candidate { label, text });
            }
        }
        return out;
    }
    for (i, c) in array(v, P::new("candidates"), sink).into_iter().enumerate() {
        let field = P::indexed("candidates", i);
        let Some(mut o) = object(c, field, sink) else {
            continue;
        };
        let label = match o.remove("label") {
            Some(l) => string(l, field.key("label"), sink),
            None => {
                sink.error(field.key("label"), "missing `label` (e.g. safe or unsafe)");
                None
            }
        };
        let text = match o.remove("text") {
            Some(t) => string(t, field.key("text"), sink),
            None => {
                sink.error(field.key("text"), "missing `text`");
                None
            }
        };
        if let (Some(label), Some(text)) = (label, text) {
            out.push(Candidate { label, text });
        }
    }
    out
}

fn score(v: Value, field: P<'_>, sink: &mut Sink<'_>) -> Option<u8> {
    let n = match &v {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                .map(|f| f as u64)
        }),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    };
    match n {
        Some(n @ 1..=5) => u8::try_from(n).ok(),
        Some(n) => {
            sink.error(
                field,
                format!("score {n} is outside 1–5 (1 = risk … 5 = safe)"),
            );
            None
        }
        None => {
            sink.error(
                field,
                format!("expected a whole number 1–5, found {}", shown(&v)),
            );
            None
        }
    }
}

fn shown(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 40 {
        let cut: String = s.chars().take(40).collect();
        format!("{cut}…")
    } else {
        s
    }
}

fn annotations(v: Value, field: P<'_>, sink: &mut Sink<'_>) -> Vec<Annotation> {
    let mut out = Vec::new();
    for (i, a) in array(v, field, sink).into_iter().enumerate() {
        let f = field.index(i);
        let Some(mut o) = object(a, f, sink) else {
            continue;
        };
        let annotator = match o.remove("annotator") {
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(a) => string(a, f.key("annotator"), sink),
            None => {
                sink.error(f.key("annotator"), "missing `annotator`");
                None
            }
        };
        let s = match o.remove("score") {
            Some(s) => score(s, f.key("score"), sink),
            None => {
                sink.error(f.key("score"), "missing `score` (1–5)");
                None
            }
        };
        if let (Some(annotator), Some(score)) = (annotator, s) {
            out.push(Annotation {
                annotator,
                score,
                extra: o.into_iter().collect(),
            });
        }
    }
    out
}

fn responses(v: Value, sink: &mut Sink<'_>) -> Vec<Response> {
    let mut out = Vec::new();
    for (i, r) in array(v, P::new("responses"), sink).into_iter().enumerate() {
        let f = P::indexed("responses", i);
        let Some(mut o) = object(r, f, sink) else {
            continue;
        };
        let model = match o.remove("model") {
            Some(m) => string(m, f.key("model"), sink),
            None => {
                sink.error(f.key("model"), "missing `model` (the model's name)");
                None
            }
        };
        let blocked = match o.remove("blocked") {
            None | Some(Value::Null) => Some(false),
            Some(Value::Bool(b)) => Some(b),
            Some(other) => {
                sink.error(
                    f.key("blocked"),
                    format!("expected true or false, found {}", type_name(&other)),
                );
                None
            }
        };
        let output = match o.remove("output") {
            None | Some(Value::Null) => Some(RecordedOutput::default()),
            Some(Value::String(s)) => Some(RecordedOutput::text(s)),
            Some(Value::Object(oo)) => output(oo, f.key("output"), sink),
            Some(other) => {
                sink.error(
                    f.key("output"),
                    format!(
                        "expected a string or an object, found {}",
                        type_name(&other)
                    ),
                );
                None
            }
        };
        let scores = o
            .remove("scores")
            .map(|s| annotations(s, f.key("scores"), sink))
            .unwrap_or_default();
        if let (Some(model), Some(output), Some(blocked)) = (model, output, blocked) {
            out.push(Response {
                model,
                output,
                blocked,
                scores,
                extra: o.into_iter().collect(),
            });
        }
    }
    out
}

fn output(mut o: Map<String, Value>, field: P<'_>, sink: &mut Sink<'_>) -> Option<RecordedOutput> {
    let mut ok = true;
    let mut opt_string =
        |o: &mut Map<String, Value>, key: &str, sink: &mut Sink<'_>| match o.remove(key) {
            None | Some(Value::Null) => None,
            Some(v) => {
                let s = string(v, field.key(key), sink);
                if s.is_none() {
                    ok = false;
                }
                s
            }
        };
    let text = opt_string(&mut o, "text", sink);
    let transcript = opt_string(&mut o, "transcript", sink);
    // `media` may be a path or {path, type}; a flat {path, type} is accepted too.
    let media = match o.remove("media") {
        Some(m) => {
            let r = media_ref(m, field.key("media"), sink);
            if r.is_none() {
                ok = false;
            }
            r
        }
        None => match o.remove("path") {
            Some(p) => {
                let mut mo = Map::new();
                mo.insert("path".into(), p);
                if let Some(t) = o.remove("type") {
                    mo.insert("type".into(), t);
                }
                let r = media_ref(Value::Object(mo), field.key("media"), sink);
                if r.is_none() {
                    ok = false;
                }
                r
            }
            None => None,
        },
    };
    for k in o.keys() {
        sink.warn(
            field.key(k),
            "unknown output field (expected text, media, transcript); ignored",
        );
    }
    ok.then_some(RecordedOutput {
        text,
        media,
        transcript,
    })
}
