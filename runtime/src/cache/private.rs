//! A cache entry's artifact read once into this process's own memory,
//! checked while it is read, frozen read-only, and executed in place, for a
//! process that loads an app once and exits (`runtime run`; Linux x86-64).
//!
//! The sealed copy ([`super::sealed`]) puts the artifact in a memory file,
//! which the kernel can only hold in 4 KiB pages here: for the 37–43 MB
//! JavaScript engine, allocating, charging and later freeing those ≈ 10,000
//! pages was the largest cost of a cached `runtime run` (≈ 20 ms of kernel
//! time, more than the copy and the checksum together). Anonymous memory
//! can be asked for transparent huge pages (`MADV_HUGEPAGE`): the same bytes
//! then take about twenty 2 MiB pages, and the copy costs what the copy
//! costs.
//!
//! What the check guarantees is the same as the buffer load's
//! (`load_copied`): the bytes are read into private anonymous memory, which no
//! other process can write (only a process allowed to `ptrace` this one,
//! which could change its code anyway), so what the BLAKE3 digest is
//! computed over is what wasmtime runs. The digest is computed chunk by chunk
//! as each chunk lands, over the chunk in that memory (not the file), and
//! before wasmtime sees any of it the whole mapping is made read-only, so
//! not even a bug in this process can change it afterwards; wasmtime then
//! makes its code read-and-execute ([`ProtectCode`]).
//!
//! Wasmtime uses the memory in place (`Component::deserialize_raw`) for as
//! long as the component lives, and has no way to say when that ends, so the
//! memory is **never unmapped**: it lives until the process exits. That is
//! why this is only for a process that loads once and then exits (the runtime
//! chooses it with `ArtifactMemory::Private`); a long-lived server keeps the
//! sealed copy, whose mapping wasmtime owns. A process-wide cap
//! ([`MAX_KEPT_BYTES`]) bounds what a misuse could keep.
//!
//! Unlike the sealed copy, this one writes its pages of zeros too (the
//! entry leaves them out, [`super::stored`]; they are filled in here, not
//! read). Skipping them would spare memory only where a whole 2 MiB huge
//! page holds nothing but zeros, since the first byte written to a huge
//! page allocates all of it: in a JavaScript app's artifact (8.3 MiB, over
//! 4 MiB of it pages of zeros, spread over every 2 MiB of it) no huge page
//! does, so nothing would be saved. And the memory lives only as long as
//! the one load of a `runtime run`.

use std::fs::File;
use std::io;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicUsize, Ordering};

use wasmtime::CustomCodeMemory;

use super::stored::StoredArtifact;

/// Most bytes of artifacts one process keeps this way; past it a load uses
/// the sealed copy instead.
pub const MAX_KEPT_BYTES: usize = 1 << 30;

/// Bytes kept so far by this process.
static KEPT: AtomicUsize = AtomicUsize::new(0);

/// Transparent huge pages are 2 MiB on x86-64; the mapping is aligned to it
/// so that the kernel can use them from the first byte.
const HUGE_PAGE: usize = 2 << 20;

/// Bytes read (and then hashed) at a time: small enough to still be in the
/// CPU's cache when BLAKE3 reads them back.
const CHUNK: usize = 1 << 20;

/// An artifact read into private memory, with the BLAKE3 digest of exactly
/// the bytes in that memory.
pub struct PrivateCopy {
    base: NonNull<u8>,
    len: usize,
    mapped: usize,
    digest: blake3::Hash,
}

