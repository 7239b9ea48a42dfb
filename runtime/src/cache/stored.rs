//! How an artifact is stored in a cache entry (entry format 3): its runs of
//! pages that hold data, the pages of zeros between them left out.
//!
//! A JavaScript app's artifact is almost all the snapshot's memory image,
//! which wasmtime stores whole and page-aligned so that an instance maps it
//! copy-on-write: 8.3 MiB, of which more than 4 MiB are whole pages of zeros.
//! Format 2 wrote them as filesystem holes; the file still measured
//! 8.3 MiB, and took all of it on a filesystem without holes (or after a
//! copy that does not keep them). Format 3 leaves them out of the file
//! itself, so an entry's length is its data (4.1 MiB for bench/js-noop's part):
//!
//! ```text
//! magic "KILNAOT3"           8 bytes
//! BLAKE3 of the artifact    32 bytes   (of all its bytes, zeros included)
//! artifact length            8 bytes   (u64, little-endian)
//! number of extents N        4 bytes   (u32, little-endian)
//! N extents                 16 bytes each: where in the artifact (u64),
//!                                          how many bytes (u64)
//! the extents' bytes, one after the other, in the order listed
//! ```
//!
//! Every byte of the artifact outside the extents is zero. The extents are
//! in increasing order, do not overlap, are not empty, lie inside the
//! artifact, and their bytes end exactly at the end of the file. An entry that breaks any of that is refused as
//! corrupt before any of its bytes is copied anywhere, without arithmetic
//! that could overflow and without allocating more than the file's own
//! length for its table: a hostile or damaged entry is a typed error
//! ([`CacheError::Corrupt`]), and the caller recompiles.
//!
//! The checksum is unchanged in what it covers: the artifact as wasmtime
//! gets it, every byte, the zeros between extents included, computed over
//! the copy the loader made ([`super::sealed`], [`super::private`] or a
//! buffer). An extent list that lies (data moved, a run of zeros claimed
//! where there was data) gives other bytes, and those do not match.
//!
//! Why not compression: it would make the file smaller still, but every
//! cached load would pay to decompress 8 MiB (and the 33 MiB engine), where
//! leaving out pages of zeros costs nothing to load: the loaders skip them
//! (the sealed copy keeps them as holes, which also keeps them out of
//! memory), and the rest is read as before.

use std::fs::File;
use std::io;

use super::CacheError;

/// First bytes of every artifact entry: Kiln's format, version 3. Format 2
/// (the artifact whole after the digest) and format 1 (SHA-256) are refused
/// as corrupt, deleted and recompiled on their next load.
pub const MAGIC: &[u8; 8] = b"KILNAOT3";

/// The unit in which zeros are left out: 4 KiB, whatever this system's page
/// size (the format is the same everywhere; wasmtime aligns memory images
/// to at least that).
pub const PAGE: usize = 4096;

/// The fixed part of the header: magic, digest, artifact length, number of
/// extents.
const FIXED_LEN: usize = MAGIC.len() + blake3::OUT_LEN + 8 + 4;

/// One extent in the table: where, how many.
const EXTENT_LEN: usize = 16;

/// One run of an artifact's bytes stored in the entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extent {
    /// Where the run starts in the artifact.
    pub at: usize,
    /// How many bytes.
    pub len: usize,
    /// Where its bytes are in the entry's file.
    pub file_offset: u64,
}

/// The entry of `artifact`: header, extents, their bytes. `None` for an
/// artifact longer than `max_len` (which no reader would accept).
pub fn encode(artifact: &[u8], max_len: u64) -> Option<Vec<u8>> {
    if artifact.len() as u64 > max_len {
        return None;
    }
    let runs = data_runs(artifact);
    let count = u32::try_from(runs.len()).ok()?;
    let data: usize = runs.iter().map(|&(_, len)| len).sum();
    let mut entry = Vec::with_capacity(FIXED_LEN + runs.len() * EXTENT_LEN + data);
    entry.extend_from_slice(MAGIC);
    entry.extend_from_slice(blake3::hash(artifact).as_bytes());
    entry.extend_from_slice(&(artifact.len() as u64).to_le_bytes());
    entry.extend_from_slice(&count.to_le_bytes());
    for &(at, len) in &runs {
        entry.extend_from_slice(&(at as u64).to_le_bytes());
        entry.extend_from_slice(&(len as u64).to_le_bytes());
    }
    for &(at, len) in &runs {
        entry.extend_from_slice(&artifact[at..at + len]);
    }
    Some(entry)
}

