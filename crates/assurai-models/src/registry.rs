//! [`Registry`]: build models from spec strings such as `openai:qwen2.5:7b@http://127.0.0.1:11434/v1`.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::providers::{
    GEMINI_BASE_URL, GeminiGenerate, OPENAI_BASE_URL, OpenAiChat, OpenAiConfig, OpenAiImages,
    OpenAiSpeech, OpenAiVideo, ReplayModel,
};
use crate::{ModelError, TargetModel};

/// A parsed spec string: `SCHEME:TARGET[?key=value&key=value]`.
///
/// ```
/// use assurai_models::ModelSpec;
/// let spec: ModelSpec = "openai:exaone3.5:7.8b@http://127.0.0.1:11434/v1?stream=true".parse()?;
/// assert_eq!(spec.scheme(), "openai");
/// assert_eq!(spec.model_and_url(), ("exaone3.5:7.8b", Some("http://127.0.0.1:11434/v1")));
/// assert_eq!(spec.option("stream"), Some("true"));
/// # Ok::<(), assurai_models::ModelError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelSpec {
    raw: String,
    scheme: String,
    target: String,
    options: BTreeMap<String, String>,
}

impl std::str::FromStr for ModelSpec {
    type Err = ModelError;

    fn from_str(s: &str) -> Result<Self, ModelError> {
        let raw = s.trim();
        let (scheme, rest) = raw.split_once(':').ok_or_else(|| {
            ModelError::config(format!(
                "model spec {raw:?}: expected SCHEME:TARGET, e.g. openai:MODEL@URL or replay:PATH#MODEL"
            ))
        })?;
        let scheme = scheme.trim();
        if scheme.is_empty()
            || !scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(ModelError::config(format!(
                "model spec {raw:?}: bad scheme {scheme:?}"
            )));
        }
        let (target, query) = match rest.split_once('?') {
            Some((t, q)) => (t, Some(q)),
            None => (rest, None),
        };
        if target.is_empty() {
            return Err(ModelError::config(format!(
                "model spec {raw:?}: empty target after {scheme:?}"
            )));
        }
        let mut options = BTreeMap::new();
        for pair in query
            .into_iter()
            .flat_map(|q| q.split('&'))
            .filter(|p| !p.is_empty())
        {
            let (k, v) = pair.split_once('=').unwrap_or((pair, "true"));
            options.insert(k.to_owned(), v.to_owned());
        }
        Ok(Self {
            raw: raw.to_owned(),
            scheme: scheme.to_ascii_lowercase(),
            target: target.to_owned(),
            options,
        })
    }
}

impl fmt::Display for ModelSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl ModelSpec {
    /// The scheme, lower-cased (`openai`, `replay`, …).
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// Everything between the scheme and the options.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The spec as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// An option value.
    pub fn option(&self, key: &str) -> Option<&str> {
        self.options.get(key).map(String::as_str)
    }

