//! Files only the current user may read or change: the artifact cache, the
//! OAuth token store, the scope grants and the credentials file.
//!
//! One rule for all four, because each is trusted on read: a cache entry is
//! deserialised into native code, a token or credential is a secret, and a
//! grant decides which scopes an app gets. Another local user who could plant,
//! swap or read such a file would get code execution, a secret or scopes.
//!
//! - A private directory is created `0700`; an existing one must be a real
//!   directory (not a symlink) owned by the current user, and its group and
//!   other bits are cleared (someone who can write the directory can rename a
//!   file of theirs over ours).
//! - A private file is read only if it is a regular file, reached without
//!   following a symlink, owned by the current user, with no group or other
//!   bits, and no larger than the caller's limit.
//! - A private file is written atomically: a new `0600` file beside it
//!   (never an existing file, never through a symlink), synced, then renamed
//!   over it, so a reader sees the old content or the new, and a crash leaves
//!   one of them.
//!
//! Without Unix ownership and modes (other platforms) the checks cannot be
//! made and are skipped; the artifact cache, which deserialises what it reads,
//! refuses to run there instead.

use std::fs::{self, File};
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

/// Why a private file or directory was refused. The caller adds the path.
#[derive(Debug, thiserror::Error)]
pub enum PrivateFileError {
    #[error("it does not exist")]
    Missing,
    #[error("group or others have access to it (mode {mode:o})")]
    TooOpen { mode: u32 },
    #[error(
        "it is not a regular file or directory of the current user (a symlink, or another user's)"
    )]
    NotYours,
    #[error("it is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("{0}")]
    Io(std::io::Error),
}

impl From<std::io::Error> for PrivateFileError {
    fn from(error: std::io::Error) -> Self {
        match error.kind() {
            std::io::ErrorKind::NotFound => PrivateFileError::Missing,
            _ if platform::is_symlink_refusal(&error) => PrivateFileError::NotYours,
            _ => PrivateFileError::Io(error),
        }
    }
}

/// Creates `dir` (and its parents) `0700` if missing; then requires a real
/// directory owned by the current user and clears its group and other bits.
pub fn ensure_private_dir(dir: &Path) -> Result<(), PrivateFileError> {
    platform::create_dir_all(dir)?;
    platform::make_dir_private(dir)
}

/// Reads `path` if it is a private file (see the module documentation) of at
/// most `limit` bytes.
pub fn read_private(path: &Path, limit: u64) -> Result<Vec<u8>, PrivateFileError> {
    let (file, len) = open_private(path, limit)?;
    // Sized up front so a secret is not left behind in a reallocated buffer.
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0) + 1);
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(PrivateFileError::TooLarge { limit });
    }
    Ok(bytes)
}

/// Opens `path` for reading if it is a private file (see the module
/// documentation) of at most `limit` bytes, and returns it with its length
/// when checked. The checks are made on the open file, not the path, so a
/// file swapped in afterwards is not the one read; a caller that reads the
/// file must still expect it to end early or run on (a writer with the
/// owner's rights can change it), as [`read_private`] does.
pub fn open_private(path: &Path, limit: u64) -> Result<(File, u64), PrivateFileError> {
    let file = platform::open_no_follow(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(PrivateFileError::NotYours);
    }
    platform::check_owner_and_mode(&meta)?;
    if meta.len() > limit {
        return Err(PrivateFileError::TooLarge { limit });
    }
    Ok((file, meta.len()))
}

/// Replaces `path` with `bytes` atomically, as a `0600` file. The directory
/// must exist (see [`ensure_private_dir`]).
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), PrivateFileError> {
    let dir = parent_dir(path);
    let name = path
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or("private");
    let temp = dir.join(format!(
        ".{name}.{}.{:016x}.tmp",
        std::process::id(),
        rand::random::<u64>()
    ));
    let written = platform::create_new_private(&temp)
        .and_then(|mut file| {
            file.write_all(bytes)?;
            file.sync_all()
        })
        .and_then(|()| fs::rename(&temp, path));
    if let Err(error) = written {
        let _ = fs::remove_file(&temp);
        return Err(error.into());
    }
    // Makes the rename durable; best effort (not every platform can open a
    // directory).
    if let Ok(handle) = File::open(&dir) {
        let _ = handle.sync_all();
    }
    Ok(())
}

/// The directory `path` is in; `.` for a bare file name.
pub fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    }
}

#[cfg(unix)]
mod platform {
    use std::fs::{self, DirBuilder, File, OpenOptions};
    use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
    use std::path::Path;

    use super::PrivateFileError;

    /// Group and other permission bits: none may be set.
    const NOT_PRIVATE: u32 = 0o077;

    fn current_uid() -> u32 {
        // SAFETY: geteuid has no preconditions and cannot fail.
        unsafe { libc::geteuid() }
    }

    pub fn is_symlink_refusal(error: &std::io::Error) -> bool {
        error.raw_os_error() == Some(libc::ELOOP)
    }