/// The runs of [`PAGE`]s of `artifact` (counted from its first byte) that
/// hold a byte other than zero, as (start, length); the last page may be
/// short.
fn data_runs(artifact: &[u8]) -> Vec<(usize, usize)> {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for (index, page) in artifact.chunks(PAGE).enumerate() {
        if is_zero(page) {
            continue;
        }
        let at = index * PAGE;
        match runs.last_mut() {
            Some((start, len)) if *start + *len == at => *len += page.len(),
            _ => runs.push((at, page.len())),
        }
    }
    runs
}

/// Whether every byte is zero; 64 bytes at a time (the compiler turns the
/// fold into vector instructions), stopping at the first that is not.
pub fn is_zero(bytes: &[u8]) -> bool {
    let words = bytes.chunks_exact(64);
    let rest = words.remainder();
    words
        .into_iter()
        .all(|word| word.iter().fold(0, |any, &byte| any | byte) == 0)
        && rest.iter().all(|&byte| byte == 0)
}

/// Where an entry's bytes are read from: its open file, or (the buffer
/// load) the whole entry in memory.
pub trait ReadAt {
    /// Fills `buf` from `offset`; `UnexpectedEof` if the source ends first.
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()>;
}

#[cfg(unix)]
impl ReadAt for File {
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        std::os::unix::fs::FileExt::read_exact_at(self, buf, offset)
    }
}

impl ReadAt for [u8] {
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        let bytes = usize::try_from(offset)
            .ok()
            .and_then(|start| self.get(start..start.checked_add(buf.len())?))
            .ok_or(io::ErrorKind::UnexpectedEof)?;
        buf.copy_from_slice(bytes);
        Ok(())
    }
}

/// An entry's header read and checked: the artifact's length, its recorded
/// digest, and where its bytes are. Reading through it gives the artifact's
/// bytes; whether they are the recorded ones is the caller's check, over
/// its own copy.
#[derive(Debug)]
pub struct StoredArtifact<'a, R: ReadAt + ?Sized> {
    source: &'a R,
    len: usize,
    digest: blake3::Hash,
    extents: Vec<Extent>,
}

impl<'a, R: ReadAt + ?Sized> StoredArtifact<'a, R> {
    /// Reads and checks the header of the entry in `source`, `file_len`
    /// bytes long: refused as [`CacheError::Corrupt`] unless it is format
    /// 3, the artifact is at most `max_len` bytes, and the extents are in
    /// order, disjoint, not empty, inside the artifact, and their bytes end
    /// exactly at `file_len`.
    pub fn open(source: &'a R, file_len: u64, max_len: u64) -> Result<Self, CacheError> {
        let read = |buf: &mut [u8], offset: u64| {
            source.read_exact_at(buf, offset).map_err(|error| {
                if error.kind() == io::ErrorKind::UnexpectedEof {
                    CacheError::Corrupt
                } else {
                    CacheError::Io(error)
                }
            })
        };
        let mut fixed = [0u8; FIXED_LEN];
        read(&mut fixed, 0)?;
        let (magic, rest) = fixed.split_at(MAGIC.len());
        let (digest, rest) = rest.split_at(blake3::OUT_LEN);
        let (len, count) = rest.split_at(8);
        if magic != MAGIC {
            return Err(CacheError::Corrupt);
        }
        let digest = blake3::Hash::from_bytes(digest.try_into().map_err(|_| CacheError::Corrupt)?);
        let len = u64::from_le_bytes(len.try_into().map_err(|_| CacheError::Corrupt)?);
        let count = u32::from_le_bytes(count.try_into().map_err(|_| CacheError::Corrupt)?);
        let len = usize::try_from(len)
            .ok()
            .filter(|&len| len as u64 <= max_len)
            .ok_or(CacheError::Corrupt)?;
        // The table must fit in the file (so it never asks for more memory
        // than the file's length, itself bounded by the caller).
        let table_end = (count as u64)
            .checked_mul(EXTENT_LEN as u64)
            .and_then(|table| table.checked_add(FIXED_LEN as u64))
            .filter(|&end| end <= file_len)
            .ok_or(CacheError::Corrupt)?;
        let mut table = vec![0u8; table_end as usize - FIXED_LEN];
        read(&mut table, FIXED_LEN as u64)?;
        let mut extents = Vec::with_capacity(count as usize);
        let mut artifact_end = 0usize;
        let mut file_offset = table_end;
        for entry in table.chunks_exact(EXTENT_LEN) {
            let (at, extent_len) = entry.split_at(8);
            let at = u64::from_le_bytes(at.try_into().map_err(|_| CacheError::Corrupt)?);
            let extent_len =
                u64::from_le_bytes(extent_len.try_into().map_err(|_| CacheError::Corrupt)?);
            let end = at.checked_add(extent_len).ok_or(CacheError::Corrupt)?;
            if extent_len == 0 || at < artifact_end as u64 || end > len as u64 {
                return Err(CacheError::Corrupt);
            }
            extents.push(Extent {
                // Both at most `len`, a `usize`.
                at: at as usize,
                len: extent_len as usize,
                file_offset,
            });
            artifact_end = end as usize;
            file_offset = file_offset
                .checked_add(extent_len)
                .ok_or(CacheError::Corrupt)?;
        }
        if file_offset != file_len {
            return Err(CacheError::Corrupt);
        }
        Ok(Self {
            source,
            len,
            digest,
            extents,
        })
    }

