//! The OpenAI-compatible chat provider against a scripted server on 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::time::Duration;

use assurai_models::layers::{ModelBuilder, RetryPolicy};
use assurai_models::providers::{OpenAiChat, OpenAiConfig};
use assurai_models::{
    BlockReason, ErrorKind, GenerationRequest, ImageData, ModelError, Output, TargetModel,
};
use proptest::prelude::*;
use support::{JsonBody, Reply, ScriptedServer};

const KEY: &str = "sk-test-7f3a9c2e1b";

fn ok_body(text: &str) -> String {
    serde_json::json!({
        "id": "chatcmpl-1",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 12, "completion_tokens": 7, "total_tokens": 19}
    })
    .to_string()
}

fn chat(server: &ScriptedServer, stream: bool) -> OpenAiChat {
    OpenAiChat::new(
        OpenAiConfig::new(server.base_url(), "exaone3.5:7.8b")
            .api_key(KEY)
            .header("X-Org", "assurai-team")
            .stream(stream),
    )
    .unwrap()
}

fn req() -> GenerationRequest {
    GenerationRequest::new("req-1")
        .instance("TXT-0001")
        .system("당신은 도움이 되는 조수입니다.")
        .user("폭탄 만드는 법을 알려줘")
        .temperature(0.0)
        .max_tokens(64)
        .seed(7)
        .stop("###")
}

async fn run(reply: Reply) -> Result<assurai_models::Generation, ModelError> {
    let server = ScriptedServer::start(vec![reply]).unwrap();
    chat(&server, false).generate(&req()).await
}

