//! Crash-safe file writes.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::ModelError;

/// Writes `bytes` to `path` atomically: a uniquely named temporary file in the same directory is
/// written, flushed to disk and renamed over `path`. Readers see the old file or the new one,
/// never a torn one; concurrent writers of the same path each rename a complete file.
pub(crate) async fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ModelError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|e| ModelError::io(dir.display().to_string(), e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let tmp = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
    let path_owned = path.to_path_buf();
    let tmp_owned = tmp.clone();
    let bytes = bytes.to_vec();
    let result = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        use std::io::Write as _;
        let mut f = std::fs::File::create(&tmp_owned)?;
        f.write_all(&bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp_owned, &path_owned)
    })
    .await
    .map_err(|e| ModelError::io(path.display().to_string(), std::io::Error::other(e)))?;
    if let Err(e) = result {
        let _ = tokio::fs::remove_file(&tmp).await;
        return Err(ModelError::io(path.display().to_string(), e));
    }
    Ok(())
}
