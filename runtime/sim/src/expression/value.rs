//! What an expression evaluates to: JavaScript's values (numbers are `f64`, as in
//! JavaScript) and Jira's objects ([`Bean`]), read lazily from the site.

use std::rc::Rc;

use time::OffsetDateTime;

use super::ast::Node;
use super::limits::MAX_VALUE_DEPTH;
use crate::world::Priority;
use crate::world::issue_link::IssueLinkType;
use crate::world::resolution::Resolution;
use crate::world::workflow::{IssueType, Status, StatusCategory};

#[derive(Debug, Clone)]
pub(crate) enum Value<'a> {
    Null,
    Bool(bool),
    Number(f64),
    String(Rc<str>),
    List(Rc<Composite<Vec<Value<'a>>>>),
    /// An object literal's entries, in the order written.
    Map(Rc<Composite<Vec<(String, Value<'a>)>>>),
    Function(Rc<Function<'a>>),
    Bean(Rc<Bean>),
}

/// A list or map, how deeply values nest inside it, so that building one
/// deeper than [`MAX_VALUE_DEPTH`] is refused (comparing, converting and
/// dropping a value recurse once per level), and its [`Value::size`].
#[derive(Debug)]
pub(crate) struct Composite<T> {
    pub(crate) items: T,
    pub(crate) depth: usize,
    pub(crate) size: usize,
}

/// An arrow function and the variables it closed over.
#[derive(Debug)]
pub(crate) struct Function<'a> {
    pub(crate) parameters: &'a [String],
    pub(crate) body: &'a Node,
    /// The whole arrow, for its text.
    pub(crate) node: &'a Node,
    pub(crate) scope: Option<Rc<Scope<'a>>>,
    pub(crate) depth: usize,
}

/// One level of variables: a function call's parameters, in a chain up to the
/// context variables.
#[derive(Debug)]
pub(crate) struct Scope<'a> {
    pub(crate) bindings: Vec<(&'a str, Value<'a>)>,
    pub(crate) parent: Option<Rc<Scope<'a>>>,
}

/// A Jira object, by what identifies it on the site: its members are read when
/// the expression reads them (`beans.rs`), under the caller's permissions.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Bean {
    Issue(u64),
    /// By account id.
    User(String),
    /// By key.
    Project(String),
    Status(Status),
    StatusCategory(StatusCategory),
    IssueType(IssueType),
    Priority(&'static Priority),
    Resolution(&'static Resolution),
    /// The link with id `link`, as the issue with id `issue` sees it.
    IssueLink {
        link: u64,
        issue: u64,
    },
    IssueLinkType(&'static IssueLinkType),
    Comment {
        issue: u64,
        comment: u64,
    },
    /// An ADF document (a description, a comment's body).
    RichText(Rc<serde_json::Value>),
    Date(OffsetDateTime),
    /// A day in the calendar, without a time or a zone (`issue.dueDate`,
    /// `date.toCalendarDate()`, `new CalendarDate('2026-01-31')`).
    CalendarDate(time::Date),
    /// The entity properties of the issue with this id.
    Properties(u64),
    /// A Jira Software board, by id.
    Board(u64),
    /// A Jira Software sprint, by id.
    Sprint(u64),
}

impl Bean {
    /// The type's name in Jira's type reference, as `typeof` and errors give it.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Self::Issue(_) => "Issue",
            Self::User(_) => "User",
            Self::Project(_) => "Project",
            Self::Status(_) => "IssueStatus",
            Self::StatusCategory(_) => "StatusCategory",
            Self::IssueType(_) => "IssueType",
            Self::Priority(_) => "IssuePriority",
            Self::Resolution(_) => "Resolution",
            Self::IssueLink { .. } => "IssueLink",
            Self::IssueLinkType(_) => "IssueLinkType",
            Self::Comment { .. } => "Comment",
            Self::RichText(_) => "RichText",
            Self::Date(_) => "Date",
            Self::CalendarDate(_) => "CalendarDate",
            Self::Properties(_) => "EntityProperties",
            Self::Board(_) => "Board",
            Self::Sprint(_) => "Sprint",
        }
    }
}

/// A value nested deeper than [`MAX_VALUE_DEPTH`] was about to be built.
#[derive(Debug)]
pub(crate) struct TooDeep;

impl<'a> Value<'a> {
    pub(crate) fn string(text: impl Into<Rc<str>>) -> Self {
        Self::String(text.into())
    }

    pub(crate) fn bean(bean: Bean) -> Self {
        Self::Bean(Rc::new(bean))
    }

    /// A JSON value (an entity property's) as an expression value: objects become
    /// maps, arrays lists. `depth` is how deep this value sits in the one being
    /// converted, so a document nested deeper than [`MAX_VALUE_DEPTH`] is refused
    /// before the recursion goes further.
    pub(crate) fn from_json(json: &serde_json::Value, depth: usize) -> Result<Self, TooDeep> {
        use serde_json::Value as Json;
        if depth >= MAX_VALUE_DEPTH {
            return Err(TooDeep);
        }
        Ok(match json {
            Json::Null => Self::Null,
            Json::Bool(b) => Self::Bool(*b),
            Json::Number(n) => n.as_f64().map_or(Self::Null, Self::Number),
            Json::String(s) => Self::string(s.as_str()),
            Json::Array(items) => Self::list(
                items
                    .iter()
                    .map(|item| Self::from_json(item, depth + 1))
                    .collect::<Result<_, _>>()?,
            )?,
            Json::Object(entries) => Self::map(
                entries
                    .iter()
                    .map(|(k, v)| Ok((k.clone(), Self::from_json(v, depth + 1)?)))
                    .collect::<Result<_, TooDeep>>()?,
            )?,
        })
    }

    /// A bound on the work of walking this value: a string's bytes, a list's or
    /// map's items plus their sizes. Comparing two values walks at most the
    /// smaller one, which is what `==` and `includes` charge
    /// ([`super::limits::MAX_WORK`]).
    pub(crate) fn size(&self) -> usize {
        match self {
            Self::String(s) => s.len(),
            Self::List(list) => list.size,
            Self::Map(map) => map.size,
            _ => 1,
        }
    }

    /// How deeply values nest inside this one (0 for a primitive).
    pub(crate) fn depth(&self) -> usize {
        match self {
            Self::List(list) => list.depth,
            Self::Map(map) => map.depth,
            Self::Function(function) => function.depth,
            _ => 0,
        }
    }

    pub(crate) fn list(items: Vec<Value<'a>>) -> Result<Self, TooDeep> {
        let depth = 1 + items.iter().map(Value::depth).max().unwrap_or(0);
        if depth > MAX_VALUE_DEPTH {
            return Err(TooDeep);
        }
        let size = items
            .iter()
            .fold(items.len(), |sum, item| sum.saturating_add(item.size()));
        Ok(Self::List(Rc::new(Composite { items, depth, size })))
    }

    pub(crate) fn map(entries: Vec<(String, Value<'a>)>) -> Result<Self, TooDeep> {
        let depth = 1 + entries.iter().map(|(_, v)| v.depth()).max().unwrap_or(0);
        if depth > MAX_VALUE_DEPTH {
            return Err(TooDeep);
        }
        let size = entries.iter().fold(entries.len(), |sum, (key, value)| {
            sum.saturating_add(key.len()).saturating_add(value.size())
        });
        Ok(Self::Map(Rc::new(Composite {
            items: entries,
            depth,
            size,
        })))
    }

    /// A function closing over `scope`: as deep as the deepest value it can
    /// reach, plus one.
    pub(crate) fn function(
        parameters: &'a [String],
        body: &'a Node,
        node: &'a Node,
        scope: Option<Rc<Scope<'a>>>,
    ) -> Result<Self, TooDeep> {
        let mut deepest = 0;
        let mut level = scope.as_deref();
        while let Some(s) = level {
            deepest = s
                .bindings
                .iter()
                .map(|(_, v)| v.depth())
                .fold(deepest, usize::max);
            level = s.parent.as_deref();
        }
        let depth = deepest + 1;
        if depth > MAX_VALUE_DEPTH {
            return Err(TooDeep);
        }
        Ok(Self::Function(Rc::new(Function {
            parameters,
            body,
            node,
            scope,
            depth,
        })))
    }

    /// The type's name, as `typeof` gives it (Jira's names: `Number`, `String`,
    /// `List`, `Map`, `Issue`, …).
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Self::Null => "Null",
            Self::Bool(_) => "Boolean",
            Self::Number(_) => "Number",
            Self::String(_) => "String",
            Self::List(_) => "List",
            Self::Map(_) => "Map",
            Self::Function(_) => "Function",
            Self::Bean(bean) => bean.type_name(),
        }
    }

    /// JavaScript's truthiness.
    pub(crate) fn truthy(&self) -> bool {
        match self {
            Self::Null => false,
            Self::Bool(b) => *b,
            Self::Number(n) => *n != 0.0 && !n.is_nan(),
            Self::String(s) => !s.is_empty(),
            Self::List(_) | Self::Map(_) | Self::Function(_) | Self::Bean(_) => true,
        }
    }

    /// Structural equality for primitives, lists and maps; Jira objects are equal
    /// when they are the same object. Recursion is bounded by
    /// [`MAX_VALUE_DEPTH`].
    pub(crate) fn equals(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Null, Self::Null) => true,
            (Self::Bool(a), Self::Bool(b)) => a == b,
            (Self::Number(a), Self::Number(b)) => a == b,
            (Self::String(a), Self::String(b)) => a == b,
            (Self::List(a), Self::List(b)) => {
                a.items.len() == b.items.len()
                    && a.items.iter().zip(&b.items).all(|(x, y)| x.equals(y))
            }
            (Self::Map(a), Self::Map(b)) => {
                a.items.len() == b.items.len()
                    && a.items.iter().all(|(key, x)| {
                        b.items
                            .iter()
                            .find(|(k, _)| k == key)
                            .is_some_and(|(_, y)| x.equals(y))
                    })
            }
            (Self::Function(a), Self::Function(b)) => Rc::ptr_eq(a, b),
            (Self::Bean(a), Self::Bean(b)) => a == b,
            _ => false,
        }
    }
}

