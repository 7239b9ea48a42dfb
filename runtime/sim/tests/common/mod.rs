//! Shared helpers for the simulator's integration tests.
//!
//! Most tests talk to the site as one seeded user: [`caller`] gives a [`Caller`]
//! whose `get`/`post`/`put`/`patch`/`delete` send with that user's basic auth and
//! read the whole answer into a [`Reply`], so a test states only what it asks and
//! what it expects.
#![allow(dead_code)]

pub mod hook_receiver;
pub mod oauth;
pub mod spec_snapshot;

use kiln_sim::{NOT_MODELLED, SIMULATOR_HEADER, SeedUser, SimConfig, SimUser, Simulator};
use reqwest::header::HeaderMap;
use reqwest::{Client, Method, RequestBuilder, Response, StatusCode};
use serde_json::Value;

pub const ADMIN: &str = "admin@example.com";
pub const USER: &str = "user@example.com";
pub const OUTSIDER: &str = "outsider@example.com";

pub async fn start() -> Simulator {
    start_with(SimConfig::default()).await
}

pub async fn start_with(config: SimConfig) -> Simulator {
    Simulator::start(config).await.expect("simulator starts")
}

/// `count` plain users for a seed that needs many (paging tests): `{name} {n}`,
/// `{name in lower case}{n}@example.com`, account ids ending in `-{tag}` so each
/// test's users are its own. No site admin; UTC.
pub fn many_users(count: usize, name: &str, tag: &str) -> impl Iterator<Item = SeedUser> {
    let email = name.to_lowercase();
    let (name, tag) = (name.to_owned(), tag.to_owned());
    (0..count).map(move |n| SeedUser {
        account_id: format!("712020:0000{n:04}-{tag}"),
        email: format!("{email}{n}@example.com"),
        display_name: format!("{name} {n}"),
        site_admin: false,
        time_zone: String::from("UTC"),
    })
}

/// A client that, like Kiln's host, never follows redirects and ignores proxies.
pub fn client() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .expect("client builds")
}

pub fn user<'a>(sim: &'a Simulator, email: &str) -> &'a SimUser {
    sim.user(email).expect("seeded user")
}

/// The account id of seeded user `email`.
pub fn account_id(sim: &Simulator, email: &str) -> String {
    user(sim, email).account_id.clone()
}

/// `/jsm/ops/api/{cloudId}/v1{rest}` on this site.
pub fn ops(sim: &Simulator, rest: &str) -> String {
    format!("/jsm/ops/api/{}/v1{rest}", sim.cloud_id())
}

/// A request to `path` on the site, as `email` with basic auth.
pub fn as_user(
    sim: &Simulator,
    method: reqwest::Method,
    email: &str,
    path: &str,
) -> RequestBuilder {
    let u = user(sim, email);
    client()
        .request(method, format!("{}{path}", sim.base_url()))
        .basic_auth(&u.email, Some(&u.api_token))
}

/// A `User` as `/myself` and `GET /user` render it, without what only those
/// two add (`groups`, `applicationRoles`, `expand`): the form the user
/// searches and lists give.
pub fn without_user_lists(user: &Value) -> Value {
    let mut user = user.clone();
    if let Some(object) = user.as_object_mut() {
        for key in ["groups", "applicationRoles", "expand"] {
            object.remove(key);
        }
    }
    user
}

pub async fn json(response: Response) -> Value {
    response.json().await.expect("JSON body")
}

/// An answer read in full. `body` is `Null` when the body is empty or not JSON;
/// `text` keeps the raw body for secret checks.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

/// Whether an answer carries the simulator's mark for an operation (or a part of one) it
/// does not model, its 501.
pub fn not_modelled(headers: &HeaderMap) -> bool {
    headers
        .get(SIMULATOR_HEADER)
        .is_some_and(|value| value == NOT_MODELLED)
}

impl Reply {
    /// Whether this answer is the simulator's mark for what it does not model ([`not_modelled`]).
    pub fn is_not_modelled(&self) -> bool {
        not_modelled(&self.headers)
    }

    /// The string at JSON pointer `pointer` (`/values/0/id`), which must exist.
    pub fn str_at(&self, pointer: &str) -> String {
        self.body
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no string at {pointer} in {}", self.body))
            .to_owned()
    }
}

