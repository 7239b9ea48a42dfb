//! `runtime run`: load an app, invoke one function, print its JSON result.

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context as _, anyhow};
use kiln_manifest::{DeclaredScopes, Manifest, Scope};
use kiln_runtime::cache::{ArtifactMemory, CacheMode};
use kiln_runtime::compiled::HashedComponent;
use kiln_runtime::consent::{
    ApprovalMode, ComponentDigest, ConsentError, GrantKey, GrantStore, OperatorPolicy,
    SiteIdentity, ensure_consent_with_egress,
};
use kiln_runtime::engine::{FuelMetering, InstanceAllocation};
use kiln_runtime::events::local::{Delivery, DeliveryOutcome, LocalQueue};
use kiln_runtime::guest_text::{GuestText, to_json_line, to_json_pretty};
use kiln_runtime::invoke::{AppErrorKind, InvocationFailure};
use kiln_runtime::sandbox::guest_log::LogLine;
use kiln_runtime::{
    AuditSink, FileAudit, HttpLimits, Invocation, LoadError, NoAudit, Runtime, RuntimeOptions,
};

use super::app_source;
use super::build::{BuildFor, BuildIsolation};
use super::exit::{Exit, Failure};
use super::site_setup::{SiteArgs, SiteSetup};
use super::storage::StorageChoice;
use crate::consent_prompt::ask_approval;

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// The app: a `.wasm` component (manifest.yml beside it), or an app folder with manifest.yml
    /// (a Cargo project, or a JavaScript/TypeScript Forge app with package.json), built first.
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
    /// Compile the component afresh: neither read nor write the compiled-artifact cache
    /// ($KILN_CACHE_DIR, else $XDG_CACHE_HOME/kiln).
    #[arg(long)]
    no_cache: bool,
    /// Build an app folder for a real site even where no build sandbox (bubblewrap) is
    /// available: its build scripts and proc-macros then run as you. Only for source you trust.
    #[arg(long)]
    trust_build: bool,
    /// Print a failure as one JSON document on stdout, {"error": {"kind", "message", "exitCode", …}}
    /// (the exit code is the same); a success prints the app's result as always.
    #[arg(long)]
    json: bool,
    /// Where the app's storage lives: a SQLite file, or `memory` (gone when the run ends).
    /// Default: state.sqlite3 under the user's data directory ($KILN_DATA_DIR, else
    /// $XDG_DATA_HOME/kiln), so data persists between runs.
    #[arg(long, value_name = "PATH|memory", value_parser = StorageChoice::parse)]
    storage: Option<StorageChoice>,
    /// The environment the app runs in (with the app id and the site, it names the
    /// installation whose storage the run uses).
    #[arg(long, value_name = "NAME", default_value = kiln_runtime::DEFAULT_ENVIRONMENT)]
    environment: String,
    #[command(flatten)]
    site: SiteArgs,
    #[command(flatten)]
    consent: ConsentArgs,
}

/// Scope consent. Runs against the embedded simulator need none (it is a
/// throwaway offline site); against a real site the user approves the app's
/// scopes for this code, on this site, as this account — and again when the
/// code changes, the site or account differs, or the manifest asks for more.
#[derive(clap::Args, Debug)]
#[command(next_help_heading = "Scope consent (real sites only: the embedded simulator needs none)")]
pub struct ConsentArgs {
    /// Approve the app's scopes without asking (for scripts and CI). Consent is asked only
    /// for a real site; the embedded simulator needs none.
    #[arg(long)]
    approve_scopes: bool,
    /// Where approvals are stored, one file per app id, each approval bound to the site, the
    /// account and the component's SHA-256 (default: $XDG_CONFIG_HOME/kiln/grants).
    #[arg(long, env = "KILN_GRANTS_DIR", value_name = "DIR")]
    grants_dir: Option<PathBuf>,
    /// Operator policy (TOML): `forbidden_scopes = [...]` no app may use whatever is approved, and
    /// `[[preapproved]]` components (sha256 from `runtime inspect`, scopes, optional sites).
    #[arg(long, env = "KILN_POLICY", value_name = "FILE")]
    policy: Option<PathBuf>,
}

