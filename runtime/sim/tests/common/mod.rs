//! Shared helpers for the simulator's integration tests.
#![allow(dead_code)]

use kiln_sim::{SimConfig, SimUser, Simulator};
use reqwest::{Client, RequestBuilder, Response};
use serde_json::Value;

pub const ADMIN: &str = "admin@example.com";
pub const USER: &str = "user@example.com";
pub const OUTSIDER: &str = "outsider@example.com";

pub async fn start() -> Simulator {
    Simulator::start(SimConfig::default())
        .await
        .expect("simulator starts")
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

pub async fn json(response: Response) -> Value {
    response.json().await.expect("JSON body")
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
