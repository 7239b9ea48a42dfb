//! `runtime inspect`: what an administrator reads before trusting an app —
//! identity, world, imports, functions, every scope with what it opens,
//! effective limits, size and digest. Nothing of the app runs.

use std::path::PathBuf;

use anyhow::anyhow;
use kiln_manifest::{Manifest, Scope};
use kiln_runtime::bindings::{HANDLER_EXPORT, WORLD_PACKAGE, WORLD_VERSION};
use kiln_runtime::consent::ComponentDigest;
use kiln_runtime::guest_text::{GuestList, GuestText, to_json_pretty};
use kiln_runtime::sandbox::component_check::check_bytes;
use kiln_runtime::{EffectiveLimits, OperatorLimits};
use serde::Serialize;

use super::app_source;
use super::build::{BuildFor, BuildIsolation};
use super::component_info;
use super::exit::{Exit, Failure};
use kiln_runtime::advisor::scope_reach::routes_opened_by;

/// Example routes shown per scope: enough to recognise what it opens.
const EXAMPLES_PER_SCOPE: usize = 3;

#[derive(clap::Args, Debug)]
pub struct InspectArgs {
    /// The app: a `.wasm` component (manifest.yml beside it) or an app folder, built first.
    app: PathBuf,
    /// The manifest (default: manifest.yml next to the app).
    #[arg(long, value_name = "PATH")]
    manifest: Option<PathBuf>,
    /// Print one JSON document instead of text.
    #[arg(long)]
    json: bool,
}

/// The report, as printed with `--json`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Inspection {
    pub app_id: String,
    pub name: Option<String>,
    pub component: ComponentSummary,
    pub functions: Vec<FunctionSummary>,
    pub scopes: Vec<ScopeSummary>,
    pub limits: LimitsSummary,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ComponentSummary {
    pub path: String,
    pub size: usize,
    pub sha256: String,
    /// `kiln:app@0.1.0` when the component exports this runtime's handler.
    pub world: Option<String>,
    pub imports: Vec<String>,
    pub exports: Vec<String>,
}

