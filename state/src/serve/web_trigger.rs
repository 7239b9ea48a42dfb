//! Web trigger ids: the secret part of a web trigger's URL.
//!
//! An id is 32 bytes (256 bits, issue 15 asks for at least 128) from the operating system's
//! RNG, shown as 64 lowercase hex digits. Only its SHA-256 is stored, and a request is looked
//! up by the hash of the id it presents, so:
//! - a database read, a backup or a replica's log of a query does not reveal a live URL;
//!   knowing a hash does not let anyone call the trigger (finding an id for it is a preimage
//!   search over 2^256);
//! - a plain, unsalted, fast hash is enough: salts and slow hashes defend guessable
//!   passwords, and these ids are uniformly random, so there is no dictionary to run;
//! - the lookup is an index probe on the hash, whose timing can at most reveal bits of the
//!   hash of the attacker's own guess, never of a live id. The one comparison the host
//!   makes on a secret value, the stored hash against the presented id's hash, is constant
//!   time ([`subtle`]).
//!
//! The consequence: an id is shown once, when issued. Asking for it again issues a new one
//! (the old URL stops working), as a password reset does.

use std::fmt;

use rand::TryRng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Random bytes in an id.
pub const WEB_TRIGGER_ID_BYTES: usize = 32;

/// A live web trigger id. `Debug` does not print it.
#[derive(Clone, PartialEq, Eq)]
pub struct WebTriggerId([u8; WEB_TRIGGER_ID_BYTES]);

/// The stored form: SHA-256 of the id's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WebTriggerIdHash(pub(crate) [u8; 32]);

/// Why text presented as a web trigger id was refused (before any lookup).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebTriggerIdError {
    #[error("a web trigger id is {expected} lowercase hex digits")]
    Malformed { expected: usize },
    #[error("the operating system's random number generator failed")]
    Rng,
}

impl WebTriggerId {
    /// A new id from the OS RNG. Fails rather than falling back to a weaker source.
    pub fn generate() -> Result<Self, WebTriggerIdError> {
        let mut bytes = [0u8; WEB_TRIGGER_ID_BYTES];
        rand::rngs::SysRng
            .try_fill_bytes(&mut bytes)
            .map_err(|_| WebTriggerIdError::Rng)?;
        Ok(Self(bytes))
    }

    /// Parses an id from a URL. Anything but exactly 64 lowercase hex digits is refused, so
    /// one id has one spelling.
    pub fn parse(text: &str) -> Result<Self, WebTriggerIdError> {
        let malformed = WebTriggerIdError::Malformed {
            expected: 2 * WEB_TRIGGER_ID_BYTES,
        };
        if text.len() != 2 * WEB_TRIGGER_ID_BYTES
            || !text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return Err(malformed);
        }
        let mut bytes = [0u8; WEB_TRIGGER_ID_BYTES];
        hex::decode_to_slice(text, &mut bytes).map_err(|_| malformed)?;
        Ok(Self(bytes))
    }

    /// The id as it appears in the URL. Show it to the person who asked, and nowhere else.
    pub fn expose(&self) -> String {
        hex::encode(self.0)
    }

    pub fn hash(&self) -> WebTriggerIdHash {
        WebTriggerIdHash(Sha256::digest(self.0).into())
    }
}

impl WebTriggerIdHash {
    /// Constant-time equality: the backends call this on the row their lookup found.
    pub fn matches(&self, other: &WebTriggerIdHash) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl fmt::Debug for WebTriggerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebTriggerId(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_differ() {
        let a = WebTriggerId::generate().unwrap();
        let b = WebTriggerId::generate().unwrap();
        assert_ne!(a, b);
        assert_eq!(WebTriggerId::parse(&a.expose()).unwrap(), a);
        assert!(a.hash().matches(&a.hash()));
        assert!(!a.hash().matches(&b.hash()));
        assert!(!format!("{a:?}").contains(&a.expose()));
    }

    #[test]
    fn other_spellings_are_refused() {
        let id = WebTriggerId::generate().unwrap().expose();
        for bad in [
            id.to_uppercase(),
            id[1..].to_owned(),
            format!("{id}0"),
            format!("{}g", &id[1..]),
            String::new(),
            "é".repeat(32),
            "0".repeat(1 << 20),
        ] {
            assert!(WebTriggerId::parse(&bad).is_err());
        }
    }
}
