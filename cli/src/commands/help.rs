//! The text after `runtime --help`: the first steps a newcomer asks about,
//! then the exit codes scripts rely on.

use super::exit::EXIT_CODES_HELP;

/// Getting started, in the order a new user goes.
const GETTING_STARTED: &str = "\
Getting started (no Jira site or account needed: apps run on an embedded Jira simulator):
  runtime new my-app                 create an app folder (templates: hello, issue-triage,
                                     jsm-oncall, forge-js: a Forge-style JavaScript app)
  runtime run my-app                 build it and run it; the JSON result goes to stdout
  runtime run my-app -p '{\"issue\":\"KILN-2\"}'   pass a payload
  runtime lint my-app                check it declares only the scopes it uses
  runtime build my-app               write my-app/my-app.wasm
  runtime inspect my-app/my-app.wasm what an administrator reviews before trusting it

A real site: add --site https://your-domain.atlassian.net with JIRA_EMAIL and JIRA_API_TOKEN set.
Guides: docs/writing-apps.md and docs/manifest-reference.md. Each command has --help.";

/// `GETTING_STARTED` and the exit codes.
pub fn after_help() -> String {
    format!("{GETTING_STARTED}\n\n{EXIT_CODES_HELP}")
}
