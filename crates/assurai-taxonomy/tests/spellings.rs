//! Every accepted spelling parses back to its value; nothing else does.

use std::str::FromStr;

use assurai_taxonomy::{Modality, PromptType, RiskCategory, RiskFactor, SourceFramework};
use proptest::prelude::*;

/// The spellings the issue promises for each value (id, number forms,
/// English name, Korean name).
fn spellings_factor(f: RiskFactor) -> Vec<String> {
    let n = f.number();
    vec![
        f.id().to_string(),
        n.to_string(),
        format!("#{n}"),
        format!(" {n} "),
        f.name().to_string(),
        f.name().to_uppercase(),
        f.name().to_lowercase().replace(' ', "-"),
        f.name().replace(' ', ""),
        f.name_ko().to_string(),
    ]
}

fn spellings_prompt(p: PromptType) -> Vec<String> {
    vec![
        p.id().to_string(),
        p.number().to_string(),
        p.name().to_string(),
        p.name().replace([' ', '-'], ""),
        p.name().to_lowercase().replace(' ', "-"),
        p.name_ko().to_string(),
    ]
}

#[test]
fn every_factor_spelling_round_trips() {
    for f in RiskFactor::ALL {
        for s in spellings_factor(f) {
            assert_eq!(RiskFactor::from_str(&s), Ok(f), "spelling {s:?}");
        }
        assert_eq!(f.to_string(), f.id());
    }
}

#[test]
fn every_prompt_type_spelling_round_trips() {
    for p in PromptType::ALL {
        for s in spellings_prompt(p) {
            assert_eq!(PromptType::from_str(&s), Ok(p), "spelling {s:?}");
        }
    }
}

#[test]
fn issue_examples_parse() {
    for s in ["Q Only", "QOnly", "q-only", "q_only", "Q ONLY", "단일 질문"] {
        assert_eq!(s.parse::<PromptType>(), Ok(PromptType::QOnly), "{s}");
    }
    for s in [
        "Chain-of-Thought",
        "chain of thought",
        "CoT",
        "chain_of_thought",
    ] {
        assert_eq!(
            s.parse::<PromptType>(),
            Ok(PromptType::ChainOfThought),
            "{s}"
        );
    }
    for s in [
        "8",
        "#8",
        "hate_speech",
        "Hate Speech",
        "혐오 표현",
        "혐오표현",
    ] {
        assert_eq!(s.parse::<RiskFactor>(), Ok(RiskFactor::HateSpeech), "{s}");
    }
    assert_eq!(
        "Mis/disinformation".parse::<RiskFactor>(),
        Ok(RiskFactor::MisDisinformation)
    );
    assert_eq!(
        "Sensitive & Adult Content".parse::<RiskCategory>(),
        Ok(RiskCategory::SensitiveAndAdultContent)
    );
    assert_eq!("AIR 2024".parse(), Ok(SourceFramework::Air2024));
    assert_eq!("MIT FutureTech".parse(), Ok(SourceFramework::MitFutureTech));
    assert_eq!("영상".parse(), Ok(Modality::Video));
}

#[test]
fn out_of_range_numbers_and_junk_are_errors_listing_what_was_expected() {
    for s in [
        "0", "36", "#36", "-1", "", "   ", "harass", "violence", "1.5", "１",
    ] {
        let err = s.parse::<RiskFactor>().expect_err(s);
        let msg = err.to_string();
        assert!(msg.starts_with("unknown risk factor"), "{msg}");
        assert!(msg.contains("1–35") && msg.contains("hate_speech"), "{msg}");
    }
    let err = "9".parse::<PromptType>().expect_err("9");
    assert!(err.to_string().contains("q_only"), "{err}");
    let long = "x".repeat(10_000);
    let err = long.parse::<Modality>().expect_err("long");
    assert!(err.input().chars().count() <= 81);
}