/// A number as JavaScript writes it: integers without a fraction, `NaN`,
/// `Infinity`.
pub(crate) fn number_text(n: f64) -> String {
    if n.is_nan() {
        String::from("NaN")
    } else if n.is_infinite() {
        String::from(if n > 0.0 { "Infinity" } else { "-Infinity" })
    } else if n == n.trunc() && n.abs() < 1e21 {
        format!("{n:.0}")
    } else {
        format!("{n}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_javascript_writes_them() {
        assert_eq!(number_text(3.0), "3");
        assert_eq!(number_text(-0.0), "-0");
        assert_eq!(number_text(2.5), "2.5");
        assert_eq!(number_text(f64::NAN), "NaN");
        assert_eq!(number_text(f64::NEG_INFINITY), "-Infinity");
    }

    #[test]
    fn nesting_beyond_the_bound_is_refused() {
        let mut value = Value::Null;
        for _ in 0..MAX_VALUE_DEPTH {
            value = Value::list(vec![value]).expect("within the bound");
        }
        assert!(Value::list(vec![value.clone()]).is_err());
        assert!(Value::map(vec![(String::from("k"), value)]).is_err());
    }

    #[test]
    fn equality_is_structural_for_data_and_by_identity_for_objects() {
        let list = |items| Value::list(items).expect("list");
        assert!(
            list(vec![Value::Number(1.0), Value::string("a")])
                .equals(&list(vec![Value::Number(1.0), Value::string("a")]))
        );
        assert!(!Value::Number(1.0).equals(&Value::string("1")));
        assert!(!Value::Number(f64::NAN).equals(&Value::Number(f64::NAN)));
        assert!(Value::bean(Bean::Issue(1)).equals(&Value::bean(Bean::Issue(1))));
        assert!(!Value::bean(Bean::Issue(1)).equals(&Value::bean(Bean::Issue(2))));
    }
}