impl PrivateCopy {
    /// Reads the artifact `stored` in an entry into new private memory,
    /// hashing it as it arrives. Fails if the entry ends early
    /// (`UnexpectedEof`: a truncated entry), or if this process has kept
    /// [`MAX_KEPT_BYTES`] already, or the memory cannot be had.
    pub fn of(stored: &StoredArtifact<'_, File>) -> io::Result<Self> {
        let len = stored.len();
        if len == 0 {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "empty artifact"));
        }
        let mapped = len
            .checked_next_multiple_of(HUGE_PAGE)
            .ok_or_else(|| io::Error::other("artifact too large"))?;
        let reserved = KEPT.fetch_add(mapped, Ordering::SeqCst);
        if reserved.saturating_add(mapped) > MAX_KEPT_BYTES {
            KEPT.fetch_sub(mapped, Ordering::SeqCst);
            return Err(io::Error::other("this process keeps enough artifacts"));
        }
        let base = match Self::map(mapped) {
            Ok(base) => base,
            Err(error) => {
                KEPT.fetch_sub(mapped, Ordering::SeqCst);
                return Err(error);
            }
        };
        // From here the copy owns the mapping and its share of `KEPT`: a
        // failure drops it, which gives both back.
        let mut copy = Self {
            base,
            len,
            mapped,
            digest: blake3::Hash::from_bytes([0; blake3::OUT_LEN]),
        };
        copy.fill(stored)?;
        Ok(copy)
    }

    /// A fresh private mapping of `mapped` bytes starting on a huge-page
    /// boundary, marked for transparent huge pages.
    fn map(mapped: usize) -> io::Result<NonNull<u8>> {
        let reserve = mapped + HUGE_PAGE;
        // SAFETY: a new anonymous private mapping; nothing else refers to it.
        let raw = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                reserve,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if raw == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let start = raw as usize;
        let aligned = start.next_multiple_of(HUGE_PAGE);
        // Give back the unaligned head and the tail beyond `mapped`.
        // SAFETY: both ranges lie inside the mapping just made and are not
        // used by anything.
        unsafe {
            if aligned > start {
                libc::munmap(raw, aligned - start);
            }
            let tail = start + reserve - (aligned + mapped);
            if tail > 0 {
                libc::munmap((aligned + mapped) as *mut libc::c_void, tail);
            }
            // Only advice: without huge pages the load is as correct, just slower.
            libc::madvise(aligned as *mut libc::c_void, mapped, libc::MADV_HUGEPAGE);
        }
        NonNull::new(aligned as *mut u8).ok_or_else(|| io::Error::other("null mapping"))
    }

    /// Reads the artifact into the mapping and hashes it ([`read_and_hash`]).
    fn fill(&mut self, stored: &StoredArtifact<'_, File>) -> io::Result<()> {
        // SAFETY: `len <= mapped` bytes of the writable mapping this copy
        // owns; no other reference to them exists while this one lives.
        let into = unsafe { std::slice::from_raw_parts_mut(self.base.as_ptr(), self.len) };
        self.digest = read_and_hash(stored, into)?;
        Ok(())
    }

    /// The BLAKE3 digest of the bytes in this copy.
    pub fn digest(&self) -> &blake3::Hash {
        &self.digest
    }

    /// Makes the copy read-only and hands it over for the rest of the
    /// process's life: the returned memory is never written (not even by this
    /// process: a write faults) and never unmapped.
    pub fn keep(self) -> io::Result<NonNull<[u8]>> {
        // SAFETY: the mapping this copy owns.
        if unsafe { libc::mprotect(self.base.as_ptr().cast(), self.mapped, libc::PROT_READ) } != 0 {
            return Err(io::Error::last_os_error());
        }
        let kept = NonNull::slice_from_raw_parts(self.base, self.len);
        std::mem::forget(self);
        Ok(kept)
    }

    #[cfg(test)]
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: `len` initialised bytes of the mapping this copy owns.
        unsafe { std::slice::from_raw_parts(self.base.as_ptr(), self.len) }
    }
}

/// Artifacts at least this long are read and hashed on two threads.
const TWO_THREADS_FROM: usize = 4 << 20;