impl RunArgs {
    /// Where compiled artifacts come from: the user's cache, or none with
    /// `--no-cache`.
    fn cache_mode(&self) -> CacheMode {
        if self.no_cache {
            CacheMode::Disabled
        } else {
            CacheMode::User
        }
    }
}

pub async fn run(args: RunArgs) -> Result<Exit, Failure> {
    let json = args.json;
    let outcome = invoke_app(args).await;
    if json {
        return Ok(print_json_outcome(outcome));
    }
    let (result, exit) = outcome?;
    match &result {
        Ok(json) => println!("{}", pretty(json)),
        Err(failure) => {
            // One line: the failure's Display escapes the app's text; the
            // backtrace follows as `note:` lines, the cause first.
            eprintln!("error: {failure}");
            print_backtrace(failure);
            if let Some(hint) = hint(failure) {
                eprintln!("hint: {hint}");
            }
        }
    }
    Ok(exit)
}

/// The app's result or why it has none, and the exit code that says which.
type RunOutcome = (Result<String, InvocationFailure>, Exit);

/// Loads the app and invokes the function; the app's log goes to stderr.
async fn invoke_app(args: RunArgs) -> Result<RunOutcome, Failure> {
    let payload = read_payload(&args.payload)?;
    // The build comes first: no credential, login or grant is loaded until
    // the app's build code (native, the app author's) has run and exited.
    let purpose = if args.site.may_use_real_site() {
        BuildFor::RealSite
    } else {
        BuildFor::Local
    };
    let mut protected = args.site.secret_paths();
    protected.extend(args.consent.grants_dir.iter().cloned());
    let isolation = BuildIsolation::choose(purpose, args.trust_build, &protected);
    let source = app_source::resolve(&args.app, args.manifest.as_deref(), &isolation)?;
    let app_id = source.manifest.app.id.clone();
    // Hashed once: consent binds to the digest, and the runtime keys its
    // artifact cache by the same SHA-256 (12 MB for a JavaScript app: ≈ 6 ms,
    // done on another core while the site, storage and engine are set up).
    let mut wasm = HashingComponent::start(source.wasm);

    let policy = match &args.consent.policy {
        Some(path) => OperatorPolicy::load(path).map_err(Failure::bad_input)?,
        None => OperatorPolicy::default(),
    };
    let setup = args.site.setup(HttpLimits::default()).await?;
    check_consent(&args.consent, &policy, &source.manifest, &mut wasm, &setup)?;
    if let Some(simulator) = &setup.simulator {
        give_the_app_its_account(simulator, &source.manifest)?;
        register_app_fields(simulator, &source.manifest, &args.environment)?;
        register_app_field_types(simulator, &source.manifest, &args.environment)?;
        register_entity_property_indexes(simulator, &source.manifest)?;
    }
    warn_about_ungranted_scopes(&source.manifest.declared_scopes(), &setup);
    let audit: Arc<dyn AuditSink> = match &args.audit_log {
        Some(path) => Arc::new(
            FileAudit::open(path)
                .with_context(|| format!("cannot open the audit log {}", path.display()))
                .map_err(Failure::environment)?,
        ),
        None => Arc::new(NoAudit),
    };
    // What egress did not complete is told after the run (egress_hints.rs).
    let egress_notes = Arc::new(super::egress_hints::EgressNotes::new(audit));
    let audit: Arc<dyn AuditSink> = egress_notes.clone();
    let storage = super::storage::open(args.storage.as_ref()).await?;
    let forge_sql = super::storage::forge_sql(args.storage.as_ref())?;
    // On the embedded simulator the site is named for what it is, not by its
    // cloud id, so the app's data outlives the run (and the cloud id, the same
    // every run, still names the site its data was stored for).
    let installation_site = setup.simulator.as_ref().map(|_| {
        kiln_runtime::storage::storage_site(kiln_runtime::storage::SIMULATOR_SITE).to_owned()
    });
    // Events the function pushes wait here and run on their consumers once
    // it has returned (kiln_runtime::events::local).
    let queue = Arc::new(LocalQueue::new());
    let runtime = Runtime::new(
        setup.client,
        RuntimeOptions {
            events: Some(queue.clone()),
            audit,
            cache: args.cache_mode(),
            allocation: InstanceAllocation::sequential(),
            policy,
            storage: Some(storage),
            forge_sql: Some(forge_sql),
            installation_site,
            // Fuel is counted only if this app sets a budget.
            fuel: FuelMetering::for_manifests([&source.manifest]),
            // One app, loaded once, then the process exits: its artifact may
            // stay in private huge-page memory until then.
            artifact_memory: ArtifactMemory::Private,
            ..RuntimeOptions::default()
        },
    )
    .map_err(Failure::environment)?;
    // The simulator knows its user; a real site is asked, once, who the user
    // principal's credential belongs to (only the account id is kept).
    let account_id = match setup.account_id.clone() {
        Some(known) => Some(known),
        None => {
            kiln_runtime::jira::identity::AccountIdCache::new()
                .get(runtime.client())
                .await
        }
    };
    let app = runtime
        .load_hashed(wasm.into_hashed(), source.manifest)
        .await
        .map_err(|e| match e {
            LoadError::Component(_)
            | LoadError::Link(_)
            | LoadError::Forbidden(_)
            | LoadError::FuelNotCounted { .. } => Failure::bad_input(
                anyhow!(e).context(format!("cannot load {}", source.wasm_path.display())),
            ),
            // Only for a client of its own, which `runtime run` never gives.
            LoadError::OtherSite { .. } => Failure::environment(anyhow!(e)),
        })?;

    let invoked = app
        .invoke(Invocation {
            function_key: args.function.clone(),
            payload,
            account_id,
            environment: args.environment.clone(),
            ..Invocation::default()
        })
        .await
        .map_err(Failure::bad_input)?;

    print_logs(&app_id, &invoked.logs);
    if invoked.storage_calls > 0 {
        eprintln!(
            "[{}] {} storage calls",
            GuestText(&app_id),
            invoked.storage_calls
        );
    }
    if invoked.sql_calls > 0 {
        eprintln!(
            "[{}] {} Forge SQL statements",
            GuestText(&app_id),
            invoked.sql_calls
        );
    }
    if invoked.dropped.lines > 0 {
        eprintln!(
            "[{}] … {} log lines ({} bytes) dropped by the log limit",
            GuestText(&app_id),
            invoked.dropped.lines,
            invoked.dropped.bytes
        );
    }
    if !queue.is_empty() {
        queue
            .deliver(&app, &args.environment, |delivery| {
                print_delivery(&app_id, &delivery)
            })
            .await;
    }
    for hint in egress_notes.hints() {
        eprintln!("{hint}");
    }
    // kiln-sim: not-modelled hint (begin)
    if let Some(simulator) = &setup.simulator {
        print_not_modelled_hints(simulator);
    }
    // kiln-sim: not-modelled hint (end)
    drop(setup.simulator);
    let exit = match &invoked.result {
        Ok(_) => Exit::Success,
        Err(_) if invoked.is_sandbox_violation() => Exit::Sandbox,
        Err(_) => Exit::AppError,
    };
    Ok((invoked.result, exit))
}

