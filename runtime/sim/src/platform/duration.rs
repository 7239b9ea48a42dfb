//! Jira's duration text, as time tracking reads and writes it (`"1w 2d 3h 4m"`),
//! in Jira Cloud's default working time: 1w = 5d, 1d = 8h.
//!
//! What [`parse`] reads is what Jira's time tracking accepts (its own functional
//! tests `TestTimeTrackingInputValidation` and `TestWorkLogOperations` pin the
//! rules): `<amount><unit>` items separated by spaces, units `w`, `d`, `h`, `m`
//! in any case; a unit may repeat and adds up (`"1w 2w"` is three weeks); an
//! amount may carry a decimal fraction (`"1.5d 2.5h 18m"`, `"7.15h"` is 7h 9m) as
//! long as it comes to whole minutes (`"5.3756h"` does not); and a bare number
//! alone is minutes, the default unit (the spec's "minutes (#m or #)"). Anything
//! else is not a duration: `"-2h"`, `"1y"`, `"1ms"`, `"w 2d"`, `"6 10"`.

/// Seconds in each of Jira's units.
pub(crate) const MINUTE: u64 = 60;
pub(crate) const HOUR: u64 = 60 * MINUTE;
pub(crate) const DAY: u64 = 8 * HOUR;
pub(crate) const WEEK: u64 = 5 * DAY;

const UNITS: [(char, u64); 4] = [('w', WEEK), ('d', DAY), ('h', HOUR), ('m', MINUTE)];

/// The longest duration the simulator takes: a million working weeks. Jira keeps
/// durations as 64-bit seconds and documents no bound; one is needed here so that
/// a client cannot push an issue's sums past what a JSON number carries exactly
/// (2^53): more than 60,000 worklogs at this bound before that.
pub(crate) const MAX_SECONDS: u64 = 1_000_000 * WEEK;

/// Fraction digits read: nine already resolve far below the minute an amount
/// must come to.
const MAX_FRACTION_DIGITS: usize = 9;

/// `text` in seconds, or `None` if it is not a duration Jira reads, or is longer
/// than [`MAX_SECONDS`]. Blank text is not a duration either: callers that
/// treat blank as "no value" check for it first.
pub(crate) fn parse(text: &str) -> Option<u64> {
    let items: Vec<&str> = text.split_whitespace().collect();
    let seconds = match items.as_slice() {
        [] => return None,
        [alone] if alone.ends_with(|c: char| c.is_ascii_digit()) => amount(alone, MINUTE)?,
        _ => items
            .iter()
            .try_fold(0u64, |sum, item| sum.checked_add(item_seconds(item)?))?,
    };
    (seconds <= MAX_SECONDS).then_some(seconds)
}

/// One `<amount><unit>` item in seconds.
fn item_seconds(item: &str) -> Option<u64> {
    let unit = item.chars().last()?;
    let (_, per) = UNITS
        .iter()
        .find(|(u, _)| *u == unit.to_ascii_lowercase())?;
    amount(&item[..item.len() - unit.len_utf8()], *per)
}

/// `text` (digits, optionally `.` and more digits) times `per` seconds, if that
/// is whole minutes. Only ASCII digits: `u64::from_str` alone would also take a
/// leading `+`.
fn amount(text: &str, per: u64) -> Option<u64> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if !digits(whole) || (text.contains('.') && !digits(fraction)) {
        return None;
    }
    let mut seconds = whole.parse::<u64>().ok()?.checked_mul(per)?;
    if !fraction.is_empty() {
        if fraction.len() > MAX_FRACTION_DIGITS {
            return None;
        }
        let scale = 10u64.checked_pow(u32::try_from(fraction.len()).ok()?)?;
        let scaled = fraction.parse::<u64>().ok()?.checked_mul(per)?;
        // Jira refuses a fraction that does not come to whole minutes.
        if scaled % scale != 0 || (scaled / scale) % MINUTE != 0 {
            return None;
        }
        seconds = seconds.checked_add(scaled / scale)?;
    }
    Some(seconds)
}

/// Seconds as Jira writes a duration (`"1w 2d"`, `"1d 2h 30m"`): largest units
/// first, none that is zero, seconds below a minute dropped, `"0m"` for none.
pub(crate) fn format(mut seconds: u64) -> String {
    let mut parts = Vec::new();
    for (unit, per) in UNITS {
        if seconds >= per {
            parts.push(format!("{}{unit}", seconds / per));
            seconds %= per;
        }
    }
    if parts.is_empty() {
        String::from("0m")
    } else {
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_in_jira_units() {
        assert_eq!(parse("1h 30m"), Some(5400));
        assert_eq!(parse("1w"), Some(144_000));
        assert_eq!(parse("2d"), Some(57_600));
        assert_eq!(parse("1w 2d"), Some(144_000 + 57_600));
        assert_eq!(
            parse(" 1W  2D "),
            Some(144_000 + 57_600),
            "any case, any spacing"
        );
        assert_eq!(parse("1w 2w"), Some(3 * WEEK), "a repeated unit adds up");
        assert_eq!(parse("90"), Some(90 * MINUTE), "a bare number is minutes");
        assert_eq!(parse("0"), Some(0));
        assert_eq!(parse("0m"), Some(0));
    }

    #[test]
    fn fractions_must_come_to_whole_minutes() {
        assert_eq!(parse("7.15h"), Some(7 * HOUR + 9 * MINUTE));
        assert_eq!(
            parse("1.5d 2.5h 18m"),
            Some(DAY + 4 * HOUR + 2 * HOUR + 30 * MINUTE + 18 * MINUTE)
        );
        assert_eq!(parse("5.3756h"), None);
        assert_eq!(parse("0.5m"), None);
        assert_eq!(parse("1.h"), None);
        assert_eq!(parse(".5h"), None);
        assert_eq!(parse("1.0000000001h"), None, "too many digits");
    }

    #[test]
    fn anything_else_is_not_a_duration() {
        for bad in [
            "", "  ", "3x", "-2h", "+2h", "1y", "1ms", "w 2d", "1h s", "6 10", "soon", "1h30m",
            "1,5h", "١h",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn absurd_durations_are_refused_without_overflow() {
        assert_eq!(parse("99999999999999999999w"), None);
        assert_eq!(parse("18446744073709551615m"), None);
        assert_eq!(parse(&format!("{}w", u64::MAX / WEEK)), None);
        assert_eq!(parse("1000000w"), Some(MAX_SECONDS));
        assert_eq!(parse("1000000w 1m"), None);
        let many = vec!["1000000w"; 100].join(" ");
        assert_eq!(parse(&many), None);
    }

    #[test]
    fn durations_are_written_largest_unit_first() {
        assert_eq!(format(5400), "1h 30m");
        assert_eq!(format(144_000 + 3600), "1w 1h");
        assert_eq!(format(144_000 + 57_600), "1w 2d");
        assert_eq!(format(0), "0m");
        assert_eq!(format(59), "0m");
        assert!(format(u64::MAX).starts_with(&format!("{}w ", u64::MAX / WEEK)));
    }
}