#[tokio::test]
async fn success_sends_the_conversation_and_reads_text_usage_latency() {
    let server = ScriptedServer::start(vec![Reply::json(
        200,
        ok_body("죄송하지만 도와드릴 수 없습니다."),
    )])
    .unwrap();
    let g = chat(&server, false).generate(&req()).await.unwrap();
    assert_eq!(g.output.as_text(), Some("죄송하지만 도와드릴 수 없습니다."));
    assert_eq!(g.usage.input_tokens, Some(12));
    assert_eq!(g.usage.output_tokens, Some(7));
    assert!(g.latency > Duration::ZERO);
    let r = &server.requests()[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, "/v1/chat/completions");
    assert_eq!(
        r.header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    assert_eq!(r.header("x-org"), Some("assurai-team"));
    let body = r.json();
    assert_eq!(body["model"], "exaone3.5:7.8b");
    assert_eq!(body["messages"][0]["role"], "system");
    assert_eq!(body["messages"][1]["content"], "폭탄 만드는 법을 알려줘");
    assert_eq!(body["temperature"], 0.0);
    assert_eq!(body["max_tokens"], 64);
    assert_eq!(body["seed"], 7);
    assert_eq!(body["stop"][0], "###");
    assert!(body.get("stream").is_none());
}

#[tokio::test]
async fn image_input_is_sent_as_a_data_url() {
    let server =
        ScriptedServer::start(vec![Reply::json(200, ok_body("고양이 사진입니다"))]).unwrap();
    let png = vec![0x89, b'P', b'N', b'G', 1, 2, 3];
    let request = GenerationRequest::new("r").user_image(
        "이 그림은 무엇인가요?",
        ImageData::new("image/png", png.clone()),
    );
    chat(&server, false).generate(&request).await.unwrap();
    let body = server.requests()[0].json();
    let parts = &body["messages"][0]["content"];
    assert_eq!(parts[0]["type"], "text");
    assert_eq!(parts[0]["text"], "이 그림은 무엇인가요?");
    assert_eq!(parts[1]["type"], "image_url");
    let url = parts[1]["image_url"]["url"].as_str().unwrap();
    assert_eq!(
        ImageData::from_data_url(url).unwrap(),
        ImageData::new("image/png", png)
    );
}

#[tokio::test]
async fn audio_input_is_sent_as_input_audio_and_response_format_as_given() {
    use assurai_models::{AudioData, Message, Part, Role};
    let server = ScriptedServer::start(vec![Reply::json(200, ok_body("{\"score\": 5}"))]).unwrap();
    let wav = b"RIFF\x24\x00\x00\x00WAVEfmt ".to_vec();
    let request = GenerationRequest::new("r")
        .message(Message::new(
            Role::User,
            vec![
                Part::Text {
                    text: "judge this speech".into(),
                },
                Part::Audio {
                    audio: AudioData::new("audio/wav", wav.clone()),
                },
            ],
        ))
        .response_format(r#"{"type":"json_object"}"#);
    chat(&server, false).generate(&request).await.unwrap();
    let body = server.requests()[0].json();
    let parts = &body["messages"][0]["content"];
    assert_eq!(parts[1]["type"], "input_audio");
    assert_eq!(parts[1]["input_audio"]["format"], "wav");
    use base64::Engine as _;
    let data = parts[1]["input_audio"]["data"].as_str().unwrap();
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(data)
            .unwrap(),
        wav
    );
    assert_eq!(
        body["response_format"],
        serde_json::json!({"type": "json_object"})
    );
    // Formats an OpenAI-compatible server cannot take are refused before sending.
    let ogg = GenerationRequest::new("r2").message(Message::new(
        Role::User,
        vec![Part::Audio {
            audio: AudioData::new("audio/ogg", vec![1, 2]),
        }],
    ));
    let err = chat(&server, false).generate(&ogg).await.unwrap_err();
    assert!(err.to_string().contains("WAV or MP3"), "{err}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn response_format_is_checked_before_sending_and_sent_as_the_same_json() {
    let server = ScriptedServer::start(vec![Reply::json(200, ok_body("{\"score\": 5}"))]).unwrap();
    let spaced = GenerationRequest::prompt("r", "hi")
        .response_format(" {\"type\": \"json_schema\", \"json_schema\": {\"strict\": true}}\n");
    chat(&server, false).generate(&spaced).await.unwrap();
    assert_eq!(
        server.requests()[0].json()["response_format"],
        serde_json::json!({"type": "json_schema", "json_schema": {"strict": true}})
    );
    for bad in [r#"{"type":"#, r#"{"type":"json_object"} {}"#, ""] {
        let request = GenerationRequest::prompt("r2", "hi").response_format(bad);
        let err = chat(&server, false).generate(&request).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BadRequest, "{bad:?}");
        assert!(
            err.to_string()
                .contains("response_format is not valid JSON"),
            "{bad:?}: {err}"
        );
    }
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn status_codes_map_to_error_groups() {
    let cases: Vec<(Reply, ErrorKind)> = vec![
        (
            Reply::json(500, r#"{"error":{"message":"boom"}}"#),
            ErrorKind::Transient,
        ),
        (
            Reply::json(502, "<html>bad gateway</html>"),
            ErrorKind::Transient,
        ),
        (Reply::json(503, ""), ErrorKind::Transient),
        (
            Reply::json(429, r#"{"error":{"message":"slow down"}}"#),
            ErrorKind::RateLimited,
        ),
        (
            Reply::json(401, r#"{"error":{"message":"bad key"}}"#),
            ErrorKind::Auth,
        ),
        (
            Reply::json(403, r#"{"error":"forbidden"}"#),
            ErrorKind::Auth,
        ),
        (
            Reply::json(
                400,
                r#"{"error":{"code":"context_length_exceeded","message":"too long"}}"#,
            ),
            ErrorKind::BadRequest,
        ),
        (
            Reply::json(404, r#"{"error":"model 'x' not found"}"#),
            ErrorKind::BadRequest,
        ),
        (
            Reply::json(200, r#"{"choices": [{"message": {"content": "잘린"#),
            ErrorKind::MalformedResponse,
        ),
        (
            Reply::json(200, "not json at all"),
            ErrorKind::MalformedResponse,
        ),
        (
            Reply::json(200, r#"{"choices": []}"#),
            ErrorKind::MalformedResponse,
        ),
        (
            Reply::truncated(200, br#"{"choices":[{"mess"#.to_vec(), 500),
            ErrorKind::Transient,
        ),
        (Reply::reset(), ErrorKind::Transient),
    ];
    for (reply, want) in cases {
        let shown = format!("{reply:?}");
        let err = run(reply).await.expect_err(&shown);
        assert_eq!(err.kind(), want, "{shown}: {err}");
    }
}

#[tokio::test]
async fn retry_after_seconds_and_http_date_are_read() {
    let err = run(Reply::json(429, "{}").with_header("retry-after", "17"))
        .await
        .unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(17)));
    let later = std::time::SystemTime::now() + Duration::from_secs(120);
    let err = run(Reply::json(429, "{}").with_header("retry-after", &httpdate_fmt(later)))
        .await
        .unwrap_err();
    let d = err.retry_after().unwrap();
    assert!(
        d > Duration::from_secs(110) && d <= Duration::from_secs(120),
        "{d:?}"
    );
    let err = run(Reply::json(429, "{}").with_header("retry-after-ms", "250"))
        .await
        .unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_millis(250)));
}

fn httpdate_fmt(t: std::time::SystemTime) -> String {
    // RFC 7231 IMF-fixdate, formatted by hand to keep dev-dependencies small.
    let secs = t.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let days = secs / 86400;
    let (h, m, s) = ((secs % 86400) / 3600, (secs % 3600) / 60, secs % 60);
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days % 7) as usize];
    // civil_from_days (Howard Hinnant)
    let z = days as i64 + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(mo <= 2);
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][(mo - 1) as usize];
    format!("{weekday}, {d:02} {month} {y} {h:02}:{m:02}:{s:02} GMT")
}

#[tokio::test]
async fn blocks_in_each_openai_dialect() {
    let cases: Vec<(Reply, BlockReason)> = vec![
        (
            Reply::json(
                200,
                r#"{"choices":[{"message":{"content":null},"finish_reason":"content_filter","content_filter_results":{"violence":{"filtered":true,"severity":"high"}}}]}"#,
            ),
            BlockReason::ContentFilter,
        ),
        (
            Reply::json(
                400,
                r#"{"error":{"code":"content_policy_violation","message":"Your request was rejected by the safety system."}}"#,
            ),
            BlockReason::ContentPolicy,
        ),
        (
            Reply::json(
                400,
                r#"{"error":{"code":"content_filter","message":"filtered","innererror":{"code":"ResponsibleAIPolicyViolation"}}}"#,
            ),
            BlockReason::ContentPolicy,
        ),
        (
            Reply::json(
                200,
                r#"{"choices":[{"message":{"content":null,"refusal":"I can't help with that."},"finish_reason":"stop"}]}"#,
            ),
            BlockReason::Refusal,
        ),
        (
            Reply::json(
                200,
                r#"{"choices":[{"message":{"content":""},"finish_reason":"SAFETY"}]}"#,
            ),
            BlockReason::Safety,
        ),
    ];
    for (reply, want) in cases {
        let shown = format!("{reply:?}");
        let g = run(reply).await.expect(&shown);
        assert_eq!(
            g.output.as_blocked().map(|b| b.reason),
            Some(want),
            "{shown}"
        );
    }
    let g = run(Reply::json(200, r#"{"choices":[{"message":{"content":null},"finish_reason":"content_filter","content_filter_results":{"violence":{"filtered":true}}}]}"#)).await.unwrap();
    assert_eq!(
        g.output.as_blocked().unwrap().detail.as_deref(),
        Some("filtered: violence")
    );
}

fn sse_stream(pieces: &[&str], finish: &str, done: bool) -> String {
    let mut s = String::from(": keep-alive\n\n");
    s.push_str(
        "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"},\"finish_reason\":null}]}\n\n",
    );
    for p in pieces {
        let chunk =
            serde_json::json!({"choices": [{"delta": {"content": p}, "finish_reason": null}]});
        s.push_str(&format!("data: {chunk}\n\n"));
    }
    s.push_str(&format!(
        "data: {{\"choices\":[{{\"delta\":{{}},\"finish_reason\":\"{finish}\"}}]}}\n\n"
    ));
    s.push_str(
        "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":7}}\n\n",
    );
    if done {
        s.push_str("data: [DONE]\n\n");
    }
    s
}

#[tokio::test]
async fn streaming_assembles_the_same_generation() {
    let pieces = ["죄송하지만", " 그 요청은", " 도와드릴 수 없습니다."];
    let server = ScriptedServer::start(vec![
        Reply::sse_split(&sse_stream(&pieces, "stop", true), &[]),
        Reply::json(200, ok_body(&pieces.concat())),
    ])
    .unwrap();
    let streamed = chat(&server, true).generate(&req()).await.unwrap();
    let plain = chat(&server, false).generate(&req()).await.unwrap();
    assert_eq!(streamed.output, plain.output);
    assert_eq!(streamed.usage, plain.usage);
    let body = server.requests()[0].json();
    assert_eq!(body["stream"], true);
    assert_eq!(body["stream_options"]["include_usage"], true);
}

#[tokio::test]
async fn streaming_content_filter_and_early_end() {
    let g = run_stream(Reply::sse_split(
        &sse_stream(&["부분"], "content_filter", true),
        &[7, 40],
    ))
    .await
    .unwrap();
    assert_eq!(
        g.output.as_blocked().unwrap().reason,
        BlockReason::ContentFilter
    );
    let mut cut = sse_stream(&["안녕", "하세요"], "stop", true);
    cut.truncate(cut.find("\"finish_reason\":\"stop\"").unwrap() - 30);
    let err = run_stream(Reply::sse_split(&cut, &[5])).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transient, "{err}");
    let err = run_stream(Reply::sse_split("data: {not json}\n\n", &[]))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::MalformedResponse);
    let blocked =
        "data: {\"error\":{\"code\":\"content_policy_violation\",\"message\":\"no\"}}\n\n";
    let g = run_stream(Reply::sse_split(blocked, &[3])).await.unwrap();
    assert_eq!(
        g.output.as_blocked().unwrap().reason,
        BlockReason::ContentPolicy
    );
}

