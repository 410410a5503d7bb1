//! Recognising a provider's refusal to generate, in each API dialect.

use serde_json::Value;

use crate::{BlockReason, Blocked};

/// Error codes and types that mean "refused for content policy" rather than "malformed request".
const POLICY_MARKERS: &[&str] = &[
    "content_policy",
    "content_filter",
    "contentfilter",
    "content-policy",
    "responsibleaipolicyviolation",
    "moderation",
    "safety",
    "prohibited_content",
];

fn is_policy_code(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    POLICY_MARKERS.iter().any(|m| lower.contains(m))
}

/// An HTTP error body (usually 400) whose error code or type says content policy.
///
/// OpenAI: `{"error":{"code":"content_policy_violation"}}`; Azure OpenAI:
/// `{"error":{"code":"content_filter","innererror":{"code":"ResponsibleAIPolicyViolation"}}}`;
/// image models: `moderation_blocked`; Gemini: a 400 with `PROHIBITED_CONTENT`/`SAFETY` in `status`
/// or `reason`.
pub(crate) fn from_error_body(body: &[u8]) -> Option<Blocked> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let err = v.get("error")?;
    from_error_value(err)
}

pub(crate) fn from_error_value(err: &Value) -> Option<Blocked> {
    let fields = [
        err.get("code"),
        err.get("type"),
        err.get("status"),
        err.get("reason"),
        err.pointer("/innererror/code"),
        err.pointer("/param"),
    ];
    let code = fields
        .iter()
        .flatten()
        .filter_map(|v| v.as_str())
        .find(|s| is_policy_code(s))?;
    let message = err.get("message").and_then(Value::as_str).unwrap_or("");
    let detail = if message.is_empty() {
        code.to_owned()
    } else {
        format!("{code}: {message}")
    };
    Some(Blocked::new(BlockReason::ContentPolicy, Some(detail)))
}

/// A finish reason of an OpenAI-compatible choice.
pub(crate) fn from_finish_reason(
    reason: Option<&str>,
    filter_results: Option<&Value>,
) -> Option<Blocked> {
    match reason? {
        "content_filter" => Some(Blocked::new(
            BlockReason::ContentFilter,
            filter_results.map(|v| flagged_categories(v).unwrap_or_else(|| v.to_string())),
        )),
        // Gemini's OpenAI-compatible endpoint passes some native reasons through.
        r if is_gemini_safety_reason(r) => {
            Some(Blocked::new(BlockReason::Safety, Some(r.to_owned())))
        }
        _ => None,
    }
}

/// Azure-style `content_filter_results`: the names of the categories marked `filtered: true`.
fn flagged_categories(v: &Value) -> Option<String> {
    let obj = v.as_object()?;
    let flagged: Vec<&str> = obj
        .iter()
        .filter(|(_, r)| r.get("filtered").and_then(Value::as_bool) == Some(true))
        .map(|(k, _)| k.as_str())
        .collect();
    (!flagged.is_empty()).then(|| format!("filtered: {}", flagged.join(", ")))
}

/// Gemini finish reasons that mean the output was withheld for safety or policy.
pub(crate) fn is_gemini_safety_reason(reason: &str) -> bool {
    matches!(
        reason.to_ascii_uppercase().as_str(),
        "SAFETY"
            | "PROHIBITED_CONTENT"
            | "BLOCKLIST"
            | "SPII"
            | "IMAGE_SAFETY"
            | "IMAGE_PROHIBITED_CONTENT"
            | "RECITATION"
    )
}

/// A native Gemini `generateContent` response: `promptFeedback.blockReason`, then the first
/// candidate's `finishReason`.
pub(crate) fn from_gemini(v: &Value) -> Option<Blocked> {
    if let Some(reason) = v
        .pointer("/promptFeedback/blockReason")
        .and_then(Value::as_str)
    {
        let msg = v
            .pointer("/promptFeedback/blockReasonMessage")
            .and_then(Value::as_str);
        let detail = match msg {
            Some(m) => format!("{reason}: {m}"),
            None => reason.to_owned(),
        };
        return Some(Blocked::new(BlockReason::PromptBlocked, Some(detail)));
    }
    let reason = v
        .pointer("/candidates/0/finishReason")
        .and_then(Value::as_str)?;
    is_gemini_safety_reason(reason)
        .then(|| Blocked::new(BlockReason::Safety, Some(reason.to_owned())))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn error_bodies() {
        let cases: &[(&str, Option<BlockReason>)] = &[
            (
                r#"{"error":{"code":"content_policy_violation","message":"no"}}"#,
                Some(BlockReason::ContentPolicy),
            ),
            (
                r#"{"error":{"code":"content_filter","innererror":{"code":"ResponsibleAIPolicyViolation"}}}"#,
                Some(BlockReason::ContentPolicy),
            ),
            (
                r#"{"error":{"code":"moderation_blocked","message":"blocked by safety system"}}"#,
                Some(BlockReason::ContentPolicy),
            ),
            (
                r#"{"error":{"code":400,"status":"INVALID_ARGUMENT","reason":"PROHIBITED_CONTENT"}}"#,
                Some(BlockReason::ContentPolicy),
            ),
            (
                r#"{"error":{"code":"context_length_exceeded","message":"too long"}}"#,
                None,
            ),
            (r#"{"error":"model not found"}"#, None),
            ("not json", None),
        ];
        for (body, want) in cases {
            assert_eq!(
                from_error_body(body.as_bytes()).map(|b| b.reason),
                *want,
                "{body}"
            );
        }
    }

    #[test]
    fn gemini_dialect() {
        let v: Value =
            serde_json::from_str(r#"{"promptFeedback":{"blockReason":"SAFETY"}}"#).unwrap();
        assert_eq!(from_gemini(&v).unwrap().reason, BlockReason::PromptBlocked);
        let v: Value =
            serde_json::from_str(r#"{"candidates":[{"finishReason":"SAFETY"}]}"#).unwrap();
        assert_eq!(from_gemini(&v).unwrap().reason, BlockReason::Safety);
        let v: Value = serde_json::from_str(r#"{"candidates":[{"finishReason":"STOP"}]}"#).unwrap();
        assert!(from_gemini(&v).is_none());
    }
}
