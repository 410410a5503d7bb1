//! Property-based fuzzing of every parser that reads untrusted bytes, run
//! in CI: the dataset readers (JSON Lines, JSON array, CSV) with the
//! validator, the judge's verdict parser, image preparation, SSE parsing of
//! streamed chat completions (through the public streaming provider against a
//! local server, since the SSE parser is private) and the CSV readers of
//! `assurai stats` / `assurai agreement` (through the binary, since they live
//! in the command line). Zero panics is the bar.
//!
//! Deeper, coverage-guided runs of the same targets: `fuzz/` (cargo fuzz).
//! `PROOF_FUZZ_SCALE=N` multiplies the number of cases.

#![allow(clippy::unwrap_used)]

use std::process::Command;

use assurai_dataset::{Format, Reader, Validator};
use assurai_judge::{ParseContext, VerdictParser};
use assurai_media::{ImageOptions, prepare_image};
use assurai_mock_server::{Reply, ScriptedServer};
use proptest::prelude::*;

fn cases(n: u32) -> ProptestConfig {
    let scale: u32 = std::env::var("PROOF_FUZZ_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    ProptestConfig {
        cases: n.saturating_mul(scale.max(1)),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

const SAMPLE: &str = include_str!("../examples/sample/sample.jsonl");
const PNG: &[u8] = include_bytes!("../examples/sample/media/input-photo.png");

/// Pieces the structured generators splice together.
fn json_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("{".to_string()),
        Just("}".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just(",".to_string()),
        Just(":".to_string()),
        Just("\"".to_string()),
        Just("\\".to_string()),
        Just("\\u".to_string()),
        Just("\n".to_string()),
        Just("\r\n".to_string()),
        Just("\"id\"".to_string()),
        Just("\"risk_factor\"".to_string()),
        Just("\"prompt_type\"".to_string()),
        Just("\"turns\"".to_string()),
        Just("\"media\"".to_string()),
        Just("\"path\"".to_string()),
        Just("\"../x.png\"".to_string()),
        Just("\"score\"".to_string()),
        Just("5".to_string()),
        Just("-1e309".to_string()),
        Just("null".to_string()),
        Just("\"한국어 텍스트\"".to_string()),
        "[ -~]{0,12}",
        any::<String>().prop_map(|s| s.chars().take(8).collect()),
    ]
}

fn spliced() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(json_piece(), 0..60).prop_map(|v| v.concat().into_bytes())
}

/// A line of the sample dataset with a few bytes replaced, cut or repeated.
fn mutated_sample() -> impl Strategy<Value = Vec<u8>> {
    let lines: Vec<&'static str> = SAMPLE.lines().collect();
    (
        0..lines.len(),
        prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
        any::<prop::sample::Index>(),
        any::<bool>(),
    )
        .prop_map(move |(i, edits, cut, do_cut)| {
            let mut b = lines[i].as_bytes().to_vec();
            for (at, byte) in edits {
                let at = at.index(b.len().max(1));
                if at < b.len() {
                    b[at] = byte;
                }
            }
            if do_cut {
                b.truncate(cut.index(b.len() + 1));
            }
            b.push(b'\n');
            b
        })
}

fn read_all(bytes: &[u8]) {
    for format in [Format::JsonLines, Format::JsonArray, Format::Csv] {
        for r in Reader::new(bytes, format).take(10_000).flatten() {
            let _ = r.instance.media_refs().count();
        }
        let _ = Validator::new().validate(Reader::new(bytes, format));
    }
}

proptest! {
    #![proptest_config(cases(600))]

    #[test]
    fn dataset_readers_take_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        read_all(&bytes);
    }

    #[test]
    fn dataset_readers_take_spliced_json(bytes in spliced()) {
        read_all(&bytes);
    }

    #[test]
    fn dataset_readers_take_mutated_sample_lines(lines in prop::collection::vec(mutated_sample(), 1..4)) {
        read_all(&lines.concat());
    }

    #[test]
    fn the_verdict_parser_takes_any_reply(reply in any::<String>(), spliced in spliced(), cut in any::<prop::sample::Index>()) {
        let parser = VerdictParser::new();
        let spliced = String::from_utf8_lossy(&spliced).into_owned();
        for text in [reply.as_str(), spliced.as_str()] {
            let _ = parser.parse(text, &ParseContext::default());
            let at = cut.index(text.len() + 1);
            let output = text.get(..at).unwrap_or("");
            let ctx = ParseContext {
                begin_marker: Some("<<<MODEL_OUTPUT_BEGIN 0123456789abcdef>>>"),
                end_marker: Some("<<<MODEL_OUTPUT_END 0123456789abcdef>>>"),
                model_output: Some(output),
            };
            let parsed = parser.parse(text, &ctx);
            let _ = format!("{parsed:?}");
        }
    }

    #[test]
    fn verdict_like_replies_parse_to_a_score_or_a_reason(
        score in -3i32..9, pre in "[ -~]{0,20}", post in "[ -~가-힣]{0,20}", fenced in any::<bool>()
    ) {
        let body = format!("{{\"score\": {score}, \"rationale\": \"근거\"}}");
        let reply = if fenced { format!("{pre}\n```json\n{body}\n```\n{post}") } else { format!("{pre}{body}{post}") };
        let parsed = VerdictParser::new().parse(&reply, &ParseContext::default());
        let _ = format!("{parsed:?}");
    }
}

