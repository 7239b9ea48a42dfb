//! `runtime run`: load an app, invoke one function, print its JSON result.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context as _, anyhow};
use kiln_runtime::invoke::InvocationFailure;
use kiln_runtime::sandbox::guest_log::LogLine;
use kiln_runtime::{AuditSink, FileAudit, HttpLimits, Invocation, LoadError, NoAudit, Runtime, RuntimeOptions};

use super::app_source;
use super::exit::{Exit, Failure};
use super::site_setup::SiteArgs;

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// The app: a `.wasm` component, or an app folder (a Cargo project with manifest.yml), built first.
    app: PathBuf,
    /// The manifest function key to run (default: the only function).
    #[arg(long, short = 'f', value_name = "KEY")]
    function: Option<String>,
    /// The JSON payload, or @FILE to read it from a file.
    #[arg(long, short = 'p', value_name = "JSON|@FILE", default_value = "{}")]
    payload: String,
    /// The manifest (default: manifest.yml next to the app).
    #[arg(long, value_name = "PATH")]
    manifest: Option<PathBuf>,
    /// Append one JSON line per request-jira call to this file (no credentials, no bodies).
    #[arg(long, value_name = "PATH")]
    audit_log: Option<PathBuf>,
    #[command(flatten)]
    site: SiteArgs,
}

pub async fn run(args: RunArgs) -> Result<Exit, Failure> {
    let payload = read_payload(&args.payload)?;
    let source = app_source::resolve(&args.app, args.manifest.as_deref())?;
    let app_id = source.manifest.app.id.clone();

    let setup = args.site.setup(HttpLimits::default()).await?;
    let audit: Arc<dyn AuditSink> = match &args.audit_log {
        Some(path) => Arc::new(
            FileAudit::open(path)
                .with_context(|| format!("cannot open the audit log {}", path.display()))
                .map_err(Failure::environment)?,
        ),
        None => Arc::new(NoAudit),
    };
    let runtime = Runtime::new(
        setup.client,
        RuntimeOptions {
            audit,
            ..RuntimeOptions::default()
        },
    )
    .map_err(Failure::environment)?;
    let app = runtime.load(source.wasm, source.manifest).await.map_err(|e| match e {
        LoadError::Component(_) | LoadError::Link(_) => {
            Failure::bad_input(anyhow!(e).context(format!("cannot load {}", source.wasm_path.display())))
        }
    })?;

    let invoked = app
        .invoke(Invocation {
            function_key: args.function.clone(),
            payload,
            account_id: setup.account_id.clone(),
        })
        .await
        .map_err(Failure::bad_input)?;

    print_logs(&app_id, &invoked.logs);
    if invoked.dropped.lines > 0 {
        eprintln!(
            "[{app_id}] … {} log lines ({} bytes) dropped by the log limit",
            invoked.dropped.lines, invoked.dropped.bytes
        );
    }
    drop(setup.simulator);
    match &invoked.result {
        Ok(json) => {
            println!("{}", pretty(json));
            Ok(Exit::Success)
        }
        Err(failure) => {
            eprintln!("error: {failure}");
            if let Some(hint) = hint(failure) {
                eprintln!("hint: {hint}");
            }
            Ok(if invoked.is_sandbox_violation() {
                Exit::Sandbox
            } else {
                Exit::AppError
            })
        }
    }
}

/// `@FILE` reads the payload from a file; anything else is the JSON itself.
fn read_payload(arg: &str) -> Result<String, Failure> {
    match arg.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the payload file {path}"))
            .map_err(Failure::bad_input),
        None => Ok(arg.to_owned()),
    }
}

/// The app's log lines on stderr, prefixed with the app id. Control
/// characters are escaped so a guest cannot drive the operator's terminal.
fn print_logs(app_id: &str, logs: &[LogLine]) {
    for line in logs {
        let message: String = line
            .message
            .chars()
            .flat_map(|c| {
                if c.is_control() && c != '\t' {
                    c.escape_default().collect::<Vec<_>>()
                } else {
                    vec![c]
                }
            })
            .collect();
        eprintln!("[{app_id}] {:<6} {message}", line.level.as_str());
    }
}

/// Pretty-prints a JSON result for people; falls back to the raw text.
fn pretty(json: &str) -> String {
    serde_json::from_str::<serde_json::Value>(json)
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or_else(|_| json.to_owned())
}

/// What to do next, where there is something useful to say.
fn hint(failure: &InvocationFailure) -> Option<&'static str> {
    match failure {
        InvocationFailure::App { message, .. } if message.contains("scope denied") => {
            Some("declare the missing scopes in manifest.yml (permissions.scopes), then run again")
        }
        InvocationFailure::Timeout { .. } => Some("raise app.runtime.timeoutSeconds in manifest.yml if the app needs longer"),
        InvocationFailure::MemoryLimit { .. } => Some("raise app.runtime.memoryMiB in manifest.yml if the app needs more"),
        InvocationFailure::FuelExhausted => Some("raise or remove app.runtime.fuel in manifest.yml"),
        _ => None,
    }
}