/// Reads the artifact `stored` (`into.len()` bytes) into `into` and returns
/// the BLAKE3 digest of what landed in `into`, each chunk hashed right after
/// it is read. A large artifact is read and hashed in two parts at once, one
/// on another thread: the page faults (zeroing fresh huge pages), the copy
/// and the hashing each take two cores. The parts are subtrees of BLAKE3's
/// own tree (`blake3::hazmat`), merged into the digest of the whole, which is
/// the same as `blake3::hash(into)` (tested).
fn read_and_hash(stored: &StoredArtifact<'_, File>, into: &mut [u8]) -> io::Result<blake3::Hash> {
    use blake3::hazmat::{HasherExt as _, Mode, merge_subtrees_non_root, merge_subtrees_root};

    let len = into.len();
    if len < TWO_THREADS_FROM {
        let mut hasher = blake3::Hasher::new();
        read_hashing(stored, 0, into, &mut hasher)?;
        return Ok(hasher.finalize());
    }
    // The root's left subtree is the largest power-of-two number of chunks
    // short of the whole ([0, left)); its two halves are subtrees too. This
    // thread takes the first half, the other thread the second half and the
    // root's right subtree ([left, len)): at least a quarter each.
    let left = usize::try_from(blake3::hazmat::left_subtree_len(len as u64))
        .map_err(|_| io::Error::other("artifact too large"))?;
    let quarter = left / 2;
    let (first, rest) = into.split_at_mut(quarter);
    let (second, right) = rest.split_at_mut(left - quarter);
    std::thread::scope(|scope| {
        let other = std::thread::Builder::new()
            .name("kiln-artifact".into())
            .spawn_scoped(scope, move || {
                let mut second_half = blake3::Hasher::new();
                second_half.set_input_offset(quarter as u64);
                read_hashing(stored, quarter, second, &mut second_half)?;
                let mut right_subtree = blake3::Hasher::new();
                right_subtree.set_input_offset(left as u64);
                read_hashing(stored, left, right, &mut right_subtree)?;
                io::Result::Ok((
                    second_half.finalize_non_root(),
                    right_subtree.finalize_non_root(),
                ))
            })?;
        let mut first_half = blake3::Hasher::new();
        let first = read_hashing(stored, 0, first, &mut first_half);
        let (second_half, right_subtree) = other
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        first?;
        let left_subtree =
            merge_subtrees_non_root(&first_half.finalize_non_root(), &second_half, Mode::Hash);
        Ok(merge_subtrees_root(
            &left_subtree,
            &right_subtree,
            Mode::Hash,
        ))
    })
}

/// Reads the artifact's `into.len()` bytes from `at` into `into` a chunk at
/// a time (zeros where the entry left pages of zeros out), feeding each
/// chunk, as it is in `into`, to `hasher`.
fn read_hashing(
    stored: &StoredArtifact<'_, File>,
    at: usize,
    into: &mut [u8],
    hasher: &mut blake3::Hasher,
) -> io::Result<()> {
    for (index, chunk) in into.chunks_mut(CHUNK).enumerate() {
        stored.read_exact_at(chunk, at + index * CHUNK)?;
        hasher.update(chunk);
    }
    Ok(())
}

impl Drop for PrivateCopy {
    fn drop(&mut self) {
        // SAFETY: the mapping this copy owns; nothing borrows it any more.
        unsafe { libc::munmap(self.base.as_ptr().cast(), self.mapped) };
        KEPT.fetch_sub(self.mapped, Ordering::SeqCst);
    }
}

/// How code memory becomes executable on an engine that loads private
/// copies: wasmtime's own way changes the protection only of memory it
/// mapped itself, and a private copy is memory it was handed. This does
/// what wasmtime does on x86-64 for both kinds: the code range becomes
/// read-and-execute (never writable and executable at once), and back to
/// read-write when wasmtime unpublishes it.
#[derive(Debug)]
pub struct ProtectCode;

impl ProtectCode {
    fn protect(ptr: *const u8, len: usize, prot: libc::c_int) -> wasmtime::Result<()> {
        if len == 0 {
            return Ok(());
        }
        // SAFETY: wasmtime passes a page-aligned range of code memory it
        // manages (`required_alignment`), valid for the call.
        if unsafe { libc::mprotect(ptr.cast_mut().cast(), len, prot) } != 0 {
            return Err(wasmtime::Error::from(io::Error::last_os_error()));
        }
        Ok(())
    }
}

impl CustomCodeMemory for ProtectCode {
    fn required_alignment(&self) -> usize {
        // SAFETY: sysconf has no preconditions.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        usize::try_from(page).unwrap_or(4096)
    }

    fn publish_executable(&self, ptr: *const u8, len: usize) -> wasmtime::Result<()> {
        Self::protect(ptr, len, libc::PROT_READ | libc::PROT_EXEC)
    }

