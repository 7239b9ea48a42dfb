//! The path policy and the one URL builder on arbitrary input: for every path
//! the policy accepts, the URL that would leave the host is on the configured
//! origin, under the endpoint's base path, carries the path verbatim and the
//! query pairs exactly as given. Mirrors the proptest
//! `accepted_paths_stay_on_origin` in runtime/src/policy/table_tests.rs, with
//! coverage guidance instead of a fixed generator.
//!
//! Input layout: the path, then optional query names and values, each field
//! separated by the byte 0xFF (never part of UTF-8 text, so any path of the
//! hostile table is a seed as it is, control characters included).

#![no_main]

use kiln_runtime::policy::path::validate_path;
use kiln_runtime::policy::url::{Endpoint, UrlError, build_url};
use libfuzzer_sys::fuzz_target;

/// The endpoint shapes Kiln sends to: a site, the OAuth gateway with its base
/// path, and the loopback simulator.
fn endpoints() -> [Endpoint; 3] {
    let parse = |text: &str| Endpoint::parse(text).expect("a fixed endpoint parses");
    [
        parse("https://kiln.atlassian.net"),
        parse("https://api.atlassian.com")
            .join_base("/ex/jira/0b6c-cloud")
            .expect("a fixed base joins"),
        parse("http://127.0.0.1:9"),
    ]
}

fuzz_target!(|data: &[u8]| {
    let mut fields = data.split(|&b| b == 0xFF);
    let Some(Ok(path)) = fields.next().map(std::str::from_utf8) else {
        return;
    };
    let rest: Vec<&str> = fields.filter_map(|f| std::str::from_utf8(f).ok()).collect();
    let query: Vec<(String, String)> = rest
        .chunks(2)
        .map(|pair| (pair[0].to_owned(), pair.get(1).copied().unwrap_or("").to_owned()))
        .collect();

    let Ok(validated) = validate_path(path) else {
        return;
    };
    assert_eq!(validated.raw(), path, "an accepted path is used verbatim");
    assert!(
        !validated.decoded().split('/').any(|s| s == ".." || s == "."),
        "an accepted path has no dot segment once decoded: {path:?}"
    );

    for endpoint in endpoints() {
        let url = match build_url(&endpoint, &validated, &query) {
            Ok(url) => url,
            Err(UrlError::OriginMismatch) => {
                panic!("the builder's second check fired for {path:?} on {endpoint}")
            }
            // Query limits: typed refusals, nothing is sent.
            Err(_) => continue,
        };
        assert_eq!(url.origin().ascii_serialization(), endpoint.origin());
        let base = url::Url::parse(endpoint.as_str()).expect("endpoint is a URL");
        let expected = format!("{}{}", base.path().trim_end_matches('/'), path);
        assert_eq!(url.path(), expected, "the path is under the base, verbatim");
        assert!(url.username().is_empty() && url.password().is_none());
        assert!(url.fragment().is_none());
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert_eq!(pairs, query, "query pairs round-trip exactly");
    }
});
