//! Hostile and edge inputs for the path policy and the URL builder, each with
//! its expected decision. A new trick found anywhere gets a row here.

use proptest::prelude::*;

use super::path::{MAX_PATH_BYTES, PathError, validate_path};
use super::url::{Endpoint, UrlError, build_url};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    Accept,
    NotRelative,
    ForbiddenChar,
    BadEncoding,
    ForbiddenEncoded,
    EmptySegment,
    DotSegment,
    Empty,
    TooLong,
    TooManySegments,
}

fn classify(result: &Result<super::path::ValidatedPath, PathError>) -> Expect {
    match result {
        Ok(_) => Expect::Accept,
        Err(PathError::NotRelative) => Expect::NotRelative,
        Err(PathError::ForbiddenCharacter(..)) => Expect::ForbiddenChar,
        Err(PathError::BadPercentEncoding(_)) => Expect::BadEncoding,
        Err(PathError::ForbiddenEncoded(_)) => Expect::ForbiddenEncoded,
        Err(PathError::EmptySegment) => Expect::EmptySegment,
        Err(PathError::DotSegment) => Expect::DotSegment,
        Err(PathError::Empty) => Expect::Empty,
        Err(PathError::TooLong) => Expect::TooLong,
        Err(PathError::TooManySegments) => Expect::TooManySegments,
    }
}

