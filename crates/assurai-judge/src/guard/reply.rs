//! Reading an OpenAI-compatible response body: the generated text, the first token's top
//! log-probabilities, and token usage.

use serde_json::Value;

use crate::Usage;

/// What came back from one guard call.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Reply {
    /// The generated text (`choices[0].message.content` or `choices[0].text`).
    pub(crate) text: String,
    /// The first generated token's alternatives and their log-probabilities, when asked for.
    pub(crate) top: Vec<(String, f64)>,
    /// Why generation stopped (`stop`, `length`, …), if the server said.
    pub(crate) finish_reason: Option<String>,
    pub(crate) usage: Usage,
}

impl Reply {
    /// The probability of the first token being one of `tokens` (compared after trimming
    /// whitespace; `fold` also ignores ASCII case), summed over matching alternatives.
    pub(crate) fn prob(&self, tokens: &[&str], fold: bool) -> Option<f64> {
        let mut p = 0.0;
        let mut seen = false;
        for (t, lp) in &self.top {
            let t = t.trim();
            let hit = tokens.iter().any(|w| {
                if fold {
                    t.eq_ignore_ascii_case(w)
                } else {
                    t == *w
                }
            });
            if hit && lp.is_finite() {
                p += lp.exp();
                seen = true;
            }
        }
        seen.then_some(p)
    }

    /// P(positive) normalised over the positive and negative tokens (the reference code's
    /// softmax over the two label logits); `None` when neither appears.
    pub(crate) fn p_of(&self, positive: &[&str], negative: &[&str], fold: bool) -> Option<f64> {
        let pos = self.prob(positive, fold);
        let neg = self.prob(negative, fold);
        match (pos, neg) {
            (None, None) => None,
            (p, n) => {
                let (p, n) = (p.unwrap_or(0.0), n.unwrap_or(0.0));
                (p + n > 0.0).then(|| p / (p + n))
            }
        }
    }
}

/// Parses a chat-completions or completions response body.
pub(crate) fn parse_body(body: &[u8]) -> Result<Reply, String> {
    let v: Value =
        serde_json::from_slice(body).map_err(|e| format!("response is not JSON ({e})"))?;
    let choice = v
        .get("choices")
        .and_then(Value::as_array)
        .and_then(|c| c.first())
        .ok_or_else(|| "response has no choices".to_owned())?;
    let text = match choice.get("message") {
        Some(m) => match m.get("content") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => String::new(),
            Some(Value::Array(parts)) => parts
                .iter()
                .filter_map(|p| p.get("text").and_then(Value::as_str))
                .collect(),
            Some(other) => return Err(format!("message content is not text: {other}")),
        },
        None => choice
            .get("text")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
    };
    let mut top = Vec::new();
    if let Some(lp) = choice.get("logprobs").filter(|l| !l.is_null()) {
        if let Some(first) = lp
            .get("content")
            .and_then(Value::as_array)
            .and_then(|c| c.first())
        {
            // Chat: {"content": [{"token", "logprob", "top_logprobs": [{"token", "logprob"}]}]}
            if let Some(alts) = first.get("top_logprobs").and_then(Value::as_array) {
                for a in alts {
                    if let (Some(t), Some(l)) = (
                        a.get("token").and_then(Value::as_str),
                        a.get("logprob").and_then(Value::as_f64),
                    ) {
                        top.push((t.to_owned(), l));
                    }
                }
            }
            if top.is_empty()
                && let (Some(t), Some(l)) = (
                    first.get("token").and_then(Value::as_str),
                    first.get("logprob").and_then(Value::as_f64),
                )
            {
                top.push((t.to_owned(), l));
            }
        } else if let Some(first) = lp
            .get("top_logprobs")
            .and_then(Value::as_array)
            .and_then(|c| c.first())
            .and_then(Value::as_object)
        {
            // Completions: {"top_logprobs": [{"token": logprob, ...}, ...]}
            for (t, l) in first {
                if let Some(l) = l.as_f64() {
                    top.push((t.clone(), l));
                }
            }
        }
    }
    let usage = v.get("usage").map_or_else(Usage::default, |u| Usage {
        input_tokens: u.get("prompt_tokens").and_then(Value::as_u64),
        output_tokens: u.get("completion_tokens").and_then(Value::as_u64),
    });
    Ok(Reply {
        text,
        top,
        finish_reason: choice
            .get("finish_reason")
            .and_then(Value::as_str)
            .map(str::to_owned),
        usage,
    })
}
