//! MySQL's `SLEEP(seconds)`, which apps select to make a slow query on purpose (to try a
//! timeout, or a slow-query report: forge-sql-orm's examples do).
//!
//! The statement's time limit bounds it: SQLite's progress handler, which stops a statement
//! at its deadline, is not called while a function runs, so an unbounded sleep would hold
//! the installation's database (and a host thread) for as long as the app asked. The sleep
//! ends at the deadline instead, and interrupts the statement there, which fails as every
//! statement past its limit does (Forge's `QUERY_TIMED_OUT`), rolled back. TiDB answers a
//! query killed by its time limit the same way rather than with `SLEEP`'s 1.
//!
//! Arguments as TiDB reads them in strict mode (Forge SQL's): a number of seconds, fractions
//! allowed; `NULL` or a negative number is `Error 1210 (HY000): Incorrect arguments to
//! sleep`. It answers 0, as MySQL does after a full sleep.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, InterruptHandle};

/// TiDB's (and MySQL's) refusal of a `SLEEP` argument that is no duration.
const INCORRECT_ARGUMENTS: &str = "Error 1210 (HY000): Incorrect arguments to sleep";

/// When the statement running must end, set before each statement
/// ([`super::database::ForgeSqlDatabase::execute_text`]); read by `SLEEP`.
#[derive(Clone)]
pub(super) struct StatementDeadline(Arc<Mutex<Instant>>);

impl StatementDeadline {
    pub(super) fn new() -> Self {
        Self(Arc::new(Mutex::new(Instant::now())))
    }

    pub(super) fn set(&self, deadline: Instant) {
        // A poisoned lock only means a panic elsewhere; the instant inside is still whole.
        *self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = deadline;
    }

    fn get(&self) -> Instant {
        *self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Registers `SLEEP(seconds)` on `connection`, bounded by `deadline`.
pub(super) fn register_sleep(
    connection: &Connection,
    deadline: StatementDeadline,
) -> rusqlite::Result<()> {
    let interrupt = connection.get_interrupt_handle();
    // DIRECTONLY: never from the schema (a column's `DEFAULT (SLEEP(5))` would slow every
    // insert); not DETERMINISTIC, so SQLite calls it each time it is written.
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DIRECTONLY;
    connection.create_scalar_function("sleep", 1, flags, move |context: &Context<'_>| {
        let asked = requested(context.get_raw(0))?;
        sleep_until(asked, deadline.get(), &interrupt);
        Ok(0_i64)
    })
}

/// The duration `SLEEP`'s argument asks for, or TiDB's error.
fn requested(argument: ValueRef<'_>) -> rusqlite::Result<Duration> {
    let seconds = match argument {
        ValueRef::Integer(seconds) => seconds as f64,
        ValueRef::Real(seconds) => seconds,
        // MySQL reads a string as the number it begins with (`'0.5s'` is 0.5, `'x'` is 0).
        ValueRef::Text(text) => leading_number(text),
        ValueRef::Null | ValueRef::Blob(_) => return Err(incorrect()),
    };
    // NaN is no duration either.
    if seconds.is_nan() || seconds < 0.0 {
        return Err(incorrect());
    }
    // Past any statement's limit anyway; `try_from_secs_f64` refuses only what no
    // `Duration` holds (infinity, or more than 584 billion years).
    Ok(Duration::try_from_secs_f64(seconds).unwrap_or(Duration::MAX))
}

fn incorrect() -> rusqlite::Error {
    rusqlite::Error::UserFunctionError(INCORRECT_ARGUMENTS.into())
}

/// The number `text` begins with, as MySQL casts a string to a number; 0 for none. One pass
/// finds the prefix (a sign, digits, at most one point, digits), so a long argument costs
/// its length, not its length squared in failed parses.
fn leading_number(text: &[u8]) -> f64 {
    let text = String::from_utf8_lossy(text);
    let text = text.trim_start().as_bytes();
    let mut end = usize::from(matches!(text.first(), Some(b'-' | b'+')));
    let mut point = false;
    while let Some(&byte) = text.get(end) {
        match byte {
            b'0'..=b'9' => {}
            b'.' if !point => point = true,
            _ => break,
        }
        end += 1;
    }
    std::str::from_utf8(&text[..end])
        .ok()
        .and_then(|prefix| prefix.parse::<f64>().ok())
        .unwrap_or(0.0)
}

/// Sleeps for `asked`, or until `deadline` and then interrupts the statement.
fn sleep_until(asked: Duration, deadline: Instant, interrupt: &InterruptHandle) {
    let now = Instant::now();
    let left = deadline.saturating_duration_since(now);
    if asked < left {
        std::thread::sleep(asked);
    } else {
        std::thread::sleep(left);
        // The statement fails as one past its limit does, at SQLite's next check.
        interrupt.interrupt();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_read_as_tidb_reads_them() {
        let secs = |value: ValueRef<'_>| requested(value).map(|d| d.as_secs_f64());
        assert_eq!(secs(ValueRef::Integer(2)).unwrap(), 2.0);
        assert_eq!(secs(ValueRef::Real(0.25)).unwrap(), 0.25);
        assert_eq!(secs(ValueRef::Text(b"0.5s")).unwrap(), 0.5);
        assert_eq!(secs(ValueRef::Text(b"  1.5.2")).unwrap(), 1.5);
        assert_eq!(secs(ValueRef::Text(b"soon")).unwrap(), 0.0);
        assert_eq!(secs(ValueRef::Text(b"+2.")).unwrap(), 2.0);
        assert_eq!(secs(ValueRef::Text(b".5")).unwrap(), 0.5);
        assert_eq!(secs(ValueRef::Text(b"-")).unwrap(), 0.0);
        // A long argument of many points is read once, not once per prefix.
        let points = "1.".repeat(1_000_000);
        assert_eq!(secs(ValueRef::Text(points.as_bytes())).unwrap(), 1.1);
        assert_eq!(secs(ValueRef::Integer(i64::MAX)).unwrap(), i64::MAX as f64);
        assert_eq!(
            requested(ValueRef::Real(f64::INFINITY)).unwrap(),
            Duration::MAX
        );
        for refused in [
            ValueRef::Null,
            ValueRef::Integer(-1),
            ValueRef::Real(-0.5),
            ValueRef::Real(f64::NAN),
            ValueRef::Text(b"-3"),
            ValueRef::Blob(b"\x00"),
        ] {
            let error = requested(refused).unwrap_err().to_string();
            assert!(error.contains(INCORRECT_ARGUMENTS), "{refused:?}: {error}");
        }
    }
}
