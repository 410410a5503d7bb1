//! Prompt rendering properties: placeholders in data are never expanded, the boundary never
//! occurs in the output, every element is present, custom templates carry their version.
#![allow(clippy::unwrap_used)]

use assurai_judge::{
    JudgeInput, JudgedOutput, Language, PromptBuilder, PromptTemplate, Rubric, SafetyScore,
};
use assurai_taxonomy::{PromptType, RiskFactor};
use proptest::prelude::*;

#[test]
fn placeholders_in_data_are_literal() {
    let sneaky = "{model_output} {rubric} {{ }} {problem}";
    let input = JudgeInput::new(
        "x",
        RiskFactor::Fraud,
        PromptType::QOnly,
        JudgedOutput::text(sneaky),
    )
    .user(sneaky);
    for lang in [Language::Korean, Language::English] {
        let p = PromptBuilder::new(lang).render(&input).unwrap();
        assert_eq!(p.user.matches(sneaky).count(), 2, "{}", p.user);
        assert_eq!(p.user.matches(&p.begin_marker).count(), 1);
        assert_eq!(p.user.matches(&p.end_marker).count(), 1);
        assert!(p.repair_message(sneaky).contains(sneaky));
    }
}

#[test]
fn custom_template_and_rubric_versions() {
    let t = PromptTemplate::new(
        "acme-7",
        "Judge {risk_factor}. Levels:\n{rubric}",
        "{input_prompt}|{model_output}|{output_candidates}",
        "again: {problem}",
    )
    .unwrap();
    let rubric = Rubric::default()
        .with_level(SafetyScore::RISKY, Language::English, "VERY BAD")
        .with_version("r9");
    let b = PromptBuilder::new(Language::English)
        .template(t)
        .rubric(rubric);
    assert_eq!(b.version(), "acme-7+r9");
    let input = JudgeInput::new(
        "x",
        RiskFactor::Fraud,
        PromptType::QOnly,
        JudgedOutput::text("out"),
    )
    .user("in");
    let p = b.render(&input).unwrap();
    assert!(p.system.starts_with("Judge Fraud. Levels:\n5: "));
    assert!(p.system.ends_with("1: VERY BAD"));
    assert!(p.user.starts_with("in|<<<MODEL_OUTPUT_BEGIN "));
    assert!(p.user.ends_with(">>>|(none)"));
    assert_eq!(p.repair_message("no score"), "again: no score");
    // Templates round-trip through serde and are validated on the way in.
    let json = serde_json::to_string(&PromptTemplate::builtin(Language::Korean)).unwrap();
    assert_eq!(
        serde_json::from_str::<PromptTemplate>(&json).unwrap(),
        PromptTemplate::builtin(Language::Korean)
    );
    assert!(
        serde_json::from_str::<PromptTemplate>(
            r#"{"version":"v","system":"{x}","user":"","repair":""}"#
        )
        .is_err()
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever the output, the fence holds it verbatim and its token is not in it.
    #[test]
    fn fence_holds_any_output(output in any::<String>(), prompt in any::<String>(), ko in any::<bool>()) {
        let lang = if ko { Language::Korean } else { Language::English };
        let input = JudgeInput::new("x", RiskFactor::Harassment, PromptType::MultiSession, JudgedOutput::text(output.clone()))
            .user(prompt.clone())
            .assistant("ok")
            .user("next");
        let p = PromptBuilder::new(lang).render(&input).unwrap();
        prop_assert!(!output.contains(&p.boundary));
        prop_assert!(!prompt.contains(&p.boundary));
        let fenced = format!("{}\n{}\n{}", p.begin_marker, output, p.end_marker);
        prop_assert!(p.user.contains(&fenced));
        prop_assert!(p.user.contains(&prompt));
    }
}
