//! [`Dataset`]: a dataset file on disk, its folder, and what can be done
//! with it.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::check::MediaRoot;
use crate::read::Transform;
use crate::release::Release;
use crate::{
    Allocation, DatasetError, Distribution, FieldMap, Format, Instance, Limits, Preset,
    PromptTypeCodes, RELEASE_INDEX, Reader, Record, Sampler, Shard, ValidationReport, Validator,
};

/// A dataset file: its format, optional field mapping and limits. Media
/// paths in it are relative to the file's folder.
///
/// ```
/// use assurai_dataset::Dataset;
///
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/sample/sample.jsonl");
/// let ds = Dataset::open(path)?;
/// let report = ds.validate()?;
/// assert!(report.valid, "{:?}", report.errors);
/// for record in ds.records()? {
///     let record = record?;
///     assert!(!record.instance.id.is_empty());
/// }
/// # Ok::<(), assurai_dataset::DatasetError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Dataset {
    path: PathBuf,
    dir: PathBuf,
    format: Format,
    mapping: Option<FieldMap>,
    preset: Option<String>,
    codes: PromptTypeCodes,
    limits: Limits,
    skip_invalid: bool,
}

impl Dataset {
    /// Opens a dataset file; the format follows the extension (`.json`,
    /// `.csv`, otherwise JSON Lines).
    pub fn open(path: impl AsRef<Path>) -> Result<Self, DatasetError> {
        let path = path.as_ref().to_path_buf();
        let meta = std::fs::metadata(&path).map_err(|e| DatasetError::io(&path, e))?;
        if !meta.is_file() {
            return Err(DatasetError::io(
                &path,
                std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file"),
            ));
        }
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        Ok(Self {
            format: Format::from_path(&path),
            path,
            dir,
            mapping: None,
            preset: None,
            codes: PromptTypeCodes::default(),
            limits: Limits::default(),
            skip_invalid: false,
        })
    }

