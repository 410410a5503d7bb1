//! The published AssurAI release (`TTA01/AssurAI` on Hugging Face):
//! `assurai_index.jsonl` records converted to instances on the fly.
//!
//! A record has `id` (`r03_a001_pCT_001`: risk factor, modality letter and
//! sequence, `p` and a two-letter prompt-type code, sequence), `modality`,
//! `risk` (`"R03: <name>"`), `input_prompt`, `candidate_1_answer` …
//! `candidate_4_answer` and `ref_output_risk_score` (four human scores 1–5,
//! one per candidate). Media items keep their candidate outputs beside the
//! item as `Risk_NN/<modality>/<id>-01.<ext>` … `-04`.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use assurai_taxonomy::{Modality, PromptType, RiskFactor};
use serde_json::{Map, Value, json};

use crate::derive::{shorten, text_of};
use crate::instance::MediaKind;
use crate::{DatasetError, Problem};

/// The index file's name in the release.
pub const RELEASE_INDEX: &str = "assurai_index.jsonl";

/// How many candidates a release item has.
const CANDIDATES: usize = 4;

/// The model name recorded for candidate `n` (1-based) of a release item.
pub fn release_candidate_model(n: usize) -> String {
    format!("assurai-candidate-{n}")
}

/// The annotator id of the release's reference human scores.
pub const RELEASE_ANNOTATOR: &str = "assurai-ref";

/// The table from the two-letter prompt-type code in release ids
/// (`r03_a001_pCT_001` → `CT`) to prompt types.
///
/// The built-in table is inferred from the prompt-type names (no document
/// of the release lists the codes): `MC` Multiple-Choice, `QO` Q Only, `MS`
/// Multi-Session, `RP` Role-Playing, `CT` Chain-of-Thought, `EP` Expert
/// Prompting, `RL` Rail, `RF` Reflection. Replace it with
/// [`PromptTypeCodes::from_json`] (`--prompt-type-codes FILE`).
///
/// ```
/// use assurai_dataset::PromptTypeCodes;
/// use assurai_taxonomy::PromptType;
///
/// let codes = PromptTypeCodes::from_json(r#"{"CT": "chain_of_thought", "QA": "q_only"}"#)?;
/// assert_eq!(codes.get("QA"), Some(PromptType::QOnly));
/// assert_eq!(codes.get("MC"), None);
/// assert_eq!(PromptTypeCodes::default().get("CT"), Some(PromptType::ChainOfThought));
/// # Ok::<(), assurai_dataset::DatasetError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptTypeCodes {
    codes: BTreeMap<String, PromptType>,
}

impl Default for PromptTypeCodes {
    fn default() -> Self {
        let codes = [
            ("MC", PromptType::MultipleChoice),
            ("QO", PromptType::QOnly),
            ("MS", PromptType::MultiSession),
            ("RP", PromptType::RolePlaying),
            ("CT", PromptType::ChainOfThought),
            ("EP", PromptType::ExpertPrompting),
            ("RL", PromptType::Rail),
            ("RF", PromptType::Reflection),
        ]
        .into_iter()
        .map(|(c, p)| (c.to_owned(), p))
        .collect();
        Self { codes }
    }
}

impl PromptTypeCodes {
    /// Reads a code table: a JSON object of code → prompt type (any spelling
    /// the taxonomy accepts: id, number, English or Korean name).
    pub fn from_json(text: &str) -> Result<Self, DatasetError> {
        let v: Value = serde_json::from_str(text).map_err(|e| {
            DatasetError::InvalidArgument(format!("prompt-type code table: not valid JSON: {e}"))
        })?;
        let Value::Object(o) = v else {
            return Err(DatasetError::InvalidArgument(
                "prompt-type code table: expected a JSON object of code → prompt type".into(),
            ));
        };
        let mut codes = BTreeMap::new();
        for (code, p) in o {
            let text = text_of(&p).ok_or_else(|| {
                DatasetError::InvalidArgument(format!(
                    "prompt-type code table: `{code}` must map to a prompt type name or number"
                ))
            })?;
            let pt = text.parse::<PromptType>().map_err(|e| {
                DatasetError::InvalidArgument(format!("prompt-type code table: `{code}`: {e}"))
            })?;
            codes.insert(code.trim().to_owned(), pt);
        }
        Ok(Self { codes })
    }