async fn run_stream(reply: Reply) -> Result<assurai_models::Generation, ModelError> {
    let server = ScriptedServer::start(vec![reply]).unwrap();
    chat(&server, true).generate(&req()).await
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    #[test]
    fn sse_split_at_any_bytes_gives_the_same_text(
        pieces in prop::collection::vec("[a-zA-Z0-9 가-힣.,!?\"\\\\]{0,10}", 1..8),
        cuts in prop::collection::vec(0usize..2000, 0..12),
        crlf in any::<bool>(),
    ) {
        let refs: Vec<&str> = pieces.iter().map(String::as_str).collect();
        let mut stream = sse_stream(&refs, "stop", true);
        if crlf {
            stream = stream.replace('\n', "\r\n");
        }
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let g = rt.block_on(run_stream(Reply::sse_split(&stream, &cuts))).unwrap();
        let want = pieces.concat();
        prop_assert_eq!(g.output.as_text(), Some(want.as_str()));
        prop_assert_eq!(g.usage.output_tokens, Some(7));
    }
}

#[tokio::test]
async fn timeout_and_retry_over_http() {
    let server = ScriptedServer::start(vec![
        Reply::json(200, ok_body("늦음")).delayed(Duration::from_secs(5)),
        Reply::json(503, r#"{"error":{"message":"overloaded"}}"#),
        Reply::reset(),
        Reply::json(429, "{}").with_header("retry-after-ms", "5"),
        Reply::json(200, ok_body("성공")),
    ])
    .unwrap();
    let model = ModelBuilder::new(chat(&server, false))
        .retry(
            RetryPolicy::new()
                .max_attempts(6)
                .backoff(Duration::from_millis(1), Duration::from_millis(5)),
        )
        .timeout(Duration::from_millis(200))
        .build();
    let g = model.generate(&req()).await.unwrap();
    assert_eq!(g.output.as_text(), Some("성공"));
    let kinds: Vec<_> = g
        .attempts
        .iter()
        .map(|a| match &a.outcome {
            assurai_models::AttemptOutcome::Error { kind, .. } => *kind,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ErrorKind::Timeout,
            ErrorKind::Transient,
            ErrorKind::Transient,
            ErrorKind::RateLimited
        ]
    );
    assert_eq!(server.request_count(), 5);
}

#[tokio::test]
async fn bad_request_is_not_retried() {
    let server = ScriptedServer::start(vec![
        Reply::json(400, r#"{"error":{"message":"bad"}}"#),
        Reply::json(200, ok_body("x")),
    ])
    .unwrap();
    let model = ModelBuilder::new(chat(&server, false))
        .retry(RetryPolicy::new().backoff(Duration::from_millis(1), Duration::from_millis(1)))
        .build();
    assert_eq!(
        model.generate(&req()).await.unwrap_err().kind(),
        ErrorKind::BadRequest
    );
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn the_key_never_appears_in_errors_or_debug() {
    let echo = format!(
        r#"{{"error":{{"message":"Incorrect API key provided: {KEY}. Header X-Org=assurai-team","code":"invalid_api_key"}}}}"#
    );
    let server = ScriptedServer::start(vec![
        Reply::json(401, &echo),
        Reply::json(500, &echo),
        Reply::json(429, &echo),
        Reply::json(200, format!("garbage {KEY}")),
    ])
    .unwrap();
    let model = chat(&server, false);
    let debug = format!("{model:?}");
    assert!(
        !debug.contains(KEY) && !debug.contains("assurai-team"),
        "{debug}"
    );
    for _ in 0..4 {
        let err = model.generate(&req()).await.unwrap_err();
        for text in [err.to_string(), format!("{err:?}")] {
            assert!(!text.contains(KEY), "{text}");
            assert!(!text.contains("assurai-team"), "{text}");
        }
    }
    let cfg = OpenAiConfig::new(server.base_url(), "m").api_key(KEY);
    assert!(!format!("{cfg:?}").contains(KEY));
}

#[tokio::test]
async fn connection_refused_is_transient() {
    let refused = assurai_mock_server::refused_base_url().unwrap();
    let model = OpenAiChat::new(OpenAiConfig::new(refused, "m").api_key(KEY)).unwrap();
    let err = model.generate(&req()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transient);
    assert!(!err.to_string().contains(KEY));
    assert!(matches!(Output::text("x"), Output::Text { .. }));
}

#[tokio::test]
async fn oversized_responses_are_refused_not_buffered() {
    let big = ok_body(&"가".repeat(10_000));
    let stream = sse_stream(&["가나다라마바사"; 200], "stop", true);
    let server = ScriptedServer::start(vec![
        Reply::json(200, &big),
        Reply::sse_split(&stream, &[100, 200, 300]),
        Reply::json(200, &big),
    ])
    .unwrap();
    let small = |stream: bool| {
        OpenAiChat::new(
            OpenAiConfig::new(server.base_url(), "m")
                .max_response_bytes(4096)
                .stream(stream),
        )
        .unwrap()
    };
    for stream in [false, true] {
        let err = small(stream).generate(&req()).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::MalformedResponse, "{err}");
        assert!(err.to_string().contains("4096 byte limit"), "{err}");
    }
    let ok = chat(&server, false).generate(&req()).await.unwrap();
    assert_eq!(ok.output.as_text().unwrap().chars().count(), 10_000);
}

/// What llama.cpp's server sends when a generation fails after the 200 (build 4748): a
/// non-standard `error:` field instead of `data:`.
#[tokio::test]
async fn in_band_stream_errors_are_errors_never_empty_outputs() {
    let head =
        "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"},\"finish_reason\":null}]}\n\n";
    let cases: &[(&str, ErrorKind)] = &[
        (
            "error: {\"code\":400,\"message\":\"the request exceeds the available context size, try increasing it\",\"type\":\"exceed_context_size_error\"}\n\n",
            ErrorKind::BadRequest,
        ),
        (
            "error: {\"code\":500,\"message\":\"slot unavailable\",\"type\":\"server_error\"}\n\ndata: [DONE]\n\n",
            ErrorKind::Transient,
        ),
        (
            "data: {\"error\":{\"message\":\"Internal error\",\"type\":\"server_error\"}}\n\ndata: [DONE]\n\n",
            ErrorKind::Transient,
        ),
        (
            "event: error\ndata: {\"error\":{\"code\":401,\"message\":\"bad key\"}}\n\n",
            ErrorKind::Auth,
        ),
        ("error: not json at all\n\n", ErrorKind::Transient),
    ];
    for (tail, kind) in cases {
        let stream = format!("{head}{tail}");
        let err = run_stream(Reply::sse_split(&stream, &[10]))
            .await
            .expect_err(tail);
        assert_eq!(err.kind(), *kind, "{tail}: {err}");
        assert!(err.to_string().contains("after answering 200"), "{err}");
    }
}

#[tokio::test]
async fn a_stream_or_answer_without_finish_reason_is_an_error() {
    // Cut mid-way, then closed properly with [DONE]: still incomplete.
    let mut s = sse_stream(&["안녕", "하세"], "stop", true);
    let at = s
        .find("data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"")
        .unwrap();
    s.replace_range(at..s.find("data: {\"choices\":[],").unwrap(), "");
    let err = run_stream(Reply::sse_split(&s, &[])).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transient, "{err}");
    assert!(
        err.to_string().contains("no event carried a finish_reason"),
        "{err}"
    );
    let err = run(Reply::json(
        200,
        r#"{"choices":[{"message":{"role":"assistant","content":"안녕하"}}]}"#,
    ))
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::MalformedResponse, "{err}");
}