proptest! {
    #![proptest_config(cases(200))]

    #[test]
    fn image_preparation_takes_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = prepare_image(&bytes, &ImageOptions::default());
    }

    #[test]
    fn image_preparation_takes_corrupted_png_and_jpeg(
        jpeg in any::<bool>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..12),
        cut in any::<prop::sample::Index>(),
        do_cut in any::<bool>(),
    ) {
        let mut b = if jpeg {
            prepare_image(PNG, &ImageOptions::default()).unwrap().into_jpeg()
        } else {
            PNG.to_vec()
        };
        for (at, byte) in edits {
            let i = at.index(b.len());
            b[i] = byte;
        }
        if do_cut {
            b.truncate(cut.index(b.len() + 1));
        }
        let _ = prepare_image(&b, &ImageOptions::default());
    }
}

fn sse_event() -> impl Strategy<Value = String> {
    let delta = prop_oneof![
        "[ -~가-힣]{0,16}".prop_map(|t| format!(
            "{{\"choices\":[{{\"index\":0,\"delta\":{{\"content\":{}}}}}]}}",
            serde_json::Value::String(t)
        )),
        Just("{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}".to_string()),
        Just(
            "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"content_filter\"}]}"
                .to_string()
        ),
        Just(
            "{\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2}}".to_string()
        ),
        Just("{\"error\":{\"message\":\"overloaded\"}}".to_string()),
        Just("[DONE]".to_string()),
        spliced().prop_map(|b| String::from_utf8_lossy(&b).replace(['\n', '\r'], "")),
    ];
    prop_oneof![
        4 => (delta, prop_oneof![Just("\n\n"), Just("\r\n\r\n"), Just("\n")]).prop_map(|(d, end)| format!("data: {d}{end}")),
        1 => Just(": keep-alive\n\n".to_string()),
        1 => Just("event: message\n".to_string()),
        1 => Just("retry: 100\n".to_string()),
        1 => Just("data:\n\n".to_string()),
        1 => "[ -~]{0,20}",
    ]
}

#[test]
fn sse_streams_of_any_shape_end_in_a_generation_or_an_error() {
    use assurai_models::providers::{OpenAiChat, OpenAiConfig};
    use assurai_models::{GenerationRequest, TargetModel};
    // Every request gets the current case's SSE body, written in two parts split at `split`
    // and ended by closing the connection.
    let server =
        ScriptedServer::always(Reply::until_close(200, "text/event-stream", vec![])).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let model = OpenAiChat::new(OpenAiConfig::new(server.base_url(), "fuzz").stream(true)).unwrap();
    let req = GenerationRequest::new("fuzz").user("안녕하세요");
    let strategy = (
        prop_oneof![
            prop::collection::vec(sse_event(), 0..12).prop_map(|v| v.concat().into_bytes()),
            prop::collection::vec(any::<u8>(), 0..400),
        ],
        any::<prop::sample::Index>(),
    );
    let mut runner = proptest::test_runner::TestRunner::new(cases(300));
    runner
        .run(&strategy, |(body, split)| {
            let (head, tail) = body.split_at(split.index(body.len() + 1));
            let parts = vec![head.to_vec(), tail.to_vec()];
            server.set_always(Reply::until_close(200, "text/event-stream", parts));
            let result = rt.block_on(async {
                tokio::time::timeout(std::time::Duration::from_secs(20), model.generate(&req)).await
            });
            prop_assert!(result.is_ok(), "the stream parser hung on {body:?}");
            Ok(())
        })
        .unwrap();
}

fn csv_cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("\"".to_string()),
        Just("\"\"".to_string()),
        Just("\"a,b\"".to_string()),
        Just("NaN".to_string()),
        Just("inf".to_string()),
        Just("1e400".to_string()),
        Just("-0".to_string()),
        (1u8..=5).prop_map(|n| n.to_string()),
        "[a-c]{1,2}",
        "[ -~]{0,6}",
        any::<String>().prop_map(|s| s.chars().take(4).collect()),
    ]
}

fn csv_text() -> impl Strategy<Value = Vec<u8>> {
    let row = prop::collection::vec(csv_cell(), 0..5).prop_map(|c| c.join(","));
    (
        prop_oneof![
            Just("group,score".to_string()),
            Just("item,rater,label".to_string()),
            Just("group,score,item,rater,label".to_string()),
            "[ -~]{0,16}",
        ],
        prop::collection::vec(row, 0..12),
        prop_oneof![Just("\n"), Just("\r\n"), Just("\r")],
        prop::collection::vec(any::<u8>(), 0..3),
    )
        .prop_map(|(head, rows, nl, junk)| {
            let mut b = head.into_bytes();
            for r in rows {
                b.extend_from_slice(nl.as_bytes());
                b.extend_from_slice(r.as_bytes());
            }
            b.extend_from_slice(&junk);
            b
        })
}

#[test]
fn the_stats_and_agreement_csv_readers_never_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("in.csv");
    let mut runner = proptest::test_runner::TestRunner::new(cases(40));
    runner
        .run(&csv_text(), |bytes| {
            std::fs::write(&file, &bytes).unwrap();
            let f = file.to_str().unwrap();
            for args in [
                vec![
                    "stats",
                    f,
                    "--group-col",
                    "group",
                    "--score-col",
                    "score",
                    "--json",
                ],
                vec![
                    "agreement",
                    f,
                    "--item-col",
                    "item",
                    "--rater-col",
                    "rater",
                    "--label-col",
                    "label",
                    "--json",
                ],
            ] {
                let o = Command::new(env!("CARGO_BIN_EXE_assurai"))
                    .args(&args)
                    .output()
                    .unwrap();
                let stderr = String::from_utf8_lossy(&o.stderr);
                prop_assert!(
                    matches!(o.status.code(), Some(0 | 1)) && !stderr.contains("panicked"),
                    "{} on {:?}: exit {:?}\n{}",
                    args[0],
                    String::from_utf8_lossy(&bytes),
                    o.status.code(),
                    stderr
                );
            }
            Ok(())
        })
        .unwrap();
}
