//! Walks a parsed expression and computes its value, counting Jira's steps and
//! enforcing the simulator's bounds ([`super::limits`]) as it goes.

use std::rc::Rc;

use super::ast::{BinaryOperator, Kind, Node};
use super::beans::{self, MemberError, Site};
use super::complexity::{Complexity, Limit};
use super::error::ExpressionError;
use super::limits::{MAX_BUILT_CHARS, MAX_BUILT_ITEMS, MAX_EVALUATION_DEPTH, MAX_WORK};
use super::regex_cache::RegexCache;
use super::value::{Function, Scope, TooDeep, Value};
use super::{list_methods, string_methods};

/// Names Jira gives its context variables. One the request did not provide reads
/// as `null`, as the spec describes `issue.id` "where `issue` is `null`".
const CONTEXT_VARIABLES: &[&str] = &[
    "user",
    "app",
    "issue",
    "issues",
    "project",
    "sprint",
    "board",
    "serviceDesk",
    "customerRequest",
];

/// Jira's global objects, which the simulator does not model.
const GLOBALS_NOT_MODELLED: &[&str] = &[
    "Number",
    "JSON",
    "Issue",
    "Project",
    "User",
    "RichText",
    "Date",
    "CalendarDate",
    "RegExp",
];

pub(crate) struct Evaluator<'a, 's> {
    pub(crate) text: &'a str,
    pub(crate) site: &'s Site<'s>,
    pub(crate) complexity: Complexity,
    /// Characters and list items built so far ([`MAX_BUILT_CHARS`],
    /// [`MAX_BUILT_ITEMS`]).
    built_chars: usize,
    built_items: usize,
    /// Work done so far ([`MAX_WORK`]).
    work: usize,
    /// Current recursion ([`MAX_EVALUATION_DEPTH`]).
    depth: usize,
    /// Regular expressions compiled so far, for the next call with the same
    /// pattern.
    pub(crate) regexes: RegexCache,
}

impl<'a, 's> Evaluator<'a, 's> {
    pub(crate) fn new(text: &'a str, site: &'s Site<'s>) -> Self {
        Self {
            text,
            site,
            complexity: Complexity::default(),
            built_chars: 0,
            built_items: 0,
            work: 0,
            depth: 0,
            regexes: RegexCache::default(),
        }
    }

    /// An evaluation error quoting `node`'s text.
    pub(crate) fn fail(&self, node: &Node, message: impl Into<String>) -> ExpressionError {
        ExpressionError::evaluation(node.source(self.text), message)
    }

    pub(crate) fn limit(&self, node: &Node, limit: Limit) -> ExpressionError {
        self.fail(node, limit.describe())
    }

    pub(crate) fn too_deep(&self, node: &Node, _: TooDeep) -> ExpressionError {
        self.fail(
            node,
            format!(
                "The value nests deeper than {} levels, the simulator's bound.",
                super::limits::MAX_VALUE_DEPTH
            ),
        )
    }

    /// Charges `count` characters to the budget of built strings.
    pub(crate) fn build_chars(&mut self, node: &Node, count: usize) -> Result<(), ExpressionError> {
        self.built_chars = self.built_chars.saturating_add(count);
        if self.built_chars > MAX_BUILT_CHARS {
            return Err(self.fail(
                node,
                format!(
                    "The expression built more than {MAX_BUILT_CHARS} characters of text, \
                     the simulator's bound."
                ),
            ));
        }
        Ok(())
    }

    /// Charges `count` items to the budget of built lists.
    pub(crate) fn build_items(&mut self, node: &Node, count: usize) -> Result<(), ExpressionError> {
        self.built_items = self.built_items.saturating_add(count);
        if self.built_items > MAX_BUILT_ITEMS {
            return Err(self.fail(
                node,
                format!(
                    "The expression built more than {MAX_BUILT_ITEMS} list items, the \
                     simulator's bound."
                ),
            ));
        }
        Ok(())
    }

    /// Charges `units` of work (items or bytes walked) to the budget.
    pub(crate) fn work(&mut self, node: &Node, units: usize) -> Result<(), ExpressionError> {
        self.work = self.work.saturating_add(units);
        if self.work > MAX_WORK {
            return Err(self.fail(
                node,
                format!(
                    "The expression walked more than {MAX_WORK} list items and characters, \
                     the simulator's bound."
                ),
            ));
        }
        Ok(())
    }

