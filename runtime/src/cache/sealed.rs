//! A cache entry's artifact copied once into sealed memory, checked there,
//! and handed to wasmtime without a second copy (Linux).
//!
//! Loading an artifact the plain way copies it twice into fresh pages: once
//! when the entry is read into a buffer (the checksum needs the bytes), once
//! more when `Component::deserialize` copies that buffer into the mapping it
//! makes executable. For the 43 MB JavaScript engine that was most of a
//! cached `runtime run`. Mapping the cache file itself would avoid both
//! copies, but the bytes that run would then be the file's: a later write
//! to it (by the owner, or by anyone who gets the owner's rights) shows
//! through a `MAP_PRIVATE` mapping for every page not yet touched, so the
//! checksum would vouch for bytes that are not the ones executed.
//!
//! Here the artifact is copied once, by the kernel (`sendfile`, page cache
//! to page), into an anonymous memory file (`memfd_create`), which is then
//! **sealed** against every change (`F_SEAL_WRITE`, `F_SEAL_SHRINK`,
//! `F_SEAL_GROW`, and `F_SEAL_SEAL` so the seals cannot be lifted). From that
//! point no one can change its bytes — not this process, not the file's
//! owner, not through another descriptor — so the checksum is computed over
//! bytes that cannot change any more, and wasmtime maps those same pages
//! (`Component::deserialize_file` of `/proc/self/fd/N`, which opens the
//! same memory file; its private mapping shares the sealed pages until
//! written, and nothing can write them). Checked bytes are executed bytes.
//!
//! Every step can be unavailable (an old kernel, no `/proc`, a system that
//! forbids executable memory files): the caller then falls back to reading
//! the entry into a buffer, which keeps the same guarantee at the cost of
//! the second copy.

use std::ffi::CStr;
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::PathBuf;

/// Every seal: no write, no shrink, no growth, and no change of the seals.
const ALL_SEALS: libc::c_int =
    libc::F_SEAL_WRITE | libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_SEAL;

/// `len` bytes copied from a file into a sealed memory file.
#[derive(Debug)]
pub struct SealedCopy {
    memory: File,
    len: usize,
}

impl SealedCopy {
    /// Copies `len` bytes of `file` from `offset` into a new memory file and
    /// seals it. Fails if the file ends before `len` bytes (a truncated
    /// entry) or if the system cannot make one.
    pub fn of(file: &File, offset: u64, len: usize) -> io::Result<Self> {
        let memory = memory_file()?;
        let mut from = libc::off_t::try_from(offset)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "offset too large"))?;
        let mut copied = 0;
        while copied < len {
            // SAFETY: both descriptors are open for the duration of the call;
            // `from` is a valid `off_t` the kernel updates.
            let n = unsafe {
                libc::sendfile(
                    memory.as_raw_fd(),
                    file.as_raw_fd(),
                    &mut from,
                    len - copied,
                )
            };
            match n {
                n if n > 0 => copied += n as usize,
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                _ => {
                    let error = io::Error::last_os_error();
                    if error.kind() != io::ErrorKind::Interrupted {
                        return Err(error);
                    }
                }
            }
        }
        // SAFETY: fcntl on a descriptor we own, with an integer argument.
        if unsafe { libc::fcntl(memory.as_raw_fd(), libc::F_ADD_SEALS, ALL_SEALS) } != 0 {
            return Err(io::Error::last_os_error());
        }
        // The seals hold from here on; a size other than `len` would mean a
        // writer slipped in before them (impossible: only this function has
        // the descriptor), so it is checked rather than assumed.
        if memory.metadata()?.len() != len as u64 {
            return Err(io::Error::other("the sealed copy has the wrong size"));
        }
        Ok(Self { memory, len })
    }

    /// Runs `check` over the sealed bytes (mapped read-only).
    pub fn with_bytes<R>(&self, check: impl FnOnce(&[u8]) -> R) -> io::Result<R> {
        if self.len == 0 {
            return Ok(check(&[]));
        }
        // SAFETY: a fresh read-only shared mapping of a memory file of exactly
        // `len` bytes (sealed: it cannot shrink under the mapping), unmapped
        // below before anything else can see it.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                self.len,
                libc::PROT_READ,
                libc::MAP_SHARED | libc::MAP_POPULATE,
                self.memory.as_raw_fd(),
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `ptr` maps `len` readable bytes that nothing can modify
        // (sealed), valid until the `munmap` below.
        let result = check(unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), self.len) });
        // SAFETY: the mapping made above, no longer borrowed.
        unsafe { libc::munmap(ptr, self.len) };
        Ok(result)
    }

    /// A path that opens this memory file (for wasmtime's
    /// `deserialize_file`, which takes a path): `/proc/self/fd/N` names the
    /// memory file itself, not a file on a disk. Valid while `self` lives.
    pub fn path(&self) -> PathBuf {
        PathBuf::from(format!("/proc/self/fd/{}", self.memory.as_raw_fd()))
    }
}