/// A component whose SHA-256 is being computed on a thread of its own; the
/// digest is waited for where it is first needed (consent on a real site,
/// else the load), so the hashing overlaps the setup in between. The bytes
/// hashed are the bytes loaded: they move into the thread and come back with
/// their digest ([`HashedComponent`]).
struct HashingComponent {
    /// Exactly one of the two is set.
    thread: Option<std::thread::JoinHandle<HashedComponent>>,
    hashed: Option<HashedComponent>,
}

impl HashingComponent {
    fn start(wasm: Vec<u8>) -> Self {
        // The bytes must come back if no thread can be started: they are
        // handed over once it runs.
        let (give, take) = std::sync::mpsc::sync_channel::<Vec<u8>>(1);
        let thread = std::thread::Builder::new()
            .name("kiln-hash".into())
            .spawn(move || HashedComponent::new(take.recv().unwrap_or_default()));
        let wasm = match thread {
            Ok(thread) => match give.send(wasm) {
                Ok(()) => {
                    return Self {
                        thread: Some(thread),
                        hashed: None,
                    };
                }
                Err(std::sync::mpsc::SendError(wasm)) => wasm,
            },
            Err(_) => wasm,
        };
        Self {
            thread: None,
            hashed: Some(HashedComponent::new(wasm)),
        }
    }

