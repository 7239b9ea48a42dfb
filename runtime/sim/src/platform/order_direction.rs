//! The direction prefix of the list operations' `orderBy` (`searchProjects`,
//! `getFiltersPaginated`, `getDashboardsPaginated`): `-field` descends, `+field`
//! or a bare `field` ascends. Each operation names its own fields; how the prefix
//! reads is one rule for all.

/// The field `value` names and whether it descends. A `+` a client did not
/// percent-encode reaches the query as a space, and is read as the `+` it was.
pub(crate) fn split(value: &str) -> (&str, bool) {
    match value.split_at_checked(1) {
        Some(("-", rest)) => (rest, true),
        Some(("+" | " ", rest)) => (rest, false),
        _ => (value, false),
    }
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn the_prefix_gives_the_direction() {
        assert_eq!(split("-key"), ("key", true));
        assert_eq!(split("+key"), ("key", false));
        assert_eq!(split(" key"), ("key", false));
        assert_eq!(split("key"), ("key", false));
        assert_eq!(split(""), ("", false));
        assert_eq!(split("é"), ("é", false));
    }
}
