//! The one crash-safe file write: a temporary file in the destination's
//! folder, written, flushed to disk, renamed over the destination, and the
//! folder flushed so the rename itself survives a power cut.

use std::fs::{self, File};
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Writes `bytes` to `path` so that readers (and a restart after a crash)
/// see either the old file or the whole new one, never a torn one.
///
/// Creates missing parent folders. Concurrent writers of the same path
/// each rename a complete file (each uses its own temporary name). This is
/// synchronous, blocking file I/O: from async code, call it on a blocking
/// thread (`tokio::task::spawn_blocking`).
///
/// # Errors
/// Any I/O error creating, writing, syncing or renaming; the temporary
/// file is removed and `path` is left as it was.
///
/// ```
/// let dir = std::env::temp_dir().join(format!("assurai-files-doc-{}", std::process::id()));
/// let path = dir.join("nested/out.json");
/// assurai_files::write_atomic(&path, b"{}\n")?;
/// assert_eq!(std::fs::read(&path)?, b"{}\n");
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn write_atomic(path: impl AsRef<Path>, bytes: &[u8]) -> io::Result<()> {
    let mut f = AtomicFile::create(path)?;
    f.write_all(bytes)?;
    f.commit()
}

/// A file written in place of `path` and put there by [`AtomicFile::commit`]
/// (fsync, rename, fsync of the folder); dropped without a commit, the
/// temporary file is removed and `path` is untouched.
///
/// For content produced as a stream (a zip archive, a large export);
/// [`write_atomic`] is the one-call form for bytes already in memory.
#[derive(Debug)]
pub struct AtomicFile {
    file: Option<File>,
    tmp: PathBuf,
    path: PathBuf,
}

impl AtomicFile {
    /// Creates the temporary file beside `path` (creating missing parent
    /// folders).
    ///
    /// # Errors
    /// The folder cannot be created or the file cannot be created in it.
    pub fn create(path: impl AsRef<Path>) -> io::Result<Self> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let path = path.as_ref().to_path_buf();
        let name = path
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path has no file name"))?
            .to_string_lossy()
            .into_owned();
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&dir)?;
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
        let file = File::create(&tmp)?;
        Ok(Self {
            file: Some(file),
            tmp,
            path,
        })
    }

    /// The destination the file is committed to.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn file(&mut self) -> io::Result<&mut File> {
        self.file
            .as_mut()
            .ok_or_else(|| io::Error::other("atomic file already committed"))
    }

    /// Flushes the contents to disk, renames the file over the destination
    /// and flushes the folder (where the platform can: a folder that
    /// cannot be opened or synced, as on Windows, is skipped).
    ///
    /// # Errors
    /// Syncing or renaming failed; the temporary file is removed and the
    /// destination is left as it was.
    pub fn commit(mut self) -> io::Result<()> {
        let file = self.file.take();
        let result = (|| {
            let file = file.ok_or_else(|| io::Error::other("atomic file already committed"))?;
            file.sync_all()?;
            drop(file);
            fs::rename(&self.tmp, &self.path)
        })();
        match result {
            Ok(()) => {
                self.tmp = PathBuf::new();
                if let Some(dir) = self.path.parent()
                    && let Ok(d) = File::open(if dir.as_os_str().is_empty() {
                        Path::new(".")
                    } else {
                        dir
                    })
                {
                    // Some file systems refuse fsync on a folder; the data
                    // itself is already durable.
                    let _ = d.sync_all();
                }
                Ok(())
            }
            Err(e) => Err(e),
        }
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file()?.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.file()?.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file()?.flush()
    }
}

impl Seek for AtomicFile {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.file()?.seek(pos)
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        self.file = None;
        if !self.tmp.as_os_str().is_empty() {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}
