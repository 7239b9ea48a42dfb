//! `runtime new`: writes a ready app folder (a Cargo project depending on the
//! Kiln SDK, a manifest, lint payloads and a unit test) that `runtime run`
//! runs at once.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, anyhow};

use super::exit::{Exit, Failure};
use super::new_forge_js;
use super::templates::{self, Template};

/// This repository, as the runtime was compiled from it: where the SDK and the
/// manifest schema are found by default.
const REPO_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// The kiln-sdk release a new app depends on: the one released with this
/// runtime (one workspace version).
const SDK_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Where the local-checkout patch goes: Cargo reads it from the app folder,
/// which is where `runtime build` and `cargo build` run.
const LOCAL_SDK_CONFIG: &str = ".cargo/config.toml";

#[derive(clap::Args, Debug)]
pub struct NewArgs {
    /// The folder to create; its last component is the app id and crate name
    /// (lower-case letters, digits and `-`, starting with a letter).
    path: PathBuf,
    /// What the app starts as.
    #[arg(long, short = 't', default_value = "hello", value_parser = clap::builder::PossibleValuesParser::new(template_names()))]
    template: String,
    /// A Kiln SDK folder (`sdk-guest` of a Kiln checkout) to build the app
    /// against instead of the kiln-sdk release on crates.io (default: the
    /// checkout this runtime was built from, when it still exists).
    #[arg(long, value_name = "DIR")]
    sdk_path: Option<PathBuf>,
}

/// The Rust templates and the JavaScript one (issue 18).
fn template_names() -> Vec<&'static str> {
    let mut names = templates::names();
    names.push(new_forge_js::NAME);
    names
}

pub fn run(args: NewArgs) -> Result<Exit, Failure> {
    // --- forge-js (issue 18): a JavaScript app, no Cargo project. ---
    if args.template == new_forge_js::NAME {
        return run_forge_js(&args);
    }
    // --- end forge-js ---
    let template = templates::find(&args.template).ok_or_else(|| {
        Failure::bad_input(anyhow!(
            "no template {:?}; choose one of {}",
            args.template,
            templates::names().join(", ")
        ))
    })?;
    let name = app_name(&args.path)?;
    refuse_existing(&args.path)?;
    let sdk = locate_sdk(args.sdk_path.as_deref())?;
    let schema = sdk
        .as_deref()
        .and_then(Path::parent)
        .map(|repo| repo.join("manifest-schema").join("manifest.schema.json"))
        .filter(|schema| schema.is_file());

    let values = placeholder_values(&name, template, sdk.as_deref(), schema.as_deref())?;
    let mut files = render_all(template, &values)?;
    if sdk.is_some() {
        files.push((
            LOCAL_SDK_CONFIG,
            templates::render(LOCAL_SDK_CONFIG, templates::LOCAL_SDK_PATCH, &values)
                .map_err(Failure::environment)?,
        ));
    }
    write_files(&args.path, &files)?;
    let shown = args.path.display();
    eprintln!(
        "created {shown} from the {} template ({})",
        template.name, template.description
    );
    if sdk.is_none() {
        eprintln!(
            "no Kiln checkout found: kiln-sdk {SDK_VERSION} comes from crates.io (pass --sdk-path <kiln checkout>/sdk-guest to build against a checkout)"
        );
    }
    eprintln!("next:");
    eprintln!("  runtime run {shown}      # build it and run it on the embedded Jira simulator");
    eprintln!("  runtime lint {shown}     # check its scopes are the least it needs");
    eprintln!("  cd {shown} && cargo test # its unit tests");
    Ok(Exit::Success)
}

/// `runtime new --template forge-js`.
fn run_forge_js(args: &NewArgs) -> Result<Exit, Failure> {
    let name = app_name(&args.path)?;
    refuse_existing(&args.path)?;
    let schema = Path::new(REPO_DIR)
        .join("manifest-schema/manifest.schema.json")
        .canonicalize()
        .ok()
        .and_then(|p| p.to_str().map(str::to_owned))
        .unwrap_or_else(|| {
            "https://github.com/kiln-rs/kiln/raw/main/manifest-schema/manifest.schema.json".into()
        });
    let values = BTreeMap::from([
        ("app_id", name.clone()),
        ("app_name", title(&name)),
        ("schema", schema),
    ]);
    let files = new_forge_js::render_all(&values).map_err(Failure::environment)?;
    write_files(&args.path, &files)?;
    let shown = args.path.display();
    eprintln!(
        "created {shown} from the {} template ({})",
        new_forge_js::NAME,
        new_forge_js::DESCRIPTION
    );
    eprintln!("next:");
    eprintln!(
        "  runtime run {shown}      # build it (Node.js needed) and run it on the embedded Jira simulator"
    );
    eprintln!("  runtime inspect {shown}  # what it may call");
    Ok(Exit::Success)
}

/// Writes each rendered `(relative path, text)` under `root`, creating folders.
fn write_files(root: &Path, files: &[(&str, String)]) -> Result<(), Failure> {
    for (relative, text) in files {
        let path = root.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))
                .map_err(Failure::environment)?;
        }
        std::fs::write(&path, text)
            .with_context(|| format!("cannot write {}", path.display()))
            .map_err(Failure::environment)?;
    }
    Ok(())
}