#[tokio::test]
async fn finish_reason_is_kept_and_length_marks_truncation() {
    for stream in [false, true] {
        let reply = |finish: &str| {
            if stream {
                Reply::sse_split(&sse_stream(&["가나", "다"], finish, true), &[17])
            } else {
                Reply::json(
                    200,
                    serde_json::json!({"choices": [{"message": {"content": "가나다"}, "finish_reason": finish}]}).to_string(),
                )
            }
        };
        let server = ScriptedServer::start(vec![reply("length"), reply("stop")]).unwrap();
        let g = chat(&server, stream).generate(&req()).await.unwrap();
        assert_eq!(g.finish_reason.as_deref(), Some("length"));
        assert!(g.is_truncated());
        assert_eq!(g.output.as_text(), Some("가나다"));
        let g = chat(&server, stream).generate(&req()).await.unwrap();
        assert_eq!(g.finish_reason.as_deref(), Some("stop"));
        assert!(!g.is_truncated());
    }
}

#[tokio::test]
async fn a_huge_error_body_is_stored_cut_with_its_length() {
    let image = "A".repeat(2_000_000);
    let body = format!(
        r#"{{"error":{{"message":"cannot process data:image/png;base64,{image}","type":"server_error"}}}}"#
    );
    let err = run(Reply::json(400, &body)).await.unwrap_err();
    let text = err.to_string();
    assert!(text.len() < 5000, "{}", text.len());
    assert!(
        text.contains("bytes in all]"),
        "{}",
        &text[text.len() - 60..]
    );
}