    /// The component and its digest, waiting for the hashing if it runs.
    fn hashed(&mut self) -> &HashedComponent {
        if let Some(thread) = self.thread.take() {
            let hashed = thread
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            self.hashed = Some(hashed);
        }
        self.hashed.as_ref().expect("hashing or hashed")
    }

    fn into_hashed(mut self) -> HashedComponent {
        self.hashed();
        self.hashed.expect("hashed by `hashed`")
    }
}

/// `--json`: the result as without it, or the failure as one JSON document on
/// stdout: `kind` (an invocation failure's kind, `bad-input` or
/// `environment`), `message`, `exitCode`, a `hint` where there is one, and
/// the invocation failure's own fields.
fn print_json_outcome(outcome: Result<RunOutcome, Failure>) -> Exit {
    let (error, exit) = match outcome {
        Ok((Ok(result), exit)) => {
            println!("{}", pretty(&result));
            return exit;
        }
        Ok((Err(failure), exit)) => {
            let mut error = serde_json::to_value(&failure).unwrap_or_default();
            if let Some(fields) = error.as_object_mut() {
                fields.insert("message".into(), failure.to_string().into());
                if let Some(hint) = hint(&failure) {
                    fields.insert("hint".into(), hint.into());
                }
            }
            (error, exit)
        }
        Err(failure) => {
            let kind = match failure.exit {
                Exit::Environment => "environment",
                _ => "bad-input",
            };
            let error = serde_json::json!({
                "kind": kind,
                "message": format!("{:#}", failure.error),
            });
            (error, failure.exit)
        }
    };
    let mut error = error;
    if let Some(fields) = error.as_object_mut() {
        fields.insert("exitCode".into(), (exit as u8).into());
    }
    // Guest text inside the document is written with \u escapes for what
    // serde_json would pass raw (DEL, C1, bidi, line separators).
    let document = serde_json::json!({ "error": error });
    match to_json_line(&document) {
        Ok(line) => println!("{line}"),
        Err(e) => eprintln!("error: cannot write the failure as JSON: {e}"),
    }
    exit
}

/// The operator policy applies everywhere; the user's approval only on a real
/// site (the simulator is a throwaway offline site). The grant is bound to
/// this component, this site and these principals.
fn check_consent(
    args: &ConsentArgs,
    policy: &OperatorPolicy,
    manifest: &Manifest,
    component: &mut HashingComponent,
    setup: &SiteSetup,
) -> Result<(), Failure> {
    let declared = manifest.declared_scopes();
    // Before any prompt; the library checks it again at load.
    policy
        .check(&manifest.app.id, &declared)
        .map_err(Failure::bad_input)?;
    if setup.simulator.is_some() {
        return Ok(());
    }
    let store = match &args.grants_dir {
        Some(dir) => GrantStore::new(dir),
        None => GrantStore::default_location().map_err(Failure::bad_input)?,
    };
    let mode = if args.approve_scopes {
        ApprovalMode::Preapproved
    } else if std::io::stdin().is_terminal() {
        ApprovalMode::Interactive
    } else {
        ApprovalMode::NonInteractive
    };
    let key = GrantKey {
        site: SiteIdentity::of(setup.client.site()),
        principal: setup.principal.clone(),
        app_id: manifest.app.id.clone(),
        component: ComponentDigest::from(component.hashed().sha()),
    };
    let ask = |request: &_| {
        ask_approval(
            request,
            &mut std::io::stdin().lock(),
            &mut std::io::stderr(),
        )
    };
    let egress: Vec<String> = manifest
        .egress_allowlist()
        .entries()
        .iter()
        .map(ToString::to_string)
        .collect();
    ensure_consent_with_egress(&key, &declared, &egress, &store, policy, mode, ask).map_err(|e| {
        match e {
            ConsentError::Store(_) | ConsentError::Prompt(_) => Failure::environment(e),
            _ => Failure::bad_input(e),
        }
    })
}

