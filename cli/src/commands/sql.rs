//! `runtime sql`: one statement on an app's Forge SQL database, as the app's own `@forge/sql`
//! sends it, for a developer to look at (or fix) what `runtime run` left there, as `runtime
//! storage` does for key-value storage.
//!
//! The statement runs through the app's own engine (`kiln_state::forge_sql`): the same MySQL,
//! refusals and limits, on the installation's own file beside the state file. The answer is
//! printed as `@forge/sql` receives it (`{"rows": …}`, row keys in the select list's order), on
//! one line, with the characters a terminal would obey written as `\u` escapes: the values are
//! the app's.

use std::io::Read as _;
use std::sync::Arc;

use anyhow::anyhow;
use kiln_runtime::guest_text::{GuestText, needs_escape};
use kiln_state::forge_sql::{Endpoint, ForgeSqlLimits, ForgeSqlStore};
use serde_json::Value as Json;

use super::exit::{Exit, Failure};
use super::storage::Where;

/// Exit codes of `sql`, in its help.
pub const SQL_EXIT_CODES: &str = "\
Exit codes of sql:
  0  the statement ran; its answer is on stdout
  1  the database refused it (Forge's error code and MySQL's number on stderr)
  2  bad input: the app, the parameters, or no database yet for a data statement
  4  environment: the state folder could not be used";

#[derive(clap::Args, Debug)]
#[command(after_help = SQL_EXIT_CODES)]
pub struct SqlArgs {
    #[command(flatten)]
    at: Where,
    /// The statement, in MySQL as the app writes it; read from stdin when omitted.
    query: Option<String>,
    /// Values for the statement's `?` placeholders, a JSON array.
    #[arg(long, value_name = "JSON", default_value = "[]")]
    params: String,
    /// Send it as `sql.executeDDL` does: schema statements, several in one script. Only a schema
    /// statement creates the database of an app that has none yet.
    #[arg(long)]
    schema: bool,
}

pub async fn run(args: SqlArgs) -> Result<Exit, Failure> {
    let (state_file, installation) = args.at.installation()?;
    let query = match args.query {
        Some(query) => query,
        None => {
            let mut query = String::new();
            std::io::stdin()
                .read_to_string(&mut query)
                .map_err(|error| Failure::bad_input(anyhow!("cannot read stdin: {error}")))?;
            query
        }
    };
    let params: Vec<Json> = serde_json::from_str(&args.params)
        .map_err(|error| Failure::bad_input(anyhow!("--params is not a JSON array: {error}")))?;
    let store = Arc::new(ForgeSqlStore::beside_state_file(
        &state_file,
        ForgeSqlLimits::default(),
    ));
    // A typo in the app's name must not leave a database behind: a data statement runs only on
    // one that exists.
    if !args.schema
        && store
            .path_for(&installation)
            .is_some_and(|path| !path.exists())
    {
        return Err(Failure::bad_input(anyhow!(
            "app {} has no Forge SQL database in {} yet: run the app first, or create tables \
             with --schema",
            GuestText(installation.app_id()),
            state_file.display()
        )));
    }
    let endpoint = if args.schema {
        Endpoint::Schema
    } else {
        Endpoint::Data
    };
    match store.execute(&installation, endpoint, query, params).await {
        Ok(answer) => {
            println!("{}", terminal_safe(&answer));
            Ok(Exit::Success)
        }
        Err(refused) => {
            // The message quotes the statement and its values: the app's text.
            eprintln!("error: {}", GuestText(&refused.to_string()));
            Ok(Exit::AppError)
        }
    }
}

/// JSON text with every character a terminal would obey written as a `\u` escape. Such
/// characters are never JSON's own punctuation, so they sit inside strings, where the escape
/// means the same character: the document is unchanged, and its key order kept.
fn terminal_safe(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if needs_escape(c) {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_keep_the_document() {
        let answer = "{\"rows\":[{\"b\":\"\u{202e}x\u{9b}\",\"a\":1}]}";
        let safe = terminal_safe(answer);
        assert!(safe.is_ascii(), "{safe}");
        assert!(
            safe.find("\"b\"") < safe.find("\"a\""),
            "order kept: {safe}"
        );
        let parsed: Json = serde_json::from_str(&safe).expect("still JSON");
        assert_eq!(parsed["rows"][0]["b"], "\u{202e}x\u{9b}");
    }
}