    /// The artifact's length, zeros included.
    pub fn len(&self) -> usize {
        self.len
    }

    /// The digest recorded when the entry was written.
    pub fn recorded_digest(&self) -> &blake3::Hash {
        &self.digest
    }

    /// The runs of the artifact stored in the entry, in order.
    pub fn extents(&self) -> &[Extent] {
        &self.extents
    }

    /// Where the entry is read from.
    pub fn source(&self) -> &R {
        self.source
    }

    /// Fills `buf` with the artifact's bytes from `at`: zeros outside the
    /// extents, the entry's bytes inside them. `UnexpectedEof` if the entry
    /// ends early (truncated since its header was read), `InvalidInput` if
    /// `buf` reaches past the artifact.
    pub fn read_exact_at(&self, buf: &mut [u8], at: usize) -> io::Result<()> {
        let end = at
            .checked_add(buf.len())
            .filter(|&end| end <= self.len)
            .ok_or(io::ErrorKind::InvalidInput)?;
        let first = self.extents.partition_point(|e| e.at + e.len <= at);
        let mut cursor = at;
        for extent in &self.extents[first..] {
            if extent.at >= end {
                break;
            }
            if extent.at > cursor {
                buf[cursor - at..extent.at - at].fill(0);
                cursor = extent.at;
            }
            let until = end.min(extent.at + extent.len);
            self.source.read_exact_at(
                &mut buf[cursor - at..until - at],
                extent.file_offset + (cursor - extent.at) as u64,
            )?;
            cursor = until;
        }
        buf[cursor - at..].fill(0);
        Ok(())
    }

    /// The whole artifact in a new buffer.
    pub fn to_vec(&self) -> io::Result<Vec<u8>> {
        let mut artifact = vec![0u8; self.len];
        self.read_exact_at(&mut artifact, 0)?;
        Ok(artifact)
    }
}

#[cfg(test)]
impl<'a, R: ReadAt + ?Sized> StoredArtifact<'a, R> {
    /// `len` bytes of `source` from `offset` as one extent (no header):
    /// for the loaders' own tests.
    pub fn whole(source: &'a R, offset: u64, len: usize) -> Self {
        Self {
            source,
            len,
            digest: blake3::Hash::from_bytes([0; blake3::OUT_LEN]),
            extents: (len > 0)
                .then_some(Extent {
                    at: 0,
                    len,
                    file_offset: offset,
                })
                .into_iter()
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: u64 = 1 << 30;

    /// An artifact of `pages` pages (the last `tail` bytes short of whole)
    /// where the pages of `data` hold bytes and the others zeros.
    fn artifact(pages: usize, data: &[usize], tail: usize) -> Vec<u8> {
        let mut bytes = vec![0u8; pages * PAGE - tail];
        for &page in data {
            let end = ((page + 1) * PAGE).min(bytes.len());
            for (i, byte) in bytes[page * PAGE..end].iter_mut().enumerate() {
                *byte = (i % 251) as u8 | 1;
            }
        }
        bytes
    }

    fn open(entry: &[u8]) -> Result<StoredArtifact<'_, [u8]>, CacheError> {
        StoredArtifact::open(entry, entry.len() as u64, MAX)
    }

    #[test]
    fn an_entry_holds_only_the_pages_with_data_and_reads_back_whole() {
        for (pages, data, tail) in [
            (10, vec![0, 1, 5, 9], 0),
            (10, vec![3], 100),
            (10, vec![9], 4000),
            (4, vec![], 0),
            (4, vec![0, 1, 2, 3], 1),
            (1, vec![0], 4095),
        ] {
            let artifact = artifact(pages, &data, tail);
            let entry = encode(&artifact, MAX).unwrap();
            let stored = open(&entry).unwrap();
            assert_eq!(stored.len(), artifact.len());
            assert_eq!(stored.recorded_digest(), &blake3::hash(&artifact));
            let runs = data_runs(&artifact);
            assert_eq!(stored.extents().len(), runs.len());
            let data_len: usize = runs.iter().map(|r| r.1).sum();
            assert_eq!(entry.len(), FIXED_LEN + runs.len() * EXTENT_LEN + data_len);
            assert_eq!(stored.to_vec().unwrap(), artifact, "{pages} {data:?}");
            // Any window reads the same as the artifact's.
            for (at, len) in [(0, 1), (PAGE - 1, 2), (PAGE * 2 + 7, PAGE * 3), (0, 0)] {
                if at + len <= artifact.len() {
                    let mut buf = vec![0xaa; len];
                    stored.read_exact_at(&mut buf, at).unwrap();
                    assert_eq!(buf, &artifact[at..at + len]);
                }
            }
            let mut past = vec![0; 2];
            assert!(stored.read_exact_at(&mut past, artifact.len() - 1).is_err());
        }
        // Runs of pages with data are one extent each.
        let artifact = artifact(8, &[1, 2, 3, 6], 0);
        assert_eq!(
            data_runs(&artifact),
            vec![(PAGE, 3 * PAGE), (6 * PAGE, PAGE)]
        );
        assert_eq!(encode(&artifact, 8 * PAGE as u64 - 1), None);
    }

    /// `entry` with its extent table replaced by `extents` (data unchanged).
    fn with_table(entry: &[u8], len: u64, extents: &[(u64, u64)]) -> Vec<u8> {
        let count = u32::from_le_bytes(entry[FIXED_LEN - 4..FIXED_LEN].try_into().unwrap());
        let data = &entry[FIXED_LEN + count as usize * EXTENT_LEN..];
        let mut out = entry[..FIXED_LEN - 12].to_vec();
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(extents.len() as u32).to_le_bytes());
        for &(at, len) in extents {
            out.extend_from_slice(&at.to_le_bytes());
            out.extend_from_slice(&len.to_le_bytes());
        }
        out.extend_from_slice(data);
        out
    }

