//! `runtime lint`: a least-privilege advisor. Runs the app's test payloads
//! against the simulator (or a configured site) with an in-memory audit, or
//! reads an existing audit log, and compares what the app used with what it
//! declares: Jira scopes against its `request-jira` calls, `storage:app`
//! against its storage calls, egress backends against its egress requests.
//! So an app that makes no Jira call (a web trigger that keeps state, a
//! scheduled job that calls a third party) is linted too.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::anyhow;
use kiln_runtime::advisor::scope_reach::is_classic;
use kiln_runtime::advisor::{
    self, Advice, DoorVerdict, Observed, ObservedCall, ObservedEgress, observed, payloads,
};
use kiln_runtime::consent::OperatorPolicy;
use kiln_runtime::engine::InstanceAllocation;
use kiln_runtime::events::local::{Delivery, DeliveryOutcome, LocalQueue};
use kiln_runtime::guest_text::{GuestText, to_json_pretty};
use kiln_runtime::{
    DEFAULT_ENVIRONMENT, HttpLimits, Invocation, MemoryAudit, Runtime, RuntimeOptions,
};
use serde::Serialize;

use super::app_source::{self, AppSource};
use super::build::{BuildFor, BuildIsolation};
use super::exit::{Exit, Failure};
use super::site_setup::SiteArgs;
use super::storage::StorageChoice;

/// Exit codes of `lint`, in its help.
pub const LINT_EXIT_CODES: &str = "\
Exit codes of lint:
  0  clean: every declared scope and backend was used and no call was refused
  1  findings: unused scopes or backends, refused calls, payloads that failed, or
     manifest warnings (a trigger event Kiln does not know)
  2  bad input: manifest, component, payload file or audit log
  4  environment: the site, the simulator or the build could not be used";

#[derive(clap::Args, Debug)]
#[command(after_help = LINT_EXIT_CODES)]
pub struct LintArgs {
    /// The app: a `.wasm` component (manifest.yml beside it) or an app folder, built first.
    app: PathBuf,
    /// The manifest (default: manifest.yml next to the app).
    #[arg(long, value_name = "PATH")]
    manifest: Option<PathBuf>,
    /// Test payloads, a JSON or YAML list of {function, payload} (default: lint.payloads.json beside the manifest).
    #[arg(long, value_name = "FILE", conflicts_with = "audit_log")]
    payloads: Option<PathBuf>,
    /// Analyse this audit log (from `runtime run --audit-log`) instead of running payloads.
    #[arg(long, value_name = "FILE")]
    audit_log: Option<PathBuf>,
    /// Print one JSON document instead of text.
    #[arg(long)]
    json: bool,
    /// Run the payloads on this app storage, a SQLite file as `runtime run --storage` takes,
    /// to start from what is stored there (the configuration an app reads first); the
    /// payloads' writes land in it. Default: empty storage in memory.
    #[arg(long, value_name = "PATH|memory", value_parser = StorageChoice::parse,
          conflicts_with = "audit_log")]
    storage: Option<StorageChoice>,
    /// Operator policy (TOML, `forbidden_scopes = [...]`): an app declaring a forbidden scope is not run.
    #[arg(long, env = "KILN_POLICY", value_name = "FILE")]
    policy: Option<PathBuf>,
    #[command(flatten)]
    site: SiteArgs,
}

/// How one test payload went.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PayloadRun {
    pub function: Option<String>,
    pub ok: bool,
    /// Why it failed, when it did: the failure's sentence, in which the app's
    /// own text is already escaped and capped (`InvocationFailure`'s
    /// `Display`).
    pub error: Option<String>,
    /// The queue events the payload pushed (and those their consumers
    /// pushed), each run on its consumer as `runtime run` runs them: their
    /// calls are observed too.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub deliveries: Vec<DeliveryRun>,
}

impl PayloadRun {
    /// Whether the payload and every delivery it led to ran without failing.
    pub fn all_ok(&self) -> bool {
        self.ok && self.deliveries.iter().all(|d| d.ok)
    }
}

