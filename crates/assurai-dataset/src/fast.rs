//! The fast path: one record in the canonical spelling, deserialised straight
//! into an [`Instance`] without building a `serde_json::Value` first.
//!
//! It accepts only records that the general path ([`crate::convert`]) would
//! turn into the same instance with no problem at all; anything else (a
//! syntax error, a lenient spelling, a number where a string is usual, a
//! duplicate key, a field that would draw a warning, …) makes it give up,
//! and the caller parses the record again the general way, so every error
//! and warning still comes from one place.

use std::collections::BTreeMap;
use std::fmt;

use assurai_taxonomy::{Modality, PromptType, RiskCategory, RiskFactor};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::instance::{
    Annotation, Candidate, Choice, Content, Expected, Input, Instance, MediaKind, MediaRef, Part,
    RecordedOutput, Response, Speaker, Turn,
};

/// Parses `text` as one canonical record, or `None` to take the general path.
pub(crate) fn instance_from_slice(text: &[u8]) -> Option<Instance> {
    serde_json::from_slice::<FastInstance>(text)
        .ok()
        .map(|f| f.0)
}

/// The error every visitor returns to give up (its text is never shown).
fn give_up<E: de::Error>() -> E {
    E::custom("not canonical")
}

/// Gives up inside a map visitor (the rest of the record is not read).
fn bail<'de, A: MapAccess<'de>, T>(_map: A) -> Result<T, A::Error> {
    Err(give_up())
}

/// An object key: the names the schema uses, borrowed, or any other owned.
enum Key {
    Id,
    RiskFactor,
    PromptType,
    Modality,
    Category,
    Prompt,
    Turns,
    Choices,
    Candidates,
    Media,
    Annotations,
    Responses,
    Expected,
    Metadata,
    Role,
    Content,
    Type,
    Text,
    Path,
    Label,
    Safe,
    Annotator,
    Score,
    Model,
    Blocked,
    Output,
    Scores,
    Transcript,
    Other(String),
}

impl<'de> de::Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Key, E> {
                Ok(match s {
                    "id" => Key::Id,
                    "risk_factor" => Key::RiskFactor,
                    "prompt_type" => Key::PromptType,
                    "modality" => Key::Modality,
                    "category" => Key::Category,
                    "prompt" => Key::Prompt,
                    "turns" => Key::Turns,
                    "choices" => Key::Choices,
                    "candidates" => Key::Candidates,
                    "media" => Key::Media,
                    "annotations" => Key::Annotations,
                    "responses" => Key::Responses,
                    "expected" => Key::Expected,
                    "metadata" => Key::Metadata,
                    "role" => Key::Role,
                    "content" => Key::Content,
                    "type" => Key::Type,
                    "text" => Key::Text,
                    "path" => Key::Path,
                    "label" => Key::Label,
                    "safe" => Key::Safe,
                    "annotator" => Key::Annotator,
                    "score" => Key::Score,
                    "model" => Key::Model,
                    "blocked" => Key::Blocked,
                    "output" => Key::Output,
                    "scores" => Key::Scores,
                    "transcript" => Key::Transcript,
                    other => Key::Other(other.to_owned()),
                })
            }
        }
        d.deserialize_str(V)
    }
}

/// The owned name of a key, for `extra` maps.
fn key_name(k: Key) -> String {
    let s = match k {
        Key::Other(s) => return s,
        Key::Id => "id",
        Key::RiskFactor => "risk_factor",
        Key::PromptType => "prompt_type",
        Key::Modality => "modality",
        Key::Category => "category",
        Key::Prompt => "prompt",
        Key::Turns => "turns",
        Key::Choices => "choices",
        Key::Candidates => "candidates",
        Key::Media => "media",
        Key::Annotations => "annotations",
        Key::Responses => "responses",
        Key::Expected => "expected",
        Key::Metadata => "metadata",
        Key::Role => "role",
        Key::Content => "content",
        Key::Type => "type",
        Key::Text => "text",
        Key::Path => "path",
        Key::Label => "label",
        Key::Safe => "safe",
        Key::Annotator => "annotator",
        Key::Score => "score",
        Key::Model => "model",
        Key::Blocked => "blocked",
        Key::Output => "output",
        Key::Scores => "scores",
        Key::Transcript => "transcript",
    };
    s.to_owned()
}