    /// A boolean option (`true`/`1`/`yes` or `false`/`0`/`no`).
    ///
    /// # Errors
    /// [`ModelError::Config`] for any other value.
    pub fn bool_option(&self, key: &str) -> Result<Option<bool>, ModelError> {
        self.option(key)
            .map(|v| match v.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Ok(true),
                "false" | "0" | "no" | "off" => Ok(false),
                _ => Err(ModelError::config(format!(
                    "model spec {}: option {key} must be true or false, got {v:?}",
                    self.raw
                ))),
            })
            .transpose()
    }

    /// An unsigned integer option.
    ///
    /// # Errors
    /// [`ModelError::Config`] when it is not a number.
    pub fn u32_option(&self, key: &str) -> Result<Option<u32>, ModelError> {
        self.option(key)
            .map(|v| {
                v.parse().map_err(|_| {
                    ModelError::config(format!(
                        "model spec {}: option {key} must be a whole number, got {v:?}",
                        self.raw
                    ))
                })
            })
            .transpose()
    }

    /// Fails when an option other than `allowed` is present (catches typos).
    ///
    /// # Errors
    /// [`ModelError::Config`] naming the unknown option and the allowed ones.
    pub fn check_options(&self, allowed: &[&str]) -> Result<(), ModelError> {
        match self.options.keys().find(|k| !allowed.contains(&k.as_str())) {
            Some(k) => Err(ModelError::config(format!(
                "model spec {}: unknown option {k:?} (allowed: {})",
                self.raw,
                allowed.join(", ")
            ))),
            None => Ok(()),
        }
    }

    /// The spec with option `key` set to `value` (replacing any value it had), as if it had been
    /// written with `?key=value`: no string is parsed again.
    ///
    /// ```
    /// use assurai_models::ModelSpec;
    /// let spec: ModelSpec = "openai:m@http://127.0.0.1:1/v1".parse()?;
    /// let spec = spec.with_option("key_env", "MY_KEY");
    /// assert_eq!(spec.option("key_env"), Some("MY_KEY"));
    /// assert_eq!(spec.as_str(), "openai:m@http://127.0.0.1:1/v1?key_env=MY_KEY");
    /// # Ok::<(), assurai_models::ModelError>(())
    /// ```
    #[must_use]
    pub fn with_option(mut self, key: &str, value: &str) -> Self {
        match self.options.insert(key.to_owned(), value.to_owned()) {
            None => {
                let sep = if self.raw.contains('?') { '&' } else { '?' };
                self.raw = format!("{}{sep}{key}={value}", self.raw);
            }
            Some(_) => self.raw = self.canonical(),
        }
        self
    }

    /// The spec under another scheme, with the same target and options (e.g. a judge spec
    /// `llm:MODEL@URL` built as the `openai` chat model it names).
    #[must_use]
    pub fn with_scheme(mut self, scheme: &str) -> Self {
        let rest = self
            .raw
            .split_once(':')
            .map_or(String::new(), |(_, r)| r.to_owned());
        self.scheme = scheme.to_ascii_lowercase();
        self.raw = format!("{scheme}:{rest}");
        self
    }

    fn canonical(&self) -> String {
        let mut s = format!("{}:{}", self.scheme, self.target);
        for (i, (k, v)) in self.options.iter().enumerate() {
            s.push(if i == 0 { '?' } else { '&' });
            s.push_str(k);
            s.push('=');
            s.push_str(v);
        }
        s
    }

    /// Splits `MODEL@URL` into the model and the base URL (`None` when the target has no
    /// `@scheme://`). Model names may contain `@` and `:`; the split is at the last `@` before
    /// the URL's `://`.
    pub fn model_and_url(&self) -> (&str, Option<&str>) {
        let t = &self.target;
        let split = t.find("://").and_then(|p| t[..p].rfind('@'));
        match split {
            Some(i) => (&t[..i], Some(&t[i + 1..])),
            None => (t, None),
        }
    }
}

/// Builds a model from a parsed spec.
pub type Factory = dyn Fn(&ModelSpec) -> Result<Arc<dyn TargetModel>, ModelError> + Send + Sync;

