//! Version 4 UUIDs in their text form: the ids Kiln hands out (Forge's job ids) and MySQL's
//! `UUID()` for Forge SQL. One formatting, so every id Kiln prints reads alike.

/// The UUID text of 16 random bytes, with the version (4) and variant (RFC 4122) bits set.
pub fn uuid_v4_text(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    uuid_text(bytes)
}

/// 16 bytes in UUID text form (`8-4-4-4-12` lowercase hex), as they are.
pub fn uuid_text(bytes: [u8; 16]) -> String {
    let hex = hex::encode(bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_and_variant_bits_are_set() {
        let text = uuid_v4_text([0xff; 16]);
        assert_eq!(text, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert_eq!(
            uuid_v4_text([0; 16]),
            "00000000-0000-4000-8000-000000000000"
        );
    }
}
