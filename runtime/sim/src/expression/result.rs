//! The value of an expression as the JSON of the answer's `value`, counting
//! Jira's beans and primitive values as it goes.

use serde_json::{Map, Value as Json, json};

use super::ast::Node;
use super::dates;
use super::error::ExpressionError;
use super::eval::Evaluator;
use super::value::{Bean, Value};
use crate::platform::fields::FieldSelection;
use crate::platform::render;
use crate::software::shape;

/// `value` as JSON. A Jira object becomes the REST API's representation of it,
/// as the simulator renders it elsewhere; a function, which JSON cannot hold,
/// becomes its text (the spec: "a simple string representation"). A number
/// JSON cannot hold (`NaN`, `Infinity`) becomes `null`, as `JSON.stringify`
/// writes it.
pub(crate) fn to_json(
    ev: &mut Evaluator<'_, '_>,
    root: &Node,
    links: &str,
    value: &Value<'_>,
) -> Result<Json, ExpressionError> {
    let primitive = |ev: &mut Evaluator<'_, '_>, json: Json| {
        ev.complexity
            .primitive()
            .map(|()| json)
            .map_err(|limit| ev.limit(root, limit))
    };
    match value {
        Value::Null => primitive(ev, Json::Null),
        Value::Bool(b) => primitive(ev, json!(b)),
        Value::Number(n) => primitive(ev, number(*n)),
        Value::String(s) => primitive(ev, json!(&**s)),
        Value::Function(f) => {
            let text = f.node.source(ev.text).to_owned();
            primitive(ev, json!(text))
        }
        Value::List(list) => {
            let mut out = Vec::with_capacity(list.items.len());
            for item in &list.items {
                out.push(to_json(ev, root, links, item)?);
            }
            Ok(Json::Array(out))
        }
        Value::Map(map) => {
            let mut out = Map::new();
            for (key, item) in &map.items {
                out.insert(key.clone(), to_json(ev, root, links, item)?);
            }
            Ok(Json::Object(out))
        }
        Value::Bean(bean) => match &**bean {
            // As Jira's REST API writes them, which is how Jira returns a date
            // from an expression.
            Bean::Date(at) => primitive(ev, json!(dates::rest_text(*at))),
            Bean::CalendarDate(day) => primitive(ev, json!(dates::calendar_text(*day))),
            other => {
                ev.complexity
                    .bean()
                    .map_err(|limit| ev.limit(root, limit))?;
                Ok(render_bean(ev, links, other))
            }
        },
    }
}

/// An integer as a JSON integer (`3`, not `3.0`), as JavaScript prints it.
fn number(n: f64) -> Json {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if n.fract() == 0.0 && n.abs() < EXACT {
        json!(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(Json::Null, Json::Number)
    }
}

fn render_bean(ev: &Evaluator<'_, '_>, links: &str, bean: &Bean) -> Json {
    let world = ev.site.world;
    match bean {
        Bean::Issue(id) => ev.site.issue(*id).map_or(Json::Null, |issue| {
            render::issue(
                links,
                world,
                issue,
                &FieldSelection::all(),
                Some(ev.site.account_id),
            )
        }),
        Bean::User(account_id) => world
            .user(account_id)
            .map_or(Json::Null, |user| render::user_details(links, user)),
        Bean::Project(key) => world.project(key).map_or(Json::Null, |project| {
            render::project_summary(links, project)
        }),
        Bean::Status(status) => render::status(links, status),
        Bean::StatusCategory(category) => render::status_category(links, category),
        Bean::IssueType(issue_type) => render::issue_type(links, issue_type),
        Bean::Priority(priority) => render::priority(links, priority),
        Bean::Resolution(resolution) => render::resolution(links, resolution),
        // As the issue's `issuelinks` field shows it.
        Bean::IssueLink { link, issue } => ev
            .site
            .issue_link(*link, *issue)
            .map_or(Json::Null, |(record, other)| {
                crate::platform::issue_link::entry(links, record, *issue, other)
            }),
        Bean::IssueLinkType(link_type) => {
            crate::platform::issue_link::render_type(links, link_type)
        }
        Bean::Comment { issue, comment } => ev
            .site
            .issue(*issue)
            .and_then(|i| i.comments.iter().find(|c| c.id == *comment).map(|c| (i, c)))
            .map_or(Json::Null, |(i, c)| render::comment(links, world, i, c)),
        Bean::RichText(document) => (**document).clone(),
        Bean::Date(at) => json!(dates::rest_text(*at)),
        Bean::CalendarDate(day) => json!(dates::calendar_text(*day)),
        // The issue's properties, key → value, as `GET /issue/{key}?properties=*all`
        // gives them.
        // As the agile API answers them (`GET /board/{id}`, `GET /sprint/{id}`).
        Bean::Board(id) => ev
            .site
            .board(*id)
            .map_or(Json::Null, |board| shape::board(links, world, board)),
        Bean::Sprint(id) => ev
            .site
            .sprint(*id)
            .map_or(Json::Null, |sprint| shape::sprint(links, sprint)),
        Bean::Properties(issue) => ev.site.issue(*issue).map_or(Json::Null, |record| {
            Json::Object(
                record
                    .properties
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            )
        }),
    }
}
