//! Meta Llama Guard 3 (1B / 8B) and Llama Guard 4 (12B, text and images).
//!
//! Convention (model cards `meta-llama/Llama-Guard-3-8B`, `meta-llama/Llama-Guard-4-12B`): the
//! model's chat template builds the moderation prompt with the S1–S14 MLCommons categories from
//! the `user`/`assistant` conversation and classifies the last turn. Llama Guard 4 takes content
//! as a list of parts and accepts images in the user turn. The reply is `safe`, or `unsafe` and
//! a second line of comma-separated codes (`unsafe\nS1,S10`).
//!
//! Multi-turn: the whole conversation is sent. An image output (Llama Guard 4 only) is sent in
//! the last user turn beside the prompt, since the model reads images in user turns.

use serde_json::{Value, json};

use super::family::is_llama_guard_4;
use super::judge::{Call, Exchange, Parsed, Subject};
use crate::GuardLabel;

pub(crate) fn calls(model: &str, ex: &Exchange<'_>) -> Result<Vec<Call>, String> {
    let v4 = is_llama_guard_4(model);
    let messages: Vec<Value> = match ex.subject {
        Subject::Text(out) => {
            let mut m = ex.chat_turns(true, v4);
            m.push(if v4 {
                json!({"role": "assistant", "content": [{"type": "text", "text": out}]})
            } else {
                json!({"role": "assistant", "content": out})
            });
            m
        }
        Subject::Images(images) if v4 => {
            let mut parts = vec![json!({"type": "text", "text": ex.last_user().unwrap_or("")})];
            for img in images {
                parts.push(json!({"type": "image_url", "image_url": {"url": img.data_url()}}));
            }
            vec![json!({"role": "user", "content": parts})]
        }
        Subject::Images(_) => return Err("Llama Guard 3 reads text only".to_owned()),
    };
    Ok(vec![Call::chat(json!({
        "model": model,
        "messages": messages,
        "max_tokens": 20,
        "temperature": 0,
    }))])
}

pub(crate) fn parse(text: &str) -> Result<Parsed, String> {
    let t = text.trim();
    if t == "safe" {
        return Ok(Parsed::new(GuardLabel::Safe));
    }
    let codes = t
        .strip_prefix("unsafe\n")
        .ok_or_else(|| format!("expected `safe` or `unsafe` and a line of codes, got {t:?}"))?;
    let mut out = Vec::new();
    for c in codes.split(',') {
        let valid = c
            .strip_prefix('S')
            .and_then(|n| n.parse::<u8>().ok())
            .is_some_and(|n| (1..=14).contains(&n) && !c[1..].starts_with('0'));
        if !valid {
            return Err(format!("`{c}` is not a Llama Guard category (S1–S14)"));
        }
        if !out.iter().any(|x| x == c) {
            out.push(c.to_owned());
        }
    }
    Ok(Parsed::new(GuardLabel::Unsafe).categories(out))
}