/// How one queue event's delivery went.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryRun {
    pub queue: String,
    pub consumer: String,
    /// 1 for the first attempt (a consumer may ask for a retry).
    pub attempt: u32,
    pub ok: bool,
    /// Why the consumer failed or did not run, escaped as [`PayloadRun::error`].
    pub error: Option<String>,
}

impl DeliveryRun {
    fn from(delivery: &Delivery) -> Self {
        let (ok, error) = match &delivery.outcome {
            DeliveryOutcome::Ran(invoked) => match &invoked.result {
                Ok(_) => (true, None),
                Err(failure) => (false, Some(failure.to_string())),
            },
            DeliveryOutcome::NotRun(why) => (false, Some(format!("not run: {}", GuestText(why)))),
        };
        Self {
            queue: delivery.queue.clone(),
            consumer: delivery.consumer.clone(),
            attempt: delivery.attempt,
            ok,
            error,
        }
    }
}

/// The lint report, as printed with `--json`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LintReport {
    pub app_id: String,
    /// `request-jira` calls observed.
    pub calls_observed: usize,
    pub runs: Vec<PayloadRun>,
    /// What the manifest declares that never takes effect
    /// ([`kiln_manifest::Manifest::warnings`]): a finding like an unused scope.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub manifest_warnings: Vec<kiln_manifest::ManifestWarning>,
    #[serde(flatten)]
    pub advice: Advice,
}

impl LintReport {
    pub fn has_findings(&self) -> bool {
        self.advice.has_findings()
            || self.runs.iter().any(|r| !r.all_ok())
            || !self.manifest_warnings.is_empty()
    }
}

pub async fn run(args: LintArgs) -> Result<Exit, Failure> {
    // Build first; the site (and any credential) is set up after it.
    let isolation = BuildIsolation::choose(BuildFor::Local, false, &args.site.secret_paths());
    let AppSource { wasm, manifest, .. } =
        app_source::resolve(&args.app, args.manifest.as_deref(), &isolation)?;
    let app_id = manifest.app.id.clone();
    let manifest_warnings = manifest.warnings();
    let declared = manifest.declared_scopes();
    let declared_list = manifest.permissions.scopes.clone();
    let allowlist = manifest.egress_allowlist();
    let declares_sql = manifest.declares_sql();
    // Every event a trigger subscribes to, once: each needs its scopes though no
    // payload calls anything with them.
    let mut events: Vec<kiln_manifest::ProductEvent> = manifest
        .modules
        .trigger
        .iter()
        .flat_map(|trigger| trigger.events.iter().copied())
        .collect();
    events.sort_by_key(|event| event.as_str());
    events.dedup();
    let (observed, runs) = match &args.audit_log {
        Some(path) => (
            observed::read_audit_log(path, &app_id).map_err(Failure::bad_input)?,
            Vec::new(),
        ),
        None => {
            let path = match &args.payloads {
                Some(path) => path.clone(),
                None => payloads::find_beside(&manifest_dir(&args))
                    .ok_or_else(|| Failure::bad_input(payloads::PayloadFileError::Missing))?,
            };
            let payloads = payloads::load(&path).map_err(Failure::bad_input)?;
            let policy = match &args.policy {
                Some(path) => OperatorPolicy::load(path).map_err(Failure::bad_input)?,
                None => OperatorPolicy::default(),
            };
            // Memory unless a file is named: a lint's writes do not belong in the
            // developer's default state.
            let storage = super::storage::open(Some(
                args.storage.as_ref().unwrap_or(&StorageChoice::Memory),
            ))
            .await?;
            run_payloads(wasm, manifest, &payloads, &args.site, policy, storage).await?
        }
    };
    if observed.is_empty() {
        let what = if observed.storage_calls.is_some() {
            "no request-jira, storage, Forge SQL or egress calls"
        } else {
            "no request-jira or egress calls (an audit log records no storage calls)"
        };
        return Err(Failure::bad_input(anyhow!(
            "{what} of app {} were observed; add payloads that exercise the app's functions",
            GuestText(&app_id)
        )));
    }
    let report = LintReport {
        app_id,
        calls_observed: observed.calls.len(),
        runs,
        manifest_warnings,
        advice: advisor::advise(
            &declared,
            &declared_list,
            &allowlist,
            declares_sql,
            &events,
            &observed,
        ),
    };
    if args.json {
        let json = to_json_pretty(&report).map_err(|e| Failure::environment(anyhow!(e)))?;
        println!("{json}");
    } else {
        print!("{}", render_text(&report));
    }
    Ok(if report.has_findings() {
        Exit::AppError
    } else {
        Exit::Success
    })
}

