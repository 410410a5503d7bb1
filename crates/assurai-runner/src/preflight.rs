//! Preflight: before the first instance, one request to the live target and to each judge model,
//! so that a run against a server that cannot serve it stops at once with one message naming the
//! fix, instead of erroring (or, worse, scoring) every instance.
//!
//! For each OpenAI-compatible endpoint (an `openai:` chat target, an `llm:` judge; `guard:` judges
//! and the other `openai-*` targets get only the first check, which generates nothing):
//!
//! 1. `GET {base}/models`, where the server has it: nothing listening, a rejected key (401/403)
//!    and a model the server does not list stop the run;
//! 2. one chat request with the longest prompt the run will send (for a judge: the judge prompt of
//!    the instance with the longest prompt, with an output of `max_tokens` words — 256 without
//!    `--max-tokens`), `max_tokens: 1`: connection refused, 401/403, 404 and a refusal of the
//!    prompt as too long for the context stop the run;
//! 3. whether the server read the whole prompt: its `usage.prompt_tokens` is compared with the
//!    server's own count of the prompt's text where it has a tokenizer endpoint (llama.cpp's and
//!    vLLM's `POST /tokenize`, llama-cpp-python's `POST /extras/tokenize`); otherwise the prompt is
//!    sent again twice as long, and a server that reads no more tokens of it than of the original
//!    (while it reads fewer of a one-word prompt) cut the prompt to fit its context — llama.cpp's
//!    context shift drops the start of a prompt, which for a judge is the rubric.
//!
//! A server that answers 429 is not held against the run (it has retries); one whose usage does
//! not count the prompt is reported as not checked.

use std::collections::HashMap;
use std::time::Duration;

use assurai_dataset::{Input, Instance};
use assurai_judge::{JudgedOutput, Language, PromptBuilder};
use assurai_models::layers::FailureClass;
use assurai_models::providers::OpenAiJson;
use assurai_models::providers::OpenAiTokenizer;
use assurai_models::{
    Message, ModelError, ModelSpec, Role, openai_json_from_spec, tokenizer_from_model_spec,
};

use crate::convert::judge_input;
use crate::setup::with_key_env;
use crate::{Result, RunError};

/// Words of the stand-in output in the longest judge prompt when the run sets no `max_tokens`.
pub(crate) const DEFAULT_OUTPUT_WORDS: u32 = 256;

/// What a preflight needs from the run being set up.
pub(crate) struct Plan<'a> {
    /// The target's spec, when it is live (not replayed).
    pub target: Option<&'a ModelSpec>,
    /// The variable of the target's key, as `--api-key-env`.
    pub target_key_env: Option<&'a str>,
    /// The judges' specs as given (`llm:…`, `guard:…`, `refusal`, …).
    pub judges: &'a [String],
    /// The variable of the judges' key, as `--judge-api-key-env`.
    pub judge_key_env: Option<&'a str>,
    /// The instance with the longest prompt among those the run will send.
    pub longest: Option<&'a Instance>,
    /// The run's `max_tokens`, the length of the stand-in output in the judge prompt.
    pub max_tokens: Option<u32>,
    /// The judge prompt's language.
    pub language: Language,
    /// The timeout of one request.
    pub timeout: Duration,
}

