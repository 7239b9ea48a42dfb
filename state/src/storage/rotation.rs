//! Re-encrypting every stored secret under the current host key: the second half of a key
//! rotation (docs/operations.md, "Rotating the secret-storage key").
//!
//! The first half is configuration: every host gets the new key as current and the old one
//! as previous, so each reads both and seals only with the new one. This pass then visits
//! every installation's secrets in pages and moves each one that a previous key sealed:
//!
//! - **Safe beside live replicas.** Each move is one compare-and-set on the entry's version
//!   (the write path every replica uses), so a secret an app writes or deletes meanwhile is
//!   never overwritten with its older value: the pass reads it again and, if a previous key
//!   still sealed it, moves the new value. No lock is held between entries or pages.
//! - **Resumable.** Nothing is remembered between runs: a secret already under the current
//!   key is recognised by the key id in its header and skipped, so a run stopped at any point
//!   (kill, lost connection) is finished by running it again.
//! - **Never lossy.** A secret no held key opens (its key id unknown, or damaged) is counted
//!   and left as it is; the report names the unknown key ids, and the operator must not
//!   retire a key while the report shows any.
//! - The value, its size and the installation's quota are unchanged (same plaintext, same
//!   overhead); only the version moves, as for any write.

use std::collections::BTreeSet;

use super::backend::{Change, Condition, InstallationId, ScanRange, Space, WriteOutcome};
use super::{AppStorage, StorageError, StorageKey};
use crate::installation::Installation;
use crate::secrets::{SecretCipher, SecretError};

/// Above every stored key: keys are UTF-8, and no UTF-8 text contains the byte 0xFF.
const PAST_EVERY_KEY: &[u8] = &[0xFF];

/// Times one secret is read again after an app's write raced the move, before the pass
/// gives up with [`StorageError::Contended`]. A secret rewritten that often is being
/// rewritten by a host that seals with the current key anyway.
const MAX_RACES: u32 = 16;

/// What a rotation pass found and did. `complete()`: every secret is under the current key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RotationReport {
    /// Installations visited.
    pub installations: u64,
    /// Secrets visited.
    pub secrets: u64,
    /// Moved to the current key by this pass.
    pub rotated: u64,
    /// Already under the current key (sealed since the key changed, or by an earlier run).
    pub current: u64,
    /// Deleted by an app while the pass ran.
    pub deleted_meanwhile: u64,
    /// Sealed by a key this host does not hold: left as they are.
    pub unknown_key: u64,
    /// The ids (never the keys) of those keys.
    pub unknown_key_ids: BTreeSet<String>,
    /// Did not authenticate under the key they name (damaged, or copied from elsewhere):
    /// left as they are.
    pub undecryptable: u64,
}

impl RotationReport {
    /// Every secret visited is now under the current key: previous keys can be retired.
    pub fn complete(&self) -> bool {
        self.unknown_key == 0 && self.undecryptable == 0
    }
}

/// How one secret ended.
enum Moved {
    Rotated,
    Current,
    Deleted,
    Unknown(String),
    Undecryptable,
}

impl AppStorage {
    /// Re-encrypts every secret a previous key sealed under the current key, reading
    /// `page` installations and then `page` secrets at a time (1 to 1,000), calling
    /// `progress` after each page of secrets. See the module documentation.
    pub async fn rotate_secrets(
        &self,
        page: u32,
        mut progress: impl FnMut(&RotationReport) + Send,
    ) -> Result<RotationReport, StorageError> {
        let page = page.clamp(1, 1_000);
        let mut report = RotationReport::default();
        let mut after: Option<InstallationId> = None;
        loop {
            let installations = self.backend.installations(after, page).await?;
            let Some((last, _)) = installations.last() else {
                return Ok(report);
            };
            after = Some(*last);
            for (id, installation) in &installations {
                report.installations += 1;
                self.rotate_installation(*id, installation, page, &mut report, &mut progress)
                    .await?;
            }
        }
    }

