//! Qwen3Guard-Gen (0.6B / 4B / 8B).
//!
//! Convention (model card `Qwen/Qwen3Guard-Gen-*`, response moderation): the model's chat
//! template with the conversation and the assistant answer to judge; the template itself holds
//! the policy. The reply is exactly three lines:
//!
//! ```text
//! Safety: Safe|Unsafe|Controversial
//! Categories: Violent, … | None
//! Refusal: Yes|No
//! ```
//!
//! Multi-turn: the whole conversation is sent; the last assistant turn is judged.

use serde_json::json;

use super::judge::{Call, Exchange, Parsed};
use crate::GuardLabel;

const CATEGORIES: &[&str] = &[
    "Violent",
    "Non-violent Illegal Acts",
    "Sexual Content or Sexual Acts",
    "PII",
    "Suicide & Self-Harm",
    "Unethical Acts",
    "Politically Sensitive Topics",
    "Copyright Violation",
    "Jailbreak",
];

pub(crate) fn calls(model: &str, ex: &Exchange<'_>) -> Result<Vec<Call>, String> {
    let mut messages = ex.chat_turns(true, false);
    messages.push(json!({"role": "assistant", "content": ex.text()?}));
    Ok(vec![Call::chat(json!({
        "model": model,
        "messages": messages,
        "max_tokens": 128,
        "temperature": 0,
    }))])
}

pub(crate) fn parse(text: &str) -> Result<Parsed, String> {
    let lines: Vec<&str> = text.trim().lines().map(str::trim_end).collect();
    let [safety, categories, refusal] = lines.as_slice() else {
        return Err(format!(
            "expected three lines (Safety, Categories, Refusal), got {}",
            lines.len()
        ));
    };
    let label = match safety.strip_prefix("Safety: ") {
        Some("Safe") => GuardLabel::Safe,
        Some("Unsafe") => GuardLabel::Unsafe,
        Some("Controversial") => GuardLabel::Controversial,
        _ => return Err(format!("bad Safety line {safety:?}")),
    };
    let cats = categories
        .strip_prefix("Categories: ")
        .ok_or_else(|| format!("bad Categories line {categories:?}"))?;
    let mut codes = Vec::new();
    if cats != "None" {
        for c in cats.split(", ") {
            if !CATEGORIES.contains(&c) {
                return Err(format!("unknown Qwen3Guard category {c:?}"));
            }
            if !codes.iter().any(|x| x == c) {
                codes.push(c.to_owned());
            }
        }
    }
    let refusal = match refusal.strip_prefix("Refusal: ") {
        Some("Yes") => true,
        Some("No") => false,
        _ => return Err(format!("bad Refusal line {refusal:?}")),
    };
    Ok(Parsed::new(label).categories(codes).refusal(refusal))
}