    fn unpublish_executable(&self, ptr: *const u8, len: usize) -> wasmtime::Result<()> {
        Self::protect(ptr, len, libc::PROT_READ | libc::PROT_WRITE)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;
    use std::os::unix::fs::FileExt as _;

    use super::*;

    /// The private copy of `len` bytes of `file` from `offset`, stored whole.
    fn copy_of(file: &File, offset: u64, len: usize) -> io::Result<PrivateCopy> {
        PrivateCopy::of(&StoredArtifact::whole(file, offset, len))
    }

    fn file_with(bytes: &[u8]) -> File {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(bytes).unwrap();
        file
    }

    #[test]
    fn the_copy_holds_the_bytes_after_the_offset_and_their_digest() {
        let bytes: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let copy = copy_of(&file_with(&bytes), 40, bytes.len() - 40).unwrap();
        assert_eq!(copy.bytes(), &bytes[40..]);
        assert_eq!(copy.digest(), &blake3::hash(&bytes[40..]));
    }

    #[test]
    fn a_file_shorter_than_promised_is_refused() {
        let error = copy_of(&file_with(b"short"), 0, 6).err().unwrap();
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
        // Also where two threads read it: short in either part.
        let bytes = vec![7u8; TWO_THREADS_FROM * 2];
        for promised in [bytes.len() + 1, bytes.len() * 3] {
            let error = copy_of(&file_with(&bytes), 0, promised).err().unwrap();
            assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
        }
    }

    #[test]
    fn the_two_thread_digest_is_blake3_of_the_whole() {
        let bytes: Vec<u8> = (0..(40u32 << 20))
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect();
        // Around the two-thread threshold, powers of two and odd lengths, and
        // an offset (the entry's header) before the artifact.
        for len in [
            TWO_THREADS_FROM - 1,
            TWO_THREADS_FROM,
            TWO_THREADS_FROM + 1,
            8 << 20,
            (8 << 20) + 1024,
            (16 << 20) - 1,
            37_156_008,
            (40 << 20) - 40,
        ] {
            let copy = copy_of(&file_with(&bytes), 40, len).unwrap();
            assert_eq!(copy.bytes(), &bytes[40..40 + len], "{len}");
            assert_eq!(copy.digest(), &blake3::hash(&bytes[40..40 + len]), "{len}");
        }
    }

    #[test]
    fn an_entry_without_its_pages_of_zeros_reads_back_whole() {
        use super::super::stored::{PAGE, encode};
        // Over the two-thread threshold: pages of zeros in every part.
        let artifact: Vec<u8> = (0..(6usize << 20))
            .map(|i| {
                if (i / PAGE) % 3 == 1 || i > (5 << 20) {
                    (i % 251) as u8 | 1
                } else {
                    0
                }
            })
            .collect();
        let entry = encode(&artifact, u64::MAX).unwrap();
        assert!(entry.len() < artifact.len() / 2, "{}", entry.len());
        let file = file_with(&entry);
        let stored = StoredArtifact::open(&file, entry.len() as u64, u64::MAX).unwrap();
        let copy = PrivateCopy::of(&stored).unwrap();
        assert_eq!(copy.bytes(), artifact.as_slice());
        assert_eq!(copy.digest(), &blake3::hash(&artifact));
    }

    #[test]
    fn a_later_change_to_the_source_file_does_not_reach_the_copy() {
        let file = file_with(b"checked bytes");
        let copy = copy_of(&file, 0, 13).unwrap();
        file.write_at(b"CHANGED", 0).unwrap();
        assert_eq!(copy.bytes(), b"checked bytes");
        let kept = copy.keep().unwrap();
        // SAFETY: kept memory is readable for the rest of the process.
        assert_eq!(unsafe { kept.as_ref() }, b"checked bytes");
    }

    #[test]
    fn kept_memory_is_read_only() {
        let copy = copy_of(&file_with(b"native code"), 0, 11).unwrap();
        let kept = copy.keep().unwrap();
        let page = kept.cast::<u8>().as_ptr();
        // /proc/self/maps lists the mapping's permissions.
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
        let start = page as usize;
        let line = maps
            .lines()
            .find(|line| {
                let range = line.split_whitespace().next().unwrap();
                let (from, to) = range.split_once('-').unwrap();
                let from = usize::from_str_radix(from, 16).unwrap();
                let to = usize::from_str_radix(to, 16).unwrap();
                (from..to).contains(&start)
            })
            .unwrap();
        let perms = line.split_whitespace().nth(1).unwrap();
        assert!(perms.starts_with("r--"), "{line}");
    }
}
