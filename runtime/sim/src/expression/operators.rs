//! JavaScript's operators over the simulator's values: arithmetic, comparison,
//! equality, `!`, `typeof`, and the text a value becomes in a concatenation.

use std::cmp::Ordering;

use super::ast::{BinaryOperator, Node, UnaryOperator};
use super::dates;
use super::error::ExpressionError;
use super::eval::Evaluator;
use super::value::{Bean, Value, number_text};

impl<'a> Evaluator<'a, '_> {
    pub(crate) fn unary(
        &mut self,
        node: &Node,
        operator: UnaryOperator,
        value: &Value<'a>,
    ) -> Result<Value<'a>, ExpressionError> {
        match (operator, value) {
            (UnaryOperator::Not, v) => Ok(Value::Bool(!v.truthy())),
            (UnaryOperator::TypeOf, v) => Ok(Value::string(v.type_name())),
            (UnaryOperator::Negate, Value::Number(n)) => Ok(Value::Number(-n)),
            (UnaryOperator::Plus, Value::Number(n)) => Ok(Value::Number(*n)),
            (_, v) => Err(self.fail(node, format!("A {} is not a number.", v.type_name()))),
        }
    }

    pub(crate) fn binary(
        &mut self,
        node: &Node,
        operator: BinaryOperator,
        left: &Value<'a>,
        right: &Value<'a>,
    ) -> Result<Value<'a>, ExpressionError> {
        use BinaryOperator as B;
        match operator {
            B::Equal | B::NotEqual => {
                self.work(node, left.size().min(right.size()))?;
                let equal = left.equals(right);
                return Ok(Value::Bool(if operator == B::Equal {
                    equal
                } else {
                    !equal
                }));
            }
            B::Less | B::LessOrEqual | B::Greater | B::GreaterOrEqual => {
                let ordering = self.compare(node, left, right)?;
                return Ok(Value::Bool(ordering.is_some_and(|o| match operator {
                    B::Less => o.is_lt(),
                    B::LessOrEqual => o.is_le(),
                    B::Greater => o.is_gt(),
                    _ => o.is_ge(),
                })));
            }
            _ => {}
        }
        match (left, right) {
            (Value::Bean(a), Value::Bean(b))
                if operator == B::Subtract
                    && matches!(
                        (&**a, &**b),
                        (Bean::Date(_), Bean::Date(_))
                            | (Bean::CalendarDate(_), Bean::CalendarDate(_))
                    ) =>
            {
                // Jira's type reference documents no arithmetic between dates
                // (only `plus…`/`minus…` and comparisons); what it answers is
                // not known, so it is not made up.
                Err(ExpressionError::not_modelled(
                    format!("subtracting a {} from a {}", b.type_name(), a.type_name()),
                    Some(node.source(self.text)),
                ))
            }
            (Value::Number(a), Value::Number(b)) => Ok(Value::Number(match operator {
                B::Add => a + b,
                B::Subtract => a - b,
                B::Multiply => a * b,
                B::Divide => a / b,
                _ => a % b,
            })),
            (Value::String(_), _) | (_, Value::String(_)) if operator == B::Add => {
                let (a, b) = (self.text_of(node, left)?, self.text_of(node, right)?);
                self.build_chars(node, a.chars().count() + b.chars().count())?;
                Ok(Value::string(a + &b))
            }
            _ => Err(self.fail(
                node,
                format!(
                    "Operator {} cannot be applied to {} and {}.",
                    symbol(operator),
                    left.type_name(),
                    right.type_name()
                ),
            )),
        }
    }

    /// The order of two numbers, strings or dates; `None` when a number is NaN
    /// (every comparison with NaN is false).
    pub(crate) fn compare(
        &mut self,
        node: &Node,
        left: &Value<'a>,
        right: &Value<'a>,
    ) -> Result<Option<Ordering>, ExpressionError> {
        match (left, right) {
            (Value::Number(a), Value::Number(b)) => Ok(a.partial_cmp(b)),
            (Value::String(a), Value::String(b)) => {
                self.work(node, a.len().min(b.len()))?;
                Ok(Some(a.cmp(b)))
            }
            (Value::Bean(a), Value::Bean(b)) => match (&**a, &**b) {
                (Bean::Date(a), Bean::Date(b)) => Ok(Some(a.cmp(b))),
                (Bean::CalendarDate(a), Bean::CalendarDate(b)) => Ok(Some(a.cmp(b))),
                _ => Err(self.cannot_compare(node, left, right)),
            },
            _ => Err(self.cannot_compare(node, left, right)),
        }
    }

    fn cannot_compare(&self, node: &Node, left: &Value<'a>, right: &Value<'a>) -> ExpressionError {
        self.fail(
            node,
            format!(
                "Can't compare {} to {}.",
                left.type_name(),
                right.type_name()
            ),
        )
    }

    /// A primitive as text, for concatenation and `join`. A date is its
    /// `toString()`, as JavaScript turns a Date into text: Jira's
    /// human-readable format on the caller's wall clock, a calendar date as
    /// `dd/MMM/yy`.
    pub(crate) fn text_of(
        &self,
        node: &Node,
        value: &Value<'a>,
    ) -> Result<String, ExpressionError> {
        match value {
            Value::Null => Ok(String::from("null")),
            Value::Bool(b) => Ok(b.to_string()),
            Value::Number(n) => Ok(number_text(*n)),
            Value::String(s) => Ok(s.to_string()),
            Value::Bean(bean) => match &**bean {
                Bean::Date(at) => Ok(dates::human_text(*at, &self.caller_zone())),
                Bean::CalendarDate(day) => Ok(crate::clock::day_month_year(*day)),
                _ => Err(self.not_text(node, value)),
            },
            _ => Err(self.not_text(node, value)),
        }
    }

    fn not_text(&self, node: &Node, value: &Value<'a>) -> ExpressionError {
        self.fail(
            node,
            format!(
                "A {} cannot be turned into text by the simulator.",
                value.type_name()
            ),
        )
    }
}

fn symbol(operator: BinaryOperator) -> &'static str {
    use BinaryOperator as B;
    match operator {
        B::Add => "+",
        B::Subtract => "-",
        B::Multiply => "*",
        B::Divide => "/",
        B::Remainder => "%",
        B::Equal => "==",
        B::NotEqual => "!=",
        B::Less => "<",
        B::LessOrEqual => "<=",
        B::Greater => ">",
        B::GreaterOrEqual => ">=",
        B::And => "&&",
        B::Or => "||",
        B::Coalesce => "??",
    }
}