/// Maps spec schemes to factories, so programs choose models at run time from strings and users
/// add their own providers without touching this crate.
///
/// Built in ([`Registry::with_builtins`]):
///
/// | spec | model |
/// |---|---|
/// | `openai:MODEL[@BASE_URL]` | [`OpenAiChat`]; options `stream`, `key_env` |
/// | `openai-image:MODEL[@BASE_URL]` | [`OpenAiImages`]; options `size`, `key_env` |
/// | `openai-speech:MODEL[@BASE_URL]` | [`OpenAiSpeech`]; options `voice`, `format`, `key_env` |
/// | `openai-video:MODEL[@BASE_URL]` | [`OpenAiVideo`]; options `seconds`, `size`, `poll_secs`, `key_env` |
/// | `gemini:MODEL[@BASE_URL]` | [`GeminiGenerate`]; options `image`, `key_env` |
/// | `replay:PATH[#MODEL]` | [`ReplayModel`] over a JSONL file |
///
/// Without `@BASE_URL` (or with a URL on OpenAI's own API host, `https://api.openai.com`),
/// `openai*` schemes use `https://api.openai.com/v1` with the key from `OPENAI_API_KEY`, and
/// `gemini` uses Google's endpoint with `GEMINI_API_KEY`. With any other URL, a key is sent only
/// if `key_env=VAR` names its variable — a local server never receives your cloud key by
/// accident.
///
/// ```
/// use std::sync::Arc;
/// use assurai_models::{Generation, ModelError, Output, Registry, TargetModel};
/// use assurai_models::providers::{RecordedOutput, ReplayModel};
///
/// let mut registry = Registry::with_builtins();
/// registry.register("canned", |spec| {
///     let rec = RecordedOutput::new("X-1", spec.target(), Generation::new(Output::text("ok")));
///     Ok(Arc::new(ReplayModel::from_entries(spec.target(), [rec])) as Arc<dyn TargetModel>)
/// });
/// let model = registry.build("canned:my-model")?;
/// assert_eq!(model.id(), "replay:my-model");
/// assert!(registry.build("nope:x").is_err());
/// # Ok::<(), ModelError>(())
/// ```
#[derive(Clone, Default)]
pub struct Registry {
    factories: HashMap<String, Arc<Factory>>,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("schemes", &self.schemes())
            .finish()
    }
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// A registry with the built-in schemes.
    pub fn with_builtins() -> Self {
        let mut r = Self::new();
        r.register("openai", |s| {
            s.check_options(&["stream", "key_env"])?;
            let cfg = openai_config(s, "OPENAI_API_KEY", OPENAI_BASE_URL)?
                .stream(s.bool_option("stream")?.unwrap_or(false));
            Ok(Arc::new(OpenAiChat::new(cfg)?))
        });
        r.register("openai-image", |s| {
            s.check_options(&["size", "key_env"])?;
            let mut m = OpenAiImages::new(openai_config(s, "OPENAI_API_KEY", OPENAI_BASE_URL)?)?;
            if let Some(size) = s.option("size") {
                m = m.size(size);
            }
            Ok(Arc::new(m))
        });
        r.register("openai-speech", |s| {
            s.check_options(&["voice", "format", "key_env"])?;
            let mut m = OpenAiSpeech::new(openai_config(s, "OPENAI_API_KEY", OPENAI_BASE_URL)?)?;
            if let Some(v) = s.option("voice") {
                m = m.voice(v);
            }
            if let Some(f) = s.option("format") {
                m = m.format(f);
            }
            Ok(Arc::new(m))
        });
        r.register("openai-video", |s| {
            s.check_options(&["seconds", "size", "poll_secs", "key_env"])?;
            let mut m = OpenAiVideo::new(openai_config(s, "OPENAI_API_KEY", OPENAI_BASE_URL)?)?;
            if let Some(secs) = s.u32_option("seconds")? {
                m = m.seconds(secs);
            }
            if let Some(size) = s.option("size") {
                m = m.size(size);
            }
            if let Some(p) = s.u32_option("poll_secs")? {
                m = m.poll_interval(Duration::from_secs(u64::from(p.max(1))));
            }
            Ok(Arc::new(m))
        });
        r.register("gemini", |s| {
            s.check_options(&["image", "key_env"])?;
            let (model, url) = s.model_and_url();
            let var = match (s.option("key_env"), url) {
                (Some(v), _) => Some(v),
                (None, None) => Some("GEMINI_API_KEY"),
                (None, Some(_)) => None,
            };
            let mut cfg = OpenAiConfig::new(url.unwrap_or(GEMINI_BASE_URL), model).id(s.as_str());
            if let Some(var) = var {
                let key = crate::Secret::from_env(var).ok_or_else(|| {
                    ModelError::config(format!(
                        "{s}: environment variable {var} is not set or empty"
                    ))
                })?;
                cfg = cfg.header("x-goog-api-key", key);
            }
            let mut m = GeminiGenerate::new(cfg)?;
            if s.bool_option("image")?.unwrap_or(false) {
                m = m.image_output();
            }
            Ok(Arc::new(m))
        });
        r.register("replay", |s| {
            s.check_options(&[])?;
            let (path, model) = match s.target().rsplit_once('#') {
                Some((p, m)) => (p, Some(m)),
                None => (s.target(), None),
            };
            Ok(Arc::new(ReplayModel::from_jsonl(path, model)?))
        });
        r
    }

    /// Adds or replaces the factory for `scheme` (case-insensitive).
    pub fn register<F>(&mut self, scheme: &str, factory: F) -> &mut Self
    where
        F: Fn(&ModelSpec) -> Result<Arc<dyn TargetModel>, ModelError> + Send + Sync + 'static,
    {
        self.factories
            .insert(scheme.to_ascii_lowercase(), Arc::new(factory));
        self
    }

    /// The registered schemes, sorted.
    pub fn schemes(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.factories.keys().map(String::as_str).collect();
        v.sort_unstable();
        v
    }

    /// Parses `spec` and builds its model.
    ///
    /// # Errors
    /// [`ModelError::Config`] for a malformed spec, an unknown scheme or option, or a missing
    /// key variable; whatever the factory returns otherwise.
    pub fn build(&self, spec: &str) -> Result<Arc<dyn TargetModel>, ModelError> {
        self.build_spec(&spec.parse()?)
    }

    /// Builds the model of an already parsed spec.
    ///
    /// # Errors
    /// [`ModelError::Config`] for an unknown scheme or option, or a missing key variable;
    /// whatever the factory returns otherwise.
    pub fn build_spec(&self, spec: &ModelSpec) -> Result<Arc<dyn TargetModel>, ModelError> {
        let factory = self.factories.get(spec.scheme()).ok_or_else(|| {
            ModelError::config(format!(
                "model spec {:?}: unknown scheme {:?} (known: {})",
                spec.as_str(),
                spec.scheme(),
                self.schemes().join(", ")
            ))
        })?;
        factory(spec)
    }
}

