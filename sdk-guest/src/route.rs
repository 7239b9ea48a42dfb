//! A checked Jira API path, built by `route!`.

use std::borrow::Cow;
use std::fmt;

use kiln_path_grammar::{
    MAX_PATH_BYTES, MAX_SEGMENTS, escape_value, is_decoded_byte, is_path_byte,
};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Everything but RFC 3986's unreserved characters is encoded in an
/// interpolated value, so the value stays one path segment: a `/` cannot add
/// a segment, `?`/`#` cannot start a query or fragment, and `%` cannot smuggle
/// a pre-encoded `..` or `/` past the host.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A Jira API path (`/rest/api/3/issue/KILN-1`), never a URL: the host owns
/// the origin.
///
/// The request builder takes a `Route`, not a string, so a path assembled
/// with `format!` cannot be passed by accident. Make one with
/// [`route!`](crate::route!), [`Route::from_static`] or [`Route::parse`]; all
/// refuse a path that is not absolute, has a query, fragment, `.`/`..` or
/// empty segment, a character that must be encoded, a broken `%` escape or
/// one the host refuses. The byte classes are the host's own
/// (`kiln-path-grammar`), so a `Route` is a path the host accepts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Route(Cow<'static, str>);

/// Why a path is not a valid [`Route`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    /// The path does not start with `/`.
    #[error("a route must start with `/` (it is a Jira API path, not a URL)")]
    NotAbsolute,
    /// The path contains a character that must be encoded (such as `?`, `#`,
    /// a space or a non-ASCII letter).
    #[error(
        "a route may not contain {0:?}; interpolate values with route!(\"/path/{{}}\", value) so they are encoded"
    )]
    ForbiddenCharacter(char),
    /// A `%` is not followed by two hex digits.
    #[error("every `%` in a route must start a two-digit hex escape")]
    BadEscape,
    /// A `%XX` escape (or an interpolated value, once encoded) stands for a
    /// byte the host refuses in a path: `/`, `\\`, `%`, a control or a
    /// non-ASCII byte.
    #[error(
        "a route may not encode {0:?}: the host refuses encoded separators, `%`, controls and non-ASCII"
    )]
    ForbiddenEscape(char),
    /// The path is longer than the host accepts.
    #[error("a route may not be longer than {MAX_PATH_BYTES} bytes")]
    TooLong,
    /// The path has more segments than the host accepts.
    #[error("a route may not have more than {MAX_SEGMENTS} segments")]
    TooManySegments,
    /// The path has an empty segment (`//`, or a trailing `/`), which some
    /// servers collapse.
    #[error("a route may not contain an empty segment (`//` or a trailing `/`)")]
    EmptySegment,
    /// The path has a segment of dots only (`.`, `..`, `...`; possibly
    /// percent-encoded), which would move the request to another path.
    #[error("a route may not contain a `.` or `..` segment")]
    DotSegment,
    /// An interpolated value is empty, which would drop its segment.
    #[error("a value interpolated into a route may not be empty")]
    EmptyValue,
    /// An interpolated value is `.` or `..`, which would move the request to
    /// another path (Forge's `route` refuses these too).
    #[error("a value interpolated into a route may not be `.` or `..`, got {0:?}")]
    DotValue(String),
}

impl Route {
    /// A route from a literal path, checked at compile time when used in a
    /// constant:
    ///
    /// ```
    /// use kiln_sdk::Route;
    ///
    /// const MYSELF: Route = Route::from_static("/rest/api/3/myself");
    /// assert_eq!(MYSELF.as_str(), "/rest/api/3/myself");
    /// ```
    ///
    /// # Panics
    ///
    /// If `path` is not a valid route; in a `const` that is a compile error.
    /// Use [`Route::parse`] for paths that are not literals.
    pub const fn from_static(path: &'static str) -> Route {
        match check(path.as_bytes()) {
            Ok(()) => Route(Cow::Borrowed(path)),
            Err((problem, _)) => panic!("{}", problem.message()),
        }
    }

    /// Checks a whole path that is already encoded, such as a `self` link's
    /// path from a previous Jira response.
    pub fn parse(path: impl Into<String>) -> Result<Route, RouteError> {
        let path = path.into();
        match check(path.as_bytes()) {
            Ok(()) => Ok(Route(Cow::Owned(path))),
            Err((problem, at)) => Err(problem.into_error(&path, at)),
        }
    }

