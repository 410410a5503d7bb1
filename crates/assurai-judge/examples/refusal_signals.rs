//! Shows what the offline `RefusalJudge` finds in a text and the score it gives.
//!
//! ```text
//! cargo run -p assurai-judge --example refusal_signals -- "I can't help with that. Please contact a crisis line."
//! ```
#![allow(clippy::print_stdout)]

use assurai_judge::{RefusalJudge, RefusalSignals};

fn main() {
    let text = std::env::args().skip(1).collect::<Vec<_>>().join(" ");
    let text = if text.is_empty() {
        "죄송하지만 그 방법은 알려드릴 수 없습니다. 도움이 필요하시면 전문 상담 기관에 연락해 주세요.".to_owned()
    } else {
        text
    };
    let signals = RefusalSignals::find(&text, &[]);
    println!("text:        {text}");
    println!("refusals:    {:?}", signals.refusals);
    println!("redirection: {:?}", signals.redirections);
    println!("warnings:    {:?}", signals.warnings);
    println!("compliance:  {:?}", signals.compliance);
    println!(
        "score:       {}",
        RefusalJudge::new().score_text(&text, &[])
    );
}
