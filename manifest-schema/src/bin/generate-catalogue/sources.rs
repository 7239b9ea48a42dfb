//! Reads the three Atlassian sources and the hand-kept extra routes into one
//! [`Catalogue`], rejecting anything the runtime's matcher could not handle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, Result, bail, ensure};
use serde_json::Value;

use crate::model::{Access, Catalogue, METHODS, Operation, Product, RouteSpec};

/// JSM Ops paths in the TSV are relative to `https://api.atlassian.com/jsm/ops/`;
/// an app writes them with this prefix.
const JSM_OPS_PREFIX: &str = "/jsm/ops";

/// The platform spec the catalogue is generated from: the December 2025 copy, which
/// has the enhanced JQL search routes (`/rest/api/3/search/jql`,
/// `/rest/api/3/search/approximate-count`) that the 2024-03-28 snapshot predates.
/// The older file stays in `shared/specs` for comparison only.
pub const PLATFORM_SPEC: &str = "jira-platform.v3.2025-12.json";

pub fn read_all(specs: &Path, extra_routes: &Path, platform_scopes: &Path) -> Result<Catalogue> {
    ensure!(
        specs.is_dir(),
        "spec directory {} not found (pass --specs DIR; see shared/specs/README.md)",
        specs.display()
    );
    let mut catalogue = Catalogue::default();

    let platform = read_json(&specs.join(PLATFORM_SPEC))?;
    let software = read_json(&specs.join("jira-software.v3.json"))?;
    collect_scope_descriptions(&platform, &mut catalogue)?;
    collect_scope_descriptions(&software, &mut catalogue)?;
    collect_openapi_routes(&platform, Product::Platform, &mut catalogue)?;
    collect_openapi_routes(&software, Product::Software, &mut catalogue)?;

    let jsm = read_text(&specs.join("jsm-ops-routes.tsv"))?;
    collect_tsv_routes(&jsm, TsvKind::JsmOps, &mut catalogue).context("jsm-ops-routes.tsv")?;

    let extra = read_text(extra_routes)?;
    collect_tsv_routes(&extra, TsvKind::Extra, &mut catalogue).context("extra-routes.tsv")?;

    let platform_scopes = read_text(platform_scopes)?;
    collect_platform_scopes(&platform_scopes, &mut catalogue).context("platform-scopes.tsv")?;

    finish(&mut catalogue)?;
    Ok(catalogue)
}

fn read_json(path: &Path) -> Result<Value> {
    let text = read_text(path)?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

/// `platform-scopes.tsv`: Forge platform scopes (a host capability, not a Jira route), one
/// `scope<TAB>description` a line; `#` starts a comment line.
fn collect_platform_scopes(text: &str, catalogue: &mut Catalogue) -> Result<()> {
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let (scope, description) = line
            .split_once('\t')
            .with_context(|| format!("line {}: expected `scope<TAB>description`", number + 1))?;
        ensure!(
            !catalogue.scopes.contains_key(scope),
            "line {}: {scope:?} is already a Jira scope",
            number + 1
        );
        catalogue
            .scopes
            .insert(scope.to_owned(), Some(description.trim().to_owned()));
    }
    Ok(())
}

/// `components.securitySchemes.*.flows.*.scopes`: scope → description.
fn collect_scope_descriptions(spec: &Value, catalogue: &mut Catalogue) -> Result<()> {
    let Some(schemes) = spec
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
    else {
        return Ok(());
    };
    for scheme in schemes.values() {
        let Some(flows) = scheme.get("flows").and_then(Value::as_object) else {
            continue;
        };
        for flow in flows.values() {
            let Some(scopes) = flow.get("scopes").and_then(Value::as_object) else {
                continue;
            };
            for (name, description) in scopes {
                let description = description
                    .as_str()
                    .map(str::trim)
                    .filter(|d| !d.is_empty());
                let entry = catalogue.scopes.entry(name.clone()).or_insert(None);
                // The first spec read (platform) wins when both describe a scope.
                if entry.is_none() {
                    *entry = description.map(str::to_owned);
                }
            }
        }
    }
    Ok(())
}