/// Runs the preflight of a run; `Ok` with the notes to log (checks that could not be made) when
/// nothing stops the run.
///
/// # Errors
/// [`RunError::Preflight`] with the one message that says what is wrong and how to fix it.
pub(crate) async fn preflight(plan: &Plan<'_>) -> Result<Vec<String>> {
    let mut checker = Checker {
        timeout: plan.timeout,
        models: HashMap::new(),
        tokenizer: HashMap::new(),
        notes: Vec::new(),
    };
    let instance_messages = plan.longest.map(instance_text);
    let mut chat_probed: Vec<(String, String)> = Vec::new();
    // Judges first: their prompt is the longest, and a judge on the target's server and model
    // makes the target's own chat check redundant.
    for judge in plan.judges {
        let Ok(parsed) = judge.parse::<crate::JudgeSpec>() else {
            continue;
        };
        let Some(spec) = parsed.model_spec() else {
            continue;
        };
        let role = format!("judge {judge}");
        match parsed.kind() {
            "llm" => {
                let spec = with_key_env(spec.clone().with_scheme("openai"), plan.judge_key_env);
                let client = checker.client(&role, &spec)?;
                checker.models_check(&role, &spec, &client).await?;
                let messages = match plan.longest {
                    Some(inst) => judge_prompt(inst, plan)?,
                    None => vec![(Role::User, "ping".to_owned())],
                };
                checker
                    .chat_check(&role, &spec, &client, &messages, "judge")
                    .await?;
                chat_probed.push(key_of(&spec));
            }
            "guard" => {
                // guard:FAMILY:MODEL@URL: the model spec's own target is FAMILY:MODEL@URL.
                let inner = spec.target().split_once(':').map(|(_, rest)| rest);
                let Some(Ok(inner)) = inner.map(|r| format!("openai:{r}").parse::<ModelSpec>())
                else {
                    continue;
                };
                // The spec's own key variable (`?key_env=VAR`) goes along.
                let inner = match spec.option("key_env") {
                    Some(var) => inner.with_option("key_env", var),
                    None => inner,
                };
                let inner = with_key_env(inner, plan.judge_key_env);
                let client = checker.client(&role, &inner)?;
                checker.models_check(&role, &inner, &client).await?;
            }
            _ => {}
        }
    }
    if let Some(spec) = plan.target {
        let role = format!("target {spec}");
        if spec.scheme().starts_with("openai") {
            let spec_chat = with_key_env(spec.clone(), plan.target_key_env);
            let client = checker.client(&role, &spec_chat)?;
            checker.models_check(&role, &spec_chat, &client).await?;
            if spec.scheme() == "openai" && !chat_probed.contains(&key_of(&spec_chat)) {
                let messages =
                    instance_messages.unwrap_or_else(|| vec![(Role::User, "ping".into())]);
                checker
                    .chat_check(&role, &spec_chat, &client, &messages, "instance")
                    .await?;
            }
        } else {
            checker
                .notes
                .push(format!("{role}: no preflight for scheme {}", spec.scheme()));
        }
    }
    Ok(checker.notes)
}

/// The server and model of a spec, to tell endpoints apart.
fn key_of(spec: &ModelSpec) -> (String, String) {
    let (model, url) = spec.model_and_url();
    (url.unwrap_or_default().to_owned(), model.to_owned())
}

/// The text of an instance's prompt as chat messages (images left out: the check is about text).
fn instance_text(inst: &Instance) -> Vec<(Role, String)> {
    let mut text = match &inst.input {
        Input::Prompt(p) => vec![(Role::User, p.clone())],
        Input::Turns(turns) => turns
            .iter()
            .map(|t| (crate::convert::model_role(t.role), t.content.text()))
            .collect(),
    };
    if let Some(last) = text.iter_mut().rev().find(|(r, _)| *r == Role::User) {
        for c in &inst.choices {
            last.1.push_str(&format!("\n{}. {}", c.label, c.text));
        }
    }
    text
}

/// The judge prompt of `inst` with a stand-in output of `max_tokens` words.
fn judge_prompt(inst: &Instance, plan: &Plan<'_>) -> Result<Vec<(Role, String)>> {
    let words = plan.max_tokens.unwrap_or(DEFAULT_OUTPUT_WORDS) as usize;
    let output = "예 ".repeat(words);
    let conversation: Vec<assurai_models::Message> = instance_text(inst)
        .into_iter()
        .map(|(role, text)| assurai_models::Message::text(role, text))
        .collect();
    let input = judge_input(inst, &conversation, JudgedOutput::text(output.trim_end()));
    let prompt = PromptBuilder::new(plan.language)
        .render(&input)
        .map_err(|e| RunError::setup_from("preflight: cannot render the judge prompt", e))?;
    Ok(vec![
        (Role::System, prompt.system),
        (Role::User, prompt.user),
    ])
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::System => "system",
        Role::Assistant => "assistant",
        _ => "user",
    }
}

struct Checker {
    timeout: Duration,
    /// Per base URL: the served model ids (`None`: no `/models`).
    models: HashMap<String, Option<Vec<String>>>,
    /// Per base URL: its tokenizer endpoint (`None`: it has none that answers).
    tokenizer: HashMap<String, Option<OpenAiTokenizer>>,
    notes: Vec<String>,
}

fn stop(role: &str, what: impl std::fmt::Display) -> RunError {
    RunError::Preflight {
        what: format!("{role}: {what} (the run was not started; --no-preflight skips this check)"),
    }
}

/// The stop message of a failure that waiting will not fix, if `err` is one.
fn hard_failure(role: &str, err: &ModelError) -> Option<RunError> {
    FailureClass::of(err).map(|class| stop(role, format!("{err}: {}", class.fix())))
}