/// A new, empty memory file that may be sealed and mapped executable.
fn memory_file() -> io::Result<File> {
    const NAME: &CStr = c"kiln-artifact";
    let flags = libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING;
    // `MFD_EXEC` (Linux 6.3+) asks for an executable memory file explicitly
    // where the system's default would be `noexec`; older kernels do not know
    // the flag (EINVAL), and their memory files are executable anyway.
    // SAFETY: `NAME` is a valid C string; the flags are memfd_create's.
    let mut fd = unsafe { libc::memfd_create(NAME.as_ptr(), flags | libc::MFD_EXEC) };
    if fd < 0 && io::Error::last_os_error().raw_os_error() == Some(libc::EINVAL) {
        // SAFETY: as above.
        fd = unsafe { libc::memfd_create(NAME.as_ptr(), flags) };
    }
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` is a descriptor just created and owned by nothing else.
    Ok(File::from(unsafe { OwnedFd::from_raw_fd(fd) }))
}

#[cfg(test)]
mod tests {
    use std::io::{Seek, SeekFrom, Write};
    use std::os::unix::fs::FileExt;

    use super::*;

    fn file_with(bytes: &[u8]) -> File {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(bytes).unwrap();
        file.seek(SeekFrom::Start(0)).unwrap();
        file
    }

    #[test]
    fn the_copy_holds_the_bytes_after_the_offset() {
        let bytes: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let copy = SealedCopy::of(&file_with(&bytes), 40, bytes.len() - 40).unwrap();
        assert!(copy.with_bytes(|copied| copied == &bytes[40..]).unwrap());
    }

    #[test]
    fn a_file_shorter_than_promised_is_refused() {
        let error = SealedCopy::of(&file_with(b"short"), 0, 6).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn the_copy_cannot_be_changed_by_anyone() {
        let copy = SealedCopy::of(&file_with(b"native code"), 0, 11).unwrap();
        // Through its own descriptor, and through a new one opened by path
        // (as wasmtime opens it), writing, growing and shrinking fail.
        assert!(copy.memory.write_at(b"X", 0).is_err(), "write refused");
        assert!(copy.memory.set_len(20).is_err(), "growth refused");
        assert!(copy.memory.set_len(1).is_err(), "shrinking refused");
        let reopened = std::fs::OpenOptions::new().write(true).open(copy.path());
        if let Ok(reopened) = reopened {
            assert!(reopened.write_at(b"X", 0).is_err(), "write refused");
        }
        // SAFETY: fcntl on a descriptor the copy owns.
        let unseal = unsafe {
            libc::fcntl(
                copy.memory.as_raw_fd(),
                libc::F_ADD_SEALS,
                libc::F_SEAL_WRITE,
            )
        };
        assert_ne!(unseal, 0, "the seals themselves are sealed");
        assert!(copy.with_bytes(|b| b == b"native code").unwrap());
    }

    #[test]
    fn a_later_change_to_the_source_file_does_not_reach_the_copy() {
        let file = file_with(b"checked bytes");
        let copy = SealedCopy::of(&file, 0, 13).unwrap();
        file.write_at(b"CHANGED", 0).unwrap();
        assert!(copy.with_bytes(|b| b == b"checked bytes").unwrap());
    }
}
