//! Secret values at rest (Forge's `kvs.setSecret` / `getSecret`): encrypted with a key the
//! host holds, which never enters the database, a guest, a log or an error.
//!
//! **Cipher.** XChaCha20-Poly1305 (RustCrypto `chacha20poly1305`, audited, pure Rust): an
//! AEAD whose 192-bit nonce can be drawn at random for every write with no practical risk of
//! reuse, so no nonce counter has to be kept consistent across processes and replicas.
//!
//! **Stored form.** `[format 0x01][key id: 8 bytes][nonce: 24 bytes][ciphertext + tag]`. The
//! key id (the first 8 bytes of SHA-256 over a label and the key) says which key sealed the
//! value, so a later rotation can hold old and new keys and re-encrypt lazily; the id reveals
//! nothing usable about the key.
//!
//! **Binding.** The associated data is the format, the key id, and the installation's app
//! id, site and environment and the storage key, each length-prefixed. A ciphertext copied to
//! another key, another installation or sealed under another host key fails to authenticate
//! ([`SecretError::Undecryptable`]) instead of revealing the secret to the wrong reader.
//!
//! **Host key.** 32 random bytes, hex-encoded, from `$KILN_STORAGE_KEY` or a file (default
//! `storage.key` beside the state file) created `0600` from the OS's random source when
//! absent. A key file another user could read, or that is not owned by this user, is
//! refused: the key is only as private as the file.
//!
//! **Rotation.** A cipher holds one *current* key, the only one that seals, and any number of
//! *previous* keys (`$KILN_STORAGE_KEY_PREVIOUS`), which only open. Since every ciphertext
//! names its key, a read picks the right key without trying each, and a re-encryption pass
//! (`AppStorage::rotate_secrets`) finds what is not yet under the current key; once it
//! reports nothing left, the previous keys can be dropped.

use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::{Rng, TryRng};
use secrecy::{ExposeSecret, SecretBox, SecretString};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::installation::Installation;
use crate::storage::StorageKey;

/// The environment variable that may hold the host key (64 hex digits).
pub const KEY_ENV: &str = "KILN_STORAGE_KEY";
/// The environment variable that may hold earlier keys, still accepted for reading while a
/// rotation re-encrypts what they sealed: 64 hex digits each, separated by commas or
/// whitespace.
pub const PREVIOUS_KEYS_ENV: &str = "KILN_STORAGE_KEY_PREVIOUS";
/// Most previous keys one cipher holds: a rotation needs one; a few cover a rotation begun
/// before the last one finished. More is a configuration mistake, refused.
pub const MAX_PREVIOUS_KEYS: usize = 8;

const FORMAT: u8 = 1;
const KEY_ID_LEN: usize = 8;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
const HEADER_LEN: usize = 1 + KEY_ID_LEN + NONCE_LEN;
/// Bytes a sealed value adds to its plaintext.
pub const SEAL_OVERHEAD: usize = HEADER_LEN + TAG_LEN;
const KEY_HEX_LEN: usize = 64;

/// Why a secret could not be sealed or opened, or the key not loaded. No variant carries
/// key material or plaintext.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("cannot use the secret-storage key file {path}: {source}")]
    KeyFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the secret-storage key file {path} is readable by others (mode {mode:o}); run chmod 600"
    )]
    KeyFileShared { path: PathBuf, mode: u32 },
    #[error("the secret-storage key file {path} belongs to another user")]
    KeyFileOwner { path: PathBuf },
    #[error("the secret-storage key ({source_name}) is not 64 hexadecimal digits")]
    MalformedKey { source_name: String },
    #[error("{source_name} holds {count} keys; at most {max} previous keys are accepted")]
    TooManyPreviousKeys {
        source_name: String,
        count: usize,
        max: usize,
    },
    #[error("a stored secret was sealed with key {key_id}, which this host does not hold")]
    UnknownKey { key_id: String },
    #[error("a stored secret is not in a format this host reads")]
    UnknownFormat,
    #[error("a stored secret did not authenticate (damaged, or copied from elsewhere)")]
    Undecryptable,
    #[error("the operating system's random source failed")]
    NoRandomness,
}

/// The host's secret-storage key. `Debug` shows only its id.
pub struct EncryptionKey {
    material: SecretBox<[u8; 32]>,
    id: [u8; KEY_ID_LEN],
}

impl fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EncryptionKey(id {})", hex::encode(self.id))
    }
}