/// Whether a 400 says the prompt does not fit the context (llama.cpp, llama-cpp-python, vLLM,
/// OpenAI word it in these ways).
fn is_context_error(err: &ModelError) -> bool {
    let ModelError::BadRequest { message, .. } = err else {
        return false;
    };
    let m = message.to_ascii_lowercase();
    [
        "context length",
        "context_length",
        "context window",
        "context size",
        "exceed_context",
        "maximum context",
        "max_model_len",
        "too many tokens",
        "prompt is too long",
    ]
    .iter()
    .any(|k| m.contains(k))
}

const CONTEXT_FIX: &str = "start the server with a larger context (llama.cpp: a larger -c, which \
--parallel N divides among its N slots; llama-cpp-python: --n_ctx; vLLM: --max-model-len), or \
give the run a smaller --max-tokens";

impl Checker {
    fn client(&self, role: &str, spec: &ModelSpec) -> Result<OpenAiJson> {
        openai_json_from_spec(spec).map_err(|e| stop(role, e))
    }

    async fn timed<T>(
        &self,
        f: impl std::future::Future<Output = std::result::Result<T, ModelError>>,
    ) -> std::result::Result<T, ModelError> {
        match tokio::time::timeout(self.timeout, f).await {
            Ok(r) => r,
            Err(_) => Err(ModelError::Timeout {
                after: self.timeout,
            }),
        }
    }

    /// `GET /models`: the server is there, takes the key and lists the model.
    async fn models_check(
        &mut self,
        role: &str,
        spec: &ModelSpec,
        client: &OpenAiJson,
    ) -> Result<()> {
        let (base, model) = key_of(spec);
        if !self.models.contains_key(&base) {
            let listed = match self.timed(client.get("/models")).await {
                Ok(body) => served_models(&body),
                Err(e) => {
                    if let Some(stop) = hard_failure(role, &e)
                        .filter(|_| FailureClass::of(&e) != Some(FailureClass::NotFound))
                    {
                        return Err(stop);
                    }
                    // No /models (404) or no answer: the chat request will tell.
                    None
                }
            };
            self.models.insert(base.clone(), listed);
        }
        if let Some(Some(ids)) = self.models.get(&base)
            && !ids.is_empty()
            && !ids.iter().any(|id| id == &model)
        {
            return Err(stop(
                role,
                format!(
                    "the server at {base} does not serve model {model:?}; its /models lists: {}. \
                     Name one of them in the spec",
                    ids.join(", ")
                ),
            ));
        }
        Ok(())
    }

    /// One chat request with the longest prompt, then whether the server read all of it.
    async fn chat_check(
        &mut self,
        role: &str,
        spec: &ModelSpec,
        client: &OpenAiJson,
        messages: &[(Role, String)],
        what: &str,
    ) -> Result<()> {
        let Some(read) = self.prompt_tokens(role, client, messages, what).await? else {
            return Ok(());
        };
        let Some(read) = read else {
            self.notes.push(format!(
                "{role}: the server reports no usage.prompt_tokens; its context was not checked"
            ));
            return Ok(());
        };
        let (base, _) = key_of(spec);
        if let Some(count) = self.count_tokens(&base, spec, messages).await {
            // The chat template adds tokens; a prompt cut to fit loses far more than 5 %.
            if (read as f64) < 0.95 * count as f64 {
                return Err(self.truncated(role, what, read, Some(count)));
            }
            return Ok(());
        }
        // No tokenizer endpoint: the same prompt twice as long must read more tokens.
        let doubled: Vec<(Role, String)> = messages
            .iter()
            .map(|(r, t)| match r {
                Role::User => (*r, format!("{t}\n{t}")),
                _ => (*r, t.clone()),
            })
            .collect();
        let longer = match self
            .timed(client.post("/chat/completions", body(client, &doubled)))
            .await
        {
            Ok(b) => usage_prompt_tokens(&b),
            // Refused as too long: the server refuses rather than cuts, and the original fits.
            Err(_) => return Ok(()),
        };
        let Some(longer) = longer else {
            return Ok(());
        };
        if longer > read {
            return Ok(());
        }
        let short = [(Role::User, "ping".to_owned())];
        let tiny = match self
            .timed(client.post("/chat/completions", body(client, &short)))
            .await
        {
            Ok(b) => usage_prompt_tokens(&b),
            Err(_) => None,
        };
        match tiny {
            Some(t) if t < read => Err(self.truncated(role, what, read, None)),
            _ => {
                self.notes.push(format!(
                    "{role}: the server reports the same usage.prompt_tokens ({read}) for any \
                     prompt; its context was not checked"
                ));
                Ok(())
            }
        }
    }