/// Stores `v` in an empty slot; a second value for one key gives up.
fn set<T, E: de::Error>(slot: &mut Option<T>, v: T) -> Result<(), E> {
    if slot.is_some() {
        return Err(give_up());
    }
    *slot = Some(v);
    Ok(())
}

/// Inserts an unknown field into an `extra` map; a duplicate gives up.
fn insert_extra<E: de::Error>(
    extra: &mut BTreeMap<String, Value>,
    k: Key,
    v: Value,
) -> Result<(), E> {
    if extra.insert(key_name(k), v).is_some() {
        return Err(give_up());
    }
    Ok(())
}

/// Skips a value the general path ignores. It is parsed as a `Value` (not
/// skipped) so that it is accepted or rejected exactly as there.
fn ignore<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value::<Value>().map(drop)
}

/// A taxonomy value given by its canonical id, matched by the taxonomy type's own `from_id` (the
/// fast path of its `FromStr`); a lenient spelling or a number gives up.
struct CanonicalId<T>(fn(&str) -> Option<T>);

impl<'de, T> de::DeserializeSeed<'de> for CanonicalId<T> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        d.deserialize_str(self)
    }
}

impl<T> Visitor<'_> for CanonicalId<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a canonical id")
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<T, E> {
        (self.0)(s).ok_or_else(give_up)
    }
}

/// `null` or a canonical modality.
struct OptModality;

impl<'de> de::DeserializeSeed<'de> for OptModality {
    type Value = Option<Modality>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for OptModality {
    type Value = Option<Modality>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("null or a canonical modality")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        de::DeserializeSeed::deserialize(CanonicalId(Modality::from_id), d).map(Some)
    }
}

/// A sequence of `T` (`null` is an empty list, as in the general path).
struct List<T>(Vec<T>);

impl<'de, T: de::Deserialize<'de>> de::Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Option::<Vec<T>>::deserialize(d).map(|v| List(v.unwrap_or_default()))
    }
}

/// `null` / absent, or a boolean.
fn opt_bool<'de, A: MapAccess<'de>>(map: &mut A) -> Result<bool, A::Error> {
    Ok(map.next_value::<Option<bool>>()?.unwrap_or(false))
}

struct FastInstance(Instance);

impl<'de> de::Deserialize<'de> for FastInstance {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(InstanceVisitor)
    }
}

struct InstanceVisitor;