/// Platform operations carry `x-atlassian-oauth2-scopes` (a classic `Current` and a
/// granular `Beta` alternative); Software operations only an OpenAPI `security`
/// list whose `OAuth2` entries are the alternatives.
fn collect_openapi_routes(spec: &Value, product: Product, catalogue: &mut Catalogue) -> Result<()> {
    let paths = spec
        .get("paths")
        .and_then(Value::as_object)
        .context("spec has no paths")?;
    for (path, operations) in paths {
        let Some(operations) = operations.as_object() else {
            continue;
        };
        for (method, operation) in operations {
            let method = method.to_ascii_uppercase();
            if !METHODS.contains(&method.as_str()) {
                // `parameters`, `summary`, … are path-item fields, not operations.
                ensure!(
                    !matches!(method.as_str(), "HEAD" | "OPTIONS" | "TRACE"),
                    "{method} {path}: method not expressible by the runtime"
                );
                continue;
            }
            let operation_id = operation
                .get("operationId")
                .and_then(Value::as_str)
                .with_context(|| format!("{method} {path}: no operationId"))?;
            let alternatives = match operation.get("x-atlassian-oauth2-scopes") {
                Some(extension) => oauth2_extension_alternatives(extension)
                    .with_context(|| format!("{method} {path}: x-atlassian-oauth2-scopes"))?,
                None if product == Product::Software => security_alternatives(operation),
                None => Vec::new(),
            };
            let access = if open_anonymous_read(operation) {
                Access::AnonymousRead
            } else if own_app_data(operation) {
                Access::OwnAppData
            } else {
                Access::Scoped
            };
            push_route(
                catalogue,
                &method,
                path,
                operation_id,
                product,
                alternatives,
                access,
            )?;
        }
    }
    Ok(())
}

/// Classic (`Current`) first, then granular (`Beta`): `missing` suggestions prefer
/// the earlier alternative on a tie.
fn oauth2_extension_alternatives(extension: &Value) -> Result<Vec<Vec<String>>> {
    let entries = extension.as_array().context("not an array")?;
    let mut ranked = Vec::new();
    for entry in entries {
        let scheme = entry
            .get("scheme")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if scheme != "OAuth2" {
            continue;
        }
        let rank = match entry.get("state").and_then(Value::as_str) {
            Some("Current") => 0,
            Some("Beta") => 1,
            other => bail!("unexpected state {other:?}"),
        };
        let scopes = string_list(entry.get("scopes")).context("scopes")?;
        ranked.push((rank, scopes));
    }
    ranked.sort_by_key(|(rank, _)| *rank);
    Ok(ranked.into_iter().map(|(_, scopes)| scopes).collect())
}

/// Whom an operation's `security` admits with no scope at all.
struct Scopeless {
    /// Anonymous callers: the empty requirement `{}`.
    anonymous: bool,
    /// Any OAuth 2.0 token: `{"OAuth2": []}`.
    any_token: bool,
}

/// [`Scopeless`] of `operation`; `None` when it has no `security` list.
fn scopeless(operation: &Value) -> Option<Scopeless> {
    let requirements = operation.get("security").and_then(Value::as_array)?;
    Some(Scopeless {
        anonymous: requirements
            .iter()
            .any(|requirement| requirement.as_object().is_some_and(|r| r.is_empty())),
        any_token: requirements.iter().any(|requirement| {
            requirement
                .get("OAuth2")
                .and_then(Value::as_array)
                .is_some_and(|scopes| scopes.is_empty())
        }),
    })
}