    async fn rotate_installation(
        &self,
        id: InstallationId,
        installation: &Installation,
        page: u32,
        report: &mut RotationReport,
        progress: &mut (impl FnMut(&RotationReport) + Send),
    ) -> Result<(), StorageError> {
        // Keyset paging: the next page starts just after the last key seen (that key with a
        // 0x00 byte appended is the least key above it).
        let mut start: Vec<u8> = Vec::new();
        loop {
            let entries = self
                .backend
                .scan(
                    id,
                    Space::Secrets,
                    ScanRange {
                        start: &start,
                        end: PAST_EVERY_KEY,
                    },
                    page,
                    self.now(),
                )
                .await?;
            let full = entries.len() == page as usize;
            for (key, entry) in entries {
                report.secrets += 1;
                let text = String::from_utf8(key)
                    .map_err(|_| StorageError::Corrupt("a stored key is not UTF-8"))?;
                let storage_key = StorageKey::new(text, usize::MAX)
                    .map_err(|_| StorageError::Corrupt("a stored key is invalid"))?;
                match self
                    .rotate_one(id, installation, &storage_key, entry)
                    .await?
                {
                    Moved::Rotated => report.rotated += 1,
                    Moved::Current => report.current += 1,
                    Moved::Deleted => report.deleted_meanwhile += 1,
                    Moved::Unknown(key_id) => {
                        tracing::warn!(app = %installation.app_id(), key_id = %key_id, "a secret is sealed by a key this host does not hold; left as it is");
                        report.unknown_key += 1;
                        report.unknown_key_ids.insert(key_id);
                    }
                    Moved::Undecryptable => {
                        tracing::warn!(app = %installation.app_id(), "a secret does not authenticate; left as it is");
                        report.undecryptable += 1;
                    }
                }
                start = storage_key.as_bytes().to_vec();
                start.push(0);
            }
            progress(report);
            if !full {
                return Ok(());
            }
        }
    }

    async fn rotate_one(
        &self,
        id: InstallationId,
        installation: &Installation,
        key: &StorageKey,
        mut entry: super::StoredEntry,
    ) -> Result<Moved, StorageError> {
        let cipher: &SecretCipher = &self.cipher;
        for _ in 0..MAX_RACES {
            if cipher.is_current(&entry.bytes) {
                return Ok(Moved::Current);
            }
            let plaintext = match cipher.open(installation, key, &entry.bytes) {
                Ok(plaintext) => plaintext,
                Err(SecretError::UnknownKey { key_id }) => return Ok(Moved::Unknown(key_id)),
                Err(SecretError::Undecryptable | SecretError::UnknownFormat) => {
                    return Ok(Moved::Undecryptable);
                }
                Err(other) => return Err(other.into()),
            };
            let sealed = cipher.seal(installation, key, &plaintext);
            // No quota: the sealed value is exactly as long as the one it replaces.
            match self
                .backend
                .write(
                    id,
                    Space::Secrets,
                    key,
                    // Secrets never expire.
                    Change::Put {
                        bytes: &sealed,
                        expires_at: None,
                    },
                    Condition::Version(entry.version),
                    u64::MAX,
                    self.now(),
                )
                .await?
            {
                WriteOutcome::Done(_) => return Ok(Moved::Rotated),
                WriteOutcome::ConditionFailed { .. } => {
                    // An app wrote or deleted it meanwhile: look again.
                    match self
                        .backend
                        .get(id, Space::Secrets, key, self.now())
                        .await?
                    {
                        Some(now) => entry = now,
                        None => return Ok(Moved::Deleted),
                    }
                }
                WriteOutcome::OverQuota { .. } => {
                    return Err(StorageError::Corrupt("a same-size rewrite went over quota"));
                }
            }
        }
        Err(StorageError::Contended {
            attempts: MAX_RACES,
        })
    }
}
