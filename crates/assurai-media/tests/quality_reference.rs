//! Frame-quality figures against numpy reference values (`tests/data/quality_reference.py`).
#![allow(clippy::unwrap_used)]

use assurai_media::{FrameDefect, FrameFilter, measure_frame, quality::combined_score};

#[test]
fn matches_numpy_reference() {
    let reference: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("tests/data/quality-reference.json").unwrap(),
    )
    .unwrap();
    let cases = reference.as_array().unwrap();
    assert_eq!(cases.len(), 3);
    for case in cases {
        let file = case["file"].as_str().unwrap();
        let rgb = std::fs::read(format!("tests/data/{file}")).unwrap();
        let (w, h) = (
            case["width"].as_u64().unwrap() as u32,
            case["height"].as_u64().unwrap() as u32,
        );
        let q = measure_frame(&rgb, w, h).unwrap();
        for (name, ours) in [
            ("sharpness", q.sharpness),
            ("entropy", q.entropy),
            ("brightness", q.brightness),
            ("contrast", q.contrast),
        ] {
            let expected = case[name].as_f64().unwrap();
            assert!(
                (ours - expected).abs() <= 1e-9 * expected.abs().max(1.0),
                "{file} {name}: {ours} vs numpy {expected}"
            );
        }
        assert_eq!(q.score, combined_score(q.sharpness, q.entropy));
    }
}

#[test]
fn sharp_outscores_blurred() {
    let sharp = measure_frame(
        &std::fs::read("tests/data/testsrc2-64x48.rgb").unwrap(),
        64,
        48,
    )
    .unwrap();
    let blurred = measure_frame(
        &std::fs::read("tests/data/testsrc2-blur-64x48.rgb").unwrap(),
        64,
        48,
    )
    .unwrap();
    // Blurring raises grey-level entropy here, yet the combined score prefers the sharp frame.
    assert!(blurred.entropy > sharp.entropy);
    assert!(sharp.score > blurred.score + 0.1, "{sharp:?} {blurred:?}");
}

#[test]
fn score_formula_values() {
    assert_eq!(combined_score(0.0, 0.0), 0.0);
    assert_eq!(combined_score(9_999.0, 8.0), 1.0);
    assert_eq!(combined_score(1e9, 8.0), 1.0);
    assert!((combined_score(99.0, 4.0) - (0.6 * 0.5 + 0.4 * 0.5)).abs() < 1e-12);
}

#[test]
fn filter_classifies_black_white_flat() {
    let filter = FrameFilter::default();
    let frame = |v: u8| vec![v; 16 * 16 * 3];
    let cases = [
        (frame(0), Some(FrameDefect::Black)),
        (frame(19), Some(FrameDefect::Black)),
        (frame(255), Some(FrameDefect::White)),
        (frame(128), Some(FrameDefect::Flat)),
    ];
    for (rgb, expected) in cases {
        let q = measure_frame(&rgb, 16, 16).unwrap();
        assert_eq!(filter.defect(&q), expected, "{q:?}");
    }
    let q = measure_frame(
        &std::fs::read("tests/data/testsrc2-64x48.rgb").unwrap(),
        64,
        48,
    )
    .unwrap();
    assert_eq!(filter.defect(&q), None);
    assert!(measure_frame(&[0; 10], 2, 2).is_err());
    assert!(measure_frame(&[], 0, 0).is_err());
}
