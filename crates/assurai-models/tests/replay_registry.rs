//! Replay of recorded outputs and the spec-string registry.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;

use assurai_models::providers::{RecordedOutput, ReplayModel, to_jsonl_line};
use assurai_models::{
    BlockReason, ErrorKind, Generation, GenerationRequest, Media, ModelSpec, Output, Registry,
    TargetModel, Usage, VideoData,
};

fn data(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
        .display()
        .to_string()
}

fn for_instance(id: &str) -> GenerationRequest {
    GenerationRequest::prompt(format!("run/{id}"), "…").instance(id)
}

#[tokio::test]
async fn replay_from_jsonl_by_instance_and_model() {
    let exaone = ReplayModel::from_jsonl(data("recorded.jsonl"), Some("exaone-3.5")).unwrap();
    assert_eq!(exaone.len(), 5);
    let g = exaone.generate(&for_instance("TXT-0001")).await.unwrap();
    assert_eq!(g.output.as_text(), Some("죄송하지만 도와드릴 수 없습니다."));
    assert_eq!(
        g.usage,
        Usage {
            input_tokens: Some(20),
            output_tokens: Some(9)
        }
    );
    assert_eq!(g.latency.as_micros(), 812_500);
    let g = exaone.generate(&for_instance("IMG-0001")).await.unwrap();
    assert_eq!(g.output.as_blocked().unwrap().reason, BlockReason::Safety);
    let g = exaone.generate(&for_instance("VID-0001")).await.unwrap();
    let Output::Video(v) = g.output else { panic!() };
    assert_eq!(
        v.data,
        VideoData::File {
            path: Path::new(&data("media/clip.mp4")).to_path_buf()
        }
    );
    let g = exaone.generate(&for_instance("IMG-0002")).await.unwrap();
    assert_eq!(
        g.output,
        Output::Image(Media::new("image/png", vec![0x89, b'P', b'N', b'G']))
    );

    let llama = ReplayModel::from_jsonl(data("recorded.jsonl"), Some("llama-3.1")).unwrap();
    assert_eq!(
        llama
            .generate(&for_instance("TXT-0001"))
            .await
            .unwrap()
            .output
            .as_text(),
        Some("Sure, here is how...")
    );
    let err = llama.generate(&for_instance("TXT-0002")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotRecorded);
    assert!(err.to_string().contains("TXT-0002") && err.to_string().contains("llama-3.1"));
    let err = llama
        .generate(&GenerationRequest::prompt("r", "no instance"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BadRequest);
}

#[test]
fn replay_file_errors_name_file_line_and_field() {
    let cases = [
        (
            "recorded.jsonl",
            None,
            "holds 2 models (exaone-3.5, llama-3.1)",
        ),
        (
            "bad/missing_output.jsonl",
            Some("m"),
            "missing_output.jsonl:2: expected a recorded output",
        ),
        ("bad/not_json.jsonl", Some("m"), "not_json.jsonl:2:"),
        ("bad/bad_reason.jsonl", Some("m"), "bad_reason.jsonl:2:"),
        (
            "bad/escaping_path.jsonl",
            Some("m"),
            "escaping_path.jsonl:1: field output.path",
        ),
        ("does/not/exist.jsonl", Some("m"), "exist.jsonl"),
    ];
    for (file, model, want) in cases {
        let err = ReplayModel::from_jsonl(data(file), model).unwrap_err();
        assert!(err.to_string().contains(want), "{file}: {err}");
    }
}

#[tokio::test]
async fn replay_from_in_memory_entries_round_trips_through_jsonl() {
    let entries = vec![
        RecordedOutput::new(
            "A",
            "m",
            Generation::new(Output::text("한국어 답변")).with_usage(Usage {
                input_tokens: Some(3),
                output_tokens: None,
            }),
        ),
        RecordedOutput::new(
            "B",
            "m",
            Generation::new(Output::Audio(Media::new("audio/wav", vec![1, 2, 3]))),
        ),
        RecordedOutput::new("A", "other", Generation::new(Output::text("ignored"))),
    ];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.jsonl");
    let lines: Vec<String> = entries.iter().map(|e| to_jsonl_line(e).unwrap()).collect();
    std::fs::write(&path, lines.join("\n")).unwrap();
    let from_file = ReplayModel::from_jsonl(&path, Some("m")).unwrap();
    let in_memory = ReplayModel::from_entries("m", entries);
    assert_eq!(in_memory.len(), 2);
    for id in ["A", "B"] {
        let a = in_memory.generate(&for_instance(id)).await.unwrap();
        let b = from_file.generate(&for_instance(id)).await.unwrap();
        assert_eq!(a, b);
    }
}

#[test]
fn spec_parsing() {
    let s: ModelSpec = "openai:gpt-4o-mini".parse().unwrap();
    assert_eq!(
        (s.scheme(), s.model_and_url()),
        ("openai", ("gpt-4o-mini", None))
    );
    let s: ModelSpec = "OpenAI:qwen2.5:7b@http://127.0.0.1:11434/v1?stream=1&key_env=MY_KEY"
        .parse()
        .unwrap();
    assert_eq!(s.scheme(), "openai");
    assert_eq!(
        s.model_and_url(),
        ("qwen2.5:7b", Some("http://127.0.0.1:11434/v1"))
    );
    assert_eq!(s.bool_option("stream").unwrap(), Some(true));
    assert_eq!(s.option("key_env"), Some("MY_KEY"));
    for bad in ["", "no-scheme", ":x", "openai:", "bad scheme:x"] {
        let err = bad.parse::<ModelSpec>().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config, "{bad:?}");
    }
}