#[derive(Serialize)]
pub struct FunctionSummary {
    pub key: String,
    pub handler: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScopeSummary {
    pub scope: &'static str,
    pub description: Option<&'static str>,
    /// Catalogue routes the declared scopes open through this one.
    pub routes_opened: usize,
    pub examples: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LimitsSummary {
    pub memory_mib: usize,
    pub timeout_seconds: u64,
    pub fuel: Option<u64>,
    pub max_requests: u32,
    pub max_log_lines: u32,
    pub max_log_bytes: u32,
    pub max_payload_bytes: usize,
    pub max_result_bytes: usize,
}

pub fn run(args: InspectArgs) -> Result<Exit, Failure> {
    let isolation = BuildIsolation::choose(BuildFor::Local, false, &[])?;
    let source = app_source::resolve(&args.app, args.manifest.as_deref(), &isolation)?;
    check_bytes(&source.wasm)
        .map_err(|e| Failure::bad_input(anyhow!("{}: {e}", source.wasm_path.display())))?;
    let info = component_info::read(&source.wasm).map_err(Failure::bad_input)?;
    let inspection = inspect(
        &source.manifest,
        source.wasm_path.display().to_string(),
        &source.wasm,
        info,
        &OperatorLimits::default(),
    );
    if args.json {
        let json = to_json_pretty(&inspection).map_err(|e| Failure::environment(anyhow!(e)))?;
        println!("{json}");
    } else {
        print!("{}", render_text(&inspection));
    }
    Ok(Exit::Success)
}

/// Builds the report from a manifest and a component already read.
pub fn inspect(
    manifest: &Manifest,
    path: String,
    wasm: &[u8],
    info: component_info::ComponentInfo,
    operator: &OperatorLimits,
) -> Inspection {
    let declared = manifest.declared_scopes();
    let scopes = manifest
        .permissions
        .scopes
        .iter()
        .map(|&scope: &Scope| {
            let opened = routes_opened_by(scope, &declared);
            ScopeSummary {
                scope: scope.as_str(),
                description: scope.description(),
                routes_opened: opened.len(),
                examples: opened
                    .iter()
                    .take(EXAMPLES_PER_SCOPE)
                    .map(|r| r.to_string())
                    .collect(),
            }
        })
        .collect();
    let world = info
        .exports
        .iter()
        .any(|e| e == HANDLER_EXPORT)
        .then(|| format!("{WORLD_PACKAGE}@{WORLD_VERSION}"));
    let limits = EffectiveLimits::resolve(&manifest.app.runtime, operator);
    Inspection {
        app_id: manifest.app.id.clone(),
        name: manifest.app.name.clone(),
        component: ComponentSummary {
            path,
            size: wasm.len(),
            // The digest a scope grant binds and a policy pre-approves.
            sha256: ComponentDigest::of(wasm).to_string(),
            world,
            imports: info.imports,
            exports: info.exports,
        },
        functions: manifest
            .modules
            .function
            .iter()
            .map(|f| FunctionSummary {
                key: f.key.clone(),
                handler: f.handler.clone(),
            })
            .collect(),
        scopes,
        limits: LimitsSummary {
            memory_mib: limits.memory_bytes / (1024 * 1024),
            timeout_seconds: limits.timeout.as_secs(),
            fuel: limits.fuel,
            max_requests: limits.max_requests,
            max_log_lines: limits.max_log_lines,
            max_log_bytes: limits.max_log_bytes,
            max_payload_bytes: limits.max_payload_bytes,
            max_result_bytes: limits.max_result_bytes,
        },
    }
}

/// The report for people. The app id, name, function keys and handlers
/// (the manifest's) and the import and export names (the component's) are
/// the app's text, escaped ([`GuestText`]).
pub fn render_text(i: &Inspection) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let name = i
        .name
        .as_deref()
        .map(|n| format!(" ({})", GuestText(n)))
        .unwrap_or_default();
    let _ = writeln!(out, "app        {}{name}", GuestText(&i.app_id));
    let _ = writeln!(out, "component  {}", i.component.path);
    let _ = writeln!(
        out,
        "           {} bytes, sha256 {}",
        i.component.size, i.component.sha256
    );
    let _ = writeln!(
        out,
        "           to pre-approve this exact code in the operator policy (kiln-policy.toml):\n             [[preapproved]]\n             sha256 = \"{}\"\n             scopes = [{}]",
        i.component.sha256,
        i.scopes
            .iter()
            .map(|s| format!("\"{}\"", s.scope))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(
        out,
        "world      {}",
        i.component
            .world
            .as_deref()
            .unwrap_or("none this runtime implements (it would be refused at load)")
    );
    let _ = writeln!(out, "imports    {}", list_or_none(&i.component.imports));
    let _ = writeln!(out, "exports    {}", list_or_none(&i.component.exports));
    let _ = writeln!(out, "functions");
    for f in &i.functions {
        let _ = writeln!(
            out,
            "  {:<20} handler {}",
            GuestText(&f.key).to_string(),
            GuestText(&f.handler)
        );
    }
    let _ = writeln!(out, "scopes     {} declared", i.scopes.len());
    for s in &i.scopes {
        let _ = writeln!(out, "  {}", s.scope);
        if let Some(description) = s.description {
            let _ = writeln!(out, "      {description}");
        }
        if s.routes_opened == 0 {
            let _ = writeln!(
                out,
                "      opens no route with the other declared scopes: it can be dropped"
            );
        } else {
            let _ = writeln!(
                out,
                "      opens {} route{}, e.g. {}",
                s.routes_opened,
                if s.routes_opened == 1 { "" } else { "s" },
                s.examples.join(", ")
            );
        }
    }
    let l = &i.limits;
    let _ = writeln!(out, "limits     (the manifest's, capped by the operator's)");
    let _ = writeln!(out, "  memory        {} MiB", l.memory_mib);
    let _ = writeln!(out, "  timeout       {} s", l.timeout_seconds);
    let _ = writeln!(
        out,
        "  fuel          {}",
        l.fuel
            .map_or_else(|| String::from("unlimited"), |f| f.to_string())
    );
    let _ = writeln!(out, "  requests      {} per invocation", l.max_requests);
    let _ = writeln!(
        out,
        "  log           {} lines, {} bytes",
        l.max_log_lines, l.max_log_bytes
    );
    let _ = writeln!(out, "  payload       {} bytes", l.max_payload_bytes);
    let _ = writeln!(out, "  result        {} bytes", l.max_result_bytes);
    out
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        String::from("none")
    } else {
        GuestList(items, ", ").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_show_what_they_open_and_limits_are_capped() {
        let manifest = Manifest::from_yaml(
            "app:\n  id: demo\n  runtime:\n    memoryMiB: 512\nmodules:\n  function:\n    - key: main\n      handler: summary\npermissions:\n  scopes: [read:jira-work, read:jira-user]\n",
        )
        .unwrap();
        let info = component_info::ComponentInfo {
            imports: vec![String::from("kiln:app/jira@0.1.0")],
            exports: vec![String::from(HANDLER_EXPORT)],
        };
        let operator = OperatorLimits {
            max_memory_mib: 256,
            ..OperatorLimits::default()
        };
        let report = inspect(
            &manifest,
            String::from("demo.wasm"),
            b"bytes",
            info,
            &operator,
        );
        assert_eq!(report.limits.memory_mib, 256);
        assert_eq!(report.component.world.as_deref(), Some("kiln:app@0.1.0"));
        // The same digest a grant binds, in the form a policy accepts.
        assert_eq!(
            report.component.sha256,
            ComponentDigest::of(b"bytes").to_string()
        );
        let text = render_text(&report);
        assert!(
            text.contains(&format!(
                "[[preapproved]]\n             sha256 = \"{}\"\n             scopes = [\"read:jira-user\", \"read:jira-work\"]",
                report.component.sha256
            )) || text.contains(&format!(
                "[[preapproved]]\n             sha256 = \"{}\"\n             scopes = [\"read:jira-work\", \"read:jira-user\"]",
                report.component.sha256
            )),
            "{text}"
        );
        let work = &report.scopes[0];
        assert_eq!(work.scope, "read:jira-work");
        assert!(work.routes_opened > 10, "{}", work.routes_opened);
        assert!(work.description.is_some());
        let text = render_text(&report);
        assert!(text.contains("read:jira-user"), "{text}");
        assert!(text.contains("256 MiB"), "{text}");
    }
}