/// An OAuth login carries the scopes approved when it was made; a manifest
/// that grew since needs a new login, or Jira will refuse those calls.
fn warn_about_ungranted_scopes(declared: &DeclaredScopes, setup: &SiteSetup) {
    let Some(granted) = &setup.oauth_scopes else {
        return;
    };
    let granted: DeclaredScopes = granted
        .iter()
        .filter_map(|s| s.parse::<Scope>().ok())
        .collect();
    let missing: Vec<&str> = declared
        .iter()
        .filter(|s| !granted.contains(*s))
        .map(Scope::as_str)
        .collect();
    if !missing.is_empty() {
        eprintln!(
            "warning: the OAuth login was not granted {}; run `runtime login` again to add them",
            missing.join(", ")
        );
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

/// The app's log lines on stderr, each on one line behind the app id and
/// level; `LogLine`'s `Display` escapes the app's text, so a guest can
/// neither drive the operator's terminal nor start a line of its own.
/// One queue event's delivery, on stderr: which consumer ran which event,
/// how it ended, and its log. The function's own result stays the run's.
fn print_delivery(app_id: &str, delivery: &Delivery) {
    let app = GuestText(app_id);
    let wait = if delivery.skipped_wait.is_zero() {
        String::new()
    } else {
        format!(
            " (due in {}s; runtime run does not wait)",
            delivery.skipped_wait.as_secs()
        )
    };
    let head = format!(
        "[{app}] queue {} → {}: event {}, attempt {}{wait}",
        GuestText(&delivery.queue),
        GuestText(&delivery.consumer),
        GuestText(&delivery.event_id),
        delivery.attempt
    );
    match &delivery.outcome {
        DeliveryOutcome::NotRun(why) => eprintln!("{head}: not run: {}", GuestText(why)),
        DeliveryOutcome::Ran(invoked) => {
            print_logs(app_id, &invoked.logs);
            match &invoked.result {
                Ok(_) => eprintln!("{head}: done"),
                Err(failure) => eprintln!("{head}: {failure}"),
            }
        }
    }
}

fn print_logs(app_id: &str, logs: &[LogLine]) {
    for line in logs {
        eprintln!("[{}] {line}", GuestText(app_id));
    }
}

/// A trap's wasm backtrace after its cause, one `note:` line per frame
/// (frame names come from the component's name section, so escaped).
fn print_backtrace(failure: &InvocationFailure) {
    let InvocationFailure::Trap { backtrace, .. } = failure else {
        return;
    };
    if backtrace.is_empty() {
        return;
    }
    eprintln!("note: wasm backtrace, innermost frame first:");
    for (index, frame) in backtrace.iter().enumerate() {
        eprintln!("note: {index:>4}: {}", GuestText(frame));
    }
}

/// Pretty-prints a JSON result for people, with every control, bidi and
/// separator character of the app's strings as a `\u` escape; text that is
/// not a JSON value (which the host's checks do not let through) is
/// escaped as guest text.
fn pretty(json: &str) -> String {
    serde_json::from_str::<serde_json::Value>(json)
        .ok()
        .and_then(|v| to_json_pretty(&v).ok())
        .unwrap_or_else(|| GuestText(json).to_string())
}

/// What to do next, where there is something useful to say.
fn hint(failure: &InvocationFailure) -> Option<&'static str> {
    match failure {
        InvocationFailure::App {
            error: AppErrorKind::ScopeDenied,
            ..
        } => {
            Some("declare the missing scopes in manifest.yml (permissions.scopes), then run again")
        }
        InvocationFailure::Timeout { .. } => {
            Some("raise app.runtime.timeoutSeconds in manifest.yml if the app needs longer")
        }
        InvocationFailure::MemoryLimit { .. } => {
            Some("raise app.runtime.memoryMiB in manifest.yml if the app needs more")
        }
        InvocationFailure::FuelExhausted => {
            Some("raise or remove app.runtime.fuel in manifest.yml")
        }
        InvocationFailure::RetryRequested { .. } => Some(
            "only a queue event's consumer is retried on request; a function run directly has failed",
        ),
        // wasmtime's words for the instruction; what executes it is the app giving up.
        InvocationFailure::Trap { message, .. } if message.contains("`unreachable`") => {
            Some(UNREACHABLE_HINT)
        }
        _ => None,
    }
}

/// An `unreachable` trap is the app aborting itself. A Rust app does on a panic (its message
/// is in the app's log); a JavaScript app's engine does when it cannot go on: an allocation
/// failed where it could not report `out of memory` as an error, or the handler's promise can
/// never settle ("event loop error" in the log).
const UNREACHABLE_HINT: &str = "the app aborted: a Rust app panicked, or a JavaScript app's \
     engine gave up (out of memory: raise app.runtime.memoryMiB or keep fewer objects alive; or \
     a promise nothing can settle); its log above says which (docs/porting-forge-apps.md, \
     \"How a JS guest fails\")";

#[cfg(test)]
mod tests {
    use clap::Parser;
    use kiln_manifest::Manifest;
    use kiln_runtime::jira::client::{Transport, TransportError};
    use kiln_runtime::{Credentials, HttpLimits, JiraClient, Site};

    use super::*;

    #[test]
    fn an_unreachable_trap_is_explained_and_other_traps_are_not() {
        let trap = |message: &str| InvocationFailure::Trap {
            message: message.to_owned(),
            backtrace: Vec::new(),
        };
        assert_eq!(
            hint(&trap("wasm trap: wasm `unreachable` instruction executed")),
            Some(UNREACHABLE_HINT)
        );
        assert_eq!(hint(&trap("wasm trap: integer divide by zero")), None);
    }

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        run: RunArgs,
    }

    fn parse(args: &[&str]) -> RunArgs {
        Cli::try_parse_from(std::iter::once("runtime-run").chain(args.iter().copied()))
            .unwrap()
            .run
    }

    /// A runtime as `run` builds it, for `args`; its Jira client answers in
    /// process (nothing here makes a request).
    fn runtime_for(args: &RunArgs) -> Runtime {
        let site = Site::new(
            "https://kiln.atlassian.net",
            kiln_runtime::site::ATLASSIAN_GATEWAY,
            "c0ffee-1",
        )
        .unwrap();
        let transport = Transport::in_process(|_| Err(TransportError::Timeout));
        let client = JiraClient::with_transport(
            site,
            Credentials::default(),
            HttpLimits::default(),
            transport,
        );
        Runtime::new(
            client,
            RuntimeOptions {
                cache: args.cache_mode(),
                ..RuntimeOptions::default()
            },
        )
        .unwrap()
    }

    #[test]
    fn the_component_hashed_on_its_thread_is_the_one_loaded_with_its_digest() {
        let wasm: Vec<u8> = (0..100_000u32).map(|i| (i % 253) as u8).collect();
        let mut hashing = HashingComponent::start(wasm.clone());
        let digest = *hashing.hashed().sha();
        let hashed = hashing.into_hashed();
        assert_eq!(hashed.bytes(), wasm.as_slice());
        assert_eq!(
            *hashed.sha(),
            kiln_runtime::compiled::ComponentSha::of(&wasm)
        );
        assert_eq!(digest, *hashed.sha());
    }

    #[test]
    fn the_cache_is_on_unless_no_cache_is_given() {
        assert_eq!(parse(&["app.wasm"]).cache_mode(), CacheMode::User);
        assert_eq!(
            parse(&["app.wasm", "--no-cache"]).cache_mode(),
            CacheMode::Disabled
        );
    }

    #[tokio::test]
    async fn no_cache_compiles_every_load() {
        let args = parse(&["app.wasm", "--no-cache"]);
        let runtime = runtime_for(&args);
        assert!(runtime.cache().is_none(), "no cache directory is opened");
        let wasm = wat::parse_str(include_str!(
            "../../../runtime/benches/components/trivial.wat"
        ))
        .unwrap();
        let manifest = Manifest::from_yaml(
            "app:\n  id: kiln-no-cache\n  name: No cache\nmodules:\n  function:\n    - key: main\n      handler: main\n",
        )
        .unwrap();
        let app = runtime.load(wasm.clone(), manifest.clone()).await.unwrap();
        assert!(!app.from_cache(), "compiled, not loaded from a cache");
        // A second run (a new runtime, as a new process has) compiles again: nothing
        // was written for it to find.
        let again = runtime_for(&args);
        let app = again.load(wasm, manifest).await.unwrap();
        assert!(!app.from_cache(), "compiled, not loaded from a cache");
    }
}

