//! MySQL's aggregates that SQLite lacks: the bitwise `BIT_AND`, `BIT_OR`, `BIT_XOR`, and the
//! statistics `STD`/`STDDEV`/`STDDEV_POP`, `STDDEV_SAMP`, `VARIANCE`/`VAR_POP`, `VAR_SAMP`
//! (what an app's report computes over a column).
//!
//! As in MySQL, NULLs are skipped; a bit aggregate over no rows is its identity (`BIT_AND`
//! all ones, as an unsigned 64-bit number; the others 0), a statistic over no rows NULL, and a
//! sample statistic over one row NULL. Values that are not numbers read as MySQL reads them in
//! a number's place (leading digits, else 0).

use rusqlite::Connection;
use rusqlite::functions::{Aggregate, Context, FunctionFlags};
use rusqlite::types::{Value, ValueRef};

/// A value as a number, as MySQL reads one where it wants a number.
fn number(value: ValueRef<'_>) -> Option<f64> {
    match value {
        ValueRef::Null => None,
        ValueRef::Integer(value) => Some(value as f64),
        ValueRef::Real(value) => Some(value),
        ValueRef::Text(text) | ValueRef::Blob(text) => {
            let text = String::from_utf8_lossy(text);
            let text = text.trim();
            let end = text
                .char_indices()
                .take_while(|(at, c)| {
                    c.is_ascii_digit() || *c == '.' || (*at == 0 && (*c == '-' || *c == '+'))
                })
                .last()
                .map_or(0, |(at, c)| at + c.len_utf8());
            Some(text[..end].parse().unwrap_or(0.0))
        }
    }
}

/// A bitwise aggregate over unsigned 64-bit values, as MySQL's are.
#[derive(Clone, Copy)]
enum Bits {
    And,
    Or,
    Xor,
}

impl Aggregate<u64, Value> for Bits {
    fn init(&self, _: &mut Context<'_>) -> rusqlite::Result<u64> {
        Ok(match self {
            Bits::And => u64::MAX,
            Bits::Or | Bits::Xor => 0,
        })
    }

    fn step(&self, context: &mut Context<'_>, state: &mut u64) -> rusqlite::Result<()> {
        let bits = match context.get_raw(0) {
            ValueRef::Null => return Ok(()),
            ValueRef::Integer(value) => value as u64,
            other => number(other).map_or(0, |value| value.round() as i64 as u64),
        };
        *state = match self {
            Bits::And => *state & bits,
            Bits::Or => *state | bits,
            Bits::Xor => *state ^ bits,
        };
        Ok(())
    }

    fn finalize(&self, context: &mut Context<'_>, state: Option<u64>) -> rusqlite::Result<Value> {
        let bits = match state {
            Some(bits) => bits,
            None => self.init(context)?,
        };
        // SQLite's integers are signed: a value past i64 goes as text, its digits exact.
        Ok(i64::try_from(bits).map_or_else(|_| Value::Text(bits.to_string()), Value::Integer))
    }
}

/// A variance or standard deviation, by Welford's running mean (stable over large values).
#[derive(Clone, Copy)]
struct Spread {
    /// Divide by n − 1 (a sample's) rather than n (a population's).
    sample: bool,
    /// The square root: a standard deviation rather than a variance.
    root: bool,
}

#[derive(Default)]
struct Running {
    count: u64,
    mean: f64,
    squares: f64,
}

impl Aggregate<Running, Option<f64>> for Spread {
    fn init(&self, _: &mut Context<'_>) -> rusqlite::Result<Running> {
        Ok(Running::default())
    }

    fn step(&self, context: &mut Context<'_>, state: &mut Running) -> rusqlite::Result<()> {
        let Some(value) = number(context.get_raw(0)) else {
            return Ok(());
        };
        state.count += 1;
        let delta = value - state.mean;
        state.mean += delta / state.count as f64;
        state.squares += delta * (value - state.mean);
        Ok(())
    }

    fn finalize(
        &self,
        _: &mut Context<'_>,
        state: Option<Running>,
    ) -> rusqlite::Result<Option<f64>> {
        let Some(state) = state else {
            return Ok(None);
        };
        let divisor = if self.sample {
            state.count.checked_sub(1).filter(|n| *n > 0)
        } else {
            Some(state.count).filter(|n| *n > 0)
        };
        Ok(divisor.map(|n| {
            let variance = state.squares / n as f64;
            if self.root { variance.sqrt() } else { variance }
        }))
    }
}

/// Registers the aggregates on `connection`.
pub(super) fn register_aggregate_functions(connection: &Connection) -> rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    for (name, bits) in [
        ("bit_and", Bits::And),
        ("bit_or", Bits::Or),
        ("bit_xor", Bits::Xor),
    ] {
        connection.create_aggregate_function(name, 1, flags, bits)?;
    }
    for (name, sample, root) in [
        ("std", false, true),
        ("stddev", false, true),
        ("stddev_pop", false, true),
        ("stddev_samp", true, true),
        ("variance", false, false),
        ("var_pop", false, false),
        ("var_samp", true, false),
    ] {
        connection.create_aggregate_function(name, 1, flags, Spread { sample, root })?;
    }
    Ok(())
}
