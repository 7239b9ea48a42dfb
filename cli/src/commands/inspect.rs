//! `runtime inspect`: what an administrator reads before trusting an app —
//! identity, world, imports, functions, every scope with what it opens,
//! effective limits, size and digest. Nothing of the app runs.

use std::path::PathBuf;

use anyhow::anyhow;
use kiln_manifest::{Manifest, MemoryKey, Scope, WebTriggerResponseType};
use kiln_runtime::bindings::WorldVersion;
use kiln_runtime::consent::ComponentDigest;
use kiln_runtime::exported_handlers::check_handlers_exported;
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
    /// `None` (JSON `null`) when an app folder's build failed: the rest is
    /// read from the manifest alone, so it can still be reviewed.
    pub component: Option<ComponentSummary>,
    pub functions: Vec<FunctionSummary>,
    pub triggers: Vec<TriggerSummary>,
    /// Modules the manifest declares that Kiln loads but does not serve
    /// (Forge's product modules, such as UI modules and Rovo agents, and
    /// app events), each with why.
    pub not_served: Vec<NotServedSummary>,
    /// Forge manifest fields Kiln keeps but does not act on (a UI's
    /// permissions, licensing, remotes, …), each with why.
    pub not_acted_on: Vec<kiln_manifest::NotActedOn>,
    pub scopes: Vec<ScopeSummary>,
    /// Declared scopes Forge's manifest knows that no route Kiln serves
    /// needs: kept, they open nothing (named, so the review sees every
    /// scope the app asks for).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub forge_scopes: Vec<String>,
    /// Third-party backends the app may call (egress), canonical spelling.
    pub egress: Vec<String>,
    /// Forge's custom entities (`app.storage.entities`), served by Kiln's
    /// Forge layer over the app's storage.
    pub entities: Vec<EntitySummary>,
    /// Forge SQL declarations (`modules.sql` keys): the app gets its
    /// installation's relational database (`kiln:app@0.5.0`'s `sql`).
    pub sql: Vec<String>,
    /// Forge's custom fields (`jira:customField`): fields the app owns on
    /// the site and writes (`/rest/api/3/app/field/value`); the embedded
    /// simulator creates them for the app. Their UI is not served.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub custom_fields: Vec<CustomFieldSummary>,
    /// Forge's custom field types (`jira:customFieldType`): no field of
    /// their own; a Jira administrator creates fields of one, which the app
    /// owns and writes as a `jira:customField`'s. The embedded simulator
    /// offers them (`POST /rest/api/3/field` with the type's extension ARI).
    /// Their UI is not served.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub custom_field_types: Vec<CustomFieldSummary>,
    /// Forge's entity property indexes (`jira:entityProperty`): each value's
    /// JQL clause (`issue.property[key].path`), alias and type; the embedded
    /// simulator searches the `issue` ones.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub entity_property_indexes: Vec<EntityPropertySummary>,
    pub limits: LimitsSummary,
}

/// One custom entity: its attributes and indexes.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EntitySummary {
    pub name: String,
    /// `name: type`, in name order.
    pub attributes: Vec<String>,
    pub indexes: Vec<IndexSummary>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IndexSummary {
    pub name: String,
    pub range: String,
    pub partition: Vec<String>,
}

fn entity_summaries(manifest: &Manifest) -> Vec<EntitySummary> {
    manifest
        .entities()
        .iter()
        .map(|entity| EntitySummary {
            name: entity.name.clone(),
            attributes: entity
                .attributes
                .iter()
                .map(|(name, attribute)| format!("{name}: {}", attribute.kind.as_str()))
                .collect(),
            indexes: entity
                .indexes
                .iter()
                .map(|index| IndexSummary {
                    name: index.name().to_owned(),
                    range: index.range().join(", "),
                    partition: index.partition().to_vec(),
                })
                .collect(),
        })
        .collect()
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
    /// The vetted engine the component's code is (a JavaScript app's
    /// StarlingMonkey), compiled once and shared by every app built on it.
    pub engine: Option<&'static str>,
}

/// One `jira:customField` module (the field it makes) or
/// `jira:customFieldType` module (the type fields are made of).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomFieldSummary {
    pub key: String,
    pub name: String,
    /// Forge's data type (`object`), `list of …` for a list.
    #[serde(rename = "type")]
    pub field_type: String,
    pub read_only: bool,
}

fn custom_field_summaries(modules: &[kiln_manifest::CustomFieldModule]) -> Vec<CustomFieldSummary> {
    modules
        .iter()
        .map(|field| CustomFieldSummary {
            key: field.key.clone(),
            name: field.name.clone(),
            field_type: if field.is_list() {
                format!("list of {}", field.field_type.as_str())
            } else {
                field.field_type.as_str().to_owned()
            },
            read_only: field.read_only.unwrap_or(false),
        })
        .collect()
}

/// One indexed value of a `jira:entityProperty` module.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EntityPropertySummary {
    pub key: String,
    /// `issue.property[stats].comments.count` (`user.`, `project.` for those).
    pub clause: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search_alias: Option<String>,
    #[serde(rename = "type")]
    pub value_type: &'static str,
    /// Whether the embedded simulator's JQL searches it (`issue` indexes).
    pub searched: bool,
}

fn entity_property_summaries(manifest: &Manifest) -> Vec<EntityPropertySummary> {
    manifest
        .entity_property_indexes()
        .iter()
        .flat_map(|module| {
            module
                .values
                .iter()
                .map(move |value| EntityPropertySummary {
                    key: module.key.clone(),
                    clause: format!(
                        "{}.property[{}].{}",
                        module.entity_type.as_str(),
                        module.property_key,
                        value.path
                    ),
                    search_alias: value.search_alias.clone(),
                    value_type: value.value_type.as_str(),
                    searched: module.entity_type == kiln_manifest::EntityType::Issue,
                })
        })
        .collect()
}

