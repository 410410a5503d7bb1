//! [`Dataset::scan`]: validation, content hash, media references and a
//! caller's own per-instance work in one pass over the file.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::rc::Rc;

use sha2::{Digest, Sha256};

use crate::check::MediaRoot;
use crate::dataset::hash_file;
use crate::{Dataset, DatasetError, Instance, Problem, ValidationReport, Validator};

/// What one [`Dataset::scan`] found.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Scan {
    /// The validation report (as [`Dataset::validate_with`] gives it).
    pub report: ValidationReport,
    /// The content hash (as [`Dataset::content_hash`] gives it for a valid
    /// dataset).
    pub content_hash: String,
}

/// The file's bytes, fed to a hasher as the reader pulls them.
struct Hashing {
    inner: File,
    state: Rc<RefCell<(Sha256, u64)>>,
}

impl Read for Hashing {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut state = self.state.borrow_mut();
        state.0.update(&buf[..n]);
        state.1 += n as u64;
        Ok(n)
    }
}

impl Dataset {
    /// Reads the file once and returns its validation report and content
    /// hash, calling `visit` with every instance that reads without an error
    /// (in file order) — so a caller counts, filters or indexes in the same
    /// pass instead of reading the file again.
    ///
    /// For a valid dataset `visit` sees every instance, and the hash equals
    /// [`Dataset::content_hash`]. `Err` only when the file cannot be read;
    /// problems in the data are in the report.
    ///
    /// ```
    /// use assurai_dataset::{Dataset, Validator};
    ///
    /// let ds = Dataset::open(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/sample/sample.jsonl"))?;
    /// let mut n = 0u64;
    /// let scan = ds.scan(Validator::new(), |_| n += 1)?;
    /// assert!(scan.report.valid);
    /// assert_eq!(n, scan.report.instances);
    /// assert_eq!(scan.content_hash, ds.content_hash()?);
    /// # Ok::<(), assurai_dataset::DatasetError>(())
    /// ```
    pub fn scan(
        &self,
        validator: Validator,
        mut visit: impl FnMut(&Instance),
    ) -> Result<Scan, DatasetError> {
        let path = self.path();
        let file = File::open(path).map_err(|e| DatasetError::io(path, e))?;
        let len = file
            .metadata()
            .map_err(|e| DatasetError::io(path, e))?
            .len();
        let mut h = Sha256::new();
        h.update(b"assurai-dataset-hash v1\n");
        h.update(len.to_le_bytes());
        let state = Rc::new(RefCell::new((h, 0u64)));
        let mut reader = self.reader_of(Hashing {
            inner: file,
            state: Rc::clone(&state),
        });
        let mut validator = validator.with_media_dir(self.dir());
        let mut media = BTreeSet::new();
        while let Some(checked) = reader.next_checked() {
            if let Some(inst) = &checked.instance
                && !checked.problems.iter().any(Problem::is_error)
            {
                for (_, m) in inst.media_refs() {
                    media.insert(m.path.clone());
                }
                visit(inst);
            }
            validator.push(checked);
        }
        drop(reader);
        let (mut h, read) = Rc::try_unwrap(state)
            .map_or_else(|shared| shared.borrow().clone(), RefCell::into_inner);
        if read < len {
            // The reader stopped early (a fatal syntax error): hash the rest.
            let mut rest = File::open(path).map_err(|e| DatasetError::io(path, e))?;
            rest.seek(SeekFrom::Start(read))
                .map_err(|e| DatasetError::io(path, e))?;
            let mut buf = vec![0u8; 64 << 10];
            loop {
                let n = rest.read(&mut buf).map_err(|e| DatasetError::io(path, e))?;
                if n == 0 {
                    break;
                }
                h.update(&buf[..n]);
            }
        }
        hash_media(self, &media, &mut h)?;
        Ok(Scan {
            report: validator.finish(),
            content_hash: hex_digest(h),
        })
    }
}

/// Hashes each distinct media file, in path order: its path, its length and
/// its bytes (a missing file hashes as a marker).
pub(crate) fn hash_media(
    ds: &Dataset,
    media: &BTreeSet<String>,
    h: &mut Sha256,
) -> Result<(), DatasetError> {
    let root = MediaRoot::new(ds.dir());
    for p in media {
        h.update(b"\0media\0");
        h.update(p.as_bytes());
        h.update(b"\0");
        match root.resolve_message(p) {
            Ok(real) => hash_file(&real, h).map_err(|e| DatasetError::io(&real, e))?,
            Err(_) => h.update(b"<missing>"),
        }
    }
    Ok(())
}

/// `sha256:<hex>`.
pub(crate) fn hex_digest(h: Sha256) -> String {
    let digest = h.finalize();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}