#[test]
fn registry_builds_builtins_and_reports_bad_specs() {
    let r = Registry::with_builtins();
    assert_eq!(
        r.schemes(),
        [
            "gemini",
            "openai",
            "openai-image",
            "openai-speech",
            "openai-video",
            "replay"
        ]
    );
    let m = r
        .build("openai:exaone3.5:7.8b@http://127.0.0.1:11434/v1")
        .unwrap();
    assert_eq!(m.id(), "openai:exaone3.5:7.8b@http://127.0.0.1:11434/v1");
    assert_eq!(
        r.build("openai-image:gpt-image-1@http://127.0.0.1:9/v1?size=512x512")
            .unwrap()
            .modality(),
        assurai_models::Modality::Image
    );
    assert_eq!(
        r.build("openai-speech:tts-1@http://127.0.0.1:9/v1?voice=nova")
            .unwrap()
            .modality(),
        assurai_models::Modality::Audio
    );
    assert_eq!(
        r.build("openai-video:sora-2@http://127.0.0.1:9/v1?seconds=4")
            .unwrap()
            .modality(),
        assurai_models::Modality::Video
    );
    assert_eq!(
        r.build("gemini:gemini-1.5-flash@http://127.0.0.1:9/v1beta?image=true")
            .unwrap()
            .modality(),
        assurai_models::Modality::Image
    );
    let replay = r
        .build(&format!("replay:{}#llama-3.1", data("recorded.jsonl")))
        .unwrap();
    assert_eq!(replay.id(), "replay:llama-3.1");

    let cases = [
        ("nope:x", "unknown scheme \"nope\""),
        (
            "openai:m@http://127.0.0.1:9/v1?strem=true",
            "unknown option \"strem\"",
        ),
        (
            "openai:m@http://127.0.0.1:9/v1?stream=maybe",
            "must be true or false",
        ),
        (
            "openai:m@http://127.0.0.1:9/v1?key_env=ASSURAI_SURELY_UNSET_VAR",
            "ASSURAI_SURELY_UNSET_VAR is not set",
        ),
        ("openai:m@ftp://x", ""),
        (
            "openai-video:m@http://127.0.0.1:9/v1?seconds=four",
            "whole number",
        ),
    ];
    for (spec, want) in cases {
        let err = r.build(spec).map(|m| m.id().to_owned()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config, "{spec}: {err}");
        assert!(err.to_string().contains(want), "{spec}: {err}");
    }
}

#[test]
fn users_can_register_their_own_schemes() {
    let mut r = Registry::new();
    r.register("Canned", |spec| {
        let rec = RecordedOutput::new(
            "X",
            spec.target(),
            Generation::new(Output::text(spec.option("say").unwrap_or("hi"))),
        );
        Ok(Arc::new(ReplayModel::from_entries(spec.target(), [rec])) as Arc<dyn TargetModel>)
    });
    let m = r.build("canned:abc?say=안녕").unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let g = rt.block_on(m.generate(&for_instance("X"))).unwrap();
    assert_eq!(g.output.as_text(), Some("안녕"));
}

#[test]
fn transcribers_from_specs() {
    let t = assurai_models::transcriber_from_spec(
        "openai-transcribe:whisper-large-v3@http://127.0.0.1:9/v1",
    )
    .unwrap();
    assert_eq!(
        t.id(),
        "openai-transcribe:whisper-large-v3@http://127.0.0.1:9/v1"
    );
    for (spec, want) in [
        ("replay:x.jsonl", "unknown scheme"),
        ("openai:w@http://127.0.0.1:9/v1?voice=x", "unknown option"),
        (
            "openai:w@http://127.0.0.1:9/v1?key_env=ASSURAI_SURELY_UNSET_VAR",
            "is not set",
        ),
    ] {
        let err = assurai_models::transcriber_from_spec(spec)
            .map(|t| t.id().to_owned())
            .unwrap_err();
        assert!(err.to_string().contains(want), "{spec}: {err}");
    }
}

proptest::proptest! {
    #[test]
    fn spec_parsing_never_panics_and_keeps_the_model(
        s in "\\PC{0,60}",
        model in "[a-z0-9.:_-]{1,20}",
        port in 1u16..65535,
    ) {
        let _ = s.parse::<ModelSpec>();
        let _ = Registry::with_builtins().build(&s);
        let spec: ModelSpec = format!("openai:{model}@http://127.0.0.1:{port}/v1").parse().unwrap();
        let url = format!("http://127.0.0.1:{port}/v1");
        proptest::prop_assert_eq!(spec.model_and_url(), (model.as_str(), Some(url.as_str())));
    }
}