/// A module Kiln loads but does not serve, and why.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NotServedSummary {
    /// The module type as in the manifest (`jira:issuePanel`, `consumer`).
    pub kind: String,
    pub key: Option<String>,
    pub reason: String,
}

/// The modules of `manifest` Kiln loads but does not serve (Forge's product
/// modules, `event` modules, …), each with the reason
/// [`kiln_manifest::NOT_SERVED_FORGE_MODULES`] gives.
fn not_served(manifest: &Manifest) -> Vec<NotServedSummary> {
    manifest
        .ui_modules()
        .into_iter()
        .map(|m| NotServedSummary {
            reason: kiln_manifest::not_served_reason(&m.module_type)
                .unwrap_or("not served by Kiln")
                .to_owned(),
            kind: m.module_type,
            key: m.key,
        })
        .collect()
}

#[derive(Serialize)]
pub struct FunctionSummary {
    pub key: String,
    pub handler: String,
}

/// One `trigger`, `webtrigger`, `scheduledTrigger` or `consumer` module:
/// what invokes which function.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TriggerSummary {
    /// `trigger`, `webtrigger`, `scheduledTrigger`, `consumer` or
    /// `preUninstall`, as in the manifest.
    pub kind: &'static str,
    pub key: String,
    pub function: String,
    /// For `trigger`: the Jira product events.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<&'static str>,
    /// For `trigger`: the event names Kiln does not know, as written: kept,
    /// never delivered.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown_events: Vec<String>,
    /// For `trigger`: whether the app's own writes are ignored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignore_self: Option<bool>,
    /// For `trigger`: the Jira expression an event must satisfy, and what an
    /// evaluation error does (`onError`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter_expression: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_error: Option<&'static str>,
    /// For `webtrigger`: `dynamic` or `static`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<&'static str>,
    /// For `scheduledTrigger`: the interval name and its period in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval_seconds: Option<u64>,
    /// For `consumer`: the queue the app pushes to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    /// For `trigger`: the events written with a filter of their own
    /// (`{ eventType, filter }`), which applies to them in place of the
    /// module's.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub event_filters: Vec<EventFilterSummary>,
}

/// One event's own filter.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventFilterSummary {
    pub event: &'static str,
    pub ignore_self: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter_expression: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_error: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScopeSummary {
    pub scope: &'static str,
    pub description: Option<&'static str>,
    /// Catalogue routes the declared scopes open through this one.
    pub routes_opened: usize,
    pub examples: Vec<String>,
    /// The host door beside `request-jira` this scope opens, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub door: Option<&'static str>,
}

