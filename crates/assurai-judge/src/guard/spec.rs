//! `guard:FAMILY:MODEL@BASE_URL[?key_env=VAR]` specs.

use assurai_models::ModelSpec;
use assurai_models::providers::{OpenAiConfig, OpenAiJson};

use std::sync::Arc;

use crate::{CategoryTable, GuardFamily, GuardJudge, JudgeError, ScoreRule};

impl GuardJudge<OpenAiJson> {
    /// Builds a guard judge from a spec `guard:FAMILY:MODEL@BASE_URL` (the `guard:` prefix may
    /// be left out), e.g. `guard:kanana:kakaocorp/kanana-safeguard-8b@http://127.0.0.1:8000/v1`.
    /// Options: `key_env=VAR` (send the key in `VAR`; a local server gets none by default),
    /// `retries=N` (default 2), `categories=PATH` (a category table replacing the built-in
    /// one, same format as `data/guard_categories.tsv`) and `rule=RULE` (a [`ScoreRule`] in
    /// its text form, e.g. `rule=controversial=2,bins=0.9:1;0.5:2;0:4`). The judge's id is the
    /// spec as written.
    ///
    /// ```
    /// use assurai_judge::{GuardFamily, GuardJudge, Judge};
    /// let j = GuardJudge::from_spec("guard:qwen3guard:Qwen/Qwen3Guard-Gen-4B@http://127.0.0.1:8000/v1")?;
    /// assert_eq!(j.family(), GuardFamily::Qwen3Guard);
    /// assert_eq!(j.id(), "guard:qwen3guard:Qwen/Qwen3Guard-Gen-4B@http://127.0.0.1:8000/v1");
    /// assert!(GuardJudge::from_spec("guard:nope:m@http://x").is_err());
    /// assert!(GuardJudge::from_spec("guard:kanana:no-url").is_err());
    /// # Ok::<(), assurai_judge::JudgeError>(())
    /// ```
    ///
    /// # Errors
    /// [`JudgeError::Template`] naming what is wrong with the spec.
    pub fn from_spec(spec: &str) -> Result<Self, JudgeError> {
        let written = spec.trim();
        let body = written.strip_prefix("guard:").unwrap_or(written);
        let bad = |why: String| {
            JudgeError::template(format!(
                "guard judge {written:?}: {why} (expected guard:FAMILY:MODEL@BASE_URL)"
            ))
        };
        let (family, rest) = body
            .split_once(':')
            .ok_or_else(|| bad("no family".to_owned()))?;
        let family: GuardFamily = family.parse().map_err(|e: JudgeError| bad(e.to_string()))?;
        let parsed: ModelSpec = format!("guard:{rest}")
            .parse()
            .map_err(|e: assurai_models::ModelError| bad(e.to_string()))?;
        parsed
            .check_options(&["key_env", "retries", "categories", "rule"])
            .map_err(|e| bad(e.to_string()))?;
        let (model, url) = parsed.model_and_url();
        let url = url.ok_or_else(|| bad("no @BASE_URL".to_owned()))?;
        if model.is_empty() {
            return Err(bad("no model name".to_owned()));
        }
        let mut cfg = OpenAiConfig::new(url, model);
        if let Some(var) = parsed.option("key_env") {
            cfg = cfg.api_key_env(var).map_err(|e| bad(e.to_string()))?;
        }
        let retries = parsed
            .u32_option("retries")
            .map_err(|e| bad(e.to_string()))?
            .unwrap_or(2);
        let backend = OpenAiJson::new(cfg).map_err(|e| bad(e.to_string()))?;
        let mut judge = GuardJudge::new(backend, family)
            .with_id(written)
            .retries(retries, std::time::Duration::from_millis(500));
        if let Some(path) = parsed.option("categories") {
            let text = std::fs::read_to_string(path)
                .map_err(|e| bad(format!("cannot read the category table {path}: {e}")))?;
            judge = judge.table(Arc::new(CategoryTable::from_tsv(&text, path)?));
        }
        if let Some(rule) = parsed.option("rule") {
            judge = judge.rule(ScoreRule::parse(rule).map_err(|e| bad(e.to_string()))?);
        }
        Ok(judge)
    }
}