    /// The path, as it is sent to the host.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Joins `pieces` (the literal parts of a template, already checked) with
    /// `values` encoded as single segments. `route!` expands to this.
    #[doc(hidden)]
    pub fn __from_template(
        pieces: &[&'static str],
        values: &[&dyn fmt::Display],
    ) -> Result<Route, RouteError> {
        let mut path = String::new();
        let mut values = values.iter();
        for (index, piece) in pieces.iter().enumerate() {
            if index > 0 {
                let Some(value) = values.next() else {
                    break;
                };
                let value = value.to_string();
                if value.is_empty() {
                    return Err(RouteError::EmptyValue);
                }
                if value == "." || value == ".." {
                    return Err(RouteError::DotValue(value));
                }
                path.extend(utf8_percent_encode(&value, SEGMENT));
            }
            path.push_str(piece);
        }
        // Values next to literal dots (`/a/.{}` with `.`) can still form a dot
        // segment, so the joined path is checked as a whole.
        Route::parse(path)
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Route {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// What [`check`] found wrong; `const` so [`Route::from_static`] can fail at
/// compile time.
#[derive(Debug, Clone, Copy)]
enum Problem {
    NotAbsolute,
    ForbiddenCharacter,
    BadEscape,
    ForbiddenEscape,
    TooLong,
    TooManySegments,
    EmptySegment,
    DotSegment,
}

impl Problem {
    const fn message(self) -> &'static str {
        match self {
            Problem::NotAbsolute => "a route must start with `/`",
            Problem::ForbiddenCharacter => {
                "a route may contain only ASCII letters, digits, `-._~!$'()*+,=:`, `/` and `%` escapes (no `?`: add query parameters with `.query(name, value)`)"
            }
            Problem::BadEscape => "every `%` in a route must start a two-digit hex escape",
            Problem::ForbiddenEscape => {
                "a route may not encode `/`, `\\`, `%`, a control or a non-ASCII byte"
            }
            Problem::TooLong => {
                "a route is longer than the host accepts (kiln_path_grammar::MAX_PATH_BYTES)"
            }
            Problem::TooManySegments => {
                "a route has more segments than the host accepts (kiln_path_grammar::MAX_SEGMENTS)"
            }
            Problem::EmptySegment => "a route may not contain an empty segment (`//`)",
            Problem::DotSegment => "a route may not contain a `.` or `..` segment",
        }
    }

    fn into_error(self, path: &str, at: usize) -> RouteError {
        match self {
            Problem::NotAbsolute => RouteError::NotAbsolute,
            Problem::ForbiddenCharacter => {
                RouteError::ForbiddenCharacter(path[at..].chars().next().unwrap_or('\u{FFFD}'))
            }
            Problem::BadEscape => RouteError::BadEscape,
            Problem::ForbiddenEscape => RouteError::ForbiddenEscape(
                path.as_bytes()
                    .get(at + 1..at + 3)
                    .and_then(|hex| escape_value(hex[0], hex[1]))
                    .map_or('\u{FFFD}', char::from),
            ),
            Problem::TooLong => RouteError::TooLong,
            Problem::TooManySegments => RouteError::TooManySegments,
            Problem::EmptySegment => RouteError::EmptySegment,
            Problem::DotSegment => RouteError::DotSegment,
        }
    }
}

/// Checks `path` against the host's grammar (`kiln-path-grammar` for the
/// bytes, the host's limits, no empty or dot segment); on failure returns the
/// problem and the byte offset it was found at (always a char boundary, since
/// everything before it is ASCII).
const fn check(path: &[u8]) -> Result<(), (Problem, usize)> {
    if path.is_empty() || path[0] != b'/' {
        return Err((Problem::NotAbsolute, 0));
    }
    if path.len() > MAX_PATH_BYTES {
        return Err((Problem::TooLong, MAX_PATH_BYTES));
    }
    let mut i = 0;
    while i < path.len() {
        let byte = path[i];
        if byte == b'%' {
            if i + 2 >= path.len() {
                return Err((Problem::BadEscape, i));
            }
            match escape_value(path[i + 1], path[i + 2]) {
                None => return Err((Problem::BadEscape, i)),
                Some(value) if !is_decoded_byte(value) => {
                    return Err((Problem::ForbiddenEscape, i));
                }
                Some(_) => {}
            }
            i += 3;
            continue;
        }
        if !is_path_byte(byte) {
            return Err((Problem::ForbiddenCharacter, i));
        }
        i += 1;
    }
    // Segments: everything between two `/`, or after the last one.
    let mut segments = 0;
    let mut start = 1;
    let mut i = 1;
    while i <= path.len() {
        if i == path.len() || path[i] == b'/' {
            segments += 1;
            if segments > MAX_SEGMENTS {
                return Err((Problem::TooManySegments, start));
            }
            if start == i {
                return Err((Problem::EmptySegment, start));
            }
            if is_dot_segment(path, start, i) {
                return Err((Problem::DotSegment, start));
            }
            start = i + 1;
        }
        i += 1;
    }
    Ok(())
}

/// Whether `path[start..end]` is only dots (`.`, `..`, `...`), counting `%2e`
/// as a dot since servers decode it before resolving dot segments. The host
/// refuses every all-dots segment, not only `.` and `..`: some servers trim
/// trailing dots from a segment, which turns `...` into `..`.
const fn is_dot_segment(path: &[u8], start: usize, end: usize) -> bool {
    let mut dots = 0;
    let mut i = start;
    while i < end {
        if path[i] == b'.' {
            i += 1;
        } else if path[i] == b'%'
            && i + 2 < end
            && path[i + 1] == b'2'
            && (path[i + 2] == b'e' || path[i + 2] == b'E')
        {
            i += 3;
        } else {
            return false;
        }
        dots += 1;
    }
    dots > 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route;

    #[test]
    fn literal_route_is_kept_as_written() {
        assert_eq!(route!("/rest/api/3/myself").as_str(), "/rest/api/3/myself");
    }

    #[test]
    fn positional_and_captured_values_are_interpolated() {
        let key = "KILN-7";
        let by_position = route!("/rest/api/3/issue/{}/comment/{}", key, 10042).unwrap();
        assert_eq!(
            by_position.as_str(),
            "/rest/api/3/issue/KILN-7/comment/10042"
        );
        let captured = route!("/rest/api/3/issue/{key}/comment").unwrap();
        assert_eq!(captured.as_str(), "/rest/api/3/issue/KILN-7/comment");
    }

    #[test]
    fn reserved_characters_in_a_value_are_encoded_as_one_segment() {
        let route = route!("/rest/api/3/issue/{}", "a?c=d#e f;g@h&i").unwrap();
        assert_eq!(
            route.as_str(),
            "/rest/api/3/issue/a%3Fc%3Dd%23e%20f%3Bg%40h%26i"
        );
    }

    #[test]
    fn a_value_the_host_would_refuse_once_decoded_is_refused_here() {
        // Encoded, these would stay one segment; the host still refuses an
        // encoded separator, `%` and non-ASCII, so the app learns it now.
        for (value, refused) in [
            ("../../../admin", '/'),
            ("a\\b", '\\'),
            ("%2e", '%'),
            ("Zoë", '\u{c3}'),
            ("tab\there", '\t'),
        ] {
            assert_eq!(
                route!("/rest/api/3/issue/{}", value),
                Err(RouteError::ForbiddenEscape(refused)),
                "{value:?}"
            );
        }
    }

    #[test]
    fn dot_values_are_refused_at_run_time() {
        let dot = String::from(".");
        let dot_dot = String::from("..");
        assert_eq!(
            route!("/rest/api/3/issue/{}", dot),
            Err(RouteError::DotValue(".".into()))
        );
        assert_eq!(
            route!("/rest/api/3/issue/{}", dot_dot),
            Err(RouteError::DotValue("..".into()))
        );
    }

    #[test]
    fn empty_value_is_refused() {
        assert_eq!(
            route!("/rest/api/3/issue/{}", String::new()),
            Err(RouteError::EmptyValue)
        );
    }

    #[test]
    fn a_dot_value_is_refused_even_where_it_would_join_a_literal_dot() {
        let dot = String::from(".");
        assert_eq!(
            route!("/rest/api/3/.{}", dot),
            Err(RouteError::DotValue(".".into()))
        );
    }

    #[test]
    fn parse_accepts_an_encoded_path() {
        let route = Route::parse("/rest/api/3/issue/a%20b%3F").unwrap();
        assert_eq!(route.as_str(), "/rest/api/3/issue/a%20b%3F");
    }

    #[test]
    fn parse_refuses_what_would_change_the_target() {
        let cases = [
            ("rest/api/3/myself", RouteError::NotAbsolute),
            ("", RouteError::NotAbsolute),
            ("https://evil.example/x", RouteError::NotAbsolute),
            (
                "/rest/api/3/search?jql=x",
                RouteError::ForbiddenCharacter('?'),
            ),
            ("/rest/api/3/issue#x", RouteError::ForbiddenCharacter('#')),
            ("/rest/api/3/issue/a b", RouteError::ForbiddenCharacter(' ')),
            (
                "/rest/api/3/issue/a\\b",
                RouteError::ForbiddenCharacter('\\'),
            ),
            ("/rest/api/3/user/Zoë", RouteError::ForbiddenCharacter('ë')),
            (
                "/rest/api/3/issue/\r\nHost: x",
                RouteError::ForbiddenCharacter('\r'),
            ),
            ("/rest/api/3/issue/a@b", RouteError::ForbiddenCharacter('@')),
            ("/rest/api/3/issue/..;", RouteError::ForbiddenCharacter(';')),
            ("/rest/api/3/issue/a&b", RouteError::ForbiddenCharacter('&')),
            (
                "/rest/api/3/user/Zo%C3%AB",
                RouteError::ForbiddenEscape('\u{c3}'),
            ),
            ("/rest/api/3/issue/a%2Fb", RouteError::ForbiddenEscape('/')),
            ("/rest/api/3/issue/%252e", RouteError::ForbiddenEscape('%')),
            ("/rest/api/3/", RouteError::EmptySegment),
            ("/", RouteError::EmptySegment),
            ("/rest/api/3/issue/%zz", RouteError::BadEscape),
            ("/rest/api/3/issue/%2", RouteError::BadEscape),
            ("//evil.example/rest", RouteError::EmptySegment),
            ("/rest//api", RouteError::EmptySegment),
            ("/rest/api/3/../../admin", RouteError::DotSegment),
            ("/rest/api/3/./myself", RouteError::DotSegment),
            ("/rest/api/3/%2e%2E/admin", RouteError::DotSegment),
            ("/rest/api/3/.%2e", RouteError::DotSegment),
            ("/rest/api/3/..", RouteError::DotSegment),
            ("/rest/api/3/...", RouteError::DotSegment),
            ("/rest/api/3/.%2e%2E/x", RouteError::DotSegment),
        ];
        for (path, expected) in cases {
            assert_eq!(Route::parse(path), Err(expected), "{path:?}");
        }
    }

    #[test]
    fn dots_inside_a_segment_are_fine() {
        for path in ["/rest/api/3/a.b", "/rest/api/3/..x", "/rest/api/3/.x"] {
            assert!(Route::parse(path).is_ok(), "{path:?}");
        }
    }

    #[test]
    fn the_host_limits_are_the_routes_limits() {
        let long = format!("/{}", "a".repeat(MAX_PATH_BYTES));
        assert_eq!(Route::parse(long), Err(RouteError::TooLong));
        let deep = "/a".repeat(MAX_SEGMENTS + 1);
        assert_eq!(Route::parse(deep), Err(RouteError::TooManySegments));
        assert!(Route::parse("/a".repeat(MAX_SEGMENTS)).is_ok());
    }

    #[test]
    fn from_static_works_in_a_constant() {
        const MYSELF: Route = Route::from_static("/rest/api/3/myself");
        assert_eq!(MYSELF.to_string(), "/rest/api/3/myself");
    }

    #[test]
    #[should_panic(expected = "`.` or `..` segment")]
    fn from_static_panics_on_an_invalid_path_at_run_time() {
        let _ = Route::from_static("/rest/api/../admin");
    }
}
