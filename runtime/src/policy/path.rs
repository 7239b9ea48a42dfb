//! Validation of the API path a guest asks `request-jira` for.
//!
//! The guest writes a product path (`/rest/api/3/issue/KILN-1`). Everything
//! about where the request goes is decided by the host, so the path is held to
//! a strict grammar before it is matched against the catalogue or joined to an
//! origin: one leading `/`, printable ASCII from a small set, non-empty
//! segments, no dot segments raw or percent-encoded, no encoded separators and
//! no double encoding. A path that passes is used verbatim (never re-decoded)
//! when the URL is built, so the catalogue decision and the request that leaves
//! the host are about the same bytes.

use std::fmt;

/// Length and segment limits, shared with the SDK's `route!` (see
/// `kiln-path-grammar` for why each exists).
pub use kiln_path_grammar::{MAX_PATH_BYTES, MAX_SEGMENTS};

/// A path that passed [`validate_path`].
#[derive(Clone, PartialEq, Eq)]
pub struct ValidatedPath {
    raw: String,
    decoded: String,
}

impl ValidatedPath {
    /// The path exactly as the guest wrote it; safe to append to an origin.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// The path percent-decoded once; what the catalogue matches.
    pub fn decoded(&self) -> &str {
        &self.decoded
    }
}

impl fmt::Debug for ValidatedPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

/// Why a path was refused. The text is shown to the guest, so it quotes no
/// more of the input than needed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    #[error("the path is empty")]
    Empty,
    #[error("the path is longer than {MAX_PATH_BYTES} bytes")]
    TooLong,
    #[error("the path has more than {MAX_SEGMENTS} segments")]
    TooManySegments,
    #[error("the path must start with a single `/` and name no scheme or host")]
    NotRelative,
    #[error("the path contains a forbidden character {0} at byte {1}")]
    ForbiddenCharacter(CharDisplay, usize),
    #[error("the path contains a malformed percent-encoding at byte {0}")]
    BadPercentEncoding(usize),
    #[error(
        "the path encodes a forbidden character {0} (encoded separators, controls, non-ASCII and double encoding are refused)"
    )]
    ForbiddenEncoded(CharDisplay),
    #[error("the path has an empty segment")]
    EmptySegment,
    #[error("the path has a dot segment (`.` or `..`, raw or encoded)")]
    DotSegment,
}

/// Prints a character as an escaped literal so control bytes stay visible.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct CharDisplay(pub char);

impl fmt::Display for CharDisplay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl fmt::Debug for CharDisplay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// The byte classes live in `kiln-path-grammar`, where the SDK's `route!` reads
/// them too: a path an app can build is a path the host accepts. That crate
/// says why each character outside them is refused (`\`, `@`, `;`, `&`,
/// `?`, `#`, whitespace, quotes, brackets; encoded separators, `%`, controls
/// and non-ASCII once decoded).
use kiln_path_grammar::{escape_value, is_decoded_byte, is_path_byte};

/// Validates a guest-supplied API path. See the module documentation.
pub fn validate_path(path: &str) -> Result<ValidatedPath, PathError> {
    if path.is_empty() {
        return Err(PathError::Empty);
    }
    if path.len() > MAX_PATH_BYTES {
        return Err(PathError::TooLong);
    }
    let bytes = path.as_bytes();
    if bytes[0] != b'/' || bytes.get(1) == Some(&b'/') {
        return Err(PathError::NotRelative);
    }
    if let Some((index, c)) = path
        .char_indices()
        .find(|&(_, c)| !c.is_ascii() || !is_path_byte(c as u8))
    {
        return Err(PathError::ForbiddenCharacter(CharDisplay(c), index));
    }

    let mut decoded = String::with_capacity(path.len());
    let mut segments = 0usize;
    for segment in path[1..].split('/') {
        segments += 1;
        if segments > MAX_SEGMENTS {
            return Err(PathError::TooManySegments);
        }
        if segment.is_empty() {
            return Err(PathError::EmptySegment);
        }
        let offset = segment.as_ptr() as usize - path.as_ptr() as usize;
        decoded.push('/');
        let start = decoded.len();
        decode_segment_into(segment, offset, &mut decoded)?;
        if decoded[start..].bytes().all(|b| b == b'.') {
            return Err(PathError::DotSegment);
        }
    }
    Ok(ValidatedPath {
        raw: path.to_owned(),
        decoded,
    })
}

/// Decodes one segment once onto `out` (no buffer per segment on the hot
/// path), refusing anything that decodes outside [`is_decoded_byte`].
/// `offset` locates the segment for error messages.
fn decode_segment_into(segment: &str, offset: usize, out: &mut String) -> Result<(), PathError> {
    let bytes = segment.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .ok_or(PathError::BadPercentEncoding(offset + i))?;
            let value =
                escape_value(hex[0], hex[1]).ok_or(PathError::BadPercentEncoding(offset + i))?;
            if !is_decoded_byte(value) {
                return Err(PathError::ForbiddenEncoded(CharDisplay(char::from(value))));
            }
            out.push(char::from(value));
            i += 3;
        } else {
            out.push(char::from(b));
            i += 1;
        }
    }
    Ok(())
}