/// The door beside `request-jira` that `scope` opens: `storage:app` is what
/// grants the app's storage (`storage_allowed` in the runtime), so it is never
/// "a scope that opens nothing", whatever Jira routes it opens (none).
fn door_opened(scope: Scope) -> Option<&'static str> {
    match scope {
        Scope::StorageApp => {
            Some("the app's storage (kiln:app/storage: Forge's `storage`, `@forge/kvs`)")
        }
        _ => None,
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LimitsSummary {
    /// The effective cap: the manifest's, under either key, capped by the operator.
    pub memory_mib: usize,
    /// The manifest key it was written under: Kiln's `memoryMiB` or
    /// Forge's `memoryMB` (which Forge means as MiB too).
    pub memory_key: &'static str,
    pub timeout_seconds: u64,
    /// The limit of a web trigger, and of a scheduled or queued run whose function sets
    /// no `timeoutSeconds`: Forge's 55 s unless the manifest wrote its own timeout.
    pub web_scheduled_queued_timeout_seconds: u64,
    pub fuel: Option<u64>,
    pub max_requests: u32,
    pub max_log_lines: u32,
    pub max_log_bytes: u32,
    pub max_payload_bytes: usize,
    pub max_result_bytes: usize,
}

pub fn run(args: InspectArgs) -> Result<Exit, Failure> {
    let isolation = BuildIsolation::choose(BuildFor::Local, false, &[]);
    let source = match app_source::resolve(&args.app, args.manifest.as_deref(), &isolation) {
        Ok(source) => source,
        Err(failure) => {
            print_manifest_only(&args);
            return Err(failure);
        }
    };
    check_bytes(&source.wasm)
        .and_then(|()| check_handlers_exported(&source.wasm, &source.manifest))
        .map_err(|e| Failure::bad_input(anyhow!("{}: {e}", source.wasm_path.display())))?;
    let info = component_info::read(&source.wasm).map_err(Failure::bad_input)?;
    let inspection = inspect(
        &source.manifest,
        source.wasm_path.display().to_string(),
        &source.wasm,
        info,
        &OperatorLimits::default(),
    );
    print_report(&inspection, args.json)?;
    Ok(Exit::Success)
}

fn print_report(inspection: &Inspection, json: bool) -> Result<(), Failure> {
    if json {
        let json = to_json_pretty(inspection).map_err(|e| Failure::environment(anyhow!(e)))?;
        println!("{json}");
    } else {
        print!("{}", render_text(inspection));
    }
    Ok(())
}

/// When an app folder did not build (its dependencies did not install, it
/// does not compile) but its manifest loads, prints the report's manifest
/// part (functions, triggers, scopes, egress, limits), so the app can be
/// reviewed all the same; the build's failure follows. Nothing for a
/// `.wasm` or a manifest that does not load: their error says it all.
fn print_manifest_only(args: &InspectArgs) {
    if !args.app.is_dir() {
        return;
    }
    let path = args
        .manifest
        .clone()
        .unwrap_or_else(|| args.app.join(app_source::MANIFEST_FILE));
    let Ok(manifest) = Manifest::load(&path) else {
        return;
    };
    let _ = print_report(
        &inspect_manifest(&manifest, &OperatorLimits::default()),
        args.json,
    );
}

/// Builds the report from a manifest and a component already read.
pub fn inspect(
    manifest: &Manifest,
    path: String,
    wasm: &[u8],
    info: component_info::ComponentInfo,
    operator: &OperatorLimits,
) -> Inspection {
    let world = info
        .exports
        .iter()
        .find_map(|e| WorldVersion::of_export(e))
        .map(|version| version.to_string());
    Inspection {
        component: Some(ComponentSummary {
            path,
            size: wasm.len(),
            // The digest a scope grant binds and a policy pre-approves.
            sha256: ComponentDigest::of(wasm).to_string(),
            world,
            imports: info.imports,
            exports: info.exports,
            engine: info.engine,
        }),
        ..inspect_manifest(manifest, operator)
    }
}

/// The report's manifest part, without a component.
fn inspect_manifest(manifest: &Manifest, operator: &OperatorLimits) -> Inspection {
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
                door: door_opened(scope),
            }
        })
        .collect();
    let limits = EffectiveLimits::resolve(&manifest.app.runtime, operator);
    Inspection {
        app_id: manifest.app.id.clone(),
        name: manifest.app.name.clone(),
        component: None,
        functions: manifest
            .modules
            .function
            .iter()
            .map(|f| FunctionSummary {
                key: f.key.clone(),
                handler: f.handler.clone(),
            })
            .collect(),
        triggers: trigger_summaries(manifest),
        not_served: not_served(manifest),
        not_acted_on: manifest.not_acted_on(),
        scopes,
        forge_scopes: manifest.permissions.forge_scopes.clone(),
        egress: manifest
            .egress_allowlist()
            .entries()
            .iter()
            .map(ToString::to_string)
            .collect(),
        entities: entity_summaries(manifest),
        sql: manifest.modules.sql.iter().map(|m| m.key.clone()).collect(),
        custom_fields: custom_field_summaries(manifest.custom_fields()),
        custom_field_types: custom_field_summaries(manifest.custom_field_types()),
        entity_property_indexes: entity_property_summaries(manifest),
        limits: LimitsSummary {
            memory_mib: limits.memory_bytes / (1024 * 1024),
            memory_key: manifest.app.runtime.memory_key.as_str(),
            timeout_seconds: limits.timeout.as_secs(),
            web_scheduled_queued_timeout_seconds: limits
                .timeout_for(
                    &kiln_manifest::FunctionModule::new("", ""),
                    kiln_runtime::invoke::Trigger::WebTrigger,
                )
                .as_secs(),
            fuel: limits.fuel,
            max_requests: limits.max_requests,
            max_log_lines: limits.max_log_lines,
            max_log_bytes: limits.max_log_bytes,
            max_payload_bytes: limits.max_payload_bytes,
            max_result_bytes: limits.max_result_bytes,
        },
    }
}

