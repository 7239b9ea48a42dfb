//! [`StoreLock`]: one `runtime` process at a time refreshes a token file.
//!
//! Refresh tokens rotate and a reused one revokes the whole grant, so two
//! processes that read the same refresh token and both spend it lose the
//! login. Whoever refreshes holds an exclusive lock on a sibling lock file
//! (`tokens.json.lock`) from re-reading the file to writing the rotated
//! tokens; a process that waited re-reads and finds the other's tokens.
//!
//! The lock is the standard library's `File::try_lock` (`flock` on Unix,
//! `LockFileEx` on Windows; stable since Rust 1.89), so no crate is needed.
//! An advisory lock is enough: every writer of the file is Kiln. `flock`
//! locks belong to the open file, so two stores in one process exclude each
//! other as two processes do, and the kernel drops the lock when a holder
//! dies. The lock file itself is never deleted: deleting it would let a
//! waiter lock an unlinked file while a newcomer locks a new one.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::token_store::TokenStoreError;

/// Longest wait for another process's refresh. A holder spends at most one
/// token request (20 s) under the lock; a holder stopped mid-refresh
/// (Ctrl-Z) must not hang every other run forever.
pub const LOCK_PATIENCE: Duration = Duration::from_secs(30);
/// How often a waiter tries again: short next to a token request, long
/// enough not to spin.
const RETRY_EVERY: Duration = Duration::from_millis(25);

/// An exclusive lock on a token file; released when dropped.
#[derive(Debug)]
pub struct StoreLock {
    /// Closing the file releases the lock.
    _file: File,
}

impl StoreLock {
    /// The lock file beside `store`: `tokens.json` → `tokens.json.lock`.
    pub fn path_for(store: &Path) -> PathBuf {
        let mut name = store
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_else(|| "tokens".into());
        name.push(".lock");
        store.with_file_name(name)
    }

    /// Waits (without blocking the async runtime) until this process holds
    /// the lock of `store`, or `patience` runs out.
    pub async fn acquire(store: &Path, patience: Duration) -> Result<Self, TokenStoreError> {
        let path = Self::path_for(store);
        let file = open_lock_file(&path).map_err(|source| TokenStoreError::Lock {
            path: path.clone(),
            source,
        })?;
        let give_up = tokio::time::Instant::now() + patience;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Self { _file: file }),
                Err(TryLockError::WouldBlock) if tokio::time::Instant::now() < give_up => {
                    tokio::time::sleep(RETRY_EVERY).await;
                }
                Err(TryLockError::WouldBlock) => {
                    return Err(TokenStoreError::LockTimeout {
                        path,
                        waited: patience,
                    });
                }
                Err(TryLockError::Error(source)) => {
                    return Err(TokenStoreError::Lock { path, source });
                }
            }
        }
    }
}

/// Opens (creating `0600` if needed) the lock file, not following a symlink
/// planted in its place.
fn open_lock_file(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_file_sits_beside_the_store() {
        assert_eq!(
            StoreLock::path_for(Path::new("/x/kiln/tokens.json")),
            PathBuf::from("/x/kiln/tokens.json.lock")
        );
    }

    #[tokio::test]
    async fn a_second_holder_waits_and_then_gives_up_with_a_typed_error() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("tokens.json");
        let held = StoreLock::acquire(&store, LOCK_PATIENCE).await.unwrap();
        let err = StoreLock::acquire(&store, Duration::ZERO)
            .await
            .unwrap_err();
        assert!(matches!(err, TokenStoreError::LockTimeout { .. }), "{err}");
        drop(held);
        let again = StoreLock::acquire(&store, Duration::ZERO).await;
        assert!(again.is_ok(), "released on drop");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(StoreLock::path_for(&store))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn a_symlink_in_place_of_the_lock_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("tokens.json");
        let elsewhere = dir.path().join("elsewhere");
        std::fs::write(&elsewhere, "").unwrap();
        std::os::unix::fs::symlink(&elsewhere, StoreLock::path_for(&store)).unwrap();
        let err = StoreLock::acquire(&store, Duration::ZERO)
            .await
            .unwrap_err();
        assert!(matches!(err, TokenStoreError::Lock { .. }), "{err}");
    }
}
