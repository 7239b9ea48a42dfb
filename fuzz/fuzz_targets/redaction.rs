//! Credential redaction on arbitrary text with a secret woven in: a text of
//! fuzzer-chosen pieces, each arbitrary bytes or the secret in one of the
//! encodings a site might echo it in (raw, base64 standard or URL-safe,
//! inside a base64 dump after arbitrary bytes, percent-encoded in either
//! case, JSON `\u` escapes), redacted by a `Redactor` for that secret.
//!
//! Invariants: no panic; a woven-in secret is found; the redactor finds
//! nothing more in the output, which holds neither the secret nor its base64; the output is never longer
//! than the input (or the marker); a text in which nothing was found comes
//! back byte for byte.

#![no_main]

use arbitrary::Arbitrary;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use kiln_runtime::jira::redact::{MARKER, MIN_SECRET_BYTES, Redactor};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    secret: Vec<u8>,
    pieces: Vec<Piece>,
}

#[derive(Arbitrary, Debug)]
enum Piece {
    Text(Vec<u8>),
    Secret(Encoding),
}

#[derive(Arbitrary, Debug, Clone)]
enum Encoding {
    Raw,
    Base64,
    Base64UrlSafe,
    /// Base64 of `prefix` followed by the secret: the secret at any
    /// alignment inside a longer base64 text.
    Base64Dump(Vec<u8>),
    Percent {
        upper: bool,
    },
    JsonUnicode {
        upper: bool,
    },
}

fn encode(secret: &[u8], encoding: &Encoding) -> Vec<u8> {
    match encoding {
        Encoding::Raw => secret.to_vec(),
        Encoding::Base64 => STANDARD.encode(secret).into_bytes(),
        Encoding::Base64UrlSafe => URL_SAFE_NO_PAD.encode(secret).into_bytes(),
        Encoding::Base64Dump(prefix) => {
            let mut dump = prefix.clone();
            dump.extend_from_slice(secret);
            STANDARD.encode(dump).into_bytes()
        }
        Encoding::Percent { upper } => secret
            .iter()
            .flat_map(|b| match upper {
                true => format!("%{b:02X}").into_bytes(),
                false => format!("%{b:02x}").into_bytes(),
            })
            .collect(),
        Encoding::JsonUnicode { upper } => secret
            .iter()
            .flat_map(|&b| {
                if b.is_ascii_alphanumeric() {
                    vec![b]
                } else if b.is_ascii() {
                    match upper {
                        true => format!("\\u{b:04X}").into_bytes(),
                        false => format!("\\u{b:04x}").into_bytes(),
                    }
                } else {
                    // Non-ASCII bytes are searched for as sent.
                    vec![b]
                }
            })
            .collect(),
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fuzz_target!(|input: Input| {
    let mut secret = input.secret;
    // Shorter secrets are not searched for, by design; pad them.
    while secret.len() < MIN_SECRET_BYTES {
        secret.push(b'k');
    }
    secret.truncate(256);
    // A secret holding escapes of its own (`%0e`) is seen through the
    // decoding view as its decoded form, searched for only when that is
    // at least MIN_SECRET_BYTES long (see redact.rs, "What is not"): end such
    // a secret with plain bytes, which no escape consumes.
    if secret.iter().any(|b| matches!(b, b'%' | b'\\' | b'&')) {
        secret.extend_from_slice(&[b'k'; MIN_SECRET_BYTES]);
    }
    let redactor = Redactor::new([secret.as_slice()]);

    let mut text = Vec::new();
    let mut woven = false;
    for piece in input.pieces.iter().take(64) {
        match piece {
            Piece::Text(bytes) => text.extend_from_slice(bytes),
            Piece::Secret(encoding) => {
                // A space first: an escape introducer just before an
                // *encoded* secret (`%` before `AB\u002b…`) reads as an
                // escape with its first characters, which only a site that
                // means to leak would arrange (see redact.rs).
                text.push(b' ');
                text.extend_from_slice(&encode(&secret, encoding));
                woven = true;
            }
        }
    }
    let original = text.clone();
    let count = redactor.redact(&mut text);

    assert!(!redactor.finds_in(&text), "a credential survived redaction");
    assert!(text.len() <= original.len().max(MARKER.len()));
    if count == 0 {
        assert_eq!(text, original, "nothing found, yet the text changed");
        assert!(!woven, "a woven-in secret was not found");
    }
    // Forms without escape introducers are found wherever they are, so none
    // may be left whatever the text around them. (An escaped form right
    // after an arbitrary introducer is the documented exception.)
    for form in [
        secret.clone(),
        STANDARD.encode(&secret).into_bytes(),
        URL_SAFE.encode(&secret).into_bytes(),
    ] {
        assert!(!contains(&text, &form), "a form of the secret survived");
    }
});