impl<'de> Visitor<'de> for InstanceVisitor {
    type Value = FastInstance;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an instance object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FastInstance, A::Error> {
        let mut id: Option<String> = None;
        let mut factor: Option<RiskFactor> = None;
        let mut prompt_type: Option<PromptType> = None;
        let mut modality: Option<Option<Modality>> = None;
        let mut category: Option<RiskCategory> = None;
        let mut prompt: Option<String> = None;
        let mut turns: Option<Vec<FastTurn>> = None;
        let mut choices: Option<Vec<Choice>> = None;
        let mut candidates: Option<Vec<Candidate>> = None;
        let mut media: Option<Vec<MediaRef>> = None;
        let mut annotations: Option<Vec<Annotation>> = None;
        let mut responses: Option<Vec<Response>> = None;
        let mut metadata: Option<Value> = None;
        let mut expected: Option<Option<Expected>> = None;
        let mut extra = BTreeMap::new();
        while let Some(k) = map.next_key::<Key>()? {
            match k {
                Key::Id => set(&mut id, map.next_value::<String>()?)?,
                Key::RiskFactor => set(
                    &mut factor,
                    map.next_value_seed(CanonicalId(RiskFactor::from_id))?,
                )?,
                Key::PromptType => set(
                    &mut prompt_type,
                    map.next_value_seed(CanonicalId(PromptType::from_id))?,
                )?,
                Key::Modality => set(&mut modality, map.next_value_seed(OptModality)?)?,
                Key::Category => set(
                    &mut category,
                    map.next_value_seed(CanonicalId(RiskCategory::from_id))?,
                )?,
                Key::Prompt => set(&mut prompt, map.next_value::<String>()?)?,
                Key::Turns => set(&mut turns, map.next_value::<Vec<FastTurn>>()?)?,
                Key::Choices => set(&mut choices, map.next_value::<Choices>()?.0)?,
                Key::Candidates => set(
                    &mut candidates,
                    map.next_value::<List<FastCandidate>>()?
                        .0
                        .into_iter()
                        .map(|c| c.0)
                        .collect(),
                )?,
                Key::Media => set(&mut media, map.next_value::<MediaList>()?.0)?,
                Key::Annotations => set(&mut annotations, map.next_value::<Annotations>()?.0)?,
                Key::Responses => set(
                    &mut responses,
                    map.next_value::<List<FastResponse>>()?
                        .0
                        .into_iter()
                        .map(|r| r.0)
                        .collect(),
                )?,
                Key::Metadata => set(&mut metadata, map.next_value::<Value>()?)?,
                Key::Expected => {
                    let e = match map.next_value::<Option<String>>()? {
                        None => None,
                        Some(s) => Some(Expected::from_id(&s).ok_or_else(give_up::<A::Error>)?),
                    };
                    set(&mut expected, e)?;
                }
                other => {
                    let v = map.next_value::<Value>()?;
                    insert_extra(&mut extra, other, v)?;
                }
            }
        }
        let (Some(id), Some(risk_factor), Some(prompt_type)) = (id, factor, prompt_type) else {
            return Err(give_up());
        };
        if id.trim().is_empty() {
            return Err(give_up());
        }
        if category.is_some_and(|c| c != risk_factor.category()) {
            return Err(give_up());
        }
        let input = match (prompt, turns) {
            (Some(p), None) => Input::Prompt(p),
            (None, Some(t)) => Input::Turns(t.into_iter().map(|t| t.0).collect()),
            _ => return Err(give_up()),
        };
        Ok(FastInstance(Instance {
            id,
            risk_factor,
            prompt_type,
            modality: modality.flatten().unwrap_or(Modality::Text),
            input,
            choices: choices.unwrap_or_default(),
            candidates: candidates.unwrap_or_default(),
            media: media.unwrap_or_default(),
            annotations: annotations.unwrap_or_default(),
            responses: responses.unwrap_or_default(),
            expected: expected.flatten(),
            metadata: metadata.filter(|v| !v.is_null()),
            extra,
        }))
    }
}

/// Declares a struct-like element deserialised by `visit_map` only.
macro_rules! object_visitor {
    ($name:ident, $expect:literal, |$map:ident| $body:block) => {
        impl<'de> de::Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($expect)
                    }
                    fn visit_map<A: MapAccess<'de>>(self, mut $map: A) -> Result<$name, A::Error> {
                        $body
                    }
                }
                d.deserialize_map(V)
            }
        }
    };
}

struct FastTurn(Turn);

object_visitor!(FastTurn, "a turn", |map| {
    let mut role = None;
    let mut content = None;
    while let Some(k) = map.next_key::<Key>()? {
        match k {
            Key::Role => {
                let r = map.next_value::<String>()?;
                let r = r.trim();
                let role_v = if r.eq_ignore_ascii_case("system") {
                    Speaker::System
                } else if r.eq_ignore_ascii_case("user") {
                    Speaker::User
                } else if r.eq_ignore_ascii_case("assistant") {
                    Speaker::Assistant
                } else {
                    return bail(map);
                };
                set(&mut role, role_v)?;
            }
            Key::Content => set(&mut content, map.next_value::<FastContent>()?.0)?,
            _ => ignore(&mut map)?,
        }
    }
    match (role, content) {
        (Some(role), Some(content)) => Ok(FastTurn(Turn { role, content })),
        _ => Err(give_up()),
    }
});

struct FastContent(Content);

impl<'de> de::Deserialize<'de> for FastContent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = FastContent;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or an array of parts")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<FastContent, E> {
                Ok(FastContent(Content::Text(s.to_owned())))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<FastContent, E> {
                Ok(FastContent(Content::Text(s)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<FastContent, A::Error> {
                let mut parts = Vec::new();
                while let Some(p) = seq.next_element::<FastPart>()? {
                    parts.push(p.0);
                }
                Ok(FastContent(Content::Parts(parts)))
            }
        }
        d.deserialize_any(V)
    }
}