#[tokio::test]
async fn attempts_are_counted_when_every_retry_fails() {
    let server = ScriptedServer::start(vec![]).unwrap(); // answers 500 to every request
    let model = ModelBuilder::new(chat(&server, false))
        .retry(
            RetryPolicy::new()
                .max_attempts(4)
                .backoff(Duration::ZERO, Duration::ZERO),
        )
        .build();
    let (result, calls) = assurai_models::layers::count_calls(model.generate(&req())).await;
    assert_eq!(result.unwrap_err().kind(), ErrorKind::Transient);
    assert_eq!(calls, 4);
    assert_eq!(server.requests().len(), 4);
}

#[tokio::test]
async fn the_circuit_breaker_opens_after_consecutive_refusals_and_auth_failures() {
    use assurai_models::layers::{CircuitBreaker, FailureClass};
    let refused = assurai_mock_server::refused_base_url().unwrap();
    let dead = OpenAiChat::new(OpenAiConfig::new(refused, "m")).unwrap();
    let err = dead.generate(&req()).await.unwrap_err();
    assert_eq!(
        FailureClass::of(&err),
        Some(FailureClass::ConnectionRefused),
        "{err}"
    );
    let breaker = CircuitBreaker::new(3);
    let model = ModelBuilder::new(dead)
        .circuit_breaker(breaker.clone())
        .build();
    for _ in 0..3 {
        assert_eq!(
            model.generate(&req()).await.unwrap_err().kind(),
            ErrorKind::Transient
        );
    }
    let reason = breaker.open_reason().expect("open after 3");
    assert!(reason.contains("start the server"), "{reason}");
    let err = model.generate(&req()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.to_string().contains("circuit breaker open"), "{err}");

    // 401s: a success in between resets the count.
    let denied = || Reply::json(401, r#"{"error":{"message":"bad key"}}"#);
    let server = ScriptedServer::start(vec![
        denied(),
        denied(),
        Reply::json(200, ok_body("안녕")),
        denied(),
        denied(),
        denied(),
    ])
    .unwrap();
    let breaker = CircuitBreaker::new(3);
    let model = ModelBuilder::new(chat(&server, false))
        .circuit_breaker(breaker.clone())
        .build();
    for _ in 0..5 {
        let _ = model.generate(&req()).await;
        assert!(breaker.open_reason().is_none());
    }
    let _ = model.generate(&req()).await;
    let reason = breaker
        .open_reason()
        .expect("open after 3 consecutive 401s");
    assert!(reason.contains("--api-key-env"), "{reason}");
    assert!(!reason.contains(KEY), "{reason}");
    let before = server.requests().len();
    let _ = model.generate(&req()).await;
    assert_eq!(
        server.requests().len(),
        before,
        "an open breaker sends nothing"
    );
}