/// Whether the operation is a read that every app may call: its OpenAPI
/// `security` admits both an anonymous caller (the empty requirement `{}`) and
/// any OAuth 2.0 token with no scope (`{"OAuth2": []}`), and Atlassian marks it
/// a read (`x-atlassian-connect-scope: READ`). What `GET /rest/api/3/serverInfo`
/// and `POST /rest/api/3/permissions/check` (a read sent as a POST, whose
/// classic scope list is empty) declare. Anonymous alone is not enough: an
/// operation open to anonymous and Basic-auth callers only (the Software spec's
/// board and sprint properties) is not one an OAuth 2.0 app may call; nor is a
/// write, whatever its security says.
fn open_anonymous_read(operation: &Value) -> bool {
    let read = operation
        .get("x-atlassian-connect-scope")
        .and_then(Value::as_str)
        == Some("READ");
    let Some(Scopeless {
        anonymous,
        any_token,
    }) = scopeless(operation)
    else {
        return false;
    };
    read && anonymous && any_token
}

/// Atlassian's app-data scopes: the only scopes an [`own_app_data`] operation
/// may name besides its empty current set.
const APP_DATA_SCOPES: [&str; 2] = ["read:app-data:jira", "write:app-data:jira"];

/// Whether the operation works on the calling app's own data, which every app
/// may call with no scope (`Access::OwnAppData`): its `security` admits any
/// OAuth 2.0 token with no scope (`{"OAuth2": []}`) and no anonymous caller
/// (`{}`), its `x-atlassian-oauth2-scopes` has an explicitly `Current` empty
/// set, and every other set it lists is non-empty and of app-data scopes only
/// (at least one such set). That shape is what Atlassian gives the operations
/// Jira confines to the calling app (its own fields' values, JQL function
/// precomputations, UI modifications, Forge app properties); the golden test
/// in `tests/catalogue.rs` pins which routes it catches. An empty current set
/// beside any other scope (`getTask`'s granular set is empty, its classic one
/// `read:jira-work`) is not this shape, nor are Connect's add-on properties,
/// whose sets are all empty.
fn own_app_data(operation: &Value) -> bool {
    let Some(Scopeless {
        anonymous,
        any_token,
    }) = scopeless(operation)
    else {
        return false;
    };
    let Some(entries) = operation
        .get("x-atlassian-oauth2-scopes")
        .and_then(Value::as_array)
    else {
        return false;
    };
    let mut current_empty = false;
    let mut app_data_sets = 0;
    for entry in entries {
        if entry.get("scheme").and_then(Value::as_str) != Some("OAuth2") {
            continue;
        }
        let Ok(scopes) = string_list(entry.get("scopes")) else {
            return false;
        };
        let current = entry.get("state").and_then(Value::as_str) == Some("Current");
        if current && scopes.is_empty() {
            current_empty = true;
        } else if !scopes.is_empty()
            && scopes
                .iter()
                .all(|scope| APP_DATA_SCOPES.contains(&scope.as_str()))
        {
            app_data_sets += 1;
        } else {
            return false;
        }
    }
    any_token && !anonymous && current_empty && app_data_sets > 0
}

/// OpenAPI `security`: `[{"OAuth2": [...]}, {}]`. The empty requirement `{}`
/// (anonymous access) is no alternative: the host always attaches a credential,
/// and an operation opens to every app only by [`open_anonymous_read`] or
/// [`own_app_data`].
fn security_alternatives(operation: &Value) -> Vec<Vec<String>> {
    let Some(requirements) = operation.get("security").and_then(Value::as_array) else {
        return Vec::new();
    };
    requirements
        .iter()
        .filter_map(|requirement| requirement.get("OAuth2"))
        .filter_map(|scopes| string_list(Some(scopes)).ok())
        .collect()
}