impl EncryptionKey {
    fn from_bytes(bytes: [u8; 32]) -> Self {
        let material = SecretBox::new(Box::new(bytes));
        let mut hasher = Sha256::new();
        hasher.update(b"kiln secret-storage key id v1\0");
        hasher.update(material.expose_secret());
        let digest = hasher.finalize();
        let mut id = [0u8; KEY_ID_LEN];
        id.copy_from_slice(&digest[..KEY_ID_LEN]);
        let mut bytes = bytes;
        zeroize::Zeroize::zeroize(&mut bytes);
        Self { material, id }
    }

    /// A fresh key from the operating system's random source.
    pub fn generate() -> Result<Self, SecretError> {
        let mut bytes = [0u8; 32];
        rand::rngs::SysRng
            .try_fill_bytes(&mut bytes)
            .map_err(|_| SecretError::NoRandomness)?;
        Ok(Self::from_bytes(bytes))
    }

    /// Parses 64 hex digits (surrounding whitespace ignored). `source_name` says where the
    /// text came from, for the error; the text itself is never echoed.
    pub fn from_hex(text: &SecretString, source_name: &str) -> Result<Self, SecretError> {
        let malformed = || SecretError::MalformedKey {
            source_name: source_name.to_owned(),
        };
        let trimmed = text.expose_secret().trim();
        if trimmed.len() != KEY_HEX_LEN {
            return Err(malformed());
        }
        let mut bytes = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(trimmed, bytes.as_mut_slice()).map_err(|_| malformed())?;
        Ok(Self::from_bytes(*bytes))
    }

    /// `$KILN_STORAGE_KEY` if set, else the key file at `path`, created if absent.
    pub fn from_env_or_file(path: &Path) -> Result<Self, SecretError> {
        match std::env::var_os(KEY_ENV) {
            None => Self::load_or_create(path),
            // Set but not text: refused, never silently replaced by the key file.
            Some(text) => match text.into_string() {
                Ok(text) => Self::from_hex(&SecretString::from(text), KEY_ENV),
                Err(_) => Err(SecretError::MalformedKey {
                    source_name: KEY_ENV.to_owned(),
                }),
            },
        }
    }

    /// Reads the key file at `path`, or creates it (mode 0600, parent 0700) with a new key.
    pub fn load_or_create(path: &Path) -> Result<Self, SecretError> {
        let file_error = |source| SecretError::KeyFile {
            path: path.to_owned(),
            source,
        };
        match Self::load(path) {
            Err(SecretError::KeyFile { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound => {}
            other => return other,
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            let mut builder = std::fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder.create(parent).map_err(file_error)?;
        }
        let key = Self::generate()?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(path) {
            Ok(mut file) => {
                let text =
                    Zeroizing::new(format!("{}\n", hex::encode(key.material.expose_secret())));
                file.write_all(text.as_bytes()).map_err(file_error)?;
                file.sync_all().map_err(file_error)?;
                tracing::info!(path = %path.display(), key_id = %hex::encode(key.id), "created a secret-storage key");
                Ok(key)
            }
            // Another process created it between our read and our create: use theirs.
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Self::load(path),
            Err(error) => Err(file_error(error)),
        }
    }

    fn load(path: &Path) -> Result<Self, SecretError> {
        let file_error = |source| SecretError::KeyFile {
            path: path.to_owned(),
            source,
        };
        let mut options = std::fs::OpenOptions::new();
        options.read(true);
        // Not through a symlink: the key must be the file the operator put there.
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NOFOLLOW);
        let file = options.open(path).map_err(file_error)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let meta = file.metadata().map_err(file_error)?;
            if meta.mode() & 0o077 != 0 {
                return Err(SecretError::KeyFileShared {
                    path: path.to_owned(),
                    mode: meta.mode() & 0o777,
                });
            }
            // SAFETY: geteuid has no preconditions and cannot fail.
            if meta.uid() != unsafe { libc::geteuid() } {
                return Err(SecretError::KeyFileOwner {
                    path: path.to_owned(),
                });
            }
        }
        let mut text = Zeroizing::new(String::new());
        // One line of hex; anything much longer is not a key file.
        file.take(256)
            .read_to_string(&mut text)
            .map_err(file_error)?;
        Self::from_hex(
            &SecretString::from(text.as_str().to_owned()),
            &path.display().to_string(),
        )
    }