/// Where the manifest (and so the payload file) lives.
fn manifest_dir(args: &LintArgs) -> PathBuf {
    let dir = match &args.manifest {
        Some(manifest) => manifest.parent(),
        None if args.app.is_dir() => Some(args.app.as_path()),
        None => args.app.parent(),
    };
    dir.filter(|d| !d.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_owned)
}

/// Runs every payload in a fresh Store, then the queue events it pushed on
/// their consumers, recording each request-jira and egress decision and
/// counting storage calls.
async fn run_payloads(
    wasm: Vec<u8>,
    manifest: kiln_manifest::Manifest,
    payloads: &[payloads::LintPayload],
    site: &SiteArgs,
    policy: OperatorPolicy,
    storage: kiln_runtime::StorageHost,
) -> Result<(Observed, Vec<PayloadRun>), Failure> {
    let setup = site.setup(HttpLimits::default()).await?;
    if setup.simulator.is_none() {
        // Payloads change data (issue-triage edits issues): on a real site
        // that needs the user's scope consent, which `runtime run` asks for.
        return Err(Failure::bad_input(anyhow!(
            "lint runs test payloads on the embedded simulator only, and a real site is configured (--site, --credentials or JIRA_SITE); \
             drop it, or lint a real run instead: `runtime run APP --audit-log audit.jsonl`, then `runtime lint APP --audit-log audit.jsonl`"
        )));
    }
    let audit = Arc::new(MemoryAudit::default());
    // Events a payload pushes wait here and run on their consumers once it
    // has returned, as under `runtime run` (kiln_runtime::events::local).
    let queue = Arc::new(LocalQueue::new());
    let runtime = Runtime::new(
        setup.client,
        RuntimeOptions {
            events: Some(queue.clone()),
            audit: audit.clone(),
            allocation: InstanceAllocation::sequential(),
            policy,
            storage: Some(storage),
            // The embedded simulator's installation, as `runtime run` names it, so a
            // file `runtime run` or `runtime storage set` wrote is the one read.
            installation_site: Some(
                kiln_runtime::storage::storage_site(kiln_runtime::storage::SIMULATOR_SITE)
                    .to_owned(),
            ),
            ..RuntimeOptions::default()
        },
    )
    .map_err(Failure::environment)?;
    let app = runtime
        .load(wasm, manifest)
        .await
        .map_err(|e| Failure::bad_input(anyhow!(e).context("cannot load the app")))?;
    let mut runs = Vec::new();
    let mut storage_calls = 0u64;
    let mut sql_calls = 0u64;
    for payload in payloads {
        let invoked = app
            .invoke(Invocation {
                function_key: payload.function.clone(),
                payload: payload.payload.to_string(),
                account_id: setup.account_id.clone(),
                ..Default::default()
            })
            .await
            .map_err(|e| Failure::bad_input(anyhow!(e).context("a lint payload cannot be run")))?;
        storage_calls += u64::from(invoked.storage_calls);
        sql_calls += u64::from(invoked.sql_calls);
        let mut deliveries = Vec::new();
        queue
            .deliver(&app, DEFAULT_ENVIRONMENT, |delivery| {
                if let DeliveryOutcome::Ran(invoked) = &delivery.outcome {
                    storage_calls += u64::from(invoked.storage_calls);
                    sql_calls += u64::from(invoked.sql_calls);
                }
                deliveries.push(DeliveryRun::from(&delivery));
            })
            .await;
        runs.push(PayloadRun {
            function: payload.function.clone(),
            ok: invoked.result.is_ok(),
            error: invoked.result.err().map(|e| e.to_string()),
            deliveries,
        });
    }
    drop(setup.simulator);
    let observed = Observed {
        calls: audit.records().iter().map(ObservedCall::from).collect(),
        egress: audit
            .egress_records()
            .iter()
            .map(ObservedEgress::from)
            .collect(),
        storage_calls: Some(storage_calls),
        sql_calls: Some(sql_calls),
    };
    Ok((observed, runs))
}