    /// The prompt type of a code.
    pub fn get(&self, code: &str) -> Option<PromptType> {
        self.codes.get(code).copied()
    }

    /// The table, code → prompt type, in code order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, PromptType)> {
        self.codes.iter().map(|(c, p)| (c.as_str(), *p))
    }
}

/// The parts of a release id.
struct IdParts {
    factor: u64,
    modality: Option<Modality>,
    code: String,
}

fn parse_id(id: &str) -> Option<IdParts> {
    let mut parts = id.split('_');
    let r = parts.next()?.strip_prefix(['r', 'R'])?;
    let m = parts.next()?;
    let p = parts.next()?.strip_prefix(['p', 'P'])?;
    parts.next()?;
    let factor = r.parse::<u64>().ok()?;
    let modality = match m.chars().next()?.to_ascii_lowercase() {
        't' => Some(Modality::Text),
        'i' => Some(Modality::Image),
        'a' => Some(Modality::Audio),
        'v' => Some(Modality::Video),
        _ => None,
    };
    Some(IdParts {
        factor,
        modality,
        code: p.to_owned(),
    })
}

/// `"R03: Violent Acts"` → (3, "Violent Acts").
fn parse_risk(risk: &str) -> Option<(u64, String)> {
    let t = risk.trim();
    let rest = t.strip_prefix(['R', 'r'])?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let n = digits.parse::<u64>().ok()?;
    let name = rest[digits.len()..]
        .trim_start_matches([':', ' ', '.', '-', ')'])
        .trim()
        .to_owned();
    Some((n, name))
}

/// The outcome of converting one record.
pub(crate) enum Converted {
    /// The canonical record, with warnings.
    Value(Value, Vec<Problem>),
    /// Errors of this record.
    Invalid(Vec<Problem>),
    /// An unknown prompt-type code: counted and reported once at the end.
    UnknownCode,
}

/// The release transform: a code table, the release folder (for media) and
/// what it has seen.
#[derive(Debug)]
pub(crate) struct Release {
    codes: PromptTypeCodes,
    dir: PathBuf,
    unknown: BTreeMap<String, (u64, u64)>,
    listings: HashMap<PathBuf, Vec<String>>,
}

impl Release {
    pub(crate) fn new(codes: PromptTypeCodes, dir: &Path) -> Self {
        Self {
            codes,
            dir: dir.to_path_buf(),
            unknown: BTreeMap::new(),
            listings: HashMap::new(),
        }
    }

    /// The summary problem of every unknown code, once, after the last record.
    pub(crate) fn finish(&mut self) -> Vec<Problem> {
        if self.unknown.is_empty() {
            return Vec::new();
        }
        let total: u64 = self.unknown.values().map(|(n, _)| n).sum();
        let list: Vec<String> = self
            .unknown
            .iter()
            .map(|(c, (n, first))| format!("`{c}` ×{n} (first on line {first})"))
            .collect();
        let known: Vec<String> = self
            .codes
            .iter()
            .map(|(c, p)| format!("{c}={}", p.id()))
            .collect();
        self.unknown.clear();
        vec![Problem::error(
            None,
            Some("id"),
            format!(
                "{total} records have a prompt-type code in their id that the code table does not know: {}; \
                 known codes: {}. Give a table with --prompt-type-codes FILE (a JSON object of code → prompt type)",
                list.join(", "),
                known.join(", ")
            ),
        )]
    }

