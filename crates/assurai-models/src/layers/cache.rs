//! [`Cache`]: a content-addressed on-disk cache of generations.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::{Generation, GenerationRequest, GenerationSettings, Message, ModelError, TargetModel};

/// Version of the cache entry format; part of every key, so a format change starts a new cache.
const FORMAT: &str = "assurai-models cache v1";

/// Returns a stored generation when the same model was already asked the same thing, and stores
/// new ones.
///
/// The key is the SHA-256 of the model's [`id`](TargetModel::id) (or an explicit namespace), the
/// conversation and the settings — not the request or instance id, so two instances with the same
/// prompt share an entry. Use different seeds to get distinct samples of one prompt.
///
/// Entries live at `DIR/ab/abcdef….json`. Each is written to a temporary file in the same folder,
/// flushed and renamed into place, so a crash never leaves a torn entry and concurrent writers
/// of one key each install a complete file. An unreadable entry counts as a miss and is
/// overwritten. Errors are never cached; blocked outputs are, unless
/// [`cache_blocked(false)`](Cache::cache_blocked).
#[derive(Debug, Clone)]
pub struct Cache<M> {
    inner: M,
    dir: PathBuf,
    namespace: Option<String>,
    cache_blocked: bool,
}

#[derive(Serialize)]
struct KeyMaterial<'a> {
    format: &'static str,
    model: &'a str,
    messages: &'a [Message],
    settings: &'a GenerationSettings,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    format: String,
    model: String,
    generation: Generation,
}

impl<M: TargetModel> Cache<M> {
    /// Caches `inner`'s generations under `dir`.
    pub fn new(inner: M, dir: impl Into<PathBuf>) -> Self {
        Self {
            inner,
            dir: dir.into(),
            namespace: None,
            cache_blocked: true,
        }
    }

    /// Uses `namespace` instead of the model id in the key (e.g. to share entries between two
    /// spellings of the same endpoint).
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
        self
    }

    /// Whether blocked outputs are stored (default `true`).
    pub fn cache_blocked(mut self, on: bool) -> Self {
        self.cache_blocked = on;
        self
    }

    /// The hex SHA-256 key of a request.
    pub fn key(&self, request: &GenerationRequest) -> String {
        let material = KeyMaterial {
            format: FORMAT,
            model: self.model_name(),
            messages: &request.messages,
            settings: &request.settings,
        };
        let mut hasher = Sha256::new();
        // Serialising these plain types cannot fail; fall back to Debug just in case.
        match serde_json::to_vec(&material) {
            Ok(bytes) => hasher.update(&bytes),
            Err(_) => hasher.update(format!("{:?}{:?}", request.messages, request.settings)),
        }
        let digest = hasher.finalize();
        let mut hex = String::with_capacity(64);
        for b in digest {
            hex.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0'));
            hex.push(char::from_digit(u32::from(b & 15), 16).unwrap_or('0'));
        }
        hex
    }

    /// The file an entry for `request` lives in.
    pub fn path(&self, request: &GenerationRequest) -> PathBuf {
        let key = self.key(request);
        self.dir.join(&key[..2]).join(format!("{key}.json"))
    }

    fn model_name(&self) -> &str {
        self.namespace.as_deref().unwrap_or_else(|| self.inner.id())
    }

    async fn lookup(&self, path: &Path) -> Result<Option<Generation>, ModelError> {
        match tokio::fs::read(path).await {
            Ok(bytes) => Ok(serde_json::from_slice::<Entry>(&bytes)
                .ok()
                .filter(|e| e.format == FORMAT && e.model == self.model_name())
                .map(|e| e.generation)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(ModelError::io(path.display().to_string(), e)),
        }
    }
}

#[async_trait]
impl<M: TargetModel> TargetModel for Cache<M> {
    fn id(&self) -> &str {
        self.inner.id()
    }

    fn modality(&self) -> assurai_taxonomy::Modality {
        self.inner.modality()
    }

    async fn generate(&self, request: &GenerationRequest) -> Result<Generation, ModelError> {
        let path = self.path(request);
        if let Some(g) = self.lookup(&path).await? {
            return Ok(g);
        }
        let g = self.inner.generate(request).await?;
        if self.cache_blocked || !g.output.is_blocked() {
            let entry = Entry {
                format: FORMAT.to_owned(),
                model: self.model_name().to_owned(),
                generation: g,
            };
            let bytes = serde_json::to_vec(&entry)
                .map_err(|e| ModelError::malformed(format!("cannot encode cache entry: {e}")))?;
            crate::fsutil::write_atomic(&path, bytes).await?;
            return Ok(entry.generation);
        }
        Ok(g)
    }
}