/// The report for people, with what to do for each finding. The app id and
/// function keys are the manifest's text, escaped ([`GuestText`]); failures
/// arrive escaped ([`PayloadRun::error`]). Routes and scopes come from
/// Kiln's catalogue.
pub fn render_text(report: &LintReport) -> String {
    let mut out = String::new();
    let a = &report.advice;
    let _ = writeln!(
        out,
        "{}: {} request-jira calls observed",
        GuestText(&report.app_id),
        report.calls_observed
    );
    for (index, run) in report.runs.iter().enumerate() {
        let function = run.function.as_deref().map_or_else(
            || "(the only function)".to_owned(),
            |f| GuestText(f).to_string(),
        );
        match &run.error {
            None => {
                let _ = writeln!(out, "  payload {} ({function}): ok", index + 1);
            }
            Some(error) => {
                let _ = writeln!(out, "  payload {} ({function}): failed: {error}", index + 1);
            }
        }
        for delivery in &run.deliveries {
            let head = format!(
                "    queue {} → {} (attempt {})",
                GuestText(&delivery.queue),
                GuestText(&delivery.consumer),
                delivery.attempt
            );
            match &delivery.error {
                None => {
                    let _ = writeln!(out, "{head}: ok");
                }
                Some(error) => {
                    let _ = writeln!(out, "{head}: failed: {error}");
                }
            }
        }
    }
    for warning in &report.manifest_warnings {
        // The warning's own text escapes what the manifest wrote.
        let _ = writeln!(out, "manifest: {warning}");
    }
    let _ = writeln!(out, "declared scopes: {}", join_or_none(&a.declared));
    let _ = writeln!(out, "used scopes:     {}", join_or_none(&a.used));
    for scope in &a.unused {
        let _ = writeln!(
            out,
            "unused: {scope} granted none of the observed calls; remove it from permissions.scopes (or add a payload that needs it)"
        );
    }
    for denied in &a.denied {
        let _ = writeln!(
            out,
            "denied: {} needs {}; add it to permissions.scopes",
            denied.route,
            denied.add.join(" and ")
        );
        if denied.alternatives.len() > 1 {
            let others: Vec<String> = denied
                .alternatives
                .iter()
                .map(|alt| alt.join(" + "))
                .collect();
            let _ = writeln!(
                out,
                "        any one of these sets allows it: {}",
                others.join(" | ")
            );
        }
    }
    render_storage(&mut out, &a.storage);
    render_sql(&mut out, &a.sql);
    render_egress(&mut out, &a.egress);
    if a.unknown_routes > 0 {
        let _ = writeln!(
            out,
            "unknown: {} call(s) to paths no catalogued Jira route matches; check the paths",
            a.unknown_routes
        );
    }
    // The set prefers classic scopes route by route; a route that no classic
    // scope allows (Jira Software's board routes, …) brings a granular one.
    let granular_in_classic: Vec<&str> = a
        .classic_set
        .scopes
        .iter()
        .copied()
        .filter(|s| s.parse().is_ok_and(|scope| !is_classic(scope)))
        .collect();
    if granular_in_classic.is_empty() {
        let _ = writeln!(
            out,
            "least classic set:  {} (opens {} routes)",
            join_or_none(&a.classic_set.scopes),
            a.classic_set.routes_opened
        );
    } else {
        let _ = writeln!(
            out,
            "least set, classic where a classic scope allows the call:  {} (opens {} routes; granular: {}, as no classic scope allows some calls)",
            a.classic_set.scopes.join(", "),
            a.classic_set.routes_opened,
            granular_in_classic.join(", ")
        );
    }
    if a.granular_is_narrower {
        let _ = writeln!(
            out,
            "narrower granular:  {} (opens {} routes); prefer it if the site grants granular scopes",
            a.granular_set.scopes.join(", "),
            a.granular_set.routes_opened
        );
    } else {
        let _ = writeln!(out, "granular scopes would not be narrower for these calls");
    }
    let failed = report.runs.iter().filter(|r| !r.ok).count();
    if failed > 0 {
        let _ = writeln!(
            out,
            "{failed} payload(s) failed: fix them so lint sees every call the app makes"
        );
    }
    let failed_deliveries = report
        .runs
        .iter()
        .flat_map(|r| &r.deliveries)
        .filter(|d| !d.ok)
        .count();
    if failed_deliveries > 0 {
        let _ = writeln!(
            out,
            "{failed_deliveries} queue event(s) failed on their consumer: fix them so lint sees every call the app makes"
        );
    }
    let _ = writeln!(
        out,
        "{}",
        if report.has_findings() {
            "result: findings (exit 1)"
        } else {
            "result: clean, every declared scope and backend is used"
        }
    );
    out
}

