//! Every fixture in `tests/bad/` with the exact problems it must produce.

#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::PathBuf;

use assurai_dataset::{Dataset, Format, Limits, ValidationReport};

fn bad(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/bad")
        .join(name)
}

fn validate(name: &str) -> ValidationReport {
    Dataset::open(bad(name)).unwrap().validate().unwrap()
}

/// Asserts the report's errors are exactly these (line, field, message part).
fn expect(report: &ValidationReport, expected: &[(Option<u64>, Option<&str>, &str)]) {
    let got: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
    assert_eq!(report.errors.len(), expected.len(), "errors: {got:#?}");
    for (e, (line, field, part)) in report.errors.iter().zip(expected) {
        assert_eq!(e.line, *line, "{e}");
        assert_eq!(e.field.as_deref(), *field, "{e}");
        assert!(e.message.contains(part), "`{e}` should contain `{part}`");
    }
    assert_eq!(report.valid, expected.is_empty());
}

#[test]
fn truncated_line() {
    let r = validate("truncated.jsonl");
    expect(
        &r,
        &[(Some(2), None, "JSON syntax error: EOF while parsing")],
    );
    assert!(r.errors[0].column.is_some());
    assert_eq!(r.instances, 2);
}

#[test]
fn wrong_types() {
    expect(
        &validate("wrong_types.jsonl"),
        &[
            (
                Some(1),
                Some("id"),
                "expected a string or a number, found an array",
            ),
            (Some(1), Some("risk_factor"), "found a boolean"),
            (Some(1), Some("prompt"), "expected a string, found a number"),
            (
                Some(2),
                Some("choices[0].safe"),
                "expected true or false, found a string",
            ),
            (
                Some(2),
                Some("annotations[0].score"),
                "score 7 is outside 1–5",
            ),
        ],
    );
}

#[test]
fn unknown_taxonomy_values_say_what_is_accepted() {
    let r = validate("unknown_factor.jsonl");
    expect(
        &r,
        &[
            (
                Some(1),
                Some("risk_factor"),
                "unknown risk factor `harassment-ish`",
            ),
            (Some(2), Some("risk_factor"), "unknown risk factor `36`"),
            (Some(2), Some("prompt_type"), "unknown prompt type `essay`"),
            (Some(2), Some("modality"), "unknown modality `smell`"),
        ],
    );
    assert!(r.errors[0].message.contains("weapon_usage_and_development"));
    assert_eq!(r.errors[0].id.as_deref(), Some("u-1"));
}

#[test]
fn duplicate_id() {
    let r = validate("duplicate_id.jsonl");
    expect(&r, &[(Some(3), Some("id"), "duplicate id `d-1`")]);
    assert_eq!(r.instances, 2);
}

#[test]
fn media_paths_never_leave_the_folder() {
    expect(
        &validate("traversal.jsonl"),
        &[
            (Some(1), Some("media[0]"), "contains `..`"),
            (Some(2), Some("media[0]"), "is absolute"),
            (Some(3), Some("media[0]"), "not found"),
        ],
    );
}

#[cfg(unix)]
#[test]
fn symlink_out_of_the_folder_is_rejected() {
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.png");
    std::fs::write(&secret, b"not really a png").unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("media")).unwrap();
    std::os::unix::fs::symlink(&secret, dir.path().join("media/link.png")).unwrap();
    std::fs::write(dir.path().join("media/inside.png"), b"x").unwrap();
    std::os::unix::fs::symlink("inside.png", dir.path().join("media/ok.png")).unwrap();
    let path = dir.path().join("d.jsonl");
    std::fs::write(
        &path,
        concat!(
            r#"{"id": "a", "risk_factor": 7, "prompt_type": 2, "prompt": "질문", "media": ["media/link.png"]}"#,
            "\n",
            r#"{"id": "b", "risk_factor": 7, "prompt_type": 2, "prompt": "질문", "media": ["media/ok.png"]}"#,
            "\n"
        ),
    )
    .unwrap();
    let ds = Dataset::open(&path).unwrap();
    let r = ds.validate().unwrap();
    expect(
        &r,
        &[(Some(1), Some("media[0]"), "through a symbolic link")],
    );
    assert!(ds.resolve_media("media/link.png").is_err());
    assert!(ds.resolve_media("media/ok.png").is_ok());
    assert!(ds.resolve_media("../d.jsonl").is_err());
}

