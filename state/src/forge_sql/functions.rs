//! MySQL's functions that SQLite lacks and Forge apps call: the clock, Unix time, UUIDs and
//! `RAND`; the date, text, number and JSON functions are registered from here too
//! ([`super::date_functions`], [`super::text_functions`], [`super::number_functions`],
//! [`super::json_functions`], [`super::digest_functions`]).
//!
//! TiDB on Forge runs in UTC, so these answer in UTC, in MySQL's text forms
//! (`YYYY-MM-DD HH:MM:SS`, `YYYY-MM-DD`), which is also what SQLite's `CURRENT_TIMESTAMP`
//! writes; values stored by either compare and sort together.

use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::Connection;
use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::{Value, ValueRef};

/// The flags of a MySQL function that answers from its arguments alone: DETERMINISTIC, so
/// SQLite may fold it, and INNOCUOUS (no side effects), so a schema's DEFAULT or CHECK may
/// call it in a schema SQLite does not trust.
pub(super) const PURE: FunctionFlags = FunctionFlags::SQLITE_UTF8
    .union(FunctionFlags::SQLITE_DETERMINISTIC)
    .union(FunctionFlags::SQLITE_INNOCUOUS);

/// Registers the functions on `connection`.
pub fn register_mysql_functions(connection: &Connection) -> rusqlite::Result<()> {
    // The clock changes between calls: not DETERMINISTIC, so SQLite never folds them. They
    // read nothing and change nothing: INNOCUOUS, which a column's `DEFAULT (NOW())` or
    // `DEFAULT (UUID())` needs in a schema SQLite does not trust.
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_INNOCUOUS;
    for name in [
        "now",
        "sysdate",
        "utc_timestamp",
        "localtimestamp",
        "localtime",
    ] {
        connection.create_scalar_function(name, 0, flags, |_| Ok(datetime_text(unix_now())))?;
        // `NOW(fsp)`: MySQL's fractional-second precision, 0 to 6 digits (error 1426 past 6).
        connection.create_scalar_function(name, 1, flags, |context: &Context<'_>| {
            let digits = match context.get_raw(0) {
                ValueRef::Integer(digits @ 0..=6) => digits as usize,
                ValueRef::Null => 0,
                other => {
                    return Err(rusqlite::Error::UserFunctionError(
                        format!(
                            "Error 1426 (42000): Too big precision {} specified. Maximum is 6.",
                            match other {
                                ValueRef::Integer(digits) => digits.to_string(),
                                _ => "(not a number)".to_owned(),
                            }
                        )
                        .into(),
                    ));
                }
            };
            let elapsed = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default();
            let mut text = datetime_text(elapsed.as_secs() as i64);
            if digits > 0 {
                let micros = format!("{:06}", elapsed.subsec_micros());
                text.push('.');
                text.push_str(&micros[..digits]);
            }
            Ok(text)
        })?;
    }
    for name in ["curdate", "utc_date"] {
        connection.create_scalar_function(name, 0, flags, |_| {
            Ok(datetime_text(unix_now())[..10].to_owned())
        })?;
    }
    connection.create_scalar_function("unix_timestamp", 0, flags, |_| Ok(unix_now()))?;
    connection.create_scalar_function("unix_timestamp", 1, PURE, |context: &Context<'_>| {
        Ok(match context.get_raw(0) {
            ValueRef::Text(text) => std::str::from_utf8(text)
                .ok()
                .and_then(super::date_functions::seconds_of)
                .map_or(Value::Null, Value::Integer),
            ValueRef::Integer(seconds) => Value::Integer(seconds),
            _ => Value::Null,
        })
    })?;
    connection.create_scalar_function("from_unixtime", 1, PURE, |context: &Context<'_>| {
        Ok(match context.get_raw(0) {
            ValueRef::Integer(seconds) => Some(datetime_text(seconds)),
            ValueRef::Real(seconds) => Some(datetime_text(seconds.floor() as i64)),
            _ => None,
        })
    })?;
    connection.create_scalar_function("uuid", 0, flags, |_| Ok(uuid_v4()))?;
    connection.create_scalar_function("rand", 0, flags, |_| Ok(rand::random::<f64>()))?;
    // `RAND(seed)`: a number in [0, 1) fixed by the seed (MySQL's own sequence is not
    // reproduced; what apps rely on, the same seed giving the same number, is).
    connection.create_scalar_function("rand", 1, PURE, |context: &Context<'_>| {
        let seed = context.get::<Option<i64>>(0).ok().flatten().unwrap_or(0);
        // SplitMix64's finaliser: a well-mixed 64-bit value from the seed.
        let mut z = (seed as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        Ok((z >> 11) as f64 / (1u64 << 53) as f64)
    })?;
    super::date_functions::register_date_functions(connection)?;
    super::text_functions::register_text_functions(connection)?;
    super::number_functions::register_number_functions(connection)?;
    super::json_functions::register_json_functions(connection)?;
    super::digest_functions::register_digest_functions(connection)?;
    super::information_schema::register_schema_functions(connection)?;
    super::aggregate_functions::register_aggregate_functions(connection)?;
    Ok(())
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs() as i64)
}

/// `YYYY-MM-DD HH:MM:SS` for seconds since the Unix epoch, in UTC.
pub(crate) fn datetime_text(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let second_of_day = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    )
}

// Howard Hinnant's civil-calendar algorithms (public domain), for the proleptic Gregorian
// calendar MySQL uses.
pub(super) fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

pub(super) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A random (version 4) UUID in its text form, as MySQL's `UUID()` returns text.
fn uuid_v4() -> String {
    crate::uuid::uuid_v4_text(rand::random())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_version_4() {
        let uuid = uuid_v4();
        assert_eq!(uuid.len(), 36);
        assert_eq!(&uuid[14..15], "4");
        assert_ne!(uuid, uuid_v4());
    }
}