fn render_storage(out: &mut String, storage: &advisor::DoorAdvice) {
    let calls = storage.calls.unwrap_or(0);
    let _ = match storage.verdict {
        DoorVerdict::Used => writeln!(out, "storage:   {calls} call(s), allowed by storage:app"),
        DoorVerdict::Unused => writeln!(
            out,
            "unused: storage:app, no storage call observed; remove it from permissions.scopes (or add a payload that stores)"
        ),
        DoorVerdict::Refused => writeln!(
            out,
            "denied: {calls} storage call(s) without storage:app; add it to permissions.scopes"
        ),
        DoorVerdict::Undeclared => Ok(()),
        DoorVerdict::NotObserved if storage.declared => writeln!(
            out,
            "storage:   not judged (an audit log records no storage calls; lint payloads do)"
        ),
        DoorVerdict::NotObserved => Ok(()),
    };
}

fn render_sql(out: &mut String, sql: &advisor::DoorAdvice) {
    let calls = sql.calls.unwrap_or(0);
    let _ = match sql.verdict {
        DoorVerdict::Used => writeln!(
            out,
            "sql:       {calls} Forge SQL statement(s), allowed by the sql module"
        ),
        DoorVerdict::Unused => writeln!(
            out,
            "unused: the sql module, no Forge SQL statement observed; remove it from modules (or add a payload that queries)"
        ),
        DoorVerdict::Refused => writeln!(
            out,
            "denied: {calls} Forge SQL statement(s) without a sql module; add `sql: [{{key: main, engine: mysql}}]` under modules"
        ),
        DoorVerdict::Undeclared => Ok(()),
        DoorVerdict::NotObserved if sql.declared => writeln!(
            out,
            "sql:       not judged (an audit log records no Forge SQL statements; lint payloads do)"
        ),
        DoorVerdict::NotObserved => Ok(()),
    };
}

