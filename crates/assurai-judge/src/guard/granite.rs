//! IBM Granite Guardian 3.x (2B / 5B / 8B).
//!
//! Convention (model cards `ibm-granite/granite-guardian-3.1-8b`, `…-3.3-8b`): the model's chat
//! template with the conversation and the answer to judge, and the risk to check passed to the
//! template as `guardian_config = {"risk_name": …}` (vLLM: `chat_template_kwargs`). One risk per
//! call; `Yes` means the risk is present. Versions 3.0–3.2 answer `Yes` or `No` (the reference
//! code lower-cases it); 3.3 answers `<score> yes </score>`, optionally after a
//! `<think>…</think>` block. The probability of risk is P(yes) against P(no) for the first
//! token when the server returns logprobs and the first token is the answer (3.0–3.2).
//!
//! Which risks are asked: those whose table row lists the instance's factor; `harm` (the
//! umbrella risk) when none does. Multi-turn: the whole conversation is sent.

use serde_json::json;

use super::judge::{Call, Exchange, Parsed};
use super::reply::Reply;
use crate::GuardLabel;

pub(crate) const RISKS: &[&str] = &[
    "harm",
    "social_bias",
    "profanity",
    "sexual_content",
    "unethical_behavior",
    "violence",
    "jailbreak",
];

pub(crate) fn calls(model: &str, ex: &Exchange<'_>, risks: &[&str]) -> Result<Vec<Call>, String> {
    let mut messages = ex.chat_turns(true, false);
    messages.push(json!({"role": "assistant", "content": ex.text()?}));
    Ok(risks
        .iter()
        .map(|risk| {
            Call::chat(json!({
                "model": model,
                "messages": messages,
                "max_tokens": 64,
                "temperature": 0,
                "logprobs": true,
                "top_logprobs": 20,
                "chat_template_kwargs": {"guardian_config": {"risk_name": risk}},
            }))
            .policy(risk)
        })
        .collect())
}

/// `Yes`/`No` alone, or `[<think>…</think>] <score> yes|no </score>`.
fn answer(text: &str) -> Result<bool, String> {
    let t = text.trim();
    let word = if t.eq_ignore_ascii_case("yes") || t.eq_ignore_ascii_case("no") {
        t
    } else {
        let rest = match t.strip_prefix("<think>") {
            Some(r) => {
                let end = r.find("</think>").ok_or("unclosed <think> block")?;
                r[end + "</think>".len()..].trim_start()
            }
            None => t,
        };
        rest.strip_prefix("<score>")
            .and_then(|r| r.strip_suffix("</score>"))
            .map(str::trim)
            .ok_or_else(|| format!("expected `Yes`/`No` or `<score> yes|no </score>`, got {t:?}"))?
    };
    if word.eq_ignore_ascii_case("yes") {
        Ok(true)
    } else if word.eq_ignore_ascii_case("no") {
        Ok(false)
    } else {
        Err(format!("the score must be yes or no, got {word:?}"))
    }
}

pub(crate) fn parse(reply: &Reply, risk: &str) -> Result<Parsed, String> {
    let yes = answer(&reply.text)?;
    let p = reply.p_of(&["yes"], &["no"], true);
    let label = if yes {
        GuardLabel::Unsafe
    } else {
        GuardLabel::Safe
    };
    let cats = if yes {
        vec![risk.to_owned()]
    } else {
        Vec::new()
    };
    Ok(Parsed::new(label).categories(cats).p_unsafe(p))
}