    #[test]
    fn a_hostile_or_damaged_header_is_corrupt_never_a_panic() {
        // Two extents of one page each, at pages 1 and 3 of 5.
        let artifact = artifact(5, &[1, 3], 0);
        let entry = encode(&artifact, MAX).unwrap();
        let len = artifact.len() as u64;
        let page = PAGE as u64;
        assert!(open(&with_table(&entry, len, &[(page, page), (3 * page, page)])).is_ok());
        let refused = |entry: Vec<u8>, why: &str| {
            assert!(
                matches!(open(&entry), Err(CacheError::Corrupt)),
                "{why}: {:?}",
                open(&entry).map(|s| s.extents().to_vec())
            );
        };
        refused(
            with_table(&entry, len, &[(page, page), (page + 1, page)]),
            "overlapping",
        );
        refused(
            with_table(&entry, len, &[(3 * page, page), (page, page)]),
            "out of order",
        );
        refused(
            with_table(&entry, len, &[(page, page), (len - 1, page)]),
            "past the artifact",
        );
        refused(
            with_table(&entry, len, &[(page, page), (u64::MAX - 1, 2 * page)]),
            "overflowing",
        );
        refused(
            with_table(&entry, len, &[(page, 0), (page, 2 * page)]),
            "empty",
        );
        refused(
            with_table(&entry, len, &[(page, page), (3 * page, page - 1)]),
            "data left over",
        );
        refused(
            with_table(&entry, len, &[(page, page), (3 * page, page + 1)]),
            "data missing",
        );
        refused(
            with_table(&entry, len, &[(page, u64::MAX), (3 * page, page)]),
            "huge",
        );
        refused(
            with_table(&entry, MAX + 1, &[(page, page), (3 * page, page)]),
            "too long",
        );
        refused(
            with_table(&entry, u64::MAX, &[(page, page), (3 * page, page)]),
            "u64::MAX",
        );
        // A count far beyond the file's length.
        let mut many = entry.clone();
        many[FIXED_LEN - 4..FIXED_LEN].copy_from_slice(&u32::MAX.to_le_bytes());
        refused(many, "count");
        // Truncated anywhere, or grown.
        for cut in [0, 7, FIXED_LEN - 1, FIXED_LEN + 5, entry.len() - 1] {
            refused(entry[..cut].to_vec(), "truncated");
        }
        refused([entry.as_slice(), &[0]].concat(), "trailing bytes");
        // Another format's magic.
        let mut v2 = entry.clone();
        v2[..8].copy_from_slice(b"KILNAOT2");
        refused(v2, "format 2");
    }

    #[test]
    fn a_file_truncated_after_its_header_was_read_fails_the_read() {
        let artifact = artifact(4, &[0, 2], 0);
        let entry = encode(&artifact, MAX).unwrap();
        let stored = open(&entry).unwrap();
        let short = &entry[..entry.len() - 10];
        let truncated = StoredArtifact {
            source: short,
            len: stored.len,
            digest: stored.digest,
            extents: stored.extents.clone(),
        };
        let error = truncated.to_vec().unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
    }
}