fn render_egress(out: &mut String, egress: &advisor::EgressAdvice) {
    if egress.declared.is_empty() && egress.requests == 0 {
        return;
    }
    let _ = writeln!(
        out,
        "egress:    {} request(s); backends used: {}",
        egress.requests,
        join_or_none(&egress.used.iter().map(String::as_str).collect::<Vec<_>>())
    );
    for backend in &egress.unused {
        let _ = writeln!(
            out,
            "unused: backend {backend} received no observed request; remove it from permissions.external.fetch.backend (or add a payload that calls it)"
        );
    }
    for (decision, count) in &egress.refused {
        let advice = match decision.as_str() {
            "not-allowed" => {
                "to a host no declared backend names; add the host to permissions.external.fetch.backend"
            }
            "https-required" => "over plain http; call the backend with https",
            "method-refused" => "with a method egress does not allow",
            _ => "by the host's egress rules",
        };
        let _ = writeln!(
            out,
            "denied: {count} egress request(s) {advice} ({decision})"
        );
    }
}

fn join_or_none(items: &[&str]) -> String {
    if items.is_empty() {
        String::from("none")
    } else {
        items.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use kiln_manifest::{DeclaredScopes, EgressAllowlist, Method, Scope, catalogue};

    use super::*;

    /// The report's text on `calls` (`(method, route template)`), all allowed
    /// under `declared`.
    fn text_for(declared: &[&str], calls: &[(Method, &str)]) -> String {
        let declared: Vec<Scope> = declared.iter().map(|s| s.parse().unwrap()).collect();
        let calls: Vec<ObservedCall> = calls
            .iter()
            .map(|(method, template)| ObservedCall {
                route: Some(
                    catalogue()
                        .route(*method, template)
                        .unwrap_or_else(|| panic!("{template} is catalogued")),
                ),
                decision: String::from("allowed"),
            })
            .collect();
        let advice = advisor::advise(
            &DeclaredScopes::new(declared.clone()),
            &declared,
            &EgressAllowlist::default(),
            false,
            &[],
            &Observed {
                calls,
                ..Observed::default()
            },
        );
        render_text(&LintReport {
            app_id: String::from("demo"),
            calls_observed: 1,
            runs: Vec::new(),
            manifest_warnings: Vec::new(),
            advice,
        })
    }

    #[test]
    fn forge_sql_verdicts_say_what_to_do() {
        let mut report = LintReport {
            app_id: String::from("demo"),
            calls_observed: 0,
            runs: Vec::new(),
            manifest_warnings: Vec::new(),
            advice: advisor::advise(
                &DeclaredScopes::new(Vec::new()),
                &[],
                &EgressAllowlist::default(),
                false,
                &[],
                &Observed {
                    sql_calls: Some(2),
                    ..Observed::default()
                },
            ),
        };
        let text = render_text(&report);
        assert!(
            text.contains("denied: 2 Forge SQL statement(s) without a sql module"),
            "{text}"
        );
        report.advice.sql = advisor::DoorAdvice::new(true, Some(0));
        let text = render_text(&report);
        assert!(
            text.contains("unused: the sql module, no Forge SQL statement observed"),
            "{text}"
        );
        report.advice.sql = advisor::DoorAdvice::new(true, Some(4));
        assert!(render_text(&report).contains("sql:       4 Forge SQL statement(s)"));
    }

    #[test]
    fn the_least_classic_set_is_called_so_only_when_it_is_classic() {
        let text = text_for(
            &["read:jira-work"],
            &[(Method::Get, "/rest/api/3/issue/{issueIdOrKey}")],
        );
        assert!(
            text.contains("least classic set:  read:jira-work (opens"),
            "{text}"
        );
        let route = "/rest/agile/1.0/board/{boardId}/issue";
        let needs = catalogue().route(Method::Get, route).unwrap();
        let granular_only = needs
            .alternatives
            .iter()
            .all(|alt| alt.iter().any(|s| !is_classic(*s)));
        assert!(granular_only, "{route} has a classic scope");
        let scopes: Vec<&str> = needs.alternatives[0].iter().map(|s| s.as_str()).collect();
        let text = text_for(&scopes, &[(Method::Get, route)]);
        assert!(!text.contains("least classic set"), "{text}");
        assert!(
            text.contains("least set, classic where a classic scope allows the call:"),
            "{text}"
        );
        assert!(
            text.contains("granular: read:board-scope:jira-software"),
            "{text}"
        );
    }
}
