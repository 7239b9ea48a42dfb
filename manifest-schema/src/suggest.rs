//! "Did you mean …?": the known name nearest to a misspelt one, and the one rule for when a
//! suggestion is offered.

/// Names longer than this get no suggestion. Kiln's own names (scopes, events, module keys
/// as authors write them) are far shorter; and the distance costs the product of the two
/// lengths, so a hostile manifest's 100 KiB name compared with every known one would hold the
/// loader for seconds (it did: 29 s in a debug build for one 140 KB scope).
const MAX_SUGGESTED_LENGTH: usize = 128;

/// The candidate within `max_distance` edits of `input` (optimal string alignment: a
/// transposition counts once), the nearest first in `candidates`' order on a tie. None when
/// `input` is longer than [`MAX_SUGGESTED_LENGTH`], or when the nearest would replace all of
/// `input` (not a typo). Candidates whose length alone puts them too far away are skipped
/// before any distance is computed.
pub(crate) fn nearest<'a, T>(
    input: &str,
    candidates: impl IntoIterator<Item = (T, &'a str)>,
    max_distance: usize,
) -> Option<T> {
    let length = input.chars().count();
    if length > MAX_SUGGESTED_LENGTH {
        return None;
    }
    candidates
        .into_iter()
        .filter(|(_, name)| length.abs_diff(name.chars().count()) <= max_distance)
        .map(|(candidate, name)| (strsim::osa_distance(input, name), candidate))
        .filter(|(distance, _)| *distance <= max_distance && *distance < length)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: [&str; 3] = ["read:jira-work", "write:jira-work", "read:jira-user"];

    fn suggest(input: &str) -> Option<&'static str> {
        nearest(input, NAMES.iter().map(|name| (*name, *name)), 3)
    }

    #[test]
    fn a_typo_gets_the_nearest_name() {
        assert_eq!(suggest("read:jira-wrok"), Some("read:jira-work"));
        assert_eq!(suggest("write:jira-wor"), Some("write:jira-work"));
        assert_eq!(suggest("read:confluence"), None);
        // Every character replaced is no typo.
        assert_eq!(nearest("ab", [("xy", "xy")], 3), None);
    }

    /// Threat: a name built to make the comparison cost seconds (its length times each known
    /// name's), whether near the known names' length or far from it.
    #[test]
    fn a_long_name_is_not_compared() {
        let long = "read:jira-work".repeat(10_000);
        assert_eq!(suggest(&long), None);
        let same_length = ["x".repeat(100_000)];
        let input = "y".repeat(100_000);
        let candidates = same_length
            .iter()
            .map(|name| (name.as_str(), name.as_str()));
        assert_eq!(nearest(&input, candidates, 3), None);
    }
}
