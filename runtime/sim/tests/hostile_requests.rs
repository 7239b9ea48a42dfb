//! Every operation the simulator models, under hostile requests: odd path parameters, query
//! values at their edges, and bodies of every JSON shape. Each answer must be a client error,
//! a success or the simulator's 501 for what it does not model; never a 500, and never a
//! dropped connection (a handler's panic), and the site answers afterwards.
//!
//! An app reaches the embedded simulator through `request-jira` with whatever it likes, and
//! the simulator runs in the host's process. The operations come from Atlassian's specs
//! ([`spec_operations`]), so a route added to the simulator is swept without this test
//! changing. The requests are drawn from a seeded generator, so a failure reproduces; set
//! `KILN_SIM_HOSTILE_ROUNDS` to send more per operation than CI's share.

use crate::common;

use common::{ADMIN, USER, as_user, caller, not_modelled, start};
use kiln_sim::spec_operations;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Requests per modelled operation in CI.
const ROUNDS: usize = 6;

/// What a path parameter is filled with: plausible ids and keys, and their edges.
const PARAMETERS: &[&str] = &[
    "1",
    "10000",
    "KILN-1",
    "KILN",
    "0",
    "-1",
    "99999999999999999999999",
    "1.5",
    "null",
    "%25",
    "%2e%2e",
    "%C3%A9",
    "a%20b",
    "_",
    "~",
    "5b10ac8d82e05b22cc7d4a11",
];

/// Query parameters operations take, at their edges.
const QUERIES: &[(&str, &str)] = &[
    ("startAt", "-1"),
    ("startAt", "99999999999999999999"),
    ("maxResults", "0"),
    ("maxResults", "100000000"),
    ("maxResults", "x"),
    ("expand", "*"),
    (
        "expand",
        "names,schema,renderedFields,changelog,operations,transitions,versionedRepresentations,editmeta",
    ),
    ("fields", "*all,-summary,nope"),
    ("jql", "project = KILN ORDER BY nope"),
    ("jql", "((((((((((((((("),
    ("query", "%"),
    ("accountId", ""),
    ("properties", "*all"),
    ("id", "-1"),
    ("projectIdOrKey", "KILN"),
    ("orderBy", "-nope"),
    ("status", "live"),
    ("validateQuery", "strict"),
    ("includeInactive", "maybe"),
];

/// Names a body's objects take: the fields Jira's operations read, and strangers.
const KEYS: &[&str] = &[
    "fields",
    "update",
    "summary",
    "project",
    "issuetype",
    "key",
    "id",
    "name",
    "values",
    "value",
    "jql",
    "expand",
    "startAt",
    "maxResults",
    "accountId",
    "accountIds",
    "issueIds",
    "issues",
    "properties",
    "body",
    "type",
    "content",
    "text",
    "transition",
    "self",
    "description",
    "labels",
    "set",
    "add",
    "remove",
    "expression",
    "context",
    "url",
    "events",
    "filters",
    "webhooks",
    "emailAddress",
    "permissions",
    "schemeId",
    "options",
    "__proto__",
    "",
];

/// A small seeded generator (xorshift64*): the sweep is the same on every run.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n.max(1) as u64).unwrap_or(0)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A JSON value of any shape, `depth` levels at most.
    fn value(&mut self, depth: usize) -> Value {
        let leaf = depth == 0;
        match self.below(if leaf { 8 } else { 11 }) {
            0 => Value::Null,
            1 => json!(true),
            2 => json!(-1),
            3 => json!(1e308),
            4 => json!(9_007_199_254_740_993_u64),
            5 => json!(""),
            6 => json!(*self.pick(PARAMETERS)),
            7 => json!("x".repeat(self.below(3) * 5000)),
            8 | 9 => {
                let mut object = serde_json::Map::new();
                for _ in 0..self.below(5) {
                    let key = (*self.pick(KEYS)).to_owned();
                    object.insert(key, self.value(depth - 1));
                }
                Value::Object(object)
            }
            _ => Value::Array((0..self.below(4)).map(|_| self.value(depth - 1)).collect()),
        }
    }

    /// A body's text: a value of any shape, or (one in eight) one nested far deeper than
    /// any Jira body, which the simulator must refuse without recursing on it (written as
    /// text: the test's own serializer would recurse too).
    fn body(&mut self) -> String {
        if self.below(8) == 0 {
            let depth = self.below(2000);
            return format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
        }
        self.value(4).to_string()
    }

    /// `template` with each `{parameter}` filled.
    fn path(&mut self, template: &str, cloud_id: &str) -> String {
        let mut out = String::new();
        let mut rest = template;
        while let Some((before, after)) = rest.split_once('{') {
            out.push_str(before);
            let Some((name, after)) = after.split_once('}') else {
                break;
            };
            let value: &str = if name == "cloudId" {
                cloud_id
            } else {
                self.pick::<&str>(PARAMETERS)
            };
            out.push_str(value);
            rest = after;
        }
        out.push_str(rest);
        out
    }
}

fn rounds() -> usize {
    std::env::var("KILN_SIM_HOSTILE_ROUNDS")
        .ok()
        .and_then(|rounds| rounds.parse().ok())
        .unwrap_or(ROUNDS)
}

#[tokio::test]
async fn no_hostile_request_gets_a_server_error() {
    let sim = start().await;
    let mut draw = Draw(0x9E37_79B9_7F4A_7C15);
    let mut failures = Vec::new();
    let mut swept = 0_usize;
    let mut statuses = std::collections::BTreeMap::new();
    for operation in spec_operations() {
        let Ok(method) = operation.method.parse::<Method>() else {
            continue;
        };
        for _ in 0..rounds() {
            let path = draw.path(operation.template, sim.cloud_id());
            let mut request = as_user(&sim, method.clone(), ADMIN, &path);
            for _ in 0..draw.below(3) {
                let (name, value) = draw.pick(QUERIES);
                request = request.query(&[(name, value)]);
            }
            if method != Method::GET && method != Method::DELETE || draw.below(4) == 0 {
                request = request
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(draw.body());
            }
            let described = format!("{} {path}", operation.method);
            let reply = match request.send().await {
                Ok(reply) => reply,
                Err(error) => {
                    failures.push(format!("{described}: no answer ({error})"));
                    continue;
                }
            };
            let status = reply.status();
            let marked = not_modelled(reply.headers());
            let text = reply.text().await.unwrap_or_default();
            if marked {
                // The simulator does not model this operation at all: no more rounds.
                break;
            }
            swept += 1;
            *statuses.entry(status.as_u16()).or_insert(0_usize) += 1;
            if status.is_server_error() && status != StatusCode::NOT_IMPLEMENTED {
                let text: String = text.chars().take(300).collect();
                failures.push(format!("{described}: {status} {text}"));
            }
        }
    }
    // Whatever the sweep did to the site (it may have deleted the very user it acted as),
    // the site still answers another.
    let other = caller(&sim, USER).get("/rest/api/3/myself").await;
    if other.status != StatusCode::OK {
        failures.push(format!(
            "after the sweep, /myself: {} {}",
            other.status, other.text
        ));
    }
    sim.shutdown().await;
    // Printed with `--nocapture`: what the sweep reached.
    eprintln!("{swept} requests to modelled operations; answers by status: {statuses:?}");
    assert!(
        swept > 1_000,
        "only {swept} requests reached a modelled operation"
    );
    assert!(
        failures.is_empty(),
        "{} of {swept} hostile requests got a server error or no answer:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
