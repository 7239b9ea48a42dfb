//! MySQL's digest and encoding functions SQLite lacks: `MD5`, `SHA1`/`SHA`, `SHA2`, `CRC32`,
//! `TO_BASE64`, `FROM_BASE64`, and `HEX` of a number (SQLite's `hex` writes a number's digits
//! as text, MySQL's the number itself).
//!
//! Apps hash with them in SQL (an audit log's hash chain, a content digest to find duplicates,
//! a short checksum to shard by). MySQL hashes a value's bytes: text as its UTF-8 (TiDB's
//! `utf8mb4`), a number as its decimal digits, binary as is; NULL answers NULL. A value is at
//! most SQLite's length limit (the row limit, 6 MiB by default), so no call hashes or encodes
//! more than that.

use std::borrow::Cow;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rusqlite::Connection;
use rusqlite::functions::Context;
use rusqlite::types::{Value, ValueRef};

use super::functions::PURE;

/// MySQL's `TO_BASE64` breaks its answer into lines of this many characters (its
/// `base64_encode`, as RFC 2045 does), and TiDB answers the same.
const BASE64_LINE: usize = 76;

/// The bytes MySQL hashes or encodes for an argument: NULL for NULL.
fn bytes<'a>(context: &'a Context<'_>, index: usize) -> Option<Cow<'a, [u8]>> {
    match context.get_raw(index) {
        ValueRef::Text(bytes) | ValueRef::Blob(bytes) => Some(Cow::Borrowed(bytes)),
        ValueRef::Integer(value) => Some(Cow::Owned(value.to_string().into_bytes())),
        ValueRef::Real(value) => Some(Cow::Owned(value.to_string().into_bytes())),
        ValueRef::Null => None,
    }
}

/// `TO_BASE64(text)`: padded base64 in lines of [`BASE64_LINE`] characters.
fn to_base64(bytes: &[u8]) -> String {
    let encoded = STANDARD.encode(bytes);
    let mut out = String::with_capacity(encoded.len() + encoded.len() / BASE64_LINE);
    for (index, line) in encoded.as_bytes().chunks(BASE64_LINE).enumerate() {
        if index > 0 {
            out.push('\n');
        }
        // Base64's alphabet is ASCII, so every chunk is text.
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
    }
    out
}

/// `FROM_BASE64(text)`: the decoded bytes, skipping the line breaks and spaces `TO_BASE64`
/// and mail bodies carry; NULL for anything that is not base64. MySQL's answer is a binary
/// string, which apps read as the text they encoded: text when the bytes are UTF-8, bytes
/// (a `Buffer` in the answer) when not.
fn from_base64(text: &[u8]) -> Option<Value> {
    let compact: Vec<u8> = text
        .iter()
        .copied()
        .filter(|byte| !byte.is_ascii_whitespace())
        .collect();
    let decoded = STANDARD.decode(compact).ok()?;
    Some(match String::from_utf8(decoded) {
        Ok(text) => Value::Text(text),
        Err(error) => Value::Blob(error.into_bytes()),
    })
}

/// `HEX(n)` of a number: the 64-bit two's complement in upper-case hex digits (`HEX(255)` is
/// `FF`, `HEX(-1)` sixteen `F`s); `HEX(text)` is its bytes', as SQLite's own.
fn hex(value: ValueRef<'_>) -> Option<String> {
    match value {
        ValueRef::Integer(number) => Some(format!("{:X}", number as u64)),
        // MySQL rounds a real to an integer first.
        ValueRef::Real(number) if number.is_finite() => {
            Some(format!("{:X}", number.round() as i64 as u64))
        }
        ValueRef::Real(_) | ValueRef::Null => None,
        ValueRef::Text(bytes) | ValueRef::Blob(bytes) => Some(hex::encode_upper(bytes)),
    }
}

pub(super) fn register_digest_functions(connection: &Connection) -> rusqlite::Result<()> {
    connection.create_scalar_function("md5", 1, PURE, |context| {
        use md5::Digest as _;
        Ok(bytes(context, 0).map(|bytes| hex::encode(md5::Md5::digest(&bytes))))
    })?;
    for name in ["sha1", "sha"] {
        connection.create_scalar_function(name, 1, PURE, |context| {
            use sha1::Digest as _;
            Ok(bytes(context, 0).map(|bytes| hex::encode(sha1::Sha1::digest(&bytes))))
        })?;
    }
    // SHA2(text, bits): 0 means 256, as in MySQL; any other length answers NULL.
    connection.create_scalar_function("sha2", 2, PURE, |context| {
        use sha2::Digest as _;
        let Some(bytes) = bytes(context, 0) else {
            return Ok(None);
        };
        Ok(match super::text_functions::count(context, 1) {
            Some(0 | 256) => Some(hex::encode(sha2::Sha256::digest(&bytes))),
            Some(224) => Some(hex::encode(sha2::Sha224::digest(&bytes))),
            Some(384) => Some(hex::encode(sha2::Sha384::digest(&bytes))),
            Some(512) => Some(hex::encode(sha2::Sha512::digest(&bytes))),
            _ => None,
        })
    })?;
    // CRC32 is zlib's (ISO-HDLC), an unsigned 32-bit number.
    connection.create_scalar_function("crc32", 1, PURE, |context| {
        const CRC32: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);
        Ok(bytes(context, 0).map(|bytes| i64::from(CRC32.checksum(&bytes))))
    })?;
    connection.create_scalar_function("to_base64", 1, PURE, |context| {
        Ok(bytes(context, 0).map(|bytes| to_base64(&bytes)))
    })?;
    connection.create_scalar_function("from_base64", 1, PURE, |context| {
        Ok(bytes(context, 0).and_then(|bytes| from_base64(&bytes)))
    })?;
    connection.create_scalar_function("hex", 1, PURE, |context| Ok(hex(context.get_raw(0))))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_follows_mysql_lines_and_padding() {
        assert_eq!(to_base64(b"abc"), "YWJj");
        assert_eq!(to_base64(b"ab"), "YWI=");
        let long = to_base64(&[b'x'; 120]);
        let lines: Vec<&str> = long.split('\n').collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0].len(), BASE64_LINE);
        assert_eq!(
            from_base64(long.as_bytes()),
            Some(Value::Text("x".repeat(120)))
        );
        assert_eq!(from_base64(b"YW Jj"), Some(Value::Text("abc".to_owned())));
        assert_eq!(from_base64(b"//8="), Some(Value::Blob(vec![0xff, 0xff])));
        assert_eq!(from_base64(b"not base64!"), None);
    }

    #[test]
    fn hex_writes_numbers_as_mysql_does() {
        assert_eq!(hex(ValueRef::Integer(255)).as_deref(), Some("FF"));
        assert_eq!(
            hex(ValueRef::Integer(-1)).as_deref(),
            Some("FFFFFFFFFFFFFFFF")
        );
        assert_eq!(hex(ValueRef::Real(254.6)).as_deref(), Some("FF"));
        assert_eq!(hex(ValueRef::Text(b"abc")).as_deref(), Some("616263"));
        assert_eq!(hex(ValueRef::Null), None);
    }
}
