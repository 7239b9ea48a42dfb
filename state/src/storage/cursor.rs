//! Query cursors: where the next page starts.
//!
//! A cursor is the last key of the previous page, hex-encoded behind a version tag, so it is
//! opaque to apps (as Forge's are) and can change form later. It is *not* trusted: a guest
//! may hand back any string. Decoding checks the form, and the query still intersects the
//! cursor with the prefix range and the installation, so a forged cursor can only skip keys
//! of the caller's own query, never reach others.
//!
//! Paging is keyset paging (`key > cursor`), not offsets: a key inserted or deleted during
//! paging never makes another key appear twice or go missing.

use std::fmt;

use super::key::StorageKey;

const TAG: &str = "k1.";

/// An opaque position in a query's key order.
#[derive(Clone, PartialEq, Eq)]
pub struct Cursor(Vec<u8>);

/// A cursor that Kiln did not produce.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the cursor is not one this storage returned")]
pub struct InvalidCursor;

impl Cursor {
    pub(crate) fn after(key: &StorageKey) -> Self {
        Self(key.as_bytes().to_vec())
    }

    /// Parses a cursor string returned by an earlier query. `max_key_bytes` bounds the work
    /// a hostile cursor can cause.
    pub fn parse(text: &str, max_key_bytes: usize) -> Result<Self, InvalidCursor> {
        let hex_part = text.strip_prefix(TAG).ok_or(InvalidCursor)?;
        if hex_part.is_empty() || hex_part.len() > max_key_bytes * 2 {
            return Err(InvalidCursor);
        }
        let bytes = hex::decode(hex_part).map_err(|_| InvalidCursor)?;
        Ok(Self(bytes))
    }

    /// The smallest key strictly after the cursor's key: the key with a 0x00 byte appended.
    /// Lets every query use one inclusive lower bound.
    pub(crate) fn successor(&self) -> Vec<u8> {
        let mut next = self.0.clone();
        next.push(0);
        next
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{TAG}{}", hex::encode(&self.0))
    }
}

impl fmt::Debug for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cursor({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_forgeries() {
        let key = StorageKey::new("a%_\\ключ", 500).unwrap();
        let text = Cursor::after(&key).to_string();
        assert_eq!(Cursor::parse(&text, 2000), Ok(Cursor::after(&key)));
        for bad in ["", "k1.", "k1.zz", "k1.abc", "61", "k2.61"] {
            assert_eq!(Cursor::parse(bad, 2000), Err(InvalidCursor), "{bad:?}");
        }
        assert_eq!(
            Cursor::parse(&format!("k1.{}", "61".repeat(3)), 2),
            Err(InvalidCursor)
        );
    }
}
