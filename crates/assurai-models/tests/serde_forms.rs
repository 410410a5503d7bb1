//! JSON forms of requests and generations, and data URLs, round-trip exactly.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::time::Duration;

use assurai_models::{
    AttemptOutcome, AttemptRecord, BlockReason, Blocked, ErrorKind, Generation, GenerationRequest,
    ImageData, Media, Output, Usage, Video, VideoData,
};
use proptest::prelude::*;

fn output() -> impl Strategy<Value = Output> {
    let bytes = prop::collection::vec(any::<u8>(), 0..64);
    prop_oneof![
        "[a-z가-힣 \"\\\\\n]{0,20}".prop_map(Output::text),
        bytes
            .clone()
            .prop_map(|b| Output::Image(Media::new("image/png", b))),
        bytes
            .clone()
            .prop_map(|b| Output::Audio(Media::new("audio/wav", b))),
        bytes.prop_map(|b| Output::Video(Video {
            mime: "video/mp4".into(),
            data: VideoData::Bytes { bytes: b }
        })),
        "[a-z/]{1,12}".prop_map(|p| Output::Video(Video {
            mime: "video/mp4".into(),
            data: VideoData::File {
                path: PathBuf::from(p)
            }
        })),
        (
            prop::sample::select(vec![
                BlockReason::ContentFilter,
                BlockReason::ContentPolicy,
                BlockReason::PromptBlocked,
                BlockReason::Safety,
                BlockReason::Refusal
            ]),
            prop::option::of("[A-Z_가-힣]{0,10}")
        )
            .prop_map(|(r, d)| Output::Blocked(Blocked::new(r, d))),
    ]
}

proptest! {
    #[test]
    fn generation_json_round_trips(
        out in output(),
        input in prop::option::of(0u64..1_000_000),
        micros in 0u64..10_000_000_000,
        blocked_before in any::<bool>(),
    ) {
        let mut g = Generation::new(out)
            .with_usage(Usage { input_tokens: input, output_tokens: Some(3) })
            .with_latency(Duration::from_micros(micros));
        if blocked_before {
            g.attempts.push(AttemptRecord {
                outcome: AttemptOutcome::Blocked(Blocked::new(BlockReason::Safety, None)),
                latency: Duration::from_millis(5),
                usage: Usage::default(),
            });
            g.attempts.push(AttemptRecord {
                outcome: AttemptOutcome::Error { kind: ErrorKind::RateLimited, message: "429 너무 많음".into() },
                latency: Duration::from_millis(1),
                usage: Usage::default(),
            });
        }
        let json = serde_json::to_string(&g).unwrap();
        let back: Generation = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&back.output, &g.output);
        prop_assert_eq!(back.usage, g.usage);
        prop_assert_eq!(&back.attempts, &g.attempts);
        let diff = back.latency.abs_diff(g.latency);
        prop_assert!(diff <= Duration::from_nanos(1), "{:?} vs {:?}", back.latency, g.latency);
    }

    #[test]
    fn data_urls_round_trip(bytes in prop::collection::vec(any::<u8>(), 0..300), mime in "image/[a-z]{2,6}") {
        let img = ImageData::new(mime, bytes);
        prop_assert_eq!(ImageData::from_data_url(&img.to_data_url()).unwrap(), img);
    }

    #[test]
    fn data_url_parser_never_panics(s in "\\PC{0,80}") {
        let _ = ImageData::from_data_url(&s);
    }

    #[test]
    fn request_json_round_trips(text in "[a-z가-힣 ]{0,30}", seed in any::<u64>(), img in prop::collection::vec(any::<u8>(), 0..32)) {
        let r = GenerationRequest::new("r").instance("I-1").system("s").user(text.clone())
            .user_image(text, ImageData::new("image/jpeg", img)).assistant("a").seed(seed).stop("</s>");
        let back: GenerationRequest = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        prop_assert_eq!(back, r);
    }
}

#[test]
fn stable_json_shapes() {
    let g = Generation::new(Output::Blocked(Blocked::new(
        BlockReason::ContentFilter,
        Some("violence".into()),
    )));
    assert_eq!(
        serde_json::to_string(&g).unwrap(),
        r#"{"output":{"type":"blocked","reason":"content_filter","detail":"violence"},"usage":{},"latency_ms":0.0}"#
    );
    let g = Generation::new(Output::Image(Media::new("image/png", vec![1, 2, 3])));
    assert_eq!(
        serde_json::to_value(&g).unwrap()["output"],
        serde_json::json!({"type": "image", "mime": "image/png", "base64": "AQID"})
    );
    for bad in [
        "",
        "data:",
        "data:image/png,abc",
        "data:;base64,AAAA",
        "data:image/png;base64,@@@",
        "http://x/y.png",
    ] {
        assert!(ImageData::from_data_url(bad).is_err(), "{bad:?}");
    }
}
