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
//! Here the artifact is copied once into an anonymous memory file
//! (`memfd_create`), which is then **sealed** against every change
//! (`F_SEAL_WRITE`, `F_SEAL_SHRINK`, `F_SEAL_GROW`, and `F_SEAL_SEAL` so the
//! seals cannot be lifted). From that point no one can change its bytes —
//! not this process, not the file's owner, not through another descriptor —
//! so the checksum is computed over bytes that cannot change any more, and
//! wasmtime maps those same pages (`Component::deserialize_file` of
//! `/proc/self/fd/N`, which opens the same memory file; its private mapping
//! shares the sealed pages until written, and nothing can write them).
//! Checked bytes are executed bytes.
//!
//! **The copy is sparse.** A memory file holds its bytes in tmpfs pages,
//! counted as the machine's shared memory (`Shmem`), not in the process's
//! RSS until touched; a page never written is a hole, which reads as zeros
//! and holds no memory. A JavaScript app's artifact is mostly the
//! snapshot's dense memory image (wasmtime maps it copy-on-write, so it
//! stores it page-aligned and whole): 8.3 MiB, of which more than 4 MiB are
//! whole pages of zeros. So the memory file is first given the artifact's
//! length (all holes), and only the artifact's pages that are not all zeros
//! are written into it: pages counted from the artifact's first byte (the
//! offset wasmtime maps from), not from the entry file's, whose header
//! shifts them. The source's own holes (entries are written sparse) are
//! skipped without reading them (`SEEK_DATA`/`SEEK_HOLE`); every page of its
//! data is read and checked for zeros, so a file stored dense copies just as
//! sparse.
//!
//! Why that is safe: a hole of a sealed memory file reads as zeros for as
//! long as the file lives — the seals refuse writes and punching holes,
//! and filling a hole (`fallocate`) only gives it a page of zeros — so a
//! hole is as fixed as any written byte, and the bytes are the file's
//! whichever way they are read.
//! The checksum reads them with `pread` (a `read` of a hole returns zeros
//! without giving it a page, where a page fault through a mapping would
//! allocate one), over the whole length of the sealed file, holes included:
//! still exactly the bytes wasmtime maps, after no one can change them.
//! Wasmtime's mapping then allocates a hole's page only if an instance
//! touches it, and then once for all instances (the page is the file's).
//!
//! Every step can be unavailable (an old kernel, no `/proc`, a system that
//! forbids executable memory files): the caller then falls back to reading
//! the entry into a buffer, which keeps the same guarantee at the cost of
//! the second copy.

use std::ffi::CStr;
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::fs::FileExt as _;
use std::path::PathBuf;

/// Every seal: no write, no shrink, no growth, and no change of the seals.
const ALL_SEALS: libc::c_int =
    libc::F_SEAL_WRITE | libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_SEAL;

/// Bytes read at a time, when copying and when hashing: a whole number of
/// pages, small enough to stay in the CPU's cache between the read and its
/// use.
const CHUNK: usize = 256 << 10;

/// `len` bytes copied from a file into a sealed memory file.
#[derive(Debug)]
pub struct SealedCopy {
    memory: File,
    len: usize,
}

