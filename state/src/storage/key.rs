//! Storage keys: opaque strings inside an installation's namespace.
//!
//! Grammar: 1 to `max_key_chars` Unicode scalar values, not only whitespace, no NUL.
//! Everything else is data. Kiln accepts a superset of Forge's key format
//! (`/^(?!\s+$)[a-zA-Z0-9:._\s-#]+$/`), so every Forge key works unchanged.
//!
//! Why so little is refused: a key never becomes part of SQL text, a file name or a URL. It
//! is bound as a parameter and stored and compared as raw bytes (SQLite `BLOB`, PostgreSQL
//! `bytea`), in a row whose installation columns the host fills. So `%`, `_`, `\`, quotes,
//! `/`, `..` and any Unicode have no meaning beyond their bytes: no LIKE pattern, escape,
//! collation or normalisation is ever applied to them. Refused, and why:
//! - **empty** and **whitespace only**: Forge refuses them (`KEY_TOO_SHORT`, `INVALID_KEY`);
//!   an app relying on them would not run on Forge.
//! - **NUL**: PostgreSQL text cannot hold it and C-string tooling (the `runtime storage`
//!   CLI, logs) truncates at it, so one key could display as another.
//! - **longer than the limit**: Forge's `KEY_TOO_LONG`.

use std::fmt;

/// Why a key or prefix was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("the key is empty")]
    Empty,
    #[error("the key is only whitespace")]
    OnlyWhitespace,
    #[error("the key is {chars} characters long, over the {max}-character limit")]
    TooLong { chars: usize, max: usize },
    #[error("the key contains a NUL character")]
    Nul,
}

/// A validated key. Compared and ordered as its UTF-8 bytes, like the backends do.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StorageKey(String);

impl StorageKey {
    pub fn new(key: impl Into<String>, max_chars: usize) -> Result<Self, KeyError> {
        let key = key.into();
        if key.is_empty() {
            return Err(KeyError::Empty);
        }
        if key.chars().all(char::is_whitespace) {
            return Err(KeyError::OnlyWhitespace);
        }
        check_common(&key, max_chars)?;
        Ok(Self(key))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for StorageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `{:?}` of a str escapes quotes, controls and bidi overrides: guest text stays inert.
        write!(f, "StorageKey({:?})", self.0)
    }
}

/// A validated prefix for a query: like a key, but empty means "every key".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPrefix(String);

impl KeyPrefix {
    pub fn new(prefix: impl Into<String>, max_chars: usize) -> Result<Self, KeyError> {
        let prefix = prefix.into();
        check_common(&prefix, max_chars)?;
        Ok(Self(prefix))
    }

    pub fn all() -> Self {
        Self(String::new())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The byte range `[start, end)` holding exactly the keys that begin with this prefix.
    ///
    /// A range, not `LIKE 'prefix%'`: no character of the prefix is a pattern, so `%`, `_`
    /// and `\` need no escaping and cannot widen the match. `end` is the prefix with its last
    /// byte incremented; UTF-8 never contains 0xFF, so the increment never overflows, and the
    /// empty prefix's end is `[0xFF]`, above every UTF-8 string.
    pub fn byte_range(&self) -> (Vec<u8>, Vec<u8>) {
        let start = self.0.as_bytes().to_vec();
        let end = match start.split_last() {
            None => vec![0xFF],
            Some((last, init)) => {
                let mut end = init.to_vec();
                end.push(last + 1);
                end
            }
        };
        (start, end)
    }
}

fn check_common(key: &str, max_chars: usize) -> Result<(), KeyError> {
    if key.contains('\0') {
        return Err(KeyError::Nul);
    }
    let chars = key.chars().count();
    if chars > max_chars {
        return Err(KeyError::TooLong {
            chars,
            max: max_chars,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_only_what_the_grammar_names() {
        assert_eq!(StorageKey::new("", 500), Err(KeyError::Empty));
        assert_eq!(StorageKey::new(" \t", 500), Err(KeyError::OnlyWhitespace));
        assert_eq!(StorageKey::new("a\0b", 500), Err(KeyError::Nul));
        assert_eq!(
            StorageKey::new("x".repeat(501), 500),
            Err(KeyError::TooLong {
                chars: 501,
                max: 500
            })
        );
        // Counted in characters, like Forge: 500 four-byte characters fit.
        assert!(StorageKey::new("😀".repeat(500), 500).is_ok());
        for key in ["%", "_", "\\", "a%_\\'\"", "../x", "ключ", " lead"] {
            assert_eq!(StorageKey::new(key, 500).unwrap().as_str(), key);
        }
    }

    #[test]
    fn prefix_range_holds_exactly_the_prefixed_keys() {
        let (start, end) = KeyPrefix::new("ab", 500).unwrap().byte_range();
        assert_eq!((start.as_slice(), end.as_slice()), (&b"ab"[..], &b"ac"[..]));
        let (start, end) = KeyPrefix::all().byte_range();
        assert!(start.is_empty() && end == [0xFF]);
        let in_range = |k: &str| k.as_bytes() >= start.as_slice() && k.as_bytes() < end.as_slice();
        assert!(in_range("ключ") && in_range("\u{10FFFF}"));
    }
}
