//! Kakao Kanana Safeguard (8B), Safeguard-Siren (8B) and Safeguard-Prompt (2.1B).
//!
//! Convention (model cards `kakaocorp/kanana-safeguard-8b`, `…-siren-8b`, `…-prompt-2.1b`):
//! the chat template of the model with a `user` turn and, for the harm model only, the
//! `assistant` answer to judge; greedy decoding of ONE new token. The verdict is a single added
//! special token, `<SAFE>` or `<UNSAFE-XN>` (`S1`–`S7` harm, `I1`–`I4` Siren, `A1`–`A2`
//! Prompt), so a vLLM server must be sent `skip_special_tokens: false` or the reply is empty.
//! No multi-turn context: the harm model judges the last exchange, Siren and Prompt the last
//! user turn alone.

use serde_json::json;

use super::judge::{Call, Exchange, Parsed};
use crate::{GuardFamily, GuardLabel};

fn codes(family: GuardFamily) -> &'static [&'static str] {
    match family {
        GuardFamily::KananaSiren => &["I1", "I2", "I3", "I4"],
        GuardFamily::KananaPrompt => &["A1", "A2"],
        _ => &["S1", "S2", "S3", "S4", "S5", "S6", "S7"],
    }
}

pub(crate) fn calls(
    family: GuardFamily,
    model: &str,
    ex: &Exchange<'_>,
) -> Result<Vec<Call>, String> {
    let user = ex
        .last_user()
        .ok_or("Kanana Safeguard needs the user prompt")?;
    let mut messages = vec![json!({"role": "user", "content": user})];
    if family == GuardFamily::Kanana {
        messages.push(json!({"role": "assistant", "content": ex.text()?}));
    }
    Ok(vec![Call::chat(json!({
        "model": model,
        "messages": messages,
        "max_tokens": 1,
        "temperature": 0,
        "skip_special_tokens": false,
    }))])
}

pub(crate) fn parse(family: GuardFamily, text: &str) -> Result<Parsed, String> {
    let t = text.trim();
    if t == "<SAFE>" {
        return Ok(Parsed::new(GuardLabel::Safe));
    }
    let code = t
        .strip_prefix("<UNSAFE-")
        .and_then(|r| r.strip_suffix('>'))
        .ok_or_else(|| format!("expected `<SAFE>` or `<UNSAFE-CODE>`, got {t:?}"))?;
    if !codes(family).contains(&code) {
        return Err(format!(
            "`{code}` is not a {family} category (expected one of {})",
            codes(family).join(", ")
        ));
    }
    Ok(Parsed::new(GuardLabel::Unsafe).categories(vec![code.to_owned()]))
}