    /// Previous keys from a list (`$KILN_STORAGE_KEY_PREVIOUS`): 64 hex digits each,
    /// separated by commas or whitespace; empty text is no keys. Each is checked as
    /// [`EncryptionKey::from_hex`] checks one, and the error names its position, never its
    /// text.
    pub fn list_from_hex(text: &SecretString, source_name: &str) -> Result<Vec<Self>, SecretError> {
        let items: Vec<&str> = key_list_items(text.expose_secret()).collect();
        if items.len() > MAX_PREVIOUS_KEYS {
            return Err(SecretError::TooManyPreviousKeys {
                source_name: source_name.to_owned(),
                count: items.len(),
                max: MAX_PREVIOUS_KEYS,
            });
        }
        items
            .iter()
            .enumerate()
            .map(|(n, item)| {
                Self::from_hex(
                    &SecretString::from((*item).to_owned()),
                    &format!("{source_name}, key {}", n + 1),
                )
            })
            .collect()
    }

    /// `$KILN_STORAGE_KEY_PREVIOUS`'s keys; none when it is unset.
    pub fn previous_from_env() -> Result<Vec<Self>, SecretError> {
        match std::env::var_os(PREVIOUS_KEYS_ENV) {
            None => Ok(Vec::new()),
            Some(text) => match text.into_string() {
                Ok(text) => Self::list_from_hex(&SecretString::from(text), PREVIOUS_KEYS_ENV),
                Err(_) => Err(SecretError::MalformedKey {
                    source_name: PREVIOUS_KEYS_ENV.to_owned(),
                }),
            },
        }
    }

    /// The key's public id, as stored with each ciphertext.
    pub fn id_hex(&self) -> String {
        hex::encode(self.id)
    }

    fn aead(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(self.material.expose_secret().into())
    }
}

/// The items of a key list (`$KILN_STORAGE_KEY_PREVIOUS`): separated by commas or
/// whitespace, empty items ignored. One splitting rule for every reader of the list.
pub fn key_list_items(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|item| !item.is_empty())
}

/// A secret value in memory: JSON whose `Debug` never shows it.
#[derive(Clone, PartialEq)]
pub struct SecretValue(serde_json::Value);

impl SecretValue {
    pub fn new(value: serde_json::Value) -> Self {
        Self(value)
    }

    pub fn expose_secret(&self) -> &serde_json::Value {
        &self.0
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretValue([REDACTED])")
    }
}

/// Seals under the current host key; opens under it or a previous one.
pub struct SecretCipher {
    key: EncryptionKey,
    aead: XChaCha20Poly1305,
    /// Keys that only open, during a rotation; none of them has the current key's id.
    previous: Vec<(EncryptionKey, XChaCha20Poly1305)>,
}

impl fmt::Debug for SecretCipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretCipher")
            .field("key", &self.key)
            .field(
                "previous",
                &self.previous.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl SecretCipher {
    pub fn new(key: EncryptionKey) -> Self {
        Self::with_previous(key, Vec::new())
    }

    /// A cipher that seals with `key` and also opens what `previous` keys sealed. A previous
    /// key equal to the current one, or repeated, is kept once: during a rollout an operator
    /// may list the new key among the old ones, and that must not matter.
    pub fn with_previous(key: EncryptionKey, previous: Vec<EncryptionKey>) -> Self {
        let aead = key.aead();
        let mut kept: Vec<(EncryptionKey, XChaCha20Poly1305)> = Vec::new();
        for old in previous {
            if old.id != key.id && !kept.iter().any(|(k, _)| k.id == old.id) {
                let aead = old.aead();
                kept.push((old, aead));
            }
        }
        Self {
            key,
            aead,
            previous: kept,
        }
    }

    pub fn key_id_hex(&self) -> String {
        self.key.id_hex()
    }

    /// The previous keys' ids, for logs and reports.
    pub fn previous_key_ids_hex(&self) -> Vec<String> {
        self.previous.iter().map(|(k, _)| k.id_hex()).collect()
    }

    /// The id of the key that sealed `sealed`, if it is in a format this host reads.
    pub(crate) fn sealed_by(sealed: &[u8]) -> Option<&[u8]> {
        (sealed.len() >= HEADER_LEN + TAG_LEN && sealed[0] == FORMAT)
            .then(|| &sealed[1..1 + KEY_ID_LEN])
    }

    /// Whether `sealed` is already under the current key (nothing for a rotation to do).
    pub(crate) fn is_current(&self, sealed: &[u8]) -> bool {
        Self::sealed_by(sealed) == Some(&self.key.id[..])
    }

    pub(crate) fn seal(
        &self,
        installation: &Installation,
        key: &StorageKey,
        plaintext: &[u8],
    ) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let aad = associated_data(&self.key.id, installation, key);
        let ciphertext = self
            .aead
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            // Only fails past XChaCha20's 256 GiB message limit, far above any value limit.
            .expect("XChaCha20-Poly1305 sealing cannot fail for a bounded value");
        let mut sealed = Vec::with_capacity(HEADER_LEN + ciphertext.len());
        sealed.push(FORMAT);
        sealed.extend_from_slice(&self.key.id);
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        sealed
    }

    pub(crate) fn open(
        &self,
        installation: &Installation,
        key: &StorageKey,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, SecretError> {
        if sealed.len() < HEADER_LEN + TAG_LEN || sealed[0] != FORMAT {
            return Err(SecretError::UnknownFormat);
        }
        let key_id = &sealed[1..1 + KEY_ID_LEN];
        let aead = if key_id == self.key.id {
            &self.aead
        } else {
            match self.previous.iter().find(|(k, _)| k.id == key_id) {
                Some((_, aead)) => aead,
                None => {
                    return Err(SecretError::UnknownKey {
                        key_id: hex::encode(key_id),
                    });
                }
            }
        };
        let nonce = &sealed[1 + KEY_ID_LEN..HEADER_LEN];
        let aad = associated_data(key_id, installation, key);
        aead.decrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: &sealed[HEADER_LEN..],
                aad: &aad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| SecretError::Undecryptable)
    }
}