    /// Converts one index record read from `line`.
    pub(crate) fn convert(&mut self, record: Value, line: u64) -> Converted {
        let Value::Object(mut src) = record else {
            return Converted::Invalid(vec![Problem::error(
                Some(line),
                None,
                "expected a JSON object (one release item per line)",
            )]);
        };
        let mut errors = Vec::new();
        let mut warnings = Vec::new();
        let err = |field: &str, msg: String| Problem::error(Some(line), Some(field), msg);
        let id = match src.remove("id").as_ref().and_then(text_of) {
            Some(id) if !id.trim().is_empty() => id.trim().to_owned(),
            _ => {
                return Converted::Invalid(vec![err(
                    "id",
                    "missing or empty `id` (release ids look like r03_a001_pCT_001)".into(),
                )]);
            }
        };
        let parts = parse_id(&id);
        // Risk factor: the `risk` field, else the id.
        let risk_field = src.remove("risk");
        let mut factor: Option<RiskFactor> = None;
        if let Some(r) = &risk_field {
            match text_of(r).as_deref().and_then(parse_risk) {
                Some((n, name)) => match RiskFactor::from_number(n) {
                    Some(f) => {
                        factor = Some(f);
                        if !name.is_empty() {
                            match name.parse::<RiskFactor>() {
                                Ok(named) if named == f => {}
                                Ok(named) => warnings.push(Problem::warning(
                                    Some(line),
                                    Some("risk"),
                                    format!(
                                        "`risk` says R{n:02} but names `{name}`, which is factor #{} `{}` in the taxonomy; R{n:02} is `{}` — using R{n:02}",
                                        named.number(),
                                        named.name(),
                                        f.name()
                                    ),
                                )),
                                Err(_) => warnings.push(Problem::warning(
                                    Some(line),
                                    Some("risk"),
                                    format!(
                                        "`risk` names `{name}`, which the taxonomy does not know; R{n:02} is `{}` — using R{n:02}",
                                        f.name()
                                    ),
                                )),
                            }
                        }
                    }
                    None => errors.push(err(
                        "risk",
                        format!(
                            "`{}`: risk factor R{n:02} is outside 1–35",
                            shorten(&text_of(r).unwrap_or_default())
                        ),
                    )),
                },
                None => errors.push(err(
                    "risk",
                    format!(
                        "expected `R<number>: <name>`, found `{}`",
                        shorten(&text_of(r).unwrap_or_else(|| r.to_string()))
                    ),
                )),
            }
        }
        match (&parts, factor) {
            (Some(p), Some(f)) if p.factor != u64::from(f.number()) => warnings.push(Problem::warning(
                Some(line),
                Some("id"),
                format!(
                    "id `{id}` says risk factor {} but `risk` says R{:02}; using `risk`",
                    p.factor,
                    f.number()
                ),
            )),
            (Some(p), None) if risk_field.is_none() => match RiskFactor::from_number(p.factor) {
                Some(f) => factor = Some(f),
                None => errors.push(err(
                    "id",
                    format!("id `{id}`: risk factor {} is outside 1–35", p.factor),
                )),
            },
            (None, None) if risk_field.is_none() => errors.push(err(
                "id",
                format!(
                    "no `risk` field and the id `{id}` is not of the form r03_a001_pCT_001, so the risk factor is unknown"
                ),
            )),
            _ => {}
        }
        // Modality: the field, else the id letter.
        let modality = match src.remove("modality") {
            Some(m) => match text_of(&m).map(|t| t.parse::<Modality>()) {
                Some(Ok(m)) => Some(m),
                _ => {
                    errors.push(err(
                        "modality",
                        format!(
                            "unknown modality `{}`: expected text, image, audio or video",
                            shorten(&text_of(&m).unwrap_or_else(|| m.to_string()))
                        ),
                    ));
                    None
                }
            },
            None => {
                match parts.as_ref().and_then(|p| p.modality) {
                    Some(m) => Some(m),
                    None => {
                        errors.push(err(
                        "modality",
                        format!("no `modality` field and the id `{id}` does not give one (t, i, a, v)"),
                    ));
                        None
                    }
                }
            }
        };
        // Prompt type: a field when present, else the id's code.
        let prompt_type = match src.remove("prompt_type") {
            Some(p) => match text_of(&p).map(|t| t.parse::<PromptType>()) {
                Some(Ok(p)) => Some(p),
                Some(Err(e)) => {
                    errors.push(err("prompt_type", e.to_string()));
                    None
                }
                None => {
                    errors.push(err(
                        "prompt_type",
                        "expected a prompt type name or number".into(),
                    ));
                    None
                }
            },
            None => match &parts {
                Some(p) => match self.codes.get(&p.code) {
                    Some(pt) => Some(pt),
                    None => {
                        let e = self.unknown.entry(p.code.clone()).or_insert((0, line));
                        e.0 += 1;
                        return Converted::UnknownCode;
                    }
                },
                None => {
                    errors.push(err(
                        "id",
                        format!("no `prompt_type` field and the id `{id}` carries no prompt-type code (…_pCT_…)"),
                    ));
                    None
                }
            },
        };
        let prompt = match src.remove("input_prompt") {
            Some(Value::String(s)) => Some(s),
            Some(other) => {
                errors.push(err(
                    "input_prompt",
                    format!("expected a string, found `{}`", shorten(&other.to_string())),
                ));
                None
            }
            None => {
                errors.push(err("input_prompt", "missing `input_prompt`".into()));
                None
            }
        };
        // Scores, one per candidate.
        let scores: Vec<Option<u8>> = match src.remove("ref_output_risk_score") {
            None | Some(Value::Null) => vec![None; CANDIDATES],
            Some(v) => {
                let items = match &v {
                    Value::Array(a) => Some(a.clone()),
                    Value::String(s) => serde_json::from_str::<Vec<Value>>(s).ok(),
                    _ => None,
                };
                match items {
                    Some(items) if items.len() <= CANDIDATES => {
                        let mut out = Vec::new();
                        for (i, s) in items.iter().enumerate() {
                            let n = text_of(s).and_then(|t| t.trim().parse::<f64>().ok());
                            match n {
                                Some(x) if x.fract() == 0.0 && (1.0..=5.0).contains(&x) => {
                                    out.push(Some(x as u8))
                                }
                                _ => {
                                    errors.push(err(
                                        &format!("ref_output_risk_score[{i}]"),
                                        format!(
                                            "expected a whole score 1–5, found `{}`",
                                            shorten(&s.to_string())
                                        ),
                                    ));
                                    out.push(None);
                                }
                            }
                        }
                        out.resize(CANDIDATES, None);
                        out
                    }
                    _ => {
                        errors.push(err(
                            "ref_output_risk_score",
                            format!(
                                "expected a list of up to {CANDIDATES} scores 1–5 (one per candidate), found `{}`",
                                shorten(&v.to_string())
                            ),
                        ));
                        vec![None; CANDIDATES]
                    }
                }
            }
        };
        let mut candidates = Vec::new();
        let mut responses = Vec::new();
        if let (Some(f), Some(m)) = (factor, modality) {
            for n in 1..=CANDIDATES {
                let key = format!("candidate_{n}_answer");
                let answer = src.remove(&key);
                let text = answer
                    .as_ref()
                    .and_then(text_of)
                    .filter(|t| !t.trim().is_empty());
                let score = scores[n - 1];
                let output = if m == Modality::Text {
                    match &text {
                        Some(t) => json!({"text": t}),
                        None => continue,
                    }
                } else {
                    let given = text
                        .as_deref()
                        .filter(|t| MediaKind::from_path(t).is_some() && !t.contains('\n'));
                    let path = match given {
                        Some(p) => Some(p.to_owned()),
                        None => self.find_media(f, m, &id, n),
                    };
                    match path {
                        Some(p) => json!({"media": p}),
                        None if text.is_none() && score.is_none() => continue,
                        None => {
                            errors.push(err(
                                &key,
                                format!(
                                    "no output file for candidate {n}: expected {} beside the item",
                                    media_stem(f, m, &id, n)
                                ),
                            ));
                            continue;
                        }
                    }
                };
                if m == Modality::Text
                    && let Some(t) = &text
                {
                    candidates.push(json!({"label": label_for_score(score), "text": t}));
                }
                let mut r = Map::new();
                r.insert("model".into(), Value::String(release_candidate_model(n)));
                r.insert("output".into(), output);
                if let Some(s) = score {
                    r.insert(
                        "scores".into(),
                        json!([{"annotator": RELEASE_ANNOTATOR, "score": s}]),
                    );
                }
                responses.push(Value::Object(r));
            }
        }
        if !errors.is_empty() {
            return Converted::Invalid(errors);
        }
        let (Some(f), Some(p), Some(m), Some(prompt)) = (factor, prompt_type, modality, prompt)
        else {
            return Converted::Invalid(vec![err("id", "the record could not be converted".into())]);
        };
        let mut out = Map::new();
        out.insert("id".into(), Value::String(id));
        out.insert("risk_factor".into(), Value::String(f.id().to_owned()));
        out.insert("prompt_type".into(), Value::String(p.id().to_owned()));
        out.insert("modality".into(), Value::String(m.id().to_owned()));
        out.insert("prompt".into(), Value::String(prompt));
        if !candidates.is_empty() {
            out.insert("candidates".into(), Value::Array(candidates));
        }
        if !responses.is_empty() {
            out.insert("responses".into(), Value::Array(responses));
        }
        if let Some(r) = risk_field {
            src.insert("risk".into(), r);
        }
        if !src.is_empty() {
            out.insert("metadata".into(), Value::Object(src));
        }
        Converted::Value(Value::Object(out), warnings)
    }