#[test]
fn path_policy_table() {
    use Expect::*;
    let long = format!("/rest/api/3/issue/{}", "A".repeat(MAX_PATH_BYTES));
    let deep = format!("/rest{}", "/a".repeat(40));
    let table: Vec<(&str, Expect)> = vec![
        // Legitimate paths.
        ("/rest/api/3/myself", Accept),
        ("/rest/api/3/issue/KILN-1", Accept),
        ("/rest/api/3/issue/10001/comment", Accept),
        ("/rest/agile/1.0/board/1/sprint", Accept),
        ("/jsm/ops/api/6f1c-4d2e/v1/schedules", Accept),
        ("/rest/api/3/project/My%20Project", Accept),
        ("/rest/api/3/issue/KILN-1/properties/a%3Fb", Accept),
        ("/rest/api/3/user/properties/key:with:colons", Accept),
        ("/rest/api/3/filter/~my~filter", Accept),
        ("/rest/api/3/issue/KILN-1...", Accept),
        // Scheme, host and authority tricks.
        ("//evil.com/x", NotRelative),
        ("https://evil.com", NotRelative),
        ("HTTP://evil.com", NotRelative),
        ("http:/evil.com", NotRelative),
        ("/\\evil.com", ForbiddenChar),
        ("\\\\evil.com", NotRelative),
        ("@evil.com/x", NotRelative),
        ("/@evil.com/x", ForbiddenChar),
        (":443@evil.com/", NotRelative),
        ("/:443@evil.com/", ForbiddenChar),
        (".evil.com/x", NotRelative),
        ("evil.com/rest/api/3/myself", NotRelative),
        ("rest/api/3/myself", NotRelative),
        ("/%2F%2Fevil.com/x", ForbiddenEncoded),
        ("/rest/api/3/issue/x@evil.com", ForbiddenChar),
        // Dot segments, raw and encoded.
        ("/rest/api/3/../../admin", DotSegment),
        ("/rest/api/3/./myself", DotSegment),
        ("/rest/api/3/%2e%2e/x", DotSegment),
        ("/rest/api/3/%2E%2E/x", DotSegment),
        ("/rest/api/3/.%2E/x", DotSegment),
        ("/rest/api/3/%2e./x", DotSegment),
        ("/rest/api/3/%2e/x", DotSegment),
        ("/rest/api/3/..", DotSegment),
        ("/rest/api/3/..%2f/x", ForbiddenEncoded),
        ("/rest/api/3/..%2F..%2Fadmin", ForbiddenEncoded),
        ("/rest/api/3/..%5c/x", ForbiddenEncoded),
        ("/rest/api/3/..%5C..%5Cadmin", ForbiddenEncoded),
        ("/rest/api/3/..;/admin", ForbiddenChar),
        ("/rest/api/3/issue;jsessionid=1", ForbiddenChar),
        ("/rest/api/3/\u{ff0e}\u{ff0e}/x", ForbiddenChar),
        ("/rest/api/3/%EF%BC%8E%EF%BC%8E/x", ForbiddenEncoded),
        ("/rest/api/3/%c0%ae%c0%ae/x", ForbiddenEncoded),
        // Double encoding.
        ("/rest/api/3/%252e%252e/x", ForbiddenEncoded),
        ("/rest/api/3/%252F", ForbiddenEncoded),
        ("/rest/api/3/issue/%25", ForbiddenEncoded),
        // Malformed encoding.
        ("/rest/api/3/issue/%", BadEncoding),
        ("/rest/api/3/issue/%4", BadEncoding),
        ("/rest/api/3/issue/%zz", BadEncoding),
        ("/rest/api/3/issue/%%32%65", BadEncoding),
        // Control characters, raw and encoded.
        ("/rest/api/3/issue/KILN-1\r\nHost: evil.com", ForbiddenChar),
        ("/rest/api/3/issue/KILN-1\n", ForbiddenChar),
        ("/rest/api/3/issue/KILN-1\t", ForbiddenChar),
        ("/rest/api/3/issue/KILN-1\0", ForbiddenChar),
        ("/rest/api/3/issue/KILN-1%0d%0aX-Evil:1", ForbiddenEncoded),
        ("/rest/api/3/issue/KILN-1%00", ForbiddenEncoded),
        ("/rest/api/3/issue/KILN-1%7f", ForbiddenEncoded),
        // Query, fragment and whitespace belong to the host.
        ("/rest/api/3/search?jql=x", ForbiddenChar),
        ("/rest/api/3/myself#fragment", ForbiddenChar),
        ("/rest/api/3/issue/KILN 1", ForbiddenChar),
        ("/rest/api/3/issue/\"x\"", ForbiddenChar),
        ("/rest/api/3/issue/<x>", ForbiddenChar),
        ("/rest/api/3/issue/{key}", ForbiddenChar),
        ("/rest/api/3/issue/[x]", ForbiddenChar),
        // Non-ASCII in the path itself.
        ("/rest/api/3/issue/ключ", ForbiddenChar),
        ("/rest/api/3/issue/%C3%A9", ForbiddenEncoded),
        // Structure.
        ("", Empty),
        ("/", EmptySegment),
        ("/rest//api/3/myself", EmptySegment),
        ("/rest/api/3/myself/", EmptySegment),
        (long.as_str(), TooLong),
        (deep.as_str(), TooManySegments),
    ];
    assert!(table.len() >= 50, "the table must keep at least 50 rows");
    let mut failures = Vec::new();
    for (input, expected) in &table {
        let got = classify(&validate_path(input));
        if got != *expected {
            failures.push(format!("{input:?}: expected {expected:?}, got {got:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "policy table mismatches:\n{}",
        failures.join("\n")
    );
}

#[test]
fn accepted_paths_are_decoded_once() {
    let p = validate_path("/rest/api/3/project/My%20Project").unwrap();
    assert_eq!(p.raw(), "/rest/api/3/project/My%20Project");
    assert_eq!(p.decoded(), "/rest/api/3/project/My Project");
}

fn site() -> Endpoint {
    Endpoint::parse("https://kiln.atlassian.net").unwrap()
}

#[test]
fn url_builder_encodes_query_values() {
    let path = validate_path("/rest/api/3/search/jql").unwrap();
    let query = vec![
        (
            "jql".to_owned(),
            "summary ~ \"naïve café\" AND labels = a&b".to_owned(),
        ),
        ("fields".to_owned(), "summary,status".to_owned()),
        ("x".to_owned(), "#frag?y=1/..\r\n".to_owned()),
    ];
    let url = build_url(&site(), &path, &query).unwrap();
    assert_eq!(url.origin(), site().base_origin_for_tests());
    assert_eq!(url.path(), "/rest/api/3/search/jql");
    assert!(url.fragment().is_none());
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    assert_eq!(pairs, query);
}

#[test]
fn url_builder_refuses_query_abuse() {
    let path = validate_path("/rest/api/3/myself").unwrap();
    let many: Vec<(String, String)> = (0..65).map(|i| (format!("k{i}"), "v".into())).collect();
    assert_eq!(
        build_url(&site(), &path, &many),
        Err(UrlError::TooManyQueryPairs)
    );
    let big = vec![("k".to_owned(), "x".repeat(9000))];
    assert_eq!(build_url(&site(), &path, &big), Err(UrlError::QueryTooLong));
    let empty = vec![(String::new(), "v".to_owned())];
    assert_eq!(
        build_url(&site(), &path, &empty),
        Err(UrlError::EmptyQueryName)
    );
}

#[test]
fn gateway_base_path_is_kept() {
    let gateway = Endpoint::parse("https://api.atlassian.com")
        .unwrap()
        .join_base("/ex/jira/0b6c-cloud")
        .unwrap();
    let path = validate_path("/rest/api/3/myself").unwrap();
    let url = build_url(&gateway, &path, &[]).unwrap();
    assert_eq!(
        url.as_str(),
        "https://api.atlassian.com/ex/jira/0b6c-cloud/rest/api/3/myself"
    );
}

#[test]
fn endpoints_refuse_cleartext_and_extras() {
    assert!(Endpoint::parse("http://kiln.atlassian.net").is_err());
    assert!(Endpoint::parse("http://127.0.0.1:8080").is_ok());
    assert!(Endpoint::parse("http://localhost:8080").is_ok());
    assert!(Endpoint::parse("http://[::1]:8080").is_ok());
    assert!(Endpoint::parse("https://user:pw@kiln.atlassian.net").is_err());
    assert!(Endpoint::parse("https://kiln.atlassian.net/?q=1").is_err());
    assert!(Endpoint::parse("https://kiln.atlassian.net/#f").is_err());
    assert!(Endpoint::parse("ftp://kiln.atlassian.net").is_err());
    assert!(Endpoint::parse("not a url").is_err());
}

impl Endpoint {
    fn base_origin_for_tests(&self) -> url::Origin {
        url::Url::parse(self.as_str()).unwrap().origin()
    }
}

/// Path segments drawn from printable ASCII plus percent escapes, so the
/// generator reaches both accepted and refused inputs.
fn any_path() -> impl Strategy<Value = String> {
    let segment = prop_oneof![
        "[A-Za-z0-9._~!$'()*+,=:-]{1,12}",
        "(%[0-9A-Fa-f]{2}){1,3}",
        "[ -~]{1,8}",
        Just("..".to_owned()),
        Just("%2e%2e".to_owned()),
    ];
    proptest::collection::vec(segment, 1..8).prop_map(|segs| format!("/{}", segs.join("/")))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    /// For any accepted path, the built URL is on the configured origin, under
    /// the base path, and carries the path verbatim.
    #[test]
    fn accepted_paths_stay_on_origin(path in any_path(), value in "\\PC{0,40}") {
        let endpoints = [
            site(),
            Endpoint::parse("https://api.atlassian.com").unwrap().join_base("/ex/jira/abc").unwrap(),
            Endpoint::parse("http://127.0.0.1:9").unwrap(),
        ];
        if let Ok(validated) = validate_path(&path) {
            for endpoint in &endpoints {
                let url = build_url(endpoint, &validated, &[("q".to_owned(), value.clone())]).unwrap();
                prop_assert_eq!(url.origin().ascii_serialization(), endpoint.origin());
                let expected = format!("{}{}", url::Url::parse(endpoint.as_str()).unwrap().path().trim_end_matches('/'), validated.raw());
                prop_assert_eq!(url.path(), expected.as_str());
                prop_assert!(url.fragment().is_none());
                prop_assert!(!validated.decoded().split('/').any(|s| s == ".." || s == "."));
            }
        }
    }

    /// Nothing panics, whatever the bytes.
    #[test]
    fn validation_never_panics(path in "\\PC{0,64}") {
        let _ = validate_path(&path);
    }
}