fn associated_data(key_id: &[u8], installation: &Installation, key: &StorageKey) -> Vec<u8> {
    let mut aad = Vec::with_capacity(64);
    aad.extend_from_slice(b"kiln secret-storage v1\0");
    aad.push(FORMAT);
    aad.extend_from_slice(key_id);
    for part in [
        installation.app_id().as_bytes(),
        installation.site().as_bytes(),
        installation.environment().as_bytes(),
        key.as_bytes(),
    ] {
        // Length-prefixed, so no two different tuples encode alike.
        aad.extend_from_slice(&(part.len() as u32).to_be_bytes());
        aad.extend_from_slice(part);
    }
    aad
}

#[cfg(test)]
mod tests {
    use super::*;

    fn installation(app: &str) -> Installation {
        Installation::new(app, "https://x.atlassian.net", "production").unwrap()
    }

    fn key(k: &str) -> StorageKey {
        StorageKey::new(k, 500).unwrap()
    }

    #[test]
    fn a_sealed_value_opens_only_where_it_was_sealed() {
        let cipher = SecretCipher::new(EncryptionKey::generate().unwrap());
        let sealed = cipher.seal(&installation("a"), &key("token"), b"\"s3cret\"");
        assert!(!sealed.windows(6).any(|w| w == b"s3cret"));
        assert_eq!(
            cipher
                .open(&installation("a"), &key("token"), &sealed)
                .unwrap()
                .as_slice(),
            b"\"s3cret\""
        );
        assert!(matches!(
            cipher.open(&installation("b"), &key("token"), &sealed),
            Err(SecretError::Undecryptable)
        ));
        assert!(matches!(
            cipher.open(&installation("a"), &key("token2"), &sealed),
            Err(SecretError::Undecryptable)
        ));
        let other = SecretCipher::new(EncryptionKey::generate().unwrap());
        assert!(matches!(
            other.open(&installation("a"), &key("token"), &sealed),
            Err(SecretError::UnknownKey { .. })
        ));
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(matches!(
            cipher.open(&installation("a"), &key("token"), &tampered),
            Err(SecretError::Undecryptable)
        ));
        assert!(matches!(
            cipher.open(&installation("a"), &key("token"), &sealed[..10]),
            Err(SecretError::UnknownFormat)
        ));
    }