#[test]
fn invalid_utf8() {
    let r = validate("invalid_utf8.jsonl");
    expect(&r, &[(Some(1), None, "invalid UTF-8")]);
    assert_eq!(r.errors[0].column, Some(75));
}

#[test]
fn empty_and_blank_files_are_invalid() {
    for name in ["empty.jsonl", "blank_lines.jsonl"] {
        let r = validate(name);
        expect(&r, &[(None, None, "no instances")]);
        assert_eq!(r.instances, 0);
    }
}

#[test]
fn bom_crlf_blank_lines_and_trailing_whitespace_are_handled() {
    let r = validate("bom_crlf.jsonl");
    expect(&r, &[]);
    assert_eq!(r.instances, 2);
}

#[test]
fn truncated_json_array() {
    expect(
        &validate("truncated.json"),
        &[(
            Some(3),
            None,
            "unexpected end of file inside an array element",
        )],
    );
}

#[test]
fn csv_cells_are_checked() {
    expect(
        &validate("bad.csv"),
        &[
            (Some(2), Some("choices"), "at least 2 choices, found 1"),
            (Some(3), Some("risk_factor"), "unknown risk factor `nope`"),
            (
                Some(4),
                Some("choices"),
                "the cell must hold JSON: EOF while parsing",
            ),
        ],
    );
}

#[test]
fn prompt_type_structure() {
    expect(
        &validate("structure.jsonl"),
        &[
            (Some(1), Some("turns"), "Reflection instance needs `turns`"),
            (
                Some(2),
                Some("turns[1].role"),
                "last turn must be a user turn",
            ),
            (Some(2), Some("turns"), "at least 2 user turns, found 1"),
            (Some(3), Some("choices"), "no choice is marked safe"),
        ],
    );
}

#[test]
fn ten_megabyte_line_is_rejected_without_holding_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.jsonl");
    let mut f = std::fs::File::create(&path).unwrap();
    write!(
        f,
        r#"{{"id": "big", "risk_factor": 21, "prompt_type": 2, "prompt": ""#
    )
    .unwrap();
    f.write_all(&vec![b'a'; 10 << 20]).unwrap();
    writeln!(f, r#""}}"#).unwrap();
    writeln!(
        f,
        r#"{{"id": "small", "risk_factor": 21, "prompt_type": 2, "prompt": "질문"}}"#
    )
    .unwrap();
    drop(f);
    let r = Dataset::open(&path).unwrap().validate().unwrap();
    expect(
        &r,
        &[(Some(1), None, "more than the limit of 4194304 bytes")],
    );
    assert_eq!(r.distribution.total(), 1);
    // A larger limit reads it.
    let r = Dataset::open(&path)
        .unwrap()
        .with_limits(Limits::default().max_record_bytes(16 << 20))
        .validate()
        .unwrap();
    assert!(r.valid, "{:?}", r.errors);
}

#[test]
fn reader_continues_after_a_bad_record() {
    let ds = Dataset::open(bad("unknown_factor.jsonl")).unwrap();
    let results: Vec<_> = ds.records().unwrap().collect();
    assert_eq!(results.len(), 2);
    let e = results[1].as_ref().unwrap_err();
    assert_eq!(e.line(), Some(2));
    assert_eq!(e.problems().len(), 3);
    assert!(
        e.to_string()
            .starts_with("line 2 (id `u-2`), field `risk_factor`")
    );
    // The JSON array format is chosen by extension; forcing JSON Lines on it fails cleanly.
    let r = Dataset::open(bad("truncated.json"))
        .unwrap()
        .with_format(Format::JsonLines)
        .validate()
        .unwrap();
    assert!(!r.valid);
}

#[test]
fn unreadable_path_is_an_io_error() {
    let e = Dataset::open(bad("does-not-exist.jsonl")).unwrap_err();
    assert!(e.to_string().contains("does-not-exist.jsonl"));
    assert!(Dataset::open(bad("")).is_err());
}