    pub fn create_dir_all(dir: &Path) -> std::io::Result<()> {
        DirBuilder::new().recursive(true).mode(0o700).create(dir)
    }

    pub fn make_dir_private(dir: &Path) -> Result<(), PrivateFileError> {
        let meta = fs::symlink_metadata(dir)?;
        if !meta.is_dir() || meta.uid() != current_uid() {
            return Err(PrivateFileError::NotYours);
        }
        if meta.mode() & NOT_PRIVATE != 0 {
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
        }
        Ok(())
    }

    pub fn open_no_follow(path: &Path) -> std::io::Result<File> {
        OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(path)
    }

    pub fn check_owner_and_mode(meta: &fs::Metadata) -> Result<(), PrivateFileError> {
        if meta.uid() != current_uid() {
            return Err(PrivateFileError::NotYours);
        }
        let mode = meta.mode() & 0o777;
        if mode & NOT_PRIVATE != 0 {
            return Err(PrivateFileError::TooOpen { mode });
        }
        Ok(())
    }

    pub fn create_new_private(path: &Path) -> std::io::Result<File> {
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(path)
    }
}

#[cfg(not(unix))]
mod platform {
    use std::fs::{self, File, OpenOptions};
    use std::path::Path;

    use super::PrivateFileError;

    pub fn is_symlink_refusal(_error: &std::io::Error) -> bool {
        false
    }

    pub fn create_dir_all(dir: &Path) -> std::io::Result<()> {
        fs::create_dir_all(dir)
    }

    pub fn make_dir_private(_dir: &Path) -> Result<(), PrivateFileError> {
        Ok(())
    }

    pub fn open_no_follow(path: &Path) -> std::io::Result<File> {
        File::open(path)
    }

    pub fn check_owner_and_mode(_meta: &fs::Metadata) -> Result<(), PrivateFileError> {
        Ok(())
    }

    pub fn create_new_private(path: &Path) -> std::io::Result<File> {
        OpenOptions::new().write(true).create_new(true).open(path)
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::symlink_metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_written_file_is_0600_in_a_0700_directory_and_reads_back() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a/b");
        ensure_private_dir(&dir).unwrap();
        let path = dir.join("secret.json");
        write_private(&path, b"first").unwrap();
        write_private(&path, b"second").unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&path), 0o600);
        assert_eq!(read_private(&path, 64).unwrap(), b"second");
        let names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["secret.json"], "no temporary file is left behind");
    }

    #[test]
    fn a_loose_directory_is_tightened() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("loose");
        fs::create_dir(&dir).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o777)).unwrap();
        ensure_private_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
    }

    #[test]
    fn a_symlinked_directory_is_refused() {
        let root = tempfile::tempdir().unwrap();
        let real = root.path().join("real");
        fs::create_dir(&real).unwrap();
        let link = root.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        assert!(matches!(
            ensure_private_dir(&link),
            Err(PrivateFileError::NotYours)
        ));
    }

    #[test]
    fn open_symlinked_missing_and_oversized_files_are_refused() {
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join("f");
        write_private(&path, b"0123456789").unwrap();

        assert!(matches!(
            read_private(&path, 9),
            Err(PrivateFileError::TooLarge { limit: 9 })
        ));
        assert!(matches!(
            read_private(&root.path().join("none"), 9),
            Err(PrivateFileError::Missing)
        ));

        let link = root.path().join("link");
        std::os::unix::fs::symlink(&path, &link).unwrap();
        assert!(matches!(
            read_private(&link, 64),
            Err(PrivateFileError::NotYours)
        ));

        for open in [0o640, 0o604, 0o620, 0o602] {
            fs::set_permissions(&path, fs::Permissions::from_mode(open)).unwrap();
            assert!(
                matches!(read_private(&path, 64), Err(PrivateFileError::TooOpen { mode }) if mode == open),
                "{open:o}"
            );
        }
    }

    #[test]
    fn a_directory_in_place_of_a_file_is_refused() {
        let root = tempfile::tempdir().unwrap();
        assert!(matches!(
            read_private(root.path(), 64),
            Err(PrivateFileError::NotYours)
        ));
    }

    #[test]
    fn a_planted_symlink_at_the_temporary_name_is_never_written_through() {
        // write_private uses a fresh random name with O_NOFOLLOW|O_EXCL, so a
        // symlink planted in the directory is not followed; the target stays.
        let root = tempfile::tempdir().unwrap();
        let victim = root.path().join("victim");
        fs::write(&victim, b"untouched").unwrap();
        let path = root.path().join("store.json");
        std::os::unix::fs::symlink(&victim, &path).unwrap();
        write_private(&path, b"new").unwrap();
        assert_eq!(fs::read(&victim).unwrap(), b"untouched");
        assert_eq!(read_private(&path, 64).unwrap(), b"new");
    }
}