    #[test]
    fn a_previous_key_opens_but_never_seals() {
        let old = EncryptionKey::generate().unwrap();
        let old_id = old.id_hex();
        let before = SecretCipher::new(EncryptionKey::from_bytes(*old.material.expose_secret()));
        let sealed = before.seal(&installation("a"), &key("k"), b"\"v\"");
        let new = EncryptionKey::generate().unwrap();
        let new_id = new.id_hex();
        let rotating = SecretCipher::with_previous(new, vec![old]);
        assert_eq!(rotating.previous_key_ids_hex(), vec![old_id]);
        assert!(!rotating.is_current(&sealed));
        assert_eq!(
            rotating
                .open(&installation("a"), &key("k"), &sealed)
                .unwrap()
                .as_slice(),
            b"\"v\""
        );
        let resealed = rotating.seal(&installation("a"), &key("k"), b"\"v\"");
        assert!(rotating.is_current(&resealed));
        assert_eq!(
            SecretCipher::sealed_by(&resealed).map(hex::encode),
            Some(new_id)
        );
        // The old key alone cannot read what the new one sealed; the binding still holds
        // for a previous key.
        assert!(matches!(
            before.open(&installation("a"), &key("k"), &resealed),
            Err(SecretError::UnknownKey { .. })
        ));
        assert!(matches!(
            rotating.open(&installation("b"), &key("k"), &sealed),
            Err(SecretError::Undecryptable)
        ));
    }

    #[test]
    fn a_previous_key_list_is_checked_key_by_key_without_echo() {
        let a = "0123456789abcdef".repeat(4);
        let b = "fedcba9876543210".repeat(4);
        let parsed = EncryptionKey::list_from_hex(
            &SecretString::from(format!(" {a},\n{b} ,")),
            PREVIOUS_KEYS_ENV,
        )
        .unwrap();
        assert_eq!(parsed.len(), 2);
        assert!(
            EncryptionKey::list_from_hex(&SecretString::from(String::new()), "x")
                .unwrap()
                .is_empty()
        );
        let err = EncryptionKey::list_from_hex(
            &SecretString::from(format!("{a},{}", &b[..40])),
            PREVIOUS_KEYS_ENV,
        )
        .unwrap_err();
        assert!(err.to_string().contains("key 2"), "{err}");
        assert!(!err.to_string().contains(&b[..40]), "{err}");
        let many = [a.as_str(); MAX_PREVIOUS_KEYS + 1].join(",");
        assert!(matches!(
            EncryptionKey::list_from_hex(&SecretString::from(many), "x"),
            Err(SecretError::TooManyPreviousKeys { .. })
        ));
        // The current key listed as a previous one, or a key listed twice, is kept once.
        let current = EncryptionKey::from_hex(&SecretString::from(a.clone()), "t").unwrap();
        let twice =
            EncryptionKey::list_from_hex(&SecretString::from(format!("{a} {b} {b}")), "x").unwrap();
        assert_eq!(
            SecretCipher::with_previous(current, twice)
                .previous_key_ids_hex()
                .len(),
            1
        );
    }

    #[test]
    fn a_tampered_header_fails_to_authenticate() {
        // A hostile database can rewrite the header; the nonce is authenticated implicitly
        // and the format and key id are in the associated data.
        let cipher = SecretCipher::new(EncryptionKey::generate().unwrap());
        let mut sealed = cipher.seal(&installation("a"), &key("k"), b"1");
        sealed[1 + KEY_ID_LEN] ^= 1; // the nonce
        assert!(matches!(
            cipher.open(&installation("a"), &key("k"), &sealed),
            Err(SecretError::Undecryptable)
        ));
    }

    #[test]
    fn debug_output_shows_no_key_or_secret() {
        let hex_key = "11".repeat(32);
        let key = EncryptionKey::from_hex(&SecretString::from(hex_key.clone()), "test").unwrap();
        let cipher = SecretCipher::new(key);
        let shown = format!("{cipher:?} {:?}", SecretValue::new("hunter2".into()));
        assert!(!shown.contains(&hex_key) && !shown.contains("1111") && !shown.contains("hunter2"));
        let err =
            EncryptionKey::from_hex(&SecretString::from("zz".repeat(32)), "test").unwrap_err();
        assert!(!err.to_string().contains("zz"));
    }

    #[cfg(unix)]
    #[test]
    fn key_file_is_created_private_reused_and_refused_when_shared() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/storage.key");
        let first = EncryptionKey::load_or_create(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let again = EncryptionKey::load_or_create(&path).unwrap();
        assert_eq!(first.id_hex(), again.id_hex());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            EncryptionKey::load_or_create(&path),
            Err(SecretError::KeyFileShared { .. })
        ));
        let link = dir.path().join("link.key");
        std::os::unix::fs::symlink(&path, &link).unwrap();
        assert!(matches!(
            EncryptionKey::load_or_create(&link),
            Err(SecretError::KeyFile { .. })
        ));
    }
}