impl SealedCopy {
    /// Copies `len` bytes of `file` from `offset` into a new memory file and
    /// seals it, leaving the pages of zeros as holes (the module's docs).
    /// Fails if the file ends before `len` bytes (`UnexpectedEof`: a
    /// truncated entry) or if the system cannot make one.
    pub fn of(file: &File, offset: u64, len: usize) -> io::Result<Self> {
        let end = u64::try_from(len)
            .ok()
            .and_then(|len| offset.checked_add(len))
            .filter(|&end| libc::off_t::try_from(end).is_ok())
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "offset too large"))?;
        let memory = memory_file()?;
        // The whole length first, all holes: only pages with data are written.
        memory.set_len(len as u64)?;
        copy_pages(file, offset, len, &memory)?;
        // A file truncated before or while it was copied: what was skipped as
        // past its end was not its bytes (reads that ended early already
        // failed).
        if file.metadata()?.len() < end {
            return Err(io::ErrorKind::UnexpectedEof.into());
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

    /// The BLAKE3 digest of the sealed bytes, all `len` of them, read with
    /// `pread`: a hole reads as zeros without being given memory (a mapping
    /// would allocate its page).
    pub fn digest(&self) -> io::Result<blake3::Hash> {
        let mut hasher = blake3::Hasher::new();
        let mut buffer = vec![0u8; CHUNK.min(self.len)];
        let mut at = 0;
        while at < self.len {
            let chunk = &mut buffer[..CHUNK.min(self.len - at)];
            self.memory.read_exact_at(chunk, at as u64)?;
            hasher.update(chunk);
            at += chunk.len();
        }
        Ok(hasher.finalize())
    }

    /// A path that opens this memory file (for wasmtime's
    /// `deserialize_file`, which takes a path): `/proc/self/fd/N` names the
    /// memory file itself, not a file on a disk. Valid while `self` lives.
    pub fn path(&self) -> PathBuf {
        PathBuf::from(format!("/proc/self/fd/{}", self.memory.as_raw_fd()))
    }
}

/// Copies the pages of `len` bytes of `file` from `offset` into `memory`
/// (already `len` bytes of holes) that are not all zeros, pages counted from
/// `offset`. The source's holes are skipped unread; its data is read a chunk
/// at a time and each run of pages with a byte set is written. Fails with
/// `UnexpectedEof` if the file ends in the middle of its data.
fn copy_pages(file: &File, offset: u64, len: usize, memory: &File) -> io::Result<()> {
    let page = page_size();
    let mut buffer = vec![0u8; CHUNK.min(len)];
    let mut at = 0;
    while at < len {
        // The next data at or after `at`, from the start of its page (`at`
        // is always on a page boundary), to the page holding the next hole.
        let Some(data) = seek(file, offset + at as u64, libc::SEEK_DATA)? else {
            break; // holes to the end of the file
        };
        let data = usize::try_from(data.saturating_sub(offset)).unwrap_or(usize::MAX);
        // Never back (the kernel promises data at or after `at`; should a
        // file system not keep that promise, the loop still ends).
        at = at.max(data - data % page);
        if at >= len {
            break;
        }
        let hole = seek(file, offset + data.min(len) as u64, libc::SEEK_HOLE)?
            .map_or(len, |hole| {
                usize::try_from(hole.saturating_sub(offset)).unwrap_or(usize::MAX)
            });
        // At least a page, for the same reason.
        let extent_end = hole.min(len).next_multiple_of(page).clamp(at + 1, len);
        while at < extent_end {
            let chunk = &mut buffer[..CHUNK.min(extent_end - at)];
            file.read_exact_at(chunk, offset + at as u64)?;
            write_non_zero_pages(memory, chunk, at, page)?;
            at += chunk.len();
        }
    }
    Ok(())
}

/// Where the next data (`SEEK_DATA`) or hole (`SEEK_HOLE`) of `file` is at
/// or after `from`; `None` when `from` is at or past the end (`ENXIO`). A
/// file system that does not tell (`EINVAL`) has data everywhere and a hole
/// at its end, as Linux's generic answer says.
fn seek(file: &File, from: u64, whence: libc::c_int) -> io::Result<Option<u64>> {
    let from = libc::off_t::try_from(from)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "offset too large"))?;
    // SAFETY: lseek on an open descriptor; it moves only the file's position,
    // which nothing here uses (every read is positioned).
    let found = unsafe { libc::lseek(file.as_raw_fd(), from, whence) };
    if found >= 0 {
        return Ok(Some(found as u64));
    }
    let error = io::Error::last_os_error();
    match error.raw_os_error() {
        Some(libc::ENXIO) => Ok(None),
        Some(libc::EINVAL) if whence == libc::SEEK_DATA => Ok(Some(from as u64)),
        Some(libc::EINVAL) => Ok(None),
        _ => Err(error),
    }
}

