//! Subcommands of `runtime`, one file each, and the exit codes they share.

mod app_source;
mod build;
mod completions;
mod component_info;
mod egress_hints;
mod exit;
mod help;
mod inspect;
mod js_build;
mod lint;
mod login;
mod manifest_reference;
mod new;
mod new_forge_js;
mod progress;
mod run;
mod seed_file;
mod serve;
mod sim;
mod site_setup;
mod sql;
mod storage;
mod templates;
mod variables;
mod webtrigger;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use exit::Failure;

/// Kiln runs Jira apps as sandboxed WebAssembly components. The app never
/// holds a credential: it calls Jira through the host, which checks the
/// manifest's scopes and attaches your credential itself.
#[derive(Parser)]
#[command(name = "runtime", version, about, long_about = None)]
#[command(after_help = help::after_help())]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a new app folder from a template, ready for `runtime run`.
    New(new::NewArgs),
    /// Build an app folder into one component, <dir>/<app-id>.wasm.
    Build(build::BuildArgs),
    /// Show what an app is and may do: world, imports, functions, scopes and what they open, limits, digest.
    Inspect(inspect::InspectArgs),
    /// Run an app's test payloads and report unused scopes, refused calls and a narrower scope set.
    Lint(lint::LintArgs),
    /// Print the manifest reference (docs/manifest-reference.md) generated from the schema.
    #[command(hide = true)]
    ManifestReference(manifest_reference::ManifestReferenceArgs),
    /// Run one function of an app (against the embedded Jira simulator unless a site is configured).
    Run(run::RunArgs),
    /// Host apps as a service: web triggers, Jira product events (webhooks) and scheduled triggers.
    Serve(serve::ServeArgs),
    /// Print a new URL of a served app's web trigger (the previous one stops working).
    Webtrigger(webtrigger::WebtriggerArgs),
    /// Look at an app's storage: list, get, set or delete keys (the file `runtime run` uses).
    Storage(storage::StorageArgs),
    /// Run one Forge SQL statement on an app's database (the one `runtime run` uses) and print the answer.
    Sql(sql::SqlArgs),
    /// Set, list or unset an app's config variables (read by the app as process.env.KEY).
    Variables(variables::VariablesArgs),
    /// Serve the Jira simulator standalone, for manual tests with curl or a browser.
    Sim(sim::SimArgs),
    /// Log in to a real Jira site with OAuth 2.0 (3LO); `run` then acts as you with refreshing tokens.
    Login(login::LoginArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(completions::CompletionsArgs),
}

/// Parses the command line, runs the command, and maps the outcome to an
/// exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(matches!(&cli.command, Command::Serve(args) if args.json_logs));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            return Failure::environment(anyhow::anyhow!("cannot start the async runtime: {e}"))
                .report();
        }
    };
    let outcome = runtime.block_on(async {
        match cli.command {
            Command::New(args) => new::run(args),
            Command::Build(args) => build::run(args),
            Command::Inspect(args) => inspect::run(args),
            Command::Lint(args) => lint::run(args).await,
            Command::ManifestReference(args) => manifest_reference::run(args),
            Command::Run(args) => run::run(args).await,
            Command::Serve(args) => serve::run(args).await,
            Command::Webtrigger(args) => webtrigger::run(args).await,
            Command::Storage(args) => storage::run(args).await,
            Command::Sql(args) => sql::run(args).await,
            Command::Variables(args) => variables::run(args).await,
            Command::Sim(args) => sim::run(args).await,
            Command::Login(args) => login::run(args).await,
            Command::Completions(args) => completions::run(args),
        }
    });
    match outcome {
        Ok(exit) => exit.into(),
        Err(failure) => failure.report(),
    }
}

/// Host diagnostics go to stderr, quiet by default (`RUST_LOG` to change), except what a
/// served app logs (`kiln_serve::invocation::APP_LOG_TARGET`), shown from `info`; `serve
/// --json-logs` writes them as JSON lines.
fn init_tracing(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(format!(
            "warn,{}=info",
            kiln_serve::invocation::APP_LOG_TARGET
        ))
    });
    // Colours only for a person at a terminal: escape codes in a redirected log file or a
    // service manager's journal are noise to every reader and tool after.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.without_time().try_init()
    };
}