/// Sends `request` and reads the whole answer.
pub async fn send(request: RequestBuilder) -> Reply {
    let response = request.send().await.expect("request sent");
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body read");
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        body,
        text,
    }
}

/// Requests as one seeded user, with basic auth.
pub struct Caller<'a> {
    sim: &'a Simulator,
    email: &'a str,
}

/// Acts as seeded user `email` on `sim`.
pub fn caller<'a>(sim: &'a Simulator, email: &'a str) -> Caller<'a> {
    Caller { sim, email }
}

impl Caller<'_> {
    /// A request builder for anything the verbs below do not cover.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        as_user(self.sim, method, self.email, path)
    }

    pub async fn get(&self, path: &str) -> Reply {
        send(self.request(Method::GET, path)).await
    }

    pub async fn get_with(&self, path: &str, query: &[(&str, &str)]) -> Reply {
        send(self.request(Method::GET, path).query(query)).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        send(self.request(Method::POST, path).json(body)).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Reply {
        send(self.request(Method::PUT, path).json(body)).await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Reply {
        send(self.request(Method::PATCH, path).json(body)).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        send(self.request(Method::DELETE, path)).await
    }

    /// An upload of `parts` to issue `issue`'s attachments (under `api`,
    /// `/rest/api/3` or `/rest/api/2`), as Jira wants it: `multipart/form-data`
    /// with `X-Atlassian-Token: no-check`.
    pub fn upload(&self, api: &str, issue: &str, parts: &[FormPart<'_>]) -> RequestBuilder {
        self.request(Method::POST, &format!("{api}/issue/{issue}/attachments"))
            .header("X-Atlassian-Token", "no-check")
            .header(reqwest::header::CONTENT_TYPE, MULTIPART_CONTENT_TYPE)
            .body(multipart(parts))
    }
}

/// The boundary of [`multipart`] bodies; no test file contains it.
pub const FORM_BOUNDARY: &str = "kiln-test-boundary-7d1f0c52";

/// The `Content-Type` of a [`multipart`] body.
pub const MULTIPART_CONTENT_TYPE: &str =
    "multipart/form-data; boundary=kiln-test-boundary-7d1f0c52";

/// One part of a `multipart/form-data` body.
#[derive(Debug, Clone, Copy)]
pub struct FormPart<'a> {
    pub name: &'a str,
    pub filename: Option<&'a str>,
    pub content_type: Option<&'a str>,
    pub bytes: &'a [u8],
}

impl<'a> FormPart<'a> {
    /// A file in the part Jira reads files from (`file`).
    pub fn file(filename: &'a str, content_type: Option<&'a str>, bytes: &'a [u8]) -> Self {
        Self {
            name: "file",
            filename: Some(filename),
            content_type,
            bytes,
        }
    }
}

/// A `multipart/form-data` body (RFC 7578) with [`FORM_BOUNDARY`], written by hand
/// so a test controls every byte the simulator parses.
pub fn multipart(parts: &[FormPart<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    for part in parts {
        out.extend_from_slice(format!("--{FORM_BOUNDARY}\r\n").as_bytes());
        let mut disposition = format!("Content-Disposition: form-data; name=\"{}\"", part.name);
        if let Some(filename) = part.filename {
            disposition.push_str(&format!("; filename=\"{filename}\""));
        }
        out.extend_from_slice(disposition.as_bytes());
        out.extend_from_slice(b"\r\n");
        if let Some(content_type) = part.content_type {
            out.extend_from_slice(format!("Content-Type: {content_type}\r\n").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(part.bytes);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{FORM_BOUNDARY}--\r\n").as_bytes());
    out
}

/// Asserts no seeded token appears in `text`: the simulator never echoes secrets.
pub fn assert_no_secret(sim: &Simulator, text: &str) {
    for u in sim.users() {
        assert!(
            !text.contains(&u.api_token),
            "response echoes {}'s API token",
            u.email
        );
    }
}

/// Puts the field on the Default Screen as the admin (`POST
/// /screens/addToDefault/{fieldId}`), so that issues can be created and edited
/// with it: a field made with `POST /field` is on no screen.
pub async fn put_on_default_screen(sim: &Simulator, field_id: &str) {
    let reply = caller(sim, ADMIN)
        .post(
            &format!("/rest/api/3/screens/addToDefault/{field_id}"),
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(reply.status, reqwest::StatusCode::OK, "{}", reply.text);
}
