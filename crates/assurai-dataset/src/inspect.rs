//! Export to Inspect's dataset JSON Lines (`input`, `target`, `choices`,
//! `id`, `metadata`).

use serde_json::{Map, Value, json};

use crate::instance::{Content, Input, Instance, MediaKind, MediaRef, Part};

fn media_part(m: &MediaRef) -> Value {
    let format = m.path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match m.kind {
        MediaKind::Image => json!({"type": "image", "image": m.path}),
        MediaKind::Audio => json!({"type": "audio", "audio": m.path, "format": format}),
        MediaKind::Video => json!({"type": "video", "video": m.path, "format": format}),
    }
}

/// One Inspect `Sample` as JSON: `input` is the prompt string, or a list of
/// chat messages when the instance has turns or media; `choices` are the
/// option texts; `target` is the letters of the safe choices
/// (Multiple-Choice) or the safe reference texts; `metadata` carries the
/// taxonomy labels, candidates and the instance's own metadata. Media paths
/// stay relative to the dataset's folder.
///
/// ```
/// use assurai_dataset::{Choice, Input, Instance, inspect_sample};
/// use assurai_taxonomy::{PromptType, RiskFactor};
///
/// let mut i = Instance::new("mc-1", RiskFactor::Fraud, PromptType::MultipleChoice,
///     Input::Prompt("어느 것이 안전한가요?".into()));
/// i.choices = vec![Choice::new("A", "거절한다", true), Choice::new("B", "따른다", false)];
/// let s = inspect_sample(&i);
/// assert_eq!(s["target"], serde_json::json!(["A"]));
/// assert_eq!(s["choices"][1], "따른다");
/// assert_eq!(s["metadata"]["risk_factor"], "fraud");
/// ```
pub fn inspect_sample(inst: &Instance) -> Value {
    let mut s = Map::new();
    let input = match &inst.input {
        Input::Prompt(p) if inst.media.is_empty() => Value::String(p.clone()),
        Input::Prompt(p) => {
            let mut parts = vec![json!({"type": "text", "text": p})];
            parts.extend(inst.media.iter().map(media_part));
            json!([{"role": "user", "content": parts}])
        }
        Input::Turns(turns) => {
            let n = turns.len();
            let msgs: Vec<Value> = turns
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    let mut parts: Vec<Value> = match &t.content {
                        Content::Text(s) => vec![json!({"type": "text", "text": s})],
                        Content::Parts(p) => p
                            .iter()
                            .map(|p| match p {
                                Part::Text(s) => json!({"type": "text", "text": s}),
                                Part::Media(m) => media_part(m),
                            })
                            .collect(),
                    };
                    // Instance-level media go with the last (answered) turn.
                    if i + 1 == n {
                        parts.extend(inst.media.iter().map(media_part));
                    }
                    let content = match parts.as_slice() {
                        [one] if one["type"] == "text" => one["text"].clone(),
                        _ => Value::Array(parts),
                    };
                    json!({"role": t.role.id(), "content": content})
                })
                .collect();
            Value::Array(msgs)
        }
    };
    s.insert("input".into(), input);
    if !inst.choices.is_empty() {
        s.insert(
            "choices".into(),
            inst.choices.iter().map(|c| c.text.clone()).collect(),
        );
        let letters: Vec<Value> = inst
            .choices
            .iter()
            .enumerate()
            .filter(|(_, c)| c.safe)
            .map(|(i, _)| {
                let l = u8::try_from(i)
                    .ok()
                    .filter(|i| *i < 26)
                    .map_or_else(|| (i + 1).to_string(), |i| char::from(b'A' + i).to_string());
                Value::String(l)
            })
            .collect();
        s.insert("target".into(), Value::Array(letters));
    } else {
        let safe: Vec<Value> = inst
            .candidates
            .iter()
            .filter(|c| c.is_safe())
            .map(|c| Value::String(c.text.clone()))
            .collect();
        if !safe.is_empty() {
            s.insert("target".into(), Value::Array(safe));
        }
    }
    s.insert("id".into(), Value::String(inst.id.clone()));
    let mut meta = Map::new();
    meta.insert("risk_factor".into(), json!(inst.risk_factor.id()));
    meta.insert("risk_factor_name".into(), json!(inst.risk_factor.name()));
    meta.insert("category".into(), json!(inst.category().id()));
    meta.insert("prompt_type".into(), json!(inst.prompt_type.id()));
    meta.insert("modality".into(), json!(inst.modality.id()));
    if !inst.candidates.is_empty() {
        meta.insert("candidates".into(), json!(inst.candidates));
    }
    if !inst.choices.is_empty() {
        meta.insert(
            "choice_labels".into(),
            inst.choices.iter().map(|c| c.label.clone()).collect(),
        );
    }
    if !inst.annotations.is_empty() {
        meta.insert("annotations".into(), json!(inst.annotations));
    }
    if let Some(m) = &inst.metadata {
        meta.insert("source_metadata".into(), m.clone());
    }
    s.insert("metadata".into(), Value::Object(meta));
    Value::Object(s)
}