    /// `usage.prompt_tokens` of the chat request (`Some(None)`: answered without it; `None`:
    /// rate limited, not checked).
    async fn prompt_tokens(
        &mut self,
        role: &str,
        client: &OpenAiJson,
        messages: &[(Role, String)],
        what: &str,
    ) -> Result<Option<Option<u64>>> {
        let mut last = None;
        for attempt in 0..3u32 {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(500 << attempt)).await;
            }
            match self
                .timed(client.post("/chat/completions", body(client, messages)))
                .await
            {
                Ok(b) => return Ok(Some(usage_prompt_tokens(&b))),
                Err(e) => {
                    if let Some(stop) = hard_failure(role, &e) {
                        return Err(stop);
                    }
                    if is_context_error(&e) {
                        return Err(stop(
                            role,
                            format!(
                                "the server refused the longest {what} prompt as too long for \
                                 its context ({e}): {CONTEXT_FIX}"
                            ),
                        ));
                    }
                    if matches!(e, ModelError::RateLimited { .. }) {
                        self.notes.push(format!(
                            "{role}: rate limited (HTTP 429); its context was not checked"
                        ));
                        return Ok(None);
                    }
                    if !e.is_retryable() {
                        return Err(stop(role, format!("the preflight request failed: {e}")));
                    }
                    last = Some(e);
                }
            }
        }
        Err(stop(
            role,
            format!(
                "the preflight request failed 3 times: {}",
                last.map(|e| e.to_string()).unwrap_or_default()
            ),
        ))
    }

    fn truncated(&self, role: &str, what: &str, read: u64, count: Option<u64>) -> RunError {
        let sent = match count {
            Some(n) => format!(
                "the server read {read} tokens of the longest {what} prompt, which its own \
                 tokenizer counts as {n}"
            ),
            None => format!(
                "the server read {read} tokens of the longest {what} prompt and no more of it \
                 sent twice as long"
            ),
        };
        stop(
            role,
            format!(
                "{sent}: it cuts prompts to fit its context (llama.cpp's context shift drops the \
                 start of the prompt — a judge's rubric) and would answer them as if whole. Start \
                 the server with a larger -c (which --parallel N divides among its N slots), or \
                 with --no-context-shift so it refuses a prompt that does not fit"
            ),
        )
    }

    /// The server's own token count of `messages`, where it has a tokenizer endpoint
    /// ([`OpenAiTokenizer`]: `/tokenize`, else `/extras/tokenize`); a server whose endpoint
    /// fails once is not asked again.
    async fn count_tokens(
        &mut self,
        base: &str,
        spec: &ModelSpec,
        messages: &[(Role, String)],
    ) -> Option<u64> {
        if !self.tokenizer.contains_key(base) {
            self.tokenizer
                .insert(base.to_owned(), tokenizer_from_model_spec(spec).ok());
        }
        let messages: Vec<Message> = messages
            .iter()
            .map(|(r, t)| Message::text(*r, t.clone()))
            .collect();
        let counted = match self.tokenizer.get(base)? {
            Some(t) => self.timed(t.count(&messages)).await,
            None => return None,
        };
        match counted {
            Ok(n) => Some(n.tokens),
            Err(_) => {
                self.tokenizer.insert(base.to_owned(), None);
                None
            }
        }
    }
}

/// A chat request body: the messages, one token to generate, no streaming.
fn body(client: &OpenAiJson, messages: &[(Role, String)]) -> Vec<u8> {
    let msgs: Vec<serde_json::Value> = messages
        .iter()
        .map(|(r, t)| serde_json::json!({"role": role_name(*r), "content": t}))
        .collect();
    serde_json::json!({"model": client.model(), "messages": msgs, "max_tokens": 1,
        "temperature": 0, "stream": false})
    .to_string()
    .into_bytes()
}

fn usage_prompt_tokens(body: &[u8]) -> Option<u64> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    v.get("usage")?.get("prompt_tokens")?.as_u64()
}

/// The ids of `{"data": [{"id": …}, …]}`; `None` when the body is not such a list.
fn served_models(body: &[u8]) -> Option<Vec<String>> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let data = v.get("data")?.as_array()?;
    Some(
        data.iter()
            .filter_map(|m| m.get("id").and_then(serde_json::Value::as_str))
            .map(str::to_owned)
            .collect(),
    )
}