    pub(crate) fn step(&mut self, node: &Node) -> Result<(), ExpressionError> {
        self.complexity
            .step()
            .map_err(|limit| self.limit(node, limit))
    }

    pub(crate) fn evaluate(
        &mut self,
        node: &'a Node,
        scope: &Rc<Scope<'a>>,
    ) -> Result<Value<'a>, ExpressionError> {
        self.depth += 1;
        let result = if self.depth > MAX_EVALUATION_DEPTH {
            Err(self.fail(
                node,
                format!(
                    "The evaluation recursed deeper than {MAX_EVALUATION_DEPTH} levels, the \
                     simulator's bound."
                ),
            ))
        } else {
            self.step(node)
                .and_then(|()| self.evaluate_node(node, scope))
        };
        self.depth -= 1;
        result
    }

    fn evaluate_node(
        &mut self,
        node: &'a Node,
        scope: &Rc<Scope<'a>>,
    ) -> Result<Value<'a>, ExpressionError> {
        match &node.kind {
            Kind::Number(n) => Ok(Value::Number(*n)),
            Kind::String(s) => Ok(Value::string(s.as_str())),
            Kind::Bool(b) => Ok(Value::Bool(*b)),
            Kind::Null => Ok(Value::Null),
            Kind::Identifier(name) => self.variable(node, name, scope),
            Kind::List(items) => {
                let mut values = Vec::with_capacity(items.len());
                for item in items {
                    values.push(self.evaluate(item, scope)?);
                }
                self.build_items(node, values.len())?;
                Value::list(values).map_err(|e| self.too_deep(node, e))
            }
            Kind::Object(entries) => {
                let mut values: Vec<(String, Value<'a>)> = Vec::with_capacity(entries.len());
                for (key, item) in entries {
                    let value = self.evaluate(item, scope)?;
                    // A repeated key keeps its first place and its last value, as
                    // in JavaScript.
                    match values.iter_mut().find(|(k, _)| k == key) {
                        Some(slot) => slot.1 = value,
                        None => values.push((key.clone(), value)),
                    }
                }
                Value::map(values).map_err(|e| self.too_deep(node, e))
            }
            Kind::Member {
                object,
                property,
                optional,
            } => {
                let receiver = self.receiver(object, *optional, scope)?;
                self.member(node, object, &receiver, property, None)
            }
            Kind::Index {
                object,
                index,
                optional,
            } => {
                let receiver = self.receiver(object, *optional, scope)?;
                let key = self.evaluate(index, scope)?;
                self.index(node, object, index, &receiver, &key)
            }
            Kind::Call {
                callee,
                arguments,
                optional,
            } => self.call(node, callee, arguments, *optional, scope),
            Kind::New { class, arguments } => {
                let mut values = Vec::with_capacity(arguments.len());
                for argument in arguments {
                    values.push(self.evaluate(argument, scope)?);
                }
                self.construct(node, class, &values)
            }
            Kind::OptionalChain(chain) => match self.evaluate(chain, scope) {
                Err(ExpressionError::ShortCircuit) => Ok(Value::Null),
                other => other,
            },
            Kind::Template(parts) => {
                let mut text = String::new();
                for part in parts {
                    let value = self.evaluate(part, scope)?;
                    let piece = self.text_of(part, &value)?;
                    self.build_chars(node, piece.chars().count())?;
                    text.push_str(&piece);
                }
                Ok(Value::string(text))
            }
            Kind::Let { name, value, body } => {
                let value = self.evaluate(value, scope)?;
                let inner = Rc::new(Scope {
                    bindings: vec![(name.as_str(), value)],
                    parent: Some(Rc::clone(scope)),
                });
                self.evaluate(body, &inner)
            }
            Kind::Binary {
                operator: BinaryOperator::Coalesce,
                left,
                right,
            } => match self.evaluate(left, scope)? {
                Value::Null => self.evaluate(right, scope),
                left => Ok(left),
            },
            Kind::Unary { operator, operand } => {
                let value = self.evaluate(operand, scope)?;
                self.unary(node, *operator, &value)
            }
            Kind::Binary {
                operator: BinaryOperator::And,
                left,
                right,
            } => {
                let left = self.evaluate(left, scope)?;
                if left.truthy() {
                    self.evaluate(right, scope)
                } else {
                    Ok(left)
                }
            }
            Kind::Binary {
                operator: BinaryOperator::Or,
                left,
                right,
            } => {
                let left = self.evaluate(left, scope)?;
                if left.truthy() {
                    Ok(left)
                } else {
                    self.evaluate(right, scope)
                }
            }
            Kind::Binary {
                operator,
                left,
                right,
            } => {
                let left = self.evaluate(left, scope)?;
                let right = self.evaluate(right, scope)?;
                self.binary(node, *operator, &left, &right)
            }
            Kind::Conditional {
                test,
                then,
                otherwise,
            } => {
                if self.evaluate(test, scope)?.truthy() {
                    self.evaluate(then, scope)
                } else {
                    self.evaluate(otherwise, scope)
                }
            }
            Kind::Arrow { parameters, body } => {
                Value::function(parameters, body, node, Some(Rc::clone(scope)))
                    .map_err(|e| self.too_deep(node, e))
            }
        }
    }

    /// The value a link reads from: `object`'s, or, for an optional link
    /// (`?.`) when it is `null`, the signal that ends the chain.
    fn receiver(
        &mut self,
        object: &'a Node,
        optional: bool,
        scope: &Rc<Scope<'a>>,
    ) -> Result<Value<'a>, ExpressionError> {
        match self.evaluate(object, scope)? {
            Value::Null if optional => Err(ExpressionError::ShortCircuit),
            value => Ok(value),
        }
    }

    fn variable(
        &self,
        node: &Node,
        name: &str,
        scope: &Rc<Scope<'a>>,
    ) -> Result<Value<'a>, ExpressionError> {
        let mut level = Some(scope);
        while let Some(s) = level {
            if let Some((_, value)) = s.bindings.iter().rev().find(|(n, _)| *n == name) {
                return Ok(value.clone());
            }
            level = s.parent.as_ref();
        }
        if CONTEXT_VARIABLES.contains(&name) {
            return Ok(Value::Null);
        }
        if GLOBALS_NOT_MODELLED.contains(&name) {
            return Err(ExpressionError::not_modelled(
                format!("the global object `{name}`"),
                Some(node.source(self.text)),
            ));
        }
        Err(self.fail(node, format!("Unrecognized identifier: {name}.")))
    }

    /// `receiver.name` (or `receiver[…]` when `computed` holds the index's text).
    fn member(
        &mut self,
        node: &Node,
        object: &Node,
        receiver: &Value<'a>,
        name: &str,
        computed: Option<&str>,
    ) -> Result<Value<'a>, ExpressionError> {
        let of = object.source(self.text);
        let quoted = match computed {
            Some(index) => format!("\"{name}\" ({index})"),
            None => format!("\"{name}\""),
        };
        match receiver {
            Value::Null => Err(self.fail(
                node,
                format!("Cannot read property {quoted} of null (`{of}`)."),
            )),
            Value::List(list) if name == "length" => Ok(Value::Number(list.items.len() as f64)),
            Value::String(s) if name == "length" => {
                self.work(node, s.len())?;
                Ok(Value::Number(s.chars().count() as f64))
            }
            // A missing key reads as JavaScript's `undefined`, which JSON has
            // only as `null`.
            Value::Map(map) => Ok(map
                .items
                .iter()
                .find(|(k, _)| k == name)
                .map_or(Value::Null, |(_, v)| v.clone())),
            Value::Bean(bean) => match beans::member(self.site, &mut self.complexity, bean, name) {
                Ok(value) => Ok(value),
                Err(MemberError::Limit(limit)) => Err(self.limit(node, limit)),
                Err(MemberError::TooDeep(e)) => Err(self.too_deep(node, e)),
                Err(MemberError::NotModelledCase(what)) => Err(ExpressionError::not_modelled(
                    what,
                    Some(node.source(self.text)),
                )),
                Err(MemberError::NotModelled { type_name }) => Err(ExpressionError::not_modelled(
                    format!("the property `{name}` of type '{type_name}'"),
                    Some(node.source(self.text)),
                )),
                Err(MemberError::Unrecognized {
                    type_name,
                    available,
                }) => Err(self.fail(
                    node,
                    format!(
                        "Unrecognized property of `{of}`: {quoted}. Available properties \
                             of type '{type_name}' are: {}",
                        beans::available(available)
                    ),
                )),
            },
            other => Err(self.fail(
                node,
                format!(
                    "Unrecognized property of `{of}`: {quoted}. Type '{}' has no properties \
                     the simulator models but `length` of a List or String.",
                    other.type_name()
                ),
            )),
        }
    }

    fn index(
        &mut self,
        node: &Node,
        object: &Node,
        index_node: &Node,
        receiver: &Value<'a>,
        key: &Value<'a>,
    ) -> Result<Value<'a>, ExpressionError> {
        match (receiver, key) {
            (Value::List(list), Value::Number(n)) => Ok(position(*n)
                .and_then(|i| list.items.get(i))
                .cloned()
                .unwrap_or(Value::Null)),
            (Value::String(s), Value::Number(n)) => {
                self.work(node, s.len())?;
                Ok(position(*n)
                    .and_then(|i| s.chars().nth(i))
                    .map_or(Value::Null, |c| Value::string(c.to_string())))
            }
            (Value::Null, _) => Err(self.fail(
                node,
                format!(
                    "Cannot read an index of null (`{}`).",
                    object.source(self.text)
                ),
            )),
            (_, Value::String(name)) => {
                let computed = index_node.source(self.text).to_owned();
                let literal = matches!(index_node.kind, Kind::String(_));
                self.member(
                    node,
                    object,
                    receiver,
                    name,
                    (!literal).then_some(computed.as_str()),
                )
            }
            _ => Err(self.fail(
                node,
                format!(
                    "A {} cannot be indexed by a {}.",
                    receiver.type_name(),
                    key.type_name()
                ),
            )),
        }
    }

    fn call(
        &mut self,
        node: &'a Node,
        callee: &'a Node,
        arguments: &'a [Node],
        optional: bool,
        scope: &Rc<Scope<'a>>,
    ) -> Result<Value<'a>, ExpressionError> {
        let (receiver, method) = match &callee.kind {
            Kind::Member {
                object,
                property,
                optional: optional_member,
            } => (
                Some(self.receiver(object, *optional_member, scope)?),
                property.as_str(),
            ),
            _ => (None, ""),
        };
        let mut values = Vec::with_capacity(arguments.len());
        for argument in arguments {
            values.push(self.evaluate(argument, scope)?);
        }
        match receiver {
            Some(Value::List(list)) => list_methods::call(self, node, &list, method, &values),
            Some(Value::String(text)) => string_methods::call(self, node, &text, method, &values),
            Some(Value::Bean(bean)) => self.bean_method(node, &bean, method, &values),
            Some(Value::Null) => Err(self.fail(
                node,
                format!("Cannot call the method \"{method}\" of null."),
            )),
            Some(other) => Err(self.fail(
                node,
                format!(
                    "Unrecognized method of type '{}': \"{method}\".",
                    other.type_name()
                ),
            )),
            None => match self.evaluate(callee, scope)? {
                Value::Function(function) => self.apply(node, &function, values),
                Value::Null if optional => Err(ExpressionError::ShortCircuit),
                other => {
                    Err(self.fail(node, format!("A {} is not a function.", other.type_name())))
                }
            },
        }
    }

    /// Calls `function` with `arguments`: a parameter without an argument is
    /// `null`, an argument without a parameter is dropped, as in JavaScript.
    pub(crate) fn apply(
        &mut self,
        node: &Node,
        function: &Function<'a>,
        arguments: Vec<Value<'a>>,
    ) -> Result<Value<'a>, ExpressionError> {
        self.step(node)?;
        let mut arguments = arguments.into_iter();
        let bindings = function
            .parameters
            .iter()
            .map(|name| (name.as_str(), arguments.next().unwrap_or(Value::Null)))
            .collect();
        let scope = Rc::new(Scope {
            bindings,
            parent: function.scope.clone(),
        });
        self.evaluate(function.body, &scope)
    }
}

/// A list or string position from a number: whole and not negative.
pub(crate) fn position(n: f64) -> Option<usize> {
    (n >= 0.0 && n.fract() == 0.0 && n < usize::MAX as f64).then_some(n as usize)
}