/// Gives the simulator's configured integration, which the app principal calls
/// with, to the app: from then on its `as_app()` calls act as the app's own
/// account (`accountType: "app"`, named after the app), as a Forge app's do on
/// Jira and as each app's does under `runtime serve`, not as the seeded person
/// `as_user()` acts as. Done before the app runs, so no token acts otherwise;
/// said on stderr with the site's banner.
fn give_the_app_its_account(
    simulator: &kiln_sim::Simulator,
    manifest: &Manifest,
) -> Result<(), Failure> {
    let client = simulator
        .app_client_for(&manifest.app.id)
        .map_err(|e| Failure::environment(anyhow!(e)))?;
    if let Some(account) = simulator.app_account_id(&client.client_id) {
        eprintln!("  as_app acts as the app's own account {account} (accountType app)");
    }
    Ok(())
}

/// The app's own custom fields (Forge's `jira:customField`) on the embedded
/// simulator, as Forge creates them on a site the app is installed on; the
/// simulator starts afresh every run and numbers them the same way each time
/// (after the seed's fields, in manifest order). Said on stderr with the
/// site's banner, as the ids are what the app will see.
fn register_app_fields(
    simulator: &kiln_sim::Simulator,
    manifest: &Manifest,
    environment: &str,
) -> Result<(), Failure> {
    let fields = manifest.custom_fields();
    if fields.is_empty() {
        return Ok(());
    }
    let ids = simulator
        .register_app_fields(&manifest.app.id, environment, fields)
        .map_err(|e| Failure::bad_input(anyhow!(e)))?;
    for (field, id) in fields.iter().zip(&ids) {
        eprintln!(
            "  custom field {} ({}): {id}",
            GuestText(&field.key),
            GuestText(&field.name)
        );
    }
    Ok(())
}

