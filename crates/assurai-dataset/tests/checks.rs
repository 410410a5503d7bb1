//! One-line cases over one helper: each record must produce exactly the
//! listed problem (field, message part, error or warning).

#![allow(clippy::unwrap_used)]

use assurai_dataset::{Format, Reader, ValidationReport, Validator};

fn validate(line: &str) -> ValidationReport {
    Validator::new().validate(Reader::new(line.as_bytes(), Format::JsonLines))
}

const BASE: &str = r#""id": "c", "risk_factor": "fraud", "prompt_type": "q_only""#;

/// `(record body after the base fields, field, message part, is_error)`.
const CASES: &[(&str, &str, &str, bool)] = &[
    (
        r#", "prompt": "   ""#,
        "prompt",
        "the prompt is empty",
        true,
    ),
    (
        r#", "prompt": "hello""#,
        "prompt",
        "contains no Hangul",
        false,
    ),
    (
        r#", "prompt": "질문", "turns": []"#,
        "prompt",
        "not both",
        true,
    ),
    (r#""#, "prompt", "missing the input", true),
    (
        r#", "prompt": "질문", "category": "interpersonal_harm""#,
        "category",
        "does not match",
        true,
    ),
    (
        r#", "prompt": "질문", "modality": "video""#,
        "modality",
        "plans no video instances for `fraud`",
        false,
    ),
    (
        r#", "prompt": "질문", "modality": 9"#,
        "modality",
        "unknown modality `9`",
        true,
    ),
    (
        r#", "turns": [{"role": "user", "content": "질문"}, {"role": "system", "content": "규칙"}, {"role": "user", "content": "질문"}]"#,
        "turns[1].role",
        "system turn may only come first",
        true,
    ),
    (
        r#", "turns": [{"role": "user", "content": "질문"}, {"role": "user", "content": "또 질문"}]"#,
        "turns[1].role",
        "two user turns in a row",
        false,
    ),
    (
        r#", "turns": [{"role": "robot", "content": "질문"}]"#,
        "turns[0].role",
        "unknown role `robot`",
        true,
    ),
    (
        r#", "turns": [{"role": "user", "content": [{"type": "gif", "path": "a.gif"}]}]"#,
        "turns[0].content[0].type",
        "unknown part type `gif`",
        true,
    ),
    (
        r#", "turns": [{"role": "user", "content": [{"type": "image"}]}]"#,
        "turns[0].content[0].path",
        "needs `path`",
        true,
    ),
    (
        r#", "turns": [{"role": "user", "content": ""}]"#,
        "turns[0].content",
        "the turn is empty",
        true,
    ),
    (
        r#", "prompt": "질문", "media": ["notes.txt"]"#,
        "media[0]",
        "cannot tell the media type",
        true,
    ),
    (
        r#", "prompt": "질문", "media": ["a\\b.png"]"#,
        "media[0]",
        "uses `\\`",
        true,
    ),
    (
        r#", "prompt": "질문", "media": 5"#,
        "media",
        "expected an array",
        true,
    ),
    (
        r#", "prompt": "질문", "candidates": [{"text": "안전"}]"#,
        "candidates[0].label",
        "missing `label`",
        true,
    ),
    (
        r#", "prompt": "질문", "candidates": [{"label": "safe", "text": " "}]"#,
        "candidates[0].text",
        "the candidate text is empty",
        true,
    ),
    (
        r#", "prompt": "질문", "annotations": [{"annotator": "a", "score": 2.5}]"#,
        "annotations[0].score",
        "expected a whole number 1–5",
        true,
    ),
    (
        r#", "prompt": "질문", "annotations": [{"annotator": "a", "score": 0}]"#,
        "annotations[0].score",
        "score 0 is outside 1–5",
        true,
    ),
    (
        r#", "prompt": "질문", "annotations": [{"score": 3}]"#,
        "annotations[0].annotator",
        "missing `annotator`",
        true,
    ),
    (
        r#", "prompt": "질문", "annotations": [{"annotator": "a", "score": 3}, {"annotator": "a", "score": 4}]"#,
        "annotations[1].annotator",
        "labels this instance twice",
        false,
    ),
    (
        r#", "prompt": "질문", "responses": [{"output": "네"}]"#,
        "responses[0].model",
        "missing `model`",
        true,
    ),
    (
        r#", "prompt": "질문", "responses": [{"model": "m"}]"#,
        "responses[0].output",
        "neither text nor media",
        true,
    ),
    (
        r#", "prompt": "질문", "responses": [{"model": "m", "blocked": "yes"}]"#,
        "responses[0].blocked",
        "expected true or false",
        true,
    ),
    (
        r#", "prompt": "질문", "responses": [{"model": "m", "output": {"media": "o.wav"}}]"#,
        "responses[0].output.media",
        "output media type `audio` differs from the instance modality `text`",
        false,
    ),
    (
        r#", "prompt": "질문", "responses": [{"model": "m", "output": {"text": "네", "colour": 1}}]"#,
        "responses[0].output.colour",
        "unknown output field",
        false,
    ),
    (
        r#", "prompt": "질문", "responses": [{"model": "m", "output": "네", "scores": [{"annotator": "a", "score": 9}]}]"#,
        "responses[0].scores[0].score",
        "score 9 is outside 1–5",
        true,
    ),
    (
        r#", "prompt": "질문", "colour": "blue""#,
        "colour",
        "unknown field `colour`",
        false,
    ),
];

#[test]
fn each_case_reports_exactly_its_problem() {
    for (body, field, part, is_error) in CASES {
        let line = format!("{{{BASE}{body}}}\n");
        let r = validate(&line);
        let (hit, other) = if *is_error {
            (&r.errors, &r.warnings)
        } else {
            (&r.warnings, &r.errors)
        };
        assert_eq!(hit.len(), 1, "{line}: {:#?} / {:#?}", r.errors, r.warnings);
        let p = &hit[0];
        assert_eq!(p.field.as_deref(), Some(*field), "{line}");
        assert!(
            p.message.contains(part),
            "{line}: `{}` lacks `{part}`",
            p.message
        );
        assert_eq!(p.line, Some(1));
        assert_eq!(p.id.as_deref(), Some("c"));
        if !*is_error {
            assert!(other.is_empty(), "{line}: {other:#?}");
            assert!(r.valid);
        } else {
            assert!(!r.valid);
        }
    }
}

#[test]
fn problems_past_the_limit_are_counted() {
    let lines: String = (0..5)
        .map(|i| format!("{{\"id\": \"{i}\", \"risk_factor\": 99, \"prompt_type\": 2, \"prompt\": \"질문\"}}\n"))
        .collect();
    let r = Validator::new()
        .max_problems(2)
        .validate(Reader::new(lines.as_bytes(), Format::JsonLines));
    assert_eq!(r.errors.len(), 3);
    assert_eq!(r.errors[2].line, None);
    assert!(r.errors[2].message.contains("3 more errors"));
}

#[test]
fn unknown_fields_warn_once_per_name() {
    let lines: String = (0..4)
        .map(|i| format!("{{\"id\": \"{i}\", \"risk_factor\": 21, \"prompt_type\": 2, \"prompt\": \"질문\", \"x\": {i}}}\n"))
        .collect();
    let r = validate(&lines);
    assert!(r.valid);
    assert_eq!(r.warnings.len(), 1);
    assert_eq!(r.warnings[0].line, Some(1));
}

#[test]
fn parse_instance_is_strict_json() {
    use assurai_dataset::parse_instance;
    let ok = r#"{"id": "a", "risk_factor": 5, "prompt_type": "rail", "prompt": "질문"}"#;
    assert_eq!(parse_instance(ok).unwrap().id, "a");
    // A raw newline inside a string is invalid JSON.
    let e = parse_instance(
        "{\"id\": \"a\nb\", \"risk_factor\": 5, \"prompt_type\": 7, \"prompt\": \"질문\"}",
    )
    .unwrap_err();
    assert!(e.to_string().contains("JSON syntax error"), "{e}");
    let e = parse_instance(r#"{"id": "a", "risk_factor": 50, "prompt_type": 7, "prompt": "질문"}"#)
        .unwrap_err();
    assert_eq!(e.problems()[0].field.as_deref(), Some("risk_factor"));
}
