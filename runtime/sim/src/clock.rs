//! Time as Jira writes it.

use time::OffsetDateTime;
use time::macros::format_description;

/// Jira's timestamp format: `2024-03-28T10:15:30.000+0000` (always UTC here).
pub(crate) fn jira_timestamp(at: OffsetDateTime) -> String {
    let format = format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]+0000"
    );
    at.to_offset(time::UtcOffset::UTC)
        .format(format)
        .unwrap_or_else(|_| String::from("1970-01-01T00:00:00.000+0000"))
}

/// RFC 3339 in UTC (`2024-03-28T10:15:30Z`), as the JSM Ops API writes times.
pub(crate) fn rfc3339(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| String::from("1970-01-01T00:00:00Z"))
}

/// Parses an RFC 3339 timestamp from untrusted input.
pub(crate) fn parse_rfc3339(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

pub(crate) fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}