struct FastPart(Part);

object_visitor!(FastPart, "a part", |map| {
    let mut kind: Option<String> = None;
    let mut text: Option<String> = None;
    let mut path: Option<String> = None;
    while let Some(k) = map.next_key::<Key>()? {
        match k {
            Key::Type => set(&mut kind, map.next_value::<String>()?)?,
            Key::Text => set(&mut text, map.next_value::<String>()?)?,
            Key::Path => set(&mut path, map.next_value::<String>()?)?,
            _ => ignore(&mut map)?,
        }
    }
    let Some(kind) = kind else {
        return Err(give_up());
    };
    if kind == "text" {
        return text.map(|t| FastPart(Part::Text(t))).ok_or_else(give_up);
    }
    match (MediaKind::from_id(&kind), path) {
        (Some(mk), Some(path)) => Ok(FastPart(Part::Media(MediaRef::new(path, mk)))),
        _ => Err(give_up()),
    }
});

struct Choices(Vec<Choice>);

impl<'de> de::Deserialize<'de> for Choices {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Choices;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of choices")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Choices, E> {
                Ok(Choices(Vec::new()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Choices, A::Error> {
                let mut out = Vec::new();
                while let Some(c) = seq.next_element::<FastChoice>()? {
                    let label = match c.label {
                        Some(l) => l,
                        None => crate::convert::label_for(out.len()),
                    };
                    out.push(Choice {
                        label,
                        text: c.text,
                        safe: c.safe,
                    });
                }
                Ok(Choices(out))
            }
        }
        d.deserialize_any(V)
    }
}

struct FastChoice {
    label: Option<String>,
    text: String,
    safe: bool,
}

object_visitor!(FastChoice, "a choice", |map| {
    let mut label: Option<Option<String>> = None;
    let mut text = None;
    let mut safe = None;
    while let Some(k) = map.next_key::<Key>()? {
        match k {
            Key::Label => set(&mut label, map.next_value::<Option<String>>()?)?,
            Key::Text => set(&mut text, map.next_value::<String>()?)?,
            Key::Safe => set(&mut safe, opt_bool(&mut map)?)?,
            _ => ignore(&mut map)?,
        }
    }
    let Some(text) = text else {
        return Err(give_up());
    };
    Ok(FastChoice {
        label: label.flatten(),
        text,
        safe: safe.unwrap_or(false),
    })
});

struct FastCandidate(Candidate);

object_visitor!(FastCandidate, "a candidate", |map| {
    let mut label = None;
    let mut text = None;
    while let Some(k) = map.next_key::<Key>()? {
        match k {
            Key::Label => set(&mut label, map.next_value::<String>()?)?,
            Key::Text => set(&mut text, map.next_value::<String>()?)?,
            _ => ignore(&mut map)?,
        }
    }
    match (label, text) {
        (Some(label), Some(text)) => Ok(FastCandidate(Candidate { label, text })),
        _ => Err(give_up()),
    }
});

/// A media reference: a path, or `{"path", "type"}`.
struct FastMedia(MediaRef);

fn media_from(path: String, kind: Option<MediaKind>) -> Option<MediaRef> {
    let kind = kind.or_else(|| MediaKind::from_path(&path))?;
    Some(MediaRef { path, kind })
}

impl<'de> de::Deserialize<'de> for FastMedia {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = FastMedia;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a media reference")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<FastMedia, E> {
                media_from(s.to_owned(), None)
                    .map(FastMedia)
                    .ok_or_else(give_up)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FastMedia, A::Error> {
                let mut path = None;
                let mut kind: Option<Option<String>> = None;
                while let Some(k) = map.next_key::<Key>()? {
                    match k {
                        Key::Path => set(&mut path, map.next_value::<String>()?)?,
                        Key::Type => set(&mut kind, map.next_value::<Option<String>>()?)?,
                        _ => ignore(&mut map)?,
                    }
                }
                let kind = match kind.flatten() {
                    None => None,
                    Some(t) => Some(MediaKind::from_id(&t).ok_or_else(give_up)?),
                };
                let path = path.ok_or_else(give_up)?;
                media_from(path, kind).map(FastMedia).ok_or_else(give_up)
            }
        }
        d.deserialize_any(V)
    }
}

