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
//! offset wasmtime maps from). The entry does not hold the pages of zeros
//! at all ([`super::stored`]); what it holds is written a run of pages with
//! a byte set at a time (a page of zeros inside a stored run is still left
//! a hole).
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

use super::stored::{StoredArtifact, is_zero};

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
    /// Copies the artifact `stored` in an entry into a new memory file and
    /// seals it, leaving the pages of zeros as holes (the module's docs).
    /// Fails if the entry ends before its bytes do (`UnexpectedEof`: a
    /// truncated entry) or if the system cannot make one.
    pub fn of(stored: &StoredArtifact<'_, File>) -> io::Result<Self> {
        let len = stored.len();
        let memory = memory_file()?;
        // The whole length first, all holes: only pages with data are written.
        memory.set_len(len as u64)?;
        copy_pages(stored, &memory)?;
        seal(&memory)?;
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

/// How many times sealing is tried when the kernel answers `EBUSY`, and the
/// pause before the first retry (doubled each time: 15 ms of pauses in all).
///
/// `F_SEAL_WRITE` waits for every page of the file to be free of references
/// other than the file's own, and gives up with `EBUSY` after a short wait.
/// No one maps or pins these pages (only `pwrite` touched them), but the
/// kernel itself can hold a page for a moment (migration, compaction, a page
/// batch not yet drained) and on a loaded machine that moment outlasts the
/// kernel's wait: seen once under the test suite. It passes on its own, so a
/// few more tries turn it into a delay instead of the slower fallback.
const SEAL_TRIES: u32 = 5;
const SEAL_FIRST_PAUSE: std::time::Duration = std::time::Duration::from_millis(1);

/// Adds every seal to `memory`, retrying a transient `EBUSY`
/// ([`SEAL_TRIES`]).
fn seal(memory: &File) -> io::Result<()> {
    let mut pause = SEAL_FIRST_PAUSE;
    let mut tries_left = SEAL_TRIES;
    loop {
        // SAFETY: fcntl on a descriptor we own, with an integer argument.
        if unsafe { libc::fcntl(memory.as_raw_fd(), libc::F_ADD_SEALS, ALL_SEALS) } == 0 {
            return Ok(());
        }
        let error = io::Error::last_os_error();
        tries_left -= 1;
        if error.raw_os_error() != Some(libc::EBUSY) || tries_left == 0 {
            return Err(error);
        }
        std::thread::sleep(pause);
        pause *= 2;
    }
}

/// Copies the extents of `stored` into `memory` (already the artifact's
/// length, all holes) at their places in the artifact, a chunk at a time,
/// each run of pages with a byte set written and the pages of zeros left
/// holes. Every stored byte is read, so an entry that ends early fails
/// (`UnexpectedEof`).
fn copy_pages(stored: &StoredArtifact<'_, File>, memory: &File) -> io::Result<()> {
    let page = page_size();
    let largest = stored.extents().iter().map(|e| e.len).max().unwrap_or(0);
    let mut buffer = vec![0u8; CHUNK.min(largest)];
    for extent in stored.extents() {
        let mut done = 0;
        while done < extent.len {
            let chunk = &mut buffer[..CHUNK.min(extent.len - done)];
            stored
                .source()
                .read_exact_at(chunk, extent.file_offset + done as u64)?;
            write_non_zero_pages(memory, chunk, extent.at + done, page)?;
            done += chunk.len();
        }
    }
    Ok(())
}

/// Writes the pages of `chunk` (which starts at `at`, on a page boundary
/// for an entry Kiln wrote; elsewhere the "pages" are counted from `at`,
/// which only makes fewer holes) that have a byte set into `memory` at the
/// same place, a run of such pages at a time.
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

    /// The entry of `artifact` as the cache writes it (its pages of zeros
    /// left out), in a file.
    fn entry_file_with(artifact: &[u8]) -> File {
        file_with(&super::super::stored::encode(artifact, u64::MAX).unwrap())
    }

    /// The sealed copy of the artifact in the entry `file`.
    fn copy_of_entry(file: &File) -> io::Result<SealedCopy> {
        let len = file.metadata().unwrap().len();
        SealedCopy::of(&StoredArtifact::open(file, len, u64::MAX).unwrap())
    }

    /// The sealed copy of `len` bytes of `file` from `offset`, stored whole.
    fn copy_of(file: &File, offset: u64, len: usize) -> io::Result<SealedCopy> {
        SealedCopy::of(&StoredArtifact::whole(file, offset, len))
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
        let copy = copy_of(&file_with(&bytes), 40, bytes.len() - 40).unwrap();
        assert_eq!(copy.bytes(), &bytes[40..]);
        assert_eq!(copy.digest().unwrap(), blake3::hash(&bytes[40..]));
    }

    #[test]
    fn pages_of_zeros_are_left_as_holes_and_read_back_as_zeros() {
        let entry = entry_with_zero_pages();
        let len = entry.len() - HEADER;
        let artifact = &entry[HEADER..];
        // The same from the artifact stored whole (zeros found by reading)
        // and from its entry (pages of zeros left out).
        for copy in [
            copy_of(&file_with(&entry), HEADER as u64, len).unwrap(),
            copy_of_entry(&entry_file_with(artifact)).unwrap(),
        ] {
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
            for copy in [
                copy_of(&file_with(&entry), HEADER as u64, artifact.len()).unwrap(),
                copy_of_entry(&entry_file_with(&artifact)).unwrap(),
            ] {
                assert_eq!(copy.bytes(), artifact, "byte {at}");
                assert_holds_only_pages_with_data(&copy, &artifact);
            }
        }
    }

    #[test]
    fn a_file_shorter_than_promised_is_refused() {
        let error = copy_of(&file_with(b"short"), 0, 6).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
        // An entry truncated after its header was read and checked.
        let entry = entry_with_zero_pages();
        let file = entry_file_with(&entry[HEADER..]);
        let len = file.metadata().unwrap().len();
        let stored = StoredArtifact::open(&file, len, u64::MAX).unwrap();
        for cut in [1, len / 2] {
            file.set_len(len - cut).unwrap();
            let error = SealedCopy::of(&stored).unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof, "{cut}");
        }
    }

    #[test]
    fn an_empty_artifact_is_an_empty_copy() {
        let copy = copy_of(&file_with(b"header"), 6, 0).unwrap();
        assert_eq!(copy.digest().unwrap(), blake3::hash(b""));
        let copy = copy_of_entry(&entry_file_with(b"")).unwrap();
        assert_eq!(copy.digest().unwrap(), blake3::hash(b""));
    }

    #[test]
    fn the_copy_cannot_be_changed_by_anyone() {
        let copy = copy_of(&file_with(b"native code"), 0, 11).unwrap();
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
        let copy = copy_of(&file_with(&entry), 0, entry.len()).unwrap();
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
        let copy = copy_of(&file, 0, 13).unwrap();
        file.write_at(b"CHANGED", 0).unwrap();
        assert_eq!(copy.bytes(), b"checked bytes");
    }
}