/// Builds a speech-to-text [`Transcriber`](crate::Transcriber) from a spec string:
/// `openai:MODEL[@BASE_URL][?key_env=VAR]` (also spelled `openai-transcribe:`), with the same key
/// rules as the [`Registry`]'s `openai` scheme.
///
/// ```
/// let t = assurai_models::transcriber_from_spec("openai:whisper-1@http://127.0.0.1:8080/v1")?;
/// assert_eq!(t.id(), "openai:whisper-1@http://127.0.0.1:8080/v1");
/// # Ok::<(), assurai_models::ModelError>(())
/// ```
///
/// # Errors
/// [`ModelError::Config`] for a malformed spec, another scheme, an unknown option or a missing key
/// variable.
pub fn transcriber_from_spec(spec: &str) -> Result<Arc<dyn crate::Transcriber>, ModelError> {
    transcriber_from_model_spec(&spec.parse()?)
}

/// [`transcriber_from_spec`] for an already parsed spec.
///
/// # Errors
/// As [`transcriber_from_spec`].
pub fn transcriber_from_model_spec(
    s: &ModelSpec,
) -> Result<Arc<dyn crate::Transcriber>, ModelError> {
    let spec = s.as_str();
    if !matches!(s.scheme(), "openai" | "openai-transcribe") {
        return Err(ModelError::config(format!(
            "transcriber spec {spec:?}: unknown scheme {:?} (known: openai, openai-transcribe)",
            s.scheme()
        )));
    }
    s.check_options(&["key_env"])?;
    let cfg = openai_config(s, "OPENAI_API_KEY", OPENAI_BASE_URL)?;
    Ok(Arc::new(crate::providers::OpenAiTranscriber::new(cfg)?))
}

/// A raw JSON client ([`OpenAiJson`](crate::providers::OpenAiJson)) for the server and model of
/// an `openai*:MODEL[@URL][?key_env=VAR]` spec, with the same key rules as the built-in schemes
/// (see [`Registry`]): for requests the model interface does not make, such as a preflight's
/// `GET /models` or `/tokenize`.
///
/// # Errors
/// [`ModelError::Config`] for a missing model name, a bad base URL or a missing key variable.
pub fn openai_json_from_spec(s: &ModelSpec) -> Result<crate::providers::OpenAiJson, ModelError> {
    crate::providers::OpenAiJson::new(openai_config(s, "OPENAI_API_KEY", OPENAI_BASE_URL)?)
}

/// The `/tokenize` endpoint of the server an `openai:MODEL[@BASE_URL][?key_env=VAR]` spec names
/// (other options of the spec are ignored), with the same key rules as the [`Registry`]'s
/// `openai` scheme: a key goes to another host than OpenAI's only when `key_env` names it.
///
/// ```
/// let spec = "openai:local@http://127.0.0.1:8080/v1".parse()?;
/// let t = assurai_models::tokenizer_from_model_spec(&spec)?;
/// assert_eq!(t.url(), "http://127.0.0.1:8080/tokenize");
/// # Ok::<(), assurai_models::ModelError>(())
/// ```
///
/// # Errors
/// [`ModelError::Config`] for a spec without a model name, a bad base URL or a missing key
/// variable.
pub fn tokenizer_from_model_spec(
    s: &ModelSpec,
) -> Result<crate::providers::OpenAiTokenizer, ModelError> {
    let cfg = openai_config(s, "OPENAI_API_KEY", OPENAI_BASE_URL)?;
    crate::providers::OpenAiTokenizer::new(cfg)
}

/// The OpenAI configuration of an `openai*:MODEL[@URL]` spec (see [`Registry`] for key rules).
fn openai_config(
    s: &ModelSpec,
    default_var: &str,
    default_url: &str,
) -> Result<OpenAiConfig, ModelError> {
    let (model, url) = s.model_and_url();
    if model.is_empty() {
        return Err(ModelError::config(format!(
            "model spec {s}: missing model name"
        )));
    }
    let mut cfg = OpenAiConfig::new(url.unwrap_or(default_url), model).id(s.as_str());
    match (s.option("key_env"), url) {
        (Some(var), _) => cfg = cfg.api_key_env(var)?,
        (None, None) => {
            if let Some(key) = crate::Secret::from_env(default_var) {
                cfg = cfg.api_key(key);
            }
        }
        (None, Some(u)) if crate::providers::is_openai_host(u) => {
            if let Some(key) = crate::Secret::from_env(default_var) {
                cfg = cfg.api_key(key);
            }
        }
        (None, Some(_)) => {}
    }
    Ok(cfg)
}
