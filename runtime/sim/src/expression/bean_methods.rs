//! The methods of Jira's objects the simulator models: an issue's
//! `properties.get(key)` and `properties.keys()`; `Date`'s and
//! `CalendarDate`'s are `date_methods.rs`'.

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
            (Bean::Date(at), _, _) => self.date_method(node, *at, method, arguments),
            (Bean::CalendarDate(day), _, _) => {
                self.calendar_date_method(node, *day, method, arguments)
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
