//! The methods of Jira's objects the simulator models: `Date`'s `getTime` and
//! `toISOString`, and an issue's `properties.get(key)` and `properties.keys()`.

use super::ast::Node;
use super::beans;
use super::error::ExpressionError;
use super::eval::Evaluator;
use super::value::{Bean, Value};

impl<'a> Evaluator<'a, '_> {
    /// `bean.method(arguments…)`.
    pub(crate) fn bean_method(
        &mut self,
        node: &Node,
        bean: &Bean,
        method: &str,
        arguments: &[Value<'a>],
    ) -> Result<Value<'a>, ExpressionError> {
        match (bean, method, arguments) {
            (Bean::Date(at), "getTime", []) => Ok(Value::Number(
                (at.unix_timestamp_nanos() / 1_000_000) as f64,
            )),
            (Bean::Date(at), "toISOString", []) => {
                let text = iso_text(*at);
                self.build_chars(node, text.len())?;
                Ok(Value::string(text))
            }
            (Bean::Properties(issue), "get", [Value::String(key)]) => {
                match self.site.issue(*issue) {
                    Some(record) => {
                        beans::property(record, key).map_err(|e| self.too_deep(node, e))
                    }
                    None => Ok(Value::Null),
                }
            }
            (Bean::Properties(issue), "keys", []) => {
                let keys: Vec<Value<'a>> = self
                    .site
                    .issue(*issue)
                    .map(|record| {
                        record
                            .properties
                            .keys()
                            .map(|k| Value::string(k.as_str()))
                            .collect()
                    })
                    .unwrap_or_default();
                self.build_items(node, keys.len())?;
                Value::list(keys).map_err(|e| self.too_deep(node, e))
            }
            (Bean::Date(_), _, _) => Err(ExpressionError::not_modelled(
                format!("the method `{method}` of type 'Date' (or it was given arguments)"),
                Some(node.source(self.text)),
            )),
            _ => Err(self.fail(
                node,
                format!(
                    "Unrecognized method of type '{}': \"{method}\".",
                    bean.type_name()
                ),
            )),
        }
    }
}

/// A date as JavaScript's `toISOString` writes it (UTC, milliseconds).
pub(crate) fn iso_text(at: time::OffsetDateTime) -> String {
    // The site's dates are all in years 0..=9999; one outside (impossible) reads
    // as the epoch rather than panicking in the conversion.
    let utc = crate::clock::utc(at).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        utc.year(),
        u8::from(utc.month()),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second(),
        utc.millisecond()
    )
}
