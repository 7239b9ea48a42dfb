//! One path grammar: every path the SDK's `Route` accepts, the host's path
//! policy accepts, and the other way round. Both read their byte classes from
//! `kiln-path-grammar`; this test holds the two *validators* to it, so a rule
//! added on one side only (a structural check, a limit) shows here too.

use kiln_runtime::policy::path::{MAX_PATH_BYTES, MAX_SEGMENTS, validate_path};
use kiln_sdk::Route;

/// Asserts both sides give the same verdict on `path`.
fn agree(path: &str) {
    let host = validate_path(path).is_ok();
    let sdk = Route::parse(path).is_ok();
    assert_eq!(
        host,
        sdk,
        "{path:?}: the host {} it, the SDK {} it",
        verdict(host),
        verdict(sdk)
    );
}

fn verdict(accepted: bool) -> &'static str {
    if accepted { "accepts" } else { "refuses" }
}

/// Every byte value as the text a guest could send for it: itself when it is
/// ASCII, its UTF-8 encoding otherwise (a lone byte above 0x7f is not a str).
fn as_text(byte: u8) -> String {
    char::from(byte).to_string()
}

#[test]
fn every_raw_byte_gets_the_same_verdict() {
    for byte in 0..=u8::MAX {
        let c = as_text(byte);
        agree(&format!("/rest/api/3/issue/a{c}b"));
        agree(&format!("/rest/api/3/issue/{c}"));
        agree(&format!("/{c}"));
    }
}

#[test]
fn every_escaped_byte_gets_the_same_verdict_in_either_case() {
    for byte in 0..=u8::MAX {
        agree(&format!("/rest/api/3/issue/a%{byte:02X}b"));
        agree(&format!("/rest/api/3/issue/a%{byte:02x}b"));
        agree(&format!("/rest/api/3/issue/%{byte:02x}"));
    }
}

#[test]
fn every_pair_of_bytes_gets_the_same_verdict() {
    // Pairs reach the escape edge cases: `%` followed by one or two of anything.
    for first in 0..=u8::MAX {
        for second in 0..=u8::MAX {
            let (first, second) = (as_text(first), as_text(second));
            agree(&format!("/rest/%{first}{second}"));
            agree(&format!("/rest/{first}{second}"));
        }
    }
}

#[test]
fn structure_and_limits_get_the_same_verdict() {
    let long = format!("/{}", "a".repeat(MAX_PATH_BYTES - 1));
    let too_long = format!("/{}", "a".repeat(MAX_PATH_BYTES));
    let deep = "/a".repeat(MAX_SEGMENTS);
    let too_deep = "/a".repeat(MAX_SEGMENTS + 1);
    let cases = [
        "",
        "/",
        "//",
        "//evil.example/rest",
        "rest/api/3/myself",
        "/rest/api/3/",
        "/rest//api",
        "/rest/api/3/.",
        "/rest/api/3/..",
        "/rest/api/3/%2e",
        "/rest/api/3/.%2E",
        "/rest/api/3/...",
        "/rest/api/3/.%2e.",
        "/rest/api/3/..x",
        "/rest/api/3/.x",
        "/rest/api/3/issue/%2",
        "/rest/api/3/issue/%",
        "/rest/api/3/myself",
        &long,
        &too_long,
        &deep,
        &too_deep,
    ];
    for path in cases {
        agree(path);
    }
}
