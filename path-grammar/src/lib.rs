//! The byte classes of a Kiln Jira API path: one table for the host's path
//! policy (`kiln-runtime`, `policy/path.rs`) and the SDK's `route!`
//! (`kiln-sdk`), so what an app can write is exactly what the host accepts.
//!
//! A path is `/`-separated segments of [raw bytes](is_path_byte); a `%` must
//! start a two-digit hex escape ([`hex_value`]) whose value is a
//! [decoded byte](is_decoded_byte). The segment rules (no empty and no dot
//! segments) and the length limits are structure, not byte classes; each side
//! states them beside its own typed errors.
//!
//! Every function is `const`: the SDK checks literal routes at compile time.
#![no_std]
#![forbid(unsafe_code)]

/// Longest path the host accepts, in bytes. Jira's own limit is higher, but a
/// longer path is never needed by an app and only serves to hide tricks or to
/// load the route matcher.
pub const MAX_PATH_BYTES: usize = 2048;

/// Most segments the host accepts. Catalogue templates have at most a dozen.
pub const MAX_SEGMENTS: usize = 32;

/// Whether `byte` may appear as itself in a path: ASCII letters and digits,
/// RFC 3986's unreserved marks (`-` `.` `_` `~`), `%` to start an escape, `/`
/// as separator, and the sub-delimiters Jira paths use (`!` `$` `'` `(` `)`
/// `*` `+` `,` `=` `:`).
///
/// Deliberately absent, although RFC 3986 allows some of them in a path:
/// - `@`: reads as userinfo to a lenient URL parser (`/@evil.example`);
/// - `;`: Tomcat-style path parameters (`..;/` walks up on some servers);
/// - `&`: no Jira path uses it, and a proxy that splits on it sees a query;
/// - `?` and `#`: the query and the fragment belong to the host;
/// - `\`: a separator to Windows-minded servers and proxies;
/// - whitespace, controls, quotes, brackets and everything non-ASCII.
pub const fn is_path_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric()
        || matches!(
            byte,
            b'-' | b'.'
                | b'_'
                | b'~'
                | b'%'
                | b'/'
                | b'!'
                | b'$'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b'='
                | b':'
        )
}

/// Whether a `%XX` escape may decode to `byte`: printable ASCII except the
/// encoded separators `/` and `\` (a segment that becomes two after one
/// decoding) and `%` (double encoding, decoded again by some layer). Controls
/// and non-ASCII are refused too: Unicode look-alikes that a server may
/// normalise into `.` or `/`.
pub const fn is_decoded_byte(byte: u8) -> bool {
    byte >= 0x20 && byte < 0x7f && !matches!(byte, b'/' | b'\\' | b'%')
}

/// The value of one hex digit of a `%XX` escape, either case.
pub const fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// The byte a `%XX` escape encodes, from its two hex digits; `None` when
/// either is not a hex digit.
pub const fn escape_value(high: u8, low: u8) -> Option<u8> {
    match (hex_value(high), hex_value(low)) {
        (Some(high), Some(low)) => Some(high << 4 | low),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refused_sub_delimiters_are_refused_raw() {
        for byte in *b"@;&?#\\ \"<>[]{}|^`" {
            assert!(!is_path_byte(byte), "{}", byte as char);
        }
    }

    #[test]
    fn no_non_ascii_or_control_byte_is_a_path_byte() {
        for byte in (0..=u8::MAX).filter(|b| !b.is_ascii_graphic()) {
            assert!(!is_path_byte(byte), "{byte:#04x}");
        }
    }

    #[test]
    fn escapes_decode_in_either_case_and_refuse_non_hex() {
        assert_eq!(escape_value(b'2', b'e'), Some(b'.'));
        assert_eq!(escape_value(b'2', b'E'), Some(b'.'));
        assert_eq!(escape_value(b'f', b'F'), Some(0xff));
        assert_eq!(escape_value(b'g', b'0'), None);
        assert_eq!(escape_value(b'0', b' '), None);
    }

    #[test]
    fn separators_percent_controls_and_non_ascii_are_not_decoded_bytes() {
        for byte in [b'/', b'\\', b'%', 0x00, 0x1f, 0x7f, 0x80, 0xff] {
            assert!(!is_decoded_byte(byte), "{byte:#04x}");
        }
        for byte in [b' ', b'.', b'?', b'@', b'~'] {
            assert!(is_decoded_byte(byte), "{byte:#04x}");
        }
    }
}