/// The field types the app offers (Forge's `jira:customFieldType`) on the
/// embedded simulator. Forge creates no field of a type, and neither does
/// Kiln: a site administrator creates one with `POST /rest/api/3/field` and
/// the type's extension ARI, said on stderr with the site's banner.
fn register_app_field_types(
    simulator: &kiln_sim::Simulator,
    manifest: &Manifest,
    environment: &str,
) -> Result<(), Failure> {
    let types = manifest.custom_field_types();
    if types.is_empty() {
        return Ok(());
    }
    let aris = simulator
        .register_app_field_types(&manifest.app.id, environment, types)
        .map_err(|e| Failure::bad_input(anyhow!(e)))?;
    for (field_type, ari) in types.iter().zip(&aris) {
        eprintln!(
            "  custom field type {} ({}): {ari} (an admin creates fields of it: POST /rest/api/3/field)",
            GuestText(&field_type.key),
            GuestText(&field_type.name)
        );
    }
    Ok(())
}

/// The issue property paths the app indexes (Forge's `jira:entityProperty`)
/// on the embedded simulator, so its JQL searches them as Jira's does; said
/// on stderr with the site's banner. `user` and `project` indexes are named
/// as not searched: the simulator's JQL is issue search.
fn register_entity_property_indexes(
    simulator: &kiln_sim::Simulator,
    manifest: &Manifest,
) -> Result<(), Failure> {
    let modules = manifest.entity_property_indexes();
    if modules.is_empty() {
        return Ok(());
    }
    simulator
        .register_entity_property_indexes(&manifest.app.id, modules)
        .map_err(|e| Failure::bad_input(anyhow!(e)))?;
    for module in modules {
        let searched = module.entity_type == kiln_manifest::EntityType::Issue;
        eprintln!(
            "  entity property index {}: {}.property[{}], {} value(s){}",
            GuestText(&module.key),
            module.entity_type.as_str(),
            GuestText(&module.property_key),
            module.values.len(),
            if searched {
                " searchable by JQL"
            } else {
                ", not searched by the simulator"
            }
        );
    }
    Ok(())
}