fn trigger_summaries(manifest: &Manifest) -> Vec<TriggerSummary> {
    let blank = |kind, key: &str, function: &str| TriggerSummary {
        kind,
        key: key.to_owned(),
        function: function.to_owned(),
        events: Vec::new(),
        unknown_events: Vec::new(),
        ignore_self: None,
        filter_expression: None,
        on_error: None,
        response: None,
        interval: None,
        interval_seconds: None,
        queue: None,
        event_filters: Vec::new(),
    };
    let events = manifest.triggers().iter().map(|t| {
        let filter = t.filter.as_ref();
        let expression = filter.and_then(|f| f.expression.as_ref());
        TriggerSummary {
            events: t.events.iter().map(|e| e.as_str()).collect(),
            unknown_events: t.unknown_events.iter().map(|u| u.name.clone()).collect(),
            ignore_self: Some(filter.is_some_and(|f| f.ignore_self)),
            filter_expression: expression.map(|e| e.as_str().to_owned()),
            on_error: filter
                .filter(|f| f.expression.is_some())
                .map(|f| f.on_error.as_str()),
            event_filters: t
                .event_filters
                .iter()
                .map(|e| EventFilterSummary {
                    event: e.event_type.as_str(),
                    ignore_self: e.filter.ignore_self,
                    filter_expression: e.filter.expression.as_ref().map(|x| x.as_str().to_owned()),
                    on_error: e
                        .filter
                        .expression
                        .as_ref()
                        .map(|_| e.filter.on_error.as_str()),
                })
                .collect(),
            ..blank("trigger", &t.key, &t.function)
        }
    });
    let web = manifest.web_triggers().iter().map(|w| TriggerSummary {
        response: Some(match w.response_type() {
            WebTriggerResponseType::Dynamic => "dynamic",
            WebTriggerResponseType::Static => "static",
        }),
        ..blank("webtrigger", &w.key, &w.function)
    });
    let scheduled = manifest
        .scheduled_triggers()
        .iter()
        .map(|s| TriggerSummary {
            interval: Some(s.interval.as_str()),
            interval_seconds: Some(s.interval.as_duration().as_secs()),
            ..blank("scheduledTrigger", &s.key, &s.function)
        });
    let consumers = manifest.consumers().iter().map(|c| TriggerSummary {
        queue: Some(c.queue.clone()),
        ..blank("consumer", &c.key, c.function_key().unwrap_or_default())
    });
    events
        .chain(web)
        .chain(scheduled)
        .chain(consumers)
        .chain(
            manifest
                .pre_uninstall()
                .iter()
                .map(|p| blank("preUninstall", &p.key, &p.function)),
        )
        .collect()
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
    if let Some(component) = &i.component {
        render_component(&mut out, component, &i.scopes);
    } else {
        let _ = writeln!(
            out,
            "component  not built (the build's error follows); from the manifest alone:"
        );
    }
    let _ = writeln!(out, "functions");
    for f in &i.functions {
        let _ = writeln!(
            out,
            "  {:<20} handler {}",
            GuestText(&f.key).to_string(),
            GuestText(&f.handler)
        );
    }
    if !i.not_served.is_empty() {
        let _ = writeln!(out, "not served by Kiln (loaded, never invoked)");
        for m in &i.not_served {
            let _ = writeln!(
                out,
                "  {:<20} {}: {}",
                GuestText(m.key.as_deref().unwrap_or("(no key)")).to_string(),
                GuestText(&m.kind),
                GuestText(&m.reason)
            );
        }
    }
    if !i.not_acted_on.is_empty() {
        let _ = writeln!(out, "kept, not acted on by Kiln");
        for field in &i.not_acted_on {
            let _ = writeln!(out, "  {:<34} {}", field.field, field.reason);
        }
    }
    if i.triggers.is_empty() {
        let _ = writeln!(out, "triggers   none");
    } else {
        let _ = writeln!(out, "triggers");
    }
    for t in &i.triggers {
        let detail = match t.kind {
            "trigger" => format!(
                "on {}{}{}{}",
                match t.events.is_empty() {
                    true => "no event Kiln delivers".to_owned(),
                    false => t.events.join(", "),
                },
                match t.unknown_events.is_empty() {
                    true => String::new(),
                    false => format!(
                        " (never on {}: unknown to Kiln)",
                        GuestList(&t.unknown_events, ", ")
                    ),
                },
                if t.ignore_self == Some(true) {
                    " (ignoring its own writes)"
                } else {
                    ""
                },
                match (&t.filter_expression, t.on_error) {
                    (Some(expression), Some(on_error)) =>
                        format!(", when {} (on error: {on_error})", GuestText(expression)),
                    _ => String::new(),
                }
            ),
            "webtrigger" => format!("HTTP, {} response", t.response.unwrap_or("dynamic")),
            "consumer" => format!(
                "events pushed to queue {}",
                GuestText(t.queue.as_deref().unwrap_or("?"))
            ),
            "preUninstall" => "when the app is uninstalled from a site".to_owned(),
            _ => format!("every {}", t.interval.unwrap_or("?")),
        };
        let _ = writeln!(
            out,
            "  {:<16} {:<20} → {}: {detail}",
            t.kind,
            GuestText(&t.key).to_string(),
            GuestText(&t.function)
        );
        for e in &t.event_filters {
            let mut parts = Vec::new();
            if e.ignore_self {
                parts.push("ignoring its own writes".to_owned());
            }
            if let (Some(expression), Some(on_error)) = (&e.filter_expression, e.on_error) {
                parts.push(format!(
                    "when {} (on error: {on_error})",
                    GuestText(expression)
                ));
            }
            let detail = if parts.is_empty() {
                "no condition".to_owned()
            } else {
                parts.join(", ")
            };
            let _ = writeln!(out, "  {:<37}   {}: {detail}", "", e.event);
        }
    }
    if i.egress.is_empty() {
        let _ = writeln!(out, "egress     none (wasi:http refused)");
    } else {
        let _ = writeln!(
            out,
            "egress     {} backend(s) the app may call",
            i.egress.len()
        );
        for backend in &i.egress {
            // Validated by the manifest grammar (ASCII host names only).
            let _ = writeln!(out, "  {backend}");
        }
    }
    if !i.sql.is_empty() {
        // Module keys are validated by the manifest grammar; escaped all the same.
        let _ = writeln!(
            out,
            "sql        {}: the installation's own Forge SQL database (MySQL dialect)",
            GuestText(&i.sql.join(", "))
        );
    }
    for f in &i.custom_fields {
        let _ = writeln!(
            out,
            "field      {} {:?} ({}{}): a custom field the app owns and writes; \
             the embedded simulator creates it (its UI is not served)",
            GuestText(&f.key),
            GuestText(&f.name).to_string(),
            GuestText(&f.field_type),
            if f.read_only { ", read-only" } else { "" }
        );
    }
    for t in &i.custom_field_types {
        let _ = writeln!(
            out,
            "field type {} {:?} ({}{}): a Jira admin creates fields of it, which the app \
             owns and writes; the embedded simulator offers it (its UI is not served)",
            GuestText(&t.key),
            GuestText(&t.name).to_string(),
            GuestText(&t.field_type),
            if t.read_only { ", read-only" } else { "" }
        );
    }
    for p in &i.entity_property_indexes {
        let _ = writeln!(
            out,
            "index      {} {}{} ({}): {}",
            GuestText(&p.key),
            GuestText(&p.clause),
            p.search_alias
                .as_deref()
                .map(|a| format!(" alias {}", GuestText(a)))
                .unwrap_or_default(),
            p.value_type,
            if p.searched {
                "an entity property JQL searches; the embedded simulator indexes it"
            } else {
                "an entity property index the embedded simulator does not search"
            }
        );
    }
    // Names and types are validated by the manifest grammar (ASCII
    // identifiers); printed through GuestText all the same.
    for e in &i.entities {
        let _ = writeln!(
            out,
            "entity     {} ({})",
            GuestText(&e.name),
            GuestText(&e.attributes.join(", "))
        );
        for index in &e.indexes {
            let partition = if index.partition.is_empty() {
                String::new()
            } else {
                format!(", partition {}", index.partition.join(", "))
            };
            let _ = writeln!(
                out,
                "  index {:<20} range {}{}",
                GuestText(&index.name).to_string(),
                GuestText(&index.range),
                GuestText(&partition)
            );
        }
    }
    let _ = writeln!(
        out,
        "scopes     {} declared",
        i.scopes.len() + i.forge_scopes.len()
    );
    for scope in &i.forge_scopes {
        let _ = writeln!(
            out,
            "  {}\n      a Forge scope no route Kiln serves needs: kept, opens nothing",
            GuestText(scope)
        );
    }
    for s in &i.scopes {
        let _ = writeln!(out, "  {}", s.scope);
        if let Some(description) = s.description {
            let _ = writeln!(out, "      {description}");
        }
        if let Some(door) = s.door {
            let _ = writeln!(out, "      opens {door}");
        } else if s.routes_opened == 0 {
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
    let _ = if l.memory_key == MemoryKey::MemoryMB.as_str() {
        // Say how Forge's key was read, so nobody has to wonder about MB.
        writeln!(
            out,
            "  memory        {} MiB (from Forge's memoryMB, whose MB are MiB)",
            l.memory_mib
        )
    } else {
        writeln!(out, "  memory        {} MiB", l.memory_mib)
    };
    let _ = if l.web_scheduled_queued_timeout_seconds == l.timeout_seconds {
        writeln!(out, "  timeout       {} s", l.timeout_seconds)
    } else {
        writeln!(
            out,
            "  timeout       {} s; {} s for web triggers and for scheduled and queued runs (Forge's defaults)",
            l.timeout_seconds, l.web_scheduled_queued_timeout_seconds
        )
    };
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

/// The component's part of the report: path, size, digest, world, imports
/// and exports.
fn render_component(out: &mut String, component: &ComponentSummary, scopes: &[ScopeSummary]) {
    use std::fmt::Write as _;
    let _ = writeln!(out, "component  {}", component.path);
    let _ = writeln!(
        out,
        "           {} bytes, sha256 {}",
        component.size, component.sha256
    );
    let _ = writeln!(
        out,
        "           to pre-approve this exact code in the operator policy (kiln-policy.toml):\n             [[preapproved]]\n             sha256 = \"{}\"\n             scopes = [{}]",
        component.sha256,
        scopes
            .iter()
            .map(|s| format!("\"{}\"", s.scope))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(
        out,
        "world      {}",
        component
            .world
            .as_deref()
            .unwrap_or("none this runtime implements (it would be refused at load)")
    );
    if let Some(engine) = component.engine {
        let _ = writeln!(
            out,
            "engine     {engine}: vetted code, compiled once and shared by every JS app"
        );
    }
    let _ = writeln!(out, "imports    {}", list_or_none(&component.imports));
    let _ = writeln!(out, "exports    {}", list_or_none(&component.exports));
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

    /// The inspection of a component with `imports` exporting `world`'s handler,
    /// under the app manifest `yaml`.
    fn inspection(
        yaml: &str,
        imports: &[&str],
        world: WorldVersion,
        operator: &OperatorLimits,
    ) -> Inspection {
        let manifest = Manifest::from_yaml(yaml).unwrap();
        let info = component_info::ComponentInfo {
            imports: imports.iter().map(|i| String::from(*i)).collect(),
            exports: vec![String::from(world.handler_export())],
            engine: None,
        };
        inspect(
            &manifest,
            String::from("demo.wasm"),
            b"bytes",
            info,
            operator,
        )
    }

    #[test]
    fn egress_backends_are_listed() {
        let report = inspection(
            "app:\n  id: demo\nmodules:\n  function:\n    - key: main\n      handler: summary\npermissions:\n  external:\n    fetch:\n      backend: [API.weather.example, '*.sentry.io']\n",
            &["wasi:http/outgoing-handler@0.2.12"],
            WorldVersion::NEWEST,
            &OperatorLimits::default(),
        );
        assert_eq!(
            report.egress,
            ["https://api.weather.example", "https://*.sentry.io"]
        );
        let text = render_text(&report);
        assert!(text.contains("egress     2 backend(s) the app may call\n  https://api.weather.example\n  https://*.sentry.io\n"), "{text}");
    }

    /// A trigger event Kiln does not know is shown beside the trigger, escaped,
    /// and listed as kept, not acted on: the reviewer sees the whole
    /// subscription and which part never fires.
    #[test]
    fn unknown_trigger_events_are_shown_beside_the_trigger() {
        let report = inspection(
            "app:\n  id: demo\nmodules:\n  function:\n    - key: main\n      handler: index.run\n  trigger:\n    - key: on-link\n      function: main\n      events: [avi:jira:created:issue, avi:jira-issue-link:created, \"avi:x:\\e[31m\"]\npermissions:\n  scopes: [read:jira-work]\n",
            &[],
            WorldVersion::NEWEST,
            &OperatorLimits::default(),
        );
        let trigger = &report.triggers[0];
        assert_eq!(trigger.events, ["avi:jira:created:issue"]);
        assert_eq!(
            trigger.unknown_events,
            ["avi:jira-issue-link:created", "avi:x:\u{1b}[31m"]
        );
        let text = render_text(&report);
        assert!(
            text.contains("on avi:jira:created:issue (never on avi:jira-issue-link:created, avi:x:\\u{1b}[31m: unknown to Kiln)"),
            "{text}"
        );
        assert!(!text.contains('\u{1b}'), "{text}");
        assert!(
            text.contains("modules.trigger[].events Kiln does not know"),
            "{text}"
        );
    }

    #[test]
    fn custom_entities_are_listed_with_their_indexes() {
        let report = inspection(
            "app:\n  id: demo\n  storage:\n    entities:\n      - name: employee\n        attributes:\n          age: {type: integer}\n          team: {type: string}\n          notes: {type: any}\n        indexes:\n          - age\n          - name: by-team-age\n            partition: [team]\n            range: [age]\nmodules:\n  function:\n    - key: main\n      handler: index.run\npermissions:\n  scopes: [storage:app]\n",
            &["kiln:app/storage@0.2.0"],
            WorldVersion::NEWEST,
            &OperatorLimits::default(),
        );
        assert_eq!(report.entities.len(), 1);
        assert_eq!(
            report.entities[0].attributes,
            ["age: integer", "notes: any", "team: string"]
        );
        let text = render_text(&report);
        assert!(
            text.contains("entity     employee (age: integer, notes: any, team: string)\n  index age                  range age\n  index by-team-age          range age, partition team\n"),
            "{text}"
        );
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["entities"][0]["indexes"][1]["partition"][0], "team");
    }

    #[test]
    fn a_forge_sql_declaration_is_listed_as_a_capability() {
        let report = inspection(
            "app:\n  id: demo\nmodules:\n  function:\n    - key: main\n      handler: index.run\n  sql:\n    - key: main-db\n      engine: mysql\n",
            &["kiln:app/sql@0.5.0"],
            WorldVersion::V0_5,
            &OperatorLimits::default(),
        );
        assert_eq!(report.sql, ["main-db"]);
        assert!(report.not_served.iter().all(|m| m.kind != "sql"));
        let text = render_text(&report);
        assert!(
            text.contains("sql        main-db: the installation's own Forge SQL database"),
            "{text}"
        );
    }

    #[test]
    fn scopes_show_what_they_open_and_limits_are_capped() {
        let operator = OperatorLimits {
            max_memory_mib: 256,
            ..OperatorLimits::default()
        };
        let report = inspection(
            "app:\n  id: demo\n  runtime:\n    memoryMiB: 512\nmodules:\n  function:\n    - key: main\n      handler: summary\npermissions:\n  scopes: [read:jira-work, read:jira-user]\n",
            &["kiln:app/jira@0.1.0"],
            WorldVersion::V0_1,
            &operator,
        );
        assert_eq!(report.limits.memory_mib, 256);
        let component = report.component.as_ref().expect("a component");
        assert_eq!(component.world.as_deref(), Some("kiln:app@0.1.0"));
        // The same digest a grant binds, in the form a policy accepts.
        assert_eq!(component.sha256, ComponentDigest::of(b"bytes").to_string());
        let text = render_text(&report);
        assert!(
            text.contains(&format!(
                "[[preapproved]]\n             sha256 = \"{}\"\n             scopes = [\"read:jira-user\", \"read:jira-work\"]",
                component.sha256
            )) || text.contains(&format!(
                "[[preapproved]]\n             sha256 = \"{}\"\n             scopes = [\"read:jira-work\", \"read:jira-user\"]",
                component.sha256
            )),
            "{text}"
        );
        let work = &report.scopes[0];
        assert_eq!(work.scope, "read:jira-work");
        assert!(work.routes_opened > 10, "{}", work.routes_opened);
        assert!(work.description.is_some());
        assert!(report.triggers.is_empty());
        let text = render_text(&report);
        assert!(text.contains("triggers   none"), "{text}");
        assert!(text.contains("read:jira-user"), "{text}");
        assert!(text.contains("256 MiB"), "{text}");
    }

    /// `storage:app` opens no Jira route but is what grants the app's storage:
    /// never advised as droppable (dropping it makes every storage call
    /// `scope-denied`).
    #[test]
    fn the_storage_scope_is_shown_as_the_door_it_opens() {
        let report = inspection(
            "app:\n  id: demo\nmodules:\n  function:\n    - key: main\n      handler: index.run\npermissions:\n  scopes: [storage:app, read:jira-work]\n",
            &["kiln:app/storage@0.5.0"],
            WorldVersion::NEWEST,
            &OperatorLimits::default(),
        );
        let storage = report
            .scopes
            .iter()
            .find(|s| s.scope == "storage:app")
            .expect("listed");
        assert_eq!(storage.routes_opened, 0);
        assert!(storage.door.is_some_and(|door| door.contains("storage")));
        let text = render_text(&report);
        assert!(text.contains("  storage:app\n"), "{text}");
        assert!(text.contains("      opens the app's storage"), "{text}");
        assert!(!text.contains("it can be dropped"), "{text}");
        let json = serde_json::to_value(&report).unwrap();
        assert!(json["scopes"][0].get("door").is_some() || json["scopes"][1].get("door").is_some());
    }

    #[test]
    fn forges_memory_mb_is_shown_as_the_effective_mib_limit() {
        let forge = |memory: &str, operator: &OperatorLimits| {
            inspection(
                &format!(
                    "app:\n  id: demo\n  runtime:\n    memoryMB: {memory}\nmodules:\n  function:\n    - key: main\n      handler: index.run\n"
                ),
                &[],
                WorldVersion::NEWEST,
                operator,
            )
        };
        let report = forge("512", &OperatorLimits::default());
        assert_eq!(report.limits.memory_mib, 512);
        let text = render_text(&report);
        assert!(
            text.contains("  memory        512 MiB (from Forge's memoryMB, whose MB are MiB)\n"),
            "{text}"
        );
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["limits"]["memoryMib"], 512);
        assert_eq!(json["limits"]["memoryKey"], "memoryMB");
        // The operator's cap applies to Forge's key as to Kiln's.
        let capped = forge(
            "512",
            &OperatorLimits {
                max_memory_mib: 256,
                ..OperatorLimits::default()
            },
        );
        assert_eq!(capped.limits.memory_mib, 256);
    }

    #[test]
    fn entity_property_indexes_are_listed_with_their_clauses() {
        let manifest = Manifest::from_yaml(
            "app:\n  id: demo\nmodules:\n  function:\n    - key: main\n      handler: index.run\n  jira:entityProperty:\n    - key: stats\n      propertyKey: stats\n      values:\n        - path: comments.count\n          type: number\n          searchAlias: commentCount\n    - key: prefs\n      entityType: user\n      propertyKey: prefs\n      values:\n        - path: theme\n          type: string\n",
        )
        .unwrap();
        assert!(not_served(&manifest).is_empty());
        let shown: Vec<(String, Option<String>, &str, bool)> = entity_property_summaries(&manifest)
            .into_iter()
            .map(|p| (p.clause, p.search_alias, p.value_type, p.searched))
            .collect();
        assert_eq!(
            shown,
            [
                (
                    "issue.property[stats].comments.count".to_owned(),
                    Some("commentCount".to_owned()),
                    "number",
                    true
                ),
                (
                    "user.property[prefs].theme".to_owned(),
                    None,
                    "string",
                    false
                ),
            ]
        );
    }

    #[test]
    fn custom_fields_are_listed_as_fields_not_as_unserved_ui() {
        let manifest = Manifest::from_yaml(
            "app:\n  id: demo\nmodules:\n  function:\n    - key: main\n      handler: index.run\n  jira:customField:\n    - key: experiment\n      name: Experiment\n      type: object\n      readOnly: true\n      view: {resource: main}\n    - key: reviewers\n      name: Reviewers\n      type: user\n      collection: list\nresources:\n  - key: main\n    path: static\n",
        )
        .unwrap();
        assert!(not_served(&manifest).is_empty());
        let fields = custom_field_summaries(manifest.custom_fields());
        let shown: Vec<(&str, &str, bool)> = fields
            .iter()
            .map(|f| (f.key.as_str(), f.field_type.as_str(), f.read_only))
            .collect();
        assert_eq!(
            shown,
            [
                ("experiment", "object", true),
                ("reviewers", "list of user", false)
            ]
        );
    }

    #[test]
    fn custom_field_types_are_listed_as_types_not_as_fields_nor_unserved_ui() {
        let manifest = Manifest::from_yaml(
            "app:\n  id: demo\nmodules:\n  function:\n    - key: main\n      handler: index.run\n  jira:customFieldType:\n    - key: issue-picker\n      name: Issue Picker\n      type: string\n      collection: list\n      view: {resource: main}\n      contextConfig: {resource: main}\nresources:\n  - key: main\n    path: static\n",
        )
        .unwrap();
        assert!(not_served(&manifest).is_empty());
        assert!(custom_field_summaries(manifest.custom_fields()).is_empty());
        let types = custom_field_summaries(manifest.custom_field_types());
        let shown: Vec<(&str, &str)> = types
            .iter()
            .map(|t| (t.key.as_str(), t.field_type.as_str()))
            .collect();
        assert_eq!(shown, [("issue-picker", "list of string")]);
    }

    #[test]
    fn forge_ui_modules_are_listed_as_not_served_and_consumers_as_triggers() {
        let manifest = Manifest::from_yaml(
            "app:\n  id: demo\n  runtime: {name: nodejs22.x}\nmodules:\n  function:\n    - key: main\n      handler: index.run\n  jira:issuePanel:\n    - key: panel\n      resource: main\n      title: Hi\n  event:\n    - key: done\n      name: Done\n      allowedRecipients: ['*']\n  consumer:\n    - key: q\n      queue: work\n      function: main\nresources:\n  - key: main\n    path: static\n",
        )
        .unwrap();
        let kinds: Vec<(String, Option<String>)> = not_served(&manifest)
            .into_iter()
            .map(|m| (m.kind, m.key))
            .collect();
        assert_eq!(
            kinds,
            [
                ("event".to_owned(), Some("done".to_owned())),
                ("jira:issuePanel".to_owned(), Some("panel".to_owned()))
            ]
        );
        let reasons: Vec<String> = not_served(&manifest)
            .into_iter()
            .map(|m| m.reason)
            .collect();
        assert!(reasons[0].contains("appEvents.publish"), "{reasons:?}");
        assert!(reasons[1].starts_with("UI module"), "{reasons:?}");
        // Product modules that are no UI say what they are.
        let products = Manifest::from_yaml(
            "app:\n  id: demo\nmodules:\n  function:\n    - key: main\n      handler: index.run\n  rovo:agent:\n    - key: agent\n  automation:actionProvider:\n    - key: provider\n  devops:buildInfoProvider:\n    - key: builds\n  teamworkGraph:connector:\n    - key: graph\n",
        )
        .unwrap();
        let reasons: Vec<(String, String)> = not_served(&products)
            .into_iter()
            .map(|m| (m.kind, m.reason))
            .collect();
        for (kind, reason) in &reasons {
            assert!(!reason.contains("UI module"), "{kind}: {reason}");
        }
        let reason = |kind: &str| {
            reasons
                .iter()
                .find(|(k, _)| k == kind)
                .map(|(_, r)| r.as_str())
                .unwrap_or_else(|| panic!("{kind} in {reasons:?}"))
        };
        assert!(reason("rovo:agent").starts_with("Rovo module"));
        assert!(reason("automation:actionProvider").starts_with("Automation module"));
        assert!(reason("devops:buildInfoProvider").starts_with("DevOps provider"));
        assert_eq!(reason("teamworkGraph:connector"), "not served by Kiln");
        let consumers = trigger_summaries(&manifest);
        assert_eq!(consumers.len(), 1);
        assert_eq!(
            (
                consumers[0].kind,
                consumers[0].queue.as_deref(),
                consumers[0].function.as_str()
            ),
            ("consumer", Some("work"), "main")
        );
    }

    #[test]
    fn forge_fields_kiln_does_not_act_on_are_listed_with_why() {
        let report = inspection(
            "app:\n  id: demo\n  licensing: {enabled: true}\nmodules:\n  function:\n    - key: main\n      handler: summary\npermissions:\n  scopes: []\n  external:\n    fetch:\n      client: [https://api.example.com]\n",
            &[],
            WorldVersion::V0_1,
            &OperatorLimits::default(),
        );
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["notActedOn"][0]["field"], "app.licensing");
        assert_eq!(
            json["notActedOn"][1]["field"],
            "permissions.external.fetch.client"
        );
        assert!(report.egress.is_empty(), "a UI's hosts grant nothing");
        let text = render_text(&report);
        assert!(text.contains("kept, not acted on by Kiln"), "{text}");
        assert!(text.contains("grant the backend nothing"), "{text}");
    }

    #[test]
    fn triggers_are_listed_with_what_they_invoke() {
        let report = inspection(
            "app:\n  id: demo\nmodules:\n  function:\n    - key: main\n      handler: summary\n  trigger:\n    - key: on-issue\n      function: main\n      events: [avi:jira:created:issue]\n      filter: {ignoreSelf: true}\n  webtrigger:\n    - key: hook\n      function: main\n      response: {type: static, outputs: [{key: ok, statusCode: 204}]}\n  scheduledTrigger:\n    - key: weekly\n      function: main\n      interval: week\npermissions:\n  scopes: [read:jira-work]\n",
            &[],
            WorldVersion::V0_1,
            &OperatorLimits::default(),
        );
        let kinds: Vec<_> = report.triggers.iter().map(|t| t.kind).collect();
        assert_eq!(kinds, ["trigger", "webtrigger", "scheduledTrigger"]);
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["triggers"][0]["events"][0], "avi:jira:created:issue");
        assert_eq!(json["triggers"][0]["ignoreSelf"], true);
        assert_eq!(json["triggers"][1]["response"], "static");
        assert_eq!(json["triggers"][2]["intervalSeconds"], 604_800);
        let text = render_text(&report);
        assert!(
            text.contains("on avi:jira:created:issue (ignoring its own writes)"),
            "{text}"
        );
        assert!(text.contains("HTTP, static response"), "{text}");
        assert!(text.contains("every week"), "{text}");
    }

    #[test]
    fn a_trigger_filter_expression_is_shown_with_its_on_error() {
        let report = inspection(
            "app:\n  id: demo\nmodules:\n  function:\n    - key: main\n      handler: summary\n  trigger:\n    - key: on-bug\n      function: main\n      events: [avi:jira:created:issue]\n      filter:\n        expression: \"event.issue.fields?.issuetype.name == 'Bug'\"\n        onError: RECEIVE_AND_LOG\npermissions:\n  scopes: [read:jira-work]\n",
            &[],
            WorldVersion::V0_1,
            &OperatorLimits::default(),
        );
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(
            json["triggers"][0]["filterExpression"],
            "event.issue.fields?.issuetype.name == 'Bug'"
        );
        assert_eq!(json["triggers"][0]["onError"], "RECEIVE_AND_LOG");
        let text = render_text(&report);
        assert!(
            text.contains("on avi:jira:created:issue, when event.issue.fields?.issuetype.name == 'Bug' (on error: RECEIVE_AND_LOG)"),
            "{text}"
        );
    }

    #[test]
    fn an_events_own_filter_is_shown_under_its_trigger() {
        let report = inspection(
            "app:\n  id: demo\nmodules:\n  function:\n    - key: main\n      handler: summary\n  trigger:\n    - key: on-issue\n      function: main\n      events:\n        - avi:jira:created:issue\n        - eventType: avi:jira:updated:issue\n          filter:\n            ignoreSelf: true\n            expression: \"event.issue.key == 'OPS-1'\"\npermissions:\n  scopes: [read:jira-work]\n",
            &[],
            WorldVersion::V0_1,
            &OperatorLimits::default(),
        );
        let json = serde_json::to_value(&report).unwrap();
        let trigger = &json["triggers"][0];
        assert_eq!(
            trigger["events"],
            serde_json::json!(["avi:jira:created:issue", "avi:jira:updated:issue"])
        );
        assert_eq!(trigger["ignoreSelf"], false, "the module has no filter");
        assert_eq!(
            trigger["eventFilters"],
            serde_json::json!([{
                "event": "avi:jira:updated:issue",
                "ignoreSelf": true,
                "filterExpression": "event.issue.key == 'OPS-1'",
                "onError": "IGNORE_AND_LOG",
            }])
        );
        let text = render_text(&report);
        assert!(
            text.contains("avi:jira:updated:issue: ignoring its own writes, when event.issue.key == 'OPS-1' (on error: IGNORE_AND_LOG)"),
            "{text}"
        );
    }

    #[test]
    fn forges_scopes_without_a_route_are_named_with_what_they_open() {
        let report = inspection(
            "app:\n  id: demo\nmodules:\n  function:\n    - key: main\n      handler: summary\npermissions:\n  scopes: [read:jira-work, report:personal-data]\n",
            &[],
            WorldVersion::V0_1,
            &OperatorLimits::default(),
        );
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(
            json["forgeScopes"],
            serde_json::json!(["report:personal-data"])
        );
        let text = render_text(&report);
        assert!(text.contains("scopes     2 declared"), "{text}");
        assert!(
            text.contains("  report:personal-data\n      a Forge scope no route Kiln serves needs: kept, opens nothing"),
            "{text}"
        );
    }
}