/// Writes the pages of `chunk` (which starts at `at`, on a page boundary)
/// that have a byte set into `memory` at the same place, a run of such
/// pages at a time.
fn write_non_zero_pages(memory: &File, chunk: &[u8], at: usize, page: usize) -> io::Result<()> {
    let mut run: Option<usize> = None;
    for (index, bytes) in chunk.chunks(page).enumerate() {
        let start = index * page;
        match (run, is_zero(bytes)) {
            (None, false) => run = Some(start),
            (Some(from), true) => {
                memory.write_all_at(&chunk[from..start], (at + from) as u64)?;
                run = None;
            }
            _ => {}
        }
    }
    if let Some(from) = run {
        memory.write_all_at(&chunk[from..], (at + from) as u64)?;
    }
    Ok(())
}

/// Whether every byte is zero; 64 bytes at a time (the compiler turns the
/// fold into vector instructions), stopping at the first that is not.
fn is_zero(bytes: &[u8]) -> bool {
    let words = bytes.chunks_exact(64);
    let rest = words.remainder();
    words
        .into_iter()
        .all(|word| word.iter().fold(0, |any, &byte| any | byte) == 0)
        && rest.iter().all(|&byte| byte == 0)
}

/// The size of a memory page: the unit a hole of a memory file is, and the
/// unit wasmtime aligns its memory images to.
fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(page).unwrap_or(4096)
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
    use std::os::unix::fs::MetadataExt as _;

    use super::*;

    fn file_with(bytes: &[u8]) -> File {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(bytes).unwrap();
        file.seek(SeekFrom::Start(0)).unwrap();
        file
    }

    /// `bytes` in a file as the cache writes entries: 4 KiB blocks of zeros
    /// (at file offsets) left as holes.
    fn sparse_file_with(bytes: &[u8]) -> (tempfile::TempDir, File) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("entry");
        crate::private_file::write_private_as(&path, bytes, crate::private_file::Layout::Sparse)
            .unwrap();
        let file = File::open(&path).unwrap();
        (dir, file)
    }

    impl SealedCopy {
        /// The sealed bytes, read as the digest reads them.
        fn bytes(&self) -> Vec<u8> {
            let mut bytes = vec![0; self.len];
            self.memory.read_exact_at(&mut bytes, 0).unwrap();
            bytes
        }

        /// The memory the copy holds (tmpfs pages).
        fn allocated(&self) -> u64 {
            self.memory.metadata().unwrap().blocks() * 512
        }
    }

    const HEADER: usize = 40;

    /// An entry: a 40-byte header, then an artifact whose pages (counted
    /// from the artifact's start) are data, 4 MiB of zeros from the
    /// artifact's 2 MiB boundary, pages of zeros but one byte, and a tail of
    /// zeros that ends inside a page.
    fn entry_with_zero_pages() -> Vec<u8> {
        let page = page_size();
        let mut artifact: Vec<u8> = (0..(2 << 20) as u32).map(|i| (i % 251) as u8 | 1).collect();
        artifact.resize(artifact.len() + (4 << 20), 0);
        // Pages of zeros but their first, middle or last byte.
        for byte in [0, page / 2, page - 1] {
            let start = artifact.len();
            artifact.resize(start + page, 0);
            artifact[start + byte] = 0x5a;
        }
        artifact.extend((0..3 * page as u32 + 7).map(|i| (i % 13) as u8));
        artifact.resize(artifact.len() + 2 * page + 100, 0);
        let mut entry = vec![0xee; HEADER];
        entry.extend_from_slice(&artifact);
        entry
    }

    /// Asserts that `copy` holds memory for exactly the pages of `artifact`
    /// (its bytes) that are not all zeros: 4 KiB pages, or 2 MiB ones where
    /// memory files get huge pages.
    fn assert_holds_only_pages_with_data(copy: &SealedCopy, artifact: &[u8]) {
        let in_pages =
            |size: usize| (artifact.chunks(size).filter(|p| !is_zero(p)).count() * size) as u64;
        let allocated = copy.allocated();
        assert!(
            allocated == in_pages(page_size()) || allocated == in_pages(2 << 20),
            "{allocated} bytes held, {} in pages with data",
            in_pages(page_size())
        );
    }

    #[test]
    fn the_copy_holds_the_bytes_after_the_offset() {
        let bytes: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let copy = SealedCopy::of(&file_with(&bytes), 40, bytes.len() - 40).unwrap();
        assert_eq!(copy.bytes(), &bytes[40..]);
        assert_eq!(copy.digest().unwrap(), blake3::hash(&bytes[40..]));
    }

    #[test]
    fn pages_of_zeros_are_left_as_holes_and_read_back_as_zeros() {
        let entry = entry_with_zero_pages();
        let len = entry.len() - HEADER;
        let artifact = &entry[HEADER..];
        let dense = file_with(&entry);
        let (_dir, sparse) = sparse_file_with(&entry);
        // The same from a file stored dense (zeros found by reading) and
        // from one stored sparse (its holes skipped, where the file system
        // keeps holes).
        for source in [&dense, &sparse] {
            let copy = SealedCopy::of(source, HEADER as u64, len).unwrap();
            assert_eq!(copy.bytes(), artifact);
            assert_eq!(copy.digest().unwrap(), blake3::hash(artifact));
            // Measured after both reads: reading the holes did not fill them.
            let allocated = copy.allocated();
            assert!(allocated + (2 << 20) <= len as u64, "{allocated} of {len}");
            assert_holds_only_pages_with_data(&copy, artifact);
        }
    }

    #[test]
    fn a_page_of_zeros_but_one_byte_is_copied() {
        let page = page_size();
        for at in [0, 1, page / 2, page - 1] {
            let mut entry = vec![7u8; HEADER];
            let mut artifact = vec![0u8; 3 * page];
            artifact[page + at] = 1;
            entry.extend_from_slice(&artifact);
            let (_dir, sparse) = sparse_file_with(&entry);
            for source in [&file_with(&entry), &sparse] {
                let copy = SealedCopy::of(source, HEADER as u64, artifact.len()).unwrap();
                assert_eq!(copy.bytes(), artifact, "byte {at}");
                assert_holds_only_pages_with_data(&copy, &artifact);
            }
        }
    }

    #[test]
    fn a_file_shorter_than_promised_is_refused() {
        let error = SealedCopy::of(&file_with(b"short"), 0, 6).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
        // Also when what is missing would have been zeros, or a hole.
        let entry = entry_with_zero_pages();
        let (_dir, sparse) = sparse_file_with(&entry);
        for source in [&file_with(&entry), &sparse] {
            for promised in [entry.len() - HEADER + 1, entry.len() * 2] {
                let error = SealedCopy::of(source, HEADER as u64, promised).unwrap_err();
                assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof, "{promised}");
            }
        }
    }

    #[test]
    fn an_empty_artifact_is_an_empty_copy() {
        let copy = SealedCopy::of(&file_with(b"header"), 6, 0).unwrap();
        assert_eq!(copy.digest().unwrap(), blake3::hash(b""));
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
        assert_eq!(copy.bytes(), b"native code");
    }

    #[test]
    fn a_hole_of_the_copy_cannot_be_written_either() {
        let page = page_size();
        let mut entry = vec![1u8; page];
        entry.resize(4 * page, 0);
        let copy = SealedCopy::of(&file_with(&entry), 0, entry.len()).unwrap();
        assert!(copy.memory.write_at(b"X", 2 * page as u64).is_err());
        let reopened = std::fs::OpenOptions::new().write(true).open(copy.path());
        if let Ok(reopened) = reopened {
            assert!(reopened.write_at(b"X", 2 * page as u64).is_err());
        }
        // Punching a hole (zeros where data was) is a write too.
        // SAFETY: fallocate on a descriptor the copy owns.
        let punched = unsafe {
            libc::fallocate(
                copy.memory.as_raw_fd(),
                libc::FALLOC_FL_PUNCH_HOLE | libc::FALLOC_FL_KEEP_SIZE,
                0,
                page as libc::off_t,
            )
        };
        assert_ne!(punched, 0, "punching a hole refused");
        assert_eq!(copy.bytes(), entry);
    }

    #[test]
    fn a_later_change_to_the_source_file_does_not_reach_the_copy() {
        let file = file_with(b"checked bytes");
        let copy = SealedCopy::of(&file, 0, 13).unwrap();
        file.write_at(b"CHANGED", 0).unwrap();
        assert_eq!(copy.bytes(), b"checked bytes");
    }
}