#[test]
fn folded_spellings_are_unambiguous() {
    // If two values shared a spelling, parsing would silently pick the first.
    fn check<T: Copy + PartialEq + std::fmt::Debug + FromStr>(
        all: &[T],
        spell: impl Fn(T) -> Vec<String>,
    ) {
        for &a in all {
            for s in spell(a) {
                let hits: Vec<T> = all
                    .iter()
                    .copied()
                    .filter(|&b| spell(b).iter().any(|t| fold(t) == fold(&s)))
                    .collect();
                assert_eq!(hits, vec![a], "{s:?}");
            }
        }
    }
    check(&RiskFactor::ALL, spellings_factor);
    check(&PromptType::ALL, spellings_prompt);
}

fn fold(s: &str) -> String {
    s.replace('&', "and")
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

#[test]
fn serde_accepts_ids_numbers_and_names_and_writes_ids() {
    let f: RiskFactor = serde_json::from_str("\"Weapon Usage & Development\"").expect("name");
    assert_eq!(f, RiskFactor::WeaponUsageAndDevelopment);
    let f: RiskFactor = serde_json::from_str("5").expect("number");
    assert_eq!(f, RiskFactor::WeaponUsageAndDevelopment);
    assert_eq!(
        serde_json::to_string(&f).expect("ser"),
        "\"weapon_usage_and_development\""
    );
    let p: PromptType = serde_json::from_str("\"역할극\"").expect("ko");
    assert_eq!(p, PromptType::RolePlaying);
    let err = serde_json::from_str::<RiskFactor>("99").expect_err("99");
    assert!(err.to_string().contains("unknown risk factor"), "{err}");
    let err = serde_json::from_str::<Modality>("true").expect_err("bool");
    assert!(err.to_string().contains("modality"), "{err}");
    let m: Modality = serde_json::from_str("\"IMAGE\"").expect("image");
    assert_eq!(m, Modality::Image);
}

/// Randomly changes case and inserts separators that parsing must ignore.
fn mangle(s: &str, seps: &[u8], upper: &[bool]) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        let sep = seps.get(i % seps.len().max(1)).copied().unwrap_or(0);
        match sep % 8 {
            1 => out.push(' '),
            2 => out.push('-'),
            3 => out.push('_'),
            4 => out.push('.'),
            _ => {}
        }
        if upper.get(i % upper.len().max(1)).copied().unwrap_or(false) {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

proptest! {
    #[test]
    fn mangled_factor_spellings_parse(
        idx in 0usize..35,
        which in 0usize..3,
        seps in proptest::collection::vec(any::<u8>(), 1..16),
        upper in proptest::collection::vec(any::<bool>(), 1..16),
    ) {
        let f = RiskFactor::ALL[idx];
        let base = [f.id(), f.name(), f.name_ko()][which];
        let s = mangle(base, &seps, &upper);
        prop_assert_eq!(s.parse::<RiskFactor>(), Ok(f), "{:?}", s);
    }

    #[test]
    fn mangled_prompt_type_spellings_parse(
        idx in 0usize..8,
        which in 0usize..3,
        seps in proptest::collection::vec(any::<u8>(), 1..16),
        upper in proptest::collection::vec(any::<bool>(), 1..16),
    ) {
        let p = PromptType::ALL[idx];
        let base = [p.id(), p.name(), p.name_ko()][which];
        let s = mangle(base, &seps, &upper);
        prop_assert_eq!(s.parse::<PromptType>(), Ok(p), "{:?}", s);
    }

    #[test]
    fn arbitrary_input_never_panics(s in ".{0,64}") {
        let _ = s.parse::<RiskFactor>();
        let _ = s.parse::<PromptType>();
        let _ = s.parse::<RiskCategory>();
        let _ = s.parse::<Modality>();
        let _ = s.parse::<SourceFramework>();
    }

    #[test]
    fn ids_round_trip_through_serde(idx in 0usize..35) {
        let f = RiskFactor::ALL[idx];
        let json = serde_json::to_string(&f).expect("ser");
        prop_assert_eq!(serde_json::from_str::<RiskFactor>(&json).expect("de"), f);
        let num = f.number().to_string();
        prop_assert_eq!(serde_json::from_str::<RiskFactor>(&num).expect("de"), f);
    }
}