    /// Opens the published AssurAI release: its `assurai_index.jsonl`, or
    /// the folder that holds it (media are found under `Risk_NN/<modality>/`
    /// beside the index).
    pub fn open_release(path: impl AsRef<Path>) -> Result<Self, DatasetError> {
        let path = path.as_ref();
        let index = if path.is_dir() {
            let index = path.join(RELEASE_INDEX);
            if !index.is_file() {
                return Err(DatasetError::io(
                    &index,
                    std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        format!("the folder has no {RELEASE_INDEX} (the AssurAI release index)"),
                    ),
                ));
            }
            index
        } else {
            path.to_path_buf()
        };
        Ok(Self::open(index)?.with_format(Format::AssuraiRelease))
    }

    /// Reads the file through a preset's mapping (see [`Preset`]).
    pub fn with_preset(mut self, preset: &Preset) -> Self {
        self.mapping = Some(preset.mapping().clone());
        self.preset = Some(preset.name().to_owned());
        self
    }

    /// The preset the file is read through, if any.
    pub fn preset(&self) -> Option<&str> {
        self.preset.as_deref()
    }

    /// Uses this prompt-type code table for [`Format::AssuraiRelease`].
    pub fn with_prompt_type_codes(mut self, codes: PromptTypeCodes) -> Self {
        self.codes = codes;
        self
    }

    /// Leaves out records with errors instead of yielding them as errors
    /// from [`Dataset::records`] (validation still reports every one).
    pub fn with_skip_invalid(mut self, skip: bool) -> Self {
        self.skip_invalid = skip;
        self
    }

    /// Whether records with errors are left out (see [`Dataset::with_skip_invalid`]).
    pub fn skips_invalid(&self) -> bool {
        self.skip_invalid
    }

    /// Reads the file in this format instead of the one its extension implies.
    pub fn with_format(mut self, format: Format) -> Self {
        self.format = format;
        self
    }

    /// Maps each record with `mapping` before reading it.
    pub fn with_mapping(mut self, mapping: FieldMap) -> Self {
        self.mapping = Some(mapping);
        self
    }

    /// Uses these resource limits.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The dataset file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The folder media paths are relative to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The format used to read the file.
    pub fn format(&self) -> Format {
        self.format
    }

    /// A streaming reader over the file's records.
    pub fn records(&self) -> Result<Reader<BufReader<File>>, DatasetError> {
        let f = File::open(&self.path).map_err(|e| DatasetError::io(&self.path, e))?;
        Ok(self.reader_of(f))
    }

    /// A reader of this dataset's records from `input` (the file's bytes).
    pub(crate) fn reader_of<R: Read>(&self, f: R) -> Reader<BufReader<R>> {
        let transform = match self.format {
            Format::AssuraiRelease => Some(Transform::Release(Box::new(Release::new(
                self.codes.clone(),
                &self.dir,
            )))),
            _ => self.mapping.clone().map(|map| Transform::Map {
                map,
                checked: false,
            }),
        };
        Reader::with_transform(
            BufReader::with_capacity(256 << 10, f),
            self.format,
            transform,
            self.limits,
        )
        .skipping_invalid(self.skip_invalid)
    }

    /// The instances of one shard, in file order.
    pub fn shard(
        &self,
        shard: Shard,
    ) -> Result<impl Iterator<Item = Result<Record, DatasetError>>, DatasetError> {
        Ok(self.records()?.filter(move |r| match r {
            Ok(r) => shard.contains(&r.instance.id),
            Err(_) => true,
        }))
    }

    /// Validates the whole file, media included. `Err` only when the file
    /// cannot be opened; problems in the data are in the [`ValidationReport`].
    pub fn validate(&self) -> Result<ValidationReport, DatasetError> {
        self.validate_with(Validator::new())
    }

    /// Validates with a configured validator (its media folder is set to
    /// this dataset's folder).
    pub fn validate_with(&self, validator: Validator) -> Result<ValidationReport, DatasetError> {
        Ok(validator
            .with_media_dir(&self.dir)
            .validate(self.records()?))
    }

    /// Counts of the readable instances (records with errors are skipped).
    pub fn distribution(&self) -> Result<Distribution, DatasetError> {
        let mut d = Distribution::new();
        for r in self.records()?.flatten() {
            d.add(&r.instance);
        }
        Ok(d)
    }

    /// A seeded stratified sample of `n` instances (factor × prompt type ×
    /// modality), optionally within one shard, in file order. Fails on the
    /// first invalid record: validate first.
    pub fn sample(
        &self,
        seed: u64,
        n: u64,
        allocation: Allocation,
        shard: Option<Shard>,
    ) -> Result<Vec<Instance>, DatasetError> {
        let keep = |i: &Instance| shard.is_none_or(|s| s.contains(&i.id));
        let mut sampler = Sampler::new(seed, n, allocation);
        for r in self.records()? {
            let r = r?;
            if keep(&r.instance) {
                sampler.count(&r.instance);
            }
        }
        for r in self.records()? {
            let r = r?;
            if keep(&r.instance) {
                sampler.offer(r.instance);
            }
        }
        Ok(sampler.finish())
    }

    /// Resolves a media path of this dataset to a file inside its folder;
    /// rejects absolute paths, `..`, symlinks out of the folder and missing
    /// files.
    pub fn resolve_media(&self, path: &str) -> Result<PathBuf, DatasetError> {
        MediaRoot::new(&self.dir).resolve(path)
    }

    /// A SHA-256 content hash for run manifests: `sha256:<hex>` over the
    /// dataset file's bytes followed, in path order, by each distinct media
    /// file the readable instances reference (its path, its length and its
    /// bytes; missing files hash as a marker).
    pub fn content_hash(&self) -> Result<String, DatasetError> {
        let mut h = Sha256::new();
        h.update(b"assurai-dataset-hash v1\n");
        hash_file(&self.path, &mut h).map_err(|e| DatasetError::io(&self.path, e))?;
        let mut media = BTreeSet::new();
        for r in self.records()?.flatten() {
            for (_, m) in r.instance.media_refs() {
                media.insert(m.path.clone());
            }
        }
        crate::scan::hash_media(self, &media, &mut h)?;
        Ok(crate::scan::hex_digest(h))
    }
}

pub(crate) fn hash_file(path: &Path, h: &mut Sha256) -> std::io::Result<()> {
    let mut f = File::open(path)?;
    let len = f.metadata()?.len();
    h.update(len.to_le_bytes());
    let mut buf = vec![0u8; 64 << 10];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        h.update(&buf[..n]);
    }
}
