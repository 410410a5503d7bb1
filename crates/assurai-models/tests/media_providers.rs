//! Image, speech, transcription, video and Gemini providers against a scripted local server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::time::Duration;

use assurai_models::providers::{
    GeminiGenerate, OpenAiConfig, OpenAiImages, OpenAiSpeech, OpenAiTranscriber, OpenAiVideo,
};
use assurai_models::{
    BlockReason, ErrorKind, GenerationRequest, ImageData, Media, Modality, Output, TargetModel,
    Transcriber, TranscriptionRequest, VideoData,
};
use base64::Engine as _;
use support::{JsonBody, Reply, ScriptedServer};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n-fake-png-bytes";

fn cfg(server: &ScriptedServer, model: &str) -> OpenAiConfig {
    OpenAiConfig::new(server.base_url(), model).api_key("sk-media-secret")
}

fn prompt() -> GenerationRequest {
    GenerationRequest::prompt("r1", "서울의 야경을 그려줘").instance("IMG-0001")
}

#[tokio::test]
async fn image_generation_b64_json() {
    let b64 = base64::engine::general_purpose::STANDARD.encode(PNG);
    let server = ScriptedServer::start(vec![Reply::json(
        200,
        format!(r#"{{"created":1,"data":[{{"b64_json":"{b64}"}}]}}"#),
    )])
    .unwrap();
    let model = OpenAiImages::new(cfg(&server, "gpt-image-1"))
        .unwrap()
        .size("1024x1024");
    assert_eq!(model.modality(), Modality::Image);
    let g = model.generate(&prompt()).await.unwrap();
    match g.output {
        Output::Image(m) => {
            assert_eq!(m.mime, "image/png");
            assert_eq!(m.bytes, PNG);
        }
        other => panic!("{other:?}"),
    }
    let r = &server.requests()[0];
    assert_eq!(r.path, "/v1/images/generations");
    let body = r.json();
    assert_eq!(body["prompt"], "서울의 야경을 그려줘");
    assert_eq!(body["response_format"], "b64_json");
    assert_eq!(body["size"], "1024x1024");
}

#[tokio::test]
async fn image_blocks_and_errors() {
    let cases: Vec<(Reply, Result<BlockReason, ErrorKind>)> = vec![
        (
            Reply::json(200, r#"{"created":1,"data":[]}"#),
            Ok(BlockReason::Refusal),
        ),
        (
            Reply::json(200, r#"{"data":[],"refusal":"I can't create that image."}"#),
            Ok(BlockReason::Refusal),
        ),
        (
            Reply::json(
                400,
                r#"{"error":{"code":"moderation_blocked","message":"Your request was rejected by the safety system."}}"#,
            ),
            Ok(BlockReason::ContentPolicy),
        ),
        (
            Reply::json(
                400,
                r#"{"error":{"code":"content_policy_violation","message":"no"}}"#,
            ),
            Ok(BlockReason::ContentPolicy),
        ),
        (
            Reply::json(200, r#"{"data":[{"b64_json":"%%%not base64"}]}"#),
            Err(ErrorKind::MalformedResponse),
        ),
        (
            Reply::json(200, r#"{"created":1}"#),
            Err(ErrorKind::MalformedResponse),
        ),
        (Reply::json(503, "{}"), Err(ErrorKind::Transient)),
    ];
    for (reply, want) in cases {
        let shown = format!("{reply:?}");
        let server = ScriptedServer::start(vec![reply]).unwrap();
        let got = OpenAiImages::new(cfg(&server, "m"))
            .unwrap()
            .generate(&prompt())
            .await;
        let got = got
            .map(|g| g.output.as_blocked().expect(&shown).reason)
            .map_err(|e| e.kind());
        assert_eq!(got, want, "{shown}");
    }
    let g = {
        let server = ScriptedServer::start(vec![Reply::json(
            200,
            r#"{"data":[],"refusal":"안 됩니다"}"#,
        )])
        .unwrap();
        OpenAiImages::new(cfg(&server, "m"))
            .unwrap()
            .generate(&prompt())
            .await
            .unwrap()
    };
    assert_eq!(
        g.output.as_blocked().unwrap().detail.as_deref(),
        Some("안 됩니다")
    );
}

#[tokio::test]
async fn image_by_url_is_downloaded() {
    // The API answers with a URL on a second server, which serves the bytes.
    let files = ScriptedServer::start(vec![Reply::bytes(200, "image/png", PNG.to_vec())]).unwrap();
    let url = format!("http://{}/files/img.png", files.addr());
    let api = ScriptedServer::start(vec![Reply::json(
        200,
        format!(r#"{{"data":[{{"url":"{url}"}}]}}"#),
    )])
    .unwrap();
    let g = OpenAiImages::new(cfg(&api, "m"))
        .unwrap()
        .generate(&prompt())
        .await
        .unwrap();
    assert!(matches!(g.output, Output::Image(ref m) if m.bytes == PNG && m.mime == "image/png"));
    assert_eq!(files.requests()[0].path, "/files/img.png");
}

#[tokio::test]
async fn speech_returns_audio() {
    let server = ScriptedServer::start(vec![Reply::bytes(
        200,
        "audio/mpeg",
        b"ID3fake-mp3".to_vec(),
    )])
    .unwrap();
    let model = OpenAiSpeech::new(cfg(&server, "tts-1"))
        .unwrap()
        .voice("nova");
    assert_eq!(model.modality(), Modality::Audio);
    let g = model
        .generate(&GenerationRequest::prompt("r", "안녕하세요, 반갑습니다."))
        .await
        .unwrap();
    assert!(
        matches!(g.output, Output::Audio(ref m) if m.mime == "audio/mpeg" && m.bytes == b"ID3fake-mp3")
    );
    let body = server.requests()[0].json();
    assert_eq!(server.requests()[0].path, "/v1/audio/speech");
    assert_eq!(body["input"], "안녕하세요, 반갑습니다.");
    assert_eq!(body["voice"], "nova");
    assert_eq!(body["response_format"], "mp3");
    // Image input is not something a speech model takes.
    let err = model
        .generate(
            &GenerationRequest::new("r").user_image("x", ImageData::new("image/png", PNG.to_vec())),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
}

#[tokio::test]
async fn transcription_sends_multipart_and_reads_text() {
    let server = ScriptedServer::start(vec![Reply::json(
        200,
        r#"{"text":" 안녕하세요 여러분 ","language":"korean","duration":2.5}"#,
    )])
    .unwrap();
    let t = OpenAiTranscriber::new(cfg(&server, "whisper-1")).unwrap();
    let wav = b"RIFF\x24\x00\x00\x00WAVEfmt fake".to_vec();
    let out = t
        .transcribe(
            &TranscriptionRequest::new(Media::new("audio/wav", wav.clone()))
                .language("ko")
                .prompt("인사말"),
        )
        .await
        .unwrap();
    assert_eq!(out.text, "안녕하세요 여러분");
    assert_eq!(out.language.as_deref(), Some("korean"));
    assert_eq!(out.duration, Some(Duration::from_millis(2500)));
    let r = &server.requests()[0];
    assert_eq!(r.path, "/v1/audio/transcriptions");
    assert!(
        r.header("content-type")
            .unwrap()
            .starts_with("multipart/form-data; boundary=")
    );
    let body = String::from_utf8_lossy(&r.body);
    assert!(
        body.contains("name=\"file\"; filename=\"audio.wav\""),
        "{body}"
    );
    assert!(body.contains("Content-Type: audio/wav"), "{body}");
    assert!(body.contains("name=\"model\"\r\n\r\nwhisper-1"), "{body}");
    assert!(body.contains("name=\"language\"\r\n\r\nko"), "{body}");
    assert!(body.contains("name=\"prompt\"\r\n\r\n인사말"), "{body}");
    assert!(r.body.windows(wav.len()).any(|w| w == wav.as_slice()));

    let server = ScriptedServer::start(vec![Reply::json(200, r#"{"txt":"oops"}"#)]).unwrap();
    let err = OpenAiTranscriber::new(cfg(&server, "whisper-1"))
        .unwrap()
        .transcribe(&TranscriptionRequest::new(Media::new(
            "audio/wav",
            vec![1, 2],
        )))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::MalformedResponse);
}

#[tokio::test]
async fn transcription_usage_is_read_when_billed_in_tokens_and_unknown_otherwise() {
    let server = ScriptedServer::start(vec![
        Reply::json(
            200,
            r#"{"text":"네","usage":{"type":"tokens","input_tokens":14,"output_tokens":45,"total_tokens":59}}"#,
        ),
        Reply::json(
            200,
            r#"{"text":"네","usage":{"type":"duration","seconds":3}}"#,
        ),
    ]).unwrap();
    let t = OpenAiTranscriber::new(cfg(&server, "gpt-4o-transcribe")).unwrap();
    let request = TranscriptionRequest::new(Media::new("audio/wav", vec![1, 2]));
    let billed = t.transcribe(&request).await.unwrap();
    assert_eq!(
        (billed.usage.input_tokens, billed.usage.output_tokens),
        (Some(14), Some(45))
    );
    let by_duration = t.transcribe(&request).await.unwrap();
    assert_eq!(
        (
            by_duration.usage.input_tokens,
            by_duration.usage.output_tokens
        ),
        (None, None)
    );
}

#[tokio::test]
async fn tokenize_reads_vllm_and_llama_cpp_answers_and_sends_one_body_for_both() {
    use assurai_models::providers::OpenAiTokenizer;
    use assurai_models::{Message, Role};
    let server = ScriptedServer::start(vec![
        // vLLM: the chat form, counted through the template.
        Reply::json(
            200,
            r#"{"count":7,"max_model_len":4096,"tokens":[1,2,3,4,5,6,7]}"#,
        ),
        // llama.cpp's server: the content's tokens.
        Reply::json(200, r#"{"tokens":[11,12,13]}"#),
        Reply::json(200, r#"{"tokens_count":3}"#),
        // No /tokenize: llama-cpp-python's /extras/tokenize answers, and is asked from then on.
        Reply::json(404, r#"{"detail":"Not Found"}"#),
        Reply::json(200, r#"{"tokens":[21,22]}"#),
        Reply::json(200, r#"{"tokens":[31]}"#),
        Reply::json(404, r#"{"detail":"Not Found"}"#),
    ])
    .unwrap();
    let t = OpenAiTokenizer::new(cfg(&server, "local-7b")).unwrap();
    assert!(
        t.url().ends_with("/tokenize") && !t.url().contains("/v1/"),
        "{}",
        t.url()
    );
    let msgs = [
        Message::text(Role::System, "규칙"),
        Message::text(Role::User, "안녕하세요"),
    ];
    let vllm = t.count(&msgs).await.unwrap();
    assert_eq!(
        (vllm.tokens, vllm.max_model_len, vllm.chat_template),
        (7, Some(4096), true)
    );
    let llama = t.count(&msgs).await.unwrap();
    assert_eq!(
        (llama.tokens, llama.max_model_len, llama.chat_template),
        (3, None, false)
    );
    assert_eq!(
        t.count(&msgs).await.unwrap_err().kind(),
        ErrorKind::MalformedResponse
    );
    assert_eq!(t.count(&msgs).await.unwrap().tokens, 2);
    assert_eq!(t.count(&msgs).await.unwrap().tokens, 1);
    let missing = t.count(&msgs).await.unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::BadRequest, "{missing}");
    assert!(missing.to_string().contains("404"), "{missing}");
    let paths: Vec<String> = server.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(
        paths,
        [
            "/tokenize",
            "/tokenize",
            "/tokenize",
            "/tokenize",
            "/extras/tokenize",
            "/extras/tokenize",
            "/extras/tokenize"
        ]
    );
    let extras = server.requests()[4].json();
    assert_eq!(extras["input"], "규칙\n안녕하세요");
    let r = &server.requests()[0];
    assert_eq!(r.path, "/tokenize");
    let body = r.json();
    assert_eq!(body["model"], "local-7b");
    assert_eq!(body["messages"][1]["role"], "user");
    assert_eq!(body["messages"][1]["content"], "안녕하세요");
    assert_eq!(body["add_generation_prompt"], true);
    assert_eq!(body["content"], "규칙\n안녕하세요");
    assert_eq!(
        r.header("authorization"),
        Some("Bearer sk-media-secret"),
        "the configured key goes with it"
    );
}

#[tokio::test]
async fn video_job_create_poll_download() {
    let server = ScriptedServer::start(vec![
        Reply::json(
            200,
            r#"{"id":"video_abc123","object":"video","status":"queued","progress":0}"#,
        ),
        Reply::json(
            200,
            r#"{"id":"video_abc123","status":"in_progress","progress":40}"#,
        ),
        Reply::json(
            200,
            r#"{"id":"video_abc123","status":"completed","progress":100}"#,
        ),
        Reply::bytes(200, "video/mp4", b"\x00\x00\x00\x18ftypmp42fake".to_vec()),
    ])
    .unwrap();
    let model = OpenAiVideo::new(cfg(&server, "sora-2"))
        .unwrap()
        .seconds(4)
        .poll_interval(Duration::from_millis(5));
    assert_eq!(model.modality(), Modality::Video);
    let g = model
        .generate(&GenerationRequest::prompt("r", "한강을 달리는 자전거"))
        .await
        .unwrap();
    match &g.output {
        Output::Video(v) => {
            assert_eq!(v.mime, "video/mp4");
            assert!(
                matches!(&v.data, VideoData::Bytes { bytes } if bytes.starts_with(b"\x00\x00\x00\x18ftyp"))
            );
        }
        other => panic!("{other:?}"),
    }
    let paths: Vec<String> = server
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        paths,
        [
            "POST /v1/videos",
            "GET /v1/videos/video_abc123",
            "GET /v1/videos/video_abc123",
            "GET /v1/videos/video_abc123/content"
        ]
    );
    let create = String::from_utf8_lossy(&server.requests()[0].body).into_owned();
    assert!(
        create.contains("한강을 달리는 자전거") && create.contains("name=\"seconds\"\r\n\r\n4"),
        "{create}"
    );
}

#[tokio::test]
async fn video_to_file_and_moderation_block() {
    let dir = tempfile::tempdir().unwrap();
    let server = ScriptedServer::start(vec![
        Reply::json(200, r#"{"id":"vid_1","status":"completed"}"#),
        Reply::bytes(200, "video/mp4", b"mp4-bytes".to_vec()),
        Reply::json(200, r#"{"id":"vid_2","status":"queued"}"#),
        Reply::json(200, r#"{"id":"vid_2","status":"failed","error":{"code":"moderation_blocked","message":"violates policy"}}"#),
        Reply::json(200, r#"{"id":"../../etc","status":"queued"}"#),
    ]).unwrap();
    let model = OpenAiVideo::new(cfg(&server, "sora-2"))
        .unwrap()
        .poll_interval(Duration::from_millis(1))
        .output_dir(dir.path());
    let g = model.generate(&prompt()).await.unwrap();
    let Output::Video(v) = g.output else { panic!() };
    let VideoData::File { path } = v.data else {
        panic!()
    };
    assert_eq!(path, dir.path().join("vid_1.mp4"));
    assert_eq!(std::fs::read(&path).unwrap(), b"mp4-bytes");
    let g = model.generate(&prompt()).await.unwrap();
    assert_eq!(
        g.output.as_blocked().unwrap().reason,
        BlockReason::ContentPolicy
    );
    let err = model.generate(&prompt()).await.unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::MalformedResponse,
        "job ids are never used as paths unchecked"
    );
}

#[tokio::test]
async fn video_gives_up_after_max_wait() {
    let replies = (0..50).map(|_| Reply::json(200, r#"{"id":"v","status":"in_progress"}"#));
    let server = ScriptedServer::start(replies).unwrap();
    let model = OpenAiVideo::new(cfg(&server, "m"))
        .unwrap()
        .poll_interval(Duration::from_millis(10))
        .max_wait(Duration::from_millis(60));
    let err = model.generate(&prompt()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
}

fn gemini(server: &ScriptedServer) -> GeminiGenerate {
    GeminiGenerate::new(
        OpenAiConfig::new(
            format!("http://{}/v1beta", server.addr()),
            "gemini-1.5-flash",
        )
        .header("x-goog-api-key", "AIza-secret"),
    )
    .unwrap()
}

#[tokio::test]
async fn gemini_text_and_blocks() {
    let cases: Vec<(&str, Result<Option<BlockReason>, ErrorKind>)> = vec![
        (
            r#"{"candidates":[{"content":{"parts":[{"text":"안녕"},{"text":"하세요"}],"role":"model"},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":3}}"#,
            Ok(None),
        ),
        (
            r#"{"promptFeedback":{"blockReason":"SAFETY","safetyRatings":[]}}"#,
            Ok(Some(BlockReason::PromptBlocked)),
        ),
        (
            r#"{"candidates":[{"finishReason":"SAFETY","safetyRatings":[{"category":"HARM_CATEGORY_DANGEROUS_CONTENT","probability":"HIGH"}]}]}"#,
            Ok(Some(BlockReason::Safety)),
        ),
        (
            r#"{"candidates":[{"content":{"parts":[]},"finishReason":"PROHIBITED_CONTENT"}]}"#,
            Ok(Some(BlockReason::Safety)),
        ),
        (r#"{"candidates":[]}"#, Ok(Some(BlockReason::Refusal))),
        (r#"{"foo":1}"#, Err(ErrorKind::MalformedResponse)),
    ];
    for (body, want) in cases {
        let server = ScriptedServer::start(vec![Reply::json(200, body)]).unwrap();
        let got = gemini(&server)
            .generate(
                &GenerationRequest::new("r")
                    .system("규칙")
                    .user("질문")
                    .assistant("답")
                    .user("또 질문"),
            )
            .await;
        let got_kind = got
            .as_ref()
            .map(|g| g.output.as_blocked().map(|b| b.reason))
            .map_err(|e| e.kind());
        assert_eq!(got_kind, want, "{body}");
        if want == Ok(None) {
            let g = got.unwrap();
            assert_eq!(g.output.as_text(), Some("안녕하세요"));
            assert_eq!(g.usage.input_tokens, Some(5));
            let r = &server.requests()[0];
            assert_eq!(r.path, "/v1beta/models/gemini-1.5-flash:generateContent");
            assert_eq!(r.header("x-goog-api-key"), Some("AIza-secret"));
            let b = r.json();
            assert_eq!(b["systemInstruction"]["parts"][0]["text"], "규칙");
            assert_eq!(b["contents"][1]["role"], "model");
            assert_eq!(b["contents"].as_array().unwrap().len(), 3);
        }
    }
}

#[tokio::test]
async fn gemini_image_output_and_image_safety() {
    let b64 = base64::engine::general_purpose::STANDARD.encode(PNG);
    let server = ScriptedServer::start(vec![
        Reply::json(200, format!(r#"{{"candidates":[{{"content":{{"parts":[{{"text":"여기"}},{{"inlineData":{{"mimeType":"image/png","data":"{b64}"}}}}]}},"finishReason":"STOP"}}]}}"#)),
        Reply::json(200, r#"{"candidates":[{"finishReason":"IMAGE_SAFETY"}]}"#),
        Reply::json(200, r#"{"candidates":[{"content":{"parts":[{"text":"I can't draw that."}]},"finishReason":"STOP"}]}"#),
    ]).unwrap();
    let model = gemini(&server).image_output();
    assert_eq!(model.modality(), Modality::Image);
    let g = model.generate(&prompt()).await.unwrap();
    assert!(matches!(g.output, Output::Image(ref m) if m.bytes == PNG));
    assert_eq!(
        server.requests()[0].json()["generationConfig"]["responseModalities"][1],
        "IMAGE"
    );
    let g = model.generate(&prompt()).await.unwrap();
    assert_eq!(g.output.as_blocked().unwrap().reason, BlockReason::Safety);
    let g = model.generate(&prompt()).await.unwrap();
    let b = g.output.as_blocked().unwrap();
    assert_eq!(
        (b.reason, b.detail.as_deref()),
        (BlockReason::Refusal, Some("I can't draw that."))
    );
}