/// `media`: one reference or a list of them (`null` is none).
struct MediaList(Vec<MediaRef>);

impl<'de> de::Deserialize<'de> for MediaList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = MediaList;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("media references")
            }
            fn visit_unit<E: de::Error>(self) -> Result<MediaList, E> {
                Ok(MediaList(Vec::new()))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<MediaList, E> {
                media_from(s.to_owned(), None)
                    .map(|m| MediaList(vec![m]))
                    .ok_or_else(give_up)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<MediaList, A::Error> {
                let mut out = Vec::new();
                while let Some(m) = seq.next_element::<FastMedia>()? {
                    out.push(m.0);
                }
                Ok(MediaList(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// A score 1–5 given as a whole number or as its digits in a string.
struct Score(u8);

impl<'de> de::Deserialize<'de> for Score {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Score;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a score")
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Score, E> {
                match n {
                    1..=5 => u8::try_from(n).map(Score).map_err(|_| give_up()),
                    _ => Err(give_up()),
                }
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Score, E> {
                match s.trim().parse::<u64>() {
                    Ok(n) => self.visit_u64(n),
                    Err(_) => Err(give_up()),
                }
            }
        }
        d.deserialize_any(V)
    }
}

struct FastAnnotation(Annotation);

object_visitor!(FastAnnotation, "an annotation", |map| {
    let mut annotator = None;
    let mut score = None;
    let mut extra = BTreeMap::new();
    while let Some(k) = map.next_key::<Key>()? {
        match k {
            Key::Annotator => set(&mut annotator, map.next_value::<String>()?)?,
            Key::Score => set(&mut score, map.next_value::<Score>()?.0)?,
            other => {
                let v = map.next_value::<Value>()?;
                insert_extra(&mut extra, other, v)?;
            }
        }
    }
    match (annotator, score) {
        (Some(annotator), Some(score)) => Ok(FastAnnotation(Annotation {
            annotator,
            score,
            extra,
        })),
        _ => Err(give_up()),
    }
});

/// `annotations` / `scores`: a list of annotations (`null` is none).
struct Annotations(Vec<Annotation>);

impl<'de> de::Deserialize<'de> for Annotations {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        List::<FastAnnotation>::deserialize(d)
            .map(|l| Annotations(l.0.into_iter().map(|a| a.0).collect()))
    }
}

/// A response's `output`: text, or `{text, media, transcript}`.
struct FastOutput(RecordedOutput);

impl<'de> de::Deserialize<'de> for FastOutput {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = FastOutput;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an output")
            }
            fn visit_unit<E: de::Error>(self) -> Result<FastOutput, E> {
                Ok(FastOutput(RecordedOutput::default()))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<FastOutput, E> {
                Ok(FastOutput(RecordedOutput::text(s)))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FastOutput, A::Error> {
                let mut text: Option<Option<String>> = None;
                let mut transcript: Option<Option<String>> = None;
                let mut media: Option<MediaRef> = None;
                while let Some(k) = map.next_key::<Key>()? {
                    match k {
                        Key::Text => set(&mut text, map.next_value::<Option<String>>()?)?,
                        Key::Transcript => {
                            set(&mut transcript, map.next_value::<Option<String>>()?)?;
                        }
                        Key::Media => set(&mut media, map.next_value::<FastMedia>()?.0)?,
                        // A flat {path, type} or an unknown field (a warning).
                        _ => return bail(map),
                    }
                }
                Ok(FastOutput(RecordedOutput {
                    text: text.flatten(),
                    media,
                    transcript: transcript.flatten(),
                }))
            }
        }
        d.deserialize_any(V)
    }
}

struct FastResponse(Response);

object_visitor!(FastResponse, "a response", |map| {
    let mut model = None;
    let mut blocked = None;
    let mut output = None;
    let mut scores = None;
    let mut extra = BTreeMap::new();
    while let Some(k) = map.next_key::<Key>()? {
        match k {
            Key::Model => set(&mut model, map.next_value::<String>()?)?,
            Key::Blocked => set(&mut blocked, opt_bool(&mut map)?)?,
            Key::Output => set(&mut output, map.next_value::<FastOutput>()?.0)?,
            Key::Scores => set(&mut scores, map.next_value::<Annotations>()?.0)?,
            other => {
                let v = map.next_value::<Value>()?;
                insert_extra(&mut extra, other, v)?;
            }
        }
    }
    let Some(model) = model else {
        return Err(give_up());
    };
    Ok(FastResponse(Response {
        model,
        output: output.unwrap_or_default(),
        blocked: blocked.unwrap_or(false),
        scores: scores.unwrap_or_default(),
        extra,
    }))
});

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use proptest::prelude::*;

    use super::instance_from_slice;
    use crate::convert::{Sink, instance_from_value};

    /// The fast path may only accept what the general path turns into the
    /// same instance with no problem at all.
    fn agrees(text: &str) -> bool {
        let fast = instance_from_slice(text.as_bytes());
        let mut problems = Vec::new();
        let slow = serde_json::from_str(text)
            .ok()
            .and_then(|v| instance_from_value(v, &mut Sink::new(1, &mut problems)));
        if let Some(f) = &fast {
            assert!(problems.is_empty(), "{text}: {problems:?}");
            assert_eq!(Some(f), slow.as_ref(), "{text}");
        }
        fast.is_some()
    }

    #[test]
    fn canonical_files_take_the_fast_path_and_agree() {
        let root = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/sample/sample.jsonl"
        );
        let text = std::fs::read_to_string(root).unwrap();
        let mut fast = 0;
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            fast += usize::from(agrees(line));
        }
        assert!(fast > 0);
        let bad = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/bad");
        for e in std::fs::read_dir(bad).unwrap() {
            let bytes = std::fs::read(e.unwrap().path()).unwrap();
            for line in String::from_utf8_lossy(&bytes).lines() {
                agrees(line);
            }
        }
    }

    #[test]
    fn lenient_spellings_take_the_general_path() {
        let base = r#""id": "x", "prompt_type": "q_only", "prompt": "p""#;
        assert!(agrees(&format!(
            r#"{{{base}, "risk_factor": "violent_acts"}}"#
        )));
        for other in [
            r#""risk_factor": "Violent Acts""#,
            r#""risk_factor": 3"#,
            r#""risk_factor": "violent_acts", "risk_factor": "violent_acts""#,
            r#""risk_factor": "violent_acts", "modality": "IMAGE""#,
            r#""risk_factor": "violent_acts", "annotations": [{"annotator": 1, "score": 3}]"#,
            r#""risk_factor": "violent_acts", "annotations": [{"annotator": "a", "score": 3.0}]"#,
            r#""risk_factor": "violent_acts", "candidates": {"safe": "a", "unsafe": "b"}"#,
            r#""risk_factor": "violent_acts", "responses": [{"model": "m", "output": {"x": 1}}]"#,
        ] {
            assert!(!agrees(&format!("{{{base}, {other}}}")), "{other}");
        }
    }

    const FIELDS: &[&[&str]] = &[
        &[
            r#""id": "a-1""#,
            r#""id": " ""#,
            r#""id": 7"#,
            r#""id": null"#,
            "",
        ],
        &[
            r#""risk_factor": "violent_acts""#,
            r#""risk_factor": "fraud""#,
            r#""risk_factor": "Violent Acts""#,
            r#""risk_factor": 3"#,
        ],
        &[
            r#""prompt_type": "q_only""#,
            r#""prompt_type": "multiple_choice""#,
            r#""prompt_type": "Q-only""#,
        ],
        &[
            "",
            r#""modality": null"#,
            r#""modality": "text""#,
            r#""modality": "image""#,
            r#""modality": "IMAGE""#,
        ],
        &[
            "",
            r#""category": "harmful_and_violent_content""#,
            r#""category": "misinformation_and_manipulation""#,
            r#""category": null"#,
        ],
        &[
            r#""prompt": "질문\n\"인용\"""#,
            r#""prompt": 5"#,
            r#""turns": [{"role": "user", "content": "안녕"}]"#,
            r#""turns": [{"role": " User ", "content": [{"type": "text", "text": "t"}, {"type": "image", "path": "a.png"}], "name": "x"}]"#,
            r#""turns": [{"role": "robot", "content": "x"}]"#,
            r#""turns": [{"role": "user", "content": [{"type": "Image", "path": "a.png", "text": 1}]}]"#,
            r#""turns": null"#,
            r#""prompt": "p", "turns": []"#,
            "",
        ],
        &[
            "",
            r#""choices": null"#,
            r#""choices": [{"label": "A", "text": "x", "safe": true}, {"text": "y", "safe": null, "note": [1e3]}]"#,
            r#""choices": [{"label": 1, "text": "x"}]"#,
            r#""choices": [{"label": null, "text": "x", "safe": "yes"}]"#,
            r#""choices": "x""#,
        ],
        &[
            "",
            r#""candidates": null"#,
            r#""candidates": [{"label": "safe", "text": "x", "why": {}}, {"label": "unsafe", "text": "y"}]"#,
            r#""candidates": {"unsafe": "b", "safe": "a"}"#,
            r#""candidates": [{"label": "safe"}]"#,
        ],
        &[
            "",
            r#""media": null"#,
            r#""media": "a.png""#,
            r#""media": "a.xyz""#,
            r#""media": [{"path": "a.wav", "type": "Audio"}, "b.mp4", {"path": "c", "type": "image"}]"#,
            r#""media": [{"path": "c", "type": null}]"#,
            r#""media": [{"path": "c.png", "type": "pdf"}]"#,
        ],
        &[
            "",
            r#""annotations": null"#,
            r#""annotations": [{"annotator": "a", "score": 3}, {"annotator": "b", "score": "4", "note": "n"}]"#,
            r#""annotations": [{"annotator": "a", "score": " +5 "}]"#,
            r#""annotations": [{"annotator": "a", "score": 3.0}]"#,
            r#""annotations": [{"annotator": "a", "score": 7}]"#,
            r#""annotations": [{"annotator": 5, "score": 2}]"#,
            r#""annotations": [{"annotator": "a", "score": 2, "x": 1, "x": 2}]"#,
        ],
        &[
            "",
            r#""responses": null"#,
            r#""responses": [{"model": "m", "output": "hi", "latency": 1.5, "scores": null}]"#,
            r#""responses": [{"model": "m", "blocked": true, "output": {"text": null, "media": "o.png", "transcript": "t"}, "scores": [{"annotator": "j", "score": 1}]}]"#,
            r#""responses": [{"model": "m", "output": {"path": "o.png"}}]"#,
            r#""responses": [{"model": "m", "output": {"text": "t", "extra": 1}}]"#,
            r#""responses": [{"model": "m", "blocked": null, "output": null}]"#,
            r#""responses": [{"output": "x"}]"#,
        ],
        &[
            "",
            r#""metadata": null"#,
            r#""metadata": {"k": [1, -2, 3.5, "s", null, true]}"#,
        ],
        &[
            "",
            r#""source": "x""#,
            r#""src": 1, "src": 2"#,
            r#""role": "kept""#,
        ],
    ];

    #[test]
    fn every_variant_on_a_canonical_record_agrees() {
        let mut fast = 0;
        for (f, options) in FIELDS.iter().enumerate() {
            for option in *options {
                let parts: Vec<&str> = FIELDS
                    .iter()
                    .enumerate()
                    .map(|(g, o)| if g == f { *option } else { o[0] })
                    .filter(|p| !p.is_empty())
                    .collect();
                fast += usize::from(agrees(&format!("{{{}}}", parts.join(", "))));
            }
        }
        // The canonical variants (and the lenient ones the general path
        // reads the same way, e.g. ` User `) take the fast path.
        assert!(fast >= 39, "{fast}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn fast_path_agrees_with_the_general_path(
            picks in prop::collection::vec(any::<prop::sample::Index>(), FIELDS.len()),
            order in Just((0..FIELDS.len()).collect::<Vec<_>>()).prop_shuffle(),
        ) {
            let parts: Vec<&str> = order
                .iter()
                .map(|&f| picks[f].get(FIELDS[f]))
                .copied()
                .filter(|p| !p.is_empty())
                .collect();
            agrees(&format!("{{{}}}", parts.join(", ")));
        }
    }
}