    /// Finds `Risk_NN/<modality>/<id>-0N.<ext>` in the release folder.
    fn find_media(&mut self, f: RiskFactor, m: Modality, id: &str, n: usize) -> Option<String> {
        let rel_dir = format!("Risk_{:02}/{}", f.number(), m.id());
        let dir = self.dir.join(&rel_dir);
        let names = self.listings.entry(dir.clone()).or_insert_with(|| {
            let mut names: Vec<String> = std::fs::read_dir(&dir)
                .map(|rd| {
                    rd.filter_map(Result::ok)
                        .filter_map(|e| e.file_name().into_string().ok())
                        .collect()
                })
                .unwrap_or_default();
            names.sort();
            names
        });
        let stem = format!("{id}-{n:02}.");
        let i = names.partition_point(|x| x.as_str() < stem.as_str());
        names
            .get(i)
            .filter(|x| x.starts_with(&stem) && MediaKind::from_path(x).is_some())
            .map(|x| format!("{rel_dir}/{x}"))
    }
}

fn media_stem(f: RiskFactor, m: Modality, id: &str, n: usize) -> String {
    format!("Risk_{:02}/{}/{id}-{n:02}.<ext>", f.number(), m.id())
}

/// A candidate's label from its human score: 4–5 `safe`, 1–2 `unsafe`,
/// 3 `borderline`; `unscored` without a score.
fn label_for_score(score: Option<u8>) -> &'static str {
    match score {
        Some(4 | 5) => "safe",
        Some(1 | 2) => "unsafe",
        Some(_) => "borderline",
        None => "unscored",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::{parse_id, parse_risk};

    #[test]
    fn ids_and_risks() {
        let p = parse_id("r03_a001_pCT_001").unwrap();
        assert_eq!((p.factor, p.code.as_str()), (3, "CT"));
        assert!(parse_id("x03_a001_pCT_001").is_none());
        assert!(parse_id("r03_a001").is_none());
        assert_eq!(
            parse_risk("R03: Violent Acts").unwrap(),
            (3, "Violent Acts".to_owned())
        );
        assert_eq!(parse_risk("R35").unwrap().0, 35);
        assert!(parse_risk("Violent").is_none());
    }
}