fn string_list(value: Option<&Value>) -> Result<Vec<String>> {
    value
        .and_then(Value::as_array)
        .context("expected a list of strings")?
        .iter()
        .map(|item| {
            item.as_str()
                .map(str::to_owned)
                .context("expected a string")
        })
        .collect()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum TsvKind {
    /// `method path operationId scopes`, paths relative to the JSM Ops server.
    JsmOps,
    /// `method path operationId product scopes`, full product paths; `#` comments.
    Extra,
}

fn collect_tsv_routes(text: &str, kind: TsvKind, catalogue: &mut Catalogue) -> Result<()> {
    let mut lines = text.lines().enumerate().filter(|(_, line)| {
        let line = line.trim();
        !line.is_empty() && !line.starts_with('#')
    });
    if kind == TsvKind::JsmOps {
        let (_, header) = lines.next().context("empty file")?;
        ensure!(
            header.starts_with("method\tpath\toperationId\tscopes"),
            "unexpected header {header:?}"
        );
    }
    for (index, line) in lines {
        let line_no = index + 1;
        let columns: Vec<&str> = line.split('\t').map(str::trim).collect();
        let (method, path, operation_id, product, scopes) = match (kind, columns.as_slice()) {
            (TsvKind::JsmOps, [method, path, operation_id, scopes]) => (
                *method,
                format!("{JSM_OPS_PREFIX}{path}"),
                *operation_id,
                Product::JsmOps,
                *scopes,
            ),
            (TsvKind::Extra, [method, path, operation_id, product, scopes]) => {
                let product = Product::parse(product)
                    .with_context(|| format!("line {line_no}: unknown product {product:?}"))?;
                (*method, (*path).to_owned(), *operation_id, product, *scopes)
            }
            _ => bail!("line {line_no}: wrong number of tab-separated columns"),
        };
        ensure!(
            METHODS.contains(&method),
            "line {line_no}: unsupported method {method:?}"
        );
        let alternatives = tsv_alternatives(scopes).with_context(|| format!("line {line_no}"))?;
        push_route(
            catalogue,
            method,
            &path,
            operation_id,
            product,
            alternatives,
            Access::Scoped,
        )
        .with_context(|| format!("line {line_no}"))?;
    }
    Ok(())
}

/// `basicAuth[] | OAuth2[a,b] | OAuth2[c]` → `[[a, b], [c]]`; basic auth is never
/// an alternative for an app (the host holds OAuth credentials only).
fn tsv_alternatives(column: &str) -> Result<Vec<Vec<String>>> {
    let mut alternatives = Vec::new();
    for alternative in column.split('|').map(str::trim).filter(|a| !a.is_empty()) {
        let (scheme, rest) = alternative
            .split_once('[')
            .with_context(|| format!("malformed {alternative:?}"))?;
        let list = rest
            .strip_suffix(']')
            .with_context(|| format!("malformed {alternative:?}"))?;
        if scheme != "OAuth2" {
            continue;
        }
        alternatives.push(
            list.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        );
    }
    Ok(alternatives)
}

fn push_route(
    catalogue: &mut Catalogue,
    method: &str,
    template: &str,
    operation_id: &str,
    product: Product,
    alternatives: Vec<Vec<String>>,
    access: Access,
) -> Result<()> {
    // Every operation counts for the simulator's list, scoped or not: a real site
    // answers `serverInfo` too, and the simulator must say when it lacks one.
    check_template(template).with_context(|| format!("{method} {template}"))?;
    catalogue.operations.push(Operation {
        template: template.to_owned(),
        method: method.to_owned(),
        operation_id: operation_id.to_owned(),
    });
    let unscoped = Operation {
        template: template.to_owned(),
        method: method.to_owned(),
        operation_id: operation_id.to_owned(),
    };
    if access == Access::AnonymousRead {
        // Every app may read it, as Forge lets every app read it, whatever
        // granular scope the spec also names: see `Access::AnonymousRead`.
        catalogue.routes.push(RouteSpec {
            method: method.to_owned(),
            template: template.to_owned(),
            operation_id: operation_id.to_owned(),
            product,
            alternatives: Vec::new(),
            access,
        });
        return Ok(());
    }
    // An empty alternative would grant the route to every app: deny by default, so
    // only alternatives that name at least one scope count. An own-app-data route
    // is open to every app by its access, not by an empty alternative; its
    // app-data alternative is kept, to say whether it reads or writes.
    let mut kept: Vec<Vec<String>> = Vec::new();
    for mut alternative in alternatives.iter().cloned() {
        if alternative.is_empty() {
            continue;
        }
        alternative.sort();
        alternative.dedup();
        if !kept.contains(&alternative) {
            kept.push(alternative);
        }
    }
    if kept.is_empty() {
        let reason = if alternatives.is_empty() {
            "no OAuth2 scope"
        } else {
            "only empty OAuth2 scope lists"
        };
        *catalogue.skipped.entry(reason).or_default() += 1;
        catalogue.unscoped.push(unscoped);
        return Ok(());
    }
    catalogue.routes.push(RouteSpec {
        method: method.to_owned(),
        template: template.to_owned(),
        operation_id: operation_id.to_owned(),
        product,
        alternatives: kept,
        access,
    });
    Ok(())
}

/// The matcher understands `/literal/{param}/pre{param}suf`: one parameter per
/// segment, no empty segment, no query, nothing it would have to guess about.
fn check_template(template: &str) -> Result<()> {
    let rest = template
        .strip_prefix('/')
        .context("template must start with '/'")?;
    ensure!(
        !template.contains(['?', '#', '%', ' ']),
        "template has a query, fragment, escape or space"
    );
    for segment in rest.split('/') {
        ensure!(!segment.is_empty(), "empty segment");
        let opens = segment.matches('{').count();
        let closes = segment.matches('}').count();
        ensure!(
            opens == closes && opens <= 1,
            "segment {segment:?} must hold at most one {{parameter}}"
        );
        if opens == 1 {
            let (_, after_open) = segment.split_once('{').unwrap_or_default();
            let (name, _) = after_open.split_once('}').context("unclosed parameter")?;
            ensure!(
                !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
                "bad parameter name {name:?}"
            );
        }
    }
    Ok(())
}

/// Sorts routes, rejects two routes the matcher could not tell apart, and makes
/// sure every scope a route needs is a known scope.
fn finish(catalogue: &mut Catalogue) -> Result<()> {
    catalogue.routes.sort_by(|a, b| {
        let method_rank = |m: &str| METHODS.iter().position(|known| *known == m);
        (&a.template, method_rank(&a.method)).cmp(&(&b.template, method_rank(&b.method)))
    });
    catalogue.operations.sort();
    catalogue.operations.dedup();
    catalogue.unscoped.sort();
    catalogue.unscoped.dedup();
    // A hand-added route (`extra-routes.tsv`) opens an operation the specs leave
    // unscoped: it is catalogued, so no longer listed as one no scope opens.
    let catalogued: BTreeSet<(&str, &str)> = catalogue
        .routes
        .iter()
        .map(|route| (route.method.as_str(), route.template.as_str()))
        .collect();
    catalogue.unscoped.retain(|operation| {
        !catalogued.contains(&(operation.method.as_str(), operation.template.as_str()))
    });
    let mut shapes = BTreeSet::new();
    for route in &catalogue.routes {
        let shape = normalized_shape(&route.template);
        ensure!(
            shapes.insert((route.method.clone(), shape)),
            "{} {}: another route has the same shape (only parameter names differ)",
            route.method,
            route.template
        );
        for scope in route.alternatives.iter().flatten() {
            catalogue.scopes.entry(scope.clone()).or_insert(None);
        }
    }
    let mut variants: BTreeMap<String, &str> = BTreeMap::new();
    for scope in catalogue.scopes.keys() {
        ensure!(
            scope
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ":-._".contains(c)),
            "scope {scope:?} has characters the manifest syntax does not allow"
        );
        if let Some(previous) = variants.insert(crate::render::variant_name(scope), scope) {
            bail!("scopes {previous:?} and {scope:?} map to the same Rust variant name");
        }
    }
    Ok(())
}

/// `/a/{x}/b{y}.ics` → `/a/{}/b{}.ics`.
fn normalized_shape(template: &str) -> String {
    let mut shape = String::with_capacity(template.len());
    let mut in_param = false;
    for c in template.chars() {
        match c {
            '{' => {
                in_param = true;
                shape.push('{');
            }
            '}' => {
                in_param = false;
                shape.push('}');
            }
            _ if in_param => {}
            _ => shape.push(c),
        }
    }
    shape
}