/// The app id and crate name, from the folder's last component.
fn app_name(path: &Path) -> Result<String, Failure> {
    let name = path.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
        Failure::bad_input(anyhow!("{} does not end in a folder name", path.display()))
    })?;
    let valid = name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-');
    if !valid {
        return Err(Failure::bad_input(anyhow!(
            "{name:?} cannot name an app: use lower-case letters, digits and `-` (starting with a letter, at most 64), e.g. `my-jira-app`"
        )));
    }
    Ok(name.to_owned())
}

/// `new` never overwrites: an existing non-empty folder is refused.
fn refuse_existing(path: &Path) -> Result<(), Failure> {
    let occupied = match std::fs::read_dir(path) {
        Ok(mut entries) => entries.next().is_some(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(_) => path.exists(),
    };
    if occupied {
        return Err(Failure::bad_input(anyhow!(
            "{} already exists and is not empty; choose another name or remove it",
            path.display()
        )));
    }
    Ok(())
}

/// The local SDK folder to build against: `--sdk-path` (which must be one),
/// else `sdk-guest` in the checkout the runtime was built from if it still
/// exists; `None` means the crates.io release.
fn locate_sdk(explicit: Option<&Path>) -> Result<Option<PathBuf>, Failure> {
    let is_sdk = |dir: &Path| {
        std::fs::read_to_string(dir.join("Cargo.toml"))
            .is_ok_and(|toml| toml.contains("name = \"kiln-sdk\""))
    };
    let candidate = match explicit {
        Some(path) if is_sdk(path) => path.to_owned(),
        Some(path) => {
            return Err(Failure::bad_input(anyhow!(
                "no Kiln SDK at {} (--sdk-path); pass --sdk-path <kiln checkout>/sdk-guest",
                path.display()
            )));
        }
        None => {
            let default = Path::new(REPO_DIR).join("sdk-guest");
            if !is_sdk(&default) {
                return Ok(None);
            }
            default
        }
    };
    candidate
        .canonicalize()
        .map(Some)
        .with_context(|| format!("cannot resolve {}", candidate.display()))
        .map_err(Failure::environment)
}

fn placeholder_values(
    name: &str,
    template: &Template,
    sdk: Option<&Path>,
    schema: Option<&Path>,
) -> Result<BTreeMap<&'static str, String>, Failure> {
    let sdk = match sdk {
        Some(sdk) => sdk
            .to_str()
            .filter(|s| !s.chars().any(char::is_control))
            .ok_or_else(|| {
                Failure::bad_input(anyhow!("the SDK path {} is not plain UTF-8", sdk.display()))
            })?,
        None => "",
    };
    let schema = match schema.and_then(Path::to_str) {
        Some(path) => path.to_owned(),
        // Without a local checkout, the published schema still gives editors completion.
        None => String::from(
            "https://github.com/kiln-rs/kiln/raw/main/manifest-schema/manifest.schema.json",
        ),
    };
    Ok(BTreeMap::from([
        ("crate_name", name.to_owned()),
        ("app_id", name.to_owned()),
        ("app_name", title(name)),
        ("description", template.description.replace('"', "'")),
        ("template", template.name.to_owned()),
        ("payload", template.example_payload.to_owned()),
        ("sdk_path", toml_escape(sdk)),
        ("sdk_version", SDK_VERSION.to_owned()),
        ("schema", schema),
    ]))
}

/// `my-jira-app` → `My jira app`.
fn title(name: &str) -> String {
    let spaced = name.replace('-', " ");
    let mut chars = spaced.chars();
    chars
        .next()
        .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// Escapes a value for a TOML basic string.
fn toml_escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"")
}

fn render_all(
    template: &Template,
    values: &BTreeMap<&str, String>,
) -> Result<Vec<(&'static str, String)>, Failure> {
    template
        .all_files()
        .map(|file| {
            templates::render(file.path, file.text, values)
                .map(|text| (file.path, text))
                .map_err(Failure::environment)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_names_are_checked() {
        assert_eq!(app_name(Path::new("apps/my-app2")).unwrap(), "my-app2");
        for bad in ["My-App", "1app", "app_", "app-", "", "..", "a b"] {
            assert!(app_name(Path::new(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_template_renders_a_valid_manifest_and_cargo_toml() {
        let sdk = Path::new(REPO_DIR).join("sdk-guest");
        for template in templates::TEMPLATES {
            let values = placeholder_values("demo-app", template, Some(&sdk), None).unwrap();
            let files = render_all(template, &values).unwrap();
            let file = |path: &str| &files.iter().find(|(p, _)| *p == path).unwrap().1;
            let manifest = kiln_manifest::Manifest::from_yaml(file("manifest.yml")).unwrap();
            assert_eq!(manifest.app.id, "demo-app");
            assert!(file("manifest.yml").starts_with("# yaml-language-server: $schema="));
            let cargo: toml::Table = toml::from_str(file("Cargo.toml")).unwrap();
            assert_eq!(cargo["package"]["name"].as_str(), Some("demo-app"));
            assert_eq!(
                cargo["dependencies"]["kiln-sdk"].as_str(),
                Some(SDK_VERSION),
                "the app names the released SDK, never a path"
            );
            assert!(
                cargo.contains_key("workspace"),
                "the app is its own workspace"
            );
            let payloads: serde_json::Value =
                serde_json::from_str(file("lint.payloads.json")).unwrap();
            assert!(payloads.as_array().is_some_and(|p| !p.is_empty()));
        }
    }

    #[test]
    fn paths_are_escaped_for_toml() {
        assert_eq!(toml_escape(r#"C:\a"b"#), r#"C:\\a\"b"#);
        assert_eq!(title("my-jira-app"), "My jira app");
    }
}