// kiln-sim: not-modelled hint (begin)
/// Tells the developer which of the app's calls reached a route the embedded
/// simulator does not model (its 501 with `x-kiln-simulator: not-modelled`).
fn print_not_modelled_hints(simulator: &kiln_sim::Simulator) {
    for hint in not_modelled_hints(&simulator.requests()) {
        eprintln!("{hint}");
    }
}

/// One hint per distinct route the simulator answered "not modelled": the app may
/// be right, the simulator is what lacks the route. The method and path are the
/// app's, so they are escaped.
fn not_modelled_hints(requests: &[kiln_sim::RecordedRequest]) -> Vec<String> {
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for request in requests.iter().filter(|r| r.not_modelled) {
        let route = (request.method.as_str(), site_path(&request.path));
        if !seen.contains(&route) {
            seen.push(route);
        }
    }
    seen.iter()
        .map(|(method, path)| {
            format!(
                "hint: the Jira simulator does not model {} {}; a real site serves it: run with --site to use it (docs/simulator.md lists the routes it models)",
                GuestText(method),
                GuestText(path)
            )
        })
        .collect()
}

/// `path` as the site serves it: an `asApp()` call reaches the simulator
/// through the gateway (`/ex/jira/{cloudId}/rest/…`), the same route an
/// `asUser()` call names as `/rest/…`, so both are named (and counted) once.
fn site_path(path: &str) -> &str {
    path.strip_prefix("/ex/jira/")
        .and_then(|rest| rest.find('/').map(|slash| &rest[slash..]))
        .unwrap_or(path)
}

#[cfg(test)]
mod not_modelled_hint_tests {
    use kiln_sim::{AuthKind, RecordedRequest};

    use super::not_modelled_hints;

    fn request(path: &str, not_modelled: bool) -> RecordedRequest {
        RecordedRequest {
            method: String::from("GET"),
            path: path.to_owned(),
            query: None,
            account_id: None,
            auth: AuthKind::Basic,
            status: if not_modelled { 501 } else { 200 },
            header_names: Vec::new(),
            not_modelled,
        }
    }

    #[test]
    fn each_unmodelled_route_is_named_once_and_escaped() {
        let hostile = "/rest/api/3/issue/\u{1b}[2J/votes";
        let requests = [
            request("/rest/api/3/myself", false),
            request("/rest/api/3/issue/KILN-1/votes", true),
            request("/rest/api/3/issue/KILN-1/votes", true),
            request(hostile, true),
        ];
        let hints = not_modelled_hints(&requests);
        assert_eq!(hints.len(), 2, "{hints:?}");
        // The same route through the gateway (an `asApp()` call) is the same hint.
        let gateway = request(
            "/ex/jira/4b494c4e-0000-4000-8000-000000000001/rest/api/3/issue/KILN-1/votes",
            true,
        );
        let both = not_modelled_hints(&[requests[1].clone(), gateway]);
        assert_eq!(both.len(), 1, "{both:?}");
        assert!(hints[0].contains("GET /rest/api/3/issue/KILN-1/votes"));
        assert!(
            !hints[1].contains('\u{1b}'),
            "control characters escaped: {:?}",
            hints[1]
        );
    }
}
// kiln-sim: not-modelled hint (end)
