//! Crash-safe file writes from async code.

use std::path::Path;

use crate::ModelError;

/// Writes `bytes` to `path` with the workspace's one atomic write ([`assurai_files::write_atomic`]:
/// temporary file in the same folder, fsync, rename, fsync of the folder) on tokio's blocking
/// pool, so no async worker thread waits on the disk. Readers see the old file or the new one,
/// never a torn one.
pub(crate) async fn write_atomic(path: &Path, bytes: Vec<u8>) -> Result<(), ModelError> {
    let owned = path.to_path_buf();
    tokio::task::spawn_blocking(move || assurai_files::write_atomic(&owned, &bytes))
        .await
        .map_err(|e| ModelError::io(path.display().to_string(), std::io::Error::other(e)))?
        .map_err(|e| ModelError::io(path.display().to_string(), e))
}
